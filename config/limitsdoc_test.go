package config

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/nofault/nofault/server"
)

// TestLimitsDocUpToDate fails when docs/limits.md's tables differ from
// what server.LimitTable generates, as TestGeneratedUpToDate does for the
// protocol bindings.
func TestLimitsDocUpToDate(t *testing.T) {
	const path = "../docs/limits.md"
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := UpdateLimitsDoc(got)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate ./config", path)
	}
	for _, row := range server.LimitTable {
		if !strings.Contains(string(got), "| `"+row.Key+"` |") {
			t.Errorf("%s has no row for %s", path, row.Key)
		}
	}
}
