package server

import (
	"fmt"

	"github.com/nofault/nofault/protocol"
)

// Stats counts what the display has seen. Read it on the display loop
// (Display.Stats does).
type Stats struct {
	ClientsSeen    int            `json:"clients_seen"`
	ClientsRefused int            `json:"clients_refused"`
	Disconnected   int            `json:"clients_disconnected"`
	Stalled        int            `json:"clients_stalled"`
	Requests       uint64         `json:"requests"`
	Errors         []PostedError  `json:"errors"`
	ErrorCounts    map[string]int `json:"error_counts"`
	// Limits counts, per limit key (docs/limits.md), the clients ended for
	// passing it, and for max_damage_rects the damage lists coalesced.
	Limits map[string]int `json:"limits,omitempty"`
	// LimitValues is every limit of LimitTable by key, as enforced.
	LimitValues map[string]int64 `json:"limit_values"`
	// Totals is, per key of a limit across all clients, what all clients
	// hold now.
	Totals map[string]int64 `json:"totals"`
	// MemoryReturns counts debug.FreeOSMemory calls after large
	// teardowns (limits.go).
	MemoryReturns int `json:"memory_returns"`
}

func (s *Stats) limitHit(key string) {
	if s.Limits == nil {
		s.Limits = make(map[string]int)
	}
	s.Limits[key]++
}

// PostedError records one protocol error sent to a client.
type PostedError struct {
	Client    uint64 `json:"client"`
	PID       int    `json:"pid"`
	Interface string `json:"interface"`
	Object    uint32 `json:"object"`
	Code      uint32 `json:"code"`
	Message   string `json:"message"`
}

// maxRecordedErrors bounds Stats.Errors; ErrorCounts keeps counting.
const maxRecordedErrors = 1000

func (s *Stats) errorPosted(c *Client, err *protocol.Error) {
	iface := "?"
	if o := c.objects.Lookup(err.Object); o != nil {
		iface = o.Interface.Name
	}
	if s.ErrorCounts == nil {
		s.ErrorCounts = make(map[string]int)
	}
	s.ErrorCounts[fmt.Sprintf("%s.%d", iface, err.Code)]++
	if len(s.Errors) < maxRecordedErrors {
		s.Errors = append(s.Errors, PostedError{Client: c.id, PID: c.PID, Interface: iface, Object: uint32(err.Object), Code: err.Code, Message: err.Message})
	}
}

func (s *Stats) clientGone(*Client) { s.Disconnected++ }
func (s *Stats) clientStalled()     { s.Stalled++ }

// Stats returns a copy of the display's counters (display loop only).
func (d *Display) Stats() Stats {
	d.assertLocked()
	s := d.stats
	s.Errors = append([]PostedError(nil), s.Errors...)
	m := make(map[string]int, len(s.ErrorCounts))
	for k, v := range s.ErrorCounts {
		m[k] = v
	}
	s.ErrorCounts = m
	if s.Limits != nil {
		l := make(map[string]int, len(s.Limits))
		for k, v := range s.Limits {
			l[k] = v
		}
		s.Limits = l
	}
	s.LimitValues = make(map[string]int64, len(LimitTable))
	s.Totals = make(map[string]int64)
	for _, row := range LimitTable {
		s.LimitValues[row.Key] = *row.Field(&d.limits)
		if row.Scope == Total {
			s.Totals[row.Key] = d.totalOf(row.Resource)
		}
	}
	return s
}

// ClientCount returns the number of connected clients (display loop only).
func (d *Display) ClientCount() int {
	d.assertLocked()
	return len(d.clients)
}
