package datadevice

// ClientCount returns the number of clients the manager tracks.
func ClientCount(m *Manager) int { return len(m.clients) }

// HostReading reports whether h is reading a client's selection for the
// host.
func HostReading(h *HostClipboard) bool { return h.reading != nil }

// HostWrites returns the pastes of host text in flight.
func HostWrites(m *Manager) int { return int(m.hostWrites.Load()) }
