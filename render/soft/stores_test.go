package soft

import (
	"testing"
	"time"

	"github.com/nofault/nofault/render"
	"github.com/nofault/nofault/shm"
)

func TestStoreClassOf(t *testing.T) {
	for _, c := range []struct{ px, want int }{
		{1, 0},
		{256 * 256, 0},         // a small window
		{1920 * 108, 0},        // a 10 % band of 1080p
		{1<<18 - 1, 0},         // just under 1 MiB
		{1 << 18, 1},           // 1 MiB
		{1280 * 720, 1},        // 720p
		{1920 * 1080, 2},       // 1080p
		{3840 * 2160, 3},       // 4K
		{MaxSize * MaxSize, 3}, // the largest output
	} {
		if got := storeClassOf(c.px); got != c.want {
			t.Errorf("storeClassOf(%d) = %d, want %d", c.px, got, c.want)
		}
	}
}

func TestParseStoreKinds(t *testing.T) {
	for v, want := range map[string]int{"": storesAuto, "auto": storesAuto, "nt": storesNT, "plain": storesPlain, "fast": storesAuto} {
		if got := parseStoreKinds(v); got != want {
			t.Errorf("parseStoreKinds(%q) = %d, want %d", v, got, want)
		}
	}
}

// feed runs n renders of class k through s, each costing what cost says
// for its kind (ns per pixel), and counts the non-temporal ones.
func feed(s *storeChooser, k, n int, cost func(nt bool) float64) (nts int) {
	const px = 1000
	for range n {
		nt := s.pick(k)
		if nt {
			nts++
		}
		s.record(k, nt, time.Duration(cost(nt)*px), px)
	}
	return nts
}

func costs(plain, nt float64) func(bool) float64 {
	return func(isNT bool) float64 {
		if isNT {
			return nt
		}
		return plain
	}
}

func TestStoreChooser(t *testing.T) {
	t.Run("warm-up alternates, non-temporal first", func(t *testing.T) {
		var s storeChooser
		for i := range 2 * storeWarm {
			nt := s.pick(0)
			if want := i%2 == 0; nt != want {
				t.Fatalf("render %d: nt %v, want %v", i, nt, want)
			}
			s.record(0, nt, time.Microsecond, 1000)
		}
	})
	t.Run("the cheaper kind, the other one rarely when far apart", func(t *testing.T) {
		var s storeChooser
		feed(&s, 2, 2*storeWarm, costs(1, 2))
		n := 100 * exploreFar
		if nts := feed(&s, 2, n, costs(1, 2)); nts != n/exploreFar {
			t.Fatalf("%d non-temporal renders of %d, want %d (one in %d)", nts, n, n/exploreFar, exploreFar)
		}
	})
	t.Run("the other kind more often when close", func(t *testing.T) {
		var s storeChooser
		feed(&s, 1, 2*storeWarm, costs(1.1, 1))
		n := 100 * exploreNear
		if nts := feed(&s, 1, n, costs(1.1, 1)); nts != n-n/exploreNear {
			t.Fatalf("%d non-temporal renders of %d, want %d (all but one in %d)", nts, n, n-n/exploreNear, exploreNear)
		}
	})
	t.Run("ties take non-temporal stores", func(t *testing.T) {
		var s storeChooser
		feed(&s, 0, 2*storeWarm, costs(1, 1))
		if nts := feed(&s, 0, exploreNear, costs(1, 1)); nts != exploreNear-1 {
			t.Fatalf("%d non-temporal renders of %d, want all but one", nts, exploreNear)
		}
	})
	t.Run("follows a change of the host", func(t *testing.T) {
		var s storeChooser
		feed(&s, 3, 2*storeWarm+10*exploreFar, costs(1, 2)) // plain wins
		// Now non-temporal stores are the cheaper ones: the explored
		// renders see it, and the choice turns.
		feed(&s, 3, 40*exploreFar, costs(3, 2))
		if nts := feed(&s, 3, 10*exploreFar, costs(3, 2)); nts < 10*exploreFar-10 {
			t.Fatalf("%d non-temporal renders of %d after the change", nts, 10*exploreFar)
		}
	})
	t.Run("a disturbed epoch moves the cost by storeGain at most", func(t *testing.T) {
		var s storeChooser
		feed(&s, 0, 2*storeWarm, costs(1, 2))
		before := s.classes[0].cost[0]
		s.record(0, false, 100*time.Millisecond, 1000) // 100000 ns per pixel
		if got, want := s.classes[0].cost[0], before*(1+storeGain); got > want*1.0001 {
			t.Fatalf("cost %v after an outlier, want at most %v", got, want)
		}
	})
	t.Run("classes are apart", func(t *testing.T) {
		var s storeChooser
		feed(&s, 0, 2*storeWarm, costs(1, 2))
		feed(&s, 3, 2*storeWarm, costs(2, 1))
		if s.pick(0) || !s.pick(3) {
			t.Fatal("class 0 should take plain stores and class 3 non-temporal ones")
		}
	})
}

// TestStoreEpochs: next keeps one kind of stores for epochRenders
// renders, and the render after them ends the epoch: it is recorded for
// the class of its mean pixels per render, and the next one begins.
func TestStoreEpochs(t *testing.T) {
	var s storeChooser
	const px = 1920 * 1080 // class 2
	for epoch := range 2 * storeWarm {
		first := s.next(px)
		for i := 1; i < epochRenders; i++ {
			if nt := s.next(px); nt != first {
				t.Fatalf("epoch %d, render %d: stores changed within the epoch", epoch, i)
			}
		}
		// Warm-up alternates, non-temporal first.
		if want := epoch%2 == 0; first != want {
			t.Fatalf("epoch %d: nt %v, want %v", epoch, first, want)
		}
		c := s.classes[2]
		if got, want := c.n[0]+c.n[1], uint32(epoch); got != want {
			t.Fatalf("after epoch %d's renders: %d epochs recorded, want %d", epoch, got, want)
		}
	}
	s.next(px) // ends the fourth epoch
	if c := s.classes[2]; c.n != [2]uint32{storeWarm, storeWarm} {
		t.Fatalf("epochs recorded %v, want %d of each kind", c.n, storeWarm)
	}
	if c := s.classes[0]; c.n != [2]uint32{} {
		t.Fatalf("class 0 recorded %v, want nothing", c.n)
	}
}

// TestRenderMeasuresStores checks that Render feeds the chooser when it
// picks, and not when the stores are fixed, the output is lent or the
// render is small.
func TestRenderMeasuresStores(t *testing.T) {
	for _, c := range []struct {
		name    string
		set     int
		lend    bool
		w, h    int
		counted bool
	}{
		{"auto", storesAuto, false, 512, 512, true},
		{"nt", storesNT, false, 512, 512, false},
		{"plain", storesPlain, false, 512, 512, false},
		{"lent", storesAuto, true, 512, 512, false},
		{"small", storesAuto, false, 64, 48, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := New()
			r.setStores = c.set
			if c.lend {
				r.SetOutputMemory(&lender{})
			}
			W, H := c.w, c.h
			for i := range 2*epochRenders + 1 {
				tex := upload(t, r, newStaging(W, H, W*4, shm.FormatARGB8888, pattern(uint32(0xff-i%2))))
				if err := r.Render(&render.Scene{Items: []render.Item{itemAt(tex, 0, 0, W, H)}}, W, H); err != nil {
					t.Fatal(err)
				}
			}
			var got uint32
			for _, cl := range r.stores.classes {
				got += cl.n[0] + cl.n[1]
			}
			// Without non-temporal stores (purego, no AVX2) there is
			// nothing to choose.
			if (got > 0) != (c.counted && haveNTStores) {
				t.Fatalf("%d epochs measured, want measured %v", got, c.counted && haveNTStores)
			}
			wantNT := haveNTStores && (c.set == storesNT || c.name == "small")
			if c.set != storesAuto || c.lend || c.name == "small" {
				if r.nt != wantNT {
					t.Fatalf("last render's stores: nt %v, want %v", r.nt, wantNT)
				}
			}
		})
	}
}
