package server

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func runtimeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestListenRefusesNonSocket: --socket=NAME naming something that is not a
// socket (an empty directory, a file, a link) is refused with an error that
// says so, and is left where it was (issue 16).
func TestListenRefusesNonSocket(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path string) error
		kind string
	}{
		{"empty-dir", func(p string) error { return os.Mkdir(p, 0o700) }, "a directory"},
		{"file", func(p string) error { return os.WriteFile(p, []byte("keep me"), 0o600) }, "a regular file"},
		{"empty-file", func(p string) error { return os.WriteFile(p, nil, 0o600) }, "a regular file"},
		{"symlink", func(p string) error { return os.Symlink("/nonexistent", p) }, "a symbolic link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := runtimeDir(t)
			path := filepath.Join(dir, "wayland-x")
			if err := tc.make(path); err != nil {
				t.Fatal(err)
			}
			before, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Listen(dir, "wayland-x")
			if err == nil {
				s.Close()
				t.Fatalf("Listen replaced %s with a socket", tc.kind)
			}
			if !errors.Is(err, errNotSocket) {
				t.Errorf("error %q does not say the path is not a socket", err)
			}
			after, lerr := os.Lstat(path)
			if lerr != nil {
				t.Fatalf("%s was removed: %v (Listen said %v)", tc.kind, lerr, err)
			}
			if after.Mode() != before.Mode() {
				t.Errorf("mode changed from %v to %v", before.Mode(), after.Mode())
			}
			if _, err := os.Stat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("lock file left behind: %v", err)
			}
		})
	}
}

// TestListenReplacesStaleSocket: a socket whose compositor is gone (no lock
// holder) is replaced, as libwayland does.
func TestListenReplacesStaleSocket(t *testing.T) {
	dir := runtimeDir(t)
	path := filepath.Join(dir, "wayland-x")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	s, err := Listen(dir, "wayland-x")
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	defer s.Close()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("new socket does not accept: %v", err)
	}
	c.Close()
}

// TestListenAutoSkipsNonSocket: an automatic name passes over a wayland-N
// that is not a socket rather than deleting it.
func TestListenAutoSkipsNonSocket(t *testing.T) {
	dir := runtimeDir(t)
	if err := os.Mkdir(filepath.Join(dir, "wayland-0"), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Listen(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Name != "wayland-1" {
		t.Errorf("took %s, want wayland-1", s.Name)
	}
	if fi, err := os.Stat(filepath.Join(dir, "wayland-0")); err != nil || !fi.IsDir() {
		t.Errorf("wayland-0 directory gone: %v", err)
	}
}

// TestListenSocketAppearsListening: the socket's name appears only once it
// listens (renamed into place), never by bind(2) creating it, after which a
// client that connects before listen(2) gets ECONNREFUSED; tests and
// launchers that wait for the file to appear hit that window on a loaded
// machine. inotify tells how the name came to be.
func TestListenSocketAppearsListening(t *testing.T) {
	dir := runtimeDir(t)
	in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Skipf("inotify: %v", err)
	}
	defer unix.Close(in)
	if _, err := unix.InotifyAddWatch(in, dir, unix.IN_CREATE|unix.IN_MOVED_TO); err != nil {
		t.Fatal(err)
	}
	s, err := Listen(dir, "wayland-atomic")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := net.Dial("unix", s.Path)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.Close()
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	n, err := unix.Read(in, buf)
	if err != nil {
		t.Fatalf("read inotify: %v", err)
	}
	var how []string
	for off := 0; off+unix.SizeofInotifyEvent <= n; {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		nameb := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
		name := strings.TrimRight(string(nameb), "\x00")
		off += unix.SizeofInotifyEvent + int(ev.Len)
		if name != "wayland-atomic" {
			continue
		}
		switch {
		case ev.Mask&unix.IN_CREATE != 0:
			how = append(how, "created")
		case ev.Mask&unix.IN_MOVED_TO != 0:
			how = append(how, "renamed")
		}
	}
	if len(how) != 1 || how[0] != "renamed" {
		t.Errorf("socket name appeared by %v, want only by a rename of a listening socket", how)
	}
}
