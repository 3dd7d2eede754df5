package rawclient

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
)

// HeaderSize is the size in bytes of a Wayland message header: the object
// id followed by the message size (upper 16 bits) and opcode (lower 16 bits).
const HeaderSize = 8

// MaxMessageSize is the largest message libwayland accepts (its connection
// buffer size).
const MaxMessageSize = 4096

// Fixed is a wire "fixed" argument: a signed 24.8 fixed-point number.
type Fixed int32

// FixedFromFloat converts f to the nearest Fixed.
func FixedFromFloat(f float64) Fixed { return Fixed(math.Round(f * 256)) }

// Float returns f as a float64.
func (f Fixed) Float() float64 { return float64(f) / 256 }

// NewID is a typed new_id argument. A plain uint32 encodes identically; the
// type only documents intent.
type NewID uint32

// FD is a file descriptor argument. It is not written into the message
// body; it travels out of band with SCM_RIGHTS. The caller keeps ownership:
// the kernel duplicates it for the peer.
type FD int

// Bind is the wire form of an untyped new_id argument, as used by
// wl_registry.bind: the interface name as a string, the version, then the id.
// A wl_registry.bind request is Send(registry, 0, name, Bind{...}).
type Bind struct {
	Interface string
	Version   uint32
	ID        uint32
}

// RawString is a string argument written with an explicit length field and
// exactly the given bytes (padded to 4 with zeros), so a test can send a
// string without its NUL terminator or with a lying length.
type RawString struct {
	Length uint32 // value of the length field
	Data   []byte // bytes written after it, then padded to a multiple of 4
}

// Header returns the 8 header bytes for a message to obj with the given
// opcode and total size (header included). Size is not checked so callers
// can build malformed messages.
func Header(obj uint32, opcode uint16, size uint16) []byte {
	b := make([]byte, HeaderSize)
	binary.LittleEndian.PutUint32(b[0:], obj)
	binary.LittleEndian.PutUint32(b[4:], uint32(size)<<16|uint32(opcode))
	return b
}

func pad4(n int) int { return (n + 3) &^ 3 }

// Marshal encodes a request to obj with opcode and args (see Conn.Send for
// the accepted argument types). It returns the message bytes and the file
// descriptors to send with it.
func Marshal(obj uint32, opcode uint16, args ...any) ([]byte, []int, error) {
	b := make([]byte, HeaderSize, 64)
	var fds []int
	put := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	putBytes := func(length uint32, data []byte) {
		put(length)
		b = append(b, data...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	putString := func(s string) {
		putBytes(uint32(len(s)+1), append([]byte(s), 0))
	}
	for i, a := range args {
		switch v := a.(type) {
		case uint32:
			put(v)
		case int32:
			put(uint32(v))
		case int:
			if v < math.MinInt32 || v > math.MaxUint32 {
				return nil, nil, fmt.Errorf("rawclient: argument %d: int %d out of 32-bit range", i, v)
			}
			put(uint32(v))
		case Fixed:
			put(uint32(v))
		case NewID:
			put(uint32(v))
		case string:
			putString(v)
		case []byte:
			putBytes(uint32(len(v)), v)
		case RawString:
			putBytes(v.Length, v.Data)
		case FD:
			fds = append(fds, int(v))
		case Bind:
			putString(v.Interface)
			put(v.Version)
			put(v.ID)
		default:
			// A generated enum (protocol.WlPointerAxis, ...) goes as its
			// integer, as the compositor's encoder writes it.
			switch rv := reflect.ValueOf(a); rv.Kind() {
			case reflect.Uint32:
				put(uint32(rv.Uint()))
			case reflect.Int32:
				put(uint32(int32(rv.Int())))
			default:
				return nil, nil, fmt.Errorf("rawclient: argument %d: unsupported type %T", i, a)
			}
		}
	}
	if len(b) > math.MaxUint16 {
		return nil, nil, fmt.Errorf("rawclient: message of %d bytes does not fit the 16-bit size field", len(b))
	}
	copy(b, Header(obj, opcode, uint16(len(b))))
	return b, fds, nil
}

// Event is one message received from the server.
type Event struct {
	Object uint32
	Opcode uint16
	Args   []byte // argument bytes, header excluded
	FDs    []int  // fds attached by Conn.ExpectFDs; the receiver owns them
}

// String formats e for diagnostics.
func (e Event) String() string {
	return fmt.Sprintf("event %d.%d (%d arg bytes, %d fds)", e.Object, e.Opcode, len(e.Args), len(e.FDs))
}

// Reader returns an ArgReader over e's arguments.
func (e Event) Reader() *ArgReader { return &ArgReader{b: e.Args} }

// Uint returns the i-th 32-bit word of the arguments, or 0 if out of range.
// It is only meaningful when every argument before i is a 32-bit value.
func (e Event) Uint(i int) uint32 {
	if i < 0 || 4*i+4 > len(e.Args) {
		return 0
	}
	return binary.LittleEndian.Uint32(e.Args[4*i:])
}

// ErrShortArgs is returned by ArgReader when the arguments end early.
var ErrShortArgs = errors.New("rawclient: arguments too short")

// ArgReader decodes arguments sequentially. The first error sticks and is
// reported by Err; later reads return zero values.
type ArgReader struct {
	b   []byte
	err error
}

// Err returns the first decoding error, if any.
func (r *ArgReader) Err() error { return r.err }

// Uint reads a uint, object or new_id argument.
func (r *ArgReader) Uint() uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 4 {
		r.err = ErrShortArgs
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

// Int reads an int argument.
func (r *ArgReader) Int() int32 { return int32(r.Uint()) }

// Fixed reads a fixed argument.
func (r *ArgReader) Fixed() Fixed { return Fixed(r.Uint()) }

// Array reads an array argument. The returned slice aliases the event.
func (r *ArgReader) Array() []byte {
	n := r.Uint()
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)) {
		r.err = ErrShortArgs
		return nil
	}
	v := r.b[:n]
	r.b = r.b[min(pad4(int(n)), len(r.b)):]
	return v
}

// String reads a string argument, dropping its NUL terminator. A null
// string reads as "".
func (r *ArgReader) String() string {
	v := r.Array()
	if len(v) > 0 && v[len(v)-1] == 0 {
		v = v[:len(v)-1]
	}
	return string(v)
}
