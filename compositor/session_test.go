package compositor

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestChildEnv(t *testing.T) {
	got := childEnv([]string{"HOME=/h", "DISPLAY=:0", "WAYLAND_DISPLAY=wayland-1", "WAYLAND_SOCKET=3", "XDG_SESSION_TYPE=x11", "PATH=/bin"}, "wayland-7")
	want := []string{"HOME=/h", "PATH=/bin", "WAYLAND_DISPLAY=wayland-7", "XDG_SESSION_TYPE=wayland"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("childEnv = %q, want %q", got, want)
	}
}

func TestStartFailure(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644)
	for _, tc := range []struct {
		name string
		want int
	}{{plain, 126}, {dir, 126}, {filepath.Join(dir, "missing"), 127}, {"nofault-no-such-command", 127}} {
		err := exec.Command(tc.name).Start()
		if err == nil {
			t.Fatalf("%s started", tc.name)
		}
		if got := startFailure(err); got != tc.want {
			t.Errorf("%s: %v: status %d, want %d", tc.name, err, got, tc.want)
		}
	}
}
