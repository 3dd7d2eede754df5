#!/usr/bin/env bash
# misbehave-compare.sh: run every misbehave scenario against weston 10
# headless, sway 1.7 headless and (when asked) nofault, and write the
# side-by-side table into docs/misbehave.md.
#
# usage: scripts/misbehave-compare.sh [--nofault CMD] [--only LIST] [--out FILE] [--keep]
#
#   --nofault CMD  also run nofault, started as: CMD --backend=headless --socket=NAME
#                  (skipped with a note when CMD is not executable)
#   --only LIST    comma-separated subset of weston,sway,nofault (default: all that apply)
#   --out FILE     Markdown file to update between its generated-section markers
#                  (default docs/misbehave.md; "-" prints the section to stdout)
#   --keep         keep the work directory (JSON reports, compositor logs)
#
# Each scenario runs as its own `misbehave NAME --json` invocation. When a
# scenario kills the compositor, the script records how the process ended
# and starts a fresh one for the next scenario, so one crash does not hide
# the rest of the table.
#
# sway refuses to run as root: as root, the script creates (if missing) the
# unprivileged user $SWAY_USER (default nofault-sway) and runs sway as that
# user with runuser, with its own 0700 runtime directory. misbehave itself
# connects as the invoking user.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
nofault_cmd=""
only="weston,sway,nofault"
out="$repo/docs/misbehave.md"
keep=0
sway_user=${SWAY_USER:-nofault-sway}

while [ $# -gt 0 ]; do
	case "$1" in
	--nofault) nofault_cmd=$2; shift 2 ;;
	--nofault=*) nofault_cmd=${1#*=}; shift ;;
	--only) only=$2; shift 2 ;;
	--only=*) only=${1#*=}; shift ;;
	--out) out=$2; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "misbehave-compare: unknown argument $1" >&2; exit 2 ;;
	esac
done

work=$(mktemp -d /tmp/misbehave-compare.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -- "-$p" 2>/dev/null || true
	done
	if [ "$keep" = 1 ]; then
		echo "misbehave-compare: work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

log() { echo "misbehave-compare: $*" >&2; }

log "building misbehave"
(cd "$repo" && go build -o "$work/misbehave" ./cmd/misbehave)
mb="$work/misbehave"
scenarios=$("$mb" list | awk 'NR > 1 { print $1 }')

want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

# Current compositor: its process group id, socket path, log file.
cur_pid=""
cur_socket=""
cur_log=""
cur_exit=""

signame() {
	local s=$(( $1 - 128 ))
	if [ "$1" -gt 128 ] && kill -l "$s" >/dev/null 2>&1; then
		echo "signal SIG$(kill -l "$s")"
	else
		echo "exit status $1"
	fi
}

# wait_socket DIR PATTERN: wait up to 10 s for a socket in DIR.
wait_socket() {
	local i s
	for i in $(seq 100); do
		for s in "$1"/$2; do
			if [ -S "$s" ]; then echo "$s"; return 0; fi
		done
		sleep 0.1
	done
	return 1
}

start_weston() {
	local dir="$work/weston-run"
	rm -rf "$dir"; mkdir -m 0700 "$dir"
	cur_log="$work/weston.log"
	setsid env -u WAYLAND_DISPLAY -u DISPLAY XDG_RUNTIME_DIR="$dir" \
		weston --backend=headless-backend.so --use-pixman --idle-time=0 \
		--socket=misbehave-weston >>"$cur_log" 2>&1 &
	cur_pid=$!
	pids+=("$cur_pid")
	cur_socket=$(wait_socket "$dir" misbehave-weston) || { log "weston did not start; see $cur_log"; tail -20 "$cur_log" >&2; return 1; }
}

start_sway() {
	local dir="$work/sway-run"
	rm -rf "$dir"; mkdir -m 0700 "$dir"
	cur_log="$work/sway.log"
	cat >"$work/sway.conf" <<-'EOF'
	# Minimal configuration for misbehave: one headless output, no bar,
	# no background, no idle handling.
	output * resolution 1280x720
	default_border none
	EOF
	chmod 644 "$work/sway.conf"
	local runas=()
	if [ "$(id -u)" = 0 ]; then
		if ! id "$sway_user" >/dev/null 2>&1; then
			log "creating user $sway_user to run sway (it refuses root)"
			useradd --system --no-create-home --shell /usr/sbin/nologin "$sway_user"
		fi
		chown "$sway_user" "$dir"
		runas=(runuser -u "$sway_user" --)
	fi
	setsid "${runas[@]}" env -i PATH="$PATH" HOME="$dir" XDG_RUNTIME_DIR="$dir" \
		WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
		sway -c "$work/sway.conf" >>"$cur_log" 2>&1 &
	cur_pid=$!
	pids+=("$cur_pid")
	cur_socket=$(wait_socket "$dir" 'wayland-*[0-9]') || { log "sway did not start; see $cur_log"; tail -20 "$cur_log" >&2; return 1; }
}

start_nofault() {
	local dir="$work/nofault-run"
	rm -rf "$dir"; mkdir -m 0700 "$dir"
	cur_log="$work/nofault.log"
	setsid env -u WAYLAND_DISPLAY -u DISPLAY XDG_RUNTIME_DIR="$dir" \
		$nofault_cmd --backend=headless --socket=misbehave-nofault >>"$cur_log" 2>&1 &
	cur_pid=$!
	pids+=("$cur_pid")
	cur_socket=$(wait_socket "$dir" misbehave-nofault) || { log "nofault did not start; see $cur_log"; tail -20 "$cur_log" >&2; return 1; }
}

stop_current() {
	[ -n "$cur_pid" ] || return 0
	kill -- "-$cur_pid" 2>/dev/null || true
	wait "$cur_pid" 2>/dev/null || true
	cur_pid=""
}

# run_all NAME: every scenario against compositor NAME, restarting it after
# a death. Writes $work/NAME.json (one report per scenario) and
# $work/NAME.notes (how the compositor ended when it died).
run_all() {
	local name=$1 s status
	: >"$work/$name.json"
	: >"$work/$name.notes"
	"start_$name" || return 1
	log "$name: socket $cur_socket"
	for s in $scenarios; do
		if ! kill -0 "$cur_pid" 2>/dev/null; then
			"start_$name" || return 1
		fi
		"$mb" --socket "$cur_socket" --json -q "$s" >"$work/one.json" || true
		cat "$work/one.json" >>"$work/$name.json"
		local result
		result=$(grep -o '"result": "[a-z-]*"' "$work/one.json" | head -1 | cut -d'"' -f4)
		log "$name: $s: $result"
		if [ "$result" = compositor-died ]; then
			status=0
			for _ in $(seq 50); do kill -0 "$cur_pid" 2>/dev/null || break; sleep 0.1; done
			wait "$cur_pid" 2>/dev/null || status=$?
			echo "$s: $name ended with $(signame "$status")" >>"$work/$name.notes"
			cur_pid=""
		fi
	done
	stop_current
}

columns=()
versions=()
if want weston; then
	if command -v weston >/dev/null; then
		run_all weston && columns+=("weston 10 headless=$work/weston.json")
		versions+=("weston: $(weston --version 2>&1 | head -1), libwayland-server $(dpkg-query -W -f '${Version}' libwayland-server0 2>/dev/null || echo '?')")
	else
		log "weston not installed, skipping"
	fi
fi
if want sway; then
	if command -v sway >/dev/null; then
		run_all sway && columns+=("sway 1.7 headless=$work/sway.json")
		versions+=("sway: $(sway --version 2>&1 | head -1), wlroots $(dpkg-query -W -f '${Version}' 'libwlroots*' 2>/dev/null | head -1 || echo '?'), libwayland-server $(dpkg-query -W -f '${Version}' libwayland-server0 2>/dev/null || echo '?')")
	else
		log "sway not installed, skipping"
	fi
fi
nofault_note=""
if want nofault && [ -n "$nofault_cmd" ]; then
	if command -v "${nofault_cmd%% *}" >/dev/null; then
		run_all nofault && columns+=("nofault headless=$work/nofault.json")
		versions+=("nofault: $nofault_cmd ($(cd "$repo" && git rev-parse --short HEAD))")
	else
		nofault_note="nofault was requested (--nofault $nofault_cmd) but that command does not exist."
		log "$nofault_note"
	fi
fi
if [ ${#columns[@]} = 0 ]; then
	log "no compositor ran"
	exit 1
fi

section="$work/section.md"
{
	echo "Generated by \`scripts/misbehave-compare.sh\` on $(date -u +%Y-%m-%d), Linux $(uname -r)."
	echo
	for v in "${versions[@]}"; do echo "- $v"; done
	echo
	"$mb" compare "${columns[@]}"
	notes=$(cat "$work"/*.notes 2>/dev/null || true)
	if [ -n "$notes" ]; then
		echo
		echo "How the compositor process ended where it died:"
		echo
		echo "$notes" | sed 's/^/- /'
	fi
	if ! printf '%s\n' "${columns[@]}" | grep -q '^nofault'; then
		echo
		echo "nofault column: not measured yet. Run \`scripts/misbehave-compare.sh --nofault ./compositor\`"
		echo "once the server exists. ${nofault_note}"
	fi
} >"$section"

if [ "$out" = - ]; then
	cat "$section"
	exit 0
fi
# replace_section FILE NAME CONTENT_FILE: put CONTENT_FILE between the
# markers of section NAME (appending the markers if missing).
replace_section() {
	local file=$1 name=$2 content=$3
	local begin="<!-- BEGIN $name (generated by scripts/misbehave-compare.sh; do not edit) -->"
	local end="<!-- END $name -->"
	if [ ! -f "$file" ] || ! grep -qF "$begin" "$file"; then
		{ echo; echo "$begin"; echo "$end"; } >>"$file"
	fi
	awk -v begin="$begin" -v end="$end" -v section="$content" '
		$0 == begin { print; while ((getline line < section) > 0) print line; skip = 1; next }
		$0 == end { skip = 0 }
		!skip { print }
	' "$file" >"$file.tmp" && mv "$file.tmp" "$file"
}
"$mb" list --markdown >"$work/catalogue.md"
replace_section "$out" misbehave-catalogue "$work/catalogue.md"
replace_section "$out" misbehave-compare "$section"
log "wrote $out"
