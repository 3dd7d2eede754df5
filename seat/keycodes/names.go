package keycodes

import "strings"

// FromName returns the evdev code of a key named as in
// linux/input-event-codes.h without the KEY_ prefix, in any case ("tab",
// "F1", "esc", "leftmeta"), for keys on a US pc105 keyboard; a few common
// names are accepted too ("escape", "return", "super"). It reports false
// for an unknown name.
func FromName(name string) (uint32, bool) {
	n := strings.ToUpper(name)
	switch n {
	case "ESCAPE":
		n = "ESC"
	case "RETURN":
		n = "ENTER"
	case "SUPER":
		n = "LEFTMETA"
	}
	for _, k := range keys {
		if k.evdevName == "KEY_"+n {
			return uint32(k.evdev), true
		}
	}
	return 0, false
}
