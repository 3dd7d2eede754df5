package shell

import (
	"image"
	"math"

	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// The shell's space is the global (logical) space of the outputs:
// surfaces are placed in surface-coordinate units, each output covers its
// logical rectangle (position and mode/scale), and the scene is drawn in
// output pixels, the logical space times the scale (the first output's:
// every output of one compositor shares it). Toplevels are placed on, and
// maximized or made fullscreen to, the first output.

// MaxOutputs is the most outputs a shell tracks (wl_surface.enter/leave).
const MaxOutputs = 64

// AddOutput adds o to the outputs surfaces can be shown on: the shell
// sends wl_surface.enter and leave for it. The first output (Options.Output)
// is added by New.
func (sh *Shell) AddOutput(o *output.Output) {
	if len(sh.outs) >= MaxOutputs {
		return
	}
	first := len(sh.outs) == 0
	sh.outs = append(sh.outs, o)
	o.OnBind(sh.outputBound)
	o.OnModeChange(func(w, h int) {
		if first {
			sh.outputResized()
		}
		sh.updateOutputs()
	})
}

// outputRect is the first output's area in the global space.
func (sh *Shell) outputRect() image.Rectangle {
	if sh.out == nil {
		return image.Rect(0, 0, 1280, 720)
	}
	return logicalRect(sh.out)
}

func logicalRect(o *output.Output) image.Rectangle {
	x, y := o.Position()
	w, h := o.LogicalSize()
	return image.Rect(x, y, x+w, y+h)
}

// scale120 is the output scale in 1/120ths.
func (sh *Shell) scale120() int {
	if sh.out == nil {
		return 120
	}
	return sh.out.Scale120()
}

// toPixels maps a rectangle of the global space to output pixels. Each
// edge is rounded on its own, so that surfaces that touch in the global
// space touch on the output.
func (sh *Shell) toPixels(r image.Rectangle) image.Rectangle {
	s := sh.scale120()
	if s == 120 {
		return r
	}
	px := func(v int) int { return int(math.Floor(float64(v)*float64(s)/120 + 0.5)) }
	return image.Rect(px(r.Min.X), px(r.Min.Y), px(r.Max.X), px(r.Max.Y))
}

// toLogical maps an output pixel position to the global space.
func (sh *Shell) toLogical(x, y float64) (float64, float64) {
	s := sh.scale120()
	if s == 120 {
		return x, y
	}
	return x * 120 / float64(s), y * 120 / float64(s)
}

// updateOutputs sends wl_surface.enter to surfaces that became visible on
// an output and wl_surface.leave to those that stopped being.
func (sh *Shell) updateOutputs() {
	if len(sh.outs) == 0 {
		return
	}
	sh.epoch++
	sh.walk(func(s *Surface, r image.Rectangle) {
		if s.visEpoch != sh.epoch {
			s.visEpoch, s.visOutputs = sh.epoch, 0
		}
		for i, o := range sh.outs {
			if r.Overlaps(logicalRect(o)) {
				s.visOutputs |= 1 << i
			}
		}
	})
	for s := range sh.surfaces {
		var on uint64
		if s.visEpoch == sh.epoch && !s.destroyed {
			on = s.visOutputs
		}
		if on == s.outputs {
			continue
		}
		left, entered := s.outputs&^on, on&^s.outputs
		s.outputs = on
		if left != 0 {
			kept := s.entered[:0]
			for _, res := range s.entered {
				if res.Destroyed() {
					continue
				}
				if i := sh.outputIndex(res); i >= 0 && left&(1<<i) != 0 {
					protocol.SendWlSurfaceLeave(s.c.Events(), s.obj.ID, res.ID)
					continue
				}
				kept = append(kept, res)
			}
			clear(s.entered[len(kept):])
			s.entered = kept
		}
		for i, o := range sh.outs {
			if entered&(1<<i) == 0 {
				continue
			}
			for _, res := range o.Resources(s.c) {
				protocol.SendWlSurfaceEnter(s.c.Events(), s.obj.ID, res.ID)
				s.entered = append(s.entered, res)
			}
		}
	}
}

// outputIndex returns the index in sh.outs of the output a wl_output
// object is for, or -1.
func (sh *Shell) outputIndex(res *protocol.Object) int {
	o := output.FromResource(res)
	for i, x := range sh.outs {
		if x == o {
			return i
		}
	}
	return -1
}

// outputBound sends enter for c's visible surfaces to a newly bound
// wl_output.
func (sh *Shell) outputBound(c *server.Client, res *protocol.Object) {
	i := sh.outputIndex(res)
	if i < 0 {
		return
	}
	for s := range sh.surfaces {
		if s.c == c && s.outputs&(1<<i) != 0 {
			protocol.SendWlSurfaceEnter(c.Events(), s.obj.ID, res.ID)
			s.entered = append(s.entered, res)
		}
	}
}
