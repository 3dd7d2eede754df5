package misbehave

// Input without input devices: wlroots compositors offer
// zwp_virtual_keyboard_manager_v1, which gives the seat a keyboard that a
// client drives. With it, windows get keyboard focus, and with focus a
// client gets the selection (wl_data_device.selection) and its own
// keyboard-enter serial, which wlroots requires for set_selection. This is
// how the clipboard scenarios reach sway, cage and phoc headless; nofault
// and weston offer no virtual keyboard and keep the plain path.

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

const (
	opVKManagerCreate = 0 // zwp_virtual_keyboard_manager_v1.create_virtual_keyboard(seat, id)
	opVKKeymap        = 0 // zwp_virtual_keyboard_v1.keymap(format, fd, size)
	opSeatGetKeyboard = 1
	evKeyboardEnter   = 1
	keymapFormatXKBv1 = 1
)

// vkKeymap is the smallest keymap xkbcommon compiles: the standard
// types and compatibility, one key.
const vkKeymap = `xkb_keymap {
xkb_keycodes "misbehave" { minimum = 8; maximum = 255; <AC01> = 38; };
xkb_types "misbehave" { include "complete" };
xkb_compatibility "misbehave" { include "complete" };
xkb_symbols "misbehave" { key <AC01> { [ a, A ] }; };
};
`

// virtualKeyboard connects a client that gives the seat a virtual
// keyboard. It returns nil, nil when the compositor offers none. Closing
// the client removes the keyboard.
func virtualKeyboard(e *env) (*client, error) {
	c, err := connect(e.socket, e.timeout)
	if err != nil {
		return nil, err
	}
	mgr, _ := c.bind("zwp_virtual_keyboard_manager_v1", 1)
	seat, _ := c.bind("wl_seat", 1)
	if mgr == 0 || seat == 0 {
		c.close()
		return nil, nil
	}
	fd, err := newMemfd(int64(len(vkKeymap)+1), false)
	if err != nil {
		c.close()
		return nil, err
	}
	defer unix.Close(fd)
	if _, err := unix.Pwrite(fd, append([]byte(vkKeymap), 0), 0); err != nil {
		c.close()
		return nil, fmt.Errorf("keymap: %w", err)
	}
	kb := c.newObject("zwp_virtual_keyboard_v1")
	c.send(mgr, opVKManagerCreate, seat, kb)
	c.send(kb, opVKKeymap, uint32(keymapFormatXKBv1), FD(fd), uint32(len(vkKeymap)+1))
	if err := c.roundtrip(e.timeout); err != nil {
		c.close()
		return nil, fmt.Errorf("virtual keyboard: %w", err)
	}
	return c, nil
}

// focusedWindow maps a 32x32 window on c, binds the seat's keyboard and
// waits until the window has the keyboard focus. It returns the serial of
// the wl_keyboard.enter event.
func focusedWindow(c *client, seat uint32, title string, timeout time.Duration) (uint32, error) {
	kbd := c.newObject("wl_keyboard")
	c.send(seat, opSeatGetKeyboard, kbd)
	var serial uint32
	entered := false
	c.intercept = func(ev event) bool {
		if ev.Object == kbd {
			if ev.Opcode == evKeyboardEnter {
				serial, entered = ev.Reader().Uint(), true
			}
			return true
		}
		return false
	}
	defer func() { c.intercept = nil }()
	const w, stride = 32, 32 * 4
	err := withMemfd(stride*w, func(fd int) error {
		fill(fd, stride*w, 0xff808080)
		pool := c.createPool(fd, stride*w)
		buf := c.createBuffer(pool, 0, w, w, stride, formatXRGB8888)
		win, err := c.mapWindow(title, timeout)
		if err != nil {
			return err
		}
		if _, err := c.present(win, buf, w, w); err != nil {
			return err
		}
		return c.waitFor(func() bool { return entered }, timeout)
	})
	if errors.Is(err, errTimeout) {
		return 0, skipf("%s got no keyboard focus within %v", title, timeout)
	}
	return serial, err
}
