//go:build !purego

#include "textflag.h"
#include "rows_amd64.h"

// Within each 16-byte lane, the index of each pixel's alpha byte, four
// times: VPSHUFB with it gives every channel of a pixel its alpha.
DATA alphaShuf<>+0(SB)/8, $0x0707070703030303
DATA alphaShuf<>+8(SB)/8, $0x0f0f0f0f0b0b0b0b
DATA alphaShuf<>+16(SB)/8, $0x0707070703030303
DATA alphaShuf<>+24(SB)/8, $0x0f0f0f0f0b0b0b0b
GLOBL alphaShuf<>(SB), RODATA|NOPTR, $32

// MIX8(dlo, dhi) sets the 8 pixels in Y0 to Y0 over the pixels whose
// channels are the words dlo (pixels 0, 1, 4, 5) and dhi (2, 3, 6, 7):
// per channel s + d*(255-a)/255 with pixman's rounding,
// t = d*m + 0x80, (t + t>>8) >> 8, then a saturating add of s, which is
// over() in blend.go for every input (a = 255 gives s, s = 0 gives d).
// Uses Y1-Y5; Y9 = alphaShuf, Y10 = all ones, Y11 = 0, Y13 = 0x80 words.
#define MIX8(dlo, dhi) \
	VPSHUFB    Y9, Y0, Y1;  \
	VPXOR      Y10, Y1, Y1; \
	VPUNPCKLBW Y11, Y1, Y2; \
	VPUNPCKHBW Y11, Y1, Y3; \
	VPMULLW    dlo, Y2, Y2; \
	VPMULLW    dhi, Y3, Y3; \
	VPADDW     Y13, Y2, Y2; \
	VPADDW     Y13, Y3, Y3; \
	VPSRLW     $8, Y2, Y4;  \
	VPSRLW     $8, Y3, Y5;  \
	VPADDW     Y4, Y2, Y2;  \
	VPADDW     Y5, Y3, Y3;  \
	VPSRLW     $8, Y2, Y2;  \
	VPSRLW     $8, Y3, Y3;  \
	VPACKUSWB  Y3, Y2, Y2;  \
	VPADDUSB   Y2, Y0, Y0

// SOLID8(off, st) blends the 8 source pixels at src[AX]+off bytes over
// the background (Y12) and stores them at dst[AX]+off with st.
#define SOLID8(off, st) \
	VMOVDQU off(SI)(AX*4), Y0; \
	MIX8(Y12, Y12);            \
	st      Y0, off(DI)(AX*4)

// SAME32 sets ZF when the 32 pixels in Y0-Y3 all have the alpha of Y15.
#define SAME32 \
	VPXOR  Y15, Y0, Y4; \
	VPXOR  Y15, Y1, Y5; \
	VPOR   Y5, Y4, Y4;  \
	VPXOR  Y15, Y2, Y5; \
	VPOR   Y5, Y4, Y4;  \
	VPXOR  Y15, Y3, Y5; \
	VPOR   Y5, Y4, Y4;  \
	VPTEST Y8, Y4

// ADD32(st) stores the 32 pixels in Y0-Y3 plus Y7, saturated, at dst[AX]
// with st: each is over() on the background when its alpha is Y15's.
#define ADD32(st) \
	VPADDUSB Y7, Y0, Y0;       \
	VPADDUSB Y7, Y1, Y1;       \
	VPADDUSB Y7, Y2, Y2;       \
	VPADDUSB Y7, Y3, Y3;       \
	st       Y0, 0(DI)(AX*4);  \
	st       Y1, 32(DI)(AX*4); \
	st       Y2, 64(DI)(AX*4); \
	st       Y3, 96(DI)(AX*4)

// OVER8(off) blends the 8 source pixels at src[AX]+off bytes over the
// pixels at dst[AX]+off, in place.
#define OVER8(off) \
	VMOVDQU    off(SI)(AX*4), Y0; \
	VMOVDQU    off(DI)(AX*4), Y6; \
	VPUNPCKLBW Y11, Y6, Y7;       \
	VPUNPCKHBW Y11, Y6, Y6;       \
	MIX8(Y7, Y6);                 \
	VMOVDQU    Y0, off(DI)(AX*4)

// func overBlocksAVX2(dst, src *uint32, n int, bg uint32, solid, nt bool) int
//
// Blends the source pixels over dst (or, when solid, over the pixel bg,
// writing dst without reading it) in blocks of 8, and returns the pixels
// blended: it stops before 32 pixels that are all opaque, or when fewer
// than 8 are left. The blocks are blended whatever their alpha, opaque
// ones too, so a row whose translucent pixels are spread out (an
// antialiased edge every few pixels) stays in one loop. src may be dst
// (each block is loaded before it is stored). With solid and nt, and dst
// 32-byte aligned, the stores are non-temporal (storeFence, as for
// copyOpaqueAVX2). Over the background, runs of 32 pixels at the first
// pixel's alpha take one saturating add each. The source is prefetched a
// page ahead, as in copyOpaqueAVX2: a prefetch never faults.
TEXT ·overBlocksAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	MOVL $0xff000000, DX
	VMOVQ DX, X8
	VPBROADCASTD X8, Y8
	VMOVDQU alphaShuf<>(SB), Y9
	VPCMPEQB Y10, Y10, Y10
	VPXOR    Y11, Y11, Y11
	MOVL bg+24(FP), DX
	VMOVQ DX, X12
	VPBROADCASTD X12, Y12
	VPUNPCKLBW Y11, Y12, Y12
	MOVL $0x00800080, DX
	VMOVQ DX, X13
	VPBROADCASTD X13, Y13
	MOVBQZX solid+28(FP), R8
	TESTQ R8, R8
	JZ    over32
	// Over the background, a pixel's result is itself plus a share of
	// the background that depends only on its alpha. Y15 holds the first
	// pixel's alpha, Y7 that share (MIX8 of the alpha alone, less the
	// alpha, which it cannot have saturated): blocks of 32 pixels at that
	// alpha (a terminal's background) are one saturating add.
	CMPQ CX, $8
	JB   done
	MOVL 0(SI), DX
	ANDL $0xff000000, DX
	VMOVQ DX, X15
	VPBROADCASTD X15, Y15
	VMOVDQU Y15, Y0
	MIX8(Y12, Y12)
	VPSUBB Y15, Y0, Y7
	MOVBQZX nt+29(FP), R9
	TESTQ R9, R9
	JZ    solid32
	TESTQ $31, DI
	JZ    solidnt32

solid32:
	LEFT(32)
	JB   solid8
	AHEAD128
	LOAD32
	JCS  done
	SAME32
	JNZ  solidmix32
	ADD32(VMOVDQU)
	ADDQ $32, AX
	JMP  solid32

solidmix32:
	SOLID8(0, VMOVDQU)
	SOLID8(32, VMOVDQU)
	SOLID8(64, VMOVDQU)
	SOLID8(96, VMOVDQU)
	ADDQ $32, AX
	JMP  solid32

solid8:
	LEFT(8)
	JB   done
	SOLID8(0, VMOVDQU)
	ADDQ $8, AX
	JMP  solid8

solidnt32:
	LEFT(32)
	JB   solidnt8
	AHEAD128
	LOAD32
	JCS  done
	SAME32
	JNZ  solidntmix32
	ADD32(VMOVNTDQ)
	ADDQ $32, AX
	JMP  solidnt32

solidntmix32:
	SOLID8(0, VMOVNTDQ)
	SOLID8(32, VMOVNTDQ)
	SOLID8(64, VMOVNTDQ)
	SOLID8(96, VMOVNTDQ)
	ADDQ $32, AX
	JMP  solidnt32

solidnt8:
	LEFT(8)
	JB   done
	SOLID8(0, VMOVNTDQ)
	ADDQ $8, AX
	JMP  solidnt8

over32:
	LEFT(32)
	JB   over8
	AHEAD128
	LOAD32
	JCS  done
	OVER8(0)
	OVER8(32)
	OVER8(64)
	OVER8(96)
	ADDQ $32, AX
	JMP  over32

over8:
	LEFT(8)
	JB   done
	OVER8(0)
	ADDQ $8, AX
	JMP  over8

done:
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET
