#!/usr/bin/env bash
# Benchmarks the deployables against a bare lambda_http hello-world (the floor): builds them, the
# floor and floor-call (the floor plus one plain upstream call, a reference without targets) the
# way `sam build` does (cargo lambda build --release, plus the zip), then runs lambda-bench,
# which prints the results table and checks the targets. Arguments go to lambda-bench
# (e.g. --rounds 3 --warm 100).
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

log "building lambda-bench (profile bench-tools: optimised for speed)"
cargo build --profile bench-tools --locked -p bench --bin lambda-bench
log "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
target/bench-tools/lambda-bench "$@"
