package shell

import (
	"fmt"
	"image"
	"log/slog"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
)

// field marks which double-buffered values a state sets.
type field uint32

const (
	fBuffer field = 1 << iota
	fOffset
	fScale
	fTransform
	fOpaque
	fInput
	fViewportSrc // viewporter.go
	fViewportDst
)

// state is one set of double-buffered wl_surface values: the pending state
// requests fill, or the cache of a synchronized subsurface.
type state struct {
	set       field
	buffer    *protocol.Object // nil with fBuffer set: a NULL attach
	dx, dy    int
	damage    []image.Rectangle // surface coordinates
	bufDamage []image.Rectangle // buffer coordinates
	scale     int32
	transform render.Transform
	opaque    rects
	input     rects
	inputAll  bool // input region is infinite
	frames    []*protocol.Object
	// wp_viewport state (viewporter.go); vpDst zero means unset.
	vpSrc    vpSource
	vpSrcSet bool
	vpDst    image.Point
}

// moveInto merges st into dst (the sync cache) and clears st. A cached
// buffer replaced before the parent committed is released: the compositor
// will never use it.
func (st *state) moveInto(dst *state, damageLimit int) {
	if st.set&fBuffer != 0 {
		if dst.set&fBuffer != 0 && dst.buffer != st.buffer {
			releaseBuffer(dst.buffer)
		}
		dst.buffer = st.buffer
	}
	if st.set&fOffset != 0 {
		dst.dx += st.dx
		dst.dy += st.dy
	}
	if st.set&fScale != 0 {
		dst.scale = st.scale
	}
	if st.set&fTransform != 0 {
		dst.transform = st.transform
	}
	if st.set&fOpaque != 0 {
		dst.opaque = st.opaque
	}
	if st.set&fInput != 0 {
		dst.input, dst.inputAll = st.input, st.inputAll
	}
	if st.set&fViewportSrc != 0 {
		dst.vpSrc, dst.vpSrcSet = st.vpSrc, st.vpSrcSet
	}
	if st.set&fViewportDst != 0 {
		dst.vpDst = st.vpDst
	}
	dst.damage = appendDamage(dst.damage, damageLimit, st.damage...)
	dst.bufDamage = appendDamage(dst.bufDamage, damageLimit, st.bufDamage...)
	dst.frames = append(dst.frames, st.frames...)
	dst.set |= st.set
	st.reset()
}

func (st *state) reset() {
	st.set = 0
	st.buffer = nil
	st.dx, st.dy = 0, 0
	st.damage = st.damage[:0]
	st.bufDamage = st.bufDamage[:0]
	st.opaque, st.input, st.inputAll = nil, nil, false
	clear(st.frames)
	st.frames = st.frames[:0]
}

// appendDamage appends rs to dst; past limit rectangles (max_damage_rects)
// the list collapses into its bounding box.
func appendDamage(dst []image.Rectangle, limit int, rs ...image.Rectangle) []image.Rectangle {
	for _, r := range rs {
		if r.Empty() {
			continue
		}
		if len(dst) >= limit {
			u := r
			for _, x := range dst {
				u = u.Union(x)
			}
			dst = append(dst[:0], u)
			continue
		}
		dst = append(dst, r)
	}
	return dst
}

func bufferSource(buf *protocol.Object) BufferSource {
	if buf == nil || buf.Destroyed() {
		return nil
	}
	src, _ := buf.Handler.(BufferSource)
	return src
}

func releaseBuffer(buf *protocol.Object) {
	if src := bufferSource(buf); src != nil {
		src.Release()
	}
}

// Surface is a wl_surface: its double-buffered state, its committed
// contents (a texture) and its role.
type Surface struct {
	sh  *Shell
	c   *server.Client
	obj *protocol.Object

	pending  state
	cached   state // synchronized subsurfaces only
	hasCache bool

	// Current (applied) state.
	scale     int32
	transform render.Transform
	opaque    rects
	input     rects
	inputAll  bool
	hasBuffer bool
	bufW      int
	bufH      int
	bufOpaque bool
	// opaqueAll: the opaque region covers the whole surface, so the
	// renderer may treat it as opaque (and cull what is below).
	opaqueAll bool
	// opaqueRect: the largest rectangle of the opaque region, inside
	// the surface (a window's body inside its shadows), for
	// render.Item.OpaqueRect.
	opaqueRect image.Rectangle
	// The applied wp_viewport state and the live viewport (viewporter.go).
	vpSrc    vpSource
	vpSrcSet bool
	vpDst    image.Point
	viewport *viewport
	// fractional is the live wp_fractional_scale_v1 (fractional.go).
	fractional *fractionalScale

	tex     render.Texture
	held    *shm.Pixels // the buffer tex draws from (render.BufferTexture)
	refused bool        // the current buffer was refused (too large to copy)
	staging shm.Staging
	scratch []image.Rectangle

	role string
	sub  *subsurface // the live wl_subsurface, if any
	xdg  *xdgSurface // the live xdg_surface, if any
	// children is the applied stacking order of this surface (itself
	// included) and its subsurfaces, bottom first; childrenPending is the
	// order place_above/below build, applied when this surface's state is.
	children        []*Surface
	childrenPending []*Surface

	frameCount int // frame callbacks requested and not yet done

	regionCharged int64 // region rectangles charged to the client (limits.go)

	// roleOffset sums the offsets (wl_surface.offset, attach dx, dy)
	// committed on a surface whose role is not the shell's: cursors and
	// drag icons move by them (RoleOffset).
	roleOffset image.Point

	outputs    uint64 // bit i: on the shell's output i (outputs.go)
	visEpoch   uint64 // updateOutputs' walk that set visOutputs
	visOutputs uint64
	entered    []*protocol.Object // wl_output objects sent enter
	destroyed  bool
}

func newSurface(sh *Shell, c *server.Client) *Surface {
	s := &Surface{sh: sh, c: c, scale: 1, inputAll: true}
	s.children = []*Surface{s}
	s.childrenPending = []*Surface{s}
	return s
}

// Resource returns the wl_surface object.
func (s *Surface) Resource() *protocol.Object { return s.obj }

// Client returns the client owning the surface.
func (s *Surface) Client() *server.Client { return s.c }

// Role returns the surface's role name ("" for none): "wl_subsurface",
// "xdg_toplevel", "xdg_popup", or one set with SetRole.
func (s *Surface) Role() string { return s.role }

// SetRole gives the surface a role (for roles defined outside this
// package, such as "wl_pointer-cursor"). A wl_surface keeps its role for
// life, so it fails when the surface already has another one; the caller
// posts its interface's role error.
func (s *Surface) SetRole(name string) bool {
	if s.role != "" && s.role != name {
		return false
	}
	s.role = name
	return true
}

// Size returns the surface size in surface coordinates: the buffer size
// divided by the buffer scale, rotated by the buffer transform, unless a
// wp_viewport sets a destination size (or a source size without one). It
// is 0x0 without a buffer.
func (s *Surface) Size() (w, h int) {
	if !s.hasBuffer {
		return 0, 0
	}
	if s.vpDst != (image.Point{}) {
		return s.vpDst.X, s.vpDst.Y
	}
	if s.vpSrcSet {
		return s.vpSrc.w.Int(), s.vpSrc.h.Int()
	}
	w, h = s.bufW/int(s.scale), s.bufH/int(s.scale)
	if s.transform.SwapsAxes() {
		w, h = h, w
	}
	return w, h
}

// RoleOffset returns the sum of the offsets committed on a surface with a
// role from outside this package (a cursor's hotspot moves by the change,
// a drag icon's position too).
func (s *Surface) RoleOffset() (x, y int) { return s.roleOffset.X, s.roleOffset.Y }

// Texture returns the texture holding the committed contents, or nil.
func (s *Surface) Texture() render.Texture { return s.tex }

// HasContent reports whether a buffer is committed (the surface is not
// unmapped by a NULL attach).
func (s *Surface) HasContent() bool { return s.hasBuffer }

// Destroy handles wl_surface.destroy; cleanup runs in OnDestroy.
func (s *Surface) Destroy() error { return nil }

// OnDestroy unmaps the surface and detaches whatever referred to it.
func (s *Surface) OnDestroy() {
	s.destroyed = true
	if s.viewport != nil {
		s.viewport.surfaceGone()
		s.viewport = nil
	}
	if s.fractional != nil {
		s.fractional.s = nil
		s.fractional = nil
	}
	if s.xdg != nil {
		s.xdg.surfaceGone()
	}
	if s.sub != nil {
		s.sub.unlink()
	}
	for _, ch := range s.childrenPending {
		if ch != s && ch.sub != nil {
			ch.sub.parent = nil
		}
	}
	for _, ch := range s.children {
		if ch != s && ch.sub != nil {
			ch.sub.parent = nil
		}
	}
	s.children, s.childrenPending = nil, nil
	if s.hasCache && s.cached.set&fBuffer != 0 {
		releaseBuffer(s.cached.buffer)
	}
	for _, st := range []*state{&s.pending, &s.cached} {
		for _, cb := range st.frames {
			s.c.Destroy(cb)
		}
		st.reset()
	}
	if s.frameCount > 0 {
		for _, cb := range s.sh.frames {
			if cb.s == s {
				s.c.Destroy(cb.obj)
			}
		}
	}
	s.dropContents()
	s.sh.releaseHeldOf(s)
	s.hasBuffer = false
	s.opaque, s.input = nil, nil
	s.syncRegions()
	delete(s.sh.surfaces, s)
	s.sh.updateOutputs()
	s.sh.sceneChanged(nil)
}

// Attach handles wl_surface.attach.
func (s *Surface) Attach(buffer *protocol.Object, x, y int32) error {
	if s.obj.Version >= 5 && (x != 0 || y != 0) {
		return protocol.Errorf(s.obj, protocol.WlSurfaceErrorInvalidOffset,
			"wl_surface@%d.attach: non-zero offset (%d, %d) at version %d; use wl_surface.offset", s.obj.ID, x, y, s.obj.Version)
	}
	if buffer != nil {
		if _, ok := buffer.Handler.(BufferSource); !ok {
			return protocol.Errorf(nil, protocol.WlDisplayErrorImplementation,
				"wl_buffer@%d cannot be used as wl_surface content", buffer.ID)
		}
	}
	s.pending.buffer = buffer
	s.pending.set |= fBuffer
	if s.obj.Version < 5 {
		s.pending.dx, s.pending.dy = int(x), int(y)
		s.pending.set |= fOffset
	}
	return nil
}

// Offset handles wl_surface.offset (v5).
func (s *Surface) Offset(x, y int32) error {
	s.pending.dx, s.pending.dy = int(x), int(y)
	s.pending.set |= fOffset
	return nil
}

// Damage handles wl_surface.damage (surface coordinates).
func (s *Surface) Damage(x, y, w, h int32) error {
	s.pending.damage = s.addDamage(s.pending.damage, rectFrom(x, y, w, h))
	return nil
}

// DamageBuffer handles wl_surface.damage_buffer (buffer coordinates).
func (s *Surface) DamageBuffer(x, y, w, h int32) error {
	s.pending.bufDamage = s.addDamage(s.pending.bufDamage, rectFrom(x, y, w, h))
	return nil
}

// Frame handles wl_surface.frame.
func (s *Surface) Frame(callback protocol.ObjectID) error {
	if !s.chargeFrame() { // limits.go
		return nil
	}
	cb := s.c.NewObject(callback, &protocol.WlCallbackInterface, 1, frameCharge{s.c})
	if cb == nil {
		s.c.Uncharge(server.FrameCallbacks, 1)
		return nil
	}
	s.frameCount++
	s.pending.frames = append(s.pending.frames, cb)
	return nil
}

// SetOpaqueRegion handles wl_surface.set_opaque_region; the region is
// copied, so later changes to it do not matter.
func (s *Surface) SetOpaqueRegion(r *protocol.Object) error {
	s.pending.opaque = nil
	if r != nil {
		if reg, ok := r.Handler.(*region); ok {
			s.pending.opaque = reg.rs.clone()
		}
	}
	s.pending.set |= fOpaque
	s.syncRegions()
	return nil
}

// SetInputRegion handles wl_surface.set_input_region; NULL is infinite.
func (s *Surface) SetInputRegion(r *protocol.Object) error {
	s.pending.input, s.pending.inputAll = nil, r == nil
	if r != nil {
		if reg, ok := r.Handler.(*region); ok {
			s.pending.input = reg.rs.clone()
		}
	}
	s.pending.set |= fInput
	s.syncRegions()
	return nil
}

// SetBufferTransform handles wl_surface.set_buffer_transform (v2).
func (s *Surface) SetBufferTransform(t protocol.WlOutputTransform) error {
	if !render.Transform(t).Valid() {
		return protocol.Errorf(s.obj, protocol.WlSurfaceErrorInvalidTransform,
			"wl_surface@%d.set_buffer_transform: invalid transform %d", s.obj.ID, t)
	}
	s.pending.transform = render.Transform(t)
	s.pending.set |= fTransform
	return nil
}

// SetBufferScale handles wl_surface.set_buffer_scale (v3).
func (s *Surface) SetBufferScale(scale int32) error {
	if scale <= 0 {
		return protocol.Errorf(s.obj, protocol.WlSurfaceErrorInvalidScale,
			"wl_surface@%d.set_buffer_scale: invalid scale %d", s.obj.ID, scale)
	}
	s.pending.scale = scale
	s.pending.set |= fScale
	return nil
}

// Commit handles wl_surface.commit: the pending state is validated, then
// cached (synchronized subsurface) or applied.
func (s *Surface) Commit() error {
	if err := s.checkSize(); err != nil {
		return err
	}
	if err := s.checkViewport(); err != nil { // viewporter.go
		return err
	}
	if s.xdg != nil {
		if err := s.xdg.precommit(); err != nil {
			return err
		}
	}
	s.sh.stats.Commits++
	if s.sub != nil && s.sub.synchronized() {
		s.pending.moveInto(&s.cached, s.damageLimit())
		s.hasCache = true
		s.syncRegions()
		return nil
	}
	if s.hasCache {
		s.pending.moveInto(&s.cached, s.damageLimit())
		s.hasCache = false
		s.apply(&s.cached)
	} else {
		s.apply(&s.pending)
	}
	s.sh.updateOutputs()
	s.sh.sceneChanged(s)
	return nil
}

// checkSize enforces that the buffer size after this commit is a multiple
// of the buffer scale (wl_surface.error.invalid_size).
func (s *Surface) checkSize() error {
	if s.pending.set&(fBuffer|fScale) == 0 {
		return nil
	}
	has, w, h, scale := s.hasBuffer, s.bufW, s.bufH, s.scale
	for _, st := range []*state{&s.cached, &s.pending} {
		if st == &s.cached && !s.hasCache {
			continue
		}
		if st.set&fBuffer != 0 {
			src := bufferSource(st.buffer)
			has = src != nil
			if has {
				w, h = src.Size()
			}
		}
		if st.set&fScale != 0 {
			scale = st.scale
		}
	}
	if has && (w%int(scale) != 0 || h%int(scale) != 0) {
		return protocol.Errorf(s.obj, protocol.WlSurfaceErrorInvalidSize,
			"wl_surface@%d: buffer size %dx%d is not a multiple of the buffer scale %d", s.obj.ID, w, h, scale)
	}
	return nil
}

// applyCached applies a synchronized subsurface's cache when its parent's
// state is applied (or it became desynchronized).
func (s *Surface) applyCached() {
	s.hasCache = false
	s.apply(&s.cached)
}

// apply makes st the current state: uploads a new buffer and releases it,
// queues frame callbacks, applies the subsurface order and positions this
// surface governs and the caches of its synchronized children, then lets the
// role react.
func (s *Surface) apply(st *state) {
	if st.set&fScale != 0 {
		s.scale = st.scale
	}
	if st.set&fTransform != 0 {
		s.transform = st.transform
	}
	if st.set&fViewportSrc != 0 {
		s.vpSrc, s.vpSrcSet = st.vpSrc, st.vpSrcSet
	}
	if st.set&fViewportDst != 0 {
		s.vpDst = st.vpDst
	}
	if st.set&fBuffer != 0 {
		s.consumeBuffer(st)
	}
	if st.set&fOffset != 0 && (st.dx != 0 || st.dy != 0) {
		switch {
		case s.sub != nil:
			s.sub.x += st.dx
			s.sub.y += st.dy
		case s.xdg != nil && s.xdg.toplevel != nil:
			s.xdg.toplevel.x += st.dx
			s.xdg.toplevel.y += st.dy
		default:
			s.roleOffset = s.roleOffset.Add(image.Pt(st.dx, st.dy))
		}
	}
	if st.set&fOpaque != 0 {
		s.opaque = st.opaque
	}
	if st.set&fInput != 0 {
		s.input, s.inputAll = st.input, st.inputAll
	}
	if st.set&(fOpaque|fBuffer|fScale|fTransform|fViewportSrc|fViewportDst) != 0 {
		w, h := s.Size()
		s.opaqueAll = s.opaque.covers(image.Rect(0, 0, w, h))
		s.opaqueRect = s.opaque.largest().Intersect(image.Rect(0, 0, w, h))
	}
	for _, cb := range st.frames {
		s.sh.frames = append(s.sh.frames, frameCallback{obj: cb, s: s})
	}
	st.reset()
	s.sh.applied(s.obj) // protocol_hooks.go

	s.children = append(s.children[:0], s.childrenPending...)
	for _, ch := range s.children {
		if ch != s && ch.sub != nil {
			ch.sub.x, ch.sub.y = ch.sub.pendingX, ch.sub.pendingY
		}
	}
	for _, ch := range s.children {
		if ch != s && ch.sub != nil && ch.hasCache && ch.sub.synchronized() {
			ch.applyCached()
		}
	}
	s.syncRegions()
	if s.xdg != nil {
		s.xdg.committed()
	}
}

// PixelSource is implemented by buffer sources whose pixels a renderer can
// hold and read while drawing, instead of a copy at commit (shm buffers).
type PixelSource interface {
	// Pixels holds the buffer; nil when the client may not hold more (it
	// has its protocol error).
	Pixels() *shm.Pixels
}

// maxUploadBytes is the largest buffer a copying renderer copies (limit
// max_upload_bytes).
func (sh *Shell) maxUploadBytes() int64 {
	return sh.d.Limits().MaxUploadBytes
}

// consumeBuffer gives the committed buffer to the surface's texture. A
// render.BufferTexture holds the buffer itself: the buffer stays busy
// until replaced, and is released then (render/soft draws from it), or
// until the next render copies it (render/gl releases it then). Other
// textures get the damaged part copied into them, and the buffer is
// released at once. A copying renderer's buffer larger than its texture
// size or max_upload_bytes is refused before any copy (the surface shows
// nothing). A NULL (or destroyed) buffer removes the contents.
func (s *Surface) consumeBuffer(st *state) {
	src := bufferSource(st.buffer)
	if src == nil {
		s.hasBuffer, s.bufW, s.bufH = false, 0, 0
		s.dropContents()
		return
	}
	w, h := src.Size()
	full := !s.hasBuffer || s.tex == nil || w != s.bufW || h != s.bufH
	s.hasBuffer, s.bufW, s.bufH, s.bufOpaque = true, w, h, src.Opaque()
	var damage []image.Rectangle
	if !full {
		damage = s.bufferDamage(st)
		if len(damage) == 0 {
			if s.held == nil {
				s.sh.stats.BuffersUsed++
				src.Release()
				return
			}
			damage = []image.Rectangle{} // a held buffer is replaced all the same
		}
	}
	if s.tex == nil {
		s.tex = s.sh.r.NewTexture()
	}
	bt, _ := s.tex.(render.BufferTexture)
	if bt == nil || s.sh.copies {
		if reason := s.sh.uploadRefused(w, h); reason != "" {
			if !s.refused {
				slog.Warn("buffer refused: too large to copy into a texture", "client", s.c.ID(), "surface", s.obj.ID,
					"size", image.Pt(w, h), "limit", reason)
			}
			s.refused = true
			s.sh.stats.Refused++
			s.sh.stats.BuffersUsed++
			s.dropContents()
			src.Release()
			return
		}
		s.refused = false
	}
	if bt != nil {
		if ps, ok := src.(PixelSource); ok {
			s.attach(bt, ps, damage, len(st.frames) > 0)
			return
		}
	}
	if s.held != nil {
		// A renderer that held buffers does not take this one.
		s.dropContents()
		s.tex = s.sh.r.NewTexture()
		damage = nil
	}
	img, err := src.Image(&s.staging, damage)
	if err != nil {
		// The buffer's owner has posted the protocol error.
		s.hasBuffer, s.bufW, s.bufH = false, 0, 0
		return
	}
	if err := s.tex.Upload(img, damage); err != nil {
		slog.Error("texture upload failed", "client", s.c.ID(), "surface", s.obj.ID, "size", image.Pt(w, h), "err", err)
	}
	s.sh.stats.Uploads++
	s.sh.stats.BuffersUsed++
	src.Release()
}

// attach makes the texture hold the buffer's pixels (no copy) and releases
// the buffer held before, which sends its wl_buffer.release unless
// another surface still shows it. When the commit asked for a frame
// callback (atFrame), that release waits for the next output frame and
// goes out with the callback (Shell.Frame): the client is waiting for the
// callback anyway, and is woken once instead of twice per frame (sway
// too holds a replaced shm buffer until its next render).
func (s *Surface) attach(bt render.BufferTexture, ps PixelSource, damage []image.Rectangle, atFrame bool) {
	px := ps.Pixels()
	if px == nil {
		// The buffer's owner has posted the protocol error.
		s.hasBuffer, s.bufW, s.bufH = false, 0, 0
		s.dropContents()
		return
	}
	old := s.held
	if err := bt.Attach(px, damage); err != nil {
		slog.Error("texture attach failed", "client", s.c.ID(), "surface", s.obj.ID, "size", image.Pt(s.bufW, s.bufH), "err", err)
		px.Release()
		s.dropContents()
		return
	}
	s.held = px
	switch {
	case old == nil:
	case atFrame:
		s.sh.releaseAtFrame = append(s.sh.releaseAtFrame, heldRelease{s, old})
	default:
		old.Release()
	}
	s.sh.stats.Uploads++
	s.sh.stats.BuffersUsed++
}

// dropContents frees the texture and lets go of a held buffer (releasing
// it) and of the staging copy: a surface without contents keeps no memory
// for them.
func (s *Surface) dropContents() {
	if s.tex != nil {
		s.tex.Destroy()
		s.tex = nil
	}
	if s.held != nil {
		s.held.Release()
		s.held = nil
	}
	s.staging = shm.Staging{}
}

// uploadRefused says which limit a w x h buffer exceeds for a copying
// renderer ("" when none): the renderer's texture size or MaxUploadBytes.
func (sh *Shell) uploadRefused(w, h int) string {
	if l, ok := sh.r.(render.TextureLimiter); ok {
		if m := l.MaxTextureSize(); w > m || h > m {
			return fmt.Sprintf("max texture size %d", m)
		}
	}
	if int64(w)*int64(h)*4 > sh.maxUploadBytes() {
		return fmt.Sprintf("max_upload_bytes %d", sh.maxUploadBytes())
	}
	return ""
}

// bufferDamage converts st's surface damage into buffer coordinates (the
// inverse of the buffer scale and transform), adds its buffer damage, and
// clips everything to the buffer.
func (s *Surface) bufferDamage(st *state) []image.Rectangle {
	bw, bh := s.bufW, s.bufH
	W, H := bw, bh // buffer size as seen upright
	if s.transform.SwapsAxes() {
		W, H = bh, bw
	}
	sc := int(s.scale)
	surf := image.Rect(0, 0, W/sc, H/sc)
	buf := image.Rect(0, 0, bw, bh)
	out := s.scratch[:0]
	if len(st.damage) > 0 && s.hasViewport() {
		// Surface damage through a crop and scale: the whole buffer.
		out = append(out, buf)
		s.scratch = out
		return out
	}
	for _, r := range st.damage {
		r = r.Intersect(surf)
		if r.Empty() {
			continue
		}
		r = image.Rect(r.Min.X*sc, r.Min.Y*sc, r.Max.X*sc, r.Max.Y*sc)
		if r = transformRect(r, s.transform, W, H).Intersect(buf); !r.Empty() {
			out = append(out, r)
		}
	}
	for _, r := range st.bufDamage {
		if r = r.Intersect(buf); !r.Empty() {
			out = append(out, r)
		}
	}
	s.scratch = out
	return out
}

// transformRect maps a rectangle of the upright W x H image to buffer
// coordinates for transform t, following the pixel mapping documented on
// render.Transform.
func transformRect(r image.Rectangle, t render.Transform, W, H int) image.Rectangle {
	x0, y0, x1, y1 := r.Min.X, r.Min.Y, r.Max.X, r.Max.Y
	switch t {
	case render.Transform90:
		return image.Rect(y0, W-x1, y1, W-x0)
	case render.Transform180:
		return image.Rect(W-x1, H-y1, W-x0, H-y0)
	case render.Transform270:
		return image.Rect(H-y1, x0, H-y0, x1)
	case render.TransformFlipped:
		return image.Rect(W-x1, y0, W-x0, y1)
	case render.TransformFlipped90:
		return image.Rect(y0, x0, y1, x1)
	case render.TransformFlipped180:
		return image.Rect(x0, H-y1, x1, H-y0)
	case render.TransformFlipped270:
		return image.Rect(H-y1, W-x1, H-y0, W-x0)
	}
	return r
}
