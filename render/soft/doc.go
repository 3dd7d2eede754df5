// Package soft is nofault's pure-Go renderer: it needs no cgo and no GPU,
// and it is what the headless backend, CGO_ENABLED=0 builds and the
// nested window on a host without a GPU use.
//
// Textures and the output are premultiplied ARGB pixels, one uint32 per
// pixel (0xAARRGGBB): Go-owned, or for the output memory lent to the
// renderer (OutputMemory: the nested window's MIT-SHM image, which the X
// server shows as it is). Scenes are drawn with the Porter-Duff
// "over" operator in exact 8-bit integer arithmetic (the same rounding as
// pixman), opaque items as plain row copies. Buffer transforms, integer
// buffer scales and source crops are sampled nearest-neighbour.
//
// Opaque runs of ARGB rows are copied and alpha-tested in one pass
// (copyOpaque): on amd64 with AVX2 in Go assembly; elsewhere, and with
// -tags purego, in portable Go. The assembly stores either way: plain
// stores, or non-temporal ones fenced once per frame. Into lent output
// memory, which its reader takes right after the frame, they are plain;
// into the renderer's own output, renders of 1 MiB and more take the kind
// that has cost the process less CPU on this host for renders of their
// size, measured as it goes, and smaller ones non-temporal stores
// (storeChooser; NOFAULT_SOFT_STORES fixes the kind).
// No cgo either way.
package soft
