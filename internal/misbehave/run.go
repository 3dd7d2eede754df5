package misbehave

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Options configures a run.
type Options struct {
	// Socket is the compositor's socket path; empty means SocketPath("").
	Socket string
	// Timeout bounds each wait for the compositor (a roundtrip, a
	// configure, a frame callback). Floods are bounded separately. Zero
	// means 5 s.
	Timeout time.Duration
	// Bystander runs a well-behaved client next to each scenario and
	// reports its frame callbacks in Outcome.Bystander.
	Bystander bool
	// Grace is how long to wait after the offender is gone before checking
	// that the compositor lives: some compositors read a dead client's last
	// buffer once more (sway 1.7 does, unguarded). Zero means 500 ms;
	// negative means no wait.
	Grace time.Duration
}

func (o Options) resolve() (Options, error) {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Grace == 0 {
		o.Grace = 500 * time.Millisecond
	}
	path, err := SocketPath(o.Socket)
	if err != nil {
		return o, err
	}
	o.Socket = path
	return o, nil
}

// env is what a scenario body gets.
type env struct {
	socket  string
	timeout time.Duration
}

// offender connects the misbehaving client and checks that the globals
// the scenario needs exist.
func (e *env) offender(surface bool) (*client, error) {
	c, err := connect(e.socket, e.timeout)
	if err != nil {
		return nil, err
	}
	if err := c.need(true, surface); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// Alive reports whether the compositor at socket accepts a new client and
// answers a roundtrip within timeout.
func Alive(socket string, timeout time.Duration) error {
	c, err := connect(socket, timeout)
	if err != nil {
		return err
	}
	c.close()
	return nil
}

// Run runs one scenario and classifies what happened. It never panics on a
// misbehaving compositor; local failures (no memfd, a missing global) give
// a Skipped outcome.
func Run(s *Scenario, opts Options) (out Outcome) {
	start := time.Now()
	out = Outcome{Scenario: s.Name}
	defer func() { out.Elapsed = time.Since(start) }()
	opts, err := opts.resolve()
	if err != nil {
		out.Result, out.Detail = Skipped, err.Error()
		return out
	}
	if err := Alive(opts.Socket, opts.Timeout); err != nil {
		out.Result = Skipped
		out.Detail = "compositor not reachable before the scenario: " + err.Error()
		return out
	}
	var by *Bystander
	var byErr error
	if opts.Bystander {
		by, byErr = StartBystander(opts.Socket, opts.Timeout)
	}
	err = s.run(&env{socket: opts.Socket, timeout: opts.Timeout})

	var pe *ProtocolError
	var se *skipError
	var ne *noteError
	switch {
	case err == nil:
		out.Result = Survived
	case errors.As(err, &pe):
		out.Result, out.Error = Disconnected, pe
	case errors.Is(err, ErrDisconnected):
		out.Result = DisconnectedNoError
	case errors.As(err, &se):
		out.Result, out.Detail = Skipped, se.reason
	case errors.As(err, &ne):
		out.Result, out.Detail = Survived, ne.text
	default:
		// The connection is still open but something went wrong: most
		// often a wait ran out because the compositor stopped answering.
		out.Result, out.Detail = Survived, err.Error()
	}
	if opts.Grace > 0 {
		time.Sleep(opts.Grace)
	}
	if aerr := Alive(opts.Socket, opts.Timeout); aerr != nil {
		seen := out.Summary()
		out.Result, out.Error = CompositorDied, nil
		out.Detail = fmt.Sprintf("%s; the offender saw: %s", aliveText(aerr, opts.Timeout), seen)
	}
	if by != nil {
		r := by.Stop()
		out.Bystander = &r
	} else if byErr != nil {
		out.Bystander = &BystanderReport{Error: byErr.Error()}
	}
	return out
}

// aliveText explains a failed liveness check in a few words.
func aliveText(err error, timeout time.Duration) string {
	switch {
	case errors.Is(err, unix.ECONNREFUSED), errors.Is(err, unix.ENOENT):
		return "the socket refuses new connections"
	case errors.Is(err, ErrDisconnected):
		return "a new connection was closed at once"
	case errors.Is(err, errTimeout):
		return fmt.Sprintf("a new connection got no answer within %v", timeout)
	}
	return "a new connection failed: " + err.Error()
}

// RunAll runs the named scenarios (all when names is empty) in order,
// calling report after each. Once the compositor died, the remaining
// scenarios are reported as Skipped rather than as more deaths.
func RunAll(names []string, opts Options, report func(Outcome)) ([]Outcome, error) {
	var list []*Scenario
	if len(names) == 0 {
		list = Scenarios()
	} else {
		for _, n := range names {
			s := Lookup(n)
			if s == nil {
				return nil, fmt.Errorf("unknown scenario %q (run \"misbehave list\")", n)
			}
			list = append(list, s)
		}
	}
	var outs []Outcome
	dead := ""
	for _, s := range list {
		var o Outcome
		if dead != "" {
			o = Outcome{Scenario: s.Name, Result: Skipped, Detail: "compositor died in " + dead}
		} else {
			o = Run(s, opts)
			if o.Result == CompositorDied {
				dead = s.Name
			}
		}
		outs = append(outs, o)
		if report != nil {
			report(o)
		}
	}
	return outs, nil
}

// noteError ends a scenario that ran to its end with the offender still
// connected, carrying what it observed for the table (Outcome.Detail).
type noteError struct{ text string }

func (e *noteError) Error() string { return e.text }

func notef(format string, args ...any) error {
	return &noteError{fmt.Sprintf(format, args...)}
}
