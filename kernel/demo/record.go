// Package demo is the host and guest side of the MAP_NOSIGBUS kernel demo:
// the line protocol the guest init prints on the serial console, the
// in-guest tests of the flag itself, and the one table the demo prints
// (format, parse, check).
//
// Guest protocol: every machine-readable line on the console is
//
//	NOFAULT {"kind":...,"name":...,...}
//
// (one JSON Record after the literal prefix "NOFAULT "). Anything else on
// the console (kernel messages, program output) is ignored by the parser;
// the guest prints program output as "NOFAULT-LOG ..." lines for humans.
package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Prefix starts every record line on the guest console.
const Prefix = "NOFAULT "

// Record kinds.
const (
	KindBoot     = "boot"     // first line: Detail is uname release and version
	KindFlag     = "flag"     // one in-guest test of the flag; Observed is what happened
	KindProbe    = "probe"    // the project's start-up probe; Probe is set
	KindScenario = "scenario" // compositor + misbehave run; Scenario is set
	KindGoTest   = "gotest"   // a go test binary run in the guest
	// KindKselftest is a kselftest binary run in the guest (Name is its
	// base name, plus " -f" for the forced run); Exit is its exit status,
	// Detail its "# Totals:" line.
	KindKselftest = "kselftest"
	// KindKmsg is a line of the kernel's log buffer that reports a
	// problem (demo.KernelProblem), read by the guest at the end: the
	// console runs "quiet", which hides KERN_WARNING splats.
	KindKmsg = "kmsg"
	KindDone = "done" // last line before power-off
)

// Record is one machine-readable line of the guest protocol.
type Record struct {
	Kind   string `json:"kind"`
	Name   string `json:"name,omitempty"`
	OK     bool   `json:"ok,omitempty"`   // gotest: exit status 0
	Exit   int    `json:"exit,omitempty"` // kselftest: exit status
	Detail string `json:"detail,omitempty"`
	// Observed is a flag test's outcome: "zeros", "SIGBUS", "data 0x..",
	// "ok", or an errno name such as "EINVAL".
	Observed string          `json:"observed,omitempty"`
	Probe    *ProbeReport    `json:"probe,omitempty"`
	Scenario *ScenarioReport `json:"scenario,omitempty"`
}

// ProbeReport mirrors shm.ProbeResult.
type ProbeReport struct {
	Source     string `json:"source"` // "shm.Probe" or "guestinit"
	Supported  bool   `json:"supported"`
	Faulted    bool   `json:"faulted"`
	DurationNS int64  `json:"duration_ns"`
	Err        string `json:"err,omitempty"`
}

// ScenarioReport is what the guest saw of one compositor run.
type ScenarioReport struct {
	// NotBuilt names the missing binary when the scenario could not run.
	NotBuilt string   `json:"not_built,omitempty"`
	Command  []string `json:"command,omitempty"`
	ExitCode int      `json:"exit_code"` // the compositor's
	// ClientExit is the exit status of the client after "--" (-1: none ran).
	ClientExit int     `json:"client_exit"`
	Signal     string  `json:"signal,omitempty"` // the compositor died of a signal
	TimedOut   bool    `json:"timed_out,omitempty"`
	Seconds    float64 `json:"seconds"`
	// Stats is the compositor's --stats file, verbatim (nil if absent).
	Stats json.RawMessage `json:"stats,omitempty"`
	// Outcomes are the JSON objects with a "result" key found in the
	// combined output (misbehave's outcome lines), verbatim.
	Outcomes []json.RawMessage `json:"outcomes,omitempty"`
	// Tail is the last lines of combined output, for text fallbacks.
	Tail []string `json:"tail,omitempty"`
}

// Line renders r as a console line (without newline).
func (r Record) Line() string {
	b, err := json.Marshal(r)
	if err != nil {
		b, _ = json.Marshal(Record{Kind: r.Kind, Name: r.Name, Detail: "marshal: " + err.Error()})
	}
	return Prefix + string(b)
}

// ParseConsole extracts the records from a serial console log. A record
// may be preceded on its line by other output (the console is shared with
// the kernel); carriage returns are ignored. Lines that do not decode are
// returned as errors but do not stop the parse.
func ParseConsole(r io.Reader) ([]Record, []error) {
	var recs []Record
	var errs []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		i := strings.Index(line, Prefix+"{")
		if i < 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal([]byte(line[i+len(Prefix):]), &rec); err != nil {
			errs = append(errs, fmt.Errorf("console line %d: %w", n, err))
			continue
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return recs, errs
}
