#!/usr/bin/env bash
# azure-bench.sh [RUNS=3] : downloads the synthetic model (../shared/bench/make-model.sh: 1 GiB + 50 x 8 MiB +
# 2,000 x 4 KiB) from Azurite through the production URI form https://devstoreaccount1.blob.core.windows.net/bench/synth
# (AZURE_STORAGE_CONNECTION_STRING's BlobEndpoint points it at Azurite), alternating run by run, default checks on
# (every blob's Content-MD5, which rclone set on upload: a whole-object MD5 is all Azure keeps, so it is computed in
# file order):
#   CLI (README)   java -jar storage-initializer/target/storage-initializer.jar --quiet URI OUT
#   CLI (image)    the image's runtime, flags (storage-image/jvm.flags) and an AOT cache trained here on Azurite
#   CLI (image, STORAGE_VERIFY_MD5=never)   what the MD5 costs
#   rclone copy    rclone copy az:bench/synth OUT   (its azureblob remote in emulator mode, its defaults)
#   curl ceiling   List Blobs pages and one `curl --parallel` of every blob (64 MiB ranges written with dd for big
#                  ones), through a container SAS made by bench/azure/Sas.java
# to tmpfs (DEST=/tmp/bench-out for disk). Prints wall, CPU-seconds and peak RSS with the load at each start, and
# the ratio to the target of issue 12 (<= 0.9x rclone). MODEL_ARGS=--small for the quick variant. Azurite comes from
# storage-azure/azurite (npm ci there when missing) and runs on 127.0.0.1:${AZ_PORT:-10100}.
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
PORT=${AZ_PORT:-10100}
DEST=${DEST:-/dev/shm/bench-out}
need_tools rclone curl python3 bc
build_jar

# --- Azurite from the module's own lockfile
AZ_DIR=$REPO/storage-azure/azurite
[[ -x $AZ_DIR/node_modules/.bin/azurite-blob ]] || npm ci --prefix "$AZ_DIR" --no-audit --no-fund >&2
WORK=/tmp/bench-azure; mkdir -p "$WORK"; rm -rf "$WORK/data"
"$AZ_DIR/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$PORT" --location "$WORK/data" \
  --skipApiVersionCheck --loose --disableTelemetry > "$WORK/azurite.log" 2>&1 &
AZ_PID=$!
trap 'kill $AZ_PID 2>/dev/null || true; rm -rf "$DEST" "$WORK/image/training"' EXIT
for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done

KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
BLOB=http://127.0.0.1:$PORT/devstoreaccount1
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$KEY;BlobEndpoint=$BLOB;"
export RCLONE_CONFIG=/dev/null RCLONE_CONFIG_AZ_TYPE=azureblob RCLONE_CONFIG_AZ_USE_EMULATOR=true \
  RCLONE_CONFIG_AZ_ENDPOINT=$BLOB

# --- model, uploaded once per run of this script
MODEL=/tmp/bench-model${MODEL_ARGS:+-small}
"$SHARED_BENCH/make-model.sh" "$MODEL" ${MODEL_ARGS:-} >&2
FILES=$(find "$MODEL" -type f ! -name .complete | wc -l)
BYTES=$(find "$MODEL" -type f ! -name .complete -printf '%s\n' | awk '{s+=$1} END {print s}')
rclone mkdir az:bench 2>/dev/null
t0=$(date +%s.%N)
rclone copy "$MODEL" az:bench/synth --exclude .complete --transfers 8 2>/dev/null
echo "# uploaded $FILES files ($((BYTES / 1048576)) MiB) to Azurite in $(echo "$(date +%s.%N) - $t0" | bc) s" >&2

# --- the curl ceiling
SAS=$(java "$REPO/bench/azure/Sas.java" devstoreaccount1 "$KEY" bench)
cat > "$WORK/curl.sh" <<CURL
#!/usr/bin/env bash
set -euo pipefail
OUT=\$1; C="$BLOB/bench"; SAS='$SAS'; P=16; PART=$((64 << 20))
list=\$(mktemp); cfg=\$(mktemp); rj=\$(mktemp)
python3 - "\$C" "\$SAS" synth/ > "\$list" <<'PY'
import sys, urllib.parse, urllib.request, xml.etree.ElementTree as ET
c, sas, prefix = sys.argv[1:4]; marker = ""
while True:
    q = f"restype=container&comp=list&prefix={urllib.parse.quote(prefix)}&maxresults=5000" + (f"&marker={urllib.parse.quote(marker)}" if marker else "")
    root = ET.fromstring(urllib.request.urlopen(f"{c}?{q}&{sas}").read())
    for b in root.iter("Blob"):
        name = b.find("Name").text
        print(b.find("Properties/Content-Length").text, urllib.parse.quote(name), name[len(prefix):])
    marker = root.findtext("NextMarker") or ""
    if not marker: break
PY
awk -v o="\$OUT" '{ n = split(\$3, p, "/"); d = ""; for (i = 1; i < n; i++) d = d "/" p[i]; print o d }' "\$list" | sort -u | xargs mkdir -p
while read -r size enc rel; do
  dst="\$OUT/\$rel"
  if (( size > PART )); then
    truncate -s "\$size" "\$dst"
    for ((s = 0; s < size; s += PART)); do e=\$(( s + PART - 1 )); (( e >= size )) && e=\$(( size - 1 )); echo "\$enc \$s \$e \$dst" >> "\$rj"; done
  else printf 'url = "%s/%s?%s"\noutput = "%s"\n' "\$C" "\$enc" "\$SAS" "\$dst" >> "\$cfg"; fi
done < "\$list"
ranged() { curl -sf -r "\$2-\$3" "\$C/\$1?\$SAS" | dd of="\$4" bs=1M seek="\$2" oflag=seek_bytes conv=notrunc status=none; }
export -f ranged; export C SAS
xargs -r -P 8 -L 1 bash -c 'ranged "\$@"' _ < "\$rj" & rp=\$!
[[ -s \$cfg ]] && curl -sf --no-progress-meter --parallel --parallel-max "\$P" -K "\$cfg"
wait \$rp; rm -f "\$cfg" "\$rj" "\$list"
CURL
chmod +x "$WORK/curl.sh"

URI=https://devstoreaccount1.blob.core.windows.net/bench/synth
readme_cli
image_cli "$WORK/image" "$URI/tokenizer/vocab/d00" "$WORK/image/training/small" \
  "$URI/shards/shard-00000.bin" "$WORK/image/training/ranged"
header
echo "# model: $FILES files, $((BYTES / 1048576)) MiB; Azurite 3.37.0 on 127.0.0.1:$PORT; $RUNS runs per tool, alternating; default checks (Content-MD5)"
echo "# README CLI: ${README_CLI[*]}"
echo "# image CLI: ${IMAGE_CLI[*]}"
RESULTS=$(mktemp); export RESULTS
for _ in $(seq 1 "$RUNS"); do
  timed "CLI (README)" "$DEST" "${README_CLI[@]}" --quiet "$URI" "$DEST"
  timed "CLI (image)" "$DEST" "${IMAGE_CLI[@]}" --quiet "$URI" "$DEST"
  STORAGE_VERIFY_MD5=never timed "CLI (image), STORAGE_VERIFY_MD5=never" "$DEST" "${IMAGE_CLI[@]}" --quiet "$URI" "$DEST"
  timed "rclone copy" "$DEST" rclone copy az:bench/synth "$DEST"
  timed "curl ceiling" "$DEST" "$WORK/curl.sh" "$DEST"
done
# a last check that the CLI's copy is byte-identical
rm -rf "$DEST"; "${IMAGE_CLI[@]}" --quiet "$URI" "$DEST" >/dev/null
diff -r --exclude .complete --exclude '.storage-initializer*' "$MODEL" "$DEST" >&2 && echo "# CLI copy verified identical" >&2
echo; echo "### Azurite 3.37.0 -> $DEST ($FILES files, $((BYTES / 1048576)) MiB, $RUNS runs each, $(nproc) cores)"
summary "$BYTES" "$FILES" "CLI (image)|rclone|wall|0.9;CLI (README)|rclone|wall|0.9;CLI (image)|rclone|cpu|1.1;CLI (image)||rss|300;CLI (README)||rss|300"
rm -f "$RESULTS"
echo; echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
