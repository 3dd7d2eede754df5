package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestFlagMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"flag provided but not defined: -foo (see --help)", "unknown flag --foo (see --help)"},
		{`invalid value "x" for flag -size: bad (see --help)`, `invalid value "x" for flag --size: bad (see --help)`},
		{"flag needs an argument: -socket (see --help)", "flag needs an argument: --socket (see --help)"},
		// Not from the flag package: left alone.
		{"--size: want WxH, got \"-1x2\"", "--size: want WxH, got \"-1x2\""},
	} {
		if got := flagMessage(tc.in); got != tc.want {
			t.Errorf("flagMessage(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWantsVersion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"--version"}, true},
		{[]string{"--size=1x1", "-version"}, true},
		{[]string{"--", "foot", "--version"}, false},
		{nil, false},
	} {
		if got := wantsVersion(tc.args); got != tc.want {
			t.Errorf("wantsVersion(%q) = %v", tc.args, got)
		}
	}
}

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

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"", true},
		{filepath.Join(dir, "shot.png"), true},
		{dir, false},
		{filepath.Join(dir, "missing", "shot.png"), false},
	} {
		if err := checkWritable(tc.path); (err == nil) != tc.ok {
			t.Errorf("checkWritable(%q) = %v", tc.path, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("checkWritable left %d files behind", len(entries))
	}
}
