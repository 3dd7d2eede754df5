package shm

import (
	"bytes"
	"errors"
	"image"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPixelsImage: held pixels give the fault-free Image a copying
// renderer uploads from: a view of a sealed pool (unpinned by the next
// Image and by Release), a copy of the damaged rows of a guarded one, an
// error for a guarded pool that shrank, and ErrClosed once released.
func TestPixelsImage(t *testing.T) {
	forceProbe(t, stockProbe)
	const w, h, stride = 16, 16, 64
	t.Run("sealed", func(t *testing.T) {
		p, _ := newPool(t, 8192, 7, true, Options{})
		refs := func() int {
			p.mu.Lock()
			defer p.mu.Unlock()
			return p.rd.refs
		}
		r0 := refs()
		px := p.Pixels(0, w, h, stride, FormatARGB8888)
		var st Staging
		img, err := px.Image(&st, []image.Rectangle{image.Rect(0, 0, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		v, ok := img.(*View)
		if !ok {
			t.Fatalf("sealed pool gave a %T, want a *View", img)
		}
		if len(v.Bytes()) != (h-1)*stride+w*4 || v.Bytes()[0] != 7 {
			t.Fatalf("view of %d bytes, first %d", len(v.Bytes()), v.Bytes()[0])
		}
		if _, err := px.Image(&st, nil); err != nil {
			t.Fatal(err)
		}
		if refs() != r0+1 {
			t.Errorf("mapping pinned %d times after two Images, want once", refs()-r0)
		}
		allocs := testing.AllocsPerRun(10, func() {
			if _, err := px.Image(&st, nil); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Image allocates %v times", allocs)
		}
		px.Release()
		if refs() != r0 || v.Bytes() != nil {
			t.Errorf("after Release: mapping pinned %d times, view of %d bytes; want unpinned", refs()-r0, len(v.Bytes()))
		}
		if _, err := px.Image(&st, nil); !errors.Is(err, ErrClosed) {
			t.Errorf("Image after Release: %v, want ErrClosed", err)
		}
	})
	t.Run("guarded", func(t *testing.T) {
		p, fd := newPool(t, 8192, 7, false, Options{})
		px := p.Pixels(0, w, h, stride, FormatARGB8888)
		defer px.Release()
		var st Staging
		img, err := px.Image(&st, nil)
		if err != nil {
			t.Fatal(err)
		}
		if img != Image(&st) {
			t.Fatalf("guarded pool gave a %T, want the staging copy", img)
		}
		// Rows 2 and 10 change; only row 2 is damaged, so only it is copied.
		row := bytes.Repeat([]byte{9}, w*4)
		for _, y := range []int{2, 10} {
			if _, err := unix.Pwrite(fd, row, int64(y*stride)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := px.Image(&st, []image.Rectangle{image.Rect(3, 2, 5, 3)}); err != nil {
			t.Fatal(err)
		}
		if b := st.Bytes(); b[2*stride] != 9 || b[10*stride] != 7 {
			t.Errorf("staged rows 2 and 10: %d %d, want 9 (damaged) and 7 (not)", b[2*stride], b[10*stride])
		}
		if err := unix.Ftruncate(fd, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := px.Image(&st, nil); !errors.Is(err, ErrFault) {
			t.Errorf("Image of a shrunk guarded pool: %v, want ErrFault", err)
		}
	})
}
