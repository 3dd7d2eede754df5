package shm

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestCheckCreatePool(t *testing.T) {
	for _, tc := range []struct {
		size int32
		ok   bool
	}{{1, true}, {4096, true}, {math.MaxInt32, true}, {0, false}, {-1, false}, {math.MinInt32, false}} {
		err := CheckCreatePool(tc.size)
		if tc.ok {
			if err != nil {
				t.Errorf("CheckCreatePool(%d) = %v", tc.size, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != InvalidStride || e.Msg != "invalid size ("+itoa(tc.size)+")" {
			t.Errorf("CheckCreatePool(%d) = %v, want invalid_stride invalid size", tc.size, err)
		}
	}
}

func itoa(v int32) string { return big.NewInt(int64(v)).String() }

func TestCheckBuffer(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name                          string
		pool                          int64
		offset, width, height, stride int32
		format                        Format
		code                          ErrorCode // ignored when ok
		msg                           string
		ok                            bool
	}{
		{"exact fit", mib, 0, 512, 512, 2048, FormatARGB8888, 0, "", true},
		{"exact fit at offset", mib, 2048, 512, 511, 2048, FormatXRGB8888, 0, "", true},
		{"abgr", 4096, 0, 16, 16, 64, FormatABGR8888, 0, "", true},
		{"xbgr padded stride", 4096, 0, 15, 16, 64, FormatXBGR8888, 0, "", true},
		{"unknown format", mib, 0, 512, 512, 2048, 0x3231564e, InvalidFormat, "invalid format 0x3231564e", false},
		{"format before geometry", mib, -1, 0, 0, 0, 0x12345678, InvalidFormat, "invalid format 0x12345678", false},
		{"negative offset", mib, -1, 512, 512, 2048, FormatARGB8888, InvalidStride, "invalid width, height or stride (512x512, 2048)", false},
		{"zero width", mib, 0, 0, 512, 2048, FormatARGB8888, InvalidStride, "invalid width, height or stride (0x512, 2048)", false},
		{"negative width", mib, 0, -5, 512, 2048, FormatARGB8888, InvalidStride, "invalid width, height or stride (-5x512, 2048)", false},
		{"zero height", mib, 0, 512, 0, 2048, FormatARGB8888, InvalidStride, "invalid width, height or stride (512x0, 2048)", false},
		{"negative stride printed unsigned", mib, 0, 512, 512, -4, FormatARGB8888, InvalidStride, "invalid width, height or stride (512x512, 4294967292)", false},
		{"stride < width", mib, 0, 512, 512, 511, FormatARGB8888, InvalidStride, "invalid width, height or stride (512x512, 511)", false},
		{"int32 overflow", math.MaxInt32, 0, 1, 65536, 65536, FormatARGB8888, InvalidStride, "invalid width, height or stride (1x65536, 65536)", false},
		{"past pool end", mib, 4, 512, 512, 2048, FormatARGB8888, InvalidStride, "invalid width, height or stride (512x512, 2048)", false},
		{"stride < width*4", mib, 0, 512, 512, 512, FormatARGB8888, InvalidStride, "invalid stride 512 for width 512 and format 0x0 (4 bytes per pixel)", false},
		{"stride not multiple of 4", 2 * mib, 0, 512, 512, 2050, FormatARGB8888, InvalidStride, "invalid stride 2050 for width 512 and format 0x0 (4 bytes per pixel)", false},
		{"huge pool, max sizes", math.MaxInt32, 0, math.MaxInt32 / 4, 1, math.MaxInt32 - 3, FormatARGB8888, 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBuffer(tc.pool, tc.offset, tc.width, tc.height, tc.stride, tc.format)
			if tc.ok {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Msg != tc.msg {
				t.Fatalf("err = %v, want %v %q", err, tc.code, tc.msg)
			}
		})
	}
}

// checkBufferRef is CheckBuffer in arbitrary precision: the reference for
// the fuzz target.
func checkBufferRef(pool int64, offset, width, height, stride int32, f Format) (ErrorCode, bool) {
	if !f.Supported() {
		return InvalidFormat, false
	}
	B := func(v int64) *big.Int { return big.NewInt(v) }
	o, w, h, s := B(int64(offset)), B(int64(width)), B(int64(height)), B(int64(stride))
	zero := B(0)
	if o.Cmp(zero) < 0 || w.Cmp(zero) <= 0 || h.Cmp(zero) <= 0 || s.Cmp(w) < 0 {
		return InvalidStride, false
	}
	if new(big.Int).Quo(B(math.MaxInt32), s).Cmp(h) < 0 {
		return InvalidStride, false
	}
	if o.Cmp(new(big.Int).Sub(B(pool), new(big.Int).Mul(s, h))) > 0 {
		return InvalidStride, false
	}
	if s.Cmp(new(big.Int).Mul(w, B(4))) < 0 || new(big.Int).Rem(s, B(4)).Sign() != 0 {
		return InvalidStride, false
	}
	return 0, true
}

func FuzzCheckBuffer(f *testing.F) {
	f.Add(int64(1<<20), int32(0), int32(512), int32(512), int32(2048), uint32(0))
	f.Add(int64(math.MaxInt32), int32(0), int32(1), int32(65536), int32(65536), uint32(1))
	f.Add(int64(-1), int32(math.MinInt32), int32(-1), int32(math.MaxInt32), int32(math.MaxInt32), uint32(FormatABGR8888))
	f.Fuzz(func(t *testing.T, pool int64, offset, width, height, stride int32, format uint32) {
		err := CheckBuffer(pool, offset, width, height, stride, Format(format))
		code, ok := checkBufferRef(pool, offset, width, height, stride, Format(format))
		if ok != (err == nil) {
			t.Fatalf("CheckBuffer(%d, %d, %d, %d, %d, %#x) = %v, reference ok=%v", pool, offset, width, height, stride, format, err, ok)
		}
		var e *Error
		if !ok && (!errors.As(err, &e) || e.Code != code) {
			t.Fatalf("CheckBuffer(%d, %d, %d, %d, %d, %#x) = %v, reference code %v", pool, offset, width, height, stride, format, err, code)
		}
		if ok && int64(offset)+int64(stride)*int64(height) > pool {
			t.Fatalf("accepted a buffer past the pool end")
		}
	})
}
