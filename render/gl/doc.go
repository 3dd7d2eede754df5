//go:build cgo

// Package gl is nofault's OpenGL renderer (go-gl, OpenGL 3.3 core), used by
// the nested backend and, through EGL surfaceless, by the headless backend
// with --renderer=gl. It needs cgo; CGO_ENABLED=0 builds use render/soft.
//
// Output: scenes are drawn into a framebuffer object of the output's size
// (rows top-down), read back exactly by ReadPixels and copied to a window
// by Blit. Pixels match render/soft's: the background is premultiplied as
// soft does, and sampling is done with texelFetch in integers by the
// formulas of render's filter.go (transforms, buffer scale and source
// crop; nearest-neighbour at integer ratios, a linear blend of two or
// four texels elsewhere, rounded as soft rounds it), so every output
// pixel's colour is soft's before blending. Blending is
// premultiplied "over" with GL_ONE, GL_ONE_MINUS_SRC_ALPHA on an 8-bit
// B,G,R,A target; opaque, X-format and alpha 0 or 255 pixels come out
// identical to soft's, while a translucent pixel may differ by 1 in a channel when the
// driver's fixed-point multiply rounds d*(255-a)/255 differently from
// pixman's exact rounding (llvmpipe: (t + (t>>8) + 0x80) >> 8, off by one
// for about 1 blended pixel in 3000 of the tests' patterns).
//
// Textures: one texture per surface, its bytes uploaded as they are, never
// converted on the CPU (layoutOf). On Mesa's software rasterizers
// ARGB8888/XRGB8888 go as GL_BGRA into storage of the same order, the
// only one llvmpipe's linear rasterizer draws from (with the output's
// B,G,R,A framebuffer; docs/benchmarks.md); elsewhere as
// GL_RGBA bytes into GL_RGBA8, with a swizzle swapping red and blue.
// Opaque items are drawn with blending off, their colour the texel's. On
// the software rasterizers a texture whose every uploaded
// pixel has alpha 255 is opaque too, as in render/soft: no blend, no
// background under it. Uploads cover
// only the damaged rectangles, with GL_UNPACK_ROW_LENGTH set to the
// client's stride. UploadMode (NOFAULT_GL_UPLOAD) selects variants to
// measure on real drivers: a pixel-unpack buffer (the default on GPUs),
// the BGRA layout, or orphaning the texture before a full upload.
//
// Output damage: the output framebuffer keeps the last frame, and Render
// redraws only the rectangles render/damage reports changed (the tracking
// render/soft uses), scissored, each from the topmost opaque item covering
// it up, clearing only the parts that no opaque item covers. Blit copies
// the output to a window; given the back buffer's age (GLXBufferAge,
// egl.BufferAge) it copies only what changed since that buffer was drawn. Neither Render nor Upload allocates per frame, through
// the Proxy included.
//
// Faults: a fault inside cgo can never be recovered, so GL must only read
// memory that cannot fault. Texture.Upload takes a shm.Image, which only
// package shm makes (a view of a nosigbus or sealed pool, or a Go-owned
// staged copy of a guarded pool), and checks that every byte GL will read
// lies inside it. No function of this package takes pixel memory in any
// other form. ReadPixels writes into Go memory only.
//
// Threads: a GL context is current on one OS thread. Renderer and Texture
// must be used on it. Thread runs functions there for other goroutines,
// and Proxy is a render.Renderer that does so for every call, waiting for
// each; Headless runs an EGL context on a goroutine of its own.
package gl
