package server

// Inject handles data and fds as if they had been read from c's socket:
// complete messages are dispatched, a trailing partial message is returned
// unconsumed. It must run on the display loop (with the display lock held,
// as in a Display.Do function, or in tests and fuzzing on a goroutine that
// owns the display before Run). The reader uses the same framing (frame.go).
func (d *Display) Inject(c *Client, data []byte, fds []int) (rest []byte) {
	d.assertLocked()
	end, short, err := frame(data)
	b := &batch{c: c, data: data[:end], fds: fds, short: short, err: err}
	if !c.dead {
		c.handle(b)
	} else {
		closeAll(fds)
	}
	if err != nil {
		return nil
	}
	return data[end:]
}
