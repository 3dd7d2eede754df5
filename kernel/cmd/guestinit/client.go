package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"golang.org/x/sys/unix"
)

// The demo's kernel scenarios: clients run as "/init -client NAME" after
// "--" in a scenario line. Each prints one JSON outcome line (the shape of
// misbehave's: scenario, result, error, detail) and exits 0.
//
//	hole-full-tmpfs   a pool whose file has a hole inside EOF on a full
//	                  tmpfs (mounted by the client): reading the hole faults
//	                  on a stock kernel (-ENOSPC), reads zeros with
//	                  MAP_NOSIGBUS v2.
//	shrink-grow-race  a 1 MiB memfd pool that a goroutine keeps shrinking
//	                  to 42 bytes and growing back while the client commits
//	                  frames: a read may find the file either way.
var clientScenarios = map[string]func(*wlClient) (string, error){
	"hole-full-tmpfs":  holeFullTmpfs,
	"shrink-grow-race": shrinkGrowRace,
}

const (
	poolW, poolH  = 256, 256
	poolStride    = poolW * 4
	poolBytes     = poolStride * poolH // 256 KiB
	clientTimeout = 20 * time.Second
	raceFrames    = 60
)

type clientOutcome struct {
	Scenario string          `json:"scenario"`
	Result   string          `json:"result"` // survived, disconnected, disconnected-no-error, skipped
	Error    json.RawMessage `json:"error,omitempty"`
	Detail   string          `json:"detail,omitempty"`
}

func runClient(name string) int {
	out := clientOutcome{Scenario: name}
	run, ok := clientScenarios[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown client scenario %q\n", name)
		return 2
	}
	c, err := dialClient()
	if err == nil {
		out.Detail, err = run(c)
		c.conn.Close()
	}
	var pe *rawclient.ProtocolError
	var skip skipError
	switch {
	case err == nil:
		out.Result = "survived"
	case errors.As(err, &pe):
		out.Result = "disconnected"
		iface := c.ifaces[pe.ObjectID]
		out.Error, _ = json.Marshal(map[string]any{"interface": iface, "code": pe.Code, "message": pe.Message})
	case errors.As(err, &skip):
		out.Result, out.Detail = "skipped", err.Error()
	case errors.Is(err, rawclient.ErrDisconnected):
		out.Result, out.Detail = "disconnected-no-error", err.Error()
	default:
		out.Result, out.Detail = "error", err.Error()
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	return 0
}

type skipError struct{ error }

// wlClient is a minimal xdg-shell client on internal/rawclient.
type wlClient struct {
	conn                     *rawclient.Conn
	compositor, shm, wm      uint32
	surface, xdgSurf, toplvl uint32
	ifaces                   map[uint32]string // object id -> interface, for errors
	configured               bool
}

func dialClient() (*wlClient, error) {
	conn, err := rawclient.DialEnv()
	if err != nil {
		return nil, err
	}
	c := &wlClient{conn: conn, ifaces: map[uint32]string{rawclient.DisplayID: "wl_display"}}
	if _, err := conn.Globals(clientTimeout); err != nil {
		return c, err
	}
	for _, b := range []struct {
		iface string
		ver   uint32
		id    *uint32
	}{{"wl_compositor", 4, &c.compositor}, {"wl_shm", 1, &c.shm}, {"xdg_wm_base", 1, &c.wm}} {
		if *b.id, err = conn.BindGlobal(b.iface, b.ver); err != nil {
			return c, err
		}
		c.ifaces[*b.id] = b.iface
	}
	return c, nil
}

func (c *wlClient) newObj(iface string) uint32 {
	id := c.conn.NewID()
	c.ifaces[id] = iface
	return id
}

// mapWindow creates an xdg_toplevel and waits for its first configure.
func (c *wlClient) mapWindow() error {
	c.surface = c.newObj("wl_surface")
	c.xdgSurf = c.newObj("xdg_surface")
	c.toplvl = c.newObj("xdg_toplevel")
	for _, err := range []error{
		c.conn.Send(c.compositor, 0, rawclient.NewID(c.surface)),
		c.conn.Send(c.wm, 2, rawclient.NewID(c.xdgSurf), c.surface),
		c.conn.Send(c.xdgSurf, 1, rawclient.NewID(c.toplvl)),
		c.conn.Send(c.toplvl, 2, "nofault kernel demo"),
		c.conn.Send(c.surface, 6), // commit
	} {
		if err != nil {
			return err
		}
	}
	return c.waitFor(func() bool { return c.configured }, 0)
}

// waitFor reads events until cond holds; done is a callback id whose done
// event also ends the wait (0: none). Protocol errors end it with a
// *rawclient.ProtocolError.
func (c *wlClient) waitFor(cond func() bool, done uint32) error {
	deadline := time.Now().Add(clientTimeout)
	for !cond() {
		left := time.Until(deadline)
		if left <= 0 {
			return errors.New("timed out waiting for the compositor")
		}
		ev, err := c.conn.ReadEvent(left)
		if err != nil {
			return err
		}
		if pe, ok := rawclient.AsProtocolError(ev); ok {
			return pe
		}
		switch {
		case ev.Object == c.wm && ev.Opcode == 0: // xdg_wm_base.ping
			if err := c.conn.Send(c.wm, 3, ev.Uint(0)); err != nil {
				return err
			}
		case ev.Object == c.xdgSurf && ev.Opcode == 0: // xdg_surface.configure
			if err := c.conn.Send(c.xdgSurf, 4, ev.Uint(0)); err != nil {
				return err
			}
			c.configured = true
		case done != 0 && ev.Object == done:
			return nil
		}
	}
	return nil
}

// present attaches buf, damages it, commits with a frame callback and waits
// for the callback (the compositor has drawn, so read, the buffer).
func (c *wlClient) present(buf uint32) error {
	cb := c.newObj("wl_callback")
	for _, err := range []error{
		c.conn.Send(c.surface, 1, buf, int32(0), int32(0)),
		c.conn.Send(c.surface, 9, int32(0), int32(0), int32(poolW), int32(poolH)),
		c.conn.Send(c.surface, 3, rawclient.NewID(cb)),
		c.conn.Send(c.surface, 6),
	} {
		if err != nil {
			return err
		}
	}
	return c.waitFor(func() bool { return false }, cb)
}

func (c *wlClient) pool(fd int, size int32) (pool, buf uint32, err error) {
	pool = c.newObj("wl_shm_pool")
	buf = c.newObj("wl_buffer")
	if err = c.conn.Send(c.shm, 0, rawclient.NewID(pool), rawclient.FD(fd), size); err != nil {
		return
	}
	err = c.conn.Send(pool, 0, rawclient.NewID(buf), int32(0), int32(poolW), int32(poolH), int32(poolStride), uint32(0)) // ARGB8888
	return
}

func fill(fd int, off int64, n int, v byte) error {
	b := make([]byte, n)
	for i := range b {
		b[i] = v
	}
	_, err := unix.Pwrite(fd, b, off)
	return err
}

// holeFullTmpfs mounts a 1 MiB tmpfs, writes the first page of a 256 KiB
// file (the rest is a hole), fills the tmpfs, and presents a buffer
// covering the whole file three times.
func holeFullTmpfs(c *wlClient) (string, error) {
	dir := "/tmp/nofault-holefs"
	os.MkdirAll(dir, 0o755)
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		return "", skipError{fmt.Errorf("mount tmpfs (needs root): %w", err)}
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	f, err := os.OpenFile(filepath.Join(dir, "pool"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fd := int(f.Fd())
	if err := fill(fd, 0, os.Getpagesize(), 0xff); err != nil {
		return "", err
	}
	if err := unix.Ftruncate(fd, poolBytes); err != nil {
		return "", err
	}
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		return "", err
	}
	defer filler.Close()
	page := make([]byte, os.Getpagesize())
	for {
		if _, err := filler.Write(page); err != nil {
			if !errors.Is(err, unix.ENOSPC) {
				return "", err
			}
			break
		}
	}
	_, buf, err := c.pool(fd, poolBytes)
	if err != nil {
		return "", err
	}
	if err := c.mapWindow(); err != nil {
		return "", err
	}
	for i := 0; i < 3; i++ {
		if err := c.present(buf); err != nil {
			return fmt.Sprintf("frame %d", i+1), err
		}
	}
	return "3 frames drawn from a pool with a hole on a full tmpfs", nil
}

// shrinkGrowRace presents a buffer of a memfd pool raceFrames times while
// a goroutine shrinks the file to 42 bytes and grows it back in a loop.
func shrinkGrowRace(c *wlClient) (string, error) {
	fd, err := unix.MemfdCreate("nofault-race", unix.MFD_CLOEXEC)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	if err := fill(fd, 0, poolBytes, 0x80); err != nil {
		return "", err
	}
	_, buf, err := c.pool(fd, poolBytes)
	if err != nil {
		return "", err
	}
	if err := c.mapWindow(); err != nil {
		return "", err
	}
	var stop atomic.Bool
	var cycles atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			unix.Ftruncate(fd, 42)
			unix.Ftruncate(fd, poolBytes)
			cycles.Add(1)
		}
	}()
	defer func() { stop.Store(true); <-done }()
	for i := 0; i < raceFrames; i++ {
		if err := c.present(buf); err != nil {
			return fmt.Sprintf("frame %d, %d shrink/grow cycles", i+1, cycles.Load()), err
		}
	}
	return fmt.Sprintf("%d frames, %d shrink/grow cycles", raceFrames, cycles.Load()), nil
}
