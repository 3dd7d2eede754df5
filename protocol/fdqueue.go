package protocol

import "golang.org/x/sys/unix"

// FDQueue holds file descriptors received on a connection, in arrival order,
// until requests consume them.
type FDQueue struct {
	fds  []int
	head int
}

// Push appends received fds.
func (q *FDQueue) Push(fds ...int) {
	if q.head > 0 && q.head == len(q.fds) {
		q.fds, q.head = q.fds[:0], 0
	}
	q.fds = append(q.fds, fds...)
}

// Pop removes and returns the oldest fd; ok is false when the queue is empty.
func (q *FDQueue) Pop() (fd int, ok bool) {
	if q.head >= len(q.fds) {
		return -1, false
	}
	fd = q.fds[q.head]
	q.head++
	return fd, true
}

// Len returns the number of queued fds.
func (q *FDQueue) Len() int { return len(q.fds) - q.head }

// CloseAll closes every queued fd and empties the queue.
func (q *FDQueue) CloseAll() {
	for _, fd := range q.fds[q.head:] {
		unix.Close(fd)
	}
	q.fds, q.head = q.fds[:0], 0
}
