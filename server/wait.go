package server

import "time"

// finalFlushTimeout bounds how long a departing client's last events (such
// as its protocol error) may take to send.
const finalFlushTimeout = 500 * time.Millisecond

func deadlineSoon() time.Time { return time.Now().Add(finalFlushTimeout) }

// wait returns once no sender goroutine runs: everything queued was sent,
// or a write failed (a departing client's socket has a write deadline, so
// this is bounded by finalFlushTimeout). No event is queued any more when
// it is called (the client is dead).
func (w *writer) wait() { w.senders.Wait() }
