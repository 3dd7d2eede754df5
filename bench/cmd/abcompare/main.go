// Command abcompare measures two builds of nofault side by side with the
// compare harness (package bench): "nofault-before", built from a git
// revision in a temporary worktree, and "nofault", built from the working
// tree, interleaved in the same rounds with weston (and sway with
// --only). It saves the raw results as JSON and writes the harness's
// Markdown tables.
//
//	go run ./bench/cmd/abcompare --before=19780e7^ --after=19780e7 \
//	    --workloads=1080p-damage10,16x256,1080p-full,256-full --reps=5 \
//	    --results=docs/bench/damage-ab-results.json --out=docs/bench/damage-ab.md
//
// --env sets environment variables for the "nofault" (after) build only,
// comma-separated: --before=HEAD --env=GOMAXPROCS=1 measures a runtime
// setting against the same build without it.
//
// --renderer=gl runs both builds with --renderer=gl, named
// "nofault-gl-before" and "nofault-gl", beside weston-gl (--only's
// "weston-gl"), for the GL renderer's A/B runs.
//
// --title names the change in the report's heading. Regenerate the tables
// from saved results: --from=docs/bench/damage-ab-results.json.
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

// title heads the report: what changed between the two builds.
var title = flag.String("title", "render/soft damage tracking", "what changed between the builds (the report's heading)")

// env is the after build's extra environment.
var env = flag.String("env", "", "extra environment of the after build (VAR=value, comma-separated)")

// renderer is both builds' --renderer.
var renderer = flag.String("renderer", "soft", "both builds' renderer: soft, or gl (targets nofault-gl-before and nofault-gl)")

func main() {
	before := flag.String("before", "HEAD", "git revision of the \"before\" build")
	after := flag.String("after", "", "git revision of the \"after\" build (empty: the working tree)")
	only := flag.String("only", "nofault-before,nofault,weston", "targets (nofault-before, nofault, weston, weston-gl, sway)")
	workloads := flag.String("workloads", "1080p-damage10,16x256,1080p-full,256-full", "workloads (comma-separated)")
	reps := flag.Int("reps", 5, "repetitions of every pairing")
	warmup := flag.Duration("warmup", time.Second, "warmup before each measured window")
	duration := flag.Duration("duration", 5*time.Second, "measured window per run")
	results := flag.String("results", "docs/bench/damage-ab-results.json", "where to save the raw results")
	out := flag.String("out", "docs/bench/damage-ab.md", "Markdown output (- for stdout)")
	from := flag.String("from", "", "do not run: report from this saved results file")
	flag.Parse()
	if err := run(*before, *after, *only, *workloads, *reps, *warmup, *duration, *results, *out, *from); err != nil {
		fmt.Fprintln(os.Stderr, "abcompare:", err)
		os.Exit(1)
	}
}

func run(before, after, only, workloads string, reps int, warmup, duration time.Duration, results, out, from string) error {
	if from != "" {
		rs, err := bench.LoadResults(from)
		if err != nil {
			return err
		}
		return write(rs, out, from)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "abcompare-")
	if err != nil {
		return err
	}
	os.Chmod(dir, 0o755)
	defer os.RemoveAll(dir)
	git := func(args ...string) (string, error) {
		b, err := exec.Command("git", args...).Output()
		return strings.TrimSpace(string(b)), err
	}
	rev, err := git("rev-parse", "--short", before)
	if err != nil {
		return fmt.Errorf("git rev-parse %s: %w", before, err)
	}
	wt := filepath.Join(dir, "before")
	if _, err := git("worktree", "add", "--detach", wt, rev); err != nil {
		return fmt.Errorf("git worktree add: %w", err)
	}
	defer git("worktree", "remove", "--force", wt)
	build := func(srcDir, pkg, name string) (string, error) {
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = srcDir, os.Stderr, os.Stderr
		return bin, cmd.Run()
	}
	fmt.Fprintln(os.Stderr, "abcompare: building")
	compBefore, err := build(wt, "./cmd/compositor", "compositor-before")
	if err != nil {
		return err
	}
	afterDir, head := ".", ""
	if after != "" {
		arev, err := git("rev-parse", "--short", after)
		if err != nil {
			return fmt.Errorf("git rev-parse %s: %w", after, err)
		}
		afterDir, head = filepath.Join(dir, "after"), arev
		if _, err := git("worktree", "add", "--detach", afterDir, arev); err != nil {
			return fmt.Errorf("git worktree add: %w", err)
		}
		defer git("worktree", "remove", "--force", afterDir)
	} else {
		head, _ = git("describe", "--always", "--dirty")
	}
	comp, err := build(afterDir, "./cmd/compositor", "compositor")
	if err != nil {
		return err
	}
	wlb, err := build(".", "./cmd/wlbench", "wlbench")
	if err != nil {
		return err
	}
	syncrtt, err := bench.BuildSyncRTT(".", dir)
	if err != nil {
		// Only the sync-c workload needs it; it reports this error.
		fmt.Fprintf(os.Stderr, "abcompare: %v\n", err)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	if *renderer != "soft" && *renderer != "gl" {
		return fmt.Errorf("--renderer=%q: soft or gl", *renderer)
	}
	name := func(n string) string {
		if *renderer == "gl" {
			return strings.Replace(n, "nofault", "nofault-gl", 1)
		}
		return n
	}
	var targets []bench.Target
	if want["nofault-before"] {
		t := bench.NofaultTarget(name("nofault-before"), []string{compBefore}, nil, "--renderer="+*renderer)
		t.Version = "nofault " + rev + " (before)"
		targets = append(targets, t)
	}
	if want["nofault"] {
		var extra []string
		if *env != "" {
			extra = strings.Split(*env, ",")
		}
		t := bench.NofaultTarget(name("nofault"), []string{comp}, extra, "--renderer="+*renderer)
		t.Version = "nofault " + head + " (after)"
		if *env != "" {
			t.Version += " with " + *env
		}
		targets = append(targets, t)
	}
	if want["weston"] {
		targets = append(targets, bench.WestonTarget())
	}
	if want["weston-gl"] {
		targets = append(targets, bench.WestonGLTarget())
	}
	if want["sway"] {
		targets = append(targets, bench.SwayTarget("nofault-sway"))
	}
	var ws []bench.Workload
	for _, w := range bench.Workloads() {
		if strings.Contains(","+workloads+",", ","+w.Name+",") {
			ws = append(ws, w)
		}
	}
	cfg := bench.Config{Targets: targets, Workloads: ws, Reps: reps, Warmup: warmup, Duration: duration,
		Client: bench.ExecClients(wlb, syncrtt), Dir: dir, Log: os.Stderr}
	startT, load0 := time.Now(), bench.LoadAvg()
	samples, notes, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	rs := bench.NewResults(cfg, samples, notes, nil, time.Since(startT))
	rs.LoadStart = load0
	if err := rs.Save(results); err != nil {
		return err
	}
	return write(rs, out, results)
}

func write(rs *bench.Results, out, results string) error {
	md := rs.MarkdownWith(bench.Header{
		Heading:    heading(*title, rs.Targets),
		Generator:  "`go run ./bench/cmd/abcompare` (the compare harness with " + builds(rs.Targets) + ")",
		Regenerate: fmt.Sprintf("go run ./bench/cmd/abcompare --from=%s --out=%s --title=%q", results, out, *title),
	}, "", "")
	if out == "-" {
		_, err := os.Stdout.WriteString(md)
		return err
	}
	return os.WriteFile(out, []byte(md), 0o644)
}

// heading is the report's heading: title, then what ran beside it
// ("before and after" when both builds ran, and the other compositors).
func heading(title string, ts []bench.TargetInfo) string {
	var before bool
	var others []string
	for _, t := range ts {
		switch t.Name {
		case "nofault-before", "nofault-gl-before":
			before = true
		case "nofault", "nofault-gl":
		default:
			others = append(others, t.Name)
		}
	}
	var parts []string
	if before {
		parts = append(parts, "before and after")
	}
	if len(others) > 0 {
		parts = append(parts, "side by side with "+strings.Join(others, ", "))
	}
	if len(parts) == 0 {
		return title
	}
	return title + ": " + strings.Join(parts, ", ")
}

// builds says which nofault builds ran.
func builds(ts []bench.TargetInfo) string {
	for _, t := range ts {
		if t.Name == "nofault-before" || t.Name == "nofault-gl-before" {
			return "two nofault builds"
		}
	}
	return "one nofault build"
}
