package wlclient

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// ClockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat
// (100 on every Linux architecture Go supports).
const ClockTicks = 100

// CPU is a process's CPU time.
type CPU struct {
	// Stat is utime+stime from /proc/PID/stat, in seconds (10 ms steps).
	Stat float64
	// Sched is the sum over /proc/PID/task/*/schedstat of the time spent
	// on a CPU, in seconds (nanosecond resolution; threads that exited are
	// missing). Zero when schedstat is unavailable.
	Sched float64
	// Switches is the sum over /proc/PID/task/*/status of the voluntary
	// and involuntary context switches (threads that exited are missing).
	Switches int64
}

// ProcCPU reads the CPU time of process pid.
func ProcCPU(pid int) (CPU, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return CPU{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return CPU{}, fmt.Errorf("procstat: bad /proc/%d/stat", pid)
	}
	// Fields after "comm)": state(3) ppid(4) ... utime(14) stime(15).
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return CPU{}, fmt.Errorf("procstat: short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	st, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return CPU{}, fmt.Errorf("procstat: bad times in /proc/%d/stat", pid)
	}
	c := CPU{Stat: float64(ut+st) / ClockTicks}
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
	var ns uint64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := bytes.Fields(b)
		if len(f) > 0 {
			v, _ := strconv.ParseUint(string(f[0]), 10, 64)
			ns += v
		}
	}
	c.Sched = float64(ns) / 1e9
	c.Switches = procSwitches(pid)
	return c, nil
}

// procSwitches sums voluntary_ctxt_switches and nonvoluntary_ctxt_switches
// over the threads of process pid.
func procSwitches(pid int) int64 {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/status")
	var n int64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, l := range bytes.Split(b, []byte("\n")) {
			k, v, ok := bytes.Cut(l, []byte(":"))
			if !ok || !bytes.HasSuffix(k, []byte("voluntary_ctxt_switches")) {
				continue
			}
			x, _ := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			n += x
		}
	}
	return n
}

// Sub returns c - o.
func (c CPU) Sub(o CPU) CPU { return CPU{c.Stat - o.Stat, c.Sched - o.Sched, c.Switches - o.Switches} }
