package wlcs

import (
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"golang.org/x/sys/unix"
)

const timeout = 10 * time.Second

// newServer starts a server in a private runtime dir.
func newServer(t *testing.T) *Server {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(); s.Close() })
	return s
}

// connect returns a raw client on a ClientSocket fd (which it owns).
func connect(t *testing.T, s *Server) (*rawclient.Conn, int) {
	t.Helper()
	fd, err := s.ClientSocket()
	if err != nil {
		t.Fatal(err)
	}
	// rawclient needs a net.UnixConn; keep fd itself open, as WLCS does,
	// so that its number identifies the client.
	dup, err := dupFile(fd)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := net.FileConn(dup)
	dup.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := rawclient.NewConn(fc.(*net.UnixConn))
	t.Cleanup(func() { c.Close(); closeFD(fd) })
	if _, err := c.Globals(timeout); err != nil {
		t.Fatal(err)
	}
	return c, fd
}

// The descriptor lists every advertised global once, at its version.
func TestExtensions(t *testing.T) {
	s := newServer(t)
	exts := s.Extensions()
	c, _ := connect(t, s)
	want := map[string]uint32{}
	for _, g := range c.GlobalList() {
		want[g.Interface] = max(want[g.Interface], g.Version)
	}
	got := map[string]uint32{}
	for _, e := range exts {
		if _, dup := got[e.Name]; dup {
			t.Errorf("%s listed twice", e.Name)
		}
		got[e.Name] = e.Version
	}
	if len(got) != len(want) {
		t.Errorf("descriptor %v, registry %v", got, want)
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s: descriptor version %d, registry %d", name, got[name], v)
		}
	}
	for _, must := range []string{"wl_compositor", "xdg_wm_base", "wl_seat", "wl_subcompositor"} {
		if _, ok := got[must]; !ok {
			t.Errorf("%s missing from %v", must, got)
		}
	}
	if !slices.IsSortedFunc(exts, func(a, b Extension) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("extensions not sorted")
	}
}

// The seat has touch from the start (WLCS's devices come later), and a
// client on a ClientSocket is served.
func TestClientSocketAndTouchCapability(t *testing.T) {
	s := newServer(t)
	c, _ := connect(t, s)
	seat, err := c.BindGlobal("wl_seat", 7)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := c.Roundtrip(timeout)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0].Object != seat || evs[0].Opcode != protocol.WlSeatEventCapabilities || evs[0].Uint(0) != 7 {
		t.Fatalf("seat events %v, want capabilities pointer|keyboard|touch", evs)
	}
}

// PositionWindow refuses what is not a toplevel of a known client, with
// an error rather than a panic; after Stop every call says so.
func TestPositionWindowErrors(t *testing.T) {
	s := newServer(t)
	c, fd := connect(t, s)
	comp, err := c.BindGlobal("wl_compositor", 4)
	if err != nil {
		t.Fatal(err)
	}
	surf := c.NewID()
	c.Send(comp, protocol.WlCompositorRequestCreateSurface, rawclient.NewID(surf))
	if _, err := c.Roundtrip(timeout); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		fd     int
		id     uint32
		expect string
	}{
		{"unknown client", fd + 1000, surf, "no client"},
		{"unknown surface", fd, surf + 50, "no wl_surface"},
		{"not a surface", fd, comp, "no wl_surface"},
		{"no role", fd, surf, "not a toplevel"},
	} {
		err := s.PositionWindow(tc.fd, tc.id, 10, 10)
		if err == nil || !strings.Contains(err.Error(), tc.expect) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.expect)
		}
	}
	p, err := s.NewPointer()
	if err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := p.MoveTo(1, 1); !errors.Is(err, ErrStopped) {
		t.Errorf("MoveTo after Stop: %v", err)
	}
	if err := p.Destroy(); err != nil {
		t.Errorf("Destroy after Stop: %v", err)
	}
	if _, err := s.ClientSocket(); !errors.Is(err, ErrStopped) {
		t.Errorf("ClientSocket after Stop: %v", err)
	}
}

// WLCS makes a server per test, a thousand times: nothing may leak.
func TestNoLeakAcrossServers(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	cycle := func() {
		s, err := New(nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		fd, err := s.ClientSocket()
		if err != nil {
			t.Fatal(err)
		}
		p, _ := s.NewPointer()
		p.MoveTo(5, 5)
		tc, _ := s.NewTouch()
		tc.Down(5, 5)
		tc.Destroy()
		p.Destroy()
		closeFD(fd)
		s.Stop()
		s.Close()
	}
	cycle() // the first one starts what lives for the process (shm probe, ...)
	before := countFDs(t)
	for range 20 {
		cycle()
	}
	if after := countFDs(t); after > before {
		t.Errorf("fds %d before 20 servers, %d after", before, after)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("runtime dir holds %d entries after the servers stopped", len(ents))
	}
}

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

func dupFile(fd int) (*os.File, error) {
	nfd, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(nfd), "client"), nil
}

func closeFD(fd int) { unix.Close(fd) }
