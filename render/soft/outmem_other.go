//go:build !linux

package soft

// outMem is Go memory on systems other than Linux: nothing to free.
type outMem struct{}

func allocOut(n int) ([]uint32, *outMem) { return make([]uint32, n), nil }

func (m *outMem) free() {}
