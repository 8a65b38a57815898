#!/usr/bin/env bash
# gcs-bench.sh [MODEL_DIR=/tmp/model] [RUNS=3] [--small]
# The synthetic model (../../shared/bench/make-model.sh) served by the GCS JSON-API test fixture (GcsJsonApiServer,
# file-backed, 127.0.0.1:$GCS_PORT), downloaded by
#   1. the storage-initializer CLI (dev.storageinit.cli.Main on an exploded class path with storage-gcs: JVM start,
#      client creation, listing, checksums (CRC32C) and publish included),
#   2. rclone copy (its "google cloud storage" backend, anonymous, --gcs-endpoint),
#   3. a plain parallel curl of the same objects (JSON-API listing, one `curl --parallel` for whole objects,
#      64 MiB ranged GETs written with dd for big ones) -- the ceiling,
# timed with hyperfine into tmpfs-or-disk $OUT. Prints a markdown table (also in /tmp/gcs-bench.md).
# Run from the repository root or anywhere; needs java, mvn, curl, python3, hyperfine (rclone optional).
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8   # the JVMs name files in UTF-8 whatever the caller's locale (deploy/Dockerfile)
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
MODEL=${1:-/tmp/model}; RUNS=${2:-3}; SMALL=${3:-}
PORT=${GCS_PORT:-4443}; OUT=${OUT:-/tmp/gcs-bench-out}; P=${PARALLEL:-16}; PART=$(( ${PART_MB:-64} * 1024 * 1024 ))
BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
[[ -x $BENCH/make-model.sh ]] || BENCH=/work/shared/bench
"$BENCH/make-model.sh" "$MODEL" $SMALL

cd "$ROOT"
mvn -B -q -pl storage-gcs,storage-initializer -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test >&2
# storage-gcs's test class path holds storage-api, the SDK and the fixture; the CLI's own classes come first
CP="$ROOT/storage-initializer/target/classes:$ROOT/storage-gcs/target/classes:$ROOT/storage-gcs/target/test-classes:$(cat "$ROOT/storage-gcs/target/bench-cp.txt")"

log=/tmp/gcs-bench-server.log
java -Xmx512m -cp "$CP" dev.storageinit.testkit.gcs.GcsFixtureMain "$MODEL" models/synth-v1 "$PORT" > "$log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q '^ready' "$log" && break; kill -0 $SERVER || { cat "$log" >&2; exit 1; }; sleep 0.1; done
read -r _ ENDPOINT NOBJ NBYTES < <(grep '^ready' "$log")
echo "# fixture $ENDPOINT: $NOBJ objects, $NBYTES bytes" >&2

# --- the curl ceiling: a script file so hyperfine can run it
cat > /tmp/gcs-curl.sh <<CURL
#!/usr/bin/env bash
set -euo pipefail
OUT=\$1; E=$ENDPOINT; P=$P; PART=$PART
python3 - "\$E" models synth-v1/ > /tmp/gcs-curl-list.txt <<'PY'
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
cfg=\$(mktemp); rj=\$(mktemp)
[[ \${DISCARD:-0} == 1 ]] || awk -v o="\$OUT" '{ n = split(\$3, p, "/"); d = ""; for (i = 1; i < n; i++) d = d "/" p[i]; print o d }' /tmp/gcs-curl-list.txt | sort -u | xargs mkdir -p
while read -r size enc rel; do
  dst="\$OUT/\$rel"; [[ \${DISCARD:-0} == 1 ]] && dst=/dev/null
  if (( size > PART )); then
    [[ \${DISCARD:-0} == 1 ]] || truncate -s "\$size" "\$dst"
    for ((s = 0; s < size; s += PART)); do e=\$(( s + PART - 1 )); (( e >= size )) && e=\$(( size - 1 )); echo "\$enc \$s \$e \$dst" >> "\$rj"; done
  else printf 'url = "%s/download/storage/v1/b/models/o/%s?alt=media"\noutput = "%s"\n' "\$E" "\$enc" "\$dst" >> "\$cfg"; fi
done < /tmp/gcs-curl-list.txt
ranged() { if [[ \$4 == /dev/null ]]; then curl -sf -r "\$2-\$3" -o /dev/null "\$E/download/storage/v1/b/models/o/\$1?alt=media";
  else curl -sf -r "\$2-\$3" "\$E/download/storage/v1/b/models/o/\$1?alt=media" | dd of="\$4" bs=1M seek="\$2" oflag=seek_bytes conv=notrunc status=none; fi; }
export -f ranged; export E
xargs -r -P 8 -L 1 bash -c 'ranged "\$@"' _ < "\$rj" & rp=\$!
[[ -s \$cfg ]] && curl -sf --no-progress-meter --parallel --parallel-max "\$P" -K "\$cfg"
wait \$rp; rm -f "\$cfg" "\$rj"
CURL
chmod +x /tmp/gcs-curl.sh

cmds=(-n "storage-initializer CLI (JVM start included)"
      "STORAGE_EMULATOR_HOST=$ENDPOINT java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '$CP' dev.storageinit.cli.Main -q gs://models/synth-v1 $OUT")
if command -v rclone > /dev/null; then
  cmds+=(-n "rclone copy --transfers 16 (gcs backend)"
         "RCLONE_CONFIG=/dev/null rclone copy --transfers 16 --checkers 16 --gcs-anonymous --gcs-endpoint $ENDPOINT/storage/v1/ ':google cloud storage:models/synth-v1' $OUT")
fi
cmds+=(-n "parallel curl (ceiling)" "/tmp/gcs-curl.sh $OUT"
       -n "parallel curl, writing nothing" "DISCARD=1 /tmp/gcs-curl.sh $OUT")
hyperfine -r "$RUNS" -w 1 -p "rm -rf $OUT; sync" --export-json /tmp/gcs-bench.json "${cmds[@]}" >&2
rm -rf "$OUT"
python3 - "$NBYTES" "$NOBJ" > /tmp/gcs-bench.md <<'PY'
import json, sys
nbytes, nobj = int(sys.argv[1]), int(sys.argv[2])
print(f"{nobj} objects, {nbytes / 2**20:.0f} MiB; hyperfine, {len(json.load(open('/tmp/gcs-bench.json'))['results'][0]['times'])} runs\n")
print("| command | mean s | ± s | min s | MB/s (mean) |")
print("|:---|---:|---:|---:|---:|")
for r in json.load(open("/tmp/gcs-bench.json"))["results"]:
    print(f"| {r['command']} | {r['mean']:.2f} | {r['stddev'] or 0:.2f} | {r['min']:.2f} | {nbytes / r['mean'] / 1e6:.0f} |")
PY
cat /tmp/gcs-bench.md
