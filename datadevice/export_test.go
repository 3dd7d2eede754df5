package datadevice

// ClientCount returns the number of clients the manager tracks.
func ClientCount(m *Manager) int { return len(m.clients) }
