#!/bin/bash
# bench/rtt-ab.sh: a quick A/B of compositors on wl_display.sync round
# trips from a libwayland client (bench/c/syncrtt), interleaved: each rep
# starts every compositor in turn, pins it and the client, and times 3000
# round trips after 1000 of warm-up. One line per run (label, p50 µs, p99
# µs, compositor context switches per round trip), then the medians and
# every run's p99. The harness (bench/cmd/abcompare, workloads sync-c-same
# and sync-c-cross) is the measurement to quote; this is for a first look.
#
#   bash bench/rtt-ab.sh 'LABEL=COMMAND'...
#
# COMMAND is run with env(1), so it may start with VAR=value words; SOCK in
# it stands for the socket name, e.g.
#   bash bench/rtt-ab.sh 'main=/tmp/nf --backend=headless --socket=SOCK' \
#       'weston=weston --backend=headless-backend.so --use-pixman --idle-time=0 --socket=SOCK'
# Environment: REPS (5), PINC / PINW (CPU lists for the compositor's threads
# and for the client; 0 and 0: one CPU), SYNCRTT (a built bench/c/syncrtt;
# else built here with cc).
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,18p "$0" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${REPS:-5} pinc=${PINC:-0} pinw=${PINW:-0}
tmp=$(mktemp -d)
export XDG_RUNTIME_DIR=$tmp/rt
mkdir -m 700 "$XDG_RUNTIME_DIR"
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
unset DISPLAY WAYLAND_DISPLAY
syncrtt=${SYNCRTT:-}
if [ -z "$syncrtt" ]; then
	syncrtt=$tmp/syncrtt
	cc -O2 -o "$syncrtt" "$root/bench/c/syncrtt.c" $(pkg-config --cflags --libs wayland-client) -lm
fi
for _ in $(seq "$reps"); do
	for spec in "$@"; do
		label=${spec%%=*} cmd=${spec#*=}
		rm -f "$XDG_RUNTIME_DIR/rtt-ab"
		# shellcheck disable=SC2086 # the command's words
		env ${cmd//SOCK/rtt-ab} >"$tmp/$label.log" 2>&1 &
		pid=$!
		for _ in $(seq 200); do [ -S "$XDG_RUNTIME_DIR/rtt-ab" ] && break; sleep 0.05; done
		[ -S "$XDG_RUNTIME_DIR/rtt-ab" ] || { echo "$label: no socket; its log:" >&2; cat "$tmp/$label.log" >&2; exit 1; }
		for t in /proc/$pid/task/*; do taskset -pc "$pinc" "${t##*/}" >/dev/null; done
		res=$(taskset -c "$pinw" "$syncrtt" --socket="$XDG_RUNTIME_DIR/rtt-ab" --count=3000 --warmup=1000 --pid=$pid)
		kill $pid
		wait $pid 2>/dev/null || true
		pid=
		echo "$res" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(sys.argv[1], d["rtt_p50_us"], d["rtt_p99_us"], "%.3f" % (d.get("ctx_switches", 0) / 3000))' "$label"
	done
done | tee "$tmp/all"
echo "medians over $reps reps (µs):"
python3 - "$tmp/all" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    runs[f[0]].append([float(x) for x in f[1:4]])
for label, rs in runs.items():
    med = [statistics.median(r[i] for r in rs) for i in range(3)]
    print("%s p50 %.1f p99 %.1f switches %.2f; p99s %s" % (label, med[0], med[1], med[2], " ".join("%.1f" % r[1] for r in sorted(rs, key=lambda r: r[1]))))
PY
