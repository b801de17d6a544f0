#!/usr/bin/env bash
# Runs every test: unit tests, the handlers against connect-local, connect-local's own tests,
# and the README's local command end to end (tests/local_stack.rs starts scripts/local-stack.sh).
# Installs what it needs first (cargo-lambda into .venv).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"

ensure_cargo_lambda
log "cargo test --workspace"
cargo test --workspace --locked "$@"
