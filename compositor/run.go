package compositor

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/nofault/nofault/backend"
	"github.com/nofault/nofault/backend/headless"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/seat"
)

var _ backend.Compositor = (*Compositor)(nil)

// RunOptions are what Run takes besides the configuration and the
// backend: the session around the compositor.
type RunOptions struct {
	// Command is the client to start once the socket is ready ("--
	// COMMAND ARGS..."), with WAYLAND_DISPLAY set; its exit ends Run with
	// its exit status. Empty for none.
	Command []string
	// Signals are the signals the caller catches (signal.Notify):
	// SIGUSR1 writes the screenshot, any other one stops Run (the command
	// gets SIGTERM). nil for none.
	Signals <-chan os.Signal
}

// Run is nofault's one way to start, whatever the backend: it makes the
// compositor with b's renderer and output (the socket, the display, the
// globals), announces the socket ("WAYLAND_DISPLAY=NAME" on stderr),
// serves clients while b drives the frames (b.Run on the calling
// goroutine, the display loop on another), starts opts.Command, and stops
// when ctx is done, a stop signal comes, the command exits or b ends on
// its own (the nested window was closed). Before returning it writes the
// screenshot (cfg.Screenshot) and the statistics (cfg.Stats), ends what
// the command left running and removes the socket.
//
// status is the process's exit status: the command's when it ended the
// session (128+N when signal N killed it), 126 or 127 when it could not
// be started, 1 on a failure, else 0. err, when not nil, is what the user
// must be told.
func Run(ctx context.Context, cfg config.Config, b backend.Backend, opts RunOptions) (status int, err error) {
	c, err := NewWithOptions(cfg, Options{Renderer: b.Renderer(), OutputName: b.OutputName(), PresentAfterSwap: b.PresentAfterSwap()})
	if err != nil {
		return 1, err
	}
	slog.Info("listening", "socket", c.Socket.Path, "size", cfg.Size, "backend", b.Name(), "renderer", c.Renderer.Name())
	fmt.Fprintf(os.Stderr, "WAYLAND_DISPLAY=%s\n", c.Socket.Name)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.attach(b)
	s := newSession(c, cfg, opts.Signals)
	loop := startLoop(func() error { return c.Display.Run(ctx) })
	if code, err := s.startChild(opts.Command); err != nil {
		cancel()
		<-loop.done
		return code, err
	}
	// The session waits on a goroutine of its own: b.Run keeps the
	// calling goroutine (the nested window's main thread), and serves the
	// renderer meanwhile, so the final screenshot works as usual.
	type result struct {
		status int
		err    error
	}
	backendGone := make(chan struct{})
	sessionDone := make(chan result, 1)
	go func() {
		status, why, err := s.wait(ctx, loop, backendGone)
		if why != stopBackend && why != stopLoop {
			c.writeScreenshot(cfg.Screenshot)
			c.writeStats(cfg.Stats)
		}
		cancel()
		sessionDone <- result{status, err}
	}()

	berr := b.Run(ctx, c)
	if ctx.Err() == nil {
		// The backend ended on its own (the window was closed, or the
		// host display went away). Its renderer may no longer serve the
		// display loop: the final screenshot is read from it here.
		if berr != nil {
			status, err = 1, berr
		}
		c.finalScreenshot(b, cfg.Screenshot)
		c.writeStats(cfg.Stats)
		close(backendGone)
	}
	if r := <-sessionDone; r.status != 0 || r.err != nil {
		status = r.status
		if r.err != nil {
			err = r.err
		}
	}
	<-loop.done
	s.reapChild()
	return status, err
}

// serve serves clients while b drives the frames until ctx is done or
// either ends: the display loop runs on a goroutine of its own, b.Run on
// the calling goroutine. It returns the display loop's error, else the
// backend's.
func (c *Compositor) serve(ctx context.Context, b backend.Backend) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.attach(b)
	loop := startLoop(func() error { return c.Display.Run(ctx) })
	go func() { <-loop.done; cancel() }()
	berr := b.Run(ctx, c)
	cancel()
	<-loop.done
	if loop.err != nil {
		return loop.err
	}
	return berr
}

// Run serves clients with the headless frame clock until ctx is done:
// the compositor without the session around it, for tests and embedders
// (nofault itself starts with the package's Run).
func (c *Compositor) Run(ctx context.Context) error {
	return c.serve(ctx, headless.New(c.cfg.Refresh, nil))
}

// attach wires what b offers before the display loop starts: a frame
// clock woken by client activity, the host cursor held during a pointer
// lock.
func (c *Compositor) attach(b backend.Backend) {
	if w, ok := b.(backend.Waker); ok {
		c.Display.OnActivity(w.Wake)
	}
	if pl, ok := b.(backend.PointerLocker); ok {
		c.Seat.OnPointerConstraint(func(pc seat.PointerConstraint) { pl.SetPointerLocked(pc.Active && pc.Locked) })
	}
	if cs, ok := b.(backend.ClipboardSharer); ok && c.cfg.HostClipboard {
		h := c.Data.ShareHost(c.Seat, datadevice.HostOptions{SetText: cs.SetClipboard})
		cs.ShareClipboard(h.HostText)
		slog.Info(HostClipboardLog)
	}
}

// HostClipboardLog is logged when the clipboard is shared with the host.
const HostClipboardLog = "clipboard shared with the host (text, both ways; --host-clipboard=false keeps it apart)"

// Do queues fn to run on the display loop (backend.Compositor).
func (c *Compositor) Do(fn func()) { c.Display.Do(fn) }

// RunLocked runs fn on the calling goroutine as the display loop
// (server.Display.RunLocked): the headless clock runs its frames so.
func (c *Compositor) RunLocked(fn func()) bool { return c.Display.RunLocked(fn) }

// FramesWanted reports whether a client waits for a frame: a frame
// callback, a screen capture or a buffer release that goes out with the
// next frame is pending. It runs on the display loop.
func (c *Compositor) FramesWanted() bool {
	return c.Shell.PendingFrameCallbacks() != 0 || c.Capture.Stats().Pending != 0 || c.Shell.PendingReleases() != 0
}

// Input is the seat (backend.Compositor).
func (c *Compositor) Input() *seat.Seat { return c.Seat }

// loopRun is the display loop running on its goroutine.
type loopRun struct {
	done chan struct{}
	err  error // valid after done is closed
}

func startLoop(fn func() error) *loopRun {
	l := &loopRun{done: make(chan struct{})}
	go func() { l.err = fn(); close(l.done) }()
	return l
}
