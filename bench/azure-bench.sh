#!/usr/bin/env bash
# azure-bench.sh [RUNS=3] : downloads the synthetic model (../shared/bench/make-model.sh: 1 GiB + 50 x 8 MiB +
# 2,000 x 4 KiB) from Azurite with the CLI jar, through the production URI form
# https://devstoreaccount1.blob.core.windows.net/bench/synth (AZURE_STORAGE_CONNECTION_STRING's BlobEndpoint points it
# at Azurite), against `rclone copy` of the same container (rclone's azureblob remote in emulator mode).
# Destination tmpfs (/dev/shm) by default; DEST=/tmp/bench-out for disk. MODEL_ARGS=--small for the quick variant.
# Azurite comes from storage-azure/azurite (npm ci there when missing) and runs on 127.0.0.1:${AZ_PORT:-10100}.
# The CLI runs three times per round: default JVM flags; the init image's flags (SerialGC, C1 only); and those with
# STORAGE_VERIFY_MD5=never (the blobs' Content-MD5 not checked).
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
PORT=${AZ_PORT:-10100}
DEST=${DEST:-/dev/shm/bench-out}
need_tools rclone
build_jar

CLI=(-jar "$JAR")
INIT_FLAGS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxRAMPercentage=50)  # deploy/Dockerfile's

# --- Azurite from the module's own lockfile
AZ_DIR=$REPO/storage-azure/azurite
[[ -x $AZ_DIR/node_modules/.bin/azurite-blob ]] || npm ci --prefix "$AZ_DIR" --no-audit --no-fund >&2
WORK=/tmp/bench-azure; mkdir -p "$WORK"; rm -rf "$WORK/data"
"$AZ_DIR/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$PORT" --location "$WORK/data" \
  --skipApiVersionCheck --loose --disableTelemetry > "$WORK/azurite.log" 2>&1 &
AZ_PID=$!
trap 'kill $AZ_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done

KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$KEY;BlobEndpoint=http://127.0.0.1:$PORT/devstoreaccount1;"
export RCLONE_CONFIG=/dev/null RCLONE_CONFIG_AZ_TYPE=azureblob RCLONE_CONFIG_AZ_USE_EMULATOR=true \
  RCLONE_CONFIG_AZ_ENDPOINT=http://127.0.0.1:$PORT/devstoreaccount1

# --- model, uploaded once per run of this script
MODEL=/tmp/bench-model${MODEL_ARGS:+-small}
"$SHARED_BENCH/make-model.sh" "$MODEL" ${MODEL_ARGS:-} >&2
FILES=$(find "$MODEL" -type f ! -name .complete | wc -l)
BYTES=$(find "$MODEL" -type f ! -name .complete -printf '%s\n' | awk '{s+=$1} END {print s}')
rclone mkdir az:bench 2>/dev/null
t0=$(date +%s.%N)
rclone copy "$MODEL" az:bench/synth --exclude .complete --transfers 8 2>/dev/null
echo "# uploaded $FILES files ($((BYTES / 1048576)) MiB) to Azurite in $(echo "$(date +%s.%N) - $t0" | bc) s" >&2

URI=https://devstoreaccount1.blob.core.windows.net/bench/synth
RESULTS=$(mktemp); export RESULTS
for _ in $(seq 1 "$RUNS"); do
  timed "storage-initializer (CLI)" "$DEST" java "${CLI[@]}" --quiet "$URI" "$DEST"
  timed "storage-initializer (CLI, init flags)" "$DEST" java "${INIT_FLAGS[@]}" "${CLI[@]}" --quiet "$URI" "$DEST"
  STORAGE_VERIFY_MD5=never timed "storage-initializer (CLI, init flags, STORAGE_VERIFY_MD5=never)" "$DEST" \
    java "${INIT_FLAGS[@]}" "${CLI[@]}" --quiet "$URI" "$DEST"
  timed "rclone copy" "$DEST" rclone copy az:bench/synth "$DEST"
  timed "rclone copy --transfers 16 --multi-thread-streams 8" "$DEST" rclone copy az:bench/synth "$DEST" \
    --transfers 16 --checkers 16 --multi-thread-streams 8
done
# a last check that the CLI's copy is byte-identical
rm -rf "$DEST"; java "${CLI[@]}" --quiet "$URI" "$DEST" >/dev/null
diff -r --exclude .complete --exclude '.storage-initializer*' "$MODEL" "$DEST" >&2 && echo "# CLI copy verified identical" >&2
echo; echo "### Azurite 3.37.0 -> $DEST ($FILES files, $((BYTES / 1048576)) MiB, $RUNS runs each, $(nproc) cores)"
summary "$BYTES" "$FILES"
rm -rf "$DEST" "$RESULTS"
