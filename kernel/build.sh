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

key() { # key VARIANT -> sha256 hex; VARIANT "base" keys the configured tree
	{
		echo "recipe=$RECIPE source=linux-source-6.1 $SRCVER"
		echo "gcc=$GCCVER"
		echo "--- config.fragment"
		cat "$FRAGMENT"
		if [[ $1 != base ]]; then
			echo "variant=$1"
		fi
		if [[ $1 == patched ]]; then
			echo "--- patch"
			cat "$PATCH"
		fi
	} | sha256sum | cut -c1-16
}

# One configured tree serves both kernels: stock is built with no patch
# applied, patched with the patch applied on top, so going from one to the
# other recompiles only what depends on the six patched files instead of
# the whole kernel. $TREE/.nofault-state says what is applied: "none", the
# sha256 of the applied patch (a copy is kept to reverse it), or "dirty"
# while patch runs; a dirty tree or one configured from other inputs is
# unpacked afresh.
TREE=$CACHE/src/linux-6.1

ensure_tree() {
	local base
	base=$(key base)
	if [[ -f $TREE/.nofault-base && $(cat "$TREE/.nofault-base") == "$base" &&
		-f $TREE/.nofault-state && $(cat "$TREE/.nofault-state") != dirty ]]; then
		return
	fi
	log "unpacking $TARBALL"
	rm -rf "$TREE" "$TREE.tmp"
	mkdir -p "$TREE.tmp"
	tar -xJf "$TARBALL" -C "$TREE.tmp" --strip-components=1
	(
		cd "$TREE.tmp"
		make -s tinyconfig >/dev/null
		scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >/dev/null
		make -s olddefconfig >/dev/null
	)
	# every symbol of the fragment must have survived olddefconfig
	local bad=0 line
	while IFS= read -r line; do
		[[ $line =~ ^CONFIG_ ]] || continue
		grep -qxF "$line" "$TREE.tmp/.config" || { log "config symbol did not stick: $line"; bad=1; }
	done <"$FRAGMENT"
	((bad == 0)) || die "config fragment not honoured"
	echo "$base" >"$TREE.tmp/.nofault-base"
	echo none >"$TREE.tmp/.nofault-state"
	mv "$TREE.tmp" "$TREE"
}

set_patch() { # set_patch stock|patched
	local want=none cur
	[[ $1 == stock ]] || want=$(sha256sum <"$PATCH" | cut -c1-64)
	cur=$(cat "$TREE/.nofault-state")
	[[ $cur == "$want" ]] && return
	echo dirty >"$TREE/.nofault-state"
	if [[ $cur != none ]]; then
		log "reversing the previously applied patch"
		patch -d "$TREE" -p1 -R --batch --quiet <"$TREE/.nofault-applied.patch" >&2 ||
			die "could not reverse the old patch (the next run unpacks afresh)"
	fi
	if [[ $want != none ]]; then
		log "applying $(basename "$PATCH")"
		patch -d "$TREE" -p1 --batch --forward --quiet <"$PATCH" >&2 ||
			die "patch does not apply to linux-source-6.1 $SRCVER"
		cp "$PATCH" "$TREE/.nofault-applied.patch"
	fi
	echo "$want" >"$TREE/.nofault-state"
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
	ensure_tree
	set_patch "$variant"
	tree=$TREE
	if command -v ccache >/dev/null; then
		# helps when the tree is unpacked afresh with inputs seen before
		cc="ccache gcc"
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
