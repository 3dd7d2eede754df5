//go:build cgo

package main

import (
	"log/slog"
	"runtime"

	"github.com/nofault/nofault/backend"
	"github.com/nofault/nofault/backend/nested"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/render/gl"
	"github.com/nofault/nofault/seat/keymap"
)

// GLFW and the window's GL context live on the process's main OS thread:
// main runs on it, and compositor.Run runs the nested backend on it.
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

// openNested opens the window of the nested backend on the host desktop
// and, unless the user chose a keymap, follows the host's layout. Main
// thread; close the window (the returned func) there after
// compositor.Run.
func openNested(cfg config.Config, keymapChosen bool) (backend.Backend, func(), error) {
	soft := cfg.Renderer == "soft"
	if soft && !nested.SoftBuilt {
		slog.Warn("--renderer=soft: the nested backend of this build (Wayland) draws with gl")
		soft = false
	}
	win, err := nested.Open(nested.Options{Title: "nofault", Width: cfg.Size.W, Height: cfg.Size.H, RefreshMilliHz: cfg.Refresh * 1000, HideCursor: true, Soft: soft,
		SoftOnSoftwareGL: cfg.Renderer == "auto"})
	if err != nil {
		return nil, nil, err
	}
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
	return nested.NewBackend(win), win.Close, nil
}
