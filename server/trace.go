package server

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nofault/nofault/protocol"
)

// tracer writes a protocol trace in WAYLAND_DEBUG's format: requests as
// "[ms] {client} iface@id.request(args)", events with " -> ".
type tracer struct {
	w     io.Writer
	start time.Time

	mu sync.Mutex // guards following (and writes to w)
	sb strings.Builder
}

func newTracer() *tracer { return &tracer{w: os.Stderr, start: time.Now()} }

func (t *tracer) request(c *Client, o *protocol.Object, op uint16, body []byte) {
	msg := &o.Interface.Requests[op]
	t.line(c, "", o.ID, o.Interface, msg, body, &c.objects)
}

func (t *tracer) event(c *Client, obj protocol.ObjectID, iface *protocol.Interface, op uint16, args []byte) {
	if int(op) >= len(iface.Events) {
		return
	}
	t.line(c, "-> ", obj, iface, &iface.Events[op], args, &c.objects)
}

func (t *tracer) line(c *Client, dir string, id protocol.ObjectID, iface *protocol.Interface, msg *protocol.Message, body []byte, objs *protocol.ObjectMap) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sb := &t.sb
	sb.Reset()
	ms := float64(time.Since(t.start).Microseconds()) / 1000
	fmt.Fprintf(sb, "[%10.3f] {client %d} %s%s@%d.%s(", ms, c.id, dir, iface.Name, id, msg.Name)
	formatArgs(sb, msg, body, objs)
	sb.WriteString(")\n")
	io.WriteString(t.w, sb.String())
}

// formatArgs renders arguments like WAYLAND_DEBUG; it never fails on
// malformed bodies (it stops at the first argument that does not fit).
func formatArgs(sb *strings.Builder, msg *protocol.Message, b []byte, objs *protocol.ObjectMap) {
	word := func() (uint32, bool) {
		if len(b) < 4 {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return v, true
	}
	for i, a := range msg.Args {
		if i > 0 {
			sb.WriteString(", ")
		}
		if a.Type == protocol.ArgFD {
			sb.WriteString("fd")
			continue
		}
		v, ok := word()
		if !ok {
			sb.WriteString("<truncated>")
			return
		}
		switch a.Type {
		case protocol.ArgInt:
			sb.WriteString(strconv.Itoa(int(int32(v))))
		case protocol.ArgUint:
			sb.WriteString(strconv.FormatUint(uint64(v), 10))
		case protocol.ArgFixed:
			sb.WriteString(protocol.Fixed(v).String())
		case protocol.ArgString, protocol.ArgArray:
			n := (int(v) + 3) &^ 3
			if v == 0 {
				sb.WriteString("nil")
				continue
			}
			if n > len(b) || n < int(v) {
				sb.WriteString("<truncated>")
				return
			}
			if a.Type == protocol.ArgString {
				s := string(b[:v])
				sb.WriteString(strconv.Quote(strings.TrimRight(s, "\x00")))
			} else {
				fmt.Fprintf(sb, "array[%d]", v)
			}
			b = b[n:]
		case protocol.ArgObject:
			if v == 0 {
				sb.WriteString("nil")
			} else if o := objs.Lookup(protocol.ObjectID(v)); o != nil {
				fmt.Fprintf(sb, "%s@%d", o.Interface.Name, v)
			} else {
				fmt.Fprintf(sb, "[unknown]@%d", v)
			}
		case protocol.ArgNewID:
			name := "[unknown]"
			if a.Interface != nil {
				name = a.Interface.Name
			}
			fmt.Fprintf(sb, "new id %s@%d", name, v)
		}
	}
}

// Tracef adds a note to the protocol trace (when --trace is on), marked
// with the client; for facts the wire does not show, such as the read
// strategy a pool got.
func (c *Client) Tracef(format string, args ...any) {
	t := c.d.trace
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ms := float64(time.Since(t.start).Microseconds()) / 1000
	fmt.Fprintf(t.w, "[%10.3f] {client %d} # %s\n", ms, c.id, fmt.Sprintf(format, args...))
}
