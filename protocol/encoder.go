package protocol

import (
	"encoding/binary"
	"log/slog"
)

// Encoder accumulates outgoing events for one client: bytes and the fds that
// travel with them. The zero value is ready to use. Generated SendXxx
// functions call Begin, the Put methods and End.
type Encoder struct {
	buf   []byte
	fds   []int
	start int
	// Trace, when set, is called after each event is encoded with the
	// object, its interface, the opcode and the argument bytes.
	Trace func(obj ObjectID, iface *Interface, opcode uint16, args []byte, fds []int)

	iface  *Interface
	obj    ObjectID
	opcode uint16
	nfds   int
}

// Begin starts an event on object obj of interface iface.
func (e *Encoder) Begin(obj ObjectID, iface *Interface, opcode uint16) {
	e.start = len(e.buf)
	e.buf = append(e.buf, 0, 0, 0, 0, 0, 0, 0, 0)
	e.iface, e.obj, e.opcode, e.nfds = iface, obj, opcode, len(e.fds)
}

// PutUint appends a uint argument.
func (e *Encoder) PutUint(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }

// PutInt appends an int argument.
func (e *Encoder) PutInt(v int32) { e.PutUint(uint32(v)) }

// PutFixed appends a fixed argument.
func (e *Encoder) PutFixed(v Fixed) { e.PutUint(uint32(v)) }

// PutObject appends an object or new_id argument.
func (e *Encoder) PutObject(id ObjectID) { e.PutUint(uint32(id)) }

// PutString appends a string argument (length with the NUL, padded).
func (e *Encoder) PutString(s string) {
	e.PutUint(uint32(len(s) + 1))
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, 0)
	e.pad()
}

// PutArray appends an array argument.
func (e *Encoder) PutArray(b []byte) {
	e.PutUint(uint32(len(b)))
	e.buf = append(e.buf, b...)
	e.pad()
}

// PutFD queues fd to be sent with this event. The Encoder takes ownership:
// the fd is closed after it has been sent (or when the client goes).
func (e *Encoder) PutFD(fd int) { e.fds = append(e.fds, fd) }

func (e *Encoder) pad() {
	for len(e.buf)%4 != 0 {
		e.buf = append(e.buf, 0)
	}
}

// End finishes the event started by Begin. An event larger than
// MaxMessageSize is a compositor bug: it is dropped and logged.
func (e *Encoder) End() {
	size := len(e.buf) - e.start
	if size > MaxMessageSize {
		slog.Error("dropping oversized event", "interface", e.iface.Name, "opcode", e.opcode, "size", size)
		e.buf = e.buf[:e.start]
		return
	}
	PutHeader(e.buf[e.start:], Header{Object: e.obj, Opcode: e.opcode, Size: uint16(size)})
	if e.Trace != nil {
		e.Trace(e.obj, e.iface, e.opcode, e.buf[e.start+HeaderSize:], e.fds[e.nfds:])
	}
}

// Len returns the number of encoded bytes not yet taken.
func (e *Encoder) Len() int { return len(e.buf) }

// Take returns the encoded bytes and fds and empties the Encoder, keeping
// nothing that aliases them (the caller owns both).
func (e *Encoder) Take() (b []byte, fds []int) {
	b, fds = e.buf, e.fds
	e.buf, e.fds = nil, nil
	return b, fds
}

// TakeInto appends the encoded bytes and fds to b and fds, and empties the
// Encoder keeping its buffers for reuse.
func (e *Encoder) TakeInto(b []byte, fds []int) ([]byte, []int) {
	b = append(b, e.buf...)
	fds = append(fds, e.fds...)
	e.buf, e.fds = e.buf[:0], e.fds[:0]
	return b, fds
}

// PutNullableString appends a nullable string argument; "" is sent as null.
func (e *Encoder) PutNullableString(s string) {
	if s == "" {
		e.PutUint(0)
		return
	}
	e.PutString(s)
}
