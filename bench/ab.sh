#!/bin/bash
# bench/ab.sh: a quick A/B of compositor binaries on one wlbench workload,
# interleaved: each rep runs every binary in turn on a fresh headless
# output, with cmd/wlbench drawing a new frame on every frame callback.
# One line per run: compositor CPU per frame from /proc (10 ms ticks) and
# from schedstat, frames/s, context switches per frame (every compositor
# thread's, counted by wlbench over the window) and the client's CPU per
# frame;
# then the medians. The harness (bench/cmd/abcompare) is the measurement
# to quote; this script is for a first look in a minute.
#
#   bash bench/ab.sh SIZE BIN[:RENDERER]...   e.g. bash bench/ab.sh 256x256 /tmp/a /tmp/b /tmp/b:gl
#
# RENDERER is soft or gl (--renderer; default $RENDERER, else soft). An
# argument given twice (an A/A run) is labelled ARG#POSITION.
# Environment: REPS (3), DMG (damage %, 100), SURF (surfaces, 1), SEALED
# (true), ALPHA (wlbench --alpha: 0, opaque), BSCALE (wlbench
# --buffer-scale: 1), BTRANS (wlbench --buffer-transform: 0), XRGB (wlbench --xrgb: false), EDGES (wlbench --edges: 0), BODY (wlbench --opaque-body: false), OUT (output size, 1920x1080), SCALE (the output's --scale, 1), DURATION (measured seconds, 5),
# PINC / PINW (taskset CPU lists for the compositor / the client),
# WLBENCH (a built cmd/wlbench; else built here with go).
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,20p "$0" >&2; exit 2; }
size=$1; shift
. "$(dirname "$0")/lib.sh"
bench_setup
trap 'rm -rf "$tmp"' EXIT
unset DISPLAY WAYLAND_DISPLAY
out=${OUT:-1920x1080}
dur=${DURATION:-5}
# A run is labelled by its argument, or by ARG#POSITION when the same
# argument is given twice (an A/A run), so that the medians stay apart.
labels=()
for i in $(seq $#); do
	arg=${!i} n=0
	for other in "$@"; do [ "$other" = "$arg" ] && n=$((n + 1)); done
	if [ $n -gt 1 ]; then labels+=("$arg#$i"); else labels+=("$arg"); fi
done
for rep in $(seq "${REPS:-3}"); do
	for i in $(seq $#); do
		arg=${!i} label=${labels[$((i - 1))]}
		bin=$arg renderer=${RENDERER:-soft}
		case $arg in *:soft | *:gl) bin=${arg%:*} renderer=${arg##*:} ;; esac
		rm -f "$XDG_RUNTIME_DIR/ab"
		${PINC:+taskset -c "$PINC"} "$bin" --backend=headless --size="$out" --socket=ab --renderer="$renderer" --scale="${SCALE:-1}" >"$tmp/comp.log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do [ -S "$XDG_RUNTIME_DIR/ab" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
		[ -S "$XDG_RUNTIME_DIR/ab" ] || { echo "ab.sh: $bin did not start:" >&2; cat "$tmp/comp.log" >&2; exit 1; }
		${PINW:+taskset -c "$PINW"} "$wlbench" --socket=ab --pid=$pid --size="$size" --surfaces="${SURF:-1}" \
			--damage="${DMG:-100}" --sealed="${SEALED:-true}" --alpha="${ALPHA:-0}" --buffer-scale="${BSCALE:-1}" --buffer-transform="${BTRANS:-0}" --xrgb="${XRGB:-false}" --edges="${EDGES:-0}" --opaque-body="${BODY:-false}" --duration="${dur}s" --warmup=1s >"$tmp/wb.json" 2>"$tmp/wb.err" &
		wb=$!
		wait $wb || { echo "ab.sh: wlbench failed:" >&2; cat "$tmp/wb.err" >&2; kill $pid; exit 1; }
		kill $pid; wait $pid 2>/dev/null || true
		python3 - "$tmp/wb.json" "$label" "$size" <<'PY' | tee -a "$tmp/all"
import json, sys
d = json.load(open(sys.argv[1]))
frames = d['frames']
line = '%s %s cpu/frame %.3f sched %.3f fps %.1f' % (sys.argv[2], sys.argv[3], d['cpu_per_frame_ms'], d['cpu_sched_s'] * 1000 / frames, d['fps'])
line += ' cs/frame %.2f' % (d.get('ctx_switches', 0) / frames)
line += ' client %.3f' % (d['client_cpu_s'] * 1000 / frames)
print(line)
PY
	done
done
echo "medians over ${REPS:-3} reps (ms per frame):"
python3 - "$tmp/all" "${labels[@]}" <<'PY'
import statistics, sys
runs = {}
for l in open(sys.argv[1]):
    f = l.split()
    runs.setdefault(f[0], []).append((float(f[3]), float(f[5]), float(f[7])))
for name in dict.fromkeys(sys.argv[2:]):
    v = runs.get(name, [])
    if v:
        print('%s cpu/frame %.3f sched %.3f fps %.1f' % (name, statistics.median(c for c, _, _ in v),
              statistics.median(s for _, s, _ in v), statistics.median(f for _, _, f in v)))
PY
