#!/bin/bash
# bench/gpu/build.sh: builds, on this (Debian, x86-64) machine, everything
# bench/gpu/run.sh needs on a machine with an NVIDIA GPU, no display, no Go
# and no -dev packages, into bench/gpu/out/ (git-ignored):
#
#   gl.test       go test -c of render/gl (tests and benchmarks)
#   compositor    cmd/compositor (cgo: --renderer=gl through EGL surfaceless)
#   glprof        bench/gpu/glprof: the same headless compositor writing a
#                 pprof CPU profile (run.sh's profiles of the running
#                 compositor)
#   wlbench       cmd/wlbench, pure Go: the load client
#   debs/gl/      the glvnd loaders (libegl1 libgl1 libglx0 libglvnd0
#                 libopengl0 libgles2 libvulkan1), unpacked into / there
#   debs/x11/     libX11, libXfixes and what they need (libGLX and the
#                 compositor's GLFW link libX11, its X clipboard libXfixes),
#                 unpacked into a private folder there and used only when
#                 the machine lacks one of them
#   run.sh        a copy of run.sh, so out/ alone is enough
#
# Usage: bash bench/gpu/build.sh   (then carry bench/gpu/out to the GPU
# machine and run: bash bench/gpu/run.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/out
export PATH=/usr/local/go/bin:$PATH GOFLAGS=${GOFLAGS:--mod=mod}
[ "$(uname -m)" = x86_64 ] || { echo "build.sh: needs an x86-64 machine (the GPU machine is x86-64)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/debs/gl" "$out/debs/x11"
cd "$root"
echo "build.sh: go binaries"
go test -c -ldflags='-s -w' -o "$out/gl.test" ./render/gl
go build -ldflags='-s -w' -o "$out/compositor" ./cmd/compositor
go build -ldflags='-s -w' -o "$out/glprof" ./bench/gpu/glprof
CGO_ENABLED=0 go build -ldflags='-s -w' -o "$out/wlbench" ./cmd/wlbench
cp "$here/run.sh" "$out/run.sh"
git -C "$root" rev-parse --short HEAD >"$out/REVISION" 2>/dev/null || echo unknown >"$out/REVISION"

echo "build.sh: the libraries they link"
for b in gl.test compositor glprof; do
	ldd "$out/$b" | awk '/=>/ {print $1}'
done | sort -u >"$out/needed.txt"
cat "$out/needed.txt"

echo "build.sh: .deb files (amd64)"
lists=/tmp/nofault-gpu-apt
mkdir -p "$lists/partial"
o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists)
if ! ls "$lists"/*Packages* >/dev/null 2>&1; then
	apt-get "${o[@]}" update >/dev/null
fi
(cd "$out/debs/gl" && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
(cd "$out/debs/x11" && apt-get "${o[@]}" download libx11-6 libx11-data libxfixes3 libxext6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0 >/dev/null)
# Every linked library must come from glibc (on every machine) or one of
# these packages.
for lib in $(cat "$out/needed.txt"); do
	case $lib in
	libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|linux-vdso*) continue ;;
	esac
	found=
	for d in "$out"/debs/*/*.deb; do
		if dpkg -c "$d" | grep -q "/$lib\$\|/$lib "; then found=$d; break; fi
	done
	[ -n "$found" ] || { echo "build.sh: $lib is linked but in none of the .deb files" >&2; exit 1; }
done
du -sh "$out"
size=$(du -sm "$out" | cut -f1)
[ "$size" -le 40 ] || { echo "build.sh: out/ is ${size} MiB, over 40" >&2; exit 1; }
echo "build.sh: done: $out"
