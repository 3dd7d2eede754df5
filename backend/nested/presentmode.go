//go:build cgo

package nested

import (
	"fmt"
	"log/slog"
	"os"
)

// PresentEnv names the environment variable that picks how the window
// shows a frame: "auto" (the default), "swap" or "copy".
//
// A swap shows the whole back buffer. Where the host says how old the
// back buffer is (buffer age), the blit before it copies only what
// changed, and a GPU driver's swap costs little. Mesa's software GLX
// (llvmpipe on Xvfb, in a VM, over VNC) has no buffer age, and its swap
// sends the whole window to the X server on the CPU. "copy" instead never
// swaps: the back buffer keeps the last frame, the blit copies what
// changed into it, and glXCopySubBufferMESA (GLX_MESA_copy_sub_buffer)
// sends only that rectangle. "auto" copies on Mesa's software rasterizers
// without buffer age, where GLX has the extension, and swaps elsewhere (a
// copy does not wait for vblank, and a GPU's swap is cheap).
const PresentEnv = "NOFAULT_NESTED_PRESENT"

// presentMode is PresentEnv's value.
type presentMode uint8

const (
	presentAuto presentMode = iota
	presentSwap
	presentCopy
)

var presentNames = [...]string{presentAuto: "auto", presentSwap: "swap", presentCopy: "copy"}

func (m presentMode) String() string { return presentNames[m] }

func parsePresentMode(s string) (presentMode, error) {
	if s == "" {
		return presentAuto, nil
	}
	for m, n := range presentNames {
		if s == n {
			return presentMode(m), nil
		}
	}
	return presentAuto, fmt.Errorf("%s=%q: want auto, swap or copy", PresentEnv, s)
}

// presentModeFromEnv reads PresentEnv; a bad value is warned about and
// read as auto.
func presentModeFromEnv() presentMode {
	m, err := parsePresentMode(os.Getenv(PresentEnv))
	if err != nil {
		slog.Warn("nested: " + err.Error() + "; using auto")
	}
	return m
}

// copies reports whether a window presents by copy: hasCopy is
// GLX_MESA_copy_sub_buffer, hasAge buffer age, software a Mesa software
// rasterizer (gl.IsSoftware).
func (m presentMode) copies(hasCopy, hasAge, software bool) bool {
	switch m {
	case presentCopy:
		return hasCopy
	case presentSwap:
		return false
	}
	return hasCopy && !hasAge && software
}
