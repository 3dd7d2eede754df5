package datadevice_test

import (
	"slices"
	"testing"
	"time"

	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"golang.org/x/sys/unix"
)

// pclient is a desktop client with a primary selection device too.
type pclient struct {
	*dclient
	psm, pdev uint32
}

func startPrimary(t *testing.T) (*env, *datadevice.Primary) {
	t.Helper()
	var p *datadevice.Primary
	e := &env{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.seat = seat.New(w.D, seat.Options{Keyboard: true, Surfaces: w.Shell})
		e.dm = datadevice.New(w.D)
		p = datadevice.NewPrimary(e.dm)
	}, func() { e.seat.Destroy() })
	return e, p
}

func (e *env) primaryClient() *pclient {
	e.T.Helper()
	d := e.desktop()
	p := &pclient{dclient: d}
	p.psm = d.MustBind("zwp_primary_selection_device_manager_v1", 1)
	p.pdev = d.NewID()
	d.MustSend(p.psm, protocol.ZwpPrimarySelectionDeviceManagerV1RequestGetDevice, rawclient.NewID(p.pdev), d.seat)
	d.MustRoundtrip()
	return p
}

func (p *pclient) psource(mimes ...string) uint32 {
	id := p.NewID()
	p.MustSend(p.psm, protocol.ZwpPrimarySelectionDeviceManagerV1RequestCreateSource, rawclient.NewID(id))
	for _, m := range mimes {
		p.MustSend(id, protocol.ZwpPrimarySelectionSourceV1RequestOffer, m)
	}
	p.ExpectFDs(id, protocol.ZwpPrimarySelectionSourceV1EventSend, 1)
	return id
}

// pselection is selection for the primary device.
func (p *pclient) pselection(evs []rawclient.Event) (offer uint32, mimes []string, ok bool) {
	offers := map[uint32][]string{}
	for _, ev := range evs {
		switch {
		case ev.Object == p.pdev && ev.Opcode == protocol.ZwpPrimarySelectionDeviceV1EventDataOffer:
			offers[ev.Uint(0)] = []string{}
		case offers[ev.Object] != nil && ev.Opcode == protocol.ZwpPrimarySelectionOfferV1EventOffer:
			offers[ev.Object] = append(offers[ev.Object], ev.Reader().String())
		case ev.Object == p.pdev && ev.Opcode == protocol.ZwpPrimarySelectionDeviceV1EventSelection:
			offer, ok = ev.Uint(0), true
			mimes = offers[offer]
		}
	}
	return offer, mimes, ok
}

func pcancelled(evs []rawclient.Event, src uint32) bool {
	for _, ev := range evs {
		if ev.Object == src && ev.Opcode == protocol.ZwpPrimarySelectionSourceV1EventCancelled {
			return true
		}
	}
	return false
}

// ppaste makes b receive mime from offer while a's source answers with
// data; it returns what b read.
func ppaste(t *testing.T, a, b *pclient, src, offer uint32, mime, data string) string {
	t.Helper()
	r, w := pipe(t)
	b.MustSend(offer, protocol.ZwpPrimarySelectionOfferV1RequestReceive, mime, rawclient.FD(w))
	unix.Close(w)
	b.MustRoundtrip()
	evs := wltest.Only(a.MustRoundtrip(), src)
	if len(evs) != 1 || evs[0].Opcode != protocol.ZwpPrimarySelectionSourceV1EventSend || len(evs[0].FDs) != 1 {
		unix.Close(r)
		t.Fatalf("source events %v, want one send with an fd", evs)
	}
	if got := evs[0].Reader().String(); got != mime {
		t.Errorf("send mime %q, want %q", got, mime)
	}
	fd := evs[0].FDs[0]
	unix.Write(fd, []byte(data))
	unix.Close(fd)
	return readAll(t, r)
}

// TestPrimaryRoundTrip is select-to-copy then middle-click paste: A sets
// the primary selection, B is offered it when it gets the focus and reads
// it through a real pipe A writes; the clipboard is untouched.
func TestPrimaryRoundTrip(t *testing.T) {
	e, p := startPrimary(t)
	a, b := e.primaryClient(), e.primaryClient()
	serialA, _ := a.focus()
	src := a.psource(textUTF8, "UTF8_STRING")
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src, serialA)
	evs := a.MustRoundtrip()
	if off, mimes, ok := a.pselection(evs); !ok || off == 0 || !slices.Equal(mimes, []string{textUTF8, "UTF8_STRING"}) {
		t.Fatalf("A's primary selection: offer %#x mimes %q", off, mimes)
	}
	if _, _, ok := a.selection(evs); ok {
		t.Error("setting the primary selection sent a clipboard selection")
	}
	e.Do(func() {
		if m, ok := p.Selection(e.seat); !ok || len(m) != 2 {
			t.Errorf("Selection = %q, %v", m, ok)
		}
		if _, ok := e.dm.Selection(e.seat); ok {
			t.Error("the clipboard has a selection")
		}
	})
	_, evs = b.focus()
	off, mimes, ok := b.pselection(evs)
	if !ok || off == 0 || len(mimes) != 2 {
		t.Fatalf("B's primary selection: offer %#x mimes %q", off, mimes)
	}
	if got := ppaste(t, a, b, src, off, textUTF8, "selected text"); got != "selected text" {
		t.Fatalf("B read %q", got)
	}
	// A device made while focused gets the selection at once.
	dev2 := b.NewID()
	b.MustSend(b.psm, protocol.ZwpPrimarySelectionDeviceManagerV1RequestGetDevice, rawclient.NewID(dev2), b.seat)
	b.pdev = dev2
	if off, _, ok := b.pselection(b.MustRoundtrip()); !ok || off == 0 {
		t.Fatal("new device got no selection")
	}
	b.MustSend(off, protocol.ZwpPrimarySelectionOfferV1RequestDestroy)
	b.MustSend(dev2, protocol.ZwpPrimarySelectionDeviceV1RequestDestroy)
	b.MustRoundtrip()
	if !b.Deleted(dev2) {
		t.Error("destroy did not delete the device")
	}
}

// TestPrimarySources: a replaced source is cancelled, a replaced source
// set again is ignored (no error: the protocol defines none), an old
// serial is refused, a null source clears, and the selection goes with
// its client.
func TestPrimarySources(t *testing.T) {
	e, p := startPrimary(t)
	a, b := e.primaryClient(), e.primaryClient()
	serialA, _ := a.focus()
	src1, src2 := a.psource(textUTF8), a.psource(textUTF8)
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src1, serialA)
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src2, serialA)
	evs := a.MustRoundtrip()
	if !pcancelled(evs, src1) || pcancelled(evs, src2) {
		t.Fatalf("after replacing: %v, want src1 (only) cancelled", evs)
	}
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src2, serialA)
	if pcancelled(a.MustRoundtrip(), src2) {
		t.Fatal("setting the current source again cancelled it")
	}
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src1, serialA)
	if _, _, ok := a.pselection(a.MustRoundtrip()); ok {
		t.Fatal("a cancelled source set again changed the selection")
	}
	serialB, _ := b.focus()
	src3 := b.psource("text/plain")
	b.MustSend(b.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src3, serialB)
	b.MustRoundtrip()
	if !pcancelled(a.MustRoundtrip(), src2) {
		t.Fatal("B's selection did not cancel A's")
	}
	src4 := a.psource(textUTF8)
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src4, serialA)
	if !pcancelled(a.MustRoundtrip(), src4) {
		t.Error("source of an outdated set_selection not cancelled")
	}
	e.Do(func() {
		if m, _ := p.Selection(e.seat); !slices.Equal(m, []string{"text/plain"}) {
			t.Errorf("selection %q, want B's", m)
		}
	})
	// B leaves: the focused client is told selection(null).
	a.focus()
	b.Close()
	for deadline := time.Now().Add(timeout); ; time.Sleep(5 * time.Millisecond) {
		if off, _, ok := a.pselection(a.MustRoundtrip()); ok {
			if off != 0 {
				t.Fatalf("selection %#x after its client left", off)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no selection(null) after the source client left")
		}
	}
	// A null source clears.
	src5 := a.psource(textUTF8)
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src5, serialA+100)
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, uint32(0), serialA+101)
	evs = a.MustRoundtrip()
	if off, _, _ := a.pselection(evs); off != 0 || !pcancelled(evs, src5) {
		t.Errorf("after clearing: %v", evs)
	}
}

// TestPrimaryErrors: the protocol has no errors of its own; what a client
// can get wrong is the core's: a wrong object type and a missing fd are
// invalid_method on wl_display, as libwayland posts them.
func TestPrimaryErrors(t *testing.T) {
	e, _ := startPrimary(t)
	a := e.primaryClient()
	clip := a.source(textUTF8) // a wl_data_source, not a primary one
	a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, clip, uint32(1))
	if pe := a.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("wrong source type: %v, want wl_display invalid_method", pe)
	}
	b := e.primaryClient()
	b.MustSend(b.psm, protocol.ZwpPrimarySelectionDeviceManagerV1RequestGetDevice, rawclient.NewID(b.NewID()), b.psm)
	if pe := b.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("get_device with a non-seat: %v, want wl_display invalid_method", pe)
	}
}

// TestPrimaryOfferLimit: primary offers count against the same
// MaxOffersPerClient as clipboard offers.
func TestPrimaryOfferLimit(t *testing.T) {
	e, _ := startPrimary(t)
	a, b := e.primaryClient(), e.primaryClient()
	b.focus()
	for i := 0; i < datadevice.MaxOffersPerClient+2; i++ {
		src := a.psource(textUTF8)
		a.MustSend(a.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, src, uint32(i+1000))
	}
	a.MustRoundtrip()
	var offers, nulls int
	for _, ev := range wltest.Only(b.MustRoundtrip(), b.pdev) {
		switch {
		case ev.Opcode == protocol.ZwpPrimarySelectionDeviceV1EventDataOffer:
			offers++
		case ev.Opcode == protocol.ZwpPrimarySelectionDeviceV1EventSelection && ev.Uint(0) == 0:
			nulls++
		}
	}
	if offers != datadevice.MaxOffersPerClient || nulls != 2 {
		t.Errorf("%d offers and %d null selections, want %d and 2", offers, nulls, datadevice.MaxOffersPerClient)
	}
	// Clipboard offers are refused too while B holds them all.
	src := a.source(textUTF8)
	a.MustSend(a.dev, protocol.WlDataDeviceRequestSetSelection, src, uint32(5000))
	a.MustRoundtrip()
	if off, _, ok := b.selection(b.MustRoundtrip()); !ok || off != 0 {
		t.Errorf("clipboard offer %#x (ok %v) beyond the shared limit", off, ok)
	}
}
