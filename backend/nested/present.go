//go:build cgo

package nested

import "time"

// presenter is implemented by a Compositor that wants to know when a
// rendered frame reached the host's screen (presentation feedback): the
// window calls Presented on the display loop once the swap returned.
type presenter interface{ Presented(t time.Time) }
