package misbehave

// Pool fds of every kind a client can pass (issue 18), files whose blocks
// run out under the compositor (in-file holes on a full tmpfs) and files
// that another process truncates and regrows while the compositor reads.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

const (
	noteMapsZeros  = "mmap of the fd succeeds: the pool is valid and the window shows its bytes"
	noteWriteSeal  = "a write seal forbids the read-write shared mapping libwayland makes (EPERM)"
	noteReadOnly   = "pools are mapped read-only; a write-sealed fd maps"
	noteHoleFull   = "the read of a hole needs a new tmpfs page and the full tmpfs has none: the fault is SIGBUS (ENOSPC)"
	noteRegrowRace = "a read that meets the file shrunk faults; the guard posts invalid_fd although the file grows back"
)

// tmpfsSize is the size of the tmpfs tmpfs-hole-full mounts.
const tmpfsSize = 256 << 10

// regrowFrames bounds truncate-regrow-loop: it commits until the compositor
// disconnects it or this many frames (or regrowTime) have passed.
const (
	regrowFrames = 400
	regrowTime   = 10 * time.Second
)

// fdKindScenarios are the scenarios of odd descriptors and files, in
// report order.
func fdKindScenarios() []*Scenario {
	var ss []*Scenario
	// Descriptors mmap refuses: each is create_pool(4096) then a roundtrip.
	for _, k := range []struct {
		name, summary, doc string
		open               func() (int, func(), error)
	}{
		{"fd-eventfd", "create_pool with an eventfd", "eventfd has no mmap: ENODEV.", openEventfd},
		{"fd-timerfd", "create_pool with a timerfd", "timerfd has no mmap: ENODEV.", openTimerfd},
		{"fd-epoll", "create_pool with an epoll descriptor", "epoll has no mmap: ENODEV.", openEpoll},
		{"fd-pidfd", "create_pool with a pidfd of the client itself", "A pidfd has no mmap: ENODEV.", openPidfd},
		{"fd-inotify", "create_pool with an inotify descriptor", "inotify has no mmap (ENODEV; a read-write mmap fails first with EACCES, as the fd is read-only).", openInotify},
		{"fd-o-path", "create_pool with an O_PATH descriptor of a regular file", "An O_PATH fd passes through SCM_RIGHTS but mmap fails with EBADF.", openOPath},
		{"fd-procfs", "create_pool with /proc/self/status opened read-only", "procfs files have no mmap (ENODEV; libwayland's read-write mmap fails first with EACCES).", openPath("/proc/self/status", unix.O_RDONLY)},
	} {
		ss = append(ss, &Scenario{
			Name:       k.name,
			Summary:    k.summary,
			Doc:        k.doc + " invalid_fd on wl_shm, \"failed mmap fd N: ...\".",
			LibWayland: killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			Nofault:    killedBy("wl_shm", codeInvalidFD, noteMmapFail),
			run:        createPoolFD(k.open),
		})
	}
	return append(ss, []*Scenario{
		{
			Name:    "fd-dev-zero",
			Summary: "create_pool(1 MiB) with /dev/zero opened read-write, then draw a 512x512 buffer from it",
			Doc: "A shared mapping of /dev/zero is anonymous shared memory: valid, all zeros, and it cannot shrink. Every " +
				"implementation accepts it.",
			LibWayland: survives(noteMapsZeros),
			WlrShm:     survives(noteMapsZeros),
			Nofault:    survives(noteMapsZeros),
			run:        drawFromFD(openPath("/dev/zero", unix.O_RDWR)),
		},
		{
			Name:    "fd-disk-file",
			Summary: "create_pool(1 MiB) with a regular file on disk (/var/tmp), then draw a 512x512 buffer from it",
			Doc: "Not tmpfs: the pages come from the page cache of a disk file system. Valid; the compositor's reads may wait " +
				"for the disk.",
			LibWayland: survives(noteMapsZeros),
			WlrShm:     survives(noteMapsZeros),
			Nofault:    survives(noteMapsZeros),
			run:        drawFromFD(openDiskFile),
		},
		{
			Name:    "fd-memfd-write-sealed",
			Summary: "create_pool(1 MiB) with a memfd sealed F_SEAL_WRITE, then draw a 512x512 buffer from it",
			Doc: "The content can never change, which is what a compositor would like; but libwayland and wlr_shm map every " +
				"pool PROT_READ|PROT_WRITE MAP_SHARED, which the seal forbids.",
			LibWayland: killedBy("wl_shm", codeInvalidFD, noteWriteSeal),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, noteWriteSeal),
			Nofault:    survives(noteReadOnly),
			run:        drawFromFD(openSealedMemfd(unix.F_SEAL_WRITE)),
		},
		{
			Name:       "fd-memfd-future-write-sealed",
			Summary:    "create_pool(1 MiB) with a memfd sealed F_SEAL_FUTURE_WRITE, then draw a 512x512 buffer from it",
			Doc:        "As fd-memfd-write-sealed, with the seal that still lets the client write through its own earlier mapping.",
			LibWayland: killedBy("wl_shm", codeInvalidFD, noteWriteSeal),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, noteWriteSeal),
			Nofault:    survives(noteReadOnly),
			run:        drawFromFD(openSealedMemfd(unix.F_SEAL_FUTURE_WRITE)),
		},
		{
			Name:    "fd-memfd-all-seals",
			Summary: "create_pool(1 MiB) with a memfd sealed shrink, grow, write and seal, then draw a 512x512 buffer from it",
			Doc: "The safest pool a client can give: it cannot fault and cannot change. libwayland and wlr_shm refuse it " +
				"(write seal); nofault reads it without a guard (sealed strategy, --shm-read=auto).",
			LibWayland: killedBy("wl_shm", codeInvalidFD, noteWriteSeal),
			WlrShm:     killedBy("wl_shm", codeInvalidFD, noteWriteSeal),
			Nofault:    survives(noteReadOnly + "; F_SEAL_SHRINK and a file that covers the pool: no guard needed"),
			run:        drawFromFD(openSealedMemfd(unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL)),
		},
		{
			Name:    "tmpfs-hole-full",
			Summary: "a sparse 1 MiB file on a 256 KiB tmpfs that another file has filled, drawn as a 512x512 buffer",
			Doc: "The file is as large as the pool, so nothing is read past its end; but its pages are holes, and a read fault " +
				"on a tmpfs hole allocates a page, which the full tmpfs refuses: SIGBUS inside the file. Mounting the tmpfs " +
				"needs root (CAP_SYS_ADMIN); elsewhere the scenario is skipped with the reason.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteHoleFull),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteHoleFull+"; "+noteFault),
			run:        tmpfsHoleFull,
		},
		{
			Name:    "truncate-regrow-loop",
			Summary: "commit a 512x512 buffer every frame while another process truncates the file to 0 and regrows it to 1 MiB in a loop",
			Doc: "The file is the pool's size about half of the time; a read that meets it shrunk faults. The other process " +
				"(perl, from Debian's perl-base) holds the memfd as fd 3. Up to 400 frames or 10 s; the scenario ends at the " +
				"first error.",
			LibWayland: killedBy("wl_buffer", codeInvalidFD, noteRegrowRace),
			WlrShm:     survives(noteWlrFault),
			Nofault:    killedBy("wl_buffer", codeInvalidFD, noteRegrowRace),
			run:        truncateRegrowLoop,
		},
	}...)
}

func openEventfd() (int, func(), error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return -1, nil, fmt.Errorf("eventfd: %w", err)
	}
	return fd, func() { unix.Close(fd) }, nil
}

func openTimerfd() (int, func(), error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC)
	if err != nil {
		return -1, nil, fmt.Errorf("timerfd_create: %w", err)
	}
	return fd, func() { unix.Close(fd) }, nil
}

func openEpoll() (int, func(), error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return -1, nil, fmt.Errorf("epoll_create1: %w", err)
	}
	return fd, func() { unix.Close(fd) }, nil
}

func openPidfd() (int, func(), error) {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return -1, nil, fmt.Errorf("pidfd_open: %w", err)
	}
	return fd, func() { unix.Close(fd) }, nil
}

func openInotify() (int, func(), error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return -1, nil, fmt.Errorf("inotify_init1: %w", err)
	}
	return fd, func() { unix.Close(fd) }, nil
}

func openOPath() (int, func(), error) {
	fd, err := tempFile(bigSize, unix.O_PATH)
	if err != nil {
		return -1, nil, err
	}
	return fd, func() { unix.Close(fd) }, nil
}

// openDiskFile opens an unlinked 1 MiB regular file under /var/tmp (a disk
// file system on Debian), filled with an opaque colour.
func openDiskFile() (int, func(), error) {
	var st unix.Statfs_t
	if err := unix.Statfs("/var/tmp", &st); err != nil {
		return -1, nil, fmt.Errorf("statfs /var/tmp: %w", err)
	}
	if st.Type == unix.TMPFS_MAGIC {
		return -1, nil, errors.New("/var/tmp is a tmpfs here, not a disk file system")
	}
	f, err := os.CreateTemp("/var/tmp", "misbehave-*")
	if err != nil {
		return -1, nil, err
	}
	os.Remove(f.Name())
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return -1, nil, err
	}
	if err := unix.Ftruncate(fd, bigSize); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	if err := fill(fd, bigSize, 0xff305070); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	return fd, func() { unix.Close(fd) }, nil
}

// openSealedMemfd returns a filled 1 MiB memfd with seals added.
func openSealedMemfd(seals int) func() (int, func(), error) {
	return func() (int, func(), error) {
		fd, err := newMemfd(bigSize, true)
		if err != nil {
			return -1, nil, err
		}
		if err := fill(fd, bigSize, 0xff507030); err != nil {
			unix.Close(fd)
			return -1, nil, err
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
			unix.Close(fd)
			return -1, nil, fmt.Errorf("F_ADD_SEALS %#x: %w", seals, err)
		}
		return fd, func() { unix.Close(fd) }, nil
	}
}

// drawFromFD creates a 1 MiB pool on the fd from open and, if the
// compositor accepts it, draws a 512x512 XRGB buffer from it.
func drawFromFD(open func() (int, func(), error)) func(*env) error {
	return func(e *env) error {
		c, err := e.offender(true)
		if err != nil {
			return err
		}
		defer c.close()
		fd, cleanup, err := open()
		if err != nil {
			return skipf("%v", err)
		}
		defer cleanup()
		pool := c.createPool(fd, bigSize)
		buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatXRGB8888)
		if err := c.roundtrip(e.timeout); err != nil {
			return err
		}
		return c.showAndSettle("misbehave fd kind", buf, bigW, bigH, e.timeout)
	}
}

// tmpfsHoleFull: see the scenario's Doc.
func tmpfsHoleFull(e *env) error {
	dir, err := os.MkdirTemp("", "misbehave-tmpfs-")
	if err != nil {
		return skipf("%v", err)
	}
	defer os.Remove(dir)
	if err := unix.Mount("misbehave", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC,
		"size="+strconv.Itoa(tmpfsSize)+",mode=0700"); err != nil {
		return skipf("mount -t tmpfs -o size=%d: %v (needs root or CAP_SYS_ADMIN)", tmpfsSize, err)
	}
	// Lazily: the compositor may still hold the pool's fd.
	defer unix.Unmount(dir, unix.MNT_DETACH)

	open := func(name string) (int, error) {
		p := filepath.Join(dir, name)
		fd, err := unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return -1, fmt.Errorf("open %s: %w", p, err)
		}
		unix.Unlink(p)
		return fd, nil
	}
	fd, err := open("pool")
	if err != nil {
		return skipf("%v", err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, bigSize); err != nil { // sparse: no blocks
		return skipf("ftruncate: %v", err)
	}
	filler, err := open("filler")
	if err != nil {
		return skipf("%v", err)
	}
	defer unix.Close(filler)
	page := make([]byte, 4096)
	for off := int64(0); ; off += int64(len(page)) {
		if _, err := unix.Pwrite(filler, page, off); errors.Is(err, unix.ENOSPC) {
			break
		} else if err != nil {
			return skipf("filling the tmpfs: %v", err)
		}
		if off > 2*tmpfsSize {
			return skipf("the tmpfs did not fill up at %d bytes", off)
		}
	}

	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	pool := c.createPool(fd, bigSize)
	buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatXRGB8888)
	if err := c.roundtrip(e.timeout); err != nil {
		return err
	}
	return c.showAndSettle("misbehave tmpfs hole", buf, bigW, bigH, e.timeout)
}

// regrowScript truncates fd 3 to 0 and back to its size in a loop, with a
// pause of 0.2 ms after each, until killed. perl-base is essential on
// Debian; one process, no fork per truncation.
const regrowScript = `open(my $f, "+<&=", 3) or die "fd 3: $!"; my $n = $ARGV[0];
while (1) { truncate($f, 0); select(undef, undef, undef, 0.0002); truncate($f, $n); select(undef, undef, undef, 0.0002); }`

// truncateRegrowLoop: see the scenario's Doc.
func truncateRegrowLoop(e *env) error {
	perl, err := exec.LookPath("perl")
	if err != nil {
		return skipf("no perl to run the truncating process: %v", err)
	}
	c, err := e.offender(true)
	if err != nil {
		return err
	}
	defer c.close()
	return withMemfd(bigSize, func(fd int) error {
		fill(fd, bigSize, 0xff604020)
		pool := c.createPool(fd, bigSize)
		buf := c.createBuffer(pool, 0, bigW, bigH, bigStride, formatXRGB8888)
		win, err := c.mapWindow("misbehave regrow", e.timeout)
		if err != nil {
			return err
		}
		dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return skipf("dup: %v", err)
		}
		f := os.NewFile(uintptr(dup), "memfd") // the child's fd 3
		cmd := exec.Command(perl, "-e", regrowScript, strconv.Itoa(bigSize))
		cmd.ExtraFiles = []*os.File{f}
		err = cmd.Start()
		f.Close()
		if err != nil {
			return skipf("starting the truncating process: %v", err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		stop := time.Now().Add(regrowTime)
		var cb uint32
		for frame := 0; frame < regrowFrames && time.Now().Before(stop); frame++ {
			if cb, err = c.present(win, buf, bigW, bigH); err != nil {
				return err
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
		cmd.Process.Kill()
		cmd.Wait()
		return c.settle(win, buf, bigW, bigH, cb, e.timeout)
	})
}
