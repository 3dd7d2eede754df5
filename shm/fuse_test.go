package shm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stallFS is a minimal FUSE file system served by the test itself: one
// regular file "f" of 1 MiB whose reads are answered only once release
// is closed, as a hostile client's own FUSE server would (or never).
// It needs root (mount(2) with fd=) and /dev/fuse.
type stallFS struct {
	dir     string
	dev     int
	release chan struct{}
	reads   chan struct{} // one value per READ request received
	wg      sync.WaitGroup
	once    sync.Once
}

const (
	fuseLookup  = 1
	fuseForget  = 2
	fuseGetattr = 3
	fuseOpen    = 14
	fuseRead    = 15
	fuseStatfs  = 17
	fuseRelease = 18
	fuseFlush   = 25
	fuseInit    = 26
	fuseDestroy = 38
	fuseBForget = 42

	fuseFileSize = 1 << 20
)

func mountStallFS(t *testing.T) *stallFS {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("mounting a FUSE file system needs root")
	}
	dev, err := unix.Open("/dev/fuse", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no /dev/fuse: %v", err)
	}
	dir := t.TempDir()
	opts := fmt.Sprintf("fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", dev)
	if err := unix.Mount("nofault-stall", dir, "fuse.nofault-stall", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		unix.Close(dev)
		t.Skipf("cannot mount FUSE here: %v", err)
	}
	fs := &stallFS{dir: dir, dev: dev, release: make(chan struct{}), reads: make(chan struct{}, 1024)}
	fs.wg.Add(1)
	go fs.serve()
	t.Cleanup(fs.unmount)
	return fs
}

func (fs *stallFS) unmount() {
	fs.once.Do(func() {
		select {
		case <-fs.release:
		default:
			close(fs.release)
		}
		unix.Unmount(fs.dir, unix.MNT_DETACH)
		// Closing the device aborts the connection: the server's read
		// ends with ENODEV.
		unix.Close(fs.dev)
		fs.wg.Wait()
	})
}

func (fs *stallFS) serve() {
	defer fs.wg.Done()
	buf := make([]byte, 1<<17+4096)
	var pending sync.WaitGroup
	defer pending.Wait()
	for {
		n, err := unix.Read(fs.dev, buf)
		if err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ENOENT) {
				continue
			}
			return // ENODEV: unmounted
		}
		if n < 40 {
			continue
		}
		in := buf[:n]
		op := binary.LittleEndian.Uint32(in[4:])
		unique := binary.LittleEndian.Uint64(in[8:])
		node := binary.LittleEndian.Uint64(in[16:])
		switch op {
		case fuseInit:
			out := make([]byte, 64)
			le := binary.LittleEndian
			le.PutUint32(out[0:], 7)      // major
			le.PutUint32(out[4:], 31)     // minor
			le.PutUint32(out[8:], 0)      // max_readahead
			le.PutUint32(out[12:], 0)     // flags
			le.PutUint32(out[20:], 1<<17) // max_write
			le.PutUint32(out[24:], 1)     // time_gran
			le.PutUint16(out[28:], 32)    // max_pages
			fs.reply(unique, 0, out)
		case fuseLookup:
			name := string(in[40 : n-1])
			if node != 1 || name != "f" {
				fs.reply(unique, -int32(unix.ENOENT), nil)
				continue
			}
			out := make([]byte, 40+88)
			binary.LittleEndian.PutUint64(out[0:], 2) // nodeid
			binary.LittleEndian.PutUint64(out[16:], 3600)
			binary.LittleEndian.PutUint64(out[24:], 3600)
			putAttr(out[40:], 2)
			fs.reply(unique, 0, out)
		case fuseGetattr:
			out := make([]byte, 16+88)
			binary.LittleEndian.PutUint64(out[0:], 3600)
			putAttr(out[16:], node)
			fs.reply(unique, 0, out)
		case fuseOpen:
			fs.reply(unique, 0, make([]byte, 16))
		case fuseRead:
			size := binary.LittleEndian.Uint32(in[40+16:])
			select {
			case fs.reads <- struct{}{}:
			default:
			}
			pending.Add(1)
			go func() {
				defer pending.Done()
				<-fs.release
				fs.reply(unique, 0, make([]byte, size))
			}()
		case fuseStatfs:
			fs.reply(unique, 0, make([]byte, 80))
		case fuseRelease, fuseFlush:
			fs.reply(unique, 0, nil)
		case fuseForget, fuseBForget:
			// no reply
		case fuseDestroy:
			fs.reply(unique, 0, nil)
			return
		default:
			fs.reply(unique, -int32(unix.ENOSYS), nil)
		}
	}
}

func putAttr(b []byte, node uint64) {
	le := binary.LittleEndian
	le.PutUint64(b[0:], node)
	if node == 1 {
		le.PutUint32(b[60:], unix.S_IFDIR|0o755)
		le.PutUint32(b[64:], 2)
		return
	}
	le.PutUint64(b[8:], fuseFileSize)
	le.PutUint64(b[16:], fuseFileSize/512)
	le.PutUint32(b[60:], unix.S_IFREG|0o644)
	le.PutUint32(b[64:], 1)
	le.PutUint32(b[80:], 4096) // blksize
}

func (fs *stallFS) reply(unique uint64, errno int32, data []byte) {
	out := make([]byte, 16+len(data))
	binary.LittleEndian.PutUint32(out[0:], uint32(len(out)))
	binary.LittleEndian.PutUint32(out[4:], uint32(errno))
	binary.LittleEndian.PutUint64(out[8:], unique)
	copy(out[16:], data)
	unix.Write(fs.dev, out)
}

// TestPoolOnStallingFUSEFileRefused is issue 16's stalled FUSE pool: a
// client passes an fd of a file on a FUSE file system whose reads never
// answer. Before the fix the pool was mapped and the first read of a
// buffer (inside wl_surface.commit, under the display lock) froze the
// whole compositor for as long as the server stalled. Now create_pool
// refuses the fd at once with invalid_fd, without a single request to the
// server (fstatfs and fstat would make one).
func TestPoolOnStallingFUSEFileRefused(t *testing.T) {
	fs := mountStallFS(t)
	fd, err := unix.Open(filepath.Join(fs.dir, "f"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open the FUSE file: %v", err)
	}
	start := time.Now()
	type result struct {
		p   *Pool
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := NewPool(fd, fuseFileSize, Options{Mode: ReadGuarded, Counters: &testCounters})
		if err == nil {
			// What the compositor does with a committed buffer.
			err = p.Read(func(b []byte) error { load(b, 0); return nil })
		}
		done <- result{p, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-fs.reads:
		// The pool was mapped and its read is waiting on the server:
		// that is the freeze. Let the server answer to end the test.
		fs.unmount()
		r = <-done
		if r.p != nil {
			r.p.Close()
		}
		t.Fatalf("a pool on a FUSE file was accepted and its read stalled on the server (answered after the test released it, %v)", time.Since(start))
	}
	var e *Error
	if !errors.Is(r.err, ErrFileSystem) || !errors.As(r.err, &e) || e.Code != InvalidFD {
		if r.p != nil {
			r.p.Close()
		}
		t.Fatalf("NewPool on a FUSE file = %v, want invalid_fd wrapping ErrFileSystem", r.err)
	}
	t.Logf("refused in %v: %s", time.Since(start), e.Msg)
	if unix.Close(fd) != unix.EBADF {
		t.Error("fd not closed on error")
	}
}

// TestPoolFileSystems: pools on shared memory and on a local disk file
// system are accepted as before (the refusal is only for file systems a
// process or the network serves).
func TestPoolFileSystems(t *testing.T) {
	files := map[string]string{"temp dir": t.TempDir()}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		files["/dev/shm"] = "/dev/shm"
	}
	for name, dir := range files {
		t.Run(name, func(t *testing.T) {
			f, err := os.CreateTemp(dir, "nofault-pool-*")
			if err != nil {
				t.Skip(err)
			}
			defer os.Remove(f.Name())
			defer f.Close()
			if err := f.Truncate(mib); err != nil {
				t.Fatal(err)
			}
			fd, err := unix.Dup(int(f.Fd()))
			if err != nil {
				t.Fatal(err)
			}
			var st unix.Statfs_t
			unix.Fstatfs(fd, &st)
			p, err := NewPool(fd, mib, Options{Counters: &testCounters})
			if err != nil {
				t.Fatalf("pool on %s (f_type %#x) refused: %v", dir, st.Type, err)
			}
			p.Close()
		})
	}
	t.Run("memfd", func(t *testing.T) {
		fd := memfd(t, mib, 1, false)
		p, err := NewPool(fd, mib, Options{Counters: &testCounters})
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
	})
}
