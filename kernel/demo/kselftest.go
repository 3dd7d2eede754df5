package demo

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// KselftestSkip is the exit status of a kselftest that skipped (KSFT_SKIP).
const KselftestSkip = 4

var totalsRE = regexp.MustCompile(`# Totals: pass:(\d+) fail:(\d+) xfail:\d+ xpass:\d+ skip:(\d+) error:(\d+)`)

// KselftestTotals parses a kselftest "# Totals:" line.
func KselftestTotals(line string) (pass, fail, skip, errs int, ok bool) {
	m := totalsRE.FindStringSubmatch(line)
	if m == nil {
		return 0, 0, 0, 0, false
	}
	fmt.Sscan(m[1], &pass)
	fmt.Sscan(m[2], &fail)
	fmt.Sscan(m[3], &skip)
	fmt.Sscan(m[4], &errs)
	return pass, fail, skip, errs, true
}

// CheckKselftest says whether a kselftest record is what the kernel
// should give. On the patched kernel both runs (plain and " -f") must pass
// every test. On the stock kernel the plain run must skip (the kernel
// does not know the flag) and the forced run must fail, which shows the
// test can tell a kernel without the feature from one with it.
func CheckKselftest(kernel string, r Record) error {
	forced := strings.HasSuffix(r.Name, " -f")
	pass, fail, _, errs, ok := KselftestTotals(r.Detail)
	switch {
	case kernel == "patched":
		if r.Exit != 0 || !ok || fail != 0 || errs != 0 || pass == 0 {
			return fmt.Errorf("patched: kselftest %s: exit %d, %q; want exit 0, all passed", r.Name, r.Exit, r.Detail)
		}
	case !forced:
		if r.Exit != KselftestSkip {
			return fmt.Errorf("%s: kselftest %s: exit %d, %q; want exit %d (skip)", kernel, r.Name, r.Exit, r.Detail, KselftestSkip)
		}
	default:
		if r.Exit == 0 || !ok || fail == 0 {
			return fmt.Errorf("%s: kselftest %s: exit %d, %q; want failures without the patch", kernel, r.Name, r.Exit, r.Detail)
		}
	}
	return nil
}

// kernelProblem matches the first line of a kernel splat on the console.
var kernelProblem = regexp.MustCompile(`\b(BUG:|WARNING:|Oops|Kernel panic|kernel BUG at|general protection fault|UBSAN:)`)

// KernelProblem reports whether a kernel log line starts a splat.
func KernelProblem(line string) bool { return kernelProblem.MatchString(line) }

// ScanSerial returns the console lines that report a kernel problem
// (BUG, WARNING, Oops, panic, ...). Lines of the guest protocol and of
// the programs it runs (NOFAULT, NOFAULT-LOG) are not kernel output and
// are skipped.
func ScanSerial(r io.Reader) ([]string, error) {
	var found []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.Contains(line, "NOFAULT") {
			continue
		}
		if KernelProblem(line) {
			found = append(found, line)
		}
	}
	return found, sc.Err()
}
