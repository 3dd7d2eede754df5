package soft

import (
	"fmt"
	"image"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
	"golang.org/x/sys/unix"
)

// poolOf puts b in a memfd at offset and maps it as an shm pool (unsealed:
// guarded reads). The fd is the pool's; the returned one is a duplicate
// the test may shrink.
func poolOf(t testing.TB, b []byte, offset int) (*shm.Pool, int) {
	t.Helper()
	fd, err := unix.MemfdCreate("attach-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	size := offset + len(b)
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Pwrite(fd, b, int64(offset)); err != nil {
		t.Fatal(err)
	}
	dup, err := unix.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	p, err := shm.NewPool(fd, int64(size), shm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Unref(); unix.Close(dup) })
	return p, dup
}

// attached makes a texture drawing from s's bytes placed in a pool at
// offset: no copy.
func attached(t testing.TB, r *Renderer, s *shm.Staging, offset int) (*Texture, *shm.Pixels, int) {
	t.Helper()
	p, fd := poolOf(t, s.Bytes(), offset)
	px := p.Pixels(int64(offset), s.Width(), s.Height(), s.Stride(), s.Format())
	t.Cleanup(px.Release)
	tex := r.NewTexture().(*Texture)
	if err := tex.Attach(px, nil); err != nil {
		t.Fatal(err)
	}
	return tex, px, fd
}

// TestAttachDrawsLikeUpload: drawing straight from a client buffer gives
// the same output, pixel for pixel, as drawing from an uploaded copy, for
// every format, transform, scale (integer and not), alignment and stride,
// over a background that shows blending.
func TestAttachDrawsLikeUpload(t *testing.T) {
	const w, h = 7, 5
	px := func(x, y int) uint32 {
		a := uint32([]uint8{0xff, 0x80, 0x00, 0xff, 0x40}[(x+y)%5])
		c := uint32(x*37+y*11) % (a + 1)
		return a<<24 | c<<16 | (a-c)<<8 | c/2
	}
	for _, f := range shm.Formats {
		for _, layout := range []struct{ offset, stride int }{{0, w * 4}, {8, w*4 + 12}, {2, w * 4}, {4, w*4 + 2}} {
			for _, tr := range transformCases {
				for _, scale := range []int{1, 2, 3} { // 3: stretched by 1.5 and 5/3, filtered linearly
					name := fmt.Sprintf("%#x/off%d-stride%d/%s/x%d", uint32(f), layout.offset, layout.stride, tr.name, scale)
					t.Run(name, func(t *testing.T) {
						s := newStaging(w, h, layout.stride, f, px)
						r1, r2 := New(), New()
						up := upload(t, r1, s)
						at, _, _ := attached(t, r2, s, layout.offset)
						uw, uh := w, h
						if tr.t.SwapsAxes() {
							uw, uh = h, w
						}
						dst := image.Rect(1, 2, 1+uw*scale, 2+uh*scale) // scaled up: gathers
						switch scale {
						case 1:
							dst = image.Rect(-1, 2, -1+uw, 2+uh) // clipped at the left
						case 3:
							dst = image.Rect(1, 2, 1+uw*3/2, 2+uh*5/3)
						}
						item := func(tex *Texture) render.Item {
							return render.Item{Texture: tex, Dst: dst, Transform: tr.t, Scale: 1, Opaque: !f.HasAlpha()}
						}
						bgItem := render.Item{Texture: upload(t, r1, newStaging(20, 20, 80, shm.FormatXRGB8888, solid(0xff3366cc))), Dst: image.Rect(0, 0, 20, 20)}
						bgItem2 := bgItem
						bgItem2.Texture = upload(t, r2, newStaging(20, 20, 80, shm.FormatXRGB8888, solid(0xff3366cc)))
						want := renderScene(t, r1, 20, 20, bgItem, item(up))
						got := renderScene(t, r2, 20, 20, bgItem2, item(at))
						for y := range want {
							for x := range want[y] {
								if got[y][x] != want[y][x] {
									t.Fatalf("pixel (%d,%d) = %#08x drawn from the buffer, %#08x from a copy", x, y, got[y][x], want[y][x])
								}
							}
						}
					})
				}
			}
		}
	}
}

// TestAttachDamage: an attach with damage redraws only that part of the
// output, and what it redraws is the new buffer's.
func TestAttachDamage(t *testing.T) {
	r := New()
	a := newStaging(8, 8, 32, shm.FormatXRGB8888, solid(0xffff0000))
	tex, _, _ := attached(t, r, a, 0)
	it := render.Item{Texture: tex, Dst: image.Rect(0, 0, 8, 8), Opaque: true}
	renderScene(t, r, 8, 8, it)
	b := newStaging(8, 8, 32, shm.FormatXRGB8888, solid(0xff00ff00))
	p, _ := poolOf(t, b.Bytes(), 0)
	px := p.Pixels(0, 8, 8, 32, shm.FormatXRGB8888)
	defer px.Release()
	if err := tex.Attach(px, []image.Rectangle{image.Rect(0, 0, 8, 2)}); err != nil {
		t.Fatal(err)
	}
	out := renderScene(t, r, 8, 8, it)
	if out[0][0] != 0xff00ff00 || out[7][7] != 0xffff0000 {
		t.Errorf("after a damaged attach: top %#x bottom %#x, want the damaged rows redrawn only", out[0][0], out[7][7])
	}
}

// TestAttachFaultIsContained: a client that shrinks the file under an
// attached buffer makes the draw fail for that item only; the compositor
// does not crash and draws the rest. The fault comes in each copy the
// draw can take: memmove for an opaque format, copyOpaque's alpha-tested
// copy (assembly on amd64) for ARGB over the background and over another
// window, overBlocks's blend (assembly on amd64) for translucent
// pixels, whose rows cross the page boundary the file is cut at, so that
// the fault comes in the middle of a row the blend has begun, and the
// gather of a shrunk item's pixels (assembly on amd64).
func TestAttachFaultIsContained(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format shm.Format
		under  bool // an item below it, so that it is not drawn over the background alone
		size   int  // the item's size on the output: 64, 48 (filtered linearly) or 32 (nearest, gathered)
		pixel  uint32
		cut    int64 // the file's size after the cut: rows of 72 pixels cross 4096
	}{
		{"XRGB8888", shm.FormatXRGB8888, false, 64, 0xffff0000, 0},
		{"ARGB8888-over-background", shm.FormatARGB8888, false, 64, 0xffff0000, 0},
		{"ARGB8888-over-window", shm.FormatARGB8888, true, 64, 0xffff0000, 0},
		{"XRGB8888-filtered", shm.FormatXRGB8888, false, 48, 0xffff0000, 0},
		{"ARGB8888-filtered-over-window", shm.FormatARGB8888, true, 48, 0xffff0000, 0},
		{"ARGB8888-translucent-over-background", shm.FormatARGB8888, false, 64, 0x80402010, 4096},
		{"ARGB8888-translucent-over-window", shm.FormatARGB8888, true, 64, 0x80402010, 4096},
		{"XRGB8888-gathered", shm.FormatXRGB8888, false, 32, 0xffff0000, 0},
		{"ARGB8888-gathered-mid-row", shm.FormatARGB8888, true, 32, 0x80402010, 4096},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			s := newStaging(64, 64, 72*4, tc.format, solid(tc.pixel))
			tex, _, fd := attached(t, r, s, 0)
			if err := unix.Ftruncate(fd, tc.cut); err != nil {
				t.Fatal(err)
			}
			other := upload(t, r, newStaging(4, 4, 16, shm.FormatXRGB8888, solid(0xff00ff00)))
			var items []render.Item
			if tc.under {
				items = append(items, render.Item{Texture: other, Dst: image.Rect(0, 0, 4, 4), Opaque: true})
			}
			items = append(items,
				render.Item{Texture: tex, Dst: image.Rect(0, 0, tc.size, tc.size), Opaque: !tc.format.HasAlpha()},
				render.Item{Texture: other, Dst: image.Rect(66, 66, 70, 70), Opaque: true})
			out := renderScene(t, r, 70, 70, items...)
			if r.readErrs != 1 {
				t.Errorf("read errors = %d, want the one fault", r.readErrs)
			}
			if out[67][67] != 0xff00ff00 {
				t.Errorf("other item = %#x, want drawn", out[67][67])
			}
		})
	}
}

// TestAttachNoAllocs: drawing an attached buffer allocates nothing.
func TestAttachNoAllocs(t *testing.T) {
	r := New()
	s := newStaging(64, 48, 64*4, shm.FormatABGR8888, solid(0x80402010))
	tex, _, _ := attached(t, r, s, 0)
	rot := render.Item{Texture: tex, Dst: image.Rect(0, 0, 48, 64), Transform: render.Transform90}
	sc := &render.Scene{Background: bg, Items: []render.Item{{Texture: tex, Dst: image.Rect(0, 0, 64, 48)}, rot}}
	allocs := testing.AllocsPerRun(10, func() {
		r.Invalidate()
		if err := r.Render(sc, 64, 64); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}
