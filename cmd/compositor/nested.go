//go:build cgo

package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"runtime"

	"github.com/nofault/nofault/backend/nested"
	"github.com/nofault/nofault/compositor"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/gl"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/seat/keymap"
)

// GLFW and the window's GL context live on the process's main OS thread:
// main runs on it, and the nested backend's Run keeps it.
func init() { runtime.LockOSThread() }

const nestedBuilt = true

const nestedMissing = ""

// headlessGL makes the GL renderer without a window (Mesa's EGL
// surfaceless platform), or returns nil with a log line.
func headlessGL() (render.Renderer, func()) {
	h, err := gl.NewHeadless()
	if err != nil {
		slog.Warn("--renderer=gl: EGL surfaceless context failed", "err", err)
		return nil, nil
	}
	return h, func() { h.Close() }
}

// runNested shows the compositor in a window of the host desktop. It runs
// on the main goroutine (locked to the main thread): the window's event
// and GL loop stays here, the display loop and the session (signals, the
// `-- CMD` child) run on goroutines of their own.
//
// Shutdown: a signal or the child's exit makes the session take the final
// screenshot (GL still served here), write the stats and cancel the
// context, which ends the window's Run and the display loop (clients
// disconnected, socket and lock removed). When the user closes the window,
// Run returns first and GL calls from the loop stop working: the final
// screenshot is read here from the last rendered frame, then the session
// is told to stop. With auto, a window that cannot be opened falls back to
// headless.
func runNested(cfg config.Config, cmdArgs []string, sigs chan os.Signal, auto, keymapChosen bool) int {
	if cfg.Renderer == "soft" {
		slog.Warn("--renderer=soft: the nested backend draws with gl")
	}
	win, err := nested.Open(nested.Options{Title: "nofault", Width: cfg.Size.W, Height: cfg.Size.H, RefreshMilliHz: cfg.Refresh * 1000, HideCursor: true})
	if err != nil {
		if auto {
			slog.Warn("no nested window; running headless", "err", err)
			return runHeadless(cfg, cmdArgs, sigs)
		}
		fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
		return 1
	}
	defer win.Close()
	if !keymapChosen {
		// Follow the host's layout, as the user types on it.
		if names, ok := win.HostKeymap(); ok && names != (keymap.Names{Rules: "evdev", Model: "pc105", Layout: "us"}) {
			if err := keymap.Use(names); err != nil {
				slog.Warn("the host's keyboard layout cannot be compiled; using us", "err", err)
			} else {
				slog.Info("keymap from the host", "names", names.String())
			}
		}
	}
	c, err := compositor.NewWithOptions(cfg, compositor.Options{Renderer: win.Renderer(), OutputName: "NESTED-1", PresentAfterSwap: true})
	if err != nil {
		fmt.Fprintf(os.Stderr, "compositor: %v\n", err)
		return 1
	}
	// A client's pointer lock holds the host cursor (relative motion only).
	c.Seat.OnPointerConstraint(func(pc seat.PointerConstraint) { win.SetPointerLocked(pc.Active && pc.Locked) })
	announce(c, cfg, "nested")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newSession(c, cfg, sigs)
	loop := startLoop(func() error { return c.Display.Run(ctx) })
	if code, ok := s.startChild(cmdArgs); !ok {
		cancel()
		<-loop.done
		return code
	}
	windowGone := make(chan struct{})
	sessionDone := make(chan int, 1)
	go func() {
		status, why := s.wait(loop, windowGone)
		if why != stopWindow && why != stopLoop {
			// The window still serves GL: the usual screenshot works.
			screenshot(c, cfg.Screenshot)
			writeStats(c, cfg.Stats)
		}
		cancel()
		sessionDone <- status
	}()

	err = win.Run(ctx, c.Display, c, c.Seat)
	status := 0
	if ctx.Err() == nil {
		// The window closed (or failed) on its own.
		switch {
		case errors.Is(err, nested.ErrClosed):
			slog.Info("window closed; shutting down")
		case errors.Is(err, nested.ErrHostLost):
			// As SIGTERM, but the window is gone: exit non-zero.
			fmt.Fprintf(os.Stderr, "compositor: lost the connection to the host display (%s); shutting down\n", hostName())
			status = 1
		default:
			fmt.Fprintf(os.Stderr, "compositor: nested window: %v\n", err)
			status = 1
		}
		finalShotFromWindow(win, cfg.Screenshot)
		writeStats(c, cfg.Stats)
		close(windowGone)
	}
	if st := <-sessionDone; st != 0 {
		status = st
	}
	<-loop.done
	s.reapChild()
	return status
}

// finalShotFromWindow writes the last rendered frame after the window's
// Run returned: the GL context is still current on this thread (until
// Close), while the display loop's GL calls already fail.
func finalShotFromWindow(win *nested.Window, path string) {
	if path == "" {
		return
	}
	r := win.GL()
	w, h := r.Size()
	img, err := render.ReadImage(r, image.Rect(0, 0, w, h))
	if err == nil {
		err = writePNG(path, img)
	}
	if err != nil {
		slog.Error("screenshot failed", "path", path, "err", err)
		return
	}
	slog.Info("screenshot written", "path", path)
}

// hostName names the host display for messages.
func hostName() string {
	if d := os.Getenv("DISPLAY"); d != "" {
		return "DISPLAY=" + d
	}
	return "WAYLAND_DISPLAY=" + os.Getenv("WAYLAND_DISPLAY")
}
