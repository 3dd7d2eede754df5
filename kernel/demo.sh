#!/usr/bin/env bash
# The MAP_NOSIGBUS demo: build (or take from the cache) the stock and the
# patched 6.1 kernels, boot both under QEMU with nofault inside, print one
# table. Output (serial logs, initramfs, table.txt) goes to
# $NOFAULT_KERNEL_OUT (default /var/cache/nofault-kernel/demo).
#
# usage: kernel/demo.sh [extra kerneldemo flags, e.g. -gotest ./shm,./kernel/demo]
# The shm tests (-gotest ./shm, the default) run in both guests.
# Exit status: 0 all cells as expected and the guest tests passed,
# 2 unexpected cells or a failed guest test, 1 other failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

images=$(bash kernel/build.sh all)
stock=$(awk '$1 == "kernel" && $2 == "stock" {print $3}' <<<"$images")
patched=$(awk '$1 == "kernel" && $2 == "patched" {print $3}' <<<"$images")
[[ -n $stock && -n $patched ]] || { echo "demo.sh: build.sh gave no kernels" >&2; exit 1; }

export NOFAULT_KERNEL_OUT=${NOFAULT_KERNEL_OUT:-/var/cache/nofault-kernel/demo}
mkdir -p "$NOFAULT_KERNEL_OUT"
go build -o "$NOFAULT_KERNEL_OUT/kerneldemo" ./kernel/cmd/kerneldemo
exec "$NOFAULT_KERNEL_OUT/kerneldemo" -stock "$stock" -patched "$patched" -out "$NOFAULT_KERNEL_OUT" "$@"
