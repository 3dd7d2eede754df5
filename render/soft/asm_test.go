package soft

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestAssemblyMovesAreVEX: no routine runs a legacy SSE instruction (one
// on an X register whose name does not start with V), such as the MOVQ
// R, X that Go assembles to a legacy movq. After VEX code that has
// written a Y register's upper half (any routine's constants), such an
// instruction cost a transition on every call: it was 71 % of
// overBlocksAVX2's samples on 256-pixel rows until the routines used
// VMOVQ (docs/benchmarks.md, "Translucent and XRGB8888 pixels").
func TestAssemblyMovesAreVEX(t *testing.T) {
	legacy := regexp.MustCompile(`(?m)^[ \t]+[A-UW-Z][A-Z0-9]*[ \t]+[^/\n]*\bX[0-9]+\b`)
	files, err := filepath.Glob("*.s")
	if err != nil || len(files) == 0 {
		t.Fatalf("no assembly files found (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range legacy.FindAll(b, -1) {
			t.Errorf("%s: %q is a legacy SSE instruction; use its VEX form", f, m)
		}
	}
}
