//go:build !nofault_shmprobe

package main

import (
	"strings"
	"time"

	"github.com/nofault/nofault/kernel/demo"
)

// probe is guestinit's own copy of the start-up probe, used when the
// binary is built without the nofault_shmprobe tag (kerneldemo adds the tag
// whenever package shm builds, so the demo normally reports shm.Probe).
func probe() demo.ProbeReport {
	start := time.Now()
	var r demo.ProbeReport
	r.Source = "guestinit"
	switch obs := demo.RunFlagTest("private-past-eof"); {
	case obs == "zeros":
		r.Supported = true
	case obs == "SIGBUS":
		r.Faulted = true
	case !strings.HasPrefix(obs, "data "):
		r.Err = obs
	}
	r.DurationNS = int64(time.Since(start))
	return r
}
