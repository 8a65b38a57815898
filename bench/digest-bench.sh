#!/usr/bin/env bash
# digest-bench.sh : one thread's MD5, SHA-256, CRC32C and CRC-64/NVME speed (bench/digest/DigestSpeed.java) with the
# JDK's implementations and BouncyCastle's (bcprov-jdk18on, fetched by Maven), on the README's JVM (the default java,
# JDK 17), the image's (Temurin 25 with storage-image/jvm.flags), and C1 only. Decides which implementation the
# engine uses: see Digests.java.
source "$(dirname "$0")/common.sh"
BC_VERSION=1.78.1
BC=$HOME/.m2/repository/org/bouncycastle/bcprov-jdk18on/$BC_VERSION/bcprov-jdk18on-$BC_VERSION.jar
[[ -f $BC ]] || mvn -B -q dependency:get -Dartifact=org.bouncycastle:bcprov-jdk18on:$BC_VERSION >&2
build_jar
mapfile -t IMAGE_FLAGS < <(grep -v '^#' "$REPO/storage-image/jvm.flags")
SRC=$REPO/bench/digest/DigestSpeed.java
header
for jvm in "java" "$IMAGE_JDK/bin/java ${IMAGE_FLAGS[*]}" "java -XX:TieredStopAtLevel=1"; do
  echo; echo "## $jvm (load $(cut -d' ' -f1 /proc/loadavg))"
  # shellcheck disable=SC2086
  $jvm -cp "$JAR:$BC" "$SRC"
done
