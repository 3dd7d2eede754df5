package compositor

import (
	"image"

	"github.com/nofault/nofault/capture"
	"github.com/nofault/nofault/output"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
)

// registerCapture advertises zwlr_screencopy_manager_v1: clients (grim)
// capture the output through the same renderer readback that --screenshot
// uses, written into their buffers on the guarded write path.
func (c *Compositor) registerCapture() {
	c.Capture = capture.Register(c.Display, capture.SourceFuncs{
		Read: func(r image.Rectangle, dst []byte, stride int) error {
			return c.Renderer.ReadPixels(r, dst, stride)
		},
		Size: c.Output.Size,
		IsOutput: func(_ *server.Client, o *protocol.Object) bool {
			return output.FromResource(o) == c.Output
		},
	})
}
