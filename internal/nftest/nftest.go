// Package nftest starts the real nofault compositor binary for tests: a
// private 0700 runtime dir, a socket, screenshots on demand (SIGUSR1),
// stats at exit, and the /proc counters leak checks need.
package nftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/internal/procstat"
)

// build is one flavour of the binaries: with the race detector (when the
// tests run with it) or without (plain), for tests that measure RSS.
type build struct {
	once sync.Once
	dir  string
	err  error
}

var raceBuild, plainBuild build

// moduleRoot finds the directory holding go.mod above this source file.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func (b *build) binary(t testing.TB, name string, race bool) string {
	t.Helper()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "nofault-bin-")
		if b.err != nil {
			return
		}
		for _, n := range []string{"compositor", "misbehave"} {
			args := []string{"build", "-o", filepath.Join(b.dir, n)}
			if race {
				args = append(args, "-race")
			}
			args = append(args, "./cmd/"+n)
			cmd := exec.Command("go", args...)
			cmd.Dir = moduleRoot()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.err = fmt.Errorf("go build %s: %v\n%s", n, err, out)
				return
			}
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return filepath.Join(b.dir, name)
}

// Binary builds cmd/NAME once per test binary (with -race when the tests
// run with it) and returns its path.
func Binary(t testing.TB, name string) string {
	return raceBuild.binary(t, name, raceEnabled)
}

// PlainBinary builds cmd/NAME without the race detector, for tests whose
// figures (RSS) must be the compositor's own.
func PlainBinary(t testing.TB, name string) string {
	return plainBuild.binary(t, name, false)
}

// Instance is a running compositor.
type Instance struct {
	t          testing.TB
	Cmd        *exec.Cmd
	RuntimeDir string
	Socket     string // socket name (WAYLAND_DISPLAY)
	Path       string // socket path
	Shot       string // screenshot path
	StatsPath  string
	Log        *bytes.Buffer
	logMu      *sync.Mutex
	events     *clientEvents
	done       chan struct{}
	exitErr    error
	stopped    bool
}

// Start runs the compositor with --backend=headless plus args and waits for
// its socket. It is stopped when the test ends.
func Start(t testing.TB, args ...string) *Instance {
	t.Helper()
	return start(t, Binary(t, "compositor"), args)
}

// StartPlain is Start with the binary built without the race detector.
func StartPlain(t testing.TB, args ...string) *Instance {
	t.Helper()
	return start(t, PlainBinary(t, "compositor"), args)
}

func start(t testing.TB, bin string, args []string) *Instance {
	t.Helper()
	dir, err := os.MkdirTemp("", "nofault-rt-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	in := &Instance{
		t:          t,
		RuntimeDir: dir,
		Socket:     "wayland-nftest",
		Shot:       filepath.Join(dir, "shot.png"),
		StatsPath:  filepath.Join(dir, "stats.json"),
		Log:        new(bytes.Buffer),
		logMu:      new(sync.Mutex),
		events:     newClientEvents(),
		done:       make(chan struct{}),
	}
	in.Path = filepath.Join(dir, in.Socket)
	all := append([]string{"--backend=headless", "--socket=" + in.Socket, "--screenshot=" + in.Shot, "--stats=" + in.StatsPath}, args...)
	in.Cmd = exec.Command(bin, all...)
	in.Cmd.Env = append(cleanEnv(), "XDG_RUNTIME_DIR="+dir)
	w := &lockedWriter{mu: in.logMu, b: in.Log, ev: in.events}
	in.Cmd.Stdout, in.Cmd.Stderr = w, w
	if err := in.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.exitErr = in.Cmd.Wait(); close(in.done) }()
	t.Cleanup(func() {
		in.Stop()
		os.RemoveAll(dir)
		if t.Failed() {
			t.Logf("compositor log:\n%s", in.LogText())
		}
	})
	// The compositor logs "listening" once its socket accepts: the file
	// alone appears at bind(2), before listen(2), and a client connecting
	// in between is refused.
	if !in.WaitLog("msg=listening", 60*time.Second) {
		select {
		case <-in.done:
			t.Fatalf("compositor exited at start: %v\n%s", in.exitErr, in.LogText())
		default:
		}
		t.Fatalf("compositor socket %s did not start listening\n%s", in.Path, in.LogText())
	}
	return in
}

// cleanEnv is the test's environment without display variables, so
// clients connect only where Env says.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "WAYLAND_DISPLAY", "DISPLAY", "XDG_RUNTIME_DIR", "WAYLAND_SOCKET", "NOFAULT_CONFIG":
			continue
		}
		if strings.HasPrefix(k, "NOFAULT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Env is the environment a client of this instance needs.
func (in *Instance) Env() []string {
	return append(cleanEnv(), "XDG_RUNTIME_DIR="+in.RuntimeDir, "WAYLAND_DISPLAY="+in.Socket)
}

// Setenv points this process's own Wayland clients (go-wayland, rawclient)
// at the instance for the rest of the test.
func (in *Instance) Setenv(t testing.TB) {
	t.Setenv("XDG_RUNTIME_DIR", in.RuntimeDir)
	t.Setenv("WAYLAND_DISPLAY", in.Socket)
}

// PID is the compositor's process id.
func (in *Instance) PID() int { return in.Cmd.Process.Pid }

// Alive reports whether the compositor process is still running.
func (in *Instance) Alive() bool {
	select {
	case <-in.done:
		return false
	default:
		return true
	}
}

// Counters is a snapshot of the compositor's resources: open fds and
// file-backed mappings (client pools, the keymap), not counting the
// compositor's own binary. Anonymous mappings are left out: the Go heap
// grows and shrinks them on its own schedule.
type Counters struct{ FDs, Maps int }

// Counters reads the compositor's open fds and mappings from /proc.
func (in *Instance) Counters() Counters {
	return Counters{FDs: procstat.OpenFDsOf(in.PID()), Maps: fileMappings(in.PID())}
}

// fileMappings counts the lines of /proc/PID/maps backed by a file other
// than the executable.
func fileMappings(pid int) int { return FileMappingsOf(pid) }

// FileMappingsOf counts the lines of /proc/PID/maps backed by a file other
// than the executable.
func FileMappingsOf(pid int) int {
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return -1
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[4] == "0" {
			continue
		}
		path := strings.Join(f[5:], " ")
		if path == exe || strings.HasPrefix(path, "[") {
			continue
		}
		n++
	}
	return n
}

// StableCounters waits until the compositor has no client left (the
// server logs "client disconnected" once a client's connection, fds and
// mappings are all closed) and returns the counters then: the baseline
// for a leak check.
func (in *Instance) StableCounters() Counters {
	in.t.Helper()
	return in.Settled(Counters{}, settleTimeout)
}

// settleTimeout bounds a wait for the compositor's clients to go. It is
// a failsafe, not a schedule: the wait ends on the server's event.
const settleTimeout = 60 * time.Second

// WaitCounters waits until the compositor has no client left, then
// compares its counters with want; while they differ, it waits for the
// next client to come and go (a connection accepted late) before reading
// them again. It returns the last value; timeout is a failsafe for a
// compositor that never lets its clients go.
func (in *Instance) WaitCounters(want Counters, timeout time.Duration) Counters {
	in.t.Helper()
	return in.Settled(want, max(timeout, settleTimeout))
}

// Settled waits for the server's event that no client is connected
// (every "client connected" has its "client disconnected") and returns
// the counters then. With a want other than Counters{} (no particular
// value) that the counters do not
// equal, it waits for the next such event, until timeout.
func (in *Instance) Settled(want Counters, timeout time.Duration) Counters {
	deadline := time.Now().Add(timeout)
	for {
		gen, ok := in.events.waitIdle(deadline, in.done)
		got := in.Counters()
		if !ok || want == (Counters{}) || got == want {
			if !ok && in.Alive() {
				in.t.Logf("clients still connected after %v: %v", timeout, in.events.live())
			}
			return got
		}
		// Something was still open: a client accepted after the last
		// one left. Wait for the next client event, then look again.
		if !in.events.waitChange(gen, deadline, in.done) {
			got := in.Counters()
			if got != want {
				in.t.Logf("compositor's open fds after %v: %s", timeout, procstat.DescribeFDsOf(in.PID()))
			}
			return got
		}
	}
}

// ClientsGone waits until the compositor has no client connected, by its
// log, and reports whether that happened within timeout.
func (in *Instance) ClientsGone(timeout time.Duration) bool {
	_, ok := in.events.waitIdle(time.Now().Add(timeout), in.done)
	return ok
}

// WaitLog waits until the compositor's output contains s, and reports
// whether it did within timeout (a failsafe: the wait ends on the write).
func (in *Instance) WaitLog(s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		in.events.mu.Lock()
		ch := in.events.written
		in.events.mu.Unlock()
		if strings.Contains(in.LogText(), s) {
			return true
		}
		if !waitOn(ch, deadline, in.done) {
			return strings.Contains(in.LogText(), s)
		}
	}
}

// clientEvents follows the compositor's "client connected" and "client
// disconnected" log lines.
type clientEvents struct {
	mu      sync.Mutex // guards following
	partial []byte
	clients map[string]bool
	gen     int // bumped on every client event
	changed chan struct{}
	written chan struct{} // closed and replaced on every write
}

func newClientEvents() *clientEvents {
	return &clientEvents{clients: map[string]bool{}, changed: make(chan struct{}), written: make(chan struct{})}
}

var clientEventRE = regexp.MustCompile(`msg="client (connected|disconnected)" client=(\d+)`)

// feed takes log output as it is written.
func (e *clientEvents) feed(p []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	close(e.written)
	e.written = make(chan struct{})
	e.partial = append(e.partial, p...)
	for {
		i := bytes.IndexByte(e.partial, '\n')
		if i < 0 {
			return
		}
		line := e.partial[:i]
		if m := clientEventRE.FindSubmatch(line); m != nil {
			if string(m[1]) == "connected" {
				e.clients[string(m[2])] = true
			} else {
				delete(e.clients, string(m[2]))
			}
			e.gen++
			close(e.changed)
			e.changed = make(chan struct{})
		}
		e.partial = e.partial[i+1:]
	}
}

func (e *clientEvents) live() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for id := range e.clients {
		ids = append(ids, id)
	}
	return ids
}

// waitIdle waits until no client is connected; it returns the event
// generation then, and false if deadline passed or the process exited.
func (e *clientEvents) waitIdle(deadline time.Time, exited <-chan struct{}) (int, bool) {
	for {
		e.mu.Lock()
		n, gen, ch := len(e.clients), e.gen, e.changed
		e.mu.Unlock()
		if n == 0 {
			return gen, true
		}
		if !waitOn(ch, deadline, exited) {
			return gen, false
		}
	}
}

// waitChange waits for a client event after generation gen, and then for
// no client to be connected.
func (e *clientEvents) waitChange(gen int, deadline time.Time, exited <-chan struct{}) bool {
	e.mu.Lock()
	cur, ch := e.gen, e.changed
	e.mu.Unlock()
	if cur == gen && !waitOn(ch, deadline, exited) {
		return false
	}
	_, ok := e.waitIdle(deadline, exited)
	return ok
}

func waitOn(ch <-chan struct{}, deadline time.Time, exited <-chan struct{}) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-exited:
		return false
	case <-t.C:
		return false
	}
}

// Screenshot asks for a screenshot (SIGUSR1) and returns it.
func (in *Instance) Screenshot() image.Image {
	in.t.Helper()
	os.Remove(in.Shot)
	if err := in.Cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		in.t.Fatalf("SIGUSR1: %v", err)
	}
	// Generous: a race-instrumented compositor on a loaded 2-core machine
	// takes seconds to render and encode.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if f, err := os.Open(in.Shot); err == nil {
			img, err := png.Decode(f)
			f.Close()
			if err == nil {
				return img
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.t.Fatalf("no screenshot at %s\n%s", in.Shot, in.LogText())
	return nil
}

// stopTimeout bounds the wait for the compositor to exit on SIGTERM. It
// is a failsafe: the exit writes a screenshot and the stats, which a
// race-instrumented compositor on a machine whose CPUs are busy with
// other work has taken 14 s to do.
const stopTimeout = 90 * time.Second

// Stop sends SIGTERM, waits for exit and returns the stats it wrote.
func (in *Instance) Stop() *compositor.Stats {
	if !in.stopped {
		in.stopped = true
		in.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(stopTimeout):
			in.Cmd.Process.Kill()
			<-in.done
			in.t.Errorf("compositor did not exit on SIGTERM")
		}
	}
	b, err := os.ReadFile(in.StatsPath)
	if err != nil {
		return nil
	}
	var st compositor.Stats
	if err := json.Unmarshal(b, &st); err != nil {
		in.t.Errorf("stats: %v", err)
		return nil
	}
	return &st
}

// ExitErr is the compositor's exit status after Stop.
func (in *Instance) ExitErr() error { return in.exitErr }

// LogText returns the compositor's output so far.
func (in *Instance) LogText() string {
	in.logMu.Lock()
	defer in.logMu.Unlock()
	return in.Log.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
	ev *clientEvents
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ev != nil {
		w.ev.feed(p)
	}
	return w.b.Write(p)
}
