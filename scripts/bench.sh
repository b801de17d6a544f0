#!/usr/bin/env bash
# Benchmarks the deployables against a bare lambda_http hello-world (the floor): builds them, the
# floor and floor-call (the floor plus one plain upstream call, a reference without targets) the
# way `sam build` does (cargo lambda build --release, plus the zip), lays out the Node.js
# reference (bench/node-start-chat: start-chat on Node.js 20 and the AWS SDK for JavaScript v3,
# its npm packages installed here), then runs lambda-bench, which prints the results and exits
# non-zero unless every target holds. Arguments go to lambda-bench (e.g. --rounds 3 --warm 100).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"

ensure_cargo_lambda
for bin in floor-hello floor-call start-chat start-attachment complete-attachment case-files; do
  log "cargo lambda build --release --output-format zip --bin $bin"
  cargo lambda build --release --output-format zip --bin "$bin"
  # lambda-bench runs the bootstrap inside the zip.
  python3 -m zipfile -e "target/lambda/$bin/bootstrap.zip" "target/lambda/$bin/"
  chmod +x "target/lambda/$bin/bootstrap"
done

log "laying out the Node.js reference (npm ci in bench/node-start-chat)"
node_dir="target/lambda/node-start-chat"
(cd bench/node-start-chat && npm ci --no-audit --no-fund --loglevel=error)
rm -rf "$node_dir" && mkdir -p "$node_dir"
cp -r bench/node-start-chat/index.mjs bench/node-start-chat/package.json bench/node-start-chat/node_modules "$node_dir/"
# A Lambda custom runtime's bootstrap; the managed Node.js runtime starts node the same way.
printf '#!/bin/sh\nexec %s "$(dirname "$0")/index.mjs"\n' "$(command -v node)" > "$node_dir/bootstrap"
chmod +x "$node_dir/bootstrap"
(cd "$node_dir" && python3 -m zipfile -c bootstrap.zip index.mjs package.json node_modules)

log "building lambda-bench (profile bench-tools: optimised for speed)"
cargo build --profile bench-tools --locked -p bench --bin lambda-bench
log "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
target/bench-tools/lambda-bench "$@"
