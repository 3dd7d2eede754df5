// Command wlbench is a plain Wayland benchmark client: it needs only
// wl_compositor, wl_shm and xdg_wm_base, so it runs against any compositor
// (nofault, weston, sway). It prints one JSON object with what it measured.
//
// Modes:
//
//	frames  N toplevels of WxH (ARGB or XRGB) each committing a new frame on
//	        every frame callback, with full or partial damage (--damage=PCT
//	        of the rows, a band that moves), pools sealed with F_SEAL_SHRINK
//	        or not. Buffers not released yet are never waited for: up to
//	        --buffers per surface are allocated, then the surface waits for
//	        a release.
//	sync    wl_display.sync round trips back to back; RTT quantiles.
//	flood   one mapped surface receiving --rects damage requests per commit,
//	        --inflight batches in flight (each ends with a sync); requests
//	        per second the compositor absorbed.
//
// With --pid the compositor's CPU time (utime+stime from /proc/PID/stat)
// is read at both ends of the measured window.
//
//	wlbench --socket=wayland-1 --surfaces=1 --size=1920x1080 --damage=10 --duration=5s --pid=1234
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/nofault/nofault/bench/wlclient"
)

func main() {
	var o wlclient.Options
	var size string
	flag.StringVar(&o.Socket, "socket", "", "socket name in $XDG_RUNTIME_DIR or absolute path (default $WAYLAND_DISPLAY)")
	flag.StringVar(&o.Mode, "mode", wlclient.ModeFrames, "frames, sync or flood")
	flag.IntVar(&o.Surfaces, "surfaces", 1, "toplevels (frames mode)")
	flag.StringVar(&size, "size", "1920x1080", "surface size WxH (buffer pixels)")
	flag.IntVar(&o.BufferScale, "buffer-scale", 1, "wl_surface buffer scale (frames mode)")
	flag.IntVar(&o.BufferTransform, "buffer-transform", 0, "wl_surface buffer transform, a wl_output.transform value (frames mode; --size is the buffer's)")
	flag.BoolVar(&o.XRGB, "xrgb", false, "XRGB8888 instead of ARGB8888")
	flag.IntVar(&o.Alpha, "alpha", 0, "alpha of the pixels drawn, 1..254 for translucent ones (premultiplied ARGB8888); 0 for opaque")
	flag.IntVar(&o.Edges, "edges", 0, "pixels at each end of every row drawn at alpha 64 (a client-side shadow); 0 for none")
	flag.BoolVar(&o.OpaqueBody, "opaque-body", false, "set the opaque region to what lies between the edges (a window's body, as toolkits do)")
	flag.IntVar(&o.Damage, "damage", 100, "percentage of rows damaged and redrawn per frame")
	flag.BoolVar(&o.Sealed, "sealed", true, "seal pools with F_SEAL_SHRINK")
	flag.IntVar(&o.Buffers, "buffers", 4, "most buffers per surface")
	flag.DurationVar(&o.Warmup, "warmup", time.Second, "time before the measured window")
	flag.DurationVar(&o.Duration, "duration", 5*time.Second, "measured window")
	flag.IntVar(&o.PID, "pid", 0, "compositor process id whose CPU time to read")
	flag.IntVar(&o.Rects, "rects", 500, "flood mode: damage requests per commit")
	flag.IntVar(&o.Inflight, "inflight", 2, "flood mode: batches in flight")
	flag.Parse()
	if _, err := fmt.Sscanf(size, "%dx%d", &o.Width, &o.Height); err != nil || o.Width <= 0 || o.Height <= 0 {
		fmt.Fprintf(os.Stderr, "wlbench: bad --size %q\n", size)
		os.Exit(2)
	}
	r, err := wlclient.Run(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "wlbench: %v\n", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(r)
}
