package activation

import "time"

// Advance moves m's clock forward by d.
func Advance(m *Manager, d time.Duration) {
	now := m.now
	m.now = func() time.Time { return now().Add(d) }
}
