#!/usr/bin/env bash
# Runs Schemathesis with all its checks against the local stack (scripts/local-stack.sh on free
# ports), using openapi.yaml. Exits non-zero when Schemathesis finds anything.
#   ST_MAX_EXAMPLES  examples per operation (default 60)
# The stack allows every contact and segment attribute key (ALLOWED_ATTRIBUTES='*',
# ALLOWED_SEGMENT_ATTRIBUTES='*') so that schema-valid requests are accepted; the allow-lists
# themselves are covered by the Rust tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"
ensure_schemathesis

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port); WIDGET_PORT=$(free_port)
LOG="$PROJECT_ROOT/target/schemathesis-stack.log"
mkdir -p target

log "starting the local stack for Schemathesis (log: target/schemathesis-stack.log)"
CONNECT_LOCAL_PORT=0 API_PORT=$API_PORT WIDGET_PORT=$WIDGET_PORT \
  ALLOWED_ATTRIBUTES='*' ALLOWED_SEGMENT_ATTRIBUTES='*' CONNECT_LOCAL_ARGS="--agent off" \
  setsid scripts/local-stack.sh >"$LOG" 2>&1 &
stack=$!
stop() { kill -TERM -- "-$stack" 2>/dev/null || true; wait "$stack" 2>/dev/null || true; }
trap stop EXIT

for _ in $(seq 1 1800); do
  grep -q "Local stack ready" "$LOG" && break
  kill -0 "$stack" 2>/dev/null || { cat "$LOG" >&2; echo "the local stack exited" >&2; exit 1; }
  sleep 0.5
done
grep -q "Local stack ready" "$LOG" || { echo "the local stack did not come up" >&2; exit 1; }

log "schemathesis run openapi.yaml --checks all"
# From target/: Schemathesis writes a .hypothesis/ folder, and a new file in the project would
# make cargo lambda watch rebuild and restart the functions mid-run.
mkdir -p target/schemathesis
cd target/schemathesis
SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PROJECT_ROOT/scripts" \
  "$ST_VENV/bin/schemathesis" run "$PROJECT_ROOT/openapi.yaml" \
  --url "http://127.0.0.1:$API_PORT" \
  --checks all \
  --max-examples "${ST_MAX_EXAMPLES:-60}" \
  --seed 20261121 \
  --no-color
