//go:build cgo

package gl

import (
	"errors"
	"fmt"
	"image"
	"math"
	"unsafe"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/damage"
)

// maxCoord bounds item coordinates as render/soft does; items beyond it
// are not drawn.
const maxCoord = 1 << 30

var (
	errClosed  = errors.New("gl: renderer closed")
	errForeign = errors.New("gl: texture not made by this renderer")
)

// Renderer draws scenes with OpenGL 3.3 core into a framebuffer object of
// the output's size, so that ReadPixels is exact and independent of any
// window; Blit copies it to the default framebuffer for the nested window.
//
// Every method must be called on the OS thread where the GL context is
// current (Proxy makes a Renderer usable from any goroutine).
type Renderer struct {
	prog     uint32
	vao      uint32
	fbo      uint32
	fboTex   uint32
	w, h     int
	maxSize  int
	closed   bool
	textures map[*Texture]struct{}

	uRect, uOut, uTex, uVis, uLut, uSwap, uSrc, uOpaque int32

	// The exact program's sample tables (samples.go), and the frame
	// count that orders their use.
	samples     [sampleSlots]samplesSlot
	sampleBuf   []int32
	sampleFills uint64 // tables computed and uploaded
	frames      uint64

	// scanOpaque makes Texture.Upload look for ARGB textures whose every
	// pixel is opaque (opaqueRect), to draw them without blend or
	// background: on Mesa's software rasterizers, where those are CPU
	// work. On a GPU they are not, and the scan would cost a read of
	// every uploaded byte (1.2 ms for a 1080p buffer here).
	scanOpaque bool

	// fast draws items at integer ratios: blended, or with blending off
	// for opaque ones, whose colour is then the texel's and the output's
	// alpha the texel's alpha byte (an X format's is undefined). Nothing
	// reads that alpha: blending's colour never uses the destination's
	// alpha, ReadPixels returns 255, and Blit sets a window's alpha to 1.
	// A second program writing alpha 1 (vec4(texel.rgb, 1.0)) came out
	// with red and blue swapped in whole 64x64 tiles from Mesa 22.3's
	// llvmpipe linear rasterizer (TestLargeOpaque).
	fast       fastProgram
	cur        uint32 // program in use during Render
	fastDraws  uint64
	exactDraws uint64
	drawnPx    int // item pixels drawn, all Renders (tests)

	// Output damage (render/damage, shared with render/soft): the FBO
	// keeps the last frame, so Render redraws only what differs.
	plans    []plan // this scene's drawn items, bottom first
	track    damage.Tracker
	damaged  []image.Rectangle    // the last Render's redrawn rectangles
	whole1   [1]image.Rectangle   // damaged when it is the whole output (mostOf)
	bgRects  [2][]image.Rectangle // backgroundOf's lists, reused
	cull     damage.Set           // the part of an item no opq above hides
	whole    []bool               // per plan: drawn whole in this damage rectangle
	noDamage bool                 // redraw everything every frame (A/B)
	noFlush  bool                 // no glFlush after a render (A/B)
	// Buffer age (Blit): the output rectangles changed since the last
	// Blit, and what each of the last blits copied.
	pending   image.Rectangle
	swaps     uint64                  // Blits so far
	swapDmg   [maxAge]image.Rectangle // [swaps%maxAge] is the last Blit's
	blitW     int                     // window and output size of the last Blit
	blitH     int
	blitOut   image.Point
	lastBlit  image.Rectangle // what the last Blit copied (output coordinates)
	fullBlits uint64          // Blits that copied everything
	drawFB    uint32          // Blit's target: 0, the window (tests: an FBO)
	// drawAlpha's answer, for framebuffer alphaFB.
	alphaFB    uint32
	alphaKnown bool
	hasAlpha   bool

	upload   UploadMode
	pbo      uint32              // pixel-unpack buffer for UploadMode.PBO
	pboLen   int                 // its size in bytes
	ring     [ringSlots]ringSlot // UploadMode.Ring's and Persist's buffers
	ringNext int                 // the next one to use
	// glBufferStorage (nil without GL_ARB_buffer_storage), for Persist.
	bufferStorage unsafe.Pointer
	persistWarned bool // Persist's fallback was logged
}

// plan is one item resolved against its texture and the output.
type plan struct {
	tex      *Texture
	src, dst image.Rectangle
	vis      image.Rectangle // dst clipped to the output, not empty
	t        render.Transform
	uw, uh   int // src's size after the transform
	opaque   bool
	opq      image.Rectangle // where it hides what is below: vis when opaque, else render.OpaqueArea
}

// maxAge is how many swaps of damage the renderer remembers for Blit's
// buffer age; an older back buffer is redrawn whole.
const maxAge = 4

// fastProgram is a linked fast program and its uniforms.
type fastProgram struct {
	prog                                uint32
	uRect, uOut, uAx, uSwap, uSrc, uTex int32
}

var _ render.Renderer = (*Renderer)(nil)

// New loads the GL functions with go-gl's default loader (glXGetProcAddress,
// which glvnd serves for EGL contexts too) and makes a renderer for the
// context current on the calling thread.
func New() (*Renderer, error) {
	if err := ogl.Init(); err != nil {
		return nil, fmt.Errorf("gl: init: %w", err)
	}
	return newRenderer(glxProcAddress)
}

// NewWithLoader is New with a custom function loader, such as
// egl.ProcAddress.
func NewWithLoader(getProcAddr func(name string) unsafe.Pointer) (*Renderer, error) {
	if err := ogl.InitWithProcAddrFunc(getProcAddr); err != nil {
		return nil, fmt.Errorf("gl: init: %w", err)
	}
	return newRenderer(getProcAddr)
}

func newRenderer(procAddr func(name string) unsafe.Pointer) (*Renderer, error) {
	prog, err := link(vertexShader, fragmentShader)
	if err != nil {
		return nil, err
	}
	r := &Renderer{prog: prog, textures: make(map[*Texture]struct{}), noDamage: envNoDamage(), noFlush: envNoFlush()}
	name := ogl.GoStr(ogl.GetString(ogl.RENDERER))
	r.upload = envUpload(name)
	r.scanOpaque = IsSoftware(name)
	loc := func(name string) int32 { return ogl.GetUniformLocation(prog, ogl.Str(name+"\x00")) }
	r.uRect, r.uOut, r.uTex, r.uVis = loc("uRect"), loc("uOut"), loc("uTex"), loc("uVis")
	r.uLut, r.uSwap = loc("uLut"), loc("uSwap")
	r.uSrc, r.uOpaque = loc("uSrc"), loc("uOpaque")
	ogl.UseProgram(prog)
	ogl.Uniform1i(r.uLut, 1) // texture unit 1 (samplesOf)
	ogl.UseProgram(0)
	fp, err := link(fastVertexShader, fastFragmentShader)
	if err != nil {
		r.Close()
		return nil, err
	}
	l := func(name string) int32 { return ogl.GetUniformLocation(fp, ogl.Str(name+"\x00")) }
	r.fast = fastProgram{prog: fp, uRect: l("uRect"), uOut: l("uOut"), uAx: l("uAx"), uSwap: l("uSwap"), uSrc: l("uSrc"), uTex: l("uTex")}
	ogl.GenVertexArrays(1, &r.vao)
	ogl.GenFramebuffers(1, &r.fbo)
	var max int32
	ogl.GetIntegerv(ogl.MAX_TEXTURE_SIZE, &max)
	r.maxSize = min(MaxSize, int(max))
	r.bufferStorage = findBufferStorage(procAddr)
	if e := ogl.GetError(); e != ogl.NO_ERROR {
		r.Close()
		return nil, fmt.Errorf("gl: setup: GL error 0x%x", e)
	}
	return r, nil
}

// Name returns "gl".
func (r *Renderer) Name() string { return "gl" }

// Info returns GL_RENDERER and GL_VERSION, for logs.
func (r *Renderer) Info() (renderer, version string) {
	return ogl.GoStr(ogl.GetString(ogl.RENDERER)), ogl.GoStr(ogl.GetString(ogl.VERSION))
}

// NewTexture returns an empty *Texture; the GL texture is made at the
// first upload.
func (r *Renderer) NewTexture() render.Texture { return &Texture{r: r} }

// Draws returns how many items were drawn by the fast program (integer
// scale ratios) and by the exact program (any other ratio).
func (r *Renderer) Draws() (fast, exact uint64) { return r.fastDraws, r.exactDraws }

// Size is the size of the last rendered output.
func (r *Renderer) Size() (w, h int) { return r.w, r.h }

// FBO is the framebuffer object the output is rendered into; its row y is
// output row y (top-down, unlike a window).
func (r *Renderer) FBO() uint32 { return r.fbo }

// glTextured is implemented by Proxy's textures.
type glTextured interface{ glTexture() *Texture }

func (r *Renderer) textureOf(t render.Texture) *Texture {
	switch t := t.(type) {
	case *Texture:
		if t.r == r {
			return t
		}
	case glTextured:
		if gt := t.glTexture(); gt.r == r {
			return gt
		}
	}
	return nil
}

func (r *Renderer) resize(w, h int) error {
	if w == r.w && h == r.h && (r.fboTex != 0 || w == 0 || h == 0) {
		return nil
	}
	r.w, r.h = w, h
	r.track.Invalidate()
	if r.fboTex != 0 {
		ogl.DeleteTextures(1, &r.fboTex)
		r.fboTex = 0
	}
	if w == 0 || h == 0 {
		return nil
	}
	for ogl.GetError() != ogl.NO_ERROR {
	}
	ogl.GenTextures(1, &r.fboTex)
	ogl.BindTexture(ogl.TEXTURE_2D, r.fboTex)
	// The unsized GL_RGBA with GL_BGRA: Mesa stores it B, G, R, A, the
	// only order llvmpipe's linear rasterizer draws into, and ReadPixels'
	// GL_BGRA is then a copy.
	ogl.TexImage2D(ogl.TEXTURE_2D, 0, ogl.RGBA, int32(w), int32(h), 0, ogl.BGRA, ogl.UNSIGNED_INT_8_8_8_8_REV, nil)
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MIN_FILTER, ogl.NEAREST)
	ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MAG_FILTER, ogl.NEAREST)
	ogl.BindFramebuffer(ogl.FRAMEBUFFER, r.fbo)
	ogl.FramebufferTexture2D(ogl.FRAMEBUFFER, ogl.COLOR_ATTACHMENT0, ogl.TEXTURE_2D, r.fboTex, 0)
	if s := ogl.CheckFramebufferStatus(ogl.FRAMEBUFFER); s != ogl.FRAMEBUFFER_COMPLETE {
		ogl.DeleteTextures(1, &r.fboTex)
		r.fboTex, r.w, r.h = 0, 0, 0
		return fmt.Errorf("gl: %dx%d framebuffer incomplete: 0x%x (GL error 0x%x)", w, h, s, ogl.GetError())
	}
	return nil
}

// premultiply matches render/soft: round(c*a/255) per channel.
func premultiply(c, a uint8) float32 {
	t := uint32(c)*uint32(a) + 0x80
	return float32((t+t>>8)>>8) / 255
}

var emptyScene render.Scene

// Render draws scene into the output framebuffer, resized to width x
// height: the background (premultiplied), then each item with
// premultiplied "over" (GL_ONE, GL_ONE_MINUS_SRC_ALPHA), opaque items
// with alpha forced to 1. Sampling (render's filter.go: nearest-neighbour
// at integer ratios, linear elsewhere) is integer-exact, as in
// render/soft, so the two produce the same pixels. Items whose
// texture is not this renderer's are skipped and reported in the returned
// error; everything else is drawn.
func (r *Renderer) Render(scene *render.Scene, width, height int) error {
	if r.closed {
		return errClosed
	}
	if width < 0 || height < 0 || width > r.maxSize || height > r.maxSize {
		return fmt.Errorf("gl: bad output size %dx%d", width, height)
	}
	if err := r.resize(width, height); err != nil {
		return err
	}
	if width == 0 || height == 0 {
		return nil
	}
	if scene == nil {
		scene = &emptyScene
	}
	out := image.Rect(0, 0, width, height)
	var err error
	r.frames++
	plans := r.plans[:0]
	for i := range scene.Items {
		it := &scene.Items[i]
		tex := r.textureOf(it.Texture)
		if tex == nil {
			if it.Texture != nil && err == nil {
				err = errForeign
			}
			continue
		}
		if p, ok := planOf(it, tex, out); ok {
			plans = append(plans, p)
			r.track.Add(damage.Draw{Tex: &tex.hist, Src: p.src, Dst: p.dst, Vis: p.vis, T: p.t, Opaque: p.opaque, OpaqueRect: p.opq})
		}
	}
	r.plans = plans
	bg := scene.Background
	if r.noDamage {
		r.track.Invalidate()
	}
	r.damaged = r.track.Damage(out, bg)
	if mostOf(r.damaged, out) {
		r.whole1[0] = out
		r.damaged = r.whole1[:]
	}
	if len(r.damaged) == 0 {
		return err
	}
	for _, c := range r.damaged {
		r.pending = r.pending.Union(c)
	}

	ogl.BindFramebuffer(ogl.FRAMEBUFFER, r.fbo)
	ogl.Viewport(0, 0, int32(width), int32(height))
	ogl.Disable(ogl.DEPTH_TEST)
	ogl.ColorMask(true, true, true, true)
	ogl.ClearColor(premultiply(bg[0], bg[3]), premultiply(bg[1], bg[3]), premultiply(bg[2], bg[3]), float32(bg[3])/255)
	ogl.BindVertexArray(r.vao)
	ogl.ActiveTexture(ogl.TEXTURE0)
	progs := [2]struct{ prog, tex, out int32 }{
		{int32(r.prog), r.uTex, r.uOut},
		{int32(r.fast.prog), r.fast.uTex, r.fast.uOut},
	}
	for _, p := range progs {
		ogl.UseProgram(uint32(p.prog))
		ogl.Uniform1i(p.tex, 0)
		ogl.Uniform2f(p.out, float32(width), float32(height))
	}
	r.cur = r.fast.prog
	ogl.BlendFunc(ogl.ONE, ogl.ONE_MINUS_SRC_ALPHA)
	ogl.BlendEquation(ogl.FUNC_ADD)

	// Each damage rectangle: the background where no opaque item covers
	// it, then the items from the topmost one opaque over all of it (its
	// opq) up, clipped to it (the FBO's row y is output row y, so the
	// scissor box is the rectangle itself). As in render/soft, an item's
	// opaque region hides what is below it: the items below are not
	// drawn there (past maxPieces rectangles, an item is drawn whole),
	// and the item is drawn over the background colour there, cleared
	// first where a lower item is opaque (the background is not cleared
	// under it) or was drawn whole (coveredUnder).
	ogl.Enable(ogl.SCISSOR_TEST)
	if cap(r.whole) < len(plans) {
		r.whole = make([]bool, len(plans))
	}
	whole := r.whole[:len(plans)]
	for _, c := range r.damaged {
		scissor(c)
		start, covered := 0, false
		for i := len(plans) - 1; i >= 0; i-- {
			if c.In(plans[i].opq) {
				start, covered = i, true
				break
			}
		}
		switch {
		case !covered:
			for _, b := range r.backgroundOf(c, plans) {
				scissor(b)
				ogl.Clear(ogl.COLOR_BUFFER_BIT)
			}
			scissor(c)
		case !plans[start].opaque:
			ogl.Clear(ogl.COLOR_BUFFER_BIT)
		}
		for i := start; i < len(plans); i++ {
			p := plans[i]
			whole[i] = false
			v := p.vis.Intersect(c)
			if v.Empty() {
				continue
			}
			if o := p.opq.Intersect(c); !p.opaque && !o.Empty() && i > start && coveredUnder(plans[start:i], whole[start:i], o) {
				scissor(o)
				ogl.Clear(ogl.COLOR_BUFFER_BIT)
				scissor(c)
			}
			r.cull.Reset(v)
			for j := i + 1; j < len(plans); j++ {
				if r.cull.Sub(plans[j].opq) > maxPieces {
					r.cull.Reset(v)
					whole[i] = true
					break
				}
			}
			for _, v := range r.cull.Rects() {
				p.vis = v
				r.draw(&p)
			}
		}
	}
	ogl.Disable(ogl.SCISSOR_TEST)
	ogl.BindVertexArray(0)
	if !r.noFlush {
		// Submit the frame now: the driver (a GPU, llvmpipe's rasterizer
		// threads) works on it while the display loop waits for the next
		// frame, instead of when the next upload into a texture it reads
		// forces it, with the display loop waiting (see
		// docs/benchmarks.md, the bystander's round trips).
		ogl.Flush()
	}
	if e := ogl.GetError(); e != ogl.NO_ERROR {
		// The FBO's contents are unknown: draw everything next time.
		r.track.Invalidate()
		if err == nil {
			err = fmt.Errorf("gl: render: GL error 0x%x", e)
		}
	}
	return err
}

// mostOf reports whether damage rectangles rs (disjoint) cover at least
// three quarters of output out: Render then redraws all of it. Mesa
// clears a whole framebuffer in the driver but a scissored part of one
// by drawing a quad, and every item a damage rectangle crosses is drawn
// once more for each: eight windows stacked over most of a 1920x1080
// output cost 1.97 ms a window frame as their own two rectangles against
// 1.68 as the whole output (docs/benchmarks.md, "Stacked windows damage
// their own pixels").
func mostOf(rs []image.Rectangle, out image.Rectangle) bool {
	n := 0
	for _, c := range rs {
		n += damage.Area(c)
	}
	return len(rs) > 1 && 4*n >= 3*damage.Area(out)
}

// scissor sets the scissor box to output rectangle b (the FBO's row y
// is output row y).
func scissor(b image.Rectangle) {
	ogl.Scissor(int32(b.Min.X), int32(b.Min.Y), int32(b.Dx()), int32(b.Dy()))
}

// maxBgRects is how many rectangles backgroundOf splits a damage
// rectangle's background into before it clears the whole rectangle.
const maxBgRects = 32

// maxPieces bounds the rectangles an item's part of a damage rectangle
// is split into where the opaque areas above it hide it (a draw each);
// past it the item is drawn whole.
const maxPieces = 16

// coveredUnder reports whether o, inside an item's opaque area, holds
// anything but the background colour once the items below (bottom
// first; whole: which of them were drawn whole) are drawn: an opaque one
// (not cleared under) or one drawn whole. The others were not drawn in
// o, which their pieces leave out.
func coveredUnder(below []plan, whole []bool, o image.Rectangle) bool {
	for i := range below {
		if (below[i].opaque || whole[i]) && below[i].vis.Overlaps(o) {
			return true
		}
	}
	return false
}

// backgroundOf returns the parts of damage rectangle c that no opaque
// item covers: Render clears only those, so that opaque windows side by
// side in one damage rectangle are not cleared under. Past maxBgRects
// rectangles it returns c itself. The result is valid until the next
// call.
func (r *Renderer) backgroundOf(c image.Rectangle, plans []plan) []image.Rectangle {
	cur, next := append(r.bgRects[0][:0], c), r.bgRects[1][:0]
	for i := range plans {
		o := plans[i].vis.Intersect(c)
		if !plans[i].opaque || o.Empty() {
			continue
		}
		next = next[:0]
		for _, b := range cur {
			next = damage.Subtract(next, b, o)
		}
		cur, next = next, cur
		if len(cur) > maxBgRects {
			cur = append(cur[:0], c)
			break
		}
	}
	r.bgRects[0], r.bgRects[1] = cur, next
	return cur
}

// Damaged returns the output rectangles the last Render redrew (valid
// until the next Render).
func (r *Renderer) Damaged() []image.Rectangle { return r.damaged }

// Invalidate makes the next Render draw the whole output.
func (r *Renderer) Invalidate() { r.track.Invalidate() }

// planOf resolves it against tex and the output; ok is false when
// nothing of it is drawn. It mirrors render/soft's plan.
func planOf(it *render.Item, tex *Texture, out image.Rectangle) (p plan, ok bool) {
	if !tex.valid || tex.id == 0 || tex.w == 0 || tex.h == 0 {
		return p, false
	}
	tb := image.Rect(0, 0, tex.w, tex.h)
	src := tb
	if it.Src != (image.Rectangle{}) {
		src = it.Src.Intersect(tb)
	}
	dst := it.Dst
	if src.Empty() || dst.Empty() || !dst.In(image.Rect(-maxCoord, -maxCoord, maxCoord, maxCoord)) {
		return p, false
	}
	vis := dst.Intersect(out)
	if vis.Empty() {
		return p, false
	}
	t := it.Transform
	if !t.Valid() {
		t = render.TransformNormal
	}
	uw, uh := src.Dx(), src.Dy()
	if t.SwapsAxes() {
		uw, uh = uh, uw
	}
	p = plan{tex: tex, src: src, dst: dst, vis: vis, t: t, uw: uw, uh: uh, opaque: it.Opaque || tex.opaquePixels(), opq: vis}
	if !p.opaque {
		p.opq = render.OpaqueArea(it.OpaqueRect, dst, uw, uh).Intersect(vis)
	}
	return p, true
}

// draw draws p.vis of one item; it mirrors render/soft's draw.
func (r *Renderer) draw(p *plan) {
	tex, src, dst, vis := p.tex, p.src, p.dst, p.vis
	r.drawnPx += damage.Area(vis)
	dw, dh := dst.Dx(), dst.Dy()
	t, uw, uh := p.t, p.uw, p.uh
	flipX, flipY := t.Flips()
	opaque := p.opaque
	if opaque {
		ogl.Disable(ogl.BLEND)
	} else {
		ogl.Enable(ogl.BLEND)
	}
	ogl.BindTexture(ogl.TEXTURE_2D, tex.id)
	x0, x1 := vis.Min.X-dst.Min.X, vis.Max.X-dst.Min.X
	y0, y1 := vis.Min.Y-dst.Min.Y, vis.Max.Y-dst.Min.Y
	if fx, okx := fastAxis(x0, x1, dw, uw, flipX); okx {
		if fy, oky := fastAxis(y0, y1, dh, uh, flipY); oky {
			p := &r.fast
			r.use(p.prog)
			ogl.Uniform4i(p.uRect, int32(vis.Min.X), int32(vis.Min.Y), int32(vis.Dx()), int32(vis.Dy()))
			ogl.Uniform4f(p.uAx, fx[0], fx[1], fy[0], fy[1])
			ogl.Uniform1i(p.uSwap, b2i(t.SwapsAxes()))
			ogl.Uniform2i(p.uSrc, int32(src.Min.X), int32(src.Min.Y))
			ogl.DrawArrays(ogl.TRIANGLE_STRIP, 0, 4)
			r.fastDraws++
			return
		}
	}
	// The table covers the item's whole visible rectangle (vis is that
	// clipped to one damage rectangle), so that it stays the same from
	// frame to frame whatever the damage.
	full := dst.Intersect(image.Rect(0, 0, r.w, r.h))
	r.samplesOf(samplesKey{rel: full.Sub(dst.Min), dw: dw, dh: dh, uw: uw, uh: uh, flipX: flipX, flipY: flipY})
	r.use(r.prog)
	r.exactDraws++
	ogl.Uniform4i(r.uRect, int32(vis.Min.X), int32(vis.Min.Y), int32(vis.Dx()), int32(vis.Dy()))
	ogl.Uniform2i(r.uVis, int32(full.Min.X), int32(full.Min.Y))
	ogl.Uniform1i(r.uSwap, b2i(t.SwapsAxes()))
	ogl.Uniform2i(r.uSrc, int32(src.Min.X), int32(src.Min.Y))
	ogl.Uniform1i(r.uOpaque, b2i(opaque))
	ogl.DrawArrays(ogl.TRIANGLE_STRIP, 0, 4)
}

func (r *Renderer) use(prog uint32) {
	if r.cur != prog {
		ogl.UseProgram(prog)
		r.cur = prog
	}
}

// fastAxis returns the source positions (relative to the source
// rectangle, in texels) at the edges lo and hi of the visible part of an
// axis of n destination pixels showing m source pixels, when the ratio is
// an integer either way; ok is false otherwise (the exact program then
// does it).
//
// render.Nearest(i, m, n) = ((2i+1)m - 1) / (2n) is then exactly a texel
// centre of an affine function of the output position x (x = i + 0.5 at
// pixel centres, counted from the far edge when flipped): for m = k*n it
// is k*i + (k-1)/2 (rounded down), which is u(x) = k*x + c with
// c = floor((k-1)/2) + 0.5 - k/2, a texel centre; for n = k*m it is the
// texel containing (i+0.5)/k, which is never within 1/(2k) of a texel
// edge. Interpolated across the quad, u differs from those centres by
// float rounding only, far less than the half texel of margin.
func fastAxis(lo, hi, n, m int, flip bool) (u [2]float32, ok bool) {
	var f func(x float64) float64
	switch {
	case m%n == 0:
		k := float64(m / n)
		c := math.Floor((k-1)/2) + 0.5 - k/2
		f = func(x float64) float64 { return k*x + c }
	case n%m == 0 && n/m <= 64:
		k := float64(n / m)
		f = func(x float64) float64 { return x / k }
	default:
		return u, false
	}
	a, b := float64(lo), float64(hi)
	if flip {
		a, b = float64(n-lo), float64(n-hi)
	}
	return [2]float32{float32(f(a)), float32(f(b))}, true
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// ReadPixels copies rectangle rect of the last output into dst, Go-owned
// memory, as ARGB8888 rows (bytes B, G, R, A; alpha 255) stride bytes
// apart. rect must lie inside the output.
func (r *Renderer) ReadPixels(rect image.Rectangle, dst []byte, stride int) error {
	if rect.Empty() {
		return nil
	}
	if r.closed {
		return errClosed
	}
	if !rect.In(image.Rect(0, 0, r.w, r.h)) {
		return fmt.Errorf("gl: read %v outside output %v", rect, image.Rect(0, 0, r.w, r.h))
	}
	w, h := rect.Dx(), rect.Dy()
	if stride < w*4 || len(dst) < (h-1)*stride+w*4 {
		return errors.New("gl: ReadPixels destination too small")
	}
	ogl.BindFramebuffer(ogl.READ_FRAMEBUFFER, r.fbo)
	ogl.ReadBuffer(ogl.COLOR_ATTACHMENT0)
	ogl.PixelStorei(ogl.PACK_ALIGNMENT, 1)
	if stride%4 == 0 {
		ogl.PixelStorei(ogl.PACK_ROW_LENGTH, int32(stride/4))
		ogl.ReadPixels(int32(rect.Min.X), int32(rect.Min.Y), int32(w), int32(h), ogl.BGRA, ogl.UNSIGNED_BYTE, unsafe.Pointer(&dst[0]))
	} else {
		ogl.PixelStorei(ogl.PACK_ROW_LENGTH, 0)
		for y := 0; y < h; y++ {
			ogl.ReadPixels(int32(rect.Min.X), int32(rect.Min.Y+y), int32(w), 1, ogl.BGRA, ogl.UNSIGNED_BYTE, unsafe.Pointer(&dst[y*stride]))
		}
	}
	ogl.PixelStorei(ogl.PACK_ROW_LENGTH, 0)
	for y := 0; y < h; y++ {
		row := dst[y*stride : y*stride+w*4]
		for i := 3; i < len(row); i += 4 {
			row[i] = 0xff
		}
	}
	if e := ogl.GetError(); e != ogl.NO_ERROR {
		return fmt.Errorf("gl: read pixels: GL error 0x%x", e)
	}
	return nil
}

// Blit copies the last output to the default framebuffer (a window of
// winW x winH pixels), top-left aligned and flipped to the window's
// bottom-up rows; the rest of the window is cleared to black. The caller
// swaps buffers afterwards.
//
// age is the back buffer's age as EGL_EXT_buffer_age and
// GLX_EXT_buffer_age define it: 0 when its contents are unknown (always
// safe: everything is copied), n when it holds the frame swapped n swaps
// ago. Then only the output rectangles changed in the last n swaps are
// copied, in one scissored blit of their bounding box.
func (r *Renderer) Blit(winW, winH, age int) {
	if r.closed {
		return
	}
	r.swaps++
	cur := r.pending
	r.pending = image.Rectangle{}
	r.swapDmg[r.swaps%maxAge] = cur
	out := image.Pt(r.w, r.h)
	full := age <= 0 || age > maxAge || uint64(age) >= r.swaps ||
		winW != r.blitW || winH != r.blitH || out != r.blitOut
	region := cur
	if !full {
		for k := 1; k < age; k++ {
			region = region.Union(r.swapDmg[(r.swaps-uint64(k))%maxAge])
		}
	}
	r.blitW, r.blitH, r.blitOut = winW, winH, out

	ogl.BindFramebuffer(ogl.DRAW_FRAMEBUFFER, r.drawFB)
	ogl.Viewport(0, 0, int32(winW), int32(winH))
	if full {
		r.fullBlits++
		r.lastBlit = image.Rect(0, 0, r.w, r.h)
		ogl.Disable(ogl.SCISSOR_TEST)
		ogl.ClearColor(0, 0, 0, 1)
		ogl.Clear(ogl.COLOR_BUFFER_BIT)
	} else {
		region = region.Intersect(image.Rect(0, 0, r.w, r.h))
		r.lastBlit = region
		if region.Empty() {
			ogl.BindFramebuffer(ogl.FRAMEBUFFER, 0)
			return
		}
	}
	if r.fboTex == 0 {
		return
	}
	ogl.BindFramebuffer(ogl.READ_FRAMEBUFFER, r.fbo)
	ogl.ReadBuffer(ogl.COLOR_ATTACHMENT0)
	src := r.lastBlit
	x0, y0, x1, y1 := int32(src.Min.X), int32(src.Min.Y), int32(src.Max.X), int32(src.Max.Y)
	wh := int32(winH)
	ogl.BlitFramebuffer(x0, y0, x1, y1, x0, wh-y0, x1, wh-y1, ogl.COLOR_BUFFER_BIT, ogl.NEAREST)
	// Opaque items of an X format leave their undefined fourth byte in
	// the output's alpha (the fast program, blending off): a window with
	// alpha shows alpha 1.
	if r.drawAlpha() {
		ogl.Enable(ogl.SCISSOR_TEST)
		ogl.Scissor(x0, wh-y1, x1-x0, y1-y0)
		ogl.ColorMask(false, false, false, true)
		ogl.ClearColor(0, 0, 0, 1)
		ogl.Clear(ogl.COLOR_BUFFER_BIT)
		ogl.ColorMask(true, true, true, true)
		ogl.Disable(ogl.SCISSOR_TEST)
	}
	ogl.BindFramebuffer(ogl.FRAMEBUFFER, 0)
}

// drawAlpha reports whether Blit's target (bound as the draw
// framebuffer) has alpha bits; asked once per target, not every frame.
func (r *Renderer) drawAlpha() bool {
	if !r.alphaKnown || r.alphaFB != r.drawFB {
		attach := uint32(ogl.BACK_LEFT)
		if r.drawFB != 0 {
			attach = ogl.COLOR_ATTACHMENT0
		}
		var bits int32
		ogl.GetFramebufferAttachmentParameteriv(ogl.DRAW_FRAMEBUFFER, attach, ogl.FRAMEBUFFER_ATTACHMENT_ALPHA_SIZE, &bits)
		r.alphaFB, r.alphaKnown, r.hasAlpha = r.drawFB, true, bits > 0
	}
	return r.hasAlpha
}

// LastBlit returns the output rectangle the last Blit copied and how many
// Blits so far copied everything.
func (r *Renderer) LastBlit() (copied image.Rectangle, fullBlits uint64) {
	return r.lastBlit, r.fullBlits
}

// Close deletes every GL object of the renderer, its textures included.
// Call it on the GL thread before destroying the context.
func (r *Renderer) Close() error {
	if r.closed {
		return nil
	}
	for t := range r.textures {
		ogl.DeleteTextures(1, &t.id)
		t.id, t.valid = 0, false
	}
	clear(r.textures)
	r.freeSamples()
	if r.fboTex != 0 {
		ogl.DeleteTextures(1, &r.fboTex)
	}
	if r.fbo != 0 {
		ogl.DeleteFramebuffers(1, &r.fbo)
	}
	if r.vao != 0 {
		ogl.DeleteVertexArrays(1, &r.vao)
	}
	if r.pbo != 0 {
		ogl.DeleteBuffers(1, &r.pbo)
	}
	for i := range r.ring {
		r.ring[i].free()
	}
	if r.prog != 0 {
		ogl.DeleteProgram(r.prog)
	}
	if r.fast.prog != 0 {
		ogl.DeleteProgram(r.fast.prog)
	}
	*r = Renderer{closed: true}
	return nil
}

// MaxTextureSize is the largest texture width and height
// (render.TextureLimiter): GL_MAX_TEXTURE_SIZE, at most MaxSize.
func (r *Renderer) MaxTextureSize() int { return r.maxSize }
