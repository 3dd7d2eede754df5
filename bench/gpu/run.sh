#!/bin/bash
# bench/gpu/run.sh: the GL benchmarks on a machine with an NVIDIA GPU and no
# display, from the prebuilt binaries of bench/gpu/build.sh (bench/gpu/out;
# no Go, no -dev packages needed there). It also runs on Mesa (llvmpipe)
# through EGL surfaceless, which is how it is tested.
#
#   bash bench/gpu/run.sh            results in $OUT (default /tmp/gpuout)
#
# Steps, each time-boxed, the whole under 5 minutes (about 4 on the H200
# machine, 16 cores):
#   1. the GL loaders: the .deb files of out/debs/gl are unpacked into /
#      where the machine has NVIDIA's driver folder or no libEGL; libX11,
#      libXfixes and libXext (out/debs/x11) into a private folder where the
#      machine lacks one of them;
#      __EGL_VENDOR_LIBRARY_FILENAMES points at NVIDIA's vendor file
#   2. nvidia-smi; the EGL and GL vendor/renderer strings (TestInfo)
#   3. render/gl's tests (pixel-exact against render/soft, every upload mode)
#   4. the running compositor, --backend=headless, soft and --renderer=gl
#      in each upload mode (NOFAULT_GL_UPLOAD: rgba, rgba,pbo, rgba,ring,
#      rgba,persist, bgra,pbo), with GOMAXPROCS=2 and 1 (label suffixes
#      -P2 and -P1: Go's idle-P spinning on 16 cores, sysmon's polling
#      around long cgo calls), with the headless clock on a Go timer
#      (NOFAULT_HEADLESS_CLOCK=timer, -timer: sysmon again) and without
#      the glFlush after each render (NOFAULT_GL_FLUSH=0, -noflush), with
#      cmd/wlbench drawing full-damage frames at 1920x1080 (ROUNDS rounds,
#      interleaved), a 256x256 client, and 3840x2160 (compositor CPU per
#      frame from /proc, fps)
#   4b. a second client's wl_display.sync round trips (p50, p99, max)
#      while a 1080p client draws: soft, gl pbo, gl persist
#   5. CPU profiles of the running compositor at 1080p (bench/gpu/glprof:
#      the same headless compositor writing a pprof profile of 4 s):
#      $OUT/cpu-prof-*.pprof
#   6. BenchmarkFrameLoop (upload + render through the Proxy, hot / paced
#      at 60 Hz / fresh client pixels / both) and BenchmarkCopyFresh (the
#      bare memcpy under the same conditions)
#   7. BenchmarkFrameSize (1080p, 4K; rgba, rgba,pbo, rgba,ring,
#      rgba,persist, bgra,pbo),
#      BenchmarkSmallClient;
#      with FULL=1 also BenchmarkUploadMode
# Then $OUT/summary.md (tables, then issue 14's GPU goals computed from them), $OUT/log.txt (everything), bench-gl.txt
# (raw go test -bench output), wlbench.jsonl (one JSON result per run),
# compositor.log (the compositors' stderr), cpu-*.pprof.
#
# Exit status: 0 when every step ran; 1 with "run.sh: FAILED: ..." naming
# what failed (no GL context, tests, a compositor or wlbench run, a
# profile, a benchmark) or was skipped for time.
#
# Environment: OUT, BENCHTIME (go benchmark time per case, default 0.5s),
# DURATION (wlbench measured seconds, default 3), ROUNDS (rounds of the
# 1080p and 256x256 runs, default 2), BUDGET (seconds, default 270: later
# steps are skipped past it, and that is a failure), FRAMES (frames per
# case of step 6, default 60), FULL.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/out/gl.test" ]; then bin=$here/out; else bin=$here; fi
OUT=${OUT:-/tmp/gpuout}
BENCHTIME=${BENCHTIME:-0.5s}
DURATION=${DURATION:-3}
ROUNDS=${ROUNDS:-2}
BUDGET=${BUDGET:-270}
fail=()    # what failed, for the exit status
skipped=() # what the time budget left out
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
if ! ldconfig -p | grep -q 'libX11.so.6 ' || ! ldconfig -p | grep -q 'libXfixes.so.3 ' || ! ldconfig -p | grep -q 'libXext.so.6 '; then
	for f in "$bin"/debs/x11/*.deb; do dpkg -x "$f" "$tmp/x11" || echo "dpkg -x $f failed"; done
	export LD_LIBRARY_PATH=$tmp/x11/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	echo "libX11, libXfixes and libXext from out/debs/x11 (LD_LIBRARY_PATH)"
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
for b in gl.test compositor glprof wlbench; do
	[ -x "$bin/$b" ] || { echo "run.sh: FAILED: $bin/$b missing: run bench/gpu/build.sh first (and carry bench/gpu/out)"; exit 1; }
	if ldd "$bin/$b" | grep -q 'not found'; then echo "missing libraries for $b:"; ldd "$bin/$b" | grep 'not found'; fi
done

step "2. machine"
uname -a
nproc
grep -m1 'model name' /proc/cpuinfo
timeout 20 nvidia-smi 2>&1 || echo "(no nvidia-smi)"
timeout 30 "$bin/gl.test" -test.run '^TestInfo$' -test.v 2>&1 | grep -E 'EGL_|GL_|PASS|FAIL|SKIP|skip' | tee "$tmp/info.txt"
if ! grep -q 'GL_RENDERER:' "$tmp/info.txt"; then
	echo "run.sh: FAILED: no GL context (EGL surfaceless): see the TestInfo lines above"
	exit 1
fi
if [ -d /usr/local/nvidia ] && ! grep -q 'GL_VENDOR: NVIDIA' "$tmp/info.txt"; then
	fail+=("NVIDIA's driver is installed but GL is not NVIDIA's ($(grep 'GL_RENDERER:' "$tmp/info.txt" | sed 's/.*GL_RENDERER: //'))")
fi

step "3. render/gl tests"
timeout 90 "$bin/gl.test" -test.count=1 -test.timeout=85s 2>&1 | tail -30
trc=${PIPESTATUS[0]}
echo "tests exit: $trc"
[ "$trc" = 0 ] || fail+=("render/gl tests (exit $trc)")

bench() { # timeout regexp
	local to=$1 re=$2
	[ "$(left)" -gt 20 ] || { echo "skipped (time budget)"; skipped+=("bench $re"); return; }
	[ "$to" -lt "$(left)" ] || to=$(($(left) - 5))
	timeout "$to" "$bin/gl.test" -test.run '^$' -test.bench "$re" -test.benchtime "$BENCHTIME" -test.benchmem \
		-test.timeout "$((to + 10))s" 2>&1 | tee -a "$OUT/bench-gl.txt" | grep -E '^Benchmark|FAIL|panic|skip'
	local brc=${PIPESTATUS[0]}
	echo "bench exit: $brc"
	[ "$brc" = 0 ] || fail+=("bench $re (exit $brc)")
}

# comp LABEL OUTPUT_SIZE CLIENT_SIZE RENDERER [VAR=VALUE ...]: a compositor
# and one wlbench run against it. With PROF=1 in the environment of the
# call the compositor is glprof (the same headless compositor) writing a
# CPU profile of seconds 2-6 of the run to $OUT/cpu-LABEL.pprof.
comp() {
	local label=$1 osize=$2 csize=$3 renderer=$4
	shift 4
	if [ "$(left)" -lt 15 ]; then echo "$label: skipped (time budget)"; skipped+=("$label"); return; fi
	local rd=$tmp/rt-$label
	rm -rf "$rd"
	mkdir -p "$rd"
	chmod 700 "$rd"
	local exe=("$bin/compositor") dur=$DURATION
	if [ "${PROF:-0}" = 1 ]; then
		exe=("$bin/glprof" --cpuprofile="$OUT/cpu-$label.pprof" --profile-delay=2s --profile-seconds=4s --)
		dur=6
	fi
	echo "--- $label: output $osize, client $csize, renderer $renderer $*" >>"$OUT/compositor.log"
	env XDG_RUNTIME_DIR="$rd" "$@" "${exe[@]}" --backend=headless --socket=gpubench \
		--size="$osize" --renderer="$renderer" >>"$OUT/compositor.log" 2>&1 &
	cpid=$!
	for _ in $(seq 100); do [ -S "$rd/gpubench" ] && break; kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
	if [ ! -S "$rd/gpubench" ]; then
		echo "$label: compositor did not start (see compositor.log)"
		fail+=("$label: compositor did not start")
		kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; cpid=
		return
	fi
	timeout $((dur + 12)) "$bin/wlbench" --socket="$rd/gpubench" --size="$csize" --warmup=1s \
		--duration="${dur}s" --pid="$cpid" >"$tmp/r.json" 2>"$tmp/r.err"
	local rc=$?
	# CPU per thread name since the start (Go's profiler sees only Go's
	# threads, not the GL driver's): {"comm": clock ticks}.
	python3 - "$cpid" >"$tmp/threads.json" 2>/dev/null <<'TH' || echo '{}' >"$tmp/threads.json"
import collections, glob, json, re, sys
d = collections.Counter()
for f in glob.glob("/proc/%s/task/*/stat" % sys.argv[1]):
    try:
        s = open(f).read()
    except OSError:
        continue
    comm = s[s.index("(") + 1:s.rindex(")")]
    x = s[s.rindex(")") + 2:].split()
    d[re.sub(r"[0-9]+$", "N", comm)] += int(x[11]) + int(x[12])
print(json.dumps(d))
TH
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	cpid=
	if [ $rc -ne 0 ] || [ ! -s "$tmp/r.json" ]; then
		echo "$label: wlbench failed (exit $rc): $(head -c 300 "$tmp/r.err")"
		fail+=("$label: wlbench exit $rc")
		return
	fi
	if [ "${PROF:-0}" = 1 ] && [ ! -s "$OUT/cpu-$label.pprof" ]; then
		echo "$label: no CPU profile written (see compositor.log)"
		fail+=("$label: no profile")
	fi
	printf '{"label":"%s","output":"%s","renderer":"%s","env":"%s","prof":%s,"threads":%s,"result":%s}\n' \
		"$label" "$osize" "$renderer" "$*" "${PROF:-0}" "$(cat "$tmp/threads.json")" "$(tr -d '\n' <"$tmp/r.json")" >>"$OUT/wlbench.jsonl"
	python3 -c 'import json,sys; r=json.load(sys.stdin); print("%-24s fps %6.1f  cpu/frame %6.2f ms  cpu load %.2f" % (sys.argv[1], r["fps"], r["cpu_per_frame_ms"], r["cpu_load"]))' "$label" <"$tmp/r.json" 2>/dev/null ||
		echo "$label: $(head -c 400 "$tmp/r.json")"
}

step "4. running compositor + wlbench, full damage (${DURATION}s each, $ROUNDS rounds interleaved)"
: >"$OUT/wlbench.jsonl"
: >"$OUT/compositor.log"
# P2: GOMAXPROCS=2 (the Go scheduler's idle-P spinning on 16 cores).
# P1: GOMAXPROCS=1 (sysmon then takes the P of a long cgo call at once
# and sleeps, instead of polling every 20 µs for a millisecond a frame).
# timer: NOFAULT_HEADLESS_CLOCK=timer (ticks from a Go timer, which ends
# sysmon's idle sleep by its own timeout, so a frame's first cgo call does
# not set it polling; it costs a frame another thread's wake-up).
for round in $(seq "$ROUNDS"); do
	comp 1080p-soft 1920x1080 1920x1080 soft
	comp 1080p-gl-rgba 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba
	comp 1080p-gl-pbo 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,pbo
	comp 1080p-gl-persist 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,persist
	comp 1080p-gl-pbo-P1 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,pbo GOMAXPROCS=1
	comp 1080p-gl-pbo-timer 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,pbo NOFAULT_HEADLESS_CLOCK=timer
	comp 256-gl 1920x1080 256x256 gl
	comp 256-gl-timer 1920x1080 256x256 gl NOFAULT_HEADLESS_CLOCK=timer
	comp 256-soft 1920x1080 256x256 soft
done
# Once each: the variants whose question is settled or secondary.
comp 1080p-gl-ring 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,ring
comp 1080p-gl-pbo-P2 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,pbo GOMAXPROCS=2
comp 1080p-gl-pbo-noflush 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,pbo NOFAULT_GL_FLUSH=0
comp 1080p-soft-P2 1920x1080 1920x1080 soft GOMAXPROCS=2
comp 1080p-gl-bgra-pbo 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=bgra,pbo
comp 4k-soft 3840x2160 3840x2160 soft
comp 4k-gl-rgba 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=rgba
comp 4k-gl-pbo 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=rgba,pbo
comp 4k-gl-ring 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=rgba,ring
comp 4k-gl-persist 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=rgba,persist
comp 4k-gl-pbo-P2 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=rgba,pbo GOMAXPROCS=2
comp 4k-gl-pbo-timer 3840x2160 3840x2160 gl NOFAULT_GL_UPLOAD=rgba,pbo NOFAULT_HEADLESS_CLOCK=timer

# bystander LABEL RENDERER [VAR=VALUE ...]: a 1920x1080 full-damage client
# and, from 1.5 s on, a second client timing wl_display.sync round trips:
# how long the display loop is held (by uploads and renders through the
# GL thread, with gl) while it serves the first.
bystander() {
	local label=$1 renderer=$2
	shift 2
	if [ "$(left)" -lt 15 ]; then echo "$label: skipped (time budget)"; skipped+=("$label"); return; fi
	local rd=$tmp/rt-$label
	rm -rf "$rd"; mkdir -p "$rd"; chmod 700 "$rd"
	env XDG_RUNTIME_DIR="$rd" "$@" "$bin/compositor" --backend=headless --socket=gpubench \
		--size=1920x1080 --renderer="$renderer" >>"$OUT/compositor.log" 2>&1 &
	cpid=$!
	for _ in $(seq 100); do [ -S "$rd/gpubench" ] && break; kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
	if [ ! -S "$rd/gpubench" ]; then
		fail+=("$label: compositor did not start"); kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; cpid=; return
	fi
	timeout 20 "$bin/wlbench" --socket="$rd/gpubench" --size=1920x1080 --warmup=1s --duration=5s --pid="$cpid" >"$tmp/f.json" 2>/dev/null &
	local fpid=$!
	sleep 1.5
	timeout 15 "$bin/wlbench" --socket="$rd/gpubench" --mode=sync --warmup=0.5s --duration=3s >"$tmp/s.json" 2>"$tmp/s.err"
	local rc=$?
	wait "$fpid"
	local frc=$?
	kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; cpid=
	if [ $rc -ne 0 ] || [ $frc -ne 0 ]; then fail+=("$label: wlbench exit $frc/$rc"); echo "$label: wlbench failed ($frc/$rc)"; return; fi
	python3 - "$label" "$renderer" "$*" "$tmp/f.json" "$tmp/s.json" <<'BY' | tee -a "$OUT/bystander.txt"
import json, sys
label, renderer, env, f, s = sys.argv[1:6]
f, s = json.load(open(f)), json.load(open(s))
q = s.get("rtt_quantiles_us") or [float("nan")]
print("| %s | %s | %s | %.1f | %.2f | %.0f | %.0f | %.0f |" % (label, renderer, env or "–", f["fps"], f["cpu_per_frame_ms"], s["rtt_p50_us"], s["rtt_p99_us"], q[-1]))
BY
}

step "4b. a bystander's round trips while a 1080p client draws"
: >"$OUT/bystander.txt"
bystander by-soft soft
bystander by-gl-pbo gl NOFAULT_GL_UPLOAD=rgba,pbo
bystander by-gl-persist gl NOFAULT_GL_UPLOAD=rgba,persist

step "5. CPU profiles of the running compositor at 1080p (glprof, 4 s each)"
PROF=1 comp prof-1080p-gl-pbo 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,pbo
PROF=1 comp prof-1080p-gl-persist 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,persist
PROF=1 comp prof-1080p-gl-pbo-P2 1920x1080 1920x1080 gl NOFAULT_GL_UPLOAD=rgba,pbo GOMAXPROCS=2
PROF=1 comp prof-1080p-soft 1920x1080 1920x1080 soft

step "6. in-process frame loop through the Proxy: hot, paced at 60 Hz, fresh pixels, both (BenchmarkFrameLoop, BenchmarkCopyFresh)"
: >"$OUT/bench-gl.txt"
BENCHTIME=${FRAMES:-60}x bench 90 '^Benchmark(FrameLoop|CopyFresh)$'

step "7. frames back to back (BenchmarkFrameSize, SmallClient)"
bench 50 '^BenchmarkFrameSize$/./^(rgba|rgba,pbo|rgba,ring|rgba,persist|bgra,pbo)$'
bench 20 '^BenchmarkSmallClient$'
if [ "${FULL:-0}" = 1 ]; then
	step "7b. upload modes (BenchmarkUploadMode), FULL=1"
	bench 90 '^BenchmarkUploadMode$'
fi

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
loop = {k[len("BenchmarkFrameLoop/"):]: v for k, v in bench.items() if k.startswith("BenchmarkFrameLoop/")}
copyf = {k[len("BenchmarkCopyFresh/"):]: v for k, v in bench.items() if k.startswith("BenchmarkCopyFresh/")}
conds = ["hot", "paced", "fresh", "paced-fresh"]
if loop or copyf:
    L.append("## In-process frame through the Proxy under the compositor's conditions (BenchmarkFrameLoop, BenchmarkCopyFresh)\n")
    L.append("CPU ms per frame (process CPU from the start to the end of each frame, the client's drawing left out). hot: back to back, same pixels; paced: one frame per 1/60 s; fresh: a client thread rewrote the whole buffer just before; paced-fresh: both, the running compositor's conditions without the protocol. memcpy: the bare copy of the buffer into Go memory under the same condition.\n")
    L.append("| size / mode | " + " | ".join(conds) + " |")
    L.append("|---|" + "---|" * len(conds))
    rows = []
    for r in [k.rsplit("/", 1)[0] for k in loop] + [k.rsplit("/", 1)[0] + "/memcpy" for k in copyf]:
        if r not in rows:
            rows.append(r)
    for r in rows:
        cells = []
        for c in conds:
            if r.endswith("/memcpy"):
                v = copyf.get(r[:-len("/memcpy")] + "/" + c)
            else:
                v = loop.get(r + "/" + c)
            cells.append(ms(v.get("cpu-ns/op")) if v else "–")
        L.append("| %s | %s |" % (r, " | ".join(cells)))
    L.append("")
other = {k: v for k, v in bench.items() if not k.startswith(("BenchmarkUploadMode/", "BenchmarkFrameSize/", "BenchmarkFrameLoop/", "BenchmarkCopyFresh/"))}
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
    import statistics
    L.append("## Running compositor (--backend=headless, 60 Hz) with cmd/wlbench, full damage every frame\n")
    L.append("Compositor CPU (utime+stime from /proc) per frame callback, median over the rounds (each round's value in brackets); the same from schedstat (every thread's run time, finer than /proc's ticks); context switches of every compositor thread per frame; fps per surface. -P2: GOMAXPROCS=2; -P1: GOMAXPROCS=1; -timer: NOFAULT_HEADLESS_CLOCK=timer. prof-*: the glprof build with the CPU profiler on (cpu-LABEL.pprof).\n")
    L.append("| run | output | client | renderer | env | fps | CPU ms/frame | schedstat ms/frame | switches/frame | CPU load |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    def per_frame(r, key, scale):
        f = r["result"].get("frames", 0)
        return scale * r["result"].get(key, 0) / f if f else 0
    by = {}
    for r in runs:
        by.setdefault(r["label"], []).append(r)
    for label, rs in by.items():
        x = rs[0]["result"]
        cpus = [r["result"].get("cpu_per_frame_ms", 0) for r in rs]
        each = " (" + " ".join("%.2f" % c for c in cpus) + ")" if len(cpus) > 1 else ""
        L.append("| %s | %s | %dx%d | %s | %s | %.1f | %.2f%s | %.3f | %.1f | %.2f |" % (label, rs[0]["output"], x.get("Width", 0), x.get("Height", 0), rs[0]["renderer"], rs[0]["env"] or "–",
            statistics.median(r["result"].get("fps", 0) for r in rs), statistics.median(cpus), each,
            statistics.median(per_frame(r, "cpu_sched_s", 1000) for r in rs), statistics.median(per_frame(r, "ctx_switches", 1) for r in rs),
            statistics.median(r["result"].get("cpu_load", 0) for r in rs)))
    L.append("")
    L.append("CPU by thread name over each whole run (first round; N: a number), which Go's profiles do not show for the GL driver's threads:\n")
    for label, rs in by.items():
        th = rs[0].get("threads") or {}
        tot = sum(th.values())
        if tot:
            L.append("- %s: %s" % (label, ", ".join("%s %.0f%%" % (k, 100.0 * v / tot) for k, v in sorted(th.items(), key=lambda kv: -kv[1])[:5])))
    L.append("")
try:
    by = [l.strip() for l in open(os.path.join(out, "bystander.txt")) if l.startswith("|")]
except OSError:
    by = []
if by:
    L.append("## A bystander's wl_display.sync round trips while a 1920x1080 client draws full damage\n")
    L.append("| run | renderer | env | drawing client fps | CPU ms/frame (both clients) | sync p50 µs | p99 µs | max µs |")
    L.append("|---|---|---|---|---|---|---|---|")
    L.extend(by)
    L.append("")
# Issue 14's GPU goals, computed from the tables above so that a short
# device session can record them as they stand.
# (runs, statistics and per_frame are the running-compositor table's.)
def runs_of(prefix):
    got = {}
    for r in runs:
        if r["label"].startswith(prefix):
            got.setdefault(r["label"], []).append(r)
    return got
def sched_ms(rs):
    return statistics.median(per_frame(r, "cpu_sched_s", 1000) for r in rs)
def switches(rs):
    return statistics.median(per_frame(r, "ctx_switches", 1) for r in rs)
G = []
memcpy = copyf.get("1920x1080/hot", {}).get("cpu-ns/op")
if memcpy and runs:
    memcpy /= 1e6
    rows = sorted((sched_ms(rs), label) for label, rs in runs_of("1080p-gl").items())
    if rows:
        best, label = rows[0]
        G.append("- **1920x1080 full damage, CPU per frame <= 1.5x one memcpy** (BenchmarkCopyFresh 1920x1080 hot: %.3f ms), running compositor, schedstat: %s. Best %s, %.2fx: **%s**." % (
            memcpy, ", ".join("%s %.3f ms (%.2fx)" % (l, v, v / memcpy) for v, l in rows), label, best / memcpy, "met" if best <= 1.5 * memcpy else "not met"))
    inproc = sorted((v["cpu-ns/op"] / 1e6, k) for k, v in fr.items() if k.startswith("1920x1080/") and "cpu-ns/op" in v)
    if inproc:
        G.append("- The same in process (BenchmarkFrameSize): %s." % ", ".join("%s %.3f ms (%.2fx)" % (k.split("/", 1)[1], v, v / memcpy) for v, k in inproc))
fps4k = []
for label, rs in runs_of("4k-gl").items():
    f = [r["result"].get("fps", 0) for r in rs]
    if f:
        fps4k.append((statistics.median(f), label))
if fps4k:
    fps4k.sort(reverse=True)
    G.append("- **3840x2160 at 60 fps** (fps per surface, 60 Hz clock; met at 59 or more): %s: **%s**." % (
        ", ".join("%s %.1f" % (l, f) for f, l in fps4k), "met by " + fps4k[0][1] if fps4k[0][0] >= 59 else "not met"))
for size, names in (("1080p", ("1080p-gl-pbo", "1080p-gl-pbo-P1", "1080p-gl-pbo-P2", "1080p-gl-pbo-timer")), ("256x256", ("256-gl", "256-gl-timer"))):
    got = runs_of(size.split("x")[0] + "-gl")
    rows = sorted((sched_ms(got[n]), n) for n in names if n in got)
    if len(rows) > 1:
        lo = rows[0][0]
        G.append("- GL clock and Ps at %s (default clock and GOMAXPROCS, -P1/-P2: GOMAXPROCS, -timer: NOFAULT_HEADLESS_CLOCK=timer), schedstat ms per frame and switches: %s; lowest %s, the next %+.0f%%." % (
            size, ", ".join("%s %.3f (%.1f)" % (n, v, switches(got[n])) for v, n in rows), rows[0][1], 100.0 * (rows[1][0] - lo) / lo if lo else 0))
if G:
    L.append("## Issue 14's GPU goals, from this run\n")
    L.append("Medians over the rounds; one run of each is a first look, not a decision: the device's A/Bs want more rounds (ROUNDS).\n")
    L.extend(G)
    L.append("")
profs = sorted(f for f in os.listdir(out) if f.endswith(".pprof"))
if profs:
    L.append("CPU profiles: " + ", ".join(profs) + " (`go tool pprof -top FILE`).\n")
open(os.path.join(out, "summary.md"), "w").write("\n".join(L) + "\n")
print("\n".join(L))
PY
step "done in $(elapsed)s; files in $OUT:"
ls -la "$OUT"
for x in ${skipped[@]+"${skipped[@]}"}; do fail+=("skipped for time: $x"); done
if [ ${#fail[@]} -gt 0 ]; then
	echo "run.sh: FAILED (${#fail[@]}):"
	printf '  %s\n' "${fail[@]}"
	exit 1
fi
echo "run.sh: all steps ran"
