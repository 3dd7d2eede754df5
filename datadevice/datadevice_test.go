package datadevice_test

import (
	"github.com/nofault/nofault/internal/wltest"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/internal/procstat"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"golang.org/x/sys/unix"
)

const textUTF8 = "text/plain;charset=utf-8"

// dclient is a client with a surface, a keyboard and a data device, like
// wl-copy's fallback path.
type dclient struct {
	*wltest.Client
	e                         *env
	comp, seat, ddm, kbd, dev uint32
	sid                       uint32
	surf                      *protocol.Object
}

func (e *env) desktop() *dclient {
	e.T.Helper()
	c := e.Connect()
	d := &dclient{Client: c, e: e}
	d.comp = c.MustBind("wl_compositor", 4)
	d.seat = c.MustBind("wl_seat", 7)
	d.ddm = c.MustBind("wl_data_device_manager", 3)
	d.sid, d.surf = c.Surface(d.comp)
	d.kbd = c.NewID()
	c.ExpectFDs(d.kbd, protocol.WlKeyboardEventKeymap, 1)
	c.MustSend(d.seat, protocol.WlSeatRequestGetKeyboard, rawclient.NewID(d.kbd))
	d.dev = c.NewID()
	c.MustSend(d.ddm, protocol.WlDataDeviceManagerRequestGetDataDevice, rawclient.NewID(d.dev), d.seat)
	for _, ev := range c.MustRoundtrip() {
		for _, fd := range ev.FDs {
			unix.Close(fd)
		}
	}
	return d
}

// focus gives d the keyboard focus and returns the enter serial and the
// events that came with it.
func (d *dclient) focus() (uint32, []rawclient.Event) {
	d.T.Helper()
	d.e.Do(func() { d.e.seat.SetKeyboardFocus(d.surf) })
	evs := d.MustRoundtrip()
	for _, ev := range evs {
		if ev.Object == d.kbd && ev.Opcode == protocol.WlKeyboardEventEnter {
			return ev.Uint(0), evs
		}
	}
	d.T.Fatalf("no keyboard enter in %v", evs)
	return 0, nil
}

// source creates a wl_data_source offering mimes.
func (d *dclient) source(mimes ...string) uint32 {
	id := d.NewID()
	d.MustSend(d.ddm, protocol.WlDataDeviceManagerRequestCreateDataSource, rawclient.NewID(id))
	for _, m := range mimes {
		d.MustSend(id, protocol.WlDataSourceRequestOffer, m)
	}
	d.ExpectFDs(id, protocol.WlDataSourceEventSend, 1)
	return id
}

// selection finds the last selection event on d's device in evs and
// returns its offer (0: none) with the offer's mime types. ok is false
// when there is no selection event.
func (d *dclient) selection(evs []rawclient.Event) (offer uint32, mimes []string, ok bool) {
	offers := map[uint32][]string{}
	for _, ev := range evs {
		switch {
		case ev.Object == d.dev && ev.Opcode == protocol.WlDataDeviceEventDataOffer:
			id := ev.Uint(0)
			if id < uint32(protocol.ServerIDStart) {
				d.T.Errorf("data_offer id %#x is not a server id", id)
			}
			offers[id] = []string{}
		case offers[ev.Object] != nil && ev.Opcode == protocol.WlDataOfferEventOffer:
			offers[ev.Object] = append(offers[ev.Object], ev.Reader().String())
		case ev.Object == d.dev && ev.Opcode == protocol.WlDataDeviceEventSelection:
			offer, ok = ev.Uint(0), true
			mimes = offers[offer]
		}
	}
	return offer, mimes, ok
}

// waitSelection does roundtrips until a selection event arrives.
func (d *dclient) waitSelection() (uint32, []string) {
	d.T.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if off, mimes, ok := d.selection(d.MustRoundtrip()); ok {
			return off, mimes
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.T.Fatal("no selection event")
	return 0, nil
}

func cancelled(evs []rawclient.Event, src uint32) bool {
	for _, ev := range evs {
		if ev.Object == src && ev.Opcode == protocol.WlDataSourceEventCancelled {
			return true
		}
	}
	return false
}

func pipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	return p[0], p[1]
}

func readAll(t *testing.T, fd int) string {
	t.Helper()
	f := os.NewFile(uintptr(fd), "pipe")
	defer f.Close()
	f.SetReadDeadline(time.Now().Add(timeout)) // non-blocking pipe: the poller honours it
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// paste makes b receive mime from offer through a pipe while a serves
// the send with data; it returns what b read.
func paste(t *testing.T, a, b *dclient, src, offer uint32, mime, data string) string {
	t.Helper()
	r, w := pipe(t)
	b.MustSend(offer, protocol.WlDataOfferRequestReceive, mime, rawclient.FD(w))
	unix.Close(w)
	b.MustRoundtrip()
	evs := wltest.Only(a.MustRoundtrip(), src)
	if len(evs) != 1 || evs[0].Opcode != protocol.WlDataSourceEventSend || len(evs[0].FDs) != 1 {
		unix.Close(r)
		t.Fatalf("source events %v, want one send with an fd", evs)
	}
	if got := evs[0].Reader().String(); got != mime {
		t.Errorf("send mime %q, want %q", got, mime)
	}
	fd := evs[0].FDs[0]
	if _, err := unix.Write(fd, []byte(data)); err != nil {
		t.Error(err)
	}
	unix.Close(fd)
	return readAll(t, r)
}

// TestClipboardRoundTrip is wl-copy then wl-paste: A sets the selection
// with its enter serial, B gets the offer when it gets the focus and reads
// the data through a real pipe that A writes.
func TestClipboardRoundTrip(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	a, b := e.desktop(), e.desktop()
	serialA, _ := a.focus()
	src := a.source(textUTF8, "TEXT", textUTF8)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, serialA)
	// A has the focus, so it is offered its own selection.
	if off, mimes, ok := a.selection(a.MustRoundtrip()); !ok || off == 0 || !slices.Equal(mimes, []string{textUTF8, "TEXT"}) {
		t.Fatalf("A's selection: offer %#x mimes %q", off, mimes)
	}
	e.Do(func() {
		if m, ok := e.dm.Selection(e.seat); !ok || len(m) != 2 {
			t.Errorf("Selection = %q, %v", m, ok)
		}
	})

	_, evs := b.focus()
	off, mimes, ok := b.selection(evs)
	if !ok || off == 0 || !slices.Equal(mimes, []string{textUTF8, "TEXT"}) {
		t.Fatalf("B's selection: offer %#x mimes %q", off, mimes)
	}
	if got := paste(t, a, b, src, off, textUTF8, "hello"); got != "hello" {
		t.Fatalf("B read %q, want hello", got)
	}
	// The same offer can be read again (toolkits keep it).
	if got := paste(t, a, b, src, off, "TEXT", "again"); got != "again" {
		t.Fatalf("second paste read %q", got)
	}
	b.MustSend(off, protocol.WlDataOfferRequestDestroy)
	b.MustRoundtrip()
}

func TestSourceCancelledWhenReplaced(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true})
	a, b := e.desktop(), e.desktop()
	serialA, _ := a.focus()
	src1, src2 := a.source(textUTF8), a.source(textUTF8)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src1, serialA)
	if cancelled(a.MustRoundtrip(), src1) {
		t.Fatal("source cancelled when set")
	}
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src2, serialA)
	evs := a.MustRoundtrip()
	if !cancelled(evs, src1) || cancelled(evs, src2) {
		t.Fatalf("after replacing: %v, want src1 (only) cancelled", evs)
	}
	// Another client's selection cancels A's.
	serialB, _ := b.focus()
	src3 := b.source("image/png")
	b.MustSend(b.dev, protocol.WlDataDeviceRequestSetSelection, src3, serialB)
	b.MustRoundtrip()
	if !cancelled(a.MustRoundtrip(), src2) {
		t.Fatal("src2 not cancelled by B's selection")
	}
	// A request with a serial older than the selection's is refused and
	// its source cancelled; the selection stays B's.
	src4 := a.source(textUTF8)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src4, serialA)
	if !cancelled(a.MustRoundtrip(), src4) {
		t.Error("source of an outdated set_selection not cancelled")
	}
	e.Do(func() {
		if m, _ := e.dm.Selection(e.seat); !slices.Equal(m, []string{"image/png"}) {
			t.Errorf("selection %q, want B's", m)
		}
	})
	// Clearing the selection cancels B's source and tells the focus.
	b.MustSend(b.dev, protocol.WlDataDeviceRequestSetSelection, uint32(0), serialB+100)
	evs = b.MustRoundtrip()
	if off, _, ok := b.selection(evs); !ok || off != 0 || !cancelled(evs, src3) {
		t.Errorf("after clearing: %v", evs)
	}
}

func TestSelectionGoesWithSourceClient(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true})
	a, b := e.desktop(), e.desktop()
	serialA, _ := a.focus()
	src := a.source(textUTF8)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, serialA)
	a.MustRoundtrip()
	_, evs := b.focus()
	off, _, _ := b.selection(evs)
	if off == 0 {
		t.Fatal("B got no offer")
	}
	a.Close()
	if got, _ := b.waitSelection(); got != 0 {
		t.Fatalf("selection %#x after the source client left, want null", got)
	}
	// The old offer is inert: receive closes the fd, B reads end of file.
	r, w := pipe(t)
	b.MustSend(off, protocol.WlDataOfferRequestReceive, textUTF8, rawclient.FD(w))
	unix.Close(w)
	b.MustRoundtrip()
	if got := readAll(t, r); got != "" {
		t.Errorf("read %q from an inert offer", got)
	}
	e.Do(func() {
		if _, ok := e.dm.Selection(e.seat); ok {
			t.Error("selection survived its client")
		}
	})
}

// TestNewDeviceGetsSelection: a data device created while its client has
// the focus is sent the selection at once.
func TestNewDeviceGetsSelection(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true})
	a := e.desktop()
	serial, _ := a.focus()
	src := a.source(textUTF8)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, serial)
	a.MustRoundtrip()
	dev2 := a.NewID()
	a.MustSend(a.ddm, protocol.WlDataDeviceManagerRequestGetDataDevice, rawclient.NewID(dev2), a.seat)
	a.dev = dev2
	if off, mimes, ok := a.selection(a.MustRoundtrip()); !ok || off == 0 || len(mimes) != 1 {
		t.Fatalf("new device: offer %#x mimes %q ok %v", off, mimes, ok)
	}
	a.MustSend(dev2, protocol.WlDataDeviceRequestRelease)
	a.MustRoundtrip()
	if !a.Deleted(dev2) {
		t.Error("release did not delete the device")
	}
}

func TestProtocolErrors(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true})
	// withOffer returns a focused client holding an offer of its own
	// selection, and the source.
	withOffer := func() (*dclient, uint32, uint32) {
		a := e.desktop()
		serial, _ := a.focus()
		src := a.source(textUTF8)
		a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, serial)
		off, _, _ := a.selection(a.MustRoundtrip())
		if off == 0 {
			t.Fatal("no offer")
		}
		return a, src, off
	}
	expect := func(c *dclient, obj uint32, code protocol.ErrorCode) {
		t.Helper()
		pe := c.ProtocolError()
		if pe.ObjectID != obj || pe.Code != code.Code() {
			t.Errorf("error %v, want object %d code %d (%s)", pe, obj, code.Code(), code)
		}
	}
	offerErr := func(op uint16, args []any, code protocol.WlDataOfferError) {
		t.Helper()
		a, _, off := withOffer()
		a.MustSend(off, op, args...)
		expect(a, off, code)
	}
	offerErr(protocol.WlDataOfferRequestFinish, nil, protocol.WlDataOfferErrorInvalidFinish)
	offerErr(protocol.WlDataOfferRequestSetActions, []any{uint32(8), uint32(0)}, protocol.WlDataOfferErrorInvalidActionMask)
	offerErr(protocol.WlDataOfferRequestSetActions, []any{uint32(1), uint32(2)}, protocol.WlDataOfferErrorInvalidAction)
	offerErr(protocol.WlDataOfferRequestSetActions, []any{uint32(3), uint32(3)}, protocol.WlDataOfferErrorInvalidAction)
	offerErr(protocol.WlDataOfferRequestSetActions, []any{uint32(1), uint32(1)}, protocol.WlDataOfferErrorInvalidOffer)

	// Source: bad mask, actions twice, a drag source as selection.
	a := e.desktop()
	src := a.source(textUTF8)
	a.MustSend(src, protocol.WlDataSourceRequestSetActions, uint32(16))
	expect(a, src, protocol.WlDataSourceErrorInvalidActionMask)
	a = e.desktop()
	src = a.source(textUTF8)
	a.MustSend(src, protocol.WlDataSourceRequestSetActions, uint32(1))
	a.MustSend(src, protocol.WlDataSourceRequestSetActions, uint32(1))
	expect(a, src, protocol.WlDataSourceErrorInvalidActionMask)
	a = e.desktop()
	src = a.source(textUTF8)
	a.MustSend(src, protocol.WlDataSourceRequestSetActions, uint32(1))
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, uint32(0))
	expect(a, src, protocol.WlDataSourceErrorInvalidSource)

	// start_drag is refused: a v3 source is cancelled, and cannot be used
	// again.
	a = e.desktop()
	src = a.source(textUTF8)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestStartDrag, src, a.sid, uint32(0), uint32(1))
	if !cancelled(a.MustRoundtrip(), src) {
		t.Error("drag source not cancelled")
	}
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, uint32(0))
	expect(a, src, protocol.WlDataSourceErrorInvalidSource)

	// A drag icon with another role.
	a = e.desktop()
	e.Do(func() { e.Shell.SetRole(a.surf, "xdg_toplevel") })
	a.MustSend(a.dev, protocol.WlDataDeviceRequestStartDrag, uint32(0), a.sid, a.sid, uint32(1))
	expect(a, a.dev, protocol.WlDataDeviceErrorRole)

	// A replaced (cancelled) source cannot be set again; setting the
	// current one again is harmless.
	a, src, _ = withOffer()
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, uint32(1<<20))
	a.MustRoundtrip()
	src2 := a.source(textUTF8)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src2, uint32(1<<20))
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, uint32(1<<20))
	expect(a, src, protocol.WlDataSourceErrorInvalidSource)
}

// TestOfferLimit: a client that never destroys its offers stops getting
// new ones at the limit and is told selection(null) instead.
func TestOfferLimit(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true})
	a, b := e.desktop(), e.desktop()
	b.focus()
	for i := 0; i < datadevice.MaxOffersPerClient+2; i++ {
		src := a.source(textUTF8)
		a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, uint32(i+1000))
	}
	a.MustRoundtrip()
	var offers, nulls int
	for _, ev := range wltest.Only(b.MustRoundtrip(), b.dev) {
		switch {
		case ev.Opcode == protocol.WlDataDeviceEventDataOffer:
			offers++
		case ev.Opcode == protocol.WlDataDeviceEventSelection && ev.Uint(0) == 0:
			nulls++
		}
	}
	if offers != datadevice.MaxOffersPerClient || nulls != 2 {
		t.Errorf("%d offers and %d null selections, want %d and 2", offers, nulls, datadevice.MaxOffersPerClient)
	}
}

// TestNoFDLeak runs clipboard transfers between clients that then
// disconnect, and checks the process's fd count comes back.
func TestNoFDLeak(t *testing.T) {
	e := start(t, seat.Options{Keyboard: true, Pointer: true})
	cycle := func() {
		a, b := e.desktop(), e.desktop()
		serial, _ := a.focus()
		src := a.source(textUTF8)
		a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, serial)
		a.MustRoundtrip()
		_, evs := b.focus()
		off, _, _ := b.selection(evs)
		if got := paste(t, a, b, src, off, textUTF8, "hello"); got != "hello" {
			t.Fatalf("read %q", got)
		}
		// A receive the source never answers: its fd is held by A's
		// client library until A goes.
		r, w := pipe(t)
		b.MustSend(off, protocol.WlDataOfferRequestReceive, textUTF8, rawclient.FD(w))
		unix.Close(w)
		b.MustRoundtrip()
		a.Close()
		b.Close()
		unix.Close(r)
	}
	cycle() // warm up lazily opened runtime fds
	base := waitFDs(t, -1)
	for i := 0; i < 10; i++ {
		cycle()
	}
	if n := waitFDs(t, base); n > base {
		t.Fatalf("open fds %d after the clients left, want %d", n, base)
	}
	e.Do(func() {
		if n := datadevice.ClientCount(e.dm); n != 0 {
			t.Errorf("manager still tracks %d clients", n)
		}
	})
}

// waitFDs waits until the open fd count is at most want (any, if want
// < 0, once it is stable) and returns it.
func waitFDs(t *testing.T, want int) int {
	deadline := time.Now().Add(timeout)
	prev := -1
	for {
		n := procstat.OpenFDs()
		if (want >= 0 && n <= want) || (want < 0 && n == prev) || time.Now().After(deadline) {
			return n
		}
		prev = n
		time.Sleep(20 * time.Millisecond)
	}
}
