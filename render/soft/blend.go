package soft

// Row operations on premultiplied 0xAARRGGBB pixels. The arithmetic works
// on two 8-bit channels per uint32 (red and blue, then alpha and green),
// with pixman's exact rounding of x*y/255 and a saturating add, so that
// ill-formed premultiplied input (colour above alpha) clamps at 255
// instead of spilling into the neighbouring channel.

// overRow composites src over dst: dst = src + dst*(255-srcA)/255 per
// channel, rounded, saturated at 255.
func overRow(dst, src []uint32) {
	dst = dst[:len(src)]
	for i, s := range src {
		a := s >> 24
		if a == 0xff {
			dst[i] = s
			continue
		}
		if s == 0 {
			continue
		}
		dst[i] = over(s, dst[i], 0xff-a)
	}
}

// over returns s + d*m/255 per channel, rounded and saturated.
func over(s, d, m uint32) uint32 {
	rb := d&0x00ff00ff*m + 0x00800080
	rb = (rb + rb>>8&0x00ff00ff) >> 8 & 0x00ff00ff
	rb += s & 0x00ff00ff
	rb |= 0x01000100 - rb>>8&0x00010001
	rb &= 0x00ff00ff

	ag := d>>8&0x00ff00ff*m + 0x00800080
	ag = (ag + ag>>8&0x00ff00ff) >> 8 & 0x00ff00ff
	ag += s >> 8 & 0x00ff00ff
	ag |= 0x01000100 - ag>>8&0x00010001
	ag &= 0x00ff00ff

	return rb | ag<<8
}

// opaqueRow copies src into dst with alpha forced to 255.
func opaqueRow(dst, src []uint32) {
	dst = dst[:len(src)]
	for i, s := range src {
		dst[i] = s | alphaMask
	}
}
