package server

import (
	"errors"
	"fmt"

	"github.com/nofault/nofault/protocol"
)

// Framing: how a client's byte stream is cut into messages, the same way
// for the reader (readLoop) and for Inject.

// errFraming reports a message header libwayland could not read either.
var errFraming = errors.New("malformed message header")

// frame finds the end of the complete messages at the start of acc, and
// the error that ends the stream, if any (see readLoop).
func frame(acc []byte) (end int, short *protocol.Header, err error) {
	for len(acc)-end >= protocol.HeaderSize {
		h, _ := protocol.ParseHeader(acc[end:])
		if h.Size < protocol.HeaderSize {
			// libwayland hands such a message to the demarshaller, which
			// refuses its arguments; the client dies there.
			short := h // only this copy escapes: h stays on the stack
			return end, &short, framingError(h)
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

func framingError(h protocol.Header) error {
	return fmt.Errorf("%w: object %d opcode %d size %d", errFraming, h.Object, h.Opcode, h.Size)
}
