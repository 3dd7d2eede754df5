package main

import (
	"testing"

	"github.com/nofault/nofault/bench"
)

func TestHeadingNamesWhatRan(t *testing.T) {
	ts := func(names ...string) []bench.TargetInfo {
		var r []bench.TargetInfo
		for _, n := range names {
			r = append(r, bench.TargetInfo{Name: n})
		}
		return r
	}
	for _, c := range []struct {
		targets      []bench.TargetInfo
		want, builds string
	}{
		{ts("nofault-before", "nofault", "weston"), "perf: before and after, side by side with weston", "two nofault builds"},
		{ts("nofault-before", "nofault", "weston", "sway"), "perf: before and after, side by side with weston, sway", "two nofault builds"},
		{ts("nofault", "sway"), "perf: side by side with sway", "one nofault build"},
		{ts("nofault-before", "nofault"), "perf: before and after", "two nofault builds"},
		{ts("nofault"), "perf", "one nofault build"},
		{ts("nofault-gl-before", "nofault-gl", "weston-gl"), "perf: before and after, side by side with weston-gl", "two nofault builds"},
	} {
		if got := heading("perf", c.targets); got != c.want {
			t.Errorf("heading(%v) = %q, want %q", c.targets, got, c.want)
		}
		if got := builds(c.targets); got != c.builds {
			t.Errorf("builds(%v) = %q, want %q", c.targets, got, c.builds)
		}
	}
}
