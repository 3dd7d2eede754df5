package keymap

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// Names are the RMLVO names of a keymap, as XKB_DEFAULT_RULES, _MODEL,
// _LAYOUT, _VARIANT and _OPTIONS (and setxkbmap) spell them. Empty fields
// take the defaults evdev, pc105 and us.
type Names struct {
	Rules, Model, Layout, Variant, Options string
}

// NamesFromEnv reads the XKB_DEFAULT_* variables through getenv.
func NamesFromEnv(getenv func(string) string) Names {
	return Names{
		Rules:   getenv("XKB_DEFAULT_RULES"),
		Model:   getenv("XKB_DEFAULT_MODEL"),
		Layout:  getenv("XKB_DEFAULT_LAYOUT"),
		Variant: getenv("XKB_DEFAULT_VARIANT"),
		Options: getenv("XKB_DEFAULT_OPTIONS"),
	}
}

func (n Names) withDefaults() Names {
	if n.Rules == "" {
		n.Rules = "evdev"
	}
	if n.Model == "" {
		n.Model = "pc105"
	}
	if n.Layout == "" {
		n.Layout = "us"
	}
	return n
}

// embedded reports whether n names the embedded keymap (us, evdev, pc105).
func (n Names) embedded() bool {
	return n.withDefaults() == Names{Rules: "evdev", Model: "pc105", Layout: "us"}
}

func (n Names) String() string {
	n = n.withDefaults()
	s := "layout " + n.Layout
	if n.Variant != "" {
		s += ", variant " + n.Variant
	}
	if n.Options != "" {
		s += ", options " + n.Options
	}
	return s
}

// Compile turns RMLVO names into keymap text with xkbcommon's own compiler,
// `xkbcli compile-keymap` (Debian's libxkbcommon-tools). The error names
// the layout and xkbcommon's reason when the names are unknown.
func Compile(n Names) (string, error) {
	n = n.withDefaults()
	bin, err := exec.LookPath("xkbcli")
	if err != nil {
		return "", fmt.Errorf("keymap: %s needs xkbcommon's keymap compiler, xkbcli (apt-get install libxkbcommon-tools): %w", n, err)
	}
	args := []string{"compile-keymap", "--rules", n.Rules, "--model", n.Model, "--layout", n.Layout}
	if n.Variant != "" {
		args = append(args, "--variant", n.Variant)
	}
	if n.Options != "" {
		args = append(args, "--options", n.Options)
	}
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || out.Len() == 0 {
		why := "no keymap"
		if err != nil {
			why = err.Error()
		}
		// xkbcommon's first error says what it could not find, e.g.
		// `Couldn't find file "symbols/xx" in include paths`.
		for _, line := range strings.Split(errb.String(), "\n") {
			if i := strings.Index(line, "ERROR: "); i >= 0 {
				why = line[i+len("ERROR: "):]
				break
			}
		}
		return "", fmt.Errorf("keymap: unknown %s (XKB_DEFAULT_* or --keymap): %s", n, why)
	}
	return out.String(), nil
}

// active is the keymap New serves and ModState follows: the embedded one
// unless Use chose another.
var active struct {
	mu      sync.Mutex // guards following
	text    string
	modKeys map[uint32]modKey
	names   Names
}

// Use makes the keymap named by n the one New serves and ModState tracks,
// for the whole process; call it before the first New. The embedded us
// keymap needs no compiler; any other is compiled with Compile.
func Use(n Names) error {
	text := embeddedText
	if !n.embedded() {
		var err error
		if text, err = Compile(n); err != nil {
			return err
		}
	}
	m, err := parseModKeys(text)
	if err != nil {
		return fmt.Errorf("keymap %s: %w", n, err)
	}
	active.mu.Lock()
	active.text, active.modKeys, active.names = text, m, n.withDefaults()
	active.mu.Unlock()
	return nil
}

// ActiveNames returns the names of the keymap in use.
func ActiveNames() Names {
	active.mu.Lock()
	defer active.mu.Unlock()
	if active.text == "" {
		return Names{}.withDefaults()
	}
	return active.names
}

// activeKeymap returns the keymap text in use and its modifier keys. The
// embedded keymap's are parsed on first use, not at start: New needs only
// the text.
func activeKeymap(withModKeys bool) (string, map[uint32]modKey) {
	active.mu.Lock()
	defer active.mu.Unlock()
	if active.text == "" {
		active.text, active.names = embeddedText, Names{}.withDefaults()
	}
	if withModKeys && active.modKeys == nil {
		m, err := parseModKeys(active.text)
		if err != nil {
			panic(errors.Join(errors.New("keymap: the embedded keymap does not parse"), err)) // tests parse it; Use checks others
		}
		active.modKeys = m
	}
	return active.text, active.modKeys
}
