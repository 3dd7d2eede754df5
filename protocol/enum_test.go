package protocol

import "testing"

func TestEnumString(t *testing.T) {
	for _, tc := range []struct {
		v    interface{ String() string }
		want string
	}{
		{WlOutputTransformFlipped90, "flipped_90"},
		{WlOutputTransform(9), "wl_output.transform(9)"},
		{WlOutputTransform(-1), "wl_output.transform(-1)"},
		{WlSeatCapabilityPointer | WlSeatCapabilityKeyboard, "pointer|keyboard"},
		{WlSeatCapability(0), "0"},
		{WlSeatCapabilityTouch | 0x30, "touch|0x30"},
		{WlDataDeviceManagerDndActionNone, "none"},
		{XdgWmBaseErrorRole, "role"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.v, got, tc.want)
		}
	}
	if !(WlSeatCapabilityPointer | WlSeatCapabilityTouch).Has(WlSeatCapabilityTouch) || WlSeatCapabilityPointer.Has(WlSeatCapabilityKeyboard) {
		t.Error("Has")
	}
}

func TestAppendEnum(t *testing.T) {
	got := AppendEnum([]byte{9}, XdgToplevelStateMaximized, XdgToplevelStateActivated)
	want := []byte{9, 1, 0, 0, 0, 4, 0, 0, 0}
	if string(got) != string(want) {
		t.Errorf("AppendEnum = %v, want %v", got, want)
	}
}

func TestErrorfCode(t *testing.T) {
	obj := &Object{ID: 7}
	e := Errorf(obj, XdgToplevelErrorInvalidSize, "size %d", -1)
	if e.Object != 7 || e.Code != 2 || e.Message != "size -1" {
		t.Errorf("Errorf = %+v", e)
	}
	if e := Errorf(nil, WlDisplayErrorNoMemory, "x"); e.Object != DisplayID || e.Code != ErrorNoMemory {
		t.Errorf("Errorf(nil) = %+v", e)
	}
}
