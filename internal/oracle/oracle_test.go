package oracle

import (
	"encoding/json"
	"flag"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
)

var update = flag.Bool("update", false, "rewrite "+GoldenFile+" from the oracle's answers")

// finalTimeout is how long a case's last roundtrip may wait before the
// answer counts as "no-reply". Answers normally take microseconds.
const finalTimeout = time.Second

// TestLibwaylandGolden runs every case against libwayland and compares the
// answers with the golden file (or rewrites it with -update).
func TestLibwaylandGolden(t *testing.T) {
	if _, err := Build(); err != nil {
		t.Skip(err)
	}
	var want map[string]Outcome
	if !*update {
		b, err := os.ReadFile(GoldenFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%s: %v", GoldenFile, err)
		}
	}
	got := make(map[string]Outcome)
	t.Run("cases", func(t *testing.T) {
		for _, c := range Cases {
			t.Run(c.Name, func(t *testing.T) {
				out := runOnOracle(t, c)
				got[c.Name] = out // subtests run sequentially
				if *update {
					t.Logf("%s", out)
					return
				}
				w, ok := want[c.Name]
				if !ok {
					t.Fatalf("no golden answer; got %v (run with -update)", out)
				}
				if out != w {
					t.Errorf("libwayland answered %v\nwant %v", out, w)
				}
			})
		}
	})
	if *update {
		writeGolden(t, got)
		return
	}
	for name := range want {
		if _, ok := got[name]; !ok && !t.Failed() {
			t.Errorf("golden answer for %q, which is not in Cases", name)
		}
	}
}

// runOnOracle runs c against a fresh reference server and checks that the
// server survives it and still serves another client.
func runOnOracle(t *testing.T, c Case) Outcome {
	t.Helper()
	srv, err := StartServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	path := srv.SocketPath
	out, err := RunCase(path, c, finalTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if l := srv.Log(); l != "" {
		t.Logf("libwayland log: %s", strings.TrimSpace(l))
	}
	other, err := rawclient.Dial(path)
	if err != nil {
		t.Fatalf("oracle gone after the case: %v", err)
	}
	defer other.Close()
	if _, err := other.Roundtrip(5 * time.Second); err != nil {
		t.Fatalf("second client after the case: %v", err)
	}
	return out
}

func writeGolden(t *testing.T, m map[string]Outcome) {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(GoldenFile, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d answers to %s", len(names), GoldenFile)
}

func TestCaseNamesUnique(t *testing.T) {
	seen := make(map[string]bool)
	for _, c := range Cases {
		if c.Name == "" || c.Doc == "" || c.Run == nil {
			t.Errorf("case %q: Name, Doc and Run are required", c.Name)
		}
		if seen[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		seen[c.Name] = true
	}
}

func TestSameMessage(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"invalid object 7", "invalid object 7", true},
		{"failed mmap fd 9: No such device", "failed mmap fd 23: No such device", true},
		{"invalid version for global wl_compositor (1): have 4, wanted 5", "invalid version for global wl_compositor (3): have 6, wanted 7", true},
		{"invalid object 7", "invalid method 7", false},
	}
	for _, tt := range tests {
		if got := SameMessage(tt.a, tt.b); got != tt.want {
			t.Errorf("SameMessage(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCheckAgainstOracle runs Check (what nofault's tests call) against the
// oracle itself, sharing one server across all cases.
func TestCheckAgainstOracle(t *testing.T) {
	if _, err := Build(); err != nil {
		t.Skip(err)
	}
	if testing.Short() {
		t.Skip("covered by TestLibwaylandGolden")
	}
	path := Start(t)
	Check(t, func(*testing.T) string { return path })
}
