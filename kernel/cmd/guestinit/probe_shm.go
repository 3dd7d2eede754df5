//go:build nofault_shmprobe

package main

import (
	"github.com/nofault/nofault/kernel/demo"
	"github.com/nofault/nofault/shm"
)

// probe runs the project's own start-up probe.
func probe() demo.ProbeReport {
	p := shm.Probe()
	r := demo.ProbeReport{Source: "shm.Probe", Supported: p.Supported, Faulted: p.Faulted, DurationNS: int64(p.Duration)}
	if p.Err != nil {
		r.Err = p.Err.Error()
	}
	return r
}
