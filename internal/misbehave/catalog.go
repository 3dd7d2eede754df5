package misbehave

import "golang.org/x/sys/unix"

// Notes shared by many expectations.
const (
	noteFault    = "the read past the end of the file faults; the guard maps zeros over the pool and posts invalid_fd on the wl_buffer when the access ends"
	noteWlrFault = "wlr_shm maps zeros over the pool on SIGBUS and posts no error: the window shows zeros"
	noteGeometry = "create_buffer geometry check (offset, width, height, stride, INT32_MAX/stride, offset+stride*height)"
	noteShrink   = "resize may only grow the pool"
	noteMmapFail = "mmap of the fd fails"
	noteFlood    = "no per-client limit reached; the limits of the abuse issue may change this to wl_display.error no_memory"
)

// catalogScenarios are the wl_shm scenarios of the catalogue, in report order.
func catalogScenarios() []*Scenario {
	return []*Scenario{
		{
			Name:    "shrink-after-map",
			Summary: "truncate a 1 MiB pool to 42 bytes after the compositor mapped it, then draw it (wleird sigbus)",
			Doc: "Unsealed memfd of 1 MiB; create_pool(1 MiB); create_buffer(0, 512x512, stride 2048, ARGB8888); roundtrip, so the " +
				"compositor has mapped the whole file; ftruncate(42); xdg_toplevel, ack the configure; attach, damage_buffer, commit. " +
				"libwayland (Weston) faults on the first read past page 0, recovers and posts wl_shm.error.invalid_fd on the wl_buffer.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteFault),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteFault),
			run:        shrinkAfterMap(42),
		},
		{
			Name:    "shrink-then-disconnect",
			Summary: "as shrink-after-map, but disconnect 300 ms after the commit, before the compositor may have drawn it",
			Doc: "The offender leaves on its own; the question is whether the compositor reads " +
				"the dead client's buffer later without a guard. Weston reads at its next repaint and posts the error in time. Measured: sway 1.7 (wlroots 0.15) dies of SIGBUS after the " +
				"client left, consistent with wlroots 0.15 reading a destroyed wl_buffer's saved pool data outside " +
				"wl_shm_buffer_begin_access (code reading); Weston drops the surface with the client.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, "Weston reads at its next repaint, before the client leaves; "+noteFault),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, "read at the next repaint, before the client leaves; if it left first, survived: the guard still recovers"),
			run:        shrinkThenDisconnect,
		},
		{
			Name:    "shrink-between-frames",
			Summary: "draw a good 512x512 frame, truncate the file to 42 bytes, draw the same buffer again",
			Doc: "As shrink-after-map, but the first commit happens before the truncation and is read correctly; " +
				"the second commit reads the truncated file.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteFault),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteFault),
			run:        shrinkBetweenFrames,
		},
		{
			Name:    "shrink-while-committing",
			Summary: "commit a 512x512 buffer on every frame callback, truncate to 42 bytes right after the tenth commit",
			Doc: "The truncation races with the compositor's read of the tenth frame; either that read or the next one faults. " +
				"Up to 20 frames.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteFault),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteFault),
			run:        shrinkWhileCommitting,
		},
		{
			Name:       "shrink-to-zero",
			Summary:    "as shrink-after-map, but truncate the file to 0 bytes",
			Doc:        "Every page of the pool, including the first, faults.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteFault),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteFault),
			run:        shrinkAfterMap(0),
		},
		{
			Name:    "sealed-resize-beyond-file",
			Summary: "seal a 4 KiB memfd against shrinking, create_pool(4096), resize(1 MiB), draw a buffer past the end of the file",
			Doc: "libwayland decides at create_pool that a pool whose fd has F_SEAL_SHRINK and covers the pool cannot fault, and " +
				"never re-checks on resize: the read past the 4 KiB file is unguarded and SIGBUS kills the compositor " +
				"(libwayland >= 1.20; code reading, anchors-shm.md section 1.5). nofault re-checks the seal on every resize.",
			LibWayland: Want{Result: CompositorDied, Note: "seal fast path not re-checked on resize: unguarded SIGBUS"},
			WlrShm:     survives(noteWlrFault + " (wlr_shm has no seal fast path)"),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, "resize re-checks the seal, the pool falls back to the guarded path; "+noteFault),
			run:        sealedResizeBeyondFile,
		},
		{
			Name:    "destroy-pool-then-truncate",
			Summary: "Weston's bad-buffer test: create a 200x200 buffer, destroy the pool, truncate the file to 12 bytes, draw",
			Doc: "The buffer keeps the pool's mapping alive after wl_shm_pool.destroy; the read faults. Weston's " +
				"tests/bad-buffer-test.c asserts wl_shm.error.invalid_fd on the wl_buffer.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteFault),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteFault),
			run:        destroyPoolThenTruncate,
		},
		{
			Name:       "resize-zero",
			Summary:    "wl_shm_pool.resize(0) on a 1 MiB pool",
			Doc:        "libwayland: \"shrinking pool invalid\" (invalid_fd on the pool). wlr_shm posts invalid_stride. Smithay HEAD panics.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidFD, noteShrink),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteShrink),
			Nofault:    killedBy("wl_shm_pool", codeInvalidFD, noteShrink),
			run:        poolRequest(opPoolResize, int32(0)),
		},
		{
			Name:       "resize-negative",
			Summary:    "wl_shm_pool.resize(-1) on a 1 MiB pool",
			Doc:        "As resize-zero; a negative size must never reach mmap as a huge unsigned length.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidFD, noteShrink),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteShrink),
			Nofault:    killedBy("wl_shm_pool", codeInvalidFD, noteShrink),
			run:        poolRequest(opPoolResize, int32(-1)),
		},
		{
			Name:       "resize-smaller",
			Summary:    "wl_shm_pool.resize(4096) on a 1 MiB pool",
			Doc:        "Shrinking has been forbidden since libwayland 1.5 (fdo#74632).",
			LibWayland: killedBy("wl_shm_pool", codeInvalidFD, noteShrink),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteShrink),
			Nofault:    killedBy("wl_shm_pool", codeInvalidFD, noteShrink),
			run:        poolRequest(opPoolResize, int32(4096)),
		},
		{
			Name:       "create-pool-zero",
			Summary:    "wl_shm.create_pool with size 0",
			Doc:        "Every implementation checks size > 0 first: invalid_stride on wl_shm, \"invalid size (0)\".",
			LibWayland: killedBy("wl_shm", codeInvalidStride, "size <= 0"),
			WlrShm:     killedBy("wl_shm", codeInvalidStride, "size <= 0"),
			Nofault:    killedBy("wl_shm", codeInvalidStride, "size <= 0"),
			run:        createPoolSize(0),
		},
		{
			Name:       "create-pool-negative",
			Summary:    "wl_shm.create_pool with size -4096",
			Doc:        "As create-pool-zero.",
			LibWayland: killedBy("wl_shm", codeInvalidStride, "size <= 0"),
			WlrShm:     killedBy("wl_shm", codeInvalidStride, "size <= 0"),
			Nofault:    killedBy("wl_shm", codeInvalidStride, "size <= 0"),
			run:        createPoolSize(-4096),
		},
		{
			Name:    "create-pool-larger-than-file",
			Summary: "create_pool(1 MiB) on a 4 KiB file, then draw a 256x256 buffer from it",
			Doc: "mmap past the end of a file succeeds, so create_pool is accepted; the read of page 2 faults. " +
				"Nobody fstats at create_pool (Hyprland's partial fix did, and a later truncate still killed it).",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteFault),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteFault),
			run:        createPoolLargerThanFile,
		},
		{
			Name:       "fd-pipe",
			Summary:    "create_pool with the read end of a pipe",
			Doc:        "mmap fails with ENODEV: \"failed mmap fd N: No such device\", invalid_fd on wl_shm.",
			LibWayland: killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			Nofault:    killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			run:        createPoolFD(openPipe),
		},
		{
			Name:       "fd-socket",
			Summary:    "create_pool with a Unix socket",
			Doc:        "mmap fails with ENODEV: invalid_fd on wl_shm.",
			LibWayland: killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			Nofault:    killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			run:        createPoolFD(openSocket),
		},
		{
			Name:       "fd-directory",
			Summary:    "create_pool with an O_RDONLY descriptor of a directory",
			Doc:        "mmap fails: invalid_fd on wl_shm.",
			LibWayland: killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			Nofault:    killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			run:        createPoolFD(openPath("/", unix.O_RDONLY|unix.O_DIRECTORY)),
		},
		{
			Name:       "fd-devnull",
			Summary:    "create_pool with /dev/null opened read-write",
			Doc:        "/dev/null cannot be mapped (ENODEV): invalid_fd on wl_shm.",
			LibWayland: killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			Nofault:    killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			run:        createPoolFD(openPath("/dev/null", unix.O_RDWR)),
		},
		{
			Name:    "fd-readonly",
			Summary: "create_pool with an O_RDONLY descriptor of a 1 MiB file, then draw from it",
			Doc: "libwayland and wlr_shm always map read-write MAP_SHARED, so a read-only fd fails with EACCES: invalid_fd on wl_shm. " +
				"nofault maps pools read-only for reading and accepts it.",
			LibWayland: killedBy("wl_shm", codeInvalidFD, "read-write mmap of a read-only fd fails (EACCES)"),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, "read-write mmap of a read-only fd fails (EACCES)"),
			Nofault:    survives("pools are mapped read-only; a read-only fd is enough"),
			run:        fdReadonly,
		},
		{
			Name:    "no-fd",
			Summary: "a create_pool message with no fd attached (malformed traffic)",
			Doc: "The 16 bytes of create_pool(new_id, size) with no SCM_RIGHTS. libwayland fails to demarshal the fd argument " +
				"and posts \"invalid arguments for wl_shm@N.create_pool\": wl_display.error invalid_method on wl_display.",
			LibWayland: killedBy("wl_display", codeInvalidMethod, "demarshalling finds no fd"),
			WlrShm:     killedBy("wl_display", codeInvalidMethod, "demarshalling finds no fd (libwayland core)"),
			Nofault:    killedBy("wl_display", codeInvalidMethod, "demarshalling finds no fd"),
			run:        noFD,
		},
		{
			Name:       "buffer-negative-offset",
			Summary:    "create_buffer with offset -4096 on a 1 MiB pool",
			Doc:        "invalid_stride on the pool: \"invalid width, height or stride\".",
			LibWayland: killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			run:        badBuffer(bigSize, -4096, 64, 64, 256, formatARGB8888),
		},
		{
			Name:       "buffer-zero-width",
			Summary:    "create_buffer 0x64 with stride 256",
			Doc:        "invalid_stride on the pool.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			run:        badBuffer(bigSize, 0, 0, 64, 256, formatARGB8888),
		},
		{
			Name:       "buffer-negative-width",
			Summary:    "create_buffer -64x64 with stride 256",
			Doc:        "invalid_stride on the pool.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			run:        badBuffer(bigSize, 0, -64, 64, 256, formatARGB8888),
		},
		{
			Name:       "buffer-zero-height",
			Summary:    "create_buffer 64x0 with stride 256",
			Doc:        "invalid_stride on the pool.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			run:        badBuffer(bigSize, 0, 64, 0, 256, formatARGB8888),
		},
		{
			Name:       "buffer-negative-height",
			Summary:    "create_buffer 64x-64 with stride 256",
			Doc:        "invalid_stride on the pool.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			run:        badBuffer(bigSize, 0, 64, -64, 256, formatARGB8888),
		},
		{
			Name:       "buffer-negative-stride",
			Summary:    "create_buffer 64x64 with stride -256",
			Doc:        "stride < width: invalid_stride on the pool.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			run:        badBuffer(bigSize, 0, 64, 64, -256, formatARGB8888),
		},
		{
			Name:    "buffer-stride-lt-width4",
			Summary: "create_buffer 64x64 ARGB8888 with stride 128 (>= width, < width*4), then draw it",
			Doc: "libwayland only checks stride >= width, so it accepts the buffer and a renderer reads 256 bytes per 128-byte row " +
				"(inside the pool here). wlroots and nofault check stride >= width*bpp.",
			LibWayland: survives("libwayland has no bytes-per-pixel stride check"),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, "stride < width*bpp"),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, "stride < width*bpp"),
			run:        badBuffer(bigSize, 0, 64, 64, 128, formatARGB8888),
		},
		{
			Name:       "buffer-stride-not-multiple-4",
			Summary:    "create_buffer 64x64 ARGB8888 with stride 258, then draw it",
			Doc:        "libwayland accepts it; wlroots and nofault require a multiple of the pixel size.",
			LibWayland: survives("libwayland has no bytes-per-pixel stride check"),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, "stride not a multiple of bpp"),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, "stride not a multiple of bpp"),
			run:        badBuffer(bigSize, 0, 64, 64, 258, formatARGB8888),
		},
		{
			Name:       "buffer-int32-overflow",
			Summary:    "create_buffer 1x65536 with stride 65536 (stride*height = 2^32)",
			Doc:        "INT32_MAX / stride < height: invalid_stride on the pool, before any multiplication can overflow.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			run:        badBuffer(bigSize, 0, 1, 65536, 65536, formatARGB8888),
		},
		{
			Name:       "buffer-past-pool",
			Summary:    "create_buffer 64x64 (16 KiB) at offset 8192 on a 16 KiB pool",
			Doc:        "offset + stride*height > pool size: invalid_stride on the pool.",
			LibWayland: killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			Nofault:    killedBy("wl_shm_pool", codeInvalidStride, noteGeometry),
			run:        badBuffer(16384, 8192, 64, 64, 256, formatARGB8888),
		},
		{
			Name:       "buffer-unknown-format",
			Summary:    "create_buffer with format 0x12345678",
			Doc:        "libwayland checks the format first: invalid_format on the pool, \"invalid format 0x12345678\".",
			LibWayland: killedBy("wl_shm_pool", codeInvalidFormat, "format not advertised"),
			WlrShm:     killedBy("wl_shm_pool", codeInvalidFormat, "format not advertised"),
			Nofault:    killedBy("wl_shm_pool", codeInvalidFormat, "format not advertised"),
			run:        badBuffer(bigSize, 0, 64, 64, 256, 0x12345678),
		},
		{
			Name:    "pool-flood-one-fd",
			Summary: "10,000 create_pool(4096) from one fd, then destroy them (wleird resource-thief shmpool)",
			Doc: "Each pool is a new mapping and a received fd. libwayland closes the fd after mmap, so only mappings pile up " +
				"(65,530 is the system's map limit). Bounded at 10,000 pools or 15 s.",
			LibWayland: survives(noteFlood),
			WlrShm:     survives(noteFlood),
			Nofault:    killedBy("wl_display", codeNoMemory, "each pool holds its fd and a mapping: max_fds or max_pools (1,024 per client) ends the client with no_memory"),
			run:        poolFloodOneFD,
		},
		{
			Name:       "buffer-flood",
			Summary:    "100,000 1x1 buffers from one pool",
			Doc:        "100,000 objects in about 3 MB of requests; bounded at 15 s.",
			LibWayland: survives(noteFlood),
			WlrShm:     survives(noteFlood),
			Nofault:    killedBy("wl_display", codeNoMemory, "past max_buffers_per_pool (4,096) the client gets no_memory, as libwayland's wl_client_post_no_memory"),
			run:        bufferFloodOnePool,
		},
		{
			Name:    "attach-destroyed-buffer",
			Summary: "destroy a wl_buffer, roundtrip, then attach its dead id",
			Doc: "The id no longer names an object: libwayland posts \"invalid arguments for wl_surface@N.attach\", " +
				"wl_display.error invalid_method on wl_display.",
			LibWayland: killedBy("wl_display", codeInvalidMethod, "argument names a destroyed object"),
			WlrShm:     killedBy("wl_display", codeInvalidMethod, "argument names a destroyed object (libwayland core)"),
			Nofault:    killedBy("wl_display", codeInvalidMethod, "argument names a destroyed object"),
			run:        attachDestroyedBuffer,
		},
		{
			Name:    "destroy-buffer-after-attach",
			Summary: "attach a buffer whose pool is gone, destroy the wl_buffer, then commit",
			Doc: "Legal: the surface content is undefined. libwayland before 1.24 dropped the buffer under the compositor; " +
				"Weston shows nothing.",
			LibWayland: survives("legal request sequence"),
			WlrShm:     survives("legal request sequence"),
			Nofault:    survives("legal request sequence"),
			run:        destroyBufferAfterAttach,
		},
		{
			Name:       "damage-int32-max",
			Summary:    "commit with damage and damage_buffer rectangles of INT32_MAX size at 0, INT32_MAX, -INT32_MAX and INT32_MIN",
			Doc:        "Legal arguments; a compositor must clamp the damage without overflowing (wleird gamma-blend damages INT32_MAX rects).",
			LibWayland: survives("legal request"),
			WlrShm:     survives("legal request"),
			Nofault:    survives("legal request"),
			run:        damageInt32Max,
		},
		{
			Name:       "memfd-flood",
			Summary:    "256 create_pool from fresh 64 MiB memfds (16 GiB of address space), then destroy them",
			Doc:        "Memory is never touched, so it costs address space, mappings and fds, not RAM. Bounded at 256 pools or 15 s.",
			LibWayland: survives(noteFlood),
			WlrShm:     survives(noteFlood),
			Nofault:    killedBy("wl_display", codeNoMemory, "max_mapped_bytes (4 GiB of pools per client) is reached at the 65th pool"),
			run:        memfdFlood,
		},
	}
}
