package soft

import (
	"log/slog"
	"os"
	"time"
)

// StoresEnv names the environment variable that fixes the kind of stores
// a render into the renderer's own output makes, for measuring: "nt"
// (non-temporal), "plain", or "auto" (the default: measured, below).
// Output memory lent to the renderer always gets plain stores.
const StoresEnv = "NOFAULT_SOFT_STORES"

// StoresEnv's settings.
const (
	storesAuto = iota
	storesNT
	storesPlain
)

// storeSetting is StoresEnv's setting.
func storeSetting() int { return parseStoreKinds(os.Getenv(StoresEnv)) }

func parseStoreKinds(v string) int {
	switch v {
	case "", "auto":
		return storesAuto
	case "nt":
		return storesNT
	case "plain":
		return storesPlain
	}
	slog.Warn(StoresEnv+" ignored: want auto, nt or plain", "value", v)
	return storesAuto
}

// storeChooser picks the stores of a render's copies and blends into the
// renderer's own output: non-temporal ones, which write whole lines to
// memory without reading them first and leave nothing in the caches, or
// plain ones, which keep the output's lines in the caches, where a large
// last-level cache may hold them until the next frame overwrites them.
// Which is cheaper depends on the host and on how much a render draws:
// where perf3 measured, non-temporal stores won a 1080p frame and the
// small ones; on a later host plain ones won a 4K frame by a fifth and
// lost a 10 % band of 1080p by as much (docs/benchmarks.md, "Plain or
// non-temporal stores, measured per render"). So the renderer measures.
//
// It measures epochs, not renders: epochRenders renders with the same
// stores, costed by the process's CPU time over them per pixel drawn. The
// time of a render alone misleads: plain stores leave dirty lines that are
// written back after the render, by whatever the process does next, and
// timed alone they won the 10 % band they lose in the process's CPU time;
// a cost from one render to the next still charged that write-back to
// the wrong render where renders of different sizes take turns (16
// windows: the first commit's render, then the rest at the tick).
//
// Each size class of epoch (its mean pixels per render) keeps a running
// cost of both kinds, uses the cheaper one, and now and then tries the
// other one for an epoch, so that a change of the host's conditions is
// seen. Renders under storeClassBase pixels (a 10 % band of 1080p, a
// small window) take no part: non-temporal stores cost as little or less
// for them on every host measured, and an epoch of the dearer kind now
// and then would cost them more than the choice could save.
type storeChooser struct {
	classes [storeClasses]storeClass
	// The epoch under way: its stores, its renders so far and their
	// pixels, and the process's CPU time and the wall clock at its start.
	nt      bool
	renders int
	px      int
	cpu     time.Duration
	wall    time.Time
}

type storeClass struct {
	cost  [2]float64 // running ns of CPU per pixel drawn: [0] plain, [1] non-temporal
	n     [2]uint32  // epochs measured of each kind
	count uint32     // epochs of this class
}

const (
	// epochRenders renders make an epoch: about half a second of a frame
	// loop.
	epochRenders = 32
	// maxEpoch: an epoch that took longer than this is not measured (the
	// clients paused; it was no steady loop).
	maxEpoch = 2 * time.Second
	// storeClasses size classes of mean damaged pixels per render, a
	// factor of 4 apart: under 1 MiB of output (small windows, a band of
	// rows: never measured, Render gives them non-temporal stores), under
	// 4 MiB, under 16 MiB (a 1080p frame), and more (4K).
	storeClasses   = 4
	storeClassBase = 1 << 18 // pixels: 1 MiB
	// storeWarm epochs of each kind are measured, alternating, before the
	// cheaper one is used.
	storeWarm = 2
	// One epoch in exploreNear uses the dearer kind, or one in exploreFar
	// when that costs farApart times the cheaper one or more.
	exploreNear = 16
	exploreFar  = 64
	farApart    = 1.25
	// storeGain is the running cost's weight of a new epoch.
	storeGain = 1.0 / 4
)

// storeClassOf returns the size class of px damaged pixels per render.
func storeClassOf(px int) int {
	k := 0
	for lim := storeClassBase; k < storeClasses-1 && px >= lim; lim *= 4 {
		k++
	}
	return k
}

// next returns the stores of a render of px damaged pixels (more than
// 0). The render after an epoch's last ends the epoch: its cost is
// recorded for its class, and the stores of the next epoch are picked
// for that class.
func (s *storeChooser) next(px int) bool {
	if s.renders == 0 || s.renders == epochRenders {
		cpu, now := processCPU(), time.Now()
		k := storeClassOf(px)
		if s.renders == epochRenders {
			k = storeClassOf(s.px / s.renders)
			if now.Sub(s.wall) <= maxEpoch {
				s.record(k, s.nt, cpu-s.cpu, s.px)
			}
		}
		s.nt = s.pick(k)
		s.renders, s.px, s.cpu, s.wall = 0, 0, cpu, now
	}
	s.renders++
	s.px += px
	return s.nt
}

// pick reports whether the next epoch of class k should use
// non-temporal stores.
func (s *storeChooser) pick(k int) bool {
	c := &s.classes[k]
	c.count++
	if c.n[0] < storeWarm || c.n[1] < storeWarm {
		return c.n[1] <= c.n[0]
	}
	nt := c.cost[1] <= c.cost[0] // ties: non-temporal, the kind used before measuring
	// Trying the dearer kind costs what it is dearer by, so the further
	// apart the two are, the less often it is tried.
	every := uint32(exploreNear)
	if max(c.cost[0], c.cost[1]) > farApart*min(c.cost[0], c.cost[1]) {
		every = exploreFar
	}
	if c.count%every == 0 {
		return !nt
	}
	return nt
}

// record adds an epoch of class k, which drew px pixels with the given
// stores, that cost d of CPU.
func (s *storeChooser) record(k int, nt bool, d time.Duration, px int) {
	if px <= 0 {
		return
	}
	c := &s.classes[k]
	i := 0
	if nt {
		i = 1
	}
	v := float64(d) / float64(px)
	switch {
	case c.n[i] == 0:
		c.cost[i] = v
	default:
		// An epoch the host disturbed counts as twice the running cost,
		// not as what it took.
		v = min(v, 2*c.cost[i])
		c.cost[i] += (v - c.cost[i]) * storeGain
	}
	c.n[i]++
}
