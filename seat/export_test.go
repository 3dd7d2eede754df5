package seat

// ClientCount returns the number of clients the seat tracks.
func ClientCount(s *Seat) int { return len(s.clients) }
