#!/usr/bin/env bash
# Build the nofault demo kernels: Debian's linux-source-6.1, tinyconfig plus
# kernel/config.fragment, once as shipped ("stock") and once with
# kernel/map-nosigbus-6.1.patch ("patched").
#
# usage: kernel/build.sh [all|stock|patched]        (default: all)
#
# Runs non-interactively as root (CI=true, no stdin). Installs its own Debian
# packages, unpacks the source outside the repository, and caches each
# bzImage under $NOFAULT_KERNEL_CACHE (default /var/cache/nofault-kernel)
# keyed by sha256(recipe, source version, gcc version, config fragment[, patch]),
# so a second run rebuilds nothing. On success it prints one line per kernel:
#   kernel stock /var/cache/nofault-kernel/images/stock-<key>/bzImage
#   kernel patched /var/cache/nofault-kernel/images/patched-<key>/bzImage
# Progress goes to stderr; build logs to $CACHE/logs/.
set -euo pipefail

RECIPE=1 # bump when this script's build steps change what comes out
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${NOFAULT_KERNEL_CACHE:-/var/cache/nofault-kernel}
FRAGMENT=$HERE/config.fragment
PATCH=$HERE/map-nosigbus-6.1.patch
TARBALL=/usr/src/linux-source-6.1.tar.xz
JOBS=${NOFAULT_KERNEL_JOBS:-$(nproc)}
WHAT=${1:-all}

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

case $WHAT in all | stock | patched) ;; *) die "usage: $0 [all|stock|patched]" ;; esac

# --- packages ---------------------------------------------------------------
PKGS=(build-essential flex bison bc libelf-dev cpio xz-utils qemu-system-x86 linux-source-6.1 ccache)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	((EUID == 0)) || die "need root to install: ${missing[*]}"
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq </dev/null >&2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >&2
fi
[[ -f $TARBALL ]] || die "$TARBALL missing after installing linux-source-6.1"

SRCVER=$(dpkg-query -W -f='${Version}' linux-source-6.1)
GCCVER=$(gcc --version | head -n1)
mkdir -p "$CACHE/src" "$CACHE/images" "$CACHE/logs"

key() { # key VARIANT -> sha256 hex
	{
		echo "recipe=$RECIPE variant=$1 source=linux-source-6.1 $SRCVER"
		echo "gcc=$GCCVER"
		echo "--- config.fragment"
		cat "$FRAGMENT"
		if [[ $1 == patched ]]; then
			echo "--- patch"
			cat "$PATCH"
		fi
	} | sha256sum | cut -c1-16
}

# Unpack a pristine tree for VARIANT (re-unpacked whenever its key changes, so
# a changed patch never meets a half-patched tree).
prepare_tree() { # prepare_tree VARIANT KEY -> tree path on stdout
	local variant=$1 k=$2 tree=$CACHE/src/$1
	if [[ -f $tree/.nofault-key && $(cat "$tree/.nofault-key") == "$k" ]]; then
		echo "$tree"
		return
	fi
	rm -rf "$tree" "$tree.tmp"
	local stock=$CACHE/src/stock
	if [[ $variant == patched && -f $stock/.nofault-built && $(cat "$stock/.nofault-built") == "$(key stock)" ]]; then
		# Seed from the built stock tree (same source, same config): make then
		# rebuilds only what the patch touches, about half the kernel,
		# instead of all of it.
		log "$variant: copying the built stock tree"
		cp -a "$stock" "$tree.tmp"
		rm -f "$tree.tmp/.nofault-built"
	else
		log "$variant: unpacking $TARBALL"
		mkdir -p "$tree.tmp"
		tar -xJf "$TARBALL" -C "$tree.tmp" --strip-components=1
	fi
	if [[ $variant == patched ]]; then
		log "$variant: applying $(basename "$PATCH")"
		patch -d "$tree.tmp" -p1 --batch --forward --quiet <"$PATCH" >&2 ||
			die "patch does not apply to linux-source-6.1 $SRCVER"
	fi
	(
		cd "$tree.tmp"
		make -s tinyconfig >/dev/null
		scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >/dev/null
		make -s olddefconfig >/dev/null
	)
	# every symbol of the fragment must have survived olddefconfig
	local bad=0 line
	while IFS= read -r line; do
		[[ $line =~ ^CONFIG_ ]] || continue
		grep -qxF "$line" "$tree.tmp/.config" || { log "config symbol did not stick: $line"; bad=1; }
	done <"$FRAGMENT"
	((bad == 0)) || die "config fragment not honoured"
	echo "$k" >"$tree.tmp/.nofault-key"
	mv "$tree.tmp" "$tree"
	echo "$tree"
}

build() { # build VARIANT
	local variant=$1 k out tree cc=gcc start
	[[ $variant == stock || -f $PATCH ]] || die "$PATCH missing"
	k=$(key "$variant")
	out=$CACHE/images/$variant-$k
	if [[ -s $out/bzImage ]]; then
		log "$variant: cached ($out)"
		echo "kernel $variant $out/bzImage"
		return
	fi
	tree=$(prepare_tree "$variant" "$k")
	if command -v ccache >/dev/null; then
		cc="ccache gcc"
		# both trees compile with relative paths from their root, so most of
		# the patched build hits the stock build's cache entries
		export CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$CACHE/src CCACHE_MAXSIZE=500M
	fi
	log "$variant: make -j$JOBS bzImage (log: $CACHE/logs/$variant.log)"
	start=$(date +%s)
	if ! make -C "$tree" -j"$JOBS" CC="$cc" KBUILD_BUILD_USER=nofault \
		KBUILD_BUILD_HOST=nofault bzImage </dev/null >"$CACHE/logs/$variant.log" 2>&1; then
		tail -n 40 "$CACHE/logs/$variant.log" >&2
		die "$variant: kernel build failed"
	fi
	log "$variant: built in $(($(date +%s) - start)) s"
	echo "$k" >"$tree/.nofault-built"
	mkdir -p "$out.tmp"
	cp "$tree/arch/x86/boot/bzImage" "$out.tmp/bzImage"
	cp "$tree/.config" "$out.tmp/config"
	rm -rf "$out"
	mv "$out.tmp" "$out"
	echo "kernel $variant $out/bzImage"
}

case $WHAT in
all) build stock && build patched ;;
*) build "$WHAT" ;;
esac
