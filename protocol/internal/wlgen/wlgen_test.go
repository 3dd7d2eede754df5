package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden generates every testdata/*.xml and compares the result with
// its .golden file byte for byte (go test -update rewrites them).
func TestGolden(t *testing.T) {
	xmls, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(xmls) == 0 {
		t.Fatalf("no testdata/*.xml: %v", err)
	}
	for _, x := range xmls {
		t.Run(filepath.Base(x), func(t *testing.T) {
			src, err := os.ReadFile(x)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Generate(src, "protocol", filepath.Base(x))
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(x, ".xml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s; after a deliberate change run go test -update", x, golden)
			}
		})
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, camel, param string }{
		{"wl_surface", "WlSurface", "wlSurface"},
		{"delete_id", "DeleteID", "deleteID"},
		{"set_app_id", "SetAppID", "setAppID"},
		{"object_id", "ObjectID", "objectID"},
		{"id", "ID", "id"},
		{"fd", "FD", "fd"},
		{"keymap_fd", "KeymapFD", "keymapFD"},
		{"url", "URL", "url"},
		{"flipped_90", "Flipped90", "flipped90"},
		{"idle", "Idle", "idle"},
		{"interface", "Interface", "interface_"},
		{"version", "Version", "version_"},
	} {
		if got := camel(tc.in); got != tc.camel {
			t.Errorf("camel(%q) = %q, want %q", tc.in, got, tc.camel)
		}
		if got := goParam(tc.in); got != tc.param {
			t.Errorf("goParam(%q) = %q, want %q", tc.in, got, tc.param)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ name, xml, want string }{
		{"unknown type", `<protocol name="p"><interface name="i" version="1"><request name="r"><arg name="a" type="float"/></request></interface></protocol>`, `unknown arg type "float"`},
		{"enum on string", `<protocol name="p"><interface name="i" version="1"><request name="r"><arg name="a" type="string" enum="e"/></request></interface></protocol>`, "enum on string argument a"},
		{"bad value", `<protocol name="p"><interface name="i" version="1"><enum name="e"><entry name="x" value="ten"/></enum></interface></protocol>`, `value "ten"`},
		{"untyped new_id event", `<protocol name="p"><interface name="i" version="1"><event name="ev"><arg name="id" type="new_id"/></event></interface></protocol>`, "untyped new_id in an event"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate([]byte(tc.xml), "protocol", "p.xml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Generate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
