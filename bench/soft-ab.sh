#!/bin/bash
# bench/soft-ab.sh: a quick A/B of compositor binaries on one wlbench
# workload, interleaved: each rep runs every binary in turn on a fresh
# headless output, with cmd/wlbench drawing a new frame on every frame
# callback. One line per run: compositor CPU per frame from /proc (10 ms
# ticks) and from schedstat, frames/s, context switches per frame (perf
# stat over 3 s of the run, where perf is installed) and the client's CPU
# per frame. The harness (bench/cmd/abcompare) is the measurement to
# quote; this script is for a first look in a minute.
#
#   bash bench/soft-ab.sh SIZE BIN...       e.g. bash bench/soft-ab.sh 256x256 /tmp/a /tmp/b
#
# Environment: REPS (3), DMG (damage %, 100), SURF (surfaces, 1), SEALED
# (true), OUT (output size, 1920x1080), PINC / PINW (taskset CPU lists for
# the compositor / the client), WLBENCH (a built cmd/wlbench; else built
# here with go).
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,17p "$0" >&2; exit 2; }
size=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export XDG_RUNTIME_DIR=$tmp/rt; mkdir -m 700 "$XDG_RUNTIME_DIR"
unset DISPLAY WAYLAND_DISPLAY
wlbench=${WLBENCH:-}
if [ -z "$wlbench" ]; then
	wlbench=$tmp/wlbench
	(cd "$root" && go build -o "$wlbench" ./cmd/wlbench)
fi
out=${OUT:-1920x1080}
for rep in $(seq "${REPS:-3}"); do
	for bin in "$@"; do
		rm -f "$XDG_RUNTIME_DIR/ab"
		${PINC:+taskset -c "$PINC"} "$bin" --backend=headless --size="$out" --socket=ab >"$tmp/comp.log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do [ -S "$XDG_RUNTIME_DIR/ab" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
		[ -S "$XDG_RUNTIME_DIR/ab" ] || { echo "soft-ab.sh: $bin did not start:" >&2; cat "$tmp/comp.log" >&2; exit 1; }
		${PINW:+taskset -c "$PINW"} "$wlbench" --socket=ab --pid=$pid --size="$size" --surfaces="${SURF:-1}" \
			--damage="${DMG:-100}" --sealed="${SEALED:-true}" --duration=5s --warmup=1s >"$tmp/wb.json" 2>"$tmp/wb.err" &
		wb=$!
		cs=
		if command -v perf >/dev/null; then
			sleep 2
			cs=$(perf stat -e context-switches -x, -p $pid -- sleep 3 2>&1 | awk -F, '/context-switches/ {print $1}')
		fi
		wait $wb || { echo "soft-ab.sh: wlbench failed:" >&2; cat "$tmp/wb.err" >&2; kill $pid; exit 1; }
		kill $pid; wait $pid 2>/dev/null || true
		python3 - "$tmp/wb.json" "$bin" "$size" "${cs:-}" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
frames = d['frames']
line = '%s %s cpu/frame %.3f sched %.3f fps %.1f' % (sys.argv[2], sys.argv[3], d['cpu_per_frame_ms'], d['cpu_sched_s'] * 1000 / frames, d['fps'])
if sys.argv[4]:
    line += ' cs/frame %.2f' % (float(sys.argv[4]) / (3 * d['fps'] * d['Surfaces']))
line += ' client %.3f' % (d['client_cpu_s'] * 1000 / frames)
print(line)
EOF
	done
done
