package shell

import (
	"strings"
	"testing"

	"github.com/nofault/nofault/protocol"
	"github.com/nofault/nofault/render"
)

// titleFramer records the titles it is asked to draw.
type titleFramer struct{ titles []string }

func (f *titleFramer) DrawFrame(fr Frame) []render.Item {
	f.titles = append(f.titles, fr.Title)
	return nil
}

func (f *titleFramer) Forget(*protocol.Object) {}

// TestTitleOutlivesReceiveBuffer: the title a toplevel set is the one its
// title bar shows after the client's later requests have reused the
// connection's receive buffer (strings handed to handlers alias it, so
// the shell must keep a copy). mpv's bar showed garbage before.
func TestTitleOutlivesReceiveBuffer(t *testing.T) {
	e := startEnv(t, Options{})
	tf := &titleFramer{}
	e.do(func() { e.sh.SetFrameDrawer(tf) })
	tc := e.connect()
	w := tc.toplevel()
	const title = "lavfi:testsrc=size=320x240:rate=5 - mpv"
	w.top.SetTitle(title)
	tc.mapWindow(w, 200, 100, 0xff0000ff)
	e.do(func() {
		surf := e.sh.Toplevels()[0]
		e.sh.SetServerSide(e.sh.Surface(surf).xdg.toplevel.obj, true)
	})
	// Later requests fill the receive buffer with other bytes.
	for i := 0; i < 8; i++ {
		w.top.SetAppId(strings.Repeat("\xff", 200+i))
		tc.mustRoundtrip()
	}
	e.scene()
	if len(tf.titles) == 0 || tf.titles[len(tf.titles)-1] != title {
		t.Fatalf("title bar drew %q, want %q", tf.titles, title)
	}
}
