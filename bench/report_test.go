package bench

import (
	"strings"
	"testing"

	"github.com/nofault/nofault/bench/wlclient"
)

// TestWestonFastMode: weston's bimodal round trip is judged by its fast
// runs only, and the goal row compares nofault with that mode.
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
	}{
		{"bimodal", [][2]float64{{12, 40}, {39, 90}, {12.4, 50}, {38, 95}, {11.8, 45}}, [2]float64{11, 44}, 3, 5, 12, true},
		{"slower than the fast mode", [][2]float64{{12, 40}, {39, 90}, {12.4, 50}}, [2]float64{16, 44}, 2, 3, 12.2, false},
		{"p99 worse", [][2]float64{{12, 40}}, [2]float64{11, 60}, 1, 1, 12, false},
		{"one mode", [][2]float64{{30, 80}, {33, 85}, {31, 90}}, [2]float64{16, 80}, 3, 3, 31, true},
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
				}
			}
			if !found {
				t.Fatal("no fast-mode goal")
			}
			if md := r.Markdown("", ""); !strings.Contains(md, "weston's fast mode") {
				t.Errorf("the report has no fast-mode note:\n%s", md)
			}
		})
	}
}
