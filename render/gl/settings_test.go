//go:build cgo

package gl

import "testing"

func TestAutoUploadMode(t *testing.T) {
	for _, tc := range []struct {
		renderer string
		want     UploadMode
	}{
		{"llvmpipe (LLVM 15.0.6, 256 bits)", UploadMode{BGRA: true}},
		{"softpipe", UploadMode{BGRA: true}},
		{"Software Rasterizer", UploadMode{BGRA: true}},
		{"NVIDIA H200/PCIe/SSE2", UploadMode{PBO: true}},
		{"AMD Radeon RX 7900 XTX (radeonsi, navi31, LLVM 15.0.7, DRM 3.54, 6.5.0)", UploadMode{PBO: true}},
		{"Mesa Intel(R) UHD Graphics 620 (KBL GT2)", UploadMode{PBO: true}},
	} {
		if got := AutoUploadMode(tc.renderer); got != tc.want {
			t.Errorf("AutoUploadMode(%q) = %v, want %v", tc.renderer, got, tc.want)
		}
	}
	t.Setenv("NOFAULT_GL_UPLOAD", "bgra")
	if got := envUpload("NVIDIA H200/PCIe/SSE2"); got != (UploadMode{BGRA: true}) {
		t.Errorf("NOFAULT_GL_UPLOAD=bgra on NVIDIA: got %v", got)
	}
	for s, want := range map[string]UploadMode{"rgba,ring": {Ring: true}, "bgra,ring": {BGRA: true, Ring: true}, "rgba,persist": {Persist: true}, "pbo": {PBO: true}} {
		m, err := ParseUploadMode(s)
		if err != nil || m != want || m.String() != s && s != "pbo" {
			t.Errorf("ParseUploadMode(%q) = %v (%q), %v; want %v", s, m, m.String(), err, want)
		}
	}
	t.Setenv("NOFAULT_GL_UPLOAD", "nonsense")
	if got := envUpload("llvmpipe"); got != (UploadMode{BGRA: true}) {
		t.Errorf("bad NOFAULT_GL_UPLOAD on llvmpipe: got %v, want the automatic bgra", got)
	}
}

func TestFlushSetting(t *testing.T) {
	t.Setenv("NOFAULT_GL_FLUSH", "")
	if envNoFlush() {
		t.Error("unset NOFAULT_GL_FLUSH turns the flush off")
	}
	t.Setenv("NOFAULT_GL_FLUSH", "0")
	if !envNoFlush() {
		t.Error("NOFAULT_GL_FLUSH=0 leaves the flush on")
	}
}
