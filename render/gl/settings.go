//go:build cgo

package gl

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// UploadMode is how Texture.Upload hands pixels to GL. The zero value is
// the default: GL_RGBA bytes straight from the buffer, a texture swizzle
// for the channel order, into the texture the renderer samples.
//
// The variants exist to be measured against each other on real drivers
// (bench/gpu runs them all); set one with NOFAULT_GL_UPLOAD, a comma list
// of the names below (for example NOFAULT_GL_UPLOAD=bgra,pbo), or with
// Renderer.SetUploadMode.
type UploadMode struct {
	// BGRA uploads ARGB8888/XRGB8888 as GL_BGRA, GL_UNSIGNED_INT_8_8_8_8_REV
	// into textures of the unsized GL_RGBA, with no red/blue swizzle (Mesa
	// stores them B8G8R8A8 and copies the bytes as they are; see
	// layoutOf), and ABGR8888/XBGR8888 as GL_RGBA, GL_UNSIGNED_BYTE into
	// GL_RGBA8. Name "bgra". The default on Mesa's software rasterizers.
	BGRA bool
	// PBO copies the damaged rows into a pixel-unpack buffer mapped with
	// GL_MAP_INVALIDATE_BUFFER_BIT (so the driver need not wait for the
	// previous upload from it) and uploads from the buffer, which a GPU
	// driver can do asynchronously. Name "pbo".
	PBO bool
	// Ring streams through a ring of pixel-unpack buffers (ringSlots),
	// each reused only once the fence set after its last upload has
	// signalled, and mapped without invalidating the whole buffer
	// (GL_MAP_INVALIDATE_RANGE_BIT | GL_MAP_UNSYNCHRONIZED_BIT): the driver
	// neither orphans the buffer (a fresh allocation, whose pages the
	// copy then faults in) nor waits for the previous upload. All damage
	// rectangles of one upload share one buffer. Name "ring" (implies
	// pbo's copy into a buffer).
	Ring bool
	// Persist is Ring through buffers mapped once: immutable storage
	// (glBufferStorage, GL_ARB_buffer_storage) mapped persistent and
	// coherent, so that an upload makes no map or unmap call at all. The
	// slot's fence is waited for before its buffer is written again.
	// Without the extension it is Ring. Name "persist".
	Persist bool
	// Orphan reallocates the texture's storage (glTexImage2D with no
	// data) before a full-damage upload, so that the driver need not wait
	// for draws still reading the old contents. Name "orphan".
	Orphan bool
}

// String returns the mode's names, "rgba" for the default.
func (m UploadMode) String() string {
	var n []string
	if m.BGRA {
		n = append(n, "bgra")
	} else {
		n = append(n, "rgba")
	}
	if m.PBO {
		n = append(n, "pbo")
	}
	if m.Ring {
		n = append(n, "ring")
	}
	if m.Persist {
		n = append(n, "persist")
	}
	if m.Orphan {
		n = append(n, "orphan")
	}
	return strings.Join(n, ",")
}

// ParseUploadMode parses a comma list of "rgba", "bgra", "pbo", "ring", "persist", "orphan"
// (empty: the default).
func ParseUploadMode(s string) (UploadMode, error) {
	var m UploadMode
	for _, f := range strings.Split(s, ",") {
		switch strings.TrimSpace(f) {
		case "", "rgba", "direct":
		case "bgra":
			m.BGRA = true
		case "pbo":
			m.PBO = true
		case "ring":
			m.Ring = true
		case "persist":
			m.Persist = true
		case "orphan":
			m.Orphan = true
		default:
			return UploadMode{}, fmt.Errorf("gl: unknown upload mode %q (want rgba, bgra, pbo, ring, persist, orphan)", f)
		}
	}
	return m, nil
}

// envUpload is the mode NOFAULT_GL_UPLOAD asks for; unset, empty or bad
// (logged), the mode AutoUploadMode picks for the driver named glRenderer.
func envUpload(glRenderer string) UploadMode {
	s := os.Getenv("NOFAULT_GL_UPLOAD")
	if s == "" {
		return AutoUploadMode(glRenderer)
	}
	m, err := ParseUploadMode(s)
	if err != nil {
		slog.Warn("NOFAULT_GL_UPLOAD ignored", "err", err)
		return AutoUploadMode(glRenderer)
	}
	return m
}

// AutoUploadMode is the upload mode used unless NOFAULT_GL_UPLOAD says
// otherwise, chosen by GL_RENDERER from measurements (docs/benchmarks.md):
// on a GPU driver a pixel-unpack buffer lets the driver copy to the GPU
// asynchronously (NVIDIA H200: 1080p full-damage frame 1.99 -> 1.09 ms of
// CPU, 4K 15.7 -> 5.5 ms), while Mesa's software rasterizers, whose
// "texture" is CPU memory anyway, pay for the extra copy (llvmpipe: 0.29
// -> 1.05 ms per 1080p upload), so they upload directly, in B, G, R, A
// order (BGRA), which llvmpipe's linear rasterizer draws from.
func AutoUploadMode(glRenderer string) UploadMode {
	if IsSoftware(glRenderer) {
		return UploadMode{BGRA: true}
	}
	return UploadMode{PBO: true}
}

// IsSoftware reports whether GL_RENDERER names one of Mesa's software
// rasterizers (llvmpipe, softpipe, swrast), whose textures and window
// buffers are CPU memory.
func IsSoftware(glRenderer string) bool {
	r := strings.ToLower(glRenderer)
	for _, sw := range []string{"llvmpipe", "softpipe", "swrast", "software rasterizer"} {
		if strings.Contains(r, sw) {
			return true
		}
	}
	return false
}

// envNoDamage reports whether NOFAULT_GL_DAMAGE=0 turns output damage
// tracking off (every Render redraws the whole output), for A/B runs.
func envNoDamage() bool { return os.Getenv("NOFAULT_GL_DAMAGE") == "0" }

// envNoFlush reports whether NOFAULT_GL_FLUSH=0 turns off the glFlush at
// the end of each Render, for A/B runs.
func envNoFlush() bool { return os.Getenv("NOFAULT_GL_FLUSH") == "0" }

// SetUploadMode changes how later uploads are done. Textures already
// uploaded take the new mode at their next upload.
func (r *Renderer) SetUploadMode(m UploadMode) { r.upload = m }

// UploadMode returns the mode uploads use.
func (r *Renderer) UploadMode() UploadMode { return r.upload }

// SetDamageTracking turns output damage tracking on (the default) or off.
func (r *Renderer) SetDamageTracking(on bool) {
	r.noDamage = !on
	r.track.Invalidate()
}
