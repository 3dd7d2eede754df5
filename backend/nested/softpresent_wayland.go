//go:build cgo && wayland

package nested

import (
	"errors"
	"image"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/nofault/nofault/render/soft"
)

// SoftBuilt is false: Options.Soft needs the X11 build (MIT-SHM).
const SoftBuilt = false

type softPresenter struct{}

func newSoftPresenter(*glfw.Window) (*softPresenter, error) {
	return nil, errors.New("nested: --renderer=soft needs the X11 build")
}

func (*softPresenter) present(*soft.Renderer, image.Rectangle) error { return nil }
func (*softPresenter) AllocOutput(int, int) []uint32                 { return nil }
func (*softPresenter) FreeOutput([]uint32)                           {}
func (*softPresenter) WaitOutput()                                   {}
func (*softPresenter) method() string                                { return "" }
func (*softPresenter) close()                                        {}
