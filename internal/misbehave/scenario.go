package misbehave

import (
	"fmt"
	"sort"
)

// Scenario is one misbehaving client. Run it with Run or RunAll.
type Scenario struct {
	// Name is the kebab-case name used on the command line.
	Name string
	// Summary says in one line what the client does.
	Summary string
	// Doc describes the client's requests in order and what the reference
	// implementations answer.
	Doc string
	// LibWayland is the outcome expected from a compositor on
	// libwayland-server's wl_shm (Weston; sway 1.7, whose wlroots 0.15
	// still used it).
	LibWayland Want
	// WlrShm is the outcome expected from wlroots 0.17 and later, which
	// implement wl_shm themselves (types/wlr_shm.c).
	WlrShm Want
	// Nofault is the outcome nofault promises.
	Nofault Want

	run func(*env) error
}

// Implementation names a wl_shm implementation with known expectations.
type Implementation int

const (
	// LibWayland is libwayland-server's wl_shm, as used by Weston.
	LibWayland Implementation = iota
	// WlrShm is wlroots' own wl_shm (0.17 and later).
	WlrShm
	// Nofault is this project's compositor.
	Nofault
)

// String returns the implementation's name as used by --expect.
func (i Implementation) String() string {
	switch i {
	case LibWayland:
		return "libwayland"
	case WlrShm:
		return "wlroots"
	case Nofault:
		return "nofault"
	}
	return fmt.Sprintf("implementation(%d)", int(i))
}

// ParseImplementation parses a name written by Implementation.String.
func ParseImplementation(s string) (Implementation, error) {
	for _, i := range []Implementation{LibWayland, WlrShm, Nofault} {
		if i.String() == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown implementation %q (want libwayland, wlroots or nofault)", s)
}

// Want returns the scenario's expectation for impl.
func (s *Scenario) Want(impl Implementation) Want {
	switch impl {
	case WlrShm:
		return s.WlrShm
	case Nofault:
		return s.Nofault
	}
	return s.LibWayland
}

// Expected returns every scenario's expectation for impl, by name.
func Expected(impl Implementation) map[string]Want {
	m := make(map[string]Want, len(registry))
	for _, s := range registry {
		m[s.Name] = s.Want(impl)
	}
	return m
}

// registry is every scenario, in the order `misbehave all` runs them and
// the report lists them: one table, group by group.
var registry = scenarioTable(
	abuseScenarios(),      // abuse.go: floods of cheap requests (issue 8)
	catalogScenarios(),    // catalog.go: shrinks, pool and buffer arguments, wl_shm floods
	fdKindScenarios(),     // fdkinds.go: fds mmap refuses, files of other kinds, the regrow race
	screencopyScenarios(), // screencopy.go: wlr-screencopy into misbehaving buffers
)

// scenarioTable joins the groups in order; a name used twice is a bug.
func scenarioTable(groups ...[]*Scenario) []*Scenario {
	var all []*Scenario
	seen := make(map[string]bool)
	for _, g := range groups {
		for _, s := range g {
			if seen[s.Name] {
				panic("misbehave: duplicate scenario " + s.Name)
			}
			seen[s.Name] = true
			all = append(all, s)
		}
	}
	return all
}

// Scenarios returns every scenario in the order `misbehave all` runs them.
func Scenarios() []*Scenario {
	return append([]*Scenario(nil), registry...)
}

// Names returns every scenario name, sorted.
func Names() []string {
	var n []string
	for _, s := range registry {
		n = append(n, s.Name)
	}
	sort.Strings(n)
	return n
}

// Lookup returns the scenario with the given name, or nil.
func Lookup(name string) *Scenario {
	for _, s := range registry {
		if s.Name == name {
			return s
		}
	}
	return nil
}
