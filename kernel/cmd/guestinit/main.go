// Command guestinit is the PID 1 of the MAP_NOSIGBUS demo guest: a static
// (CGO_ENABLED=0) Go binary at /init in the initramfs. It mounts /proc,
// /sys, /dev and /tmp, runs the in-guest tests of the flag, the project's
// start-up probe, the compositor scenarios listed in /etc/nofault/scenarios
// and any go test binaries under /scenarios, prints one "NOFAULT {json}"
// line per result on the serial console (see package kernel/demo), and
// powers the machine off.
//
// /etc/nofault/scenarios has one scenario per line: a name, a tab, and
// the command line split on spaces. The first word is the program; if it,
// or any later word starting with "/bin/", is missing from the initramfs the
// scenario is reported as not built.
//
// Run as any other PID it skips the mounts and the power-off, so it can be
// tried on the host: go run ./kernel/cmd/guestinit.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nofault/nofault/kernel/demo"
	"golang.org/x/sys/unix"
)

const (
	scenarioFile    = "/etc/nofault/scenarios"
	scenarioTimeout = 150 * time.Second
	goTestTimeout   = 240 * time.Second
	maxLogLines     = 300
)

var out = bufio.NewWriter(os.Stdout)
var outMu sync.Mutex

func emit(r demo.Record) { printLine(r.Line()) }

func printLine(s string) {
	outMu.Lock()
	defer outMu.Unlock()
	out.WriteString(s + "\n")
	out.Flush()
}

func main() {
	pid1 := os.Getpid() == 1
	defer func() {
		if r := recover(); r != nil {
			emit(demo.Record{Kind: demo.KindDone, Detail: fmt.Sprintf("guestinit panicked: %v", r)})
		}
		if pid1 {
			unix.Sync()
			unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
		}
	}()
	if pid1 {
		setup()
	}
	var u unix.Utsname
	unix.Uname(&u)
	emit(demo.Record{Kind: demo.KindBoot, Name: unix.ByteSliceToString(u.Release[:]), Detail: unix.ByteSliceToString(u.Version[:])})

	for _, r := range demo.RunFlagTests() {
		emit(r)
	}
	p := probe()
	emit(demo.Record{Kind: demo.KindProbe, Name: p.Source, Probe: &p})

	for _, sc := range scenarios() {
		emit(demo.Record{Kind: demo.KindScenario, Name: sc.name, Scenario: runScenario(sc)})
	}
	runGoTests()
	emit(demo.Record{Kind: demo.KindDone})
}

func setup() {
	os.Setenv("PATH", "/bin")
	os.Setenv("HOME", "/tmp")
	for _, m := range []struct{ src, dir, fs string }{
		{"proc", "/proc", "proc"},
		{"sysfs", "/sys", "sysfs"},
		{"devtmpfs", "/dev", "devtmpfs"},
		{"tmpfs", "/tmp", "tmpfs"},
	} {
		os.MkdirAll(m.dir, 0o755)
		if err := unix.Mount(m.src, m.dir, m.fs, 0, ""); err != nil && !errors.Is(err, unix.EBUSY) {
			printLine(fmt.Sprintf("NOFAULT-LOG mount %s: %v", m.dir, err))
		}
	}
	rt := "/tmp/xdg-runtime"
	os.MkdirAll(rt, 0o700)
	os.Setenv("XDG_RUNTIME_DIR", rt)
}

type scenario struct {
	name string
	argv []string
}

func scenarios() []scenario {
	data, err := os.ReadFile(scenarioFile)
	if err != nil {
		return nil
	}
	var list []scenario
	for _, l := range strings.Split(string(data), "\n") {
		name, cmd, ok := strings.Cut(strings.TrimSpace(l), "\t")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		list = append(list, scenario{name, strings.Fields(cmd)})
	}
	return list
}

func runScenario(sc scenario) *demo.ScenarioReport {
	rep := &demo.ScenarioReport{Command: sc.argv, ExitCode: -1}
	for i, a := range sc.argv {
		if i == 0 || strings.HasPrefix(a, "/bin/") {
			if _, err := os.Stat(a); err != nil {
				rep.NotBuilt = a
				return rep
			}
		}
	}
	statsPath := ""
	for _, a := range sc.argv {
		if v, ok := strings.CutPrefix(a, "--stats="); ok {
			statsPath = v
		}
	}
	if statsPath != "" {
		os.Remove(statsPath)
	}

	cmd := exec.Command(sc.argv[0], sc.argv[1:]...)
	cmd.Env = append(os.Environ(), "NOFAULT_KERNEL_GUEST=1")
	r, w, err := os.Pipe()
	if err != nil {
		rep.Tail = []string{"pipe: " + err.Error()}
		return rep
	}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		w.Close()
		r.Close()
		rep.Tail = []string{"start: " + err.Error()}
		return rep
	}
	w.Close()

	lines := make(chan struct{})
	go func() {
		defer close(lines)
		s := bufio.NewScanner(r)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		n := 0
		for s.Scan() {
			l := s.Text()
			if n++; n <= maxLogLines {
				printLine("NOFAULT-LOG " + sc.name + ": " + l)
			}
			rep.Tail = append(rep.Tail, l)
			if len(rep.Tail) > 40 {
				rep.Tail = rep.Tail[1:]
			}
			if o := jsonOutcome(l); o != nil {
				rep.Outcomes = append(rep.Outcomes, o)
			}
		}
	}()

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(scenarioTimeout):
		rep.TimedOut = true
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) // the compositor writes --stats on exit
		select {
		case werr = <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			werr = <-done
		}
	}
	<-lines
	r.Close()
	rep.Seconds = time.Since(start).Seconds()
	rep.ExitCode = cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && !rep.TimedOut {
		rep.Signal = unix.SignalName(ws.Signal())
	}
	_ = werr
	if statsPath != "" {
		if b, err := os.ReadFile(statsPath); err == nil {
			if json.Valid(b) {
				var c bytes.Buffer
				json.Compact(&c, b)
				rep.Stats = c.Bytes()
			} else {
				rep.Stats, _ = json.Marshal(string(b))
			}
		}
	}
	return rep
}

// jsonOutcome returns l (or the JSON object inside it) if it is an object
// with a "result" key, as misbehave's outcome lines are.
func jsonOutcome(l string) json.RawMessage {
	i := strings.Index(l, "{")
	if i < 0 {
		return nil
	}
	b := []byte(strings.TrimSpace(l[i:]))
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	if _, ok := m["result"]; !ok {
		return nil
	}
	return b
}

// runGoTests runs every /scenarios/*.test binary (go test -c output).
func runGoTests() {
	bins, _ := filepath.Glob("/scenarios/*.test")
	sort.Strings(bins)
	for _, bin := range bins {
		name := filepath.Base(bin)
		cmd := exec.Command(bin, "-test.v", "-test.timeout="+goTestTimeout.String())
		cmd.Env = append(os.Environ(), "NOFAULT_KERNEL_GUEST=1")
		cmd.Dir = "/tmp"
		outb, err := cmd.CombinedOutput()
		var pass, fail, skip int
		for _, l := range strings.Split(string(outb), "\n") {
			t := strings.TrimSpace(l)
			switch {
			case strings.HasPrefix(t, "--- PASS"):
				pass++
			case strings.HasPrefix(t, "--- FAIL"):
				fail++
				printLine("NOFAULT-LOG " + name + ": " + t)
			case strings.HasPrefix(t, "--- SKIP"):
				skip++
			case strings.HasPrefix(t, "panic:"), strings.HasPrefix(t, "FAIL"):
				printLine("NOFAULT-LOG " + name + ": " + t)
			}
		}
		detail := fmt.Sprintf("%d passed, %d failed, %d skipped", pass, fail, skip)
		if err != nil {
			detail += "; " + err.Error()
		}
		emit(demo.Record{Kind: demo.KindGoTest, Name: name, OK: err == nil, Detail: detail})
	}
}
