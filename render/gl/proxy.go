//go:build cgo

package gl

import (
	"image"
	"sync"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// Proxy is a render.Renderer usable from any goroutine (normally the
// display loop): each call runs the Renderer's method on the GL thread
// through Thread.Do and waits for it. Because the caller waits, a scene or
// a shm.Image it passes stays valid and unchanged for the whole call, and
// when Texture.Upload returns the pixels are in the texture: the caller may
// release the view and the wl_buffer at once, as it does with render/soft.
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
// goroutine once the pixels are in the texture (successfully or not): the
// nested window schedules a frame with it, so that an idle window shows
// a commit at once. Call it before the Proxy is used.
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

func (p *Proxy) runRender() { p.err = p.r.Render(p.scene, p.w, p.h) }
func (p *Proxy) runRead()   { p.err = p.r.ReadPixels(p.rect, p.dst, p.stride) }
func (p *Proxy) runUpload() {
	pt := p.tex
	p.err = pt.t.Upload(p.src, p.damage)
	pt.w, pt.h = pt.t.Size()
}

// Render runs Renderer.Render on the GL thread.
func (p *Proxy) Render(scene *render.Scene, width, height int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scene, p.w, p.h = scene, width, height
	return p.do(p.renderFn)
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
}

func (pt *proxyTexture) glTexture() *Texture { return pt.t }

func (pt *proxyTexture) Upload(src shm.Image, damage []image.Rectangle) error {
	p := pt.p
	p.mu.Lock()
	p.tex, p.src, p.damage = pt, src, damage
	err := p.do(p.uploadFn)
	p.mu.Unlock()
	if p.onUpload != nil {
		p.onUpload()
	}
	return err
}

func (pt *proxyTexture) Size() (w, h int) { return pt.w, pt.h }

// Destroy deletes the GL texture without waiting for it.
func (pt *proxyTexture) Destroy() {
	t := pt.t
	pt.p.t.Go(t.Destroy)
	pt.w, pt.h = 0, 0
}

// MaxTextureSize is the renderer's largest texture width and height
// (render.TextureLimiter): the shell refuses larger buffers before copying.
func (p *Proxy) MaxTextureSize() int { return p.r.MaxTextureSize() }
