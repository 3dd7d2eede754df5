package e2e

import (
	"testing"
	"time"

	"github.com/nofault/nofault/internal/misbehave"
	"github.com/nofault/nofault/internal/nftest"
)

// TestMisbehaveScenarios runs every misbehaving-client scenario against
// nofault under each read strategy that applies (guarded for everything;
// auto, where sealed pools take the zero-copy path; auto with
// --renderer=gl, whose textures hold buffers and copy them at render)
// and checks: the
// compositor is alive, the offender got the documented outcome, a bystander
// kept its frame callbacks (the gap is reported; only a freeze fails, see
// freezeGap), and the compositor's fds and
// file mappings are back to their start values.
func TestMisbehaveScenarios(t *testing.T) {
	want := misbehave.Expected(misbehave.Nofault)
	for _, mode := range []struct {
		name, read string
		gl         bool
	}{
		{"guarded", "guarded", false},
		{"auto", "auto", false},
		{"gl", "auto", true},
	} {
		t.Run(mode.name, func(t *testing.T) {
			var in *nftest.Instance
			if mode.gl {
				in = startHeadlessGL(t, "--shm-read="+mode.read)
			} else {
				in = nftest.Start(t, "--shm-read="+mode.read)
			}
			for _, s := range misbehave.Scenarios() {
				t.Run(s.Name, func(t *testing.T) {
					if !in.Alive() {
						t.Fatal("compositor died in an earlier scenario")
					}
					start := in.StableCounters()
					out := misbehave.Run(s, misbehave.Options{Socket: in.Path, Timeout: 10 * time.Second, Bystander: true})
					if !in.Alive() {
						t.Fatalf("compositor died: %+v", out)
					}
					w, ok := want[s.Name]
					if !ok {
						t.Fatalf("no expectation for %s", s.Name)
					}
					if out.Result == misbehave.Skipped {
						t.Skipf("skipped: %s", out.Detail)
					}
					if out.Result != w.Result {
						t.Errorf("result %v (%+v, %s), want %v (%s)", out.Result, out.Error, out.Detail, w.Result, w.Note)
					} else if w.Result == misbehave.Disconnected && out.Error != nil &&
						(out.Error.Interface != w.Interface || out.Error.Code != w.Code) {
						t.Errorf("error %s code %d (%s), want %s code %d (%s)",
							out.Error.Interface, out.Error.Code, out.Error.Message, w.Interface, w.Code, w.Note)
					}
					checkBystander(t, out.Bystander)
					if got := in.WaitCounters(start, 5*time.Second); got != start {
						t.Errorf("compositor holds %+v after the scenario, want %+v (leak)", got, start)
					}
				})
			}
		})
	}
}
