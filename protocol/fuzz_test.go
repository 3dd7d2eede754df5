package protocol

import (
	"bytes"
	"testing"
)

// FuzzDecodeMessage decodes arbitrary bodies with every request signature
// of the generated interfaces: decoding must never panic, never read past
// the body, and a body that decodes must re-encode to the same bytes.
func FuzzDecodeMessage(f *testing.F) {
	// More seeds (real argument encodings) live in testdata/fuzz.
	f.Add(uint8(3), append(words(7), "wl_shm\x00\x00"...))
	f.Add(uint8(1), words(1, 2, 3, 4))
	var msgs []*Message
	for _, iface := range allInterfaces {
		for i := range iface.Requests {
			msgs = append(msgs, &iface.Requests[i])
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		if len(body) > MaxMessageSize {
			return
		}
		msg := msgs[int(which)%len(msgs)]
		var m ObjectMap
		m.Insert(&Object{ID: 1, Interface: &WlDisplayInterface})
		m.Insert(&Object{ID: 2, Interface: &WlSurfaceInterface})
		var d Decoder
		d.Reset(body, &FDQueue{}, &m)
		var e Encoder
		e.Begin(9, &WlSurfaceInterface, 0)
		for _, a := range msg.Args {
			switch a.Type {
			case ArgInt:
				e.PutInt(d.Int())
			case ArgUint:
				e.PutUint(d.Uint())
			case ArgFixed:
				e.PutFixed(d.Fixed())
			case ArgString:
				s := d.String(a.Nullable)
				if a.Nullable {
					e.PutNullableString(s)
				} else {
					e.PutString(s)
				}
			case ArgArray:
				e.PutArray(d.Array())
			case ArgObject:
				o := d.Object(nil, true)
				if o == nil {
					e.PutObject(0)
				} else {
					e.PutObject(o.ID)
				}
			case ArgNewID:
				e.PutObject(d.NewID())
			case ArgFD:
				d.FD()
			}
		}
		if d.Done() != nil {
			return
		}
		if d.off > len(body) {
			t.Fatalf("decoder read past the body: %d > %d", d.off, len(body))
		}
		e.End()
		enc, _ := e.Take()
		if len(enc) < HeaderSize {
			return // an oversized re-encoding was dropped
		}
		// Canonical re-encoding equals the consumed input unless the input
		// used a non-canonical string (padded length or bytes after NUL).
		if got := enc[HeaderSize:]; !bytes.Equal(got, body[:d.off]) && !hasString(msg) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", body[:d.off], got)
		}
	})
}

func hasString(m *Message) bool {
	for _, a := range m.Args {
		if a.Type == ArgString || a.Type == ArgObject {
			return true
		}
	}
	return false
}

// allInterfaces lists every generated interface, for fuzzing.
var allInterfaces = []*Interface{
	&WlDisplayInterface, &WlRegistryInterface, &WlCompositorInterface, &WlShmPoolInterface,
	&WlShmInterface, &WlBufferInterface, &WlDataOfferInterface, &WlDataSourceInterface,
	&WlDataDeviceInterface, &WlDataDeviceManagerInterface, &WlSurfaceInterface, &WlSeatInterface,
	&WlPointerInterface, &WlKeyboardInterface, &WlOutputInterface, &WlRegionInterface,
	&WlSubcompositorInterface, &WlSubsurfaceInterface, &XdgWmBaseInterface, &XdgPositionerInterface,
	&XdgSurfaceInterface, &XdgToplevelInterface, &XdgPopupInterface, &ZxdgOutputManagerV1Interface,
	&ZxdgOutputV1Interface,
}
