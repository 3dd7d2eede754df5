package datadevice_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nofault/nofault/datadevice"
	"github.com/nofault/nofault/internal/rawclient"
	"github.com/nofault/nofault/internal/wltest"
	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/seat"
	"golang.org/x/sys/unix"
)

// gclient is a desktop client with a gtk_primary_selection_device.
type gclient struct {
	*dclient
	gsm, gdev uint32
}

// startGtkPrimary runs a display with both primary selection globals.
func startGtkPrimary(t *testing.T) (*env, *datadevice.Primary) {
	t.Helper()
	var p *datadevice.Primary
	e := &env{}
	e.Env = wltest.Start(t, func(w *wltest.Env) {
		e.seat = seat.New(w.D, seat.Options{Keyboard: true, Surfaces: w.Shell})
		e.dm = datadevice.New(w.D)
		p = datadevice.NewPrimary(e.dm)
		p.AdvertiseGtk()
		p.AdvertiseGtk() // a second call adds no second global
	}, func() { e.seat.Destroy() })
	return e, p
}

func (e *env) gtkClient() *gclient {
	e.T.Helper()
	d := e.desktop()
	g := &gclient{dclient: d}
	g.gsm = d.MustBind("gtk_primary_selection_device_manager", 1)
	g.gdev = d.NewID()
	d.MustSend(g.gsm, protocol.GtkPrimarySelectionDeviceManagerRequestGetDevice, rawclient.NewID(g.gdev), d.seat)
	d.MustRoundtrip()
	return g
}

func (g *gclient) gsource(mimes ...string) uint32 {
	id := g.NewID()
	g.MustSend(g.gsm, protocol.GtkPrimarySelectionDeviceManagerRequestCreateSource, rawclient.NewID(id))
	for _, m := range mimes {
		g.MustSend(id, protocol.GtkPrimarySelectionSourceRequestOffer, m)
	}
	g.ExpectFDs(id, protocol.GtkPrimarySelectionSourceEventSend, 1)
	return id
}

// gselection is selection for the GTK device.
func (g *gclient) gselection(evs []rawclient.Event) (offer uint32, mimes []string, ok bool) {
	offers := map[uint32][]string{}
	for _, ev := range evs {
		switch {
		case ev.Object == g.gdev && ev.Opcode == protocol.GtkPrimarySelectionDeviceEventDataOffer:
			offers[ev.Uint(0)] = []string{}
		case offers[ev.Object] != nil && ev.Opcode == protocol.GtkPrimarySelectionOfferEventOffer:
			offers[ev.Object] = append(offers[ev.Object], ev.Reader().String())
		case ev.Object == g.gdev && ev.Opcode == protocol.GtkPrimarySelectionDeviceEventSelection:
			offer, ok = ev.Uint(0), true
			mimes = offers[offer]
		}
	}
	return offer, mimes, ok
}

func gcancelled(evs []rawclient.Event, src uint32) bool {
	for _, ev := range evs {
		if ev.Object == src && ev.Opcode == protocol.GtkPrimarySelectionSourceEventCancelled {
			return true
		}
	}
	return false
}

// serve expects one send event on src in evs, checks its mime type,
// writes data to its fd and closes it.
func serve(t *testing.T, evs []rawclient.Event, src uint32, sendOp uint16, mime, data string) {
	t.Helper()
	evs = wltest.Only(evs, src)
	if len(evs) != 1 || evs[0].Opcode != sendOp || len(evs[0].FDs) != 1 {
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
}

// TestGtkPrimaryAcrossProtocols: one primary selection serves both
// protocols. A GTK-protocol client selects and a zwp client pastes it
// through a real pipe the GTK client writes; then the zwp client selects,
// which cancels the GTK source, and the GTK client pastes that.
func TestGtkPrimaryAcrossProtocols(t *testing.T) {
	e, p := startGtkPrimary(t)
	g, z := e.gtkClient(), e.primaryClient()

	serialG, _ := g.focus()
	gsrc := g.gsource(textUTF8, "UTF8_STRING")
	g.MustSend(g.gdev, protocol.GtkPrimarySelectionDeviceRequestSetSelection, gsrc, serialG)
	if off, mimes, ok := g.gselection(g.MustRoundtrip()); !ok || off == 0 || !slices.Equal(mimes, []string{textUTF8, "UTF8_STRING"}) {
		t.Fatalf("GTK client's own selection: offer %#x mimes %q ok %v", off, mimes, ok)
	}
	e.Do(func() {
		if m, ok := p.Selection(e.seat); !ok || !slices.Equal(m, []string{textUTF8, "UTF8_STRING"}) {
			t.Errorf("Selection = %q, %v", m, ok)
		}
	})
	serialZ, evs := z.focus()
	off, mimes, ok := z.pselection(evs)
	if !ok || off == 0 || !slices.Equal(mimes, []string{textUTF8, "UTF8_STRING"}) {
		t.Fatalf("zwp client offered %#x mimes %q ok %v, want the GTK client's selection", off, mimes, ok)
	}
	r, w := pipe(t)
	z.MustSend(off, protocol.ZwpPrimarySelectionOfferV1RequestReceive, "UTF8_STRING", rawclient.FD(w))
	unix.Close(w)
	z.MustRoundtrip()
	serve(t, g.MustRoundtrip(), gsrc, protocol.GtkPrimarySelectionSourceEventSend, "UTF8_STRING", "from GTK")
	if got := readAll(t, r); got != "from GTK" {
		t.Fatalf("zwp client read %q", got)
	}

	zsrc := z.psource(textUTF8)
	z.MustSend(z.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, zsrc, serialZ)
	z.MustRoundtrip()
	if !gcancelled(g.MustRoundtrip(), gsrc) {
		t.Fatal("the zwp client's selection did not cancel the GTK source")
	}
	_, evs = g.focus()
	goff, gmimes, ok := g.gselection(evs)
	if !ok || goff == 0 || !slices.Equal(gmimes, []string{textUTF8}) {
		t.Fatalf("GTK client offered %#x mimes %q ok %v, want the zwp client's selection", goff, gmimes, ok)
	}
	r, w = pipe(t)
	g.MustSend(goff, protocol.GtkPrimarySelectionOfferRequestReceive, textUTF8, rawclient.FD(w))
	unix.Close(w)
	g.MustRoundtrip()
	serve(t, z.MustRoundtrip(), zsrc, protocol.ZwpPrimarySelectionSourceV1EventSend, textUTF8, "from zwp")
	if got := readAll(t, r); got != "from zwp" {
		t.Fatalf("GTK client read %q", got)
	}

	// A null source from the GTK device clears the shared selection and
	// cancels the zwp source.
	g.MustSend(goff, protocol.GtkPrimarySelectionOfferRequestDestroy)
	g.MustSend(g.gdev, protocol.GtkPrimarySelectionDeviceRequestSetSelection, uint32(0), serialZ+100)
	if off, _, ok := g.gselection(g.MustRoundtrip()); !ok || off != 0 {
		t.Errorf("after clearing: offer %#x ok %v, want selection(null)", off, ok)
	}
	if !pcancelled(z.MustRoundtrip(), zsrc) {
		t.Error("clearing from the GTK device did not cancel the zwp source")
	}
	e.Do(func() {
		if m, ok := p.Selection(e.seat); ok {
			t.Errorf("Selection = %q after clearing", m)
		}
	})
}

// TestGtkPrimaryErrors: the GTK protocol has no errors of its own either;
// a source of the other protocol, a non-seat and a missing fd are
// invalid_method on wl_display, as libwayland's argument checks post them.
func TestGtkPrimaryErrors(t *testing.T) {
	e, _ := startGtkPrimary(t)
	g := e.gtkClient()
	zsm := g.MustBind("zwp_primary_selection_device_manager_v1", 1)
	zsrc := g.NewID()
	g.MustSend(zsm, protocol.ZwpPrimarySelectionDeviceManagerV1RequestCreateSource, rawclient.NewID(zsrc))
	g.MustSend(g.gdev, protocol.GtkPrimarySelectionDeviceRequestSetSelection, zsrc, uint32(1))
	if pe := g.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("zwp source on a GTK device: %v, want wl_display invalid_method", pe)
	}

	z := e.primaryClient()
	gsm := z.MustBind("gtk_primary_selection_device_manager", 1)
	gsrc := z.NewID()
	z.MustSend(gsm, protocol.GtkPrimarySelectionDeviceManagerRequestCreateSource, rawclient.NewID(gsrc))
	z.MustSend(z.pdev, protocol.ZwpPrimarySelectionDeviceV1RequestSetSelection, gsrc, uint32(1))
	if pe := z.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("GTK source on a zwp device: %v, want wl_display invalid_method", pe)
	}

	b := e.gtkClient()
	b.MustSend(b.gsm, protocol.GtkPrimarySelectionDeviceManagerRequestGetDevice, rawclient.NewID(b.NewID()), b.gsm)
	if pe := b.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod {
		t.Errorf("get_device with a non-seat: %v, want wl_display invalid_method", pe)
	}

	// receive without its fd: the raw sender passes none.
	c, a := e.gtkClient(), e.gtkClient()
	serialA, _ := a.focus()
	src := a.gsource(textUTF8)
	a.MustSend(a.gdev, protocol.GtkPrimarySelectionDeviceRequestSetSelection, src, serialA)
	a.MustRoundtrip()
	_, evs := c.focus()
	off, _, ok := c.gselection(evs)
	if !ok || off == 0 {
		t.Fatalf("no offer (%#x, %v)", off, ok)
	}
	c.MustSend(off, protocol.GtkPrimarySelectionOfferRequestReceive, textUTF8)
	if pe := c.ProtocolError(); pe.ObjectID != 1 || pe.Code != protocol.ErrorInvalidMethod || !strings.Contains(pe.Message, "gtk_primary_selection_offer") {
		t.Errorf("receive without an fd: %v, want wl_display invalid_method naming the offer", pe)
	}
}

// TestGtkPrimarySharedBounds: devices and offers of both protocols count
// against one bound each, so a client cannot double what it hoards by
// using both.
func TestGtkPrimarySharedBounds(t *testing.T) {
	e, _ := startGtkPrimary(t)
	a, b := e.gtkClient(), e.primaryClient()
	// b has one zwp device; MaxDevicesPerClient-1 more of either kind fit.
	gsm := b.MustBind("gtk_primary_selection_device_manager", 1)
	devs := []uint32{b.pdev}
	for len(devs) < datadevice.MaxDevicesPerClient+1 {
		id := b.NewID()
		b.MustSend(gsm, protocol.GtkPrimarySelectionDeviceManagerRequestGetDevice, rawclient.NewID(id), b.seat)
		devs = append(devs, id)
	}
	b.MustRoundtrip()
	b.focus()
	serialA := uint32(1000)
	src := a.gsource(textUTF8)
	a.MustSend(a.gdev, protocol.GtkPrimarySelectionDeviceRequestSetSelection, src, serialA)
	a.MustRoundtrip()
	got := map[uint32]int{}
	for _, ev := range b.MustRoundtrip() {
		if ev.Opcode == protocol.GtkPrimarySelectionDeviceEventSelection && slices.Contains(devs, ev.Object) {
			got[ev.Object]++
		}
	}
	if len(got) != datadevice.MaxDevicesPerClient || got[devs[len(devs)-1]] != 0 {
		t.Errorf("%d devices got the selection (the last %d times), want %d and the last inert", len(got), got[devs[len(devs)-1]], datadevice.MaxDevicesPerClient)
	}

	// Offers: b now holds MaxDevicesPerClient of them; new selections
	// fill the rest of the shared bound, then come as selection(null).
	// (The event opcodes are the same in both protocols; devs[0] is zwp.)
	var offers, nulls int
	for i := 0; i < 10; i++ {
		src := a.gsource(textUTF8)
		a.MustSend(a.gdev, protocol.GtkPrimarySelectionDeviceRequestSetSelection, src, serialA+uint32(i)+1)
		a.MustRoundtrip()
		for _, ev := range b.MustRoundtrip() {
			switch {
			case !slices.Contains(devs, ev.Object):
			case ev.Opcode == protocol.GtkPrimarySelectionDeviceEventDataOffer:
				offers++
			case ev.Opcode == protocol.GtkPrimarySelectionDeviceEventSelection && ev.Uint(0) == 0:
				nulls++
			}
		}
	}
	held := datadevice.MaxDevicesPerClient * 11
	wantOffers := min(held, datadevice.MaxOffersPerClient) - datadevice.MaxDevicesPerClient
	if offers != wantOffers || nulls != held-datadevice.MaxDevicesPerClient-wantOffers {
		t.Errorf("%d offers and %d null selections, want %d and %d", offers, nulls, wantOffers, held-datadevice.MaxDevicesPerClient-wantOffers)
	}
}

// TestGtkPrimaryGlobal: without AdvertiseGtk there is no GTK global, and
// Destroy withdraws both.
func TestGtkPrimaryGlobal(t *testing.T) {
	has := func(e *env, name string) bool {
		c := e.Connect()
		gl, err := c.Globals(timeout)
		if err != nil {
			t.Fatal(err)
		}
		_, ok := gl[name]
		return ok
	}
	e, _ := startPrimary(t)
	if has(e, "gtk_primary_selection_device_manager") {
		t.Error("gtk_primary_selection_device_manager advertised without AdvertiseGtk")
	}
	e, p := startGtkPrimary(t)
	if !has(e, "gtk_primary_selection_device_manager") || !has(e, "zwp_primary_selection_device_manager_v1") {
		t.Fatal("a global is missing")
	}
	e.Do(p.Destroy)
	if has(e, "gtk_primary_selection_device_manager") || has(e, "zwp_primary_selection_device_manager_v1") {
		t.Error("a global is still advertised after Destroy")
	}
}

// TestGtkPrimaryOnlyToFocus is WLCS 1.5.0's GtkPrimarySelection scenario:
// a source client sets the selection while a sink client without the
// keyboard focus listens. The sink must get no offer ("Only the client
// with the keyboard focus will receive such events with a non-NULL
// offer"); it gets one once it has the focus.
func TestGtkPrimaryOnlyToFocus(t *testing.T) {
	e, _ := startGtkPrimary(t)
	src, sink := e.gtkClient(), e.gtkClient()
	s := src.gsource("AnyMimeType")
	src.MustSend(src.gdev, protocol.GtkPrimarySelectionDeviceRequestSetSelection, s, uint32(0))
	src.MustRoundtrip()
	if off, _, ok := sink.gselection(sink.MustRoundtrip()); ok && off != 0 {
		t.Fatalf("a client without the keyboard focus was offered the selection (%#x)", off)
	}
	_, evs := sink.focus()
	if off, mimes, ok := sink.gselection(evs); !ok || off == 0 || !slices.Equal(mimes, []string{"AnyMimeType"}) {
		t.Fatalf("focused: offer %#x mimes %q ok %v", off, mimes, ok)
	}
}
