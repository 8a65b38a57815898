#!/usr/bin/env bash
# gcs-bench.sh [RUNS=3] : the GCS provider against `rclone copy` and a parallel-curl ceiling, the synthetic model
# (../shared/bench/make-model.sh) served by the project's GCS JSON-API fixture (GcsFixtureMain from storage-testkit,
# file-backed, 127.0.0.1, free port), which keeps a CRC32C (and an MD5) per object as GCS does: by default the CLI
# verifies every object's CRC32C (a ranged one range by range, combined), no MD5. Alternating run by run, to tmpfs:
#   CLI (README)   java -jar storage-initializer/target/storage-initializer.jar --quiet gs://models/synth-v1 OUT
#   CLI (image)    the image's runtime, flags (storage-image/jvm.flags) and an AOT cache trained here on this fixture
#   rclone copy    rclone copy --transfers 16 (its GCS backend, anonymous, --gcs-endpoint)
#   curl ceiling   JSON-API listing, one `curl --parallel` for whole objects, 64 MiB ranges written with dd
# Prints wall, CPU-seconds and peak RSS with the load at each start, and the ratio to the target of issue 12
# (<= 1.15x the curl ceiling where the store gives CRC checksums). Env: ROOT (/tmp/gcs-bench), MODEL_ARGS (--small).
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
ROOT=${ROOT:-/tmp/gcs-bench}
need_tools rclone curl python3
mkdir -p "$ROOT"
build_jar
[[ -d $REPO/storage-testkit/target/classes/dev/storageinit/testkit/gcs ]] \
  || (cd "$REPO" && mvn -B -q -DskipTests compile -pl storage-testkit -am >&2)

MODEL=$ROOT/model
"$SHARED_BENCH/make-model.sh" "$MODEL" ${MODEL_ARGS:-} >&2
rm -f "$MODEL/.complete.keep"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -Xmx512m -XX:+UseSerialGC -cp "$REPO/storage-testkit/target/classes:$JAR" dev.storageinit.testkit.gcs.GcsFixtureMain \
  "$MODEL" models/synth-v1 "$PORT" > "$ROOT/server.log" 2>&1 &
SERVER=$!
OUT=/dev/shm/gcs-bench-out
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$OUT" "$ROOT/image/training"' EXIT
for _ in $(seq 1 600); do grep -q '^ready' "$ROOT/server.log" && break; kill -0 $SERVER || { cat "$ROOT/server.log" >&2; exit 1; }; sleep 0.1; done
read -r _ ENDPOINT NOBJ NBYTES < <(grep '^ready' "$ROOT/server.log")
export STORAGE_EMULATOR_HOST=$ENDPOINT RCLONE_CONFIG=/dev/null
FILES=$NOBJ; BYTES=$NBYTES

# --- the curl ceiling: listing pages, then whole objects with one curl --parallel and big ones in ranges
cat > "$ROOT/curl.sh" <<CURL
#!/usr/bin/env bash
set -euo pipefail
OUT=\$1; E=$ENDPOINT; P=16; PART=$((64 << 20))
list=\$(mktemp); cfg=\$(mktemp); rj=\$(mktemp)
python3 - "\$E" models synth-v1/ > "\$list" <<'PY'
import json, sys, urllib.parse, urllib.request
e, bucket, prefix = sys.argv[1:4]; token = None
while True:
    q = {"prefix": prefix, "maxResults": "1000", "fields": "items(name,size),nextPageToken"}
    if token: q["pageToken"] = token
    page = json.load(urllib.request.urlopen(f"{e}/storage/v1/b/{bucket}/o?" + urllib.parse.urlencode(q)))
    for o in page.get("items", []): print(o["size"], urllib.parse.quote(o["name"], safe=""), o["name"][len(prefix):])
    token = page.get("nextPageToken")
    if not token: break
PY
awk -v o="\$OUT" '{ n = split(\$3, p, "/"); d = ""; for (i = 1; i < n; i++) d = d "/" p[i]; print o d }' "\$list" | sort -u | xargs mkdir -p
while read -r size enc rel; do
  dst="\$OUT/\$rel"
  if (( size > PART )); then
    truncate -s "\$size" "\$dst"
    for ((s = 0; s < size; s += PART)); do e=\$(( s + PART - 1 )); (( e >= size )) && e=\$(( size - 1 )); echo "\$enc \$s \$e \$dst" >> "\$rj"; done
  else printf 'url = "%s/download/storage/v1/b/models/o/%s?alt=media"\noutput = "%s"\n' "\$E" "\$enc" "\$dst" >> "\$cfg"; fi
done < "\$list"
ranged() { curl -sf -r "\$2-\$3" "\$E/download/storage/v1/b/models/o/\$1?alt=media" | dd of="\$4" bs=1M seek="\$2" oflag=seek_bytes conv=notrunc status=none; }
export -f ranged; export E
xargs -r -P 8 -L 1 bash -c 'ranged "\$@"' _ < "\$rj" & rp=\$!
[[ -s \$cfg ]] && curl -sf --no-progress-meter --parallel --parallel-max "\$P" -K "\$cfg"
wait \$rp; rm -f "\$cfg" "\$rj" "\$list"
CURL
chmod +x "$ROOT/curl.sh"

readme_cli
image_cli "$ROOT/image" gs://models/synth-v1/tokenizer/vocab/d00 "$ROOT/image/training/small" \
  gs://models/synth-v1/shards/shard-00000.bin "$ROOT/image/training/ranged"
URI=gs://models/synth-v1
header
echo "# model: $FILES objects, $((BYTES / 1048576)) MiB; GCS fixture $ENDPOINT; $RUNS runs per tool, alternating; default checks (CRC32C)"
echo "# README CLI: ${README_CLI[*]}"
echo "# image CLI: ${IMAGE_CLI[*]}"
RESULTS=$(mktemp); export RESULTS
for _ in $(seq 1 "$RUNS"); do
  timed "CLI (README)" "$OUT" "${README_CLI[@]}" --quiet "$URI" "$OUT"
  timed "CLI (image)" "$OUT" "${IMAGE_CLI[@]}" --quiet "$URI" "$OUT"
  timed "rclone copy --transfers 16" "$OUT" rclone copy --transfers 16 --checkers 16 --gcs-anonymous \
    --gcs-endpoint "$ENDPOINT/storage/v1/" ":google cloud storage:models/synth-v1" "$OUT"
  timed "curl ceiling" "$OUT" "$ROOT/curl.sh" "$OUT"
done
rm -rf "$OUT"; "${IMAGE_CLI[@]}" --quiet "$URI" "$OUT" >/dev/null
diff -r --exclude .complete --exclude '.storage-initializer*' "$MODEL" "$OUT" >&2 && echo "# CLI copy verified identical" >&2
echo; echo "### whole model -> $OUT"
summary "$BYTES" "$FILES" "CLI (image)|curl|wall|1.15;CLI (README)|curl|wall|1.15;CLI (image)|rclone|wall|0.8;CLI (image)|rclone|cpu|1.1;CLI (image)||rss|300"
rm -f "$RESULTS"
echo; echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
