package config

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/nofault/nofault/shm"
)

// envMap returns an env function for Load.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeFile writes a config file into a temporary directory.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "nofault.toml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefault(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if c.Size != (Size{1280, 720}) || c.Refresh != 60 || c.Backend != "auto" || c.ShmShrink != shm.ShrinkKill ||
		c.LogLevel != slog.LevelInfo || c.Limits.MaxQueuedBytes != int64(256*KiB) {
		t.Errorf("unexpected defaults: %+v", c)
	}
	got, cmd, err := Load(nil, nil)
	if err != nil || cmd != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("Load(nil, nil) = %+v, %q, %v; want defaults", got, cmd, err)
	}
}

// TestExample checks that testdata/example.toml sets every key, to its
// default, so it documents them all.
func TestExample(t *testing.T) {
	const path = "testdata/example.toml"
	got, _, err := Load([]string{"--config=" + path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example.toml differs from Default():\n got %+v\nwant %+v", got, want)
	}
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		if !md.IsDefined(strings.Split(o.key, ".")...) {
			t.Errorf("example.toml does not set %s", o.key)
		}
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, `
size = "800x600"
backend = "headless"
refresh = 30
[limits]
max_objects = 1000
max_mapped_bytes = 1048576
`)
	other := writeFile(t, `size = "640x480"`)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want func(*Config)
	}{
		{"defaults", nil, nil, func(*Config) {}},
		{"file", []string{"--config", file}, nil, func(c *Config) {
			c.Size, c.Backend, c.Refresh = Size{800, 600}, "headless", 30
			c.Limits.MaxObjects, c.Limits.MaxMappedBytes = 1000, int64(MiB)
		}},
		{"file from env", nil, map[string]string{"NOFAULT_CONFIG": file}, func(c *Config) {
			c.Size, c.Backend, c.Refresh = Size{800, 600}, "headless", 30
			c.Limits.MaxObjects, c.Limits.MaxMappedBytes = 1000, int64(MiB)
		}},
		{"--config beats NOFAULT_CONFIG", []string{"--config=" + other}, map[string]string{"NOFAULT_CONFIG": file}, func(c *Config) {
			c.Size = Size{640, 480}
		}},
		{"empty --config reads no file", []string{"--config="}, map[string]string{"NOFAULT_CONFIG": file}, func(*Config) {}},
		{"env beats file", []string{"--config", file}, map[string]string{
			"NOFAULT_SIZE": "1920x1080", "NOFAULT_MAX_OBJECTS": "2000", "NOFAULT_TRACE": "1",
		}, func(c *Config) {
			c.Size, c.Backend, c.Refresh, c.Trace = Size{1920, 1080}, "headless", 30, true
			c.Limits.MaxObjects, c.Limits.MaxMappedBytes = 2000, int64(MiB)
		}},
		{"empty env is unset", []string{"--config", file}, map[string]string{"NOFAULT_SIZE": "", "NOFAULT_BACKEND": ""}, func(c *Config) {
			c.Size, c.Backend, c.Refresh = Size{800, 600}, "headless", 30
			c.Limits.MaxObjects, c.Limits.MaxMappedBytes = 1000, int64(MiB)
		}},
		{"flag beats env and file", []string{"--config", file, "--size=100x200", "-max-objects", "3000", "--trace=false"},
			map[string]string{"NOFAULT_SIZE": "1920x1080", "NOFAULT_MAX_OBJECTS": "2000", "NOFAULT_TRACE": "true", "NOFAULT_REFRESH": "144"},
			func(c *Config) {
				c.Size, c.Backend, c.Refresh, c.Trace = Size{100, 200}, "headless", 144, false
				c.Limits.MaxObjects, c.Limits.MaxMappedBytes = 3000, int64(MiB)
			}},
		{"every flag", []string{
			"--backend=nested", "--socket=wayland-7", "--size=1x1", "--renderer=gl", "--refresh=1",
			"--scale=1.5", "--outputs=1920x1080,1280x720",
			"--screenshot=s.png", "--stats=s.json", "--trace", "--log-level=debug",
			"--shm-read=guarded", "--shm-shrink=zeros", "--xdg-unacked-buffer=accept",
			"--max-objects=16", "--max-pools=2", "--max-mapped-bytes=64KiB", "--max-buffers-per-pool=3",
			"--max-region-rects=4", "--max-damage-rects=5", "--max-fds=6", "--max-queued-bytes=1MiB",
			"--max-frame-callbacks=7", "--max-surface-frame-callbacks=24", "--max-upload-bytes=32MiB", "--max-clients=8", "--total-objects=20", "--total-pools=9", "--total-mapped-bytes=1GiB",
			"--total-region-rects=21", "--total-fds=10", "--total-queued-bytes=128KiB",
			"--cycle-windows-key=super+F1", "--unminimize-key=", "--host-clipboard=false",
		}, nil, func(c *Config) {
			*c = Config{
				Backend: "nested", Socket: "wayland-7", Size: Size{1, 1}, Renderer: "gl", Refresh: 1,
				Scale: 1.5, Outputs: "1920x1080,1280x720",
				Screenshot: "s.png", Stats: "s.json", Trace: true, LogLevel: slog.LevelDebug,
				ShmRead: shm.ReadGuarded, ShmShrink: shm.ShrinkZeros, XdgUnackedBuffer: "accept",
				Limits: Limits{
					MaxObjects: 16, MaxPools: 2, MaxMappedBytes: int64(64 * KiB), MaxBuffersPerPool: 3, MaxRegionRects: 4,
					MaxDamageRects: 5, MaxFDs: 6, MaxQueuedBytes: int64(MiB), MaxFrameCallbacks: 7, MaxSurfaceFrameCallbacks: 24, MaxUploadBytes: int64(32 * MiB), MaxClients: 8,
					TotalObjects: 20, TotalPools: 9, TotalMappedBytes: int64(GiB), TotalRegionRects: 21, TotalFDs: 10, TotalQueuedBytes: int64(128 * KiB),
				},
				CycleWindowsKey: "super+F1",
			}
		}},
		{"every env var", nil, map[string]string{
			"NOFAULT_BACKEND": "headless", "NOFAULT_SOCKET": "nf", "NOFAULT_SIZE": "2X3", "NOFAULT_RENDERER": "soft",
			"NOFAULT_REFRESH": "75", "NOFAULT_SCALE": "2", "NOFAULT_OUTPUTS": "640x480", "NOFAULT_SCREENSHOT": "a.png", "NOFAULT_STATS": "b.json", "NOFAULT_TRACE": "true",
			"NOFAULT_LOG_LEVEL": "WARN", "NOFAULT_SHM_READ": "nosigbus", "NOFAULT_SHM_SHRINK": "zeros",
			"NOFAULT_XDG_UNACKED_BUFFER": "accept",
			"NOFAULT_MAX_OBJECTS":        "100", "NOFAULT_MAX_POOLS": "11", "NOFAULT_MAX_MAPPED_BYTES": "8 MiB",
			"NOFAULT_MAX_BUFFERS_PER_POOL": "12", "NOFAULT_MAX_REGION_RECTS": "13", "NOFAULT_MAX_DAMAGE_RECTS": "14",
			"NOFAULT_MAX_FDS": "15", "NOFAULT_MAX_QUEUED_BYTES": "65536", "NOFAULT_MAX_FRAME_CALLBACKS": "16", "NOFAULT_MAX_SURFACE_FRAME_CALLBACKS": "25", "NOFAULT_MAX_UPLOAD_BYTES": "64 MiB",
			"NOFAULT_MAX_CLIENTS": "17", "NOFAULT_TOTAL_OBJECTS": "22", "NOFAULT_TOTAL_POOLS": "18", "NOFAULT_TOTAL_MAPPED_BYTES": "2GiB",
			"NOFAULT_TOTAL_REGION_RECTS": "23", "NOFAULT_TOTAL_FDS": "19", "NOFAULT_TOTAL_QUEUED_BYTES": "1MiB",
			"NOFAULT_CYCLE_WINDOWS_KEY": "alt+shift+f2", "NOFAULT_UNMINIMIZE_KEY": "ctrl+alt+m",
			"NOFAULT_HOST_CLIPBOARD": "false",
		}, func(c *Config) {
			*c = Config{
				Backend: "headless", Socket: "nf", Size: Size{2, 3}, Renderer: "soft", Refresh: 75,
				Scale: 2, Outputs: "640x480",
				Screenshot: "a.png", Stats: "b.json", Trace: true, LogLevel: slog.LevelWarn,
				ShmRead: shm.ReadNoSigbus, ShmShrink: shm.ShrinkZeros, XdgUnackedBuffer: "accept",
				Limits: Limits{
					MaxObjects: 100, MaxPools: 11, MaxMappedBytes: int64(8 * MiB), MaxBuffersPerPool: 12, MaxRegionRects: 13,
					MaxDamageRects: 14, MaxFDs: 15, MaxQueuedBytes: int64(64 * KiB), MaxFrameCallbacks: 16, MaxSurfaceFrameCallbacks: 25, MaxUploadBytes: int64(64 * MiB), MaxClients: 17,
					TotalObjects: 22, TotalPools: 18, TotalMappedBytes: int64(2 * GiB), TotalRegionRects: 23, TotalFDs: 19, TotalQueuedBytes: int64(MiB),
				},
				CycleWindowsKey: "alt+shift+f2", UnminimizeKey: "ctrl+alt+m",
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := Default()
			tc.want(&want)
			got, cmd, err := Load(tc.args, envMap(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cmd != nil {
				t.Errorf("command = %q, want none", cmd)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		file string // written to a temporary file and passed with --config
		want string // the error, with PATH for the file's path
	}{
		{"size flag", []string{"--size=big"}, nil, "", `--size: want WxH, got "big"`},
		{"size env", nil, map[string]string{"NOFAULT_SIZE": "0x5"}, "", `NOFAULT_SIZE: want WxH with W and H from 1 to 16384, got "0x5"`},
		{"size too large", []string{"--size", "16385x2"}, nil, "", `--size: want WxH with W and H from 1 to 16384, got "16385x2"`},
		{"backend", []string{"--backend=wayland"}, nil, "", `--backend: want auto, nested or headless, got "wayland"`},
		{"shm-read env", nil, map[string]string{"NOFAULT_SHM_READ": "fast"}, "", `NOFAULT_SHM_READ: want auto, nosigbus or guarded, got "fast"`},
		{"shm-shrink", []string{"--shm-shrink=ignore"}, nil, "", `--shm-shrink: want kill or zeros, got "ignore"`},
		{"renderer", []string{"--renderer=vulkan"}, nil, "", `--renderer: want auto, soft or gl, got "vulkan"`},
		{"refresh", []string{"--refresh=0"}, nil, "", `--refresh: want an integer from 1 to 1000, got 0`},
		{"refresh syntax", []string{"--refresh=60Hz"}, nil, "", `--refresh: want an integer from 1 to 1000, got "60Hz"`},
		{"scale", []string{"--scale=0.5"}, nil, "", `--scale: want a number from 1 to 10, got 0.5`},
		{"scale syntax", []string{"--scale=1,5"}, nil, "", `--scale: want a number from 1 to 10, got "1,5"`},
		{"scale NaN", nil, map[string]string{"NOFAULT_SCALE": "NaN"}, "", `NOFAULT_SCALE: want a number from 1 to 10, got NaN`},
		{"outputs", []string{"--outputs=1920x1080,"}, nil, "", `--outputs: want WxH, got ""`},
		{"trace", []string{"--trace=maybe"}, nil, "", `--trace: want true or false, got "maybe"`},
		{"log level", []string{"--log-level=loud"}, nil, "", `--log-level: want debug, info, warn or error, got "loud"`},
		{"shortcut key", []string{"--cycle-windows-key=super+tabb"}, nil, "", `--cycle-windows-key: "super+tabb": unknown key "tabb" (want an evdev key name such as tab, esc, f1, m)`},
		{"shortcut modifier", nil, map[string]string{"NOFAULT_UNMINIMIZE_KEY": "hyper+m"}, "", `NOFAULT_UNMINIMIZE_KEY: "hyper+m": unknown modifier "hyper" (want shift, ctrl, alt or super)`},
		{"socket path", []string{"--socket=/tmp/w"}, nil, "", `--socket: want a file name in $XDG_RUNTIME_DIR, not a path, got "/tmp/w"`},
		{"bytes", []string{"--max-queued-bytes=4MB"}, nil, "", `--max-queued-bytes: want a byte count such as 4194304 or 4MiB, got "4MB"`},
		{"bytes too small", []string{"--max-queued-bytes=1KiB"}, nil, "", `--max-queued-bytes: want 64KiB to 1TiB, got 1KiB`},
		{"limit env", nil, map[string]string{"NOFAULT_MAX_OBJECTS": "-1"}, "", `NOFAULT_MAX_OBJECTS: want an integer from 16 to 4278190079, got -1`},
		{"unknown flag", []string{"--nope"}, nil, "", `flag provided but not defined: -nope (see --help)`},
		{"missing flag value", []string{"--size"}, nil, "", `flag needs an argument: -size (see --help)`},
		{"positional", []string{"--size=1x1", "foot"}, nil, "", `unexpected argument "foot": put the client command after --`},
		{"missing file", []string{"--config=/nonexistent/nofault.toml"}, nil, "", `config file /nonexistent/nofault.toml: open /nonexistent/nofault.toml: no such file or directory`},
		{"unknown key", nil, nil, "bogus = 1\n", `config file PATH: unknown key "bogus"`},
		{"unknown limit", nil, nil, "[limits]\nmax_object = 5\nmax_damage = 3\n", `config file PATH: unknown keys "limits.max_object", "limits.max_damage"`},
		{"unknown table", nil, nil, "[limit]\nmax_objects = 5\n", `config file PATH: unknown keys "limit", "limit.max_objects"`},
		{"file backend", nil, nil, `backend = "x11"`, `config file PATH: backend: want auto, nested or headless, got "x11"`},
		{"file limit range", nil, nil, "[limits]\nmax_objects = 3\n", `config file PATH: limits.max_objects: want an integer from 16 to 4278190079, got 3`},
		{"file bytes range", nil, nil, "[limits]\ntotal_mapped_bytes = 10\n", `config file PATH: limits.total_mapped_bytes: want 4KiB to 64TiB, got 10`},
		{"file socket", nil, nil, `socket = "a/b"`, `config file PATH: socket: want a file name in $XDG_RUNTIME_DIR, not a path, got "a/b"`},
		{"file env error wins over nothing", nil, map[string]string{"NOFAULT_REFRESH": "x"}, `refresh = 30`, `NOFAULT_REFRESH: want an integer from 1 to 1000, got "x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			path := ""
			if tc.file != "" {
				path = writeFile(t, tc.file)
				args = append([]string{"--config=" + path}, args...)
			}
			_, _, err := Load(args, envMap(tc.env))
			if err == nil {
				t.Fatal("no error")
			}
			if want := strings.ReplaceAll(tc.want, "PATH", path); err.Error() != want {
				t.Errorf("error\n got %s\nwant %s", err, want)
			}
		})
	}
}

// TestFileTypeErrors checks that malformed TOML values name the key; the
// rest of the message is the toml package's.
func TestFileTypeErrors(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{`size = "abc"`, `want WxH, got "abc"`},
		{`size = 1920`, `want WxH, got "1920"`},
		{`refresh = "fast"`, `refresh`},
		{`trace = "yes"`, `trace`},
		{`log_level = "loud"`, `log_level`},
		{`shm_read = "fast"`, `(last key "shm_read"): want auto, nosigbus or guarded, got "fast"`},
		{`shm_shrink = 1`, `shm_shrink`},
		{"[limits]\nmax_mapped_bytes = \"lots\"", `want a byte count`},
		{`backend = `, `config file`},
	} {
		path := writeFile(t, tc.file)
		_, _, err := Load([]string{"--config", path}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want it to mention %q and the path", tc.file, err, tc.want)
		}
	}
}

func TestCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
		size Size
	}{
		{[]string{"--size=10x10", "--", "foot", "-e", "--size=2"}, []string{"foot", "-e", "--size=2"}, Size{10, 10}},
		{[]string{"--", "--size=3x3"}, []string{"--size=3x3"}, Size{1280, 720}},
		{[]string{"--", "--", "x"}, []string{"--", "x"}, Size{1280, 720}},
		{[]string{"--"}, nil, Size{1280, 720}},
	} {
		c, cmd, err := Load(tc.args, nil)
		if err != nil {
			t.Errorf("Load(%q): %v", tc.args, err)
			continue
		}
		if !reflect.DeepEqual(cmd, tc.want) || c.Size != tc.size {
			t.Errorf("Load(%q) = size %v, command %q; want %v, %q", tc.args, c.Size, cmd, tc.size, tc.want)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		if _, _, err := Load([]string{"--size=1x1", arg}, nil); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("Load(%s) = %v, want flag.ErrHelp", arg, err)
		}
	}
	var b bytes.Buffer
	Usage(&b, "compositor")
	help := b.String()
	for _, want := range []string{"-- COMMAND [ARGS...]", "WAYLAND_DISPLAY", "exit status", "--config=PATH", EnvConfig, "docs/limits.md"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	def := Default()
	for _, o := range options {
		for _, want := range []string{"--" + o.flag, o.env, o.key, o.get(&def)} {
			if !strings.Contains(help, want) {
				t.Errorf("help lacks %q for --%s", want, o.flag)
			}
		}
	}
	for _, line := range strings.Split(help, "\n") {
		if len(line) > 80 {
			t.Errorf("help line over 80 columns: %q", line)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		ok   bool
	}{
		{"1920x1080", Size{1920, 1080}, true},
		{"1X1", Size{1, 1}, true},
		{"16384x16384", Size{16384, 16384}, true},
		{"0640x0480", Size{640, 480}, true},
		{"", Size{}, false},
		{"1920", Size{}, false},
		{"x1080", Size{}, false},
		{"1920x", Size{}, false},
		{"1920x1080x1", Size{}, false},
		{"+1920x1080", Size{}, false},
		{"-1x5", Size{}, false},
		{" 1x1", Size{}, false},
		{"1x1 ", Size{}, false},
		{"1.5x2", Size{}, false},
		{"0x720", Size{}, false},
		{"16385x1", Size{}, false},
		{"99999999999x1", Size{}, false},
	} {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"0", 0, true},
		{"4194304", 4 * MiB, true},
		{"4MiB", 4 * MiB, true},
		{"4 mib", 4 * MiB, true},
		{"1536KiB", 1536 * KiB, true},
		{"1GiB", GiB, true},
		{"2TiB", 2 * TiB, true},
		{"512B", 512, true},
		{"8388607TiB", 8388607 * TiB, true},
		{"8388608TiB", 0, false},
		{"", 0, false},
		{"MiB", 0, false},
		{"4MB", 0, false},
		{"4M", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1.5GiB", 0, false},
		{"1_000", 0, false},
	} {
		got, err := ParseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for b, want := range map[ByteSize]string{0: "0", 100: "100", 4 * MiB: "4MiB", 1536 * KiB: "1536KiB", GiB + 1: "1073741825", 3 * TiB: "3TiB"} {
		if got := b.String(); got != want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(b), got, want)
		}
	}
}

// TestScaleAndOutputs: the scale in 1/120ths, and the outputs list.
func TestScaleAndOutputs(t *testing.T) {
	for _, tc := range []struct {
		scale float64
		want  int
	}{{1, 120}, {1.25, 150}, {1.5, 180}, {2, 240}, {1.0 + 1.0/3, 160}, {10, 1200}} {
		c := Config{Scale: tc.scale}
		if got := c.Scale120(); got != tc.want {
			t.Errorf("Scale120(%v) = %d, want %d", tc.scale, got, tc.want)
		}
	}
	got, err := ParseOutputs("1920x1080, 1280x720")
	if err != nil || !reflect.DeepEqual(got, []Size{{1920, 1080}, {1280, 720}}) {
		t.Errorf("ParseOutputs = %v, %v", got, err)
	}
	if got, err := ParseOutputs(""); err != nil || got != nil {
		t.Errorf("ParseOutputs(\"\") = %v, %v, want none", got, err)
	}
	if _, err := ParseOutputs(strings.Repeat("1x1,", MaxOutputs) + "1x1"); err == nil {
		t.Errorf("%d outputs accepted", MaxOutputs+1)
	}
}
