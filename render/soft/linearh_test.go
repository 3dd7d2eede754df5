package soft

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// randColumns maps n output pixels onto a row of m source pixels at a
// random ratio (a shrink to 0.4 up to an enlargement to 3), mirrored or
// not, from a random pixel on: each pixel's first source pixel and the
// second's weight (0 to one), as drawLinear sets them.
func randColumns(rng *rand.Rand, n, m int) (c []int32, wx []uint32) {
	c, wx = make([]int32, n), make([]uint32, n)
	dw := max(1, int(float64(m)*(0.4+rng.Float64()*2.6)))
	from := rng.IntN(max(1, dw-n+1))
	flip := rng.IntN(2) == 0
	for i := range n {
		j := min(from+i, dw-1)
		if flip {
			j = dw - 1 - j
		}
		k, w := render.LinearSample(j, m, dw)
		if k == m-1 {
			k, w = k-1, one
		}
		c[i], wx[i] = int32(max(k, 0)), uint32(w)
		if rng.IntN(16) == 0 { // a nearest-neighbour pixel
			wx[i] = 0
		}
	}
	return c, wx
}

// TestHperm compares hperm (AVX2 where the machine has it) with hpermGo,
// and hpermGo with the weighted sum worked out channel by channel, on
// random mappings of up to 40 output pixels, in both byte orders, with
// and without an X format's alpha; where permTab refuses a mapping, some
// group of 4 really reads more than 8 source pixels, or the row fewer
// than 8.
func TestHperm(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	var pt permTab
	took, refused := 0, 0
	for n := range 41 {
		for rep := range 60 {
			m := 2 + rng.IntN(3*n+8)
			c, wx := randColumns(rng, n, m)
			read := 0
			for i := range c {
				read = max(read, int(c[i])+1+int(min(wx[i], 1)))
			}
			src := make([]uint32, read+1) // one more: not read
			for i := range src {
				src[i] = rng.Uint32()
			}
			src[read] = 0xdeadbeef
			swap, or := rep%2 == 1, uint32(0)
			if rep%3 == 0 {
				or = alphaMask
			}
			if !pt.set(c, wx, read) {
				refused++
				if read >= 8 && !spansOver8(c, wx) {
					t.Fatalf("n %d: a mapping within 8 pixels a group refused: %v %v", n, c, wx)
				}
				continue
			}
			took++
			got, want := make([]uint64, n+1), make([]uint64, n)
			hperm(got[:n], src[:read], &pt, swap, or)
			hpermGo(want, src[:read], c, wx, swap, or)
			for i := range n {
				if got[i] != want[i] {
					t.Fatalf("n %d swap %v: lanes %d = %#016x, want %#016x", n, swap, i, got[i], want[i])
				}
				a, b := src[c[i]]|or, src[c[i]]|or
				if wx[i] != 0 {
					b = src[c[i]+1] | or
				}
				for ch := range 4 {
					at := ch // lanes B, G, R, A: R, G, B, A in memory with swap
					if swap && ch != 1 && ch != 3 {
						at = 2 - ch
					}
					pa, pb := a>>(8*at)&0xff, b>>(8*at)&0xff
					if l, ref := uint32(want[i]>>(16*ch)&0xffff), pa*(one-wx[i])+pb*wx[i]+one/2; l != ref {
						t.Fatalf("n %d: pixel %d channel %d = %d, want %d", n, i, ch, l, ref)
					}
				}
			}
			if got[n] != 0 {
				t.Fatalf("n %d: wrote past the row", n)
			}
		}
	}
	if took < 500 || refused < 50 {
		t.Fatalf("%d mappings taken, %d refused: the cases do not cover both", took, refused)
	}
}

// spansOver8 reports whether a group of 4 of columns c at weights wx
// reads pixels more than 8 apart.
func spansOver8(c []int32, wx []uint32) bool {
	for g := 0; g+4 <= len(c); g += 4 {
		lo, hi := int32(1<<30), int32(-1)
		for i := g; i < g+4; i++ {
			k0, k1 := c[i], c[i]+int32(min(wx[i], 1))
			if wx[i] == one {
				k0 = k1
			}
			lo, hi = min(lo, k0), max(hi, k1)
		}
		if hi-lo > 7 {
			return true
		}
	}
	return false
}

// TestPermTab: the table is made again when the columns, the weights or
// the span change, and kept otherwise.
func TestPermTab(t *testing.T) {
	var pt permTab
	c := []int32{0, 0, 1, 2, 2, 3, 4, 4}
	wx := []uint32{21, 107, 64, 21, 107, 64, 21, 107}
	if !pt.set(c, wx, 9) || len(pt.e) != 2 {
		t.Fatalf("set: ok %v, %d groups, want 2", pt.ok, len(pt.e))
	}
	e := pt.e[1] // pixels (2, 3), (3, 4), (4, 5), (4, 5): from 1, the last 8 of the span
	if e.base != 1 || e.idx != [8]uint8{1, 2, 2, 3, 3, 4, 3, 4} || e.w[0] != one-107 || e.w[1] != 107 || e.w[8] != one-64 {
		t.Fatalf("second group: base %d idx %v weights %v", e.base, e.idx, e.w[:2])
	}
	c[5] = 20 // a group over 8 pixels
	if pt.set(c, wx, 22) {
		t.Fatal("a group over 21 pixels taken")
	}
	c[5] = 3
	if !pt.set(c, wx, 9) {
		t.Fatal("the first mapping again refused")
	}
	if pt.set(c, wx, 7) {
		t.Fatal("a span of 7 pixels taken")
	}
	wx[0] = 0
	if !pt.set(c, wx, 9) || pt.e[0].w[0] != one/2 || pt.e[0].idx[0] != pt.e[0].idx[1] {
		t.Fatalf("a weight of 0: weights %v idx %v", pt.e[0].w[:2], pt.e[0].idx[:2])
	}
}

// TestVmul compares vmul (AVX2 where the machine has it) with vmulGo,
// and vmulGo with the rounding worked out channel by channel, and the
// AND of the pixels both return, for every weight from 0 to one-1 on
// rows of up to 40 pixels of hperm's lanes.
func TestVmul(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for w := range uint32(one) {
		for n := range 41 {
			a, c := randLanes(rng, n), randLanes(rng, n)
			if n > 0 && w%5 == 0 { // the extremes
				a[0], c[0] = (255*one+one/2)*0x0001_0001_0001_0001, one/2*0x0001_0001_0001_0001
			}
			got, want := make([]uint32, n+1), make([]uint32, n)
			and := vmul(got[:n], a, c, w)
			wantAnd := vmulGo(want, a, c, w)
			all := ^uint32(0)
			for i, p := range want {
				all &= p
				if got[i] != p {
					t.Fatalf("w %d n %d: pixel %d = %#08x, want %#08x", w, n, i, got[i], p)
				}
				for ch := range 4 {
					la, lc := uint32(a[i]>>(16*ch)&0xffff), uint32(c[i]>>(16*ch)&0xffff)
					if p, ref := p>>(8*ch)&0xff, (la*(one-w)+lc*w)/(one*one); p != ref {
						t.Fatalf("w %d n %d: pixel %d channel %d = %d, want %d", w, n, i, ch, p, ref)
					}
				}
			}
			if and != all || wantAnd != all {
				t.Fatalf("w %d n %d: AND of the pixels %#08x (Go %#08x), want %#08x", w, n, and, wantAnd, all)
			}
			if got[n] != 0 {
				t.Fatalf("w %d n %d: wrote past the row", w, n)
			}
		}
	}
}

// TestLinearRowsLast: drawLinearH takes a buffer enlarged or shrunk to
// 0.67, upright, flipped or turned (rowsLast where the machine has AVX2),
// and leaves a shrink along the row to 0.44 or 0.4 to drawLinearV; and
// with it off (noRowsLast), drawLinearV draws the same pixels as
// checkLinear's mapping.
func TestLinearRowsLast(t *testing.T) {
	const bw, bh = 45, 37
	r := New()
	s := newStaging(bw, bh, bw*4, shm.FormatARGB8888, func(x, y int) uint32 { return uint32(x*y) | 0xff000000 })
	tex := upload(t, r, s)
	for _, tc := range []struct {
		w, h int
		t    render.Transform
		took bool
	}{
		{61, 53, render.TransformNormal, true},
		{30, 24, render.TransformFlipped180, true},
		{20, 90, render.TransformNormal, false},
		{53, 61, render.Transform90, true},
		{24, 30, render.TransformFlipped270, true},
		{15, 61, render.Transform270, false},
	} {
		r.lin.perm = permTab{}
		renderScene(t, r, 96, 96, render.Item{Texture: tex, Dst: image.Rect(2, 1, 2+tc.w, 1+tc.h), Transform: tc.t})
		if took := r.lin.perm.ok; took != (tc.took && rowsLast()) {
			t.Errorf("%dx%d %v: drawLinearH took it: %v", tc.w, tc.h, tc.t, took)
		}
	}
	noRowsLast = true
	defer func() { noRowsLast = false }()
	srcs := []image.Rectangle{{}, image.Rect(3, 5, 42, 30)}
	sizes := [][2]int{{61, 53}, {30, 24}, {45, 70}, {80, 37}}
	checkLinear(t, bw, bh, srcs, sizes, 96, 96, shm.FormatARGB8888, shm.FormatXBGR8888)
}
