package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func words(ws ...uint32) []byte {
	var b []byte
	for _, w := range ws {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return b
}

func TestDecoderStrings(t *testing.T) {
	tests := []struct {
		name     string
		body     []byte
		nullable bool
		want     string
		wantErr  bool
	}{
		{"plain", append(words(7), "wl_shm\x00\x00"...), false, "wl_shm", false},
		{"padded length", append(words(8), "wl_shm\x00\x00"...), false, "wl_shm", false},
		{"nul inside", append(words(8), "wl_s\x00hm\x00\x00"...), false, "wl_s", false},
		{"no nul", append(words(6), "wl_shm\x00\x00"...), false, "", true},
		{"null non-nullable", words(0), false, "", true},
		{"null nullable", words(0), true, "", false},
		{"past end", append(words(100), "wl_shm\x00\x00"...), false, "", true},
		{"empty string", append(words(1), 0, 0, 0, 0), false, "", false},
		{"missing length", nil, false, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			d.Reset(tc.body, &FDQueue{}, &ObjectMap{})
			got := d.String(tc.nullable)
			err := d.Done()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadArgs) {
				t.Fatalf("err %v does not wrap ErrBadArgs", err)
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecoderObjects(t *testing.T) {
	var m ObjectMap
	m.Insert(&Object{ID: 1, Interface: &WlDisplayInterface})
	m.Insert(&Object{ID: 2, Interface: &WlSurfaceInterface})
	tests := []struct {
		name     string
		id       uint32
		iface    *Interface
		nullable bool
		wantErr  bool
	}{
		{"match", 2, &WlSurfaceInterface, false, false},
		{"any interface", 2, nil, false, false},
		{"wrong interface", 2, &WlBufferInterface, false, true},
		{"unknown", 9, nil, false, true},
		{"null non-nullable", 0, nil, false, true},
		{"null nullable", 0, nil, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			d.Reset(words(tc.id), &FDQueue{}, &m)
			d.Object(tc.iface, tc.nullable)
			if err := d.Done(); (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

// TestNewIDRules follows wl_map_reserve_new: free slot or exactly the next.
func TestNewIDRules(t *testing.T) {
	var m ObjectMap
	m.Insert(&Object{ID: 1, Interface: &WlDisplayInterface})
	m.Insert(&Object{ID: 2, Interface: &WlRegistryInterface})
	m.Insert(&Object{ID: 3, Interface: &WlCompositorInterface})
	m.Remove(2)
	for _, tc := range []struct {
		id uint32
		ok bool
	}{
		{0, false}, {1, false}, {2, true}, {3, false}, {4, true}, {5, false},
		{uint32(ServerIDStart), false}, {MaxObjectIndex + 1, false},
	} {
		var d Decoder
		d.Reset(words(tc.id), &FDQueue{}, &m)
		d.NewID()
		if err := d.Done(); (err == nil) != tc.ok {
			t.Errorf("new id %d: err = %v, want ok %v", tc.id, err, tc.ok)
		}
	}
}

func TestDecoderFDsClosedOnError(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	q := &FDQueue{}
	q.Push(p[0])
	var d Decoder
	d.Reset(nil, q, &ObjectMap{}) // fd then a missing int
	d.FD()
	d.Int()
	if err := d.Done(); err == nil {
		t.Fatal("expected an error")
	}
	if _, err := unix.FcntlInt(uintptr(p[0]), unix.F_GETFD, 0); err == nil {
		t.Fatal("fd taken by a failed request was not closed")
	}
}

func TestServerIDs(t *testing.T) {
	var m ObjectMap
	a := m.NewServerID()
	m.Insert(&Object{ID: a, Interface: &WlDataOfferInterface})
	b := m.NewServerID()
	if a != ServerIDStart || b != ServerIDStart+1 {
		t.Fatalf("ids %x %x", a, b)
	}
	m.Remove(a)
	if c := m.NewServerID(); c != a {
		t.Fatalf("freed server id not reused: %x", c)
	}
}

func TestEncoderRoundTrip(t *testing.T) {
	var e Encoder
	SendWlRegistryGlobal(&e, 2, 7, "wl_compositor", 4)
	b, _ := e.Take()
	h, ok := ParseHeader(b)
	if !ok || h.Object != 2 || h.Opcode != WlRegistryEventGlobal || int(h.Size) != len(b) {
		t.Fatalf("header %+v, len %d", h, len(b))
	}
	var d Decoder
	d.Reset(b[HeaderSize:], &FDQueue{}, &ObjectMap{})
	if name, iface, v := d.Uint(), d.String(false), d.Uint(); name != 7 || iface != "wl_compositor" || v != 4 || d.Done() != nil {
		t.Fatalf("decoded %d %q %d %v", name, iface, v, d.Err())
	}
}

func TestEncoderDropsOversizedEvents(t *testing.T) {
	var e Encoder
	SendWlDisplayError(&e, 1, 1, 0, string(bytes.Repeat([]byte("x"), MaxMessageSize)))
	if e.Len() != 0 {
		t.Fatalf("oversized event kept (%d bytes)", e.Len())
	}
}
