#!/usr/bin/env bash
# The MAP_NOSIGBUS demo: build (or take from the cache) the stock and the
# patched Linux 6.12 kernels (the v2 series in kernel/patches/linux), boot
# both under QEMU with nofault inside, print the tables. Output (serial
# logs, initramfs, table.txt) goes to $NOFAULT_KERNEL_OUT (default
# $NOFAULT_KERNEL_CACHE/demo; the cache defaults to /var/cache/nofault-kernel).
#
# usage: kernel/demo.sh [extra kerneldemo flags, e.g. -gotest ./shm,./kernel/demo]
# The shm tests (-gotest ./shm, the default) and the kselftest
# map_nosigbus (plainly and with -f) run in both guests, and a kernel BUG
# or WARNING in either guest fails the run.
# Exit status: 0 all cells as expected and the guest tests passed,
# 2 unexpected cells or a failed guest test, 1 other failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

images=$(bash kernel/build.sh all)
stock=$(awk '$1 == "kernel" && $2 == "stock" {print $3}' <<<"$images")
patched=$(awk '$1 == "kernel" && $2 == "patched" {print $3}' <<<"$images")
selftest=$(awk '$1 == "selftest" && $2 == "patched" {print $3}' <<<"$images")
[[ -n $stock && -n $patched && -n $selftest ]] || { echo "demo.sh: build.sh gave no kernels or no selftest" >&2; exit 1; }
# -kernel-scenarios: what v2 adds, in-file holes and the shrink/grow race
extra=(-kselftest "$selftest" -kernel-scenarios)
export NOFAULT_KERNEL_OUT=${NOFAULT_KERNEL_OUT:-${NOFAULT_KERNEL_CACHE:-/var/cache/nofault-kernel}/demo}
mkdir -p "$NOFAULT_KERNEL_OUT"
go build -o "$NOFAULT_KERNEL_OUT/kerneldemo" ./kernel/cmd/kerneldemo
exec "$NOFAULT_KERNEL_OUT/kerneldemo" -stock "$stock" -patched "$patched" -out "$NOFAULT_KERNEL_OUT" "${extra[@]}" "$@"
