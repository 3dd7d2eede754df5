// Package oracle runs a reference Wayland server built on the real
// libwayland-server and records how it answers malformed client traffic.
//
// The reference server is a small C program (testdata/oracle.c, embedded)
// compiled on first use with cc and pkg-config's wayland-server flags. Cases
// (see Cases) are sequences of raw requests sent with package rawclient;
// the answer of libwayland-server 1.21 to each is kept in
// testdata/libwayland-errors.json (see LoadGolden) so that nofault's own
// tests can run the same cases against nofault and demand the same answer.
package oracle

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed testdata/oracle.c
var source []byte

// ErrNoToolchain reports that cc, pkg-config or the wayland-server
// development files are missing, so the oracle cannot be built.
var ErrNoToolchain = errors.New("oracle: cc or pkg-config wayland-server not available")

var build struct {
	once sync.Once
	path string
	err  error
}

// Build compiles the reference server once per process and returns the
// path of the binary. It returns an error wrapping ErrNoToolchain when the
// C toolchain or libwayland-server's development files are missing.
func Build() (string, error) {
	build.once.Do(func() { build.path, build.err = compile() })
	return build.path, build.err
}

func compile() (string, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoToolchain, err)
	}
	pc, err := exec.LookPath("pkg-config")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoToolchain, err)
	}
	flags, err := exec.Command(pc, "--cflags", "--libs", "wayland-server").Output()
	if err != nil {
		return "", fmt.Errorf("%w: pkg-config wayland-server: %v", ErrNoToolchain, err)
	}
	// Cache the binary by content (source, flags, compiler), so repeated
	// test runs neither recompile nor leave directories behind.
	ccVersion, _ := exec.Command(cc, "--version").Output()
	sum := sha256.Sum256(bytes.Join([][]byte{source, flags, ccVersion}, []byte{0}))
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "nofault-oracle", hex.EncodeToString(sum[:8]))
	bin := filepath.Join(dir, "oracle")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("oracle: %w", err)
	}
	src := filepath.Join(dir, "oracle.c")
	if err := os.WriteFile(src, source, 0o644); err != nil {
		return "", fmt.Errorf("oracle: %w", err)
	}
	// Build under a unique name and rename, so concurrent test binaries
	// never run a half-written file.
	tmp, err := os.CreateTemp(dir, "oracle-*.tmp")
	if err != nil {
		return "", fmt.Errorf("oracle: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	args := append([]string{"-O1", "-Wall", "-o", tmp.Name(), src}, strings.Fields(string(flags))...)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("oracle: compiling the reference server: %v\n%s", err, out)
	}
	if err := os.Rename(tmp.Name(), bin); err != nil {
		return "", fmt.Errorf("oracle: %w", err)
	}
	return bin, nil
}

// Server is a running reference server.
type Server struct {
	// SocketPath is the absolute path of the listening socket.
	SocketPath string

	cmd  *exec.Cmd
	dir  string
	done chan struct{}
	log  logBuffer
}

// logBuffer collects the server's stderr (libwayland's wl_log output).
type logBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

// Log returns what the server wrote to stderr so far: libwayland's own
// log lines, such as "not a valid new object id (5), message
// create_surface(n)", which say more than the protocol error does.
func (s *Server) Log() string {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return string(s.log.b)
}

// socketName is the socket name the server listens on inside its private
// XDG_RUNTIME_DIR.
const socketName = "wayland-oracle"

// StartServer builds (once) and starts a reference server listening in a
// fresh private runtime directory. Close stops it.
func StartServer() (*Server, error) {
	bin, err := Build()
	if err != nil {
		return nil, err
	}
	// Not t.TempDir: socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "oracle-")
	if err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	cmd := exec.Command(bin, socketName)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+dir, "WAYLAND_DEBUG=")
	s := &Server{SocketPath: filepath.Join(dir, socketName), cmd: cmd, dir: dir, done: make(chan struct{})}
	cmd.Stderr = &s.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("oracle: %w", err)
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("oracle: starting %s: %w", bin, err)
	}
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("unexpected output %q", line)
		}
		if err != nil {
			err = fmt.Errorf("%w; stderr: %s", err, s.Log())
		}
		ready <- err
	}()
	go func() { cmd.Wait(); close(s.done) }()
	select {
	case err := <-ready:
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("oracle: server did not start: %w", err)
		}
	case <-time.After(10 * time.Second):
		s.Close()
		return nil, errors.New("oracle: server did not start within 10s")
	}
	return s, nil
}

// Alive reports whether the server process is still running.
func (s *Server) Alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Close kills the server and removes its runtime directory.
func (s *Server) Close() {
	if s.Alive() {
		s.cmd.Process.Kill()
	}
	<-s.done
	os.RemoveAll(s.dir)
}

// Start starts a reference server for the duration of the test and
// returns its socket path. It skips the test when the toolchain is
// missing.
func Start(t testing.TB) string {
	t.Helper()
	s, err := StartServer()
	if errors.Is(err, ErrNoToolchain) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s.SocketPath
}
