package soft_test

import (
	"encoding/binary"
	"fmt"
	"image"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
)

func Example() {
	// A 2x1 XRGB8888 buffer: blue, then red (bytes B, G, R, X).
	var buf shm.Staging
	buf.Reset(2, 1, 8, shm.FormatXRGB8888)
	copy(buf.Bytes(), []byte{0xff, 0, 0, 0, 0, 0, 0xff, 0})

	r := soft.New()
	tex := r.NewTexture()
	if err := tex.Upload(&buf, nil); err != nil {
		panic(err)
	}
	// Show it rotated: the client says its content is turned 90 degrees
	// counter-clockwise, so the 2x1 buffer is a 1x2 surface, turned back
	// clockwise: blue on top.
	scene := &render.Scene{
		Background: [4]uint8{0, 0, 0, 255},
		Items: []render.Item{{
			Texture: tex, Dst: image.Rect(0, 0, 1, 2),
			Transform: render.Transform90, Scale: 1, Opaque: true,
		}},
	}
	if err := r.Render(scene, 1, 2); err != nil {
		panic(err)
	}
	px := make([]byte, 8)
	if err := r.ReadPixels(image.Rect(0, 0, 1, 2), px, 4); err != nil {
		panic(err)
	}
	fmt.Printf("%#08x %#08x\n", binary.LittleEndian.Uint32(px), binary.LittleEndian.Uint32(px[4:]))
	// Output: 0xff0000ff 0xffff0000
}
