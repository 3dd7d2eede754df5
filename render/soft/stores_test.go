package soft

import (
	"testing"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

func TestPlainStores(t *testing.T) {
	for v, want := range map[string]bool{"": false, "nt": false, "plain": true, "fast": false} {
		t.Setenv(StoresEnv, v)
		if got := plainStores(); got != want {
			t.Errorf("%s=%q: plain %v, want %v", StoresEnv, v, got, want)
		}
		if got := New().plain; got != want {
			t.Errorf("%s=%q: New().plain %v, want %v", StoresEnv, v, got, want)
		}
	}
}

// TestRenderStores: a render into the renderer's own output makes
// non-temporal stores unless StoresEnv asks for plain ones; into lent
// memory, plain ones; and Close keeps the setting.
func TestRenderStores(t *testing.T) {
	for _, c := range []struct {
		name        string
		plain, lend bool
		nt          bool
	}{
		{"default", false, false, true},
		{"plain", true, false, false},
		{"lent", false, true, false},
		{"lent, plain", true, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := New()
			r.plain = c.plain
			if c.lend {
				r.SetOutputMemory(&lender{})
			}
			const W, H = 64, 48
			for range 2 {
				tex := upload(t, r, newStaging(W, H, W*4, shm.FormatARGB8888, pattern(0xff)))
				if err := r.Render(&render.Scene{Items: []render.Item{itemAt(tex, 0, 0, W, H)}}, W, H); err != nil {
					t.Fatal(err)
				}
				if got := r.ntStores(); got != c.nt {
					t.Fatalf("non-temporal stores %v, want %v", got, c.nt)
				}
				r.Close()
				if r.plain != c.plain {
					t.Fatalf("Close lost the setting: plain %v", r.plain)
				}
			}
		})
	}
}
