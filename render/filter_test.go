package render

import (
	"image"
	"math"
	"testing"
)

func TestLinear(t *testing.T) {
	for _, c := range []struct {
		m, n int
		want bool
	}{
		{4, 4, false},  // 1:1
		{4, 2, false},  // buffer scale 2
		{2, 6, false},  // zoom 3
		{1, 90, false}, // a single-pixel buffer stretched
		{4, 3, true},   // buffer scale 2 on an output at 1.5
		{2, 3, true},   // buffer scale 1 on an output at 1.5
		{37, 90, true}, // a viewport stretch
		{0, 3, false},  // nothing to sample
		{MaxLinear + 1, 3, false},
		{3, MaxLinear + 1, false},
		{MaxLinear, MaxLinear - 1, true},
	} {
		if got := Linear(c.m, c.n); got != c.want {
			t.Errorf("Linear(%d, %d) = %v, want %v", c.m, c.n, got, c.want)
		}
	}
}

// TestLinearSampleKnown: values worked out by hand from
// u = (i+0.5)*m/n - 0.5.
func TestLinearSampleKnown(t *testing.T) {
	for _, c := range []struct{ i, m, n, k, w int }{
		// 2 source pixels over 3 (zoom 1.5): u = -1/6, 1/2, 7/6.
		{0, 2, 3, 0, 0}, {1, 2, 3, 0, 64}, {2, 2, 3, 1, 0},
		// 4 over 3 (0.75): u = 1/6, 3/2, 17/6; 128/6 = 21.3, 640/6 = 106.7.
		{0, 4, 3, 0, 21}, {1, 4, 3, 1, 64}, {2, 4, 3, 2, 107},
		// 3 over 2: u = 1/4, 7/4.
		{0, 3, 2, 0, 32}, {1, 3, 2, 1, 96},
		// 1 over 1000 (from far below a pixel centre to far above): clamped.
		{0, 1, 1000, 0, 0}, {999, 1, 1000, 0, 0},
		// 1000 over 999: u = 0.5*1000/999 - 0.5 = 1/1998, rounds to 0;
		// the last pixel's u = 998.9995 rounds up to 999, the last pixel.
		{0, 1000, 999, 0, 0}, {998, 1000, 999, 999, 0},
	} {
		k, w := LinearSample(c.i, c.m, c.n)
		if k != c.k || w != c.w {
			t.Errorf("LinearSample(%d, %d, %d) = %d, %d; want %d, %d", c.i, c.m, c.n, k, w, c.k, c.w)
		}
	}
}

// TestLinearSampleNearU checks every output pixel of many axes against
// the centre's position in floating point: k + w/LinearOne is within
// half a 1/LinearOne of u, clamped to the edge pixels, and k+1 is a pixel whenever
// w > 0.
func TestLinearSampleNearU(t *testing.T) {
	for m := 1; m <= 40; m++ {
		for n := 1; n <= 40; n++ {
			for i := range n {
				k, w := LinearSample(i, m, n)
				u := (float64(i)+0.5)*float64(m)/float64(n) - 0.5
				u = math.Max(0, math.Min(u, float64(m-1)))
				if got := float64(k) + float64(w)/LinearOne; math.Abs(got-u) > 0.5/LinearOne+1e-12 {
					t.Fatalf("LinearSample(%d, %d, %d) = %d, %d: %v, want about %v", i, m, n, k, w, got, u)
				}
				if w < 0 || w >= LinearOne || k < 0 || k >= m || w > 0 && k+1 >= m {
					t.Fatalf("LinearSample(%d, %d, %d) = %d, %d: out of range", i, m, n, k, w)
				}
			}
		}
	}
}

func TestNearest(t *testing.T) {
	// Scale 2 takes the lower of the two pixels under a centre on their
	// boundary; a zoom of 3 repeats each pixel three times.
	for _, c := range []struct{ i, m, n, want int }{
		{0, 4, 2, 0}, {1, 4, 2, 2}, {0, 2, 6, 0}, {2, 2, 6, 0}, {3, 2, 6, 1}, {1, 2, 3, 0}, {2, 2, 3, 1},
	} {
		if got := Nearest(c.i, c.m, c.n); got != c.want {
			t.Errorf("Nearest(%d, %d, %d) = %d, want %d", c.i, c.m, c.n, got, c.want)
		}
	}
}

func TestOpaqueArea(t *testing.T) {
	dst := image.Rect(10, 20, 110, 70) // 100 x 50
	body := image.Rect(14, 24, 106, 66)
	for _, c := range []struct {
		name   string
		o      image.Rectangle
		uw, uh int
		want   image.Rectangle
	}{
		{"1:1", body, 100, 50, body},
		{"buffer scale 2", body, 200, 100, body},
		{"zoom 2", body, 50, 25, body},
		{"filtered across", body, 133, 50, image.Rect(15, 24, 105, 66)},
		{"filtered down", body, 100, 75, image.Rect(14, 25, 106, 65)},
		{"both", body, 150, 75, body.Inset(1)},
		{"past dst", image.Rect(0, 0, 200, 200), 100, 50, dst},
		{"none", image.Rectangle{}, 100, 50, image.Rectangle{}},
		{"outside", image.Rect(200, 200, 210, 210), 100, 50, image.Rectangle{}},
		{"one column, filtered", image.Rect(50, 30, 51, 60), 133, 50, image.Rectangle{}},
	} {
		if got := OpaqueArea(c.o, dst, c.uw, c.uh); got != c.want {
			t.Errorf("%s: OpaqueArea(%v, %v, %d, %d) = %v, want %v", c.name, c.o, dst, c.uw, c.uh, got, c.want)
		}
	}
}
