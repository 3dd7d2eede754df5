#!/bin/bash
# bench/gpu/ab.sh: A/B of two compositor binaries with --renderer=gl (and
# soft for reference), interleaved in one run: cmd/wlbench drawing a new
# frame on every frame callback, compositor CPU per frame from /proc.
#
#   bash bench/gpu/ab.sh A=path/to/compositor B=path/to/compositor [ROUNDS]
#
# Workloads: a 256x256 client and a 1920x1080 full-damage client, both on
# a 1920x1080 headless output. wlbench comes from bench/gpu/out (build.sh).
# Prints one line per run and the medians.
set -u
here=$(cd "$(dirname "$0")" && pwd)
wlbench=$here/out/wlbench
[ -x "$wlbench" ] || { echo "ab.sh: run bench/gpu/build.sh first" >&2; exit 1; }
a=${1#A=}; b=${2#B=}; rounds=${3:-3}; dur=${DURATION:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unset DISPLAY WAYLAND_DISPLAY
run() { # name binary renderer csize
	local rd=$tmp/rt; rm -rf "$rd"; mkdir -m 700 "$rd"
	XDG_RUNTIME_DIR=$rd "$2" --backend=headless --socket=ab --size=1920x1080 --renderer="$3" 2>>"$tmp/log" &
	local pid=$!
	for _ in $(seq 100); do [ -S "$rd/ab" ] && break; sleep 0.1; done
	timeout $((dur + 12)) "$wlbench" --socket="$rd/ab" --size="$4" --warmup=1s --duration="${dur}s" --pid=$pid >"$tmp/r.json"
	kill $pid; wait $pid 2>/dev/null
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%s %s %.3f %.1f" % (sys.argv[2], sys.argv[3], r["cpu_per_frame_ms"], r["fps"]))' "$tmp/r.json" "$1" "$4" | tee -a "$tmp/all"
}
for i in $(seq "$rounds"); do
	for cs in 256x256 1920x1080; do
		run A-gl "$a" gl $cs
		run B-gl "$b" gl $cs
		run B-soft "$b" soft $cs
	done
done
echo "median CPU ms/frame (fps):"
python3 - "$tmp/all" <<'PY'
import statistics, sys, collections
d = collections.defaultdict(list)
for l in open(sys.argv[1]):
    n, s, c, f = l.split()
    d[(n, s)].append((float(c), float(f)))
for (n, s), v in sorted(d.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    print("%-8s %-10s %6.2f ms  (%s)  fps %.1f" % (n, s, statistics.median(c for c, _ in v), " ".join("%.2f" % c for c, _ in v), statistics.median(f for _, f in v)))
PY
