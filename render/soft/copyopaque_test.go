package soft

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestCopyOpaque checks copyOpaque (AVX2 where the CPU has it) against
// its definition on rows of every length up to 200, at every alignment of
// dst, with one translucent pixel at every position (and none): it copies
// a prefix of opaque pixels that ends fewer than 8 pixels before the
// translucent one (or the end), or 16 with non-temporal stores on a
// 64-byte line, and writes nothing else. The portable copyOpaqueGo
// copies exactly the whole blocks of 8 before it.
func TestCopyOpaque(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 200; n++ {
		testCopyOpaque(t, rng, n, n%16, true)
		testCopyOpaque(t, rng, n, n%8, false) // plain stores (an output lent to a reader)
	}
}

func testCopyOpaque(t *testing.T, rng *rand.Rand, n, shift int, nt bool) {
	{
		for bad := -1; bad < n; bad++ {
			for _, alpha := range []uint32{0, 0x7f, 0xfe} {
				src := make([]uint32, n)
				for i := range src {
					src[i] = 0xff000000 | rng.Uint32()&0xffffff
				}
				if bad >= 0 {
					src[bad] = alpha<<24 | rng.Uint32()&0xffffff
				}
				end := n
				if bad >= 0 {
					end = bad
				}
				want := end &^ 7
				// dst at each 4-byte offset from a 32-byte boundary.
				buf := make([]uint32, n+16)
				for i := range buf {
					buf[i] = 0x12345678
				}
				sh := (16 - int(uintptr(unsafe.Pointer(&buf[0]))%64/4) + shift) % 16
				dst := buf[sh : sh+n+1]
				got := copyOpaque(dst[:n], src, nt)
				// Non-temporal stores, on a 64-byte line, go in whole lines.
				unit := 8
				if nt && haveBlocks() && n >= 8 && uintptr(unsafe.Pointer(&dst[0]))%64 == 0 {
					unit = 16
				}
				if got > end || end-got >= unit {
					t.Fatalf("n=%d dst offset %d translucent at %d (alpha %#x): copied %d, want %d..%d", n, shift*4, bad, alpha, got, max(end-unit+1, 0), end)
				}
				for i, v := range dst {
					if i < got && v != src[i] || i >= got && v != 0x12345678 {
						t.Fatalf("n=%d dst offset %d translucent at %d: dst[%d] = %#x", n, shift*4, bad, i, v)
					}
				}
				if g := copyOpaqueGo(make([]uint32, n), src); g != want {
					t.Fatalf("copyOpaqueGo: n=%d translucent at %d: copied %d, want %d", n, bad, g, want)
				}
			}
		}
	}
}

// TestCopyOpaqueAtTheEndOfAMapping copies rows that end where a client's
// pool ends: at the end of a memfd with the mapping going on past it (a
// load there is SIGBUS), and before a PROT_NONE page (SIGSEGV). copyOpaque
// prefetches ahead of its loads; nothing it does may fault past the row.
func TestCopyOpaqueAtTheEndOfAMapping(t *testing.T) {
	const page = 4096
	fd, err := unix.MemfdCreate("copyopaque-end", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, 2*page); err != nil {
		t.Fatal(err)
	}
	pastEOF, err := unix.Mmap(fd, 0, 3*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(pastEOF)
	guarded, err := unix.Mmap(-1, 0, 3*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(guarded)
	if err := unix.Mprotect(guarded[2*page:], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string][]byte{"memfd ending before the mapping": pastEOF, "PROT_NONE page after": guarded} {
		src, _ := asPixels(m[:2*page])
		for i := range src {
			src[i] = 0xff000000 | uint32(i)
		}
		dst, mem := allocOut(len(src))
		for _, n := range []int{len(src), len(src) - 8, 1024, 100} { // rows ending at the end, and short of it
			row := src[len(src)-n:]
			var got int
			func() {
				defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s: copying the last %d pixels faulted: %v", name, n, r)
					}
				}()
				got = copyOpaque(dst[:n], row, true)
				storeFence()
			}()
			if got > n || n-got >= 16 { // non-temporal stores on lines: whole lines
				t.Fatalf("%s: copied %d of %d opaque pixels", name, got, n)
			}
			for i := range got {
				if dst[i] != row[i] {
					t.Fatalf("%s: n=%d dst[%d] = %#x, want %#x", name, n, i, dst[i], row[i])
				}
			}
		}
		mem.free()
	}
}

// opaqueCopies are the ways of copying an opaque row that the benchmarks
// compare: copyOpaque (what overRow and overSolidRow run, with and without
// non-temporal stores), the portable
// two-pass copyOpaqueGo (opaqueRun, then copy), the word-fused pure-Go
// loop (fusedOpaqueCopy) and a bare copy, the floor.
var opaqueCopies = []struct {
	name string
	fn   func(dst, src []uint32) int
}{
	{"fused", func(d, s []uint32) int { return copyOpaque(d, s, true) }},
	{"fused-cached", func(d, s []uint32) int { return copyOpaque(d, s, false) }},
	{"two-pass", copyOpaqueGo},
	{"fused-go", fusedOpaqueCopy},
	{"copy", func(d, s []uint32) int { return copy(d, s) }},
}

// BenchmarkCopyOpaqueCold is BenchmarkCopyOpaque on the frame a client
// has just drawn: before each copy a thread pinned to another CPU writes
// the whole source, as a client does, so the copy (pinned to CPU 0)
// reads it from that core's caches or memory rather than its own. The
// destination is mapped as the renderer maps its output (allocOut: huge
// pages from 2 MiB). Only the copy is timed. "copy" is the physical limit
// the issue sets: one memmove of the frame. "fused-idle" and "copy-idle"
// are the same 16 ms after the last copy, as the running compositor copies
// once a frame at 60 Hz (docs/benchmarks.md, "A copy once a frame").
func BenchmarkCopyOpaqueCold(b *testing.B) {
	for _, size := range []struct{ w, h int }{{1920, 1080}, {3840, 2160}} {
		b.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(b *testing.B) {
			benchmarkCopyOpaqueCold(b, size.w, size.h)
		})
	}
}

func benchmarkCopyOpaqueCold(b *testing.B, w, h int) {
	src := make([]uint32, w*h)
	dst, mem := allocOut(w * h)
	defer mem.free()
	draw, drawn := make(chan uint32), make(chan struct{})
	pin := func(cpu int) {
		runtime.LockOSThread()
		var set unix.CPUSet
		set.Set(cpu % runtime.NumCPU())
		unix.SchedSetaffinity(0, &set)
	}
	go func() {
		pin(1)
		for v := range draw {
			for i := range src {
				src[i] = 0xff000000 | v + uint32(i)
			}
			drawn <- struct{}{}
		}
	}()
	defer close(draw)
	pin(0)
	defer runtime.UnlockOSThread()
	copies := opaqueCopies[:len(opaqueCopies):len(opaqueCopies)]
	for _, c := range []int{0, len(opaqueCopies) - 1} { // fused and copy, once a frame
		copies = append(copies, opaqueCopies[c])
		copies[len(copies)-1].name += "-idle"
	}
	for _, bc := range copies {
		idle := strings.HasSuffix(bc.name, "-idle")
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(w * h * 4))
			v := uint32(0)
			for b.Loop() {
				b.StopTimer()
				if idle {
					time.Sleep(16 * time.Millisecond)
				}
				v++
				draw <- v
				<-drawn
				b.StartTimer()
				for y := 0; y < h; y++ {
					bc.fn(dst[y*w:(y+1)*w], src[y*w:(y+1)*w])
				}
				storeFence() // once a frame, as Render does
			}
		})
	}
}

// TestConvert: every pixel converted (R and B exchanged when swap, ORed
// with or), in place too, and nothing past
// the row written, for every length up to 100, at every alignment of dst
// and src, with either kind of stores.
func TestConvert(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 100; n++ {
		for off := range 8 {
			for _, c := range []struct {
				or           uint32
				swap, nt, in bool
			}{
				{alphaMask, false, false, false}, {alphaMask, false, true, false},
				{alphaMask, true, false, false}, {alphaMask, true, true, false},
				{0, true, false, false}, {0, true, true, false},
				{alphaMask, true, false, true}, {0, true, false, true}, {alphaMask, false, false, true},
				{0, true, true, true}, {alphaMask, true, true, true},
			} {
				buf := make([]uint32, n+16)
				for i := range buf {
					buf[i] = 0x12345678
				}
				dst := buf[off : off+n]
				src := make([]uint32, n+8)[off : off+n]
				if c.in {
					src = dst
				}
				want := make([]uint32, n)
				for i := range src {
					src[i] = rng.Uint32()
					want[i] = src[i] | c.or
					if c.swap {
						want[i] = src[i]&0xff00ff00 | src[i]>>16&0xff | src[i]&0xff<<16 | c.or
					}
				}
				convert(dst, src, c.or, c.swap, c.nt)
				storeFence()
				for i := range want {
					if dst[i] != want[i] {
						t.Fatalf("%d pixels at offset %d, %+v: pixel %d = %#08x, want %#08x", n, off, c, i, dst[i], want[i])
					}
				}
				for i := off + n; i < len(buf); i++ {
					if buf[i] != 0x12345678 {
						t.Fatalf("%d pixels at offset %d, %+v: wrote past the row at %d", n, off, c, i-off)
					}
				}
			}
		}
	}
}

// TestGather: gather reads the pixel at every column given, in any order
// and repeated, for every length up to 70.
func TestGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pix := make([]uint32, 300)
	for i := range pix {
		pix[i] = rng.Uint32()
	}
	for n := 0; n <= 70; n++ {
		for range 20 {
			cols := make([]int, n)
			cmax := 0
			for i := range cols {
				cols[i] = rng.IntN(len(pix))
				cmax = max(cmax, cols[i])
			}
			dst := make([]uint32, n+1)
			dst[n] = 0x12345678
			gather(dst[:n], pix, cols, cmax, nil)
			for i, c := range cols {
				if dst[i] != pix[c] {
					t.Fatalf("%d pixels: pixel %d = %#08x, want pix[%d] = %#08x", n, i, dst[i], c, pix[c])
				}
			}
			if dst[n] != 0x12345678 {
				t.Fatalf("%d pixels: wrote past the row", n)
			}
		}
	}
}

// beforeGuard returns a page of pixels whose last is the last before a
// PROT_NONE page: a read past it faults.
func beforeGuard(t *testing.T) []uint32 {
	const page = 4096
	guarded, err := unix.Mmap(-1, 0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(guarded) })
	if err := unix.Mprotect(guarded[page:], unix.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	end, _ := asPixels(guarded[:page])
	return end
}

// TestGatherPermutes: with its plan, gather reads the same pixels for the
// columns of a row scaled up by 2, 3, 1.5, 1.25 and 7/3, shown as it is,
// mirrored, shrunk to a half (mirrored too) and to two thirds, at every
// length up to 70, from a row whose pixel cmax is the last before a
// PROT_NONE page (a block's load there starts at cmax-7, or cmax-15 for
// 16 pixels; one past it would fault); the plan takes every whole block
// of those, and none of a row shrunk to a third or of columns apart. The
// row its loads prefetch lies past the guard page or gigabytes away: a
// prefetch never faults.
func TestGatherPermutes(t *testing.T) {
	end := beforeGuard(t)
	rng := rand.New(rand.NewPCG(5, 6))
	pix := make([]uint32, 300)
	for i := range pix {
		pix[i] = rng.Uint32()
	}
	for _, c := range []struct {
		name string
		col  func(i, n int) int
		all  bool // the plan takes every whole block
	}{
		{"2x", func(i, _ int) int { return 10 + i/2 }, true},
		{"3x", func(i, _ int) int { return i / 3 }, true},
		{"1.5x", func(i, _ int) int { return 7 + i*2/3 }, true},
		{"1.25x", func(i, _ int) int { return i * 4 / 5 }, true},
		{"7/3", func(i, _ int) int { return 100 + i*3/7 }, true},
		{"1x", func(i, _ int) int { return 3 + i }, true},
		{"mirrored", func(i, n int) int { return 40 + n - 1 - i }, true},
		{"half", func(i, _ int) int { return 5 + 2*i }, true},
		{"2/3", func(i, _ int) int { return i * 3 / 2 }, true},
		{"half, mirrored", func(i, n int) int { return 2 * (n - 1 - i) }, true},
		{"third", func(i, _ int) int { return 3 * i }, false},
		{"apart", func(i, _ int) int { return (i * 37) % 250 }, false},
	} {
		for n := 0; n <= 70; n++ {
			cols := make([]int, n)
			cmax := 0
			for i := range cols {
				cols[i] = c.col(i, n)
				cmax = max(cmax, cols[i])
			}
			var pm permutes
			pm.plan(cols, cmax)
			if want := n &^ 7; haveBlocks() && cmax >= 7 && want > 8 && (pm.n == want) != c.all {
				t.Fatalf("%s, %d pixels: the plan takes %d, want all %d: %v", c.name, n, pm.n, want, c.all)
			}
			row := end[len(end)-cmax-1:]
			copy(row, pix)
			dst := make([]uint32, n+1)
			dst[n] = 0x12345678
			// The row to prefetch (permutes.ahead): past the guard
			// page, or far away; a prefetch never faults.
			pm.ahead = []int{0, cmax + 1, 1 << 30, -1 << 30}[n%4]
			func() {
				defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s, %d pixels: gather faulted: %v", c.name, n, r)
					}
				}()
				gather(dst[:n], row, cols, cmax, &pm)
			}()
			for i, col := range cols {
				if dst[i] != pix[col] {
					t.Fatalf("%s, %d pixels: pixel %d = %#08x, want pix[%d] = %#08x", c.name, n, i, dst[i], col, pix[col])
				}
			}
			if dst[n] != 0x12345678 {
				t.Fatalf("%s, %d pixels: wrote past the row", c.name, n)
			}
		}
	}
}

// TestTranspose16 transposes lines of 16 pixels (gatherBand's) read down
// a column, forwards and backwards, at every count of columns to 40,
// from rows whose last ends just before a PROT_NONE page (which the
// prefetch of the next band's lines reaches, never a fault): each pixel lands
// in its place, and nothing past the lines is read or written.
func TestTranspose16(t *testing.T) {
	end := beforeGuard(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range end {
		end[i] = rng.Uint32()
	}
	const stride = 19 // pixels from one buffer row to the next
	for _, backwards := range []bool{false, true} {
		// The next band's lines prefetched from the last rows lie in
		// the guard page, or backwards: never a fault.
		ahead := 64
		if backwards {
			ahead = -64
		}
		for n := 0; n <= 40; n++ {
			cols := make([]int, n)
			cmax := 0
			for x := range cols {
				cols[x] = x * stride
				if backwards {
					cols[x] = (n - 1 - x) * stride
				}
				cmax = max(cmax, cols[x])
			}
			pix := end[len(end)-cmax-16:]
			const nn = 43 // the band's row length, more than n
			dst := make([]uint32, 16*nn+1)
			dst[16*nn] = 0x12345678
			func() {
				defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%d columns (backwards %v): faulted: %v", n, backwards, r)
					}
				}()
				transpose16(dst[:16*nn], nn, pix, cols, cmax, ahead)
			}()
			for x, c := range cols {
				for d := range 16 {
					if got, want := dst[d*nn+x], pix[c+d]; got != want {
						t.Fatalf("%d columns (backwards %v): row %d, column %d = %#08x, want %#08x", n, backwards, d, x, got, want)
					}
				}
			}
			for d := range 16 {
				for x := n; x < nn; x++ {
					if dst[d*nn+x] != 0 {
						t.Fatalf("%d columns (backwards %v): row %d, column %d written", n, backwards, d, x)
					}
				}
			}
			if dst[16*nn] != 0x12345678 {
				t.Fatalf("%d columns: written past the band", n)
			}
		}
	}
}
