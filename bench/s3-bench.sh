#!/usr/bin/env bash
# s3-bench.sh [RUNS=3] : the S3 provider against `rclone copy` (defaults) and the raw parallel-curl ceiling.
#
# Starts its own s3proxy (jar fetched by Maven, 127.0.0.1, free port, data under $ROOT, kept between runs so the
# upload happens once), makes the synthetic model with ../shared/bench/make-model.sh (1 GiB + 50 x 8 MiB +
# 2,000 x 4 KiB), uploads it with ../shared/bench/upload-s3.sh (rclone: the 1 GiB object in 16 MiB parts, ETag "-64",
# with its MD5 in md5chksum), then times, alternating run by run, default checks on:
#   CLI (README)   java -jar storage-initializer/target/storage-initializer.jar --quiet s3://models/synth-v1 OUT
#   CLI (image)    the image's runtime, flags (storage-image/jvm.flags) and an AOT cache trained here on this server
#   CLI (image, STORAGE_VERIFY_MD5=never)   what the checks cost
#   rclone copy    rclone copy s3:models/synth-v1 OUT   (Debian's rclone, its defaults)
#   curl ceiling   ../shared/bench/curl-parallel.sh models/synth-v1 OUT 16 64
# to tmpfs (/dev/shm; DISK=1 adds /tmp), then the 2,000 small files alone, the JVM flags compared on both
# (FLAGS=0 skips), and the CLI's peak RSS for a 1 GiB and a 4 GiB object (BIG4=0 skips). Prints wall, CPU-seconds
# (user + sys) and peak RSS per tool with the load at each start, and the ratios to the targets of issue 12.
# Env: ROOT (/tmp/s3-bench), MODEL_ARGS (--small for a quick run), KEEP=0 to delete the server's data at the end.
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
ROOT=${ROOT:-/tmp/s3-bench}
need_tools rclone curl python3
unset AWS_CA_BUNDLE   # rclone 1.60 refuses to start with it (see ../shared/bench/README.md)
export RCLONE_CONFIG=/dev/null
mkdir -p "$ROOT"
build_jar

# ---------------------------------------------------------------- s3proxy
source "$(dirname "$0")/s3proxy.sh"
OUT=/dev/shm/s3-bench-out
cleanup() {
  stop_s3proxy
  [[ ${KEEP:-1} == 1 ]] || rm -rf "$ROOT/data"
  rm -rf "$OUT" /tmp/s3-bench-out "$ROOT/image/training"
}
trap cleanup EXIT
start_s3proxy "$ROOT" minioadmin minioadmin
PORT=$S3PROXY_PORT
export S3_ENDPOINT=http://127.0.0.1:$PORT AWS_ENDPOINT_URL=http://127.0.0.1:$PORT
export AWS_ACCESS_KEY_ID=minioadmin AWS_SECRET_ACCESS_KEY=minioadmin AWS_REGION=us-east-1
export RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Other RCLONE_CONFIG_S3_ENV_AUTH=false
export RCLONE_CONFIG_S3_ACCESS_KEY_ID=minioadmin RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=minioadmin
export RCLONE_CONFIG_S3_ENDPOINT=http://127.0.0.1:$PORT RCLONE_CONFIG_S3_REGION=us-east-1 RCLONE_CONFIG_S3_FORCE_PATH_STYLE=true

# ---------------------------------------------------------------- model, upload
MODEL=$ROOT/model
"$SHARED_BENCH/make-model.sh" "$MODEL" ${MODEL_ARGS:-} >&2
"$SHARED_BENCH/upload-s3.sh" "$MODEL" models/synth-v1 >&2
FILES=$(find "$MODEL" -type f ! -name .complete | wc -l)
BYTES=$(find "$MODEL" -type f ! -name .complete -printf '%s\n' | awk '{s+=$1} END {print s}')
SMALL_FILES=$(find "$MODEL/tokenizer" -type f | wc -l)
SMALL_BYTES=$(find "$MODEL/tokenizer" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')

# ---------------------------------------------------------------- the two CLIs
readme_cli
image_cli "$ROOT/image" s3://models/synth-v1/tokenizer/vocab/d00 "$ROOT/image/training/small" \
  s3://models/synth-v1/shards/shard-00000.bin "$ROOT/image/training/ranged"
URI=s3://models/synth-v1
header
echo "# model: $FILES files, $((BYTES / 1048576)) MiB; s3proxy on 127.0.0.1:$PORT; $RUNS runs per tool, alternating; default checks"
echo "# README CLI: ${README_CLI[*]}"
echo "# image CLI: ${IMAGE_CLI[*]}"

TARGETS="CLI (image)|rclone|wall|0.8;CLI (image)|rclone|cpu|1.1;CLI (README)|rclone|wall|0.8;CLI (README)|rclone|cpu|1.1;CLI (image)|curl|wall|1.3;CLI (image)||rss|300;CLI (README)||rss|300"
DESTS=("$OUT"); [[ ${DISK:-0} == 1 ]] && DESTS+=(/tmp/s3-bench-out)
for target in "${DESTS[@]}"; do
  RESULTS=$(mktemp); export RESULTS
  for _ in $(seq 1 "$RUNS"); do
    timed "CLI (README)" "$target" "${README_CLI[@]}" --quiet "$URI" "$target"
    timed "CLI (image)" "$target" "${IMAGE_CLI[@]}" --quiet "$URI" "$target"
    STORAGE_VERIFY_MD5=never timed "CLI (image), STORAGE_VERIFY_MD5=never" "$target" "${IMAGE_CLI[@]}" --quiet "$URI" "$target"
    timed "rclone copy" "$target" rclone copy s3:models/synth-v1 "$target"
    timed "curl ceiling" "$target" "$SHARED_BENCH/curl-parallel.sh" models/synth-v1 "$target" 16 64
  done
  echo; echo "### whole model -> $target"
  summary "$BYTES" "$FILES" "$TARGETS"
  rm -f "$RESULTS"
done

RESULTS=$(mktemp); export RESULTS
for _ in $(seq 1 "$RUNS"); do
  timed "CLI (README)" "$OUT" "${README_CLI[@]}" --quiet "$URI/tokenizer" "$OUT"
  timed "CLI (image)" "$OUT" "${IMAGE_CLI[@]}" --quiet "$URI/tokenizer" "$OUT"
  timed "rclone copy" "$OUT" rclone copy s3:models/synth-v1/tokenizer "$OUT"
done
echo; echo "### the $SMALL_FILES small files alone -> $OUT"
summary "$SMALL_BYTES" "$SMALL_FILES" "CLI (image)|rclone|wall|1.0;CLI (image)|rclone|cpu|1.0;CLI (README)|rclone|wall|1.0"
rm -f "$RESULTS"

if [[ ${FLAGS:-1} == 1 ]]; then
  # the JVM flags compared: the README's (JDK 17 defaults), the image's, and the image's less one flag each
  J25=("$IMAGE_JDK/bin/java" -XX:AOTCache="$ROOT/image/app.aot" -cp "$ROOT/image/storage-initializer-stored.jar")
  without_scaling=(); for f in "${IMAGE_FLAGS[@]}"; do [[ $f == -XX:CompileThresholdScaling=* ]] || without_scaling+=("$f"); done
  for what in "$URI" "$URI/tokenizer"; do
    RESULTS=$(mktemp); export RESULTS
    for _ in $(seq 1 "$RUNS"); do
      timed "JDK 17, defaults (README)" "$OUT" "${README_CLI[@]}" --quiet "$what" "$OUT"
      timed "JDK 25, image flags + AOT cache (image)" "$OUT" "${IMAGE_CLI[@]}" --quiet "$what" "$OUT"
      timed "JDK 25, image flags + AOT cache, without CompileThresholdScaling=3" "$OUT" \
        "${J25[@]:0:2}" "${without_scaling[@]}" "${J25[@]:2}" dev.storageinit.cli.Main --quiet "$what" "$OUT"
      timed "JDK 25, image flags + AOT cache, the training's compilations not replayed (-AOTReplayTraining)" "$OUT" \
        "${J25[@]:0:2}" "${IMAGE_FLAGS[@]}" -XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining "${J25[@]:2}" \
        dev.storageinit.cli.Main --quiet "$what" "$OUT"
      timed "JDK 25, image flags + AOT cache + TieredStopAtLevel=1 (C1 only)" "$OUT" \
        "${J25[@]:0:2}" "${IMAGE_FLAGS[@]}" -XX:TieredStopAtLevel=1 "${J25[@]:2}" dev.storageinit.cli.Main --quiet "$what" "$OUT"
      timed "JDK 25, image flags, no AOT cache" "$OUT" \
        "$IMAGE_JDK/bin/java" "${IMAGE_FLAGS[@]}" "${J25[@]:2}" dev.storageinit.cli.Main --quiet "$what" "$OUT"
    done
    if [[ $what == "$URI" ]]; then
      echo; echo "### JVM flags: whole model -> $OUT (default checks)"; summary "$BYTES" "$FILES"
    else
      echo; echo "### JVM flags: the small files -> $OUT"; summary "$SMALL_BYTES" "$SMALL_FILES"
    fi
    rm -f "$RESULTS"
  done
fi

if [[ ${BIG4:-1} == 1 ]]; then
  BIG=$ROOT/big4; mkdir -p "$BIG"
  [[ -f $BIG/big-4g.bin ]] || head -c $((4 << 30)) /dev/zero > "$BIG/big-4g.bin"
  "$SHARED_BENCH/upload-s3.sh" "$BIG" models/big4 >&2
  RESULTS=$(mktemp); export RESULTS
  timed "CLI (README) 1 GiB object" "$OUT" "${README_CLI[@]}" --quiet "$URI/model.safetensors" "$OUT"
  timed "CLI (README) 4 GiB object" "$OUT" "${README_CLI[@]}" --quiet s3://models/big4/big-4g.bin "$OUT"
  timed "CLI (image) 1 GiB object" "$OUT" "${IMAGE_CLI[@]}" --quiet "$URI/model.safetensors" "$OUT"
  timed "CLI (image) 4 GiB object" "$OUT" "${IMAGE_CLI[@]}" --quiet s3://models/big4/big-4g.bin "$OUT"
  echo; echo "### peak RSS by object size -> $OUT (target: <= 300 MiB, 4 GiB no higher than 1 GiB)"
  summary 0 1 "CLI (README) 4 GiB object||rss|300;CLI (image) 4 GiB object||rss|300"
  rm -f "$RESULTS"
fi
echo; echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
