#!/usr/bin/env bash
# misbehave-compare.sh: run every misbehave scenario against each reference
# compositor in turn, and nofault, and write the side-by-side table into
# docs/misbehave.md. `make misbehave-report` runs it with --install and
# nofault.
#
# usage: scripts/misbehave-compare.sh [--nofault CMD] [--only LIST] [--scenarios LIST]
#                                     [--install] [--out FILE] [--keep]
#
#   --nofault CMD     also run nofault, started as: CMD --backend=headless --socket=NAME
#                     (skipped with a note when CMD is not executable)
#   --only LIST       comma-separated subset of weston,sway,cage,mutter,kwin,phoc,nofault
#                     (default: all of them)
#   --scenarios LIST  comma-separated scenario names (default: every scenario)
#   --install         apt-get install the compositors that are missing (Debian 12)
#   --out FILE        Markdown file to update between its generated-section markers
#                     (default docs/misbehave.md; "-" prints the section to stdout)
#   --keep            keep the work directory (JSON reports, compositor logs)
#
# Each compositor is started headless in its own 0700 runtime directory,
# each scenario runs as its own `misbehave NAME --json` invocation, and
# the compositor's RSS (VmRSS) is read before and after every scenario.
# When a scenario kills the compositor, the script records the signal (the
# compositor runs under `sh -c 'CMD; echo $? >STATUS'`), starts a fresh
# one and continues with the next scenario, so one crash does not hide the
# rest of the table. A compositor that misbehave found unresponsive but
# whose process lives and answers within 60 s is reported as stalled, not
# dead, and kept.
#
# sway, cage, phoc, mutter and kwin refuse root or need a session bus: as
# root, the script creates (if missing) the unprivileged user $MISBEHAVE_USER
# (default nofault-misbehave) and runs them as that user with runuser and,
# for mutter, kwin and phoc, dbus-run-session. misbehave itself connects as
# the invoking user. /usr/bin/kwin_wayland carries a file capability
# (cap_sys_resource) that a container may not grant (exec fails with
# EPERM); the script runs a copy without it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
nofault_cmd=""
only="weston,sway,cage,mutter,kwin,phoc,nofault"
scen_list=""
install=0
out="$repo/docs/misbehave.md"
keep=0
run_user=${MISBEHAVE_USER:-nofault-misbehave}

while [ $# -gt 0 ]; do
	case "$1" in
	--nofault) nofault_cmd=$2; shift 2 ;;
	--nofault=*) nofault_cmd=${1#*=}; shift ;;
	--only) only=$2; shift 2 ;;
	--only=*) only=${1#*=}; shift ;;
	--scenarios) scen_list=$2; shift 2 ;;
	--scenarios=*) scen_list=${1#*=}; shift ;;
	--install) install=1; shift ;;
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
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

# Debian packages and the binary each compositor needs.
declare -A pkg=([weston]=weston [sway]=sway [cage]=cage [mutter]=mutter [kwin]=kwin-wayland [phoc]=phoc)
declare -A bin=([weston]=weston [sway]=sway [cage]=cage [mutter]=mutter [kwin]=kwin_wayland [phoc]=phoc)
if [ "$install" = 1 ]; then
	missing=()
	for c in weston sway cage mutter kwin phoc; do
		want "$c" || continue
		command -v "${bin[$c]}" >/dev/null || missing+=("${pkg[$c]}")
	done
	command -v dbus-run-session >/dev/null || missing+=(dbus)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
	fi
fi

log "building misbehave"
(cd "$repo" && go build -o "$work/misbehave" ./cmd/misbehave)
mb="$work/misbehave"
if [ -n "$scen_list" ]; then
	scenarios=${scen_list//,/ }
else
	scenarios=$("$mb" list | awk 'NR > 1 { print $1 }')
fi

# Current compositor: its process group id, process name, socket path, log
# file and the file its wrapper writes the exit status to.
cur_pid=""
cur_comm=""
cur_socket=""
cur_log=""
cur_status=""
restarts=0

signame() {
	local s=$(( $1 - 128 ))
	if [ "$1" -gt 128 ] && kill -l "$s" >/dev/null 2>&1; then
		echo "SIG$(kill -l "$s")"
	else
		echo "exit status $1"
	fi
}

# wait_socket DIR PATTERN: wait up to 30 s for a socket in DIR.
wait_socket() {
	local i s
	for i in $(seq 300); do
		for s in "$1"/$2; do
			if [ -S "$s" ]; then echo "$s"; return 0; fi
		done
		kill -0 "$cur_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# rundir NAME: a fresh 0700 runtime directory, owned by the user the
# compositor runs as.
rundir() {
	local dir="$work/$1-run"
	rm -rf "$dir"; mkdir -m 0700 "$dir"
	[ -z "${runas[*]}" ] || chown "$run_user" "$dir"
	echo "$dir"
}

# Unprivileged user for the compositors that refuse root.
runas=()
if [ "$(id -u)" = 0 ]; then
	if ! id "$run_user" >/dev/null 2>&1; then
		log "creating user $run_user to run the compositors that refuse root"
		useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
	fi
	runas=(runuser -u "$run_user" --)
fi

# launch NAME DIR SOCKETGLOB COMM [--user] [--dbus] [ENV=V...] -- CMD...:
# starts CMD in a new session under the status wrapper and waits for its
# socket.
launch() {
	local name=$1 dir=$2 glob=$3 comm=$4; shift 4
	local pre=() envs=()
	while [ "$1" != -- ]; do
		case "$1" in
		--user) pre=("${runas[@]}" "${pre[@]}") ;;
		--dbus) dbus=1 ;;
		*) envs+=("$1") ;;
		esac
		shift
	done
	shift
	cur_log="$work/$name.log"
	cur_status="$dir/status"
	cur_comm=$comm
	local wrap=(sh -c '"$@"; echo $? >"$STATUS"' sh "$@")
	if [ "${dbus:-0}" = 1 ]; then wrap=(dbus-run-session -- "${wrap[@]}"); fi
	dbus=0
	setsid "${pre[@]}" env -i PATH="$PATH" HOME="$dir" XDG_RUNTIME_DIR="$dir" STATUS="$cur_status" \
		"${envs[@]}" "${wrap[@]}" >>"$cur_log" 2>&1 </dev/null &
	cur_pid=$!
	pids+=("$cur_pid")
	cur_socket=$(wait_socket "$dir" "$glob") || { log "$name did not start; see $cur_log"; tail -20 "$cur_log" >&2; return 1; }
}

wlr_env=(WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1)

start_weston() {
	local dir; dir=$(runas='' rundir weston)
	launch weston "$dir" misbehave-weston weston -- \
		weston --backend=headless-backend.so --use-pixman --idle-time=0 --socket=misbehave-weston
}

start_sway() {
	local dir; dir=$(rundir sway)
	cat >"$work/sway.conf" <<-'EOF2'
	# Minimal configuration for misbehave: one headless output, no bar,
	# no background, no idle handling.
	output * resolution 1280x720
	default_border none
	EOF2
	chmod 644 "$work/sway.conf"
	launch sway "$dir" 'wayland-*[0-9]' sway --user "${wlr_env[@]}" -- sway -c "$work/sway.conf"
}

# sleeper: the application cage and phoc start, without a window; it
# leaves when its parent (the compositor) is gone, since phoc starts it in
# a session of its own, out of reach of the kill of the process group.
sleeper() {
	printf '#!/bin/sh\nwhile kill -0 $PPID 2>/dev/null; do sleep 1; done\n' >"$work/sleeper"
	chmod 755 "$work/sleeper"
}

start_cage() {
	local dir; dir=$(rundir cage)
	sleeper
	launch cage "$dir" 'wayland-*[0-9]' cage --user "${wlr_env[@]}" -- cage -- "$work/sleeper"
}

start_phoc() {
	local dir; dir=$(rundir phoc)
	printf '[core]\nxwayland=false\n[output:HEADLESS-1]\nmode=1280x720\n' >"$work/phoc.ini"
	chmod 644 "$work/phoc.ini"
	sleeper
	launch phoc "$dir" 'wayland-*[0-9]' phoc --user --dbus "${wlr_env[@]}" -- phoc -C "$work/phoc.ini" -E "$work/sleeper"
}

start_mutter() {
	local dir; dir=$(rundir mutter)
	launch mutter "$dir" misbehave-mutter mutter --user --dbus -- \
		mutter --headless --virtual-monitor 1280x720 --wayland --no-x11 --wayland-display=misbehave-mutter
}

start_kwin() {
	local dir; dir=$(rundir kwin)
	# A copy without the file capability the container cannot grant.
	install -m 0755 "$(command -v kwin_wayland)" "$work/kwin_wayland"
	launch kwin "$dir" misbehave-kwin kwin_wayland --user --dbus -- \
		"$work/kwin_wayland" --virtual --no-lockscreen --width 1280 --height 720 --socket misbehave-kwin
}

start_nofault() {
	local dir; dir=$(runas='' rundir nofault)
	launch nofault "$dir" misbehave-nofault "$(basename "${nofault_cmd%% *}")" -- \
		$nofault_cmd --backend=headless --socket=misbehave-nofault
}

# comp_pid: the compositor process itself (in the session started by
# launch, the process named $cur_comm).
comp_pid() {
	ps -e -o pid=,sid=,comm= | awk -v s="$cur_pid" -v c="${cur_comm:0:15}" '$2 == s && $3 == c { print $1; exit }'
}

# rss_kb: the compositor's VmRSS in KiB, or 0.
rss_kb() {
	local p; p=$(comp_pid)
	[ -n "$p" ] && awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$p/status" 2>/dev/null || echo 0
}

stop_current() {
	[ -n "$cur_pid" ] || return 0
	kill -- "-$cur_pid" 2>/dev/null || true
	wait "$cur_pid" 2>/dev/null || true
	cur_pid=""
}

# run_all NAME: every scenario against compositor NAME, restarting it after
# a death. Writes $work/NAME.json: misbehave's reports plus one "process"
# line per scenario (RSS before and after; how the process ended if it died).
run_all() {
	local name=$1 s status version=$2
	: >"$work/$name.json"
	restarts=0
	"start_$name" || return 1
	log "$name: socket $cur_socket"
	printf '{"process": {"version": "%s"}}\n' "$version" >>"$work/$name.json"
	for s in $scenarios; do
		if ! kill -0 "$cur_pid" 2>/dev/null || [ -z "$(comp_pid)" ]; then
			stop_current
			restarts=$((restarts + 1))
			"start_$name" || return 1
		fi
		local before after ended="" stalled=false
		before=$(rss_kb)
		"$mb" --socket "$cur_socket" --json -q "$s" >"$work/one.json" || true
		after=$(rss_kb)
		cat "$work/one.json" >>"$work/$name.json"
		local result
		result=$(grep -o '"result": "[a-z-]*"' "$work/one.json" | head -1 | cut -d'"' -f4)
		if [ "$result" = compositor-died ]; then
			# Dead, or only slower than misbehave's timeout? A process that
			# lives and answers within a minute stalled; one that does not
			# answer is killed and reported as hung.
			for _ in $(seq 100); do [ -s "$cur_status" ] && break; sleep 0.1; done
			status=$(cat "$cur_status" 2>/dev/null || echo "")
			if [ -n "$status" ]; then
				ended=$(signame "$status")
			elif "$mb" --socket "$cur_socket" --timeout 60s --grace 0 --no-bystander -q create-pool-zero >/dev/null 2>&1; then
				stalled=true
			else
				ended="hung: no answer within 60 s, killed"
			fi
			if [ "$stalled" = false ]; then
				stop_current
				after=0
			else
				after=$(rss_kb)
			fi
		fi
		log "$name: $s: $result${ended:+ ($ended)}$([ "$stalled" = false ] || echo ' (stalled, alive)') rss ${before}k -> ${after}k"
		printf '{"process": {"scenario": "%s", "rss_before_kb": %d, "rss_after_kb": %d, "ended": "%s", "stalled": %s}}\n' \
			"$s" "${before:-0}" "${after:-0}" "$ended" "$stalled" >>"$work/$name.json"
	done
	stop_current
}

dpkgv() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo '?'; }
libwl="libwayland-server $(dpkgv libwayland-server0)"
declare -A label=(
	[weston]="weston $(dpkgv weston)"
	[sway]="sway $(dpkgv sway)"
	[cage]="cage $(dpkgv cage)"
	[mutter]="mutter $(dpkgv mutter)"
	[kwin]="kwin $(dpkgv kwin-wayland | sed 's/^[0-9]*://')"
	[phoc]="phoc $(dpkgv phoc)"
)
declare -A detail=(
	[weston]="weston $(dpkgv weston): --backend=headless-backend.so --use-pixman; $libwl"
	[sway]="sway $(dpkgv sway), wlroots $(dpkgv libwlroots10): WLR_BACKENDS=headless WLR_RENDERER=pixman; $libwl"
	[cage]="cage $(dpkgv cage), wlroots $(dpkgv libwlroots10): WLR_BACKENDS=headless WLR_RENDERER=pixman; $libwl"
	[mutter]="mutter $(dpkgv mutter): --headless --virtual-monitor 1280x720 --wayland --no-x11 (llvmpipe); $libwl"
	[kwin]="kwin_wayland $(dpkgv kwin-wayland): --virtual --no-lockscreen (llvmpipe); $libwl"
	[phoc]="phoc $(dpkgv phoc), wlroots $(dpkg-query -W -f '${Version}' 'libwlroots*' 2>/dev/null | sort -V | tail -1): WLR_BACKENDS=headless WLR_RENDERER=pixman; $libwl"
)

columns=()
versions=()
for c in weston sway cage mutter kwin phoc; do
	want "$c" || continue
	if ! command -v "${bin[$c]}" >/dev/null; then
		log "$c is not installed, skipping (--install installs it)"
		continue
	fi
	if run_all "$c" "${label[$c]}"; then
		columns+=("${label[$c]}=$work/$c.json")
		versions+=("${detail[$c]}")
	else
		log "$c: could not be started; left out"
		versions+=("${detail[$c]}: could not be started here (see the log of misbehave-compare)")
	fi
done
nofault_note=""
if want nofault && [ -n "$nofault_cmd" ]; then
	if command -v "${nofault_cmd%% *}" >/dev/null; then
		rev=$(cd "$repo" && git rev-parse --short HEAD)
		run_all nofault "nofault $rev" && columns+=("nofault $rev=$work/nofault.json")
		versions+=("nofault $rev: $nofault_cmd --backend=headless (Go $(go env GOVERSION 2>/dev/null || echo '?'))")
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
	echo "Generated by \`make misbehave-report\` (scripts/misbehave-compare.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "Linux $(uname -r), Debian $(cat /etc/debian_version), $(nproc) CPUs; every compositor headless with software rendering:"
	echo
	for v in "${versions[@]}"; do echo "- $v"; done
	echo
	"$mb" compare "${columns[@]}"
	if ! printf '%s\n' "${columns[@]}" | grep -q '^nofault'; then
		echo
		echo "nofault column: not measured in this run. ${nofault_note}"
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
