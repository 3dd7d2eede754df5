#!/bin/bash
# bench/gpu/ab.sh: A/B of two compositor binaries with --renderer=gl (and
# B with soft for reference), interleaved in one run, with bench/ab.sh:
# cmd/wlbench drawing a new frame on every frame callback, compositor CPU
# per frame from /proc and schedstat, and the medians.
#
#   bash bench/gpu/ab.sh A=path/to/compositor B=path/to/compositor [ROUNDS]
#
# Workloads: a 256x256 client and a 1920x1080 full-damage client, both on
# a 1920x1080 headless output, DURATION (3) seconds each. wlbench comes
# from bench/gpu/out (build.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
wlbench=$here/out/wlbench
[ -x "$wlbench" ] || { echo "ab.sh: run bench/gpu/build.sh first" >&2; exit 1; }
[ $# -ge 2 ] || { sed -n 2,11p "$0" >&2; exit 2; }
a=${1#A=}; b=${2#B=}
for cs in 256x256 1920x1080; do
	REPS=${3:-3} DURATION=${DURATION:-3} WLBENCH=$wlbench bash "$here/../ab.sh" "$cs" "$a:gl" "$b:gl" "$b:soft"
done
