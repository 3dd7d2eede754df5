package bench

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strconv"
)

// A minimal line plot drawn with image/draw: points joined by lines,
// optional vertical error bars, linear or log10 axes, tick labels in the
// 5x7 font, a legend.

type point struct {
	X, Y     float64
	Ylo, Yhi float64 // error bar (ignored when both are 0)
	Label    string  // drawn next to the point (optional)
}

type series struct {
	NoLine bool // points only (categorical x)
	Name   string
	Color  color.RGBA
	Points []point
}

type axis struct {
	Label    string
	Log      bool
	Min, Max float64
	Ticks    []float64
	TickFmt  func(float64) string
}

type plot struct {
	Title  string
	X, Y   axis
	Series []series
	W, H   int
}

var (
	colBlack = color.RGBA{0, 0, 0, 255}
	colGrid  = color.RGBA{225, 225, 225, 255}
	palette  = map[string]color.RGBA{
		"nofault":    {200, 40, 40, 255},
		"nofault-gl": {230, 140, 20, 255},
		"weston":     {30, 90, 200, 255},
		"weston-gl":  {120, 60, 200, 255},
		"sway":       {30, 150, 60, 255},
	}
)

func colorFor(name string, i int) color.RGBA {
	if c, ok := palette[name]; ok {
		return c
	}
	extra := []color.RGBA{{120, 40, 160, 255}, {90, 90, 90, 255}}
	return extra[i%len(extra)]
}

const (
	padL, padR, padT, padB = 90, 30, 50, 70
)

func (a axis) pos(v float64, lo, hi int) float64 {
	var f float64
	if a.Log {
		f = (math.Log10(v) - math.Log10(a.Min)) / (math.Log10(a.Max) - math.Log10(a.Min))
	} else {
		f = (v - a.Min) / (a.Max - a.Min)
	}
	return float64(lo) + f*float64(hi-lo)
}

func (p *plot) render() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, p.W, p.H))
	draw.Draw(img, img.Rect, &image.Uniform{color.RGBA{255, 255, 255, 255}}, image.Point{}, draw.Src)
	x0, x1 := padL, p.W-padR
	y0, y1 := p.H-padB, padT // y grows downwards: y0 is the bottom
	// Grid and ticks.
	for _, t := range p.X.Ticks {
		x := int(math.Round(p.X.pos(t, x0, x1)))
		line(img, x, y1, x, y0, colGrid)
		line(img, x, y0, x, y0+5, colBlack)
		s := p.X.TickFmt(t)
		drawText(img, x-textWidth(s, 1)/2, y0+9, s, 1, colBlack)
	}
	for _, t := range p.Y.Ticks {
		y := int(math.Round(p.Y.pos(t, y0, y1)))
		line(img, x0, y, x1, y, colGrid)
		line(img, x0-5, y, x0, y, colBlack)
		s := p.Y.TickFmt(t)
		drawText(img, x0-8-textWidth(s, 1), y-3, s, 1, colBlack)
	}
	// Frame.
	line(img, x0, y0, x1, y0, colBlack)
	line(img, x0, y1, x1, y1, colBlack)
	line(img, x0, y0, x0, y1, colBlack)
	line(img, x1, y0, x1, y1, colBlack)
	// Labels.
	drawText(img, (p.W-textWidth(p.Title, 2))/2, 12, p.Title, 2, colBlack)
	drawText(img, (x0+x1-textWidth(p.X.Label, 1))/2, y0+32, p.X.Label, 1, colBlack)
	drawTextUp(img, 14, (y0+y1+textWidth(p.Y.Label, 1))/2, p.Y.Label, 1, colBlack)
	// Series.
	for si, s := range p.Series {
		var px, py float64
		dodge := 0.0
		if s.NoLine {
			// Categorical x: spread the series side by side.
			dodge = (float64(si) - float64(len(p.Series)-1)/2) * 12
		}
		for i, pt := range s.Points {
			x := p.X.pos(pt.X, x0, x1) + dodge
			y := p.Y.pos(pt.Y, y0, y1)
			if i > 0 && !s.NoLine {
				thickLine(img, px, py, x, y, s.Color)
			}
			if pt.Ylo != 0 || pt.Yhi != 0 {
				ylo, yhi := p.Y.pos(pt.Ylo, y0, y1), p.Y.pos(pt.Yhi, y0, y1)
				xi := int(math.Round(x))
				line(img, xi, int(ylo), xi, int(yhi), s.Color)
				line(img, xi-4, int(ylo), xi+4, int(ylo), s.Color)
				line(img, xi-4, int(yhi), xi+4, int(yhi), s.Color)
			}
			if len(s.Points) <= 12 {
				fillRect(img, int(x)-3, int(y)-3, 7, 7, s.Color)
			}
			px, py = x, y
		}
	}
	// Legend, top left inside the frame.
	ly := y1 + 10
	for _, s := range p.Series {
		fillRect(img, x0+12, ly+1, 18, 5, s.Color)
		drawText(img, x0+36, ly, s.Name, 1, colBlack)
		ly += 14
	}
	return img
}

func fillRect(img *image.RGBA, x, y, w, h int, c color.RGBA) {
	draw.Draw(img, image.Rect(x, y, x+w, y+h).Intersect(img.Rect), &image.Uniform{c}, image.Point{}, draw.Src)
}

// line draws a 1-pixel line (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	err := dx + dy
	for {
		if image.Pt(x0, y0).In(img.Rect) {
			img.SetRGBA(x0, y0, c)
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			x0 += sx
		}
		if e2 <= dx {
			err += dx
			y0 += sy
		}
	}
}

func thickLine(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA) {
	for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}} {
		line(img, int(x0)+d[0], int(y0)+d[1], int(x1)+d[0], int(y1)+d[1], c)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func (p *plot) save(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, p.render()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// niceBelow returns the largest 1, 2 or 5 x 10^k not above v; niceAbove
// the smallest not below.
func niceBelow(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*e <= v {
			return m * e
		}
	}
	return e
}

func niceAbove(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}

// logTicks returns 1, 2, 5 x 10^k ticks within [lo, hi].
func logTicks(lo, hi float64) []float64 {
	var t []float64
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo*0.999 && v <= hi*1.001 {
				t = append(t, v)
			}
		}
	}
	return t
}

// linTicks returns about n round ticks within [lo, hi].
func linTicks(lo, hi float64, n int) []float64 {
	step := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= step {
			step = m * mag
			break
		}
	}
	var t []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		t = append(t, v)
	}
	return t
}

func fmtNum(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e6 && math.Mod(v, 1e6) == 0:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case math.Abs(v) >= 1e3 && math.Mod(v, 1e3) == 0:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "K"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
