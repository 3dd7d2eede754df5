package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareProcessLines checks that compare reads the process lines
// misbehave-compare.sh appends: a death shows in bold with its signal, the
// crash count and the RSS around the floods get their own rows.
func TestCompareProcessLines(t *testing.T) {
	dir := t.TempDir()
	weston := filepath.Join(dir, "weston.json")
	lines := `{"process": {"version": "weston 10.0.1"}}
{"socket": "s", "started": "2026-01-01T00:00:00Z", "outcomes": [{"scenario": "region-flood", "result": "survived", "elapsed_ns": 1, "bystander": {"frames": 10, "max_gap_ns": 1097000000}}]}
{"process": {"scenario": "region-flood", "rss_before_kb": 12288, "rss_after_kb": 30720}}
{"socket": "s", "started": "2026-01-01T00:00:00Z", "outcomes": [{"scenario": "sealed-resize-beyond-file", "result": "compositor-died", "detail": "the socket refuses new connections", "elapsed_ns": 1}]}
{"process": {"scenario": "sealed-resize-beyond-file", "rss_before_kb": 30720, "ended": "SIGBUS"}}
{"socket": "s", "started": "2026-01-01T00:00:00Z", "outcomes": [{"scenario": "shrink-between-frames", "result": "compositor-died", "detail": "a new connection got no answer within 5s", "elapsed_ns": 1}]}
{"process": {"scenario": "shrink-between-frames", "rss_before_kb": 30720, "stalled": true}}
{"socket": "s", "started": "2026-01-01T00:00:00Z", "outcomes": [{"scenario": "memfd-flood", "result": "survived", "elapsed_ns": 1}]}
{"process": {"scenario": "memfd-flood", "rss_before_kb": 12288, "rss_after_kb": 20480}}
`
	if err := os.WriteFile(weston, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.json")
	if err := os.WriteFile(plain, []byte(`{"socket": "s", "started": "2026-01-01T00:00:00Z", "outcomes": [{"scenario": "fd-pipe", "result": "skipped", "elapsed_ns": 1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := compare([]string{"weston 10=" + weston, plain}, &out, &errb); code != 0 {
		t.Fatalf("compare: exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"| scenario | libwayland expects | weston 10 | plain |",
		"**compositor-died (SIGBUS)** (the socket refuses new connections)",
		"| `region-flood` | survived | survived; bystander max gap 1.097s | not run |",
		"| **crashes** (scenarios that killed the compositor) | | **1** | 0 |",
		"| 12 MB → 20 MB (30 MB) | - |",
		"| `shrink-between-frames` | disconnected wl_buffer code 2 (invalid_fd) | stalled (no answer within the timeout; the process answered again later) (a new connection got no answer within 5s) | not run |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("compare output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "**survived") {
		t.Errorf("only deaths are bold:\n%s", got)
	}
}

func TestCompareNoProcessLines(t *testing.T) {
	f := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(f, []byte(`{"socket": "s", "started": "2026-01-01T00:00:00Z", "outcomes": [{"scenario": "fd-pipe", "result": "survived", "elapsed_ns": 1}]}`), 0o644)
	var out, errb bytes.Buffer
	if code := compare([]string{f}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String(), "crashes") || strings.Contains(out.String(), "RSS") {
		t.Errorf("reports without process lines get no process rows:\n%s", out.String())
	}
}
