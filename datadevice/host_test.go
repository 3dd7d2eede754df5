package datadevice_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"golang.org/x/sys/unix"
)

// hostSet is one HostOptions.SetText call.
type hostSet struct {
	text string
	gen  uint64
}

// hostEnv is the data device rig with the clipboard shared with a fake
// host that records what it is given.
type hostEnv struct {
	*env
	h   *datadevice.HostClipboard
	set chan hostSet
}

func startHost(t *testing.T, opts datadevice.HostOptions) *hostEnv {
	t.Helper()
	e := start(t, seat.Options{Keyboard: true})
	he := &hostEnv{env: e, set: make(chan hostSet, 16)}
	opts.SetText = func(text string, gen uint64) { he.set <- hostSet{text, gen} }
	e.Do(func() { he.h = e.dm.ShareHost(e.seat, opts) })
	return he
}

// hostText reports text read from the host after it applied gen.
func (he *hostEnv) hostText(text string, gen uint64) {
	he.Do(func() { he.h.HostText(text, gen) })
}

// wantSet waits for the host to be given a text.
func (he *hostEnv) wantSet(t *testing.T) hostSet {
	t.Helper()
	select {
	case s := <-he.set:
		return s
	case <-time.After(timeout):
		t.Fatal("the host was given no text")
		return hostSet{}
	}
}

// noSet checks the host was given nothing so far.
func (he *hostEnv) noSet(t *testing.T) {
	t.Helper()
	select {
	case s := <-he.set:
		t.Fatalf("the host was given %q (gen %d)", s.text, s.gen)
	default:
	}
}

// waitIdle waits until no client selection is being read for the host.
func (he *hostEnv) waitIdle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var busy bool
		he.Do(func() { busy = datadevice.HostReading(he.h) })
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the read of the selection for the host never ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// copyText makes a set the selection with a source of mimes and returns
// the source and the fd of the send the compositor asked it (-1: none)
// with its mime type.
func copyText(t *testing.T, a *dclient, serial uint32, mimes ...string) (src uint32, fd int, mime string) {
	t.Helper()
	src = a.source(mimes...)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, serial)
	fd = -1
	for _, ev := range wltest.Only(a.MustRoundtrip(), src) {
		if ev.Opcode == protocol.WlDataSourceEventSend && len(ev.FDs) == 1 {
			if fd >= 0 {
				t.Fatal("two sends for one selection")
			}
			fd, mime = ev.FDs[0], ev.Reader().String()
		}
	}
	return src, fd, mime
}

func writeClose(t *testing.T, fd int, data string) {
	t.Helper()
	if _, err := unix.Write(fd, []byte(data)); err != nil {
		t.Error(err)
	}
	unix.Close(fd)
}

// receive makes b receive mime from offer and returns what it read.
func receive(t *testing.T, b *dclient, offer uint32, mime string) string {
	t.Helper()
	r, w := pipe(t)
	b.MustSend(offer, protocol.WlDataOfferRequestReceive, mime, rawclient.FD(w))
	unix.Close(w)
	b.MustRoundtrip()
	return readAll(t, r)
}

// TestHostImport: a text from the host becomes the selection, offered with
// every text mime type by a source with no client; a client pastes it
// with each. The same text reported again changes nothing; a new one
// replaces it. Nothing goes back to the host.
func TestHostImport(t *testing.T) {
	he := startHost(t, datadevice.HostOptions{})
	b := he.desktop()
	b.focus()
	he.hostText("from the host ✓", 0)
	off, mimes := b.waitSelection()
	if off == 0 || !slices.Equal(mimes, datadevice.HostTextMimeTypes) {
		t.Fatalf("selection: offer %#x mimes %q, want the host text types", off, mimes)
	}
	for _, m := range datadevice.HostTextMimeTypes {
		if got := receive(t, b, off, m); got != "from the host ✓" {
			t.Errorf("pasted %q as %s", got, m)
		}
	}
	he.Do(func() {
		if m, ok := he.dm.Selection(he.seat); !ok || !slices.Equal(m, datadevice.HostTextMimeTypes) {
			t.Errorf("Selection = %q, %v", m, ok)
		}
	})
	// The same text again: no new offer.
	he.hostText("from the host ✓", 0)
	if _, _, ok := b.selection(b.MustRoundtrip()); ok {
		t.Error("the same host text was offered again")
	}
	// Empty (an empty host clipboard, or no text on it) keeps the selection.
	he.hostText("", 0)
	if _, _, ok := b.selection(b.MustRoundtrip()); ok {
		t.Error("an empty host clipboard replaced the selection")
	}
	he.hostText("newer", 0)
	off2, _ := b.waitSelection()
	if off2 == 0 || off2 == off {
		t.Fatalf("new host text: offer %#x", off2)
	}
	if got := receive(t, b, off2, textUTF8); got != "newer" {
		t.Errorf("pasted %q, want newer", got)
	}
	// The replaced host source is dead: its old offer reads end of file.
	if got := receive(t, b, off, textUTF8); got != "" {
		t.Errorf("the old host offer still pastes %q", got)
	}
	he.noSet(t)
	if i, x := he.h.Counts(); i != 2 || x != 0 {
		t.Errorf("counts %d imports %d exports, want 2 and 0", i, x)
	}
}

// TestHostExport: a client's text selection is read (the best text mime
// type) and given to the host once; the host reporting it back, or
// reporting what it held before the export reached it, imports nothing.
func TestHostExport(t *testing.T) {
	he := startHost(t, datadevice.HostOptions{})
	a, b := he.desktop(), he.desktop()
	he.hostText("old host text", 0)
	serial, _ := a.focus()
	src, fd, mime := copyText(t, a, serial, "text/plain", "TEXT", "text/plain;charset=UTF-8", "STRING")
	if fd < 0 || mime != "text/plain;charset=UTF-8" {
		t.Fatalf("send fd %d mime %q, want the utf-8 text type", fd, mime)
	}
	writeClose(t, fd, "copied in nofault")
	if s := he.wantSet(t); s != (hostSet{"copied in nofault", 1}) {
		t.Fatalf("host given %+v", s)
	}
	// The host read before it applied gen 1: stale, ignored. Read after:
	// it is what was exported, ignored too.
	he.hostText("old host text", 0)
	he.hostText("copied in nofault", 1)
	if cancelled(a.MustRoundtrip(), src) {
		t.Fatal("the client's selection was replaced by the host's echo")
	}
	_, evs := b.focus()
	off, mimes, _ := b.selection(evs)
	if !slices.Equal(mimes, []string{"text/plain", "TEXT", "text/plain;charset=UTF-8", "STRING"}) {
		t.Fatalf("B offered %q, want A's source", mimes)
	}
	if got := paste(t, a, b, src, off, "TEXT", "A serves it"); got != "A serves it" {
		t.Errorf("B read %q", got)
	}
	// The host's clipboard changes: it wins, and A's source is cancelled.
	he.hostText("copied on the host", 1)
	if !cancelled(a.MustRoundtrip(), src) {
		t.Error("A's source not cancelled by the host's new text")
	}
	off, _ = b.waitSelection()
	if got := receive(t, b, off, "UTF8_STRING"); got != "copied on the host" {
		t.Errorf("B pasted %q", got)
	}
	he.noSet(t)
	if i, x := he.h.Counts(); i != 2 || x != 1 {
		t.Errorf("counts %d imports %d exports, want 2 and 1", i, x)
	}
}

// TestHostExportText: the mime type read decides the decoding, and a
// selection with no text type is not read (and the host's unchanged text
// does not replace it).
func TestHostExportText(t *testing.T) {
	he := startHost(t, datadevice.HostOptions{})
	a := he.desktop()
	serial, _ := a.focus()
	he.hostText("host", 0)
	a.MustRoundtrip()
	for _, tc := range []struct {
		mimes    []string
		wantMime string
		data     string
		want     string
	}{
		{[]string{"STRING", "UTF8_STRING"}, "UTF8_STRING", "caf\xc3\xa9", "café"},
		{[]string{"STRING"}, "STRING", "caf\xe9", "café"},
		{[]string{"TEXT"}, "TEXT", "caf\xe9", "café"},
		{[]string{"TEXT"}, "TEXT", "caf\xc3\xa9", "café"},
		{[]string{"text/plain"}, "text/plain", "bad \xff byte", "bad \ufffd byte"},
	} {
		_, fd, mime := copyText(t, a, serial, tc.mimes...)
		if fd < 0 || mime != tc.wantMime {
			t.Fatalf("%q: send fd %d mime %q, want %s", tc.mimes, fd, mime, tc.wantMime)
		}
		writeClose(t, fd, tc.data)
		if s := he.wantSet(t); s.text != tc.want {
			t.Errorf("%q %q: host given %q, want %q", tc.mimes, tc.data, s.text, tc.want)
		}
	}
	src, fd, _ := copyText(t, a, serial, "image/png")
	if fd >= 0 {
		t.Fatal("a selection without text was read for the host")
	}
	he.hostText("bad \ufffd byte", 5) // what the host holds: no change
	if cancelled(a.MustRoundtrip(), src) {
		t.Error("the host's unchanged text replaced an image selection")
	}
	// An empty text is not given to the host.
	_, fd, _ = copyText(t, a, serial, textUTF8)
	writeClose(t, fd, "")
	he.waitIdle(t)
	he.noSet(t)
}

// TestHostExportBounds: a selection larger than MaxBytes, or not written
// within Timeout, is not given to the host, and host texts are not
// imported while a read is in flight (the client's copy is newer).
func TestHostExportBounds(t *testing.T) {
	he := startHost(t, datadevice.HostOptions{MaxBytes: 8, Timeout: 300 * time.Millisecond})
	a := he.desktop()
	serial, _ := a.focus()
	_, fd, _ := copyText(t, a, serial, textUTF8)
	writeClose(t, fd, "123456789")
	he.waitIdle(t)
	he.noSet(t)
	_, fd, _ = copyText(t, a, serial, textUTF8)
	writeClose(t, fd, "12345678")
	if s := he.wantSet(t); s.text != "12345678" {
		t.Fatalf("host given %q", s.text)
	}

	// A client that never writes: the read times out.
	src, fd, _ := copyText(t, a, serial, textUTF8)
	defer unix.Close(fd)
	he.hostText("host meanwhile", 1)
	if cancelled(a.MustRoundtrip(), src) {
		t.Fatal("a host text was imported while the client's copy was being read")
	}
	he.waitIdle(t)
	he.noSet(t)
	he.hostText("host after", 1)
	if !cancelled(a.MustRoundtrip(), src) {
		t.Error("the host text after the timeout was not imported")
	}
}

// TestHostExportReplaced: a new selection cuts the read of the older one
// short (a client that never writes cannot delay the next copy), and only
// the newest is given to the host.
func TestHostExportReplaced(t *testing.T) {
	he := startHost(t, datadevice.HostOptions{Timeout: time.Hour})
	a := he.desktop()
	serial, _ := a.focus()
	_, fd1, _ := copyText(t, a, serial, textUTF8)
	defer unix.Close(fd1)
	// The first read is cut short at once: the second is asked for
	// without waiting for the first's timeout (an hour).
	_, fd2, _ := copyText(t, a, serial, textUTF8)
	deadline := time.Now().Add(timeout)
	for fd2 < 0 {
		for _, ev := range a.MustRoundtrip() {
			if ev.Opcode == protocol.WlDataSourceEventSend && len(ev.FDs) == 1 {
				fd2 = ev.FDs[0]
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the newer selection was never read")
		}
		time.Sleep(5 * time.Millisecond)
	}
	writeClose(t, fd2, "second")
	if s := he.wantSet(t); s.text != "second" {
		t.Fatalf("host given %q, want the newer selection", s.text)
	}
	he.waitIdle(t)
	he.noSet(t)
}

// TestHostPersist: when the client whose copy reached the host goes, the
// host still has the text: it stays the selection.
func TestHostPersist(t *testing.T) {
	he := startHost(t, datadevice.HostOptions{})
	a, b := he.desktop(), he.desktop()
	serial, _ := a.focus()
	_, fd, _ := copyText(t, a, serial, textUTF8)
	writeClose(t, fd, "outlives its client")
	he.wantSet(t)
	serialB, _ := b.focus()
	a.Disconnect()
	off, mimes := b.waitSelection()
	if off == 0 || !slices.Equal(mimes, datadevice.HostTextMimeTypes) {
		t.Fatalf("after the client left: offer %#x mimes %q", off, mimes)
	}
	if got := receive(t, b, off, textUTF8); got != "outlives its client" {
		t.Errorf("pasted %q", got)
	}
	he.noSet(t)
	// A client's set_selection after the import keeps working (the import
	// took no serial).
	src := b.source(textUTF8)
	b.MustSend(b.dev, protocol.WlDataDeviceRequestSetSelection, src, serialB)
	b.MustRoundtrip()
	he.Do(func() {
		if m, _ := he.dm.Selection(he.seat); !slices.Equal(m, []string{textUTF8}) {
			t.Errorf("selection %q, want B's", m)
		}
	})
}

// TestHostPasteBounds: pasting clients that never read hold a write each
// until the timeout; past MaxHostWrites a paste gets end of file at once,
// and the display keeps serving meanwhile.
func TestHostPasteBounds(t *testing.T) {
	he := startHost(t, datadevice.HostOptions{Timeout: time.Hour})
	b := he.desktop()
	b.focus()
	big := strings.Repeat("x", 1<<20) // more than a pipe holds
	he.hostText(big, 0)
	off, _ := b.waitSelection()
	var held []int
	defer func() {
		for _, r := range held {
			unix.Close(r)
		}
	}()
	for range datadevice.MaxHostWrites {
		r, w := pipe(t)
		held = append(held, r)
		b.MustSend(off, protocol.WlDataOfferRequestReceive, textUTF8, rawclient.FD(w))
		unix.Close(w)
	}
	b.MustRoundtrip()
	if got := receive(t, b, off, textUTF8); got != "" {
		t.Fatalf("paste past the bound read %d bytes, want end of file", len(got))
	}
	// Closing the readers ends the writes (EPIPE); then pastes work again.
	for _, r := range held {
		unix.Close(r)
	}
	held = nil
	deadline := time.Now().Add(timeout)
	for datadevice.HostWrites(he.dm) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes still in flight", datadevice.HostWrites(he.dm))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := receive(t, b, off, textUTF8); got != big {
		t.Fatalf("paste read %d bytes, want %d", len(got), len(big))
	}
}
