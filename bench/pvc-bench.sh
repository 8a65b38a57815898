#!/usr/bin/env bash
# pvc-bench.sh [RUNS=5] : copies the synthetic model (../shared/bench/make-model.sh: 1 GiB + 50 x 8 MiB +
# 2,000 x 4 KiB) from a pvc:// volume with the CLI jar, against `cp -r` and `rclone copy` of the same directory,
# to tmpfs (/dev/shm) and to disk (/tmp). Prints median wall, MB/s, files/s and peak RSS per tool.
# MODEL_ARGS=--small for the quick variant.
source "$(dirname "$0")/common.sh"
RUNS=${1:-5}
need_tools rclone
build_jar
ROOT=/tmp/bench-pvc; MODEL=$ROOT/claim/synth
mkdir -p "$ROOT/claim"
"$SHARED_BENCH/make-model.sh" "$MODEL" ${MODEL_ARGS:-} >&2
rm -f "$MODEL/.complete.keep"; FILES=$(find "$MODEL" -type f ! -name .complete | wc -l); BYTES=$(find "$MODEL" -type f ! -name .complete -printf '%s\n' | awk '{s+=$1} END {print s}')
export STORAGE_PVC_MOUNT_ROOT=$ROOT RCLONE_CONFIG=/dev/null
for target in /dev/shm/bench-out /tmp/bench-out; do
  RESULTS=$(mktemp); export RESULTS
  for _ in $(seq 1 "$RUNS"); do
    timed "storage-initializer (CLI jar)" "$target" java -jar "$JAR" --quiet pvc://claim/synth "$target"
    timed "cp -r" "$target" cp -r "$MODEL" "$target"
    timed "rclone copy" "$target" rclone copy "$MODEL" "$target" --exclude .complete
  done
  echo; echo "### destination $target ($FILES files, $((BYTES / 1048576)) MiB, $RUNS runs each, $(nproc) cores)"
  summary "$BYTES" "$FILES"
  rm -rf "$target" "$RESULTS"
done
