#!/usr/bin/env bash
# Assembles the image's file tree in ROOTFS (Jib puts it on `scratch`): a jlink'd runtime from IMAGE_JDK at /opt/java
# (modules uncompressed, like the jar's entries: the layer's gzip does better over the whole, 65 MB instead of 80),
# glibc and the C.UTF-8 locale from this machine's Debian packages (libc6, libc-bin), a nonroot user 65532, the CLI
# jar at /app, and /app/app.aot: a JDK AOT cache trained here on real downloads (s3proxy, the GCS fixture, the fake
# Hugging Face Hub, a plain HTTP server, a volume) with the same runtime, flags and class path the image uses.
# Run by the storage-image build (exec-maven-plugin) with the variables its pom sets.
set -euo pipefail
ROOTFS=$1
: "${IMAGE_JDK:?}" "${IMAGE_MODULES:?}" "${CLI_JAR:?}" "${TESTKIT_CLASSES:?}" "${S3PROXY_JAR:?}" "${SAMPLE_MODEL:?}" "${WORK:?}" "${CLASSES:?}"
: "${IMAGE_WORKDIR:?}"

for f in "$IMAGE_JDK/bin/jlink" "$CLI_JAR" "$S3PROXY_JAR"; do
    [[ -e $f ]] || { echo "build-rootfs: missing $f" >&2; exit 1; }
done
command -v dpkg-query >/dev/null || { echo "build-rootfs: needs Debian's dpkg (glibc comes from the libc6 package)" >&2; exit 1; }

rm -rf "$ROOTFS" "$WORK"
mkdir -p "$CLASSES" "$ROOTFS"/{app,etc,home/nonroot,mnt/models,tmp,lib64,lib/x86_64-linux-gnu,usr/lib/locale} "$WORK" \
    "$ROOTFS$IMAGE_WORKDIR"

echo "== jlink ($IMAGE_MODULES)"
"$IMAGE_JDK/bin/jlink" --add-modules "$IMAGE_MODULES" --strip-debug --no-header-files --no-man-pages \
    --compress=zip-0 --output "$ROOTFS/opt/java"

echo "== glibc $(dpkg-query -W -f '${Version}' libc6) and C.UTF-8 from libc-bin $(dpkg-query -W -f '${Version}' libc-bin)"
# The runtime needs only these (ldd over its .so files); the nss modules and libresolv resolve host names.
# (grep reads a listing held in a variable: `dpkg -L | grep -m1` would end dpkg with SIGPIPE under pipefail)
LIBC6_FILES=$(dpkg -L libc6)
for lib in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libnss_dns.so.2 \
           libnss_files.so.2 libresolv.so.2; do
    src=$(grep -m1 "/lib/x86_64-linux-gnu/$lib\$" <<< "$LIBC6_FILES")
    cp -L "$src" "$ROOTFS/lib/x86_64-linux-gnu/$lib"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$ROOTFS/lib64/ld-linux-x86-64.so.2"
LIBC_BIN_FILES=$(dpkg -L libc-bin)
cp -r "$(grep -m1 '/usr/lib/locale/C.utf8$' <<< "$LIBC_BIN_FILES")" "$ROOTFS/usr/lib/locale/C.utf8"

cat > "$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat > "$ROOTFS/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
echo "hosts: files dns" > "$ROOTFS/etc/nsswitch.conf"

"$IMAGE_JDK/bin/java" -XX:+UseSerialGC "$(dirname "$0")/StoreJar.java" "$CLI_JAR" "$ROOTFS/app/storage-initializer.jar"
cp "$(dirname "$0")/../LICENSE" "$(dirname "$0")/../NOTICE" "$ROOTFS/app/"
# The JVM flags of the image (jvm.flags says why each), after the AOT cache (AOTMode=auto: a mismatch falls back,
# never fails the pod).
mapfile -t FLAGS < <(grep -v '^#' "$(dirname "$0")/jvm.flags")
{
    echo "-XX:AOTCache=/app/app.aot"
    printf '%s\n' "${FLAGS[@]}"
    echo "-cp /app/storage-initializer.jar"
} > "$ROOTFS/app/jvm.args"

echo "== AOT training"
HOST_JAVA=$IMAGE_JDK/bin/java
free_port() { "$HOST_JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "$(dirname "$0")/FreePort.java"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# s3proxy, filesystem backend: a bucket is a folder, an object a file
S3_PORT=$(free_port)
mkdir -p "$WORK/s3/models/sample-model"
cp -r "$SAMPLE_MODEL"/. "$WORK/s3/models/sample-model/"
head -c $((3 << 20)) /dev/zero | tr '\0' 'x' > "$WORK/s3/models/sample-model/ranged.bin"
cat > "$WORK/s3proxy.conf" <<EOF
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=aot-key
s3proxy.credential=aot-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$WORK/s3
EOF
LANG=C.UTF-8 "$HOST_JAVA" -Xmx256m -XX:+UseSerialGC -jar "$S3PROXY_JAR" --properties "$WORK/s3proxy.conf" \
    > "$WORK/s3proxy.log" 2>&1 &
pids+=($!)
GCS_PORT=$(free_port)
"$HOST_JAVA" -XX:+UseSerialGC -cp "$TESTKIT_CLASSES:$CLI_JAR" dev.storageinit.testkit.gcs.GcsFixtureMain \
    "$SAMPLE_MODEL" models/sample-model "$GCS_PORT" > "$WORK/gcs.log" 2>&1 &
pids+=($!)
HF_PORT=$(free_port)
HF_CDN_PORT=$(free_port)
"$HOST_JAVA" -XX:+UseSerialGC -cp "$TESTKIT_CLASSES:$CLI_JAR" dev.storageinit.testkit.hf.HfFixtureMain \
    "$SAMPLE_MODEL" models/sample-model "$HF_PORT" "$HF_CDN_PORT" hf_aotTrainingToken > "$WORK/hf.log" 2>&1 &
pids+=($!)
HTTP_PORT=$(free_port)
mkdir -p "$WORK/http"
cp "$SAMPLE_MODEL/config.json" "$WORK/http/model.json"
"$IMAGE_JDK/bin/jwebserver" -b 127.0.0.1 -p "$HTTP_PORT" -d "$WORK/http" > "$WORK/http.log" 2>&1 &
pids+=($!)
for port in "$S3_PORT" "$GCS_PORT" "$HF_PORT" "$HF_CDN_PORT" "$HTTP_PORT"; do
    for _ in $(seq 600); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue 2
        sleep 0.1
    done
    echo "build-rootfs: no server on 127.0.0.1:$port after 60 s" >&2
    tail -n 20 "$WORK"/*.log >&2
    exit 1
done

# Same runtime, flags and class path as the image, run from the image's working directory with the class path
# relative to it (../../app/storage-initializer.jar): the cache keeps the path as given and, at every start, the JVM
# resolves it against the working directory to build the code source of each class it loads from the cache. A path
# that does not resolve there is looked up again for every class, which cost 35 ms of each start (trained from /app
# with "storage-initializer.jar", the image's start ran from /home/nonroot). From the working directory, and from
# any directory up to two levels deep (/, /mnt/models), the path resolves to /app/storage-initializer.jar.
# Azure is trained against a closed port: its client and request pipeline load all the same, and that pair fails.
JAR_FROM_WORKDIR=$(realpath --relative-to="$ROOTFS$IMAGE_WORKDIR" "$ROOTFS/app/storage-initializer.jar")
(cd "$ROOTFS$IMAGE_WORKDIR" && env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
    STORAGE_PVC_MOUNT_ROOT="$(dirname "$(dirname "$SAMPLE_MODEL")")" \
    AWS_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" AWS_ACCESS_KEY_ID=aot-key AWS_SECRET_ACCESS_KEY=aot-secret \
    STORAGE_EMULATOR_HOST="http://127.0.0.1:$GCS_PORT" \
    HF_ENDPOINT="http://127.0.0.1:$HF_PORT" HF_TOKEN=hf_aotTrainingToken \
    AZURE_STORAGE_BLOB_ENDPOINT=http://127.0.0.1:9/devstoreaccount1 AZURE_STORAGE_ACCESS_KEY=YW90LWtleQ== \
    "$ROOTFS/opt/java/bin/java" -XX:AOTCacheOutput="$ROOTFS/app/app.aot" -Xlog:aot=error "${FLAGS[@]}" \
    -cp "$JAR_FROM_WORKDIR" \
    dev.storageinit.cli.Main --part-size 1 \
    pvc://demo-claim/sample-model "$WORK/out/pvc" \
    s3://models/sample-model "$WORK/out/s3" \
    gs://models/sample-model "$WORK/out/gcs" \
    hf://models/sample-model "$WORK/out/hf" \
    "http://127.0.0.1:$HTTP_PORT/model.json" "$WORK/out/http" \
    https://devstoreaccount1.blob.core.windows.net/training/model "$WORK/out/azure") \
    > "$WORK/training.out" 2> "$WORK/training.err" || true
cat "$WORK/training.out" "$WORK/training.err"
for uri in pvc://demo-claim/sample-model s3://models/sample-model gs://models/sample-model hf://models/sample-model \
           "http://127.0.0.1:$HTTP_PORT/model.json"; do
    grep -q "^done $uri -> " "$WORK/training.out" \
        || { echo "build-rootfs: the training download of $uri did not finish" >&2; exit 1; }
done
[[ -s $ROOTFS/app/app.aot ]] || { echo "build-rootfs: no AOT cache written" >&2; exit 1; }
ls -l "$ROOTFS/app/app.aot"
du -sh "$ROOTFS"
