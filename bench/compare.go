// Package bench is the side-by-side benchmark harness: it starts nofault,
// weston 10 and sway 1.7 headless one at a time on private runtime
// directories, runs the same wlbench workloads against each, reads the
// compositor's CPU time from /proc/PID/stat around each measured window,
// and turns repeated, interleaved runs into the compare section of
// docs/benchmarks.md and the plots under docs/bench/.
//
// bench/cmd/compare is the command (`make bench-compare`); the smoke test
// runs nofault alone on one short workload.
package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nofault/nofault/bench/wlclient"
	"golang.org/x/sys/unix"
)

// Workload is one benchmark configuration.
type Workload struct {
	Name  string // short key, e.g. "1080p-full"
	Title string // for the tables
	Opts  wlclient.Options
	// OutW, OutH is the output size every compositor gets for it, and
	// Scale its output scale (0 is 1).
	OutW, OutH int
	Scale      float64 `json:",omitempty"`
	// Sweep marks the single-surface full-damage workloads plotted as CPU
	// per frame against surface size.
	Sweep bool
}

// Kind is "frames", "sync" or "flood".
func (w Workload) Kind() string { return w.Opts.Mode }

// Output is the output every compositor gets for w.
func (w Workload) Output() Output { return Output{W: w.OutW, H: w.OutH, Scale: w.Scale} }

// Pixels is the surface area of one surface.
func (w Workload) Pixels() int { return w.Opts.Width * w.Opts.Height }

func frames(n, w, h, damage int, sealed bool) wlclient.Options {
	return wlclient.Options{Mode: wlclient.ModeFrames, Surfaces: n, Width: w, Height: h, Damage: damage, Sealed: sealed}
}

func scaled(o wlclient.Options, bufferScale int) wlclient.Options {
	o.BufferScale = bufferScale
	return o
}

func turned(o wlclient.Options, transform int) wlclient.Options {
	o.BufferTransform = transform
	return o
}

func xrgb(o wlclient.Options) wlclient.Options {
	o.XRGB = true
	return o
}

func translucent(o wlclient.Options, alpha int) wlclient.Options {
	o.Alpha = alpha
	return o
}

// shadowed gives o's rows edges translucent pixels at each end (wlbench
// --edges).
func shadowed(o wlclient.Options, edges int) wlclient.Options {
	o.Edges = edges
	return o
}

// bodied marks what lies between o's edges as its opaque region
// (wlbench --opaque-body).
func bodied(o wlclient.Options) wlclient.Options {
	o.OpaqueBody = true
	return o
}

// Workloads returns the full set, in report order.
func Workloads() []Workload {
	return []Workload{
		{Name: "1080p-full", Title: "1 x 1920x1080, full damage (sealed pool)", Opts: frames(1, 1920, 1080, 100, true), OutW: 1920, OutH: 1080, Sweep: true},
		{Name: "1080p-damage10", Title: "1 x 1920x1080, 10% damage (a band of rows)", Opts: frames(1, 1920, 1080, 10, true), OutW: 1920, OutH: 1080},
		{Name: "16x256", Title: "16 x 256x256, full damage", Opts: frames(16, 256, 256, 100, true), OutW: 1920, OutH: 1080},
		{Name: "4k-full", Title: "1 x 3840x2160, full damage (3840x2160 output)", Opts: frames(1, 3840, 2160, 100, true), OutW: 3840, OutH: 2160, Sweep: true},
		{Name: "1080p-unsealed", Title: "1 x 1920x1080, full damage, unsealed pool", Opts: frames(1, 1920, 1080, 100, false), OutW: 1920, OutH: 1080},
		{Name: "256-full", Title: "1 x 256x256, full damage", Opts: frames(1, 256, 256, 100, true), OutW: 1920, OutH: 1080, Sweep: true},
		{Name: "720p-full", Title: "1 x 1280x720, full damage", Opts: frames(1, 1280, 720, 100, true), OutW: 1920, OutH: 1080, Sweep: true},
		{Name: "sync", Title: "sync flood (wl_display.sync back to back)", Opts: wlclient.Options{Mode: wlclient.ModeSync}, OutW: 1920, OutH: 1080},
		{Name: "sync-c", Title: "sync round trips from a libwayland client (3000 wl_display.sync after 1000 of warm-up)", Opts: wlclient.Options{Mode: wlclient.ModeSync, Client: wlclient.ClientLibwayland, Count: 3000}, OutW: 1920, OutH: 1080},
		{Name: "sync-c-same", Title: "sync round trips from a libwayland client, client and compositor pinned to CPU 0", Opts: wlclient.Options{Mode: wlclient.ModeSync, Client: wlclient.ClientLibwayland, Count: 3000, Pin: wlclient.PinSame}, OutW: 1920, OutH: 1080},
		{Name: "sync-c-cross", Title: "sync round trips from a libwayland client, compositor pinned to CPU 0, client to CPU 1", Opts: wlclient.Options{Mode: wlclient.ModeSync, Client: wlclient.ClientLibwayland, Count: 3000, Pin: wlclient.PinCross}, OutW: 1920, OutH: 1080},
		{Name: "flood", Title: "request flood (500 damage_buffer + commit + sync per batch, 2 batches in flight, 256x256 surface)", Opts: wlclient.Options{Mode: wlclient.ModeFlood, Width: 256, Height: 256, Rects: 500, Inflight: 2, Sealed: true}, OutW: 1920, OutH: 1080},
		{Name: "1080p-xrgb", Title: "1 x 1920x1080, full damage, XRGB8888 (the opaque format of weston-simple-shm and mpv's wl_shm output)", Opts: xrgb(frames(1, 1920, 1080, 100, true)), OutW: 1920, OutH: 1080},
		{Name: "1080p-translucent", Title: "1 x 1920x1080, full damage, every pixel at alpha 0.8 (a terminal's translucent background)", Opts: translucent(frames(1, 1920, 1080, 100, true), 204), OutW: 1920, OutH: 1080},
		{Name: "scale1.5", Title: "1 x 2560x1440 at buffer scale 2 on a 1920x1080 output at scale 1.5 (shown at 0.75, filtered linearly), full damage", Opts: scaled(frames(1, 2560, 1440, 100, true), 2), OutW: 1920, OutH: 1080, Scale: 1.5},
		{Name: "scale1.5-translucent", Title: "1 x 2560x1440 at buffer scale 2 on a 1920x1080 output at scale 1.5 (shown at 0.75, filtered linearly), full damage, every pixel at alpha 0.8", Opts: translucent(scaled(frames(1, 2560, 1440, 100, true), 2), 204), OutW: 1920, OutH: 1080, Scale: 1.5},
		{Name: "scale1.5-x1", Title: "1 x 1280x720 at buffer scale 1 on a 1920x1080 output at scale 1.5 (shown at 1.5, filtered linearly), full damage", Opts: frames(1, 1280, 720, 100, true), OutW: 1920, OutH: 1080, Scale: 1.5},
		{Name: "scale1.5-rot90", Title: "1 x 720x1280 buffer turned 90 degrees (wl_surface.set_buffer_transform) at buffer scale 1 on a 1920x1080 output at scale 1.5 (shown at 1.5, filtered linearly), full damage", Opts: turned(frames(1, 720, 1280, 100, true), 1), OutW: 1920, OutH: 1080, Scale: 1.5},
		{Name: "scale2-x1", Title: "1 x 960x540 at buffer scale 1 on a 1920x1080 output at scale 2 (each pixel shown 2x2, nearest), full damage", Opts: frames(1, 960, 540, 100, true), OutW: 1920, OutH: 1080, Scale: 2},
		{Name: "1080p-rot90", Title: "1 x 1080x1920 buffer turned 90 degrees (wl_surface.set_buffer_transform), shown at 1920x1080, full damage", Opts: turned(frames(1, 1080, 1920, 100, true), 1), OutW: 1920, OutH: 1080},
		{Name: "1080p-xrgb-rot180", Title: "1 x 1920x1080 XRGB8888 buffer turned 180 degrees (wl_surface.set_buffer_transform), full damage", Opts: turned(xrgb(frames(1, 1920, 1080, 100, true)), 2), OutW: 1920, OutH: 1080},
		{Name: "16x250", Title: "16 x 250x250, full damage (rows that start and end inside 64-byte lines of the output)", Opts: frames(16, 250, 250, 100, true), OutW: 1920, OutH: 1080},
		{Name: "1000x700", Title: "1 x 1000x700, full damage (an application window, its rows inside 64-byte lines)", Opts: frames(1, 1000, 700, 100, true), OutW: 1920, OutH: 1080},
		{Name: "8x640-edges", Title: "8 x 640x480, full damage, 24 pixels at alpha 64 at each end of every row (client-side shadows), placed over each other once the output is full", Opts: shadowed(frames(8, 640, 480, 100, true), 24), OutW: 1920, OutH: 1080},
		{Name: "8x640-body", Title: "8 x 640x480 as 8x640-edges, with what lies between the shadows set as the opaque region (wl_surface.set_opaque_region), as GTK sets it", Opts: bodied(shadowed(frames(8, 640, 480, 100, true), 24)), OutW: 1920, OutH: 1080},
	}
}

// Instance is a running compositor.
type Instance struct {
	PID    int    // the compositor process (not a runuser wrapper)
	Socket string // absolute socket path
	Log    string // its log file
	Note   string // e.g. the renderer it reported
	cmd    *exec.Cmd
	done   chan struct{}
}

// Alive reports whether the compositor process still runs.
func (in *Instance) Alive() bool {
	select {
	case <-in.done:
		return false
	default:
	}
	return syscall.Kill(in.PID, 0) == nil
}

// Stop ends the compositor's process group and waits for it.
func (in *Instance) Stop() {
	if in.cmd.Process != nil {
		syscall.Kill(-in.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
			<-in.done
		}
	}
}

// Output is the output a target is started with: W x H pixels at
// output scale Scale (0 is 1).
type Output struct {
	W, H  int
	Scale float64
}

// scale returns o's scale, 1 for 0.
func (o Output) scale() float64 { return cmp.Or(o.Scale, 1) }

// Target is a compositor the harness can start.
type Target struct {
	Name    string // column name: "nofault", "weston", "sway"
	Version string // for the report
	// Start starts it with output o in a fresh runtime directory under
	// dir.
	Start func(dir string, o Output) (*Instance, error)
}

// start runs cmd in its own session with its output to logPath, waits up
// to 10 s for a socket matching pattern in runDir and returns the
// instance. pidOf picks the compositor's pid among cmd's process tree.
func start(cmd *exec.Cmd, logPath, runDir, pattern string, comm string) (*Instance, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	in := &Instance{cmd: cmd, Log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); lf.Close(); close(in.done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(runDir, pattern)); len(m) > 0 {
			for _, s := range m {
				if fi, err := os.Stat(s); err == nil && fi.Mode()&os.ModeSocket != 0 {
					in.Socket = s
				}
			}
		}
		if in.Socket != "" {
			break
		}
		select {
		case <-in.done:
			return nil, fmt.Errorf("%s exited before creating its socket; log %s:\n%s", comm, logPath, tail(logPath, 15))
		default:
		}
		if time.Now().After(deadline) {
			in.Stop()
			return nil, fmt.Errorf("%s: no socket after 15 s; log %s:\n%s", comm, logPath, tail(logPath, 15))
		}
		time.Sleep(50 * time.Millisecond)
	}
	in.PID = cmd.Process.Pid
	if p := findDescendant(cmd.Process.Pid, comm); p > 0 {
		in.PID = p
	}
	// Let the compositor finish starting (outputs, shell clients).
	time.Sleep(500 * time.Millisecond)
	if !in.Alive() {
		return nil, fmt.Errorf("%s died after start; log %s:\n%s", comm, logPath, tail(logPath, 15))
	}
	return in, nil
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// findDescendant returns the pid of the first process in root's tree
// (root included) whose comm is comm, or 0.
func findDescendant(root int, comm string) int {
	ents, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	comms := map[int]string{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if i < 0 || j < i {
			continue
		}
		comms[pid] = string(b[i+1 : j])
		f := bytes.Fields(b[j+1:])
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(string(f[1]))
		}
	}
	isDesc := func(p int) bool {
		for i := 0; i < 64 && p > 1; i++ {
			if p == root {
				return true
			}
			p = parent[p]
		}
		return false
	}
	best := 0
	for pid, c := range comms {
		if c == comm && isDesc(pid) && (best == 0 || pid < best) {
			best = pid
		}
	}
	return best
}

func runDir(dir, name string) (string, error) {
	d := filepath.Join(dir, name+"-run")
	os.RemoveAll(d)
	if err := os.Mkdir(d, 0o700); err != nil {
		return "", err
	}
	return d, nil
}

// NofaultTarget runs cmd (argv of the compositor binary) headless with
// extra flags (e.g. --renderer=gl). name is the column name.
func NofaultTarget(name string, cmd []string, env []string, extra ...string) Target {
	return Target{Name: name, Start: func(dir string, o Output) (*Instance, error) {
		rd, err := runDir(dir, name)
		if err != nil {
			return nil, err
		}
		args := append(append([]string{}, cmd[1:]...), "--backend=headless", "--socket=bench-"+name, fmt.Sprintf("--size=%dx%d", o.W, o.H))
		if o.scale() != 1 {
			args = append(args, fmt.Sprintf("--scale=%g", o.scale()))
		}
		args = append(args, extra...)
		c := exec.Command(cmd[0], args...)
		c.Env = append(cleanEnv(), "XDG_RUNTIME_DIR="+rd)
		c.Env = append(c.Env, env...)
		in, err := start(c, filepath.Join(dir, name+".log"), rd, "bench-"+name, filepath.Base(cmd[0]))
		if err != nil {
			return nil, err
		}
		in.PID = c.Process.Pid
		// The log says which renderer it runs.
		for i := 0; i < 40; i++ {
			if r := logRenderer(in.Log); r != "" {
				in.Note = "renderer=" + r
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		return in, nil
	}}
}

func logRenderer(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "msg=listening") {
			if i := strings.Index(l, "renderer="); i >= 0 {
				return strings.Fields(l[i+len("renderer="):])[0]
			}
		}
	}
	return ""
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "WAYLAND_DISPLAY", "DISPLAY", "XDG_RUNTIME_DIR", "WAYLAND_SOCKET":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// westonOutput returns weston's headless backend flags for o: its width
// and height are the output's size in pixels divided by --scale, which
// weston 10 takes as an integer only.
func westonOutput(o Output) ([]string, error) {
	s := o.scale()
	if s != math.Trunc(s) {
		return nil, fmt.Errorf("weston's headless backend takes integer scales only, not %g", s)
	}
	args := []string{fmt.Sprintf("--width=%d", o.W/int(s)), fmt.Sprintf("--height=%d", o.H/int(s))}
	if s != 1 {
		args = append(args, fmt.Sprintf("--scale=%d", int(s)))
	}
	return args, nil
}

// WestonTarget runs weston's headless backend with the pixman renderer.
func WestonTarget() Target {
	return Target{Name: "weston", Version: firstLine("weston", "--version"), Start: func(dir string, o Output) (*Instance, error) {
		args, err := westonOutput(o)
		if err != nil {
			return nil, err
		}
		rd, err := runDir(dir, "weston")
		if err != nil {
			return nil, err
		}
		c := exec.Command("weston", append([]string{"--backend=headless-backend.so", "--use-pixman", "--idle-time=0",
			"--socket=bench-weston"}, args...)...)
		c.Env = append(cleanEnv(), "XDG_RUNTIME_DIR="+rd)
		return start(c, filepath.Join(dir, "weston.log"), rd, "bench-weston", "weston")
	}}
}

// WestonGLTarget runs weston's headless backend with its GL renderer
// (--use-gl: EGL surfaceless, so Mesa llvmpipe on a machine without a
// GPU), the counterpart of nofault --renderer=gl. The column is
// "weston-gl".
func WestonGLTarget() Target {
	return Target{Name: "weston-gl", Version: firstLine("weston", "--version") + " --use-gl", Start: func(dir string, o Output) (*Instance, error) {
		args, err := westonOutput(o)
		if err != nil {
			return nil, err
		}
		rd, err := runDir(dir, "weston-gl")
		if err != nil {
			return nil, err
		}
		c := exec.Command("weston", append([]string{"--backend=headless-backend.so", "--use-gl", "--idle-time=0",
			"--socket=bench-weston-gl"}, args...)...)
		c.Env = append(cleanEnv(), "XDG_RUNTIME_DIR="+rd)
		in, err := start(c, filepath.Join(dir, "weston-gl.log"), rd, "bench-weston-gl", "weston")
		if err != nil {
			return nil, err
		}
		in.Note = westonGLNote(in.Log)
		return in, nil
	}}
}

// westonGLNote reads the GL renderer weston logged ("GL renderer:
// llvmpipe ...").
func westonGLNote(path string) string {
	b, _ := os.ReadFile(path)
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.Index(l, "GL renderer: "); i >= 0 {
			return "GL renderer: " + strings.TrimSpace(l[i+len("GL renderer: "):])
		}
	}
	return ""
}

// SwayTarget runs sway headless with the pixman renderer; as root, as the
// unprivileged user swayUser (created if missing), since sway refuses root.
func SwayTarget(swayUser string) Target {
	return Target{Name: "sway", Version: firstLine("sway", "--version"), Start: func(dir string, o Output) (*Instance, error) {
		rd, err := runDir(dir, "sway")
		if err != nil {
			return nil, err
		}
		conf := filepath.Join(dir, "sway.conf")
		cfg := fmt.Sprintf(`# wlbench: one headless output, no bar, no Xwayland; wlbench windows float
# at their own size, as they do on weston.
output * mode %dx%d scale %g
default_border none
xwayland disable
for_window [app_id="wlbench"] floating enable, border none
`, o.W, o.H, o.scale())
		if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
			return nil, err
		}
		var argv []string
		if os.Geteuid() == 0 {
			if _, err := user.Lookup(swayUser); err != nil {
				if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", swayUser).CombinedOutput(); err != nil {
					return nil, fmt.Errorf("useradd %s: %v: %s", swayUser, err, out)
				}
			}
			u, err := user.Lookup(swayUser)
			if err != nil {
				return nil, err
			}
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := os.Chown(rd, uid, gid); err != nil {
				return nil, err
			}
			os.Chmod(dir, 0o755)
			argv = []string{"runuser", "-u", swayUser, "--"}
		}
		argv = append(argv, "env", "-i", "PATH="+os.Getenv("PATH"), "HOME="+rd, "XDG_RUNTIME_DIR="+rd,
			"WLR_BACKENDS=headless", "WLR_RENDERER=pixman", "WLR_LIBINPUT_NO_DEVICES=1", "sway", "-c", conf)
		c := exec.Command(argv[0], argv[1:]...)
		return start(c, filepath.Join(dir, "sway.log"), rd, "wayland-*[0-9]", "sway")
	}}
}

func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return ""
	}
	l, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return l
}

// Client runs one workload against a socket; pid is the compositor's.
type Client func(ctx context.Context, o wlclient.Options) (*wlclient.Result, error)

// ExecClient runs the wlbench binary at bin.
func ExecClient(bin string) Client { return ExecClients(bin, "") }

// ExecClients runs the wlbench binary at bin, and for workloads whose
// Options.Client is wlclient.ClientLibwayland the syncrtt binary at
// syncrtt (BuildSyncRTT); such a workload fails when syncrtt is "".
func ExecClients(bin, syncrtt string) Client {
	return func(ctx context.Context, o wlclient.Options) (*wlclient.Result, error) {
		if o.Client == wlclient.ClientLibwayland {
			return runSyncRTT(ctx, syncrtt, o)
		}
		args := []string{
			"--socket=" + o.Socket, "--mode=" + o.Mode,
			fmt.Sprintf("--surfaces=%d", max(o.Surfaces, 1)),
			fmt.Sprintf("--size=%dx%d", max(o.Width, 1), max(o.Height, 1)),
			fmt.Sprintf("--xrgb=%v", o.XRGB), fmt.Sprintf("--alpha=%d", o.Alpha), fmt.Sprintf("--damage=%d", max(o.Damage, 1)),
			fmt.Sprintf("--sealed=%v", o.Sealed), fmt.Sprintf("--buffers=%d", cmp.Or(o.Buffers, 4)),
			"--warmup=" + o.Warmup.String(), "--duration=" + o.Duration.String(),
			fmt.Sprintf("--pid=%d", o.PID), fmt.Sprintf("--rects=%d", max(o.Rects, 1)),
			fmt.Sprintf("--inflight=%d", max(o.Inflight, 1)),
			fmt.Sprintf("--buffer-scale=%d", max(o.BufferScale, 1)),
			fmt.Sprintf("--buffer-transform=%d", o.BufferTransform),
			fmt.Sprintf("--edges=%d", o.Edges),
			fmt.Sprintf("--opaque-body=%v", o.OpaqueBody),
		}
		ctx, cancel := context.WithTimeout(ctx, o.Warmup+o.Duration+30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("wlbench: %v: %s", err, strings.TrimSpace(errb.String()))
		}
		var r wlclient.Result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("wlbench output: %v", err)
		}
		return &r, nil
	}
}

// runSyncRTT runs bench/c/syncrtt: o.Count round trips (default 3000)
// after 1000 of warm-up; its JSON is a wlclient.Result.
func runSyncRTT(ctx context.Context, bin string, o wlclient.Options) (*wlclient.Result, error) {
	if bin == "" {
		return nil, errors.New("syncrtt: not built (needs cc and libwayland-dev)")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	args := []string{"--socket=" + o.Socket, fmt.Sprintf("--pid=%d", o.PID),
		fmt.Sprintf("--count=%d", cmp.Or(o.Count, 3000)), "--warmup=1000"}
	if o.Pin != "" {
		cpu, err := pinCompositor(o)
		if err != nil {
			return nil, err
		}
		defer unpinCompositor(o.PID)
		// The client inherits taskset's affinity.
		args = append([]string{"-c", cpu, bin}, args...)
		bin = "taskset"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("syncrtt: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	var r wlclient.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("syncrtt output: %v", err)
	}
	return &r, nil
}

// pinCompositor pins every thread of the compositor o.PID to CPU 0 for a
// pinned round-trip run (o.Pin) and returns the client's CPU. Threads the
// compositor starts meanwhile inherit the pinning; unpinCompositor undoes
// it.
func pinCompositor(o wlclient.Options) (string, error) {
	client := "0"
	switch o.Pin {
	case wlclient.PinSame:
	case wlclient.PinCross:
		client = "1"
	default:
		return "", fmt.Errorf("syncrtt: pin %q: want %q or %q", o.Pin, wlclient.PinSame, wlclient.PinCross)
	}
	if runtime.NumCPU() < 2 {
		return "", errors.New("syncrtt: pinned runs need 2 CPUs")
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return "", fmt.Errorf("syncrtt: pinned runs need taskset (util-linux): %w", err)
	}
	var set unix.CPUSet
	set.Set(0)
	return client, setCompositorAffinity(o.PID, &set)
}

// unpinCompositor lets the compositor's threads run on every CPU again.
func unpinCompositor(pid int) {
	var set unix.CPUSet
	for i := range runtime.NumCPU() {
		set.Set(i)
	}
	setCompositorAffinity(pid, &set)
}

func setCompositorAffinity(pid int, set *unix.CPUSet) error {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return fmt.Errorf("compositor threads: %w", err)
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("sched_setaffinity of compositor thread %d: %w", tid, err)
		}
	}
	return nil
}

// BuildSyncRTT compiles bench/c/syncrtt.c (under root, the repository)
// into dir with cc against libwayland-client (pkg-config) and returns the
// binary's path.
func BuildSyncRTT(root, dir string) (string, error) {
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "wayland-client").Output()
	if err != nil {
		return "", fmt.Errorf("pkg-config wayland-client (libwayland-dev): %w", err)
	}
	bin := filepath.Join(dir, "syncrtt")
	args := append([]string{"-O2", "-o", bin, filepath.Join(root, "bench", "c", "syncrtt.c")}, strings.Fields(string(flags))...)
	out, err := exec.Command("cc", append(args, "-lm")...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("cc syncrtt.c: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// InProcessClient runs wlclient.Run in this process (the smoke test).
func InProcessClient() Client {
	return func(ctx context.Context, o wlclient.Options) (*wlclient.Result, error) { return wlclient.Run(o) }
}

// Config is a harness run.
type Config struct {
	Targets   []Target
	Workloads []Workload
	Reps      int
	Warmup    time.Duration
	Duration  time.Duration
	Client    Client
	Dir       string    // work directory (runtime dirs, logs)
	Log       io.Writer // progress
}

// Sample is one run of one workload on one compositor.
type Sample struct {
	Target   string           `json:"target"`
	Workload string           `json:"workload"`
	Rep      int              `json:"rep"`
	Result   *wlclient.Result `json:"result,omitempty"`
	Err      string           `json:"error,omitempty"`
}

// Run runs every workload on every target Reps times. Repetitions are
// interleaved: each round starts every target in turn (rotating which
// goes first), and one compositor instance serves the round's workloads
// that share an output size.
func Run(ctx context.Context, cfg Config) ([]Sample, map[string]string, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	notes := map[string]string{}
	var samples []Sample
	type group struct {
		out Output
		ws  []Workload
	}
	var groups []*group
	for _, w := range cfg.Workloads {
		out := w.Output()
		var g *group
		for _, x := range groups {
			if x.out == out {
				g = x
			}
		}
		if g == nil {
			g = &group{out: out}
			groups = append(groups, g)
		}
		g.ws = append(g.ws, w)
	}
	for rep := 0; rep < cfg.Reps; rep++ {
		for ti := range cfg.Targets {
			t := cfg.Targets[(ti+rep)%len(cfg.Targets)]
			for _, g := range groups {
				var in *Instance
				for _, w := range g.ws {
					if err := ctx.Err(); err != nil {
						return samples, notes, err
					}
					s := Sample{Target: t.Name, Workload: w.Name, Rep: rep}
					if in == nil || !in.Alive() {
						if in != nil {
							in.Stop()
						}
						var err error
						in, err = t.Start(cfg.Dir, g.out)
						if err != nil {
							s.Err = "start: " + err.Error()
							fmt.Fprintf(cfg.Log, "rep %d %s %s: %s\n", rep+1, t.Name, w.Name, s.Err)
							samples = append(samples, s)
							in = nil
							continue
						}
						if in.Note != "" {
							notes[t.Name] = in.Note
						}
					}
					o := w.Opts
					o.Socket, o.PID = in.Socket, in.PID
					o.Warmup, o.Duration = cfg.Warmup, cfg.Duration
					r, err := cfg.Client(ctx, o)
					if err != nil {
						s.Err = err.Error()
					} else {
						s.Result = r
					}
					fmt.Fprintf(cfg.Log, "rep %d %-8s %-15s %s\n", rep+1, t.Name, w.Name, brief(s))
					samples = append(samples, s)
				}
				if in != nil {
					in.Stop()
				}
			}
		}
	}
	return samples, notes, nil
}

func brief(s Sample) string {
	if s.Err != "" {
		return "ERROR " + s.Err
	}
	r := s.Result
	switch r.Mode {
	case wlclient.ModeSync:
		return fmt.Sprintf("rtt p50 %.1f µs p99 %.1f µs (%d syncs) cpu %.2fs load %s", r.RTTp50, r.RTTp99, r.Syncs, r.CPU, r.LoadAvg)
	case wlclient.ModeFlood:
		return fmt.Sprintf("%.0f requests/s cpu %.2fs load %s", r.RequestsPerS, r.CPU, r.LoadAvg)
	}
	return fmt.Sprintf("%.1f fps/surface, %.3f ms CPU/frame (cpu %.2fs, %d frames, %d bufs, %d stalls) load %s",
		r.FPS, r.CPUPerFrameMS, r.CPU, r.Frames, r.BuffersMax, r.Stalls, r.LoadAvg)
}

// ErrNoTargets is returned when no compositor can be run.
var ErrNoTargets = errors.New("bench: no compositor to run")
