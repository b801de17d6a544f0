#!/usr/bin/env bash
# Checks a deployed (or local) API from the outside, as SECURITY.md describes:
#   scripts/verify-deployment.sh <api-base-url> <allowed-origin> [burst-size]
# Every check prints PASS, FAIL or INFO; the exit status is non-zero if any check FAILs.
# It starts no chats: every request is refused before Connect is called (or is a preflight).
# The burst (default 60 requests) is meant to exceed the stage throttle briefly.
set -uo pipefail
API="${1:?usage: verify-deployment.sh <api-base-url> <allowed-origin> [burst-size]}"
API="${API%/}"
ORIGIN="${2:?usage: verify-deployment.sh <api-base-url> <allowed-origin> [burst-size]}"
BURST="${3:-60}"
failed=0
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failed=1; }
info() { printf 'INFO  %s\n' "$*"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# request <name> <curl args...>: writes headers and body to $tmp/<name>.{h,b}, prints the status.
request() {
  local name=$1; shift
  curl -s -o "$tmp/$name.b" -D "$tmp/$name.h" -w '%{http_code}' "$@"
}
acao() { grep -i '^access-control-allow-origin:' "$tmp/$1.h" | tr -d '\r' | cut -d' ' -f2-; }

status=$(request preflight -X OPTIONS "$API/chat" -H "Origin: $ORIGIN" \
  -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type')
if [[ $status =~ ^20 && "$(acao preflight)" == "$ORIGIN" ]]; then pass "preflight from $ORIGIN ($status)";
else fail "preflight from $ORIGIN: HTTP $status, Access-Control-Allow-Origin '$(acao preflight)'"; fi

status=$(request invalid -X POST "$API/chat" -H "Origin: $ORIGIN" -H 'Content-Type: application/json' -d '{}')
if [[ $status == 400 && "$(acao invalid)" == "$ORIGIN" ]] && grep -q '"field"' "$tmp/invalid.b"; then
  pass "invalid body: 400 naming the field, with CORS"
else fail "invalid body: HTTP $status, CORS '$(acao invalid)', body $(head -c 200 "$tmp/invalid.b")"; fi

status=$(request foreign -X POST "$API/chat" -H 'Origin: https://not-allowed.invalid' -H 'Content-Type: text/plain' -d '{}')
if [[ $status == 403 && -z "$(acao foreign)" ]]; then pass "foreign origin: 403 without CORS headers"
else fail "foreign origin: HTTP $status, CORS '$(acao foreign)'"; fi

# A body over API Gateway's 10 MB payload limit: the gateway answers by itself.
head -c 11000000 /dev/zero | tr '\0' 'a' > "$tmp/big"
status=$(request big -X POST "$API/chat" -H "Origin: $ORIGIN" -H 'Content-Type: text/plain' --data-binary @"$tmp/big")
if [[ $status =~ ^4 && "$(acao big)" == "$ORIGIN" ]]; then pass "oversized body: $status with CORS"
elif [[ $status =~ ^4 ]]; then fail "oversized body: $status WITHOUT CORS (browsers see a network error; see SECURITY.md section 10)"
else info "oversized body: HTTP $status"; fi

# A burst past the throttle: throttled answers come from API Gateway itself.
for i in $(seq 1 "$BURST"); do
  request "burst$i" -X POST "$API/chat" -H "Origin: $ORIGIN" -H 'Content-Type: application/json' -d '{}' > "$tmp/burst$i.s" &
done
wait
throttled=0; throttled_cors=0
for i in $(seq 1 "$BURST"); do
  if [[ "$(cat "$tmp/burst$i.s")" == 429 ]]; then
    throttled=$((throttled + 1))
    [[ "$(acao "burst$i")" == "$ORIGIN" ]] && throttled_cors=$((throttled_cors + 1))
  fi
done
if (( throttled == 0 )); then info "burst of $BURST: nothing throttled (raise the burst size to test throttled answers)"
elif (( throttled_cors == throttled )); then pass "burst of $BURST: $throttled throttled, all with CORS"
else fail "burst of $BURST: $throttled throttled, only $throttled_cors with CORS (see SECURITY.md section 10)"; fi

for route in cases/attachments/start cases/attachments/complete; do
  status=$(request "case" -X POST "$API/$route" -H "Origin: $ORIGIN" -H 'Content-Type: application/json' -d '{}')
  case $status in
    401|403) pass "/$route without credentials: $status" ;;
    404) info "/$route: 404 (case attachments are off)" ;;
    *) fail "/$route without credentials: HTTP $status (must never be public)" ;;
  esac
done

exit $failed
