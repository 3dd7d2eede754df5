package server

import "github.com/nofault/nofault/protocol"

// Inject handles data and fds as if they had been read from c's socket:
// complete messages are dispatched, a trailing partial message is returned
// unconsumed. It must run on the display loop (with the display lock held,
// as in a Display.Do function, or in tests and fuzzing on a goroutine that
// owns the display before Run). The reader uses the same framing.
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

// Dead reports whether the client has been disconnected.
func (c *Client) Dead() bool { return c.dead }

// frame finds the end of the complete messages at the start of acc, and
// the error that ends the stream, if any (see readLoop).
func frame(acc []byte) (end int, short *protocol.Header, err error) {
	for len(acc)-end >= protocol.HeaderSize {
		h, _ := protocol.ParseHeader(acc[end:])
		if h.Size < protocol.HeaderSize {
			// libwayland hands such a message to the demarshaller, which
			// refuses its arguments; the client dies there.
			return end, &h, framingError(h)
		}
		// Sizes that are not a multiple of 4 are accepted and consumed
		// exactly, as libwayland does. A message larger than 4096 bytes
		// can never fit libwayland's input buffer: it waits for more
		// bytes and drops the client once the buffer is full. So do we.
		if int(h.Size) > protocol.MaxMessageSize {
			if len(acc)-end >= protocol.MaxMessageSize {
				return end, nil, framingError(h)
			}
			break
		}
		if len(acc)-end < int(h.Size) {
			break
		}
		end += int(h.Size)
	}
	return end, nil, nil
}
