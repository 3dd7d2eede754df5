// Package presentation implements wp_presentation: a client asks, before a
// commit, to learn when that content update reaches the screen, and gets
// presented with the frame's time (CLOCK_MONOTONIC), the refresh period,
// the output's frame counter and flags, or discarded when the update was
// never shown (replaced by a newer commit first, its surface hidden or
// destroyed).
//
// The compositor calls Frame for every output frame with the time the
// frame was presented: on the headless backend the frame clock's tick,
// which is the real time at which the output (a screenshot, a capture)
// holds the new pixels. The nested backend calls Rendered with the frame
// and Presented once the host's swap returned. Flags are 0: the headless output has no vertical
// retrace, no hardware clock and no zero-copy scan-out to claim.
//
// The protocol's errors (invalid_timestamp, invalid_flag) belong to no
// request of this version and cannot happen. Bound:
// MaxFeedbacksPerClient feedbacks wait per client; more are discarded at
// once.
//
// Everything runs on the display loop.
package presentation

import (
	"image"
	"log/slog"
	"time"

	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// Version is the wp_presentation version advertised.
const Version = 1

// MaxFeedbacksPerClient bounds the feedbacks waiting per client.
const MaxFeedbacksPerClient = 256

// Surfaces is what presentation needs of the shell.
type Surfaces interface {
	// OnApply runs fn when a surface's commit is applied.
	OnApply(fn func(surface *protocol.Object))
	// SurfaceRect reports whether a surface is visible on the output.
	SurfaceRect(surface *protocol.Object) (image.Rectangle, bool)
}

// Stats count the feedbacks answered.
type Stats struct {
	Presented uint64 `json:"presented"`
	Discarded uint64 `json:"discarded"`
	Waiting   int    `json:"waiting"`
}

// Presentation is the wp_presentation global.
type Presentation struct {
	d       *server.Display
	out     *output.Output
	shell   Surfaces
	global  *server.Global
	waiting map[*protocol.Object][]*feedback // by wl_surface
	// inFlight are the feedbacks of the frame rendered and not yet
	// presented (Rendered, Presented).
	inFlight []*feedback
	count    map[*server.Client]int
	stats    Stats
}

// New advertises wp_presentation on d for out.
func New(d *server.Display, out *output.Output, sh Surfaces) *Presentation {
	p := &Presentation{d: d, out: out, shell: sh,
		waiting: make(map[*protocol.Object][]*feedback),
		count:   make(map[*server.Client]int),
	}
	sh.OnApply(p.applied)
	p.global = d.AddGlobal(&protocol.WpPresentationInterface, Version, p.bind)
	return p
}

// Destroy withdraws the global.
func (p *Presentation) Destroy() { p.d.RemoveGlobal(p.global) }

// Stats returns the counters.
func (p *Presentation) Stats() Stats {
	st := p.stats
	for _, l := range p.waiting {
		st.Waiting += len(l)
	}
	for _, fb := range p.inFlight {
		if fb.live {
			st.Waiting++
		}
	}
	return st
}

func (p *Presentation) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	o := c.NewObject(id, &protocol.WpPresentationInterface, version, &resource{p: p, c: c})
	if o != nil {
		protocol.SendWpPresentationClockID(c.Events(), o.ID, unix.CLOCK_MONOTONIC)
	}
}

type resource struct {
	p *Presentation
	c *server.Client
}

func (r *resource) Destroy() error { return nil }

// Feedback makes a feedback for the surface's next content update.
func (r *resource) Feedback(surface *protocol.Object, id protocol.ObjectID) error {
	p := r.p
	fb := &feedback{p: p, c: r.c, surface: surface}
	if fb.obj = r.c.NewObject(id, &protocol.WpPresentationFeedbackInterface, 1, fb); fb.obj == nil {
		return nil
	}
	if p.count[r.c] >= MaxFeedbacksPerClient {
		slog.Debug("presentation: too many feedbacks waiting; discarding", "client", r.c.ID(), "limit", MaxFeedbacksPerClient)
		fb.discard()
		return nil
	}
	p.count[r.c]++
	fb.live = true
	p.waiting[surface] = append(p.waiting[surface], fb)
	return nil
}

// applied: the surface's committed feedbacks not yet presented are
// superseded (discarded); those requested since become committed.
func (p *Presentation) applied(surface *protocol.Object) {
	l := p.waiting[surface]
	if len(l) == 0 {
		return
	}
	keep := l[:0]
	for _, fb := range l {
		if fb.committed {
			fb.discard()
			continue
		}
		fb.committed = true
		keep = append(keep, fb)
	}
	p.set(surface, keep)
}

func (p *Presentation) set(surface *protocol.Object, l []*feedback) {
	if len(l) == 0 {
		delete(p.waiting, surface)
	} else {
		p.waiting[surface] = l
	}
}

// Frame is Rendered then Presented at t, for a backend whose frame is on
// the output as soon as it is rendered (headless): the committed
// feedbacks of visible surfaces are presented when shown (the frame holds
// a new render), those of hidden or destroyed surfaces discarded. Without
// a new render, committed updates wait for the next.
func (p *Presentation) Frame(t time.Time, seq uint64, shown bool) {
	if shown {
		p.Rendered(seq)
		p.Presented(t)
	} else {
		p.dropDead()
	}
}

// Rendered takes the committed feedbacks into the frame just rendered
// (sequence number seq): those of visible surfaces wait for Presented,
// the others are discarded. A backend that shows the frame later (the
// nested window's swap) calls Presented then; updates committed
// meanwhile belong to the next frame.
func (p *Presentation) Rendered(seq uint64) {
	if len(p.waiting) == 0 {
		return
	}
	for surface, l := range p.waiting {
		keep := l[:0]
		// Feedbacks not committed yet cost no scene walk.
		visible, known := false, false
		isVisible := func() bool {
			if !known {
				_, visible = p.shell.SurfaceRect(surface)
				known = true
			}
			return visible
		}
		for _, fb := range l {
			switch {
			case surface.Destroyed() || (fb.committed && !isVisible()):
				fb.discard()
			case fb.committed:
				fb.seq = seq
				p.inFlight = append(p.inFlight, fb)
			default:
				keep = append(keep, fb)
			}
		}
		p.set(surface, keep)
	}
}

// Presented answers the feedbacks of the last Rendered frame: it reached
// the output at t.
func (p *Presentation) Presented(t time.Time) {
	if len(p.inFlight) == 0 {
		return
	}
	ts := monotonic(t)
	refresh := uint32(0)
	if mhz := p.out.Refresh(); mhz > 0 {
		refresh = uint32(1e12 / int64(mhz))
	}
	fbs := p.inFlight
	p.inFlight = nil
	for _, fb := range fbs {
		if fb.live {
			fb.present(ts, refresh, fb.seq)
		}
	}
}

// dropDead discards the feedbacks of destroyed surfaces.
func (p *Presentation) dropDead() {
	for surface, l := range p.waiting {
		if surface.Destroyed() {
			for _, fb := range l {
				fb.discard()
			}
			delete(p.waiting, surface)
		}
	}
}

// monotonic converts t to a CLOCK_MONOTONIC timestamp.
func monotonic(t time.Time) unix.Timespec {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return unix.NsecToTimespec(t.UnixNano())
	}
	return unix.NsecToTimespec(ts.Nano() - int64(time.Since(t)))
}

// feedback implements wp_presentation_feedback (no requests).
type feedback struct {
	p         *Presentation
	c         *server.Client
	obj       *protocol.Object
	surface   *protocol.Object
	committed bool
	live      bool   // counted in p.count and listed in p.waiting or p.inFlight
	seq       uint64 // the frame it was rendered in
}

func (fb *feedback) present(ts unix.Timespec, refresh uint32, seq uint64) {
	e := fb.c.Events()
	for _, o := range fb.p.out.Resources(fb.c) {
		protocol.SendWpPresentationFeedbackSyncOutput(e, fb.obj.ID, o.ID)
	}
	sec := uint64(ts.Sec)
	protocol.SendWpPresentationFeedbackPresented(e, fb.obj.ID, uint32(sec>>32), uint32(sec), uint32(ts.Nsec),
		refresh, uint32(seq>>32), uint32(seq), 0)
	fb.p.stats.Presented++
	fb.end()
}

func (fb *feedback) discard() {
	protocol.SendWpPresentationFeedbackDiscarded(fb.c.Events(), fb.obj.ID)
	fb.p.stats.Discarded++
	fb.end()
}

// end destroys the object after its destructor event.
func (fb *feedback) end() {
	if fb.live {
		fb.live = false
		fb.uncount()
	}
	fb.c.Destroy(fb.obj)
}

func (fb *feedback) uncount() {
	if fb.p.count[fb.c]--; fb.p.count[fb.c] <= 0 {
		delete(fb.p.count, fb.c)
	}
}

// OnDestroy (the client went) forgets a waiting feedback.
func (fb *feedback) OnDestroy() {
	if !fb.live {
		return
	}
	fb.live = false
	fb.uncount()
	l := fb.p.waiting[fb.surface]
	for i, x := range l {
		if x == fb {
			fb.p.set(fb.surface, append(l[:i], l[i+1:]...))
			break
		}
	}
}
