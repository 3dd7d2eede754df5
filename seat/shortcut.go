package seat

import (
	"fmt"
	"strings"

	"github.com/nofault/nofault/seat/keycodes"
	"github.com/nofault/nofault/seat/keymap"
)

// Shortcut is a key combination the compositor handles itself instead of
// sending it to a client: Key pressed while exactly Mods are held.
type Shortcut struct {
	Mods uint32 // keymap.ModShift, ModCtrl, ModAlt, ModLogo, or'ed
	Key  uint32 // evdev code of the key
}

// shortcutMods are the modifiers a shortcut compares; locks (Caps Lock,
// Num Lock) and AltGr do not matter.
const shortcutMods = keymap.ModShift | keymap.ModCtrl | keymap.ModAlt | keymap.ModLogo

// modifierCodes are the evdev codes of the modifier and lock keys (Ctrl,
// Shift, Alt, Super, AltGr, Caps Lock, Num Lock), which cannot be a
// shortcut's key. A fixed list: keymap.ModifierKeys would parse the keymap
// at startup.
var modifierCodes = map[uint32]bool{29: true, 97: true, 42: true, 54: true, 56: true, 100: true, 125: true, 126: true, 58: true, 69: true}

// ParseShortcut reads a shortcut written as modifiers and a key joined by
// "+", such as "ctrl+super+tab" or "super+F1". Modifiers are shift, ctrl
// (control), alt and super (logo, mod4); the key is an evdev key name
// without KEY_ (tab, esc, f1, m, grave ...). Case does not matter. An
// empty string is the zero Shortcut: no shortcut.
func ParseShortcut(spec string) (Shortcut, error) {
	if strings.TrimSpace(spec) == "" {
		return Shortcut{}, nil
	}
	parts := strings.Split(spec, "+")
	var sc Shortcut
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if i < len(parts)-1 {
			var m uint32
			switch strings.ToLower(p) {
			case "shift":
				m = keymap.ModShift
			case "ctrl", "control":
				m = keymap.ModCtrl
			case "alt", "mod1":
				m = keymap.ModAlt
			case "super", "logo", "mod4", "win":
				m = keymap.ModLogo
			default:
				return Shortcut{}, fmt.Errorf("%q: unknown modifier %q (want shift, ctrl, alt or super)", spec, p)
			}
			sc.Mods |= m
			continue
		}
		code, ok := keycodes.FromName(p)
		if !ok {
			return Shortcut{}, fmt.Errorf("%q: unknown key %q (want an evdev key name such as tab, esc, f1, m)", spec, p)
		}
		if modifierCodes[code] {
			return Shortcut{}, fmt.Errorf("%q: the key %q is a modifier", spec, p)
		}
		sc.Key = code
	}
	return sc, nil
}

// String writes the shortcut as ParseShortcut reads it.
func (sc Shortcut) String() string {
	if sc.Key == 0 {
		return ""
	}
	var b strings.Builder
	for _, m := range []struct {
		mask uint32
		name string
	}{{keymap.ModCtrl, "ctrl"}, {keymap.ModAlt, "alt"}, {keymap.ModShift, "shift"}, {keymap.ModLogo, "super"}} {
		if sc.Mods&m.mask != 0 {
			b.WriteString(m.name + "+")
		}
	}
	fmt.Fprintf(&b, "key%d", sc.Key)
	return b.String()
}

// BindShortcut makes the compositor handle sc: when its key is pressed
// while exactly its modifiers are held, fn runs; when it reports true the
// focused client gets neither the press nor its release (the modifiers it
// does get, as with any compositor shortcut), and when it reports false
// (a client inhibits shortcuts, zwp_keyboard_shortcuts_inhibit_v1) the key
// goes to the client as usual. A zero Shortcut binds nothing. A later
// binding of the same combination replaces the earlier one.
func (s *Seat) BindShortcut(sc Shortcut, fn func() (handled bool)) {
	if sc.Key == 0 || fn == nil {
		return
	}
	for i := range s.shortcuts {
		if s.shortcuts[i].sc == sc {
			s.shortcuts[i].fn = fn
			return
		}
	}
	s.shortcuts = append(s.shortcuts, binding{sc, fn})
}

type binding struct {
	sc Shortcut
	fn func() bool
}

// shortcut runs the binding a key press matches and reports whether it
// handled the key; the press is then not recorded as held, so its release
// is dropped too.
func (s *Seat) shortcut(code uint32, pressed bool) bool {
	if !pressed || len(s.shortcuts) == 0 {
		return false
	}
	dep, _, _, _ := s.kbd.mods.Serialize()
	for _, b := range s.shortcuts {
		if b.sc.Key == code && b.sc.Mods == dep&shortcutMods {
			return b.fn()
		}
	}
	return false
}
