#!/usr/bin/env bash
# demo.sh: the shrink-then-disconnect reproducer against sway 1.7, once
# with Debian's wlroots 0.15 as built from source (stock) and once with the
# fix (patched), chosen with LD_LIBRARY_PATH; in both of its modes: the
# client disconnects, or it destroys its wl_buffer and stays
# (--destroy-buffer).
#
# usage: findings/wlroots/demo.sh [--tries N] [--backtrace FILE]
#
#   --tries N         runs per library and mode (default 3)
#   --backtrace FILE  also run sway with the stock library under gdb and
#                     write the faulting thread's backtrace to FILE
#
# Builds both libraries and runs the patch's test with build.sh (cached
# outside the repository), and the reproducer
# (findings/repro/shrink-then-disconnect.c) into the same cache. Prints a
# table; exit status 0 when sway died of SIGBUS in every run with the stock
# library and survived every run with the patched one.
#
# sway runs as in scripts/misbehave-compare.sh: headless (WLR_BACKENDS=
# headless, WLR_RENDERER=pixman), in a fresh 0700 runtime directory, as the
# unprivileged user $MISBEHAVE_USER (default nofault-misbehave) when run as
# root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tries=3
bt=""
while [ $# -gt 0 ]; do
	case "$1" in
	--tries) tries=$2; shift 2 ;;
	--backtrace) bt=$(realpath -m "$2"); shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown argument $1" >&2; exit 2 ;;
	esac
done
log() { echo "demo: $*" >&2; }
apt() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >&2; }

command -v sway >/dev/null || apt sway
[ -z "$bt" ] || command -v gdb >/dev/null || apt gdb
command -v wayland-scanner >/dev/null && pkg-config --exists wayland-client || apt libwayland-dev wayland-protocols
paths=$("$here/build.sh")
stock=$(sed -n 's/^stock=//p' <<<"$paths")
patched=$(sed -n 's/^patched=//p' <<<"$paths")
cache=$(dirname "$(dirname "$stock")")
echo "sway: $(sway --version 2>/dev/null)"
echo "stock libwlroots.so.10:   $stock/libwlroots.so.10"
echo "patched libwlroots.so.10: $patched/libwlroots.so.10"

# The reproducer, built against the system's libwayland-client.
rb="$cache/repro"
mkdir -p "$rb"
xml=/usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml
bin="$rb/shrink-then-disconnect"
if [ ! -x "$bin" ] || [ "$repo/findings/repro/shrink-then-disconnect.c" -nt "$bin" ]; then
	wayland-scanner private-code "$xml" "$rb/xdg-shell-protocol.c"
	wayland-scanner client-header "$xml" "$rb/xdg-shell-client-protocol.h"
	cc -Wall -O2 -I"$rb" -o "$bin" "$repo/findings/repro/shrink-then-disconnect.c" "$rb/xdg-shell-protocol.c" \
		-lpthread $(pkg-config --cflags --libs wayland-client)
fi
chmod 755 "$cache" "$rb" "$bin" "$(dirname "$stock")" "$stock" "$(dirname "$patched")" "$patched"
echo "reproducer: $bin"

work=$(mktemp -d /tmp/wlroots-demo.XXXXXX)
chmod 755 "$work"
cur=""
cleanup() { [ -z "$cur" ] || kill -- "-$cur" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

user=${MISBEHAVE_USER:-nofault-misbehave}
runas=()
if [ "$(id -u)" = 0 ]; then
	id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
	runas=(runuser -u "$user" --)
fi
printf 'output * resolution 1280x720\n' >"$work/sway.conf"
chmod 644 "$work/sway.conf"

# trial LIBDIR N MODE [gdb]: start sway with LD_LIBRARY_PATH=LIBDIR, run
# the reproducer (MODE: disconnect or destroy-buffer), print how sway ended
# ("SIGBUS", "alive", ...).
trial() {
	local lib=$1 n=$2 mode=$3 gdb=${4:-}
	local args=()
	[ "$mode" = disconnect ] || args=(--$mode)
	local dir="$work/run-$n"
	rm -rf "$dir"; mkdir -m 0700 "$dir"
	[ ${#runas[@]} -eq 0 ] || chown "$user" "$dir"
	local inner=(sh -c '"$@"; echo $? >"$STATUS"' sh sway -c "$work/sway.conf")
	if [ -n "$gdb" ]; then
		inner=(gdb -q -batch -ex 'set pagination off' -ex 'handle SIGPIPE nostop noprint' -ex run -ex 'bt 40' \
			--args sway -c "$work/sway.conf")
	fi
	setsid "${runas[@]}" env -i PATH="$PATH" HOME="$dir" XDG_RUNTIME_DIR="$dir" STATUS="$dir/status" \
		LD_LIBRARY_PATH="$lib" WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
		"${inner[@]}" >"$dir/log" 2>&1 </dev/null &
	cur=$!
	local sock="" i f
	for i in $(seq 600); do
		for f in "$dir"/wayland-*[0-9]; do [ -S "$f" ] && sock=$f; done
		[ -n "$sock" ] && break
		kill -0 "$cur" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$sock" ]; then
		echo "did-not-start"; kill -- "-$cur" 2>/dev/null || true; cur=""; return
	fi
	XDG_RUNTIME_DIR="$dir" WAYLAND_DISPLAY="$(basename "$sock")" timeout 30 "$bin" "${args[@]}" >"$dir/repro.log" 2>&1 || true
	local ended=""
	for i in $(seq 100); do
		if [ -n "$gdb" ]; then
			grep -q 'received signal' "$dir/log" && grep -q '^#[0-9]' "$dir/log" && { sleep 1; ended=gdb; break; }
		elif [ -s "$dir/status" ]; then
			ended=$(cat "$dir/status"); break
		fi
		kill -0 "$cur" 2>/dev/null || break
		sleep 0.1
	done
	if [ -n "$gdb" ]; then
		{ echo "# sway 1.7 with the stock libwlroots.so.10 ($lib), under gdb"; grep -A45 'received signal' "$dir/log" || tail -40 "$dir/log"; } >"$bt"
		ended=$(grep -o 'received signal SIG[A-Z]*' "$dir/log" | head -1 | awk '{print $3}')
		echo "${ended:-alive}"
	elif [ -z "$ended" ]; then
		local guard=""
		grep -q 'destroyed wl_shm_buffer shrank' "$dir/log" && guard=", guard fired"
		echo "alive$guard"
	elif [ "$ended" -gt 128 ]; then
		echo "SIG$(kill -l $((ended - 128)))"
	else
		echo "exited $ended"
	fi
	kill -- "-$cur" 2>/dev/null || true
	wait "$cur" 2>/dev/null || true
	cur=""
}

status=0
printf '%-8s %-15s %-4s %s\n' library mode run "sway 1.7 after shrink-then-disconnect"
for mode in disconnect destroy-buffer; do
	for n in $(seq "$tries"); do
		r=$(trial "$stock" "$n" $mode)
		printf '%-8s %-15s %-4s %s\n' stock $mode "$n" "$r"
		[ "$r" = SIGBUS ] || status=1
	done
	for n in $(seq "$tries"); do
		r=$(trial "$patched" "$n" $mode)
		printf '%-8s %-15s %-4s %s\n' patched $mode "$n" "$r"
		case $r in alive*) ;; *) status=1 ;; esac
	done
done
if [ -n "$bt" ]; then
	r=$(trial "$stock" gdb disconnect gdb)
	echo "stock under gdb: $r; backtrace in $bt"
fi
if [ $status -eq 0 ]; then
	echo "PASS: sway died of SIGBUS with the stock wlroots and survived with the patched one"
else
	echo "FAIL: see the table"
fi
exit $status
