// Command kerneldemo boots the stock and the MAP_NOSIGBUS-patched demo
// kernels under QEMU with nofault inside and prints one table.
//
// It builds the guest init (kernel/cmd/guestinit), cmd/compositor and
// cmd/misbehave (static, CGO_ENABLED=0; a program that does not build is
// left out and its table cells read "not built"), the go test binaries of
// -gotest (default ./shm, which must pass in both guests), packs them into a gzipped newc initramfs, boots each kernel with
//
//	qemu-system-x86_64 -m 512 -smp 2 -kernel K -initrd I \
//	  -append 'console=ttyS0 panic=-1 quiet' -nographic -no-reboot
//
// (plus -enable-kvm only when a short test boot under KVM prints a kernel
// line within a few seconds), parses the guest's "NOFAULT {json}" lines
// and prints the table. Serial logs, the initramfs and table.txt go to -out.
// It exits 2 when the table has an unexpected cell (see demo.Check) or a
// -gotest binary was not built or did not pass in a guest.
//
// Normally run through kernel/demo.sh, which builds the kernels first.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nofault/nofault/kernel/demo"
)

var (
	stockK   = flag.String("stock", "", "stock bzImage")
	patchedK = flag.String("patched", "", "patched bzImage")
	outDir   = flag.String("out", envOr("NOFAULT_KERNEL_OUT", "/var/cache/nofault-kernel/demo"), "output directory")
	kvmMode  = flag.String("kvm", "auto", "auto: use KVM only if a test boot prints a kernel line in time; on; off")
	bootTO   = flag.Duration("timeout", 8*time.Minute, "time limit of one boot")
	scen     = flag.String("scenario", "shrink-after-map\t/bin/compositor --backend=headless --shm-read=auto --stats=/tmp/stats.json -- /bin/misbehave --json shrink-after-map\n"+
		"misbehave-all\t/bin/compositor --backend=headless --shm-read=auto --stats=/tmp/stats-all.json -- /bin/misbehave --json all",
		"scenario lines for /etc/nofault/scenarios (name TAB command), newline-separated")
	goTests    = flag.String("gotest", "./shm", "comma-separated packages to run inside the guest as go test binaries; each must pass on both kernels (\"\" for none)")
	tcgGap     = flag.Duration("tcg-stall-gap", 5*time.Second, "bystander gap counted as a stall under TCG (1s under KVM)")
	kselftests = flag.String("kselftest", "", "comma-separated static kselftest binaries to run in both guests (plainly and with -f): the patched kernel must pass them, the stock one skip the plain run and fail the forced one")
	kernScen   = flag.Bool("kernel-scenarios", false, "also run demo.KernelScenarios (hole on a full tmpfs, shrink/grow race) and check their table")
	smp        = flag.Int("smp", 2, "guest CPUs")
	memory     = flag.Int("m", 512, "guest memory in MiB")
	logf       = func(format string, a ...any) { fmt.Fprintf(os.Stderr, "kerneldemo: "+format+"\n", a...) }
	notes      []string
	repoRoot   string
	// testErrs are go test binaries that were not built, or that did not
	// pass (or report) in a guest: unexpected, like a wrong table cell.
	testErrs []string
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	flag.Parse()
	if *stockK == "" && *patchedK == "" {
		logf("need -stock and/or -patched")
		os.Exit(1)
	}
	if err := run(); err != nil {
		logf("%v", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	repoRoot = filepath.Dir(strings.TrimSpace(string(root)))
	stage := filepath.Join(*outDir, "initramfs")
	os.RemoveAll(stage)
	for _, d := range []string{"bin", "scenarios", "etc/nofault", "kselftest"} {
		if err := os.MkdirAll(filepath.Join(stage, d), 0o755); err != nil {
			return err
		}
	}

	t0 := time.Now()
	if err := goBuild(filepath.Join(stage, "init"), "./kernel/cmd/guestinit", "nofault_shmprobe"); err != nil {
		logf("guestinit with shm.Probe did not build, using its own probe: %v", firstLine(err))
		notes = append(notes, "probe: guestinit's own copy (package shm did not build)")
		if err := goBuild(filepath.Join(stage, "init"), "./kernel/cmd/guestinit", ""); err != nil {
			return fmt.Errorf("build guestinit: %w", err)
		}
	}
	for _, p := range []string{"compositor", "misbehave"} {
		if err := goBuild(filepath.Join(stage, "bin", p), "./cmd/"+p, ""); err != nil {
			logf("cmd/%s not built: %v", p, firstLine(err))
			notes = append(notes, fmt.Sprintf("cmd/%s not built: %s", p, firstLine(err)))
		}
	}
	allow := os.Getenv("NOFAULT_KERNEL_DEMO_ALLOW_NOT_BUILT") == "1"
	var testBins []string // base names the guests must report
	for _, pkg := range strings.Split(*goTests, ",") {
		if pkg = strings.TrimSpace(pkg); pkg == "" {
			continue
		}
		bin := filepath.Join(stage, "scenarios", strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "_")+".test")
		cmd := exec.Command("go", "test", "-c", "-o", bin, pkg)
		cmd.Dir, cmd.Env = repoRoot, append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			msg := fmt.Sprintf("go test %s not built: %s", pkg, firstLine(errors.New(string(out))))
			notes = append(notes, msg)
			if !allow {
				testErrs = append(testErrs, msg)
			}
			continue
		}
		testBins = append(testBins, filepath.Base(bin))
	}
	var ksBins []string // kselftest base names the guests must report
	for _, k := range strings.Split(*kselftests, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		data, err := os.ReadFile(k)
		if err != nil {
			return fmt.Errorf("kselftest: %w", err)
		}
		if err := os.WriteFile(filepath.Join(stage, "kselftest", filepath.Base(k)), data, 0o755); err != nil {
			return err
		}
		ksBins = append(ksBins, filepath.Base(k), filepath.Base(k)+" -f")
	}
	scenLines := *scen + "\n"
	if *kernScen {
		scenLines += demo.KernelScenarioLines()
	}
	if err := os.WriteFile(filepath.Join(stage, "etc/nofault/scenarios"), []byte(scenLines), 0o644); err != nil {
		return err
	}
	initrd := filepath.Join(*outDir, "initramfs.cpio.gz")
	if err := writeInitramfs(stage, initrd); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	logf("guest programs and initramfs ready in %.1f s", time.Since(t0).Seconds())

	kernels := []struct{ name, image string }{{"stock", *stockK}, {"patched", *patchedK}}
	useKVM := decideKVM(firstNonEmpty(*stockK, *patchedK))
	if !useKVM {
		demo.StallGap = *tcgGap
	}
	var rows []demo.Row
	var scenRows []demo.ScenarioRow
	var info []string
	all := map[string]*demo.ScenarioReport{}
	for _, k := range kernels {
		if k.image == "" {
			continue
		}
		logPath := filepath.Join(*outDir, "serial-"+k.name+".log")
		start := time.Now()
		err := boot(k.image, initrd, logPath, useKVM)
		secs := time.Since(start).Seconds()
		f, ferr := os.Open(logPath)
		if ferr != nil {
			return ferr
		}
		recs, perrs := demo.ParseConsole(f)
		f.Close()
		for _, e := range perrs {
			logf("%s: %v", k.name, e)
		}
		release, done := "?", false
		reported := map[string]bool{}
		for _, r := range recs {
			switch r.Kind {
			case demo.KindBoot:
				release = r.Name
			case demo.KindDone:
				done = true
				if r.Detail != "" {
					notes = append(notes, k.name+": "+r.Detail)
				}
			case demo.KindGoTest:
				notes = append(notes, fmt.Sprintf("%s: go test %s in guest: ok=%v, %s", k.name, r.Name, r.OK, r.Detail))
				reported[r.Name] = true
				if !r.OK {
					testErrs = append(testErrs, fmt.Sprintf("%s: go test %s failed in the guest: %s (FAIL lines in %s)", k.name, r.Name, r.Detail, logPath))
				}
			case demo.KindScenario:
				notes = append(notes, fmt.Sprintf("%s: scenario %s: %s", k.name, r.Name, demo.ScenarioSummary(r.Scenario)))
			case demo.KindKmsg:
				testErrs = append(testErrs, fmt.Sprintf("%s: kernel problem in the kernel log: %s (context in %s)", k.name, r.Detail, logPath))
			case demo.KindKselftest:
				notes = append(notes, fmt.Sprintf("%s: kselftest %s: exit %d, %s", k.name, r.Name, r.Exit, r.Detail))
				reported["kselftest "+r.Name] = true
				if err := demo.CheckKselftest(k.name, r); err != nil {
					testErrs = append(testErrs, err.Error()+" (output in "+logPath+")")
				}
			}
		}
		for _, b := range ksBins {
			if !reported["kselftest "+b] {
				testErrs = append(testErrs, fmt.Sprintf("%s: kselftest %s: no result from the guest", k.name, b))
			}
		}
		// a kernel BUG or WARNING anywhere in the log fails the run, even
		// if every cell came out right
		if f, err := os.Open(logPath); err == nil {
			splats, _ := demo.ScanSerial(f)
			f.Close()
			for _, l := range splats {
				testErrs = append(testErrs, fmt.Sprintf("%s: kernel problem in %s: %s", k.name, logPath, l))
			}
		}
		for _, b := range testBins {
			if !reported[b] {
				testErrs = append(testErrs, fmt.Sprintf("%s: go test %s: no result from the guest", k.name, b))
			}
		}
		status := "powered off"
		if err != nil {
			status = err.Error()
		} else if !done {
			status = "no done record"
		}
		info = append(info, fmt.Sprintf("%s: Linux %s, boot to power-off %.1f s (%s), serial log %s", k.name, release, secs, status, logPath))
		rows = append(rows, demo.Summarise(k.name, recs))
		if *kernScen {
			scenRows = append(scenRows, demo.ScenarioRows(k.name, recs)...)
		}
		for _, r := range recs {
			if r.Kind == demo.KindScenario && r.Name == demo.AllScenarios {
				all[k.name] = r.Scenario
				for _, st := range demo.Stalls(r.Scenario, time.Second) {
					notes = append(notes, k.name+": bystander gap over 1 s: "+st)
				}
			}
		}
	}
	// every misbehave scenario must end the same on both kernels: the
	// nosigbus strategy changes how a shrink is noticed, not what the
	// client gets
	for i := range rows {
		if rows[i].Kernel != "patched" || all["stock"] == nil || all["patched"] == nil ||
			all["patched"].NotBuilt != "" || all["stock"].NotBuilt != "" {
			continue
		}
		var diff, byDesign []string
		for _, d := range demo.CompareOutcomes(all["stock"], all["patched"]) {
			name, _, _ := strings.Cut(d, ":")
			if demo.DifferByDesign[name] {
				byDesign = append(byDesign, name)
				notes = append(notes, "differs from stock by design (MAP_NOSIGBUS v2): "+d)
				continue
			}
			diff = append(diff, d)
			notes = append(notes, "differs from stock: "+d)
		}
		rows[i].All += fmt.Sprintf(", %d differ from stock", len(diff))
		if len(byDesign) > 0 {
			rows[i].All += fmt.Sprintf(" (+%d by design)", len(byDesign))
		}
	}

	accel := "TCG (software emulation)"
	if useKVM {
		accel = "KVM"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "MAP_NOSIGBUS demo: qemu-system-x86_64 -m %d -smp %d, %s\n", *memory, *smp, accel)
	for _, l := range info {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("\n" + demo.FormatTable(rows) + "\n")
	if *kernScen {
		b.WriteString(demo.FormatScenarioTable(scenRows) + "\n")
	}
	for _, n := range notes {
		b.WriteString("note: " + n + "\n")
	}
	errs := demo.Check(rows, allow)
	if *kernScen {
		errs = append(errs, demo.CheckScenarioRows(scenRows)...)
	}
	for _, e := range testErrs {
		errs = append(errs, errors.New(e))
	}
	for _, e := range errs {
		fmt.Fprintf(&b, "UNEXPECTED: %v\n", e)
	}
	if len(errs) == 0 {
		b.WriteString("all cells as expected\n")
	}
	fmt.Print(b.String())
	if err := os.WriteFile(filepath.Join(*outDir, "table.txt"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	if len(errs) > 0 {
		os.Exit(2)
	}
	return nil
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstLine(err error) string {
	s := strings.TrimSpace(err.Error())
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return s
}

func goBuild(out, pkg, tags string) error {
	if _, err := os.Stat(filepath.Join(repoRoot, pkg)); err != nil {
		return fmt.Errorf("%s does not exist", pkg)
	}
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir, cmd.Env = repoRoot, append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s", bytes.TrimSpace(b))
	}
	return nil
}

func qemuArgs(kernel, initrd, appendLine string, kvm bool) []string {
	a := []string{"-m", fmt.Sprint(*memory), "-smp", fmt.Sprint(*smp), "-kernel", kernel}
	if initrd != "" {
		a = append(a, "-initrd", initrd)
	}
	a = append(a, "-append", appendLine, "-nographic", "-no-reboot")
	if kvm {
		a = append(a, "-enable-kvm", "-cpu", "host")
	}
	return a
}

// decideKVM boots kernel under KVM without an initrd and without "quiet"
// and wants "Linux version" on the console within a few seconds. On hosts
// whose /dev/kvm is a software module (PVM) the guest never gets there.
func decideKVM(kernel string) bool {
	switch *kvmMode {
	case "on":
		return true
	case "off":
		return false
	}
	if f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0); err != nil {
		notes = append(notes, "KVM: /dev/kvm not usable, TCG")
		return false
	} else {
		f.Close()
	}
	const limit = 8 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", qemuArgs(kernel, "", "console=ttyS0 panic=-1", true)...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		notes = append(notes, "KVM: qemu failed to start: "+err.Error())
		return false
	}
	found := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Linux version") {
			found = true
			break
		}
	}
	cancel()
	cmd.Wait()
	if found {
		notes = append(notes, fmt.Sprintf("KVM: test boot printed a kernel line after %.1f s, using KVM", time.Since(start).Seconds()))
		return true
	}
	notes = append(notes, fmt.Sprintf("KVM: /dev/kvm present but a test boot printed no kernel line in %v, using TCG", limit))
	return false
}

// bootAppend is the guest's kernel command line. "quiet" keeps kernel
// messages below KERN_ERR off the console, so they cannot interleave with
// the guest's record lines; the guest reads the whole kernel log at the
// end and reports splats as kmsg records (a panic or an Oops is printed on
// the console anyway, and demo.ScanSerial finds it there).
const bootAppend = "console=ttyS0 panic=-1 quiet"

func boot(kernel, initrd, logPath string, kvm bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), *bootTO)
	defer cancel()
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64",
		qemuArgs(kernel, initrd, bootAppend, kvm)...)
	cmd.Stdout, cmd.Stderr = f, f
	logf("booting %s", kernel)
	err = cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("timed out after %v", *bootTO)
	}
	if err != nil {
		return fmt.Errorf("qemu: %w", err)
	}
	return nil
}

// writeInitramfs packs dir into a gzipped newc cpio with /dev/console.
func writeInitramfs(dir, out string) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	w := &cpioWriter{w: zw, ino: 1}
	w.entry("dev", 0o40755, nil, 0, 0)
	w.entry("dev/console", 0o20600, nil, 5, 1)
	w.entry("dev/null", 0o20666, nil, 1, 3)
	for _, d := range []string{"proc", "sys", "tmp"} {
		w.entry(d, 0o40755, nil, 0, 0)
	}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if fi.IsDir() {
			w.entry(rel, 0o40755, nil, 0, 0)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w.entry(rel, 0o100000|uint32(fi.Mode().Perm()), data, 0, 0)
		return nil
	})
	if err != nil {
		return err
	}
	w.entry("TRAILER!!!", 0, nil, 0, 0)
	if w.err != nil {
		return w.err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

type cpioWriter struct {
	w   io.Writer
	ino uint32
	err error
}

func (c *cpioWriter) entry(name string, mode uint32, data []byte, rmaj, rmin uint32) {
	if c.err != nil {
		return
	}
	nlink := uint32(1)
	if mode&0o170000 == 0o040000 {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin, len(name)+1, 0)
	c.ino++
	pad := func(n int) []byte { return make([]byte, (4-n%4)%4) }
	var b bytes.Buffer
	b.WriteString(hdr)
	b.WriteString(name)
	b.WriteByte(0)
	b.Write(pad(len(hdr) + len(name) + 1))
	b.Write(data)
	b.Write(pad(len(data)))
	_, c.err = c.w.Write(b.Bytes())
}
