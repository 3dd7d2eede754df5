package soft

import (
	"time"

	"github.com/nofault/nofault/internal/rawsys"
)

// haveCPUClock: processCPU answers.
const haveCPUClock = true

// processCPU is the process's CPU time so far, all threads.
func processCPU() time.Duration { return rawsys.ProcessCPU() }
