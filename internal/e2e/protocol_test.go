package e2e

import (
	"testing"
	"time"

	"github.com/nofault/nofault/internal/misbehave"
	"github.com/nofault/nofault/internal/nftest"
	"github.com/nofault/nofault/internal/oracle"
)

// TestProtocolErrorsMatchLibwayland replays every bad-input case measured
// against real libwayland-server 1.21 (internal/oracle) on nofault and
// requires the same answer: error object, code and message (numbers aside)
// or the same disconnect, while a bystander keeps getting frames.
func TestProtocolErrorsMatchLibwayland(t *testing.T) {
	in := nftest.Start(t)
	start := in.Counters()
	by, err := misbehave.StartBystander(in.Path, 10*time.Second)
	if err != nil {
		t.Fatalf("bystander: %v", err)
	}
	oracle.Check(t, func(*testing.T) string { return in.Path })
	rep := by.Stop()
	if rep.Error != "" {
		t.Errorf("bystander's connection ended: %s", rep.Error)
	}
	if rep.MaxGap > time.Second {
		t.Errorf("bystander went %v without a frame callback", rep.MaxGap)
	}
	if !in.Alive() {
		t.Fatal("compositor died")
	}
	if got := in.WaitCounters(start, 5*time.Second); got != start {
		t.Errorf("after all cases: %+v, want %+v (leak)", got, start)
	}
}
