#!/bin/bash
# bench/threads.sh: where a compositor's CPU goes, thread by thread, on
# one wlbench workload: each thread's CPU (utime + stime from
# /proc/PID/task/TID/stat) and context switches over the middle 4 s of a
# 6 s run on a fresh headless output, then wlbench's summary. It tells
# llvmpipe's rasterizer threads from the compositor's own.
#
#   bash bench/threads.sh BIN[:RENDERER] [WLBENCH ARGS...]   a nofault binary
#   bash bench/threads.sh weston-gl [WLBENCH ARGS...]          weston --use-gl
#
# e.g. bash bench/threads.sh /tmp/nf:gl --size=640x480 --surfaces=8 --edges=24 --opaque-body
# Environment: OUT (output size, 1920x1080), NF_ARGS (more compositor
# flags, e.g. --scale=1.5), WLBENCH (a built cmd/wlbench; else built
# here with go). Other variables (LP_NUM_THREADS, LP_PERF) reach the
# compositor.
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,16p "$0" >&2; exit 2; }
target=$1; shift
. "$(dirname "$0")/lib.sh"
bench_setup
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
unset DISPLAY WAYLAND_DISPLAY
out=${OUT:-1920x1080}
if [ "$target" = weston-gl ]; then
	weston --backend=headless-backend.so --use-gl --idle-time=0 --socket=threads \
		--width=${out%x*} --height=${out#*x} >"$tmp/log" 2>&1 &
else
	bin=${target%%:*} renderer=soft
	[ "$bin" != "$target" ] && renderer=${target#*:}
	# shellcheck disable=SC2086
	"$bin" --backend=headless --size="$out" --socket=threads --renderer="$renderer" ${NF_ARGS:-} >"$tmp/log" 2>&1 &
fi
pid=$!
for _ in $(seq 100); do [ -S "$XDG_RUNTIME_DIR/threads" ] && break; sleep 0.1; done
[ -S "$XDG_RUNTIME_DIR/threads" ] || { cat "$tmp/log" >&2; exit 1; }
"$wlbench" --socket=threads --pid=$pid --duration=6s --warmup=1s "$@" >"$tmp/wb.json" 2>"$tmp/wb.err" &
wb=$!
snap() {
	for t in /proc/$pid/task/*; do
		echo "$(basename "$t") $(tr ' ' _ <"$t/comm") $(awk '{print $14 + $15}' "$t/stat") $(awk '/^(non)?voluntary_ctxt_switches/ {printf "%s ", $2}' "$t/status")"
	done | sort
}
sleep 2
snap >"$tmp/a"
sleep 4
snap >"$tmp/b"
wait $wb || { cat "$tmp/wb.err" >&2; exit 1; }
tck=$(getconf CLK_TCK)
join "$tmp/a" "$tmp/b" | awk -v tck="$tck" '{d = $7 - $3; if (d > 0 || $8 - $4 > 100) printf "%-8s %-16s cpu %5.2f s  switches %6d voluntary %6d involuntary\n", $1, $2, d / tck, $8 - $4, $9 - $5}'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("fps %.1f per surface, %d frames, CPU %.3f ms a frame (whole run)" % (d["fps"], d["frames"], d["cpu_per_frame_ms"]))' "$tmp/wb.json"
