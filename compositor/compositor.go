// Package compositor assembles nofault: the display, the globals (shm,
// shell, output, seat, data device), a renderer and a backend. The
// cmd/compositor command is a thin CLI over it; tests and the kernel demo
// use it the same way.
package compositor

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"time"

	"github.com/nofault/nofault/backend/headless"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/soft"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shell"
	"github.com/nofault/nofault/shm"
)

// Background is the output's clear colour (R, G, B, A): a dark slate that
// no client draws by accident.
var Background = [4]uint8{0x30, 0x38, 0x40, 0xff}

// Compositor is a running nofault instance.
type Compositor struct {
	cfg      config.Config
	Display  *server.Display
	Socket   *server.Socket
	Shm      *shm.Global
	Output   *output.Output
	Shell    *shell.Shell
	Seat     *seat.Seat
	Data     *datadevice.Manager
	Renderer render.Renderer
	Probe    shm.ProbeResult

	frames    uint64 // frames presented (a scene rendered)
	ticks     uint64 // output frames (frame callbacks sent)
	width     int
	height    int
	rendered  bool
	callbacks uint64 // frame callbacks answered
	startTime time.Time
}

// New creates the socket and the globals. It does not serve clients until
// Run.
func New(cfg config.Config) (*Compositor, error) {
	mode, err := shm.ParseReadMode(cfg.ShmRead)
	if err != nil {
		return nil, fmt.Errorf("--shm-read: %w", err)
	}
	shrink, err := shm.ParseShrinkPolicy(cfg.ShmShrink)
	if err != nil {
		return nil, fmt.Errorf("--shm-shrink: %w", err)
	}
	probe := shm.ProbedNoSigbus()
	slog.Info("MAP_NOSIGBUS probe", "supported", probe.Supported, "faulted", probe.Faulted, "duration", probe.Duration, "err", probe.Err)
	if mode == shm.ReadNoSigbus && !probe.Supported {
		return nil, fmt.Errorf("--shm-read=nosigbus: %w (probe: %s)", shm.ErrNoSigbus, probe)
	}
	sock, err := server.Listen(os.Getenv("XDG_RUNTIME_DIR"), cfg.Socket)
	if err != nil {
		return nil, err
	}
	d := server.NewDisplay(sock, server.Options{Limits: serverLimits(cfg.Limits), Trace: cfg.Trace})
	c := &Compositor{
		cfg:       cfg,
		Display:   d,
		Socket:    sock,
		Probe:     probe,
		width:     cfg.Size.W,
		height:    cfg.Size.H,
		startTime: time.Now(),
	}
	c.Renderer = soft.New()
	c.Shm = shm.Register(d, shm.Options{Mode: mode, Shrink: shrink})
	c.Output = output.New(d, "HEADLESS-1", cfg.Size.W, cfg.Size.H, cfg.Refresh*1000)
	output.AddXdgOutputManager(d)
	c.Shell = shell.New(d, c.Renderer, shell.Options{
		Output:            c.Output,
		Background:        Background,
		MaxFrameCallbacks: cfg.Limits.MaxFrameCallbacks,
		PingInterval:      10 * time.Second,
	})
	c.Seat = seat.New(d, seat.Options{Name: "seat0", Keyboard: true, Pointer: true, Surfaces: c.Shell})
	c.Data = datadevice.New(d, c.Seat)
	c.Shell.OnFocus(c.Seat.SetKeyboardFocus)
	c.Seat.OnClick(func(surface *protocol.Object) { c.Shell.Activate(surface) })
	c.applyLimits(cfg.Limits)
	return c, nil
}


// Run serves clients with the headless frame clock until ctx is done.
func (c *Compositor) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b := headless.New(c.Display, c.cfg.Refresh, c.Frame)
	go b.Run(ctx)
	return c.Display.Run(ctx)
}

// Frame is one output frame: render the scene if anything changed, then
// send frame callbacks. It runs on the display loop.
func (c *Compositor) Frame(now time.Time) {
	c.ticks++
	if err := c.render(); err != nil {
		slog.Error("render failed", "err", err)
	}
	c.callbacks += uint64(c.Shell.PendingFrameCallbacks())
	c.Shell.Frame(now)
}

func (c *Compositor) render() error {
	w, h := c.Output.Size()
	if err := c.Renderer.Render(c.Shell.Scene(), w, h); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	c.rendered = true
	c.frames++
	return nil
}

// Screenshot renders the current scene and returns the output's pixels.
// It runs on the display loop.
func (c *Compositor) Screenshot() (*image.RGBA, error) {
	if err := c.render(); err != nil {
		return nil, err
	}
	w, h := c.Output.Size()
	return render.ReadImage(c.Renderer, image.Rect(0, 0, w, h))
}

// Sync runs fn on the display loop and waits for it, or for ctx.
func (c *Compositor) Sync(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	c.Display.Do(func() { fn(); close(done) })
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("display loop did not answer")
	}
}
