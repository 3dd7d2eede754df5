package soft

import (
	"encoding/binary"
	"unsafe"
)

// littleEndian is true when a uint32 0xAARRGGBB is stored as bytes
// B,G,R,A, which is exactly the ARGB8888 memory layout: then rows move
// between byte buffers and pixel slices with copy.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// asBytes views p as its underlying bytes (no copy).
func asBytes(p []uint32) []byte {
	if len(p) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&p[0])), len(p)*4)
}

// asPixels views b as little-endian pixels when that needs no copy: on a
// little-endian machine with b 4-byte aligned (client buffers are, in
// practice, but the protocol does not promise it).
func asPixels(b []byte) ([]uint32, bool) {
	if !littleEndian || len(b) < 4 || uintptr(unsafe.Pointer(&b[0]))%4 != 0 {
		return nil, false
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), len(b)/4), true
}

// alphaMask is the alpha byte of a 0xAARRGGBB pixel.
const alphaMask = 0xff000000

// premultiply converts a straight-alpha colour to a premultiplied
// 0xAARRGGBB pixel.
func premultiply(r, g, b, a uint8) uint32 {
	m := uint32(a)
	return m<<24 | mul255(uint32(r), m)<<16 | mul255(uint32(g), m)<<8 | mul255(uint32(b), m)
}

// mul255 returns round(x*y/255) for x, y in [0, 255].
func mul255(x, y uint32) uint32 {
	t := x*y + 0x80
	return (t + t>>8) >> 8
}

// fill sets every element of p to c.
func fill(p []uint32, c uint32) {
	if len(p) == 0 {
		return
	}
	p[0] = c
	for n := 1; n < len(p); n *= 2 {
		copy(p[n:], p[:n])
	}
}
