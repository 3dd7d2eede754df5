package compositor

import (
	"fmt"
	"log/slog"

	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/output"
)

// addOutputs makes the outputs: the first (c.Output, of --size or the
// first of --outputs) at (0, 0), the others of --outputs to its right in
// the global space, each with its wl_output and xdg_output; all share
// --scale. The renderer draws them side by side in one framebuffer
// (renderSize), so a screenshot shows every output. A backend that names
// its output (the nested window) has exactly one.
func (c *Compositor) addOutputs(cfg config.Config, name string, single bool) {
	sizes, _ := config.ParseOutputs(cfg.Outputs) // validated by config.Load
	if len(sizes) == 0 || single {
		if len(sizes) > 0 {
			slog.Warn("--outputs is for the headless backend; one output", "output", name)
		}
		sizes = []config.Size{cfg.Size}
	}
	x := 0
	for i, sz := range sizes {
		n := name
		if i > 0 {
			n = fmt.Sprintf("HEADLESS-%d", i+1)
		}
		o := output.New(c.Display, n, sz.W, sz.H, cfg.Refresh*1000)
		o.SetScale120(cfg.Scale120())
		o.SetPosition(x, 0)
		lw, _ := o.LogicalSize()
		x += lw
		c.Outputs = append(c.Outputs, o)
	}
	c.Output = c.Outputs[0]
	c.width, c.height = c.renderSize()
}

// renderSize is the framebuffer size in pixels: the first output's mode,
// or the span of every output side by side.
func (c *Compositor) renderSize() (w, h int) {
	if len(c.Outputs) <= 1 {
		return c.Output.Size()
	}
	for _, o := range c.Outputs {
		x, _ := o.Position()
		lw, _ := o.LogicalSize()
		ow, oh := o.Size()
		// The pixel column where the output ends: its logical right edge
		// times the scale, or its own width when that is larger (rounding).
		end := max((x+lw)*o.Scale120()/120, int(float64(x)*o.Scale())+ow)
		w, h = max(w, end), max(h, oh)
	}
	return w, h
}
