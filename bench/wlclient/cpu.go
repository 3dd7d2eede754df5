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
	var ns uint64
	eachTask(pid, "schedstat", func(b []byte) {
		if f := bytes.Fields(b); len(f) > 0 {
			v, _ := strconv.ParseUint(string(f[0]), 10, 64)
			ns += v
		}
	})
	c.Sched = float64(ns) / 1e9
	// The voluntary and involuntary context switches of every thread.
	eachTask(pid, "status", func(b []byte) {
		for _, l := range bytes.Split(b, []byte("\n")) {
			if k, v, ok := bytes.Cut(l, []byte(":")); ok && bytes.HasSuffix(k, []byte("voluntary_ctxt_switches")) {
				x, _ := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
				c.Switches += x
			}
		}
	})
	return c, nil
}

// eachTask calls fn with the contents of /proc/PID/task/*/name for every
// thread of process pid (threads gone meanwhile are skipped).
func eachTask(pid int, name string, fn func([]byte)) {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/" + name)
	for _, t := range tasks {
		if b, err := os.ReadFile(t); err == nil {
			fn(b)
		}
	}
}

// Sub returns c - o.
func (c CPU) Sub(o CPU) CPU { return CPU{c.Stat - o.Stat, c.Sched - o.Sched, c.Switches - o.Switches} }
