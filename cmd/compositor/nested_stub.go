//go:build !cgo

package main

import (
	"log/slog"
	"os"

	"github.com/nofault/nofault/config"
	"github.com/nofault/nofault/render"
)

// nestedBuilt: the nested backend and the GL renderer need cgo (GLFW,
// OpenGL, EGL); this binary was built without it.
const nestedBuilt = false

const nestedMissing = "the nested backend is not built into this binary (it needs cgo: build with CGO_ENABLED=1, see docs/nested.md)"

func runNested(config.Config, []string, chan os.Signal, bool, bool) int {
	panic("nested backend not built")
}

// headlessGL: no GL renderer without cgo.
func headlessGL() (render.Renderer, func()) {
	slog.Warn("--renderer=gl: the GL renderer is not built into this binary (it needs cgo)")
	return nil, nil
}
