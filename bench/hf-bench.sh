#!/usr/bin/env bash
# hf-bench.sh [RUNS=3] : the hf provider against a parallel-curl ceiling on the same resolve URLs, and its peak RSS.
#
# Makes two LLM-shaped checkpoints under $ROOT (kept between runs): llm-8g, 4 x 2 GiB safetensors shards, and llm-2g,
# 2 x 1 GiB shards, each with config.json, generation_config.json, tokenizer.json (9 MiB, kept in git),
# tokenizer_config.json, special_tokens_map.json and model.safetensors.index.json; random bytes, so nothing
# compresses. Serves each from disk as a gated repository of the testkit's fake Hub (HfFixtureMain: the Hub and its
# CDN on two loopback ports, files streamed from their files, never held in memory), then times, alternating run by
# run, into $OUT:
#   CLI (README)  HF_ENDPOINT=... HF_TOKEN=... java -jar storage-initializer.jar hf://bench/llm-8g OUT
#   CLI (image)   the image's runtime, flags (storage-image/jvm.flags) and an AOT cache trained here on this Hub
#                 (both verify every file: the SHA-256 of the LFS shards, the git blob SHA-1 of the others)
#   curl ceiling  the tree API for the file list, then curl -L on the same resolve URLs: whole small files through
#                 one curl --parallel, the shards as $PART_MB MiB ranges, $RANGE_PARALLEL at a time, written in place
#                 with dd; no verification
# with wall, CPU-seconds (and the fake Hub's CPU-seconds during each run: on 2 cores they share the machine), peak
# RSS and load; what SHA-256 costs on this JVM; and the CLI's peak RSS for the 2 GiB and the 8 GiB checkpoint, also
# as in a pod limited to 1 GiB (KServe's default memoryLimit: -XX:MaxRAM=1g). Targets (issue 14): <= 1.2x the curl
# ceiling with every file verified; peak RSS <= 300 MiB and the same for both sizes. Env: ROOT (/tmp/hf-bench), OUT
# (/dev/shm/hf-bench-out when memory allows, else /tmp/hf-bench-out), RANGE_PARALLEL (8), PART_MB (64), KEEP=0 to
# delete the checkpoints at the end, SMALL=1 for a quick check of the script itself (32 and 16 MiB shards).
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
SHRINK=0; [[ ${SMALL:-0} == 1 ]] && SHRINK=6
ROOT=${ROOT:-/tmp/hf-bench$([[ $SHRINK == 0 ]] || echo -small)}
export RANGE_PARALLEL=${RANGE_PARALLEL:-8} PART_MB=${PART_MB:-64}
TOKEN=hf_benchmarkReaderToken0123456789
need_tools curl python3 openssl
mkdir -p "$ROOT"
if [[ -z ${OUT:-} ]]; then
  avail_kib=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
  if (( avail_kib > 20 * 1024 * 1024 )); then OUT=/dev/shm/hf-bench-out; else OUT=/tmp/hf-bench-out; fi
fi

build_jar
if [[ ! -f $REPO/storage-testkit/target/classes/dev/storageinit/testkit/hf/HfFixtureMain.class ]]; then
  (cd "$REPO" && mvn -B -q -DskipTests compile -pl storage-testkit -am >&2)
fi
HUB_CP=$REPO/storage-testkit/target/classes:$REPO/storage-api/target/classes

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
start_hub() { # start_hub NAME: serves $ROOT/NAME as the gated repo bench/NAME; sets HF_ENDPOINT, FILES, BYTES
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
  read -r _ HF_ENDPOINT _ FILES BYTES _ < <(grep '^ready' "$log")
  export HF_ENDPOINT HF_TOKEN=$TOKEN
}
stop_hub() { if [[ -n $HUB_PID ]]; then kill "$HUB_PID" 2>/dev/null || true; wait "$HUB_PID" 2>/dev/null || true; HUB_PID=; fi; }
cleanup() {
  stop_hub; rm -rf "$OUT" "$ROOT/image/training"
  [[ ${KEEP:-1} == 1 ]] || rm -rf "$ROOT/llm-8g" "$ROOT/llm-2g"
}
trap cleanup EXIT

# timed_hub NAME OUTDIR CMD... : common.sh's timed, and "NAME<TAB>the fake Hub's CPU-seconds meanwhile" to $HUB_RESULTS
hub_cpu() { awk '{print ($14 + $15) / 100}' "/proc/$HUB_PID/stat"; }
timed_hub() {
  local before; before=$(hub_cpu)
  timed "$@"
  printf '%s\t%s\n' "$1" "$(awk -v a="$before" -v b="$(hub_cpu)" 'BEGIN { print b - a }')" >> "$HUB_RESULTS"
}
hub_summary() {
  python3 - "$HUB_RESULTS" <<'PY'
import sys, statistics, collections
hub = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, cpu = line.rstrip("\n").split("\t")
    hub.setdefault(name, []).append(float(cpu))
print("| run | the fake Hub's median CPU-s meanwhile |"); print("|---|---|")
for name, v in hub.items():
    print(f"| {name} | {statistics.median(v):.1f} |")
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

# ---------------------------------------------------------------- wall time: the CLIs vs curl, 8 GiB
start_hub llm-8g
readme_cli
image_cli "$ROOT/image" --allow '*.json' hf://bench/llm-8g "$ROOT/image/training"
header
echo "# llm-8g: $FILES files, $((BYTES >> 20)) MiB, fake Hub at $HF_ENDPOINT; $RUNS runs per tool, alternating; out $OUT"
RESULTS=$(mktemp); HUB_RESULTS=$(mktemp); export RESULTS HUB_RESULTS
for _ in $(seq 1 "$RUNS"); do
  timed_hub "CLI (README)" "$OUT" "${README_CLI[@]}" --quiet hf://bench/llm-8g "$OUT"
  timed_hub "CLI (image)" "$OUT" "${IMAGE_CLI[@]}" --quiet hf://bench/llm-8g "$OUT"
  timed_hub "curl ceiling" "$OUT" bash -c "$(declare -f curl_hf); curl_hf bench/llm-8g '$OUT'"
done
# the downloads are the served checkpoint
diff -rq -x .storage-initializer "$ROOT/llm-8g" "$OUT" >&2 || { echo "the curl ceiling's download differs" >&2; exit 1; }
rm -rf "$OUT"; "${README_CLI[@]}" --quiet hf://bench/llm-8g "$OUT"
diff -rq -x .storage-initializer "$ROOT/llm-8g" "$OUT" >&2 || { echo "the CLI's download differs" >&2; exit 1; }
echo; echo "### hf://bench/llm-8g -> $OUT"
summary "$BYTES" "$FILES" "CLI (image)|curl|wall|1.2;CLI (README)|curl|wall|1.2"
echo; hub_summary
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
echo; echo "SHA-256 on the README's JVM: $SHA_RATE MB/s on one core: $(awk -v b="$BYTES" -v r="$SHA_RATE" 'BEGIN { printf "%.1f", b / 1e6 / r }') CPU-s for the checkpoint"
rm -f "$RESULTS" "$HUB_RESULTS"

# ---------------------------------------------------------------- peak RSS: 2 GiB vs 8 GiB
RESULTS=$(mktemp); HUB_RESULTS=$(mktemp); export RESULTS HUB_RESULTS
POD=("${IMAGE_CLI[0]}" -XX:MaxRAM=1g "${IMAGE_CLI[@]:1}")
for name in llm-8g llm-2g; do
  start_hub "$name"
  timed_hub "CLI (README) $name" "$OUT" "${README_CLI[@]}" --quiet "hf://bench/$name" "$OUT"
  timed_hub "CLI (image) $name" "$OUT" "${IMAGE_CLI[@]}" --quiet "hf://bench/$name" "$OUT"
  timed_hub "CLI (image, 1 GiB pod) $name" "$OUT" "${POD[@]}" --quiet "hf://bench/$name" "$OUT"
done
echo; echo "### peak RSS by checkpoint size -> $OUT (target: <= 300 MiB, the same for both sizes)"
summary 0 1 "CLI (README) llm-8g||rss|300;CLI (image) llm-8g||rss|300"
rm -f "$RESULTS" "$HUB_RESULTS"
echo "# done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
