// Package singlepixel implements wp_single_pixel_buffer_manager_v1
// (version 1, single-pixel-buffer-v1.xml): wl_buffers of one pixel whose
// colour the client gives as four 32-bit premultiplied channels, with no
// shared memory at all. Combined with a wp_viewport destination they are
// a solid rectangle of any size (backgrounds, letterboxing, dimming).
//
// A buffer satisfies shell.BufferSource: at commit its colour is handed to
// the renderer as a one-pixel Go-owned shm.Staging image (ARGB8888,
// premultiplied, each channel rounded to 8 bits), so neither renderer needs
// a special path and nothing of it can fault. The spec defines no errors;
// each buffer is one object, bounded by the client's object limit.
package singlepixel

import (
	"image"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
)

// Version is the wp_single_pixel_buffer_manager_v1 version advertised.
const Version = 1

// Register advertises wp_single_pixel_buffer_manager_v1 on d.
func Register(d *server.Display) *server.Global {
	return d.AddGlobal(&protocol.WpSinglePixelBufferManagerV1Interface, Version,
		func(c *server.Client, id protocol.ObjectID, version uint32) {
			m := &manager{c: c}
			m.obj = c.NewObject(id, &protocol.WpSinglePixelBufferManagerV1Interface, version, m)
		})
}

type manager struct {
	c   *server.Client
	obj *protocol.Object
}

// Destroy handles wp_single_pixel_buffer_manager_v1.destroy; buffers stay.
func (m *manager) Destroy() error { return nil }

// CreateU32RgbaBuffer makes a 1x1 wl_buffer of the given premultiplied
// colour (0 is none of a channel, 0xffffffff all of it).
func (m *manager) CreateU32RgbaBuffer(id protocol.ObjectID, r, g, b, a uint32) error {
	buf := &Buffer{c: m.c, r: r, g: g, b: b, a: a}
	buf.obj = m.c.NewObject(id, &protocol.WlBufferInterface, 1, buf)
	return nil
}

// Buffer is a single-pixel wl_buffer.
type Buffer struct {
	c          *server.Client
	obj        *protocol.Object
	r, g, b, a uint32 // premultiplied, full 32-bit range
}

// Destroy handles wl_buffer.destroy.
func (b *Buffer) Destroy() error { return nil }

// Size is 1x1.
func (b *Buffer) Size() (w, h int) { return 1, 1 }

// Opaque reports full alpha.
func (b *Buffer) Opaque() bool { return b.a == 0xffffffff }

// to8 rounds a 32-bit channel to 8 bits.
func to8(v uint32) byte { return byte((uint64(v)*255 + 0x7fffffff) / 0xffffffff) }

// Pixel returns the colour as an ARGB8888 pixel (premultiplied).
func (b *Buffer) Pixel() uint32 {
	return uint32(to8(b.a))<<24 | uint32(to8(b.r))<<16 | uint32(to8(b.g))<<8 | uint32(to8(b.b))
}

// Image writes the pixel into st (Go memory) and returns it.
func (b *Buffer) Image(st *shm.Staging, _ []image.Rectangle) (shm.Image, error) {
	st.Reset(1, 1, 4, shm.FormatARGB8888)
	p := st.Bytes()
	p[0], p[1], p[2], p[3] = to8(b.b), to8(b.g), to8(b.r), to8(b.a)
	return st, nil
}

// Release sends wl_buffer.release: the colour was taken at commit.
func (b *Buffer) Release() {
	if b.obj != nil && !b.obj.Destroyed() {
		protocol.SendWlBufferRelease(b.c.Events(), b.obj.ID)
	}
}

var (
	_ protocol.WpSinglePixelBufferManagerV1Handler = (*manager)(nil)
	_ protocol.WlBufferHandler                     = (*Buffer)(nil)
)
