// Command bigbuffer replays issue 16's big-buffer rows against the
// compositor named by WAYLAND_DISPLAY and prints what a bystander and the
// compositor's memory saw:
//
//	bigbuffer --pid=PID --size=16384x16383 --surfaces=1       # one 1 GiB buffer
//	bigbuffer --pid=PID --size=16384x16383 --surfaces=3       # one pool on 3 toplevels
//	bigbuffer --pid=PID --size=8192x8192 --redraw=15s         # redrawn every frame
//	bigbuffer --pid=PID --size=1x268435455                    # 1 GiB, one pixel wide
//
// A bystander connection does wl_display.sync round trips back to back
// and reports its longest gap and its round trips per second; the big
// client commits one ARGB8888 buffer from a sparse unsealed memfd (the
// compositor reads it guarded) on --surfaces toplevels, optionally redraws
// it with full damage on every frame callback for --redraw, then leaves.
// RSS is the compositor's (--pid), before, while shown and --after the
// client left.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nofault/nofault/bench/wlclient"
	"github.com/nofault/nofault/internal/procstat"
	"golang.org/x/sys/unix"
)

func main() {
	pid := flag.Int("pid", 0, "compositor pid, for its RSS")
	size := flag.String("size", "16384x16383", "buffer size WxH")
	surfaces := flag.Int("surfaces", 1, "toplevels showing the buffer")
	redraw := flag.Duration("redraw", 0, "redraw with full damage on every frame for this long")
	after := flag.Duration("after", 5*time.Second, "how long after the client left to read RSS")
	flag.Parse()
	w, h, err := parseSize(*size)
	if err == nil {
		err = run(*pid, w, h, *surfaces, *redraw, *after)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigbuffer:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "x")
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("bad --size %q", s)
	}
	return w, h, nil
}

func mib(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

// bystander does sync round trips until stop, recording the longest gap.
func bystander(stop *atomic.Bool, maxGap *atomic.Int64, trips *atomic.Int64) error {
	c, err := wlclient.Dial(os.Getenv("WAYLAND_DISPLAY"))
	if err != nil {
		return err
	}
	defer c.Close()
	for !stop.Load() {
		t0 := time.Now()
		if err := c.Roundtrip(60 * time.Second); err != nil {
			return err
		}
		if d := int64(time.Since(t0)); d > maxGap.Load() {
			maxGap.Store(d)
		}
		trips.Add(1)
	}
	return nil
}

func run(pid, w, h, surfaces int, redraw, after time.Duration) error {
	rss := func() int64 { return procstat.RSSOf(pid) }
	var stop atomic.Bool
	var maxGap, trips atomic.Int64
	byErr := make(chan error, 1)
	go func() { byErr <- bystander(&stop, &maxGap, &trips) }()
	time.Sleep(200 * time.Millisecond)
	rss0 := rss()
	start := time.Now()
	trips0 := trips.Load()

	c, err := wlclient.Dial(os.Getenv("WAYLAND_DISPLAY"))
	if err != nil {
		return err
	}
	reg, globals, err := c.Registry(5 * time.Second)
	if err != nil {
		return err
	}
	comp := c.Bind(reg, "wl_compositor", globals["wl_compositor"], 4, nil)
	shmID := c.Bind(reg, "wl_shm", globals["wl_shm"], 1, nil)
	var wm uint32
	wm = c.Bind(reg, "xdg_wm_base", globals["xdg_wm_base"], 1, func(op uint16, a []byte) {
		if op == 0 {
			c.Pong(wm, uint32(a[0])|uint32(a[1])<<8|uint32(a[2])<<16|uint32(a[3])<<24)
		}
	})
	bytes := int64(w) * int64(h) * 4
	fd, err := unix.MemfdCreate("bigbuffer", unix.MFD_CLOEXEC)
	if err != nil {
		return err
	}
	if err := unix.Ftruncate(fd, bytes); err != nil {
		return err
	}
	pool := c.CreatePool(shmID, fd, int32(min(bytes, 1<<31-1)))
	unix.Close(fd)
	buf := c.CreateBuffer(pool, 0, int32(w), int32(h), int32(w*4), 0, nil)
	surfs := make([]uint32, surfaces)
	for i := range surfs {
		s := c.CreateSurface(comp)
		surfs[i] = s
		var xs uint32
		xs = c.GetXdgSurface(wm, s, func(serial uint32) { c.AckConfigure(xs, serial) })
		c.GetToplevel(xs, "bigbuffer", "bigbuffer")
		c.Commit(s)
	}
	if err := c.Roundtrip(60 * time.Second); err != nil {
		return err
	}
	for _, s := range surfs {
		c.Attach(s, buf)
		c.Damage(s, true, 0, 0, int32(w), int32(h))
		c.Commit(s)
	}
	if err := c.Roundtrip(120 * time.Second); err != nil {
		return err
	}
	shown := time.Since(start)
	frames := 0
	if redraw > 0 {
		end := time.Now().Add(redraw)
		for time.Now().Before(end) {
			done := false
			c.Frame(surfs[0], func(uint32) { done = true })
			c.Attach(surfs[0], buf)
			c.Damage(surfs[0], true, 0, 0, int32(w), int32(h))
			c.Commit(surfs[0])
			for !done && c.Err() == nil {
				if err := c.Dispatch(time.Now().Add(time.Second)); err != nil {
					return err
				}
			}
			frames++
		}
	}
	time.Sleep(500 * time.Millisecond) // a few frames rendered
	rssShown := rss()
	c.Close()
	gapDuring := time.Duration(maxGap.Load())
	tripsDuring := trips.Load() - trips0
	during := time.Since(start)
	time.Sleep(after)
	rssAfter := rss()
	stop.Store(true)
	if err := <-byErr; err != nil {
		return fmt.Errorf("bystander: %w", err)
	}
	fmt.Printf("buffer %dx%d (%s) on %d surface(s): shown after %v", w, h, mib(bytes), surfaces, shown.Round(time.Millisecond))
	if frames > 0 {
		fmt.Printf(", %d full redraws in %v (%.1f fps)", frames, redraw, float64(frames)/redraw.Seconds())
	}
	fmt.Printf("\nbystander: longest round trip %v, %.0f round trips/s\n", gapDuring.Round(time.Millisecond), float64(tripsDuring)/during.Seconds())
	fmt.Printf("compositor RSS: %s before, %s shown, %s %v after the client left\n", mib(rss0), mib(rssShown), mib(rssAfter), after)
	return nil
}
