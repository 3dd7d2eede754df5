//go:build !linux

package soft

import "time"

// haveCPUClock is false: the stores are not measured here.
const haveCPUClock = false

func processCPU() time.Duration { return 0 }
