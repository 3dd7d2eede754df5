package soft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/damage"
)

// Renderer draws scenes into a Go-owned output image. The zero value is
// not ready; use New. Like every render.Renderer it is used from one
// goroutine at a time.
type Renderer struct {
	out       []uint32 // premultiplied 0xAARRGGBB, rows of w pixels
	w, h      int
	outOpaque bool // every output pixel has alpha 255

	cols []int    // per visible column: texture offset of its source pixel
	row  []uint32 // gathered source row for transformed or scaled items

	// Damage tracking (render/damage): what the last Render drew, so that
	// the next one redraws only the output rectangles that differ.
	cur     []plan // this scene's drawn items, bottom first
	track   damage.Tracker
	damaged []image.Rectangle // the last Render's redrawn rectangles

	drawing  plan               // the item drawRead draws
	readFn   func([]byte) error // r.drawRead, made once
	readErrs uint64             // buffer reads that failed (faults)
}

var _ render.Renderer = (*Renderer)(nil)

// New returns a renderer with an empty output.
func New() *Renderer { return &Renderer{} }

// Name returns "soft".
func (r *Renderer) Name() string { return "soft" }

// NewTexture returns an empty *Texture.
func (r *Renderer) NewTexture() render.Texture { return &Texture{} }

// Size is the size of the last rendered output.
func (r *Renderer) Size() (w, h int) { return r.w, r.h }

// Bounds is the rectangle of the last rendered output, with Min at (0, 0).
func (r *Renderer) Bounds() image.Rectangle { return image.Rect(0, 0, r.w, r.h) }

// Close frees the output image. The renderer may be used again afterwards.
func (r *Renderer) Close() error {
	*r = Renderer{}
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
	if n := width * height; cap(r.out) < n {
		r.out = make([]uint32, n)
	} else {
		r.out = r.out[:n]
	}
	r.w, r.h = width, height
	if cap(r.row) < width {
		r.row = make([]uint32, width)
		r.cols = make([]int, width)
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
	r.outOpaque = covered || bg[3] == 0xff
	bgPix := premultiply(bg[0], bg[1], bg[2], bg[3])
	for _, c := range r.damaged {
		r.drawRect(c, bgPix)
	}
	return err
}

// drawRect draws output rectangle c again from the current scene.
func (r *Renderer) drawRect(c image.Rectangle, bgPix uint32) {
	items := r.cur
	// Everything below the topmost opaque item that covers c is hidden:
	// skip it, and the background fill.
	start, covered := 0, false
	for i := len(items) - 1; i >= 0; i-- {
		if items[i].opaque && c.In(items[i].vis) {
			start, covered = i, true
			break
		}
	}
	if !covered {
		// When the lowest item drawn in c covers it, blend it over the
		// background colour in one pass instead of filling c first (a
		// translucent-format window, the usual case: one output pass
		// saved).
		first := -1
		for i := start; i < len(items); i++ {
			if items[i].vis.Overlaps(c) {
				first = i
				break
			}
		}
		if first >= 0 && c.In(items[first].vis) {
			p := items[first]
			p.vis, p.overBg, p.bg = c, true, bgPix
			r.draw(&p)
			start = first + 1
		} else {
			r.fillRect(c, bgPix)
		}
	}
	for i := start; i < len(items); i++ {
		p := items[i]
		if p.vis = p.vis.Intersect(c); !p.vis.Empty() {
			r.draw(&p)
		}
	}
}

// fillRect sets output rectangle c to pixel v.
func (r *Renderer) fillRect(c image.Rectangle, v uint32) {
	if c.Min.X == 0 && c.Max.X == r.w {
		fill(r.out[c.Min.Y*r.w:c.Max.Y*r.w], v)
		return
	}
	for y := c.Min.Y; y < c.Max.Y; y++ {
		fill(r.out[y*r.w+c.Min.X:y*r.w+c.Max.X], v)
	}
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
	return nil
}
