package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Socket is a listening Wayland socket with its libwayland-style lock file.
type Socket struct {
	Name     string // e.g. wayland-1
	Path     string // absolute socket path
	lockPath string
	lockFD   int
	listener *net.UnixListener
	closed   bool // listener closed; the field stays set for a concurrent Accept
}

// CheckRuntimeDir verifies that dir is a directory owned by us with mode
// 0700, as XDG_RUNTIME_DIR must be.
func CheckRuntimeDir(dir string) error {
	if dir == "" {
		return errors.New("XDG_RUNTIME_DIR is not set: it must name a directory owned by you with mode 0700")
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return fmt.Errorf("XDG_RUNTIME_DIR %s: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("XDG_RUNTIME_DIR %s is not a directory", dir)
	}
	if int(st.Uid) != os.Getuid() {
		return fmt.Errorf("XDG_RUNTIME_DIR %s is owned by uid %d, not by us (uid %d)", dir, st.Uid, os.Getuid())
	}
	if st.Mode&0o777 != 0o700 {
		return fmt.Errorf("XDG_RUNTIME_DIR %s has mode %04o; it must be 0700", dir, st.Mode&0o777)
	}
	return nil
}

// Listen creates the socket in runtimeDir. With name == "" it takes the
// first free wayland-N (N from 0 to 32, as libwayland's
// wl_display_add_socket_auto); otherwise exactly name. A socket counts as
// taken while another process holds its lock file with flock; a socket
// left by a compositor that is gone is replaced, and a path that is not a
// socket (a directory, a file) is never touched: Listen refuses it, or
// with name == "" takes the next wayland-N.
func Listen(runtimeDir, name string) (*Socket, error) {
	if err := CheckRuntimeDir(runtimeDir); err != nil {
		return nil, err
	}
	if name != "" {
		if filepath.IsAbs(name) || filepath.Base(name) != name {
			return nil, fmt.Errorf("socket name %q: want a plain name such as wayland-1", name)
		}
		return listenName(runtimeDir, name)
	}
	for n := 0; n <= 32; n++ {
		s, err := listenName(runtimeDir, "wayland-"+strconv.Itoa(n))
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errSocketBusy) && !errors.Is(err, errNotSocket) {
			return nil, err
		}
	}
	return nil, errors.New("no free wayland-N socket name in XDG_RUNTIME_DIR")
}

var (
	errSocketBusy = errors.New("socket in use")
	errNotSocket  = errors.New("refusing to replace it")
)

func listenName(dir, name string) (*Socket, error) {
	s := &Socket{Name: name, Path: filepath.Join(dir, name), lockPath: filepath.Join(dir, name+".lock"), lockFD: -1}
	if len(s.Path) >= len(unix.RawSockaddrUnix{}.Path) {
		return nil, fmt.Errorf("socket path %s is too long", s.Path)
	}
	fd, err := unix.Open(s.lockPath, unix.O_CREAT|unix.O_CLOEXEC|unix.O_RDWR, 0o660)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", s.lockPath, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", name, errSocketBusy)
	}
	s.lockFD = fd
	// We hold the lock, so a leftover socket is stale and is replaced, as
	// libwayland does. Anything else at the path (a directory, a file, a
	// link) is not ours to delete.
	if err := removeStaleSocket(s.Path); err != nil {
		s.Close()
		return nil, err
	}
	// The socket appears at its name only once it listens: bind(2) creates
	// the file before listen(2) is called, and a client that connects in
	// between (one that waits for the file to appear) gets ECONNREFUSED.
	// So it is bound under a private name and renamed into place.
	bindPath := filepath.Join(dir, fmt.Sprintf(".%s.%d", name, os.Getpid()))
	if len(bindPath) >= len(unix.RawSockaddrUnix{}.Path) {
		bindPath = s.Path // no room for the private name: bind in place
	}
	os.Remove(bindPath)
	old := syscall.Umask(0o077) // the socket file is created 0700
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: bindPath, Net: "unix"})
	syscall.Umask(old)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("listen on %s: %w", s.Path, err)
	}
	l.SetUnlinkOnClose(false)
	s.listener = l
	if bindPath != s.Path {
		if err := os.Rename(bindPath, s.Path); err != nil {
			os.Remove(bindPath)
			s.Close()
			return nil, fmt.Errorf("listen on %s: %w", s.Path, err)
		}
	}
	return s, nil
}

// removeStaleSocket removes the socket left at path by a compositor that
// is gone. It refuses, naming what is there, a path that is not a socket.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket path %s: %w", path, err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("socket path %s exists and is %s, not a socket: %w; choose another --socket name or remove it", path, fileKind(fi.Mode()), errNotSocket)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}

// fileKind names a file type for an error message.
func fileKind(m os.FileMode) string {
	switch m.Type() {
	case 0:
		return "a regular file"
	case os.ModeDir:
		return "a directory"
	case os.ModeSymlink:
		return "a symbolic link"
	case os.ModeNamedPipe:
		return "a named pipe"
	case os.ModeDevice, os.ModeDevice | os.ModeCharDevice:
		return "a device"
	}
	return "mode " + m.String()
}

// Accept waits for the next client connection.
func (s *Socket) Accept() (*net.UnixConn, error) { return s.listener.AcceptUnix() }

// Close stops listening and removes the socket and its lock file.
func (s *Socket) Close() error {
	var err error
	if s.listener != nil && !s.closed {
		err = s.listener.Close()
		s.closed = true
		os.Remove(s.Path)
	}
	if s.lockFD >= 0 {
		os.Remove(s.lockPath)
		unix.Close(s.lockFD)
		s.lockFD = -1
	}
	return err
}
