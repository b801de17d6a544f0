#!/usr/bin/env bash
# Benchmarks the deployables against the floor (a bare lambda_http hello-world built exactly as
# they are), floor-call (the floor plus one plain upstream call) and the peers (start-chat's work
# on Node.js + AWS SDK for JavaScript v3 and on Python + boto3, under their official Runtime
# Interface Clients): builds the Rust ones the way `sam build` does (cargo lambda build --release,
# plus the zip), lays out the peers, then runs lambda-bench, which prints the results and exits
# non-zero unless every target holds. Arguments go to lambda-bench (e.g. --rounds 3 --warm 100);
# --record also writes the results into BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"

record=0
args=()
for arg in "$@"; do
  if [ "$arg" = "--record" ]; then record=1; else args+=("$arg"); fi
done
set -- "${args[@]+"${args[@]}"}"

ensure_cargo_lambda
for bin in floor-hello floor-call start-chat start-attachment complete-attachment case-files; do
  log "cargo lambda build --release --output-format zip --bin $bin"
  cargo lambda build --release --output-format zip --bin "$bin"
  # lambda-bench runs the bootstrap inside the zip.
  python3 -m zipfile -e "target/lambda/$bin/bootstrap.zip" "target/lambda/$bin/"
  chmod +x "target/lambda/$bin/bootstrap"
done

# The peers: start-chat's work as teams write it on Node.js and on Python, each run by its
# official Runtime Interface Client. aws-lambda-ric builds its native client (curl and
# aws-lambda-cpp) from source when it is installed, which takes cmake and the autotools.
ensure_debian cmake cmake autoconf automake libtool make g++
log "laying out node-start-chat (npm ci in bench/node-start-chat)"
node_dir="target/lambda/node-start-chat"
(cd bench/node-start-chat && npm ci --no-audit --no-fund --loglevel=error)
rm -rf "$node_dir" && mkdir -p "$node_dir"
cp -r bench/node-start-chat/index.mjs bench/node-start-chat/package.json bench/node-start-chat/node_modules "$node_dir/"
printf '#!/bin/sh\ncd "$(dirname "$0")" && exec %s node_modules/aws-lambda-ric/bin/index.mjs index.handler\n' "$(command -v node)" > "$node_dir/bootstrap"
chmod +x "$node_dir/bootstrap"
(cd "$node_dir" && python3 -m zipfile -c bootstrap.zip index.mjs package.json node_modules)

log "laying out python-start-chat (pip install -r bench/python-start-chat/requirements.txt)"
py_dir="target/lambda/python-start-chat"
rm -rf "$py_dir" && mkdir -p "$py_dir"
python3 -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
  --target "$py_dir" -r bench/python-start-chat/requirements.txt
cp bench/python-start-chat/app.py "$py_dir/"
printf '#!/bin/sh\ncd "$(dirname "$0")" && PYTHONPATH=. exec %s -m awslambdaric app.handler\n' "$(command -v python3)" > "$py_dir/bootstrap"
chmod +x "$py_dir/bootstrap"
(cd "$py_dir" && python3 -m zipfile -c ../python-start-chat.zip ./* && mv ../python-start-chat.zip bootstrap.zip)

log "building lambda-bench (profile bench-tools: optimised for speed)"
cargo build --profile bench-tools --locked -p bench --bin lambda-bench
tools="$(rustc --version | cut -d' ' -f1-2), $(cargo lambda --version), Node.js $(node --version), $(python3 --version)"
log "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $tools"
if [ "$record" = 0 ]; then
  exec target/bench-tools/lambda-bench "$@"
fi
# --record: the results go into BENCHMARKS.md between its results markers, with the machine and
# the date, whatever the outcome; the exit status is lambda-bench's.
RECORD_AS="scripts/bench.sh --record${*:+ $*}" RECORD_NOTE="$tools" \
  exec scripts/record.py BENCHMARKS.md results -- target/bench-tools/lambda-bench "$@"
