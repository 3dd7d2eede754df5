// Command wlgen generates nofault's server-side Go bindings from Wayland
// protocol XML: interface descriptors, handler interfaces with typed request
// decoding, event encoders, typed enums and bitfields (taken and returned
// wherever an argument names them with enum=) and error codes.
//
// Usage:
//
//	wlgen -o OUT.go PROTOCOL.xml
//
// The output is deterministic (same XML, same bytes) and gofmt'ed.
package main

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

func main() {
	out := flag.String("o", "", "output Go file")
	pkg := flag.String("package", "protocol", "Go package name")
	flag.Parse()
	if *out == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wlgen -o OUT.go PROTOCOL.xml")
		os.Exit(2)
	}
	src, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "wlgen:", err)
		os.Exit(1)
	}
	code, err := Generate(src, *pkg, filepath.Base(flag.Arg(0)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "wlgen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, code, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "wlgen:", err)
		os.Exit(1)
	}
}

// Generate returns the gofmt'ed Go source for the protocol XML in src.
func Generate(src []byte, pkg, srcName string) ([]byte, error) {
	var p xmlProtocol
	if err := xml.Unmarshal(src, &p); err != nil {
		return nil, fmt.Errorf("parse %s: %w", srcName, err)
	}
	data, err := buildModel(&p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", srcName, err)
	}
	data.Package = pkg
	data.Source = srcName
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("execute template: %w", err)
	}
	code, err := format.Source(buf.Bytes())
	if err != nil {
		return buf.Bytes(), fmt.Errorf("gofmt generated code: %w", err)
	}
	return code, nil
}

var tmpl = template.Must(template.New("file").Funcs(template.FuncMap{
	"reqtype": requestType,
	"evtype":  eventType,
	"decode":  decodeExpr,
	"encode":  encodeStmt,
	"argtype": argTypeConst,
	"lower":   func(s string) string { return strings.ToLower(s[:1]) + s[1:] },
}).Parse(fileTemplate))
