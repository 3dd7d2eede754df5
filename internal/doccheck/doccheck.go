// Package doccheck checks the repository's Markdown. Every relative link in
// README.md and docs/ must name a file or directory that exists inside the
// repository, so the documentation never cites a file a clone lacks (a
// path outside the repository, a file renamed or removed).
//
// A link is an inline link or image ([text](dest), ![alt](dest)) or a
// reference definition ([label]: dest). A code span whose text starts with
// "../" cites a path too (`../shared/notes.md`) and is checked the same
// way.
// Destinations with a scheme (https:, mailto:) and bare fragments (#anchor)
// are not checked; a fragment or query after a path is dropped. Fenced code
// blocks are skipped.
//
// It also checks that docs/architecture.md names every package of the
// module (Packages, Unnamed), so the package list there stays complete.
//
// The repository's own checks are TestRepositoryLinks and
// TestArchitectureNamesEveryPackage; `go test ./internal/doccheck` runs
// them (make test runs them with everything else).
package doccheck

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Link is one path a Markdown file cites.
type Link struct {
	Line int    // 1-based line of the link in its file
	Dest string // the destination as written
	Code bool   // a code span ("`../x.md`"), not a link
}

// Problem is a link that does not resolve.
type Problem struct {
	File string // slash-separated, relative to the root
	Link
	Why string
}

func (p Problem) String() string {
	what := "link"
	if p.Code {
		what = "cited path"
	}
	return fmt.Sprintf("%s:%d: %s %q: %s", p.File, p.Line, what, p.Dest, p.Why)
}

var (
	// refDef is a reference definition: [label]: dest.
	refDef = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	// codeSpan is a one-backtick code span.
	codeSpan = regexp.MustCompile("`([^`\n]+)`")
	// scheme starts an absolute URL (https:, mailto:, ...).
	scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// Links returns the links and cited paths of a Markdown document, in order,
// outside fenced code blocks.
func Links(md []byte) []Link {
	var out []Link
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(nil, 1<<20)
	fence := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]+" ") == "" {
				fence = ""
			}
			continue
		}
		if f := fenceOpen(trimmed); f != "" && len(line)-len(trimmed) < 4 {
			fence = f
			continue
		}
		if m := refDef.FindStringSubmatch(line); m != nil {
			out = append(out, Link{Line: n, Dest: strings.Trim(m[1], "<>")})
			continue
		}
		// Code spans first: a link inside one is text, not a link.
		spans := codeSpan.FindAllStringSubmatchIndex(line, -1)
		for _, s := range spans {
			text := line[s[2]:s[3]]
			if strings.HasPrefix(text, "../") {
				out = append(out, Link{Line: n, Dest: strings.Fields(text)[0], Code: true})
			}
		}
		inSpan := func(i int) bool {
			for _, s := range spans {
				if i >= s[0] && i < s[1] {
					return true
				}
			}
			return false
		}
		for i := 0; ; {
			j := strings.Index(line[i:], "](")
			if j < 0 {
				break
			}
			start := i + j + 2
			i = start
			if inSpan(start - 2) {
				continue
			}
			if dest, ok := destination(line[start:]); ok {
				out = append(out, Link{Line: n, Dest: dest})
			}
		}
	}
	return out
}

// fenceOpen returns the fence a line opens (``` or ~~~, possibly longer),
// or "".
func fenceOpen(s string) string {
	for _, c := range []string{"`", "~"} {
		k := 0
		for k < len(s) && s[k] == c[0] {
			k++
		}
		if k >= 3 {
			return s[:k]
		}
	}
	return ""
}

// destination parses a link destination (and optional title) up to the
// closing parenthesis: <dest> or dest with balanced parentheses.
func destination(s string) (string, bool) {
	s = strings.TrimLeft(s, " ")
	if strings.HasPrefix(s, "<") {
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return "", false
		}
		return s[1:end], true
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return s[:i], i > 0
			}
			depth--
		case ' ', '\t':
			return s[:i], i > 0
		}
	}
	return "", false
}

// Resolve returns the slash-separated path, relative to the repository
// root, that dest names when written in the file at file (also relative to
// the root), and whether it is checked at all: URLs and bare fragments
// are not. A path that leaves the root is returned with its "../" prefix.
func Resolve(file, dest string) (string, bool) {
	if dest == "" || strings.HasPrefix(dest, "#") || scheme.MatchString(dest) {
		return "", false
	}
	if i := strings.IndexAny(dest, "#?"); i >= 0 {
		dest = dest[:i]
	}
	if strings.HasPrefix(dest, "/") {
		// Root-relative, as GitHub renders it.
		return path.Clean(strings.TrimPrefix(dest, "/")), true
	}
	return path.Clean(path.Join(path.Dir(file), dest)), true
}

// Files returns README.md and every Markdown file under docs/ in root,
// slash-separated and relative to root, sorted.
func Files(root string) ([]string, error) {
	files := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files[1:])
	return files, err
}

// Check checks the links of the given files (relative to root) and returns
// every one that leaves root or names nothing.
func Check(root string, files []string) ([]Problem, error) {
	var probs []Problem
	for _, f := range files {
		md, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return nil, err
		}
		for _, l := range Links(md) {
			target, ok := Resolve(f, l.Dest)
			if !ok {
				continue
			}
			switch {
			case target == ".." || strings.HasPrefix(target, "../"):
				probs = append(probs, Problem{File: f, Link: l, Why: "outside the repository"})
			default:
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(target))); err != nil {
					probs = append(probs, Problem{File: f, Link: l, Why: "no such file in the repository: " + target})
				}
			}
		}
	}
	return probs, nil
}

// Packages returns the directories under root, slash-separated and
// relative to it, that hold Go files: the module's packages and commands.
// testdata, hidden directories and nested modules (a go.mod of their own,
// like tools/) are skipped.
func Packages(root string) ([]string, error) {
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		if rel != "." {
			seen[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	pkgs := make([]string, 0, len(seen))
	for p := range seen {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	return pkgs, err
}

// Unnamed returns the packages that doc never names as a code span
// ("`render/gl`"), in order.
func Unnamed(doc []byte, pkgs []string) []string {
	var missing []string
	for _, p := range pkgs {
		if !bytes.Contains(doc, []byte("`"+p+"`")) {
			missing = append(missing, p)
		}
	}
	return missing
}
