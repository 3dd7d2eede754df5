package keymap

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// evdev codes from linux/input-event-codes.h.
const (
	keyA          = 30
	keyLeftCtrl   = 29
	keyLeftShift  = 42
	keyRightShift = 54
	keyLeftAlt    = 56
	keyCapsLock   = 58
	keyNumLock    = 69
	keyLevel3     = 84 // <LVL3>: no key on a pc105 keyboard sends it
	keyRightCtrl  = 97
	keyRightAlt   = 100
	keyLeftMeta   = 125
	keyRightMeta  = 126
)

func TestModifierKeys(t *testing.T) {
	want := map[uint32]uint32{
		keyLeftShift: ModShift, keyRightShift: ModShift,
		keyCapsLock: ModCaps,
		keyLeftCtrl: ModCtrl, keyRightCtrl: ModCtrl,
		keyLeftAlt: ModAlt, keyRightAlt: ModAlt,
		keyNumLock:  ModNum,
		keyLeftMeta: ModLogo, keyRightMeta: ModLogo,
		keyLevel3: ModLevel3,
	}
	got := ModifierKeys()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ModifierKeys() = %v\nwant %v", got, want)
	}
	for _, lock := range []uint32{keyCapsLock, keyNumLock} {
		if !modKeys()[lock].lock {
			t.Errorf("key %d does not lock", lock)
		}
	}
}

func TestRealModMask(t *testing.T) {
	for name, want := range map[string]uint32{
		"Shift": ModShift, "Lock": ModCaps, "Control": ModCtrl, "Mod1": ModAlt,
		"Mod2": ModNum, "Mod3": 1 << 5, "Mod4": ModLogo, "Mod5": ModLevel3, "mod4": ModLogo, "Super": 0,
	} {
		if got := RealModMask(name); got != want {
			t.Errorf("RealModMask(%q) = %#x, want %#x", name, got, want)
		}
	}
}

type ev struct {
	code    uint32
	pressed bool
}

func press(c uint32) ev   { return ev{c, true} }
func release(c uint32) ev { return ev{c, false} }

func TestModState(t *testing.T) {
	for _, tc := range []struct {
		name       string
		events     []ev
		dep, lck   uint32
		lastChange bool
	}{
		{"empty", nil, 0, 0, false},
		{"letter", []ev{press(keyA)}, 0, 0, false},
		{"shift held", []ev{press(keyLeftShift)}, ModShift, 0, true},
		{"shift released", []ev{press(keyLeftShift), release(keyLeftShift)}, 0, 0, true},
		{"both shifts, one up", []ev{press(keyLeftShift), press(keyRightShift), release(keyLeftShift)}, ModShift, 0, false},
		{"ctrl alt logo", []ev{press(keyRightCtrl), press(keyLeftAlt), press(keyLeftMeta)}, ModCtrl | ModAlt | ModLogo, 0, true},
		{"caps held", []ev{press(keyCapsLock)}, ModCaps, ModCaps, true},
		{"caps tapped", []ev{press(keyCapsLock), release(keyCapsLock)}, 0, ModCaps, true},
		{"caps second press held", []ev{press(keyCapsLock), release(keyCapsLock), press(keyCapsLock)}, ModCaps, ModCaps, true},
		{"caps tapped twice", []ev{press(keyCapsLock), release(keyCapsLock), press(keyCapsLock), release(keyCapsLock)}, 0, 0, true},
		{"numlock and caps", []ev{press(keyNumLock), release(keyNumLock), press(keyCapsLock), release(keyCapsLock)}, 0, ModNum | ModCaps, true},
		{"repeat ignored", []ev{press(keyLeftShift), press(keyLeftShift), release(keyLeftShift)}, 0, 0, true},
		{"stray release ignored", []ev{release(keyLeftShift)}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s ModState
			changed := false
			for _, e := range tc.events {
				changed = s.Key(e.code, e.pressed)
			}
			dep, lat, lck, grp := s.Serialize()
			if dep != tc.dep || lat != 0 || lck != tc.lck || grp != 0 {
				t.Errorf("Serialize() = %#x %#x %#x %d, want %#x 0 %#x 0", dep, lat, lck, grp, tc.dep, tc.lck)
			}
			if changed != tc.lastChange {
				t.Errorf("last Key() = %v, want %v", changed, tc.lastChange)
			}
		})
	}
}

func TestModStateReleaseAllSetLocked(t *testing.T) {
	var s ModState
	s.Key(keyLeftShift, true)
	s.Key(keyCapsLock, true)
	s.Key(keyCapsLock, false)
	if !s.ReleaseAll() {
		t.Error("ReleaseAll with shift down reported no change")
	}
	if dep, _, lck, _ := s.Serialize(); dep != 0 || lck != ModCaps {
		t.Errorf("after ReleaseAll: %#x %#x, want 0 %#x", dep, lck, ModCaps)
	}
	if s.Key(keyLeftShift, false) {
		t.Error("release after ReleaseAll changed the state")
	}
	if !s.SetLocked(ModNum|ModShift) || s.SetLocked(ModNum) {
		t.Error("SetLocked change reports wrong")
	}
	if _, _, lck, _ := s.Serialize(); lck != ModNum {
		t.Errorf("locked = %#x, want %#x", lck, ModNum)
	}
}

// TestAgainstLibxkbcommon replays key events through libxkbcommon with the
// embedded keymap and compares the real modifier indices and every
// serialized state with ModState's.
func TestAgainstLibxkbcommon(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	replayAgainstLibxkbcommon(t)
}

// TestAgainstLibxkbcommonLayouts does the same for keymaps compiled from
// other layouts (Use), where AltGr is ISO_Level3_Shift on <RALT>.
func TestAgainstLibxkbcommonLayouts(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	if _, err := exec.LookPath("xkbcli"); err != nil {
		t.Skip("xkbcli not installed (libxkbcommon-tools)")
	}
	defer Use(Names{})
	for _, n := range []Names{{Layout: "de"}, {Layout: "fr", Variant: "azerty"}, {Layout: "us", Options: "ctrl:nocaps"}, {Layout: "gb", Options: "lv3:ralt_switch"}} {
		t.Run(n.String(), func(t *testing.T) {
			if err := Use(n); err != nil {
				t.Fatal(err)
			}
			replayAgainstLibxkbcommon(t)
		})
	}
}

func replayAgainstLibxkbcommon(t *testing.T) {
	bin := buildXKBState(t)
	path := filepath.Join(t.TempDir(), "keymap.xkb")
	if err := os.WriteFile(path, []byte(Text()), 0o600); err != nil {
		t.Fatal(err)
	}

	// Every key alone, then twice more for the locks; then a random walk
	// over the modifiers and a few other keys, pressing only keys that are
	// up and releasing only keys that are down.
	var events []ev
	for code := uint32(1); code < 248; code++ {
		events = append(events, press(code), release(code))
	}
	for _, c := range []uint32{keyCapsLock, keyNumLock} {
		events = append(events, press(c), release(c), press(c), release(c), press(c), press(keyLeftShift), release(c), release(keyLeftShift))
	}
	pool := []uint32{keyA, keyLeftCtrl, keyLeftShift, keyRightShift, keyLeftAlt, keyCapsLock,
		keyNumLock, keyLevel3, keyRightCtrl, keyRightAlt, keyLeftMeta, keyRightMeta, 195 /* <MDSW> */}
	rng := rand.New(rand.NewPCG(1, 2))
	down := map[uint32]bool{}
	for range 3000 {
		c := pool[rng.IntN(len(pool))]
		events = append(events, ev{c, !down[c]})
		down[c] = !down[c]
	}

	var in strings.Builder
	for _, e := range events {
		p := 0
		if e.pressed {
			p = 1
		}
		fmt.Fprintf(&in, "%d %d\n", e.code, p)
	}
	cmd := exec.Command(bin, path)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xkbstate: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Scan()
	if got, want := sc.Text(), "0 1 2 3 4 5 6 7"; got != want {
		t.Fatalf("libxkbcommon real modifier indices = %q, want %q", got, want)
	}
	var s ModState
	for i, e := range events {
		if !sc.Scan() {
			t.Fatalf("xkbstate stopped after %d events", i)
		}
		before := fmt.Sprint(s.Serialize())
		changed := s.Key(e.code, e.pressed)
		d, l, k, g := s.Serialize()
		got := fmt.Sprintf("%d %d %d %d", d, l, k, g)
		if want := sc.Text(); got != want {
			t.Fatalf("event %d (key %d pressed=%v): ModState %s, libxkbcommon %s", i, e.code, e.pressed, got, want)
		}
		if changed != (before != fmt.Sprint(s.Serialize())) {
			t.Fatalf("event %d: Key() = %v but the state went from %s to %s", i, changed, before, got)
		}
	}
}

// buildXKBState compiles testdata/xkbstate.c against libxkbcommon or skips.
func buildXKBState(t *testing.T) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler")
	}
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "xkbcommon").Output()
	if err != nil {
		t.Skip("libxkbcommon-dev not installed (pkg-config xkbcommon failed)")
	}
	bin := filepath.Join(t.TempDir(), "xkbstate")
	args := append([]string{"-o", bin, "testdata/xkbstate.c"}, strings.Fields(string(flags))...)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	return bin
}

func FuzzModState(f *testing.F) {
	f.Add([]byte{keyLeftShift, 1, keyCapsLock, 1, keyCapsLock, 0, keyLeftShift, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s ModState
		for i := 0; i+1 < len(data); i += 2 {
			before := fmt.Sprint(s.Serialize())
			changed := s.Key(uint32(data[i]), data[i+1]&1 == 1)
			if changed != (before != fmt.Sprint(s.Serialize())) {
				t.Fatalf("Key(%d) = %v, state %s -> %v", data[i], changed, before, fmt.Sprint(s.Serialize()))
			}
		}
		for code := range modKeys() {
			s.Key(code, false)
		}
		if dep, _, _, _ := s.Serialize(); dep != 0 {
			t.Fatalf("depressed = %#x with every key up", dep)
		}
	})
}
