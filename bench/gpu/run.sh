#!/bin/bash
# bench/gpu/run.sh: the GL benchmarks on a machine with an NVIDIA GPU and no
# display, from the prebuilt binaries of bench/gpu/build.sh (bench/gpu/out;
# no Go, no -dev packages needed there). It also runs on Mesa (llvmpipe)
# through EGL surfaceless, which is how it is tested.
#
#   bash bench/gpu/run.sh            results in $OUT (default /tmp/gpuout)
#
# Steps, each time-boxed, the whole under 5 minutes:
#   1. the GL loaders: the .deb files of out/debs/gl are unpacked into /
#      where the machine has NVIDIA's driver folder or no libEGL; libX11
#      (out/debs/x11) into a private folder where the machine lacks it;
#      __EGL_VENDOR_LIBRARY_FILENAMES points at NVIDIA's vendor file
#   2. nvidia-smi; the EGL and GL vendor/renderer strings (TestInfo)
#   3. render/gl's tests (pixel-exact against render/soft, every upload mode)
#   4. BenchmarkUploadMode: upload variants at 1080p (format, PBO, orphan;
#      from the client mapping or Go memory; alone or inside the frame loop)
#   5. the running compositor, --backend=headless, soft and --renderer=gl
#      with each upload mode (NOFAULT_GL_UPLOAD), and cmd/wlbench drawing
#      full-damage frames at 1920x1080 and 3840x2160 (compositor CPU per
#      frame from /proc, fps), and a 256x256 client with output damage on
#      and off (NOFAULT_GL_DAMAGE=0)
#   6. BenchmarkFrameSize (1080p, 4K), BenchmarkSmallClient, the older
#      Upload1080p and Frame1080p
# Then $OUT/summary.md (tables), $OUT/log.txt (everything), bench-gl.txt
# (raw go test -bench output), wlbench.jsonl (one JSON result per run),
# compositor.log (the compositors' stderr).
#
# Environment: OUT, BENCHTIME (go benchmark time per case, default 0.5s),
# DURATION (wlbench measured seconds, default 3), BUDGET (seconds, default
# 280: later steps are skipped past it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/out/gl.test" ]; then bin=$here/out; else bin=$here; fi
OUT=${OUT:-/tmp/gpuout}
BENCHTIME=${BENCHTIME:-0.5s}
DURATION=${DURATION:-3}
BUDGET=${BUDGET:-280}
mkdir -p "$OUT"
log=$OUT/log.txt
: >"$log"
exec > >(tee -a "$log") 2>&1
t0=$(date +%s)
elapsed() { echo $(($(date +%s) - t0)); }
left() { echo $((BUDGET - $(elapsed))); }
step() { echo; echo "=== [$(elapsed)s] $*"; }

[ -x "$bin/gl.test" ] || { echo "run.sh: $bin/gl.test missing: run bench/gpu/build.sh first (and carry bench/gpu/out)"; exit 1; }
echo "run.sh: binaries from $bin (revision $(cat "$bin/REVISION" 2>/dev/null)), results in $OUT"
unset DISPLAY WAYLAND_DISPLAY WAYLAND_SOCKET
tmp=$(mktemp -d /tmp/nofault-gpu.XXXXXX)
cleanup() {
	[ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

step "1. loaders"
if [ -d /usr/local/nvidia ] || ! ldconfig -p | grep -q 'libEGL.so.1 '; then
	for f in "$bin"/debs/gl/*.deb; do dpkg -x "$f" / || echo "dpkg -x $f failed"; done
	ldconfig
	echo "unpacked $(ls "$bin"/debs/gl/*.deb | wc -l) GL loader packages into /"
else
	echo "libEGL present and no /usr/local/nvidia: using the system's loaders"
fi
if ! ldconfig -p | grep -q 'libX11.so.6 '; then
	for f in "$bin"/debs/x11/*.deb; do dpkg -x "$f" "$tmp/x11" || echo "dpkg -x $f failed"; done
	export LD_LIBRARY_PATH=$tmp/x11/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	echo "libX11 from out/debs/x11 (LD_LIBRARY_PATH)"
fi
vf=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [ -f "$vf" ]; then
	export __EGL_VENDOR_LIBRARY_FILENAMES=$vf
	echo "__EGL_VENDOR_LIBRARY_FILENAMES=$vf"
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
	[ -d "$d" ] && export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d
done
echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
for b in gl.test compositor; do
	if ldd "$bin/$b" | grep -q 'not found'; then echo "missing libraries for $b:"; ldd "$bin/$b" | grep 'not found'; fi
done

step "2. machine"
uname -a
nproc
grep -m1 'model name' /proc/cpuinfo
timeout 20 nvidia-smi 2>&1 || echo "(no nvidia-smi)"
timeout 30 "$bin/gl.test" -test.run '^TestInfo$' -test.v 2>&1 | grep -E 'EGL_|GL_|PASS|FAIL|SKIP|skip' | tee "$tmp/info.txt"

step "3. render/gl tests"
timeout 90 "$bin/gl.test" -test.count=1 -test.timeout=85s 2>&1 | tail -30
echo "tests exit: ${PIPESTATUS[0]}"

bench() { # timeout regexp
	local to=$1 re=$2
	[ "$(left)" -gt 20 ] || { echo "skipped (time budget)"; return; }
	[ "$to" -lt "$(left)" ] || to=$(($(left) - 5))
	timeout "$to" "$bin/gl.test" -test.run '^$' -test.bench "$re" -test.benchtime "$BENCHTIME" -test.benchmem \
		-test.timeout "$((to + 10))s" 2>&1 | tee -a "$OUT/bench-gl.txt" | grep -E '^Benchmark|FAIL|panic|skip'
	echo "bench exit: ${PIPESTATUS[0]}"
}

step "4. upload modes (BenchmarkUploadMode, 1920x1080, full damage)"
: >"$OUT/bench-gl.txt"
bench 90 '^BenchmarkUploadMode$'

# comp LABEL OUTPUT_SIZE CLIENT_SIZE RENDERER [VAR=VALUE ...]: a compositor
# and one wlbench run against it.
comp() {
	local label=$1 osize=$2 csize=$3 renderer=$4
	shift 4
	if [ "$(left)" -lt 15 ]; then echo "$label: skipped (time budget)"; return; fi
	local rd=$tmp/rt-$label
	mkdir -p "$rd"
	chmod 700 "$rd"
	echo "--- $label: output $osize, client $csize, renderer $renderer $*" >>"$OUT/compositor.log"
	env XDG_RUNTIME_DIR="$rd" "$@" "$bin/compositor" --backend=headless --socket=gpubench \
		--size="$osize" --renderer="$renderer" >>"$OUT/compositor.log" 2>&1 &
	cpid=$!
	for _ in $(seq 100); do [ -S "$rd/gpubench" ] && break; kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
	if [ ! -S "$rd/gpubench" ]; then
		echo "$label: compositor did not start (see compositor.log)"
		kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; cpid=
		return
	fi
	timeout $((DURATION + 12)) "$bin/wlbench" --socket="$rd/gpubench" --size="$csize" --warmup=1s \
		--duration="${DURATION}s" --pid="$cpid" >"$tmp/r.json" 2>"$tmp/r.err"
	local rc=$?
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	cpid=
	if [ $rc -ne 0 ] || [ ! -s "$tmp/r.json" ]; then
		echo "$label: wlbench failed (exit $rc): $(head -c 300 "$tmp/r.err")"
		return
	fi
	printf '{"label":"%s","output":"%s","renderer":"%s","env":"%s","result":%s}\n' \
		"$label" "$osize" "$renderer" "$*" "$(tr -d '\n' <"$tmp/r.json")" >>"$OUT/wlbench.jsonl"
	python3 -c 'import json,sys; r=json.load(sys.stdin); print("%-22s fps %6.1f  cpu/frame %6.2f ms  cpu load %.2f" % (sys.argv[1], r["fps"], r["cpu_per_frame_ms"], r["cpu_load"]))' "$label" <"$tmp/r.json" 2>/dev/null ||
		echo "$label: $(head -c 400 "$tmp/r.json")"
}

step "5. running compositor + wlbench (full damage; ${DURATION}s each)"
: >"$OUT/wlbench.jsonl"
: >"$OUT/compositor.log"
comp 1080p-soft 1920x1080 1920x1080 soft
comp 1080p-gl-rgba 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba
comp 1080p-gl-bgra 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=bgra
comp 1080p-gl-rgba-pbo 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,pbo
comp 1080p-gl-bgra-pbo 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=bgra,pbo
comp 1080p-gl-bgra-orphan 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=bgra,orphan
comp 4k-soft 3840x2160 3840x2160 soft
comp 4k-gl-rgba 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=rgba
comp 4k-gl-bgra 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=bgra
comp 4k-gl-bgra-pbo 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=bgra,pbo
comp 256-gl-damage 1920x1080 256x256 gl
comp 256-gl-nodamage 1920x1080 256x256 gl NOFAULT_GL_DAMAGE=0
comp 256-soft 1920x1080 256x256 soft

step "6. frames (BenchmarkFrameSize, SmallClient, Upload1080p, Frame1080p)"
bench 120 '^Benchmark(FrameSize|SmallClient|Upload1080p|Frame1080p)$'

step "summary"
python3 - "$OUT" "$tmp/info.txt" "$(elapsed)" "$(cat "$bin/REVISION" 2>/dev/null)" <<'PY' || echo "summary failed"
import json, os, re, sys
out, info, secs, rev = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
L = []
L.append("# nofault GL benchmarks (bench/gpu/run.sh)\n")
L.append("Revision %s; run took %s s.\n" % (rev, secs))
try:
    for line in open(info):
        m = re.search(r"(EGL_\w+|GL_\w+): (.*)", line)
        if m:
            L.append("- %s: %s" % (m.group(1), m.group(2).strip()))
except OSError:
    pass
L.append("")
bench = {}
try:
    for line in open(os.path.join(out, "bench-gl.txt")):
        f = line.split()
        if not f or not f[0].startswith("Benchmark") or len(f) < 4:
            continue
        name = re.sub(r"-\d+$", "", f[0])
        vals = {}
        for i in range(2, len(f) - 1):
            if f[i + 1] in ("ns/op", "cpu-ns/op", "MB/s", "allocs/op", "B/op"):
                try:
                    vals[f[i + 1]] = float(f[i])
                except ValueError:
                    pass
        bench[name] = vals
except OSError:
    pass
ms = lambda v: "%.3f" % (v / 1e6) if v is not None else "–"
up = {k[len("BenchmarkUploadMode/"):]: v for k, v in bench.items() if k.startswith("BenchmarkUploadMode/")}
if up:
    L.append("## Upload of one 1920x1080 ARGB8888 buffer (BenchmarkUploadMode)\n")
    L.append("alone: uploads back to back; frame: each upload followed by a render that samples the texture (no glFinish per frame). map: from the client's memfd mapping (zero-copy view); heap: from Go memory. Times in ms per upload (wall / process CPU).\n")
    L.append("| mode | map alone | map frame | heap alone | heap frame |")
    L.append("|---|---|---|---|---|")
    modes = []
    for k in up:
        m = k.split("/")[0]
        if m not in modes:
            modes.append(m)
    for m in modes:
        cells = []
        for c in ("map/alone", "map/frame", "heap/alone", "heap/frame"):
            v = up.get(m + "/" + c)
            cells.append("%s / %s" % (ms(v.get("ns/op")), ms(v.get("cpu-ns/op"))) if v else "–")
        L.append("| %s | %s |" % (m, " | ".join(cells)))
    L.append("")
fr = {k[len("BenchmarkFrameSize/"):]: v for k, v in bench.items() if k.startswith("BenchmarkFrameSize/")}
if fr:
    L.append("## Full-damage frame: upload + render, no glFinish per frame (BenchmarkFrameSize)\n")
    L.append("| size / mode | ms per frame (wall) | CPU ms per frame | allocs/op |")
    L.append("|---|---|---|---|")
    for k, v in fr.items():
        L.append("| %s | %s | %s | %s |" % (k, ms(v.get("ns/op")), ms(v.get("cpu-ns/op")), "%g" % v["allocs/op"] if "allocs/op" in v else "–"))
    L.append("")
other = {k: v for k, v in bench.items() if not k.startswith(("BenchmarkUploadMode/", "BenchmarkFrameSize/"))}
if other:
    L.append("## Other render/gl benchmarks\n")
    L.append("| benchmark | ms/op | CPU ms/op | allocs/op |")
    L.append("|---|---|---|---|")
    for k, v in other.items():
        L.append("| %s | %s | %s | %s |" % (k, ms(v.get("ns/op")), ms(v.get("cpu-ns/op")), "%g" % v["allocs/op"] if "allocs/op" in v else "–"))
    L.append("")
runs = []
try:
    for line in open(os.path.join(out, "wlbench.jsonl")):
        line = line.strip()
        if line:
            runs.append(json.loads(line))
except (OSError, ValueError):
    pass
if runs:
    L.append("## Running compositor (--backend=headless, 60 Hz) with cmd/wlbench, full damage every frame\n")
    L.append("Compositor CPU (utime+stime from /proc) per frame callback; fps per surface.\n")
    L.append("| run | output | client | renderer | env | fps | CPU ms/frame | CPU load |")
    L.append("|---|---|---|---|---|---|---|---|")
    for r in runs:
        x = r["result"]
        L.append("| %s | %s | %dx%d | %s | %s | %.1f | %.2f | %.2f |" % (r["label"], r["output"], x.get("Width", 0), x.get("Height", 0), r["renderer"], r["env"] or "–", x.get("fps", 0), x.get("cpu_per_frame_ms", 0), x.get("cpu_load", 0)))
    L.append("")
open(os.path.join(out, "summary.md"), "w").write("\n".join(L) + "\n")
print("\n".join(L))
PY
step "done in $(elapsed)s; files in $OUT:"
ls -la "$OUT"
