package compositor

import (
	"github.com/nofault/nofault/activation"
	"github.com/nofault/nofault/capture"
	"github.com/nofault/nofault/inhibit"
	"runtime"
	"time"

	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
)

// Stats is what --stats writes as JSON at exit.
type Stats struct {
	Uptime          float64       `json:"uptime_seconds"`
	Renderer        string        `json:"renderer"`
	FramesPresented uint64        `json:"frames_presented"`
	OutputFrames    uint64        `json:"output_frames"`
	Commits         uint64        `json:"commits"`
	FrameCallbacks  uint64        `json:"frame_callbacks"`
	Probe           ProbeStats    `json:"nosigbus_probe"`
	ShmRead         shm.ReadMode  `json:"shm_read"`
	Shm             shm.Stats     `json:"shm"`
	Server          server.Stats  `json:"server"`
	Clients         int           `json:"clients_connected"`
	Goroutines      int           `json:"goroutines"`
	Capture         capture.Stats `json:"capture"`

	// Protocols of issue 13.
	IdleInhibit inhibit.IdleStats `json:"idle_inhibit"`
	Activation  activation.Stats  `json:"activation"`
}

// ProbeStats is the MAP_NOSIGBUS probe result.
type ProbeStats struct {
	Supported bool    `json:"supported"`
	Faulted   bool    `json:"faulted"`
	Micros    float64 `json:"duration_us"`
	Error     string  `json:"error,omitempty"`
}

// Stats collects the counters (display loop only).
func (c *Compositor) Stats() Stats {
	p := ProbeStats{Supported: c.Probe.Supported, Faulted: c.Probe.Faulted, Micros: float64(c.Probe.Duration.Nanoseconds()) / 1000}
	if c.Probe.Err != nil {
		p.Error = c.Probe.Err.Error()
	}
	return Stats{
		Uptime:          time.Since(c.startTime).Seconds(),
		Renderer:        c.Renderer.Name(),
		FramesPresented: c.frames,
		OutputFrames:    c.ticks,
		Commits:         c.Shell.Stats().Commits,
		FrameCallbacks:  c.callbacks,
		Probe:           p,
		ShmRead:         c.cfg.ShmRead,
		Shm:             c.Shm.Stats(),
		Server:          c.Display.Stats(),
		Capture:         c.Capture.Stats(),
		IdleInhibit:     c.Idle.Stats(),
		Activation:      c.Activate.Stats(),
		Goroutines:      runtime.NumGoroutine(),
		Clients:         c.Display.ClientCount(),
	}
}
