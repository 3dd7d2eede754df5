package wlclient

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// Modes of a benchmark run.
const (
	ModeFrames = "frames" // toplevels committing a new frame on every frame callback
	ModeSync   = "sync"   // wl_display.sync round trips back to back
	ModeFlood  = "flood"  // many damage requests per commit
)

// wl_shm formats.
const (
	FormatARGB8888 = 0
	FormatXRGB8888 = 1
)

// Options describe one run.
type Options struct {
	Socket   string        // socket name or path; "" for $WAYLAND_DISPLAY
	Mode     string        // ModeFrames, ModeSync or ModeFlood
	Surfaces int           // toplevels (frames mode)
	Width    int           // surface size in pixels
	Height   int           //
	XRGB     bool          // XRGB8888 instead of ARGB8888
	Damage   int           // percentage of rows damaged (and redrawn) per frame, 1..100
	Sealed   bool          // seal pools with F_SEAL_SHRINK
	Buffers  int           // most buffers per surface (default 4)
	Warmup   time.Duration // before the measured window
	Duration time.Duration // measured window
	PID      int           // compositor process whose CPU time to read (0: none)
	Rects    int           // flood mode: damage requests per commit (default 500)
	Inflight int           // flood mode: batches in flight (default 2)
	// Alpha, from 1 to 254, draws ARGB8888 pixels of that alpha
	// (premultiplied), as a terminal with a translucent background does;
	// 0 or 255 draws opaque ones.
	Alpha int `json:",omitempty"`
	// BufferScale, when above 1, is the surfaces' wl_surface buffer scale
	// (frames mode): Width x Height buffer pixels are a surface of
	// Width/BufferScale x Height/BufferScale.
	BufferScale int `json:",omitempty"`
	// BufferTransform, when not 0, is the surfaces' wl_surface buffer
	// transform (wl_output.transform: 1 is 90 degrees): Width x Height
	// is then the buffer's size, turned to show (damage in buffer
	// coordinates needs wl_surface v4).
	BufferTransform int `json:",omitempty"`
	// Edges, when above 0, draws that many pixels at each end of every
	// row at alpha 64 (premultiplied), as a client-side shadow is: a
	// window's rows then switch between translucent and opaque pixels
	// twice, over the background or over the windows below it.
	Edges int `json:",omitempty"`
	// OpaqueBody marks what lies between the Edges as the surfaces'
	// opaque region (wl_surface.set_opaque_region), as a toolkit does
	// for a window's body inside its shadows.
	OpaqueBody bool `json:",omitempty"`
	// Client names the program the harness runs for this workload: "" is
	// wlbench (this package), ClientLibwayland is bench/c/syncrtt, a
	// libwayland client timing Count round trips (sync mode only).
	Client string
	Count  int // ClientLibwayland: round trips timed (default 3000)
	// Pin, for ClientLibwayland, places the round trip on the CPUs
	// (2 or more needed): PinSame runs the compositor's threads and the
	// client on CPU 0, PinCross the compositor's on CPU 0 and the client on
	// CPU 1. "" leaves placement to the kernel, which puts the client on
	// the compositor's CPU in some runs and on the other in the rest.
	Pin string `json:",omitempty"`
}

// ClientLibwayland is Options.Client for bench/c/syncrtt.
const ClientLibwayland = "libwayland"

// Options.Pin values.
const (
	PinSame  = "same"
	PinCross = "cross"
)

// Result is what a run measured (the JSON wlbench prints).
type Result struct {
	Options
	Compositor map[string]uint32 `json:"globals"` // versions of the globals used

	Seconds       float64   `json:"seconds"`                    // measured window
	Frames        uint64    `json:"frames"`                     // frame callbacks received in the window, all surfaces
	FPS           float64   `json:"fps"`                        // frames per second per surface (mean)
	FPSMin        float64   `json:"fps_min"`                    // of the slowest surface
	BuffersMax    int       `json:"buffers_max"`                // most buffers one surface needed
	Stalls        uint64    `json:"stalls"`                     // frame callbacks that found every buffer busy
	Syncs         int       `json:"syncs"`                      // round trips in the window
	RTTp50        float64   `json:"rtt_p50_us"`                 //
	RTTp99        float64   `json:"rtt_p99_us"`                 //
	RTTMean       float64   `json:"rtt_mean_us"`                //
	RTTQuantiles  []float64 `json:"rtt_quantiles_us,omitempty"` // 0%, 1%, ..., 100%
	Requests      uint64    `json:"requests"`                   // flood mode: requests acknowledged in the window
	RequestsPerS  float64   `json:"requests_per_s"`             //
	CPU           float64   `json:"cpu_s"`                      // compositor utime+stime in the window (/proc/PID/stat)
	CPUSched      float64   `json:"cpu_sched_s"`                // the same from schedstat (ns resolution)
	CPUPerFrameMS float64   `json:"cpu_per_frame_ms"`           // CPU / Frames
	CPULoad       float64   `json:"cpu_load"`                   // CPU / Seconds
	ClientCPU     float64   `json:"client_cpu_s"`               // this process, same window
	CtxSwitches   int64     `json:"ctx_switches,omitempty"`     // the compositor's context switches in the window, all threads (/proc/PID/task/*/status)
	LoadAvg       string    `json:"loadavg"`                    // /proc/loadavg at the end
}

type client struct {
	c       *Conn
	o       Options
	comp    uint32
	shm     uint32
	wm      uint32
	dmgBuf  bool // wl_surface v4: damage_buffer
	measure bool
	res     *Result
}

// Run connects, runs the benchmark and returns what it measured.
func Run(o Options) (*Result, error) {
	if o.Buffers <= 0 {
		o.Buffers = 4
	}
	if o.Damage <= 0 || o.Damage > 100 {
		o.Damage = 100
	}
	if o.Rects <= 0 {
		o.Rects = 500
	}
	if o.Inflight <= 0 {
		o.Inflight = 2
	}
	if o.Surfaces <= 0 {
		o.Surfaces = 1
	}
	c, err := Dial(o.Socket)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	cl := &client{c: c, o: o, res: &Result{Options: o, Compositor: map[string]uint32{}}}
	reg, globals, err := c.Registry(5 * time.Second)
	if err != nil {
		return nil, err
	}
	if o.Mode != ModeSync {
		need := map[string]uint32{"wl_compositor": 4, "wl_shm": 1, "xdg_wm_base": 1}
		for name, max := range need {
			g, ok := globals[name]
			if !ok {
				return nil, fmt.Errorf("compositor has no %s", name)
			}
			v := min(g.Version, max)
			cl.res.Compositor[name] = v
			switch name {
			case "wl_compositor":
				cl.comp = c.Bind(reg, name, g, v, nil)
				cl.dmgBuf = v >= 4
			case "wl_shm":
				cl.shm = c.Bind(reg, name, g, v, nil)
			case "xdg_wm_base":
				var wm uint32
				wm = c.Bind(reg, name, g, v, func(op uint16, a []byte) {
					if op == 0 {
						c.Pong(wm, u32(a, 0))
					}
				})
				cl.wm = wm
			}
		}
	}
	switch o.Mode {
	case ModeFrames:
		err = cl.frames()
	case ModeSync:
		err = cl.syncFlood()
	case ModeFlood:
		err = cl.flood()
	default:
		err = fmt.Errorf("unknown mode %q", o.Mode)
	}
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil && len(b) > 0 {
		cl.res.LoadAvg = string(b[:len(b)-1])
	}
	return cl.res, nil
}

// window tracks the measured interval and the CPU times at its ends.
type window struct {
	start, end       time.Time
	cpu0             CPU
	self0            float64
	started, stopped bool
}

func selfCPU() float64 {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func (cl *client) begin(w *window) {
	w.start = time.Now()
	w.end = w.start.Add(cl.o.Duration)
	if cl.o.PID > 0 {
		w.cpu0, _ = ProcCPU(cl.o.PID)
	}
	w.self0 = selfCPU()
	w.started = true
	cl.measure = true
}

func (cl *client) finish(w *window) error {
	now := time.Now()
	cl.measure = false
	w.stopped = true
	r := cl.res
	r.Seconds = now.Sub(w.start).Seconds()
	r.ClientCPU = selfCPU() - w.self0
	if cl.o.PID > 0 {
		c1, err := ProcCPU(cl.o.PID)
		if err != nil {
			return fmt.Errorf("compositor process %d: %w", cl.o.PID, err)
		}
		d := c1.Sub(w.cpu0)
		r.CPU, r.CPUSched, r.CtxSwitches = d.Stat, d.Sched, d.Switches
		r.CPULoad = d.Stat / r.Seconds
	}
	return nil
}

// ---- frames mode ----

type buffer struct {
	id   uint32
	off  int
	busy bool
}

type surface struct {
	cl       *client
	idx      int
	surf, xs uint32
	fd       int
	mem      []byte
	pool     uint32
	stride   int
	bufs     []*buffer
	frame    uint64 // frames drawn
	counted  uint64 // frame callbacks in the window
	waiting  bool   // a frame is due but every buffer is busy
	pattern  []byte
	mapped   bool
	frozen   bool // flood mode: never draw again
}

func (cl *client) newSurface(idx int) (*surface, error) {
	o := cl.o
	s := &surface{cl: cl, idx: idx, stride: o.Width * 4}
	size := s.stride * o.Height * o.Buffers
	if size <= 0 || size > math.MaxInt32 {
		return nil, fmt.Errorf("pool of %d bytes does not fit wl_shm", size)
	}
	flags := unix.MFD_CLOEXEC
	if o.Sealed {
		flags |= unix.MFD_ALLOW_SEALING
	}
	fd, err := unix.MemfdCreate("wlbench", flags)
	if err != nil {
		return nil, err
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if o.Sealed {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("F_SEAL_SHRINK: %w", err)
		}
	}
	s.mem, err = unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	s.fd = fd
	s.pool = cl.c.CreatePool(cl.shm, fd, int32(size))
	// A pattern row of width+64 pixels; frame n shifts it by n.
	s.pattern = make([]byte, (o.Width+64)*4)
	for x := 0; x < o.Width+64; x++ {
		v := uint8(x*4 + idx*37)
		s.pattern[x*4+0] = v
		s.pattern[x*4+1] = uint8(x * 2)
		s.pattern[x*4+2] = ^v
		s.pattern[x*4+3] = 0xff
		if a := o.Alpha; a > 0 && a < 0xff {
			for c := range 3 {
				s.pattern[x*4+c] = uint8((int(s.pattern[x*4+c])*a + 127) / 0xff)
			}
			s.pattern[x*4+3] = uint8(a)
		}
	}
	c := cl.c
	s.surf = c.CreateSurface(cl.comp)
	s.xs = c.GetXdgSurface(cl.wm, s.surf, func(serial uint32) {
		c.AckConfigure(s.xs, serial)
		if !s.mapped {
			s.mapped = true
			s.draw()
		}
	})
	c.GetToplevel(s.xs, fmt.Sprintf("wlbench %d", idx), "wlbench")
	if o.BufferScale > 1 {
		c.SetBufferScale(s.surf, int32(o.BufferScale))
	}
	if o.BufferTransform != 0 {
		c.SetBufferTransform(s.surf, int32(o.BufferTransform))
	}
	if o.OpaqueBody {
		bs := max(o.BufferScale, 1)
		e := min(max(o.Edges, 0), o.Width/2)
		reg := c.CreateRegion(cl.comp)
		c.RegionAdd(reg, int32(e/bs), 0, int32((o.Width-2*e)/bs), int32(o.Height/bs))
		c.SetOpaqueRegion(s.surf, reg)
		c.Destroy(reg, 0)
	}
	c.Commit(s.surf)
	return s, nil
}

func (s *surface) close() {
	unix.Munmap(s.mem)
	unix.Close(s.fd)
}

func (s *surface) freeBuffer() *buffer {
	for _, b := range s.bufs {
		if !b.busy {
			return b
		}
	}
	o := s.cl.o
	if len(s.bufs) >= o.Buffers {
		return nil
	}
	b := &buffer{off: len(s.bufs) * s.stride * o.Height}
	format := uint32(FormatARGB8888)
	if o.XRGB {
		format = FormatXRGB8888
	}
	b.id = s.cl.c.CreateBuffer(s.pool, int32(b.off), int32(o.Width), int32(o.Height), int32(s.stride), format, func() {
		b.busy = false
		if s.waiting {
			s.waiting = false
			s.draw()
		}
	})
	s.bufs = append(s.bufs, b)
	if len(s.bufs) > s.cl.res.BuffersMax {
		s.cl.res.BuffersMax = len(s.bufs)
	}
	return b
}

// shadowPixel is Edges' pixel: black at alpha 64, premultiplied
// (B, G, R, A in memory).
var shadowPixel = [4]byte{0, 0, 0, 64}

// draw paints the next frame into a free buffer and commits it with a
// frame callback, or marks the surface waiting for a release.
func (s *surface) draw() {
	if s.frozen {
		return
	}
	b := s.freeBuffer()
	if b == nil {
		s.waiting = true
		if s.cl.measure {
			s.cl.res.Stalls++
		}
		return
	}
	o := s.cl.o
	h := o.Height
	rows := h
	y0 := 0
	if o.Damage < 100 {
		rows = max(1, h*o.Damage/100)
		y0 = int(s.frame*uint64(rows)) % h
		if y0+rows > h {
			y0 = h - rows
		}
	}
	if s.frame == 0 {
		// Every buffer starts fully painted on its first use.
		y0, rows = 0, h
	}
	shift := int(s.frame % 64)
	rowBytes := o.Width * 4
	edge := min(max(o.Edges, 0), o.Width/2) * 4
	for y := y0; y < y0+rows; y++ {
		p := (y + shift) & 63
		row := s.mem[b.off+y*s.stride : b.off+y*s.stride+rowBytes]
		copy(row, s.pattern[p*4:p*4+rowBytes])
		for x := 0; x < edge; x += 4 {
			copy(row[x:], shadowPixel[:])
			copy(row[rowBytes-4-x:], shadowPixel[:])
		}
	}
	s.frame++
	c := s.cl.c
	c.Attach(s.surf, b.id)
	if rows == h {
		c.Damage(s.surf, s.cl.dmgBuf, 0, 0, int32(o.Width), int32(h))
	} else {
		c.Damage(s.surf, s.cl.dmgBuf, 0, int32(y0), int32(o.Width), int32(rows))
	}
	c.Frame(s.surf, s.onFrame)
	c.Commit(s.surf)
	b.busy = true
}

func (s *surface) onFrame(uint32) {
	if s.cl.measure {
		s.counted++
	}
	s.draw()
}

func (cl *client) frames() error {
	surfs := make([]*surface, 0, cl.o.Surfaces)
	defer func() {
		for _, s := range surfs {
			s.close()
		}
	}()
	for i := 0; i < cl.o.Surfaces; i++ {
		s, err := cl.newSurface(i)
		if err != nil {
			return err
		}
		surfs = append(surfs, s)
	}
	var w window
	if err := cl.loop(&w, nil); err != nil {
		return err
	}
	r := cl.res
	r.FPSMin = math.Inf(1)
	for _, s := range surfs {
		r.Frames += s.counted
		r.FPSMin = min(r.FPSMin, float64(s.counted)/r.Seconds)
	}
	r.FPS = float64(r.Frames) / r.Seconds / float64(len(surfs))
	if r.Frames > 0 {
		r.CPUPerFrameMS = r.CPU * 1000 / float64(r.Frames)
	}
	return nil
}

// loop dispatches events through warmup and the measured window.
func (cl *client) loop(w *window, onStart func()) error {
	warmEnd := time.Now().Add(cl.o.Warmup)
	for {
		now := time.Now()
		if !w.started && !now.Before(warmEnd) {
			cl.begin(w)
			if onStart != nil {
				onStart()
			}
		}
		if w.started && !now.Before(w.end) {
			return cl.finish(w)
		}
		deadline := warmEnd
		if w.started {
			deadline = w.end
		}
		if err := cl.c.Dispatch(deadline); err != nil && !errors.Is(err, ErrTimeout) {
			return err
		}
	}
}

// ---- sync flood ----

func (cl *client) syncFlood() error {
	c := cl.c
	var w window
	samples := make([]time.Duration, 0, 1<<16)
	warmEnd := time.Now().Add(cl.o.Warmup)
	done := false
	onDone := func(uint32) { done = true }
	for {
		t0 := time.Now()
		if !w.started && !t0.Before(warmEnd) {
			cl.begin(&w)
			t0 = time.Now()
		}
		if w.started && !t0.Before(w.end) {
			break
		}
		done = false
		c.Sync(onDone)
		for !done {
			if err := c.DispatchBlocking(); err != nil {
				return err
			}
		}
		if w.started {
			samples = append(samples, time.Since(t0))
		}
	}
	if err := cl.finish(&w); err != nil {
		return err
	}
	r := cl.res
	r.Syncs = len(samples)
	if len(samples) == 0 {
		return errors.New("no round trips measured")
	}
	slices.Sort(samples)
	q := func(p float64) float64 {
		i := int(math.Round(p * float64(len(samples)-1)))
		return float64(samples[i].Nanoseconds()) / 1000
	}
	r.RTTp50, r.RTTp99 = q(0.50), q(0.99)
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	r.RTTMean = float64(sum.Nanoseconds()) / 1000 / float64(len(samples))
	r.RTTQuantiles = make([]float64, 101)
	for i := range r.RTTQuantiles {
		r.RTTQuantiles[i] = q(float64(i) / 100)
	}
	r.CPUPerFrameMS = 0
	return nil
}

// ---- request flood ----

func (cl *client) flood() error {
	o := cl.o
	o.Surfaces, o.Buffers, o.Damage = 1, 1, 100
	cl.o = o
	s, err := cl.newSurface(0)
	if err != nil {
		return err
	}
	defer s.close()
	c := cl.c
	// Map the surface: wait for the first frame callback of its first
	// buffer, and stop drawing.
	for !s.mapped || s.frame == 0 {
		if err := c.Dispatch(time.Now().Add(5 * time.Second)); err != nil {
			return fmt.Errorf("mapping the flood surface: %w", err)
		}
	}
	s.frozen = true // frame callbacks and releases no longer draw
	var acked uint64
	row := 0
	var sendBatch func()
	sendBatch = func() {
		n := uint64(o.Rects + 2)
		for i := 0; i < o.Rects; i++ {
			c.Damage(s.surf, cl.dmgBuf, 0, int32(row), int32(o.Width), 1)
			row++
			if row == o.Height {
				row = 0
			}
		}
		c.Commit(s.surf)
		c.Sync(func(uint32) {
			if cl.measure {
				acked += n
			}
			sendBatch()
		})
	}
	for i := 0; i < o.Inflight; i++ {
		sendBatch()
	}
	var w window
	if err := cl.loop(&w, func() { acked = 0 }); err != nil {
		return err
	}
	cl.res.Requests = acked
	cl.res.RequestsPerS = float64(acked) / cl.res.Seconds
	return nil
}
