package bench

import (
	"strings"
	"testing"

	"github.com/nofault/nofault/bench/wlclient"
)

// TestWestonFastMode: weston's bimodal round trip is judged by its fast
// runs only, and the goal row compares nofault with that mode; where
// weston's runs never reached the mode of nofault's fastest run (all of
// them across CPUs, nofault's on one), the row gives no verdict.
func TestWestonFastMode(t *testing.T) {
	sync := Workloads()[7]
	if sync.Kind() != wlclient.ModeSync {
		t.Fatalf("workload 7 is %q, want the sync workload", sync.Name)
	}
	sample := func(target string, p50, p99 float64) Sample {
		return Sample{Target: target, Workload: sync.Name, Result: &wlclient.Result{RTTp50: p50, RTTp99: p99, Syncs: 1000, Seconds: 1}}
	}
	tests := []struct {
		name         string
		weston       [][2]float64
		nofault      [2]float64
		wantK, wantN int
		wantP50      float64
		wantMet      bool
		noVerdict    bool
	}{
		{"bimodal", [][2]float64{{12, 40}, {39, 90}, {12.4, 50}, {38, 95}, {11.8, 45}}, [2]float64{11, 44}, 3, 5, 12, true, false},
		{"slower than the fast mode", [][2]float64{{12, 40}, {39, 90}, {12.4, 50}}, [2]float64{16, 44}, 2, 3, 12.2, false, false},
		{"p99 worse", [][2]float64{{12, 40}}, [2]float64{11, 60}, 1, 1, 12, false, false},
		{"one mode", [][2]float64{{30, 80}, {33, 85}, {31, 90}}, [2]float64{24, 80}, 3, 3, 31, true, false},
		{"one mode, nofault's faster", [][2]float64{{30, 80}, {33, 85}, {31, 90}}, [2]float64{16, 80}, 3, 3, 31, false, true},
		{"weston never in nofault's mode", [][2]float64{{63.8, 99}, {70.3, 106}, {71.1, 122}}, [2]float64{9, 89}, 3, 3, 70.3, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Results{Targets: []TargetInfo{{Name: "nofault"}, {Name: "weston"}}, Workloads: []Workload{sync}}
			for _, w := range tt.weston {
				r.Samples = append(r.Samples, sample("weston", w[0], w[1]))
			}
			r.Samples = append(r.Samples, sample("nofault", tt.nofault[0], tt.nofault[1]))
			p50, _, k, n := r.fastMode("weston", sync.Name)
			if k != tt.wantK || n != tt.wantN || p50.Med != tt.wantP50 {
				t.Fatalf("fast mode: p50 %v from %d of %d runs, want %v from %d of %d", p50.Med, k, n, tt.wantP50, tt.wantK, tt.wantN)
			}
			var found bool
			for _, g := range r.Goals() {
				if strings.Contains(g.Goal, "fast mode") {
					found = true
					if g.Met != tt.wantMet {
						t.Errorf("goal %q: met %v (%s), want %v", g.Goal, g.Met, g.Measured, tt.wantMet)
					}
					if nv := strings.Contains(g.Measured, "no verdict"); nv != tt.noVerdict {
						t.Errorf("goal %q: %q, no verdict %v, want %v", g.Goal, g.Measured, nv, tt.noVerdict)
					}
				}
			}
			if !found {
				t.Fatal("no fast-mode goal")
			}
			md := r.Markdown("", "")
			if !strings.Contains(md, "weston's fast mode") {
				t.Errorf("the report has no fast-mode note:\n%s", md)
			}
			if nv := strings.Contains(md, "For nofault, no verdict"); nv != tt.noVerdict {
				t.Errorf("the fast-mode note says no verdict: %v, want %v:\n%s", nv, tt.noVerdict, md)
			}
		})
	}
}

// TestGoalsUseSchedstat: the CPU goals compare schedstat's CPU per frame
// when both compositors have it (/proc's 10 ms ticks are a quarter of a
// 256x256 window's CPU), and /proc's figure otherwise.
func TestGoalsUseSchedstat(t *testing.T) {
	w := Workloads()[5] // 256-full
	if w.Name != "256-full" {
		t.Fatalf("workload 5 is %q, want 256-full", w.Name)
	}
	for _, tc := range []struct {
		name                 string
		schedNofault, schedS float64 // seconds of CPU over 240 frames (0: none)
		wantMet              bool
		wantMark             string
	}{
		{"schedstat decides", 0.0384, 0.0672, false, "256-full 0.57x ✗"}, // 0.160 and 0.280 ms per frame
		{"no schedstat: /proc", 0, 0.0672, true, "256-full 0.50x"},       // 0.125 and 0.250 ms per frame
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Results{Reps: 1, Workloads: []Workload{w}, Targets: []TargetInfo{{Name: "nofault"}, {Name: "sway"}}}
			add := func(target string, proc, sched float64) {
				r.Samples = append(r.Samples, Sample{Target: target, Workload: w.Name, Result: &wlclient.Result{
					Options: wlclient.Options{Mode: wlclient.ModeFrames}, CPUPerFrameMS: proc, CPUSched: sched, Frames: 240, FPS: 60, Seconds: 4}})
			}
			add("nofault", 0.125, tc.schedNofault)
			add("sway", 0.250, tc.schedS)
			var g *Goal
			for _, x := range r.Goals() {
				if strings.Contains(x.Goal, "0.5x sway") {
					g = &x
				}
			}
			if g == nil {
				t.Fatal("no sway goal")
			}
			if g.Met != tc.wantMet || !strings.Contains(g.Measured, tc.wantMark) {
				t.Errorf("goal %+v, want met=%v with %q", *g, tc.wantMet, tc.wantMark)
			}
		})
	}
}

// TestRowsWithoutValuesAreLeftOut: a metric that no run measured (results
// saved before the client counted it, or a client that does not) makes no
// row of dashes, while a metric one target measured keeps its row.
func TestRowsWithoutValuesAreLeftOut(t *testing.T) {
	w := Workload{Name: "256-full", Title: "1 x 256x256", Opts: frames(1, 256, 256, 100, true)}
	res := func(switches int64) *wlclient.Result {
		return &wlclient.Result{Options: w.Opts, Frames: 100, FPS: 60, Seconds: 1, CPU: 0.02, CPUSched: 0.02, CPUPerFrameMS: 0.2, CtxSwitches: switches}
	}
	for _, c := range []struct {
		name     string
		nofault  int64
		sway     int64
		wantRow  bool
		wantCell string
	}{
		{"nobody counted", 0, 0, false, ""},
		{"one target counted", 215, 0, true, "| compositor context switches per frame | 2.15 | – |"},
		{"both counted", 215, 310, true, "| compositor context switches per frame | 2.15 | 3.10 | 0.69x |"},
	} {
		rs := &Results{
			Targets:   []TargetInfo{{Name: "nofault"}, {Name: "sway"}},
			Workloads: []Workload{w},
			Reps:      1,
			Samples: []Sample{
				{Target: "nofault", Workload: w.Name, Result: res(c.nofault)},
				{Target: "sway", Workload: w.Name, Result: res(c.sway)},
			},
		}
		md := rs.Markdown("bench", "")
		row := strings.Contains(md, "context switches per frame")
		if row != c.wantRow || c.wantCell != "" && !strings.Contains(md, c.wantCell) {
			t.Errorf("%s: row %v (want %v), want %q in:\n%s", c.name, row, c.wantRow, c.wantCell, md)
		}
		if !strings.Contains(md, "| compositor CPU per frame (ms) |") {
			t.Errorf("%s: the CPU row is gone:\n%s", c.name, md)
		}
	}
}
