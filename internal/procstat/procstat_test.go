package procstat

import (
	"os"
	"testing"
)

func TestCounts(t *testing.T) {
	fds := OpenFDs()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if got := OpenFDs(); got != fds+1 {
		t.Errorf("OpenFDs = %d after opening one file, want %d", got, fds+1)
	}
	f.Close()
	if got := OpenFDs(); got != fds {
		t.Errorf("OpenFDs = %d after closing, want %d", got, fds)
	}
	if Mappings() < 5 || MappingsMatching("[stack]") != 1 {
		t.Errorf("Mappings = %d, [stack] %d", Mappings(), MappingsMatching("[stack]"))
	}
	if RSS() <= 0 {
		t.Errorf("RSS = %d", RSS())
	}
}
