package keymap

import (
	"fmt"
	"math/bits"
	"regexp"
	"strings"
)

// Masks of the keymap's real modifiers as wl_keyboard.modifiers carries
// them. Bit i is real modifier i in libxkbcommon's fixed order Shift, Lock,
// Control, Mod1, Mod2, Mod3, Mod4, Mod5; the names say what the embedded
// keymap's modifier_map binds to each.
const (
	ModShift  uint32 = 1 << 0 // Shift: Shift_L, Shift_R
	ModCaps   uint32 = 1 << 1 // Lock: Caps_Lock
	ModCtrl   uint32 = 1 << 2 // Control: Control_L, Control_R
	ModAlt    uint32 = 1 << 3 // Mod1: Alt_L, Alt_R (and Meta)
	ModNum    uint32 = 1 << 4 // Mod2: Num_Lock
	ModLogo   uint32 = 1 << 6 // Mod4: Super_L, Super_R (and Hyper)
	ModLevel3 uint32 = 1 << 7 // Mod5: ISO_Level3_Shift
)

// realMods are the XKB real modifier names in index order.
var realMods = [8]string{"Shift", "Lock", "Control", "Mod1", "Mod2", "Mod3", "Mod4", "Mod5"}

// RealModMask returns the mask of the XKB real modifier called name
// ("Shift", "Lock", "Control", "Mod1" ... "Mod5"), or 0 if there is none.
func RealModMask(name string) uint32 {
	for i, n := range realMods {
		if strings.EqualFold(n, name) {
			return 1 << i
		}
	}
	return 0
}

// modKey is how a modifier key changes the state.
type modKey struct {
	mask uint32 // real modifiers it sets or locks
	lock bool   // LockMods (Caps_Lock, Num_Lock) rather than SetMods
}

// modKeys maps evdev key codes to their modifier actions in the keymap in
// use (parsed once per keymap).
func modKeys() map[uint32]modKey {
	_, m := activeKeymap(true)
	return m
}

// ModifierKeys returns the evdev key codes that change the modifier state
// with the real modifier mask each sets or locks.
func ModifierKeys() map[uint32]uint32 {
	out := make(map[uint32]uint32, len(modKeys()))
	for code, k := range modKeys() {
		out[code] = k.mask
	}
	return out
}

var (
	keycodeRE = regexp.MustCompile(`(?m)^\s*<(\w+)>\s*=\s*(\d+)\s*;`)
	aliasRE   = regexp.MustCompile(`(?m)^\s*alias\s*<(\w+)>\s*=\s*<(\w+)>\s*;`)
	modmapRE  = regexp.MustCompile(`(?m)^\s*modifier_map\s+(\w+)\s*\{([^}]*)\}\s*;`)
	keyRE     = regexp.MustCompile(`(?ms)^\s*key\s*<(\w+)>\s*\{(.*?)\}\s*;`)
	groupRE   = regexp.MustCompile(`\[\s*Group\d+\s*\]`)
	symRE     = regexp.MustCompile(`\[\s*(\w+)`)
)

// parseModKeys reads the keymap's keycodes, modifier_map lines and the
// first-level keysym of each key in a modifier_map. A key whose keysym
// libxkbcommon's compat section binds to SetMods (Shift_L, Control_L,
// Alt_L, Super_L, ISO_Level3_Shift, ...) sets its modifier_map modifiers
// while held; Caps_Lock and Num_Lock lock them. Other keys (Mode_switch's
// SetGroup, the NoSymbol placeholders <META>, <SUPR>, <HYPR>) change no
// modifier.
func parseModKeys(km string) (map[uint32]modKey, error) {
	codes := map[string]uint32{}
	for _, m := range keycodeRE.FindAllStringSubmatch(km, -1) {
		var n uint32
		fmt.Sscan(m[2], &n)
		codes[m[1]] = n
	}
	for _, m := range aliasRE.FindAllStringSubmatch(km, -1) {
		if n, ok := codes[m[2]]; ok {
			codes[m[1]] = n
		}
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("keymap: no keycodes")
	}
	syms := map[string]string{}
	if i := strings.Index(km, "xkb_symbols"); i >= 0 {
		for _, m := range keyRE.FindAllStringSubmatch(km[i:], -1) {
			body := groupRE.ReplaceAllString(m[2], "")
			if s := symRE.FindStringSubmatch(body); s != nil {
				syms[m[1]] = s[1]
			}
		}
	}
	out := map[uint32]modKey{}
	var level3 uint32 // the real modifiers of virtual LevelThree
	maps := modmapRE.FindAllStringSubmatch(km, -1)
	if len(maps) == 0 {
		return nil, fmt.Errorf("keymap: no modifier_map")
	}
	for _, m := range maps {
		mask := RealModMask(m[1])
		if mask == 0 {
			return nil, fmt.Errorf("keymap: modifier_map of unknown modifier %q", m[1])
		}
		for _, name := range strings.Split(m[2], ",") {
			name = strings.TrimSpace(name)
			if !strings.HasPrefix(name, "<") || !strings.HasSuffix(name, ">") {
				continue // a keysym entry; the generated keymap has none
			}
			name = name[1 : len(name)-1]
			xkb, ok := codes[name]
			if !ok {
				return nil, fmt.Errorf("keymap: modifier_map names unknown key <%s>", name)
			}
			var k modKey
			switch syms[name] {
			case "Caps_Lock", "Num_Lock":
				k = modKey{mask: mask, lock: true}
			case "Shift_L", "Shift_R", "Control_L", "Control_R", "Alt_L", "Alt_R",
				"Meta_L", "Meta_R", "Super_L", "Super_R", "Hyper_L", "Hyper_R",
				"ISO_Level3_Shift":
				k = modKey{mask: mask}
			default:
				continue
			}
			code := xkb - 8 // evdev = XKB keycode - 8 with the evdev rules
			if prev, ok := out[code]; ok {
				k.mask |= prev.mask
			}
			out[code] = k
			if syms[name] == "ISO_Level3_Shift" {
				level3 |= mask
			}
		}
	}
	// ISO_Level3_Shift sets the virtual modifier LevelThree, whatever the
	// key's own modifier_map: the real modifiers of the keys with that
	// keysym in a modifier_map (Mod5 for <LVL3>). So <RALT>, AltGr in most
	// layouts but us, sets Mod5 without a modifier_map entry of its own.
	if level3 != 0 {
		for name, sym := range syms {
			code, ok := codes[name]
			if sym != "ISO_Level3_Shift" || !ok || code < 8 {
				continue
			}
			if _, done := out[code-8]; !done {
				out[code-8] = modKey{mask: level3}
			}
		}
	}
	return out, nil
}

// ModState tracks the modifier state of one keyboard as libxkbcommon's
// xkb_state does for the keymap in use: held Shift, Control, Alt, Logo
// and Level3 keys are depressed modifiers; Caps Lock and Num Lock lock
// their modifier on press and unlock it on the release of a press that
// began locked (so while the key is held the modifier is both depressed and
// locked). Two keys with the same modifier (left and right Shift) keep it
// depressed until both are up.
//
// Unlike xkb_state, a press of a key that is already down (auto-repeat) and
// a release of a key that is not down are ignored.
//
// The zero value is a state with nothing pressed or locked. A ModState must
// not be copied after first use and is not safe for concurrent use.
type ModState struct {
	down      map[uint32]uint32 // held modifier keys -> locks their release undoes
	count     [8]uint16         // held keys per real modifier
	depressed uint32
	locked    uint32
}

// Key applies a press or release of the key with the given evdev code and
// reports whether the serialized state changed, that is whether a
// wl_keyboard.modifiers event is due. Keys that are not modifiers never
// change it.
func (s *ModState) Key(evdevCode uint32, pressed bool) (changed bool) {
	k, ok := modKeys()[evdevCode]
	if !ok {
		return false
	}
	dep, lck := s.depressed, s.locked
	if pressed {
		if _, held := s.down[evdevCode]; held {
			return false
		}
		if s.down == nil {
			s.down = make(map[uint32]uint32)
		}
		var undo uint32
		if k.lock {
			undo = s.locked & k.mask
			s.locked |= k.mask
		}
		s.down[evdevCode] = undo
		for m := k.mask; m != 0; m &= m - 1 {
			s.count[bits.TrailingZeros32(m)]++
		}
		s.depressed |= k.mask
	} else {
		undo, held := s.down[evdevCode]
		if !held {
			return false
		}
		delete(s.down, evdevCode)
		for m := k.mask; m != 0; m &= m - 1 {
			i := bits.TrailingZeros32(m)
			if s.count[i] > 0 {
				s.count[i]--
			}
			if s.count[i] == 0 {
				s.depressed &^= 1 << i
			}
		}
		s.locked &^= undo
	}
	return dep != s.depressed || lck != s.locked
}

// Serialize returns the state as wl_keyboard.modifiers sends it. latched is
// always 0 (the keymap has no latching keys on a pc105 keyboard) and group
// is always 0 (it has one layout).
func (s *ModState) Serialize() (depressed, latched, locked, group uint32) {
	return s.depressed, 0, s.locked, 0
}

// ReleaseAll forgets every held key, as when the keyboard loses focus and
// releases will not be seen, keeping locks. It reports whether the
// serialized state changed.
func (s *ModState) ReleaseAll() (changed bool) {
	changed = s.depressed != 0
	clear(s.down)
	s.count = [8]uint16{}
	s.depressed = 0
	return changed
}

// SetLocked replaces the Caps Lock and Num Lock locks with those in mask
// (other bits are ignored), for a backend that learns the lock state from
// its host, and reports whether the serialized state changed.
func (s *ModState) SetLocked(mask uint32) (changed bool) {
	const lockable = ModCaps | ModNum
	l := s.locked&^lockable | mask&lockable
	changed = l != s.locked
	s.locked = l
	return changed
}
