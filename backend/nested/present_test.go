//go:build cgo && !wayland

package nested

import (
	"testing"
	"time"
)

// presentComp records Frame's and Presented's times.
type presentComp struct {
	fakeComp
	frameAt, presentedAt []time.Time
}

func (c *presentComp) Frame(now time.Time) bool {
	shown := c.fakeComp.Frame(now)
	if shown {
		c.frameAt = append(c.frameAt, now)
	}
	return shown
}

func (c *presentComp) Presented(t time.Time) { c.presentedAt = append(c.presentedAt, t) }

// TestPresentedAfterSwap: a compositor with Presented learns, for each
// rendered frame, when the swap returned, which is after the frame began.
func TestPresentedAfterSwap(t *testing.T) {
	w := openWindow(t, "nofault-nested-present")
	loop := newLoop(t)
	comp := &presentComp{fakeComp: fakeComp{r: w.Renderer()}}
	runErr, cancel := runWindow(w, loop, comp, nil)
	waitFor(t, "presented frames", func() bool {
		var n int
		loop.sync(func() { n = len(comp.presentedAt) })
		return n >= 3
	})
	cancel()
	<-runErr
	loop.sync(func() {
		for i, p := range comp.presentedAt {
			if i >= len(comp.frameAt) || p.Before(comp.frameAt[i]) {
				t.Errorf("presented %d at %v, before its frame began (%v)", i, p, comp.frameAt)
			}
		}
	})
}
