package e2e

// What a user meets on the first run and at the edges of a session (issue
// 11 items 2, 3 and 8, issue 16's signal rows): no Go panic for a missing,
// dead or lost host display; the `-- CMD` child's environment, process
// group and exit status; SIGPIPE and SIGQUIT; flags checked at start.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rajveermalviya/go-wayland/wayland/client"

	"github.com/nofault/nofault/internal/nftest"
)

// runOnce runs the compositor binary with env and args to its end (at
// most a minute) and returns its exit status and output.
func runOnce(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(nftest.Binary(t, "compositor"), args...)
	cmd.Env = env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitCode(err), out.String()
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("compositor %v did not exit\n%s", args, out.String())
	}
	return 0, ""
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func privateRuntimeDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nofault-firstrun-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// noPanic fails when out holds a Go panic or goroutine dump.
func noPanic(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine 1 [", "NotInitialized", "SIGSEGV"} {
		if strings.Contains(out, s) {
			t.Errorf("output holds %q:\n%s", s, out)
		}
	}
}

// deadDisplay is a display number no X server answers on.
func deadDisplay(t *testing.T) string {
	for n := 900 + os.Getpid()%90; n < 1000; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err != nil {
			return fmt.Sprintf(":%d", n)
		}
	}
	t.Skip("no free display number")
	return ""
}

// The nested backend without a usable host display: a one-line error and
// a non-zero status, never a Go panic (this GLFW binding's Init returns
// nil on failure and the next call panicked with NotInitialized).
func TestNestedWithoutDisplayFails(t *testing.T) {
	dead := deadDisplay(t)
	for _, tc := range []struct {
		name, want string
		env        []string
	}{
		{"no DISPLAY", "DISPLAY is not set", nil},
		{"Wayland-only session, X11 build", "Wayland build", []string{"WAYLAND_DISPLAY=wayland-nofault-none"}},
		{"dead DISPLAY", "cannot open X display", []string{"DISPLAY=" + dead}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append(append(hostEnv(), "XDG_RUNTIME_DIR="+privateRuntimeDir(t)), tc.env...)
			code, out := runOnce(t, env, "--backend=nested", "--socket=wayland-x")
			if strings.Contains(out, "not built into this binary") {
				t.Skip("the compositor was built without cgo: no nested backend")
			}
			noPanic(t, out)
			if code == 0 {
				t.Errorf("exit status 0, want non-zero")
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) || !strings.HasPrefix(lines[0], "compositor: ") {
				t.Errorf("want one line \"compositor: ...%s...\", got:\n%s", tc.want, out)
			}
		})
	}
}

// --backend=auto with a display that does not answer runs headless, and
// says why in one log line.
func TestAutoDeadDisplayFallsBack(t *testing.T) {
	dead := deadDisplay(t)
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"dead DISPLAY", []string{"DISPLAY=" + dead}},
		{"Wayland-only session, X11 build", []string{"WAYLAND_DISPLAY=wayland-nofault-none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append(append(hostEnv(), "XDG_RUNTIME_DIR="+privateRuntimeDir(t)), tc.env...)
			code, out := runOnce(t, env, "--backend=auto", "--socket=wayland-x", "--", "true")
			noPanic(t, out)
			if code != 0 {
				t.Fatalf("exit status %d, want the child's 0\n%s", code, out)
			}
			if !strings.Contains(out, "backend=headless") {
				t.Errorf("did not run headless:\n%s", out)
			}
			if strings.Contains(out, "not built into this binary") {
				return // a display exists but no nested backend: also one line
			}
			if n := strings.Count(out, "running headless"); n != 1 {
				t.Errorf("%d lines saying it runs headless, want 1:\n%s", n, out)
			}
		})
	}
}

// The X server going away mid-session shuts nofault down as SIGTERM does
// (screenshot, stats, socket and lock removed, the child's group ended),
// with a message and a non-zero status, instead of Xlib's exit(1).
func TestNestedHostLost(t *testing.T) {
	need(t, "Xvfb")
	// An Xvfb of our own, to kill.
	display := startXvfb(t)
	xpid := xvfbPID(t, display)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "grandchild.pid")
	// The child's output is not the log pipe: should nofault die without
	// ending it, the test must not wait for the child to close the pipe.
	p := startNested(t, display, "--", "sh", "-c", "exec >/dev/null 2>&1; sleep 1000 & echo $! > "+pidFile+"; wait")
	nestedWindowID(t, display)
	grandchild := waitPidFile(t, pidFile)
	// With no client, the window sleeps (no frame clock): the X server's
	// loss must wake it, not leave it polling a dead connection.
	waitQuiet(t, p.cmd.Process.Pid)
	if err := syscall.Kill(xpid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !p.wait(30 * time.Second) {
		t.Fatalf("compositor still running after its X server died\n%s", p.log.String())
	}
	out := p.log.String()
	noPanic(t, out)
	if code := exitCode(p.exitErr); code == 0 {
		t.Errorf("exit status 0, want non-zero")
	}
	if !strings.Contains(out, "lost the connection to the host display") {
		t.Errorf("no message about the lost display:\n%s", out)
	}
	for _, f := range []string{p.shot, p.statsPath} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s not written: %v", filepath.Base(f), err)
		}
	}
	for _, f := range []string{p.path, p.path + ".lock"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
	if processAlive(grandchild) {
		syscall.Kill(grandchild, syscall.SIGKILL)
		t.Errorf("the child's child %d outlived nofault", grandchild)
	}
}

// xvfbPID is the pid of the Xvfb that startXvfb started for display.
func xvfbPID(t *testing.T, display string) int {
	t.Helper()
	pid, ok := xvfbs.Load(display)
	if !ok {
		t.Fatalf("no Xvfb of ours serves %s", display)
	}
	return pid.(int)
}

func waitPidFile(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("%s: %q", path, b)
			}
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never written", path)
	return 0
}

// processAlive reports whether pid exists and is not a zombie.
// waitQuiet waits until no thread of process pid switched context for
// 200 ms: an idle compositor that sleeps.
func waitQuiet(t *testing.T, pid int) {
	t.Helper()
	switches := func() (n int) {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
		for _, f := range tasks {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // the thread ended
			}
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
					c, _ := strconv.Atoi(strings.TrimSpace(v))
					n += c
				}
			}
		}
		return n
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		n := switches()
		time.Sleep(200 * time.Millisecond)
		if switches() == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d never idle: still switching context after 60 s", pid)
		}
	}
}

func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// headlessProc starts the compositor headless with env, stdout and stderr
// given, and waits for its socket.
type headlessProc struct {
	cmd  *exec.Cmd
	path string
	done chan struct{}
	err  error
}

func startHeadlessWith(t *testing.T, env []string, stderr *os.File, args ...string) *headlessProc {
	t.Helper()
	dir := privateRuntimeDir(t)
	p := &headlessProc{path: filepath.Join(dir, "wayland-fr"), done: make(chan struct{})}
	p.cmd = exec.Command(nftest.Binary(t, "compositor"), append([]string{"--backend=headless", "--socket=wayland-fr"}, args...)...)
	p.cmd.Env = append(env, "XDG_RUNTIME_DIR="+dir)
	p.cmd.Stdout, p.cmd.Stderr = stderr, stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(p.path); err == nil {
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("compositor exited at start: %v", p.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("socket did not appear")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *headlessProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return exitCode(p.err)
	case <-time.After(30 * time.Second):
		t.Fatal("compositor did not exit")
	}
	return 0
}

func (p *headlessProc) checkCleanedUp(t *testing.T) {
	t.Helper()
	for _, f := range []string{p.path, p.path + ".lock"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
}

// connectAndSync connects to path and does one wl_display.sync round trip
// on the raw wire (the server logs the connection).
func connectAndSync(t *testing.T, path string) {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	// wl_display@1.sync(new_id 2): object 1, opcode 0, size 12.
	msg := []byte{1, 0, 0, 0, 0, 0, 12, 0, 2, 0, 0, 0}
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	// wl_callback@2.done arrives (after wl_display.delete_id or before).
	for {
		hdr := make([]byte, 8)
		if _, err := readFull(c, hdr); err != nil {
			t.Fatalf("sync: %v", err)
		}
		size := int(hdr[6]) | int(hdr[7])<<8
		body := make([]byte, size-8)
		if _, err := readFull(c, body); err != nil {
			t.Fatalf("sync: %v", err)
		}
		if hdr[0] == 2 && hdr[4] == 0 {
			return
		}
	}
}

// Issue 16: stdout and stderr piped to a reader that went away. The next
// log line used to kill nofault with SIGPIPE (status 141), leaving its
// socket and lock behind.
func TestSIGPIPEOnClosedLogPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sigFile := filepath.Join(dir, "sigign")
	p := startHeadlessWith(t, hostEnv(), w, "--", "sh", "-c", "grep SigIgn /proc/self/status > "+sigFile+"; exec sleep 1000")
	w.Close()
	r.Close() // the reader is gone: every later write to stderr gets EPIPE
	connectAndSync(t, p.path)
	connectAndSync(t, p.path)
	select {
	case <-p.done:
		t.Fatalf("compositor died when its log pipe closed: status %d", exitCode(p.err))
	default:
	}
	// The child must not inherit SIGPIPE ignored.
	b := waitFile(t, sigFile)
	if f := strings.Fields(string(b)); len(f) == 2 {
		mask, err := strconv.ParseUint(f[1], 16, 64)
		if err != nil || mask&(1<<(uint(syscall.SIGPIPE)-1)) != 0 {
			t.Errorf("the child ignores SIGPIPE: %q", b)
		}
	} else {
		t.Errorf("child status: %q", b)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	p.checkCleanedUp(t)
}

func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 && b[len(b)-1] == '\n' {
			return b
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never written", path)
	return nil
}

// Issue 16: SIGQUIT ends nofault as SIGTERM does, without a goroutine
// dump (unless --log-level=debug) and without leaving socket and lock.
func TestSIGQUITExitsCleanly(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		dump bool
	}{
		{"default", nil, false},
		{"debug", []string{"--log-level=debug"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logf, err := os.CreateTemp(t.TempDir(), "log")
			if err != nil {
				t.Fatal(err)
			}
			defer logf.Close()
			p := startHeadlessWith(t, hostEnv(), logf, tc.args...)
			p.cmd.Process.Signal(syscall.SIGQUIT)
			code := p.wait(t)
			out, _ := os.ReadFile(logf.Name())
			if code != 0 {
				t.Errorf("exit status %d after SIGQUIT, want 0\n%s", code, out)
			}
			p.checkCleanedUp(t)
			if got := strings.Contains(string(out), "goroutine 1 ["); got != tc.dump {
				t.Errorf("goroutine dump: %v, want %v\n%s", got, tc.dump, out)
			}
		})
	}
}

// The `-- CMD` child: nofault's WAYLAND_DISPLAY, no host DISPLAY and no
// WAYLAND_SOCKET, XDG_SESSION_TYPE=wayland.
func TestChildEnvironment(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	env := append(hostEnv(), "DISPLAY=:4242", "WAYLAND_DISPLAY=host-wayland-0", "WAYLAND_SOCKET=7", "XDG_SESSION_TYPE=x11")
	code, out := runOnce(t, append(env, "XDG_RUNTIME_DIR="+privateRuntimeDir(t)),
		"--backend=headless", "--socket=wayland-env", "--", "sh", "-c", "env > "+envFile)
	if code != 0 {
		t.Fatalf("exit status %d\n%s", code, out)
	}
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			got[k] = append(got[k], v)
		}
	}
	for k, want := range map[string][]string{
		"WAYLAND_DISPLAY":  {"wayland-env"},
		"XDG_SESSION_TYPE": {"wayland"},
		"DISPLAY":          nil,
		"WAYLAND_SOCKET":   nil,
	} {
		if fmt.Sprint(got[k]) != fmt.Sprint(want) {
			t.Errorf("child's %s = %q, want %q", k, got[k], want)
		}
	}
}

// Whatever the child started ends with nofault: when the child exits on
// its own, and when nofault is stopped (a grandchild ignoring SIGTERM is
// killed).
func TestChildProcessGroupEnds(t *testing.T) {
	t.Run("child exits", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "pid")
		env := append(hostEnv(), "XDG_RUNTIME_DIR="+privateRuntimeDir(t))
		code, out := runOnce(t, env, "--backend=headless", "--socket=wayland-pg",
			"--", "sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $! > "+pidFile)
		if code != 0 {
			t.Fatalf("exit status %d\n%s", code, out)
		}
		pid := waitPidFile(t, pidFile)
		if processAlive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("the child's child %d outlived nofault", pid)
		}
	})
	t.Run("nofault stopped", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "pid")
		logf, err := os.CreateTemp(t.TempDir(), "log")
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		p := startHeadlessWith(t, hostEnv(), logf,
			"--", "sh", "-c", "(trap '' TERM; exec sleep 1000) >/dev/null 2>&1 & echo $! > "+pidFile+"; wait")
		pid := waitPidFile(t, pidFile)
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.wait(t)
		if processAlive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("the child's child %d (ignoring SIGTERM) outlived nofault", pid)
		}
		p.checkCleanedUp(t)
	})
}

// Exit status for a child that cannot start, as shells and cage: 126 for
// a file that is not executable, 127 for one that does not exist.
func TestChildStartFailureStatus(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cmd  string
		want int
	}{
		{plain, 126},
		{dir, 126},
		{filepath.Join(dir, "missing"), 127},
		{"nofault-no-such-command", 127},
	} {
		env := append(hostEnv(), "XDG_RUNTIME_DIR="+privateRuntimeDir(t))
		code, out := runOnce(t, env, "--backend=headless", "--socket=wayland-st", "--", tc.cmd)
		if code != tc.want {
			t.Errorf("-- %s: exit status %d, want %d\n%s", tc.cmd, code, tc.want, out)
		}
	}
}

// Issue 11's smaller items: --version, unknown flags named as documented,
// an unwritable --screenshot or --stats refused at start.
func TestFlagsAtStart(t *testing.T) {
	env := append(hostEnv(), "XDG_RUNTIME_DIR="+privateRuntimeDir(t))
	code, out := runOnce(t, env, "--version")
	if code != 0 || !strings.HasPrefix(out, "nofault ") || strings.Count(out, "\n") != 1 {
		t.Errorf("--version: status %d, output %q", code, out)
	}
	code, out = runOnce(t, env, "--foo")
	if code != 2 || !strings.Contains(out, "unknown flag --foo") {
		t.Errorf("--foo: status %d, output %q", code, out)
	}
	// With a child that never exits: a check made only at exit would
	// leave runOnce waiting.
	for _, flag := range []string{"--screenshot", "--stats"} {
		code, out = runOnce(t, env, "--backend=headless", flag+"=/nonexistent-dir/out", "--", "sh", "-c", "exec sleep 1000 >/dev/null 2>&1")
		if code != 2 || !strings.Contains(out, flag+"=/nonexistent-dir/out") {
			t.Errorf("%s to a missing directory: status %d, output %q", flag, code, out)
		}
	}
}

// x11Connect opens an X11 connection (no authorization, as Xvfb here)
// and returns it with the first screen's root window.
func x11Connect(t *testing.T, display string) (net.Conn, uint32) {
	t.Helper()
	num, _, _ := strings.Cut(strings.TrimPrefix(display, ":"), ".")
	conn, err := net.Dial("unix", "/tmp/.X11-unix/X"+num)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	le := binary.LittleEndian
	if _, err := conn.Write([]byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 8)
	if _, err := readFull(conn, head); err != nil {
		t.Fatal(err)
	}
	rest := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := readFull(conn, rest); err != nil {
		t.Fatal(err)
	}
	if head[0] != 1 {
		t.Fatalf("X11 setup refused: %q", rest)
	}
	// The first screen's root: after the fixed part, the vendor string
	// and the pixmap formats.
	vendor := int(le.Uint16(rest[16:]))
	formats := int(rest[21])
	return conn, le.Uint32(rest[32+(vendor+3)&^3+8*formats:])
}

// x11GrabKeyboard grabs the X keyboard on the root window, as a window
// manager does for Alt+Tab, until the returned connection is closed. The
// grab's FocusOut and FocusIn (modes NotifyGrab and NotifyUngrab) are the
// ones GLFW's X11 platform ignores.
func x11GrabKeyboard(t *testing.T, display string) net.Conn {
	t.Helper()
	conn, root := x11Connect(t, display)
	le := binary.LittleEndian
	req := make([]byte, 16)
	req[0] = 31 // GrabKeyboard, owner-events false
	le.PutUint16(req[2:], 4)
	le.PutUint32(req[4:], root)
	le.PutUint32(req[8:], 0) // CurrentTime
	req[12], req[13] = 1, 1  // pointer and keyboard modes: asynchronous
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 32)
	if _, err := readFull(conn, reply); err != nil {
		t.Fatal(err)
	}
	if reply[0] != 1 || reply[1] != 0 {
		t.Fatalf("GrabKeyboard: reply %v", reply[:2])
	}
	return conn
}

// Issue 11: after Alt+Tab away and back, Alt stayed pressed: the window
// manager's keyboard grab took the Alt release, GLFW ignores the grab's
// focus changes, and every later key reached the client with Alt. The
// seat now follows the host's key state before each key press.
func TestNestedNoStuckAlt(t *testing.T) {
	need(t, "xdotool")
	display := startXvfb(t)
	p := startNested(t, display)
	a := connectClient(t, "client A", p.path, true)
	wa := a.window("A")
	buf := a.buffer(160, 120, 160*4, 0, fmtXRGB8888, false)
	buf.fill(func(x, y int) uint32 { return 0xff4080c0 })
	a.show(wa.s, buf)
	var mods uint32
	type keyEv struct{ key, mods uint32 }
	var keys []keyEv
	a.kbd.SetModifiersHandler(func(ev client.KeyboardModifiersEvent) { mods = ev.ModsDepressed })
	a.kbd.SetKeyHandler(func(ev client.KeyboardKeyEvent) {
		if ev.State == 1 {
			keys = append(keys, keyEv{ev.Key, mods})
		}
	})
	img := p.screenshot()
	box, n := colorBox(img, argbColor(0xff4080c0))
	if n < 100 {
		savePNG(t, img)
		t.Fatal("client not visible")
	}
	id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
	xdotool(t, display, "windowfocus", "--sync", id)
	xdotool(t, display, "mousemove", "--window", id, strconv.Itoa((box.Min.X+box.Max.X)/2), strconv.Itoa((box.Min.Y+box.Max.Y)/2))
	xdotool(t, display, "click", "1")
	a.dispatchUntil("keyboard focus", func() bool { return a.focus == wa.s }, 10*time.Second)

	const mod1 = 1 << 3 // Alt
	xdotool(t, display, "keydown", "alt")
	a.dispatchUntil("Alt down", func() bool { return mods&mod1 != 0 }, 10*time.Second)
	grab := x11GrabKeyboard(t, display)
	xdotool(t, display, "keyup", "alt") // to the grab, not to nofault
	grab.Close()                        // the ungrab
	xdotool(t, display, "key", "a")
	a.dispatchUntil("the key a", func() bool { return len(keys) > 0 && keys[len(keys)-1].key == 30 }, 10*time.Second)
	if k := keys[len(keys)-1]; k.mods&mod1 != 0 {
		t.Errorf("after Alt was released under a grab, the client got a (30) with modifiers %#x: Alt (%#x) stuck", k.mods, mod1)
	}
	// GLFW still believes Alt is down, and reports the next press as a
	// repeat: it must reach the client all the same.
	xdotool(t, display, "keydown", "alt")
	a.dispatchUntil("Alt down again", func() bool { return mods&mod1 != 0 }, 10*time.Second)
	xdotool(t, display, "keyup", "alt")
	a.dispatchUntil("Alt up again", func() bool { return mods&mod1 == 0 }, 10*time.Second)
}

// keymapSyms returns the first keysym of each group-1 level of key <name>
// in a keymap text ("z Z ..." for <AD06> in German).
func keymapSyms(t *testing.T, km, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)key <` + name + `>\s*\{(.*?)\};`).FindStringSubmatch(km)
	if m == nil {
		t.Fatalf("no key <%s> in the client's keymap", name)
	}
	s := regexp.MustCompile(`\[\s*([^\]]*)\]`).FindAllStringSubmatch(m[1], -1)
	if len(s) == 0 {
		t.Fatalf("key <%s> has no symbols", name)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(s[len(s)-1][1], ",", " ")), " ")
}

// Issue 11: the keymap was fixed to US. On a German host (setxkbmap de)
// nofault follows the host's layout: typing zyä reaches the client as the
// keys at those positions with a keymap that makes them z, y and ä. With
// --keymap=de on a US host the client gets the German keymap too, and an
// unknown layout stops nofault at start with xkbcommon's reason.
func TestNestedKeymapLayouts(t *testing.T) {
	need(t, "xdotool", "setxkbmap", "xkbcli")
	t.Run("host de", func(t *testing.T) {
		display := startXvfb(t)
		// Xvfb resets (keymap and root properties back to defaults) when
		// its last client leaves: one stays connected meanwhile.
		hold, _ := x11Connect(t, display)
		defer hold.Close()
		cmd := exec.Command("setxkbmap", "-display", display, "de")
		cmd.Env = hostEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("setxkbmap de: %v: %s", err, out)
		}
		p := startNested(t, display)
		a := connectClient(t, "client A", p.path, true)
		wa := a.window("A")
		buf := a.buffer(160, 120, 160*4, 0, fmtXRGB8888, false)
		buf.fill(func(x, y int) uint32 { return 0xff4080c0 })
		a.show(wa.s, buf)
		img := p.screenshot()
		box, n := colorBox(img, argbColor(0xff4080c0))
		if n < 100 {
			savePNG(t, img)
			t.Fatal("client not visible")
		}
		id := strconv.FormatUint(uint64(nestedWindowID(t, display)), 10)
		xdotool(t, display, "windowfocus", "--sync", id)
		xdotool(t, display, "mousemove", "--window", id, strconv.Itoa((box.Min.X+box.Max.X)/2), strconv.Itoa((box.Min.Y+box.Max.Y)/2))
		xdotool(t, display, "click", "1")
		a.dispatchUntil("keyboard focus", func() bool { return a.focus == wa.s }, 10*time.Second)
		xdotool(t, display, "type", "--delay", "30", "zyä")
		a.dispatchUntil("three keys", func() bool { return len(a.keys) >= 3 }, 10*time.Second)
		// evdev 21, 44, 40 are <AD06>, <AB01>, <AC11>: y, z, ' on a US
		// keyboard, z, y, ä on a German one.
		if fmt.Sprint(a.keys) != "[21 44 40]" {
			t.Errorf("keys %v, want [21 44 40]", a.keys)
		}
		for key, want := range map[string]string{"AD06": "z Z", "AB01": "y Y", "AC11": "adiaeresis Adiaeresis"} {
			if got := keymapSyms(t, a.keymap, key); !strings.HasPrefix(got, want) {
				t.Errorf("the client's keymap has <%s> = %q, want %q: not German", key, got, want)
			}
		}
		if !strings.Contains(p.log.String(), "keymap from the host") {
			t.Errorf("no log line about the host's keymap:\n%s", p.log.String())
		}
	})
	t.Run("--keymap=de", func(t *testing.T) {
		in := nftest.Start(t, "--keymap=de")
		c := connectClient(t, "client", in.Path, true)
		c.dispatchUntil("the keymap", func() bool { return c.keymap != "" }, 10*time.Second)
		if got := keymapSyms(t, c.keymap, "AD06"); !strings.HasPrefix(got, "z Z") {
			t.Errorf("--keymap=de: <AD06> = %q, want z Z", got)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		env := append(hostEnv(), "XDG_RUNTIME_DIR="+privateRuntimeDir(t), "XKB_DEFAULT_LAYOUT=nofault-xx")
		code, out := runOnce(t, env, "--backend=headless", "--", "true")
		if code != 2 || !strings.Contains(out, "unknown layout nofault-xx") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("unknown layout: status %d, output %q; want 2 and one line naming it", code, out)
		}
	})
}

// The child is in a process group of its own; on a terminal that group is
// the foreground job, so a client reading the terminal is not stopped by
// SIGTTIN (script(1) provides the terminal).
func TestChildReadsTerminal(t *testing.T) {
	need(t, "script")
	bin := nftest.Binary(t, "compositor")
	line := "XDG_RUNTIME_DIR=" + privateRuntimeDir(t) + " " + bin +
		" --backend=headless --socket=wayland-tty -- sh -c 'read x; echo got=$x; exit 3'"
	cmd := exec.Command("script", "-qec", line, "/dev/null")
	cmd.Env = hostEnv()
	cmd.Stdin = strings.NewReader("hello\n")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := exitCode(err); code != 3 || !strings.Contains(out.String(), "got=hello") {
			t.Errorf("status %d, output %q; want 3 and got=hello", code, out.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the client never read the terminal:\n%s", out.String())
	}
}
