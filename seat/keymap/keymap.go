// Package keymap serves the XKB keymap that nofault sends in
// wl_keyboard.keymap and tracks the modifier state that goes with it.
//
// The default keymap is compiled at build time, not at run time: us.xkb is the
// output of
//
//	xkbcli compile-keymap --layout us --rules evdev --model pc105
//
// from Debian 12's libxkbcommon-tools 1.5.0 with xkb-data 2.35.1, committed
// and embedded, so nofault needs neither cgo nor libxkbcommon. Run
// go generate in this directory to rebuild it (the generator writes to a
// temporary file first, so a missing xkbcli leaves us.xkb untouched).
//
// Another layout ([Use], with [Names] from XKB_DEFAULT_* or nofault's
// --keymap) is compiled at start by xkbcommon's own compiler, xkbcli
// compile-keymap, which must then be installed.
//
// # Serving the keymap
//
// [New] copies the text and a terminating NUL into a memfd and seals it
// against every change (F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE,
// F_SEAL_SEAL). [Keymap.Open] then gives each client its own read-only file
// description of that memfd, reopened through /proc/self/fd, so clients that
// read(2) the keymap instead of mapping it do not share a file offset.
//
// # Modifiers
//
// wl_keyboard.modifiers carries masks of the keymap's real modifiers, whose
// indices libxkbcommon fixes as Shift=0, Lock=1, Control=2, Mod1..Mod5=3..7.
// The masks are [ModShift] and friends; [ModState] tracks them for key
// presses the way libxkbcommon's xkb_state does for this keymap (the tests
// compare the two key by key when libxkbcommon-dev is installed).
package keymap

//go:generate sh -c "xkbcli compile-keymap --layout us --rules evdev --model pc105 > us.xkb.tmp && mv us.xkb.tmp us.xkb"

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// embeddedText is the embedded keymap, exactly as xkbcli printed it.
//
//go:embed us.xkb
var embeddedText string

// Text returns the keymap in use (the embedded one unless [Use] chose
// another) in libxkbcommon's text format (xkb_v1), without the NUL
// terminator that [Keymap] adds.
func Text() string {
	t, _ := activeKeymap(false)
	return t
}

// FormatXKBV1 is wl_keyboard.keymap_format.xkb_v1, the format of [Text].
const FormatXKBV1 = 1

// Seals are the seals New applies to the memfd.
const Seals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL

// ErrClosed is returned by [Keymap.Open] after [Keymap.Close].
var ErrClosed = errors.New("keymap: closed")

// Keymap is the keymap text in a sealed memfd. Its methods are safe for
// concurrent use.
type Keymap struct {
	mu   sync.RWMutex
	fd   int // the memfd; -1 after Close
	size uint32
}

// New writes the keymap in use (see [Use]) and a NUL into a new sealed
// memfd.
func New() (*Keymap, error) { return newKeymap(Text()) }

func newKeymap(s string) (*Keymap, error) {
	fd, err := unix.MemfdCreate("nofault-keymap", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("keymap: memfd_create: %w", err)
	}
	buf := make([]byte, len(s)+1) // NUL-terminated, as xkb_v1 requires
	copy(buf, s)
	for b := buf; len(b) > 0; {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("keymap: write memfd: %w", err)
		}
		b = b[n:]
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, Seals); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("keymap: seal memfd: %w", err)
	}
	return &Keymap{fd: fd, size: uint32(len(buf))}, nil
}

// Size is the size to send in wl_keyboard.keymap: the length of the text
// plus its NUL terminator.
func (k *Keymap) Size() uint32 { return k.size }

// Open returns a new read-only, close-on-exec file descriptor of the keymap
// for one client, and the size to send with it. The caller owns fd and
// must close it once it has been sent. Every call opens a new file
// description, so clients never share a file offset.
func (k *Keymap) Open() (fd int, size uint32, err error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.fd < 0 {
		return -1, 0, ErrClosed
	}
	path := "/proc/self/fd/" + strconv.Itoa(k.fd)
	for {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return -1, 0, fmt.Errorf("keymap: reopen %s: %w", path, err)
	}
	return fd, k.size, nil
}

// Close closes the memfd. File descriptors returned by Open stay valid.
// Closing twice is harmless.
func (k *Keymap) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fd < 0 {
		return nil
	}
	err := unix.Close(k.fd)
	k.fd = -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}
