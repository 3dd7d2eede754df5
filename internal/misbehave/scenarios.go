package misbehave

import (
	"errors"
	"math"
	"time"

	"golang.org/x/sys/unix"
)

// Sizes shared by the scenarios: the wleird sigbus buffer (512x512
// ARGB8888, stride 2048, 1 MiB).
const (
	bigW      = 512
	bigH      = 512
	bigStride = bigW * 4
	bigSize   = bigStride * bigH
)

// Flood bounds: each flood stops at its count or after floodTime.
const (
	floodTime      = 15 * time.Second
	poolFloodCount = 10000
	bufferFlood    = 100000
	memfdFloodN    = 256
	memfdFloodSize = 64 << 20
)

func (c *client) createPool(fd int, size int32) uint32 {
	p := c.newObject("wl_shm_pool")
	c.send(c.shm, opShmCreatePool, p, FD(fd), size)
	return p
}

func (c *client) createBuffer(pool uint32, offset, w, h, stride int32, format uint32) uint32 {
	b := c.newObject("wl_buffer")
	c.send(pool, opPoolCreateBuffer, b, offset, w, h, stride, format)
	return b
}

// withMemfd runs body with a fresh unsealed memfd of size bytes and closes
// it afterwards; a local failure is a skip.
func withMemfd(size int64, body func(fd int) error) error {
	fd, err := newMemfd(size, false)
	if err != nil {
		return skipf("%v", err)
	}
	defer unix.Close(fd)
	return body(fd)
}

// shrinkAfterMap is the wleird "sigbus" client, with the truncation size
// as a parameter.
func shrinkAfterMap(to int64) func(*env) error {
	return func(e *env) error {
		c, err := e.offender(true)
		if err != nil {
			return err
		}
		defer c.close()
		return withMemfd(bigSize, func(fd int) error {
			pool := c.createPool(fd, bigSize)
			buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatARGB8888)
			return c.shrinkAndShow(fd, to, "misbehave shrink", buf, bigW, bigH, e.timeout)
		})
	}
}

// shrinkThenDisconnect truncates a mapped pool, commits the buffer and
// leaves shortly after (three frame callbacks, at least 300 ms): the
// compositor may still hold the dead client's buffer and read it.
func shrinkThenDisconnect(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(bigSize, func(fd int) error {
		pool := c.createPool(fd, bigSize)
		buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatARGB8888)
		if err := c.roundtrip(e.timeout); err != nil {
			return err
		}
		if err := truncate(fd, 42); err != nil {
			return skipf("%v", err)
		}
		win, err := c.mapWindow("misbehave shrink", e.timeout)
		if err != nil {
			return err
		}
		cb, err := c.present(win, buf, bigW, bigH)
		if err != nil {
			return err
		}
		return c.settleFor(300*time.Millisecond, win, buf, bigW, bigH, cb, e.timeout)
	})
}

// shrinkBetweenFrames draws one good frame, then truncates and draws again.
func shrinkBetweenFrames(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(bigSize, func(fd int) error {
		fill(fd, bigSize, 0xff804020)
		pool := c.createPool(fd, bigSize)
		buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatARGB8888)
		win, err := c.mapWindow("misbehave shrink", e.timeout)
		if err != nil {
			return err
		}
		cb, err := c.present(win, buf, bigW, bigH)
		if err != nil {
			return err
		}
		if err := c.settle(win, buf, bigW, bigH, cb, e.timeout); err != nil {
			return err
		}
		if err := truncate(fd, 42); err != nil {
			return skipf("%v", err)
		}
		if cb, err = c.present(win, buf, bigW, bigH); err != nil {
			return err
		}
		return c.settle(win, buf, bigW, bigH, cb, e.timeout)
	})
}

// shrinkWhileCommitting commits on every frame callback and truncates the
// file right after sending the tenth commit, without waiting, so that the
// compositor may be reading when the pages go away.
func shrinkWhileCommitting(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(bigSize, func(fd int) error {
		fill(fd, bigSize, 0xff208040)
		pool := c.createPool(fd, bigSize)
		buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatARGB8888)
		win, err := c.mapWindow("misbehave shrink", e.timeout)
		if err != nil {
			return err
		}
		var cb uint32
		for frame := 0; frame < 20; frame++ {
			if cb, err = c.present(win, buf, bigW, bigH); err != nil {
				return err
			}
			if frame == 10 {
				if err := truncate(fd, 42); err != nil {
					return skipf("%v", err)
				}
			}
			err = c.waitFor(func() bool { return c.done[cb] }, e.timeout)
			if errors.Is(err, errTimeout) {
				break
			}
			if err != nil {
				return err
			}
			if serial := c.configured[win.xdgSurface]; serial != win.acked {
				win.acked = serial
				c.send(win.xdgSurface, opXdgSurfaceAckConfigure, serial)
			}
		}
		return c.settle(win, buf, bigW, bigH, cb, e.timeout)
	})
}

// sealedResizeBeyondFile seals a 4 KiB memfd against shrinking, creates a
// 4 KiB pool (which lets libwayland skip its SIGBUS guard for the pool),
// resizes the pool to 1 MiB without growing the file, and draws a buffer
// that lies entirely past the end of the file.
func sealedResizeBeyondFile(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	fd, err := newMemfd(4096, true)
	if err != nil {
		return skipf("%v", err)
	}
	defer unix.Close(fd)
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK); err != nil {
		return skipf("F_ADD_SEALS: %v", err)
	}
	pool := c.createPool(fd, 4096)
	if err := c.roundtrip(e.timeout); err != nil {
		return err
	}
	c.send(pool, opPoolResize, int32(1<<20))
	const w, h, stride = 256, 256, 1024
	buf := c.createBuffer(pool, 512<<10, w, h, stride, formatARGB8888)
	return c.showAndSettle("misbehave sealed", buf, w, h, e.timeout)
}

// destroyPoolThenTruncate ports Weston's tests/bad-buffer-test.c.
func destroyPoolThenTruncate(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	const w, h, stride = 200, 200, 800
	return withMemfd(stride*h, func(fd int) error {
		pool := c.createPool(fd, stride*h)
		buf := c.createBuffer(pool, 0, w, h, stride, formatARGB8888)
		c.send(pool, opPoolDestroy)
		return c.shrinkAndShow(fd, 12, "misbehave bad-buffer", buf, w, h, e.timeout)
	})
}

// createPoolLargerThanFile claims a 1 MiB pool on a 4 KiB file and draws a
// 256 KiB buffer from it: every page after the first is past the end.
func createPoolLargerThanFile(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(4096, func(fd int) error {
		pool := c.createPool(fd, 1<<20)
		const w, h, stride = 256, 256, 1024
		buf := c.createBuffer(pool, 0, w, h, stride, formatARGB8888)
		if err := c.roundtrip(e.timeout); err != nil {
			return err
		}
		return c.showAndSettle("misbehave short file", buf, w, h, e.timeout)
	})
}

// poolRequest sends one request on a valid 1 MiB pool, then roundtrips.
func poolRequest(op uint16, args ...any) func(*env) error {
	return func(e *env) error {
		c, err := e.offender(false)
		if err != nil {
			return err
		}
		defer c.close()
		return withMemfd(bigSize, func(fd int) error {
			pool := c.createPool(fd, bigSize)
			if err := c.roundtrip(e.timeout); err != nil {
				return err
			}
			a := args
			if op == opPoolCreateBuffer {
				a = append([]any{c.newObject("wl_buffer")}, args...)
			}
			c.send(pool, op, a...)
			return c.roundtrip(e.timeout)
		})
	}
}

// createPoolSize sends create_pool with a valid 1 MiB memfd and a bad size.
func createPoolSize(size int32) func(*env) error {
	return func(e *env) error {
		c, err := e.offender(false)
		if err != nil {
			return err
		}
		defer c.close()
		return withMemfd(bigSize, func(fd int) error {
			c.createPool(fd, size)
			return c.roundtrip(e.timeout)
		})
	}
}

// createPoolFD sends create_pool(size 4096) with an fd from open, which
// returns the fd to pass and a cleanup.
func createPoolFD(open func() (int, func(), error)) func(*env) error {
	return func(e *env) error {
		c, err := e.offender(false)
		if err != nil {
			return err
		}
		defer c.close()
		fd, cleanup, err := open()
		if err != nil {
			return skipf("%v", err)
		}
		defer cleanup()
		c.createPool(fd, 4096)
		return c.roundtrip(e.timeout)
	}
}

func openPipe() (int, func(), error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return -1, nil, err
	}
	return p[0], func() { unix.Close(p[0]); unix.Close(p[1]) }, nil
}

func openSocket() (int, func(), error) {
	p, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, err
	}
	return p[0], func() { unix.Close(p[0]); unix.Close(p[1]) }, nil
}

func openPath(path string, flag int) func() (int, func(), error) {
	return func() (int, func(), error) {
		fd, err := unix.Open(path, flag|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, nil, err
		}
		return fd, func() { unix.Close(fd) }, nil
	}
}

// fdReadonly passes an O_RDONLY descriptor of a 1 MiB regular file and,
// if the pool is accepted, draws a buffer from it.
func fdReadonly(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	fd, err := tempFile(bigSize, unix.O_RDONLY)
	if err != nil {
		return skipf("%v", err)
	}
	defer unix.Close(fd)
	pool := c.createPool(fd, bigSize)
	buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatXRGB8888)
	if err := c.roundtrip(e.timeout); err != nil {
		return err
	}
	return c.showAndSettle("misbehave read-only", buf, bigW, bigH, e.timeout)
}

// noFD writes a create_pool request whose fd never comes: the message is
// complete on the byte stream but carries no SCM_RIGHTS.
func noFD(e *env) error {
	c, err := e.offender(false)
	if err != nil {
		return err
	}
	defer c.close()
	if err := c.roundtrip(e.timeout); err != nil {
		return err
	}
	pool := c.newObject("wl_shm_pool")
	// Header, new_id, size: 16 bytes. The fd argument has no bytes.
	msg := []byte{}
	msg = le32(msg, c.shm)
	msg = le32(msg, 16<<16|opShmCreatePool)
	msg = le32(msg, pool)
	msg = le32(msg, 4096)
	if err := c.w.SendRaw(msg, nil); err != nil {
		return c.fail(err)
	}
	return c.roundtrip(e.timeout)
}

func le32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// badBuffer creates a buffer with the given geometry on a pool of poolSize
// bytes; if the compositor accepts it, the buffer is drawn.
func badBuffer(poolSize, offset, w, h, stride int32, format uint32) func(*env) error {
	return func(e *env) error {
		c, err := e.offender(true)
		if err != nil {
			return err
		}
		defer c.close()
		return withMemfd(int64(poolSize), func(fd int) error {
			fill(fd, int(poolSize), 0xff406080)
			pool := c.createPool(fd, poolSize)
			buf := c.createBuffer(pool, offset, w, h, stride, format)
			if err := c.roundtrip(e.timeout); err != nil {
				return err
			}
			win, err := c.mapWindow("misbehave bad buffer", e.timeout)
			if err != nil {
				return err
			}
			cb, err := c.present(win, buf, max(w, 1), max(h, 1))
			if err != nil {
				return err
			}
			return c.settle(win, buf, max(w, 1), max(h, 1), cb, e.timeout)
		})
	}
}

// poolFloodOneFD creates poolFloodCount 4 KiB pools from one fd (wleird
// resource-thief shmpool), roundtripping every 500, then destroys them.
func poolFloodOneFD(e *env) error {
	c, err := e.offender(false)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(4096, func(fd int) error {
		stop := time.Now().Add(floodTime)
		var pools []uint32
		for i := 0; i < poolFloodCount && time.Now().Before(stop); i++ {
			pools = append(pools, c.createPool(fd, 4096))
			if i%500 == 499 {
				if err := c.roundtrip(floodWait(e)); err != nil {
					return err
				}
			}
		}
		if err := c.roundtrip(floodWait(e)); err != nil {
			return err
		}
		for _, p := range pools {
			c.send(p, opPoolDestroy)
		}
		return c.roundtrip(floodWait(e))
	})
}

// floodWait is the roundtrip bound during floods: the compositor may be
// slow under load without being dead.
func floodWait(e *env) time.Duration { return max(e.timeout, 10*time.Second) }

// bufferFloodOnePool creates bufferFlood 1x1 buffers from one pool,
// roundtripping every 5,000.
func bufferFloodOnePool(e *env) error {
	c, err := e.offender(false)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(4096, func(fd int) error {
		pool := c.createPool(fd, 4096)
		stop := time.Now().Add(floodTime)
		for i := 0; i < bufferFlood && time.Now().Before(stop); i++ {
			c.createBuffer(pool, int32(i%1024)*4, 1, 1, 4, formatXRGB8888)
			if i%5000 == 4999 {
				if err := c.roundtrip(floodWait(e)); err != nil {
					return err
				}
			}
		}
		return c.roundtrip(floodWait(e))
	})
}

// attachDestroyedBuffer destroys a buffer, waits until the compositor saw
// it, and attaches the dead id.
func attachDestroyedBuffer(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(4096, func(fd int) error {
		pool := c.createPool(fd, 4096)
		buf := c.createBuffer(pool, 0, 32, 32, 128, formatARGB8888)
		c.send(buf, opBufferDestroy)
		if err := c.roundtrip(e.timeout); err != nil {
			return err
		}
		win, err := c.mapWindow("misbehave dead buffer", e.timeout)
		if err != nil {
			return err
		}
		cb, err := c.present(win, buf, 32, 32)
		if err != nil {
			return err
		}
		return c.settle(win, 0, 0, 0, cb, e.timeout)
	})
}

// destroyBufferAfterAttach attaches a buffer, destroys the wl_buffer and
// commits: legal, the surface's content is then undefined.
func destroyBufferAfterAttach(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(bigSize, func(fd int) error {
		pool := c.createPool(fd, bigSize)
		buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatARGB8888)
		c.send(pool, opPoolDestroy)
		win, err := c.mapWindow("misbehave destroy after attach", e.timeout)
		if err != nil {
			return err
		}
		c.send(win.surface, opSurfaceAttach, buf, int32(0), int32(0))
		c.damageAll(win, bigW, bigH)
		c.send(buf, opBufferDestroy)
		cb, _ := c.commitWithFrame(win) // a send error is kept in c (see send)
		return c.settle(win, 0, 0, 0, cb, e.timeout)
	})
}

// damageInt32Max commits a buffer with damage rectangles of INT32_MAX size,
// in buffer and surface coordinates, at the origin and at the far corner.
func damageInt32Max(e *env) error {
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(64*64*4, func(fd int) error {
		pool := c.createPool(fd, 64*64*4)
		buf := c.createBuffer(pool, 0, 64, 64, 256, formatARGB8888)
		win, err := c.mapWindow("misbehave damage", e.timeout)
		if err != nil {
			return err
		}
		const m = math.MaxInt32
		c.send(win.surface, opSurfaceAttach, buf, int32(0), int32(0))
		rects := [][4]int32{{0, 0, m, m}, {m, m, m, m}, {-m, -m, m, m}, {math.MinInt32, math.MinInt32, m, m}}
		for _, r := range rects {
			c.send(win.surface, opSurfaceDamage, r[0], r[1], r[2], r[3])
			if c.compositorVersion >= 4 {
				c.send(win.surface, opSurfaceDamageBuffer, r[0], r[1], r[2], r[3])
			}
		}
		cb, _ := c.commitWithFrame(win) // a send error is kept in c (see send)
		return c.settle(win, 0, 0, 0, cb, e.timeout)
	})
}

// memfdFlood creates pools from memfdFloodN fresh 64 MiB memfds (16 GiB of
// address space in the compositor, no memory touched), roundtripping every
// 32, then destroys them all.
func memfdFlood(e *env) error {
	c, err := e.offender(false)
	if err != nil {
		return err
	}
	defer c.close()
	stop := time.Now().Add(floodTime)
	var pools []uint32
	for i := 0; i < memfdFloodN && time.Now().Before(stop); i++ {
		fd, err := newMemfd(memfdFloodSize, false)
		if err != nil {
			return skipf("%v", err)
		}
		pools = append(pools, c.createPool(fd, memfdFloodSize))
		unix.Close(fd)
		if i%32 == 31 {
			if err := c.roundtrip(floodWait(e)); err != nil {
				return err
			}
		}
	}
	if err := c.roundtrip(floodWait(e)); err != nil {
		return err
	}
	for _, p := range pools {
		c.send(p, opPoolDestroy)
	}
	return c.roundtrip(floodWait(e))
}
