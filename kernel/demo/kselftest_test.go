package demo

import (
	"strings"
	"testing"
)

func TestCheckKselftest(t *testing.T) {
	const allPass = "# Totals: pass:19 fail:0 xfail:0 xpass:0 skip:0 error:0"
	const allFail = "# Totals: pass:0 fail:19 xfail:0 xpass:0 skip:0 error:0"
	const oneFail = "# Totals: pass:18 fail:1 xfail:0 xpass:0 skip:0 error:0"
	const skipped = "1..0 # SKIP MAP_NOSIGBUS not supported"
	for _, tc := range []struct {
		kernel string
		rec    Record
		ok     bool
	}{
		{"patched", Record{Name: "map_nosigbus", Exit: 0, Detail: allPass}, true},
		{"patched", Record{Name: "map_nosigbus -f", Exit: 0, Detail: allPass}, true},
		{"patched", Record{Name: "map_nosigbus", Exit: 1, Detail: oneFail}, false},
		{"patched", Record{Name: "map_nosigbus", Exit: KselftestSkip, Detail: skipped}, false},
		{"patched", Record{Name: "map_nosigbus", Exit: 0, Detail: ""}, false}, // died before totals
		{"stock", Record{Name: "map_nosigbus", Exit: KselftestSkip, Detail: skipped}, true},
		{"stock", Record{Name: "map_nosigbus", Exit: 0, Detail: allPass}, false},
		{"stock", Record{Name: "map_nosigbus -f", Exit: 1, Detail: allFail}, true},
		{"stock", Record{Name: "map_nosigbus -f", Exit: 0, Detail: allPass}, false},
	} {
		err := CheckKselftest(tc.kernel, tc.rec)
		if (err == nil) != tc.ok {
			t.Errorf("%s %+v: err = %v, want ok=%v", tc.kernel, tc.rec, err, tc.ok)
		}
	}
}

func TestScanSerial(t *testing.T) {
	log := strings.Join([]string{
		"Linux version 6.12.118 (nofault@nofault)",
		"NOFAULT-LOG map_nosigbus: # WARNING: not a kernel line",
		`NOFAULT {"kind":"boot"}`,
		"------------[ cut here ]------------",
		"WARNING: CPU: 1 PID: 60 at mm/memory.c:4790 do_read_fault+0x1c/0x60",
		"BUG: Bad page map in process init  pte:8000000002a0a225",
		"Run /init as init process",
	}, "\n")
	got, err := ScanSerial(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "WARNING: CPU") || !strings.HasPrefix(got[1], "BUG: Bad page") {
		t.Fatalf("ScanSerial = %q", got)
	}
}
