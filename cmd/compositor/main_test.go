package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nofault/nofault/seat/keymap"
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

func TestTakeKeymapFlag(t *testing.T) {
	for _, tc := range []struct {
		args, rest []string
		value      string
		set        bool
	}{
		{[]string{"--size=1x1", "--keymap=de", "--", "foot", "--keymap=x"}, []string{"--size=1x1", "--", "foot", "--keymap=x"}, "de", true},
		{[]string{"--keymap", "de:nodeadkeys"}, nil, "de:nodeadkeys", true},
		{[]string{"-keymap=fr"}, nil, "fr", true},
		{[]string{"--keymaps=fr"}, []string{"--keymaps=fr"}, "", false},
	} {
		rest, v, set := takeKeymapFlag(tc.args)
		if fmt.Sprint(rest) != fmt.Sprint(tc.rest) || v != tc.value || set != tc.set {
			t.Errorf("takeKeymapFlag(%q) = %q, %q, %v", tc.args, rest, v, set)
		}
	}
}

func TestKeymapFlagNames(t *testing.T) {
	base := keymap.Names{Model: "pc104", Variant: "old", Options: "grp:alt_shift_toggle"}
	for _, tc := range []struct {
		v    string
		want keymap.Names
	}{
		{"de", keymap.Names{Model: "pc104", Layout: "de", Options: "grp:alt_shift_toggle"}},
		{"de:nodeadkeys", keymap.Names{Model: "pc104", Layout: "de", Variant: "nodeadkeys", Options: "grp:alt_shift_toggle"}},
		{"us::caps:escape", keymap.Names{Model: "pc104", Layout: "us", Options: "caps:escape"}},
	} {
		if got := keymapFlagNames(base, tc.v); got != tc.want {
			t.Errorf("keymapFlagNames(%q) = %+v, want %+v", tc.v, got, tc.want)
		}
	}
}
