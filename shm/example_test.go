package shm_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/nofault/nofault/shm"
	"golang.org/x/sys/unix"
)

// A pool on a real memfd, as a client would send it: its bytes are read
// only inside the closure given to Read. When the client truncates its
// file under the mapping, the next read faults; Read recovers the fault
// and returns it, and the pool reads zeros from then on.
func Example() {
	fd, err := unix.MemfdCreate("example-pool", unix.MFD_CLOEXEC)
	if err != nil {
		log.Fatal(err)
	}
	if err := unix.Ftruncate(fd, 4096); err != nil {
		log.Fatal(err)
	}
	if _, err := unix.Pwrite(fd, []byte{0xb, 0xa, 0xd, 0x1}, 0); err != nil {
		log.Fatal(err)
	}
	client, err := unix.Dup(fd) // the client keeps its own fd
	if err != nil {
		log.Fatal(err)
	}
	defer unix.Close(client)

	var counters shm.Counters
	// NewPool owns fd from now on. ReadGuarded: a plain mapping that may
	// fault, whatever the kernel offers.
	p, err := shm.NewPool(fd, 4096, shm.Options{Mode: shm.ReadGuarded, Counters: &counters})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	first := make([]byte, 4)
	read := func(b []byte) error {
		copy(first, b) // b is valid only inside the closure
		return nil
	}
	fmt.Println(p.Strategy(), p.Read(read), first)

	if err := unix.Ftruncate(client, 0); err != nil { // the client misbehaves
		log.Fatal(err)
	}
	err = p.Read(read)
	fmt.Println(errors.Is(err, shm.ErrFault))

	fmt.Println(p.Read(read), first) // the faulted pages now read zeros
	fmt.Println("faults:", counters.Read().Faults())
	// Output:
	// guarded <nil> [11 10 13 1]
	// true
	// <nil> [0 0 0 0]
	// faults: 1
}
