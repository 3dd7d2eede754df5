package headless

import (
	"os"
	"syscall"
	"time"

	"github.com/nofault/nofault/internal/rawsys"
	"golang.org/x/sys/unix"
)

// timerFD is a periodic CLOCK_MONOTONIC timerfd registered with the Go
// runtime's network poller.
type timerFD struct {
	f   *os.File
	raw syscall.RawConn
	// expirations is read into by wait's callback (made once: a tick
	// allocates nothing): the count, in native byte order.
	expirations [8]byte
	read        func(fd uintptr) bool
}

func newTimerFD() (*timerFD, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	t := &timerFD{f: os.NewFile(uintptr(fd), "timerfd")}
	if t.raw, err = t.f.SyscallConn(); err != nil {
		t.f.Close()
		return nil, err
	}
	t.read = t.readNB
	return t, nil
}

// arm makes the timer fire every interval from now; 0 stops it. It fails
// once the timer is closed (the fd is used only while the file holds it).
func (t *timerFD) arm(interval time.Duration) error {
	ts := unix.NsecToTimespec(int64(interval))
	var err error
	if cerr := t.raw.Control(func(fd uintptr) {
		err = unix.TimerfdSettime(int(fd), 0, &unix.ItimerSpec{Interval: ts, Value: ts}, nil)
	}); cerr != nil {
		return cerr
	}
	return err
}

// wait blocks until the timer fired at least once since the last wait, and
// reports false once the timer is closed.
func (t *timerFD) wait() bool {
	return t.raw.Read(t.read) == nil
}

// readNB is wait's callback: a non-blocking read of the expiration count
// that does not wake the runtime's sysmon thread (internal/rawsys). It
// returns false, to wait in the poller, while the timer has not fired.
func (t *timerFD) readNB(fd uintptr) bool {
	_, err := rawsys.Read(int(fd), t.expirations[:])
	return err != unix.EAGAIN && err != unix.EINTR
}

// close stops the timer and makes a pending or later wait return false. It
// may be called more than once, from any goroutine.
func (t *timerFD) close() { t.f.Close() }
