//go:build cgo

package gl

import (
	"errors"
	"image"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// TestFaultGuardedPool: a client shrinks its (unsealed) pool while the GL
// renderer uploads and renders every frame. The staged path reads the
// pool in Go under the fault guard, so the fault is an error from Stage;
// GL never sees the mapping and the process survives. As under the kill
// policy, the offender is then gone (its last good contents stay until
// its surface is destroyed) and a bystander on a sealed pool keeps being
// drawn exactly.
func TestFaultGuardedPool(t *testing.T) {
	h := headless(t)
	const w, hh = 64, 64
	bad := newClientPool(t, 1<<20, false, shm.ReadAuto)
	if bad.pool.Strategy() != shm.Guarded {
		t.Skipf("unsealed pool got strategy %v (nosigbus kernel): no fault to catch", bad.pool.Strategy())
	}
	if _, ok := bad.pool.View(0, w, hh, w*4, shm.FormatARGB8888); ok {
		t.Fatal("a guarded pool gave a zero-copy view")
	}
	good := newClientPool(t, 1<<20, true, shm.ReadAuto)
	ob := &buffer{p: bad, off: 1 << 19, w: w, h: hh, stride: w * 4, format: shm.FormatXRGB8888}
	gb := &buffer{p: good, off: 0, w: w, h: hh, stride: w * 4, format: shm.FormatXRGB8888}
	ob.draw(image.Rect(0, 0, w, hh), func(int, int) uint32 { return 0xffff0000 })
	gb.draw(image.Rect(0, 0, w, hh), func(int, int) uint32 { return 0xff00ff00 })
	ot, gt := h.NewTexture(), h.NewTexture()
	sc := render.Scene{Items: []render.Item{
		{Texture: ot, Dst: image.Rect(0, 0, w, hh)},
		{Texture: gt, Dst: image.Rect(w, 0, 2*w, hh)},
	}}
	var faults int
	dead := -1 // the frame the offender faulted (it gets invalid_fd and is gone)
	for frame := 0; frame < 60; frame++ {
		if dead >= 0 && frame == dead+5 {
			// The disconnected client's surface is destroyed.
			ot.Destroy()
			sc.Items = sc.Items[1:]
		}
		if frame == 20 {
			// The client shrinks the file under the compositor's mapping
			// (the pool's own mapping and the client's).
			if err := unix.Ftruncate(bad.fd, 4096); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []struct {
			b   *buffer
			tex render.Texture
		}{{ob, ot}, {gb, gt}} {
			if u.b == ob && dead >= 0 {
				continue
			}
			img, _, err := u.b.image(t, nil)
			if err != nil {
				if u.b != ob || !errors.Is(err, shm.ErrFault) {
					t.Fatalf("frame %d: %v", frame, err)
				}
				faults++
				dead = frame
				continue
			}
			if err := u.tex.Upload(img, nil); err != nil {
				t.Fatalf("frame %d: upload: %v", frame, err)
			}
			u.b.release()
		}
		if err := h.Render(&sc, 2*w, hh); err != nil {
			t.Fatalf("frame %d: render: %v", frame, err)
		}
		px := readOut(t, h, 2*w, hh)
		want0 := uint32(0xffff0000) // the offender's last good frame
		if dead >= 0 && frame >= dead+5 {
			want0 = 0xff000000 // gone: background
		}
		if px[0] != want0 || px[w] != 0xff00ff00 || px[len(px)-1] != 0xff00ff00 {
			t.Fatalf("frame %d: pixels %08x %08x %08x", frame, px[0], px[w], px[len(px)-1])
		}
	}
	if faults == 0 {
		t.Fatal("the shrunk pool never faulted")
	}
	if !bad.pool.Faulted() {
		t.Error("pool not marked faulted")
	}
	t.Logf("%d faulting frames, no crash", faults)
}
