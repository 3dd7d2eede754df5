package soft

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"math/rand"
	"strings"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/damage"
	"github.com/nofault/nofault/shm"
)

// randPixel returns a random premultiplied pixel: mostly opaque, some
// translucent, some fully transparent, some ill-formed (colour above
// alpha), as clients send.
func randPixel(rng *rand.Rand) uint32 {
	switch rng.Intn(8) {
	case 0:
		return 0
	case 1:
		return rng.Uint32()
	case 2, 3:
		a := uint32(rng.Intn(256))
		return premultiply(uint8(rng.Intn(256)), uint8(rng.Intn(256)), uint8(rng.Intn(256)), uint8(a))
	default:
		return rng.Uint32() | alphaMask
	}
}

var damageFormats = []shm.Format{shm.FormatARGB8888, shm.FormatXRGB8888, shm.FormatABGR8888, shm.FormatXBGR8888}

// dsurf is a surface of the random scenes: a texture and its buffer.
type dsurf struct {
	tex  *Texture
	w, h int
	f    shm.Format
	// a run of equal pixels makes opaque runs long enough to take the
	// copy path of overRow
	runs bool
	// solid surfaces upload opaque pixels (alpha formats too), mostly
	solid bool
}

func (s *dsurf) pixels(rng *rand.Rand) func(x, y int) uint32 {
	if s.solid && rng.Intn(8) != 0 {
		c := randPixel(rng) | alphaMask
		return func(x, y int) uint32 {
			if s.runs && (x+y)%5 != 0 {
				return c
			}
			return randPixel(rng) | alphaMask
		}
	}
	if s.runs {
		c := randPixel(rng)
		return func(x, y int) uint32 {
			if (x+y)%17 == 0 {
				return randPixel(rng)
			}
			return c
		}
	}
	return func(x, y int) uint32 { return randPixel(rng) }
}

func (s *dsurf) uploadAll(t *testing.T, rng *rand.Rand) {
	st := newStaging(s.w, s.h, s.w*4+4*rng.Intn(3), s.f, s.pixels(rng))
	if err := s.tex.Upload(st, nil); err != nil {
		t.Fatal(err)
	}
}

// randRect returns a rectangle of up to w x h around the origin area,
// sometimes partly outside [0, w) x [0, h).
func randRect(rng *rand.Rand, w, h int) image.Rectangle {
	x0, y0 := rng.Intn(w+8)-4, rng.Intn(h+8)-4
	return image.Rect(x0, y0, x0+rng.Intn(w/2+2), y0+rng.Intn(h/2+2))
}

// randItem returns an item showing s somewhere over a w x h output.
func randItem(rng *rand.Rand, s *dsurf, w, h int) render.Item {
	it := render.Item{Texture: s.tex, Opaque: !s.f.HasAlpha() || rng.Intn(8) == 0}
	sw, sh := s.w, s.h
	if rng.Intn(4) == 0 { // crop
		x0, y0 := rng.Intn(s.w), rng.Intn(s.h)
		it.Src = image.Rect(x0, y0, x0+1+rng.Intn(s.w-x0), y0+1+rng.Intn(s.h-y0))
		if rng.Intn(8) == 0 {
			it.Src = it.Src.Add(image.Pt(rng.Intn(5), rng.Intn(5))) // past the texture
		}
		sw, sh = it.Src.Dx(), it.Src.Dy()
	}
	if rng.Intn(3) == 0 {
		it.Transform = render.Transform(rng.Intn(9)) // 8 is invalid: drawn as normal
		if it.Transform.SwapsAxes() {
			sw, sh = sh, sw
		}
	}
	switch rng.Intn(5) {
	case 0: // buffer scale 2 or 3
		it.Scale = int32(2 + rng.Intn(2))
		sw, sh = max(sw/int(it.Scale), 1), max(sh/int(it.Scale), 1)
	case 1: // any stretch
		sw, sh = 1+rng.Intn(2*w/3), 1+rng.Intn(2*h/3)
	}
	x, y := rng.Intn(w+20)-10, rng.Intn(h+20)-10
	it.Dst = image.Rect(x, y, x+sw, y+sh)
	if rng.Intn(3) == 0 {
		it.OpaqueRect = randOpaqueRect(rng, it.Dst)
	}
	if rng.Intn(40) == 0 {
		it.Dst = image.Rectangle{}
	}
	return it
}

// randOpaqueRect returns a rectangle mostly inside dst (a window's body
// inside its shadows), sometimes past its edges or empty.
func randOpaqueRect(rng *rand.Rand, dst image.Rectangle) image.Rectangle {
	if rng.Intn(8) == 0 {
		return image.Rectangle{}
	}
	in := func(n int) int { return rng.Intn(max(n/3, 1)) - rng.Intn(2) }
	return image.Rect(dst.Min.X+in(dst.Dx()), dst.Min.Y+in(dst.Dy()), dst.Max.X-in(dst.Dx()), dst.Max.Y-in(dst.Dy()))
}

// TestDamageTrackingMatchesFullRender renders random scene sequences with
// long-lived renderers (damage tracked) and compares each frame, pixel
// for pixel through ReadPixels, with a fresh renderer's full render.
func TestDamageTrackingMatchesFullRender(t *testing.T) {
	seeds, steps := 60, 150
	if testing.Short() {
		seeds, steps = 12, 100
	}
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { damageSequence(t, int64(seed), steps, false, false) })
	}
	// Plain stores (StoresEnv) against non-temporal ones: the same pixels.
	for seed := 1; seed <= seeds/4; seed++ {
		t.Run(fmt.Sprintf("plain/%d", seed), func(t *testing.T) { damageSequence(t, int64(seed), steps, true, false) })
		t.Run(fmt.Sprintf("plain-ref/%d", seed), func(t *testing.T) { damageSequence(t, int64(seed), steps, false, true) })
	}
}

// damageSequence renders a random sequence of scenes with damage
// tracking, with plain stores or not, checking each against a full
// render with refPlain.
func damageSequence(t *testing.T, seed int64, steps int, plain, refPlain bool) {
	rng := rand.New(rand.NewSource(seed))
	r, other := New(), New()
	r.plain = plain
	W, H := 40+rng.Intn(60), 30+rng.Intn(40)
	bgs := [][4]uint8{{0x30, 0x38, 0x40, 0xff}, {0, 0, 0, 0}, {0x80, 0x10, 0x20, 0x80}}
	bgc := bgs[0]
	var surfs []*dsurf
	newSurf := func() *dsurf {
		s := &dsurf{tex: r.NewTexture().(*Texture), w: 1 + rng.Intn(40), h: 1 + rng.Intn(30),
			f: damageFormats[rng.Intn(len(damageFormats))], runs: rng.Intn(2) == 0, solid: rng.Intn(2) == 0}
		s.uploadAll(t, rng)
		surfs = append(surfs, s)
		return s
	}
	for range 4 {
		newSurf()
	}
	var items []render.Item
	for range 3 {
		items = append(items, randItem(rng, surfs[rng.Intn(len(surfs))], W, H))
	}
	var foreign bool
	for step := 0; step < steps; step++ {
		var what string
		// One or more changes per frame.
		for k := 1 + rng.Intn(3); k > 0; k-- {
			switch c := rng.Intn(20); {
			case c < 7: // partial uploads (sometimes several rectangles)
				s := surfs[rng.Intn(len(surfs))]
				var dmg []image.Rectangle
				for n := 1 + rng.Intn(3); n > 0; n-- {
					dmg = append(dmg, randRect(rng, s.w, s.h))
				}
				if rng.Intn(10) == 0 {
					for n := 0; n < 6; n++ {
						dmg = append(dmg, randRect(rng, s.w, s.h))
					}
				}
				st := newStaging(s.w, s.h, s.w*4, s.f, s.pixels(rng))
				if err := s.tex.Upload(st, dmg); err != nil {
					t.Fatal(err)
				}
				what += fmt.Sprintf(" upload%v", dmg)
			case c < 8: // many uploads between two renders
				s := surfs[rng.Intn(len(surfs))]
				for n := 0; n < damage.HistLen+rng.Intn(3); n++ {
					st := newStaging(s.w, s.h, s.w*4, s.f, s.pixels(rng))
					if err := s.tex.Upload(st, []image.Rectangle{randRect(rng, s.w, s.h)}); err != nil {
						t.Fatal(err)
					}
				}
				what += " uploads"
			case c < 9: // resize or reformat a buffer (full upload)
				s := surfs[rng.Intn(len(surfs))]
				if rng.Intn(2) == 0 {
					s.w, s.h = 1+rng.Intn(40), 1+rng.Intn(30)
				} else {
					s.f = damageFormats[rng.Intn(len(damageFormats))]
				}
				st := newStaging(s.w, s.h, s.w*4, s.f, s.pixels(rng))
				// Damage is ignored when the size or format changes.
				if err := s.tex.Upload(st, []image.Rectangle{image.Rect(0, 0, 1, 1)}); err != nil {
					t.Fatal(err)
				}
				what += " reformat"
			case c < 11: // move or resize an item
				if len(items) > 0 {
					i := rng.Intn(len(items))
					if rng.Intn(2) == 0 {
						items[i].Dst = items[i].Dst.Add(image.Pt(rng.Intn(9)-4, rng.Intn(9)-4))
					} else {
						tex := items[i].Texture
						items[i] = randItem(rng, surfs[0], W, H)
						items[i].Texture = tex
					}
					what += " move"
				}
			case c < 12: // change transform, crop or opacity
				if len(items) > 0 {
					i := rng.Intn(len(items))
					switch rng.Intn(4) {
					case 0:
						items[i].Transform = render.Transform(rng.Intn(8))
					case 1:
						items[i].Src = randRect(rng, 30, 30)
					case 2:
						items[i].OpaqueRect = randOpaqueRect(rng, items[i].Dst)
					default:
						items[i].Opaque = !items[i].Opaque
					}
					what += " restyle"
				}
			case c < 13: // restack
				if len(items) > 1 {
					i, j := rng.Intn(len(items)), rng.Intn(len(items))
					it := items[i]
					items = append(items[:i], items[i+1:]...)
					items = append(items[:j], append([]render.Item{it}, items[j:]...)...)
					what += " restack"
				}
			case c < 14: // an item appears (possibly a second view of a texture)
				s := surfs[rng.Intn(len(surfs))]
				if rng.Intn(3) == 0 {
					s = newSurf()
				}
				i := rng.Intn(len(items) + 1)
				items = append(items[:i], append([]render.Item{randItem(rng, s, W, H)}, items[i:]...)...)
				what += " appear"
			case c < 15: // an item disappears
				if len(items) > 0 {
					i := rng.Intn(len(items))
					items = append(items[:i], items[i+1:]...)
					what += " disappear"
				}
			case c < 16: // a texture is destroyed while still in the scene, then reused
				s := surfs[rng.Intn(len(surfs))]
				s.tex.Destroy()
				if rng.Intn(2) == 0 {
					s.uploadAll(t, rng)
				}
				what += " destroy"
			case c < 17: // output resize
				if rng.Intn(2) == 0 {
					W, H = 40+rng.Intn(60), 30+rng.Intn(40)
				}
				what += " resize"
			case c < 18: // background
				bgc = bgs[rng.Intn(len(bgs))]
				what += " background"
			case c < 19: // the textures are drawn by another renderer too
				sc := &render.Scene{Items: items}
				if err := other.Render(sc, 1+rng.Intn(50), 1+rng.Intn(50)); err != nil && !foreign {
					t.Fatal(err)
				}
				what += " other"
			default: // a foreign texture (skipped, reported)
				if !foreign {
					items = append(items, render.Item{Texture: fakeTexture{}, Dst: image.Rect(0, 0, 10, 10)})
					foreign = true
				} else {
					for i := range items {
						if _, ok := items[i].Texture.(fakeTexture); ok {
							items = append(items[:i], items[i+1:]...)
							break
						}
					}
					foreign = false
				}
				what += " foreign"
			}
		}
		foreign = false
		for _, it := range items {
			if _, ok := it.Texture.(fakeTexture); ok {
				foreign = true
			}
		}
		sc := &render.Scene{Background: bgc, Items: items}
		gotErr := r.Render(sc, W, H)
		if (gotErr != nil) != foreign {
			t.Fatalf("step %d: Render error %v with foreign=%v", step, gotErr, foreign)
		}
		got := readAll(t, r)
		ref := New()
		ref.plainFill = true // fill, then draw everything
		ref.plain = refPlain
		ref.Render(sc, W, H)
		want := readAll(t, ref)
		for y := range want {
			for x := range want[y] {
				if got[y][x] != want[y][x] {
					t.Fatalf("step %d (%s): pixel (%d,%d) = %08x, full render %08x; damage %v; items %v",
						step, what, x, y, got[y][x], want[y][x], r.damaged, items)
				}
			}
		}
		// Rendering the same scene again changes nothing and draws nothing.
		if err := r.Render(sc, W, H); (err != nil) != foreign {
			t.Fatal(err)
		}
		if len(r.damaged) != 0 {
			t.Fatalf("step %d: unchanged scene redrew %v", step, r.damaged)
		}
	}
}

// fakeTexture is a render.Texture not made by this package.
type fakeTexture struct{}

func (fakeTexture) Upload(shm.Image, []image.Rectangle) error { return nil }
func (fakeTexture) Size() (int, int)                          { return 1, 1 }
func (fakeTexture) Destroy()                                  {}

// TestDamageIsSmall checks that the common cases redraw only what
// changed: a band of a full-screen window, one small window of several,
// a window raised to the top, a transformed window's partial upload.
func TestDamageIsSmall(t *testing.T) {
	r := New()
	const W, H = 1920, 1080
	win := upload(t, r, newStaging(W, H, W*4, shm.FormatARGB8888, pattern(0xff)))
	sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(win, 0, 0, W, H)}}
	if err := r.Render(sc, W, H); err != nil {
		t.Fatal(err)
	}
	band := image.Rect(0, 500, W, 608)
	if err := win.Upload(newStaging(W, H, W*4, shm.FormatARGB8888, pattern(0xff)), []image.Rectangle{band}); err != nil {
		t.Fatal(err)
	}
	r.Render(sc, W, H)
	if want := []image.Rectangle{band}; fmt.Sprint(r.damaged) != fmt.Sprint(want) {
		t.Errorf("band upload: damage %v, want %v", r.damaged, want)
	}

	// 16 windows in a grid; two of them upload.
	sc.Items = nil
	var texs []*Texture
	for i := range 16 {
		tex := upload(t, r, newStaging(256, 256, 256*4, shm.FormatARGB8888, pattern(0xff)))
		texs = append(texs, tex)
		sc.Items = append(sc.Items, itemAt(tex, 40+(i%4)*300, 40+(i/4)*260, 256, 256))
	}
	r.Render(sc, W, H)
	all := image.Rect(0, 0, 256, 256)
	texs[3].Upload(newStaging(256, 256, 256*4, shm.FormatARGB8888, pattern(0x40)), []image.Rectangle{all})
	texs[9].Upload(newStaging(256, 256, 256*4, shm.FormatARGB8888, pattern(0x40)), []image.Rectangle{all})
	r.Render(sc, W, H)
	if want := []image.Rectangle{sc.Items[3].Dst, sc.Items[9].Dst}; fmt.Sprint(r.damaged) != fmt.Sprint(want) {
		t.Errorf("2 of 16 windows: damage %v, want %v", r.damaged, want)
	}
	// Every window uploads: the windows (close ones merged), not the
	// whole output.
	for _, tex := range texs {
		tex.Upload(newStaging(256, 256, 256*4, shm.FormatARGB8888, pattern(0x40)), nil)
	}
	r.Render(sc, W, H)
	sum := 0
	for _, d := range r.damaged {
		sum += area(d)
	}
	if sum > 16*256*256*5/4 {
		t.Errorf("16 of 16 windows: damage %v, %d pixels, want about %d", r.damaged, sum, 16*256*256)
	}

	// Raise window 5 to the top: only its rectangle is redrawn.
	it := sc.Items[5]
	sc.Items = append(append(sc.Items[:5:5], sc.Items[6:]...), it)
	r.Render(sc, W, H)
	if want := []image.Rectangle{it.Dst}; fmt.Sprint(r.damaged) != fmt.Sprint(want) {
		t.Errorf("raise: damage %v, want %v", r.damaged, want)
	}

	// A rotated, scaled window's partial upload maps to a small output
	// rectangle around the mapped pixels.
	tex := upload(t, r, newStaging(400, 200, 400*4, shm.FormatXRGB8888, pattern(0xff)))
	rot := render.Item{Texture: tex, Dst: image.Rect(100, 100, 200, 300), Transform: render.Transform90, Scale: 2, Opaque: true}
	sc.Items = []render.Item{rot}
	r.Render(sc, W, H)
	tex.Upload(newStaging(400, 200, 400*4, shm.FormatXRGB8888, pattern(0xff)), []image.Rectangle{image.Rect(0, 0, 10, 10)})
	r.Render(sc, W, H)
	if len(r.damaged) != 1 || area(r.damaged[0]) > 10*10 {
		t.Errorf("rotated partial upload: damage %v, want one rectangle of about 5x5", r.damaged)
	}
}

// TestDrawOverBg renders tiled and overlapping translucent ARGB windows
// (as wlbench's 16 x 256x256 workload tiles them, a cascade, and rows of
// windows over each other as smart placement leaves them once the output
// is full) with damage on several of them, and compares every frame with
// the reference that fills each damaged rectangle and draws every item
// over the fill. The background is filled only where no window is.
func TestDrawOverBg(t *testing.T) {
	type layout struct {
		name string
		at   func(i int) image.Point
	}
	const n, sz, W, H = 9, 20, 120, 90
	layouts := []layout{
		{"tiles", func(i int) image.Point { return image.Pt(10+sz*(i%4), 5+sz*(i/4)) }},
		{"cascade", func(i int) image.Point { return image.Pt(4+7*i, 3+5*i) }},
		{"mixed", func(i int) image.Point { return image.Pt(10+13*(i%4), 5+sz*(i/4)) }},
		{"rows", func(i int) image.Point { return image.Pt(30+sz*(i%3)-i/6*25, 20+12*(i/3)-i/6*30) }},
	}
	bgs := [][4]uint8{{0x30, 0x38, 0x40, 0xff}, {0, 0, 0, 0}, {0x80, 0x10, 0x20, 0x80}}
	for _, l := range layouts {
		for _, bg := range bgs {
			t.Run(fmt.Sprintf("%s/%x", l.name, bg), func(t *testing.T) {
				rng := rand.New(rand.NewSource(int64(len(l.name)) + int64(bg[3])))
				r := New()
				var items []render.Item
				var surfs []*dsurf
				for i := 0; i < n; i++ {
					s := &dsurf{tex: r.NewTexture().(*Texture), w: sz, h: sz, f: shm.FormatARGB8888,
						runs: i%2 == 0, solid: i%3 == 0}
					s.uploadAll(t, rng)
					surfs = append(surfs, s)
					p := l.at(i)
					it := render.Item{Texture: s.tex, Dst: image.Rect(p.X, p.Y, p.X+sz, p.Y+sz)}
					if i%3 == 1 { // a body inside shadows
						it.OpaqueRect = it.Dst.Inset(3)
					}
					items = append(items, it)
				}
				sc := &render.Scene{Background: bg, Items: items}
				for step := 0; step < 20; step++ {
					for k := 0; k < 1+rng.Intn(n); k++ {
						s := surfs[rng.Intn(n)]
						st := newStaging(s.w, s.h, s.w*4, s.f, s.pixels(rng))
						if err := s.tex.Upload(st, nil); err != nil {
							t.Fatal(err)
						}
					}
					before := r.filled
					if err := r.Render(sc, W, H); err != nil {
						t.Fatal(err)
					}
					matchesReference(t, fmt.Sprintf("step %d", step), r, sc, W, H)
					// Only background pixels are filled.
					bgArea := 0
					for _, c := range r.damaged {
						for y := c.Min.Y; y < c.Max.Y; y++ {
							for x := c.Min.X; x < c.Max.X; x++ {
								bgArea++
								for _, it := range items {
									if image.Pt(x, y).In(it.Dst) {
										bgArea--
										break
									}
								}
							}
						}
					}
					if filled := r.filled - before; filled != bgArea {
						t.Fatalf("step %d: filled %d pixels in %v, want %d (the background part)", step, filled, r.damaged, bgArea)
					}
				}
			})
		}
	}
}

// TestDrawOverBgManyParts: a translucent window over a grid of small
// ones has an own part of more rectangles than drawOverBg keeps (maxOwn),
// and is drawn over the fill instead; the pixels are the reference's.
func TestDrawOverBgManyParts(t *testing.T) {
	const W, H = 120, 90
	rng := rand.New(rand.NewSource(3))
	r := New()
	var items []render.Item
	var surfs []*dsurf
	add := func(rect image.Rectangle) {
		s := &dsurf{tex: r.NewTexture().(*Texture), w: rect.Dx(), h: rect.Dy(), f: shm.FormatARGB8888, runs: len(surfs)%2 == 0}
		s.uploadAll(t, rng)
		surfs = append(surfs, s)
		items = append(items, render.Item{Texture: s.tex, Dst: rect})
	}
	for i := range 49 { // and 2 more: below maxSolo, where drawOverBg takes them
		x, y := 5+(i%7)*10, 3+(i/7)*10
		add(image.Rect(x, y, x+5, y+5))
	}
	add(image.Rect(2, 1, 80, 78))
	add(image.Rect(60, 40, 110, 85))
	sc := &render.Scene{Background: [4]uint8{0x30, 0x38, 0x40, 0xff}, Items: items}
	for step := range 4 {
		if step > 0 {
			for _, s := range surfs[49:] {
				st := newStaging(s.w, s.h, s.w*4, s.f, s.pixels(rng))
				if err := s.tex.Upload(st, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := r.Render(sc, W, H); err != nil {
			t.Fatal(err)
		}
		matchesReference(t, fmt.Sprintf("step %d", step), r, sc, W, H)
	}
	if len(r.own) >= maxOwn {
		t.Errorf("%d own rectangles kept, want fewer than maxOwn (%d)", len(r.own), maxOwn)
	}
}

// matchesReference checks r's output against a full render of sc that
// fills the background and draws every item over it (plainFill).
func matchesReference(t *testing.T, what string, r *Renderer, sc *render.Scene, w, h int) {
	t.Helper()
	ref := New()
	ref.plainFill = true
	if err := ref.Render(sc, w, h); err != nil {
		t.Fatal(err)
	}
	got, want := readAll(t, r), readAll(t, ref)
	for y := range want {
		for x := range want[y] {
			if got[y][x] != want[y][x] {
				var at []string
				for i, p := range r.cur {
					if image.Pt(x, y).In(p.vis) {
						at = append(at, fmt.Sprintf("%d:vis%v opq%v opaque %v", i, p.vis, p.opq, p.opaque))
					}
				}
				t.Fatalf("%s: pixel (%d,%d) = %08x, reference %08x; damage %v; items there %v; own %v parts %v", what, x, y, got[y][x], want[y][x], r.damaged, at, r.own, r.parts)
			}
		}
	}
}

// TestOpaqueAreaHides: a window whose opaque area (render.Item's
// OpaqueRect: its body inside shadows) covers a lower one hides it: the
// lower one is not drawn, on the first frame or when it alone changes,
// and the pixels are the reference's, which draws everything.
func TestOpaqueAreaHides(t *testing.T) {
	const W, H = 80, 60
	rng := rand.New(rand.NewSource(5))
	r := New()
	low := &dsurf{tex: r.NewTexture().(*Texture), w: 40, h: 30, f: shm.FormatARGB8888}
	top := &dsurf{tex: r.NewTexture().(*Texture), w: 50, h: 40, f: shm.FormatARGB8888}
	low.uploadAll(t, rng)
	top.uploadAll(t, rng)
	sc := &render.Scene{Background: [4]uint8{0x30, 0x38, 0x40, 0xff}, Items: []render.Item{
		{Texture: low.tex, Dst: image.Rect(10, 10, 50, 40)},
		{Texture: top.tex, Dst: image.Rect(5, 5, 55, 45), OpaqueRect: image.Rect(9, 9, 51, 41)},
	}}
	check := func(what string, wantDrawn int) {
		t.Helper()
		before := r.drawn
		if err := r.Render(sc, W, H); err != nil {
			t.Fatal(err)
		}
		if d := r.drawn - before; d != wantDrawn {
			t.Errorf("%s: drew %d item pixels, want %d (the lower window hidden)", what, d, wantDrawn)
		}
		matchesReference(t, what, r, sc, W, H)
	}
	check("first frame", 50*40)
	st := newStaging(low.w, low.h, low.w*4, low.f, low.pixels(rng))
	if err := low.tex.Upload(st, []image.Rectangle{image.Rect(5, 5, 15, 12)}); err != nil {
		t.Fatal(err)
	}
	check("the lower window changes", 10*7)
}

// TestTakeDamage: TakeDamage is the bounding box of what the Renders
// since the last call drew (all of the output after a resize), then
// nothing until the next Render draws something.
func TestTakeDamage(t *testing.T) {
	r := New()
	const W, H = 640, 480
	a := upload(t, r, newStaging(64, 64, 64*4, shm.FormatARGB8888, pattern(0xff)))
	b := upload(t, r, newStaging(32, 32, 32*4, shm.FormatARGB8888, pattern(0xff)))
	sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(a, 10, 10, 64, 64), itemAt(b, 300, 200, 32, 32)}}
	r.Render(sc, W, H)
	if got := r.TakeDamage(); got != image.Rect(0, 0, W, H) {
		t.Errorf("first render: %v, want the output", got)
	}
	r.Render(sc, W, H)
	if got := r.TakeDamage(); !got.Empty() {
		t.Errorf("the same scene again: %v, want nothing", got)
	}
	// Two renders before one take: both uploads.
	a.Upload(newStaging(64, 64, 64*4, shm.FormatARGB8888, pattern(0x40)), []image.Rectangle{image.Rect(0, 0, 8, 8)})
	r.Render(sc, W, H)
	b.Upload(newStaging(32, 32, 32*4, shm.FormatARGB8888, pattern(0x40)), []image.Rectangle{image.Rect(16, 16, 32, 32)})
	r.Render(sc, W, H)
	if got, want := r.TakeDamage(), image.Rect(10, 10, 332, 232); got != want {
		t.Errorf("two uploads over two renders: %v, want %v", got, want)
	}
	if got := r.TakeDamage(); !got.Empty() {
		t.Errorf("taken twice: %v, want nothing", got)
	}
	r.Render(sc, W/2, H/2)
	if got := r.TakeDamage(); got != image.Rect(0, 0, W/2, H/2) {
		t.Errorf("after a resize: %v, want the output", got)
	}
}

// lender is an OutputMemory that records what the renderer asks of it.
type lender struct {
	refuse bool // AllocOutput returns nil
	lent   [][]uint32
	freed  int
	waits  int
	log    []string
}

func (l *lender) AllocOutput(w, h int) []uint32 {
	l.log = append(l.log, fmt.Sprintf("alloc %dx%d", w, h))
	if l.refuse {
		return nil
	}
	b := make([]uint32, w*h)
	l.lent = append(l.lent, b)
	return b
}

func (l *lender) FreeOutput(out []uint32) {
	l.log = append(l.log, "free")
	if len(l.lent) == 0 || &out[0] != &l.lent[len(l.lent)-1][0] {
		panic("FreeOutput of memory not lent last")
	}
	l.freed++
}

func (l *lender) WaitOutput() { l.waits++; l.log = append(l.log, "wait") }

// TestOutputMemory: with SetOutputMemory, Render draws into the memory
// lent to it (the same pixels ReadPixels reads), waits for it before each
// Render that draws and only then, takes new memory at each new size and
// gives the old back, and gives it back at Close; the compositor does not
// render at commit (ReadsLate). Refused, it draws into its own memory.
func TestOutputMemory(t *testing.T) {
	const W, H = 64, 48
	r := New()
	l := &lender{}
	if !r.ReadsLate() {
		t.Error("ReadsLate false without lent memory")
	}
	r.SetOutputMemory(l)
	if r.ReadsLate() {
		t.Error("ReadsLate true with lent memory: the compositor would render at commit")
	}
	a := upload(t, r, newStaging(16, 16, 16*4, shm.FormatARGB8888, pattern(0xff)))
	sc := &render.Scene{Background: bg, Items: []render.Item{itemAt(a, 5, 7, 16, 16)}}
	if err := r.Render(sc, W, H); err != nil {
		t.Fatal(err)
	}
	if !r.Shares(l) || len(l.lent) != 1 {
		t.Fatalf("after the first Render: shares %v, %d lent", r.Shares(l), len(l.lent))
	}
	want := make([]byte, W*H*4)
	if err := r.ReadPixels(r.Bounds(), want, W*4); err != nil {
		t.Fatal(err)
	}
	for i, p := range l.lent[0] {
		if got := binary.LittleEndian.Uint32(want[i*4:]); p|0xff000000 != got {
			t.Fatalf("pixel %d: lent memory holds %08x, ReadPixels %08x", i, p, got)
		}
	}
	r.Render(sc, W, H) // nothing changed: nothing drawn, no wait
	a.Upload(newStaging(16, 16, 16*4, shm.FormatARGB8888, pattern(0x40)), []image.Rectangle{image.Rect(0, 0, 4, 4)})
	r.Render(sc, W, H)
	r.Render(sc, W/2, H/2)
	r.Close()
	if got, want := strings.Join(l.log, ", "), "alloc 64x48, wait, wait, free, alloc 32x24, wait, free"; got != want {
		t.Errorf("calls: %s\nwant:  %s", got, want)
	}
	if r.Shares(l) {
		t.Error("shares after Close")
	}

	// Refused: the renderer's own memory, the same pixels.
	own := New()
	own.SetOutputMemory(&lender{refuse: true})
	b := upload(t, own, newStaging(16, 16, 16*4, shm.FormatARGB8888, pattern(0xff)))
	if err := own.Render(&render.Scene{Background: bg, Items: []render.Item{itemAt(b, 5, 7, 16, 16)}}, W, H); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, W*H*4)
	if err := own.ReadPixels(own.Bounds(), got, W*4); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("with the memory refused, the output differs")
	}
}
