package config

import (
	"encoding"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
	"github.com/nofault/nofault/shm"
)

// EnvConfig names the TOML file to read when --config is not given.
const EnvConfig = "NOFAULT_CONFIG"

// Load returns the configuration from args (the command line without the
// program name), the environment as read by env (such as os.Getenv; nil
// for none) and the TOML file named by --config or NOFAULT_CONFIG, over
// [Default]. It also returns the client command given after "--", or nil.
//
// With -h or --help, Load returns [flag.ErrHelp]; the caller prints
// [Usage] and exits successfully. Other errors name the flag, variable, or
// file and key at fault, as in `--size: want WxH, got "big"`.
func Load(args []string, env func(string) string) (Config, []string, error) {
	if env == nil {
		env = func(string) string { return "" }
	}
	fs := flag.NewFlagSet("nofault", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	configPath := fs.String("config", "", "")
	raw := make(map[string]*rawValue, len(options))
	for _, o := range options {
		v := &rawValue{isBool: o.isBool}
		raw[o.flag] = v
		fs.Var(v, o.flag, o.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, nil, flag.ErrHelp
		}
		return Config{}, nil, fmt.Errorf("%v (see --help)", err)
	}
	command := fs.Args()
	if len(command) > 0 {
		if i := len(args) - len(command); i == 0 || args[i-1] != "--" {
			return Config{}, nil, fmt.Errorf("unexpected argument %q: put the client command after --", command[0])
		}
	}

	cfg := Default()
	path, fromFlag := "", false
	fs.Visit(func(f *flag.Flag) { fromFlag = fromFlag || f.Name == "config" })
	if fromFlag {
		path = *configPath
	} else {
		path = env(EnvConfig)
	}
	if path != "" {
		if err := loadFile(&cfg, path); err != nil {
			return Config{}, nil, err
		}
	}
	for _, o := range options {
		if v := env(o.env); v != "" {
			if err := o.set(&cfg, v); err != nil {
				return Config{}, nil, fmt.Errorf("%s: %v", o.env, err)
			}
		}
	}
	for _, o := range options {
		if v := raw[o.flag]; v.set {
			if err := o.set(&cfg, v.s); err != nil {
				return Config{}, nil, fmt.Errorf("--%s: %v", o.flag, err)
			}
		}
	}
	if len(command) == 0 {
		command = nil
	}
	return cfg, command, nil
}

// loadFile decodes the TOML file at path over cfg and checks every key it
// set. The [limits] table is decoded key by key through server.LimitTable.
func loadFile(cfg *Config, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	md, err := toml.Decode(string(data), cfg)
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	var file struct {
		Limits map[string]any `toml:"limits"`
	}
	if _, err := toml.Decode(string(data), &file); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		key := k.String()
		if len(k) == 2 && k[0] == "limits" && server.LimitByKey(k[1]) != nil {
			continue
		}
		if key != "limits" {
			unknown = append(unknown, strconv.Quote(key))
		}
	}
	if len(unknown) > 0 {
		s := ""
		if len(unknown) > 1 {
			s = "s"
		}
		return fmt.Errorf("config file %s: unknown key%s %s", path, s, strings.Join(unknown, ", "))
	}
	for _, o := range options {
		if o.group == groupClient || o.group == groupTotal {
			v, ok := file.Limits[strings.TrimPrefix(o.key, "limits.")]
			if !ok {
				continue
			}
			var text string
			switch v := v.(type) {
			case int64:
				text = strconv.FormatInt(v, 10)
			case string:
				text = v
			default:
				return fmt.Errorf("config file %s: %s: want an integer or a string, got %v", path, o.key, v)
			}
			if err := o.set(cfg, text); err != nil {
				return fmt.Errorf("config file %s: %s: %v", path, o.key, err)
			}
			continue
		}
		if md.IsDefined(strings.Split(o.key, ".")...) {
			if err := o.check(cfg); err != nil {
				return fmt.Errorf("config file %s: %s: %v", path, o.key, err)
			}
		}
	}
	return nil
}

// rawValue records a flag's text; Load applies it after the file and the
// environment.
type rawValue struct {
	s      string
	set    bool
	isBool bool
}

func (v *rawValue) String() string {
	if v == nil {
		return ""
	}
	return v.s
}

func (v *rawValue) Set(s string) error { v.s, v.set = s, true; return nil }

func (v *rawValue) IsBoolFlag() bool { return v.isBool }

// option is one setting with its three spellings.
type option struct {
	flag   string // --flag
	env    string // NOFAULT_FLAG
	key    string // TOML key, dotted
	arg    string // placeholder in Usage
	usage  string
	group  string
	isBool bool
	set    func(*Config, string) error // parse, store and check
	check  func(*Config) error
	get    func(*Config) string // for Usage's defaults
}

func newOption(group, flagName, arg, usage string) option {
	key := strings.ReplaceAll(flagName, "-", "_")
	if group == groupClient || group == groupTotal {
		key = "limits." + key
	}
	return option{
		flag:  flagName,
		env:   "NOFAULT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_")),
		key:   key,
		arg:   arg,
		usage: usage,
		group: group,
	}
}

func enumOpt(group, flagName, usage string, field func(*Config) *string, values ...string) option {
	o := newOption(group, flagName, strings.Join(values, "|"), usage)
	o.check = func(c *Config) error {
		if v := *field(c); !slices.Contains(values, v) {
			return fmt.Errorf("want %s, got %q", orList(values), v)
		}
		return nil
	}
	o.set = func(c *Config, s string) error { *field(c) = s; return o.check(c) }
	o.get = func(c *Config) string { return *field(c) }
	return o
}

// textOpt is a setting of a type that names and parses its own values
// (String and UnmarshalText, which the TOML decoder calls too): values,
// from that type's package, are what --help lists, so the accepted values
// have one source of truth.
func textOpt[T interface {
	comparable
	fmt.Stringer
}, P interface {
	*T
	encoding.TextUnmarshaler
}](group, flagName, usage string, field func(*Config) *T, values []T) option {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = v.String()
	}
	o := newOption(group, flagName, strings.Join(names, "|"), usage)
	o.check = func(c *Config) error {
		if v := *field(c); !slices.Contains(values, v) {
			return fmt.Errorf("want %s, got %v", orList(names), v)
		}
		return nil
	}
	o.set = func(c *Config, s string) error { return P(field(c)).UnmarshalText([]byte(s)) }
	o.get = func(c *Config) string { return (*field(c)).String() }
	return o
}

func stringOpt(group, flagName, arg, usage string, field func(*Config) *string, check func(string) error) option {
	o := newOption(group, flagName, arg, usage)
	o.check = func(c *Config) error { return check(*field(c)) }
	o.set = func(c *Config, s string) error { *field(c) = s; return o.check(c) }
	o.get = func(c *Config) string { return *field(c) }
	return o
}

func boolOpt(group, flagName, usage string, field func(*Config) *bool) option {
	o := newOption(group, flagName, "", usage)
	o.isBool = true
	o.check = func(*Config) error { return nil }
	o.set = func(c *Config, s string) error {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", s)
		}
		*field(c) = b
		return nil
	}
	o.get = func(c *Config) string { return strconv.FormatBool(*field(c)) }
	return o
}

func intOpt(group, flagName, usage string, field func(*Config) *int, lo, hi int) option {
	o := newOption(group, flagName, "N", usage)
	o.check = func(c *Config) error {
		if v := *field(c); v < lo || v > hi {
			return fmt.Errorf("want an integer from %d to %d, got %d", lo, hi, v)
		}
		return nil
	}
	o.set = func(c *Config, s string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return fmt.Errorf("want an integer from %d to %d, got %q", lo, hi, s)
		}
		if n < int64(lo) || n > int64(hi) {
			return fmt.Errorf("want an integer from %d to %d, got %d", lo, hi, n)
		}
		*field(c) = int(n)
		return nil
	}
	o.get = func(c *Config) string { return strconv.Itoa(*field(c)) }
	return o
}

func orList(values []string) string {
	switch len(values) {
	case 1:
		return values[0]
	case 2:
		return values[0] + " or " + values[1]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// Option groups, in Usage order.
const (
	groupGeneral = "Compositor"
	groupShm     = "Shared memory"
	groupClient  = "Limits per client (TOML table [limits])"
	groupTotal   = "Limits across all clients (TOML table [limits])"
)

// options lists every setting except --config, in Usage order: the
// compositor's own, then one per row of server.LimitTable.
var options = append([]option{
	enumOpt(groupGeneral, "backend", "where the output goes: auto is nested when $WAYLAND_DISPLAY or $DISPLAY is set, headless otherwise",
		func(c *Config) *string { return &c.Backend }, "auto", "nested", "headless"),
	stringOpt(groupGeneral, "socket", "NAME", "socket name in $XDG_RUNTIME_DIR; empty takes the first free wayland-N",
		func(c *Config) *string { return &c.Socket }, checkSocket),
	{
		flag: "size", env: "NOFAULT_SIZE", key: "size", arg: "WxH", group: groupGeneral,
		usage: "output size in pixels (the nested window's initial size)",
		set: func(c *Config, s string) error {
			v, err := ParseSize(s)
			c.Size = v
			return err
		},
		check: func(c *Config) error {
			_, err := ParseSize(c.Size.String())
			return err
		},
		get: func(c *Config) string { return c.Size.String() },
	},
	enumOpt(groupGeneral, "renderer", "auto is soft (pure Go) headless, and gl for the nested backend unless the host's GL is software (llvmpipe: Xvfb, VNC, no GPU) or missing, where the X11 build draws soft and sends the output with MIT-SHM",
		func(c *Config) *string { return &c.Renderer }, "auto", "soft", "gl"),
	intOpt(groupGeneral, "refresh", "output refresh rate in Hz (headless frame clock, wl_output mode)",
		func(c *Config) *int { return &c.Refresh }, 1, 1000),
	{
		flag: "scale", env: "NOFAULT_SCALE", key: "scale", arg: "N", group: groupGeneral,
		usage: "output scale, 1 to 10 in steps of 1/120 (1.5 is fractional: wl_output.scale 2, preferred_scale 180)",
		set: func(c *Config, s string) error {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return fmt.Errorf("want a number from 1 to 10, got %q", s)
			}
			c.Scale = v
			return checkScale(c.Scale)
		},
		check: func(c *Config) error { return checkScale(c.Scale) },
		get:   func(c *Config) string { return strconv.FormatFloat(c.Scale, 'g', -1, 64) },
	},
	stringOpt(groupGeneral, "outputs", "WxH,...", "headless outputs laid out left to right (--outputs=1920x1080,1280x720); empty is one of --size",
		func(c *Config) *string { return &c.Outputs }, func(s string) error { _, err := ParseOutputs(s); return err }),
	stringOpt(groupGeneral, "screenshot", "PATH", "write a PNG of the output here at exit and on SIGUSR1",
		func(c *Config) *string { return &c.Screenshot }, func(string) error { return nil }),
	stringOpt(groupGeneral, "stats", "PATH", "write JSON statistics here at exit",
		func(c *Config) *string { return &c.Stats }, func(string) error { return nil }),
	enumOpt(groupGeneral, "xdg-unacked-buffer", "a buffer committed to an xdg_surface before a configure was acked: error posts unconfigured_buffer (the spec; wlroots, weston, mutter); accept maps it (Mir; WLCS 1.5.0 needs it)",
		func(c *Config) *string { return &c.XdgUnackedBuffer }, "error", "accept"),
	boolOpt(groupGeneral, "host-clipboard", "nested backend: share the text clipboard with the host desktop both ways; false keeps nofault's clipboard to its own clients",
		func(c *Config) *bool { return &c.HostClipboard }),
	boolOpt(groupGeneral, "trace", "log every protocol message on stderr, like WAYLAND_DEBUG=1",
		func(c *Config) *bool { return &c.Trace }),
	{
		flag: "log-level", env: "NOFAULT_LOG_LEVEL", key: "log_level", arg: "debug|info|warn|error", group: groupGeneral,
		usage: "least severe log level shown",
		set: func(c *Config, s string) error {
			var l slog.Level
			if err := l.UnmarshalText([]byte(s)); err != nil {
				return fmt.Errorf("want debug, info, warn or error, got %q", s)
			}
			c.LogLevel = l
			return nil
		},
		check: func(*Config) error { return nil },
		get:   func(c *Config) string { return strings.ToLower(c.LogLevel.String()) },
	},

	stringOpt(groupGeneral, "cycle-windows-key", "KEYS", "shortcut that raises and focuses the next window, such as ctrl+super+tab; empty for none",
		func(c *Config) *string { return &c.CycleWindowsKey }, checkShortcut),
	stringOpt(groupGeneral, "unminimize-key", "KEYS", "shortcut that brings back minimized windows; empty for none",
		func(c *Config) *string { return &c.UnminimizeKey }, checkShortcut),

	textOpt(groupShm, "shm-read", "how client memory is read: auto takes nosigbus when the kernel honours MAP_NOSIGBUS, else sealed for sealed pools, else guarded; nosigbus requires it; guarded guards every read",
		func(c *Config) *shm.ReadMode { return &c.ShmRead }, shm.ReadModes()),
	textOpt(groupShm, "shm-shrink", "a client that shrinks a pool under its buffers: kill posts wl_shm.error invalid_fd (as libwayland); zeros draws zeros and keeps it (as wlroots)",
		func(c *Config) *shm.ShrinkPolicy { return &c.ShmShrink }, shm.ShrinkPolicies()),
}, limitOptions()...)

func checkShortcut(s string) error {
	_, err := seat.ParseShortcut(s)
	return err
}

// limitOptions makes the option of each row of server.LimitTable: flag
// --max-objects, variable NOFAULT_MAX_OBJECTS, TOML limits.max_objects,
// help from the row, its range checked, bytes with a unit.
func limitOptions() []option {
	var opts []option
	for _, row := range server.LimitTable {
		group := groupClient
		if row.Scope == server.Total {
			group = groupTotal
		}
		usage := row.Counts
		if row.Scope == server.PerPool || row.Scope == server.PerSurface {
			usage = row.Scope.String() + ": " + usage
		}
		arg := "N"
		if row.Unit == server.Bytes {
			arg = "BYTES"
		}
		o := newOption(group, strings.ReplaceAll(row.Key, "_", "-"), arg, usage)
		field := row.Field
		lo, hi := row.Min, row.Max
		rangeErr := func(got any) error {
			if row.Unit == server.Bytes {
				return fmt.Errorf("want %v to %v, got %v", ByteSize(lo), ByteSize(hi), got)
			}
			return fmt.Errorf("want an integer from %d to %d, got %v", lo, hi, got)
		}
		o.check = func(c *Config) error {
			if v := *field(&c.Limits); v < lo || v > hi {
				if row.Unit == server.Bytes {
					return rangeErr(ByteSize(v))
				}
				return rangeErr(v)
			}
			return nil
		}
		o.set = func(c *Config, s string) error {
			var v int64
			if row.Unit == server.Bytes {
				b, err := ParseByteSize(s)
				if err != nil {
					return err
				}
				v = int64(b)
			} else {
				n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
				if err != nil {
					return rangeErr(strconv.Quote(s))
				}
				v = n
			}
			*field(&c.Limits) = v
			return o.check(c)
		}
		o.get = func(c *Config) string {
			if row.Unit == server.Bytes {
				return ByteSize(*field(&c.Limits)).String()
			}
			return strconv.FormatInt(*field(&c.Limits), 10)
		}
		opts = append(opts, o)
	}
	return opts
}

// checkSocket accepts a socket name: empty (automatic) or a file name in
// $XDG_RUNTIME_DIR that fits sockaddr_un with the ".lock" suffix.
func checkSocket(s string) error {
	switch {
	case s == "":
		return nil
	case strings.ContainsRune(s, '/') || s == "." || s == "..":
		return fmt.Errorf("want a file name in $XDG_RUNTIME_DIR, not a path, got %q", s)
	case strings.ContainsRune(s, 0):
		return fmt.Errorf("socket name contains NUL: %q", s)
	case len(s) > 64:
		return fmt.Errorf("socket name longer than 64 bytes: %q", s)
	}
	return nil
}

// Usage writes the --help text for program (the command's name) to w.
func Usage(w io.Writer, program string) {
	def := Default()
	fmt.Fprintf(w, `Usage: %[1]s [FLAGS] [-- COMMAND [ARGS...]]

nofault is a Wayland compositor that stays up when clients misbehave. It
serves a socket in $XDG_RUNTIME_DIR and shows clients in a window on the
host desktop (nested) or renders them off screen (headless).

With -- COMMAND ARGS..., it starts COMMAND with WAYLAND_DISPLAY set to its
socket once the socket is ready, and when COMMAND exits, exits with
COMMAND's exit status (128+N if signal N killed it), as cage does.

Each setting comes from, in order: its flag, its environment variable, the
TOML file, its default. Flags take "--name=value" or "--name value"; a
single dash works too.

  --config=PATH   TOML file to read (env %[2]s; none by default).
                  Unknown keys are an error.
  -h, --help      print this help and exit
`, program, EnvConfig)
	group := ""
	for _, o := range options {
		if o.group != group {
			group = o.group
			fmt.Fprintf(w, "\n%s:\n", group)
		}
		spec := "--" + o.flag
		if o.arg != "" {
			spec += "=" + o.arg
		}
		d := o.get(&def)
		if d == "" {
			d = `""`
		}
		fmt.Fprintf(w, "  %s (default %s)\n", spec, d)
		for _, line := range wrap(o.usage, 70) {
			fmt.Fprintf(w, "      %s\n", line)
		}
		if line := fmt.Sprintf("      env %s, TOML %s", o.env, o.key); len(line) <= 80 {
			fmt.Fprintln(w, line)
		} else {
			fmt.Fprintf(w, "      env %s,\n      TOML %s\n", o.env, o.key)
		}
	}
	fmt.Fprintf(w, `
Sizes in bytes take an integer with an optional unit: 4194304, 4096KiB,
4MiB, 1GiB. A client that exceeds a limit is disconnected with
wl_display.error no_memory (or the interface's own error) and a log line
naming the limit; when a total is reached, the client furthest over its
fair share of it is (shares split by user, then process, then connection).
See docs/limits.md.

Example:
  %[1]s --backend=headless --size=1920x1080 --screenshot=out.png -- foot
`, program)
}

// wrap splits s into lines of at most width bytes at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
