# Sourced by the bench scripts that need an S3 server (REPO set).
# `start_s3proxy DIR IDENTITY CREDENTIAL [JVM_OPTION...]` starts s3proxy (the jar Maven fetches for storage-s3's
# tests) on a free 127.0.0.1 port, its filesystem backend in DIR/data (a bucket a folder, an object a file), its
# config and log in DIR; waits until it answers; and sets S3PROXY_PORT and S3PROXY_PID. `stop_s3proxy` ends it
# (from the caller's EXIT trap, set before the start).
start_s3proxy() {
  local dir=$1 identity=$2 credential=$3
  shift 3
  local jar=$REPO/storage-s3/target/s3proxy/s3proxy.jar
  if [[ ! -f $jar ]]; then
    (cd "$REPO" && mvn -B -q -pl storage-s3 -am generate-test-resources >&2) || true
  fi
  [[ -f $jar ]] || { echo "cannot get the s3proxy jar (mvn -pl storage-s3 -am generate-test-resources)" >&2; exit 2; }
  S3PROXY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir/data"
  cat > "$dir/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$S3PROXY_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$identity
s3proxy.credential=$credential
jclouds.provider=filesystem
jclouds.filesystem.basedir=$dir/data
CONF
  java -Xmx256m "$@" -jar "$jar" --properties "$dir/s3proxy.conf" > "$dir/s3proxy.log" 2>&1 &
  S3PROXY_PID=$!
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "http://127.0.0.1:$S3PROXY_PORT/" && return 0
    kill -0 "$S3PROXY_PID" 2>/dev/null || { echo "s3proxy died:" >&2; tail -20 "$dir/s3proxy.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "s3proxy did not answer on 127.0.0.1:$S3PROXY_PORT within 60 s" >&2
  exit 1
}

stop_s3proxy() {
  [[ -z ${S3PROXY_PID:-} ]] || { kill "$S3PROXY_PID" 2>/dev/null || true; wait "$S3PROXY_PID" 2>/dev/null || true; }
}
