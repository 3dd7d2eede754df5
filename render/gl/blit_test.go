//go:build cgo

package gl

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
	"unsafe"

	ogl "github.com/go-gl/gl/v3.3-core/gl"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/shm"
)

// TestBlitBufferAge stands in for a window's swap chain with 2 or 3
// framebuffer objects used in turn, each passed to Blit with its real age
// (or, at random, 0: unknown), and checks after every frame that the
// "window" shows exactly the output (flipped to bottom-up rows, black
// beyond it), while most blits copy only what changed.
func TestBlitBufferAge(t *testing.T) {
	for _, chain := range []int{2, 3} {
		t.Run(fmt.Sprint(chain, "-buffers"), func(t *testing.T) {
			h := headless(t)
			p := &pair{gl: h, soft: soft.New()}
			cp := newClientPool(t, 1<<20, true, shm.ReadAuto)
			bufs := []*buffer{
				{p: cp, off: 0, w: 40, h: 30, stride: 40 * 4, format: shm.FormatXRGB8888},
				{p: cp, off: 8192, w: 25, h: 25, stride: 25 * 4, format: shm.FormatARGB8888},
			}
			for i, b := range bufs {
				b.draw(image.Rect(0, 0, b.w, b.h), patternOf(uint32(i), binaryAlpha))
			}
			texs, softTex := p.textures(t, bufs, true)
			const W, H, winW, winH = 100, 80, 110, 90
			fbs := make([]uint32, chain)
			last := make([]int, chain) // swap that last drew into each buffer, 0: never
			h.Do(func(r *Renderer) {
				for i := range fbs {
					var tex uint32
					ogl.GenTextures(1, &tex)
					ogl.BindTexture(ogl.TEXTURE_2D, tex)
					ogl.TexImage2D(ogl.TEXTURE_2D, 0, ogl.RGBA8, winW, winH, 0, ogl.RGBA, ogl.UNSIGNED_BYTE, nil)
					ogl.GenFramebuffers(1, &fbs[i])
					ogl.BindFramebuffer(ogl.FRAMEBUFFER, fbs[i])
					ogl.FramebufferTexture2D(ogl.FRAMEBUFFER, ogl.COLOR_ATTACHMENT0, ogl.TEXTURE_2D, tex, 0)
					ogl.ClearColor(1, 0, 1, 1) // garbage a full blit must cover
					ogl.Clear(ogl.COLOR_BUFFER_BIT)
				}
				ogl.BindFramebuffer(ogl.FRAMEBUFFER, 0)
			})
			rng := rand.New(rand.NewPCG(3, uint64(chain)))
			sc := render.Scene{Background: [4]uint8{9, 8, 7, 255}, Items: []render.Item{
				{Texture: texs[0], Dst: image.Rect(10, 10, 50, 40)},
				{Texture: texs[1], Dst: image.Rect(40, 30, 65, 55)},
			}}
			partial := 0
			for swap := 1; swap <= 60; swap++ {
				switch rng.IntN(4) {
				case 0, 1:
					i := rng.IntN(len(bufs))
					b := bufs[i]
					b.draw(image.Rect(0, 0, b.w, b.h), patternOf(uint32(10+swap), binaryAlpha))
					x, y := rng.IntN(b.w), rng.IntN(b.h)
					b.uploadBoth(t, texs[i], softTex[texs[i]], []image.Rectangle{image.Rect(x, y, x+3, y+4)}, true)
				case 2:
					it := &sc.Items[rng.IntN(len(sc.Items))]
					it.Dst = it.Dst.Add(image.Pt(rng.IntN(7)-3, rng.IntN(7)-3))
				}
				want := p.renderAndCompare(t, fmt.Sprint("swap ", swap), sc, softTex, W, H)
				k := swap % chain
				age := 0
				if last[k] != 0 && rng.IntN(6) != 0 {
					age = swap - last[k]
				}
				last[k] = swap
				var got []byte
				var copied image.Rectangle
				h.Do(func(r *Renderer) {
					r.drawFB = fbs[k]
					r.Blit(winW, winH, age)
					r.drawFB = 0
					copied, _ = r.LastBlit()
					got = make([]byte, winW*winH*4)
					ogl.BindFramebuffer(ogl.READ_FRAMEBUFFER, fbs[k])
					ogl.PixelStorei(ogl.PACK_ALIGNMENT, 1)
					ogl.PixelStorei(ogl.PACK_ROW_LENGTH, 0)
					ogl.ReadPixels(0, 0, winW, winH, ogl.RGBA, ogl.UNSIGNED_BYTE, unsafe.Pointer(&got[0]))
					ogl.BindFramebuffer(ogl.READ_FRAMEBUFFER, 0)
				})
				if copied != image.Rect(0, 0, W, H) {
					partial++
				}
				bad := 0
				for y := 0; y < winH; y++ {
					for x := 0; x < winW; x++ {
						o := ((winH-1-y)*winW + x) * 4
						px := uint32(got[o+3])<<24 | uint32(got[o])<<16 | uint32(got[o+1])<<8 | uint32(got[o+2])
						exp := uint32(0xff000000)
						if x < W && y < H {
							exp = want[y*W+x]
						}
						if px != exp && bad < 5 {
							t.Errorf("swap %d (buffer %d, age %d, copied %v): window pixel (%d, %d) = %08x, want %08x", swap, k, age, copied, x, y, px, exp)
							bad++
						}
					}
				}
				if bad > 0 {
					t.FailNow()
				}
			}
			if partial < 20 {
				t.Errorf("only %d of 60 blits were partial", partial)
			}
		})
	}
}
