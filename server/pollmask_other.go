//go:build !linux

package server

import "syscall"

// pollMask leaves the runtime's registration as it is outside Linux.
type pollMask struct{}

func newPollMask(syscall.RawConn) *pollMask { return nil }

func (*pollMask) writable(bool) {}
