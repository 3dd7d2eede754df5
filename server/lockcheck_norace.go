//go:build !race

package server

// lockChecks is false in normal builds: assertLocked compiles to nothing.
const lockChecks = false
