package procstat

import (
	"bytes"
	"os"
	"strconv"
)

// OpenFDsOf returns the number of open fds of process pid, or -1.
func OpenFDsOf(pid int) int {
	names, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return -1
	}
	return len(names)
}

// MappingsOf returns the number of lines of /proc/PID/maps, or -1.
func MappingsOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return -1
	}
	return bytes.Count(b, []byte("\n"))
}

// RSSOf returns the resident set size of process pid in bytes, or -1.
func RSSOf(pid int) int64 { return rss(strconv.Itoa(pid)) }

// rss reads the resident set size from /proc/PROC/statm (PROC a pid or
// "self").
func rss(proc string) int64 {
	b, err := os.ReadFile("/proc/" + proc + "/statm")
	if err != nil {
		return -1
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return -1
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return -1
	}
	return pages * int64(os.Getpagesize())
}
