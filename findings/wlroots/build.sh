#!/usr/bin/env bash
# build.sh: build Debian's wlroots 0.15 (libwlroots.so.10) twice, stock and
# with 0001-buffer-guard-a-destroyed-wl_shm_buffer-s-saved-data-against-SIGBUS.patch,
# and run the patch's test (test-destroyed-shm-buffer.c) against both.
#
# usage: findings/wlroots/build.sh
#
# Build trees live in $NOFAULT_WLROOTS_CACHE (default
# /var/cache/nofault-wlroots, or ~/.cache/nofault-wlroots when that is not
# writable), never in the repository; a finished build is reused. The
# source comes from `apt-get source wlroots` (needs a deb-src line for
# bookworm); its build dependencies from `apt-get build-dep wlroots` when
# run as root. Debian's configuration (debian/rules: -Dbackends=drm,
# libinput,x11, Xwayland on) so that sway's libwlroots.so.10 symbols are
# all there; examples off. The patched tree is a copy of the built stock
# tree (sources and build directory), so only the patched files and what
# includes them are recompiled. Builds run under nice -n 15 with -j2.
#
# Prints, last, stock=DIR and patched=DIR: the directories holding each
# libwlroots.so.10 (use one as LD_LIBRARY_PATH). Exit status 1 when the test
# does not die on the stock library and pass on the patched one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
patch_file="$here/0001-buffer-guard-a-destroyed-wl_shm_buffer-s-saved-data-against-SIGBUS.patch"
test_src="$here/test-destroyed-shm-buffer.c"
cache=${NOFAULT_WLROOTS_CACHE:-/var/cache/nofault-wlroots}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/nofault-wlroots
	mkdir -p "$cache"
fi
log() { echo "wlroots: $*" >&2; }
apt() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" >&2; }

src=$(ls -d "$cache"/wlroots-0.15.1 2>/dev/null || true)
if [ -z "$src" ]; then
	if ! grep -rqs '^Types: deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		log "no deb-src line in apt's sources: add one for bookworm (see findings/libwayland/build.sh), then rerun"
		exit 2
	fi
	command -v dpkg-source >/dev/null || { [ "$(id -u)" = 0 ] && apt install -y -qq --no-install-recommends dpkg-dev; }
	log "apt-get source wlroots (into $cache)"
	(cd "$cache" && apt-get source -qq wlroots >&2)
	src=$(ls -d "$cache"/wlroots-0.15.1)
fi

# configure DIR: meson setup with Debian's options; installs the build
# dependencies (apt-get build-dep) once if the first try fails and we are root.
configure() {
	local dir=$1
	[ -f "$dir/build/build.ninja" ] && return 0
	local opts=(-Dbackends=drm,libinput,x11 -Dxwayland=enabled -Dexamples=false --buildtype=debugoptimized)
	if ! (cd "$dir" && meson setup build . "${opts[@]}") >"$dir/meson.log" 2>&1; then
		if [ "$(id -u)" != 0 ]; then
			tail -20 "$dir/meson.log" >&2
			log "meson setup failed: install the build dependencies (apt-get build-dep wlroots), then rerun"
			return 1
		fi
		log "installing the build dependencies (apt-get build-dep wlroots)"
		apt build-dep -y -qq wlroots
		rm -rf "$dir/build"
		(cd "$dir" && meson setup build . "${opts[@]}") >"$dir/meson.log" 2>&1 || { tail -20 "$dir/meson.log" >&2; return 1; }
	fi
}

build() {
	local dir=$1
	nice -n 15 ninja -C "$dir/build" -j2 >"$dir/ninja.log" 2>&1 || { tail -30 "$dir/ninja.log" >&2; return 1; }
}

stock="$cache/stock"
if [ ! -f "$stock/.ready" ]; then
	rm -rf "$stock"
	cp -a "$src" "$stock"
	touch "$stock/.ready"
fi
configure "$stock"
log "building stock wlroots 0.15.1 in $stock/build (nice -n 15, -j2)"
build "$stock"

patched="$cache/patched"
if [ ! -f "$patched/.ready" ] || [ "$patch_file" -nt "$patched/.ready" ]; then
	rm -rf "$patched"
	cp -a "$stock" "$patched"
	patch -d "$patched" -p1 --quiet <"$patch_file"
	touch "$patched/.ready"
fi
log "building patched wlroots 0.15.1 in $patched/build"
build "$patched"

# The test, built against each tree's headers and library.
status=0
for t in stock patched; do
	dir="$cache/$t"
	cc -Wall -O1 -DWLR_USE_UNSTABLE -I"$dir/include" -I"$dir/build/include" \
		-o "$dir/build/test-destroyed-shm-buffer" "$test_src" \
		-L"$dir/build" -l:libwlroots.so.10 \
		$(pkg-config --cflags --libs wayland-server wayland-client pixman-1)
done
log "test-destroyed-shm-buffer against the stock library (must die: SIGBUS)"
set +e
LD_LIBRARY_PATH="$stock/build" "$stock/build/test-destroyed-shm-buffer" >"$cache/test-stock.log" 2>&1
rc=$?
set -e
if [ $rc -eq $((128 + 7)) ]; then
	log "  died of SIGBUS as expected: $(grep -m1 reading "$cache/test-stock.log")"
else
	log "  exit status $rc, not SIGBUS: the bug did not reproduce"; cat "$cache/test-stock.log" >&2
	status=1
fi
log "test-destroyed-shm-buffer against the patched library (must pass)"
if LD_LIBRARY_PATH="$patched/build" "$patched/build/test-destroyed-shm-buffer" >"$cache/test-patched.log" 2>&1; then
	log "  passed: $(grep ': ok' "$cache/test-patched.log" | tr '\n' ' ')"
else
	log "  FAILED:"; cat "$cache/test-patched.log" >&2
	status=1
fi
echo "stock=$stock/build"
echo "patched=$patched/build"
exit $status
