//go:build !amd64 || purego

package soft

// overBlocks blends no blocks here: the rows are blended pixel by pixel.
func overBlocks(_, _ []uint32, _ uint32, _, _ bool) int { return 0 }

// haveBlocks reports whether overBlocks blends anything here: it does not.
func haveBlocks() bool { return false }

// alignHead is 0: nothing here needs aligned rows.
func alignHead([]uint32) int { return 0 }

// ntSpan is empty: no stores here are non-temporal.
func ntSpan([]uint32) (h, e int) { return 0, 0 }
