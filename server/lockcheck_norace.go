//go:build !race

package server

// lockChecks is false in normal builds: assertLocked compiles to nothing.
const lockChecks = false

// lockHolder is empty in normal builds.
type lockHolder struct{}

func (*lockHolder) set()       {}
func (*lockHolder) clear()     {}
func (*lockHolder) held() bool { return true }
