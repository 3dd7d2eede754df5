package server

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
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
