//go:build !purego

#include "textflag.h"

// Byte order of a pixel after packing its 16-bit lanes (B, R, G, A, as
// blend.go's spread lays them out) to bytes: B, G, R, A is 0xAARRGGBB.
DATA vmixShuf<>+0(SB)/8, $0x0705060403010200
DATA vmixShuf<>+8(SB)/8, $0x0f0d0e0c0b090a08
GLOBL vmixShuf<>(SB), RODATA|NOPTR, $16

// func vmixAVX2(dst *uint32, t, u *uint64, n int, wy uint32)
//
// vmixRow on n pixels, n a multiple of 8, 8 at a time: the lanes of t and
// u are interleaved word by word, so that one VPMADDWD with the weights
// (one-wy, wy) gives t*(one-wy) + u*wy per channel in 32 bits (a channel
// of t or u is at most 255*128, a positive signed 16-bit word); then
// the rounding and the shift by 14, and the packs back to bytes.
TEXT ·vmixAVX2(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ t+8(FP), SI
	MOVQ u+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   done
	MOVL wy+32(FP), AX
	MOVL $128, BX
	SUBL AX, BX
	SHLL $16, AX
	ORL  BX, AX // (one-wy) in the low word, wy in the high one
	VMOVQ AX, X15
	VPBROADCASTD X15, Y15
	MOVL $8192, AX
	VMOVQ AX, X14
	VPBROADCASTD X14, Y14
	VBROADCASTI128 vmixShuf<>(SB), Y13

loop:
	VMOVDQU    0(SI), Y0  // t, pixels 0-3
	VMOVDQU    32(SI), Y1 // t, pixels 4-7
	VMOVDQU    0(DX), Y2  // u, pixels 0-3
	VMOVDQU    32(DX), Y3 // u, pixels 4-7
	VPUNPCKLWD Y2, Y0, Y4 // pixels 0 and 2, channels of t and u in turn
	VPUNPCKHWD Y2, Y0, Y5 // pixels 1 and 3
	VPUNPCKLWD Y3, Y1, Y6 // pixels 4 and 6
	VPUNPCKHWD Y3, Y1, Y7 // pixels 5 and 7
	VPMADDWD   Y15, Y4, Y4
	VPMADDWD   Y15, Y5, Y5
	VPMADDWD   Y15, Y6, Y6
	VPMADDWD   Y15, Y7, Y7
	VPADDD     Y14, Y4, Y4
	VPADDD     Y14, Y5, Y5
	VPADDD     Y14, Y6, Y6
	VPADDD     Y14, Y7, Y7
	VPSRLD     $14, Y4, Y4
	VPSRLD     $14, Y5, Y5
	VPSRLD     $14, Y6, Y6
	VPSRLD     $14, Y7, Y7
	VPACKUSDW  Y5, Y4, Y4 // words of pixels 0, 1 | 2, 3
	VPACKUSDW  Y7, Y6, Y6 // 4, 5 | 6, 7
	VPACKUSWB  Y6, Y4, Y4 // bytes of pixels 0, 1, 4, 5 | 2, 3, 6, 7
	VPERMQ     $0xd8, Y4, Y4
	VPSHUFB    Y13, Y4, Y4
	VMOVDQU    Y4, 0(DI)
	ADDQ       $64, SI
	ADDQ       $64, DX
	ADDQ       $32, DI
	DECQ       CX
	JNZ        loop
	VZEROUPPER

done:
	RET

// func vmixSrcAVX2(v *uint64, a, c *uint32, n int, w, or uint32)
//
// vmixSrc on n pixels, n a multiple of 8, 8 at a time: the bytes of a and
// c (ORed with or) interleaved, so that one VPMADDUBSW with the weight
// bytes (w0, w1) gives a*w0 + c*w1 per channel in a word, and vRound is
// added (at most 255*128 + 64: no saturation). The VPERMQs put pixels
// 0-3 in the low qwords of the two 128-bit lanes, which the unpacks
// take. The prefetches a page ahead carry the reads of a cold client
// buffer across page boundaries, where the hardware's stream prefetch
// stops (docs/benchmarks.md, "Rows first"); a prefetch past the end of
// a mapping, or of a truncated file, is dropped, never a fault.
TEXT ·vmixSrcAVX2(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ c+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   vsdone
	MOVL w+32(FP), AX
	VMOVQ AX, X15
	VPBROADCASTW X15, Y15
	MOVL or+36(FP), AX
	VMOVQ AX, X14
	VPBROADCASTD X14, Y14
	MOVL $64, AX
	VMOVQ AX, X13
	VPBROADCASTW X13, Y13 // vRound

vsloop:
	PREFETCHT0 4096(SI)
	PREFETCHT0 4096(DX)
	VPOR       0(SI), Y14, Y0
	VPOR       0(DX), Y14, Y1
	VPERMQ     $0xd8, Y0, Y0 // pixels 0, 1, 4, 5 | 2, 3, 6, 7
	VPERMQ     $0xd8, Y1, Y1
	VPUNPCKLBW Y1, Y0, Y2    // pixels 0-3, bytes of a and c in turn
	VPUNPCKHBW Y1, Y0, Y3    // pixels 4-7
	VPMADDUBSW Y15, Y2, Y2
	VPMADDUBSW Y15, Y3, Y3
	VPADDW     Y13, Y2, Y2
	VPADDW     Y13, Y3, Y3
	VMOVDQU    Y2, 0(DI)
	VMOVDQU    Y3, 32(DI)
	ADDQ       $32, SI
	ADDQ       $32, DX
	ADDQ       $64, DI
	DECQ       CX
	JNZ        vsloop
	VZEROUPPER

vsdone:
	RET

// The hmixRound routines' shared steps. HMIX_PAIRS loads the pairs of
// lane groups of the group of 8 pixels whose columns R8 points at, from
// the lanes at SI, into Y0-Y3 (register j: pixels j and j+4, HMIX_PAIR),
// their words interleaved by the shuffle mask in Y15 (AX and BX
// scratch). HMIX_STORE takes Y0-Y3 after VPMADDWD: the shift by 14, the
// packs to bytes, the store of 8 pixels at DI, and their AND into Y13.
// AND_Y13_AX reduces Y13 to one pixel in AX.
#define HMIX_PAIR(lo, hi, X, Y) \
	MOVL        lo(R8), AX;               \
	MOVL        hi(R8), BX;               \
	VMOVDQU     (SI)(AX*8), X;            \
	VINSERTI128 $1, (SI)(BX*8), Y, Y

#define HMIX_PAIRS \
	HMIX_PAIR(0, 16, X0, Y0);  \
	HMIX_PAIR(4, 20, X1, Y1);  \
	HMIX_PAIR(8, 24, X2, Y2);  \
	HMIX_PAIR(12, 28, X3, Y3); \
	VPSHUFB     Y15, Y0, Y0;   \
	VPSHUFB     Y15, Y1, Y1;   \
	VPSHUFB     Y15, Y2, Y2;   \
	VPSHUFB     Y15, Y3, Y3

#define HMIX_STORE \
	VPSRLD    $14, Y0, Y0; \
	VPSRLD    $14, Y1, Y1; \
	VPSRLD    $14, Y2, Y2; \
	VPSRLD    $14, Y3, Y3; \
	VPACKUSDW Y1, Y0, Y0;  \
	VPACKUSDW Y3, Y2, Y2;  \
	VPACKUSWB Y2, Y0, Y0;  \
	VMOVDQU   Y0, 0(DI);   \
	VPAND     Y0, Y13, Y13

#define AND_Y13_AX \
	VEXTRACTI128 $1, Y13, X0; \
	VPAND        X0, X13, X13; \
	VPSHUFD      $0x4e, X13, X0; \
	VPAND        X0, X13, X13; \
	VPSHUFD      $0xb1, X13, X0; \
	VPAND        X0, X13, X13; \
	VMOVD        X13, AX

// The words of a pixel pair (a, b) interleaved: aB bB aG bG aR bR aA bA,
// from lanes B, G, R, A (hrShuf) or R, G, B, A (hrShufSwap).
DATA hrShuf<>+0(SB)/8, $0x0b0a030209080100
DATA hrShuf<>+8(SB)/8, $0x0f0e07060d0c0504
GLOBL hrShuf<>(SB), RODATA|NOPTR, $16
DATA hrShufSwap<>+0(SB)/8, $0x0b0a03020d0c0504
DATA hrShufSwap<>+8(SB)/8, $0x0f0e070609080100
GLOBL hrShufSwap<>(SB), RODATA|NOPTR, $16

// VPERMD's indices that spread a group's weights: register j takes the
// weight of pixel j in its low lane's dwords and of pixel j+4 in its
// high lane's.
DATA hrPerm<>+0(SB)/8, $0x0000000000000000
DATA hrPerm<>+8(SB)/8, $0x0000000000000000
DATA hrPerm<>+16(SB)/8, $0x0000000400000004
DATA hrPerm<>+24(SB)/8, $0x0000000400000004
DATA hrPerm<>+32(SB)/8, $0x0000000100000001
DATA hrPerm<>+40(SB)/8, $0x0000000100000001
DATA hrPerm<>+48(SB)/8, $0x0000000500000005
DATA hrPerm<>+56(SB)/8, $0x0000000500000005
DATA hrPerm<>+64(SB)/8, $0x0000000200000002
DATA hrPerm<>+72(SB)/8, $0x0000000200000002
DATA hrPerm<>+80(SB)/8, $0x0000000600000006
DATA hrPerm<>+88(SB)/8, $0x0000000600000006
DATA hrPerm<>+96(SB)/8, $0x0000000300000003
DATA hrPerm<>+104(SB)/8, $0x0000000300000003
DATA hrPerm<>+112(SB)/8, $0x0000000700000007
DATA hrPerm<>+120(SB)/8, $0x0000000700000007
GLOBL hrPerm<>(SB), RODATA|NOPTR, $128

// func hmixRoundAVX2(dst *uint32, v *uint64, c *int32, wt *uint32, n int, swap bool) uint32
//
// hmixRound on n pixels, n a multiple of 8, 8 at a time: each pixel's
// pair of lane groups (v[c[i]], v[c[i]+1], 16 bytes) loaded, its words
// interleaved, and one VPMADDWD with the pixel's (one-wx, wx) gives
// a*(one-wx) + b*wx per channel in a dword (at most (255*128+64)*128,
// vmixSrc's vRound making the sum the rounded one); then the shift by
// 14 and the packs to bytes. Register j holds pixels j and j+4, so that
// the packs leave pixels 0-7 in order (hrPerm spreads the group's
// weights so). It returns the AND of the pixels it wrote.
TEXT ·hmixRoundAVX2(SB), NOSPLIT, $0-52
	MOVQ dst+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ c+16(FP), R8
	MOVQ wt+24(FP), R10
	MOVQ n+32(FP), CX
	MOVL $-1, AX
	SHRQ $3, CX
	JZ   hrdone
	VPCMPEQD Y13, Y13, Y13 // the AND so far
	LEAQ     hrShuf<>(SB), AX
	CMPB     swap+40(FP), $0
	JEQ      hrshuf
	LEAQ     hrShufSwap<>(SB), AX

hrshuf:
	VBROADCASTI128 (AX), Y15
	VMOVDQU hrPerm<>+0(SB), Y8
	VMOVDQU hrPerm<>+32(SB), Y9
	VMOVDQU hrPerm<>+64(SB), Y10
	VMOVDQU hrPerm<>+96(SB), Y11

hrloop:
	HMIX_PAIRS
	VMOVDQU     0(R10), Y12 // the group's 8 weights
	VPERMD      Y12, Y8, Y4
	VPERMD      Y12, Y9, Y5
	VPERMD      Y12, Y10, Y6
	VPERMD      Y12, Y11, Y7
	VPMADDWD    Y4, Y0, Y0
	VPMADDWD    Y5, Y1, Y1
	VPMADDWD    Y6, Y2, Y2
	VPMADDWD    Y7, Y3, Y3
	HMIX_STORE
	ADDQ        $32, R8
	ADDQ        $32, R10
	ADDQ        $32, DI
	DECQ        CX
	JNZ         hrloop
	AND_Y13_AX
	VZEROUPPER

hrdone:
	MOVL AX, ret+48(FP)
	RET

// func hmixRoundTabAVX2(dst *uint32, v *uint64, c *int32, tab *uint32, n, groups int, swap bool) uint32
//
// hmixRoundAVX2 with the weights already spread (hmixRepeat): 128 bytes a
// group of 8 pixels, the four registers hrPerm would make, read as
// VPMADDWD's memory operand. The table holds groups groups and is read
// again from its start after the last: a column mapping whose weights
// repeat (a scale of p/q repeats every q output pixels) needs a table
// of lcm(8, q) pixels, which stays in the first-level cache.
TEXT ·hmixRoundTabAVX2(SB), NOSPLIT, $0-60
	MOVQ dst+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ c+16(FP), R8
	MOVQ tab+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ groups+40(FP), R11
	MOVL $-1, AX
	SHRQ $3, CX
	JZ   htdone
	VPCMPEQD Y13, Y13, Y13 // the AND so far
	LEAQ     hrShuf<>(SB), AX
	CMPB     swap+48(FP), $0
	JEQ      htshuf
	LEAQ     hrShufSwap<>(SB), AX

htshuf:
	VBROADCASTI128 (AX), Y15
	MOVQ           R9, R10
	MOVQ           R11, R12

htloop:
	HMIX_PAIRS
	VPMADDWD    0(R10), Y0, Y0
	VPMADDWD    32(R10), Y1, Y1
	VPMADDWD    64(R10), Y2, Y2
	VPMADDWD    96(R10), Y3, Y3
	HMIX_STORE
	ADDQ        $32, R8
	ADDQ        $128, R10
	ADDQ        $32, DI
	DECQ        R12
	JNZ         htnext
	MOVQ        R9, R10 // the table again
	MOVQ        R11, R12

htnext:
	DECQ CX
	JNZ  htloop
	AND_Y13_AX
	VZEROUPPER

htdone:
	MOVL AX, ret+56(FP)
	RET

// hperm's shuffles: the pair of pixels (a, b) in each 8 bytes of a lane
// interleaved byte by byte, aB bB aG bG aR bR aA bA, from pixels in
// 0xAARRGGBB's byte order (hpShuf) or with R and B exchanged
// (hpShufSwap).
DATA hpShuf<>+0(SB)/8, $0x0703060205010400
DATA hpShuf<>+8(SB)/8, $0x0f0b0e0a0d090c08
DATA hpShuf<>+16(SB)/8, $0x0703060205010400
DATA hpShuf<>+24(SB)/8, $0x0f0b0e0a0d090c08
GLOBL hpShuf<>(SB), RODATA|NOPTR, $32
DATA hpShufSwap<>+0(SB)/8, $0x0703040005010602
DATA hpShufSwap<>+8(SB)/8, $0x0f0b0c080d090e0a
DATA hpShufSwap<>+16(SB)/8, $0x0703040005010602
DATA hpShufSwap<>+24(SB)/8, $0x0f0b0c080d090e0a
GLOBL hpShufSwap<>(SB), RODATA|NOPTR, $32

// func hpermAVX2(h *uint64, src *uint32, tab *permEntry, groups int, swap bool, or uint32)
//
// hperm on groups groups of 4 output pixels: for each, the 8 source
// pixels from the entry's base (ORed with or), each output pixel's pair
// put side by side by one VPERMD with the entry's indices, their bytes
// interleaved (the shuffle also puts B first where swap), and one
// VPMADDUBSW with the entry's weight bytes gives a*w0 + b*w1 per channel
// in a word (at most 255*128), to which vRound is added. The prefetch a
// page ahead carries the reads of a cold client buffer across page
// boundaries, as vmixSrcAVX2's does.
TEXT ·hpermAVX2(SB), NOSPLIT, $0-40
	MOVQ  h+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  tab+16(FP), R8
	MOVQ  groups+24(FP), CX
	TESTQ CX, CX
	JZ    hpdone
	LEAQ  hpShuf<>(SB), AX
	CMPB  swap+32(FP), $0
	JEQ   hpshuf
	LEAQ  hpShufSwap<>(SB), AX

hpshuf:
	VMOVDQU      (AX), Y15
	MOVL         or+36(FP), AX
	VMOVQ        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         $64, AX
	VMOVQ        AX, X13
	VPBROADCASTW X13, Y13 // vRound

hploop:
	MOVL       0(R8), AX
	PREFETCHT0 4096(SI)(AX*4)
	VPOR       (SI)(AX*4), Y14, Y0
	VPMOVZXBD  8(R8), Y1
	VPERMD     Y0, Y1, Y0
	VPSHUFB    Y15, Y0, Y0
	VPMADDUBSW 16(R8), Y0, Y0
	VPADDW     Y13, Y0, Y0
	VMOVDQU    Y0, 0(DI)
	ADDQ       $48, R8
	ADDQ       $32, DI
	DECQ       CX
	JNZ        hploop
	VZEROUPPER

hpdone:
	RET

// VMUL_STORE packs the words of pixels 0-3 (Y0) and 4-7 (Y1) to bytes,
// stores the 8 pixels at DI and ANDs them into Y13.
#define VMUL_STORE \
	VPACKUSWB Y1, Y0, Y0;   \
	VPERMQ    $0xd8, Y0, Y0; \
	VMOVDQU   Y0, 0(DI);    \
	VPAND     Y0, Y13, Y13

// func vmulAVX2(dst *uint32, a, c *uint64, n int, w uint32, half bool) uint32
//
// vmul on n pixels, n a multiple of 8, 8 at a time, for w at most 63
// (shifted left by 9 in the operand) or half: each channel is
// (a + (c-a)*w/128) >> 7, the quotient taken by VPMULHW (c-a fits a
// signed word, and w<<9 does for w < 64), or (a+c) >> 8 where half. It
// returns the AND of the pixels it wrote.
TEXT ·vmulAVX2(SB), NOSPLIT, $0-44
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ c+16(FP), DX
	MOVQ n+24(FP), CX
	MOVL $-1, AX
	SHRQ $3, CX
	JZ   vmdone
	VPCMPEQD Y13, Y13, Y13 // the AND so far
	CMPB     half+36(FP), $0
	JNE      vmhalf
	MOVL     w+32(FP), AX
	SHLL     $9, AX
	VMOVQ    AX, X15
	VPBROADCASTW X15, Y15

vmloop:
	VMOVDQU 0(SI), Y0  // a, pixels 0-3
	VMOVDQU 32(SI), Y1 // a, pixels 4-7
	VMOVDQU 0(DX), Y2
	VMOVDQU 32(DX), Y3
	VPSUBW  Y0, Y2, Y2 // c-a
	VPSUBW  Y1, Y3, Y3
	VPMULHW Y15, Y2, Y2
	VPMULHW Y15, Y3, Y3
	VPADDW  Y2, Y0, Y0
	VPADDW  Y3, Y1, Y1
	VPSRLW  $7, Y0, Y0
	VPSRLW  $7, Y1, Y1
	VMUL_STORE
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     vmloop
	JMP     vmend

vmhalf:
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VPADDW  0(DX), Y0, Y0 // at most 2*(255*128+64): no carry out
	VPADDW  32(DX), Y1, Y1
	VPSRLW  $8, Y0, Y0
	VPSRLW  $8, Y1, Y1
	VMUL_STORE
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     vmhalf

vmend:
	AND_Y13_AX
	VZEROUPPER

vmdone:
	MOVL AX, ret+40(FP)
	RET
