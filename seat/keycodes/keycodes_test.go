package keycodes

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	evdevHeader = "/usr/include/linux/input-event-codes.h"
	glfwHeader  = "github.com/go-gl/glfw/v3.3/glfw@v0.0.0-20260823155953-d41da22a9587/glfw/include/GLFW/glfw3.h"
)

// parseDefines reads "#define NAME VALUE" lines, resolving values that name
// an earlier define. It skips the test when the header is missing.
func parseDefines(t *testing.T, path string) map[string]int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("header not found: %v", err)
	}
	defer f.Close()
	defs := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 3 || fs[0] != "#define" {
			continue
		}
		if v, err := strconv.ParseInt(fs[2], 0, 64); err == nil {
			defs[fs[1]] = v
		} else if v, ok := defs[fs[2]]; ok {
			defs[fs[1]] = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return defs
}

func glfwDefines(t *testing.T) map[string]int64 {
	t.Helper()
	modcache := os.Getenv("GOMODCACHE")
	if modcache == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, _ := os.UserHomeDir()
			gopath = filepath.Join(home, "go")
		}
		modcache = filepath.Join(strings.Split(gopath, string(filepath.ListSeparator))[0], "pkg", "mod")
	}
	return parseDefines(t, filepath.Join(modcache, glfwHeader))
}

func TestKeysMatchEvdevHeader(t *testing.T) {
	defs := parseDefines(t, evdevHeader)
	seen := map[uint16]string{}
	for _, k := range keys {
		v, ok := defs[k.evdevName]
		if !ok {
			t.Errorf("%s: %s not in %s", k.glfwName, k.evdevName, evdevHeader)
		} else if int64(k.evdev) != v {
			t.Errorf("%s: %s = %d in the table, %d in the header", k.glfwName, k.evdevName, k.evdev, v)
		}
		if prev, dup := seen[k.evdev]; dup {
			t.Errorf("%s and %s both map to %s", prev, k.glfwName, k.evdevName)
		}
		seen[k.evdev] = k.glfwName
	}
	for name, want := range map[string]uint32{
		"BTN_LEFT": BtnLeft, "BTN_RIGHT": BtnRight, "BTN_MIDDLE": BtnMiddle, "BTN_SIDE": BtnSide,
		"BTN_EXTRA": BtnExtra, "BTN_FORWARD": BtnForward, "BTN_BACK": BtnBack, "BTN_TASK": BtnTask,
	} {
		if defs[name] != int64(want) {
			t.Errorf("%s = %#x in the header, %#x here", name, defs[name], want)
		}
	}
}

func TestKeysMatchGLFWHeader(t *testing.T) {
	defs := glfwDefines(t)
	inTable := map[string]bool{}
	for _, k := range keys {
		inTable[k.glfwName] = true
		v, ok := defs[k.glfwName]
		if !ok {
			t.Errorf("%s not in glfw3.h", k.glfwName)
		} else if int64(k.glfw) != v {
			t.Errorf("%s = %d in the table, %d in glfw3.h", k.glfwName, k.glfw, v)
		}
		if got, ok := FromGLFWKey(k.glfw); !ok || got != uint32(k.evdev) {
			t.Errorf("FromGLFWKey(%s) = %d, %v; want %d", k.glfwName, got, ok, k.evdev)
		}
	}
	if defs["GLFW_KEY_LAST"] != glfwKeyLast {
		t.Errorf("GLFW_KEY_LAST = %d, want %d", defs["GLFW_KEY_LAST"], glfwKeyLast)
	}
	// Every GLFW key has an entry except these, which no evdev key matches.
	unmapped := map[string]bool{"GLFW_KEY_UNKNOWN": true, "GLFW_KEY_LAST": true, "GLFW_KEY_WORLD_2": true, "GLFW_KEY_F25": true}
	for name, v := range defs {
		if !strings.HasPrefix(name, "GLFW_KEY_") {
			continue
		}
		if unmapped[name] {
			if _, ok := FromGLFWKey(int(v)); ok && name != "GLFW_KEY_LAST" {
				t.Errorf("FromGLFWKey(%s) ok, want none", name)
			}
			continue
		}
		if !inTable[name] {
			t.Errorf("%s (%d) has no evdev key", name, v)
		}
	}
	for i := range 8 {
		name := "GLFW_MOUSE_BUTTON_" + strconv.Itoa(i+1)
		if defs[name] != int64(i) {
			t.Errorf("%s = %d, want %d", name, defs[name], i)
		}
	}
	for name, want := range map[string]uint32{
		"GLFW_MOUSE_BUTTON_LEFT": BtnLeft, "GLFW_MOUSE_BUTTON_RIGHT": BtnRight, "GLFW_MOUSE_BUTTON_MIDDLE": BtnMiddle,
	} {
		if got, ok := FromGLFWMouseButton(int(defs[name])); !ok || got != want {
			t.Errorf("FromGLFWMouseButton(%s) = %#x, %v; want %#x", name, got, ok, want)
		}
	}
}

func TestFromGLFWKeyOutOfRange(t *testing.T) {
	for _, k := range []int{-1, 0, 31, 33, 162, 314, 349, 1 << 20} {
		if c, ok := FromGLFWKey(k); ok {
			t.Errorf("FromGLFWKey(%d) = %d, true; want false", k, c)
		}
	}
}

func TestFromGLFWMouseButton(t *testing.T) {
	for _, tc := range []struct {
		button int
		code   uint32
		ok     bool
	}{
		{-1, 0, false}, {0, BtnLeft, true}, {1, BtnRight, true}, {2, BtnMiddle, true},
		{3, BtnSide, true}, {4, BtnExtra, true}, {7, BtnTask, true}, {8, 0, false},
	} {
		if code, ok := FromGLFWMouseButton(tc.button); code != tc.code || ok != tc.ok {
			t.Errorf("FromGLFWMouseButton(%d) = %#x, %v; want %#x, %v", tc.button, code, ok, tc.code, tc.ok)
		}
	}
}

func TestFromXKeycode(t *testing.T) {
	// X keycodes from the evdev keycodes section of seat/keymap/us.xkb.
	for _, tc := range []struct{ x, evdev uint32 }{
		{9, 1},     // <ESC>, KEY_ESC
		{38, 30},   // <AC01>, KEY_A
		{50, 42},   // <LFSH>, KEY_LEFTSHIFT
		{133, 125}, // <LWIN>, KEY_LEFTMETA
	} {
		if got := FromXKeycode(tc.x); got != tc.evdev {
			t.Errorf("FromXKeycode(%d) = %d, want %d", tc.x, got, tc.evdev)
		}
	}
}
