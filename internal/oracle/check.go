package oracle

import (
	"testing"
	"time"

	"github.com/nofault/nofault/internal/rawclient"
)

// Check runs every case in Cases against the server whose socket path
// socketPath returns (it is called once per case, so a caller may start a
// fresh server each time or share one) and fails t for each answer that is
// not Equivalent to libwayland's golden answer. After each case a second
// client must still complete a roundtrip, as a server must survive any one
// client's bad input.
func Check(t *testing.T, socketPath func(t *testing.T) string) {
	t.Helper()
	CheckWith(t, socketPath, nil)
}

// Difference is a documented departure from libwayland's answer: the
// answer the server under test must give instead, and why.
type Difference struct {
	Want Outcome
	Why  string
}

// CheckWith is Check where the cases named in diffs must give diffs' answer
// instead of libwayland's.
func CheckWith(t *testing.T, socketPath func(t *testing.T) string, diffs map[string]Difference) {
	t.Helper()
	golden, err := LoadGolden()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			want, ok := golden[c.Name]
			if !ok {
				t.Fatalf("no golden answer for %s", c.Name)
			}
			src := "libwayland"
			if d, ok := diffs[c.Name]; ok {
				want, src = d.Want, "documented difference: "+d.Why
			}
			path := socketPath(t)
			got, err := RunCase(path, c, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !want.Equivalent(got) {
				t.Errorf("%s (%s):\n got  %v\n want %v (%s)", c.Name, c.Doc, got, want, src)
			}
			other, err := rawclient.Dial(path)
			if err != nil {
				t.Fatalf("server gone after the case: %v", err)
			}
			defer other.Close()
			if _, err := other.Roundtrip(5 * time.Second); err != nil {
				t.Fatalf("second client after the case: %v", err)
			}
		})
	}
}
