package datadevice_test

import "testing"

// TestWlCopyWlPastePrimary: the real wl-copy --primary then the real
// wl-paste --primary round-trip a string through the primary selection,
// and the clipboard stays empty.
func TestWlCopyWlPastePrimary(t *testing.T) {
	r := startWlClipboardRig(t)
	const text = "selected in nofault"
	copyOut := r.copyUntil(t, []string{"--primary", text}, func() bool { _, ok := r.pm.Selection(r.st); return ok })
	clip := make(chan bool, 1)
	r.d.Do(func() { _, ok := r.dm.Selection(r.st); clip <- ok })
	if <-clip {
		t.Error("wl-copy --primary set the clipboard")
	}
	if got := r.paste(t, copyOut, "--primary"); got != text {
		t.Fatalf("wl-paste --primary printed %q, want %q", got, text)
	}
}
