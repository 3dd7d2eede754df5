// Command wakefloor measures what a frame with nothing in it costs a
// compositor on this machine: the two wake-ups every frame has (the frame
// clock's tick, which sends the frame callback, and the client's commit),
// with no protocol and no pixels. It is the floor under the small-frame
// rows of `make bench-compare` (docs/benchmarks.md, "The floor of a
// frame").
//
//	wakefloor [--reps=5] [--duration=4s] [--warmup=1s] [--c=PATH]
//
// Each floor runs as its own process, against the same client (this
// binary with --client: a thread blocked in a raw read(2) that answers
// every byte with one), interleaved over the reps, and reports its own CPU time
// (CLOCK_PROCESS_CPUTIME_ID, what schedstat counts) per commit:
//
//   - go: nofault's shape. A 60 Hz timerfd and the client socket in the
//     Go runtime's network poller, read with raw non-blocking system
//     calls inside RawConn.Read (internal/rawsys,
//     backend/headless/timerfd.go): the timer until EAGAIN, the socket
//     until EAGAIN; the tick sends one byte through RawConn.Write under
//     the display lock.
//   - go-oneread: the same, but every frame runs inside one RawConn.Read
//     of the timer, whose callback returns false after a frame to wait
//     for the next tick: one read system call a tick instead of two (the
//     read that finds the timer not yet fired, EAGAIN, before each wait).
//   - go-rawepoll: the C floor's loop in Go, on one locked thread that
//     blocks in a raw epoll_pwait of its own, neither fd in the runtime's
//     poller. The runtime takes the goroutine for one that has run for
//     the whole wait, and sysmon preempts it with a signal after 10 ms:
//     one more wake-up a frame.
//   - c: bench/c/wakefloor.c with --c=PATH (cc -O2 -o PATH
//     bench/c/wakefloor.c): the same loop on one epoll_wait, as a C
//     compositor does it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// result is what one floor process prints.
type result struct {
	Frames int64   `json:"frames"`
	CPUms  float64 `json:"cpu_ms"`
}

func main() {
	reps := flag.Int("reps", 5, "runs of each floor, interleaved")
	duration := flag.Duration("duration", 4*time.Second, "measured window of a run")
	warmup := flag.Duration("warmup", time.Second, "time before the window")
	cBin := flag.String("c", "", "the C floor, built from bench/c/wakefloor.c (none: Go floors only)")
	floor := flag.String("floor", "", "run one floor and print its result (internal)")
	client := flag.Bool("client", false, "be the client on fd 3 (internal)")
	flag.Parse()
	if *client {
		runClient()
		return
	}
	if *floor != "" {
		r, err := runFloor(*floor, *warmup, *duration)
		if err != nil {
			fmt.Fprintln(os.Stderr, "wakefloor:", err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	runs, err := drive(*reps, *warmup, *duration, *cBin, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wakefloor:", err)
		os.Exit(1)
	}
	printTable(os.Stdout, runs)
}

// runs are a floor's results, in the order they ran.
type runs struct {
	floors []string
	of     map[string][]result
}

// drive runs every floor reps times, interleaved, logging each run to log.
func drive(reps int, warmup, duration time.Duration, cBin string, log io.Writer) (runs, error) {
	self, err := os.Executable()
	if err != nil {
		return runs{}, err
	}
	floors := []string{"go", "go-oneread", "go-rawepoll"}
	if cBin != "" {
		floors = append(floors, "c")
	}
	rs := runs{floors: floors, of: map[string][]result{}}
	for rep := range reps {
		for i := range floors {
			f := floors[(rep+i)%len(floors)] // rotate which goes first
			var cmd *exec.Cmd
			if f == "c" {
				cmd = exec.Command(cBin, fmt.Sprint(warmup.Milliseconds()), fmt.Sprint(duration.Milliseconds()), self, "--client")
			} else {
				cmd = exec.Command(self, "--floor="+f, "--warmup="+warmup.String(), "--duration="+duration.String())
			}
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				return rs, fmt.Errorf("floor %s: %w", f, err)
			}
			var r result
			if err := json.Unmarshal(out, &r); err != nil {
				return rs, fmt.Errorf("floor %s printed %q: %w", f, out, err)
			}
			if r.Frames == 0 {
				return rs, fmt.Errorf("floor %s: no frames in %v", f, duration)
			}
			rs.of[f] = append(rs.of[f], r)
			fmt.Fprintf(log, "rep %d %-10s %4d frames  %.4f ms/frame\n", rep+1, f, r.Frames, r.perFrame())
		}
	}
	return rs, nil
}

// perFrame is the CPU per frame in milliseconds.
func (r result) perFrame() float64 { return r.CPUms / float64(r.Frames) }

// printTable prints each floor's median CPU per frame and its range.
func printTable(w io.Writer, rs runs) {
	fmt.Fprintf(w, "| floor | CPU per frame (ms), median (min–max) |\n|---|---|\n")
	for _, f := range rs.floors {
		var v []float64
		for _, r := range rs.of[f] {
			v = append(v, r.perFrame())
		}
		slices.Sort(v)
		fmt.Fprintf(w, "| %s | %.4f (%.4f–%.4f) |\n", f, v[len(v)/2], v[0], v[len(v)-1])
	}
}

// runClient answers every read on fd 3 with one byte, until EOF. Its
// system calls are raw, so no other runtime thread wakes with it (as
// with unix.Read's entersyscall). sysmon still signals it every 10 ms of
// a blocked read (the go-rawepoll floor's cost, here EINTR and a retry):
// that is the client's CPU, not the floor's.
func runClient() {
	runtime.LockOSThread()
	var b [256]byte
	reply := []byte{'c'}
	for {
		n, _, e := unix.RawSyscall(unix.SYS_READ, 3, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 || n == 0 {
			return
		}
		if _, _, e := unix.RawSyscall(unix.SYS_WRITE, 3, uintptr(unsafe.Pointer(&reply[0])), 1); e != 0 {
			return
		}
	}
}

// runFloor is one Go floor: it starts the client, runs frames for warmup
// and then duration, and returns the commits read in the window and the
// process's CPU time over it.
func runFloor(kind string, warmup, duration time.Duration) (result, error) {
	if kind != "go" && kind != "go-oneread" && kind != "go-rawepoll" {
		return result{}, fmt.Errorf("unknown floor %q", kind)
	}
	sv, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return result{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	cf := os.NewFile(uintptr(sv[1]), "client")
	cmd := exec.Command(self, "--client")
	cmd.ExtraFiles = []*os.File{cf}
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	cf.Close()
	defer cmd.Wait()
	tfd, err := newTicker()
	if err != nil {
		unix.Close(sv[0])
		return result{}, err
	}
	w := window{start: time.Now(), warmup: warmup, duration: duration}
	if kind == "go-rawepoll" {
		defer unix.Close(sv[0])
		defer unix.Close(tfd)
		return rawEpollFloor(sv[0], tfd, &w)
	}
	sf := os.NewFile(uintptr(sv[0]), "socket")
	conn, err := net.FileConn(sf) // non-blocking, in the poller
	sf.Close()
	if err != nil {
		unix.Close(tfd)
		return result{}, err
	}
	defer conn.Close()
	raw, err := conn.(*net.UnixConn).SyscallConn()
	if err != nil {
		unix.Close(tfd)
		return result{}, err
	}
	tf := os.NewFile(uintptr(tfd), "timerfd")
	defer tf.Close()
	traw, err := tf.SyscallConn()
	if err != nil {
		return result{}, err
	}

	var mu sync.Mutex // guards following: the display lock
	var commits int64

	readErr := make(chan error, 1)
	go func() {
		var buf [256]byte
		var fail error
		read := func(fd uintptr) bool {
			for {
				n, e := recvNB(fd, buf[:])
				switch {
				case e == unix.EAGAIN:
					return false
				case e != nil:
					fail = e
					return true
				}
				mu.Lock()
				commits += int64(n)
				mu.Unlock()
			}
		}
		for fail == nil {
			if err := raw.Read(read); err != nil {
				fail = err
			}
		}
		readErr <- fail
	}()

	frame := func() {
		mu.Lock()
		raw.Write(func(fd uintptr) bool { return sendFrameCallback(fd) != unix.EAGAIN })
		mu.Unlock()
	}
	// done runs after each frame: it steps the window, and reports true
	// once the window is over or the reader failed.
	var fail error
	done := func() bool {
		select {
		case fail = <-readErr:
			return true
		default:
		}
		mu.Lock()
		defer mu.Unlock()
		return w.step(commits)
	}
	var expirations uint64
	readTimer := func(fd uintptr) bool { // nofault's: until EAGAIN
		e := readTimerNB(fd, &expirations)
		return e != unix.EAGAIN && e != unix.EINTR
	}
	// go-oneread: the frames run inside one RawConn.Read, whose callback
	// returns false after each frame to wait for the next tick, so the
	// timer is read once a tick, never to EAGAIN.
	finished := false
	tickInRead := func(fd uintptr) bool {
		if e := readTimerNB(fd, &expirations); e == unix.EAGAIN || e == unix.EINTR {
			return false
		}
		frame()
		finished = done()
		return finished
	}
	if kind == "go" {
		for !finished {
			if err := traw.Read(readTimer); err != nil {
				return result{}, err
			}
			frame()
			finished = done()
		}
	} else if err := traw.Read(tickInRead); err != nil {
		return result{}, err
	}
	if fail != nil {
		return result{}, fail
	}
	mu.Lock()
	defer mu.Unlock()
	return w.result(commits), nil
}

// rawEpollFloor is the go-rawepoll floor: the loop of the C floor in Go,
// on one locked thread blocking in a raw epoll_pwait of its own, with
// neither fd in the runtime's poller. The runtime does not know the
// thread is blocked: it keeps its P, so it suits a program whose other
// goroutines can run on the other Ps.
func rawEpollFloor(sock, tfd int, w *window) (result, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.SetNonblock(sock, true); err != nil {
		return result{}, err
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return result{}, err
	}
	defer unix.Close(ep)
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, tfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(tfd)}); err != nil {
		return result{}, err
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, sock, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(sock)}); err != nil {
		return result{}, err
	}
	var (
		events      [8]unix.EpollEvent
		expirations uint64
		buf         [256]byte
		commits     int64
	)
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), ^uintptr(0), 0, 0)
		if e == unix.EINTR { // the runtime's preemption signal
			continue
		}
		if e != 0 {
			return result{}, fmt.Errorf("epoll_pwait: %w", e)
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == tfd {
				if readTimerNB(uintptr(tfd), &expirations) == nil {
					sendFrameCallback(uintptr(sock))
				}
				continue
			}
			for {
				r, err := recvNB(uintptr(sock), buf[:])
				if err == unix.EAGAIN {
					break
				}
				if err != nil {
					return result{}, err
				}
				commits += int64(r)
			}
		}
		if w.step(commits) {
			return w.result(commits), nil
		}
	}
}

// window is a floor's measured window: warmup after start, then duration.
type window struct {
	start            time.Time
	warmup, duration time.Duration
	measuring        bool
	cpu0             unix.Timespec
	commits0         int64
}

// step runs after each frame with the commits read so far: it opens the
// window once the warmup is over and reports whether the window is over.
func (w *window) step(commits int64) (over bool) {
	t := time.Since(w.start)
	if !w.measuring && t >= w.warmup {
		w.measuring = true
		w.commits0 = commits
		unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &w.cpu0)
	}
	return w.measuring && t >= w.warmup+w.duration
}

// result is the commits and the process CPU time since the window opened.
func (w *window) result(commits int64) result {
	var cpu1 unix.Timespec
	unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &cpu1)
	return result{Frames: commits - w.commits0, CPUms: float64(cpu1.Nano()-w.cpu0.Nano()) / 1e6}
}

// newTicker is a non-blocking CLOCK_MONOTONIC timerfd firing at 60 Hz.
func newTicker() (int, error) {
	tfd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	tick := unix.NsecToTimespec(int64(time.Second / 60))
	if err := unix.TimerfdSettime(tfd, 0, &unix.ItimerSpec{Interval: tick, Value: tick}, nil); err != nil {
		unix.Close(tfd)
		return -1, err
	}
	return tfd, nil
}

// The floors' system calls are raw, as nofault's display loop makes them
// (internal/rawsys): no entersyscall, so sysmon is not woken.

// readTimerNB reads the timer's expiration count into exp without
// blocking; nil once it fired.
func readTimerNB(fd uintptr, exp *uint64) error {
	if _, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(exp)), 8); e != 0 {
		return e
	}
	return nil
}

// recvNB reads what the client sent without blocking: EAGAIN when
// nothing is left, an error once the client left.
func recvNB(fd uintptr, buf []byte) (int, error) {
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), unix.MSG_DONTWAIT, 0, 0)
	switch {
	case e != 0:
		return 0, e
	case n == 0:
		return 0, fmt.Errorf("client left")
	}
	return int(n), nil
}

var frameCallback = [1]byte{'d'}

// sendFrameCallback sends the client its one byte without blocking.
func sendFrameCallback(fd uintptr) error {
	if _, _, e := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&frameCallback[0])), 1, unix.MSG_DONTWAIT, 0, 0); e != 0 {
		return e
	}
	return nil
}
