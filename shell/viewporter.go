package shell

import (
	"image"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// ViewporterVersion is the wp_viewporter version advertised (the only one
// in wayland-protocols 1.31).
const ViewporterVersion = 1

// AddViewporter advertises wp_viewporter: a wp_viewport per wl_surface
// crops its buffer (set_source, surface coordinates before the viewport,
// 24.8 fixed point) and scales the result to a destination size
// (set_destination, surface coordinates). Both are double-buffered
// wl_surface state, applied at commit.
//
// Errors, as viewporter.xml defines them: viewport_exists (0) on the
// wp_viewporter for a second viewport of one surface; bad_value (0) on the
// wp_viewport for a negative or zero size or a negative source origin
// (other than the all -1 "unset"); bad_size (1) at commit when there is no
// destination and the source size is not an integer; out_of_buffer (2) at
// commit when the source rectangle reaches outside the buffer (after the
// buffer transform and scale); no_surface (3) on the wp_viewport for
// set_source or set_destination after its wl_surface was destroyed.
//
// The renderers draw the crop and the scale (render.Item Src and Dst). A
// source rectangle with fractional edges is widened to whole buffer
// pixels.
func (sh *Shell) AddViewporter() *server.Global {
	return sh.d.AddGlobal(&protocol.WpViewporterInterface, ViewporterVersion,
		func(c *server.Client, id protocol.ObjectID, version uint32) {
			v := &viewporter{sh: sh, c: c}
			v.obj = c.NewObject(id, &protocol.WpViewporterInterface, version, v)
		})
}

type viewporter struct {
	sh  *Shell
	c   *server.Client
	obj *protocol.Object
}

// Destroy handles wp_viewporter.destroy; existing viewports stay.
func (v *viewporter) Destroy() error { return nil }

// GetViewport handles wp_viewporter.get_viewport.
func (v *viewporter) GetViewport(id protocol.ObjectID, surface *protocol.Object) error {
	s := v.sh.Surface(surface)
	if s == nil {
		return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation, "wp_viewporter@%d.get_viewport: not a wl_surface", v.obj.ID)
	}
	if s.viewport != nil {
		return protocol.Errorf(v.obj, protocol.WpViewporterErrorViewportExists,
			"wp_viewporter@%d.get_viewport: wl_surface@%d already has a viewport", v.obj.ID, surface.ID)
	}
	vp := &viewport{s: s}
	obj := v.c.NewObject(id, &protocol.WpViewportInterface, v.obj.Version, vp)
	if obj == nil {
		return nil
	}
	vp.obj = obj
	s.viewport = vp
	return nil
}

// viewport is a wp_viewport; s is nil once its surface is destroyed.
type viewport struct {
	s   *Surface
	obj *protocol.Object
}

// vpSource is a source rectangle in surface coordinates (24.8 fixed).
type vpSource struct {
	x, y, w, h protocol.Fixed
}

const fixedMinusOne = protocol.Fixed(-256)

// SetSource handles wp_viewport.set_source.
func (vp *viewport) SetSource(x, y, w, h protocol.Fixed) error {
	if vp.s == nil {
		return vp.noSurface("set_source")
	}
	if x == fixedMinusOne && y == fixedMinusOne && w == fixedMinusOne && h == fixedMinusOne {
		vp.s.pending.vpSrcSet = false
		vp.s.pending.set |= fViewportSrc
		return nil
	}
	if x < 0 || y < 0 || w <= 0 || h <= 0 {
		return protocol.Errorf(vp.obj, protocol.WpViewportErrorBadValue,
			"wp_viewport@%d.set_source: invalid rectangle %v,%v %vx%v", vp.obj.ID, x, y, w, h)
	}
	vp.s.pending.vpSrc, vp.s.pending.vpSrcSet = vpSource{x, y, w, h}, true
	vp.s.pending.set |= fViewportSrc
	return nil
}

// SetDestination handles wp_viewport.set_destination.
func (vp *viewport) SetDestination(w, h int32) error {
	if vp.s == nil {
		return vp.noSurface("set_destination")
	}
	if w == -1 && h == -1 {
		vp.s.pending.vpDst = image.Point{}
		vp.s.pending.set |= fViewportDst
		return nil
	}
	if w <= 0 || h <= 0 {
		return protocol.Errorf(vp.obj, protocol.WpViewportErrorBadValue,
			"wp_viewport@%d.set_destination: invalid size %dx%d", vp.obj.ID, w, h)
	}
	vp.s.pending.vpDst = image.Pt(int(w), int(h))
	vp.s.pending.set |= fViewportDst
	return nil
}

func (vp *viewport) noSurface(req string) error {
	return protocol.Errorf(vp.obj, protocol.WpViewportErrorNoSurface,
		"wp_viewport@%d.%s: the wl_surface was destroyed", vp.obj.ID, req)
}

// Destroy handles wp_viewport.destroy: the crop and scale are removed at
// the surface's next commit.
func (vp *viewport) Destroy() error { return nil }

// OnDestroy unsets the source and destination (pending) and lets the
// surface take another viewport.
func (vp *viewport) OnDestroy() {
	if vp.s == nil {
		return
	}
	vp.s.pending.vpSrcSet, vp.s.pending.vpDst = false, image.Point{}
	vp.s.pending.set |= fViewportSrc | fViewportDst
	vp.s.viewport = nil
	vp.s = nil
}

// surfaceGone detaches the viewport from its destroyed surface.
func (vp *viewport) surfaceGone() { vp.s = nil }

// checkViewport enforces bad_size and out_of_buffer for the state this
// commit makes current (pending over the cache over the current state).
func (s *Surface) checkViewport() error {
	if s.viewport == nil {
		return nil
	}
	has, w, h, scale, tr := s.hasBuffer, s.bufW, s.bufH, s.scale, s.transform
	src, srcSet, dst := s.vpSrc, s.vpSrcSet, s.vpDst
	for _, st := range []*state{&s.cached, &s.pending} {
		if st == &s.cached && !s.hasCache {
			continue
		}
		if st.set&fBuffer != 0 {
			b := bufferSource(st.buffer)
			has = b != nil
			if has {
				w, h = b.Size()
			}
		}
		if st.set&fScale != 0 {
			scale = st.scale
		}
		if st.set&fTransform != 0 {
			tr = st.transform
		}
		if st.set&fViewportSrc != 0 {
			src, srcSet = st.vpSrc, st.vpSrcSet
		}
		if st.set&fViewportDst != 0 {
			dst = st.vpDst
		}
	}
	if !srcSet {
		return nil
	}
	if dst == (image.Point{}) && (src.w&0xff != 0 || src.h&0xff != 0) {
		return protocol.Errorf(s.viewport.obj, protocol.WpViewportErrorBadSize,
			"wp_viewport@%d: source size %vx%v is not an integer and no destination is set", s.viewport.obj.ID, src.w, src.h)
	}
	if !has {
		return nil
	}
	if tr.SwapsAxes() {
		w, h = h, w
	}
	sw, sh := int64(w/int(scale))<<8, int64(h/int(scale))<<8
	if int64(src.x)+int64(src.w) > sw || int64(src.y)+int64(src.h) > sh {
		return protocol.Errorf(s.viewport.obj, protocol.WpViewportErrorOutOfBuffer,
			"wp_viewport@%d: source %v,%v %vx%v outside the %dx%d surface content", s.viewport.obj.ID,
			src.x, src.y, src.w, src.h, sw>>8, sh>>8)
	}
	return nil
}

// hasViewport reports whether the current state crops or scales.
func (s *Surface) hasViewport() bool { return s.vpSrcSet || s.vpDst != (image.Point{}) }

// viewportSrc returns the current source rectangle in buffer pixels (after
// the buffer scale and transform), fractional edges widened; the zero
// rectangle when there is none (the whole buffer).
func (s *Surface) viewportSrc() image.Rectangle {
	if !s.vpSrcSet || !s.hasBuffer {
		return image.Rectangle{}
	}
	sc := int64(s.scale)
	floor := func(f protocol.Fixed) int { return int(int64(f) * sc >> 8) }
	ceil := func(f protocol.Fixed) int { return int((int64(f)*sc + 255) >> 8) }
	r := image.Rect(floor(s.vpSrc.x), floor(s.vpSrc.y), ceil(s.vpSrc.x+s.vpSrc.w), ceil(s.vpSrc.y+s.vpSrc.h))
	W, H := s.bufW, s.bufH
	if s.transform.SwapsAxes() {
		W, H = H, W
	}
	return transformRect(r, s.transform, W, H).Intersect(image.Rect(0, 0, s.bufW, s.bufH))
}

var (
	_ protocol.WpViewporterHandler = (*viewporter)(nil)
	_ protocol.WpViewportHandler   = (*viewport)(nil)
	_ server.Destroyer             = (*viewport)(nil)
)
