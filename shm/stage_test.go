package shm

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestAppendRowSpans(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage []Rect
		height int
		want   []Span
	}{
		{"none", nil, 100, nil},
		{"one", []Rect{{0, 10, 5, 5}}, 100, []Span{{10, 15}}},
		{"merge overlapping and adjacent", []Rect{{0, 20, 1, 5}, {0, 10, 1, 5}, {0, 15, 1, 5}, {3, 12, 1, 1}}, 100, []Span{{10, 25}}},
		{"disjoint, sorted", []Rect{{0, 50, 1, 1}, {0, 0, 1, 2}}, 100, []Span{{0, 2}, {50, 51}}},
		{"clipped", []Rect{{0, -10, 1, 15}, {0, 95, 1, 10}}, 100, []Span{{0, 5}, {95, 100}}},
		{"empty and outside", []Rect{{0, 0, 0, 5}, {0, 0, 5, 0}, {0, 0, -1, -1}, {0, 200, 1, 1}, {0, -5, 1, 5}}, 100, nil},
		{"INT32_MAX rects", []Rect{{math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32}, {math.MinInt32, math.MinInt32, math.MaxInt32, math.MaxInt32}}, 100, nil},
		{"full", []Rect{{0, 0, math.MaxInt32, math.MaxInt32}}, 100, []Span{{0, 100}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []Span{{-1, -1}}
			got := AppendRowSpans(prefix, tc.damage, tc.height)
			if got[0] != prefix[0] || !slices.Equal(got[1:], tc.want) {
				t.Fatalf("got %v, want %v", got[1:], tc.want)
			}
		})
	}
}

func TestStageDamage(t *testing.T) {
	const w, h, stride = 64, 32, 64*4 + 16
	p, client := newPool(t, 4096+stride*h, 0, false, Options{})
	img := make([]byte, stride*h)
	for i := range img {
		img[i] = byte(i)
	}
	write := func(b []byte) {
		if _, err := unix.Pwrite(client, b, 4096); err != nil {
			t.Fatal(err)
		}
	}
	write(img)
	var s Staging
	if err := p.Stage(&s, 4096, w, h, stride, FormatXRGB8888, []Span{{0, 1}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Bytes(), img) { // first stage copies everything
		t.Fatal("full copy differs")
	}
	changed := bytes.Repeat([]byte{0xEE}, len(img))
	write(changed)
	spans := AppendRowSpans(nil, []Rect{{0, 3, 1, 2}, {10, 30, 1, 10}}, h)
	if err := p.Stage(&s, 4096, w, h, stride, FormatXRGB8888, spans); err != nil {
		t.Fatal(err)
	}
	for y := range h {
		row := s.Bytes()[y*stride : (y+1)*stride]
		want := img[y*stride : (y+1)*stride]
		if y == 3 || y == 4 || y >= 30 {
			want = changed[y*stride : (y+1)*stride]
		}
		if !bytes.Equal(row, want) {
			t.Fatalf("row %d differs", y)
		}
	}
	// A new geometry copies everything.
	if err := p.Stage(&s, 4096, w, h-1, stride, FormatXRGB8888, []Span{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Bytes(), changed[:stride*(h-1)]) {
		t.Fatal("geometry change did not copy everything")
	}
	// Geometry past the pool end.
	for _, g := range [][3]int{{w, h, stride}, {1 << 30, 1 << 30, 1 << 32}, {1, 1 << 31, 1 << 31}} {
		if err := p.Stage(&s, 4096+stride, g[0], g[1], g[2], FormatXRGB8888, nil); !errors.Is(err, ErrGeometry) {
			t.Fatalf("stage %v past the pool end: %v", g, err)
		}
	}
	if len(s.Bytes()) != stride*(h-1) {
		t.Fatal("a rejected geometry resized the staging")
	}
}

func TestStageDoesNotAllocate(t *testing.T) {
	p, _ := newPool(t, 256*256*4, 3, false, Options{})
	var s Staging
	spans := AppendRowSpans(nil, []Rect{{0, 0, 10, 10}, {0, 100, 10, 30}}, 256)
	p.Stage(&s, 0, 256, 256, 1024, FormatARGB8888, nil)
	allocs := testing.AllocsPerRun(100, func() {
		spans = AppendRowSpans(spans[:0], []Rect{{0, 0, 10, 10}, {0, 100, 10, 30}}, 256)
		if err := p.Stage(&s, 0, 256, 256, 1024, FormatARGB8888, spans); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Stage", allocs)
	}
}
