#!/bin/bash
# bench/nested-ab.sh: bench/ab.sh for the nested backend. Each command
# runs nested in an Xvfb of this script's own (Mesa llvmpipe, a 1280x720
# window), with cmd/wlbench drawing a new frame on every frame callback,
# interleaved REPS times. One line per run: frames/s, the compositor's
# CPU per frame (schedstat) and context switches per frame, and the X
# server's CPU per frame (schedstat, over the warm-up and the window).
#
#   bash bench/nested-ab.sh SIZE CMD...   e.g. bash bench/nested-ab.sh 256x256 /tmp/nf /tmp/nf-swap
#
# A CMD is started as `CMD --socket=nab --size=1280x720` with DISPLAY and
# XDG_RUNTIME_DIR set (a wrapper script can set the environment or run
# another compositor: weston --backend=x11-backend.so --socket=nab ...).
# Environment: REPS (3), DMG (damage %, 100), DURATION (measured seconds,
# 4), WLBENCH (a built cmd/wlbench; else built here with go).
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,15p "$0" >&2; exit 2; }
size=$1; shift
. "$(dirname "$0")/lib.sh"
bench_setup
unset WAYLAND_DISPLAY
exec 3> >(cat >"$tmp/displayfd")
# -noreset: without it the server resets when its last client leaves,
# and a compositor started right then cannot open the display.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset >"$tmp/xvfb.log" 2>&1 &
xvfb=$!
exec 3>&-
trap 'kill $xvfb 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/displayfd" ] && break; sleep 0.1; done
export DISPLAY=:$(tr -d '\n' <"$tmp/displayfd")
dur=${DURATION:-4}
for rep in $(seq "${REPS:-3}"); do
	for cmd in "$@"; do
		rm -f "$XDG_RUNTIME_DIR/nab"
		$cmd --socket=nab --size=1280x720 >"$tmp/comp.log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do [ -S "$XDG_RUNTIME_DIR/nab" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
		[ -S "$XDG_RUNTIME_DIR/nab" ] || { echo "nested-ab.sh: $cmd did not start:" >&2; cat "$tmp/comp.log" >&2; exit 1; }
		x0=$(awk '{print $1}' /proc/$xvfb/schedstat)
		"$wlbench" --socket=nab --pid=$pid --size="$size" --damage="${DMG:-100}" --surfaces=1 --sealed=true \
			--duration="${dur}s" --warmup=1s >"$tmp/wb.json" 2>"$tmp/wb.err" || { cat "$tmp/wb.err" >&2; exit 1; }
		x1=$(awk '{print $1}' /proc/$xvfb/schedstat)
		kill $pid; wait $pid 2>/dev/null || true
		if grep -q "backend=headless" "$tmp/comp.log"; then
			echo "nested-ab.sh: $cmd ran headless, not in the X server:" >&2; cat "$tmp/comp.log" >&2; exit 1
		fi
		python3 - "$tmp/wb.json" "$cmd" "$size" "$((x1 - x0))" "$dur" <<'PY' | tee -a "$tmp/all"
import json, sys
d = json.load(open(sys.argv[1]))
f = d['frames']
# The X server's time covers the warm-up too: scaled to the window.
x = int(sys.argv[4]) / 1e6 * float(sys.argv[5]) / (float(sys.argv[5]) + 1) / f
print(f"{sys.argv[2]} {sys.argv[3]} fps {d['fps']:.1f} sched {d['cpu_sched_s'] * 1000 / f:.3f} cs/frame {d['ctx_switches'] / f:.1f} xvfb {x:.3f}")
PY
	done
done
echo "medians over ${REPS:-3} reps (ms per frame):"
for cmd in "$@"; do
	grep -F "$cmd $size " "$tmp/all" | python3 -c '
import statistics, sys
rows = [l.split() for l in sys.stdin]
col = lambda k: statistics.median(float(r[r.index(k) + 1]) for r in rows)
print(sys.argv[1], "sched %.3f cs/frame %.1f xvfb %.3f" % (col("sched"), col("cs/frame"), col("xvfb")))' "$cmd"
done
