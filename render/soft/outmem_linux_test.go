package soft

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// smapsOf returns the /proc/self/smaps block of the mapping holding addr,
// or "" when no mapping holds it.
func smapsOf(t *testing.T, addr uintptr) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	var block strings.Builder
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if f := strings.Fields(line); len(f) > 0 && !strings.HasSuffix(f[0], ":") {
			if _, err := fmt.Sscanf(f[0], "%x-%x", &lo, &hi); err != nil {
				t.Fatalf("smaps: %q: %v", line, err)
			}
			if in {
				return block.String()
			}
			in = lo <= addr && addr < hi
		}
		if in {
			block.WriteString(line + "\n")
		}
	}
	if in {
		return block.String()
	}
	return ""
}

// TestOutputHugePages checks that a 1080p output lives in a mapping of
// its own that the kernel may back with huge pages, starting on a huge
// page boundary, and that Close gives it back.
func TestOutputHugePages(t *testing.T) {
	r := New()
	if err := r.Render(nil, 1920, 1080); err != nil {
		t.Fatal(err)
	}
	addr := uintptr(unsafe.Pointer(&r.out[0]))
	if addr%hugePage != 0 {
		t.Errorf("output at %#x: not on a 2 MiB boundary, where huge pages start", addr)
	}
	block := smapsOf(t, addr)
	if block == "" {
		t.Fatalf("no mapping holds the output at %#x", addr)
	}
	if thp, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err == nil && !strings.Contains(string(thp), "[never]") {
		if !hasField(block, "THPeligible:", "1") {
			t.Errorf("output mapping is not eligible for huge pages (transparent_hugepage: %s):\n%s", strings.TrimSpace(string(thp)), block)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if b := smapsOf(t, addr); b != "" {
		t.Errorf("output mapping still there after Close:\n%s", b)
	}
	// Used again after Close, and smaller outputs stay in Go memory.
	if err := r.Render(nil, 64, 64); err != nil {
		t.Fatal(err)
	}
	if r.outMem != nil {
		t.Errorf("a 64x64 output was mapped")
	}
}

// TestOutputUnmappedWhenDropped checks that a renderer dropped without
// Close does not keep its mapping: the collector's cleanup unmaps it.
func TestOutputUnmappedWhenDropped(t *testing.T) {
	addr := func() uintptr {
		r := New()
		if err := r.Render(nil, 1920, 1080); err != nil {
			t.Fatal(err)
		}
		return uintptr(unsafe.Pointer(&r.out[0]))
	}()
	if smapsOf(t, addr) == "" {
		t.Fatal("no mapping holds the output")
	}
	deadline := time.Now().Add(30 * time.Second)
	for smapsOf(t, addr) != "" {
		if time.Now().After(deadline) {
			t.Fatal("the dropped renderer's output is still mapped")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// hasField reports whether a line of block reads name followed by value.
func hasField(block, name, value string) bool {
	for _, line := range strings.Split(block, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == name && f[1] == value {
			return true
		}
	}
	return false
}
