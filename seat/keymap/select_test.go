package keymap

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func needXkbcli(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("xkbcli"); err != nil {
		t.Skip("xkbcli not installed (libxkbcommon-tools)")
	}
}

// keySyms returns the first-group keysyms of key <name> in a keymap text.
func keySyms(t *testing.T, text, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)key <` + name + `>\s*\{(.*?)\};`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no key <%s> in the keymap", name)
	}
	s := regexp.MustCompile(`\[\s*([^\]]*)\]`).FindAllStringSubmatch(m[1], -1)
	if len(s) == 0 {
		t.Fatalf("key <%s> has no symbols: %s", name, m[1])
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(s[len(s)-1][1], ",", " ")), " ")
}

// A German layout: the keys at US y, z and ' type z, y and ä, and AltGr
// (<RALT>) is Level3 (Mod5), as libxkbcommon has it.
func TestUseGerman(t *testing.T) {
	needXkbcli(t)
	defer Use(Names{})
	if err := Use(NamesFromEnv(func(k string) string {
		return map[string]string{"XKB_DEFAULT_LAYOUT": "de"}[k]
	})); err != nil {
		t.Fatal(err)
	}
	text := Text()
	for key, want := range map[string]string{"AD06": "z Z", "AB01": "y Y", "AC11": "adiaeresis Adiaeresis"} {
		if got := keySyms(t, text, key); !strings.HasPrefix(got, want) {
			t.Errorf("<%s> = %q, want %q first", key, got, want)
		}
	}
	if got := ModifierKeys()[100]; got != ModLevel3 {
		t.Errorf("right Alt (100) sets %#x, want ModLevel3 %#x", got, ModLevel3)
	}
	k, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if k.Size() != uint32(len(text)+1) {
		t.Errorf("New serves %d bytes, want the de keymap's %d", k.Size(), len(text)+1)
	}
	if got := ActiveNames().Layout; got != "de" {
		t.Errorf("ActiveNames().Layout = %q", got)
	}
	// Back to us: the embedded text again, right Alt is Alt_R without a
	// modifier_map entry (no modifier, as in libxkbcommon).
	if err := Use(Names{}); err != nil {
		t.Fatal(err)
	}
	if Text() != embeddedText {
		t.Error("Use(Names{}) did not restore the embedded keymap")
	}
}

func TestCompileUnknownLayout(t *testing.T) {
	needXkbcli(t)
	for _, n := range []Names{{Layout: "nofault-xx"}, {Layout: "de", Variant: "nofault-nope"}} {
		_, err := Compile(n)
		if err == nil {
			t.Fatalf("%v compiled", n)
		}
		msg := err.Error()
		if !strings.Contains(msg, "unknown "+n.String()) || !strings.Contains(msg, "nofault-") {
			t.Errorf("%v: error %q does not name the layout and the reason", n, msg)
		}
		if Use(n) == nil {
			t.Errorf("Use(%v) succeeded", n)
		}
	}
	if Text() != embeddedText {
		t.Error("a failed Use changed the keymap")
	}
}
