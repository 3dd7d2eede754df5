package shell

import (
	"testing"

	"github.com/nofault/nofault/protocol"
	"github.com/rajveermalviya/go-wayland/wayland/client"
	xdgout "github.com/rajveermalviya/go-wayland/wayland/unstable/xdg-output-v1"
)

// The wl_output and xdg_output events are tested here, with the shell,
// because surface enter/leave needs both.

func TestOutputEvents(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	var events []string
	o := tc.bindOutput(4)
	o.SetGeometryHandler(func(ev client.OutputGeometryEvent) {
		if ev.Make != "nofault" || ev.Model != "TEST-1" || ev.PhysicalWidth <= 0 {
			t.Errorf("geometry %+v", ev)
		}
		events = append(events, "geometry")
	})
	var mode client.OutputModeEvent
	o.SetModeHandler(func(ev client.OutputModeEvent) { mode = ev; events = append(events, "mode") })
	o.SetScaleHandler(func(ev client.OutputScaleEvent) {
		if ev.Factor != 1 {
			t.Errorf("scale %d", ev.Factor)
		}
		events = append(events, "scale")
	})
	var name, desc string
	o.SetNameHandler(func(ev client.OutputNameEvent) { name = ev.Name; events = append(events, "name") })
	o.SetDescriptionHandler(func(ev client.OutputDescriptionEvent) { desc = ev.Description; events = append(events, "description") })
	o.SetDoneHandler(func(client.OutputDoneEvent) { events = append(events, "done") })
	tc.mustRoundtrip()
	want := []string{"geometry", "mode", "scale", "name", "description", "done"}
	if !equalStrings(events, want) {
		t.Fatalf("wl_output events %v, want %v", events, want)
	}
	flags := protocol.WlOutputModeCurrent | protocol.WlOutputModePreferred
	if mode.Width != 800 || mode.Height != 600 || mode.Refresh != 60000 || protocol.WlOutputMode(mode.Flags) != flags || name != "TEST-1" || desc == "" {
		t.Fatalf("mode %+v name %q description %q", mode, name, desc)
	}

	events = nil
	xo, err := tc.xom.GetXdgOutput(o)
	if err != nil {
		t.Fatal(err)
	}
	var lsize [2]int32
	xo.SetLogicalPositionHandler(func(ev xdgout.OutputLogicalPositionEvent) { events = append(events, "logical_position") })
	xo.SetLogicalSizeHandler(func(ev xdgout.OutputLogicalSizeEvent) {
		lsize = [2]int32{ev.Width, ev.Height}
		events = append(events, "logical_size")
	})
	xo.SetNameHandler(func(ev xdgout.OutputNameEvent) { events = append(events, "xdg_name") })
	xo.SetDescriptionHandler(func(ev xdgout.OutputDescriptionEvent) { events = append(events, "xdg_description") })
	xo.SetDoneHandler(func(xdgout.OutputDoneEvent) { events = append(events, "xdg_done") })
	tc.mustRoundtrip()
	// Version 3: the sequence ends with wl_output.done, not xdg_output.done.
	want = []string{"logical_position", "logical_size", "xdg_name", "xdg_description", "done"}
	if !equalStrings(events, want) || lsize != [2]int32{800, 600} {
		t.Fatalf("xdg_output events %v size %v, want %v 800x600", events, lsize, want)
	}

	events = nil
	e.do(func() { e.out.SetMode(1024, 768) })
	tc.mustRoundtrip()
	want = []string{"mode", "logical_size", "done"}
	if !equalStrings(events, want) || mode.Width != 1024 || mode.Height != 768 || lsize != [2]int32{1024, 768} {
		t.Fatalf("after SetMode: events %v mode %+v logical %v", events, mode, lsize)
	}
}

func TestOutputVersion1(t *testing.T) {
	// A v1 wl_output gets neither scale, name nor done.
	e := startEnv(t, Options{})
	tc := e.connect()
	var events []string
	o := tc.bindOutput(1)
	o.SetGeometryHandler(func(client.OutputGeometryEvent) { events = append(events, "geometry") })
	o.SetModeHandler(func(client.OutputModeEvent) { events = append(events, "mode") })
	o.SetDoneHandler(func(client.OutputDoneEvent) { events = append(events, "done") })
	tc.mustRoundtrip()
	if !equalStrings(events, []string{"geometry", "mode"}) {
		t.Fatalf("v1 events %v", events)
	}
}

func equalStrings(a, b []string) bool {
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

func TestSurfaceEnterLeave(t *testing.T) {
	e := startEnv(t, Options{})
	tc := e.connect()
	o := tc.bindOutput(4)
	tc.mustRoundtrip()
	w := tc.toplevel()
	var entered, left []uint32
	w.s.SetEnterHandler(func(ev client.SurfaceEnterEvent) { entered = append(entered, ev.Output.ID()) })
	w.s.SetLeaveHandler(func(ev client.SurfaceLeaveEvent) { left = append(left, ev.Output.ID()) })
	tc.mustRoundtrip()
	if len(entered) != 0 {
		t.Fatal("enter before the surface was mapped")
	}
	tc.mapWindow(w, 20, 20, white)
	if len(entered) != 1 || entered[0] != o.ID() {
		t.Fatalf("entered %v, want [%d]", entered, o.ID())
	}

	// A second wl_output bound later gets enter at once.
	o2 := tc.bindOutput(3)
	tc.mustRoundtrip()
	if len(entered) != 2 || entered[1] != o2.ID() {
		t.Fatalf("entered %v after second bind, want [%d %d]", entered, o.ID(), o2.ID())
	}

	// Moved off the output: leave for both.
	e.do(func() { e.sh.MoveTo(e.sh.Toplevels()[0], 5000, 5000) })
	tc.mustRoundtrip()
	if len(left) != 2 {
		t.Fatalf("left %v, want both outputs", left)
	}
	e.do(func() { e.sh.MoveTo(e.sh.Toplevels()[0], 0, 0) })
	tc.mustRoundtrip()
	if len(entered) != 4 {
		t.Fatalf("entered %v after moving back", entered)
	}
	w.s.Attach(nil, 0, 0)
	w.s.Commit()
	tc.mustRoundtrip()
	if len(left) != 4 {
		t.Fatalf("left %v after unmap, want 4 leaves", left)
	}
}
