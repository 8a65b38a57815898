#!/usr/bin/env bash
# Shared helpers for the benchmark scripts: locate ../shared/bench, build the CLI jar, and time commands
# (wall seconds and peak RSS via GNU time), alternating tools run by run so that drift hits all of them alike.
set -euo pipefail
# the JVMs started here name files in UTF-8 whatever the caller's locale (see deploy/Dockerfile)
export LANG=C.UTF-8 LC_ALL=C.UTF-8
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$REPO/../shared/bench}
[[ -d $SHARED_BENCH ]] || { echo "missing $SHARED_BENCH (the shared/bench scripts beside the repository)" >&2; exit 2; }
JAR=$REPO/storage-initializer/target/storage-initializer.jar

need_tools() {
  local missing=()
  for t in "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
  [[ -x /usr/bin/time ]] || missing+=(time)
  if ((${#missing[@]})); then apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }; fi
}

build_jar() {
  if [[ ! -f $JAR || ${REBUILD:-0} == 1 ]]; then (cd "$REPO" && mvn -B -q -DskipTests package -pl storage-initializer -am >&2); fi
}

# timed NAME OUTDIR CMD... : runs CMD after emptying OUTDIR and dropping nothing else; appends "NAME wall rss_kib" to $RESULTS
timed() {
  local name=$1 out=$2; shift 2
  rm -rf "$out"; sync
  local tf; tf=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$tf" "$@" >/dev/null 2>"$tf.err" || { echo "FAILED: $name" >&2; cat "$tf.err" >&2; exit 1; }
  echo "$name $(cat "$tf")" >> "$RESULTS"
  rm -f "$tf" "$tf.err"
}

# summary BYTES FILES : median wall and max RSS per tool, MB/s, files/s and the ratio to the first tool
summary() {
  local bytes=$1 files=$2
  python3 - "$RESULTS" "$bytes" "$files" <<'PY'
import sys, statistics, collections
res, nbytes, nfiles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
walls, rss = collections.OrderedDict(), {}
for line in open(res):
    name, wall, kib = line.rsplit(None, 2)
    walls.setdefault(name, []).append(float(wall)); rss[name] = max(rss.get(name, 0), int(kib))
first = None
print(f"| tool | runs | median wall (s) | MB/s | files/s | peak RSS (MiB) | wall vs {next(iter(walls))} |")
print("|---|---|---|---|---|---|---|")
for name, w in walls.items():
    m = statistics.median(w); first = first or m
    print(f"| {name} | {len(w)} | {m:.2f} | {nbytes/1e6/m:.0f} | {nfiles/m:.0f} | {rss[name]/1024:.0f} | {m/first:.2f}x |")
PY
}
