package e2e

import (
	"testing"
	"time"

	"github.com/nofault/nofault/internal/misbehave"
	"github.com/nofault/nofault/internal/nftest"
	"github.com/nofault/nofault/internal/oracle"
)

// Differences are where nofault deliberately answers otherwise than
// libwayland-server 1.21; docs/protocol-errors.md explains each.
var Differences = map[string]oracle.Difference{
	"create-pool-rdonly": {
		Want: oracle.Outcome{Result: "ok"},
		Why:  "nofault maps pools PROT_READ, so a read-only fd works",
	},
	"create-pool-pipe": {
		Want: oracle.Outcome{Result: "error", Object: "shm", ObjectIDRel: 4, Code: 2, Message: "failed mmap fd 12: No such device"},
		Why:  "same error; a read-only mmap of a pipe fails with ENODEV where libwayland's read-write one gets EACCES",
	},
	"create-pool-directory": {
		Want: oracle.Outcome{Result: "error", Object: "shm", ObjectIDRel: 4, Code: 2, Message: "failed mmap fd 12: No such device"},
		Why:  "same error; a read-only mmap of a directory fails with ENODEV where libwayland's read-write one gets EACCES",
	},
	"create-buffer-stride-lt-width-bpp": {
		Want: oracle.Outcome{Result: "error", Object: "pool", ObjectIDRel: 5, Code: 1, Message: "invalid stride 16 for width 16 and format 0x0 (4 bytes per pixel)"},
		Why:  "nofault adds wlroots' bytes-per-pixel stride check, so no renderer reads past a row",
	},
}

// TestProtocolErrorsMatchLibwayland replays every bad-input case measured
// against real libwayland-server 1.21 (internal/oracle) on nofault and
// requires the same answer: error object, code and message (numbers aside)
// or the same disconnect, while a bystander keeps getting frames.
func TestProtocolErrorsMatchLibwayland(t *testing.T) {
	in := nftest.Start(t)
	start := in.StableCounters()
	by, err := misbehave.StartBystander(in.Path, 10*time.Second)
	if err != nil {
		t.Fatalf("bystander: %v", err)
	}
	oracle.CheckWith(t, func(*testing.T) string { return in.Path }, Differences)
	rep := by.Stop()
	checkBystander(t, &rep)
	if !in.Alive() {
		t.Fatal("compositor died")
	}
	if got := in.WaitCounters(start, 5*time.Second); got != start {
		t.Errorf("after all cases: %+v, want %+v (leak)", got, start)
	}
}
