// xkbstate replays key events through libxkbcommon and prints the state
// wl_keyboard.modifiers would carry, for keymap's tests.
//
// Usage: xkbstate KEYMAP < events
// First output line: the index of each real modifier name, in order
// Shift Lock Control Mod1 Mod2 Mod3 Mod4 Mod5.
// Each input line "EVDEV PRESSED" (PRESSED 1 or 0) prints
// "DEPRESSED LATCHED LOCKED GROUP" after the event.
#include <stdio.h>
#include <stdlib.h>
#include <xkbcommon/xkbcommon.h>

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: xkbstate KEYMAP\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	struct xkb_context *ctx = xkb_context_new(XKB_CONTEXT_NO_DEFAULT_INCLUDES | XKB_CONTEXT_NO_ENVIRONMENT_NAMES);
	struct xkb_keymap *km = xkb_keymap_new_from_file(ctx, f, XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!km) {
		fprintf(stderr, "cannot compile keymap\n");
		return 1;
	}
	const char *names[] = {"Shift", "Lock", "Control", "Mod1", "Mod2", "Mod3", "Mod4", "Mod5"};
	for (int i = 0; i < 8; i++)
		printf("%s%d", i ? " " : "", (int)xkb_keymap_mod_get_index(km, names[i]));
	printf("\n");
	struct xkb_state *st = xkb_state_new(km);
	unsigned code, down;
	while (scanf("%u %u", &code, &down) == 2) {
		xkb_state_update_key(st, code + 8, down ? XKB_KEY_DOWN : XKB_KEY_UP);
		printf("%u %u %u %u\n",
			xkb_state_serialize_mods(st, XKB_STATE_MODS_DEPRESSED),
			xkb_state_serialize_mods(st, XKB_STATE_MODS_LATCHED),
			xkb_state_serialize_mods(st, XKB_STATE_MODS_LOCKED),
			xkb_state_serialize_layout(st, XKB_STATE_LAYOUT_EFFECTIVE));
	}
	return 0;
}
