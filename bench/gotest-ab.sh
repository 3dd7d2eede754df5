#!/bin/bash
# bench/gotest-ab.sh: an A/B of a package's Go benchmarks between two
# revisions, interleaved: the package's test binary is built at each
# revision (a git worktree for each), and each rep runs the two binaries
# in turn, so that both see the same host. Prints every run's ns/op in
# ms, then each benchmark's median per revision and the ratio.
#
#   bash bench/gotest-ab.sh BEFORE AFTER PKG BENCH
#   e.g. bash bench/gotest-ab.sh bb812a8 HEAD ./render/soft 'Render/1080p-1-ARGB-scale'
#
# AFTER may be "." for the working tree. Environment: REPS (7), BENCHTIME
# (60x).
set -euo pipefail
[ $# -eq 4 ] || { sed -n 2,12p "$0" >&2; exit 2; }
before=$1 after=$2 pkg=$3 bench=$4
reps=${REPS:-7} benchtime=${BENCHTIME:-60x}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
cleanup() {
	for d in "$tmp"/wt-*; do
		[ -d "$d" ] && git -C "$root" worktree remove --force "$d"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
build() { # build LABEL REV: the test binary, and where it runs (the package's directory, as go test runs it)
	local dir=$root
	if [ "$2" != . ]; then
		dir=$tmp/wt-$1
		git -C "$root" worktree add -q --detach "$dir" "$2"
	fi
	(cd "$dir" && go test -c -o "$tmp/$1.test" "$pkg")
	echo "$dir/$pkg" >"$tmp/$1.dir"
}
build before "$before"
build after "$after"
for rep in $(seq "$reps"); do
	for side in before after; do
		(cd "$(cat "$tmp/$side.dir")" && "$tmp/$side.test" -test.run='^$' -test.bench="$bench" -test.benchtime="$benchtime") |
			awk -v side="$side" -v rep="$rep" '/^Benchmark/ { printf "%s %s %s %.3f\n", rep, side, $1, $3 / 1e6 }'
	done
done | tee "$tmp/runs"
echo "medians (ms), $reps reps, $before -> $after:"
sort -k3,3 -k2,2 -k4,4n "$tmp/runs" | awk '
	function median(k,   n) { n = cnt[k]; return n % 2 ? v[k, (n + 1) / 2] : (v[k, n / 2] + v[k, n / 2 + 1]) / 2 }
	{ k = $3 SUBSEP $2; v[k, ++cnt[k]] = $4; names[$3] = 1 }
	END {
		for (b in names) {
			m0 = median(b SUBSEP "before"); m1 = median(b SUBSEP "after")
			printf "%s  %.3f -> %.3f  (%.2fx)\n", b, m0, m1, m1 / m0
		}
	}'
