//go:build cgo

package gl

import (
	"fmt"
	"image"
	"log/slog"
	"sync"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// Proxy is a render.Renderer usable from any goroutine (normally the
// display loop): each call runs the Renderer's method on the GL thread
// through Thread.Do and waits for it. Because the caller waits, a scene or
// a shm.Image it passes stays valid and unchanged for the whole call, and
// when Texture.Upload returns the pixels are in the texture: the caller may
// release the view and the wl_buffer at once.
//
// Its textures are also render.BufferTextures: Attach only takes the held
// buffer (a *shm.Pixels) and the damage, and the next Render copies every
// attached buffer's damage into its texture, on the GL thread just before
// drawing. A frame of many surfaces then costs one hand-off to the GL
// thread instead of one per commit (each a wake-up of the GL thread and of
// the Go runtime's sysmon, which a goroutine entering cgo after a pause
// wakes). Once copied, the buffers are released (wl_buffer.release goes
// out before the frame callbacks), as weston's GL renderer copies and
// releases shm buffers at repaint. The fault-free image of the buffer
// (Pixels.Image: a view of a sealed or nosigbus pool, else a guarded
// copy) is made on the caller's goroutine, so client memory that can
// fault never reaches the GL thread.
//
// Calls through one Proxy (its textures' included) run one at a time; a
// Render, ReadPixels or Upload allocates nothing: the arguments travel in
// the Proxy's fields to method values made once.
//
// Once the thread has stopped, calls return ErrStopped (textures' Destroy
// does nothing), so a display loop shutting down after the GL thread
// cannot hang.
type Proxy struct {
	t *Thread
	r *Renderer

	mu sync.Mutex // guards following: the arguments and result of the call in flight
	// Render, ReadPixels
	scene  *render.Scene
	w, h   int
	rect   image.Rectangle
	dst    []byte
	stride int
	// Upload
	tex    *proxyTexture
	src    shm.Image
	damage []image.Rectangle
	err    error
	// attached textures whose upload waits for the next Render, and the
	// uploads Render hands to the GL thread
	pending []*proxyTexture
	batch   []upload
	done    []*shm.Pixels // the pending textures' buffers, released after the render

	renderFn, readFn, uploadFn func() // the run* methods, bound once
	onUpload                   func() // set before use (OnUpload)
}

var _ render.Renderer = (*Proxy)(nil)

// NewProxy returns a Proxy for r, which lives on t's thread.
func NewProxy(t *Thread, r *Renderer) *Proxy {
	p := &Proxy{t: t, r: r}
	p.renderFn, p.readFn, p.uploadFn = p.runRender, p.runRead, p.runUpload
	return p
}

// OnUpload sets fn to run after every texture upload, on the uploading
// goroutine once the pixels are in the texture (successfully or not), and
// after every Attach (the copy waits for the next Render): the nested
// window schedules a frame with it, so that an idle window shows a commit
// at once. Call it before the Proxy is used.
func (p *Proxy) OnUpload(fn func()) { p.onUpload = fn }

// Thread is the GL thread.
func (p *Proxy) Thread() *Thread { return p.t }

// GL is the proxied renderer: use it only on the GL thread.
func (p *Proxy) GL() *Renderer { return p.r }

// Name returns "gl".
func (p *Proxy) Name() string { return "gl" }

// NewTexture returns an empty texture; it needs no GL call.
func (p *Proxy) NewTexture() render.Texture {
	return &proxyTexture{p: p, t: &Texture{r: p.r}}
}

// do runs fn on the GL thread with p.mu held and returns p.err.
func (p *Proxy) do(fn func()) error {
	p.err = nil
	err := p.t.Do(fn)
	if err == nil {
		err = p.err
	}
	p.scene, p.dst, p.tex, p.src, p.damage, p.err = nil, nil, nil, nil, nil, nil
	return err
}

func (p *Proxy) runRender() {
	for i := range p.batch {
		u := &p.batch[i]
		if err := u.pt.t.Upload(u.img, u.damage); err != nil {
			slog.Error("texture upload failed", "size", image.Pt(u.img.Width(), u.img.Height()), "err", err)
		}
	}
	p.err = p.r.Render(p.scene, p.w, p.h)
}

func (p *Proxy) runRead() { p.err = p.r.ReadPixels(p.rect, p.dst, p.stride) }
func (p *Proxy) runUpload() {
	pt := p.tex
	p.err = pt.t.Upload(p.src, p.damage)
	pt.w, pt.h = pt.t.Size()
}

// upload is an attached buffer's damage to copy into pt (Render).
type upload struct {
	pt     *proxyTexture
	img    shm.Image
	damage []image.Rectangle // nil: everything
}

// stageUploads makes the images of the attached buffers, on the caller's
// goroutine (the display loop: a guarded pool's copy is made there, under
// the fault guard), and queues their uploads for the GL thread. Each
// attached buffer moves to p.done, released once the render is over.
func (p *Proxy) stageUploads() {
	for _, pt := range p.pending {
		pt.pending = false
		px := pt.px
		if px == nil {
			continue // destroyed since
		}
		pt.px = nil
		p.done = append(p.done, px)
		if !pt.all && len(pt.damage) == 0 {
			continue // replaced with nothing changed
		}
		var damage []image.Rectangle
		if !pt.all {
			damage = pt.damage
		}
		img, err := px.Image(&pt.staging, damage)
		if err != nil {
			// A fault: the buffer's owner has its protocol error (under
			// the kill policy) and the texture keeps what it showed; the
			// damage stays for the next buffer.
			slog.Warn("attached buffer not uploaded", "size", image.Pt(pt.w, pt.h), "err", err)
			continue
		}
		p.batch = append(p.batch, upload{pt: pt, img: img, damage: damage})
	}
	clear(p.pending)
	p.pending = p.pending[:0]
}

// endUploads forgets the uploads Render made and the damage they covered,
// and releases the buffers attached before it: their pixels are in the
// textures, so the clients get wl_buffer.release now (Pixels.Release; the
// shell's own later Release of each is a no-op), as weston's GL renderer
// releases an shm buffer once it has copied it at repaint. A client
// drawing on every frame callback gets its buffer back before the
// callback.
func (p *Proxy) endUploads() {
	for _, u := range p.batch {
		u.pt.all, u.pt.damage = false, u.pt.damage[:0]
	}
	clear(p.batch)
	p.batch = p.batch[:0]
	for _, px := range p.done {
		px.Release()
	}
	clear(p.done)
	p.done = p.done[:0]
}

// Render runs Renderer.Render on the GL thread.
func (p *Proxy) Render(scene *render.Scene, width, height int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stageUploads()
	p.scene, p.w, p.h = scene, width, height
	err := p.do(p.renderFn)
	p.endUploads()
	return err
}

// ReadPixels runs Renderer.ReadPixels on the GL thread.
func (p *Proxy) ReadPixels(rect image.Rectangle, dst []byte, stride int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rect, p.dst, p.stride = rect, dst, stride
	return p.do(p.readFn)
}

// Close runs Renderer.Close on the GL thread. It does not stop the thread.
func (p *Proxy) Close() error {
	var err error
	if e := p.t.Do(func() { err = p.r.Close() }); e != nil {
		return nil // the thread's owner closes the renderer when it stops
	}
	return err
}

// proxyTexture is a Texture driven through the proxy's thread. Its size is
// cached on the caller's side so that Size needs no round trip.
type proxyTexture struct {
	p    *Proxy
	t    *Texture
	w, h int

	// guarded by p.mu: the buffer Attach gave and the damage since the
	// last upload, copied at the next Render
	px      *shm.Pixels
	all     bool              // everything is damaged
	damage  []image.Rectangle // otherwise this (maxPendingDamage at most)
	pending bool              // in p.pending
	staging shm.Staging       // a guarded pool's pixels, copied at Render
}

var _ render.BufferTexture = (*proxyTexture)(nil)

// maxPendingDamage is how many damage rectangles a texture gathers over
// several Attaches before one Render; past it they become their bounding
// box.
const maxPendingDamage = 16

// Attach makes the texture show px from the next Render on
// (render.BufferTexture). The copy happens in Render (Proxy), which then
// releases px itself; until then the caller holds it, and releases it
// (again: a no-op by then) at the next Attach, Upload or Destroy.
func (pt *proxyTexture) Attach(px *shm.Pixels, damage []image.Rectangle) error {
	p := pt.p
	w, h := px.Width(), px.Height()
	if m := p.r.MaxTextureSize(); w > m || h > m {
		return fmt.Errorf("gl: buffer %dx%d larger than the texture size %d", w, h, m)
	}
	p.mu.Lock()
	if !pt.pending {
		pt.pending = true
		p.pending = append(p.pending, pt)
	}
	if damage == nil || w != pt.w || h != pt.h {
		pt.all = true
	}
	if !pt.all {
		pt.damage = append(pt.damage, damage...)
		if len(pt.damage) > maxPendingDamage {
			u := pt.damage[0]
			for _, r := range pt.damage[1:] {
				u = u.Union(r)
			}
			pt.damage = append(pt.damage[:0], u)
		}
	}
	pt.px, pt.w, pt.h = px, w, h
	p.mu.Unlock()
	if p.onUpload != nil {
		p.onUpload()
	}
	return nil
}

func (pt *proxyTexture) glTexture() *Texture { return pt.t }

func (pt *proxyTexture) Upload(src shm.Image, damage []image.Rectangle) error {
	p := pt.p
	p.mu.Lock()
	pt.forget()
	p.tex, p.src, p.damage = pt, src, damage
	err := p.do(p.uploadFn)
	p.mu.Unlock()
	if p.onUpload != nil {
		p.onUpload()
	}
	return err
}

func (pt *proxyTexture) Size() (w, h int) { return pt.w, pt.h }

// forget drops the attached buffer and its damage; p.mu is held.
func (pt *proxyTexture) forget() {
	pt.px, pt.all, pt.damage = nil, false, pt.damage[:0]
}

// Destroy deletes the GL texture without waiting for it.
func (pt *proxyTexture) Destroy() {
	pt.p.mu.Lock()
	pt.forget()
	pt.staging = shm.Staging{}
	pt.p.mu.Unlock()
	t := pt.t
	pt.p.t.Go(t.Destroy)
	pt.w, pt.h = 0, 0
}

// MaxTextureSize is the renderer's largest texture width and height
// (render.TextureLimiter): the shell refuses larger buffers before copying.
func (p *Proxy) MaxTextureSize() int { return p.r.MaxTextureSize() }
