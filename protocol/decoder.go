package protocol

import (
	"bytes"
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Decoder reads the arguments of one request. Errors are sticky: after the
// first bad argument every read returns a zero value and Err reports the
// error, so generated code checks once after decoding all arguments.
type Decoder struct {
	body []byte
	off  int
	arg  int
	fds  *FDQueue
	objs *ObjectMap
	err  error
	// taken holds fds popped for this request; they are closed if decoding
	// fails, and handed to the handler otherwise.
	taken [4]int
	ntake int
}

// Reset prepares d to decode body, the message bytes after the header.
func (d *Decoder) Reset(body []byte, fds *FDQueue, objs *ObjectMap) {
	*d = Decoder{body: body, fds: fds, objs: objs}
}

// Err returns the first decoding error, an *ArgError.
func (d *Decoder) Err() error { return d.err }

// Fail records a decoding error for the current argument.
func (d *Decoder) fail(reason string) {
	if d.err == nil {
		d.err = &ArgError{Arg: d.arg, Reason: reason}
	}
}

func (d *Decoder) word() uint32 {
	d.arg++
	if d.err != nil {
		return 0
	}
	if len(d.body)-d.off < 4 {
		d.fail("message too short")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.body[d.off:])
	d.off += 4
	return v
}

// Uint decodes a uint argument.
func (d *Decoder) Uint() uint32 { return d.word() }

// Int decodes an int argument.
func (d *Decoder) Int() int32 { return int32(d.word()) }

// Fixed decodes a fixed argument.
func (d *Decoder) Fixed() Fixed { return Fixed(d.word()) }

// bytesArg decodes the length-prefixed payload of a string or array.
func (d *Decoder) bytesArg() (b []byte, present bool) {
	n := d.word()
	if d.err != nil || n == 0 {
		return nil, false
	}
	p := padded(int(n))
	if n > MaxMessageSize || len(d.body)-d.off < p {
		d.fail("message too short")
		return nil, false
	}
	b = d.body[d.off : d.off+int(n)]
	d.off += p
	return b, true
}

// String decodes a string argument. Like libwayland it requires the byte
// before the given length to be NUL and tolerates extra NUL padding inside
// the length; a zero length is a null string, refused unless nullable. The
// result aliases the receive buffer (see the package doc).
func (d *Decoder) String(nullable bool) string {
	b, ok := d.bytesArg()
	if d.err != nil {
		return ""
	}
	if !ok {
		if !nullable {
			d.fail("NULL string received on non-nullable type")
		}
		return ""
	}
	if b[len(b)-1] != 0 {
		d.fail("string not nul-terminated")
		return ""
	}
	b = b[:bytes.IndexByte(b, 0)]
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Array decodes an array argument; the result aliases the receive buffer.
func (d *Decoder) Array() []byte {
	b, _ := d.bytesArg()
	return b
}

// Object decodes an object argument and resolves it. iface is the expected
// interface (nil for any). A null id is refused unless nullable; an unknown
// id or one of another interface is refused.
func (d *Decoder) Object(iface *Interface, nullable bool) *Object {
	id := ObjectID(d.word())
	if d.err != nil {
		return nil
	}
	if id == 0 {
		if !nullable {
			d.fail("NULL object received on non-nullable type")
		}
		return nil
	}
	o := d.objs.Lookup(id)
	if o == nil {
		d.fail("unknown object")
		return nil
	}
	if iface != nil && o.Interface != iface {
		d.fail("invalid object type")
		return nil
	}
	return o
}

// NewID decodes a new_id argument and checks that the id may be used for a
// new object, as wl_map_reserve_new does.
func (d *Decoder) NewID() ObjectID {
	id := ObjectID(d.word())
	if d.err != nil {
		return 0
	}
	if id == 0 {
		d.fail("NULL new ID received on non-nullable type")
		return 0
	}
	if !d.objs.CanReserve(id) {
		d.fail("not a valid new object id")
		return 0
	}
	return id
}

// FD takes the next received file descriptor. The handler owns it.
func (d *Decoder) FD() int {
	d.arg++
	if d.err != nil {
		return -1
	}
	fd, ok := d.fds.Pop()
	if !ok {
		d.fail("file descriptor expected")
		return -1
	}
	if d.ntake < len(d.taken) {
		d.taken[d.ntake] = fd
		d.ntake++
	} else {
		unix.Close(fd)
		d.fail("too many file descriptors")
		return -1
	}
	return fd
}

// Done ends decoding. On error it closes any fds taken for this request and
// returns the error; on success the fds belong to the caller.
func (d *Decoder) Done() error {
	if d.err != nil {
		for _, fd := range d.taken[:d.ntake] {
			unix.Close(fd)
		}
		d.ntake = 0
	}
	return d.err
}
