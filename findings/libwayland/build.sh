#!/usr/bin/env bash
# build.sh: build Debian's libwayland 1.21 twice, stock and with
# 0001-shm-re-check-the-seal-fast-path-when-a-pool-is-resized.patch, and run
# the patch's test (tests/shm-test.c) against both.
#
# usage: findings/libwayland/build.sh [--print-patched]
#
# Build trees live in $NOFAULT_LIBWAYLAND_CACHE (default
# /var/cache/nofault-libwayland, or ~/.cache/nofault-libwayland when that
# is not writable), never in the repository; a finished build is reused.
# The source comes from `apt-get source wayland` (needs a deb-src line for
# bookworm: this script adds /etc/apt/sources.list.d/debian-src.sources when
# run as root and none exists).
#
# Prints, last, the directory holding the patched libwayland-server.so.0
# (use it as LD_LIBRARY_PATH). Exit status 1 when the test does not fail on
# the stock library and pass on the patched one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
patch_file="$here/0001-shm-re-check-the-seal-fast-path-when-a-pool-is-resized.patch"
cache=${NOFAULT_LIBWAYLAND_CACHE:-/var/cache/nofault-libwayland}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/nofault-libwayland
	mkdir -p "$cache"
fi
log() { echo "libwayland: $*" >&2; }

# Build dependencies (Debian): what debian/control's Build-Depends needs for
# the libraries and tests, plus apt's source tooling.
need=()
for c in meson:meson ninja:ninja-build dpkg-source:dpkg-dev cc:gcc pkg-config:pkg-config patch:patch; do
	command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
done
for p in libffi:libffi-dev expat:libexpat1-dev libxml-2.0:libxml2-dev; do
	pkg-config --exists "${p%%:*}" 2>/dev/null || need+=("${p#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		log "missing build dependencies: ${need[*]} (apt-get install them, then rerun)"
		exit 2
	fi
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >&2
fi

src=$(ls -d "$cache"/wayland-1.21.0 2>/dev/null || true)
if [ -z "$src" ]; then
	if ! grep -rqs '^Types: deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		if [ "$(id -u)" != 0 ]; then
			log "no deb-src line in apt's sources and not root: add one for bookworm, then rerun"
			exit 2
		fi
		log "adding deb-src for bookworm (/etc/apt/sources.list.d/debian-src.sources)"
		printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			>/etc/apt/sources.list.d/debian-src.sources
		apt-get update -qq
	fi
	log "apt-get source wayland (into $cache)"
	(cd "$cache" && apt-get source -qq wayland >&2)
	src=$(ls -d "$cache"/wayland-1.21.0)
fi

# tree NAME: a copy of the Debian source (debian/patches applied by
# dpkg-source), plus the fix for "patched".
tree() {
	local dir="$cache/$1"
	if [ ! -f "$dir/.ready" ]; then
		rm -rf "$dir"
		cp -a "$src" "$dir"
		if [ "$1" = patched ]; then
			patch -d "$dir" -p1 --quiet <"$patch_file"
		fi
		touch "$dir/.ready"
	fi
	echo "$dir"
}

# build DIR: Debian's configuration (debian/rules: -Ddocumentation=false),
# with the tests.
build() {
	local dir=$1
	if [ ! -f "$dir/build/build.ninja" ]; then
		meson setup "$dir/build" "$dir" -Ddocumentation=false -Dtests=true --buildtype=debugoptimized >"$dir/meson.log" 2>&1 \
			|| { tail -20 "$dir/meson.log" >&2; return 1; }
	fi
	nice ninja -C "$dir/build" >"$dir/ninja.log" 2>&1 || { tail -30 "$dir/ninja.log" >&2; return 1; }
}

stock=$(tree stock)
patched=$(tree patched)
log "building stock libwayland 1.21 in $stock/build"
build "$stock"
log "building patched libwayland 1.21 in $patched/build"
build "$patched"

# The stock tree has no shm-test; build the patched test against the stock
# library by compiling it in the stock tree with the test copied in.
if [ ! -f "$stock/tests/shm-test.c" ]; then
	cp "$patched/tests/shm-test.c" "$stock/tests/shm-test.c"
	cp "$patched/tests/meson.build" "$stock/tests/meson.build"
	nice ninja -C "$stock/build" >"$stock/ninja.log" 2>&1 || { tail -30 "$stock/ninja.log" >&2; exit 1; }
fi

status=0
log "tests/shm-test against the stock library (must fail: SIGBUS)"
if "$stock/build/tests/shm-test" >"$cache/shm-test-stock.log" 2>&1; then
	log "  the test passed on the stock library: the bug did not reproduce"
	status=1
else
	log "  failed as expected: $(grep -m1 -i 'signal\|fail' "$cache/shm-test-stock.log" || tail -1 "$cache/shm-test-stock.log")"
fi
log "tests/shm-test against the patched library (must pass)"
if "$patched/build/tests/shm-test" >"$cache/shm-test-patched.log" 2>&1; then
	log "  passed"
else
	log "  FAILED:"; cat "$cache/shm-test-patched.log" >&2
	status=1
fi
log "full libwayland test suite on the patched tree (meson test)"
if nice meson test -C "$patched/build" --print-errorlogs >"$cache/meson-test-patched.log" 2>&1; then
	log "  $(grep -E '^Ok:|^Fail:' "$cache/meson-test-patched.log" | tr '\n' ' ')"
else
	log "  FAILED; see $cache/meson-test-patched.log"; grep -E '^Ok:|^Fail:|FAIL' "$cache/meson-test-patched.log" >&2 || true
	status=1
fi
echo "stock=$stock/build/src"
echo "patched=$patched/build/src"
exit $status
