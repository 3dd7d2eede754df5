//go:build cgo && !wayland

package nested

import "testing"

// TestPointerLock: SetPointerLocked disables (holds) the host cursor and
// gives it back, applied on the main thread.
func TestPointerLock(t *testing.T) {
	w := openWindow(t, "nofault-pointer-lock")
	check := func(want bool) {
		t.Helper()
		var got bool
		onMain(func() { w.applyPointerLock(); got = w.PointerLocked() })
		if got != want {
			t.Fatalf("locked %v, want %v", got, want)
		}
	}
	check(false)
	w.SetPointerLocked(true)
	check(true)
	w.SetPointerLocked(false)
	check(false)
}
