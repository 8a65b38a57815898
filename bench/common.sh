#!/usr/bin/env bash
# Shared helpers for the benchmark scripts: locate ../shared/bench, build the CLI jar, set up the CLI as the README
# runs it and as the image runs it, and time commands (wall, CPU-seconds user+sys and peak RSS via GNU time, and the
# 1-minute load average when each run started), alternating tools run by run so that drift hits all of them alike.
set -euo pipefail
# the JVMs started here name files in UTF-8 whatever the caller's locale (the image sets LANG=C.UTF-8)
export LANG=C.UTF-8 LC_ALL=C.UTF-8
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$REPO/../shared/bench}
[[ -d $SHARED_BENCH ]] || { echo "missing $SHARED_BENCH (the shared/bench scripts beside the repository)" >&2; exit 2; }
JAR=$REPO/storage-initializer/target/storage-initializer.jar
# the runtime the image carries (storage-image/pom.xml's image.jdk)
IMAGE_JDK=${IMAGE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}

need_tools() {
  local missing=()
  for t in "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
  [[ -x /usr/bin/time ]] || missing+=(time)
  if ((${#missing[@]})); then apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }; fi
}

build_jar() {
  if [[ ! -f $JAR || ${REBUILD:-0} == 1 ]]; then (cd "$REPO" && mvn -B -q -DskipTests package -pl storage-initializer -am >&2); fi
}

# The CLI as the README runs it: `java -jar` on the default java.
readme_cli() {
  README_CLI=(java -jar "$JAR")
}

# image_cli WORK TRAINING_ARGS... : sets IMAGE_CLI to the CLI as the image runs it: the image's runtime (Temurin 25,
# here the full JDK rather than its jlink'd subset), the flags of storage-image/jvm.flags, the jar with its entries
# stored as the image keeps it, and a JDK AOT cache trained now by downloading TRAINING_ARGS (pairs of SRC DEST) with
# the same runtime, flags and jar (the image trains on every provider; a cache trained on one starts that one sooner).
image_cli() {
  local work=$1; shift
  [[ -x $IMAGE_JDK/bin/java ]] || { echo "missing $IMAGE_JDK (the image's runtime; IMAGE_JDK=...)" >&2; exit 2; }
  mapfile -t IMAGE_FLAGS < <(grep -v '^#' "$REPO/storage-image/jvm.flags")
  mkdir -p "$work"
  local stored=$work/storage-initializer-stored.jar
  "$IMAGE_JDK/bin/java" -XX:+UseSerialGC "$REPO/storage-image/StoreJar.java" "$JAR" "$stored"
  rm -f "$work/app.aot"
  (cd "$work" && "$IMAGE_JDK/bin/java" -XX:AOTCacheOutput="$work/app.aot" -Xlog:aot=error "${IMAGE_FLAGS[@]}" \
      -cp "$stored" dev.storageinit.cli.Main --quiet --part-size 1 "$@" > "$work/aot-training.log" 2>&1) || true
  [[ -s $work/app.aot ]] || { echo "no AOT cache trained:" >&2; tail -20 "$work/aot-training.log" >&2; exit 1; }
  IMAGE_CLI=("$IMAGE_JDK/bin/java" -XX:AOTCache="$work/app.aot" "${IMAGE_FLAGS[@]}" -cp "$stored" dev.storageinit.cli.Main)
}

# timed NAME OUTDIR CMD... : runs CMD after emptying OUTDIR; appends "NAME<TAB>wall<TAB>cpu<TAB>rss_kib<TAB>load" to
# $RESULTS (cpu = user + sys seconds of CMD and its children; load = the 1-minute load average as it started)
timed() {
  local name=$1 out=$2; shift 2
  rm -rf "$out"; sync
  local tf load; tf=$(mktemp); load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" >/dev/null 2>"$tf.err" || { echo "FAILED: $name" >&2; cat "$tf.err" >&2; exit 1; }
  read -r wall user sys rss < <(tail -1 "$tf")
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$rss" "$load" >> "$RESULTS"
  rm -f "$tf" "$tf.err"
}

# summary BYTES FILES [TARGETS] : per tool the median wall and CPU-seconds, MB/s and files/s (of the median wall), the
# peak RSS and the load range; then each TARGETS line "TOOL|OTHER|wall or cpu|LIMIT" as TOOL's median over OTHER's,
# against LIMIT (OTHER may be a prefix of a tool's name; "rss" compares TOOL's peak RSS in MiB with LIMIT).
summary() {
  local bytes=$1 files=$2 targets=${3:-}
  python3 - "$RESULTS" "$bytes" "$files" "$targets" <<'PY'
import sys, statistics, collections
res, nbytes, nfiles, targets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
runs = collections.OrderedDict()
for line in open(res):
    name, wall, cpu, kib, load = line.rstrip("\n").split("\t")
    runs.setdefault(name, []).append((float(wall), float(cpu), int(kib), float(load)))
med = {}
print("| tool | runs | median wall (s) | median CPU (s) | MB/s | files/s | peak RSS (MiB) | load at start |")
print("|---|---|---|---|---|---|---|---|")
for name, r in runs.items():
    w = statistics.median(x[0] for x in r); c = statistics.median(x[1] for x in r)
    rss = max(x[2] for x in r) / 1024; loads = [x[3] for x in r]
    med[name] = (w, c, rss)
    mbs = f"{nbytes / 1e6 / w:.0f}" if nbytes else ""
    print(f"| {name} | {len(r)} | {w:.2f} | {c:.2f} | {mbs} | {nfiles / w:.0f} | {rss:.0f} | {min(loads):.1f}–{max(loads):.1f} |")
def find(prefix):
    return next((k for k in med if k == prefix), None) or next((k for k in med if k.startswith(prefix)), None)
for t in filter(None, targets.split(";")):
    tool, other, what, limit = t.split("|")
    a = find(tool)
    if a is None: continue
    if what == "rss":
        v = med[a][2]; ok = v <= float(limit)
        print(f"- {a}: peak RSS {v:.0f} MiB (target <= {limit} MiB): {'met' if ok else 'NOT met'}")
        continue
    b = find(other)
    if b is None: continue
    i = 0 if what == "wall" else 1
    ratio = med[a][i] / med[b][i]
    print(f"- {a}: {what} {ratio:.2f}x {b} (target <= {limit}x): {'met' if ratio <= float(limit) else 'NOT met'}")
PY
}

# header : the line every bench prints first (time, cores, load, the JVMs)
header() {
  echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); README CLI: $(java -version 2>&1 | sed -n 1p); image CLI: $("$IMAGE_JDK/bin/java" -version 2>&1 | sed -n 1p)"
}
