package oracle

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"syscall"

	rc "github.com/nofault/nofault/internal/rawclient"
)

// Opcodes from wayland.xml used by the cases.
const (
	opDisplaySync = 0

	opRegistryBind = 0

	opCompositorCreateSurface = 0
	opCompositorCreateRegion  = 1

	opSubcompositorGetSubsurface = 1

	opShmCreatePool = 0

	opPoolCreateBuffer = 0
	opPoolDestroy      = 1
	opPoolResize       = 2

	opBufferDestroy = 0

	opSurfaceAttach       = 1
	opSurfaceDamage       = 2
	opSurfaceCommit       = 6
	opSurfaceDamageBuffer = 9

	opRegionDestroy = 0
)

// Pixel formats of wl_shm.
const (
	formatARGB8888 = 0
	formatXRGB8888 = 1
)

// Cases is the table of bad (and a few good) inputs. The same table runs
// against the libwayland oracle (to record the golden answers) and against
// nofault (to compare with them).
var Cases = []Case{
	// Object and opcode lookup.
	{Name: "unknown-object", Doc: "request on an id never created",
		Run: func(s *Session) error { return s.Send(999, 0) }},
	{Name: "unknown-opcode-display", Doc: "wl_display opcode 2 (it has 2 requests)",
		Run: func(s *Session) error { return s.Send(rc.DisplayID, 2) }},
	{Name: "unknown-opcode-compositor", Doc: "wl_compositor opcode 2 (it has 2 requests)",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			return s.Send(comp, 2)
		}},
	{Name: "request-since-version", Doc: "wl_surface.damage_buffer (since 4) on a surface of a wl_compositor bound at v3",
		Run: func(s *Session) error {
			surf, err := newSurface(s, 3)
			if err != nil {
				return err
			}
			return s.Send(surf, opSurfaceDamageBuffer, int32(0), int32(0), int32(1), int32(1))
		}},
	{Name: "destroyed-object-request", Doc: "wl_region.destroy, then a request on the destroyed region",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			reg := s.NewID("region")
			if err := s.Send(comp, opCompositorCreateRegion, rc.NewID(reg)); err != nil {
				return err
			}
			if err := s.Send(reg, opRegionDestroy); err != nil {
				return err
			}
			return s.Send(reg, 1, int32(0), int32(0), int32(1), int32(1))
		}},

	// Framing.
	{Name: "size-over-4096", Doc: "header announcing 8192 bytes, followed by all 8192 bytes",
		Run: func(s *Session) error {
			b := make([]byte, 8192)
			copy(b, rc.Header(rc.DisplayID, opDisplaySync, 8192))
			return s.C.SendRaw(b, nil)
		}},
	{Name: "size-over-4096-header-only", Doc: "header announcing 4100 bytes and nothing else",
		Run: func(s *Session) error {
			return s.C.SendRaw(rc.Header(rc.DisplayID, opDisplaySync, 4100), nil)
		}},
	{Name: "size-under-8", Doc: "wl_display.sync whose size field is 4, then its id word",
		Run: func(s *Session) error {
			b := append(rc.Header(rc.DisplayID, opDisplaySync, 4), le32(s.C.NewID())...)
			return s.C.SendRaw(b, nil)
		}},
	{Name: "size-zero", Doc: "wl_display.sync whose size field is 0",
		Run: func(s *Session) error {
			return s.C.SendRaw(rc.Header(rc.DisplayID, opDisplaySync, 0), nil)
		}},
	{Name: "size-zero-no-args", Doc: "wl_surface.commit (no arguments) whose size field is 0",
		Run: func(s *Session) error {
			surf, err := newSurface(s, 4)
			if err != nil {
				return err
			}
			return s.C.SendRaw(rc.Header(surf, opSurfaceCommit, 0), nil)
		}},
	{Name: "size-too-short-for-args", Doc: "wl_display.sync whose size field is 8 (no room for the id)",
		Run: func(s *Session) error {
			return s.C.SendRaw(rc.Header(rc.DisplayID, opDisplaySync, 8), nil)
		}},
	{Name: "size-not-multiple-of-4", Doc: "wl_display.sync with size 14: id plus 2 stray bytes",
		Run: func(s *Session) error {
			b := append(rc.Header(rc.DisplayID, opDisplaySync, 14), le32(s.C.NewID())...)
			return s.C.SendRaw(append(b, 0, 0), nil)
		}},
	{Name: "size-not-multiple-of-4-unpadded", Doc: "wl_display.sync with size 14 but only its 12 bytes, then the next request",
		Run: func(s *Session) error {
			b := append(rc.Header(rc.DisplayID, opDisplaySync, 14), le32(s.C.NewID())...)
			return s.C.SendRaw(b, nil)
		}},
	{Name: "truncated-then-close", Doc: "10 of the 12 bytes of wl_display.sync, then shutdown(SHUT_WR)",
		Run: func(s *Session) error {
			b := append(rc.Header(rc.DisplayID, opDisplaySync, 12), le32(s.C.NewID())...)
			if err := s.C.SendRaw(b[:10], nil); err != nil {
				return err
			}
			return s.C.CloseWrite()
		}},
	{Name: "header-only-then-close", Doc: "6 bytes (less than a header), then shutdown(SHUT_WR)",
		Run: func(s *Session) error {
			if err := s.C.SendRaw(rc.Header(rc.DisplayID, opDisplaySync, 12)[:6], nil); err != nil {
				return err
			}
			return s.C.CloseWrite()
		}},

	// Strings (wl_registry.bind's interface is the only string request
	// in the core globals).
	{Name: "string-without-nul", Doc: "wl_registry.bind interface \"wl_shm\" with length 6 and no NUL",
		Run: func(s *Session) error {
			return bindRaw(s, "wl_shm", rc.RawString{Length: 6, Data: []byte("wl_shm")}, 1)
		}},
	{Name: "string-null-non-nullable", Doc: "wl_registry.bind interface with length 0 (null string)",
		Run: func(s *Session) error {
			return bindRaw(s, "wl_shm", rc.RawString{Length: 0}, 1)
		}},
	{Name: "string-length-past-end", Doc: "wl_registry.bind interface length 100 in a short message",
		Run: func(s *Session) error {
			return bindRaw(s, "wl_shm", rc.RawString{Length: 100, Data: []byte("wl_shm\x00")}, 1)
		}},
	{Name: "string-nul-inside", Doc: "wl_registry.bind interface \"wl_s\\0hm\" (length 7, NUL inside and at the end)",
		Run: func(s *Session) error {
			return bindRaw(s, "wl_shm", rc.RawString{Length: 7, Data: []byte("wl_s\x00hm\x00")}, 1)
		}},

	// new_id.
	{Name: "new-id-in-use", Doc: "wl_compositor.create_surface twice with the same id",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			surf := s.NewID("surface")
			if err := s.Send(comp, opCompositorCreateSurface, rc.NewID(surf)); err != nil {
				return err
			}
			return s.Send(comp, opCompositorCreateSurface, rc.NewID(surf))
		}},
	{Name: "new-id-skip-ahead", Doc: "wl_compositor.create_surface with the next free id + 10",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			return s.Send(comp, opCompositorCreateSurface, rc.NewID(s.C.PeekID()+10))
		}},
	{Name: "new-id-zero", Doc: "wl_compositor.create_surface with id 0",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			return s.Send(comp, opCompositorCreateSurface, rc.NewID(0))
		}},
	{Name: "new-id-server-range", Doc: "wl_compositor.create_surface with id 0xff000001 (server range)",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			return s.Send(comp, opCompositorCreateSurface, rc.NewID(0xff000001))
		}},
	{Name: "new-id-display", Doc: "wl_compositor.create_surface with id 1 (wl_display)",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			return s.Send(comp, opCompositorCreateSurface, rc.NewID(1))
		}},
	{Name: "new-id-reuse-after-delete", Doc: "destroy a region, roundtrip (delete_id), create a surface with its id",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			reg := s.NewID("region")
			if err := s.Send(comp, opCompositorCreateRegion, rc.NewID(reg)); err != nil {
				return err
			}
			if err := s.Send(reg, opRegionDestroy); err != nil {
				return err
			}
			if err := s.Roundtrip(); err != nil {
				return err
			}
			s.SetName(reg, "surface")
			return s.Send(comp, opCompositorCreateSurface, rc.NewID(reg))
		}},

	// Object arguments.
	{Name: "object-null-non-nullable", Doc: "wl_subcompositor.get_subsurface with surface 0",
		Run: func(s *Session) error {
			parent, err := newSurface(s, 4)
			if err != nil {
				return err
			}
			sub, err := s.Bind("wl_subcompositor", 1)
			if err != nil {
				return err
			}
			return s.Send(sub, opSubcompositorGetSubsurface, rc.NewID(s.NewID("subsurface")), uint32(0), parent)
		}},
	{Name: "object-wrong-interface", Doc: "wl_surface.attach with a wl_region as the buffer",
		Run: func(s *Session) error {
			comp, err := s.Bind("wl_compositor", 4)
			if err != nil {
				return err
			}
			surf := s.NewID("surface")
			if err := s.Send(comp, opCompositorCreateSurface, rc.NewID(surf)); err != nil {
				return err
			}
			reg := s.NewID("region")
			if err := s.Send(comp, opCompositorCreateRegion, rc.NewID(reg)); err != nil {
				return err
			}
			return s.Send(surf, opSurfaceAttach, reg, int32(0), int32(0))
		}},
	{Name: "object-unknown-id", Doc: "wl_surface.attach with a buffer id never created",
		Run: func(s *Session) error {
			surf, err := newSurface(s, 4)
			if err != nil {
				return err
			}
			return s.Send(surf, opSurfaceAttach, uint32(500), int32(0), int32(0))
		}},
	{Name: "fd-missing", Doc: "wl_shm.create_pool without an fd",
		Run: func(s *Session) error {
			shm, err := s.Bind("wl_shm", 1)
			if err != nil {
				return err
			}
			return s.Send(shm, opShmCreatePool, rc.NewID(s.NewID("pool")), int32(4096))
		}},

	{Name: "fd-unexpected", Doc: "wl_display.sync with an fd attached (the message takes none)",
		Run: func(s *Session) error {
			fd, err := fileFD(4096)(s)
			if err != nil {
				return err
			}
			return s.Send(rc.DisplayID, opDisplaySync, rc.NewID(s.NewID("callback")), rc.FD(fd))
		}},
	{Name: "fds-over-28", Doc: "wl_display.sync with 40 fds in one sendmsg (libwayland receives at most 28)",
		Run: func(s *Session) error {
			fd, err := fileFD(4096)(s)
			if err != nil {
				return err
			}
			b, _, err := rc.Marshal(rc.DisplayID, opDisplaySync, rc.NewID(s.NewID("callback")))
			if err != nil {
				return err
			}
			fds := make([]int, 40)
			for i := range fds {
				fds[i] = fd
			}
			return s.C.SendRaw(b, fds)
		}},

	// wl_registry.bind.
	{Name: "bind-unknown-name", Doc: "wl_registry.bind of global name 100000 (not announced)",
		Run: func(s *Session) error {
			reg, err := s.Registry()
			if err != nil {
				return err
			}
			return s.Send(reg, opRegistryBind, uint32(100000),
				rc.Bind{Interface: "wl_compositor", Version: 1, ID: s.NewID("compositor")})
		}},
	{Name: "bind-version-zero", Doc: "wl_registry.bind of wl_compositor at version 0",
		Run: func(s *Session) error { return bindVersion(s, "wl_compositor", 0) }},
	{Name: "bind-version-too-high", Doc: "wl_registry.bind of wl_compositor at the announced version + 1",
		Run: func(s *Session) error {
			g, err := s.Globals()
			if err != nil {
				return err
			}
			return bindVersion(s, "wl_compositor", g["wl_compositor"].Version+1)
		}},
	{Name: "bind-wrong-interface", Doc: "wl_registry.bind of wl_compositor's name as \"wl_shm\"",
		Run: func(s *Session) error {
			return bindRaw(s, "wl_compositor", "wl_shm", 1)
		}},
	{Name: "bind-twice-ok", Doc: "wl_registry.bind of wl_compositor twice (allowed)",
		Run: func(s *Session) error {
			if _, err := s.Bind("wl_compositor", 1); err != nil {
				return err
			}
			_, err := s.Bind("wl_compositor", 1)
			return err
		}},

	// wl_shm.create_pool.
	{Name: "create-pool-size-0", Doc: "wl_shm.create_pool size 0",
		Run: func(s *Session) error { return createPoolFD(s, fileFD(4096), 0) }},
	{Name: "create-pool-size-negative", Doc: "wl_shm.create_pool size -1",
		Run: func(s *Session) error { return createPoolFD(s, fileFD(4096), -1) }},
	{Name: "create-pool-pipe", Doc: "wl_shm.create_pool with a pipe's read end",
		Run: func(s *Session) error {
			return createPoolFD(s, func(s *Session) (int, error) {
				var p [2]int
				if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
					return -1, err
				}
				s.Defer(func() { syscall.Close(p[1]) })
				return p[0], nil
			}, 4096)
		}},
	{Name: "create-pool-directory", Doc: "wl_shm.create_pool with an fd of a directory",
		Run: func(s *Session) error {
			return createPoolFD(s, openFD(os.TempDir(), syscall.O_RDONLY|syscall.O_DIRECTORY), 4096)
		}},
	{Name: "create-pool-dev-null", Doc: "wl_shm.create_pool with /dev/null opened read-write",
		Run: func(s *Session) error { return createPoolFD(s, openFD("/dev/null", syscall.O_RDWR), 4096) }},
	{Name: "create-pool-rdonly", Doc: "wl_shm.create_pool with an O_RDONLY 4096-byte file",
		Run: func(s *Session) error {
			return createPoolFD(s, func(s *Session) (int, error) {
				f, err := tempFile(s, 4096)
				if err != nil {
					return -1, err
				}
				// Reopen the unlinked file read-only through /proc.
				return openFD(fmt.Sprintf("/proc/self/fd/%d", f.Fd()), syscall.O_RDONLY)(s)
			}, 4096)
		}},
	{Name: "create-pool-larger-than-file", Doc: "wl_shm.create_pool size 1 MiB on a 4096-byte file (accepted)",
		Run: func(s *Session) error { return createPoolFD(s, fileFD(4096), 1<<20) }},

	{Name: "create-pool-empty-file-commit", Doc: "pool of 4096 bytes over an empty file, 16x16 buffer, attach, commit (SIGBUS on read)",
		Run: func(s *Session) error {
			pool, _, err := newPool(s, 0, 4096)
			if err != nil {
				return err
			}
			buf := s.NewID("buffer")
			if err := s.Send(pool, opPoolCreateBuffer, rc.NewID(buf), int32(0), int32(16), int32(16), int32(64), uint32(formatARGB8888)); err != nil {
				return err
			}
			return attachCommit(s, buf, 16, 16)
		}},

	// wl_shm_pool.create_buffer on a 4096-byte pool.
	{Name: "create-buffer-ok", Doc: "16x16 ARGB8888 stride 64 at offset 0",
		Run: func(s *Session) error { return createBuffer(s, 0, 16, 16, 64, formatARGB8888) }},
	{Name: "create-buffer-exact-fit", Doc: "16x16 stride 64 at offset 3072 (ends at the pool's end)",
		Run: func(s *Session) error { return createBuffer(s, 3072, 16, 16, 64, formatXRGB8888) }},
	{Name: "create-buffer-past-pool", Doc: "16x16 stride 64 at offset 3076 (4 bytes past the end)",
		Run: func(s *Session) error { return createBuffer(s, 3076, 16, 16, 64, formatARGB8888) }},
	{Name: "create-buffer-negative-offset", Doc: "offset -4",
		Run: func(s *Session) error { return createBuffer(s, -4, 16, 16, 64, formatARGB8888) }},
	{Name: "create-buffer-width-0", Doc: "width 0",
		Run: func(s *Session) error { return createBuffer(s, 0, 0, 16, 64, formatARGB8888) }},
	{Name: "create-buffer-height-0", Doc: "height 0",
		Run: func(s *Session) error { return createBuffer(s, 0, 16, 0, 64, formatARGB8888) }},
	{Name: "create-buffer-negative-width", Doc: "width -16",
		Run: func(s *Session) error { return createBuffer(s, 0, -16, 16, 64, formatARGB8888) }},
	{Name: "create-buffer-stride-lt-width", Doc: "width 16, stride 15",
		Run: func(s *Session) error { return createBuffer(s, 0, 16, 1, 15, formatARGB8888) }},
	{Name: "create-buffer-stride-lt-width-bpp", Doc: "width 16, stride 16 (< 16*4; libwayland does not check bpp)",
		Run: func(s *Session) error { return createBuffer(s, 0, 16, 16, 16, formatARGB8888) }},
	{Name: "create-buffer-stride-negative", Doc: "stride -64",
		Run: func(s *Session) error { return createBuffer(s, 0, 16, 16, -64, formatARGB8888) }},
	{Name: "create-buffer-overflow", Doc: "stride 65536, height 40000 (INT32_MAX/stride < height)",
		Run: func(s *Session) error { return createBuffer(s, 0, 16, 40000, 65536, formatARGB8888) }},
	{Name: "create-buffer-offset-int-max", Doc: "offset INT32_MAX",
		Run: func(s *Session) error { return createBuffer(s, math.MaxInt32, 1, 1, 4, formatARGB8888) }},
	{Name: "create-buffer-unknown-format", Doc: "format 0x12345678",
		Run: func(s *Session) error { return createBuffer(s, 0, 16, 16, 64, 0x12345678) }},
	{Name: "create-buffer-unadvertised-format", Doc: "format RGB565 (a real fourcc the server did not announce)",
		Run: func(s *Session) error { return createBuffer(s, 0, 16, 16, 64, 0x36314752) }},

	// wl_shm_pool.resize.
	{Name: "pool-resize-smaller", Doc: "resize a 4096-byte pool to 2048",
		Run: func(s *Session) error { return resizePool(s, 2048) }},
	{Name: "pool-resize-0", Doc: "resize a 4096-byte pool to 0",
		Run: func(s *Session) error { return resizePool(s, 0) }},
	{Name: "pool-resize-negative", Doc: "resize a 4096-byte pool to -1",
		Run: func(s *Session) error { return resizePool(s, -1) }},
	{Name: "pool-resize-same", Doc: "resize a 4096-byte pool to 4096 (accepted)",
		Run: func(s *Session) error { return resizePool(s, 4096) }},
	{Name: "pool-resize-beyond-file", Doc: "resize a 4096-byte pool on a 4096-byte file to 8192 (accepted)",
		Run: func(s *Session) error { return resizePool(s, 8192) }},
	{Name: "pool-destroy-then-buffer-ok", Doc: "destroy the pool after create_buffer, then attach and commit the buffer",
		Run: func(s *Session) error {
			pool, _, err := newPool(s, 4096, 4096)
			if err != nil {
				return err
			}
			buf := s.NewID("buffer")
			if err := s.Send(pool, opPoolCreateBuffer, rc.NewID(buf), int32(0), int32(16), int32(16), int32(64), uint32(formatARGB8888)); err != nil {
				return err
			}
			if err := s.Send(pool, opPoolDestroy); err != nil {
				return err
			}
			return attachCommit(s, buf, 16, 16)
		}},

	// Buffers on surfaces.
	{Name: "commit-shm-buffer-ok", Doc: "attach, damage, commit a valid 16x16 buffer",
		Run: func(s *Session) error {
			pool, _, err := newPool(s, 4096, 4096)
			if err != nil {
				return err
			}
			buf := s.NewID("buffer")
			if err := s.Send(pool, opPoolCreateBuffer, rc.NewID(buf), int32(0), int32(16), int32(16), int32(64), uint32(formatARGB8888)); err != nil {
				return err
			}
			return attachCommit(s, buf, 16, 16)
		}},
	{Name: "attach-destroyed-buffer", Doc: "wl_buffer.destroy, roundtrip, then attach that buffer id",
		Run: func(s *Session) error {
			pool, _, err := newPool(s, 4096, 4096)
			if err != nil {
				return err
			}
			buf := s.NewID("buffer")
			if err := s.Send(pool, opPoolCreateBuffer, rc.NewID(buf), int32(0), int32(16), int32(16), int32(64), uint32(formatARGB8888)); err != nil {
				return err
			}
			if err := s.Send(buf, opBufferDestroy); err != nil {
				return err
			}
			if err := s.Roundtrip(); err != nil {
				return err
			}
			return attachCommit(s, buf, 16, 16)
		}},
	{Name: "sigbus", Doc: "wleird sigbus: 1 MiB pool, 512x512 buffer, roundtrip, ftruncate(42), attach, damage, commit",
		Run: func(s *Session) error {
			pool, f, err := newPool(s, 1<<20, 1<<20)
			if err != nil {
				return err
			}
			buf := s.NewID("buffer")
			if err := s.Send(pool, opPoolCreateBuffer, rc.NewID(buf), int32(0), int32(512), int32(512), int32(2048), uint32(formatARGB8888)); err != nil {
				return err
			}
			if err := s.Roundtrip(); err != nil {
				return err
			}
			if err := f.Truncate(42); err != nil {
				return fmt.Errorf("truncate shm file: %w", err)
			}
			return attachCommit(s, buf, 512, 512)
		}},

	// Flow control.
	{Name: "never-reads", Doc: "50000 wl_display.sync requests without reading any answer",
		Run: func(s *Session) error {
			// Batch the requests so the flood is cheap for the client.
			const n, batch = 50000, 500
			for i := 0; i < n; i += batch {
				b := make([]byte, 0, 12*batch)
				for j := 0; j < batch; j++ {
					b = append(b, rc.Header(rc.DisplayID, opDisplaySync, 12)...)
					b = append(b, le32(s.C.NewID())...)
				}
				if err := s.C.SendRaw(b, nil); err != nil {
					// The server gave up on us; see what it said.
					break
				}
			}
			// Drain until the end: a server that keeps up answers every
			// sync; one that gives up closes the connection.
			for {
				ev, err := s.C.ReadEvent(s.Timeout)
				if err != nil {
					return err
				}
				if pe, ok := rc.AsProtocolError(ev); ok {
					return pe
				}
			}
		}},
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// newSurface binds wl_compositor at version and creates a wl_surface.
func newSurface(s *Session, version uint32) (uint32, error) {
	comp, err := s.Bind("wl_compositor", version)
	if err != nil {
		return 0, err
	}
	surf := s.NewID("surface")
	return surf, s.Send(comp, opCompositorCreateSurface, rc.NewID(surf))
}

// bindRaw binds the global announcing iface, sending name as the interface
// string (a string or rc.RawString).
func bindRaw(s *Session, iface string, name any, version uint32) error {
	g, err := s.Globals()
	if err != nil {
		return err
	}
	reg := s.C.Registry()
	id := s.NewID("bound")
	return s.Send(reg, opRegistryBind, g[iface].Name, name, version, rc.NewID(id))
}

func bindVersion(s *Session, iface string, version uint32) error {
	g, err := s.Globals()
	if err != nil {
		return err
	}
	return s.Send(s.C.Registry(), opRegistryBind, g[iface].Name,
		rc.Bind{Interface: iface, Version: version, ID: s.NewID("compositor")})
}

// tempFile creates an unlinked temporary file of the given size, closed
// when the session ends.
func tempFile(s *Session, size int64) (*os.File, error) {
	f, err := os.CreateTemp("", "oracle-shm-")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	s.Defer(func() { f.Close() })
	if err := f.Truncate(size); err != nil {
		return nil, fmt.Errorf("truncate shm file: %w", err)
	}
	return f, nil
}

type fdSource func(s *Session) (int, error)

func fileFD(size int64) fdSource {
	return func(s *Session) (int, error) {
		f, err := tempFile(s, size)
		if err != nil {
			return -1, err
		}
		return int(f.Fd()), nil
	}
}

func openFD(path string, flags int) fdSource {
	return func(s *Session) (int, error) {
		fd, err := syscall.Open(path, flags|syscall.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("open %s: %w", path, err)
		}
		s.Defer(func() { syscall.Close(fd) })
		return fd, nil
	}
}

func createPoolFD(s *Session, src fdSource, size int32) error {
	shm, err := s.Bind("wl_shm", 1)
	if err != nil {
		return err
	}
	fd, err := src(s)
	if err != nil {
		return err
	}
	return s.Send(shm, opShmCreatePool, rc.NewID(s.NewID("pool")), rc.FD(fd), size)
}

// newPool creates a pool of poolSize bytes over a fileSize-byte file.
func newPool(s *Session, fileSize int64, poolSize int32) (uint32, *os.File, error) {
	shm, err := s.Bind("wl_shm", 1)
	if err != nil {
		return 0, nil, err
	}
	f, err := tempFile(s, fileSize)
	if err != nil {
		return 0, nil, err
	}
	pool := s.NewID("pool")
	return pool, f, s.Send(shm, opShmCreatePool, rc.NewID(pool), rc.FD(f.Fd()), poolSize)
}

func createBuffer(s *Session, offset, width, height, stride int32, format uint32) error {
	pool, _, err := newPool(s, 4096, 4096)
	if err != nil {
		return err
	}
	return s.Send(pool, opPoolCreateBuffer, rc.NewID(s.NewID("buffer")), offset, width, height, stride, format)
}

func resizePool(s *Session, size int32) error {
	pool, _, err := newPool(s, 4096, 4096)
	if err != nil {
		return err
	}
	return s.Send(pool, opPoolResize, size)
}

// attachCommit creates a surface, attaches buf, damages it whole and
// commits; the oracle reads every byte of the buffer on commit.
func attachCommit(s *Session, buf uint32, w, h int32) error {
	surf, err := newSurface(s, 4)
	if err != nil {
		return err
	}
	if err := s.Send(surf, opSurfaceAttach, buf, int32(0), int32(0)); err != nil {
		return err
	}
	if err := s.Send(surf, opSurfaceDamageBuffer, int32(0), int32(0), w, h); err != nil {
		return err
	}
	return s.Send(surf, opSurfaceCommit)
}
