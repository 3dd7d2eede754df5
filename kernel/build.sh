#!/usr/bin/env bash
# Build the nofault demo kernels: Debian's linux-source-6.12, tinyconfig
# plus kernel/config.fragment and kernel/config-debug.fragment (VM
# debugging), once as shipped ("stock") and once with the MAP_NOSIGBUS v2
# series kernel/patches/linux/00NN-*.patch applied ("patched"; 0000 is the
# cover letter). The series carries the kselftest map_nosigbus.c, which
# build.sh builds statically from the patched tree ("selftest PATH").
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
KVER=${NOFAULT_KERNEL_VERSION:-6.12}
JOBS=${NOFAULT_KERNEL_JOBS:-$(nproc)}
WHAT=${1:-all}

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

case $WHAT in all | stock | patched) ;; *) die "usage: $0 [all|stock|patched]" ;; esac
FRAGMENTS=("$HERE/config.fragment")
case $KVER in
6.12)
	RECIPE=2
	FRAGMENTS+=("$HERE/config-debug.fragment")
	PATCHES=()
	shopt -s nullglob
	for p in "$HERE"/patches/linux/[0-9][0-9][0-9][0-9]-*.patch; do
		[[ $(basename "$p") == 0000-* ]] || PATCHES+=("$p")
	done
	;;
*) die "NOFAULT_KERNEL_VERSION must be 6.12 (the 6.1 prototype is in git history), not $KVER" ;;
esac
TARBALL=/usr/src/linux-source-$KVER.tar.xz

# --- packages ---------------------------------------------------------------
PKGS=(build-essential flex bison bc libelf-dev cpio xz-utils qemu-system-x86 "linux-source-$KVER" ccache)
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
[[ -f $TARBALL ]] || die "$TARBALL missing after installing linux-source-$KVER"

SRCVER=$(dpkg-query -W -f='${Version}' "linux-source-$KVER")
GCCVER=$(gcc --version | head -n1)
mkdir -p "$CACHE/src" "$CACHE/images" "$CACHE/logs"

key() { # key VARIANT -> sha256 hex; VARIANT "base" keys the configured tree
	{
		echo "recipe=$RECIPE source=linux-source-$KVER $SRCVER"
		echo "gcc=$GCCVER"
		echo "--- config fragments"
		cat "${FRAGMENTS[@]}"
		if [[ $1 != base ]]; then
			echo "variant=$1"
		fi
		if [[ $1 == patched ]]; then
			echo "--- patches"
			cat "${PATCHES[@]}"
		fi
	} | sha256sum | cut -c1-16
}

# One configured tree serves both kernels: stock is built with no patch
# applied, patched with the patch applied on top, so going from one to the
# other recompiles only what depends on the six patched files instead of
# the whole kernel. $TREE/.nofault-state says what is applied: "none", the
# sha256 of the applied patches (copies are kept to reverse them), or
# "dirty" while patch runs; a dirty tree or one configured from other
# inputs is unpacked afresh.
TREE=$CACHE/src/linux-$KVER

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
		scripts/kconfig/merge_config.sh -m .config "${FRAGMENTS[@]}" >/dev/null
		make -s olddefconfig >/dev/null
	)
	# every symbol of the fragment must have survived olddefconfig
	local bad=0 line
	while IFS= read -r line; do
		[[ $line =~ ^CONFIG_ ]] || continue
		grep -qxF "$line" "$TREE.tmp/.config" || { log "config symbol did not stick: $line"; bad=1; }
	done < <(cat "${FRAGMENTS[@]}")
	((bad == 0)) || die "config fragment not honoured"
	echo "$base" >"$TREE.tmp/.nofault-base"
	echo none >"$TREE.tmp/.nofault-state"
	mv "$TREE.tmp" "$TREE"
}

set_patch() { # set_patch stock|patched
	local want=none cur
	[[ $1 == stock ]] || want=$(cat "${PATCHES[@]}" | sha256sum | cut -c1-64)
	cur=$(cat "$TREE/.nofault-state")
	[[ $cur == "$want" ]] && return
	echo dirty >"$TREE/.nofault-state"
	if [[ $cur != none ]]; then
		log "reversing the previously applied patches"
		local old
		# newest first: later patches may touch what earlier ones added
		for old in $(ls "$TREE/.nofault-applied/" | sort -r); do
			patch -d "$TREE" -p1 -R --batch --quiet <"$TREE/.nofault-applied/$old" >&2 ||
				die "could not reverse $old (the next run unpacks afresh)"
		done
		rm -rf "$TREE/.nofault-applied"
	fi
	if [[ $want != none ]]; then
		mkdir -p "$TREE/.nofault-applied"
		local p
		for p in "${PATCHES[@]}"; do
			log "applying $(basename "$p")"
			patch -d "$TREE" -p1 --batch --forward --quiet <"$p" >&2 ||
				die "$(basename "$p") does not apply to linux-source-$KVER $SRCVER"
			cp "$p" "$TREE/.nofault-applied/"
		done
	fi
	echo "$want" >"$TREE/.nofault-state"
}

build() { # build VARIANT
	local variant=$1 k out tree cc=gcc start
	[[ $variant == stock ]] || ((${#PATCHES[@]})) || die "no patches for $KVER"
	k=$(key "$variant")
	out=$CACHE/images/$variant-$k
	if [[ -s $out/bzImage ]]; then
		log "$variant: cached ($out)"
		echo "kernel $variant $out/bzImage"
		[[ ! -x $out/map_nosigbus ]] || echo "selftest $variant $out/map_nosigbus"
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
	local st=$tree/tools/testing/selftests/mm/map_nosigbus.c
	if [[ $variant == patched && -f $st ]]; then
		# static: the guests have no libc; system headers plus the
		# selftest's own fallback define of MAP_NOSIGBUS
		log "$variant: building the kselftest map_nosigbus (static)"
		gcc -static -O2 -Wall -Werror -I"$tree/tools/testing/selftests" \
			-o "$out.tmp/map_nosigbus" "$st" -lpthread >&2 ||
			die "kselftest map_nosigbus.c does not build"
	fi
	rm -rf "$out"
	mv "$out.tmp" "$out"
	echo "kernel $variant $out/bzImage"
	[[ ! -x $out/map_nosigbus ]] || echo "selftest $variant $out/map_nosigbus"
}

case $WHAT in
all) build stock && build patched ;;
*) build "$WHAT" ;;
esac
