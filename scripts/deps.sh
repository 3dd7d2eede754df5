#!/usr/bin/env bash
# Installs the Debian packages a make target needs, once: a stamp keyed by
# the package list skips apt when everything is already there.
# Usage: scripts/deps.sh run|test|bench
set -euo pipefail

# curl and unzip: scripts/go.sh fetches the Go toolchain with them when no
# go at all is installed. libxkbcommon-tools: xkbcli compiles any keymap
# other than us (--keymap, XKB_DEFAULT_LAYOUT, the host's layout).
# mpv, gtk-4-examples, firefox-esr: real clients of issue 13's protocols
# (internal/e2e/apps_test.go); firefox-esr is the only Debian 12 client of
# fractional-scale-v1 (80 MB download, 300 MB installed).
# libsdl2-tests: SDL 2's testrelative, a real client of relative pointer
# and pointer lock (compositor/sdl_test.go).
# libxfixes-dev: the nested window learns of new host clipboard owners.
# libxext-dev: MIT-SHM, for the nested window with --renderer=soft.
run_pkgs=(ca-certificates curl unzip gcc pkg-config libwayland-dev wayland-protocols
  libx11-dev libgl-dev libegl-dev libxrandr-dev libxinerama-dev libxcursor-dev
  libxi-dev libxxf86vm-dev libxkbcommon-dev libgl1-mesa-dri libxkbcommon-tools
  libxfixes-dev libxext-dev)
test_pkgs=("${run_pkgs[@]}" xvfb xauth mesa-utils xdotool libxkbcommon-tools
  weston wayland-utils foot gtk-3-examples imv grim wl-clipboard xwayland
  sway procps wlcs mir-wlcs-integration mpv gtk-4-examples firefox-esr
  xclip libsdl2-tests)
bench_pkgs=("${test_pkgs[@]}")

case "${1:-test}" in
run) pkgs=("${run_pkgs[@]}") ;;
test) pkgs=("${test_pkgs[@]}") ;;
bench) pkgs=("${bench_pkgs[@]}") ;;
*) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
