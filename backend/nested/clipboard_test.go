//go:build cgo && !wayland

package nested

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hostReads records what the window reports of the host's clipboard.
type hostReads struct {
	mu    sync.Mutex
	reads []hostRead
}

type hostRead struct {
	text    string
	applied uint64
}

func (h *hostReads) changed(text string, applied uint64) {
	h.mu.Lock()
	h.reads = append(h.reads, hostRead{text, applied})
	h.mu.Unlock()
}

func (h *hostReads) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reads)
}

func (h *hostReads) has(r hostRead) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range h.reads {
		if x == r {
			return true
		}
	}
	return false
}

// TestNestedClipboard: the window reads the X server's CLIPBOARD at start,
// when another client takes it and on focus-in, reporting each read with
// the generation it had applied, and SetClipboard puts text there for
// other X clients.
func TestNestedClipboard(t *testing.T) {
	for _, tool := range []string{"xclip", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs it)", tool)
		}
	}
	const title = "nofault-nested-clipboard"
	w := openWindow(t, title)
	loop := newLoop(t)
	comp := &fakeComp{r: w.Renderer()}
	reads := &hostReads{}
	w.ShareClipboard(reads.changed)
	// The focus hooks come with the input callbacks.
	runErr, cancel := runWindow(w, loop, comp, &recInput{})
	defer func() { cancel(); <-runErr }()

	waitFor(t, "the read at start", func() bool { return reads.count() > 0 })

	// Another X client takes the clipboard: the owner poll notices.
	xclip := exec.Command("xclip", "-quiet", "-selection", "clipboard", "-i")
	xclip.Stdin = strings.NewReader("from X ✓")
	if err := xclip.Start(); err != nil {
		t.Fatal(err)
	}
	xclipDone := make(chan struct{})
	go func() { xclip.Wait(); close(xclipDone) }()
	defer func() { xclip.Process.Kill(); <-xclipDone }()
	waitFor(t, "the read of xclip's text", func() bool { return reads.has(hostRead{"from X ✓", 0}) })

	// nofault's text reaches other X clients; xclip loses the clipboard
	// and exits.
	w.SetClipboard("from nofault ✓", 1)
	waitFor(t, "xclip -o to print nofault's text", func() bool {
		out, err := exec.Command("xclip", "-o", "-selection", "clipboard").Output()
		return err == nil && string(out) == "from nofault ✓"
	})
	<-xclipDone

	// Focus-in (the focus goes to the root window and back) reads again,
	// with the generation applied.
	search := func(args ...string) string {
		out, err := exec.Command("xdotool", append([]string{"search"}, args...)...).Output()
		if err != nil || len(strings.Fields(string(out))) == 0 {
			t.Fatalf("xdotool search %q: %v", args, err)
		}
		return strings.Fields(string(out))[0]
	}
	id, root := search("--name", title), search("--maxdepth", "0", "--name", "")
	xdo := func(args ...string) {
		if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v: %s", args, err, out)
		}
	}
	refocus := func() {
		xdo("windowfocus", "--sync", root)
		xdo("windowfocus", "--sync", id)
	}
	n := reads.count()
	refocus()
	waitFor(t, "a read on focus-in", func() bool { return reads.count() > n && reads.has(hostRead{"from nofault ✓", 1}) })

	// An owner that never answers (a stopped xclip) holds neither the
	// main thread (frames go on, SetClipboard works) nor the reader for
	// longer than its timeout.
	stuck := exec.Command("xclip", "-quiet", "-selection", "clipboard", "-i")
	stuck.Stdin = strings.NewReader("never served")
	if err := stuck.Start(); err != nil {
		t.Fatal(err)
	}
	stuckDone := make(chan struct{})
	go func() { stuck.Wait(); close(stuckDone) }()
	defer func() { stuck.Process.Kill(); <-stuckDone }()
	waitFor(t, "the read of the second xclip's text", func() bool { return reads.has(hostRead{"never served", 1}) })
	stuck.Process.Signal(syscall.SIGSTOP)
	refocus()
	frames := func() (n int) { loop.sync(func() { n = comp.frames }); return }
	f0 := frames()
	waitFor(t, "frames while the owner does not answer", func() bool { return frames() > f0+30 })
	w.SetClipboard("after the stuck owner", 2)
	waitFor(t, "xclip -o to print the text set meanwhile", func() bool {
		out, err := exec.Command("xclip", "-o", "-selection", "clipboard").Output()
		return err == nil && string(out) == "after the stuck owner"
	})
	refocus()
	deadline := time.Now().Add(clipboardTimeout + 10*time.Second)
	for !reads.has(hostRead{"after the stuck owner", 2}) {
		if time.Now().After(deadline) {
			t.Fatal("the reader did not recover from the owner that never answered")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logRec records slog records' messages and errors (a slog.Handler).
type logRec struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRec) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRec) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRec) WithGroup(string) slog.Handler            { return l }
func (l *logRec) Handle(_ context.Context, r slog.Record) error {
	s := r.Message
	r.Attrs(func(a slog.Attr) bool { s += " " + a.Key + "=" + a.Value.String(); return true })
	l.mu.Lock()
	l.msgs = append(l.msgs, s)
	l.mu.Unlock()
	return nil
}

func (l *logRec) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

// bigText is n bytes of numbered lines, so that a lost, doubled or
// misplaced chunk changes it.
func bigText(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d ✓ nofault\n", i)
	}
	return b.String()[:n]
}

// TestNestedClipboardLarge: a host clipboard larger than the X server's
// request size comes by INCR, in chunks; the window imports all of it,
// and the owner goes on serving other clients. A text over the 16 MiB cap
// is refused (logged, not imported), and its owner is left fine too.
func TestNestedClipboardLarge(t *testing.T) {
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Skip("xclip not installed (make test installs it)")
	}
	w := openWindow(t, "nofault-nested-clipboard-large")
	loop := newLoop(t)
	comp := &fakeComp{r: w.Renderer()}
	reads := &hostReads{}
	w.ShareClipboard(reads.changed)
	logs := &logRec{}
	prev := slog.Default()
	slog.SetDefault(slog.New(logs))
	defer slog.SetDefault(prev)
	runErr, cancel := runWindow(w, loop, comp, &recInput{})
	defer func() { cancel(); <-runErr }()
	waitFor(t, "the read at start", func() bool { return reads.count() > 0 })

	// own puts text on the clipboard with xclip, which stays to serve it.
	own := func(text string) {
		xclip := exec.Command("xclip", "-quiet", "-selection", "clipboard", "-i")
		xclip.Stdin = strings.NewReader(text)
		if err := xclip.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { xclip.Wait(); close(done) }()
		t.Cleanup(func() { xclip.Process.Kill(); <-done })
	}
	// served checks that another client still gets text from the owner.
	served := func(text string) {
		t.Helper()
		// An owner left mid-transfer serves no one: xclip -o waits.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "xclip", "-o", "-selection", "clipboard").Output()
		if err != nil || string(out) != text {
			t.Fatalf("xclip -o after the read: %d bytes (want %d), err %v", len(out), len(text), err)
		}
	}
	imported := func(text string) func() bool {
		return func() bool {
			reads.mu.Lock()
			defer reads.mu.Unlock()
			for _, r := range reads.reads {
				if r.text == text {
					return true
				}
			}
			return false
		}
	}

	big := bigText(10_600_000)
	own(big)
	waitFor(t, "the import of the 10.6 MB text", imported(big))
	served(big)

	over := bigText(clipboardMaxBytes + 1<<20)
	n := reads.count()
	own(over)
	waitFor(t, "the log of the text over the cap", func() bool { return logs.has("larger than 16 MiB") })
	if reads.count() != n {
		t.Errorf("%d reads of the text over the cap were imported", reads.count()-n)
	}
	served(over)
}
