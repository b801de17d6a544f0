#!/usr/bin/env bash
# Runs the whole product on this machine, no AWS account needed:
#   connect-local (a local Amazon Connect, with a simulated agent) on CONNECT_LOCAL_PORT (4010;
#   0 takes a free port, which the banner names),
#   the four functions under `cargo lambda watch` on API_PORT (9000), with the same routes as
#   the deployed HTTP API: POST /chat, /attachments/start, /attachments/complete, and
#   /cases/attachments/start, /cases/attachments/complete (case-files), and
#   the reference chat page (widget/) on WIDGET_PORT (8080).
# connect-local loads the demo flows in examples/flows (CONNECT_LOCAL_FLOWS names another
# directory) and calls Lambda functions through watch, which also serves examples/order-lookup.
# Prints the URLs when everything answers; Ctrl-C stops everything.
# CONNECT_LOCAL_ARGS adds connect-local flags (e.g. "--agent off").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"

CONNECT_LOCAL_PORT="${CONNECT_LOCAL_PORT:-4010}"
API_PORT="${API_PORT:-9000}"
WIDGET_PORT="${WIDGET_PORT:-8080}"
WIDGET_URL="http://127.0.0.1:$WIDGET_PORT"
API_URL="http://127.0.0.1:$API_PORT"

ensure_cargo_lambda
ensure_widget_packages

log "building connect-local and the functions (the first build takes a few minutes)"
# --bin (not -p) resolves features across the workspace, as `cargo test` and watch do, so
# all of them share one build of the AWS SDK.
cargo build --quiet --bin connect-local --bin start-chat --bin start-attachment --bin complete-attachment \
  --bin case-files --bin order-lookup

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting connect-local on 127.0.0.1:$CONNECT_LOCAL_PORT"
ready_line="$(mktemp)"
# shellcheck disable=SC2086 # CONNECT_LOCAL_ARGS is a list of flags
target/debug/connect-local --listen "127.0.0.1:$CONNECT_LOCAL_PORT" \
  --flows "${CONNECT_LOCAL_FLOWS:-examples/flows}" --lambda-endpoint "$API_URL" ${CONNECT_LOCAL_ARGS:-} >"$ready_line" &
pids+=("$!")
CONNECT_URL="$(connect_local_url "$ready_line" "${pids[0]}" 600)"
rm -f "$ready_line"

# What a deployment sets through template.yaml, pointed at connect-local. The credentials are
# connect-local's documented dummy ones; nothing here can reach AWS.
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIALOCALCONNECT0001
export AWS_SECRET_ACCESS_KEY=connect-local-secret-access-key
unset AWS_SESSION_TOKEN AWS_PROFILE
export AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_CONNECT="$CONNECT_URL"
export AWS_ENDPOINT_URL_CONNECTPARTICIPANT="$CONNECT_URL"
export AWS_ENDPOINT_URL_CONNECTCASES="$CONNECT_URL"
export CONNECT_INSTANCE_ID="${CONNECT_INSTANCE_ID:-11111111-1111-4111-8111-111111111111}"
export CONNECT_CONTACT_FLOW_ID="${CONNECT_CONTACT_FLOW_ID:-22222222-2222-4222-8222-222222222222}"
export ALLOWED_ORIGINS="${ALLOWED_ORIGINS:-$WIDGET_URL,http://localhost:$WIDGET_PORT,https://www.example.com}"
export ALLOWED_ATTRIBUTES="${ALLOWED_ATTRIBUTES:-customerId,plan,utm_*}"
export CHAT_DURATION_MINUTES="${CHAT_DURATION_MINUTES:-60}"
export ATTACHMENTS_ENABLED="${ATTACHMENTS_ENABLED:-true}"
export ALLOWED_SEGMENT_ATTRIBUTES="${ALLOWED_SEGMENT_ATTRIBUTES:-}"
# AGENT turns the post-chat survey on (connect-local then plays a one-question survey).
export DISCONNECT_ON_CUSTOMER_EXIT="${DISCONNECT_ON_CUSTOMER_EXIT:-}"
# Case attached files: connect-local accepts any case in this (made-up) domain. The case routes
# answer 401 AuthorizerRequired here, as there is no API Gateway authorizer in front of watch.
export CASES_DOMAIN_ARN="${CASES_DOMAIN_ARN:-arn:aws:cases:us-east-1:123456789012:domain/33333333-3333-4333-8333-333333333333}"

log "starting the functions under cargo lambda watch on $API_URL"
# --disable-cors: CORS is answered by our own functions, as the tests check it.
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$API_PORT" --disable-cors &
pids+=("$!")

log "serving the chat page on $WIDGET_URL"
WIDGET_API_URL="$API_URL" WIDGET_PARTICIPANT_ENDPOINT="$CONNECT_URL" python3 scripts/serve_widget.py "$WIDGET_PORT" &
pids+=("$!")

wait_for() { # url, name
  for _ in $(seq 1 600); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "$2 exited" >&2; exit 1; }; done
    sleep 0.5
  done
  echo "$2 did not come up" >&2; exit 1
}
wait_for "$CONNECT_URL/_local/health" connect-local
wait_for "$WIDGET_URL/config.js" "chat page server"
# The first request to each function makes watch start it; warm all three.
for route in chat attachments/start attachments/complete; do
  wait_for "$API_URL/$route" "function for /$route"
  curl -s -o /dev/null -X OPTIONS "$API_URL/$route" || true
done
# ...and the demo flow's function, through the Lambda Invoke API connect-local calls.
curl -s -o /dev/null -X POST -d '{"Name":"ContactFlowEvent","Details":{"Parameters":{}}}' \
  "$API_URL/2015-03-31/functions/order-lookup/invocations" || true

cat <<MSG

Local stack ready.
  Chat page (open it in a browser): $WIDGET_URL
  API (the functions):         $API_URL
    POST $API_URL/chat
    POST $API_URL/attachments/start
    POST $API_URL/attachments/complete
    POST $API_URL/cases/attachments/{start,complete} (need an API Gateway authorizer: 401 here)
  connect-local (Connect + Participant Service endpoint): $CONNECT_URL
    contacts, transcripts and the path each took through its flows: $CONNECT_URL/_local/contacts
    flows, queues, agents and bots: $CONNECT_URL/_local/setup
  Agent console (play the agent; run with CONNECT_LOCAL_ARGS="--agent off" to take every chat): $CONNECT_URL/console
    the simulated agent answers every message; send /attachment for a file, /end to end the chat
    the demo flow (bot, Lambda, queue): CONNECT_CONTACT_FLOW_ID=77777777-7777-4777-8777-777777777777
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
