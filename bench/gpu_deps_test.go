package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestGPUBundleCarriesEveryLinkedLibrary builds what bench/gpu/build.sh
// builds and checks that every shared library they link, other than
// glibc's, belongs to a package the script downloads: the GPU machine has
// no -dev packages and may lack any of them, and the script stops at the
// first one it does not carry, which a session finds out only once it has
// a GPU machine.
func TestGPUBundleCarriesEveryLinkedLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three cgo binaries")
	}
	for _, tool := range []string{"go", "ldd", "dpkg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	script, err := os.ReadFile(filepath.Join("gpu", "build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	carried := carriedPackages(string(script))
	if len(carried) == 0 {
		t.Fatal("build.sh downloads no packages")
	}

	dir := t.TempDir()
	builds := map[string][]string{
		"gl.test":    {"test", "-c", "-o", filepath.Join(dir, "gl.test"), "../render/gl"},
		"compositor": {"build", "-o", filepath.Join(dir, "compositor"), "../cmd/compositor"},
		"glprof":     {"build", "-o", filepath.Join(dir, "glprof"), "./gpu/glprof"},
	}
	for name, args := range builds {
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s (%s): %v\n%s", strings.Join(args, " "), name, err, out)
		}
	}
	for name := range builds {
		out, err := exec.Command("ldd", filepath.Join(dir, name)).Output()
		if err != nil {
			t.Fatalf("ldd %s: %v", name, err)
		}
		for _, m := range lddLine.FindAllStringSubmatch(string(out), -1) {
			lib, path := m[1], m[2]
			if glibc.MatchString(lib) {
				continue
			}
			pkg, err := owningPackage(path)
			if err != nil {
				t.Errorf("%s links %s (%s): %v", name, lib, path, err)
				continue
			}
			if !slices.Contains(carried, pkg) {
				t.Errorf("%s links %s from package %s, which bench/gpu/build.sh does not download (it carries %s)", name, lib, pkg, strings.Join(carried, " "))
			}
		}
	}
}

var (
	// lddLine is one resolved library in ldd's output: "libX.so.1 => /path (0x...)".
	lddLine = regexp.MustCompile(`(?m)^\s*(\S+) => (/\S+)`)
	// glibc's libraries are on every machine.
	glibc = regexp.MustCompile(`^(libc|libm|libpthread|libdl|librt|ld-linux[^.]*)\.so`)
	// download is an apt-get download command in build.sh; its package
	// names follow up to the redirection.
	download = regexp.MustCompile(`apt-get "\$\{o\[@\]\}" download ([^>\n]+)`)
)

// carriedPackages are the packages build.sh downloads.
func carriedPackages(script string) []string {
	var pkgs []string
	for _, m := range download.FindAllStringSubmatch(script, -1) {
		pkgs = append(pkgs, strings.Fields(m[1])...)
	}
	return pkgs
}

// owningPackage is the Debian package that installed path, without its
// architecture ("libxfixes3"), as dpkg -S names it; a path under /lib
// is looked up as well under /usr/lib, where Debian 12's packages list it.
func owningPackage(path string) (string, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	var last error
	for _, p := range []string{path, resolved, "/usr" + path, "/usr" + resolved} {
		out, err := exec.Command("dpkg", "-S", p).Output()
		if err != nil {
			last = err
			continue
		}
		pkg, _, _ := strings.Cut(strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), ":")
		return pkg, nil
	}
	return "", last
}
