// Macros the row loops of blend_amd64.s and copyopaque_amd64.s share.
// Their registers: SI the source, DI the destination, AX the index of
// the pixel (uint32) the loop is at, CX the row's length in pixels.

// AHEAD128 prefetches, into every cache, both lines of the 128 bytes of
// the source a page ahead of a 32-pixel block's loads. One prefetch a
// block left every other line to the hardware, and a blend over the
// background waited on it (docs/benchmarks.md, "Both lines ahead").
#define AHEAD128 \
	PREFETCHT0 4096(SI)(AX*4); \
	PREFETCHT0 4160(SI)(AX*4)

// LOAD32 loads the 32 pixels at src[AX] into Y0-Y3 and sets CF when
// every one of them has alpha 255 (every alpha bit of Y8 set in their
// AND). It uses Y4 and Y5.
#define LOAD32 \
	VMOVDQU 0(SI)(AX*4), Y0;  \
	VMOVDQU 32(SI)(AX*4), Y1; \
	VMOVDQU 64(SI)(AX*4), Y2; \
	VMOVDQU 96(SI)(AX*4), Y3; \
	VPAND   Y0, Y1, Y4;       \
	VPAND   Y2, Y3, Y5;       \
	VPAND   Y4, Y5, Y4;       \
	VPTEST  Y8, Y4

// LEFT sets BX to the pixels left and compares it with k.
#define LEFT(k) \
	MOVQ CX, BX; \
	SUBQ AX, BX; \
	CMPQ BX, $k
