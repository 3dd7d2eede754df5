package protocol

import (
	"encoding/binary"
	"fmt"
	"math"
)

// ObjectID is a Wayland object id. 0 is the null object.
type ObjectID uint32

// ServerIDStart is the first id of the server's id range (0xff000000).
const ServerIDStart ObjectID = 0xff000000

// DisplayID is the id of wl_display, object 1 on every connection.
const DisplayID ObjectID = 1

// MaxMessageSize is the largest message, header included, that libwayland
// accepts or sends.
const MaxMessageSize = 4096

// HeaderSize is the size of a message header: object id, then size<<16|opcode.
const HeaderSize = 8

// MaxFDsPerMessage bounds the fds one sendmsg may carry, as libwayland's
// MAX_FDS_OUT (a client's receive buffer holds no more).
const MaxFDsPerMessage = 28

// Fixed is a signed 24.8 fixed-point number.
type Fixed int32

// FixedFromFloat converts f to Fixed, rounding to the nearest 1/256.
func FixedFromFloat(f float64) Fixed { return Fixed(math.Round(f * 256)) }

// FixedFromInt converts an integer to Fixed.
func FixedFromInt(i int) Fixed { return Fixed(i * 256) }

// Float returns f as a float64.
func (f Fixed) Float() float64 { return float64(f) / 256 }

// Int returns the integer part of f, rounded toward negative infinity.
func (f Fixed) Int() int { return int(f >> 8) }

// String formats f like WAYLAND_DEBUG does.
func (f Fixed) String() string { return fmt.Sprintf("%f", f.Float()) }

// Header is a decoded message header.
type Header struct {
	Object ObjectID
	Opcode uint16
	Size   uint16 // total size in bytes, header included
}

// ParseHeader decodes the 8-byte header at the start of b. It reports false
// when b is shorter than a header.
func ParseHeader(b []byte) (Header, bool) {
	if len(b) < HeaderSize {
		return Header{}, false
	}
	w := binary.LittleEndian.Uint32(b[4:])
	return Header{
		Object: ObjectID(binary.LittleEndian.Uint32(b)),
		Opcode: uint16(w),
		Size:   uint16(w >> 16),
	}, true
}

// PutHeader encodes h into the first 8 bytes of b.
func PutHeader(b []byte, h Header) {
	binary.LittleEndian.PutUint32(b, uint32(h.Object))
	binary.LittleEndian.PutUint32(b[4:], uint32(h.Size)<<16|uint32(h.Opcode))
}

// padded returns n rounded up to a multiple of 4.
func padded(n int) int { return (n + 3) &^ 3 }
