package demo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// KernelScenarios are the scenarios of the v2 (6.12) demo that show what
// the series adds over a read past EOF, each run by guestinit's own client
// ("/init -client NAME") against the compositor: a pool whose file has a
// hole inside EOF on a full tmpfs, and a pool whose file shrinks and grows
// in a loop while the compositor draws it. Their rows form a second table.
var KernelScenarios = []string{"hole-full-tmpfs", "shrink-grow-race"}

// KernelScenarioLines are the scenario-file lines of KernelScenarios.
func KernelScenarioLines() string {
	var b strings.Builder
	for _, name := range KernelScenarios {
		fmt.Fprintf(&b, "%s\t/bin/compositor --backend=headless --shm-read=auto --stats=/tmp/stats-%s.json -- /init -client %s\n", name, name, name)
	}
	return b.String()
}

// ScenarioColumns are the header cells of the scenario table.
var ScenarioColumns = []string{"scenario", "kernel", "strategy chosen", "SIGBUS recoveries", "compositor", "client outcome"}

// ScenarioRow is one scenario on one kernel.
type ScenarioRow struct {
	Scenario, Kernel string
	Strategy         string // as Row.Strategy
	Recoveries       string // as Row.Recoveries
	Compositor       string // "alive" (exited 0 on SIGTERM), "died (SIGBUS)", "exit N", "timed out"
	Client           string // "<result> [(<iface> <error>)]"
}

func (r ScenarioRow) cells() []string {
	return []string{r.Scenario, r.Kernel, r.Strategy, r.Recoveries, r.Compositor, r.Client}
}

// ScenarioRows returns the KernelScenarios rows of one boot's records.
func ScenarioRows(kernel string, recs []Record) []ScenarioRow {
	var rows []ScenarioRow
	for _, name := range KernelScenarios {
		row := ScenarioRow{Scenario: name, Kernel: kernel, Strategy: "not run", Recoveries: "not run", Compositor: "not run", Client: "not run"}
		for _, r := range recs {
			if r.Kind != KindScenario || r.Name != name || r.Scenario == nil {
				continue
			}
			s := r.Scenario
			if s.NotBuilt != "" {
				row.Strategy, row.Recoveries, row.Compositor, row.Client = NotBuilt, NotBuilt, NotBuilt, NotBuilt
				continue
			}
			var main Row
			scenarioCells(&main, s)
			row.Strategy, row.Recoveries = main.Strategy, main.Recoveries
			switch {
			case s.Signal != "":
				row.Compositor = "died (" + s.Signal + ")"
			case s.TimedOut:
				row.Compositor = "timed out"
			case s.ExitCode != 0:
				row.Compositor = "exit " + strconv.Itoa(s.ExitCode)
			default:
				row.Compositor = "alive"
			}
			row.Client = "not reported"
			for _, raw := range s.Outcomes {
				var o outcome
				if json.Unmarshal(raw, &o) == nil && o.Result != "" {
					row.Client = o.Result
					if e := errorText(o.Error); e != "" {
						row.Client += " (" + e + ")"
					}
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// FormatScenarioTable renders rows as a Markdown table.
func FormatScenarioTable(rows []ScenarioRow) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(ScenarioColumns, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat(" --- |", len(ScenarioColumns)) + "\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r.cells(), " | ") + " |\n")
	}
	return b.String()
}

// CheckScenarioRows checks the KernelScenarios rows: on the patched kernel
// the compositor uses MAP_NOSIGBUS, never recovers a fault (there is none
// to recover) and stays alive; on the stock kernel it uses the guarded
// path, which recovers the hole's fault (at least one; in the race, any
// number), and stays alive. The client's
// outcome is not checked (on stock it is disconnected with invalid_fd, on
// patched it survives the hole and, in the race, is disconnected by the
// shrink policy or survives, depending on what fstat saw).
func CheckScenarioRows(rows []ScenarioRow) []error {
	var errs []error
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Scenario+"/"+r.Kernel] = true
		bad := func(col, want string) {
			errs = append(errs, fmt.Errorf("%s on %s: %s is %q, want %s", r.Scenario, r.Kernel, col, r.Strategy+"|"+r.Recoveries+"|"+r.Compositor, want))
		}
		n, err := strconv.Atoi(r.Recoveries)
		switch r.Kernel {
		case "patched":
			if r.Strategy != "nosigbus" {
				bad("strategy", "nosigbus")
			}
			if err != nil || n != 0 {
				bad("SIGBUS recoveries", "0")
			}
		case "stock":
			if r.Strategy != "guarded" {
				bad("strategy", "guarded")
			}
			// fstat cannot see a hole, so that read always faults; in the
			// race the commit-time size check often sees the file short
			// first (disconnected via policy, no fault)
			if min := map[bool]int{true: 1, false: 0}[r.Scenario == "hole-full-tmpfs"]; err != nil || n < min {
				bad("SIGBUS recoveries", fmt.Sprintf(">= %d", min))
			}
		}
		if r.Compositor != "alive" {
			bad("compositor", "alive")
		}
	}
	for _, name := range KernelScenarios {
		for _, k := range []string{"stock", "patched"} {
			if !seen[name+"/"+k] {
				errs = append(errs, fmt.Errorf("%s on %s: no row", name, k))
			}
		}
	}
	return errs
}

// ParseScenarioTable reads the scenario table back from FormatScenarioTable
// output (which may follow the main table); found is false when text has
// none.
func ParseScenarioTable(text string) (rows []ScenarioRow, found bool, err error) {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "|") || !strings.HasSuffix(l, "|") {
			if found {
				break
			}
			continue
		}
		cells := strings.Split(l[1:len(l)-1], "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !found {
			found = strings.Join(cells, "|") == strings.Join(ScenarioColumns, "|")
			continue
		}
		if strings.Trim(strings.Join(cells, ""), "-: ") == "" {
			continue // separator
		}
		if len(cells) != len(ScenarioColumns) {
			return nil, true, fmt.Errorf("scenario row %q has %d cells, want %d", l, len(cells), len(ScenarioColumns))
		}
		rows = append(rows, ScenarioRow{cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]})
	}
	return rows, found, nil
}
