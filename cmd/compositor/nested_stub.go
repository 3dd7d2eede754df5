//go:build !cgo

package main

import (
	"errors"
	"log/slog"

	"github.com/nofault/nofault/backend"
	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/render"
)

// nestedBuilt: the nested backend and the GL renderer need cgo (GLFW,
// OpenGL, EGL); this binary was built without it.
const nestedBuilt = false

const nestedMissing = "the nested backend is not built into this binary (it needs cgo: build with CGO_ENABLED=1, see docs/nested.md)"

// openNested is never called without the nested backend (nestedBuilt).
func openNested(config.Config, bool) (backend.Backend, func(), error) {
	return nil, nil, errors.New(nestedMissing)
}

// headlessGL: no GL renderer without cgo.
func headlessGL() (render.Renderer, func()) {
	slog.Warn("--renderer=gl: the GL renderer is not built into this binary (it needs cgo)")
	return nil, nil
}
