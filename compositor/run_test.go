package compositor

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nofault/nofault/backend/headless"
	"github.com/nofault/nofault/config"
)

// TestRun starts nofault as cmd/compositor does, on the headless backend:
// the command's exit status ends Run, a stop signal ends it with 0 (the
// command gets SIGTERM), a command that cannot start gives 127; each time
// the screenshot and the statistics are written and the socket removed.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command []string
		signal  bool
		status  int
		err     string
		outputs bool
	}{
		{"command status", []string{"sh", "-c", `test -n "$WAYLAND_DISPLAY" && exit 3`}, false, 3, "", true},
		{"signal", []string{"sleep", "60"}, true, 0, "", true},
		{"start failure", []string{"nofault-no-such-command"}, false, 127, "start nofault-no-such-command", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Chmod(dir, 0o700)
			t.Setenv("XDG_RUNTIME_DIR", dir)
			cfg := config.Default()
			cfg.Size = config.Size{W: 64, H: 48}
			cfg.Screenshot = filepath.Join(dir, "shot.png")
			cfg.Stats = filepath.Join(dir, "stats.json")
			sigs := make(chan os.Signal, 1)
			if tc.signal {
				sigs <- syscall.SIGTERM
			}
			status, err := Run(context.Background(), cfg, headless.New(cfg.Refresh, nil), RunOptions{Command: tc.command, Signals: sigs})
			if status != tc.status || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("Run = %d, %v; want %d, %q", status, err, tc.status, tc.err)
			}
			if sockets, _ := filepath.Glob(filepath.Join(dir, "wayland-*")); len(sockets) != 0 {
				t.Errorf("left behind: %v", sockets)
			}
			if !tc.outputs {
				return
			}
			f, err := os.Open(cfg.Screenshot)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
				t.Errorf("screenshot: %v, %v", img.Bounds(), err)
			}
			b, err := os.ReadFile(cfg.Stats)
			var st map[string]any
			if err == nil {
				err = json.Unmarshal(b, &st)
			}
			if err != nil || st["shm_read"] != "auto" || st["renderer"] != "soft" {
				t.Errorf("stats: %v: %s", err, b)
			}
		})
	}
}
