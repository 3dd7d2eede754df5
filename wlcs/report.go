package wlcs

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// This file reads what the wlcs runner (a googletest binary) reports with
// --gtest_output=json, and the list of known disagreements.

// Outcome is a test's result as WLCS means it.
type Outcome string

const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	// Skip is a test WLCS skipped because the descriptor does not list the
	// protocol it needs (it records the wlcs-skip-test property), or a
	// DISABLED_ test.
	Skip Outcome = "skip"
)

// Result is one test.
type Result struct {
	Suite, Name string
	Outcome     Outcome
	Message     string // first failure, for Fail
	SkipReason  string
}

// FullName is Suite.Name, as --gtest_filter takes it.
func (r Result) FullName() string { return r.Suite + "." + r.Name }

// Report is a whole run.
type Report struct {
	Results []Result
}

// ReadReport parses googletest's JSON output.
func ReadReport(r io.Reader) (*Report, error) {
	var doc struct {
		Tests      int `json:"tests"`
		Testsuites []struct {
			Name      string `json:"name"`
			Testsuite []struct {
				Name     string `json:"name"`
				Status   string `json:"status"`
				Result   string `json:"result"`
				Skip     string `json:"wlcs-skip-test"`
				Failures []struct {
					Failure string `json:"failure"`
				} `json:"failures"`
			} `json:"testsuite"`
		} `json:"testsuites"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("wlcs report: %w", err)
	}
	rep := &Report{}
	for _, s := range doc.Testsuites {
		for _, t := range s.Testsuite {
			res := Result{Suite: s.Name, Name: t.Name, Outcome: Pass}
			switch {
			case t.Skip != "":
				res.Outcome, res.SkipReason = Skip, t.Skip
			case t.Status == "NOTRUN" || t.Result == "SKIPPED" || t.Result == "SUPPRESSED":
				res.Outcome, res.SkipReason = Skip, "disabled"
			case len(t.Failures) > 0:
				res.Outcome, res.Message = Fail, t.Failures[0].Failure
			}
			rep.Results = append(rep.Results, res)
		}
	}
	if len(rep.Results) == 0 {
		return nil, fmt.Errorf("wlcs report: no tests")
	}
	return rep, nil
}

// ReadReportFile parses a JSON report file.
func ReadReportFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadReport(f)
}

// Count is a pass/fail/skip tally.
type Count struct{ Pass, Fail, Skip int }

// Total is every test counted.
func (c Count) Total() int { return c.Pass + c.Fail + c.Skip }

func (c *Count) add(o Outcome) {
	switch o {
	case Pass:
		c.Pass++
	case Fail:
		c.Fail++
	default:
		c.Skip++
	}
}

// Counts returns the tally by suite (the googletest test suite name with
// its parameter prefix, such as "AllSurfaceTypes/TouchTest") and in all.
func (r *Report) Counts() (bySuite map[string]Count, all Count) {
	bySuite = map[string]Count{}
	for _, res := range r.Results {
		c := bySuite[res.Suite]
		c.add(res.Outcome)
		bySuite[res.Suite] = c
		all.add(res.Outcome)
	}
	return bySuite, all
}

// Failed returns the failed tests' full names, sorted.
func (r *Report) Failed() []string {
	var out []string
	for _, res := range r.Results {
		if res.Outcome == Fail {
			out = append(out, res.FullName())
		}
	}
	sort.Strings(out)
	return out
}

// Lookup returns the result of a test by full name.
func (r *Report) Lookup(name string) (Result, bool) {
	for _, res := range r.Results {
		if res.FullName() == name {
			return res, true
		}
	}
	return Result{}, false
}

// Table writes the Markdown pass/fail/skip table by suite, with a total.
func (r *Report) Table(w io.Writer) {
	bySuite, all := r.Counts()
	names := make([]string, 0, len(bySuite))
	for n := range bySuite {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "| suite | pass | fail | skip |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, n := range names {
		c := bySuite[n]
		fmt.Fprintf(w, "| %s | %d | %d | %d |\n", n, c.Pass, c.Fail, c.Skip)
	}
	fmt.Fprintf(w, "| **all %d** | **%d** | **%d** | **%d** |\n", all.Total(), all.Pass, all.Fail, all.Skip)
}

// ReadDisagreements reads the known disagreements: one full test name a
// line, then whitespace and a reason; '#' starts a comment line.
func ReadDisagreements(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		out[name] = strings.TrimSpace(reason)
	}
	return out, sc.Err()
}
