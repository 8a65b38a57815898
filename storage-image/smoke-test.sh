#!/usr/bin/env bash
# Runs the built image without a container engine, the way a restricted pod runs it: the OCI tar is unpacked with
# skopeo + umoci (Debian's packages), its entrypoint, environment and working directory are taken from the image
# config and run with nsenter as uid 65532 on a read-only bind of the rootfs, with only /mnt/models writable, against s3proxy on
# 127.0.0.1. Checks the downloaded tree, that the AOT cache is used (-XX:AOTMode=on fails the JVM otherwise), that
# a write outside /mnt/models fails as the read-only root makes it, and prints the image's size and start times.
# Needs root (mount namespaces, a root directory), skopeo, umoci, jq, util-linux and a java for s3proxy. Usage: smoke-test.sh [IMAGE_TAR]
set -euo pipefail
cd "$(dirname "$0")"
TAR=${1:-target/storage-initializer-image.tar}
S3PROXY_JAR=target/s3proxy/s3proxy.jar
RUNS=${SMOKE_TIMING_RUNS:-10}

fail() { echo "smoke-test: FAILED: $*" >&2; exit 1; }
for tool in skopeo umoci jq nsenter unshare java keytool; do
    command -v "$tool" >/dev/null || fail "$tool is missing (.ci/run installs skopeo and umoci with apt-get)"
done
[[ $(id -u) == 0 ]] || fail "needs root for mount namespaces and a root directory"
[[ -f $TAR ]] || fail "no image tar at $PWD/$TAR: build it with mvn -B -Pimage package"
[[ -f $S3PROXY_JAR ]] || fail "no s3proxy jar at $PWD/$S3PROXY_JAR (the storage-image build copies it there)"

W=$(mktemp -d /tmp/image-smoke.XXXXXX)
S3PROXY_PID=
cleanup() {
    [[ -n $S3PROXY_PID ]] && kill "$S3PROXY_PID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT

echo "== image"
skopeo inspect --raw "oci-archive:$TAR" > "$W/manifest.json"
skopeo inspect --config "oci-archive:$TAR" > "$W/config.json"
jq -c '{User: .config.User, WorkingDir: .config.WorkingDir, Entrypoint: .config.Entrypoint, Env: .config.Env}' "$W/config.json"
[[ $(jq -r .config.User "$W/config.json") == 65532:65532 ]] || fail "the image's user is not 65532:65532"
jq -e '.config.Env | index("LANG=C.UTF-8")' "$W/config.json" >/dev/null || fail "the image sets no LANG=C.UTF-8"
COMPRESSED=$(jq '[.layers[].size] | add' "$W/manifest.json")
skopeo copy -q "oci-archive:$TAR" "oci:$W/oci:smoke"
umoci unpack --image "$W/oci:smoke" "$W/bundle" > "$W/umoci.log" 2>&1 || { cat "$W/umoci.log" >&2; fail "umoci unpack"; }
R=$W/bundle/rootfs
UNPACKED=$(du -sb "$R" | cut -f1)
mapfile -t ENTRYPOINT < <(jq -r '.process.args[]' "$W/bundle/config.json")
mapfile -t IMAGE_ENV < <(jq -r '.process.env[]' "$W/bundle/config.json")
WORKDIR=$(jq -r '.process.cwd' "$W/bundle/config.json")
printf 'size: %s compressed (%s bytes in %s layers), %s unpacked\n' "$(numfmt --to=iec "$COMPRESSED")" "$COMPRESSED" \
    "$(jq '.layers | length' "$W/manifest.json")" "$(numfmt --to=iec "$UNPACKED")"

echo "== s3proxy on 127.0.0.1 (filesystem backend: a bucket is a folder, an object a file)"
M=$W/s3/models/model
mkdir -p "$M/weights" "$M/dir with space" "$W/s3/models/tiny"
echo '{"model_type": "smoke"}' > "$M/config.json"
head -c $((40 << 20)) /dev/urandom > "$M/weights/model.bin"   # > 2 x 16 MiB: fetched as parallel ranges
echo "ünïcode" > "$M/ünïcode-模型.txt"
echo "spaced" > "$M/dir with space/a b.txt"
: > "$M/empty.txt"
echo -n x > "$W/s3/models/tiny/one-byte.bin"
PORT=$(java -XX:TieredStopAtLevel=1 FreePort.java)
TLS_PORT=$(java -XX:TieredStopAtLevel=1 FreePort.java)
# HTTPS too, with a certificate of a private CA that only KServe's cluster bundle (CA_BUNDLE_CONFIGMAP_NAME) makes trusted
keytool -genkeypair -alias s3proxy -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 -ext SAN=ip:127.0.0.1 \
    -validity 2 -keystore "$W/keystore.p12" -storetype PKCS12 -storepass smoke-pass -keypass smoke-pass 2>/dev/null
mkdir -p "$W/custom-certs"
keytool -exportcert -rfc -alias s3proxy -keystore "$W/keystore.p12" -storepass smoke-pass \
    -file "$W/custom-certs/cabundle.crt" 2>/dev/null
cat > "$W/s3proxy.conf" <<EOF
s3proxy.endpoint=http://127.0.0.1:$PORT
s3proxy.secure-endpoint=https://127.0.0.1:$TLS_PORT
s3proxy.keystore-path=$W/keystore.p12
s3proxy.keystore-password=smoke-pass
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=smoke-key
s3proxy.credential=smoke-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$W/s3
EOF
LANG=C.UTF-8 java -Xmx256m -XX:+UseSerialGC -jar "$S3PROXY_JAR" --properties "$W/s3proxy.conf" > "$W/s3proxy.log" 2>&1 &
S3PROXY_PID=$!
for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || { tail -n 20 "$W/s3proxy.log" >&2; fail "s3proxy did not start"; }

# The mount points a container runtime provides (and KServe's CA bundle volume); then the rootfs is bound
# read-only in a private mount namespace.
mkdir -p "$R/proc" "$R/dev" "$R/etc/ssl/custom-certs" "$W/models"
chown 65532:65532 "$W/models"

NSENTER=$(command -v nsenter)
# run_image ARGS...: the image's entrypoint + ARGS as uid 65532 (no supplementary groups) in the image's working
# directory, env = the image's + S3 settings
run_image() {
    unshare --mount --propagation private bash -euc '
        R=$1; MODELS=$2; CERTS=$3; shift 3
        mount --bind "$R" "$R"; mount -o remount,ro,bind "$R"
        mount --rbind /proc "$R/proc"; mount --rbind /dev "$R/dev"
        mount --bind "$MODELS" "$R/mnt/models"
        mount --bind "$CERTS" "$R/etc/ssl/custom-certs"
        if [[ -n ${EXEC_MARK:-} ]]; then date +%s%N > "$EXEC_MARK"; fi
        exec "$@"' _ "$R" "$W/models" "$W/custom-certs" \
        env -i "${IMAGE_ENV[@]}" AWS_ACCESS_KEY_ID=smoke-key AWS_SECRET_ACCESS_KEY=smoke-secret \
            AWS_ENDPOINT_URL="${ENDPOINT:-http://127.0.0.1:$PORT}" JDK_JAVA_OPTIONS="-XX:AOTMode=${AOT_MODE:-on}" \
            ${CA_BUNDLE:+CA_BUNDLE_CONFIGMAP_NAME=$CA_BUNDLE} \
        "$NSENTER" --root="$R" --wdns="$WORKDIR" --setuid=65532 --setgid=65532 "${ENTRYPOINT[@]}" "$@"
}

echo "== download s3://models/model -> /mnt/models as 65532 on a read-only root"
start=$(date +%s%N)
code=0
run_image s3://models/model /mnt/models > "$W/run.out" 2> "$W/run.err" || code=$?
[[ $code == 0 ]] || { cat "$W/run.out" "$W/run.err" >&2; fail "exit $code"; }
end=$(date +%s%N)
cat "$W/run.out"
grep -v '^NOTE: Picked up JDK_JAVA_OPTIONS\|^INFO ' "$W/run.err" >&2 && fail "unexpected stderr" || true
diff -r --exclude=.storage-initializer "$M" "$W/models" || fail "the downloaded tree differs from the bucket"
[[ -f $W/models/.storage-initializer/manifest.json ]] || fail "no manifest"
[[ -z $(find "$W/models" ! -user 65532) ]] || fail "files not owned by 65532: $(find "$W/models" ! -user 65532)"
echo "tree ok: $(find "$W/models" -path '*/.storage-initializer' -prune -o -type f -print | wc -l) files identical, owned by 65532; 40 MiB + 5 small in $(( (end - start) / 1000000 )) ms"

echo "== over HTTPS: trusted through KServe's cluster CA bundle (/etc/ssl/custom-certs/cabundle.crt), refused without it"
rm -rf "${W:?}/models/"* "$W/models/.storage-initializer"
code=0
ENDPOINT=https://127.0.0.1:$TLS_PORT CA_BUNDLE=cluster-ca run_image -q s3://models/tiny /mnt/models > "$W/tls.out" 2>&1 || code=$?
[[ $code == 0 ]] || { cat "$W/tls.out" >&2; fail "HTTPS with the cluster CA bundle: exit $code"; }
[[ $(cat "$W/models/one-byte.bin") == x ]] || fail "the object fetched over HTTPS differs"
code=0
ENDPOINT=https://127.0.0.1:$TLS_PORT run_image -q s3://models/tiny /mnt/models > "$W/tls.out" 2>&1 || code=$?
[[ $code != 0 ]] || fail "a certificate of an untrusted CA was accepted"
echo "ok: exit 0 with the bundle; exit $code without: $(grep -m1 -o 'storage-initializer: .\{0,80\}' "$W/tls.out")"

echo "== a destination outside /mnt/models is refused by the read-only root (exit 8)"
set +e
run_image s3://models/tiny /tmp/elsewhere > "$W/ro.out" 2> "$W/ro.err"
code=$?
set -e
[[ $code == 8 ]] || { cat "$W/ro.out" "$W/ro.err" >&2; fail "expected exit 8, got $code"; }
grep -m1 'storage-initializer: destination error' "$W/ro.err"

# time_runs LABEL: n runs of a 1-byte object; "first byte" is the log's event for the file being in place (JVM start,
# S3 client, listing, GET, write, publish), timed from the harness's start (the mount namespace and its mounts
# included, about 10 ms) and from the moment the harness execs the entrypoint; "whole" adds the manifest, the
# lock's release and the JVM's exit.
time_runs() {
    local whole=() first=() from_exec=() sorted i start end fetched
    for i in $(seq "$RUNS"); do
        rm -rf "${W:?}/models/"* "$W/models/.storage-initializer"
        start=$(date +%s%N)
        EXEC_MARK=$W/exec-mark run_image --log-format=json --verbose s3://models/tiny /mnt/models > "$W/timing.out" 2>&1 \
            || { cat "$W/timing.out" >&2; fail "timing run $i ($1) failed"; }
        end=$(date +%s%N)
        fetched=$(grep '"event":"fetched"' "$W/timing.out" | jq -r .time | sed -n 1p) || true
        [[ -n $fetched ]] || { cat "$W/timing.out" >&2; fail "no fetched event in run $i ($1)"; }
        fetched=$(date -d "$fetched" +%s%N)
        whole+=($(( (end - start) / 1000000 )))
        first+=($(( (fetched - start) / 1000000 )))
        from_exec+=($(( (fetched - $(cat "$W/exec-mark")) / 1000000 )))
    done
    [[ $(cat "$W/models/one-byte.bin") == x ]] || fail "the 1-byte object was not written"
    mapfile -t sorted < <(printf '%s\n' "${first[@]}" | sort -n)
    echo "$1: start to first byte in place: median $((sorted[RUNS / 2])) ms, min ${sorted[0]}, max ${sorted[RUNS - 1]} (ms: ${first[*]})"
    mapfile -t sorted < <(printf '%s\n' "${from_exec[@]}" | sort -n)
    echo "$1: the same from the entrypoint's exec: median $((sorted[RUNS / 2])) ms, min ${sorted[0]}, max ${sorted[RUNS - 1]} (ms: ${from_exec[*]})"
    mapfile -t sorted < <(printf '%s\n' "${whole[@]}" | sort -n)
    echo "$1: whole run: median $((sorted[RUNS / 2])) ms, min ${sorted[0]}, max ${sorted[RUNS - 1]} (ms: ${whole[*]})"
}
echo "== start to first byte: runs of a 1-byte object, n=$RUNS (load: $(cut -d' ' -f1-3 /proc/loadavg))"
time_runs "AOT cache"
AOT_MODE=off time_runs "no AOT cache (-XX:AOTMode=off)"
echo "smoke-test: OK"
