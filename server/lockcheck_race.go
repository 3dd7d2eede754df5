//go:build race

package server

// lockChecks is true in race builds: assertLocked checks.
const lockChecks = true
