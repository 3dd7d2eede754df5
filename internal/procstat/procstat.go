// Package procstat reads the current process's resource counts from /proc,
// for leak tests: open fds, mappings and resident memory.
package procstat

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// OpenFDs returns the number of open file descriptors, not counting the one
// used to list /proc/self/fd. It returns -1 if /proc is unavailable.
func OpenFDs() int {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return -1
	}
	return len(names) - 1
}

// Mappings returns the number of lines of /proc/self/maps (adjacent
// compatible mappings are merged by the kernel), or -1.
func Mappings() int { return MappingsMatching("") }

// MappingsMatching returns the number of lines of /proc/self/maps that
// contain substr (e.g. a memfd name: "/memfd:nofault-test"), or -1.
func MappingsMatching(substr string) int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return -1
	}
	n := 0
	for line := range bytes.Lines(b) {
		if bytes.Contains(line, []byte(substr)) {
			n++
		}
	}
	return n
}

// RSS returns the resident set size in bytes (from /proc/self/statm), or -1.
func RSS() int64 { return rss("self") }

// DescribeFDsOf lists process pid's open fds with what each is
// ("3 -> socket:[123]"), for a test's failure message.
func DescribeFDsOf(pid int) string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range ents {
		target, _ := os.Readlink(dir + "/" + e.Name())
		fmt.Fprintf(&b, "%s -> %s; ", e.Name(), target)
	}
	return b.String()
}
