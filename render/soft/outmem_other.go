//go:build !linux

package soft

// outMem is Go memory on systems other than Linux: nothing to free.
type outMem struct{}

// mapOutFrom has no use here (FuzzRender sets it on Linux).
var mapOutFrom = 0

func allocOut(n int) ([]uint32, *outMem) { return make([]uint32, n), nil }

func (m *outMem) free() {}
