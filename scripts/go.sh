#!/usr/bin/env bash
# scripts/go.sh ARGS...: runs the go command of the Go toolchain go.mod asks
# for, fetching it the first time, so that `make run` and `make test` work
# on a machine with no Go at all, or with Debian 12's golang-go (1.19, which
# knows neither go.mod's version nor GOTOOLCHAIN).
#
#   1. A go on PATH whose version is at least
#      go.mod's is used as it is.
#   2. Otherwise the toolchain go.mod names (its `toolchain` line, else its
#      `go` line) is taken from the cache, by default
#      ${XDG_CACHE_HOME:-~/.cache}/nofault/go/goX.Y.Z.OS-ARCH (NOFAULT_GO_CACHE
#      overrides the parent directory), outside the repository.
#   3. Not there: the go command's own toolchain module,
#      golang.org/toolchain@v0.0.1-goX.Y.Z.OS-ARCH, is fetched from the Go
#      module proxy (GOPROXY, default https://proxy.golang.org):
#        - with any go on PATH (Debian's 1.19 will do) as the downloader:
#          `go mod download` checks it against the checksum database
#          (sum.golang.org, reached through the proxy);
#        - else with curl and unzip: the zip's dirhash (h1:, the hash go.sum
#          and the checksum database record) is computed here and must equal
#          the one pinned below, copied from sum.golang.org.
#      It is unpacked into the cache and used from then on.
#
# `scripts/go.sh --which` prints the go binary it would run (fetching it if
# needed) and nothing else.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

# h1: hashes of toolchain modules, from sum.golang.org (the lookup lines
# `golang.org/toolchain v0.0.1-goX.Y.Z.OS-ARCH h1:...`), for the curl path.
# Add a line when go.mod moves to a new version.
pinned_sum() {
  case "$1" in
  go1.26.0.linux-amd64) echo "h1:1p2G5COR51f8Q3EQ4HLJQDDL2ytLEqfL/yTawB0Jr8w=" ;;
  go1.26.0.linux-arm64) echo "h1:lAFrRm35hIzvRSMYiELtaPaitr22pp6iaBbdPBuJg2U=" ;;
  esac
}

die() { echo "scripts/go.sh: $*" >&2; exit 1; }
say() { echo "scripts/go.sh: $*" >&2; }

# The toolchain go.mod asks for: goX.Y.Z.
want=$(awk '$1 == "toolchain" { print $2; exit }' "$root/go.mod")
if [ -z "$want" ]; then
  v=$(awk '$1 == "go" { print $2; exit }' "$root/go.mod")
  [ -n "$v" ] || die "no go line in $root/go.mod"
  # From Go 1.21 on, "go 1.N" names the language; its first release is 1.N.0.
  if [[ $v =~ ^1\.([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 21 ]; then v=$v.0; fi
  want=go$v
fi

# version_ge A B: A >= B, both as X.Y[.Z] (a "go" prefix is dropped).
version_ge() {
  local a=${1#go} b=${2#go}
  [ "$(printf '%s\n%s\n' "$b" "$a" | sort -V | head -n1)" = "$b" ]
}

run_go() {
  if [ "${which:-}" = 1 ]; then
    echo "$1"
    exit 0
  fi
  local bin=$1
  shift
  # Never let a go >= 1.21 switch to yet another toolchain behind our back,
  # and let what it runs (tests that `go build` the compositor) find it.
  export GOTOOLCHAIN=local
  PATH=$(dirname "$bin"):$PATH
  export PATH
  exec "$bin" "$@"
}

which=0
if [ "${1:-}" = "--which" ]; then which=1; shift; fi

# 1. A go that is new enough already.
candidates=()
if p=$(command -v go 2>/dev/null); then candidates+=("$p"); fi
for g in "${candidates[@]}"; do
  have=$(GOTOOLCHAIN=local "$g" env GOVERSION 2>/dev/null || true)
  if [[ $have =~ ^go[0-9] ]] && version_ge "$have" "$want"; then
    run_go "$g" "$@"
  fi
done

# 2. The cache.
case "$(uname -m)" in
x86_64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) die "no Go toolchain for $(uname -m) here; install $want by hand (https://go.dev/dl/)" ;;
esac
os=$(uname -s | tr 'A-Z' 'a-z')
name=$want.$os-$arch
if [ -n "${NOFAULT_GO_CACHE:-}" ]; then
  cache=$NOFAULT_GO_CACHE
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
  cache=$XDG_CACHE_HOME/nofault/go
elif [ -n "${HOME:-}" ] && [ "$HOME" != / ]; then
  cache=$HOME/.cache/nofault/go
else
  cache=/var/cache/nofault/go
fi
goroot=$cache/$name
if [ -x "$goroot/bin/go" ]; then
  run_go "$goroot/bin/go" "$@"
fi

# 3. Fetch golang.org/toolchain@v0.0.1-$name.
mod=golang.org/toolchain
ver=v0.0.1-$name
proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%[,|]*}
case "$proxy" in
direct | off | "") proxy=https://proxy.golang.org ;;
esac
mkdir -p "$cache" || die "cannot create the toolchain cache $cache (set NOFAULT_GO_CACHE)"
tmp=$(mktemp -d "$cache/.fetch-$name.XXXXXX")
cleanup() { chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
say "Go $want not found (go.mod asks for it); fetching $mod@$ver into $cache"

downloader=
for g in "${candidates[@]}"; do
  if GOTOOLCHAIN=local "$g" env GOVERSION >/dev/null 2>&1; then downloader=$g; break; fi
done

if [ -n "$downloader" ]; then
  say "downloading with $downloader ($("$downloader" env GOVERSION)), checked against the checksum database"
  # Outside any module, with a private module cache and the checksum
  # database forced on, whatever the user's environment says.
  dir=$(cd "$tmp" && env -u GOFLAGS -u GONOSUMDB -u GONOSUMCHECK -u GOPRIVATE -u GOINSECURE \
    GO111MODULE=on GOTOOLCHAIN=local GOSUMDB=sum.golang.org GOMODCACHE="$tmp/modcache" \
    GOPROXY="$proxy" "$downloader" mod download -json "$mod@$ver" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download $mod@$ver failed"
  cp -a "$dir" "$tmp/root"
else
  want_sum=$(pinned_sum "$name")
  [ -n "$want_sum" ] || die "no go on PATH to check $mod@$ver against the checksum database, and no pinned hash for it in $0; install any go (apt-get install golang-go) and rerun"
  for tool in curl unzip sha256sum base64; do
    command -v $tool >/dev/null || die "$tool is missing (apt-get install curl unzip)"
  done
  url=$proxy/$mod/@v/$ver.zip
  say "downloading $url"
  curl -fsSL --retry 3 -o "$tmp/tc.zip" "$url" || die "download of $url failed"
  mkdir "$tmp/x"
  unzip -q "$tmp/tc.zip" -d "$tmp/x" || die "unzip $url failed"
  # The module's dirhash: sha256 over the lines "<sha256 hex>  <name>\n"
  # of every file, sorted by name (golang.org/x/mod/sumdb/dirhash.Hash1).
  hex=$(cd "$tmp/x" && unzip -Z1 "$tmp/tc.zip" | grep -v '/$' | LC_ALL=C sort |
    tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  got="h1:$(printf "$(echo "$hex" | sed 's/../\\x&/g')" | base64)"
  [ "$got" = "$want_sum" ] || die "$url: hash $got, want $want_sum (sum.golang.org); not used"
  say "hash $got matches sum.golang.org's"
  mv "$tmp/x/$mod@$ver" "$tmp/root"
fi

chmod -R u+w "$tmp/root"
# Module zips carry no file modes: the go command makes a toolchain's
# bin/ and pkg/tool/ executable when it unpacks one, and so does this.
find "$tmp/root/bin" "$tmp/root/pkg/tool" -type f -exec chmod 0755 {} +
"$tmp/root/bin/go" version >/dev/null || die "the fetched toolchain does not run"
rm -rf "$goroot"
mv "$tmp/root" "$goroot"
say "Go $want is in $goroot"
cleanup
trap - EXIT
run_go "$goroot/bin/go" "$@"
