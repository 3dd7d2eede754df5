//go:build cgo

package gl

import (
	"encoding/binary"
	"errors"
	"image"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
)

// headless returns a GL renderer on an EGL surfaceless context, or skips
// the test when none can be made.
func headless(tb testing.TB) *Headless {
	tb.Helper()
	h, err := NewHeadless()
	if err != nil {
		tb.Skipf("no GL context available: %v", err)
	}
	tb.Cleanup(func() { h.Close() })
	return h
}

// headlessMode is headless with upload mode mode (UploadMode's names).
func headlessMode(tb testing.TB, mode string) *Headless {
	tb.Helper()
	m, err := ParseUploadMode(mode)
	if err != nil {
		tb.Fatal(err)
	}
	h := headless(tb)
	h.Do(func(r *Renderer) { r.SetUploadMode(m) })
	return h
}

// clientPool is a client's memfd, mapped writable on the client side, and
// the compositor's shm.Pool of it.
type clientPool struct {
	pool *shm.Pool
	mem  []byte // the client's mapping
	fd   int    // the client's fd (a dup), for truncation
}

// newClientPool makes a size-byte memfd. sealed adds F_SEAL_SHRINK (so the
// pool is zero-copy: sealed, or nosigbus when the kernel has it); mode
// restricts the strategy (shm.ReadGuarded forces the staged path).
func newClientPool(tb testing.TB, size int, sealed bool, mode shm.ReadMode) *clientPool {
	tb.Helper()
	flags := unix.MFD_CLOEXEC
	if sealed {
		flags |= unix.MFD_ALLOW_SEALING
	}
	fd, err := unix.MemfdCreate("nofault-gl-test", flags)
	if err != nil {
		tb.Fatal(err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		tb.Fatal(err)
	}
	if sealed {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK); err != nil {
			tb.Fatal(err)
		}
	}
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		tb.Fatal(err)
	}
	client, err := unix.Dup(fd)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := shm.NewPool(fd, int64(size), shm.Options{Mode: mode})
	if err != nil {
		tb.Fatal(err)
	}
	cp := &clientPool{pool: p, mem: mem, fd: client}
	tb.Cleanup(func() {
		if err := p.Close(); err != nil && !errors.Is(err, shm.ErrClosed) {
			tb.Error(err)
		}
		unix.Munmap(cp.mem)
		unix.Close(client)
	})
	return cp
}

// buffer is a wl_buffer's geometry in a clientPool.
type buffer struct {
	p            *clientPool
	off          int
	w, h, stride int
	format       shm.Format
	staging      shm.Staging
	view         *shm.View
}

// draw writes px(x, y), a 0xAARRGGBB value, into the buffer in its
// format's byte order (the client side: plain memory writes). Padding
// bytes get 0xEE.
func (b *buffer) draw(r image.Rectangle, px func(x, y int) uint32) {
	r = r.Intersect(image.Rect(0, 0, b.w, b.h))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := b.p.mem[b.off+y*b.stride:]
		if r.Min.X == 0 && r.Max.X == b.w {
			for i := b.w * 4; i < b.stride && b.off+y*b.stride+i < len(b.p.mem); i++ {
				row[i] = 0xee
			}
		}
		for x := r.Min.X; x < r.Max.X; x++ {
			p := px(x, y)
			if b.format.SwapRB() {
				p = p&0xff00ff00 | p>>16&0xff | p&0xff<<16
			}
			binary.LittleEndian.PutUint32(row[x*4:], p)
		}
	}
}

// image returns the buffer's pixels as the compositor sees them: a
// zero-copy view when the pool allows it, else the damaged rows staged.
// release ends the view.
func (b *buffer) image(tb testing.TB, damage []image.Rectangle) (img shm.Image, zeroCopy bool, err error) {
	b.release()
	if v, ok := b.p.pool.View(int64(b.off), b.w, b.h, b.stride, b.format); ok {
		b.view = v
		return v, true, nil
	}
	var rows []shm.Span
	if damage != nil {
		rects := make([]shm.Rect, 0, len(damage))
		for _, r := range damage {
			rects = append(rects, shm.Rect{X: int32(r.Min.X), Y: int32(r.Min.Y), Width: int32(r.Dx()), Height: int32(r.Dy())})
		}
		rows = shm.AppendRowSpans([]shm.Span{}, rects, b.h)
	}
	if err := b.p.pool.Stage(&b.staging, int64(b.off), b.w, b.h, b.stride, b.format, rows); err != nil {
		return nil, false, err
	}
	return &b.staging, false, nil
}

func (b *buffer) release() {
	if b.view != nil {
		b.view.Release()
		b.view = nil
	}
}

// upload uploads all of the buffer's pixels to tex and releases the view.
func (b *buffer) upload(tb testing.TB, tex render.Texture) {
	tb.Helper()
	img, _, err := b.image(tb, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer b.release()
	if err := tex.Upload(img, nil); err != nil {
		tb.Fatal(err)
	}
}

// uploadBoth uploads the buffer's damaged pixels to a GL and a soft
// texture, as the shell does at commit, and releases the view.
func (b *buffer) uploadBoth(tb testing.TB, gt, st render.Texture, damage []image.Rectangle, wantZeroCopy bool) {
	tb.Helper()
	img, zc, err := b.image(tb, damage)
	if err != nil {
		tb.Fatal(err)
	}
	defer b.release()
	if zc != wantZeroCopy {
		tb.Fatalf("zero-copy = %v, want %v (pool strategy %v)", zc, wantZeroCopy, b.p.pool.Strategy())
	}
	if err := gt.Upload(img, damage); err != nil {
		tb.Fatal(err)
	}
	if err := st.Upload(img, damage); err != nil {
		tb.Fatal(err)
	}
}

// readOut reads the whole w x h output of r with a padded stride.
func readOut(tb testing.TB, r render.Renderer, w, h int) []uint32 {
	tb.Helper()
	stride := w*4 + 12
	buf := make([]byte, stride*h)
	if err := r.ReadPixels(image.Rect(0, 0, w, h), buf, stride); err != nil {
		tb.Fatal(err)
	}
	px := make([]uint32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			px[y*w+x] = binary.LittleEndian.Uint32(buf[y*stride+x*4:])
		}
	}
	return px
}

// compare fails the test at the first few pixels that differ.
func compare(tb testing.TB, what string, got, want []uint32, w int) {
	tb.Helper()
	compareTol(tb, what, got, want, w, 0)
}

// compareTol is compare allowing each channel to differ by tol; it returns
// how many pixels differ at all.
func compareTol(tb testing.TB, what string, got, want []uint32, w int, tol int) int {
	tb.Helper()
	bad, off := 0, 0
	for i := range want {
		if got[i] == want[i] {
			continue
		}
		off++
		if chanDiff(got[i], want[i]) > tol {
			if bad < 8 {
				tb.Errorf("%s: pixel (%d, %d) = %08x, want %08x", what, i%w, i/w, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		tb.Errorf("%s: %d of %d pixels differ", what, bad, len(want))
	}
	return off
}

// chanDiff is the largest difference between two pixels' channels.
func chanDiff(a, b uint32) int {
	d := 0
	for s := 0; s < 32; s += 8 {
		x, y := int(a>>s&0xff), int(b>>s&0xff)
		d = max(d, x-y, y-x)
	}
	return d
}

// pair is a GL renderer and the soft reference drawing the same scenes.
type pair struct {
	gl   *Headless
	soft *soft.Renderer
}

// textures uploads each buffer (drawn already) whole to a GL and a soft
// texture, and returns the GL ones in order with the soft texture of
// each. zeroCopy is whether the uploads must be zero-copy.
func (p *pair) textures(tb testing.TB, bufs []*buffer, zeroCopy bool) ([]render.Texture, map[render.Texture]render.Texture) {
	tb.Helper()
	softTex := map[render.Texture]render.Texture{}
	var texs []render.Texture
	for _, b := range bufs {
		gt, st := p.gl.NewTexture(), p.soft.NewTexture()
		b.uploadBoth(tb, gt, st, nil, zeroCopy)
		softTex[gt] = st
		texs = append(texs, gt)
	}
	return texs, softTex
}

// renderAndCompare draws the same scene (items given as GL/soft texture
// pairs) with both renderers and compares every pixel exactly.
func (p *pair) renderAndCompare(tb testing.TB, what string, sc render.Scene, softTex map[render.Texture]render.Texture, w, h int) []uint32 {
	tb.Helper()
	got, _ := p.renderAndCompareTol(tb, what, sc, softTex, w, h, 0)
	return got
}

// renderAndCompareTol is renderAndCompare allowing channels to differ by
// tol; it also returns how many pixels differ.
func (p *pair) renderAndCompareTol(tb testing.TB, what string, sc render.Scene, softTex map[render.Texture]render.Texture, w, h, tol int) ([]uint32, int) {
	tb.Helper()
	if err := p.gl.Render(&sc, w, h); err != nil {
		tb.Fatalf("%s: gl render: %v", what, err)
	}
	ss := sc
	ss.Items = make([]render.Item, len(sc.Items))
	for i, it := range sc.Items {
		st, ok := softTex[it.Texture]
		if !ok {
			tb.Fatalf("%s: item %d: texture %T has no soft twin", what, i, it.Texture)
		}
		it.Texture = st
		ss.Items[i] = it
	}
	if err := p.soft.Render(&ss, w, h); err != nil {
		tb.Fatalf("%s: soft render: %v", what, err)
	}
	got := readOut(tb, p.gl, w, h)
	want := readOut(tb, p.soft, w, h)
	return got, compareTol(tb, what, got, want, w, tol)
}
