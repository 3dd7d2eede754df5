package doccheck

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
)

// repoRoot is the module root, two directories above this file.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return root
}

// TestRepositoryLinks: every relative link in README.md and docs/**/*.md
// names a file or directory inside the repository.
func TestRepositoryLinks(t *testing.T) {
	root := repoRoot(t)
	files, err := Files(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(files, "docs/architecture.md") {
		t.Fatalf("Files found %v, without docs/architecture.md", files)
	}
	probs, err := Check(root, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Error(p)
	}
}

func TestLinks(t *testing.T) {
	for _, tc := range []struct {
		name string
		md   string
		want []Link
	}{
		{"inline", "see [a](a.md) and [b](../b.md#x).", []Link{{1, "a.md", false}, {1, "../b.md#x", false}}},
		{"image", "![plot](bench/p.png)", []Link{{1, "bench/p.png", false}}},
		{"title", `[a](a.md "A")`, []Link{{1, "a.md", false}}},
		{"angle", "[a](<a b.md>)", []Link{{1, "a b.md", false}}},
		{"parens", "[a](f(1).md)", []Link{{1, "f(1).md", false}}},
		{"code text", "[`x.c`](../x.c)", []Link{{1, "../x.c", false}}},
		{"refdef", "[r]: ../r.md\n  [s]: <s.md>", []Link{{1, "../r.md", false}, {2, "s.md", false}}},
		{"code span cites", "as `../shared/n.md` says", []Link{{1, "../shared/n.md", true}}},
		{"code span words", "run `../x/run.sh --fast`", []Link{{1, "../x/run.sh", true}}},
		{"code span other", "`go test ./...` and `a/b.md`", nil},
		{"link in code span", "`[a](b.md)`", nil},
		{"fenced", "x\n```sh\n[a](../no.md)\n`../no`\n```\n[b](b.md)", []Link{{6, "b.md", false}}},
		{"tilde fence", "~~~~\n[a](no.md)\n~~~~\n", nil},
		{"urls", "[u](https://x.org/a) [m](mailto:a@b) [f](#top)", []Link{{1, "https://x.org/a", false}, {1, "mailto:a@b", false}, {1, "#top", false}}},
		{"not a link", "f(x) and [x] (y)", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Links([]byte(tc.md)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Links(%q) = %v, want %v", tc.md, got, tc.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		file, dest string
		want       string
		checked    bool
	}{
		{"README.md", "docs/shm.md", "docs/shm.md", true},
		{"docs/shm.md", "limits.md#defaults", "docs/limits.md", true},
		{"docs/findings/x.md", "../../findings/repro/a.c", "findings/repro/a.c", true},
		{"docs/shm.md", "../shared/research/a.md", "shared/research/a.md", true},
		{"docs/shm.md", "../../shared/research/a.md", "../shared/research/a.md", true},
		{"README.md", "../x", "../x", true},
		{"docs/a.md", "/Makefile", "Makefile", true},
		{"docs/a.md", "https://example.org/a.md", "", false},
		{"docs/a.md", "#section", "", false},
	} {
		got, checked := Resolve(tc.file, tc.dest)
		if got != tc.want || checked != tc.checked {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q, %v", tc.file, tc.dest, got, checked, tc.want, tc.checked)
		}
	}
}

// TestCheck runs Check on testdata/repo, whose docs hold one link of each
// kind, good and bad.
func TestCheck(t *testing.T) {
	probs, err := Check("testdata/repo", []string{"README.md", "docs/a.md"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{
		`README.md:5: link "missing.md": no such file in the repository: missing.md`,
		`docs/a.md:3: link "../../outside.md": outside the repository`,
		`docs/a.md:4: cited path "../../shared/research/x.md": outside the repository`,
		`docs/a.md:5: link "gone/": no such file in the repository: docs/gone`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Check problems:\n%q\nwant\n%q", got, want)
	}
}

// TestArchitectureNamesEveryPackage: docs/architecture.md names every
// package of the module, so a new package cannot go undocumented there.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	root := repoRoot(t)
	pkgs, err := Packages(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server", "render/gl/egl", "internal/doccheck", "cmd/compositor"} {
		if !slices.Contains(pkgs, want) {
			t.Fatalf("Packages found %v, without %s", pkgs, want)
		}
	}
	if slices.Contains(pkgs, "tools") || slices.ContainsFunc(pkgs, func(p string) bool { return filepath.Base(p) == "testdata" }) {
		t.Fatalf("Packages found %v: nested modules and testdata are not packages", pkgs)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Unnamed(doc, pkgs) {
		t.Errorf("docs/architecture.md does not name package `%s`", p)
	}
}

func TestUnnamed(t *testing.T) {
	doc := []byte("`render` draws; `render/gl` too; render/soft is not named as code")
	got := Unnamed(doc, []string{"render", "render/gl", "render/soft", "shm"})
	if want := []string{"render/soft", "shm"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unnamed = %v, want %v", got, want)
	}
}
