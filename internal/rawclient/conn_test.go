package rawclient

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// pair returns a Conn and the raw server end of a socketpair.
func pair(t *testing.T) (*Conn, *net.UnixConn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	conv := func(fd int) *net.UnixConn {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatalf("FileConn: %v", err)
		}
		return c.(*net.UnixConn)
	}
	c := NewConn(conv(fds[0]))
	srv := conv(fds[1])
	t.Cleanup(func() { c.Close(); srv.Close() })
	return c, srv
}

// msg builds a message from 32-bit words.
func msg(obj uint32, opcode uint16, words ...uint32) []byte {
	b := Header(obj, opcode, uint16(HeaderSize+4*len(words)))
	for _, w := range words {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return b
}

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		obj  uint32
		op   uint16
		args []any
		want []byte
		fds  int
	}{
		{"no args", 3, 6, nil, msg(3, 6), 0},
		{"uint int fixed newid", 2, 1, []any{uint32(7), int32(-1), Fixed(256), NewID(9)},
			msg(2, 1, 7, 0xffffffff, 256, 9), 0},
		{"string", 2, 0, []any{"abc"}, msg(2, 0, 4, 0x00636261), 0},
		{"string padded", 2, 0, []any{"abcd"}, msg(2, 0, 5, 0x64636261, 0), 0},
		{"array", 2, 0, []any{[]byte{1, 2, 3, 4, 5}}, msg(2, 0, 5, 0x04030201, 5), 0},
		{"raw string no nul", 2, 0, []any{RawString{Length: 4, Data: []byte("abcd")}}, msg(2, 0, 4, 0x64636261), 0},
		{"fd out of band", 4, 0, []any{NewID(5), FD(0), int32(4096)}, msg(4, 0, 5, 4096), 1},
		{"bind", 2, 0, []any{uint32(1), Bind{Interface: "wl_shm", Version: 1, ID: 3}},
			msg(2, 0, 1, 7, 0x735f6c77, 0x00006d68, 1, 3), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, fds, err := Marshal(tt.obj, tt.op, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, tt.want) {
				t.Errorf("got  % x\nwant % x", b, tt.want)
			}
			if len(fds) != tt.fds {
				t.Errorf("got %d fds, want %d", len(fds), tt.fds)
			}
		})
	}
	if _, _, err := Marshal(1, 0, 1.5); err == nil {
		t.Error("Marshal accepted a float64 argument")
	}
}

func TestSendFD(t *testing.T) {
	c, srv := pair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := c.Send(5, 0, NewID(6), FD(w.Fd()), int32(64)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	oob := make([]byte, syscall.CmsgSpace(4))
	n, oobn, _, _, err := srv.ReadMsgUnix(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	if want := msg(5, 0, 6, 64); !bytes.Equal(buf[:n], want) {
		t.Fatalf("got % x, want % x", buf[:n], want)
	}
	cms, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(cms) != 1 {
		t.Fatalf("control messages: %v, %v", cms, err)
	}
	fds, err := syscall.ParseUnixRights(&cms[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("rights: %v, %v", fds, err)
	}
	got := os.NewFile(uintptr(fds[0]), "received")
	defer got.Close()
	if _, err := got.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := r.Read(b); err != nil || b[0] != 'x' {
		t.Fatalf("pipe read %q, %v", b, err)
	}
}

func TestReadEventSplitAndFDs(t *testing.T) {
	c, srv := pair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	c.ExpectFDs(7, 0, 1)
	m1 := msg(7, 0, 42) // carries an fd
	m2 := msg(8, 3, 1, 2)
	all := append(m1, m2...)
	// Split inside the second message to exercise buffering.
	if _, _, err := srv.WriteMsgUnix(all[:14], syscall.UnixRights(int(r.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	ev, err := c.ReadEvent(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Object != 7 || ev.Opcode != 0 || ev.Uint(0) != 42 || len(ev.FDs) != 1 {
		t.Fatalf("first event %v, args % x", ev, ev.Args)
	}
	syscall.Close(ev.FDs[0])
	if _, err := c.ReadEvent(20 * time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("partial message: got %v, want timeout", err)
	}
	if _, err := srv.Write(all[14:]); err != nil {
		t.Fatal(err)
	}
	ev, err = c.ReadEvent(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Object != 8 || ev.Opcode != 3 || ev.Uint(0) != 1 || ev.Uint(1) != 2 {
		t.Fatalf("second event %v", ev)
	}
	srv.Close()
	if _, err := c.ReadEvent(time.Second); !errors.Is(err, io.EOF) {
		t.Fatalf("after close: got %v, want EOF", err)
	}
}

func TestArgReader(t *testing.T) {
	b, _, err := Marshal(1, 0, uint32(3), "hello", []byte{9, 8}, Fixed(-512), int32(-7))
	if err != nil {
		t.Fatal(err)
	}
	r := Event{Args: b[HeaderSize:]}.Reader()
	if got := r.Uint(); got != 3 {
		t.Errorf("Uint = %d", got)
	}
	if got := r.String(); got != "hello" {
		t.Errorf("String = %q", got)
	}
	if got := r.Array(); !bytes.Equal(got, []byte{9, 8}) {
		t.Errorf("Array = %v", got)
	}
	if got := r.Fixed().Float(); got != -2 {
		t.Errorf("Fixed = %v", got)
	}
	if got := r.Int(); got != -7 {
		t.Errorf("Int = %d", got)
	}
	if r.Err() != nil {
		t.Errorf("Err = %v", r.Err())
	}
	r.Uint()
	if !errors.Is(r.Err(), ErrShortArgs) {
		t.Errorf("reading past the end: Err = %v", r.Err())
	}
}

// fakeServer answers wl_display.sync with done then delete_id, announces
// two globals on get_registry, and runs hook on every other request.
func fakeServer(t *testing.T, srv *net.UnixConn, hook func(obj uint32, op uint16, args []byte) []byte) {
	go func() {
		defer srv.Close()
		var in []byte
		buf := make([]byte, 4096)
		for {
			n, err := srv.Read(buf)
			if err != nil {
				return
			}
			in = append(in, buf[:n]...)
			for len(in) >= 8 {
				size := int(binary.LittleEndian.Uint32(in[4:]) >> 16)
				if len(in) < size {
					break
				}
				obj := binary.LittleEndian.Uint32(in)
				op := uint16(binary.LittleEndian.Uint32(in[4:]))
				args := in[8:size]
				in = in[size:]
				var out []byte
				switch {
				case obj == 1 && op == 0:
					id := binary.LittleEndian.Uint32(args)
					out = append(msg(id, 0, 99), msg(1, 1, id)...)
				case obj == 1 && op == 1:
					reg := binary.LittleEndian.Uint32(args)
					g1, _, _ := Marshal(reg, 0, uint32(1), "wl_compositor", uint32(6))
					g2, _, _ := Marshal(reg, 0, uint32(2), "wl_shm", uint32(2))
					out = append(g1, g2...)
				default:
					if hook == nil {
						continue
					}
					out = hook(obj, op, args)
					if out == nil {
						return // close the connection
					}
				}
				if _, err := srv.Write(out); err != nil {
					return
				}
			}
		}
	}()
}

func TestRoundtripAndGlobals(t *testing.T) {
	c, srv := pair(t)
	fakeServer(t, srv, func(obj uint32, op uint16, args []byte) []byte {
		return msg(obj, 5, 123) // echo an event on the object
	})
	obj := c.NewID()
	if err := c.Send(obj, 0); err != nil {
		t.Fatal(err)
	}
	evs, err := c.Roundtrip(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Object != obj || evs[0].Opcode != 5 {
		t.Fatalf("events = %v", evs)
	}
	gs, err := c.Globals(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if g := gs["wl_compositor"]; g.Name != 1 || g.Version != 6 {
		t.Errorf("wl_compositor global = %+v", g)
	}
	if g := gs["wl_shm"]; g.Name != 2 || g.Version != 2 {
		t.Errorf("wl_shm global = %+v", g)
	}
	if c.Registry() == 0 {
		t.Error("Registry() = 0 after Globals")
	}
	// The first roundtrip's delete_id came after its done; the second
	// roundtrip consumed it.
	if !c.Deleted(3) {
		t.Error("delete_id for the first callback not recorded")
	}
	id, err := c.BindGlobal("wl_shm", 1)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 {
		t.Fatal("BindGlobal returned id 0")
	}
}

func TestRoundtripProtocolError(t *testing.T) {
	c, srv := pair(t)
	fakeServer(t, srv, func(obj uint32, op uint16, args []byte) []byte {
		e, _, _ := Marshal(1, 0, obj, uint32(1), "invalid method 7, object wl_foo@2")
		return e
	})
	if err := c.Send(2, 7); err != nil {
		t.Fatal(err)
	}
	_, err := c.Roundtrip(time.Second)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want *ProtocolError", err)
	}
	want := ProtocolError{ObjectID: 2, Code: 1, Message: "invalid method 7, object wl_foo@2"}
	if *pe != want {
		t.Errorf("got %+v, want %+v", *pe, want)
	}
}

func TestRoundtripDisconnect(t *testing.T) {
	c, srv := pair(t)
	fakeServer(t, srv, func(uint32, uint16, []byte) []byte { return nil })
	if err := c.Send(2, 0); err != nil {
		t.Fatal(err)
	}
	_, err := c.Roundtrip(time.Second)
	if !errors.Is(err, io.EOF) || !errors.Is(err, ErrDisconnected) {
		t.Fatalf("got %v, want disconnect", err)
	}
}

func TestRoundtripTimeout(t *testing.T) {
	c, _ := pair(t)
	_, err := c.Roundtrip(20 * time.Millisecond)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want deadline exceeded", err)
	}
}

func TestNewID(t *testing.T) {
	c, _ := pair(t)
	for want := uint32(2); want < 6; want++ {
		if got := c.NewID(); got != want {
			t.Fatalf("NewID = %d, want %d", got, want)
		}
	}
}

func TestDialEnv(t *testing.T) {
	dir, err := os.MkdirTemp("", "rawclient")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: dir + "/wayland-test", Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	t.Setenv("WAYLAND_DISPLAY", "wayland-test")
	c, err := DialEnv()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("WAYLAND_DISPLAY", "wayland-test")
	if _, err := DialEnv(); err == nil {
		t.Error("DialEnv without XDG_RUNTIME_DIR succeeded")
	}
}

// TestMarshalEnum: a generated enum argument (a named uint32 or int32)
// goes on the wire as its integer.
func TestMarshalEnum(t *testing.T) {
	type axis uint32
	type transform int32
	got, _, err := Marshal(3, 1, axis(1), transform(-1))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := Marshal(3, 1, uint32(1), int32(-1))
	if string(got) != string(want) {
		t.Errorf("Marshal(enums) = %x, want %x", got, want)
	}
	if _, _, err := Marshal(3, 1, uint64(1)); err == nil {
		t.Error("Marshal(uint64) succeeded")
	}
}
