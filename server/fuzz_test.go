package server

import (
	"encoding/binary"
	"net"
	"os"
	"testing"

	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// addAnyGlobal registers a global for iface whose objects have no handler:
// fuzzed requests to one are framed, looked up and version-checked, then end
// the client with an implementation error.
func addAnyGlobal(d *Display, iface *protocol.Interface) {
	d.AddGlobal(iface, iface.Version, func(c *Client, id protocol.ObjectID, v uint32) {
		c.NewObject(id, iface, v, nil)
	})
}

// socketClient adds a client backed by one end of a socketpair. The test
// then holds the display lock until it ends, as the display loop would:
// the client's reader dispatches nothing behind its back.
func socketClient(tb testing.TB, d *Display) (*Client, *os.File) {
	tb.Helper()
	d.mu.Lock()
	tb.Cleanup(d.mu.Unlock)
	conn, peer := socketpair(tb)
	return d.AddClient(conn), peer
}

// socketpair returns the server's end of a new socketpair as a
// connection, and the client's end.
func socketpair(tb testing.TB) (*net.UnixConn, *os.File) {
	tb.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	f := os.NewFile(uintptr(fds[0]), "server-end")
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		tb.Fatal(err)
	}
	return conn.(*net.UnixConn), os.NewFile(uintptr(fds[1]), "client-end")
}

func msg(obj uint32, op uint16, args ...uint32) []byte {
	b := make([]byte, 8, 8+4*len(args))
	protocol.PutHeader(b, protocol.Header{Object: protocol.ObjectID(obj), Opcode: op, Size: uint16(8 + 4*len(args))})
	for _, a := range args {
		b = binary.LittleEndian.AppendUint32(b, a)
	}
	return b
}

// FuzzDispatch feeds arbitrary bytes to a client of a display with the
// registry and a global: framing, object lookup, version checks, argument
// decoding and error posting must never panic, and a client either
// survives or is cleanly marked dead.
func FuzzDispatch(f *testing.F) {
	f.Add(msg(1, 1, 2))                                      // get_registry
	f.Add(append(msg(1, 1, 2), msg(1, 0, 3)...))             // + sync
	f.Add(msg(1, 0, 0))                                      // sync with new id 0
	f.Add(msg(9, 0))                                         // unknown object
	f.Add(msg(1, 7))                                         // unknown opcode
	f.Add([]byte{1, 0, 0, 0, 0, 0, 4, 0})                    // size 4
	f.Add(append(msg(1, 1, 2), msg(2, 0, 1, 7, 0, 0, 3)...)) // bind with a broken string
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDisplay(nil, Options{Limits: DefaultLimits()})
		addAnyGlobal(d, &protocol.WlCompositorInterface)
		c, peer := socketClient(t, d)
		defer peer.Close()
		rest := d.Inject(c, data, nil)
		if len(rest) > len(data) {
			t.Fatalf("rest longer than input")
		}
		d.flushAll()
		d.shutdownClients()
	})
}

func TestInjectErrorsMatchLibwayland(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		obj  protocol.ObjectID
		code uint32
		text string
	}{
		{"unknown object", msg(999, 0), 1, protocol.ErrorInvalidObject, "invalid object 999"},
		{"unknown opcode", msg(1, 2), 1, protocol.ErrorInvalidMethod, "invalid method 2, object wl_display@1"},
		{"short size", []byte{1, 0, 0, 0, 0, 0, 4, 0}, 1, protocol.ErrorInvalidMethod, "invalid arguments for wl_display@1.sync"},
		{"missing args", msg(1, 0), 1, protocol.ErrorInvalidMethod, "invalid arguments for wl_display@1.sync"},
		{"new id in use", append(msg(1, 1, 2), msg(1, 0, 2)...), 1, protocol.ErrorInvalidMethod, "invalid arguments for wl_display@1.sync"},
		{"new id skips ahead", msg(1, 0, 5), 1, protocol.ErrorInvalidMethod, "invalid arguments for wl_display@1.sync"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDisplay(nil, Options{Limits: DefaultLimits()})
			c, peer := socketClient(t, d)
			defer peer.Close()
			d.Inject(c, tc.data, nil)
			if c.err == nil {
				t.Fatal("no error posted")
			}
			if c.err.Object != tc.obj || c.err.Code != tc.code || c.err.Message != tc.text {
				t.Fatalf("posted %+v, want object %d code %d %q", c.err, tc.obj, tc.code, tc.text)
			}
			d.flushAll()
			if !c.dead {
				t.Fatal("client not disconnected after the error")
			}
			d.shutdownClients()
		})
	}
}

func TestObjectLimitPostsNoMemory(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxObjects = 10
	d := NewDisplay(nil, Options{Limits: lim})
	c, peer := socketClient(t, d)
	defer peer.Close()
	var data []byte
	for id := uint32(2); id < 20; id++ {
		data = append(data, msg(1, 1, id)...) // get_registry, objects that stay
	}
	d.Inject(c, data, nil)
	if c.err == nil || c.err.Code != protocol.ErrorNoMemory || c.err.Object != 1 {
		t.Fatalf("posted %+v, want no_memory on wl_display", c.err)
	}
	d.flushAll()
	d.shutdownClients()
}
