package demo

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// MapNoSigbus is the flag bit the patch defines (asm-generic).
const MapNoSigbus = 0x200000

// FlagTest is one in-guest test of the flag with the outcome expected on a
// stock kernel (which silently ignores the bit) and on the patched one.
type FlagTest struct {
	Name    string
	What    string
	Stock   string
	Patched string
	run     func(ps int) string
}

// FlagTests are run by the guest init, in this order. Every test maps a
// memfd of two pages filled with 0xab; "truncate" means to one page.
var FlagTests = []FlagTest{
	{"control-no-flag", "MAP_PRIVATE without the flag: read page 2 after truncate", "SIGBUS", "SIGBUS", testControl},
	{"private-past-eof", "MAP_PRIVATE|MAP_NOSIGBUS: read page 2 after truncate", "SIGBUS", "zeros", testPastEOF},
	{"private-inside-file", "MAP_PRIVATE|MAP_NOSIGBUS: page 1 still reads the file", "data 0xab", "data 0xab", testInside},
	{"smaps-vmflags", `/proc/self/smaps VmFlags of a flagged mapping has "nb"`, "no nb", "nb", testSmaps},
	{"shared", "MAP_SHARED|MAP_NOSIGBUS", "ok", "EINVAL", testShared},
	{"shared-validate", "MAP_SHARED_VALIDATE|MAP_NOSIGBUS", "EOPNOTSUPP", "EINVAL", testSharedValidate},
	{"prot-write", "PROT_READ|PROT_WRITE with MAP_PRIVATE|MAP_NOSIGBUS", "ok", "EINVAL", testProtWrite},
	{"anonymous", "MAP_ANONYMOUS|MAP_PRIVATE|MAP_NOSIGBUS", "ok", "EINVAL", testAnon},
	{"char-device", "MAP_PRIVATE|MAP_NOSIGBUS of /dev/zero (not a regular file)", "ok", "EINVAL", testCharDevice},
	{"mprotect-write", "mprotect(PROT_READ|PROT_WRITE) on a flagged mapping", "ok", "EACCES", testMprotect},
	{"regrow-same-mapping", "read page 2 past EOF, regrow the file, pwrite 0xcd into page 2, read page 2 again", "data 0xcd", "zeros", testRegrowStale},
	{"regrow-after-remap", "same, then munmap and map again: page 2", "data 0xcd", "data 0xcd", testRegrowRemap},
}

// RunFlagTests runs FlagTests and returns one KindFlag record each.
func RunFlagTests() []Record {
	ps := os.Getpagesize()
	recs := make([]Record, 0, len(FlagTests))
	for _, t := range FlagTests {
		obs := runSafely(t.run, ps)
		recs = append(recs, Record{Kind: KindFlag, Name: t.Name, Observed: obs, Detail: t.What})
	}
	return recs
}

// RunFlagTest runs the named test of FlagTests and returns what it observed.
func RunFlagTest(name string) string {
	for _, t := range FlagTests {
		if t.Name == name {
			return runSafely(t.run, os.Getpagesize())
		}
	}
	return "no such test"
}

func runSafely(f func(int) string, ps int) (obs string) {
	defer func() {
		if r := recover(); r != nil {
			obs = fmt.Sprintf("panic: %v", r)
		}
	}()
	return f(ps)
}

// guardedRead reads b[i] with faults turned into panics and recovers a
// fault inside b, reporting it as faulted. Any other panic goes on.
func guardedRead(b []byte, i int) (v byte, faulted bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := r.(interface{ Addr() uintptr }); ok {
			base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
			if a := e.Addr(); a >= base && a < base+uintptr(len(b)) {
				faulted = true
				return
			}
		}
		panic(r)
	}()
	return b[i], false
}

func describe(v byte, faulted bool) string {
	switch {
	case faulted:
		return "SIGBUS"
	case v == 0:
		return "zeros"
	}
	return fmt.Sprintf("data 0x%02x", v)
}

func errName(err error) string {
	if err == nil {
		return "ok"
	}
	var e unix.Errno
	if errors.As(err, &e) {
		if e == unix.EOPNOTSUPP {
			return "EOPNOTSUPP" // ErrnoName says ENOTSUP, the same number on Linux
		}
		if n := unix.ErrnoName(e); n != "" {
			return n
		}
	}
	return err.Error()
}

// memfd2 returns a memfd of two pages of 0xab.
func memfd2(ps int) (int, error) {
	fd, err := unix.MemfdCreate("nofault-flagtest", unix.MFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	buf := make([]byte, 2*ps)
	for i := range buf {
		buf[i] = 0xab
	}
	if _, err := unix.Pwrite(fd, buf, 0); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// withMapping maps a fresh two-page memfd with prot and flags and calls f;
// it returns the mmap errno name if mapping fails.
func withMapping(ps, prot, flags int, f func(fd int, b []byte) string) string {
	fd, err := memfd2(ps)
	if err != nil {
		return "setup: " + err.Error()
	}
	defer unix.Close(fd)
	b, err := unix.Mmap(fd, 0, 2*ps, prot, flags)
	if err != nil {
		return errName(err)
	}
	defer unix.Munmap(b)
	if f == nil {
		return "ok"
	}
	return f(fd, b)
}

func pastEOF(flags int) func(int) string {
	return func(ps int) string {
		return withMapping(ps, unix.PROT_READ, flags, func(fd int, b []byte) string {
			if err := unix.Ftruncate(fd, int64(ps)); err != nil {
				return "ftruncate: " + err.Error()
			}
			return describe(guardedRead(b, ps+16))
		})
	}
}

var (
	testControl = pastEOF(unix.MAP_PRIVATE)
	testPastEOF = pastEOF(unix.MAP_PRIVATE | MapNoSigbus)
)

func testInside(ps int) string {
	return withMapping(ps, unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus, func(fd int, b []byte) string {
		if err := unix.Ftruncate(fd, int64(ps)); err != nil {
			return "ftruncate: " + err.Error()
		}
		return describe(guardedRead(b, 16))
	})
}

func testSmaps(ps int) string {
	return withMapping(ps, unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus, func(fd int, b []byte) string {
		flags, err := smapsVmFlags(uintptr(unsafe.Pointer(&b[0])))
		if err != nil {
			return err.Error()
		}
		for _, f := range strings.Fields(flags) {
			if f == "nb" {
				return "nb"
			}
		}
		return "no nb"
	})
}

// smapsVmFlags returns the VmFlags line of the mapping starting at addr.
func smapsVmFlags(addr uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	start := fmt.Sprintf("%x-", addr)
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, start) {
			in = true
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), nil
		}
	}
	return "", fmt.Errorf("mapping %#x not in smaps", addr)
}

func testShared(ps int) string {
	return withMapping(ps, unix.PROT_READ, unix.MAP_SHARED|MapNoSigbus, nil)
}

func testSharedValidate(ps int) string {
	return withMapping(ps, unix.PROT_READ, unix.MAP_SHARED_VALIDATE|MapNoSigbus, nil)
}

func testProtWrite(ps int) string {
	return withMapping(ps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|MapNoSigbus, nil)
}

func testAnon(ps int) string {
	b, err := unix.Mmap(-1, 0, ps, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|MapNoSigbus)
	if err != nil {
		return errName(err)
	}
	unix.Munmap(b)
	return "ok"
}

func testCharDevice(ps int) string {
	f, err := os.Open("/dev/zero")
	if err != nil {
		return "setup: " + err.Error()
	}
	defer f.Close()
	b, err := unix.Mmap(int(f.Fd()), 0, ps, unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus)
	if err != nil {
		return errName(err)
	}
	unix.Munmap(b)
	return "ok"
}

func testMprotect(ps int) string {
	return withMapping(ps, unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus, func(fd int, b []byte) string {
		return errName(unix.Mprotect(b, unix.PROT_READ|unix.PROT_WRITE))
	})
}

// regrow faults page 2 in past EOF, grows the file back and writes 0xcd
// into page 2, and returns what the same mapping reads there now.
func regrow(ps, fd int, b []byte) (string, bool) {
	if err := unix.Ftruncate(fd, int64(ps)); err != nil {
		return "ftruncate: " + err.Error(), false
	}
	guardedRead(b, ps+16) // installs the zero page on a patched kernel
	if err := unix.Ftruncate(fd, int64(2*ps)); err != nil {
		return "ftruncate: " + err.Error(), false
	}
	page := make([]byte, ps)
	for i := range page {
		page[i] = 0xcd
	}
	if _, err := unix.Pwrite(fd, page, int64(ps)); err != nil {
		return "pwrite: " + err.Error(), false
	}
	return describe(guardedRead(b, ps+16)), true
}

func testRegrowStale(ps int) string {
	return withMapping(ps, unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus, func(fd int, b []byte) string {
		obs, _ := regrow(ps, fd, b)
		return obs
	})
}

func testRegrowRemap(ps int) string {
	return withMapping(ps, unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus, func(fd int, b []byte) string {
		if obs, ok := regrow(ps, fd, b); !ok {
			return obs
		}
		b2, err := unix.Mmap(fd, 0, 2*ps, unix.PROT_READ, unix.MAP_PRIVATE|MapNoSigbus)
		if err != nil {
			return "remap: " + errName(err)
		}
		defer unix.Munmap(b2)
		return describe(guardedRead(b2, ps+16))
	})
}
