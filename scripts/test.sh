#!/usr/bin/env bash
# Runs every test:
#   1. cargo test: unit tests, the handlers against connect-local, connect-local's own tests,
#      and the README's local command end to end (tests/local_stack.rs);
#   2. the reference chat page in headless chromium (widget/tests, playwright-core), against the
#      local stack started with the README's command;
#   3. a widget backend's path against connect-local through the AWS SDK for JavaScript v3
#      (clients/js) and boto3 (clients/python), on the connect-local binary cargo test built;
#   4. connect-local's packages (crate, npm, wheel), each tested from its artifact
#      (scripts/package.sh);
#   5. Schemathesis with all its checks against the local stack, from openapi.yaml.
# Installs what it needs first: cargo-lambda (.venv), the page's and the client suites' packages,
# Debian's chromium.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"

ensure_cargo_lambda
ensure_widget_packages
ensure_chromium
ensure_client_packages

log "cargo test --workspace"
cargo test --workspace --locked "$@"

log "browser tests (widget/tests)"
(cd widget && npm test)

export CONNECT_LOCAL_BIN="$PROJECT_ROOT/target/debug/connect-local"
log "AWS SDK for JavaScript v3 client suite (clients/js)"
(cd clients/js && npm test)
log "boto3 client suite (clients/python)"
(cd clients/python && "$CLIENTS_VENV/bin/python" -m unittest -v)

log "connect-local's packages (scripts/package.sh)"
scripts/package.sh

log "Schemathesis against the local stack (scripts/schemathesis.sh)"
scripts/schemathesis.sh
