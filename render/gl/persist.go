//go:build cgo

package gl

/*
#include <stddef.h>

typedef void (*nf_glBufferStorage_t)(unsigned int target, ptrdiff_t size, const void *data, unsigned int flags);
extern void (*glXGetProcAddressARB(const unsigned char *name))(void);

static void *nf_glx_proc(const char *name) {
	return (void *)glXGetProcAddressARB((const unsigned char *)name);
}

static void nf_buffer_storage(void *f, unsigned int target, ptrdiff_t size, unsigned int flags) {
	((nf_glBufferStorage_t)f)(target, size, NULL, flags);
}
*/
import "C"

import (
	"image"
	"log/slog"
	"time"
	"unsafe"

	ogl "github.com/go-gl/gl/v3.3-core/gl"
)

// GL 4.4 / ARB_buffer_storage names, which go-gl's 3.3 core package lacks.
const (
	mapPersistentBit = 0x0040
	mapCoherentBit   = 0x0080
	persistFlags     = ogl.MAP_WRITE_BIT | mapPersistentBit | mapCoherentBit
)

// persistMin is the smallest persistent buffer: a 256x256 upload and a
// 1920x1080 band share one size class instead of growing a buffer per frame.
const persistMin = 1 << 20

// glxProcAddress is go-gl's default loader (New): glXGetProcAddressARB,
// which glvnd serves for EGL contexts too.
func glxProcAddress(name string) unsafe.Pointer {
	cs := append([]byte(name), 0)
	return C.nf_glx_proc((*C.char)(unsafe.Pointer(&cs[0])))
}

// findBufferStorage returns glBufferStorage when the context has
// GL_ARB_buffer_storage (or GL 4.4), else nil.
func findBufferStorage(procAddr func(string) unsafe.Pointer) unsafe.Pointer {
	var major, minor, n int32
	ogl.GetIntegerv(ogl.MAJOR_VERSION, &major)
	ogl.GetIntegerv(ogl.MINOR_VERSION, &minor)
	has := major > 4 || major == 4 && minor >= 4
	ogl.GetIntegerv(ogl.NUM_EXTENSIONS, &n)
	for i := uint32(0); !has && i < uint32(n); i++ {
		has = ogl.GoStr(ogl.GetStringi(ogl.EXTENSIONS, i)) == "GL_ARB_buffer_storage"
	}
	if !has {
		return nil
	}
	return procAddr("glBufferStorage")
}

// free deletes the slot's buffer (unmapping it) and its fence.
func (s *ringSlot) free() {
	if s.fence != 0 {
		ogl.DeleteSync(s.fence)
	}
	if s.buf != 0 {
		ogl.DeleteBuffers(1, &s.buf) // unmaps a mapped buffer
	}
	*s = ringSlot{}
}

// uploadPersist is uploadRing through buffers that stay mapped: each slot
// is immutable storage (glBufferStorage) mapped once, persistent and
// coherent, so an upload makes no map or unmap call. It waits for the
// slot's fence, copies the rectangles' rows into the mapping (in Go, from
// the checked slice), uploads each from its offset and sets a new fence.
// If the fence has not signalled within a second the GPU may still read
// the buffer, so that upload goes straight from b; without
// glBufferStorage, or when the buffer cannot be made, it is uploadRing.
func (rd *Renderer) uploadPersist(b []byte, stride int, damage []image.Rectangle, bounds image.Rectangle, format, typ uint32) error {
	if rd.bufferStorage == nil {
		rd.persistFallback("no GL_ARB_buffer_storage")
		return rd.uploadRing(b, stride, damage, bounds, format, typ)
	}
	total, err := packedSize(b, stride, damage, bounds)
	if err != nil || total == 0 {
		return err
	}
	s := &rd.ring[rd.ringNext]
	if s.fence != 0 {
		w := ogl.ClientWaitSync(s.fence, ogl.SYNC_FLUSH_COMMANDS_BIT, uint64(time.Second))
		ogl.DeleteSync(s.fence)
		s.fence = 0
		if w == ogl.TIMEOUT_EXPIRED || w == ogl.WAIT_FAILED {
			return uploadRects(b, stride, damage, bounds, format, typ)
		}
	}
	if s.mapped == nil || total > s.size {
		s.free()
		size := max(persistMin, ringAlign(total))
		ogl.GenBuffers(1, &s.buf)
		ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, s.buf)
		for ogl.GetError() != ogl.NO_ERROR {
		}
		C.nf_buffer_storage(rd.bufferStorage, ogl.PIXEL_UNPACK_BUFFER, C.ptrdiff_t(size), persistFlags)
		var p unsafe.Pointer
		if ogl.GetError() == ogl.NO_ERROR {
			p = ogl.MapBufferRange(ogl.PIXEL_UNPACK_BUFFER, 0, size, persistFlags)
		}
		if p == nil {
			ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, 0)
			s.free()
			rd.bufferStorage = nil // do not try again for every upload
			rd.persistFallback("a persistent pixel-unpack buffer could not be made")
			return rd.uploadRing(b, stride, damage, bounds, format, typ)
		}
		s.mapped, s.size = p, size
	} else {
		ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, s.buf)
	}
	rd.ringNext = (rd.ringNext + 1) % ringSlots
	packRects(unsafe.Slice((*byte)(s.mapped), s.size), b, stride, damage, bounds)
	uploadPacked(damage, bounds, format, typ)
	s.fence = ogl.FenceSync(ogl.SYNC_GPU_COMMANDS_COMPLETE, 0)
	ogl.BindBuffer(ogl.PIXEL_UNPACK_BUFFER, 0)
	return nil
}

// persistFallback logs, once per renderer, why UploadMode.Persist streams
// through mapped-per-upload buffers instead.
func (rd *Renderer) persistFallback(why string) {
	if !rd.persistWarned {
		rd.persistWarned = true
		slog.Warn("gl: persistent upload buffers unavailable; using ring", "why", why)
	}
}

// uploadRects uploads the damaged rectangles (clipped to bounds) straight
// from b.
func uploadRects(b []byte, stride int, damage []image.Rectangle, bounds image.Rectangle, format, typ uint32) error {
	var err error
	for _, r := range damage {
		if e := uploadRect(b, stride, r.Intersect(bounds), format, typ); e != nil && err == nil {
			err = e
		}
	}
	return err
}
