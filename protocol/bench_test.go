package protocol

import "testing"

// BenchmarkDecodeAttachDamageCommit decodes the hot path of a frame:
// wl_surface.attach, damage_buffer and commit arguments.
func BenchmarkDecodeAttachDamageCommit(b *testing.B) {
	var m ObjectMap
	m.Insert(&Object{ID: 1, Interface: &WlDisplayInterface})
	m.Insert(&Object{ID: 2, Interface: &WlBufferInterface})
	attach := words(2, 0, 0)
	damage := words(0, 0, 1920, 1080)
	var d Decoder
	q := &FDQueue{}
	b.ReportAllocs()
	for b.Loop() {
		d.Reset(attach, q, &m)
		d.Object(&WlBufferInterface, true)
		d.Int()
		d.Int()
		if d.Done() != nil {
			b.Fatal(d.Err())
		}
		d.Reset(damage, q, &m)
		d.Int()
		d.Int()
		d.Int()
		d.Int()
		d.Done()
	}
}

// BenchmarkEncodeFrameDone encodes what a frame sends a client: a
// wl_callback.done, a delete_id and a wl_buffer.release.
func BenchmarkEncodeFrameDone(b *testing.B) {
	var e Encoder
	var out []byte
	var fds []int
	b.ReportAllocs()
	for b.Loop() {
		SendWlCallbackDone(&e, 10, 12345)
		SendWlDisplayDeleteID(&e, 1, 10)
		SendWlBufferRelease(&e, 5)
		out, fds = e.TakeInto(out[:0], fds[:0])
	}
}

// BenchmarkParseHeader measures framing.
func BenchmarkParseHeader(b *testing.B) {
	msg := words(5, 12<<16|1, 0)
	b.ReportAllocs()
	for b.Loop() {
		ParseHeader(msg)
	}
}
