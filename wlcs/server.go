// Package wlcs runs nofault for Canonical's Wayland Conformance Test Suite
// (WLCS): a headless compositor in the calling process, built by
// compositor.New and served by Compositor.Run exactly as bin/compositor
// does, plus what WLCS's WlcsDisplayServer asks of a compositor: client
// connections over socket pairs, placing a window at absolute
// coordinates, virtual pointers and touch screens, and the list of
// protocols the server advertises.
//
// The C side (the WlcsServerIntegration that the wlcs runner dlopens) is
// cmd/nofault-wlcs, a cgo package built with -buildmode=c-shared; this
// package is pure Go so that it is tested like the rest of nofault.
// docs/conformance.md says how to run the suite and what it finds.
//
// Every method may be called from any goroutine or C thread: work on
// compositor state goes through the display loop and waits for it.
package wlcs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// DefaultTimeout bounds how long a call waits for the display loop. WLCS
// calls block the test thread, so a loop that never answers must not hang
// the suite; on a loaded machine the loop answers in milliseconds.
const DefaultTimeout = 30 * time.Second

// ErrStopped is returned by calls made while the server is not running.
var ErrStopped = errors.New("wlcs: server not running")

// Extension is one advertised global: the interface name and the highest
// version, as WlcsExtensionDescriptor has them.
type Extension struct {
	Name    string
	Version uint32
}

// Server is one nofault compositor for one WLCS test.
type Server struct {
	Comp    *compositor.Compositor
	Timeout time.Duration // per display-loop call; DefaultTimeout when 0

	runtimeDir string // removed by Close when New made it

	mu      sync.Mutex // guards following
	cancel  context.CancelFunc
	done    chan struct{} // closed when Run returned
	stopped bool
	clients map[int]*server.Client // by the client end's fd number
}

// New creates the compositor (not yet serving) from args, nofault's flags
// (see bin/compositor --help; the backend is always headless) and the
// NOFAULT_* environment. Without XDG_RUNTIME_DIR it makes a private one,
// since the compositor also listens on a socket there as it always does.
func New(args []string) (*Server, error) {
	// WLCS 1.5.0 attaches the first buffer of every xdg_toplevel before
	// dispatching the configure it waits for (docs/conformance.md): accept
	// it as mutter and Mir do, unless args say otherwise.
	args = append([]string{"--xdg-unacked-buffer=accept"}, args...)
	cfg, _, err := config.Load(args, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("nofault-wlcs: %w", err)
	}
	cfg.Backend = "headless"
	s := &Server{clients: make(map[int]*server.Client)}
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		dir, err := os.MkdirTemp("", "nofault-wlcs-")
		if err != nil {
			return nil, fmt.Errorf("nofault-wlcs: runtime dir: %w", err)
		}
		s.runtimeDir = dir
		os.Setenv("XDG_RUNTIME_DIR", dir)
	}
	s.Comp, err = compositor.New(cfg)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("nofault-wlcs: %w", err)
	}
	// The test machine has a touch screen, as Mir's WLCS rig does: a
	// client learns of wl_touch when it binds the seat, so that a device
	// WLCS creates later can touch at once (a capability event would race
	// with the first touch). The display does not run yet: no Do needed.
	s.Comp.Seat.NewVirtualTouch()
	return s, nil
}

// Extensions returns the globals the compositor advertises, by name, each
// at its version: WLCS skips the tests of every other protocol.
func (s *Server) Extensions() []Extension {
	var out []Extension
	// Before Start nothing else touches the display; after it, the loop.
	read := func() {
		seen := map[string]int{}
		for _, g := range s.Comp.Display.Globals() {
			if i, ok := seen[g.Interface.Name]; ok {
				out[i].Version = max(out[i].Version, g.Version)
				continue
			}
			seen[g.Interface.Name] = len(out)
			out = append(out, Extension{Name: g.Interface.Name, Version: g.Version})
		}
	}
	s.mu.Lock()
	running := s.done != nil && !s.stopped
	s.mu.Unlock()
	if running {
		if err := s.do(read); err != nil {
			slog.Error("nofault-wlcs: extensions", "err", err)
		}
	} else {
		read()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Start runs the compositor's display loop and frame clock in the
// background. It returns at once: calls made after it queue on the loop.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		return errors.New("wlcs: server started twice")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	done := s.done
	go func() {
		defer close(done)
		if err := s.Comp.Run(ctx); err != nil {
			slog.Error("nofault-wlcs: compositor stopped", "err", err)
		}
	}()
	return nil
}

// Stop ends the display loop and waits until every client is disconnected
// and every goroutine of the display is gone.
func (s *Server) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.stopped = true
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Close releases what New made (the seat's keymap, a private runtime
// dir). The server must be stopped or never started.
func (s *Server) Close() {
	if s.Comp != nil {
		s.Comp.Seat.Destroy()
		s.Comp.Socket.Close()
	}
	if s.runtimeDir != "" {
		os.RemoveAll(s.runtimeDir)
	}
}

// do runs fn on the display loop and waits for it.
func (s *Server) do(fn func()) error {
	s.mu.Lock()
	done, stopped := s.done, s.stopped
	s.mu.Unlock()
	if done == nil || stopped {
		return ErrStopped
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ran := make(chan struct{})
	var panicked any
	s.Comp.Display.Do(func() {
		defer close(ran)
		defer func() { panicked = recover() }()
		fn()
	})
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ran:
		if panicked != nil {
			return fmt.Errorf("wlcs: panic on the display loop: %v", panicked)
		}
		return nil
	case <-done:
		return ErrStopped
	case <-t.C:
		return fmt.Errorf("wlcs: display loop did not answer within %v", timeout)
	}
}

// ClientSocket connects a new client over a socket pair and returns the
// client's end, which the caller owns (WLCS passes it to
// wl_display_connect_to_fd).
func (s *Server) ClientSocket() (int, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("wlcs: socketpair: %w", err)
	}
	f := os.NewFile(uintptr(fds[0]), "nofault-wlcs-client")
	fc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		unix.Close(fds[1])
		return -1, fmt.Errorf("wlcs: client socket: %w", err)
	}
	conn := fc.(*net.UnixConn)
	clientFD := fds[1]
	var added bool
	err = s.do(func() {
		c := s.Comp.Display.AddClient(conn)
		if c == nil {
			return // refused (a limit); the client reads the error
		}
		added = true
		s.mu.Lock()
		s.clients[clientFD] = c
		s.mu.Unlock()
		c.OnDestroy(func() {
			s.mu.Lock()
			if s.clients[clientFD] == c {
				delete(s.clients, clientFD)
			}
			s.mu.Unlock()
		})
	})
	if err != nil {
		if !added {
			conn.Close()
		}
		unix.Close(clientFD)
		return -1, err
	}
	return clientFD, nil
}

// PositionWindow places the toplevel whose wl_surface has id surfaceID on
// the client connected through clientFD (the fd ClientSocket returned) so
// that its window geometry's top-left corner is at x, y in output
// coordinates, and finds the pointer focus again (the window may now be
// under it). WLCS means the window geometry: its XdgStableSurfaceBuilder
// moves a surface with geometry offset (12, 5) to position + (12, 5) to
// have the surface itself at position.
func (s *Server) PositionWindow(clientFD int, surfaceID uint32, x, y int) error {
	var err error
	derr := s.do(func() {
		s.mu.Lock()
		c := s.clients[clientFD]
		s.mu.Unlock()
		if c == nil {
			err = fmt.Errorf("wlcs: position_window_absolute: no client on fd %d", clientFD)
			return
		}
		o := c.Lookup(protocol.ObjectID(surfaceID))
		if o == nil || o.Interface != &protocol.WlSurfaceInterface {
			err = fmt.Errorf("wlcs: position_window_absolute: client %d has no wl_surface@%d", c.ID(), surfaceID)
			return
		}
		if !s.Comp.Shell.MoveTo(o, x, y) {
			err = fmt.Errorf("wlcs: position_window_absolute: wl_surface@%d is not a toplevel", surfaceID)
			return
		}
		s.Comp.Seat.RefreshPointerFocus()
	})
	return errors.Join(derr, err)
}

// Pointer is a WlcsPointer: a seat.VirtualPointer driven from WLCS.
type Pointer struct {
	s *Server
	p *seat.VirtualPointer
}

// NewPointer adds a virtual pointer to the seat.
func (s *Server) NewPointer() (*Pointer, error) {
	p := &Pointer{s: s}
	err := s.do(func() { p.p = s.Comp.Seat.NewVirtualPointer() })
	return p, err
}

// MoveTo moves the pointer to x, y in output coordinates.
func (p *Pointer) MoveTo(x, y float64) error {
	return p.s.do(func() { p.p.MoveTo(x, y, time.Time{}) })
}

// MoveBy moves the pointer by dx, dy.
func (p *Pointer) MoveBy(dx, dy float64) error {
	return p.s.do(func() { p.p.MoveBy(dx, dy, time.Time{}) })
}

// Button presses or releases an evdev button code.
func (p *Pointer) Button(button uint32, pressed bool) error {
	return p.s.do(func() { p.p.Button(button, pressed, time.Time{}) })
}

// Destroy removes the pointer. After Stop it only forgets it.
func (p *Pointer) Destroy() error {
	err := p.s.do(func() { p.p.Destroy(time.Time{}) })
	if errors.Is(err, ErrStopped) {
		return nil
	}
	return err
}

// Touch is a WlcsTouch: a seat.VirtualTouch driven from WLCS.
type Touch struct {
	s *Server
	t *seat.VirtualTouch
}

// NewTouch adds a virtual touch screen; the seat gets the touch
// capability.
func (s *Server) NewTouch() (*Touch, error) {
	t := &Touch{s: s}
	err := s.do(func() { t.t = s.Comp.Seat.NewVirtualTouch() })
	return t, err
}

// Down puts the finger down at x, y in output coordinates.
func (t *Touch) Down(x, y float64) error {
	return t.s.do(func() { t.t.Down(x, y, time.Time{}) })
}

// Move moves the finger to x, y.
func (t *Touch) Move(x, y float64) error {
	return t.s.do(func() { t.t.Move(x, y, time.Time{}) })
}

// Up lifts the finger.
func (t *Touch) Up() error {
	return t.s.do(func() { t.t.Up(time.Time{}) })
}

// Destroy removes the touch screen. After Stop it only forgets it.
func (t *Touch) Destroy() error {
	err := t.s.do(func() { t.t.Destroy(time.Time{}) })
	if errors.Is(err, ErrStopped) {
		return nil
	}
	return err
}
