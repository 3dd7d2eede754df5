// Package soft is nofault's pure-Go renderer: it needs no cgo and no GPU,
// and it is what the headless backend, CGO_ENABLED=0 builds and the
// nested window on a host without a GPU use.
//
// Textures and the output are premultiplied ARGB pixels, one uint32 per
// pixel (0xAARRGGBB): Go-owned, or for the output memory lent to the
// renderer (OutputMemory: the nested window's MIT-SHM image, which the X
// server shows as it is). Scenes are drawn with the Porter-Duff
// "over" operator in exact 8-bit integer arithmetic (the same rounding as
// pixman), opaque items as plain row copies. Buffer transforms, buffer
// scales and source crops are sampled as render's filter.go says:
// nearest-neighbour where one size is a whole multiple of the other,
// linearly (drawLinear) at other ratios, such as a fractional output
// scale.
//
// Opaque runs of ARGB rows are copied and alpha-tested in one pass
// (copyOpaque): on amd64 with AVX2 in Go assembly, with non-temporal stores
// fenced once per frame (plain ones into lent output memory, which its
// reader takes right after the frame, and with NOFAULT_SOFT_STORES=plain);
// elsewhere, and with -tags purego, in portable Go.
// No cgo either way.
package soft
