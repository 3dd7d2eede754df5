//go:build !purego

#include "textflag.h"
#include "rows_amd64.h"

// func copyOpaqueAVX2(dst, src *uint32, n int, nt bool) int
//
// Copies src to dst in blocks of 8 pixels while every pixel of a block has
// alpha 255, stopping before the first block that has not or before fewer
// than 8 pixels remain; returns the pixels copied. Blocks of 32 are tried
// first: one test of the AND of four 32-byte loads. With nt, where dst is
// on a 64-byte line, the stores are non-temporal, so the output's cache
// lines are not read before being overwritten: the copy is bound by
// memory, and this saves a third of its traffic (nt is false for an
// output another process reads right after the frame: it is better left
// in the caches). The copy then goes in whole lines, blocks of 16 pixels,
// and stops before the first line that is not all opaque or before fewer
// than 16 pixels remain. Non-temporal stores are weakly ordered: the
// caller runs storeFence once it has drawn the frame (a fence per call,
// that is per row, stalled small windows' rows).

// STORE32 stores Y0-Y3 at dst[AX] with the move instruction op.
#define STORE32(op) \
	op Y0, 0(DI)(AX*4);  \
	op Y1, 32(DI)(AX*4); \
	op Y2, 64(DI)(AX*4); \
	op Y3, 96(DI)(AX*4)

TEXT ·copyOpaqueAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	MOVL $0xff000000, DX
	VMOVQ DX, X8
	VPBROADCASTD X8, Y8
	MOVBQZX nt+24(FP), R9
	TESTQ R9, R9
	JZ    loop32
	TESTQ $63, DI
	JZ    ntloop32

loop32:
	LEFT(32)
	JB   loop8
	LOAD32
	JCC  loop8
	STORE32(VMOVDQU)
	ADDQ $32, AX
	JMP  loop32

loop8:
	LEFT(8)
	JB      done
	VMOVDQU 0(SI)(AX*4), Y0
	VPTEST  Y8, Y0
	JCC     done
	VMOVDQU Y0, 0(DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop8

	// dst is on a 64-byte line: the same with non-temporal stores, which
	// skip reading dst's cache lines before writing them. AHEAD128
	// touches the source 4 KiB ahead, the next page of a client's pool,
	// both lines of each 128 bytes, before the loads reach it. A copy
	// once a frame finds the source farther from the core than a copy
	// back to back does
	// (BenchmarkCopyOpaqueCold's -idle cases), and there the prefetch
	// into every level of cache cut a 4K frame in the running compositor
	// by 46 %, where PREFETCHNTA (a hint to keep the lines out of most
	// caches) had cost more than no prefetch at all (docs/benchmarks.md,
	// "Prefetch into every cache"). A prefetch never faults: past the
	// end of the mapping, or on a page a client truncated away, it does
	// nothing (no SIGSEGV, no SIGBUS; TestCopyOpaqueAtTheEndOfAMapping).
ntloop32:
	LEFT(32)
	JB   ntloop16
	AHEAD128
	LOAD32
	JCC  ntloop16
	STORE32(VMOVNTDQ)
	ADDQ $32, AX
	JMP  ntloop32

	// Whole lines only: a line whose other half got plain stores would
	// be flushed in between (compositeRow).
ntloop16:
	LEFT(16)
	JB       done
	VMOVDQU  0(SI)(AX*4), Y0
	VMOVDQU  32(SI)(AX*4), Y1
	VPAND    Y0, Y1, Y4
	VPTEST   Y8, Y4
	JCC      done
	VMOVNTDQ Y0, 0(DI)(AX*4)
	VMOVNTDQ Y1, 32(DI)(AX*4)
	ADDQ     $16, AX
	JMP      ntloop16

done:
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET

// Within each 16-byte lane, the bytes of four pixels in order, or with
// the first and third byte of each pixel exchanged (ABGR8888 to ARGB8888
// and back).
DATA keepShuf<>+0(SB)/8, $0x0706050403020100
DATA keepShuf<>+8(SB)/8, $0x0f0e0d0c0b0a0908
DATA keepShuf<>+16(SB)/8, $0x0706050403020100
DATA keepShuf<>+24(SB)/8, $0x0f0e0d0c0b0a0908
GLOBL keepShuf<>(SB), RODATA|NOPTR, $32
DATA swapShuf<>+0(SB)/8, $0x0704050603000102
DATA swapShuf<>+8(SB)/8, $0x0f0c0d0e0b08090a
DATA swapShuf<>+16(SB)/8, $0x0704050603000102
DATA swapShuf<>+24(SB)/8, $0x0f0c0d0e0b08090a
GLOBL swapShuf<>(SB), RODATA|NOPTR, $32

// CONV(off, r) converts the 8 pixels at src[AX]+off bytes into r: their
// bytes shuffled by Y9, then ORed with Y8.
#define CONV(off, r) \
	VMOVDQU off(SI)(AX*4), r; \
	VPSHUFB Y9, r, r;         \
	VPOR    Y8, r, r

// CONV32 converts the 32 pixels at src[AX] into Y0-Y3.
#define CONV32 \
	CONV(0, Y0);  \
	CONV(32, Y1); \
	CONV(64, Y2); \
	CONV(96, Y3)

// func convertAVX2(dst, src *uint32, n int, or uint32, swap, nt bool) int
//
// Converts src into dst in blocks of 8 pixels, and returns the pixels
// converted (all but fewer than 8): each pixel with its first and third
// bytes exchanged when swap (the ABGR8888 family), then ORed with or
// (alphaMask for the formats whose alpha byte is undefined). The stores
// are those of copyOpaqueAVX2: non-temporal where nt and dst is on a
// 64-byte line, with the source prefetched a page ahead (convert gives
// such a run whole lines).
TEXT ·convertAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	MOVL or+24(FP), DX
	VMOVQ DX, X8
	VPBROADCASTD X8, Y8
	VMOVDQU keepShuf<>(SB), Y9
	MOVBQZX swap+28(FP), R9
	TESTQ R9, R9
	JZ    conv
	VMOVDQU swapShuf<>(SB), Y9

conv:
	MOVBQZX nt+29(FP), R9
	TESTQ R9, R9
	JZ    conv32
	TESTQ $63, DI
	JZ    ntconv32

conv32:
	LEFT(32)
	JB   conv8
	CONV32
	STORE32(VMOVDQU)
	ADDQ $32, AX
	JMP  conv32

conv8:
	LEFT(8)
	JB      convdone
	CONV(0, Y0)
	VMOVDQU Y0, 0(DI)(AX*4)
	ADDQ    $8, AX
	JMP     conv8

ntconv32:
	LEFT(32)
	JB   ntconv8
	AHEAD128
	CONV32
	STORE32(VMOVNTDQ)
	ADDQ $32, AX
	JMP  ntconv32

ntconv8:
	LEFT(8)
	JB       convdone
	CONV(0, Y0)
	VMOVNTDQ Y0, 0(DI)(AX*4)
	ADDQ     $8, AX
	JMP      ntconv8

convdone:
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET

// func gatherAVX2(dst, pix *uint32, cols *int, n int)
//
// Sets dst[i] to pix[cols[i]] for n pixels, n a multiple of 8: two
// VPGATHERQD of 4 pixels each (the columns are 64-bit ints), joined into
// one store. The caller has checked every column against pix. A fault on
// a pixel (a client's buffer cut short) is a fault of the gather, which
// is restartable and reported at its address like a load's.
TEXT ·gatherAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ pix+8(FP), SI
	MOVQ cols+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
	VPCMPEQD X8, X8, X8

gloop:
	CMPQ AX, CX
	JAE  gdone
	VMOVDQU     0(DX)(AX*8), Y0
	VMOVDQU     32(DX)(AX*8), Y1
	VMOVDQA     X8, X2
	VMOVDQA     X8, X4
	VPGATHERQD  X2, (SI)(Y0*4), X3
	VPGATHERQD  X4, (SI)(Y1*4), X5
	VINSERTI128 $1, X5, Y3, Y3
	VMOVDQU     Y3, 0(DI)(AX*4)
	ADDQ        $8, AX
	JMP         gloop

gdone:
	VZEROUPPER
	RET

// func permuteAVX2(dst, pix *uint32, base *int32, idx *uint32, n int, wide bool, ahead int)
TEXT ·permuteAVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ pix+8(FP), SI
	MOVQ base+16(FP), R8
	MOVQ idx+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ ahead+48(FP), R11
	LEAQ (SI)(R11*4), R11
	SHRQ $3, CX
	JZ   pdone
	CMPB wide+40(FP), $0
	JNE  pwide

ploop:
	MOVLQSX (R8), AX
	PREFETCHT0 (R11)(AX*4)
	VMOVDQU (R9), Y1
	VMOVDQU (SI)(AX*4), Y0
	VPERMD  Y0, Y1, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $4, R8
	ADDQ    $32, R9
	ADDQ    $32, DI
	DECQ    CX
	JNZ     ploop
	VZEROUPPER
	RET

	// Wide: the 16 pixels from base in Y0 and Y2; VPERMD takes an index's
	// low 3 bits, and the indices above 7 pick from Y2.
pwide:
	MOVL         $7, AX
	VMOVQ        AX, X7
	VPBROADCASTD X7, Y7

pwloop:
	MOVLQSX   (R8), AX
	PREFETCHT0 (R11)(AX*4)
	VMOVDQU   (R9), Y1
	VMOVDQU   (SI)(AX*4), Y0
	VMOVDQU   32(SI)(AX*4), Y2
	VPERMD    Y0, Y1, Y0
	VPERMD    Y2, Y1, Y2
	VPCMPGTD  Y7, Y1, Y3
	VPBLENDVB Y3, Y2, Y0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ      $4, R8
	ADDQ      $32, R9
	ADDQ      $32, DI
	DECQ      CX
	JNZ       pwloop
	VZEROUPPER

pdone:
	RET

// func storeFence()
TEXT ·storeFence(SB), NOSPLIT, $0-0
	SFENCE
	RET

// func prefetch2(a, b uintptr)
TEXT ·prefetch2(SB), NOSPLIT, $0-16
	MOVQ a+0(FP), AX
	MOVQ b+8(FP), BX
	PREFETCHT0 (AX)
	PREFETCHT0 (BX)
	RET

// func transposeAVX2(dst *uint32, n int, pix *uint32, cols *int, m, ahead int)
//
// For each group of 8 of the m columns (m a multiple of 8) and each half
// h of the 16 pixels from pix[cols[x]]: the 8x8 block of pixels (row i:
// the 8 pixels at pix[cols[x+i]+8h]) transposed, its row j stored at
// dst[(8h+j)*n+x]. Each load's address plus ahead bytes is prefetched:
// both halves, since a buffer row's 16 pixels may straddle two lines.
TEXT ·transposeAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ n+8(FP), BX
	SHLQ $2, BX                 // a band row's bytes
	MOVQ pix+16(FP), SI
	MOVQ cols+24(FP), DX
	MOVQ m+32(FP), CX
	MOVQ ahead+40(FP), R13
	SHRQ $3, CX
	JZ   tdone

tloop:
	MOVQ SI, R10                // the first half
	MOVQ DI, R11
	MOVQ $2, R12

thalf:
	LEAQ (R10)(R13*1), R14
	MOVQ    0(DX), AX
	VMOVDQU (R10)(AX*4), Y0
	PREFETCHT0 (R14)(AX*4)
	MOVQ    8(DX), AX
	VMOVDQU (R10)(AX*4), Y1
	PREFETCHT0 (R14)(AX*4)
	MOVQ    16(DX), AX
	VMOVDQU (R10)(AX*4), Y2
	PREFETCHT0 (R14)(AX*4)
	MOVQ    24(DX), AX
	VMOVDQU (R10)(AX*4), Y3
	PREFETCHT0 (R14)(AX*4)
	MOVQ    32(DX), AX
	VMOVDQU (R10)(AX*4), Y4
	PREFETCHT0 (R14)(AX*4)
	MOVQ    40(DX), AX
	VMOVDQU (R10)(AX*4), Y5
	PREFETCHT0 (R14)(AX*4)
	MOVQ    48(DX), AX
	VMOVDQU (R10)(AX*4), Y6
	PREFETCHT0 (R14)(AX*4)
	MOVQ    56(DX), AX
	VMOVDQU (R10)(AX*4), Y7
	PREFETCHT0 (R14)(AX*4)

	VUNPCKLPS Y1, Y0, Y8        // a0 b0 a1 b1 | a4 b4 a5 b5
	VUNPCKHPS Y1, Y0, Y9        // a2 b2 a3 b3 | a6 b6 a7 b7
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0  // a0 b0 c0 d0 | a4 b4 c4 d4
	VSHUFPS $0xee, Y10, Y8, Y1  // a1 b1 c1 d1 | a5 b5 c5 d5
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xee, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4 // e0 f0 g0 h0 | e4 f4 g4 h4
	VSHUFPS $0xee, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xee, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8 // a0 ... h0
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12 // a4 ... h4
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	MOVQ    R11, R9
	VMOVDQU Y8, (R9)
	ADDQ    BX, R9
	VMOVDQU Y9, (R9)
	ADDQ    BX, R9
	VMOVDQU Y10, (R9)
	ADDQ    BX, R9
	VMOVDQU Y11, (R9)
	ADDQ    BX, R9
	VMOVDQU Y12, (R9)
	ADDQ    BX, R9
	VMOVDQU Y13, (R9)
	ADDQ    BX, R9
	VMOVDQU Y14, (R9)
	ADDQ    BX, R9
	VMOVDQU Y15, (R9)
	ADDQ    BX, R9

	ADDQ $32, R10               // the second half: 8 pixels on, 8 rows down
	MOVQ R9, R11
	DECQ R12
	JNZ  thalf

	ADDQ $64, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  tloop
	VZEROUPPER

tdone:
	RET
