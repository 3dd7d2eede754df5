//go:build !cgo

// Command nofault-wlcs is nofault's WLCS integration; it is a cgo shared
// library (see main.go), so a CGO_ENABLED=0 build only says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "nofault-wlcs is a shared library for the wlcs runner: build it with CGO_ENABLED=1 -buildmode=c-shared (make wlcs)")
	os.Exit(2)
}
