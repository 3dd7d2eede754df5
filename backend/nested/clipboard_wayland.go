//go:build cgo && wayland

package nested

// hostClipboardOwner: a Wayland client cannot ask who owns the selection
// (it is told, while it has the keyboard focus); the window reads the
// host's clipboard when it gains the focus instead.
func hostClipboardOwner() (uint64, bool) { return 0, false }
