// Command limitsdoc regenerates the tables of docs/limits.md from
// server.LimitTable (go generate ./config).
package main

import (
	"fmt"
	"os"

	"github.com/nofault/nofault/config"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: limitsdoc docs/limits.md")
		os.Exit(2)
	}
	path := os.Args[1]
	doc, err := os.ReadFile(path)
	if err == nil {
		doc, err = config.UpdateLimitsDoc(doc)
	}
	if err == nil {
		err = os.WriteFile(path, doc, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "limitsdoc: %s: %v\n", path, err)
		os.Exit(1)
	}
}
