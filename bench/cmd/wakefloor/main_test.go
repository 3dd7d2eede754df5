package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the floors run this test binary as the tool: drive starts
// os.Executable() with --floor and --client.
func TestMain(m *testing.M) {
	if os.Getenv("WAKEFLOOR_TOOL") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestFloorsCountOneCommitPerTick runs every floor once, the C one where
// cc is installed, and checks what each counted: at most one commit per
// tick of the 60 Hz clock (the client answers each frame callback once),
// at least one, and CPU time spent.
func TestFloorsCountOneCommitPerTick(t *testing.T) {
	if testing.Short() {
		t.Skip("runs client processes for about 2 s")
	}
	t.Setenv("WAKEFLOOR_TOOL", "1")
	var cBin string
	if _, err := exec.LookPath("cc"); err == nil {
		cBin = filepath.Join(t.TempDir(), "wakefloor")
		if out, err := exec.Command("cc", "-O2", "-o", cBin, "../../c/wakefloor.c").CombinedOutput(); err != nil {
			t.Fatalf("cc wakefloor.c: %v\n%s", err, out)
		}
	}
	const warmup, window = 100 * time.Millisecond, 500 * time.Millisecond
	var log strings.Builder
	rs, err := drive(1, warmup, window, cBin, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	want := []string{"go", "go-oneread", "go-rawepoll"}
	if cBin != "" {
		want = append(want, "c")
	}
	// The window's edges fall between ticks: one more tick than fits.
	maxFrames := int64(window/(time.Second/60)) + 1
	for _, f := range want {
		if len(rs.of[f]) != 1 {
			t.Fatalf("floor %s: %d runs, want 1", f, len(rs.of[f]))
		}
		r := rs.of[f][0]
		if r.Frames < 1 || r.Frames > maxFrames {
			t.Errorf("floor %s: %d commits in %v, want 1 to %d", f, r.Frames, window, maxFrames)
		}
		if r.CPUms <= 0 {
			t.Errorf("floor %s: CPU %v ms", f, r.CPUms)
		}
	}
	var table strings.Builder
	printTable(&table, rs)
	for _, f := range want {
		if !strings.Contains(table.String(), "| "+f+" | ") {
			t.Errorf("table has no row for %s:\n%s", f, table.String())
		}
	}
}
