#!/usr/bin/env bash
# demo.sh: the sealed-resize reproducer against every compositor installed
# here, once with Debian's libwayland-server 1.21 as built from source
# (stock) and once with the fix (patched), chosen with LD_LIBRARY_PATH.
#
# usage: findings/libwayland/demo.sh [--only LIST] [--backtraces DIR]
#
#   --only LIST       comma-separated subset of weston,sway,cage,phoc,mutter,kwin
#   --backtraces DIR  also run each compositor with the stock library under
#                     gdb and write the faulting thread's backtrace to
#                     DIR/NAME.txt
#
# Builds both libraries with build.sh (cached outside the repository) and
# the reproducer (findings/repro/sealed-resize.c) into the same cache.
# Prints a table; exit status 0 when every compositor died of SIGBUS with
# the stock library and survived with the patched one.
#
# The compositors run as in scripts/misbehave-compare.sh: headless, each
# in a fresh 0700 runtime directory; sway, cage, phoc, mutter and kwin as
# the unprivileged user $MISBEHAVE_USER (default nofault-misbehave) when
# run as root, mutter, kwin and phoc under dbus-run-session, kwin from a
# copy of kwin_wayland without its file capability.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
only="weston,sway,cage,phoc,mutter,kwin"
btdir=""
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift 2 ;;
	--backtraces) btdir=$(realpath -m "$2"); shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown argument $1" >&2; exit 2 ;;
	esac
done
log() { echo "demo: $*" >&2; }

if ! command -v gdb >/dev/null && [ -n "$btdir" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends gdb >&2
fi
command -v wayland-scanner >/dev/null && pkg-config --exists wayland-client ||
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends libwayland-dev wayland-protocols >&2
paths=$("$here/build.sh")
stock=$(sed -n 's/^stock=//p' <<<"$paths")
patched=$(sed -n 's/^patched=//p' <<<"$paths")
cache=$(dirname "$(dirname "$(dirname "$stock")")")
echo "patched libwayland-server.so.0: $patched/libwayland-server.so.0"
echo "stock libwayland-server.so.0:   $stock/libwayland-server.so.0"

# The reproducer, built against the system's libwayland-client.
rb="$cache/repro"
mkdir -p "$rb"
xml=/usr/share/wayland-protocols/stable/xdg-shell/xdg-shell.xml
if [ ! -x "$rb/sealed-resize" ] || [ "$repo/findings/repro/sealed-resize.c" -nt "$rb/sealed-resize" ]; then
	wayland-scanner private-code "$xml" "$rb/xdg-shell-protocol.c"
	wayland-scanner client-header "$xml" "$rb/xdg-shell-client-protocol.h"
	cc -Wall -O2 -I"$rb" -o "$rb/sealed-resize" "$repo/findings/repro/sealed-resize.c" "$rb/xdg-shell-protocol.c" \
		$(pkg-config --cflags --libs wayland-client)
fi
chmod 755 "$cache" "$rb" "$rb/sealed-resize"
echo "reproducer: $rb/sealed-resize"

work=$(mktemp -d /tmp/libwayland-demo.XXXXXX)
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
wlr=(WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1)
install -m 0755 "$(command -v kwin_wayland 2>/dev/null || echo /bin/false)" "$work/kwin_wayland"
printf '[core]\nxwayland=false\n[output:HEADLESS-1]\nmode=1280x720\n' >"$work/phoc.ini"
printf 'output * resolution 1280x720\n' >"$work/sway.conf"
# The application of cage and phoc (-E): no window; it leaves when its
# parent, the compositor, is gone (phoc starts it in a session of its own).
printf '#!/bin/sh\nwhile kill -0 $PPID 2>/dev/null; do sleep 1; done\n' >"$work/sleeper"
chmod 755 "$work/sleeper"
chmod 644 "$work/phoc.ini" "$work/sway.conf"

# spec NAME: "user dbus socketglob binary -- command..." for each compositor.
spec() {
	case $1 in
	weston) echo "root nodbus demo-weston weston -- weston --backend=headless-backend.so --use-pixman --idle-time=0 --socket=demo-weston" ;;
	sway) echo "user nodbus wayland-*[0-9] sway -- sway -c $work/sway.conf" ;;
	cage) echo "user nodbus wayland-*[0-9] cage -- cage -- $work/sleeper" ;;
	phoc) echo "user dbus wayland-*[0-9] phoc -- phoc -C $work/phoc.ini -E $work/sleeper" ;;
	mutter) echo "user dbus demo-mutter mutter -- mutter --headless --virtual-monitor 1280x720 --wayland --no-x11 --wayland-display=demo-mutter" ;;
	kwin) echo "user dbus demo-kwin kwin_wayland -- $work/kwin_wayland --virtual --no-lockscreen --width 1280 --height 720 --socket demo-kwin" ;;
	esac
}

# trial NAME LIBDIR [gdb]: start NAME with LD_LIBRARY_PATH=LIBDIR, run the
# reproducer, print how the compositor ended ("SIGBUS", "alive", ...).
trial() {
	local name=$1 lib=$2 gdb=${3:-}
	local -a s; read -r -a s <<<"$(spec "$name")"
	local who=${s[0]} dbus=${s[1]} glob=${s[2]} cmd=("${s[@]:5}")
	local dir="$work/$name-run"
	rm -rf "$dir"; mkdir -m 0700 "$dir"
	local pre=()
	if [ "$who" = user ] && [ ${#runas[@]} -gt 0 ]; then pre=("${runas[@]}"); chown "$user" "$dir"; fi
	local inner=(sh -c '"$@"; echo $? >"$STATUS"' sh "${cmd[@]}")
	if [ -n "$gdb" ]; then
		inner=(gdb -q -batch -ex 'set pagination off' -ex 'handle SIGPIPE nostop noprint' -ex 'handle SIGUSR1 nostop noprint' \
			-ex 'handle SIGUSR2 nostop noprint' -ex run -ex 'bt 40' --args "${cmd[@]}")
	fi
	[ "$dbus" = dbus ] && inner=(dbus-run-session -- "${inner[@]}")
	setsid "${pre[@]}" env -i PATH="$PATH" HOME="$dir" XDG_RUNTIME_DIR="$dir" STATUS="$dir/status" \
		LD_LIBRARY_PATH="$lib" "${wlr[@]}" "${inner[@]}" >"$dir/log" 2>&1 </dev/null &
	cur=$!
	local sock="" i f
	for i in $(seq 600); do
		for f in "$dir"/$glob; do [ -S "$f" ] && sock=$f; done
		[ -n "$sock" ] && break
		kill -0 "$cur" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$sock" ]; then
		echo "did-not-start"; kill -- "-$cur" 2>/dev/null || true; cur=""; return
	fi
	XDG_RUNTIME_DIR="$dir" WAYLAND_DISPLAY="$(basename "$sock")" timeout 20 "$rb/sealed-resize" >"$dir/repro.log" 2>&1 || true
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
		mkdir -p "$btdir"
		{ echo "# $name with the stock libwayland-server 1.21 ($lib), under gdb"; grep -A45 'received signal' "$dir/log" || tail -40 "$dir/log"; } >"$btdir/$name.txt"
		ended=$(grep -o 'received signal SIG[A-Z]*' "$dir/log" | head -1 | awk '{print $3}')
		echo "${ended:-alive}"
	elif [ -z "$ended" ]; then
		echo "alive ($(tail -1 "$dir/repro.log"))"
	elif [ "$ended" -gt 128 ]; then
		echo "SIG$(kill -l $((ended - 128)))"
	else
		echo "exited $ended"
	fi
	kill -- "-$cur" 2>/dev/null || true
	wait "$cur" 2>/dev/null || true
	cur=""
}

ok=0
printf '\n| compositor | stock libwayland 1.21 | patched libwayland 1.21 |\n|---|---|---|\n'
for name in weston sway cage phoc mutter kwin; do
	case ",$only," in *",$name,"*) ;; *) continue ;; esac
	bin=$(spec "$name" | awk '{print $4}')
	if ! command -v "$bin" >/dev/null; then
		printf '| %s | not installed | not installed |\n' "$name"
		continue
	fi
	a=$(trial "$name" "$stock")
	b=$(trial "$name" "$patched")
	printf '| %s | %s | %s |\n' "$name" "$a" "$b"
	[ "$a" = SIGBUS ] && [[ "$b" == alive* ]] || ok=1
	if [ -n "$btdir" ]; then
		log "$name under gdb: $(trial "$name" "$stock" gdb)"
	fi
done
exit $ok
