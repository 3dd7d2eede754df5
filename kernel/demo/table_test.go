package demo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readTable(t *testing.T, path string) []Row {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ParseTable(string(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func TestGoldenTable(t *testing.T) {
	rows := readTable(t, "testdata/table-golden.txt")
	if len(rows) != 2 || rows[0].Kernel != "stock" || rows[1].Kernel != "patched" {
		t.Fatalf("rows = %+v", rows)
	}
	if errs := Check(rows, false); len(errs) != 0 {
		t.Fatalf("golden table: %v", errs)
	}
	// FormatTable and ParseTable round-trip.
	again, err := ParseTable(FormatTable(rows))
	if err != nil || !reflect.DeepEqual(again, rows) {
		t.Fatalf("round trip: %v\n%+v\n%+v", err, again, rows)
	}
}

func TestBadTable(t *testing.T) {
	errs := Check(readTable(t, "testdata/table-bad.txt"), false)
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`stock: offender outcome = "compositor died (SIGBUS)"`,
		`stock: bystander frames = "0 frames`,
		`patched: probe result = "fails (SIGBUS)"`,
		`patched: reads past EOF = "SIGBUS"`,
		`patched: strategy chosen = "guarded"`,
		`patched: SIGBUS recoveries = "1"`,
		`patched: offender outcome`,
		`patched: bystander frames`,
		`patched: flag checks`,
		`stock: all misbehave scenarios = "43 run, 1 died, 0 stalled over 5s"`,
		`patched: all misbehave scenarios = "43 run, 0 died, 0 stalled over 5s, 2 differ from stock"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing error %q in:\n%s", want, all)
		}
	}
	if len(errs) != 11 {
		t.Errorf("%d errors, want 11:\n%s", len(errs), all)
	}
}

func TestNotBuiltTable(t *testing.T) {
	rows := readTable(t, "testdata/table-notbuilt.txt")
	if errs := Check(rows, true); len(errs) != 0 {
		t.Errorf("allowNotBuilt: %v", errs)
	}
	if errs := Check(rows, false); len(errs) != 10 {
		t.Errorf("strict: %d errors, want 10: %v", len(errs), errs)
	}
}

func TestMissingRowAndHeader(t *testing.T) {
	rows, err := ParseTable(FormatTable([]Row{{Kernel: "stock"}}))
	if err != nil {
		t.Fatal(err)
	}
	errs := Check(rows, false)
	if len(errs) == 0 || !strings.Contains(errs[len(errs)-1].Error(), `no row for kernel "patched"`) {
		t.Errorf("errs = %v", errs)
	}
	if _, err := ParseTable("| kernel | probe |\n|---|---|\n"); err == nil {
		t.Error("wrong header accepted")
	}
	if _, err := ParseTable("nothing here"); err == nil {
		t.Error("no table accepted")
	}
}

// flagRecords fakes the flag tests of one kernel.
func flagRecords(patched bool) []Record {
	var recs []Record
	for _, f := range FlagTests {
		obs := f.Stock
		if patched {
			obs = f.Patched
		}
		recs = append(recs, Record{Kind: KindFlag, Name: f.Name, Observed: obs})
	}
	return recs
}

func TestSummarise(t *testing.T) {
	outcome := `{"scenario":"shrink-after-map","result":"disconnected","error":{"ObjectID":7,"Interface":"wl_buffer","Code":2,"Message":"fault"},"bystander":{"frames":57,"max_gap_ns":250000000}}`
	stats := func(strategy string, faults, shrinks int) json.RawMessage {
		m := map[string]any{"clients": 2, "shm": map[string]any{
			"guarded":  map[string]int{"created": 0, "faults": 0},
			"nosigbus": map[string]int{"created": 0, "faults": 0},
		}}
		m["shm"].(map[string]any)[strategy] = map[string]int{"created": 2, "faults": faults, "shrinks": shrinks}
		b, _ := json.Marshal(m)
		return b
	}
	scen := func(st json.RawMessage) Record {
		return Record{Kind: KindScenario, Name: "shrink-after-map", Scenario: &ScenarioReport{
			Stats: st, Outcomes: []json.RawMessage{json.RawMessage(outcome)}}}
	}
	allRun := Record{Kind: KindScenario, Name: AllScenarios, Scenario: &ScenarioReport{Outcomes: []json.RawMessage{
		json.RawMessage(outcome), json.RawMessage(`{"scenario":"fd-readonly","result":"survived","bystander":{"frames":9,"max_gap_ns":1000}}`)}}}
	stock := append(flagRecords(false),
		Record{Kind: KindProbe, Probe: &ProbeReport{Faulted: true}}, scen(stats("guarded", 1, 0)), allRun)
	patched := append(flagRecords(true),
		Record{Kind: KindProbe, Probe: &ProbeReport{Supported: true}}, allRun, scen(stats("nosigbus", 0, 1)))
	rows := []Row{Summarise("stock", stock), Summarise("patched", patched)}
	if d := CompareOutcomes(allRun.Scenario, allRun.Scenario); len(d) != 0 {
		t.Errorf("CompareOutcomes(x, x) = %v", d)
	}
	rows[1].All += ", 0 differ from stock"
	want := []Row{
		{"stock", "fails (SIGBUS)", "guarded", "SIGBUS", "1", "disconnected (wl_buffer invalid_fd) via fault", "57 frames, max gap 250 ms", "ignored", "2 run, 0 died, 0 stalled over 1s"},
		{"patched", "passes (zeros)", "nosigbus", "zeros", "0", "disconnected (wl_buffer invalid_fd) via policy", "57 frames, max gap 250 ms", "enforced", "2 run, 0 died, 0 stalled over 1s, 0 differ from stock"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", rows, want)
	}
	if errs := Check(rows, false); len(errs) != 0 {
		t.Fatal(errs)
	}

	nb := Summarise("stock", append(flagRecords(false), Record{Kind: KindScenario, Scenario: &ScenarioReport{NotBuilt: "/bin/misbehave"}}))
	if nb.Strategy != NotBuilt || nb.Offender != NotBuilt || nb.Probe != "no probe" {
		t.Errorf("not built row = %+v", nb)
	}
	died := Summarise("stock", []Record{{Kind: KindScenario, Scenario: &ScenarioReport{Signal: "SIGBUS"}}})
	if died.Offender != "compositor died (SIGBUS)" || died.Recoveries != "no stats" || died.FlagChecks != "missing" {
		t.Errorf("died row = %+v", died)
	}
	mixed := flagRecords(true)
	mixed[1].Observed = "SIGBUS"
	if got := Summarise("x", mixed).FlagChecks; got != "mixed: private-past-eof=SIGBUS" {
		t.Errorf("mixed flag cell = %q", got)
	}
}

func TestCompareOutcomes(t *testing.T) {
	rep := func(lines ...string) *ScenarioReport {
		s := &ScenarioReport{}
		for _, l := range lines {
			s.Outcomes = append(s.Outcomes, json.RawMessage(l))
		}
		return s
	}
	a := rep(`{"scenario":"a","result":"disconnected","error":{"interface":"wl_buffer","code":2}}`,
		`{"scenario":"b","result":"survived"}`, `{"scenario":"c","result":"survived"}`)
	b := rep(`{"scenario":"a","result":"disconnected","error":{"interface":"wl_buffer","code":1}}`,
		`{"scenario":"b","result":"survived"}`, `{"scenario":"d","result":"survived"}`)
	got := CompareOutcomes(a, b)
	want := []string{
		`a: "disconnected (wl_buffer invalid_fd)" -> "disconnected (wl_buffer invalid_stride)"`,
		`c: "survived" -> ""`, `d: "" -> "survived"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	stalled := rep(`{"scenario":"a","result":"compositor-died"}`,
		`{"scenario":"b","result":"survived","bystander":{"frames":3,"max_gap_ns":2000000000}}`)
	if c := allCell(stalled); c != "2 run, 1 died, 1 stalled over 1s" {
		t.Errorf("allCell = %q", c)
	}
}

func TestParseConsole(t *testing.T) {
	log := "SeaBIOS (version 1.16)\r\n[    0.5] random kernel line\r\n" +
		Record{Kind: KindBoot, Name: "6.1.192"}.Line() + "\r\n" +
		"NOFAULT-LOG shrink-after-map: hello\n" +
		"[    1.0] x" + Record{Kind: KindFlag, Name: "shared", Observed: "EINVAL"}.Line() + "\n" +
		"NOFAULT {broken\n" +
		Record{Kind: KindDone}.Line() + "\n"
	recs, errs := ParseConsole(strings.NewReader(log))
	if len(recs) != 3 || recs[0].Name != "6.1.192" || recs[1].Observed != "EINVAL" || recs[2].Kind != KindDone {
		t.Errorf("records = %+v", recs)
	}
	if len(errs) != 1 {
		t.Errorf("errs = %v, want the broken line", errs)
	}
}

// TestFlagTestsOnThisKernel runs the in-guest flag tests on the host: every
// outcome must be the stock or the patched one, all from the same side.
func TestFlagTestsOnThisKernel(t *testing.T) {
	recs := RunFlagTests()
	for _, r := range recs {
		t.Logf("%-20s %s", r.Name, r.Observed)
	}
	if cell := flagCell(recs); cell != "ignored" && cell != "enforced" {
		t.Errorf("flag checks on this kernel: %s", cell)
	}
}

// TestKernelDemoTable checks the table of the last real demo run
// (kernel/demo.sh); `make kernel-demo` sets NOFAULT_KERNEL_DEMO=1.
func TestKernelDemoTable(t *testing.T) {
	if os.Getenv("NOFAULT_KERNEL_DEMO") != "1" {
		t.Skip("set NOFAULT_KERNEL_DEMO=1 after running kernel/demo.sh")
	}
	dir := os.Getenv("NOFAULT_KERNEL_OUT")
	if dir == "" { // as kernel/demo.sh
		cache := os.Getenv("NOFAULT_KERNEL_CACHE")
		if cache == "" {
			cache = "/var/cache/nofault-kernel"
		}
		dir = filepath.Join(cache, "demo")
	}
	rows := readTable(t, filepath.Join(dir, "table.txt"))
	for _, e := range Check(rows, os.Getenv("NOFAULT_KERNEL_DEMO_ALLOW_NOT_BUILT") == "1") {
		t.Error(e)
	}
	b, err := os.ReadFile(filepath.Join(dir, "table.txt"))
	if err != nil {
		t.Fatal(err)
	}
	srows, found, err := ParseScenarioTable(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatal("no scenario table (hole-full-tmpfs, shrink-grow-race) in table.txt")
	}
	for _, e := range CheckScenarioRows(srows) {
		t.Error(e)
	}
}

func TestDifferByDesign(t *testing.T) {
	rows := readTable(t, "testdata/table-golden.txt")
	for i := range rows {
		if rows[i].Kernel == "patched" {
			rows[i].All = strings.Replace(rows[i].All, ", 0 differ from stock", ", 0 differ from stock (+1 by design)", 1)
		}
	}
	if errs := Check(rows, false); len(errs) != 0 {
		t.Fatalf("0 differences plus one by design: %v", errs)
	}
	for i := range rows {
		if rows[i].Kernel == "patched" {
			rows[i].All = strings.Replace(rows[i].All, ", 0 differ", ", 1 differ", 1)
		}
	}
	if errs := Check(rows, false); len(errs) != 1 {
		t.Fatalf("1 difference: %v", errs)
	}
	if !DifferByDesign["tmpfs-hole-full"] || DifferByDesign["shrink-after-map"] {
		t.Fatal("DifferByDesign")
	}
}
