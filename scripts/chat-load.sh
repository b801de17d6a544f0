#!/usr/bin/env bash
# connect-local's capacity, with connect-local and the load generator in separate processes (a
# process may hold at most 20,000 open files; 5,000 chats are 10,000 websockets on each side).
# Builds both with the bench-tools profile, starts connect-local on a free loopback port with
# the simulated agent off, runs chat-load against it, then prints connect-local's peak RSS and
# stops it. Exits with chat-load's status. Arguments go to chat-load, e.g.
#   scripts/chat-load.sh --chats 5000 --messages 10
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"

log "cargo build --profile bench-tools (connect-local, chat-load)"
cargo build --profile bench-tools --locked -p connect-local --bin connect-local -p bench --bin chat-load

ready="$(mktemp)"
target/bench-tools/connect-local --listen 127.0.0.1:0 --agent off >"$ready" 2>/dev/null &
server=$!
stop() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$ready"; }
trap stop EXIT
url="$(connect_local_url "$ready" "$server" 300)"

status=0
target/bench-tools/chat-load --target "$url" "$@" || status=$?
peak_kb="$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$server/status")"
cpu_ticks="$(awk '{print $14 + $15}' "/proc/$server/stat")"
echo "connect-local: peak RSS $((peak_kb / 1024)) MB, CPU $(awk -v t="$cpu_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t/hz}') s"
exit "$status"
