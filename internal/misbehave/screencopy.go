package misbehave

// Screen capture scenarios: a client of wlr-screencopy-unstable-v1 (the
// protocol grim uses) whose capture buffer is truncated, malformed or
// destroyed. They need zwlr_screencopy_manager_v1 and wl_output and are
// skipped where the compositor lacks them (Weston).

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"golang.org/x/sys/unix"
)

// wlr-screencopy-unstable-v1 opcodes.
const (
	opScreencopyCaptureOutput = 0

	opFrameCopy           = 0
	opFrameDestroy        = 1
	opFrameCopyWithDamage = 2

	evFrameBuffer     = 0
	evFrameFlags      = 1
	evFrameReady      = 2
	evFrameFailed     = 3
	evFrameDamage     = 4
	evFrameDmabuf     = 5
	evFrameBufferDone = 6
)

// zwlr_screencopy_frame_v1.error codes.
const (
	codeAlreadyUsed   = 0
	codeInvalidBuffer = 1
)

// duringCopyRounds is how often capture-truncated-during-copy truncates.
const duringCopyRounds = 100

// Notes shared by the capture expectations.
const (
	noteCaptureFault = "the guarded write into the client's buffer faults; zeros are mapped read-write over the pool, " +
		"the frame gets failed and the wl_buffer invalid_fd once the access ended"
	// The libwayland expectations are sway 1.7's (wlroots 0.15 on
	// libwayland's wl_shm), measured headless with the pixman renderer
	// (scripts/misbehave-compare.sh --only sway): Weston has no
	// wlr-screencopy, so there every capture scenario is skipped.
	noteSway      = "sway 1.7, measured; Weston has no wlr-screencopy and skips"
	noteSwayFault = "sway 1.7 (wlroots 0.15) writes into the mapping inside wl_shm_buffer_begin_access: " +
		"libwayland's SIGBUS handler maps zeros, end_access posts invalid_fd (measured); Weston has no wlr-screencopy and skips"
	noteCaptureWlr = "wlr_shm maps zeros on SIGBUS and posts nothing: glReadPixels finishes into zeros, the frame gets ready (code reading)"
	noteBadBuffer  = "copy checks the buffer against the buffer event: invalid_buffer on the frame"
)

// screencopyScenarios are the screen capture scenarios, in report order.
func screencopyScenarios() []*Scenario {
	return []*Scenario{
		{
			Name:    "capture-truncated-before-copy",
			Summary: "screencopy into a buffer whose file was truncated to 0 after create_buffer and before copy",
			Doc: "capture_output; a wl_shm buffer with the parameters of the buffer event (unsealed memfd); roundtrip; " +
				"ftruncate(0); copy. The compositor's write into the buffer faults on the first page.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteSwayFault),
			WlrShm:     survives(noteCaptureWlr),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteCaptureFault),
			run:        captureTruncatedBeforeCopy,
		},
		{
			Name: "capture-truncated-during-copy",
			Summary: fmt.Sprintf("%d times: screencopy of the whole output, truncate the buffer's file 0-30 ms after the copy request",
				duringCopyRounds),
			Doc: "Each round is a new connection: capture_output, a buffer as offered, copy, a random wait, ftruncate(0), " +
				"then wait for ready, failed or an error. Run the compositor with --size=3840x2160 so that each copy " +
				"(33 MB) is long enough for some truncations to land in its middle. Rounds whose truncation came after " +
				"the copy get ready; the others fault. The outcome is the first error seen; the compositor must " +
				"answer after every round.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteSwayFault),
			WlrShm:     survives(noteCaptureWlr),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteCaptureFault+"; rounds truncated after the copy get ready"),
			run:        captureTruncatedDuringCopy,
		},
		{
			Name:       "capture-wrong-stride",
			Summary:    "screencopy into a buffer whose stride is 64 bytes more than the buffer event offered",
			Doc:        "capture_output; create_buffer(offered width and height and format, stride + 64); copy.",
			LibWayland: killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (stride); "+noteSway),
			WlrShm:     killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (stride)"),
			Nofault:    killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (stride)"),
			run:        captureBadBuffer(func(p *offer) { p.stride += 64 }),
		},
		{
			Name:       "capture-wrong-size",
			Summary:    "screencopy into a buffer one pixel narrower than the buffer event offered",
			Doc:        "capture_output; create_buffer(offered width - 1, offered height, stride and format); copy.",
			LibWayland: killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (dimensions); "+noteSway),
			WlrShm:     killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (dimensions)"),
			Nofault:    killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (dimensions)"),
			run:        captureBadBuffer(func(p *offer) { p.width-- }),
		},
		{
			Name:       "capture-wrong-format",
			Summary:    "screencopy into a buffer of a wl_shm format the buffer event did not offer",
			Doc:        "capture_output; create_buffer(offered geometry, ARGB8888 if XRGB8888 was offered, else XRGB8888); copy.",
			LibWayland: killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (format); "+noteSway),
			WlrShm:     killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (format)"),
			Nofault:    killedBy("zwlr_screencopy_frame_v1", codeInvalidBuffer, noteBadBuffer+" (format)"),
			run: captureBadBuffer(func(p *offer) {
				if p.format == formatXRGB8888 {
					p.format = formatARGB8888
				} else {
					p.format = formatXRGB8888
				}
			}),
		},
		{
			Name:       "capture-copy-twice",
			Summary:    "two copy requests on one screencopy frame",
			Doc:        "capture_output; a valid buffer; copy; copy again at once, before ready.",
			LibWayland: killedBy("zwlr_screencopy_frame_v1", codeAlreadyUsed, "second copy on a frame: already_used; "+noteSway),
			WlrShm:     killedBy("zwlr_screencopy_frame_v1", codeAlreadyUsed, "second copy on a frame: already_used"),
			Nofault:    killedBy("zwlr_screencopy_frame_v1", codeAlreadyUsed, "second copy on a frame: already_used"),
			run:        captureCopyTwice,
		},
		{
			Name:    "capture-destroy-buffer-before-ready",
			Summary: "destroy the wl_buffer (and its pool) right after the copy request, then wait for the frame's answer",
			Doc: "capture_output; a valid buffer; copy; wl_buffer.destroy; wl_shm_pool.destroy; wait for ready or " +
				"failed. nofault fails the frame without touching the memory; wlroots keeps the buffer locked and " +
				"copies. A frame that gets neither is reported in the detail.",
			LibWayland: survives("legal request sequence: failed, wlroots 0.15 listens for the buffer's destruction; " + noteSway),
			WlrShm:     survives("legal request sequence: the locked buffer is copied, ready"),
			Nofault:    survives("legal request sequence: failed, nothing written"),
			run:        captureDestroyBufferBeforeReady,
		},
	}
}

// offer is the buffer event of a frame.
type offer struct {
	format, width, height, stride uint32
}

// frameState is what a screencopy frame received.
type frameState struct {
	offer                            offer
	offered, bufferDone, ready, fail bool
	flags, damage                    int
}

// done reports whether the frame got its final event.
func (f *frameState) done() bool { return f.ready || f.fail }

// capClient is a client with the screencopy manager and the output bound.
type capClient struct {
	*client
	mgr, output, version uint32
	frames               map[uint32]*frameState
}

// captureOffender connects and binds zwlr_screencopy_manager_v1 (v3 at most)
// and the first wl_output; missing globals are a skip.
func (e *env) captureOffender() (*capClient, error) {
	c, err := e.offender(false)
	if err != nil {
		return nil, err
	}
	cc := &capClient{client: c, frames: map[uint32]*frameState{}}
	c.intercept = cc.frameEvent
	cc.mgr, cc.version = c.bind("zwlr_screencopy_manager_v1", 3)
	cc.output, _ = c.bind("wl_output", 3)
	if cc.mgr == 0 || cc.output == 0 {
		c.close()
		return nil, skipf("the compositor offers no zwlr_screencopy_manager_v1 or wl_output")
	}
	if err := cc.roundtrip(e.timeout); err != nil {
		c.close()
		return nil, err
	}
	return cc, nil
}

// frameEvent records a screencopy frame event; it is the capture client's
// intercept, so the client's own dispatch, waitFor and roundtrip serve it.
func (c *capClient) frameEvent(ev event) bool {
	f := c.frames[ev.Object]
	if f == nil || c.ifaces[ev.Object] != "zwlr_screencopy_frame_v1" {
		return false
	}
	r := ev.Reader()
	switch ev.Opcode {
	case evFrameBuffer:
		f.offer = offer{format: r.Uint(), width: r.Uint(), height: r.Uint(), stride: r.Uint()}
		f.offered = true
	case evFrameBufferDone:
		f.bufferDone = true
	case evFrameFlags:
		f.flags++
	case evFrameDamage:
		f.damage++
	case evFrameReady:
		f.ready = true
	case evFrameFailed:
		f.fail = true
	}
	return true
}

// capture sends capture_output and waits for the buffer parameters.
func (c *capClient) capture(timeout time.Duration) (uint32, *frameState, error) {
	id := c.newObject("zwlr_screencopy_frame_v1")
	f := &frameState{}
	c.frames[id] = f
	c.send(c.mgr, opScreencopyCaptureOutput, id, int32(0), c.output)
	if err := c.roundtrip(timeout); err != nil {
		return 0, nil, err
	}
	if f.fail {
		return 0, nil, skipf("the compositor failed the capture at once")
	}
	if !f.offered {
		return 0, nil, skipf("the compositor offers no wl_shm buffer for screencopy")
	}
	if f.offer.width == 0 || f.offer.height == 0 || f.offer.stride < 4*f.offer.width || f.offer.stride > 1<<20 {
		return 0, nil, fmt.Errorf("implausible buffer event %+v", f.offer)
	}
	return id, f, nil
}

// buffer creates a pool on fd exactly as large as a buffer with params p
// and the buffer in it.
func (c *capClient) buffer(fd int, p offer) (pool, buf uint32, err error) {
	size := int64(p.stride) * int64(p.height)
	if size > 1<<30 {
		return 0, 0, skipf("capture buffer of %d bytes is too large", size)
	}
	if err := unix.Ftruncate(fd, size); err != nil {
		return 0, 0, skipf("ftruncate(%d): %v", size, err)
	}
	pool = c.createPool(fd, int32(size))
	buf = c.createBuffer(pool, 0, int32(p.width), int32(p.height), int32(p.stride), p.format)
	return pool, buf, nil
}

// waitFrame waits until the frame got ready or failed.
func (c *capClient) waitFrame(f *frameState, timeout time.Duration) error {
	err := c.waitFor(f.done, timeout)
	if errors.Is(err, errTimeout) {
		return fmt.Errorf("the frame got neither ready nor failed within %v", timeout)
	}
	return err
}

// withCapture runs body with a capture offender, a frame and an empty
// unsealed memfd.
func withCapture(e *env, body func(c *capClient, frame uint32, f *frameState, fd int) error) error {
	c, err := e.captureOffender()
	if err != nil {
		return err
	}
	defer c.close()
	frame, f, err := c.capture(e.timeout)
	if err != nil {
		return err
	}
	return withMemfd(0, func(fd int) error { return body(c, frame, f, fd) })
}

func captureTruncatedBeforeCopy(e *env) error {
	return withCapture(e, func(c *capClient, frame uint32, f *frameState, fd int) error {
		_, buf, err := c.buffer(fd, f.offer)
		if err != nil {
			return err
		}
		if err := c.roundtrip(e.timeout); err != nil {
			return err
		}
		if err := truncate(fd, 0); err != nil {
			return skipf("%v", err)
		}
		c.send(frame, opFrameCopy, buf)
		if err := c.waitFrame(f, e.timeout); err != nil {
			return err
		}
		// The error, if any, follows the failed event.
		return c.roundtrip(e.timeout)
	})
}

func captureTruncatedDuringCopy(e *env) error {
	var first error
	for round := 0; round < duringCopyRounds; round++ {
		err := withCapture(e, func(c *capClient, frame uint32, f *frameState, fd int) error {
			_, buf, err := c.buffer(fd, f.offer)
			if err != nil {
				return err
			}
			if err := c.roundtrip(e.timeout); err != nil {
				return err
			}
			c.send(frame, opFrameCopy, buf)
			if err := c.w.Flush(); err != nil {
				return c.fail(err)
			}
			time.Sleep(time.Duration(rand.IntN(30_000)) * time.Microsecond)
			if err := truncate(fd, 0); err != nil {
				return skipf("%v", err)
			}
			if err := c.waitFrame(f, e.timeout); err != nil {
				return err
			}
			return c.roundtrip(e.timeout)
		})
		var se *skipError
		var pe *ProtocolError
		switch {
		case errors.As(err, &se):
			return err
		case err != nil && !errors.As(err, &pe):
			return fmt.Errorf("round %d: %w", round, err)
		case err != nil && (pe.Interface != "wl_buffer" || pe.Code != codeInvalidFD):
			return err // any other verdict is wrong for every implementation
		case err != nil && first == nil:
			first = err
		}
		if aerr := Alive(e.socket, e.timeout); aerr != nil {
			return fmt.Errorf("round %d: compositor gone: %w", round, ErrDisconnected)
		}
	}
	return first
}

// captureBadBuffer makes a buffer from the offered parameters changed by
// bend, copies into it and waits for the verdict.
func captureBadBuffer(bend func(*offer)) func(*env) error {
	return func(e *env) error {
		return withCapture(e, func(c *capClient, frame uint32, f *frameState, fd int) error {
			p := f.offer
			bend(&p)
			if p.width == 0 {
				p.width, p.height = f.offer.width, f.offer.height-1
			}
			if p.height == 0 {
				return skipf("the offered buffer is 1x1: no smaller size exists")
			}
			_, buf, err := c.buffer(fd, p)
			if err != nil {
				return err
			}
			c.send(frame, opFrameCopy, buf)
			if err := c.roundtrip(e.timeout); err != nil {
				return err
			}
			// Refused neither at once nor on the next frame?
			return c.waitFrame(f, e.timeout)
		})
	}
}

func captureCopyTwice(e *env) error {
	return withCapture(e, func(c *capClient, frame uint32, f *frameState, fd int) error {
		_, buf, err := c.buffer(fd, f.offer)
		if err != nil {
			return err
		}
		c.send(frame, opFrameCopy, buf)
		c.send(frame, opFrameCopy, buf)
		if err := c.roundtrip(e.timeout); err != nil {
			return err
		}
		return c.waitFrame(f, e.timeout)
	})
}

func captureDestroyBufferBeforeReady(e *env) error {
	return withCapture(e, func(c *capClient, frame uint32, f *frameState, fd int) error {
		pool, buf, err := c.buffer(fd, f.offer)
		if err != nil {
			return err
		}
		c.send(frame, opFrameCopy, buf)
		c.send(buf, opBufferDestroy)
		c.send(pool, opPoolDestroy)
		if err := c.waitFrame(f, e.timeout); err != nil {
			return err
		}
		c.send(frame, opFrameDestroy)
		return c.roundtrip(e.timeout)
	})
}
