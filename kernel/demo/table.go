package demo

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Columns are the demo table's header cells, in order.
var Columns = []string{
	"kernel", "probe result", "strategy chosen", "reads past EOF",
	"SIGBUS recoveries", "offender outcome", "bystander frames", "flag checks",
	"all misbehave scenarios",
}

// NotBuilt fills the cells a scenario could not provide because the
// compositor or misbehave binary did not build.
const NotBuilt = "not built"

// TableScenario is the scenario whose run fills the table's scenario cells.
const TableScenario = "shrink-after-map"

// AllScenarios is the scenario that runs every misbehave scenario; it fills
// the last column.
const AllScenarios = "misbehave-all"

// Row is one kernel's line of the table.
type Row struct {
	Kernel     string // "stock" or "patched"
	Probe      string // "passes (zeros)", "fails (SIGBUS)", "fails (data)", "error: ...", "no probe"
	Strategy   string // strategies with pools created, "+"-joined: "nosigbus", "guarded", ...
	PastEOF    string // the private-past-eof flag test: "zeros" or "SIGBUS"
	Recoveries string // faults recovered by nofault, over all strategies
	Offender   string // "<result> [(<iface> <error>)] via fault|via policy"
	Bystander  string // "<frames> frames, max gap <ms> ms[, error: ...]"
	FlagChecks string // "enforced" (patched semantics), "ignored" (stock), or the mismatches
	// All summarises the AllScenarios run: "<n> run, <d> died, <s> stalled
	// over <StallGap>",
	// and for the patched kernel ", <x> differ from stock" (see CompareOutcomes).
	All string
}

func (r Row) cells() []string {
	return []string{r.Kernel, r.Probe, r.Strategy, r.PastEOF, r.Recoveries, r.Offender, r.Bystander, r.FlagChecks, r.All}
}

// Summarise turns one boot's records into a table row.
func Summarise(kernel string, recs []Record) Row {
	row := Row{Kernel: kernel, Probe: "no probe", PastEOF: "missing", FlagChecks: "missing",
		Strategy: "missing", Recoveries: "missing", Offender: "missing", Bystander: "missing", All: "not run"}
	var flags []Record
	haveScenario := false
	for _, r := range recs {
		switch r.Kind {
		case KindProbe:
			row.Probe = probeCell(r.Probe)
		case KindFlag:
			flags = append(flags, r)
			if r.Name == "private-past-eof" {
				row.PastEOF = r.Observed
			}
		case KindScenario:
			if r.Name == AllScenarios {
				row.All = allCell(r.Scenario)
				continue
			}
			// the table shows TableScenario (or the first scenario)
			if r.Scenario != nil && (!haveScenario || r.Name == TableScenario) {
				row.Strategy, row.Recoveries, row.Offender, row.Bystander = "", "", "", ""
				scenarioCells(&row, r.Scenario)
				haveScenario = r.Name == TableScenario
			}
		}
	}
	if len(flags) > 0 {
		row.FlagChecks = flagCell(flags)
	}
	return row
}

func probeCell(p *ProbeReport) string {
	switch {
	case p == nil:
		return "no probe"
	case p.Err != "":
		return "error: " + p.Err
	case p.Supported:
		return "passes (zeros)"
	case p.Faulted:
		return "fails (SIGBUS)"
	}
	return "fails (data)"
}

// flagCell compares the flag tests with both expectation sets.
func flagCell(recs []Record) string {
	want := map[string]FlagTest{}
	for _, t := range FlagTests {
		want[t.Name] = t
	}
	stock, patched := true, true
	var bad []string
	seen := map[string]bool{}
	for _, r := range recs {
		t, ok := want[r.Name]
		if !ok {
			continue
		}
		seen[r.Name] = true
		stock = stock && r.Observed == t.Stock
		patched = patched && r.Observed == t.Patched
		if r.Observed != t.Stock && r.Observed != t.Patched {
			bad = append(bad, r.Name+"="+r.Observed)
		}
	}
	for _, t := range FlagTests {
		if !seen[t.Name] {
			bad = append(bad, t.Name+" missing")
		}
	}
	switch {
	case len(bad) > 0:
		return "unexpected: " + strings.Join(bad, ", ")
	case patched:
		return "enforced"
	case stock:
		return "ignored"
	}
	// each test matched one side, but not all the same side
	var mixed []string
	for _, r := range recs {
		if t := want[r.Name]; r.Observed != t.Patched {
			mixed = append(mixed, r.Name+"="+r.Observed)
		}
	}
	return "mixed: " + strings.Join(mixed, ", ")
}

// counters are the shm per-strategy counters found in the stats file.
type counters struct{ created, faults, shrinks map[string]float64 }

var strategies = []string{"nosigbus", "sealed", "guarded"}

// statsCounters finds "<strategy>.created|faults|shrinks" anywhere in the
// compositor's stats JSON (e.g. under "shm"), case-insensitively.
func statsCounters(raw json.RawMessage) (counters, bool) {
	c := counters{map[string]float64{}, map[string]float64{}, map[string]float64{}}
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return c, false
	}
	found := false
	flat := map[string]float64{}
	flatten("", v, flat)
	for k, n := range flat {
		parts := strings.Split(strings.ToLower(k), ".")
		if len(parts) < 2 {
			continue
		}
		s, field := parts[len(parts)-2], parts[len(parts)-1]
		known := false
		for _, name := range strategies {
			known = known || s == name
		}
		if !known {
			continue
		}
		switch field {
		case "created":
			c.created[s] += n
		case "faults", "recoveries":
			c.faults[s] += n
		case "shrinks":
			c.shrinks[s] += n
		default:
			continue
		}
		found = true
	}
	return c, found
}

func flatten(prefix string, v any, out map[string]float64) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, e, out)
		}
	case float64:
		out[prefix] = x
	}
}

func sum(m map[string]float64) float64 {
	t := 0.0
	for _, v := range m {
		t += v
	}
	return t
}

// outcome is the part of misbehave's Outcome JSON the table uses.
type outcome struct {
	Scenario  string          `json:"scenario"`
	Result    string          `json:"result"`
	Error     json.RawMessage `json:"error"`
	Detail    string          `json:"detail"`
	Bystander *struct {
		Frames   int    `json:"frames"`
		MaxGapNS int64  `json:"max_gap_ns"`
		Error    string `json:"error"`
	} `json:"bystander"`
}

var shmErrors = []string{"invalid_format", "invalid_stride", "invalid_fd"}

func errorText(raw json.RawMessage) string {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil || m == nil {
		return ""
	}
	get := func(k string) any {
		for mk, v := range m {
			if strings.EqualFold(mk, k) {
				return v
			}
		}
		return nil
	}
	iface, _ := get("interface").(string)
	code, ok := get("code").(float64)
	if !ok {
		return iface
	}
	name := strconv.Itoa(int(code))
	if (iface == "wl_shm" || iface == "wl_shm_pool" || iface == "wl_buffer") && int(code) < len(shmErrors) {
		name = shmErrors[int(code)]
	}
	return strings.TrimSpace(iface + " " + name)
}

func scenarioCells(row *Row, s *ScenarioReport) {
	if s.NotBuilt != "" {
		row.Strategy, row.Recoveries, row.Offender, row.Bystander = NotBuilt, NotBuilt, NotBuilt, NotBuilt
		return
	}
	c, ok := statsCounters(s.Stats)
	if ok {
		var used []string
		for _, name := range strategies {
			if c.created[name] > 0 {
				used = append(used, name)
			}
		}
		row.Strategy = "none"
		if len(used) > 0 {
			row.Strategy = strings.Join(used, "+")
		}
		row.Recoveries = strconv.Itoa(int(sum(c.faults)))
	} else {
		row.Strategy, row.Recoveries = "no stats", "no stats"
	}

	var o *outcome
	for _, raw := range s.Outcomes {
		var x outcome
		if json.Unmarshal(raw, &x) == nil && x.Result != "" {
			if o == nil || x.Scenario == "shrink-after-map" {
				o = &x
			}
		}
	}
	switch {
	case s.Signal != "":
		row.Offender = "compositor died (" + s.Signal + ")"
	case s.TimedOut && o == nil:
		row.Offender = "timed out"
	case o == nil:
		row.Offender = "not reported" + textOutcome(s.Tail)
	default:
		row.Offender = o.Result
		if e := errorText(o.Error); e != "" {
			row.Offender += " (" + e + ")"
		}
		switch {
		case !ok:
		case sum(c.faults) > 0:
			row.Offender += " via fault"
		case sum(c.shrinks) > 0:
			row.Offender += " via policy"
		}
	}
	switch {
	case o == nil || o.Bystander == nil:
		row.Bystander = "not reported"
	default:
		b := o.Bystander
		row.Bystander = fmt.Sprintf("%d frames, max gap %d ms", b.Frames, time.Duration(b.MaxGapNS).Milliseconds())
		if b.Error != "" {
			row.Bystander += ", error: " + b.Error
		}
	}
}

// ScenarioSummary is a one-line summary of any scenario run, for the notes
// under the table: how many outcomes had which result, and how the
// compositor ended.
func ScenarioSummary(s *ScenarioReport) string {
	if s == nil {
		return "no report"
	}
	if s.NotBuilt != "" {
		return NotBuilt + " (" + s.NotBuilt + ")"
	}
	counts := map[string]int{}
	for _, raw := range s.Outcomes {
		var o outcome
		if json.Unmarshal(raw, &o) == nil {
			counts[o.Result]++
		}
	}
	var parts []string
	for _, k := range sortedKeys(counts) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	res := strings.Join(parts, ", ")
	if res == "" {
		res = "no outcomes"
	}
	st := fmt.Sprintf("client exit %d, compositor exit %d", s.ClientExit, s.ExitCode)
	if s.Signal != "" {
		st = "compositor died of " + s.Signal
	}
	if s.TimedOut {
		st += ", timed out"
	}
	return fmt.Sprintf("%s; %s; %.1f s", res, st, s.Seconds)
}

func sortedKeys(m map[string]int) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

func parseOutcomes(s *ScenarioReport) []outcome {
	var list []outcome
	for _, raw := range s.Outcomes {
		var o outcome
		if json.Unmarshal(raw, &o) == nil && o.Result != "" {
			list = append(list, o)
		}
	}
	return list
}

// StallGap is the longest bystander gap the "stalled" count tolerates: the
// misbehave issue's 1 s on real hardware. kerneldemo raises it under TCG,
// where the whole guest runs several times slower and stress scenarios
// (a thousand clients) stretch the gaps accordingly.
var StallGap = time.Second

// Stalls lists the scenarios whose bystander had an error or a gap over
// limit, as "name (gap, error)".
func Stalls(s *ScenarioReport, limit time.Duration) []string {
	if s == nil {
		return nil
	}
	var list []string
	for _, o := range parseOutcomes(s) {
		if b := o.Bystander; b != nil && (b.Error != "" || time.Duration(b.MaxGapNS) > limit) {
			t := fmt.Sprintf("%s (max gap %v", o.Scenario, time.Duration(b.MaxGapNS).Round(time.Millisecond))
			if b.Error != "" {
				t += ", error: " + b.Error
			}
			list = append(list, t+")")
		}
	}
	return list
}

func allCell(s *ScenarioReport) string {
	switch {
	case s == nil:
		return "no report"
	case s.NotBuilt != "":
		return NotBuilt
	}
	list := parseOutcomes(s)
	died := 0
	for _, o := range list {
		if o.Result == "compositor-died" {
			died++
		}
	}
	if s.Signal != "" {
		died++ // the compositor itself died of a signal
	}
	return fmt.Sprintf("%d run, %d died, %d stalled over %v", len(list), died, len(Stalls(s, StallGap)), StallGap)
}

// key is what CompareOutcomes compares: result, and the error's interface
// and code.
func (o outcome) key() string {
	k := o.Result
	if e := errorText(o.Error); e != "" {
		k += " (" + e + ")"
	}
	return k
}

// CompareOutcomes lists the scenarios whose outcome in b differs from a
// (or that ran in only one of them), as "name: a-outcome -> b-outcome".
// DifferByDesign are the misbehave scenarios whose outcome the patched
// kernel changes on purpose: MAP_NOSIGBUS v2 reads an in-file hole on a
// full tmpfs as zeros where the stock kernel's guarded read faults, and a
// file truncated and regrown by another process is read as zeros or data
// instead of faulting. CompareOutcomes' differences in these are notes,
// not errors.
var DifferByDesign = map[string]bool{"tmpfs-hole-full": true, "truncate-regrow-loop": true}

func CompareOutcomes(a, b *ScenarioReport) []string {
	if a == nil || b == nil {
		return []string{"missing report"}
	}
	am, bm := map[string]string{}, map[string]string{}
	var names []string
	for _, o := range parseOutcomes(a) {
		am[o.Scenario] = o.key()
		names = append(names, o.Scenario)
	}
	for _, o := range parseOutcomes(b) {
		bm[o.Scenario] = o.key()
		if _, ok := am[o.Scenario]; !ok {
			names = append(names, o.Scenario)
		}
	}
	var diff []string
	for _, n := range names {
		if am[n] != bm[n] {
			diff = append(diff, fmt.Sprintf("%s: %q -> %q", n, am[n], bm[n]))
		}
	}
	return diff
}

// textOutcome is a fallback when misbehave printed no JSON: the first
// outcome word found in its output.
func textOutcome(tail []string) string {
	for _, l := range tail {
		for _, w := range []string{"compositor-died", "disconnected", "survived"} {
			if strings.Contains(l, w) {
				return " (text: " + w + ")"
			}
		}
	}
	return ""
}

// FormatTable renders rows as one pipe table (Markdown-compatible). Cells
// must not contain "|"; such characters are replaced by "/".
func FormatTable(rows []Row) string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + strings.ReplaceAll(c, "|", "/") + " |")
		}
		b.WriteString("\n")
	}
	line(Columns)
	sep := make([]string, len(Columns))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range rows {
		line(r.cells())
	}
	return b.String()
}

// ParseTable finds the demo table in text (other lines are ignored) and
// returns its rows. The header must be exactly Columns.
func ParseTable(text string) ([]Row, error) {
	var rows []Row
	header := false
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "|") || !strings.HasSuffix(l, "|") {
			if header {
				break // the end of the table (another may follow)
			}
			continue
		}
		cells := strings.Split(l[1:len(l)-1], "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !header {
			if strings.Join(cells, "|") != strings.Join(Columns, "|") {
				return nil, fmt.Errorf("table header %q, want %q", cells, Columns)
			}
			header = true
			continue
		}
		if strings.Trim(strings.Join(cells, ""), "-: ") == "" {
			continue // separator
		}
		if len(cells) != len(Columns) {
			return nil, fmt.Errorf("row %q has %d cells, want %d", l, len(cells), len(Columns))
		}
		rows = append(rows, Row{cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8]})
	}
	if !header {
		return nil, fmt.Errorf("no demo table found")
	}
	return rows, nil
}

// Expect is what a row must show: exact cells, or a predicate.
type Expect struct {
	Probe, Strategy, PastEOF, FlagChecks string
	Recoveries                           func(n int) bool
	RecoveriesText                       string
	OffenderPrefix, OffenderSuffix       string
}

// Expected holds the expectations for the two kernels.
var Expected = map[string]Expect{
	// On stock, shm's commit-time size check (one fstat) usually sees the
	// shrink before any read, so the offender is disconnected via policy
	// with no fault; a read that races it faults and is recovered. The
	// guarded path's recovery is shown deterministically by the
	// hole-full-tmpfs row of the scenario table (fstat cannot see a hole).
	"stock": {
		Probe: "fails (SIGBUS)", Strategy: "guarded", PastEOF: "SIGBUS", FlagChecks: "ignored",
		Recoveries: func(n int) bool { return n >= 0 }, RecoveriesText: ">= 0",
		OffenderPrefix: "disconnected",
	},
	"patched": {
		Probe: "passes (zeros)", Strategy: "nosigbus", PastEOF: "zeros", FlagChecks: "enforced",
		Recoveries: func(n int) bool { return n == 0 }, RecoveriesText: "0",
		OffenderSuffix: "via policy",
	},
}

// Check returns one error per unexpected cell. Both kernels must be
// present. With allowNotBuilt, the scenario cells may read NotBuilt (the
// compositor or misbehave did not build); the kernel-level cells are
// checked regardless.
func Check(rows []Row, allowNotBuilt bool) []error {
	var errs []error
	bad := func(k, col, got, want string) {
		errs = append(errs, fmt.Errorf("%s: %s = %q, want %s", k, col, got, want))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		e, ok := Expected[r.Kernel]
		if !ok {
			errs = append(errs, fmt.Errorf("unexpected kernel row %q", r.Kernel))
			continue
		}
		if seen[r.Kernel] {
			errs = append(errs, fmt.Errorf("kernel %q appears twice", r.Kernel))
		}
		seen[r.Kernel] = true
		eq := func(col, got, want string) {
			if got != want {
				bad(r.Kernel, col, got, strconv.Quote(want))
			}
		}
		eq("probe result", r.Probe, e.Probe)
		eq("reads past EOF", r.PastEOF, e.PastEOF)
		eq("flag checks", r.FlagChecks, e.FlagChecks)
		nb := func(cell string) bool { return allowNotBuilt && cell == NotBuilt }
		if !nb(r.Strategy) {
			eq("strategy chosen", r.Strategy, e.Strategy)
		}
		if !nb(r.Recoveries) {
			if n, err := strconv.Atoi(r.Recoveries); err != nil || !e.Recoveries(n) {
				bad(r.Kernel, "SIGBUS recoveries", r.Recoveries, e.RecoveriesText)
			}
		}
		if !nb(r.Offender) {
			if !strings.HasPrefix(r.Offender, e.OffenderPrefix) || !strings.HasSuffix(r.Offender, e.OffenderSuffix) ||
				strings.Contains(r.Offender, "died") {
				bad(r.Kernel, "offender outcome", r.Offender,
					strconv.Quote(strings.TrimSpace(e.OffenderPrefix+" ... "+e.OffenderSuffix)))
			}
		}
		if !nb(r.All) {
			var n, died, stalled int
			_, err := fmt.Sscanf(r.All, "%d run, %d died, %d stalled", &n, &died, &stalled)
			ok := err == nil && n > 0 && died == 0 && stalled == 0
			if r.Kernel == "patched" {
				ok = ok && strings.Contains(r.All, ", 0 differ from stock")
			}
			if !ok {
				want := "n > 0 run, 0 died, 0 stalled over ..."
				if r.Kernel == "patched" {
					want += ", 0 differ from stock"
				}
				bad(r.Kernel, "all misbehave scenarios", r.All, want)
			}
		}
		if !nb(r.Bystander) {
			var frames int
			if _, err := fmt.Sscanf(r.Bystander, "%d frames", &frames); err != nil || frames <= 0 ||
				strings.Contains(r.Bystander, "error") {
				bad(r.Kernel, "bystander frames", r.Bystander, "frames > 0 and no error")
			}
		}
	}
	var kernels []string
	for k := range Expected {
		kernels = append(kernels, k)
	}
	sort.Strings(kernels)
	for _, k := range kernels {
		if !seen[k] {
			errs = append(errs, fmt.Errorf("no row for kernel %q", k))
		}
	}
	return errs
}
