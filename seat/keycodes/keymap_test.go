package keycodes

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nofault/nofault/seat/keymap"
)

// TestPrintableKeysMatchKeymap checks that each printable GLFW key (whose
// value is the character on the US key) lands, through evdev+8, on the key
// of nofault's keymap whose first keysym is that character.
func TestPrintableKeysMatchKeymap(t *testing.T) {
	text := keymap.Text()
	names := map[int]string{} // X keycode -> key name
	for _, m := range regexp.MustCompile(`(?m)^\s*<(\w+)>\s*=\s*(\d+);`).FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[2])
		names[n] = m[1]
	}
	syms := map[string]string{} // key name -> first keysym
	sym := text[strings.Index(text, "xkb_symbols"):]
	for _, m := range regexp.MustCompile(`(?m)^\s*key <(\w+)>\s*\{\s*\[\s*(\w+)`).FindAllStringSubmatch(sym, -1) {
		syms[m[1]] = m[2]
	}
	keysym := map[rune]string{
		' ': "space", '\'': "apostrophe", ',': "comma", '-': "minus", '.': "period", '/': "slash",
		';': "semicolon", '=': "equal", '[': "bracketleft", '\\': "backslash", ']': "bracketright", '`': "grave",
	}
	n := 0
	for _, k := range keys {
		if k.glfw > 96 {
			continue
		}
		r := rune(k.glfw)
		want, ok := keysym[r]
		if !ok {
			want = strings.ToLower(string(r))
		}
		name := names[int(k.evdev)+8]
		if got := syms[name]; got != want {
			t.Errorf("%s -> %s -> <%s> has keysym %q, want %q", k.glfwName, k.evdevName, name, got, want)
		}
		n++
	}
	if n != 48 {
		t.Errorf("checked %d printable keys, want 48", n)
	}
}
