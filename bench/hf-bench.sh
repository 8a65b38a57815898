#!/usr/bin/env bash
# hf-bench.sh [RUNS=3] : the hf provider against a parallel-curl ceiling on the same resolve URLs, and its peak RSS.
#
# Makes two LLM-shaped checkpoints under $ROOT (kept between runs): llm-8g, 4 x 2 GiB safetensors shards, and llm-2g,
# 2 x 1 GiB shards, each with config.json, generation_config.json, tokenizer.json (9 MiB, kept in git),
# tokenizer_config.json, special_tokens_map.json and model.safetensors.index.json; random bytes, so nothing
# compresses. Serves each from disk as a gated repository of the testkit's fake Hub (HfFixtureMain: the Hub and its
# CDN on two loopback ports, files streamed from their files, never held in memory), then times, alternating run by
# run, into $OUT:
#   CLI           HF_ENDPOINT=... HF_TOKEN=... java -jar storage-initializer.jar hf://bench/llm-8g OUT
#                 (every file verified: SHA-256 of the LFS shards, git blob SHA-1 of the others)
#   curl ceiling  the tree API for the file list, then curl -L on the same resolve URLs: whole small files through
#                 one curl --parallel, the shards as $PART_MB MiB ranges, $RANGE_PARALLEL at a time, written in place
#                 with dd; no verification
# and the CLI's peak RSS (GNU time) for the 2 GiB and the 8 GiB checkpoint, with default JVM flags and with the
# image's, also as in a pod limited to 1 GiB (KServe's default memoryLimit); CPU-seconds of the client and of the fake
# Hub are reported too (on 2 cores they share the machine), and what SHA-256 costs on this JVM. Env: ROOT (/tmp/hf-bench), OUT (/dev/shm/hf-bench-out when memory allows, else /tmp/hf-bench-out),
# RANGE_PARALLEL (8), PART_MB (64), KEEP=0 to delete the checkpoints at the end, SMALL=1 for a quick check of the
# script itself (shards of 32 and 16 MiB, under /tmp/hf-bench-small).
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
SHRINK=0; [[ ${SMALL:-0} == 1 ]] && SHRINK=6
ROOT=${ROOT:-/tmp/hf-bench$([[ $SHRINK == 0 ]] || echo -small)}
export RANGE_PARALLEL=${RANGE_PARALLEL:-8} PART_MB=${PART_MB:-64}
TOKEN=hf_benchmarkReaderToken0123456789
need_tools curl python3 openssl bc
mkdir -p "$ROOT"
if [[ -z ${OUT:-} ]]; then
  avail_kib=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
  if (( avail_kib > 20 * 1024 * 1024 )); then OUT=/dev/shm/hf-bench-out; else OUT=/tmp/hf-bench-out; fi
fi

# ---------------------------------------------------------------- the CLI jar and the fake Hub's classes
build_jar
if [[ ! -f $REPO/storage-testkit/target/classes/dev/storageinit/testkit/hf/HfFixtureMain.class || ${REBUILD:-0} == 1 ]]; then
  (cd "$REPO" && mvn -B -q -o -DskipTests compile -pl storage-testkit -am >&2)
fi
HUB_CP=$REPO/storage-testkit/target/classes:$REPO/storage-api/target/classes
IMAGE_FLAGS=(-XX:+UseSerialGC -XX:-UsePerfData -XX:MaxRAMPercentage=50 -Xss512k -XX:CompileThresholdScaling=3)

# ---------------------------------------------------------------- checkpoints
random_file() { # random_file PATH BYTES: incompressible, fast (AES-CTR of zeros), deterministic per path
  [[ -f $1 && $(stat -c %s "$1") == "$2" ]] && return
  (openssl enc -aes-128-ctr -nosalt -pass "pass:$(basename "$1")" < /dev/zero 2>/dev/null || true) | head -c "$2" > "$1"
}
make_checkpoint() { # make_checkpoint DIR SHARDS SHARD_BYTES
  local dir=$1 n=$2 bytes=$3 i
  mkdir -p "$dir"
  for ((i = 1; i <= n; i++)); do random_file "$dir/$(printf 'model-%05d-of-%05d.safetensors' "$i" "$n")" "$bytes"; done
  random_file "$dir/tokenizer.json" $((9 << 20))
  echo '{"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "model_type": "llama"}' > "$dir/config.json"
  echo '{"bos_token_id": 128000, "eos_token_id": 128001}' > "$dir/generation_config.json"
  echo '{"model_max_length": 131072}' > "$dir/tokenizer_config.json"
  echo '{"bos_token": "<|begin_of_text|>"}' > "$dir/special_tokens_map.json"
  echo "{\"metadata\": {\"total_size\": $((n * bytes))}, \"weight_map\": {}}" > "$dir/model.safetensors.index.json"
}
make_checkpoint "$ROOT/llm-8g" 4 $(((2 << 30) >> SHRINK))
make_checkpoint "$ROOT/llm-2g" 2 $(((1 << 30) >> SHRINK))

# ---------------------------------------------------------------- the fake Hub
HUB_PID=
start_hub() { # start_hub NAME: serves $ROOT/NAME as the gated repo bench/NAME; sets HF_ENDPOINT
  stop_hub
  local log=$ROOT/hub-$1.log
  java -Xmx256m -XX:+UseSerialGC -cp "$HUB_CP" dev.storageinit.testkit.hf.HfFixtureMain \
    "$ROOT/$1" "bench/$1" 0 0 "$TOKEN" > "$log" 2>&1 &
  HUB_PID=$!
  for _ in $(seq 1 1200); do
    grep -q '^ready ' "$log" && break
    kill -0 "$HUB_PID" 2>/dev/null || { echo "the fake Hub died:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '^ready ' "$log" || { echo "the fake Hub did not start in 120 s" >&2; exit 1; }
  export HF_ENDPOINT; HF_ENDPOINT=$(awk '/^ready/ {print $2}' "$log")
  export HF_TOKEN=$TOKEN
}
stop_hub() { if [[ -n $HUB_PID ]]; then kill "$HUB_PID" 2>/dev/null || true; wait "$HUB_PID" 2>/dev/null || true; HUB_PID=; fi; }
cleanup() {
  stop_hub; rm -rf "$OUT"
  [[ ${KEEP:-1} == 1 ]] || rm -rf "$ROOT/llm-8g" "$ROOT/llm-2g"
}
trap cleanup EXIT

# ---------------------------------------------------------------- timing with CPU-seconds (the client's and the Hub's)
# timed NAME OUTDIR CMD... : as common.sh's, and appends "NAME user+sys hub_cpu" (CPU-seconds) to $CPU_RESULTS
hub_cpu() { awk '{print ($14 + $15) / 100}' "/proc/$HUB_PID/stat"; }
timed() {
  local name=$1 out=$2; shift 2
  rm -rf "$out"; sync
  local tf before; tf=$(mktemp); before=$(hub_cpu)
  /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >/dev/null 2>"$tf.err" || { echo "FAILED: $name" >&2; cat "$tf.err" >&2; exit 1; }
  read -r wall rss user sys < "$tf"
  echo "$name $wall $rss" >> "$RESULTS"
  echo "$name $(echo "$user + $sys" | bc) $(echo "$(hub_cpu) - $before" | bc)" >> "$CPU_RESULTS"
  rm -f "$tf" "$tf.err"
}
cpu_summary() {
  python3 - "$CPU_RESULTS" <<'PY'
import sys, statistics, collections
cpu, hub = collections.OrderedDict(), {}
for line in open(sys.argv[1]):
    name, c, h = line.rsplit(None, 2)
    cpu.setdefault(name, []).append(float(c)); hub.setdefault(name, []).append(float(h))
print("| tool | median CPU-s (user+sys) | the fake Hub's median CPU-s meanwhile |"); print("|---|---|---|")
for name in cpu:
    print(f"| {name} | {statistics.median(cpu[name]):.1f} | {statistics.median(hub[name]):.1f} |")
PY
}

# ---------------------------------------------------------------- the parallel-curl ceiling on the resolve URLs
curl_hf() { # curl_hf REPO OUT
  local repo=$1 out=$2 list cfg rjobs
  list=$(mktemp); cfg=$(mktemp); rjobs=$(mktemp)
  local auth=(-H "Authorization: Bearer $HF_TOKEN")
  local sha
  sha=$(curl -sf "${auth[@]}" "$HF_ENDPOINT/api/models/$repo/revision/main" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha"])')
  local url="$HF_ENDPOINT/api/models/$repo/tree/$sha?recursive=true&expand=false"
  while [[ -n $url ]]; do # the tree's pages, following Link: rel="next"
    local headers; headers=$(mktemp)
    curl -sf "${auth[@]}" -D "$headers" "$url" | python3 -c 'import json,sys
for e in json.load(sys.stdin):
    if e["type"] == "file": print(e["size"], e["path"])' >> "$list"
    url=$(sed -n 's/^[Ll]ink: *<\([^>]*\)>; *rel="next".*/\1/p' "$headers" | tr -d '\r')
    rm -f "$headers"
  done
  mkdir -p "$out"
  local part=$((PART_MB << 20)) size path s e
  while read -r size path; do
    [[ $path == */* ]] && mkdir -p "$out/${path%/*}"
    if ((size > part)); then
      truncate -s "$size" "$out/$path"
      for ((s = 0; s < size; s += part)); do e=$((s + part - 1)); ((e >= size)) && e=$((size - 1)); echo "$path $s $e" >> "$rjobs"; done
    else
      printf 'url = "%s/%s/resolve/%s/%s"\noutput = "%s/%s"\n' "$HF_ENDPOINT" "$repo" "$sha" "$path" "$out" "$path" >> "$cfg"
    fi
  done < "$list"
  ranged() { curl -sfL -H "Authorization: Bearer $HF_TOKEN" -r "$2-$3" "$HF_ENDPOINT/$REPO_ID/resolve/$SHA/$1" \
    | dd of="$OUT_DIR/$1" bs=1M seek="$2" oflag=seek_bytes conv=notrunc status=none; }
  export -f ranged; export REPO_ID=$repo SHA=$sha OUT_DIR=$out
  xargs -r -P "$RANGE_PARALLEL" -L 1 bash -c 'ranged "$@"' _ < "$rjobs" & local rpid=$!
  [[ -s $cfg ]] && curl -sfL "${auth[@]}" --no-progress-meter --parallel --parallel-max 16 -K "$cfg"
  wait "$rpid"
  rm -f "$list" "$cfg" "$rjobs"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | sed -n 1p); out $OUT"

# ---------------------------------------------------------------- wall time: the CLI vs curl, 8 GiB
start_hub llm-8g
FILES=$(find "$ROOT/llm-8g" -type f | wc -l)
BYTES=$(find "$ROOT/llm-8g" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
echo "# llm-8g: $FILES files, $((BYTES >> 20)) MiB, fake Hub at $HF_ENDPOINT; $RUNS runs per tool, alternating"
RESULTS=$(mktemp); CPU_RESULTS=$(mktemp); RSS_RESULTS=$(mktemp); export RESULTS CPU_RESULTS
for _ in $(seq 1 "$RUNS"); do
  timed "CLI (java -jar, SHA-256 verified)" "$OUT" java -jar "$JAR" --quiet hf://bench/llm-8g "$OUT"
  timed "curl ceiling (no verification)" "$OUT" bash -c "$(declare -f curl_hf); curl_hf bench/llm-8g '$OUT'"
done
# the downloaded checkpoints are the served ones
diff -rq -x .storage-initializer "$ROOT/llm-8g" "$OUT" >&2 || { echo "the curl ceiling's download differs" >&2; exit 1; }
rm -rf "$OUT"; java -jar "$JAR" --quiet hf://bench/llm-8g "$OUT"
diff -rq -x .storage-initializer "$ROOT/llm-8g" "$OUT" >&2 || { echo "the CLI's download differs" >&2; exit 1; }
echo; echo "### hf://bench/llm-8g -> $OUT (target: CLI <= 1.2x the curl ceiling)"
summary "$BYTES" "$FILES"
echo; cpu_summary
python3 - "$RESULTS" <<'PY'
import sys, statistics, collections
walls = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, wall, kib = line.rsplit(None, 2)
    walls.setdefault(name, []).append(float(wall))
med = {k: statistics.median(v) for k, v in walls.items()}
cli = next(v for k, v in med.items() if k.startswith("CLI"))
curl = next(v for k, v in med.items() if k.startswith("curl"))
print(f"  CLI {cli:.2f} s = {cli / curl:.2f}x the curl ceiling {curl:.2f} s (target <= 1.2)")
PY
grep '^CLI' "$RESULTS" | sed 's/^CLI (java -jar, SHA-256 verified)/CLI (java -jar) llm-8g/' >> "$RSS_RESULTS"

# what SHA-256 costs on this JVM: the CPU-seconds the verification adds to the CLI's
cat > "$ROOT/Sha256Rate.java" <<'JAVA'
public class Sha256Rate {
    public static void main(String[] a) throws Exception {
        byte[] buf = new byte[256 << 10];
        double best = 0;
        for (int round = 0; round < 4; round++) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            long t = System.nanoTime();
            for (int i = 0; i < 4096; i++) md.update(buf, 0, buf.length);
            md.digest();
            best = Math.max(best, (1L << 30) / 1e6 / ((System.nanoTime() - t) / 1e9));
        }
        System.out.printf("%.0f%n", best);
    }
}
JAVA
SHA_RATE=$(java "$ROOT/Sha256Rate.java")
echo "  SHA-256 on this JVM: $SHA_RATE MB/s on one core, i.e. $(echo "scale=1; $BYTES / 1000000 / $SHA_RATE" | bc) CPU-s for the checkpoint"

# ---------------------------------------------------------------- peak RSS: 2 GiB vs 8 GiB
# the image's flags as in a pod whose memory limit is KServe's default (1 GiB): -XX:MaxRAM=1g
RESULTS=$RSS_RESULTS
timed "CLI (image flags) llm-8g" "$OUT" java "${IMAGE_FLAGS[@]}" -jar "$JAR" --quiet hf://bench/llm-8g "$OUT"
timed "CLI (image flags, 1 GiB pod) llm-8g" "$OUT" java "${IMAGE_FLAGS[@]}" -XX:MaxRAM=1g -jar "$JAR" --quiet hf://bench/llm-8g "$OUT"
start_hub llm-2g
for _ in 1 2; do
  timed "CLI (java -jar) llm-2g" "$OUT" java -jar "$JAR" --quiet hf://bench/llm-2g "$OUT"
  timed "CLI (image flags) llm-2g" "$OUT" java "${IMAGE_FLAGS[@]}" -jar "$JAR" --quiet hf://bench/llm-2g "$OUT"
  timed "CLI (image flags, 1 GiB pod) llm-2g" "$OUT" java "${IMAGE_FLAGS[@]}" -XX:MaxRAM=1g -jar "$JAR" --quiet hf://bench/llm-2g "$OUT"
done
echo; echo "### peak RSS by checkpoint size -> $OUT (target: <= 300 MiB, the same for both sizes)"
python3 - "$RESULTS" <<'PY'
import sys, collections
wall, rss = collections.OrderedDict(), {}
for line in open(sys.argv[1]):
    name, w, kib = line.rsplit(None, 2)
    wall.setdefault(name, []).append(float(w)); rss[name] = max(rss.get(name, 0), int(kib))
print("| run | runs | wall (s) | peak RSS (MiB) |"); print("|---|---|---|---|")
for name in sorted(wall):
    print(f"| {name} | {len(wall[name])} | {min(wall[name]):.2f}-{max(wall[name]):.2f} | {rss[name] / 1024:.0f} |")
PY
rm -f "$RESULTS" "$CPU_RESULTS"
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
