# bench/lib.sh, sourced by bench's scripts: bench_setup makes $tmp, a
# private $XDG_RUNTIME_DIR in it, and sets $wlbench to $WLBENCH or to a
# cmd/wlbench it builds into $tmp. The caller removes $tmp (its trap).
bench_setup() {
	tmp=$(mktemp -d)
	export XDG_RUNTIME_DIR=$tmp/rt
	mkdir -m 700 "$XDG_RUNTIME_DIR"
	wlbench=${WLBENCH:-}
	if [ -z "$wlbench" ]; then
		wlbench=$tmp/wlbench
		(cd "$(dirname "${BASH_SOURCE[0]}")/.." && go build -o "$wlbench" ./cmd/wlbench)
	fi
}
