package presentation_test

import (
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/presentation"
	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

// fakeShell applies commits when told and says which surfaces are shown.
type fakeShell struct {
	apply   []func(*protocol.Object)
	visible map[*protocol.Object]bool
}

func (f *fakeShell) OnApply(fn func(*protocol.Object)) { f.apply = append(f.apply, fn) }
func (f *fakeShell) SurfaceRect(s *protocol.Object) (image.Rectangle, bool) {
	return image.Rect(0, 0, 1, 1), f.visible[s]
}
func (f *fakeShell) commit(s *protocol.Object) {
	for _, fn := range f.apply {
		fn(s)
	}
}

type env struct {
	*wltest.Env
	sh *fakeShell
	p  *presentation.Presentation
}

func start(t *testing.T) *env {
	e := &env{sh: &fakeShell{visible: map[*protocol.Object]bool{}}}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		out := output.New(w.D, "TEST-1", 64, 64, 50000) // 50 Hz: 20 ms
		e.p = presentation.New(w.D, out, e.sh)
	}, nil)
	return e
}

type client struct {
	*wltest.Client
	pres, out, sid uint32
	surf           *protocol.Object
}

func (e *env) client() *client {
	c := &client{Client: e.Connect()}
	comp := c.MustBind("wl_compositor", 4)
	c.out = c.MustBind("wl_output", 4)
	c.pres = c.MustBind("wp_presentation", 1)
	evs := c.MustRoundtrip()
	clock := wltest.Only(evs, c.pres)
	if len(clock) != 1 || clock[0].Opcode != protocol.WpPresentationEventClockID || clock[0].Uint(0) != unix.CLOCK_MONOTONIC {
		e.T.Fatalf("clock_id events %v, want CLOCK_MONOTONIC", clock)
	}
	c.sid, c.surf = c.Surface(comp)
	return c
}

func (c *client) feedback() uint32 {
	id := c.NewID()
	c.MustSend(c.pres, protocol.WpPresentationRequestFeedback, c.sid, rawclient.NewID(id))
	c.MustRoundtrip()
	return id
}

// outcome names a feedback's events: "sync", "presented SEC NSEC REFRESH SEQ FLAGS", "discarded".
func (c *client) outcome(evs []rawclient.Event, fb uint32) []string {
	var out []string
	for _, ev := range wltest.Only(evs, fb) {
		r := ev.Reader()
		switch ev.Opcode {
		case protocol.WpPresentationFeedbackEventSyncOutput:
			if r.Uint() != c.out {
				c.T.Errorf("sync_output for another object")
			}
			out = append(out, "sync")
		case protocol.WpPresentationFeedbackEventPresented:
			hi, lo, ns, ref, shi, slo, fl := r.Uint(), r.Uint(), r.Uint(), r.Uint(), r.Uint(), r.Uint(), r.Uint()
			out = append(out, fmt.Sprintf("presented %d %d %d %d %d", uint64(hi)<<32|uint64(lo), ns, ref, uint64(shi)<<32|uint64(slo), fl))
		case protocol.WpPresentationFeedbackEventDiscarded:
			out = append(out, "discarded")
		}
	}
	if len(out) > 0 && !c.Deleted(fb) {
		c.T.Errorf("feedback %d not deleted after its last event", fb)
	}
	return out
}

// TestPresented: a committed update shown in a frame gets the frame's
// time (CLOCK_MONOTONIC), the refresh period and the frame's sequence;
// before the commit, or without a render, it waits.
func TestPresented(t *testing.T) {
	e := start(t)
	a := e.client()
	e.Do(func() { e.sh.visible[a.surf] = true })
	fb := a.feedback()
	frameAt := time.Now()
	e.Do(func() { e.p.Frame(frameAt, 7, true) }) // not committed yet
	if got := a.outcome(a.MustRoundtrip(), fb); len(got) != 0 {
		t.Fatalf("before the commit: %v", got)
	}
	e.Do(func() { e.sh.commit(a.surf); e.p.Frame(frameAt, 8, false) }) // committed, no render
	if got := a.outcome(a.MustRoundtrip(), fb); len(got) != 0 {
		t.Fatalf("without a render: %v", got)
	}
	var mono unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono)
	want := mono.Nano() - int64(time.Since(frameAt))
	e.Do(func() { e.p.Frame(frameAt, 9, true) })
	got := a.outcome(a.MustRoundtrip(), fb)
	if len(got) != 2 || got[0] != "sync" {
		t.Fatalf("shown: %v", got)
	}
	var sec, ns, ref, seq, flags int64
	fmt.Sscanf(got[1], "presented %d %d %d %d %d", &sec, &ns, &ref, &seq, &flags)
	if d := sec*1e9 + ns - want; d < -int64(time.Millisecond) || d > int64(time.Millisecond) {
		t.Errorf("presented at %d.%09d, %d ns from the frame's time", sec, ns, d)
	}
	if ref != 20000000 || seq != 9 || flags != 0 {
		t.Errorf("refresh %d seq %d flags %d, want 20000000 9 0", ref, seq, flags)
	}
	e.Do(func() {
		if st := e.p.Stats(); st != (presentation.Stats{Presented: 1}) {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestDiscarded: superseded by a newer commit, hidden, or its surface
// destroyed, an update is discarded.
func TestDiscarded(t *testing.T) {
	e := start(t)
	a := e.client()
	e.Do(func() { e.sh.visible[a.surf] = true })
	old := a.feedback()
	e.Do(func() { e.sh.commit(a.surf) })
	newer := a.feedback()
	e.Do(func() { e.sh.commit(a.surf) })
	evs := a.MustRoundtrip()
	if got := a.outcome(evs, old); fmt.Sprint(got) != "[discarded]" {
		t.Fatalf("superseded: %v", got)
	}
	e.Do(func() { e.sh.visible[a.surf] = false; e.p.Frame(time.Now(), 1, true) })
	if got := a.outcome(a.MustRoundtrip(), newer); fmt.Sprint(got) != "[discarded]" {
		t.Fatalf("hidden: %v", got)
	}
	gone := a.feedback()
	a.MustSend(a.sid, protocol.WlSurfaceRequestDestroy)
	a.MustRoundtrip()
	e.Do(func() { e.p.Frame(time.Now(), 2, false) })
	if got := a.outcome(a.MustRoundtrip(), gone); fmt.Sprint(got) != "[discarded]" {
		t.Fatalf("surface destroyed: %v", got)
	}
}

// TestFeedbackLimit: beyond MaxFeedbacksPerClient waiting feedbacks, new
// ones are discarded at once; a client that leaves frees its slots.
func TestFeedbackLimit(t *testing.T) {
	e := start(t)
	a := e.client()
	var ids []uint32
	for i := 0; i < presentation.MaxFeedbacksPerClient+2; i++ {
		id := a.NewID()
		a.MustSend(a.pres, protocol.WpPresentationRequestFeedback, a.sid, rawclient.NewID(id))
		ids = append(ids, id)
	}
	evs := a.MustRoundtrip()
	discarded := 0
	for _, id := range ids {
		if fmt.Sprint(a.outcome(evs, id)) == "[discarded]" {
			discarded++
		}
	}
	if discarded != 2 {
		t.Errorf("%d discarded at once, want 2", discarded)
	}
	a.Disconnect()
	e.Do(func() {
		if st := e.p.Stats(); st.Waiting != 0 {
			t.Errorf("%d still waiting after the client left", st.Waiting)
		}
	})
	// A non-surface is the core's invalid_method.
	b := e.client()
	b.MustSend(b.pres, protocol.WpPresentationRequestFeedback, b.out, rawclient.NewID(b.NewID()))
	if pe := b.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("feedback for an output: %v", pe)
	}
}

// TestPresentedAfterSwap: with Rendered and Presented apart (the nested
// window swaps after rendering), an update committed in between belongs
// to the next frame, and the rendered one gets the swap's time and the
// rendered frame's sequence.
func TestPresentedAfterSwap(t *testing.T) {
	e := start(t)
	a := e.client()
	e.Do(func() { e.sh.visible[a.surf] = true })
	first := a.feedback()
	e.Do(func() { e.sh.commit(a.surf); e.p.Rendered(41) })
	second := a.feedback()
	e.Do(func() { e.sh.commit(a.surf) })
	swap := time.Now()
	e.Do(func() { e.p.Presented(swap) })
	evs := a.MustRoundtrip()
	got := a.outcome(evs, first)
	if len(got) != 2 || !strings.HasSuffix(got[1], " 20000000 41 0") {
		t.Fatalf("rendered update: %v", got)
	}
	if got := a.outcome(evs, second); len(got) != 0 {
		t.Fatalf("update committed after the render: %v", got)
	}
	e.Do(func() { e.p.Rendered(42); e.p.Presented(time.Now()) })
	if got := a.outcome(a.MustRoundtrip(), second); len(got) != 2 || !strings.HasSuffix(got[1], " 42 0") {
		t.Fatalf("next frame: %v", got)
	}
}
