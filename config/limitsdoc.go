package config

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nofault/nofault/server"
)

//go:generate go run ./internal/limitsdoc ../docs/limits.md

// Markers of the part of docs/limits.md generated from server.LimitTable.
const (
	LimitsDocBegin = "<!-- BEGIN limits table: generated from server.LimitTable by `go generate ./config`; do not edit -->"
	LimitsDocEnd   = "<!-- END limits table -->"
)

// LimitsMarkdown returns docs/limits.md's tables of limits, one row per
// row of server.LimitTable: key, flag, environment variable, default,
// scope, what it counts and what a client gets past it.
func LimitsMarkdown() string {
	var b strings.Builder
	section := func(title string, total bool) {
		fmt.Fprintf(&b, "\n## %s\n\n", title)
		b.WriteString("| key (`[limits]`) | flag, environment variable | default | scope | counts | when exceeded |\n")
		b.WriteString("|---|---|---|---|---|---|\n")
		for _, o := range options {
			row := server.LimitByKey(strings.TrimPrefix(o.key, "limits."))
			if row == nil || (row.Scope == server.Total) != total {
				continue
			}
			fmt.Fprintf(&b, "| `%s` | `--%s`, `%s` | %s | %s | %s | %s |\n",
				row.Key, o.flag, o.env, humanDefault(row), row.Scope, row.Counts, row.Exceeded)
		}
	}
	section("Per-client limits", false)
	section("Limits across all clients", true)
	return b.String()
}

// humanDefault writes a default as docs/limits.md does: 65,536 or 1 GiB.
func humanDefault(row *server.Limit) string {
	if row.Unit == server.Bytes {
		s := ByteSize(row.Default).String()
		for _, u := range byteUnits {
			if strings.HasSuffix(s, u.name) {
				return strings.TrimSuffix(s, u.name) + " " + u.name
			}
		}
		return s + " bytes"
	}
	s := strconv.FormatInt(row.Default, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// UpdateLimitsDoc returns doc with the text between LimitsDocBegin and
// LimitsDocEnd replaced by LimitsMarkdown.
func UpdateLimitsDoc(doc []byte) ([]byte, error) {
	begin := bytes.Index(doc, []byte(LimitsDocBegin))
	end := bytes.Index(doc, []byte(LimitsDocEnd))
	if begin < 0 || end < begin {
		return nil, errors.New("the limits table markers are missing")
	}
	var out bytes.Buffer
	out.Write(doc[:begin+len(LimitsDocBegin)])
	out.WriteString("\n")
	out.WriteString(LimitsMarkdown())
	out.WriteString("\n")
	out.Write(doc[end:])
	return out.Bytes(), nil
}
