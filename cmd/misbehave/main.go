// Command misbehave runs misbehaving wl_shm clients against a Wayland
// compositor and reports how the compositor answered each one.
//
// Usage:
//
//	misbehave list [--json|--markdown]
//	misbehave [flags] NAME...
//	misbehave [flags] all
//	misbehave compare [LABEL=]FILE...
//
// Each scenario connects a client that does one thing wrong (truncates the
// file behind a pool, passes a pipe as the pool's fd, floods pools, ...),
// then checks with a fresh connection that the compositor is still there.
// The outcome is one of
//
//	survived               the offender is still connected
//	disconnected           the compositor posted wl_display.error and closed it
//	disconnected-no-error  the connection closed without an error event
//	compositor-died        a fresh connection failed afterwards
//	skipped                the scenario could not run (missing global, ...)
//
// The compositor is found through WAYLAND_DISPLAY and XDG_RUNTIME_DIR, or
// --socket. No input devices are needed, so headless compositors work.
//
// Flags:
//
//	--socket PATH     compositor socket (default: $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY)
//	--timeout D       bound on each wait for the compositor (default 5s)
//	--json            print a JSON report instead of a table
//	--expect IMPL     compare with the outcomes expected from libwayland, wlroots or nofault
//	--strict          exit 1 when an outcome differs from --expect (default nofault)
//	                  or the bystander stalled for more than 1s
//	--grace D         wait after each scenario before checking the compositor lives (default 500ms)
//	--no-bystander    do not run the well-behaved client next to each scenario
//	-q                no progress lines on stderr
//
// The exit status is 0 unless the compositor died (1), --strict found a
// difference (1) or the command line was wrong (2).
//
// "misbehave compare" reads JSON reports written by --json and prints a
// Markdown table with one column per report, for documentation.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nofault/nofault/internal/misbehave"
)

const usageText = `usage:
  misbehave list [--json|--markdown]   list the scenarios (with expectations)
  misbehave [flags] NAME...            run scenarios by name
  misbehave [flags] all                run every scenario
  misbehave compare [LABEL=]FILE...    Markdown table from --json reports

Each scenario is a client that misbehaves with wl_shm; misbehave prints what
the compositor did: survived, disconnected (with the object, code and message
of its wl_display.error), disconnected-no-error, compositor-died or skipped.
The compositor is found through WAYLAND_DISPLAY and XDG_RUNTIME_DIR, or
--socket. A well-behaved "bystander" window commits a frame on every frame
callback meanwhile; its longest gap between callbacks is reported.

Exit status: 0, or 1 if the compositor died (or, with --strict, an outcome
differed from --expect or the bystander stalled over 1s), 2 on usage errors.

flags:
`

// Report is the JSON document printed by --json and read by compare.
type Report struct {
	Socket   string              `json:"socket"`
	Started  time.Time           `json:"started"`
	Expect   string              `json:"expect,omitempty"`
	Outcomes []misbehave.Outcome `json:"outcomes"`
	// Process is set on the lines scripts/misbehave-compare.sh appends
	// about the compositor's process; such a line has no outcomes.
	Process *Process `json:"process,omitempty"`
}

// Process is what misbehave-compare.sh observed of the compositor process
// around one scenario (or, with only Version set, which compositor ran).
type Process struct {
	Version     string `json:"version,omitempty"`
	Scenario    string `json:"scenario,omitempty"`
	RSSBeforeKB int64  `json:"rss_before_kb,omitempty"`
	RSSAfterKB  int64  `json:"rss_after_kb,omitempty"`
	// Ended says how the process ended when it died in Scenario:
	// "SIGBUS", "exit status 1", ...
	Ended string `json:"ended,omitempty"`
	// Stalled means misbehave found the compositor dead (no answer
	// within its timeout) but the process lived on and answered again
	// later: a stall, not a crash.
	Stalled bool `json:"stalled,omitempty"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("misbehave", flag.ContinueOnError)
	fs.SetOutput(stderr)
	socket := fs.String("socket", "", "compositor socket `path` (default: $XDG_RUNTIME_DIR/$WAYLAND_DISPLAY)")
	timeout := fs.Duration("timeout", 5*time.Second, "bound on each wait for the compositor")
	asJSON := fs.Bool("json", false, "print a JSON report instead of a table")
	expect := fs.String("expect", "", "compare outcomes with `impl`: libwayland, wlroots or nofault")
	strict := fs.Bool("strict", false, "exit 1 when an outcome differs from --expect (default nofault) or the bystander stalled over 1s")
	grace := fs.Duration("grace", 500*time.Millisecond, "wait this long after each scenario before checking the compositor lives")
	noBystander := fs.Bool("no-bystander", false, "do not run a well-behaved client next to each scenario")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	markdown := fs.Bool("markdown", false, "with list: print the scenario catalogue as a Markdown table")
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}

	// Flags may come before or after the command and scenario names.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) == 0 {
		fs.Usage()
		return 2
	}

	switch pos[0] {
	case "list":
		if *markdown {
			return listMarkdown(stdout)
		}
		return list(stdout, *asJSON)
	case "compare":
		return compare(pos[1:], stdout, stderr)
	case "help":
		fs.SetOutput(stdout)
		fmt.Fprint(stdout, usageText)
		fs.PrintDefaults()
		return 0
	}

	var impl *misbehave.Implementation
	if *expect != "" || *strict {
		name := *expect
		if name == "" {
			name = "nofault"
		}
		i, err := misbehave.ParseImplementation(name)
		if err != nil {
			fmt.Fprintln(stderr, "misbehave:", err)
			return 2
		}
		impl = &i
	}
	names := pos
	if len(pos) == 1 && pos[0] == "all" {
		names = nil
	}
	for _, n := range names {
		if misbehave.Lookup(n) == nil {
			fmt.Fprintf(stderr, "misbehave: unknown scenario %q (see \"misbehave list\")\n", n)
			return 2
		}
	}
	path, err := misbehave.SocketPath(*socket)
	if err != nil {
		fmt.Fprintln(stderr, "misbehave:", err)
		return 2
	}
	opts := misbehave.Options{Socket: path, Timeout: *timeout, Bystander: !*noBystander, Grace: *grace}
	if *grace <= 0 {
		opts.Grace = -1
	}
	total := len(names)
	if total == 0 {
		total = len(misbehave.Scenarios())
	}
	n := 0
	rep := Report{Socket: path, Started: time.Now().UTC()}
	if impl != nil {
		rep.Expect = impl.String()
	}
	if err := misbehave.Alive(path, *timeout); err != nil {
		fmt.Fprintf(stderr, "misbehave: no compositor answers at %s: %v\n", path, err)
		return 1
	}
	outs, err := misbehave.RunAll(names, opts, func(o misbehave.Outcome) {
		n++
		if !*quiet {
			fmt.Fprintf(stderr, "[%d/%d] %-30s %s\n", n, total, o.Scenario, o.Result)
		}
	})
	if err != nil {
		fmt.Fprintln(stderr, "misbehave:", err)
		return 2
	}
	rep.Outcomes = outs

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printTable(stdout, outs, impl)
	}

	status := 0
	for _, o := range outs {
		if o.Result == misbehave.CompositorDied {
			status = 1
		}
		if *strict {
			if !misbehave.Lookup(o.Scenario).Want(*impl).Match(o) {
				status = 1
			}
			if b := o.Bystander; b != nil && (b.MaxGap > time.Second || b.Error != "") {
				status = 1
			}
		}
	}
	return status
}

func list(w io.Writer, asJSON bool) int {
	if asJSON {
		type entry struct {
			Name, Summary, Doc          string
			LibWayland, WlrShm, Nofault misbehave.Want
		}
		var all []entry
		for _, s := range misbehave.Scenarios() {
			all = append(all, entry{s.Name, s.Summary, s.Doc, s.LibWayland, s.WlrShm, s.Nofault})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(all)
		return 0
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tWHAT THE CLIENT DOES")
	for _, s := range misbehave.Scenarios() {
		fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Summary)
	}
	tw.Flush()
	return 0
}

// listMarkdown prints the catalogue with every implementation's expected
// outcome, for docs/misbehave.md.
func listMarkdown(w io.Writer) int {
	fmt.Fprintln(w, "| scenario | what the client does | libwayland (Weston) | wlroots >= 0.17 (wlr_shm) | nofault |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	cell := func(want misbehave.Want) string {
		s := want.String()
		if want.Note != "" {
			s += " <br><sub>" + want.Note + "</sub>"
		}
		return strings.ReplaceAll(s, "|", "\\|")
	}
	for _, s := range misbehave.Scenarios() {
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", s.Name, strings.ReplaceAll(s.Summary, "|", "\\|"),
			cell(s.LibWayland), cell(s.WlrShm), cell(s.Nofault))
	}
	return 0
}

func printTable(w io.Writer, outs []misbehave.Outcome, impl *misbehave.Implementation) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "SCENARIO\tOUTCOME\tBYSTANDER\tERROR / DETAIL"
	if impl != nil {
		head = "SCENARIO\tOUTCOME\tEXPECTED (" + impl.String() + ")\tBYSTANDER\tERROR / DETAIL"
	}
	fmt.Fprintln(tw, head)
	died := 0
	for _, o := range outs {
		detail := o.ErrorText()
		if detail == "" {
			detail = o.Detail
		}
		if impl != nil {
			want := misbehave.Lookup(o.Scenario).Want(*impl)
			mark := "ok"
			if !want.Match(o) {
				mark = "DIFFERS: " + want.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Scenario, o.Result, mark, bystanderText(o.Bystander), oneLine(detail))
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Scenario, o.Result, bystanderText(o.Bystander), oneLine(detail))
		}
		if o.Result == misbehave.CompositorDied {
			died++
		}
	}
	tw.Flush()
	if died > 0 {
		fmt.Fprintf(w, "\nThe compositor died in %d scenario(s).\n", died)
	}
}

func bystanderText(b *misbehave.BystanderReport) string {
	switch {
	case b == nil:
		return "-"
	case b.Frames == 0:
		return "not running"
	case b.Error != "":
		return fmt.Sprintf("%d frames, lost: %s", b.Frames, b.Error)
	}
	return fmt.Sprintf("%d frames, max gap %v", b.Frames, b.MaxGap.Round(time.Millisecond))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// column is one compositor's results in a compare table.
type column struct {
	label   string
	results map[string]misbehave.Outcome
	procs   map[string]Process // by scenario
	order   []string           // scenarios with a process line, in run order
}

// floods are the scenarios after which compare reports the compositor's
// memory: the floods of cheap requests and of pools.
var floods = map[string]bool{
	"region-flood": true, "region-flood-many": true, "damage-flood": true, "object-id-exhaustion": true,
	"fd-flood-data-device": true, "selection-mime-flood": true, "frame-callback-flood": true, "never-reads": true, "thousand-clients": true,
	"pool-flood-one-fd": true, "buffer-flood": true, "memfd-flood": true,
}

// compare prints a Markdown table with one column per report.
func compare(files []string, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		fmt.Fprintln(stderr, "misbehave compare: need at least one [LABEL=]FILE written by --json")
		return 2
	}
	var cols []*column
	for _, arg := range files {
		label, file, ok := strings.Cut(arg, "=")
		if !ok {
			file = arg
			label = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		}
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintln(stderr, "misbehave compare:", err)
			return 2
		}
		col := &column{label: label, results: map[string]misbehave.Outcome{}, procs: map[string]Process{}}
		dec := json.NewDecoder(f)
		for {
			var r Report
			if err := dec.Decode(&r); err == io.EOF {
				break
			} else if err != nil {
				fmt.Fprintf(stderr, "misbehave compare: %s: %v\n", file, err)
				f.Close()
				return 2
			}
			for _, o := range r.Outcomes {
				col.results[o.Scenario] = o
			}
			if p := r.Process; p != nil && p.Scenario != "" {
				col.procs[p.Scenario] = *p
				col.order = append(col.order, p.Scenario)
			}
		}
		f.Close()
		cols = append(cols, col)
	}
	fmt.Fprint(stdout, "| scenario | libwayland expects |")
	for _, c := range cols {
		fmt.Fprintf(stdout, " %s |", c.label)
	}
	fmt.Fprint(stdout, "\n|---|---|")
	for range cols {
		fmt.Fprint(stdout, "---|")
	}
	fmt.Fprintln(stdout)
	for _, s := range misbehave.Scenarios() {
		fmt.Fprintf(stdout, "| `%s` | %s |", s.Name, s.LibWayland)
		for _, c := range cols {
			o, ok := c.results[s.Name]
			if !ok {
				fmt.Fprint(stdout, " not run |")
				continue
			}
			fmt.Fprintf(stdout, " %s |", mdCell(o, c.procs[s.Name]))
		}
		fmt.Fprintln(stdout)
	}
	if hasProcs(cols) {
		row := func(name string, cell func(*column) string) {
			fmt.Fprintf(stdout, "| %s | |", name)
			for _, c := range cols {
				fmt.Fprintf(stdout, " %s |", cell(c))
			}
			fmt.Fprintln(stdout)
		}
		row("**crashes** (scenarios that killed the compositor)", func(c *column) string {
			n := 0
			for _, p := range c.procs {
				if p.Ended != "" {
					n++
				}
			}
			if n == 0 {
				return "0"
			}
			return fmt.Sprintf("**%d**", n)
		})
		row("RSS before the first flood → after the last flood (peak after a flood)", func(c *column) string {
			return floodRSS(c)
		})
	}
	return 0
}

func hasProcs(cols []*column) bool {
	for _, c := range cols {
		if len(c.procs) > 0 {
			return true
		}
	}
	return false
}

// floodRSS renders the compositor's RSS before the first flood scenario,
// after the last one and the largest value seen after any of them.
func floodRSS(c *column) string {
	var before, after, peak int64
	seen := false
	for _, name := range c.order {
		if !floods[name] {
			continue
		}
		p := c.procs[name]
		if !seen {
			before, seen = p.RSSBeforeKB, true
		}
		after = p.RSSAfterKB
		peak = max(peak, p.RSSAfterKB)
	}
	if !seen {
		return "-"
	}
	return fmt.Sprintf("%s → %s (%s)", mb(before), mb(after), mb(peak))
}

func mb(kb int64) string {
	if kb <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f MB", float64(kb)/1024)
}

// mdCell renders one outcome; a compositor death is bold, with how the
// process ended when that is known; a stall is not a death.
func mdCell(o misbehave.Outcome, p Process) string {
	s := o.Result.String()
	switch {
	case o.Result == misbehave.CompositorDied && p.Stalled:
		s = "stalled (no answer within the timeout; the process answered again later)"
	case o.Result == misbehave.CompositorDied:
		s = "**compositor-died"
		if p.Ended != "" {
			s += " (" + p.Ended + ")"
		}
		s += "**"
	}
	if o.Error != nil {
		s += " " + o.ErrorText()
	} else if o.Detail != "" {
		s += " (" + o.Detail + ")"
	}
	if b := o.Bystander; b != nil && b.Frames > 0 {
		s += fmt.Sprintf("; bystander max gap %v", b.MaxGap.Round(time.Millisecond))
		if b.Error != "" {
			s += " then lost"
		}
	}
	return strings.ReplaceAll(oneLine(s), "|", "\\|")
}
