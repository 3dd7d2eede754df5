package shm

import (
	"log/slog"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// Global is the wl_shm global: the protocol glue between clients and the
// pools of this package. Validation follows libwayland's order and error
// codes, plus the bytes-per-pixel stride check wlroots adds.
type Global struct {
	opts Options
}

// Register advertises wl_shm version 1 on d with the formats in Formats.
// The pools its clients create count in opts.Counters, or, when that is
// nil, in counters of the Global's own (Stats).
func Register(d *server.Display, opts Options) *Global {
	if opts.Counters == nil {
		opts.Counters = new(Counters)
	}
	g := &Global{opts: opts}
	d.AddGlobal(&protocol.WlShmInterface, 1, g.bind)
	return g
}

// Stats returns a snapshot of the counters of the pools created through
// g (--stats).
func (g *Global) Stats() Stats { return g.opts.Counters.Read() }

func (g *Global) bind(c *server.Client, id protocol.ObjectID, version uint32) {
	h := &shmHandler{g: g, c: c}
	h.obj = c.NewObject(id, &protocol.WlShmInterface, version, h)
	if h.obj == nil {
		return
	}
	for _, f := range Formats {
		protocol.SendWlShmFormat(c.Events(), h.obj.ID, protocol.WlShmFormat(f))
	}
}

// shmHandler implements wl_shm for one bound object.
type shmHandler struct {
	g   *Global
	c   *server.Client
	obj *protocol.Object
}

// protoError turns an *Error of this package into a protocol error on obj.
func protoError(obj *protocol.Object, err error) *protocol.Error {
	if e, ok := err.(*Error); ok {
		return protocol.Errorf(obj, e.Code, "%s", e.Msg)
	}
	return protocol.Errorf(obj, InvalidFD, "%v", err)
}

func (h *shmHandler) CreatePool(id protocol.ObjectID, fd int, size int32) error {
	if err := CheckCreatePool(size); err != nil {
		unix.Close(fd)
		return protoError(h.obj, err)
	}
	acct := chargePool(h.c, int64(size)) // limits.go
	if acct == nil {
		unix.Close(fd)
		return nil
	}
	p, err := NewPool(fd, int64(size), h.g.opts)
	if err != nil {
		acct.unref()
		return protoError(h.obj, err)
	}
	ph := &poolHandler{c: h.c, pool: p, acct: acct}
	ph.obj = h.c.NewObject(id, &protocol.WlShmPoolInterface, h.obj.Version, ph)
	if ph.obj == nil {
		p.Unref()
		acct.unref()
		return nil
	}
	slog.Debug("shm pool created", "client", h.c.ID(), "id", id, "size", size, "strategy", p.Strategy())
	h.c.Tracef("wl_shm_pool@%d: %d bytes, strategy %s", id, size, p.Strategy())
	return nil
}

func (h *shmHandler) Release() error { return nil } // wl_shm v2; not advertised

// poolHandler implements wl_shm_pool. The Pool is reference counted: the
// wl_shm_pool object holds one reference and every wl_buffer another, so a
// pool destroyed while buffers live stays mapped until they go.
type poolHandler struct {
	c    *server.Client
	obj  *protocol.Object
	pool *Pool
	acct *poolAcct
}

func (h *poolHandler) OnDestroy() { h.pool.Unref(); h.acct.unref() }

func (h *poolHandler) Destroy() error { return nil }

func (h *poolHandler) CreateBuffer(id protocol.ObjectID, offset, width, height, stride int32, format protocol.WlShmFormat) error {
	if err := CheckBuffer(h.pool.Size(), offset, width, height, stride, Format(format)); err != nil {
		return protoError(h.obj, err)
	}
	if !h.acct.addBuffer() {
		return nil
	}
	b := &Buffer{
		acct:   h.acct,
		c:      h.c,
		pool:   h.pool,
		offset: int64(offset),
		width:  int(width),
		height: int(height),
		stride: int(stride),
		format: Format(format),
	}
	b.obj = h.c.NewObject(id, &protocol.WlBufferInterface, 1, b)
	if b.obj == nil {
		h.acct.bufferGone()
		return nil
	}
	h.pool.Ref()
	return nil
}

func (h *poolHandler) Resize(size int32) error {
	old := h.acct.size
	if !h.acct.grow(int64(size)) { // limits.go: the growth counts as mapped bytes
		return nil
	}
	before := h.pool.Strategy()
	if err := h.pool.Resize(int64(size)); err != nil {
		h.acct.shrinkBack(old)
		return protoError(h.obj, err)
	}
	if after := h.pool.Strategy(); after != before {
		h.c.Tracef("wl_shm_pool@%d: resized to %d bytes, strategy %s -> %s", h.obj.ID, size, before, after)
	} else {
		h.c.Tracef("wl_shm_pool@%d: resized to %d bytes, strategy %s", h.obj.ID, size, after)
	}
	return nil
}

// The handlers implement the generated interfaces: a signature that drifts
// from the XML fails to compile instead of failing dispatch.
var (
	_ protocol.WlShmHandler     = (*shmHandler)(nil)
	_ protocol.WlShmPoolHandler = (*poolHandler)(nil)
	_ protocol.WlBufferHandler  = (*Buffer)(nil)
)
