package server

import "time"

// finalFlushTimeout bounds how long a departing client's last events (such
// as its protocol error) may take to send.
const finalFlushTimeout = 500 * time.Millisecond

func deadlineSoon() time.Time { return time.Now().Add(finalFlushTimeout) }

// waitQueued waits until the writer has sent everything queued, failed, or
// the final flush timeout passed.
func waitQueued(w *writer) {
	deadline := time.Now().Add(finalFlushTimeout)
	for !w.idle() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}
