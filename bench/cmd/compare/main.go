// Command compare is `make bench-compare`: it builds nofault and wlbench,
// runs every workload against nofault, weston 10 and sway 1.7 headless
// (interleaved, --reps times), saves the raw results as JSON, and
// regenerates the compare section of docs/benchmarks.md and the plots in
// docs/bench/.
//
//	go run ./bench/cmd/compare                 # the full run (about 20 min)
//	go run ./bench/cmd/compare --from=FILE     # report again from saved results
//	go run ./bench/cmd/compare --only=nofault --workloads=1080p-full --reps=1 --out=-
//
// The GL renderers (nofault --renderer=gl against weston --use-gl, both
// on EGL surfaceless: Mesa llvmpipe without a GPU) into a section of
// their own:
//
//	go run ./bench/cmd/compare --only=nofault-gl,weston-gl,nofault,sway \
//	    --workloads=1080p-full,1080p-damage10,16x256,256-full,1080p-unsealed \
//	    --reps=3 --duration=3s --section=gl-compare \
//	    --results=docs/bench/gl-compare-results.json
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/nofault/nofault/bench"
)

func main() {
	reps := flag.Int("reps", 5, "repetitions of every pairing")
	warmup := flag.Duration("warmup", time.Second, "warmup before each measured window")
	duration := flag.Duration("duration", 5*time.Second, "measured window per run")
	only := flag.String("only", "nofault,nofault-gl,weston,weston-gl,sway", "compositors to run (comma-separated)")
	workloads := flag.String("workloads", "", "workloads to run (comma-separated names; default all)")
	out := flag.String("out", "docs/benchmarks.md", "Markdown file whose compare section is regenerated (- for stdout)")
	plots := flag.String("plots", "docs/bench", "directory for the PNG plots (empty: none)")
	results := flag.String("results", "docs/bench/compare-results.json", "where to save the raw results")
	from := flag.String("from", "", "do not run: report from this saved results file")
	keep := flag.Bool("keep", false, "keep the work directory (logs)")
	swayUser := flag.String("sway-user", "nofault-sway", "user that runs sway when running as root")
	flag.StringVar(&section, "section", "compare", "the <!-- BEGIN name --> section of --out to regenerate; any other than compare gets a heading of its own (--title) and no compare notes")
	flag.StringVar(&title, "title", "GL renderers side by side: nofault --renderer=gl and weston --use-gl", "heading of a --section other than compare")
	flag.Parse()

	if err := run(*reps, *warmup, *duration, *only, *workloads, *out, *plots, *results, *from, *keep, *swayUser); err != nil {
		fmt.Fprintf(os.Stderr, "compare: %v\n", err)
		os.Exit(1)
	}
}

// section and title: where the report goes (flags --section, --title).
var section, title string

// write is bench.Write, or for a section other than "compare" the same
// tables under their own heading, without the compare notes and plots.
func write(rs *bench.Results, out, plots, results string) error {
	if section == "compare" {
		return bench.Write(rs, out, plots)
	}
	md := rs.Markdown("", "")
	md = strings.Replace(md, "## Side by side with weston and sway", "## "+title, 1)
	md = strings.Replace(md, "`go run ./bench/cmd/compare --from=docs/bench/compare-results.json`",
		fmt.Sprintf("`go run ./bench/cmd/compare --from=%s --section=%s --title=%q`", results, section, title), 1)
	if out == "-" {
		_, err := os.Stdout.WriteString(md)
		return err
	}
	return bench.ReplaceSection(out, section, md)
}

func run(reps int, warmup, duration time.Duration, only, workloads, out, plots, results, from string, keep bool, swayUser string) error {
	if from != "" {
		rs, err := bench.LoadResults(from)
		if err != nil {
			return err
		}
		return write(rs, out, plots, from)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "bench-compare-")
	if err != nil {
		return err
	}
	os.Chmod(dir, 0o755)
	if keep {
		fmt.Fprintf(os.Stderr, "compare: work directory %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	build := func(pkg, name string) (string, error) {
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		return bin, cmd.Run()
	}
	fmt.Fprintln(os.Stderr, "compare: building compositor and wlbench")
	comp, err := build("./cmd/compositor", "compositor")
	if err != nil {
		return err
	}
	wlb, err := build("./cmd/wlbench", "wlbench")
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	rev, _ := exec.Command("git", "describe", "--always", "--dirty").Output()
	var targets []bench.Target
	var skipped []string
	if want["nofault"] {
		t := bench.NofaultTarget("nofault", []string{comp}, nil, "--renderer=soft")
		t.Version = "nofault " + strings.TrimSpace(string(rev))
		targets = append(targets, t)
	}
	if want["nofault-gl"] {
		t := bench.NofaultTarget("nofault-gl", []string{comp}, nil, "--renderer=gl")
		t.Version = "nofault " + strings.TrimSpace(string(rev)) + " --renderer=gl (EGL surfaceless, Mesa llvmpipe)"
		if note, ok := bench.Probe(t, dir, "gl"); ok {
			targets = append(targets, t)
		} else {
			skipped = append(skipped, "nofault-gl: "+note)
		}
	}
	for _, n := range []string{"weston", "weston-gl", "sway"} {
		if !want[n] {
			continue
		}
		bin := strings.TrimSuffix(n, "-gl")
		if _, err := exec.LookPath(bin); err != nil {
			skipped = append(skipped, n+": not installed (scripts/deps.sh bench installs it)")
			continue
		}
		switch n {
		case "weston":
			targets = append(targets, bench.WestonTarget())
		case "weston-gl":
			targets = append(targets, bench.WestonGLTarget())
		default:
			targets = append(targets, bench.SwayTarget(swayUser))
		}
	}
	if len(targets) == 0 {
		return bench.ErrNoTargets
	}
	var ws []bench.Workload
	for _, w := range bench.Workloads() {
		if workloads == "" || strings.Contains(","+workloads+",", ","+w.Name+",") {
			ws = append(ws, w)
		}
	}
	cfg := bench.Config{Targets: targets, Workloads: ws, Reps: reps, Warmup: warmup, Duration: duration,
		Client: bench.ExecClient(wlb), Dir: dir, Log: os.Stderr}
	startT, load0 := time.Now(), bench.LoadAvg()
	samples, notes, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	rs := bench.NewResults(cfg, samples, notes, skipped, time.Since(startT))
	rs.LoadStart = load0
	if results != "" {
		if err := rs.Save(results); err != nil {
			return err
		}
	}
	return write(rs, out, plots, results)
}
