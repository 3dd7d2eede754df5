package protocol

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestGeneratedUpToDate regenerates every *.gen.go from its XML (when the XML
// is installed) and fails if the committed file differs by a byte.
func TestGeneratedUpToDate(t *testing.T) {
	src, err := os.ReadFile("generate.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^//go:generate go run \./internal/wlgen -o (\S+) (\S+)$`)
	matches := re.FindAllStringSubmatch(string(src), -1)
	if len(matches) == 0 {
		t.Fatal("no go:generate lines found")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "wlgen")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/wlgen").CombinedOutput(); err != nil {
		t.Fatalf("build wlgen: %v\n%s", err, out)
	}
	for _, m := range matches {
		out, xmlPath := m[1], m[2]
		t.Run(out, func(t *testing.T) {
			if _, err := os.Stat(xmlPath); err != nil {
				t.Skipf("protocol XML not installed: %v", err)
			}
			tmp := filepath.Join(dir, out)
			if o, err := exec.Command(bin, "-o", tmp, xmlPath).CombinedOutput(); err != nil {
				t.Fatalf("wlgen: %v\n%s", err, o)
			}
			want, err := os.ReadFile(tmp)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run go generate ./protocol", out)
			}
		})
	}
}
