package datadevice

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"github.com/nofault/nofault/server"
	"golang.org/x/sys/unix"
)

// Sharing the clipboard with a host desktop (the nested backend's): text
// only, both ways.
//
// Import: the host reports the text on its clipboard (HostClipboard.HostText);
// when it is new, the seat's selection becomes a server-owned source, a
// source with no client, offering HostTextMimeTypes. A client pasting it
// gets the text written into its fd by a goroutine, bounded by a timeout,
// so a client that never reads cannot hold anything.
//
// Export: when a client's source with a text mime type becomes the
// selection, the compositor asks the client for the text (wl_data_source.send
// with a pipe of its own), reads it without blocking the display loop,
// bounded in size and time, and hands it to the host (HostOptions.SetText).
//
// No loops: a text the host reports is imported only when it differs from
// what the host last held as far as the bridge knows (what it imported or
// exported last), never while a client's copy is on its way to the host,
// and never when the host read it before the bridge's last export reached
// it (the generation numbers).

// HostTextMimeTypes are the mime types a host text is offered with, as
// wl-copy, GTK and foot offer text.
var HostTextMimeTypes = []string{"text/plain;charset=utf-8", "text/plain", "UTF8_STRING", "TEXT", "STRING"}

// exportMimeTypes are the text mime types a client's selection is read
// with, best first.
var exportMimeTypes = []string{"text/plain;charset=utf-8", "UTF8_STRING", "text/plain", "TEXT", "STRING"}

// Defaults of HostOptions' bounds.
const (
	// DefaultHostMaxBytes bounds the text read from a client's selection
	// for the host; a larger selection is not shared.
	DefaultHostMaxBytes = 16 << 20
	// DefaultHostTimeout bounds the time a client may take to write its
	// selection for the host, and a pasting client to read the host's
	// text (the rest is cut).
	DefaultHostTimeout = 5 * time.Second
	// MaxHostWrites bounds the pastes of host text in flight at once (a
	// goroutine and the receiver's fd each); a paste beyond it gets end of
	// file at once.
	MaxHostWrites = 64
)

// HostOptions configure Manager.ShareHost.
type HostOptions struct {
	// SetText puts text on the host's clipboard. gen numbers the calls
	// from 1; the host passes the gen of the last text it set to
	// HostText, which drops reads older than the bridge's latest export.
	// It runs on the display loop and must not block.
	SetText func(text string, gen uint64)
	// MaxBytes bounds the text read from a client's selection; 0 means
	// DefaultHostMaxBytes.
	MaxBytes int
	// Timeout bounds reading a client's selection and writing the host's
	// text to a pasting client; 0 means DefaultHostTimeout.
	Timeout time.Duration
}

func (o *HostOptions) maxBytes() int {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultHostMaxBytes
}

func (o *HostOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultHostTimeout
}

// HostClipboard shares a seat's clipboard with the host's. Its methods run
// on the display loop.
type HostClipboard struct {
	m    *Manager
	sd   *seatData
	opts HostOptions

	gen       uint64 // SetText calls made
	hostText  string // what the host holds as far as the bridge knows
	hostKnown bool
	reading   *hostRead // the read of a client's selection in flight, or nil
	exported  *source   // the last client source read for the host
	shared    *source   // ... when its text reached the host

	imports, exports int
}

// hostRead is a client's selection being read for the host.
type hostRead struct {
	src  *source
	mime string
	f    *os.File
}

// ShareHost shares s's clipboard with a host through opts.SetText and
// HostText (display loop only, or before the display runs). One bridge
// per seat; a second call replaces the first.
func (m *Manager) ShareHost(s *seat.Seat, opts HostOptions) *HostClipboard {
	sd := m.seat(s)
	h := &HostClipboard{m: m, sd: sd, opts: opts}
	sd.host = h
	h.maybeExport()
	return h
}

// HostText reports the text on the host's clipboard, read after the
// host set the text of generation applied (0: none yet). An empty text
// (an empty clipboard, or one without text) changes nothing.
func (h *HostClipboard) HostText(text string, applied uint64) {
	switch {
	case applied < h.gen:
		// Read before the last export reached the host: stale.
		return
	case text == "" || h.reading != nil:
		// Nothing to import, or a client's copy is on its way to the
		// host and is newer than anything the host reports now.
		return
	case h.hostKnown && text == h.hostText && h.sd.selection != nil:
		// The host still holds what the bridge last imported or
		// exported.
		return
	}
	h.importText(text)
}

// importText makes text the seat's selection, from a server-owned source.
func (h *HostClipboard) importText(text string) {
	h.hostText, h.hostKnown = text, true
	h.imports++
	src := &source{m: h.m, mimes: slices.Clone(HostTextMimeTypes), host: h, text: text}
	h.sd.replaceSelection(src)
}

// Counts returns how many host texts were imported and how many client
// selections were exported to the host.
func (h *HostClipboard) Counts() (imports, exports int) { return h.imports, h.exports }

// selectionChanged runs after the seat's selection changed: a read for
// an older selection is cut short, and a client's text selection is read
// for the host.
func (h *HostClipboard) selectionChanged() {
	if r := h.reading; r != nil && r.src != h.sd.selection {
		r.f.SetReadDeadline(time.Now())
	}
	h.maybeExport()
}

// sourceGone runs when the selection's source went (destroyed, or its
// client gone). When its text had reached the host, the host still has
// it: it stays the selection, now from a server-owned source.
func (h *HostClipboard) sourceGone(src *source) {
	if src == h.shared && h.hostKnown && h.reading == nil {
		h.importText(h.hostText)
	}
}

// maybeExport starts reading the selection for the host when it is a
// client's source with a text mime type not read yet and no read is in
// flight.
func (h *HostClipboard) maybeExport() {
	src := h.sd.selection
	if h.reading != nil || src == nil || src.c == nil || src == h.exported || !src.live() {
		return
	}
	mime := textMimeOf(src.mimes)
	if mime == "" {
		return
	}
	h.exported = src
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		slog.Warn("host clipboard: pipe", "err", err)
		return
	}
	if err := unix.SetNonblock(p[0], true); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		slog.Warn("host clipboard: pipe", "err", err)
		return
	}
	r := &hostRead{src: src, mime: mime, f: os.NewFile(uintptr(p[0]), "selection")}
	h.reading = r
	// The encoder owns the write end from here and closes it once sent.
	protocol.SendWlDataSourceSend(src.c.Events(), src.obj.ID, mime, p[1])
	limit, timeout := h.opts.maxBytes(), h.opts.timeout()
	r.f.SetReadDeadline(time.Now().Add(timeout))
	go func() {
		data, err := io.ReadAll(io.LimitReader(r.f, int64(limit)+1))
		r.f.Close()
		if err == nil && len(data) > limit {
			err = errTooBig
		}
		h.m.d.Do(func() { h.readDone(r, data, err) })
	}()
}

var errTooBig = errors.New("too big")

// readDone hands what a client wrote for its selection to the host, if
// the source is still the selection.
func (h *HostClipboard) readDone(r *hostRead, data []byte, err error) {
	h.reading = nil
	src := r.src
	switch {
	case src != h.sd.selection || !src.live():
		// Replaced or gone meanwhile: a newer selection (if any) is read
		// next.
	case errors.Is(err, errTooBig):
		slog.Warn("host clipboard: the selection is too large to share with the host", "client", src.c.ID(), "limit", h.opts.maxBytes())
	case errors.Is(err, os.ErrDeadlineExceeded):
		slog.Warn("host clipboard: the client did not write its selection in time; not shared with the host", "client", src.c.ID(), "timeout", h.opts.timeout())
	case err != nil:
		slog.Warn("host clipboard: reading the selection", "client", src.c.ID(), "err", err)
	default:
		if text := textOf(r.mime, data); text != "" {
			h.gen++
			h.hostText, h.hostKnown = text, true
			h.shared = src
			h.exports++
			if h.opts.SetText != nil {
				h.opts.SetText(text, h.gen)
			}
		}
	}
	h.maybeExport()
}

// textMimeOf returns the text mime type, of those offered, to read a
// selection with, or "".
func textMimeOf(offered []string) string {
	for _, want := range exportMimeTypes {
		for _, m := range offered {
			if strings.EqualFold(m, want) {
				return m
			}
		}
	}
	return ""
}

// textOf decodes a selection read with mime as UTF-8 text: STRING (and
// TEXT that is not UTF-8) is Latin-1, as in X11; invalid UTF-8 elsewhere
// becomes U+FFFD.
func textOf(mime string, data []byte) string {
	if mime == "STRING" || mime == "TEXT" && !utf8.Valid(data) {
		var b strings.Builder
		for _, c := range data {
			b.WriteRune(rune(c))
		}
		return b.String()
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

// serveText writes the text of a server-owned source into the fd of
// client c, which pastes it, from a goroutine bounded by the bridge's
// timeout, and closes fd.
func (h *HostClipboard) serveText(c *server.Client, text string, fd int) {
	m := h.m
	if m.hostWrites.Add(1) > MaxHostWrites {
		m.hostWrites.Add(-1)
		slog.Warn("host clipboard: too many pastes in flight; this one gets nothing", "client", c.ID(), "limit", MaxHostWrites)
		unix.Close(fd)
		return
	}
	// Non-blocking, so that the deadline applies (a pipe or socket; a
	// regular file ignores it and never blocks for long).
	unix.SetNonblock(fd, true)
	f := os.NewFile(uintptr(fd), "paste")
	f.SetWriteDeadline(time.Now().Add(h.opts.timeout()))
	go func() {
		defer m.hostWrites.Add(-1)
		defer f.Close()
		if _, err := io.WriteString(f, text); err != nil {
			slog.Debug("host clipboard: paste cut short", "client", c.ID(), "err", err)
		}
	}()
}
