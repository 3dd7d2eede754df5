package server

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// rawRoundTripper is a client on a raw socket fd that sends
// wl_display.sync and reads the reply (wl_callback.done and
// wl_display.delete_id, 12 bytes each) with blocking read and write on
// fixed buffers: it allocates nothing, so AllocsPerRun over its round trips
// counts the server's allocations.
type rawRoundTripper struct {
	fd   int
	req  [12]byte
	resp [24]byte
}

func dialSyncer(t testing.TB, path string) *rawRoundTripper {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	r := &rawRoundTripper{fd: fd}
	binary.LittleEndian.PutUint32(r.req[0:], 1)                 // wl_display
	binary.LittleEndian.PutUint32(r.req[4:], wireHeader(12, 0)) // size 12, opcode 0: sync
	binary.LittleEndian.PutUint32(r.req[8:], 2)                 // new wl_callback id 2
	return r
}

// roundTrip sends one sync and waits for its done and delete_id.
func (r *rawRoundTripper) roundTrip(t testing.TB) {
	if _, err := unix.Write(r.fd, r.req[:]); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := 0
	for got < len(r.resp) {
		n, err := unix.Read(r.fd, r.resp[got:])
		if err != nil || n == 0 {
			t.Fatalf("read after %d bytes: %d, %v", got, n, err)
		}
		got += n
	}
	le := binary.LittleEndian
	if le.Uint32(r.resp[0:]) != 2 || le.Uint32(r.resp[4:]) != wireHeader(12, 0) || // wl_callback@2.done
		le.Uint32(r.resp[12:]) != 1 || le.Uint32(r.resp[16:]) != wireHeader(12, 1) || le.Uint32(r.resp[20:]) != 2 { // wl_display.delete_id(2)
		t.Fatalf("reply % x, want wl_callback@2.done and wl_display.delete_id(2)", r.resp)
	}
}

// TestSyncRoundTripAllocs: the server side of a wl_display.sync round trip
// (the reader's recvmsg, decode, dispatch under the display lock, the
// callback's object, encoding done and delete_id, sendmsg) allocates
// nothing.
func TestSyncRoundTripAllocs(t *testing.T) {
	_, path := startDisplay(t, nil)
	r := dialSyncer(t, path)
	for range 100 { // warm up: buffers reach their size
		r.roundTrip(t)
	}
	if a := testing.AllocsPerRun(1000, func() { r.roundTrip(t) }); a != 0 {
		t.Errorf("a sync round trip allocates %v times, want 0", a)
	}
}

// BenchmarkSyncRoundTrip is a wl_display.sync round trip through a real
// socket, the server's reader and the display lock.
func BenchmarkSyncRoundTrip(b *testing.B) {
	_, path := startDisplay(b, nil)
	r := dialSyncer(b, path)
	for range 100 {
		r.roundTrip(b)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r.roundTrip(b)
	}
}

// wireHeader is a message header's second word: size in the high 16 bits,
// opcode in the low.
func wireHeader(size, opcode uint32) uint32 { return size<<16 | opcode }
