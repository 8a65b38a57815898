#!/usr/bin/env bash
# s3-bench.sh [RUNS=3] : the S3 provider against `rclone copy` (defaults) and the raw parallel-curl ceiling.
#
# Starts its own s3proxy (jar fetched by Maven, 127.0.0.1, free port, data under $ROOT, kept between runs so the
# upload happens once), makes the synthetic model with ../shared/bench/make-model.sh (1 GiB + 50 x 8 MiB +
# 2,000 x 4 KiB), uploads it with ../shared/bench/upload-s3.sh, then times, alternating run by run:
#   CLI (java -jar)       java -jar storage-initializer/target/storage-initializer.jar s3://models/synth-v1 OUT
#   CLI (init flags)      the same with the init container's JVM flags (deploy/Dockerfile) and an AppCDS archive
#                         trained on an S3 download; and that with STORAGE_VERIFY_MD5=never (no MD5 checks)
#   rclone copy           rclone copy s3:models/synth-v1 OUT   (Debian's rclone, its defaults)
#   curl ceiling          ../shared/bench/curl-parallel.sh models/synth-v1 OUT 16 64
# to tmpfs (/dev/shm) and to disk (/tmp); then the 2,000 small files alone (tmpfs), and the CLI's peak RSS for a
# 1 GiB and a 4 GiB object. Prints median wall, MB/s, files/s, peak RSS and the ratios to rclone and curl.
# Env: ROOT (/tmp/s3-bench), MODEL_ARGS (--small for a quick run), BIG4=0 to skip the 4 GiB object,
#      KEEP=0 to delete the server's data at the end.
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
ROOT=${ROOT:-/tmp/s3-bench}
need_tools rclone curl python3
unset AWS_CA_BUNDLE   # rclone 1.60 refuses to start with it (see ../shared/bench/README.md)
export RCLONE_CONFIG=/dev/null
mkdir -p "$ROOT"

# ---------------------------------------------------------------- the CLI (with the S3 provider in it)
build_jar
CLI=(java -jar "$JAR"); CLI_CP=$JAR
INIT_FLAGS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxRAMPercentage=50)

# ---------------------------------------------------------------- s3proxy (own copy of ../shared/bench/s3-server.sh's logic)
S3PROXY_JAR=$REPO/storage-s3/target/s3proxy/s3proxy.jar
if [[ ! -f $S3PROXY_JAR ]]; then
  (cd "$REPO" && mvn -B -q -pl storage-s3 -am generate-test-resources >&2) || true
fi
[[ -f $S3PROXY_JAR ]] || { echo "cannot get the s3proxy jar (mvn -pl storage-s3 -am generate-test-resources)" >&2; exit 2; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$ROOT/data"
cat > "$ROOT/s3proxy.conf" <<EOF
s3proxy.endpoint=http://127.0.0.1:$PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=minioadmin
s3proxy.credential=minioadmin
jclouds.provider=filesystem
jclouds.filesystem.basedir=$ROOT/data
EOF
java -Xmx256m -jar "$S3PROXY_JAR" --properties "$ROOT/s3proxy.conf" > "$ROOT/s3proxy.log" 2>&1 &
SERVER_PID=$!
cleanup() {
  kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true
  [[ ${KEEP:-1} == 1 ]] || rm -rf "$ROOT/data"
  rm -rf /dev/shm/s3-bench-out /tmp/s3-bench-out
}
trap cleanup EXIT
for _ in $(seq 1 600); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "s3proxy died:" >&2; tail -20 "$ROOT/s3proxy.log" >&2; exit 1; }
  sleep 0.1
done
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

# AppCDS archive for the init-container variant, trained on a real S3 download (as deploy/Dockerfile does for pvc)
JSA=$ROOT/cli-s3.jsa
rm -f "$JSA"
java -XX:ArchiveClassesAtExit="$JSA" "${INIT_FLAGS[@]}" -cp "$CLI_CP" dev.storageinit.cli.Main --quiet \
  s3://models/synth-v1/tokenizer/vocab/d00 "$ROOT/cds-training" >/dev/null 2>&1 || true
rm -rf "$ROOT/cds-training"
CLI_INIT=(java -XX:SharedArchiveFile="$JSA" "${INIT_FLAGS[@]}" -cp "$CLI_CP" dev.storageinit.cli.Main)

ratios() { # ratios RESULTS [RCLONE_TARGET] : wall of each tool vs rclone and vs curl
  python3 - "$1" "${2:-0.8}" <<'PY'
import sys, statistics, collections
target = sys.argv[2]
walls = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, wall, kib = line.rsplit(None, 2)
    walls.setdefault(name, []).append(float(wall))
med = {k: statistics.median(v) for k, v in walls.items()}
rc = next((v for k, v in med.items() if k.startswith("rclone")), None)
cu = next((v for k, v in med.items() if k.startswith("curl")), None)
for k, v in med.items():
    if k.startswith("CLI"):
        parts = [f"{k}: {v:.2f} s"]
        if rc: parts.append(f"{v / rc:.2f}x rclone (target <= {target})")
        if cu: parts.append(f"{v / cu:.2f}x curl (target <= 1.3)")
        print("  " + ", ".join(parts))
PY
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | sed -n 1p)"
echo "# model: $FILES files, $((BYTES / 1048576)) MiB; s3proxy on 127.0.0.1:$PORT; $RUNS runs per tool, alternating"
for target in /dev/shm/s3-bench-out /tmp/s3-bench-out; do
  RESULTS=$(mktemp); export RESULTS
  for _ in $(seq 1 "$RUNS"); do
    timed "CLI (java -jar)" "$target" "${CLI[@]}" --quiet s3://models/synth-v1 "$target"
    timed "CLI (init flags + AppCDS)" "$target" "${CLI_INIT[@]}" --quiet s3://models/synth-v1 "$target"
    STORAGE_VERIFY_MD5=never timed "CLI (init flags + AppCDS, STORAGE_VERIFY_MD5=never)" "$target" \
      "${CLI_INIT[@]}" --quiet s3://models/synth-v1 "$target"
    timed "rclone copy" "$target" rclone copy s3:models/synth-v1 "$target"
    timed "curl ceiling" "$target" "$SHARED_BENCH/curl-parallel.sh" models/synth-v1 "$target" 16 64
  done
  echo; echo "### whole model -> $target"
  summary "$BYTES" "$FILES"; ratios "$RESULTS"
  rm -f "$RESULTS"
done

RESULTS=$(mktemp); export RESULTS
for _ in $(seq 1 "$RUNS"); do
  timed "CLI (java -jar)" /dev/shm/s3-bench-out "${CLI[@]}" --quiet s3://models/synth-v1/tokenizer /dev/shm/s3-bench-out
  timed "CLI (init flags + AppCDS)" /dev/shm/s3-bench-out "${CLI_INIT[@]}" --quiet s3://models/synth-v1/tokenizer /dev/shm/s3-bench-out
  timed "rclone copy" /dev/shm/s3-bench-out rclone copy s3:models/synth-v1/tokenizer /dev/shm/s3-bench-out
done
echo; echo "### the $SMALL_FILES small files alone -> /dev/shm (target: CLI <= 0.5x rclone)"
summary "$SMALL_BYTES" "$SMALL_FILES"; ratios "$RESULTS" 0.5
rm -f "$RESULTS"

if [[ ${BIG4:-1} == 1 ]]; then
  BIG=$ROOT/big4; mkdir -p "$BIG"
  [[ -f $BIG/big-4g.bin ]] || head -c $((4 << 30)) /dev/zero > "$BIG/big-4g.bin"
  "$SHARED_BENCH/upload-s3.sh" "$BIG" models/big4 >&2
  RESULTS=$(mktemp); export RESULTS
  timed "CLI (java -jar) 1 GiB object" /dev/shm/s3-bench-out "${CLI[@]}" --quiet s3://models/synth-v1/model.safetensors /dev/shm/s3-bench-out
  timed "CLI (java -jar) 4 GiB object" /dev/shm/s3-bench-out "${CLI[@]}" --quiet s3://models/big4/big-4g.bin /dev/shm/s3-bench-out
  timed "CLI (init flags) 1 GiB object" /dev/shm/s3-bench-out "${CLI_INIT[@]}" --quiet s3://models/synth-v1/model.safetensors /dev/shm/s3-bench-out
  timed "CLI (init flags) 4 GiB object" /dev/shm/s3-bench-out "${CLI_INIT[@]}" --quiet s3://models/big4/big-4g.bin /dev/shm/s3-bench-out
  echo; echo "### peak RSS by object size -> /dev/shm (target: < 300 MiB, 4 GiB no higher than 1 GiB)"
  python3 - "$RESULTS" <<'PY'
import sys
print("| run | wall (s) | peak RSS (MiB) |"); print("|---|---|---|")
for line in open(sys.argv[1]):
    name, wall, kib = line.rsplit(None, 2)
    print(f"| {name} | {float(wall):.2f} | {int(kib) / 1024:.0f} |")
PY
  rm -f "$RESULTS"
fi
