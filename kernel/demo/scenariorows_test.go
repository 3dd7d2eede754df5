package demo

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func scenarioRecord(name, stats, outcome string, signal string) Record {
	s := &ScenarioReport{ExitCode: 0, ClientExit: 0, Signal: signal, Stats: json.RawMessage(stats)}
	if outcome != "" {
		s.Outcomes = []json.RawMessage{json.RawMessage(outcome)}
	}
	return Record{Kind: KindScenario, Name: name, Scenario: s}
}

const (
	guardedStats  = `{"shm":{"guarded":{"created":1,"faults":1,"shrinks":0},"nosigbus":{"created":0,"faults":0}}}`
	nosigbusStats = `{"shm":{"guarded":{"created":0,"faults":0},"nosigbus":{"created":1,"faults":0,"shrinks":0}}}`
	disconnected  = `{"scenario":"x","result":"disconnected","error":{"interface":"wl_buffer","code":2}}`
	survived      = `{"scenario":"x","result":"survived"}`
)

func TestScenarioRows(t *testing.T) {
	var rows []ScenarioRow
	for _, name := range KernelScenarios {
		rows = append(rows, ScenarioRows("stock", []Record{scenarioRecord(name, guardedStats, disconnected, "")})...)
	}
	for _, name := range KernelScenarios {
		rows = append(rows, ScenarioRows("patched", []Record{scenarioRecord(name, nosigbusStats, survived, "")})...)
	}
	// ScenarioRows returns every KernelScenarios row; keep the ones run
	var ran []ScenarioRow
	for _, r := range rows {
		if r.Strategy != "not run" {
			ran = append(ran, r)
		}
	}
	if errs := CheckScenarioRows(ran); len(errs) != 0 {
		t.Fatalf("good rows: %v\n%s", errs, FormatScenarioTable(ran))
	}
	if ran[0].Client != "disconnected (wl_buffer invalid_fd)" || ran[0].Compositor != "alive" {
		t.Errorf("stock row = %+v", ran[0])
	}
	table := FormatScenarioTable(ran)
	if !strings.Contains(table, "| hole-full-tmpfs | patched | nosigbus | 0 | alive | survived |") {
		t.Errorf("table:\n%s", table)
	}

	for _, tc := range []struct {
		name string
		row  ScenarioRow
	}{
		{"patched recovered a fault", ScenarioRow{Kernel: "patched", Strategy: "nosigbus", Recoveries: "1", Compositor: "alive"}},
		{"patched fell back to guarded", ScenarioRow{Kernel: "patched", Strategy: "guarded", Recoveries: "0", Compositor: "alive"}},
		{"patched compositor died", ScenarioRow{Kernel: "patched", Strategy: "nosigbus", Recoveries: "0", Compositor: "died (SIGBUS)"}},
		{"stock recovered nothing from the hole", ScenarioRow{Kernel: "stock", Strategy: "guarded", Recoveries: "0", Compositor: "alive"}},
		{"stock not run", ScenarioRow{Kernel: "stock", Strategy: "not run", Recoveries: "not run", Compositor: "not run"}},
	} {
		bad := append([]ScenarioRow(nil), ran...)
		for i := range bad {
			if bad[i].Kernel == tc.row.Kernel && bad[i].Scenario == KernelScenarios[0] {
				tc.row.Scenario = bad[i].Scenario
				bad[i] = tc.row
			}
		}
		if errs := CheckScenarioRows(bad); len(errs) == 0 {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if errs := CheckScenarioRows(ran[:3]); len(errs) == 0 {
		t.Error("a missing row: no error")
	}
	// the stock race may end with no fault (the size check saw it first)
	race := append([]ScenarioRow(nil), ran...)
	for i := range race {
		if race[i].Kernel == "stock" && race[i].Scenario == "shrink-grow-race" {
			race[i].Recoveries = "0"
		}
	}
	if errs := CheckScenarioRows(race); len(errs) != 0 {
		t.Errorf("stock race with 0 recoveries: %v", errs)
	}
}

func TestScenarioRowCompositorDied(t *testing.T) {
	rows := ScenarioRows("patched", []Record{scenarioRecord("shrink-grow-race", nosigbusStats, "", "SIGBUS")})
	if rows[1].Compositor != "died (SIGBUS)" || rows[1].Client != "not reported" {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestScenarioTableRoundTrip(t *testing.T) {
	rows := []ScenarioRow{
		{"hole-full-tmpfs", "stock", "guarded", "1", "alive", "disconnected (wl_buffer invalid_fd)"},
		{"hole-full-tmpfs", "patched", "nosigbus", "0", "alive", "survived"},
		{"shrink-grow-race", "stock", "guarded", "1", "alive", "disconnected (wl_buffer invalid_fd)"},
		{"shrink-grow-race", "patched", "nosigbus", "0", "alive", "disconnected (wl_buffer invalid_fd)"},
	}
	// as kerneldemo prints them: the main table, then this one
	main, err := os.ReadFile("testdata/table-golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(main) + "\n" + FormatScenarioTable(rows) + "\nnote: x\n"
	got, found, err := ParseScenarioTable(text)
	if err != nil || !found || !reflect.DeepEqual(got, rows) {
		t.Fatalf("ParseScenarioTable = %+v, %v, %v", got, found, err)
	}
	if errs := CheckScenarioRows(got); len(errs) != 0 {
		t.Fatal(errs)
	}
	// the main table still parses with the scenario table after it
	if mrows, err := ParseTable(text); err != nil || len(mrows) != 2 {
		t.Fatalf("ParseTable = %+v, %v", mrows, err)
	}
	if _, found, _ := ParseScenarioTable(string(main)); found {
		t.Fatal("found a scenario table in the 6.1 golden table")
	}
}
