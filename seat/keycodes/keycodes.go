// Package keycodes translates the key and button codes the nested backend
// gets from GLFW into the Linux evdev codes that wl_keyboard.key and
// wl_pointer.button carry (linux/input-event-codes.h).
//
// A key has two codes in GLFW: the layout-independent scancode and the
// GLFW_KEY_* constant. Prefer the scancode: with GLFW's X11 backend it is
// the X keycode, which is the evdev code plus 8 under the evdev rules
// ([FromXKeycode]); with its Wayland backend it is the evdev code itself.
// [FromGLFWKey] is the fallback for keys whose scancode is unknown, and
// names keys as they sit on a US keyboard.
//
// GLFW is a cgo package, so this one does not import it: the GLFW
// constants are plain ints and are spelled out here by value. The tests
// check every entry against glfw3.h and input-event-codes.h.
package keycodes

// FromXKeycode returns the evdev code of an X11 keycode (such as a GLFW
// scancode on X11): evdev = X keycode - 8 under the evdev rules.
func FromXKeycode(x uint32) uint32 { return x - 8 }

// Evdev pointer button codes (linux/input-event-codes.h).
const (
	BtnLeft    uint32 = 0x110 // BTN_LEFT
	BtnRight   uint32 = 0x111 // BTN_RIGHT
	BtnMiddle  uint32 = 0x112 // BTN_MIDDLE
	BtnSide    uint32 = 0x113 // BTN_SIDE
	BtnExtra   uint32 = 0x114 // BTN_EXTRA
	BtnForward uint32 = 0x115 // BTN_FORWARD
	BtnBack    uint32 = 0x116 // BTN_BACK
	BtnTask    uint32 = 0x117 // BTN_TASK
)

// mouseButtons maps GLFW_MOUSE_BUTTON_1..8 (0..7) to evdev buttons. GLFW
// numbers X buttons 8 and up as its buttons 4 and up, and the X server
// numbers BTN_SIDE, BTN_EXTRA, BTN_FORWARD, BTN_BACK, BTN_TASK as X buttons
// 8 to 12.
var mouseButtons = [8]uint32{BtnLeft, BtnRight, BtnMiddle, BtnSide, BtnExtra, BtnForward, BtnBack, BtnTask}

// FromGLFWMouseButton returns the evdev code of a GLFW mouse button
// (GLFW_MOUSE_BUTTON_LEFT = 0, RIGHT = 1, MIDDLE = 2, up to
// GLFW_MOUSE_BUTTON_8 = 7), and false for any other value.
func FromGLFWMouseButton(button int) (code uint32, ok bool) {
	if button < 0 || button >= len(mouseButtons) {
		return 0, false
	}
	return mouseButtons[button], true
}

// FromGLFWKey returns the evdev code of a GLFW_KEY_* constant, and false
// for GLFW_KEY_UNKNOWN, GLFW_KEY_WORLD_2, GLFW_KEY_F25 and values that are
// not GLFW keys.
func FromGLFWKey(key int) (code uint32, ok bool) {
	if key < 0 || key >= len(glfwToEvdev) || glfwToEvdev[key] == 0 {
		return 0, false
	}
	return uint32(glfwToEvdev[key]), true
}

// glfwKeyLast is GLFW_KEY_LAST (GLFW_KEY_MENU).
const glfwKeyLast = 348

// glfwToEvdev is keys indexed by GLFW key; 0 means no evdev key.
var glfwToEvdev = func() (t [glfwKeyLast + 1]uint16) {
	for _, k := range keys {
		t[k.glfw] = k.evdev
	}
	return t
}()

// keys is the table: each GLFW key with the evdev key at the same place on a
// US pc105 keyboard, with both C names.
var keys = [...]struct {
	glfw      int
	glfwName  string
	evdev     uint16
	evdevName string
}{
	{32, "GLFW_KEY_SPACE", 57, "KEY_SPACE"},
	{39, "GLFW_KEY_APOSTROPHE", 40, "KEY_APOSTROPHE"},
	{44, "GLFW_KEY_COMMA", 51, "KEY_COMMA"},
	{45, "GLFW_KEY_MINUS", 12, "KEY_MINUS"},
	{46, "GLFW_KEY_PERIOD", 52, "KEY_DOT"},
	{47, "GLFW_KEY_SLASH", 53, "KEY_SLASH"},
	{48, "GLFW_KEY_0", 11, "KEY_0"},
	{49, "GLFW_KEY_1", 2, "KEY_1"},
	{50, "GLFW_KEY_2", 3, "KEY_2"},
	{51, "GLFW_KEY_3", 4, "KEY_3"},
	{52, "GLFW_KEY_4", 5, "KEY_4"},
	{53, "GLFW_KEY_5", 6, "KEY_5"},
	{54, "GLFW_KEY_6", 7, "KEY_6"},
	{55, "GLFW_KEY_7", 8, "KEY_7"},
	{56, "GLFW_KEY_8", 9, "KEY_8"},
	{57, "GLFW_KEY_9", 10, "KEY_9"},
	{59, "GLFW_KEY_SEMICOLON", 39, "KEY_SEMICOLON"},
	{61, "GLFW_KEY_EQUAL", 13, "KEY_EQUAL"},
	{65, "GLFW_KEY_A", 30, "KEY_A"},
	{66, "GLFW_KEY_B", 48, "KEY_B"},
	{67, "GLFW_KEY_C", 46, "KEY_C"},
	{68, "GLFW_KEY_D", 32, "KEY_D"},
	{69, "GLFW_KEY_E", 18, "KEY_E"},
	{70, "GLFW_KEY_F", 33, "KEY_F"},
	{71, "GLFW_KEY_G", 34, "KEY_G"},
	{72, "GLFW_KEY_H", 35, "KEY_H"},
	{73, "GLFW_KEY_I", 23, "KEY_I"},
	{74, "GLFW_KEY_J", 36, "KEY_J"},
	{75, "GLFW_KEY_K", 37, "KEY_K"},
	{76, "GLFW_KEY_L", 38, "KEY_L"},
	{77, "GLFW_KEY_M", 50, "KEY_M"},
	{78, "GLFW_KEY_N", 49, "KEY_N"},
	{79, "GLFW_KEY_O", 24, "KEY_O"},
	{80, "GLFW_KEY_P", 25, "KEY_P"},
	{81, "GLFW_KEY_Q", 16, "KEY_Q"},
	{82, "GLFW_KEY_R", 19, "KEY_R"},
	{83, "GLFW_KEY_S", 31, "KEY_S"},
	{84, "GLFW_KEY_T", 20, "KEY_T"},
	{85, "GLFW_KEY_U", 22, "KEY_U"},
	{86, "GLFW_KEY_V", 47, "KEY_V"},
	{87, "GLFW_KEY_W", 17, "KEY_W"},
	{88, "GLFW_KEY_X", 45, "KEY_X"},
	{89, "GLFW_KEY_Y", 21, "KEY_Y"},
	{90, "GLFW_KEY_Z", 44, "KEY_Z"},
	{91, "GLFW_KEY_LEFT_BRACKET", 26, "KEY_LEFTBRACE"},
	{92, "GLFW_KEY_BACKSLASH", 43, "KEY_BACKSLASH"},
	{93, "GLFW_KEY_RIGHT_BRACKET", 27, "KEY_RIGHTBRACE"},
	{96, "GLFW_KEY_GRAVE_ACCENT", 41, "KEY_GRAVE"},
	{161, "GLFW_KEY_WORLD_1", 86, "KEY_102ND"},
	{256, "GLFW_KEY_ESCAPE", 1, "KEY_ESC"},
	{257, "GLFW_KEY_ENTER", 28, "KEY_ENTER"},
	{258, "GLFW_KEY_TAB", 15, "KEY_TAB"},
	{259, "GLFW_KEY_BACKSPACE", 14, "KEY_BACKSPACE"},
	{260, "GLFW_KEY_INSERT", 110, "KEY_INSERT"},
	{261, "GLFW_KEY_DELETE", 111, "KEY_DELETE"},
	{262, "GLFW_KEY_RIGHT", 106, "KEY_RIGHT"},
	{263, "GLFW_KEY_LEFT", 105, "KEY_LEFT"},
	{264, "GLFW_KEY_DOWN", 108, "KEY_DOWN"},
	{265, "GLFW_KEY_UP", 103, "KEY_UP"},
	{266, "GLFW_KEY_PAGE_UP", 104, "KEY_PAGEUP"},
	{267, "GLFW_KEY_PAGE_DOWN", 109, "KEY_PAGEDOWN"},
	{268, "GLFW_KEY_HOME", 102, "KEY_HOME"},
	{269, "GLFW_KEY_END", 107, "KEY_END"},
	{280, "GLFW_KEY_CAPS_LOCK", 58, "KEY_CAPSLOCK"},
	{281, "GLFW_KEY_SCROLL_LOCK", 70, "KEY_SCROLLLOCK"},
	{282, "GLFW_KEY_NUM_LOCK", 69, "KEY_NUMLOCK"},
	{283, "GLFW_KEY_PRINT_SCREEN", 99, "KEY_SYSRQ"},
	{284, "GLFW_KEY_PAUSE", 119, "KEY_PAUSE"},
	{290, "GLFW_KEY_F1", 59, "KEY_F1"},
	{291, "GLFW_KEY_F2", 60, "KEY_F2"},
	{292, "GLFW_KEY_F3", 61, "KEY_F3"},
	{293, "GLFW_KEY_F4", 62, "KEY_F4"},
	{294, "GLFW_KEY_F5", 63, "KEY_F5"},
	{295, "GLFW_KEY_F6", 64, "KEY_F6"},
	{296, "GLFW_KEY_F7", 65, "KEY_F7"},
	{297, "GLFW_KEY_F8", 66, "KEY_F8"},
	{298, "GLFW_KEY_F9", 67, "KEY_F9"},
	{299, "GLFW_KEY_F10", 68, "KEY_F10"},
	{300, "GLFW_KEY_F11", 87, "KEY_F11"},
	{301, "GLFW_KEY_F12", 88, "KEY_F12"},
	{302, "GLFW_KEY_F13", 183, "KEY_F13"},
	{303, "GLFW_KEY_F14", 184, "KEY_F14"},
	{304, "GLFW_KEY_F15", 185, "KEY_F15"},
	{305, "GLFW_KEY_F16", 186, "KEY_F16"},
	{306, "GLFW_KEY_F17", 187, "KEY_F17"},
	{307, "GLFW_KEY_F18", 188, "KEY_F18"},
	{308, "GLFW_KEY_F19", 189, "KEY_F19"},
	{309, "GLFW_KEY_F20", 190, "KEY_F20"},
	{310, "GLFW_KEY_F21", 191, "KEY_F21"},
	{311, "GLFW_KEY_F22", 192, "KEY_F22"},
	{312, "GLFW_KEY_F23", 193, "KEY_F23"},
	{313, "GLFW_KEY_F24", 194, "KEY_F24"},
	{320, "GLFW_KEY_KP_0", 82, "KEY_KP0"},
	{321, "GLFW_KEY_KP_1", 79, "KEY_KP1"},
	{322, "GLFW_KEY_KP_2", 80, "KEY_KP2"},
	{323, "GLFW_KEY_KP_3", 81, "KEY_KP3"},
	{324, "GLFW_KEY_KP_4", 75, "KEY_KP4"},
	{325, "GLFW_KEY_KP_5", 76, "KEY_KP5"},
	{326, "GLFW_KEY_KP_6", 77, "KEY_KP6"},
	{327, "GLFW_KEY_KP_7", 71, "KEY_KP7"},
	{328, "GLFW_KEY_KP_8", 72, "KEY_KP8"},
	{329, "GLFW_KEY_KP_9", 73, "KEY_KP9"},
	{330, "GLFW_KEY_KP_DECIMAL", 83, "KEY_KPDOT"},
	{331, "GLFW_KEY_KP_DIVIDE", 98, "KEY_KPSLASH"},
	{332, "GLFW_KEY_KP_MULTIPLY", 55, "KEY_KPASTERISK"},
	{333, "GLFW_KEY_KP_SUBTRACT", 74, "KEY_KPMINUS"},
	{334, "GLFW_KEY_KP_ADD", 78, "KEY_KPPLUS"},
	{335, "GLFW_KEY_KP_ENTER", 96, "KEY_KPENTER"},
	{336, "GLFW_KEY_KP_EQUAL", 117, "KEY_KPEQUAL"},
	{340, "GLFW_KEY_LEFT_SHIFT", 42, "KEY_LEFTSHIFT"},
	{341, "GLFW_KEY_LEFT_CONTROL", 29, "KEY_LEFTCTRL"},
	{342, "GLFW_KEY_LEFT_ALT", 56, "KEY_LEFTALT"},
	{343, "GLFW_KEY_LEFT_SUPER", 125, "KEY_LEFTMETA"},
	{344, "GLFW_KEY_RIGHT_SHIFT", 54, "KEY_RIGHTSHIFT"},
	{345, "GLFW_KEY_RIGHT_CONTROL", 97, "KEY_RIGHTCTRL"},
	{346, "GLFW_KEY_RIGHT_ALT", 100, "KEY_RIGHTALT"},
	{347, "GLFW_KEY_RIGHT_SUPER", 126, "KEY_RIGHTMETA"},
	{348, "GLFW_KEY_MENU", 127, "KEY_COMPOSE"},
}
