package shm

import "testing"

func TestReleaseAtLeast(t *testing.T) {
	for _, tc := range []struct {
		release string
		want    bool
	}{
		{"6.12.118-amd64", true},
		{"6.12.0", true},
		{"6.13-rc1", true},
		{"7.0.0", true},
		{"6.18.44-fc-v1272", true},
		{"6.11.9", false},
		{"6.1.192", false}, // the superseded prototype's kernel
		{"5.19.0", false},
		{"", false},
		{"garbage", false},
	} {
		if got := releaseAtLeast(tc.release, [2]int{6, 12}); got != tc.want {
			t.Errorf("releaseAtLeast(%q) = %v, want %v", tc.release, got, tc.want)
		}
	}
}
