#!/usr/bin/env bash
# image-start.sh RUNS ROOTFS_A [ROOTFS_B] : start to first byte of the image's unpacked tree, alternating A and B run by
# run so that this VM's drift (a third within minutes) hits both alike; how each change in the README's image table
# was measured. A tree is storage-image/target/rootfs after `mvn -Pimage package -pl storage-image -am`; copy it
# aside (cp -a) before building the change. B defaults to A, for comparing flags: B_FLAGS="..." are added to B's
# JVM flags (the last of a flag wins).
#
# Each run starts the tree's java from its working directory (/home/nonroot) with the tree's own flags
# (app/jvm.args) and AOT cache, as the entrypoint does but without the smoke test's namespace (10-16 ms less), and
# downloads a 1-byte object from its own s3proxy on 127.0.0.1 with --log-format=json --verbose. It prints the ms
# from the process's start to the log's "fetched" event and to its exit: median, p25 and min per side.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:?RUNS}
A=$(realpath "${2:?ROOTFS_A}")
B=$(realpath "${3:-$2}")
read -r -a B_EXTRA <<< "${B_FLAGS:-}"
for tree in "$A" "$B"; do
  [[ -x $tree/opt/java/bin/java && -f $tree/app/app.aot && -f $tree/app/jvm.args ]] \
    || { echo "image-start: $tree is not an unpacked image tree (opt/java, app/app.aot, app/jvm.args)" >&2; exit 2; }
done
source "$(dirname "$0")/s3proxy.sh"
WORK=$(mktemp -d)
cleanup() {
  stop_s3proxy
  rm -rf "$WORK"
}
trap cleanup EXIT
start_s3proxy "$WORK" bench-key bench-secret -XX:+UseSerialGC
PORT=$S3PROXY_PORT
mkdir -p "$WORK/data/models/tiny" "$WORK/out"
printf x > "$WORK/data/models/tiny/one-byte.bin"

ms_since() { echo $(( ($(date -d "$1" +%s%N) - $2) / 1000000 )); }
# one run of TREE with extra flags; appends "first exit" ms to $WORK/TAG
run() {
  local tree=$1 tag=$2; shift 2
  local flags start end fetched
  mapfile -t flags < <(grep -v '^-XX:AOTCache=\|^-cp ' "$tree/app/jvm.args")
  rm -rf "$WORK/out/"* "$WORK/out/.storage-initializer"
  start=$(date +%s%N)
  (cd "$tree/home/nonroot" && env -i LANG=C.UTF-8 PATH=/usr/bin:/bin AWS_ACCESS_KEY_ID=bench-key \
      AWS_SECRET_ACCESS_KEY=bench-secret AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" \
      "$tree/opt/java/bin/java" -XX:AOTCache="$tree/app/app.aot" -XX:AOTMode=on "${flags[@]}" "$@" \
      -cp "$tree/app/storage-initializer.jar" dev.storageinit.cli.Main --log-format=json --verbose \
      s3://models/tiny "$WORK/out" > "$WORK/run.out" 2>&1) || { cat "$WORK/run.out" >&2; exit 1; }
  end=$(date +%s%N)
  fetched=$(sed -n 's/^{"time":"\([^"]*\)".*"event":"fetched".*/\1/p' "$WORK/run.out" | sed -n 1p)
  [[ -n $fetched ]] || { cat "$WORK/run.out" >&2; echo "image-start: no fetched event" >&2; exit 1; }
  echo "$(ms_since "$fetched" "$start") $(( (end - start) / 1000000 ))" >> "$WORK/$tag"
}
stats() { sort -n | awk '{v[NR]=$1} END {printf "median %d, p25 %d, min %d", v[int((NR+1)/2)], v[int(NR/4)+1], v[1]}'; }

echo "# $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each, alternating"
for _ in $(seq 1 "$RUNS"); do
  run "$A" A
  run "$B" B "${B_EXTRA[@]}"
done
for side in A B; do
  tree=$A; extra=""
  [[ $side == B ]] && { tree=$B; extra=${B_FLAGS:+ + $B_FLAGS}; }
  echo "$side $tree$extra: first byte $(cut -d' ' -f1 "$WORK/$side" | stats) ms; exit $(cut -d' ' -f2 "$WORK/$side" | stats) ms"
done
echo "# load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
