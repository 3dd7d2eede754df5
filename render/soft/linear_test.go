package soft

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// refLerp is the blend render.LinearSample documents, written channel by
// channel: a and b along the output row with weight wx, c and d likewise,
// then the two rows with weight wy.
func refLerp(a, b, c, d, wx, wy uint32) uint32 {
	var out uint32
	for sh := 0; sh < 32; sh += 8 {
		ch := func(p uint32) uint32 { return p >> sh & 0xff }
		top := ch(a)*(one-wx) + ch(b)*wx
		bot := ch(c)*(one-wx) + ch(d)*wx
		out |= (top*(one-wy) + bot*wy + one*one/2) / (one * one) << sh
	}
	return out
}

// lerp blends four pixels as drawLinear does: a and b along the output
// row with weight wx, c and d likewise, then the two rows with weight wy.
func lerp(a, b, c, d, wx, wy uint32) uint32 {
	t, u, out := make([]uint64, 1), make([]uint64, 1), make([]uint32, 1)
	if wx == 0 && a == b && c == d {
		spreadRow(t, []uint32{a})
		spreadRow(u, []uint32{c})
	} else {
		hmixRow(t, []uint32{a}, []uint32{b}, []uint32{wx})
		hmixRow(u, []uint32{c}, []uint32{d}, []uint32{wx})
	}
	if wy == 0 {
		roundRow(out, t)
	} else {
		vmixRow(out, t, u, wy)
	}
	return out[0]
}

// TestLerp checks the lanes of hmixRow, spreadRow, roundRow and vmixRow
// against refLerp, for random pixels and weights and at the extremes.
func TestLerp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	px := []uint32{0, 0xffffffff, 0xff000000, 0x00ff00ff, 0xff00ff00, 0x80808080}
	for i := range 200000 {
		a, b, c, d := rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()
		if rng.IntN(4) == 0 {
			a, b, c, d = px[rng.IntN(len(px))], px[rng.IntN(len(px))], px[rng.IntN(len(px))], px[rng.IntN(len(px))]
		}
		wx, wy := rng.Uint32N(one), rng.Uint32N(one)
		switch i % 8 {
		case 0: // a nearest-neighbour column
			wx, b, d = 0, a, c
		case 1: // a row on a source row
			wy = 0
		}
		if got, want := lerp(a, b, c, d, wx, wy), refLerp(a, b, c, d, wx, wy); got != want {
			t.Fatalf("lerp(%#08x, %#08x, %#08x, %#08x, %d, %d) = %#08x, want %#08x", a, b, c, d, wx, wy, got, want)
		}
	}
	if got := lerp(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, one-1, one-1); got != 0xffffffff {
		t.Errorf("white blended with white = %#08x", got)
	}
}

// TestLinearMatchesMapping draws items stretched by non-integer ratios
// (one axis or both), under every transform and with source crops, and
// checks every output pixel against a per-pixel reference: render's
// samples on each upright surface axis, each of the four surface pixels
// taken to its buffer pixel through the mapping documented on
// render.Transform, and the blend written channel by channel.
func TestLinearMatchesMapping(t *testing.T) {
	const bw, bh = 9, 7
	srcs := []image.Rectangle{{}, image.Rect(1, 2, 8, 6), image.Rect(3, 0, 5, 7)}
	// Both axes filtered, or one: 9 to 16 along rows with rows 1:1, and
	// 9 to 18 (nearest, 2x) with 7 to 5 along columns.
	sizes := [][2]int{{13, 10}, {5, 4}, {7, 11}, {2, 9}, {20, 3}, {16, 7}, {18, 5}}
	checkLinear(t, bw, bh, srcs, sizes, 24, 14, shm.FormatARGB8888)
}

// TestLinearTurnedBands is TestLinearMatchesMapping for a buffer taller
// and wider than drawLinearV's bands of 16 source rows (a turned buffer's
// rows are transposed 16 at a time, turnedRows): enlarged, shrunk and
// stretched, mirrored or not, so that the bands follow the output rows
// down and up, the last band ends at the source's last row, and part of
// the source is shown; in three formats, from an uploaded copy and from
// the client's pool in place.
func TestLinearTurnedBands(t *testing.T) {
	const bw, bh = 45, 37
	srcs := []image.Rectangle{{}, image.Rect(3, 5, 42, 30)}
	sizes := [][2]int{{61, 53}, {30, 24}, {45, 70}, {80, 37}, {20, 90}}
	checkLinear(t, bw, bh, srcs, sizes, 96, 96, shm.FormatARGB8888, shm.FormatXBGR8888, shm.FormatABGR8888)
}

// checkLinear draws a bw x bh buffer of premultiplied pixels whose alpha
// varies from each rectangle of srcs (empty: all of it) at each size of
// sizes, under every transform, on an output of ow x oh, and checks every
// pixel against the mapping render.LinearSample documents: in ARGB8888 as
// an uploaded copy, and in each other format of formats also from the
// client's pool in place (an X format's pixels taken as opaque).
func checkLinear(t *testing.T, bw, bh int, srcs []image.Rectangle, sizes [][2]int, ow, oh int, formats ...shm.Format) {
	t.Helper()
	px := func(x, y int) uint32 { // premultiplied, alpha varies
		a := uint32(0x40 + 0x1f*((x+2*y)%7))
		return a<<24 | (uint32(x*29)%(a+1))<<16 | (uint32(y*41)%(a+1))<<8 | uint32(x*y*13)%(a+1)
	}
	r := New()
	for _, f := range formats {
		s := newStaging(bw, bh, bw*4, f, px)
		texs := []*Texture{upload(t, r, s)}
		if f != shm.FormatARGB8888 {
			in, _, _ := attached(t, r, s, 0)
			texs = append(texs, in)
		}
		for i, tex := range texs {
			checkLinearTex(t, r, tex, fmt.Sprintf("format %#x in place %v", uint32(f), i == 1), px, bw, bh, srcs, sizes, ow, oh)
		}
	}
}

// checkLinearTex is checkLinear for one texture of px's pixels.
func checkLinearTex(t *testing.T, r *Renderer, tex *Texture, what string, px func(x, y int) uint32, bw, bh int, srcs []image.Rectangle, sizes [][2]int, ow, oh int) {
	t.Helper()
	for _, tc := range transformCases {
		for _, src := range srcs {
			for _, sz := range sizes {
				dw, dh := sz[0], sz[1]
				it := render.Item{Texture: tex, Src: src, Dst: image.Rect(2, 1, 2+dw, 1+dh), Transform: tc.t}
				out := renderScene(t, r, ow, oh, it)
				s := src
				if s.Empty() {
					s = image.Rect(0, 0, bw, bh)
				}
				W, H := s.Dx(), s.Dy() // upright surface size
				if tc.t.SwapsAxes() {
					W, H = H, W
				}
				flipX, flipY := tc.t.Flips()
				axis := func(i, m, n int, flip bool) (k0, k1 int, w uint32) {
					if flip {
						i = n - 1 - i
					}
					k, wt := render.Nearest(i, m, n), 0
					if render.Linear(m, n) {
						k, wt = render.LinearSample(i, m, n)
					}
					k0, k1 = k, k+min(wt, 1)
					if flip { // back to upright surface pixels
						k0, k1 = m-1-k0, m-1-k1
					}
					return k0, k1, uint32(wt)
				}
				buffer := func(x, y int) uint32 { // surface (x, y) of W x H
					bx, by := bufferPixel(tc.t, x, y, W, H)
					return px(s.Min.X+bx, s.Min.Y+by)
				}
				name := fmt.Sprintf("%s: %s src %v %dx%d", what, tc.name, src, dw, dh)
				for y := range dh {
					y0, y1, wy := axis(y, H, dh, flipY)
					for x := range dw {
						x0, x1, wx := axis(x, W, dw, flipX)
						// Over opaque black: the colour channels as they are.
						want := refLerp(buffer(x0, y0), buffer(x1, y0), buffer(x0, y1), buffer(x1, y1), wx, wy) | 0xff000000
						if got := out[1+y][2+x]; got != want {
							t.Fatalf("%s: output (%d, %d) = %#08x, want %#08x", name, x, y, got, want)
						}
					}
				}
			}
		}
	}
}

// TestVmixRow compares vmixRow (AVX2 where the machine has it) with
// vmixRowGo on rows of every length up to 40, at random offsets.
func TestVmixRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lane := func() uint64 { // four channels of at most 255*one
		var v uint64
		for sh := 0; sh < 64; sh += 16 {
			v |= uint64(rng.IntN(255*one+1)) << sh
		}
		return v
	}
	for n := range 41 {
		for range 50 {
			off := rng.IntN(3)
			tt, uu := make([]uint64, n+off), make([]uint64, n+off)
			for i := range tt {
				tt[i], uu[i] = lane(), lane()
			}
			if n > 0 && rng.IntN(4) == 0 { // the extremes
				tt[off], uu[off] = 0, 255*one*0x0001_0001_0001_0001
			}
			wy := uint32(rng.IntN(one))
			got, want := make([]uint32, n+1), make([]uint32, n+1)
			vmixRow(got[:n], tt[off:], uu[off:], wy)
			vmixRowGo(want[:n], tt[off:], uu[off:], wy)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("n %d wy %d: pixel %d = %#08x, want %#08x", n, wy, i, got[i], want[i])
				}
			}
		}
	}
}

// TestVmixSrc compares vmixSrc (AVX2 where the machine has it) with
// vmixSrcGo, and vmixSrcGo with wide's lanes worked out channel by
// channel, on rows of every length up to 40 with weights from (1, one-1)
// to (one-1, 1), the pair (one/2, one/2) among them, and both alphas.
func TestVmixSrc(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := range 41 {
		for rep := range 50 {
			off := rng.IntN(3)
			a, c := make([]uint32, n+off), make([]uint32, n+off)
			for i := range a {
				a[i], c[i] = rng.Uint32(), rng.Uint32()
			}
			if n > 0 && rep%5 == 0 { // the extremes
				a[off], c[off] = 0xffffffff, 0xffffffff
			}
			w1 := uint32(1 + rng.IntN(one-1))
			if rep%7 == 0 {
				w1 = one / 2
			}
			or := uint32(0)
			if rep%2 == 1 {
				or = alphaMask
			}
			got, want := make([]uint64, n+1), make([]uint64, n+1)
			vmixSrc(got[:n], a[off:], c[off:], one-w1, w1, or)
			vmixSrcGo(want[:n], a[off:], c[off:], one-w1, w1, or)
			for i := range n {
				if got[i] != want[i] {
					t.Fatalf("n %d w1 %d: lanes %d = %#016x, want %#016x", n, w1, i, got[i], want[i])
				}
				for ch := range 4 {
					pa, pc := (a[off+i]|or)>>(8*ch)&0xff, (c[off+i]|or)>>(8*ch)&0xff
					if l, ref := uint32(want[i]>>(16*ch)&0xffff), pa*(one-w1)+pc*w1+one/2; l != ref {
						t.Fatalf("n %d w1 %d: pixel %d channel %d = %d, want %d", n, w1, i, ch, l, ref)
					}
				}
			}
			if got[n] != 0 {
				t.Fatalf("n %d: wrote past the row", n)
			}
		}
	}
}

// TestHmixRound compares hmixRound (AVX2 where the machine has it) with
// hmixRoundGo, and hmixRoundGo with the rounding worked out channel by
// channel, and the AND of the pixels both return, on rows of every
// length up to 40 with random pairs (the last among them), weights from
// 0 to one, and lanes in both orders.
func TestHmixRound(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	v := make([]uint64, 53) // vmixSrc's lanes: a mix plus one/2
	for i := range v {
		for sh := 0; sh < 64; sh += 16 {
			v[i] |= uint64(rng.IntN(255*one+1)+one/2) << sh
		}
	}
	v[0] = (255*one + one/2) * 0x0001_0001_0001_0001
	for n := range 41 {
		for rep := range 50 {
			c, wx := make([]int32, n), make([]uint32, n)
			cmax := 0
			for i := range c {
				c[i], wx[i] = int32(rng.IntN(len(v)-1)), uint32(rng.IntN(one+1))
				if rng.IntN(8) == 0 {
					c[i] = int32(len(v) - 2)
				}
				cmax = max(cmax, int(c[i]))
			}
			wt := make([]uint32, n)
			hmixWeights(wt, wx)
			got, want := make([]uint32, n+1), make([]uint32, n+1)
			swap := rep%2 == 1
			and := hmixRound(got[:n], v, c, wx, wt, cmax, swap, nil)
			wantAnd := hmixRoundGo(want[:n], v, c, wx, swap)
			all := ^uint32(0)
			for _, p := range want[:n] {
				all &= p
			}
			if and != all || wantAnd != all {
				t.Fatalf("n %d: AND of the pixels %#08x (Go %#08x), want %#08x", n, and, wantAnd, all)
			}
			for i := range n {
				if got[i] != want[i] {
					t.Fatalf("n %d: pixel %d = %#08x, want %#08x", n, i, got[i], want[i])
				}
				for ch := range 4 {
					la, lb := uint32(v[c[i]]>>(16*ch)&0xffff), uint32(v[c[i]+1]>>(16*ch)&0xffff)
					at := ch // lanes B, G, R, A, or R, G, B, A with swap
					if swap && ch != 1 && ch != 3 {
						at = 2 - ch
					}
					if p, ref := want[i]>>(8*at)&0xff, (la*(one-wx[i])+lb*wx[i])/(one*one); p != ref {
						t.Fatalf("n %d: pixel %d channel %d = %d, want %d", n, i, ch, p, ref)
					}
				}
			}
			if got[n] != 0 {
				t.Fatalf("n %d: wrote past the row", n)
			}
		}
	}
}

// randLanes returns n of vmixSrc's lane groups (a mix plus one/2 in
// each 16-bit lane) from rng.
func randLanes(rng *rand.Rand, n int) []uint64 {
	v := make([]uint64, n)
	for i := range v {
		for sh := 0; sh < 64; sh += 16 {
			v[i] |= uint64(rng.IntN(255*one+1)+one/2) << sh
		}
	}
	return v
}

// TestHmixRepeat: for rows whose weights repeat (an item's width and its
// source's in a ratio of small numbers, also mirrored, and from a pixel
// inside the item, as drawLinearV maps them), hmixRepeat finds a run
// that covers all but the row's end, and hmixRound mixes the pixels with
// its table as hmixRoundGo does without one. Rows of random weights that
// repeat, with one weight changed or not, check the run against the
// change and the table's reuse from its start.
func TestHmixRepeat(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, tc := range []struct {
		m, n  int // source and output pixels
		per   int // the period hmixRepeat takes, 0 for none
		flip  bool
		from  int // the first output pixel drawn
		width int // pixels drawn
	}{
		{m: 1280, n: 1920, per: 24, width: 1920},
		{m: 2560, n: 1920, per: 24, width: 1920},
		{m: 1920, n: 1280, per: 8, width: 1280},
		{m: 1280, n: 1920, per: 24, flip: true, width: 1920},
		{m: 1280, n: 1920, per: 24, from: 5, width: 1003},
		{m: 1000, n: 1920, per: 48, width: 1920},
		{m: 640, n: 1920, per: 24, width: 1920},
		{m: 1600, n: 1920, per: 24, flip: true, from: 17, width: 900},
		{m: 1366, n: 1920, per: 0, width: 1920}, // 960 pixels: too long
		{m: 1280, n: 1920, per: 0, width: 40},   // too short for two periods
	} {
		name := fmt.Sprintf("%d-on-%d-flip%v-from%d-%d", tc.m, tc.n, tc.flip, tc.from, tc.width)
		c, wx := make([]int32, tc.width), make([]uint32, tc.width)
		cmax := 0
		for i := range c {
			k, w := sampleAxis(tc.from+i, tc.m, tc.n, tc.flip, true)
			if k == tc.m-1 {
				k, w = k-1, one // as drawLinear pairs the last pixel
			}
			c[i], wx[i] = int32(k), uint32(w)
			cmax = max(cmax, k)
		}
		wt := make([]uint32, tc.width)
		hmixWeights(wt, wx)
		var rp hmixRepeat
		rp.set(wt, tc.n/gcd(tc.m, tc.n))
		switch {
		case tc.per == 0 && rp.groups != 0:
			t.Errorf("%s: a run of %d groups a period, want none", name, rp.groups)
		case tc.per != 0 && (rp.groups != tc.per/8 || 8*rp.g1 < tc.width-16):
			t.Errorf("%s: %d groups a period, run to pixel %d, want %d groups to pixel %d or more", name, rp.groups, 8*rp.g1, tc.per/8, tc.width-16)
		}
		v := randLanes(rng, cmax+2)
		for _, swap := range []bool{false, true} {
			got, want := make([]uint32, tc.width), make([]uint32, tc.width)
			and := hmixRound(got, v, c, wx, wt, cmax, swap, &rp)
			wantAnd := hmixRoundGo(want, v, c, wx, swap)
			if and != wantAnd {
				t.Errorf("%s swap %v: AND %#08x, want %#08x", name, swap, and, wantAnd)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s swap %v: pixel %d = %#08x, want %#08x", name, swap, i, got[i], want[i])
				}
			}
		}
	}

	v := randLanes(rng, 301)
	for rep := range 400 {
		per := 8 * (1 + rng.IntN(6))
		n := rng.IntN(300)
		c, wx := make([]int32, n), make([]uint32, n)
		for i := range c {
			c[i] = int32(rng.IntN(300))
			if i >= per {
				wx[i] = wx[i-per]
			} else {
				wx[i] = uint32(rng.IntN(one + 1))
			}
		}
		brk := -1
		if n > 0 && rep%2 == 1 {
			brk = rng.IntN(n)
			wx[brk] = (wx[brk] + 1 + uint32(rng.IntN(one))) % (one + 1)
		}
		wt := make([]uint32, n)
		hmixWeights(wt, wx)
		var rp hmixRepeat
		rp.set(wt, per)
		if rp.groups != 0 && brk >= 8+per && 8*rp.g1 > brk {
			t.Fatalf("period %d, n %d: the run reaches pixel %d past the changed weight at %d", per, n, 8*rp.g1, brk)
		}
		if rp.groups == 0 && brk < 0 && n >= 8+2*per {
			t.Fatalf("period %d, n %d: no run", per, n)
		}
		got, want := make([]uint32, n), make([]uint32, n)
		and := hmixRound(got, v, c, wx, wt, 299, rep%4 < 2, &rp)
		wantAnd := hmixRoundGo(want, v, c, wx, rep%4 < 2)
		if and != wantAnd {
			t.Fatalf("period %d, n %d: AND %#08x, want %#08x", per, n, and, wantAnd)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("period %d, n %d, changed %d: pixel %d = %#08x, want %#08x", per, n, brk, i, got[i], want[i])
			}
		}
	}
}

// TestLinearWideSource: a source far wider than the item (a client's
// buffer 2^20 pixels wide shown 5 wide, filtered on both axes) is drawn
// by the gathering path, whose scratch and work follow the output, not by
// rows first, which would mix every source pixel between the columns
// read on each row; the pixels are still the documented ones.
func TestLinearWideSource(t *testing.T) {
	const bw, bh, dw, dh = 1 << 20, 3, 5, 2
	px := func(x, y int) uint32 { return 0xff000000 | uint32(x*7+y*50)&0xffffff }
	r := New()
	// Attached: client buffers have no size limit but their pool's.
	tex, _, _ := attached(t, r, newStaging(bw, bh, bw*4, shm.FormatXRGB8888, px), 0)
	out := renderScene(t, r, 8, 4, render.Item{Texture: tex, Dst: image.Rect(1, 1, 1+dw, 1+dh), Opaque: true})
	if c, limit := cap(r.lin.v), maxSpan(dw)+2; c > limit {
		t.Errorf("rows-first scratch of %d pixels for an item %d wide, want at most %d", c, dw, limit)
	}
	for y := range dh {
		k, wy := render.LinearSample(y, bh, dh)
		for x := range dw {
			c, wx := render.LinearSample(x, bw, dw)
			a, b := px(c, k), px(c+min(wx, 1), k)
			d, e := px(c, k+min(wy, 1)), px(c+min(wx, 1), k+min(wy, 1))
			if got, want := out[1+y][1+x], refLerp(a, b, d, e, uint32(wx), uint32(wy)); got != want {
				t.Fatalf("output (%d, %d) = %#08x, want %#08x", x, y, got, want)
			}
		}
	}
}
