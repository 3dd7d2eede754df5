package e2e

import (
	"testing"
	"time"

	"github.com/nofault/nofault/internal/misbehave"
)

// freezeGap is the longest the bystander may go without a frame callback
// before a test fails. It is not the compositor's promise (a frame every
// 16.7 ms; gaps under 1 s even during floods, docs/misbehave.md), which is
// a timing figure: tests report the gap they saw, and the benchmarks and
// `make soak` measure it. A test that must pass while other work keeps
// the machine's CPUs busy can only fail on what no scheduling delay
// explains: the display loop frozen on one client (a synchronous copy of
// a 1 GiB buffer took 7 s, a stalled FUSE read 15 s).
const freezeGap = 5 * time.Second

// checkBystander fails the test if the bystander's connection ended, it
// got no frame at all, or the compositor froze; it logs its frames and
// its longest gap.
func checkBystander(t *testing.T, b *misbehave.BystanderReport) {
	t.Helper()
	if b == nil {
		t.Error("no bystander report")
		return
	}
	t.Logf("bystander: %d frames, longest gap %v", b.Frames, b.MaxGap.Round(time.Millisecond))
	if b.Error != "" {
		t.Errorf("bystander's connection ended: %s", b.Error)
	}
	if b.Frames == 0 {
		t.Error("the bystander got no frame callback")
	}
	if b.MaxGap > freezeGap {
		t.Errorf("bystander went %v without a frame callback: the compositor froze", b.MaxGap)
	}
}
