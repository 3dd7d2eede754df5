package shell

import (
	"image"
	"math"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
)

// walk calls fn for every visible surface, bottom first, with its
// rectangle in output coordinates: mapped toplevels in stacking order, each
// as its subsurface tree followed by its popups (and theirs).
func (sh *Shell) walk(fn func(s *Surface, r image.Rectangle)) {
	for _, t := range sh.stack {
		if !t.xs.mapped {
			continue
		}
		walkTree(t.xs.s, t.xs.surfaceOrigin(), fn)
		walkPopups(t.xs, fn)
	}
}

func walkPopups(xs *xdgSurface, fn func(s *Surface, r image.Rectangle)) {
	for _, p := range xs.popups {
		if p.dismissed || !p.xs.mapped || p.xs.gone {
			continue
		}
		walkTree(p.xs.s, p.xs.surfaceOrigin(), fn)
		walkPopups(p.xs, fn)
	}
}

// walkTree visits s and its subsurfaces in stacking order. A subsurface
// without contents hides its own subsurfaces too.
func walkTree(s *Surface, origin image.Point, fn func(s *Surface, r image.Rectangle)) {
	for _, ch := range s.children {
		if ch == s {
			if s.hasBuffer {
				w, h := s.Size()
				fn(s, image.Rectangle{Min: origin, Max: origin.Add(image.Pt(w, h))})
			}
			continue
		}
		if ch.sub != nil && ch.hasBuffer {
			walkTree(ch, origin.Add(image.Pt(ch.sub.x, ch.sub.y)), fn)
		}
	}
}

// Scene returns what the output shows now: the background and one item per
// visible surface, bottom first, in output pixels (the global space times
// the output scale). The scene is freshly allocated; its
// textures stay valid until the next request is handled.
func (sh *Shell) Scene() *render.Scene { return sh.SceneInto(&render.Scene{}) }

// SceneInto is Scene written into sc, reusing its Items' storage (a frame
// allocates nothing once the slice has grown to the scene's size); it
// returns sc.
func (sh *Shell) SceneInto(sc *render.Scene) *render.Scene {
	clear(sc.Items) // drop the last scene's textures
	sc.Background, sc.Items = sh.opts.Background, sc.Items[:0]
	add := func(s *Surface, r image.Rectangle) {
		if s.tex == nil {
			return
		}
		sc.Items = append(sc.Items, s.item(r, image.Point{}))
	}
	for _, t := range sh.stack { // as walk, with title bars (frames.go)
		if !t.xs.mapped {
			continue
		}
		sh.frameItems(sc, t)
		walkTree(t.xs.s, t.xs.surfaceOrigin(), add)
		walkPopups(t.xs, add)
	}
	return sc
}

// item is the scene item of s drawn at r (surface units, outputs.go),
// moved by at output pixels.
func (s *Surface) item(r image.Rectangle, at image.Point) render.Item {
	it := render.Item{
		Texture:   s.tex,
		Dst:       s.sh.toPixels(r).Add(at),
		Src:       s.viewportSrc(), // viewporter.go
		Transform: s.transform,
		Scale:     s.scale,
		Opaque:    s.bufOpaque || s.opaqueAll,
	}
	if !it.Opaque && !s.opaqueRect.Empty() {
		it.OpaqueRect = s.sh.toPixels(s.opaqueRect.Add(r.Min)).Add(at)
	}
	return it
}

// AppendSurface appends to sc the items of a surface drawn outside the
// shell's stacking (a cursor, a drag icon) with its top-left corner at
// at (output pixels): the surface and its subsurfaces, scaled by the
// output scale. It reports whether anything was
// appended.
func (sh *Shell) AppendSurface(sc *render.Scene, surface *protocol.Object, at image.Point) bool {
	s := sh.Surface(surface)
	if s == nil || s.destroyed {
		return false
	}
	n := len(sc.Items)
	walkTree(s, image.Point{}, func(s *Surface, r image.Rectangle) {
		if s.tex != nil {
			// at is in output pixels; the tree's offsets and sizes are
			// surface units (outputs.go).
			sc.Items = append(sc.Items, s.item(r, at))
		}
	})
	return len(sc.Items) > n
}

// SurfaceAt returns the topmost visible surface accepting input at output
// position (x, y) (pixels of the rendered output, as Scene's), and the
// position in its surface coordinates; surface is nil when the point is
// over the background.
func (sh *Shell) SurfaceAt(x, y float64) (surface *protocol.Object, sx, sy float64) {
	x, y = sh.toLogical(x, y) // outputs.go
	p := image.Pt(int(math.Floor(x)), int(math.Floor(y)))
	var hit *Surface
	var at image.Point
	sh.walk(func(s *Surface, r image.Rectangle) {
		if !p.In(r) {
			return
		}
		local := p.Sub(r.Min)
		if s.inputAll || s.input.contains(local) {
			hit, at = s, r.Min
		}
	})
	if hit == nil {
		return nil, 0, 0
	}
	return hit.obj, x - float64(at.X), y - float64(at.Y)
}

// SurfaceRect returns where a visible surface is in the global (logical)
// space, in surface-coordinate units.
func (sh *Shell) SurfaceRect(surface *protocol.Object) (r image.Rectangle, visible bool) {
	target := sh.Surface(surface)
	sh.walk(func(s *Surface, sr image.Rectangle) {
		if s == target {
			r, visible = sr, true
		}
	})
	return r, visible
}
