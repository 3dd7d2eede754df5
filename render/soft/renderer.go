package soft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"runtime"
	"slices"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/damage"
)

// Renderer draws scenes into a Go-owned output image. The zero value is
// not ready; use New. Like every render.Renderer it is used from one
// goroutine at a time.
type Renderer struct {
	out       []uint32 // premultiplied 0xAARRGGBB, rows of w pixels
	outMem    *outMem  // out's mapping (allocOut), nil for Go memory
	mem       OutputMemory
	lent      bool // out came from mem
	w, h      int
	outOpaque bool // every output pixel has alpha 255

	cols []int    // per visible column: texture offset of its source pixel
	row  []uint32 // gathered source row for transformed or scaled items
	// gatherBand's rows, bandSpan buffer columns of a turned item, and
	// which of them each output row of its band shows.
	band    []uint32
	bandRow [bandRows]int
	perm    permutes // cols' blocks read by permutation (gather)
	lin     linBufs  // drawLinear's scratch

	// Damage tracking (render/damage): what the last Render drew, so that
	// the next one redraws only the output rectangles that differ.
	cur     []plan // this scene's drawn items, bottom first
	track   damage.Tracker
	damaged []image.Rectangle // the last Render's redrawn rectangles
	unshown image.Rectangle   // drawn since the last TakeDamage

	// drawOverBg's scratch: the items' own rectangles, their parts and
	// the other rectangles of those, subtractions, band edges, spans.
	own            []image.Rectangle
	parts          []itemPart
	partRects      []image.Rectangle
	cut            [3]damage.Set
	bandYs, bandXs []int
	filled         int  // background pixels filled, all Renders (tests)
	drawn          int  // item pixels drawn, all Renders (tests)
	plainFill      bool // tests: fill all of c, then draw every item (drawOverBg's reference)

	plain bool // plain stores into the own output too (StoresEnv)

	drawing  plan               // the item drawRead draws
	readFn   func([]byte) error // r.drawRead, made once
	readErrs uint64             // buffer reads that failed (faults)
}

var (
	_ render.Renderer   = (*Renderer)(nil)
	_ render.LateReader = (*Renderer)(nil)
)

// New returns a renderer with an empty output.
func New() *Renderer { return &Renderer{plain: plainStores()} }

// OutputMemory lends a Renderer the memory of its output
// (SetOutputMemory): memory that another process reads, such as an X
// server's MIT-SHM segment, which then shows the output without a copy.
// Its methods are called from Render and Close.
type OutputMemory interface {
	// AllocOutput returns width*height pixels, rows of width pixels, or
	// nil: the renderer then uses memory of its own.
	AllocOutput(width, height int) []uint32
	// FreeOutput takes back what AllocOutput returned; the renderer no
	// longer uses it.
	FreeOutput(out []uint32)
	// WaitOutput returns once the memory may be written (its reader is
	// done with it). Render calls it before it draws.
	WaitOutput()
}

// SetOutputMemory makes the next Render of a new size, and every one
// after, take the output's memory from m (nil: the renderer's own).
func (r *Renderer) SetOutputMemory(m OutputMemory) {
	r.freeOut()
	r.w, r.h = 0, 0
	r.mem = m
}

// Shares reports whether the output is memory m lent (AllocOutput).
func (r *Renderer) Shares(m OutputMemory) bool { return r.lent && r.mem == m }

// freeOut frees or gives back the output's memory.
func (r *Renderer) freeOut() {
	if r.lent {
		r.mem.FreeOutput(r.out)
		r.lent = false
	}
	r.outMem.free()
	r.out, r.outMem = nil, nil
}

// Name returns "soft".
func (r *Renderer) Name() string { return "soft" }

// ReadsLate is true (render.LateReader): a Texture keeps the client's
// buffer, and Render reads it. It is false while the output's memory is
// lent (SetOutputMemory): a render at commit, right after the frame sent
// the last output to the memory's reader (an X server), nearly always
// finds it still reading and has to wait (backend/nested measured 234
// waits in 301 renders); at the next frame it has long finished.
func (r *Renderer) ReadsLate() bool { return r.mem == nil }

// NewTexture returns an empty *Texture.
func (r *Renderer) NewTexture() render.Texture { return &Texture{} }

// Size is the size of the last rendered output.
func (r *Renderer) Size() (w, h int) { return r.w, r.h }

// Bounds is the rectangle of the last rendered output, with Min at (0, 0).
func (r *Renderer) Bounds() image.Rectangle { return image.Rect(0, 0, r.w, r.h) }

// Close frees the output image. The renderer may be used again afterwards.
func (r *Renderer) Close() error {
	r.freeOut()
	*r = Renderer{mem: r.mem, plain: r.plain}
	return nil
}

var emptyScene render.Scene

// Render draws scene into the output, resized to width x height: the
// background, then each item over what is below it. Items whose texture
// is not a *Texture of this package are skipped and reported in the
// returned error; everything else is drawn. A nil scene is transparent
// black.
//
// Only the parts of the output that differ from the previous Render are
// drawn again: the rectangles of items that appeared, disappeared, moved
// or changed how they are drawn, and the texture rectangles uploaded
// since, mapped to the output. The result is the same, pixel for pixel,
// as drawing everything.
func (r *Renderer) Render(scene *render.Scene, width, height int) error {
	if width < 0 || height < 0 || width > MaxSize || height > MaxSize {
		return fmt.Errorf("soft: bad output size %dx%d", width, height)
	}
	resized := width != r.w || height != r.h || len(r.out) != width*height
	n := width * height
	switch {
	case r.mem != nil && resized:
		// Lent memory has the output's own rows: new memory at any new size.
		r.freeOut()
		if out := r.mem.AllocOutput(width, height); len(out) == n && n > 0 {
			r.out, r.lent = out, true
		} else {
			if out != nil {
				r.mem.FreeOutput(out)
			}
			r.out, r.outMem = allocOut(n)
		}
	case cap(r.out) < n:
		r.outMem.free()
		r.out, r.outMem = allocOut(n)
	default:
		r.out = r.out[:n]
	}
	r.w, r.h = width, height
	if cap(r.row) < width {
		r.row = make([]uint32, width)
		r.cols = make([]int, width)
		r.perm.base, r.perm.idx = make([]int32, width/8), make([]uint32, width)
	}

	if scene == nil {
		scene = &emptyScene
	}
	bounds := r.Bounds()
	var err error
	cur := r.cur[:0]
	covered := false
	for i := range scene.Items {
		it := &scene.Items[i]
		p, ok := r.plan(it)
		if !ok {
			if _, mine := it.Texture.(*Texture); !mine && err == nil {
				err = errForeign
			}
			continue
		}
		if p.opaque && p.vis == bounds {
			covered = true
		}
		cur = append(cur, p)
		r.track.Add(p.draw())
	}
	r.cur = cur
	bg := scene.Background

	if resized {
		r.track.Invalidate()
	}
	r.damaged = r.track.Damage(bounds, bg)
	if resized {
		r.unshown = bounds
	}
	for _, c := range r.damaged {
		r.unshown = r.unshown.Union(c)
	}
	r.outOpaque = covered || bg[3] == 0xff
	if r.lent && len(r.damaged) > 0 {
		r.mem.WaitOutput()
	}
	bgPix := premultiply(bg[0], bg[1], bg[2], bg[3])
	for _, c := range r.damaged {
		r.drawRect(c, bgPix)
	}
	storeFence() // copyOpaque's non-temporal stores
	// r.out may be a mapping that outMem's cleanup unmaps once r is
	// unreachable; a caller's last use of r can be this call, and slices
	// of r.out live on in locals after r's own last use above.
	runtime.KeepAlive(r)
	return err
}

// ntStores reports whether copies and blends into the output make
// non-temporal stores: not into lent memory, which the X server reads
// right after the frame (plain stores leave it in the caches for it:
// docs/nested.md), nor with plain (StoresEnv).
func (r *Renderer) ntStores() bool { return !r.lent && !r.plain }

// drawRect draws output rectangle c again from the current scene. An
// item hides what is below it in its opaque area (opq: all of an opaque
// item, the opaque region of another): there the items below are not
// drawn, and it is drawn over the background colour (a pixel a client
// marks opaque that is not shows the background through it).
func (r *Renderer) drawRect(c image.Rectangle, bgPix uint32) {
	items := r.cur
	// Everything below the topmost item opaque over all of c is hidden:
	// skip it, and the background fill.
	start := 0
	for i := len(items) - 1; i >= 0; i-- {
		if c.In(items[i].opq) {
			start = i
			break
		}
	}
	first := -1 // the lowest item drawn in c
	for i := start; i < len(items); i++ {
		if items[i].vis.Overlaps(c) {
			first = i
			break
		}
	}
	switch {
	case first < 0:
		r.fillRect(c, bgPix)
		return
	case len(items)-first <= maxSolo && !r.plainFill:
		r.drawOverBg(c, items[first:], bgPix)
		return
	}
	// Fill c, then draw every item over it where no item above hides it
	// (drawOverBg's reference, and past maxSolo items).
	r.fillRect(c, bgPix)
	items = items[first:]
	for i := range items {
		seen := &r.cut[0]
		seen.Reset(items[i].vis.Intersect(c))
		for j := i + 1; j < len(items) && seen.Sub(items[j].opq) <= maxOwn; j++ {
		}
		for _, v := range seen.Rects() {
			r.drawIn(items[i], v)
		}
	}
}

// drawIn draws p in output rectangle v (inside p.vis; nothing when
// empty).
func (r *Renderer) drawIn(p plan, v image.Rectangle) {
	if v.Empty() {
		return
	}
	r.drawn += area(v)
	p.vis = v
	r.draw(&p)
}

// maxSolo bounds the items drawOverBg sorts out (its test is quadratic);
// past it, drawRect fills the background under everything.
const maxSolo = 64

// maxOwn bounds the rectangles drawOverBg splits items' parts into, for
// one item and for all of them (fillOutside's bands cross them all): an
// item past either bound is drawn whole, over the fill.
const maxOwn = 64

// drawOverBg draws items (bottom first) into output rectangle c where
// nothing but the background colour bgPix lies below them, each only
// where no item above it is opaque (its opq). Of what is left of an
// item, the part that no lower item overlaps (all of a window beside the
// others; the part of a stacked window outside the ones below it) and
// its opaque area have nothing but the background below them, or hide
// it: they are its own part, drawn over bgPix in one pass. Only the rest
// of c, where no item is, is filled before the parts of items over lower
// ones are drawn over what those drew. Damage rectangles close to each
// other are merged into their union (render/damage), so windows side by
// side make one rectangle mostly covered by them: filling all of it, then
// drawing every window over the fill, wrote each pixel twice, and stacked
// windows were drawn where a window above hid them.
//
// The result is drawRect's fill-then-draw with its culling, pixel for
// pixel: what an item's opaque area hides is not drawn; below an item's
// own part there is only the fill; the items above that overlap it are
// drawn after it, in order; and every pixel of c outside the own parts
// is filled before any item is drawn over it. (An item past maxOwn is
// drawn whole: an own part above it draws over the background colour,
// not over it.)
func (r *Renderer) drawOverBg(c image.Rectangle, items []plan, bgPix uint32) {
	own := r.own[:0]             // every item's own part, disjoint rectangles
	parts := r.parts[:0]         // per item: its own rectangles, then the rest
	partRects := r.partRects[:0] // the rest parts' rectangles
	for i := range items {
		v := items[i].vis.Intersect(c)
		if v.Empty() {
			continue
		}
		n := len(parts)
		if mine, rest, ok := r.split(v, items, i); ok && len(own)+len(mine) <= maxOwn {
			own = append(own, mine...)
			parts = append(parts, itemPart{item: i, rects: len(mine), overBg: true})
			if len(rest) > 0 {
				partRects = append(partRects, rest...)
				parts = append(parts, itemPart{item: i, rects: len(rest)})
			}
			continue
		}
		parts = append(parts[:n], itemPart{item: i, rects: 1})
		partRects = append(partRects, v)
	}
	r.own, r.parts, r.partRects = own, parts, partRects
	r.fillOutside(c, own, bgPix)
	k, o := 0, 0 // the next rest rectangle, the next own one
	for _, pt := range parts {
		p := items[pt.item]
		rects := partRects[k:]
		if pt.overBg {
			rects = own[o:]
			p.overBg, p.bg = true, bgPix
		}
		for _, v := range rects[:pt.rects] {
			r.drawIn(p, v)
		}
		if pt.overBg {
			o += pt.rects
		} else {
			k += pt.rects
		}
	}
}

// itemPart is rects rectangles of item item, drawn over the background
// colour (own rectangles, from drawOverBg's own list) or over the output
// (from its partRects).
type itemPart struct {
	item, rects int
	overBg      bool
}

// split divides v, item i's part of a rectangle, less what the items
// above it hide (their opq), into its own part (mine: where no lower item
// shows, because none is there or its opaque area hides them) and the
// rest, each as disjoint rectangles (valid until the next call); ok is
// false past maxOwn rectangles.
func (r *Renderer) split(v image.Rectangle, items []plan, i int) (mine, rest []image.Rectangle, ok bool) {
	seen, own, other := &r.cut[0], &r.cut[1], &r.cut[2]
	seen.Reset(v)
	for j := i + 1; j < len(items); j++ {
		if seen.Sub(items[j].opq) > maxOwn {
			return nil, nil, false
		}
	}
	own.Assign(seen.Rects())
	for j := 0; j < i; j++ {
		if !items[j].vis.Overlaps(v) {
			continue
		}
		var buf [4]image.Rectangle
		for _, b := range damage.Subtract(buf[:0], items[j].vis, items[i].opq) {
			if own.Sub(b) > maxOwn {
				return nil, nil, false
			}
		}
	}
	other.Assign(seen.Rects())
	for _, a := range own.Rects() {
		if other.Sub(a) > maxOwn {
			return nil, nil, false
		}
	}
	return own.Rects(), other.Rects(), true
}

// fillOutside fills the part of c outside the disjoint rectangles rs (in
// c) with v: per horizontal band between their top and bottom edges, the
// gaps between the rectangles crossing the band.
func (r *Renderer) fillOutside(c image.Rectangle, rs []image.Rectangle, v uint32) {
	ys := append(r.bandYs[:0], c.Min.Y, c.Max.Y)
	for _, e := range rs {
		ys = append(ys, e.Min.Y, e.Max.Y)
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	r.bandYs = ys
	for b := 0; b+1 < len(ys); b++ {
		y0, y1 := ys[b], ys[b+1]
		xs := r.bandXs[:0]
		for _, e := range rs {
			if e.Min.Y <= y0 && e.Max.Y >= y1 {
				xs = append(xs, e.Min.X, e.Max.X)
			}
		}
		r.bandXs = xs
		sortSpans(xs)
		x := c.Min.X
		for i := 0; i < len(xs); i += 2 {
			if xs[i] > x {
				r.fillRect(image.Rect(x, y0, xs[i], y1), v)
			}
			x = xs[i+1]
		}
		if x < c.Max.X {
			r.fillRect(image.Rect(x, y0, c.Max.X, y1), v)
		}
	}
}

// sortSpans sorts the pairs (start, end) of xs by start (insertion: a
// band crosses a few rectangles).
func sortSpans(xs []int) {
	for i := 2; i < len(xs); i += 2 {
		for j := i; j >= 2 && xs[j-2] > xs[j]; j -= 2 {
			xs[j-2], xs[j] = xs[j], xs[j-2]
			xs[j-1], xs[j+1] = xs[j+1], xs[j-1]
		}
	}
}

// fillRect sets output rectangle c to pixel v.
func (r *Renderer) fillRect(c image.Rectangle, v uint32) {
	r.filled += area(c)
	if c.Min.X == 0 && c.Max.X == r.w {
		fill(r.out[c.Min.Y*r.w:c.Max.Y*r.w], v)
		return
	}
	for y := c.Min.Y; y < c.Max.Y; y++ {
		fill(r.out[y*r.w+c.Min.X:y*r.w+c.Max.X], v)
	}
}

// TakeDamage returns the bounding box of the output drawn since the last
// call (all of it after a resize) and starts over: a backend that shows
// the output by copying it copies that much.
func (r *Renderer) TakeDamage() image.Rectangle {
	d := r.unshown.Intersect(r.Bounds())
	r.unshown = image.Rectangle{}
	return d
}

// Invalidate makes the next Render draw the whole output.
func (r *Renderer) Invalidate() { r.track.Invalidate() }

// ReadPixels copies rectangle rect of the last output into dst as
// ARGB8888 rows (bytes B, G, R, A; alpha 255) stride bytes apart. rect must
// lie inside the output.
func (r *Renderer) ReadPixels(rect image.Rectangle, dst []byte, stride int) error {
	if rect.Empty() {
		return nil
	}
	if !rect.In(r.Bounds()) {
		return fmt.Errorf("soft: read %v outside output %v", rect, r.Bounds())
	}
	w, h := rect.Dx(), rect.Dy()
	if stride < w*4 || len(dst) < (h-1)*stride+w*4 {
		return errors.New("soft: ReadPixels destination too small")
	}
	for y := 0; y < h; y++ {
		o := (rect.Min.Y+y)*r.w + rect.Min.X
		src := r.out[o : o+w]
		d := dst[y*stride : y*stride+w*4]
		if littleEndian && r.outOpaque {
			copy(d, asBytes(src))
			continue
		}
		for i, p := range src {
			binary.LittleEndian.PutUint32(d[i*4:], p|alphaMask)
		}
	}
	runtime.KeepAlive(r) // r.out may be outMem's mapping: see Render
	return nil
}
