package protocol

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// bitName names one bit (or the zero value) of a generated bitfield.
type bitName struct {
	v    uint32
	name string
}

// bitsString formats a bitfield value as its bits' XML names joined by |,
// with unnamed bits as one hex number; zero is the zero entry's name or 0.
func bitsString(v uint32, names []bitName) string {
	if v == 0 {
		for _, n := range names {
			if n.v == 0 {
				return n.name
			}
		}
		return "0"
	}
	var b strings.Builder
	rest := v
	for _, n := range names {
		if n.v != 0 && v&n.v == n.v && rest&n.v != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n.name)
			rest &^= n.v
		}
	}
	if rest != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x")
		b.WriteString(strconv.FormatUint(uint64(rest), 16))
	}
	return b.String()
}

// unknownEnum formats a value that no entry of the enum names:
// wl_output.transform(9).
func unknownEnum(enum string, v int64) string {
	return enum + "(" + strconv.FormatInt(v, 10) + ")"
}

// AppendEnum appends enum values to a wire array argument of them
// (xdg_toplevel.configure's states, wm_capabilities' capabilities), each as a
// uint32 in the byte order the encoder writes.
func AppendEnum[E ~uint32](array []byte, v ...E) []byte {
	for _, x := range v {
		array = binary.LittleEndian.AppendUint32(array, uint32(x))
	}
	return array
}
