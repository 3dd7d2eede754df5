// Package soft is nofault's pure-Go renderer: it needs no cgo and no GPU,
// and it is what the headless backend and CGO_ENABLED=0 builds use.
//
// Textures and the output are Go-owned premultiplied ARGB pixels, one
// uint32 per pixel (0xAARRGGBB). Scenes are drawn with the Porter-Duff
// "over" operator in exact 8-bit integer arithmetic (the same rounding as
// pixman), opaque items as plain row copies. Buffer transforms, integer
// buffer scales and source crops are sampled nearest-neighbour.
//
// Opaque runs of ARGB rows are copied and alpha-tested in one pass
// (copyOpaque): on amd64 with AVX2 in Go assembly, with non-temporal stores
// fenced once per frame; elsewhere, and with -tags purego, in portable Go.
// No cgo either way.
package soft
