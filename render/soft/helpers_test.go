package soft

import (
	"encoding/binary"
	"image"
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

// newStaging returns a w x h image in format f with the given stride whose
// pixel (x, y) is px(x, y) as a 0xAARRGGBB value (written in f's byte
// order) and whose row padding is filled with 0xEE bytes.
func newStaging(w, h, stride int, f shm.Format, px func(x, y int) uint32) *shm.Staging {
	s := new(shm.Staging)
	s.Reset(w, h, stride, f)
	b := s.Bytes()
	for i := range b {
		b[i] = 0xee
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w && (y*stride+x*4+4) <= len(b); x++ {
			p := px(x, y)
			if f.SwapRB() {
				p = swapRB(p)
			}
			binary.LittleEndian.PutUint32(b[y*stride+x*4:], p)
		}
	}
	return s
}

// solid returns a pixel function that is c everywhere.
func solid(c uint32) func(x, y int) uint32 { return func(int, int) uint32 { return c } }

// upload makes a texture from s (full damage).
func upload(t testing.TB, r *Renderer, s shm.Image) *Texture {
	t.Helper()
	tex := r.NewTexture().(*Texture)
	if err := tex.Upload(s, nil); err != nil {
		t.Fatal(err)
	}
	return tex
}

// readAll returns the whole output of r as 0xAARRGGBB values via
// ReadPixels.
func readAll(t testing.TB, r *Renderer) [][]uint32 {
	t.Helper()
	w, h := r.Size()
	buf := make([]byte, w*h*4)
	if err := r.ReadPixels(image.Rect(0, 0, w, h), buf, w*4); err != nil {
		t.Fatal(err)
	}
	rows := make([][]uint32, h)
	for y := range rows {
		rows[y] = make([]uint32, w)
		for x := range rows[y] {
			rows[y][x] = binary.LittleEndian.Uint32(buf[(y*w+x)*4:])
		}
	}
	return rows
}

// render draws items over an opaque black background into a w x h output.
func renderScene(t testing.TB, r *Renderer, w, h int, items ...render.Item) [][]uint32 {
	t.Helper()
	sc := &render.Scene{Background: [4]uint8{0, 0, 0, 255}, Items: items}
	if err := r.Render(sc, w, h); err != nil {
		t.Fatal(err)
	}
	return readAll(t, r)
}

// letters maps grid letters to opaque colours; '.' is the black background.
var letters = map[byte]uint32{
	'.': 0xff000000,
	'A': 0xffff0000, 'B': 0xff00ff00, 'C': 0xff0000ff,
	'D': 0xffffff00, 'E': 0xff00ffff, 'F': 0xffff00ff,
	'G': 0xff800000, 'H': 0xff008000, 'I': 0xff000080,
	'J': 0xff808000, 'K': 0xff008080, 'L': 0xff800080,
	'M': 0xff404040, 'N': 0xffc0c0c0, 'O': 0xff804020, 'P': 0xff208040,
}

// fromGrid returns the pixel function of a letter grid.
func fromGrid(grid []string) func(x, y int) uint32 {
	return func(x, y int) uint32 { return letters[grid[y][x]] }
}

// toGrid turns output pixels back into letters ('?' for unknown colours).
func toGrid(px [][]uint32) []string {
	inv := make(map[uint32]byte, len(letters))
	for l, c := range letters {
		inv[c] = l
	}
	g := make([]string, len(px))
	for y, row := range px {
		b := make([]byte, len(row))
		for x, p := range row {
			if l, ok := inv[p]; ok {
				b[x] = l
			} else {
				b[x] = '?'
			}
		}
		g[y] = string(b)
	}
	return g
}

func equalGrid(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
