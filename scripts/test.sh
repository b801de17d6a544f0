#!/usr/bin/env bash
# Runs every test:
#   1. cargo test: unit tests, the handlers against connect-local, connect-local's own tests,
#      and the README's local command end to end (tests/local_stack.rs);
#   2. the reference chat page in headless chromium (widget/tests, playwright-core), against the
#      local stack started with the README's command;
#   3. Schemathesis with all its checks against the local stack, from openapi.yaml.
# Installs what it needs first: cargo-lambda (.venv), the page's npm packages, Debian's chromium.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"

ensure_cargo_lambda
ensure_widget_packages
ensure_chromium

log "cargo test --workspace"
cargo test --workspace --locked "$@"

log "browser tests (widget/tests)"
(cd widget && npm test)

log "Schemathesis against the local stack (scripts/schemathesis.sh)"
scripts/schemathesis.sh
