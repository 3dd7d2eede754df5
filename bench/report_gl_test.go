package bench

import (
	"strings"
	"testing"

	"github.com/nofault/nofault/bench/wlclient"
)

// TestGLRatioAndGoal checks the GL columns of the report: a
// nofault-gl/weston-gl ratio column appears when both ran (and no
// nofault/... column without nofault), and the GL goal is met only when
// nofault-gl's median CPU per frame is at most weston-gl's on every frame
// workload.
func TestGLRatioAndGoal(t *testing.T) {
	ws := []Workload{Workloads()[0], Workloads()[5]} // 1080p-full, 256-full
	for _, tc := range []struct {
		name     string
		cpu256   float64 // nofault-gl's CPU per frame on 256-full (weston-gl: 2)
		wantMet  bool
		wantMark string
	}{
		{"faster", 1.5, true, "256-full 0.75x"},
		{"slower at one size", 2.5, false, "256-full 1.25x ✗"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Results{Reps: 1, Workloads: ws, Targets: []TargetInfo{{Name: "nofault-gl"}, {Name: "weston-gl"}}}
			add := func(target, workload string, cpu float64) {
				r.Samples = append(r.Samples, Sample{Target: target, Workload: workload,
					Result: &wlclient.Result{Options: wlclient.Options{Mode: wlclient.ModeFrames}, CPUPerFrameMS: cpu, FPS: 60, Seconds: 1}})
			}
			add("nofault-gl", "1080p-full", 10)
			add("weston-gl", "1080p-full", 20)
			add("nofault-gl", "256-full", tc.cpu256)
			add("weston-gl", "256-full", 2)
			md := r.Markdown("", "")
			if !strings.Contains(md, "| nofault-gl/weston-gl |") || strings.Contains(md, "nofault/") {
				t.Errorf("ratio columns wrong:\n%s", md)
			}
			if !strings.Contains(md, "| compositor CPU per frame (ms) | 10.000 | 20.000 | 0.50x |") {
				t.Errorf("1080p row lacks the 0.50x ratio:\n%s", md)
			}
			gs := r.Goals()
			if len(gs) != 1 || !strings.HasPrefix(gs[0].Goal, "GL:") {
				t.Fatalf("goals %+v, want the GL goal alone", gs)
			}
			if gs[0].Met != tc.wantMet || !strings.Contains(gs[0].Measured, tc.wantMark) {
				t.Errorf("GL goal %+v, want met=%v with %q", gs[0], tc.wantMet, tc.wantMark)
			}
		})
	}
}
