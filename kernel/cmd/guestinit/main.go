// Command guestinit is the PID 1 of the MAP_NOSIGBUS demo guest: a static
// (CGO_ENABLED=0) Go binary at /init in the initramfs. It mounts /proc,
// /sys, /dev and /tmp, runs the in-guest tests of the flag, the project's
// start-up probe, the compositor scenarios listed in /etc/nofault/scenarios
// any go test binaries under /scenarios and any kselftest binaries under
// /kselftest (each run plainly and with -f), prints one "NOFAULT {json}"
// line per result on the serial console (see package kernel/demo), and
// powers the machine off.
//
// /etc/nofault/scenarios has one scenario per line: a name, a tab, and
// the command line split on spaces. The first word is the program; if it,
// or any later word starting with "/bin/", is missing from the initramfs the
// scenario is reported as not built.
//
// Run as any other PID it skips the mounts and the power-off, so it can be
// tried on the host: go run ./kernel/cmd/guestinit. "/init -client NAME"
// runs one of the demo's own Wayland clients instead (client.go).
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
	if len(os.Args) == 3 && os.Args[1] == "-client" {
		os.Exit(runClient(os.Args[2])) // a demo client, see client.go
	}
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
	runKselftests()
	scanKmsg()
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
	rep := &demo.ScenarioReport{Command: sc.argv, ExitCode: -1, ClientExit: -1}
	for i, a := range sc.argv {
		if i == 0 || strings.HasPrefix(a, "/bin/") {
			if _, err := os.Stat(a); err != nil {
				rep.NotBuilt = a
				return rep
			}
		}
	}
	server, client := sc.argv, []string(nil)
	for i, a := range sc.argv {
		if a == "--" {
			server, client = sc.argv[:i], sc.argv[i+1:]
			break
		}
	}
	statsPath := ""
	for _, a := range server {
		if v, ok := strings.CutPrefix(a, "--stats="); ok {
			statsPath = v
		}
	}
	if statsPath != "" {
		os.Remove(statsPath)
	}
	start := time.Now()
	defer func() { rep.Seconds = time.Since(start).Seconds() }()

	srv, srvOut, err := startLogged(sc.name+" compositor", server, nil)
	if err != nil {
		rep.Tail = []string{err.Error()}
		return rep
	}
	srvDone := make(chan struct{})
	go func() { srv.Wait(); close(srvDone) }()
	deadline := time.After(scenarioTimeout)

	if len(client) > 0 {
		// what "compositor -- client" does, with guestinit in charge of the
		// order and of the shutdown: wait for the socket, run the client
		// with its own stdout, then stop the compositor
		sock, err := waitSocket(srvDone, 60*time.Second)
		if err != nil {
			rep.Tail = []string{err.Error()}
		} else {
			cl, clOut, err := startLogged(sc.name+" client", client, []string{"WAYLAND_DISPLAY=" + sock})
			if err != nil {
				rep.Tail = []string{err.Error()}
			} else {
				clDone := make(chan struct{})
				go func() { cl.Wait(); close(clDone) }()
				select {
				case <-clDone:
				case <-deadline:
					rep.TimedOut = true
					syscall.Kill(-cl.Process.Pid, syscall.SIGKILL)
					<-clDone
				}
				rep.ClientExit = cl.ProcessState.ExitCode()
				text := clOut.wait()
				rep.Outcomes = jsonOutcomes(text)
				rep.Tail = tail(text, 40)
			}
		}
		select {
		case <-srvDone:
		default:
			syscall.Kill(-srv.Process.Pid, syscall.SIGTERM) // it writes --stats on exit
		}
	} else {
		select {
		case <-srvDone:
		case <-deadline:
			rep.TimedOut = true
			syscall.Kill(-srv.Process.Pid, syscall.SIGTERM)
		}
	}
	select {
	case <-srvDone:
	case <-time.After(10 * time.Second):
		syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
		<-srvDone
	}
	text := srvOut.wait()
	if len(client) == 0 {
		rep.Outcomes = jsonOutcomes(text)
		rep.Tail = tail(text, 40)
	}
	rep.ExitCode = srv.ProcessState.ExitCode()
	if ws, ok := srv.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() &&
		ws.Signal() != syscall.SIGTERM && ws.Signal() != syscall.SIGKILL {
		rep.Signal = unix.SignalName(ws.Signal())
	}
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

// output collects a process's output and echoes it as NOFAULT-LOG lines.
type output struct {
	done chan struct{}
	buf  bytes.Buffer
}

func (o *output) wait() string { <-o.done; return o.buf.String() }

// startLogged starts argv in its own process group with stdout and stderr
// collected (and echoed to the console, up to maxLogLines lines).
func startLogged(label string, argv, env []string) (*exec.Cmd, *output, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), "NOFAULT_KERNEL_GUEST=1"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	w.Close()
	o := &output{done: make(chan struct{})}
	go func() {
		defer close(o.done)
		defer r.Close()
		s := bufio.NewScanner(r)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; s.Scan(); n++ {
			if n <= maxLogLines {
				printLine("NOFAULT-LOG " + label + ": " + s.Text())
			}
			o.buf.WriteString(s.Text() + "\n")
		}
	}()
	return cmd, o, nil
}

// waitSocket waits for a Wayland socket in $XDG_RUNTIME_DIR.
func waitSocket(died <-chan struct{}, limit time.Duration) (string, error) {
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		socks, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "wayland-*"))
		for _, s := range socks {
			if fi, err := os.Stat(s); err == nil && fi.Mode()&os.ModeSocket != 0 {
				return filepath.Base(s), nil
			}
		}
		select {
		case <-died:
			return "", errors.New("compositor exited before its socket appeared")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return "", fmt.Errorf("no Wayland socket in $XDG_RUNTIME_DIR after %v", limit)
}

func tail(text string, n int) []string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// jsonOutcomes finds misbehave outcomes in text: JSON objects (one line or
// indented over several, as misbehave --json prints its report) that have
// a "result" key, or an "outcomes" array of such objects.
func jsonOutcomes(text string) []json.RawMessage {
	var found []json.RawMessage
	lines := strings.SplitAfter(text, "\n")
	for i := 0; i < len(lines); i++ {
		j := strings.Index(lines[i], "{")
		if j < 0 {
			continue
		}
		rest := lines[i][j:] + strings.Join(lines[i+1:], "")
		dec := json.NewDecoder(strings.NewReader(rest))
		var m map[string]json.RawMessage
		if dec.Decode(&m) != nil {
			continue
		}
		if _, ok := m["result"]; ok {
			b, _ := json.Marshal(m)
			found = append(found, b)
		}
		var list []json.RawMessage
		if json.Unmarshal(m["outcomes"], &list) == nil {
			found = append(found, list...)
		}
		// skip the lines the object took
		used := rest[:dec.InputOffset()]
		i += strings.Count(used, "\n")
	}
	return found
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
			case strings.HasPrefix(t, "panic:"), strings.HasPrefix(t, "FAIL"), strings.Contains(t, "_test.go:"):
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

// runKselftests runs every /kselftest/* binary twice: as kselftest runs
// it, and with -f (run even where the kernel does not seem to have the
// feature), and reports the exit status and the "# Totals:" line of each.
func runKselftests() {
	bins, _ := filepath.Glob("/kselftest/*")
	sort.Strings(bins)
	for _, bin := range bins {
		for _, args := range [][]string{nil, {"-f"}} {
			name := strings.TrimSpace(filepath.Base(bin) + " " + strings.Join(args, " "))
			cmd := exec.Command(bin, args...)
			cmd.Dir = "/tmp"
			outb, err := cmd.CombinedOutput()
			rec := demo.Record{Kind: demo.KindKselftest, Name: name, Exit: -1}
			if cmd.ProcessState != nil {
				rec.Exit = cmd.ProcessState.ExitCode() // -1 if killed by a signal
			}
			for _, l := range strings.Split(strings.TrimRight(string(outb), "\n"), "\n") {
				printLine("NOFAULT-LOG " + name + ": " + l)
				if strings.HasPrefix(l, "# Totals:") || strings.HasPrefix(l, "1..0 # SKIP") {
					rec.Detail = l
				}
			}
			if cmd.ProcessState == nil {
				rec.Detail = err.Error()
			}
			rec.OK = rec.Exit == 0
			emit(rec)
		}
	}
}

// scanKmsg reads the kernel's log buffer and reports every line that
// starts a kernel splat (BUG, WARNING, Oops, ...) as a kmsg record, plus
// the next lines of the splat as NOFAULT-LOG lines.
func scanKmsg() {
	n, err := unix.Klogctl(unix.SYSLOG_ACTION_SIZE_BUFFER, nil)
	if err != nil || n <= 0 {
		printLine(fmt.Sprintf("NOFAULT-LOG kmsg: cannot read the kernel log: %v", err))
		return
	}
	buf := make([]byte, n)
	n, err = unix.Klogctl(unix.SYSLOG_ACTION_READ_ALL, buf)
	if err != nil {
		printLine(fmt.Sprintf("NOFAULT-LOG kmsg: cannot read the kernel log: %v", err))
		return
	}
	lines := strings.Split(strings.TrimRight(string(buf[:n]), "\n"), "\n")
	problems := 0
	defer func() {
		printLine(fmt.Sprintf("NOFAULT-LOG kmsg: %d lines in the kernel log, %d kernel problems", len(lines), problems))
	}()
	for i, l := range lines {
		if !demo.KernelProblem(l) {
			continue
		}
		problems++
		emit(demo.Record{Kind: demo.KindKmsg, Detail: l})
		for _, more := range lines[i+1 : min(i+12, len(lines))] {
			printLine("NOFAULT-LOG kmsg: " + more)
		}
	}
}
