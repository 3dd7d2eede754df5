package decoration

import (
	"encoding/binary"
	"image"

	"github.com/nofault/nofault/internal/font5x7"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shell"
	"github.com/nofault/nofault/shm"
)

// Frames draws server-side title bars for the shell (shell.FrameDrawer):
// the bar's colour across its width, the title at the left in a 5x7
// bitmap font, and the maximize and close buttons at the right, each a
// square as high as the bar. It keeps three small textures per framed
// window (title, buttons, one background pixel), made again only when
// the title, focus or size changes; a bar of any width costs the same
// (the background pixel is stretched, the title is cut at MaxTitleRunes
// and at the bar's width).
type Frames struct {
	r      render.Renderer
	frames map[*protocol.Object]*frameTex // by xdg_toplevel
}

// MaxTitleRunes is the most characters of a title drawn: a bar's
// textures stay small (at scale 1 the title is at most 800x24 pixels).
const MaxTitleRunes = 64

// maxBarHeight bounds the bar's height in pixels (TitleBarHeight at scale
// 10 is 240).
const maxBarHeight = 256

// Colours (0xAARRGGBB).
const (
	barActive     = 0xff2b3036
	barInactive   = 0xff4a4f55
	textActive    = 0xffe8eaed
	textInactive  = 0xffa0a6ad
	closeActive   = 0xffd9534f
	closeInactive = 0xff8a6a6a
)

type frameKey struct {
	title  string
	active bool
	w, h   int // bar size in pixels
}

type frameTex struct {
	key                frameKey
	bg, title, buttons render.Texture
	titleW             int
}

// NewFrames returns a drawer whose textures come from r.
func NewFrames(r render.Renderer) *Frames {
	return &Frames{r: r, frames: make(map[*protocol.Object]*frameTex)}
}

// Part is what a point of a title bar does.
type Part int

// The parts of a title bar.
const (
	PartTitle    Part = iota // drag to move
	PartMaximize             // toggle maximized
	PartClose                // ask the window to close
)

// PartAt returns the part of a w x h bar (pixels) at p (relative to the
// bar): the rightmost h x h square is close, the one left of it maximize.
func PartAt(p image.Point, w, h int) Part {
	switch {
	case p.X >= w-h:
		return PartClose
	case p.X >= w-2*h:
		return PartMaximize
	}
	return PartTitle
}

// DrawFrame returns the items of f's title bar.
func (fs *Frames) DrawFrame(f shell.Frame) []render.Item {
	w, h := f.Bar.Dx(), f.Bar.Dy()
	if w <= 0 || h <= 0 || h > maxBarHeight {
		return nil
	}
	title := []rune(f.Title)
	if len(title) > MaxTitleRunes {
		title = title[:MaxTitleRunes]
	}
	key := frameKey{title: string(title), active: f.Active, w: w, h: h}
	ft := fs.frames[f.Toplevel]
	if ft == nil || ft.key != key {
		if ft == nil {
			ft = &frameTex{}
			fs.frames[f.Toplevel] = ft
		}
		fs.paint(ft, key)
	}
	items := []render.Item{{Texture: ft.bg, Dst: f.Bar, Opaque: true}}
	if ft.titleW > 0 {
		items = append(items, render.Item{Texture: ft.title, Dst: image.Rect(f.Bar.Min.X, f.Bar.Min.Y, f.Bar.Min.X+ft.titleW, f.Bar.Max.Y), Opaque: true})
	}
	if bw := min(2*h, w); bw > 0 {
		items = append(items, render.Item{Texture: ft.buttons, Src: image.Rect(2*h-bw, 0, 2*h, h),
			Dst: image.Rect(f.Bar.Max.X-bw, f.Bar.Min.Y, f.Bar.Max.X, f.Bar.Max.Y), Opaque: true})
	}
	return items
}

// Forget drops the textures of toplevel's bar.
func (fs *Frames) Forget(toplevel *protocol.Object) {
	if ft := fs.frames[toplevel]; ft != nil {
		ft.destroy()
		delete(fs.frames, toplevel)
	}
}

func (ft *frameTex) destroy() {
	for _, t := range []render.Texture{ft.bg, ft.title, ft.buttons} {
		if t != nil {
			t.Destroy()
		}
	}
	ft.bg, ft.title, ft.buttons = nil, nil, nil
}

// canvas is an ARGB8888 little-endian image in a Staging.
type canvas struct {
	b    []byte
	w, h int
}

func newCanvas(st *shm.Staging, w, h int, fill uint32) canvas {
	st.Reset(w, h, w*4, shm.FormatARGB8888)
	c := canvas{b: st.Bytes(), w: w, h: h}
	for i := 0; i < len(c.b); i += 4 {
		binary.LittleEndian.PutUint32(c.b[i:], fill)
	}
	return c
}

func (c canvas) set(x, y int, v uint32) {
	if x >= 0 && y >= 0 && x < c.w && y < c.h {
		binary.LittleEndian.PutUint32(c.b[(y*c.w+x)*4:], v)
	}
}

func (c canvas) rect(r image.Rectangle, v uint32) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c.set(x, y, v)
		}
	}
}

// text draws s at (x, y), each font pixel k x k, and returns the x after
// it; it stops at maxX.
func (c canvas) text(x, y int, s []rune, k, maxX int, v uint32) int {
	for _, r := range s {
		if x+5*k > maxX {
			break
		}
		g, ok := font5x7.Glyph(r)
		if !ok && r == ' ' {
			x += 6 * k
			continue
		}
		for gy, row := range g {
			for gx, ch := range row {
				if ch == '#' {
					c.rect(image.Rect(x+gx*k, y+gy*k, x+gx*k+k, y+gy*k+k), v)
				}
			}
		}
		x += 6 * k
	}
	return x
}

// paint makes ft's textures for key.
func (fs *Frames) paint(ft *frameTex, key frameKey) {
	ft.destroy()
	ft.key = key
	w, h := key.w, key.h
	bg, fg, closeC := uint32(barInactive), uint32(textInactive), uint32(closeInactive)
	if key.active {
		bg, fg, closeC = barActive, textActive, closeActive
	}
	var st shm.Staging // Go memory, copied by Upload
	upload := func() render.Texture {
		t := fs.r.NewTexture()
		t.Upload(&st, nil) // Go memory of a valid size: cannot fail
		return t
	}

	newCanvas(&st, 1, 1, bg)
	ft.bg = upload()

	// Title: as wide as its text (and the bar's room left of the buttons).
	k := max(1, h/12)
	pad := h / 3
	room := w - 2*h
	title := []rune(key.title)
	textW := len(title)*6*k + 2*pad
	ft.titleW = min(textW, room)
	if ft.titleW > 0 {
		c := newCanvas(&st, ft.titleW, h, bg)
		c.text(pad, (h-7*k)/2, title, k, ft.titleW-pad/2, fg)
		ft.title = upload()
	}

	// Buttons: [maximize | close], each h x h.
	c := newCanvas(&st, 2*h, h, bg)
	m := h / 4
	lw := max(1, h/12) // line width
	// Maximize: a square outline.
	box := image.Rect(m, m, h-m, h-m)
	c.rect(image.Rect(box.Min.X, box.Min.Y, box.Max.X, box.Min.Y+2*lw), fg)
	c.rect(image.Rect(box.Min.X, box.Max.Y-lw, box.Max.X, box.Max.Y), fg)
	c.rect(image.Rect(box.Min.X, box.Min.Y, box.Min.X+lw, box.Max.Y), fg)
	c.rect(image.Rect(box.Max.X-lw, box.Min.Y, box.Max.X, box.Max.Y), fg)
	// Close: a red square with a cross.
	cb := image.Rect(h+m/2, m/2, 2*h-m/2, h-m/2)
	c.rect(cb, closeC)
	for i := m; i < h-m; i++ {
		for d := 0; d < lw+1; d++ {
			c.set(h+i+d-lw/2, i, textActive)
			c.set(h+h-1-i+d-lw/2, i, textActive)
		}
	}
	ft.buttons = upload()
}

var _ shell.FrameDrawer = (*Frames)(nil)
