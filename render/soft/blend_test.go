package soft

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"
	"unsafe"
)

// refOver is the "over" operator written out per channel: round(d *
// (255-a) / 255) + s, clamped at 255.
func refOver(s, d uint32) uint32 {
	a := s >> 24
	var out uint32
	for shift := 0; shift < 32; shift += 8 {
		sc, dc := s>>shift&0xff, d>>shift&0xff
		c := sc + (dc*(255-a)+127)/255
		out |= min(c, 255) << shift
	}
	return out
}

func TestOverKnownValues(t *testing.T) {
	tests := []struct {
		name          string
		src, dst, out uint32
	}{
		{"opaque src wins", 0xff112233, 0xffaabbcc, 0xff112233},
		{"transparent src keeps dst", 0x00000000, 0xffaabbcc, 0xffaabbcc},
		{"half red over blue", 0x80800000, 0xff0000ff, 0xff80007f},
		{"half white over black", 0x80808080, 0xff000000, 0xff808080},
		{"quarter green over white", 0x40004000, 0xffffffff, 0xffbfffbf},
		{"half over half", 0x80800000, 0x80000080, 0xc0800040},
		{"alpha 1 over white", 0x01010101, 0xffffffff, 0xffffffff},
		{"alpha 254 over white", 0xfe000000, 0xffffffff, 0xff010101},
		{"over transparent dst", 0x80402010, 0x00000000, 0x80402010},
		// Ill-formed premultiplied data (colour above alpha) saturates.
		{"bad premul saturates", 0x00ff8000, 0xff808080, 0xffffff80},
		{"bad premul half", 0x80ff0000, 0xffff0000, 0xffff0000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []uint32{tt.dst}
			overRow(dst, []uint32{tt.src}, true)
			if dst[0] != tt.out {
				t.Errorf("over(%#08x, %#08x) = %#08x, want %#08x", tt.src, tt.dst, dst[0], tt.out)
			}
			if ref := refOver(tt.src, tt.dst); ref != tt.out {
				t.Errorf("reference gives %#08x, table says %#08x", ref, tt.out)
			}
		})
	}
}

// TestOverExhaustive checks every source alpha against every destination
// channel value, with source colours at, below and above alpha.
func TestOverExhaustive(t *testing.T) {
	src := make([]uint32, 0, 256*3)
	for a := uint32(0); a < 256; a++ {
		src = append(src, a<<24|a<<16|(a/2)<<8|min(a+37, 255))
	}
	dst := make([]uint32, len(src))
	for d := uint32(0); d < 256; d++ {
		dd := d<<24 | (255-d)<<16 | d<<8 | d/3
		for i := range dst {
			dst[i] = dd
		}
		overRow(dst, src, true)
		for i, s := range src {
			if want := refOver(s, dd); dst[i] != want {
				t.Fatalf("over(%#08x, %#08x) = %#08x, want %#08x", s, dd, dst[i], want)
			}
		}
	}
}

func TestMul255(t *testing.T) {
	for x := uint32(0); x < 256; x++ {
		for y := uint32(0); y < 256; y++ {
			if got, want := mul255(x, y), (x*y+127)/255; got != want {
				t.Fatalf("mul255(%d, %d) = %d, want %d", x, y, got, want)
			}
		}
	}
}

func TestPremultiply(t *testing.T) {
	for _, tt := range []struct {
		r, g, b, a uint8
		want       uint32
	}{
		{255, 128, 0, 255, 0xffff8000},
		{255, 128, 0, 128, 0x80804000},
		{10, 20, 30, 0, 0},
	} {
		if got := premultiply(tt.r, tt.g, tt.b, tt.a); got != tt.want {
			t.Errorf("premultiply%v = %#08x, want %#08x", []uint8{tt.r, tt.g, tt.b, tt.a}, got, tt.want)
		}
	}
}

// overRowRef is overRow pixel by pixel.
func overRowRef(dst, src []uint32) {
	for i, s := range src {
		if a := s >> 24; a == 0xff {
			dst[i] = s
		} else if s != 0 {
			dst[i] = over(s, dst[i], 0xff-a)
		}
	}
}

// randomRuns returns n pixels in runs of 1 to maxRun of one kind each:
// opaque (half the runs), transparent, translucent or anything (colour
// above alpha, often).
func randomRuns(rng *rand.Rand, n, maxRun int) []uint32 {
	src := make([]uint32, n)
	for i := 0; i < n; {
		run := 1 + rng.Intn(maxRun)
		kind := rng.Intn(6)
		for k := 0; k < run && i < n; k, i = k+1, i+1 {
			switch kind {
			case 0, 1, 2:
				src[i] = rng.Uint32() | alphaMask
			case 3:
				src[i] = 0
			case 4:
				src[i] = premultiply(uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()))
			default:
				src[i] = rng.Uint32()
			}
		}
	}
	return src
}

// TestOverRowRuns checks overRow's run detection against the per-pixel
// blend on rows mixing opaque runs of every length with other pixels.
func TestOverRowRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for range 20000 {
		n := rng.Intn(70)
		src := randomRuns(rng, n, 20)
		dst := make([]uint32, n)
		for i := range dst {
			dst[i] = rng.Uint32()
		}
		want := append([]uint32(nil), dst...)
		overRowRef(want, src)
		overRow(dst, src, true)
		for i := range dst {
			if dst[i] != want[i] {
				t.Fatalf("src %08x: pixel %d = %08x, want %08x", src, i, dst[i], want[i])
			}
		}
	}
}

// TestNtSpan: the pixels of a row that ntSpan gives non-temporal stores
// are whole 64-byte lines, all of the row's whole lines where AVX2 draws
// rows of 16 pixels or more, so that no line is written both ways.
func TestNtSpan(t *testing.T) {
	buf := make([]uint32, 200)
	base := int(-uintptr(unsafe.Pointer(&buf[0])) & 63 >> 2)
	for off := range 16 {
		for n := 0; base+off+n <= len(buf); n++ {
			dst := buf[base+off : base+off+n]
			h, e := ntSpan(dst)
			if e == h {
				if haveBlocks() && n >= 32 {
					t.Fatalf("%d pixels at offset %d: no span", n, off)
				}
				continue
			}
			if a := uintptr(unsafe.Pointer(&dst[h])) % 64; a != 0 || h >= 16 || e > n || (e-h)%16 != 0 || n-e >= 16 {
				t.Fatalf("%d pixels at offset %d: span [%d, %d), starting %d bytes past a line", n, off, h, e, a)
			}
		}
	}
}

// BenchmarkWindowRow is one 256-pixel row of a small window drawn into
// the output, as render/soft draws a client's rows: over the background
// (an ARGB8888 window, opaque or translucent), with its alpha set (an
// XRGB8888 one), or with translucent edges (client-side shadows) over the
// background and over another window; at an output offset on a 64-byte
// line and 3 pixels past one (windows are placed anywhere). The pixels
// before the first line and after the last are the row's ends; with
// edges, the opaque middle starts and ends inside lines.
func BenchmarkWindowRow(b *testing.B) {
	const n = 256
	buf := make([]uint32, n+32)
	base := int(-uintptr(unsafe.Pointer(&buf[0])) & 63 >> 2)
	const bg = 0xff203040
	edges := func(i int) uint32 {
		if i < 24 || i >= n-24 {
			return premultiply(uint8(i), 2, 3, 0x40)
		}
		return premultiply(uint8(i), 2, 3, 0xff)
	}
	for _, c := range []struct {
		name string
		px   func(i int) uint32
		draw func(dst, src []uint32)
	}{
		{"over-bg-opaque", func(i int) uint32 { return premultiply(uint8(i), 2, 3, 0xff) }, func(dst, src []uint32) { overSolidRow(dst, src, bg, true) }},
		{"over-bg-translucent", func(i int) uint32 { return premultiply(uint8(i), 2, 3, 0xc0) }, func(dst, src []uint32) { overSolidRow(dst, src, bg, true) }},
		{"alpha-set", func(i int) uint32 { return premultiply(uint8(i), 2, 3, 0) }, func(dst, src []uint32) { opaqueRow(dst, src, true) }},
		{"over-bg-edges", edges, func(dst, src []uint32) { overSolidRow(dst, src, bg, true) }},
		{"over-window-edges", edges, func(dst, src []uint32) { overRow(dst, src, true) }},
	} {
		src := make([]uint32, n)
		for i := range src {
			src[i] = c.px(i)
		}
		for _, off := range []int{0, 3} {
			dst := buf[base+off : base+off+n]
			b.Run(fmt.Sprintf("%s-off%d", c.name, off), func(b *testing.B) {
				b.SetBytes(n * 4)
				for b.Loop() {
					c.draw(dst, src)
				}
				storeFence()
			})
		}
	}
}

func BenchmarkOverRow(b *testing.B) {
	const n = 1920
	rng := rand.New(rand.NewSource(1))
	for _, bc := range []struct {
		name string
		px   func(i int) uint32
	}{
		{"opaque", func(i int) uint32 { return rng.Uint32() | alphaMask }},
		{"translucent", func(i int) uint32 { return premultiply(uint8(i), 2, 3, 0xc0) }},
		{"mixed-edges", func(i int) uint32 { // opaque with an antialiased pixel every 32
			if i%32 == 0 {
				return premultiply(uint8(i), 2, 3, 0x80)
			}
			return rng.Uint32() | alphaMask
		}},
		{"alternating", func(i int) uint32 {
			if i%2 == 0 {
				return premultiply(uint8(i), 2, 3, 0x80)
			}
			return rng.Uint32() | alphaMask
		}},
	} {
		src := make([]uint32, n)
		for i := range src {
			src[i] = bc.px(i)
		}
		dst := make([]uint32, n)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(n * 4)
			for b.Loop() {
				overRow(dst, src, true)
			}
		})
		b.Run(bc.name+"-perpixel", func(b *testing.B) {
			b.SetBytes(n * 4)
			for b.Loop() {
				overRowRef(dst, src)
			}
		})
	}
}

// TestOverSolidRowMatchesFillThenOver: blending over a solid background
// in one pass gives what filling with it and then overRow give, for
// opaque runs, translucent, transparent and ill-formed pixels.
func TestOverSolidRowMatchesFillThenOver(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, bg := range []uint32{0xff303840, 0x80402010, 0, 0xffffffff} {
		for n := 0; n < 70; n++ {
			src := make([]uint32, n)
			for i := range src {
				switch rng.Intn(4) {
				case 0:
					src[i] = 0xff000000 | rng.Uint32()
				case 1:
					src[i] = 0
				default:
					src[i] = rng.Uint32() // includes colour above alpha
				}
			}
			if n > 20 {
				for i := 3; i < 19; i++ {
					src[i] |= 0xff000000 // an opaque run
				}
			}
			want := make([]uint32, n)
			fill(want, bg)
			overRow(want, src, true)
			got := make([]uint32, n)
			overSolidRow(got, src, bg, true)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("bg %#x n %d: pixel %d (src %#x) = %#x, want %#x", bg, n, i, src[i], got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkOpaqueScan compares the run finder overRow and overSolidRow
// use (opaqueRun, two pixels per load) with the pixel-wide test it
// replaced, over 1080p of opaque pixels; sub-benchmarks alternate with
// -count, so their ratio holds on a busy machine:
//
//	go test -run='^$' -bench=OpaqueScan -count=6 ./render/soft/
func BenchmarkOpaqueScan(b *testing.B) {
	src := make([]uint32, 1920*1080)
	for i := range src {
		src[i] = 0xff000000 | uint32(i)
	}
	b.Run("pixel8", func(b *testing.B) {
		b.SetBytes(int64(len(src) * 4))
		for b.Loop() {
			j := 0
			for j+8 <= len(src) {
				p := src[j : j+8 : j+8]
				if p[0]&p[1]&p[2]&p[3]&p[4]&p[5]&p[6]&p[7] < alphaMask {
					break
				}
				j += 8
			}
			if j != len(src) {
				b.Fatal(j)
			}
		}
	})
	b.Run("run16", func(b *testing.B) {
		b.SetBytes(int64(len(src) * 4))
		for b.Loop() {
			if j := opaqueRun(src); j != len(src) {
				b.Fatal(j)
			}
		}
	})
}

// TestOpaqueRun: the run ends at the first 16-pixel block holding a pixel
// whose alpha is not 255, wherever in the block it is.
func TestOpaqueRun(t *testing.T) {
	for n := 0; n <= 70; n++ {
		for bad := -1; bad < n; bad++ {
			src := make([]uint32, n)
			for i := range src {
				src[i] = 0xff123456
			}
			want := n &^ 15
			if bad >= 0 {
				src[bad] = 0xfe123456
				want = min(want, bad&^15)
			}
			if got := opaqueRun(src); got != want {
				t.Fatalf("n %d, translucent pixel at %d: run %d, want %d", n, bad, got, want)
			}
		}
	}
}

// TestAllOpaque: false exactly when some pixel's alpha is not 255,
// wherever it is (in opaqueRun's 16-pixel blocks or the tail).
func TestAllOpaque(t *testing.T) {
	for n := 0; n <= 70; n++ {
		for bad := -1; bad < n; bad++ {
			for _, a := range []uint32{0x00, 0x7f, 0xfe} {
				src := make([]uint32, n)
				for i := range src {
					src[i] = 0xff123456
				}
				if bad >= 0 {
					src[bad] = a<<24 | 0x123456
				}
				if got := allOpaque(src); got != (bad < 0) {
					t.Fatalf("n %d, alpha %#x at %d: allOpaque %v", n, a, bad, got)
				}
			}
		}
	}
}

// BenchmarkOpaqueCopy copies an opaque 1080p frame row by row in each of
// opaqueCopies' ways (the source is warm; BenchmarkCopyOpaqueCold has it
// just written by another CPU). The word-fused pure-Go loop is slower
// than the two-pass one (its 64-bit stores against copy's vector
// stores), which is why the fused copy is in assembly: see
// docs/benchmarks.md.
//
//	go test -run='^$' -bench=OpaqueCopy -count=6 ./render/soft/
func BenchmarkOpaqueCopy(b *testing.B) {
	const w, h = 1920, 1080
	src := make([]uint32, w*h)
	for i := range src {
		src[i] = 0xff000000 | uint32(i)
	}
	dst := make([]uint32, w*h)
	for _, bc := range opaqueCopies {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(src) * 4))
			for b.Loop() {
				for y := 0; y < h; y++ {
					if n := bc.fn(dst[y*w:(y+1)*w], src[y*w:(y+1)*w]); n != w {
						b.Fatal(n)
					}
				}
			}
		})
	}
}

// fusedOpaqueCopy copies the opaque run at the start of src into dst in
// blocks of 16 pixels, testing alpha on the words as they are copied; it
// returns the pixels copied.
func fusedOpaqueCopy(dst, src []uint32) int {
	s, d := asBytes(src), asBytes(dst[:len(src)])
	n := len(s) &^ 63
	i := 0
	for ; i < n; i += 64 {
		b := s[i : i+64 : i+64]
		o := d[i : i+64 : i+64]
		v0, v1 := binary.NativeEndian.Uint64(b[0:]), binary.NativeEndian.Uint64(b[8:])
		v2, v3 := binary.NativeEndian.Uint64(b[16:]), binary.NativeEndian.Uint64(b[24:])
		v4, v5 := binary.NativeEndian.Uint64(b[32:]), binary.NativeEndian.Uint64(b[40:])
		v6, v7 := binary.NativeEndian.Uint64(b[48:]), binary.NativeEndian.Uint64(b[56:])
		if v0&v1&v2&v3&v4&v5&v6&v7&alphaMask2 != alphaMask2 {
			break
		}
		binary.NativeEndian.PutUint64(o[0:], v0)
		binary.NativeEndian.PutUint64(o[8:], v1)
		binary.NativeEndian.PutUint64(o[16:], v2)
		binary.NativeEndian.PutUint64(o[24:], v3)
		binary.NativeEndian.PutUint64(o[32:], v4)
		binary.NativeEndian.PutUint64(o[40:], v5)
		binary.NativeEndian.PutUint64(o[48:], v6)
		binary.NativeEndian.PutUint64(o[56:], v7)
	}
	return i / 4
}

// TestCompositeRowBlocks checks overRow and overSolidRow, whose
// translucent blocks go through overBlocks (AVX2 where the CPU has it),
// against the pixel-by-pixel blends: rows of every length up to 200, at
// every alignment of dst and src, mixing opaque runs shorter and longer
// than 32 pixels with translucent, transparent and ill-formed pixels,
// over dst, over a solid pixel, and over a solid pixel in place.
func TestCompositeRowBlocks(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for n := 0; n <= 200; n++ {
		for off := range 8 {
			for _, nt := range []bool{false, true} {
				src := randomRuns(rng, n, 48)
				bg := rng.Uint32()
				under := make([]uint32, n)
				for i := range under {
					under[i] = rng.Uint32()
				}
				// over dst
				buf := make([]uint32, n+8)
				dst := buf[off : off+n]
				copy(dst, under)
				want := append([]uint32(nil), under...)
				overRowRef(want, src)
				overRow(dst, src, nt)
				checkRow(t, "overRow", n, off, nt, src, dst, want)
				// over bg
				wantSolid := make([]uint32, n)
				overSolidPixels(wantSolid, src, bg)
				copy(dst, under)
				overSolidRow(dst, src, bg, nt)
				checkRow(t, "overSolidRow", n, off, nt, src, dst, wantSolid)
				// over bg, in place
				copy(dst, src)
				overSolidRow(dst, dst, bg, nt)
				checkRow(t, "overSolidRow in place", n, off, nt, src, dst, wantSolid)
			}
		}
	}
	storeFence()
}

// TestOverSolidUniform: rows whose pixels share one alpha (a terminal's
// translucent background), well-formed or not, over the background, for
// every alpha, with and without a pixel of another alpha at the start or
// among them, give what the per-pixel blend gives.
func TestOverSolidUniform(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for a := range 256 {
		for _, odd := range []int{-1, 0, 5, 40, 77, 130} {
			n := 40 + rng.Intn(160)
			off := rng.Intn(8)
			nt := rng.Intn(2) == 0
			bg := rng.Uint32()
			src := make([]uint32, n)
			for i := range src {
				c := rng.Uint32() & 0xffffff
				if rng.Intn(2) == 0 {
					c = premultiply(uint8(c), uint8(c>>8), uint8(c>>16), uint8(a)) & 0xffffff
				}
				src[i] = uint32(a)<<24 | c
			}
			if odd >= 0 && odd < n {
				src[odd] ^= uint32(1+rng.Intn(255)) << 24
			}
			want := make([]uint32, n)
			overSolidPixels(want, src, bg)
			buf := make([]uint32, n+8)
			dst := buf[off : off+n]
			overSolidRow(dst, src, bg, nt)
			checkRow(t, fmt.Sprintf("alpha %d, other alpha at %d, bg %#08x", a, odd, bg), n, off, nt, src, dst, want)
			copy(dst, src)
			overSolidRow(dst, dst, bg, nt)
			checkRow(t, fmt.Sprintf("in place, alpha %d, other alpha at %d, bg %#08x", a, odd, bg), n, off, nt, src, dst, want)
		}
	}
	storeFence()
}

// TestOverSolidUniformExhaustive: a row at one alpha over the
// background, for every alpha, every background channel value and every
// source channel value (ill-formed ones included), against the
// per-channel reference refOver.
func TestOverSolidUniformExhaustive(t *testing.T) {
	src := make([]uint32, 256)
	dst := make([]uint32, 256)
	for a := uint32(0); a < 256; a++ {
		for i := range src {
			v := uint32(i)
			src[i] = a<<24 | v<<16 | (255-v)<<8 | v
		}
		for b := uint32(0); b < 256; b++ {
			bg := b<<24 | (255-b)<<16 | b<<8 | (b*7)&0xff
			overSolidRow(dst, src, bg, false)
			for i, s := range src {
				if want := refOver(s, bg); dst[i] != want {
					t.Fatalf("alpha %d over bg %#08x: pixel %d (%#08x) = %#08x, want %#08x", a, bg, i, s, dst[i], want)
				}
			}
		}
	}
}

func checkRow(t *testing.T, name string, n, off int, nt bool, src, got, want []uint32) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s, %d pixels at offset %d, nt %v: pixel %d (src %#08x) = %#08x, want %#08x", name, n, off, nt, i, src[i], got[i], want[i])
		}
	}
}

// TestOverBlocks: where the CPU has AVX2, overBlocks blends a translucent
// row's whole blocks, goes on through fewer than 32 opaque pixels, and
// stops before 32 of them.
func TestOverBlocks(t *testing.T) {
	if !haveBlocks() {
		t.Skip("no AVX2 blocks here (purego, another GOARCH or an older CPU)")
	}
	for _, tt := range []struct {
		name   string
		n      int
		opaque [2]int // opaque pixels from, to
		want   int
	}{
		{"translucent", 70, [2]int{0, 0}, 64},
		{"31 opaque", 128, [2]int{40, 71}, 128},
		{"32 opaque, aligned", 128, [2]int{64, 96}, 64},
		{"32 opaque, across groups", 128, [2]int{48, 80}, 128},
		{"opaque to the end", 128, [2]int{32, 128}, 32},
		{"opaque start", 64, [2]int{0, 32}, 0},
	} {
		src := make([]uint32, tt.n)
		for i := range src {
			src[i] = 0x80402010
			if i >= tt.opaque[0] && i < tt.opaque[1] {
				src[i] = 0xff102030
			}
		}
		dst := make([]uint32, tt.n)
		if got := overBlocks(dst, src, 0, false, false); got != tt.want {
			t.Errorf("%s: %d pixels blended, want %d", tt.name, got, tt.want)
		}
	}
}

// BenchmarkCompositeFrame blends a translucent 1080p frame (every pixel
// at alpha 0.8, as cmd/wlbench --alpha=204 draws) over the background
// and over another frame, row by row, as Render does for a translucent
// window: with the AVX2 blocks and pixel by pixel; and, over the
// background, one whose alpha changes from pixel to pixel.
//
//	go test -run='^$' -bench=CompositeFrame -count=6 ./render/soft/
func BenchmarkCompositeFrame(b *testing.B) {
	const w, h = 1920, 1080
	src := make([]uint32, w*h)
	for i := range src {
		src[i] = premultiply(uint8(i), uint8(i>>8), uint8(i>>3), 204)
	}
	dst, mem := allocOut(w * h)
	defer mem.free()
	varying := make([]uint32, w*h)
	for i := range varying {
		varying[i] = premultiply(uint8(i), uint8(i>>8), uint8(i>>3), uint8(i*7))
	}
	for _, bc := range []struct {
		name string
		src  []uint32
	}{{"over-background", src}, {"over-background-varying", varying}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(w * h * 4)
			for b.Loop() {
				for y := 0; y < h; y++ {
					overSolidRow(dst[y*w:(y+1)*w], bc.src[y*w:(y+1)*w], 0xff303030, true)
				}
				storeFence()
			}
		})
	}
	b.Run("over-background-perpixel", func(b *testing.B) {
		b.SetBytes(w * h * 4)
		for b.Loop() {
			for y := 0; y < h; y++ {
				overSolidPixels(dst[y*w:(y+1)*w], src[y*w:(y+1)*w], 0xff303030)
			}
		}
	})
	b.Run("over", func(b *testing.B) {
		b.SetBytes(w * h * 4)
		for b.Loop() {
			for y := 0; y < h; y++ {
				overRow(dst[y*w:(y+1)*w], src[y*w:(y+1)*w], true)
			}
		}
	})
	b.Run("over-perpixel", func(b *testing.B) {
		b.SetBytes(w * h * 4)
		for b.Loop() {
			for y := 0; y < h; y++ {
				overPixels(dst[y*w:(y+1)*w], src[y*w:(y+1)*w])
			}
		}
	})
}
