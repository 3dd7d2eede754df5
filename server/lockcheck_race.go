//go:build race

package server

import (
	"runtime"
	"sync/atomic"
)

// lockChecks is true in race builds: assertLocked checks.
const lockChecks = true

// lockHolder records the goroutine holding the display lock.
type lockHolder struct{ g atomic.Uint64 }

func (h *lockHolder) set()       { h.g.Store(goid()) }
func (h *lockHolder) clear()     { h.g.Store(0) }
func (h *lockHolder) held() bool { return h.g.Load() == goid() }

// goid returns the calling goroutine's id, read from the first line of
// its stack trace ("goroutine 18 [running]:"). It costs a microsecond,
// which only race builds pay.
func goid() uint64 {
	var buf [32]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		panic("server: unexpected stack trace header")
	}
	var id uint64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
