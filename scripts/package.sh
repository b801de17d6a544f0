#!/usr/bin/env bash
# Packages connect-local three ways and tests each from its built artifact in a fresh place:
#   1. the crate (cargo package -p connect-local), then cargo install from the unpacked .crate;
#   2. the npm packages connect-local and @connect-local/linux-x64 (npm pack), installed from
#      their tarballs into a fresh project, then `npx connect-local` and clients/js against it;
#   3. the Python wheel (maturin, binary packaging), installed into a fresh venv, then
#      clients/python (boto3) against the `connect-local` it put on the PATH.
# The binaries are debug builds (PROFILE=release for release ones): a release build of the
# crate would not fit CI's time. The wheel is built from the unpacked .crate, as from a source
# distribution. Artifacts land in target/packages/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$PROJECT_ROOT"

PROFILE="${PROFILE:-dev}"
MATURIN_VERSION="1.16.0"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' emulator/Cargo.toml | head -1)"
out="$PROJECT_ROOT/target/packages"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$out" && mkdir -p "$out"
ensure_client_packages

# Starts BINARY ARGS... on a free port, checks it serves the API and the console, stops it with
# SIGTERM and expects a clean exit (npx itself dies of the signal it passes on: SIGNAL_EXIT_OK=1).
smoke() {
  local log="$work/smoke.log" pid url
  "$@" --listen 127.0.0.1:0 > "$log" &
  pid=$!
  for _ in $(seq 100); do
    url="$(sed -n 's/^connect-local ready at //p' "$log")"
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { kill "$pid"; echo "no ready line from $*" >&2; return 1; }
  python3 - "$url" <<'PY' || { kill "$pid"; return 1; }
import sys, urllib.request
base = sys.argv[1]
assert urllib.request.urlopen(f"{base}/_local/health", timeout=10).status == 200
script = urllib.request.urlopen(f"{base}/console/markdown.js", timeout=10).read()
assert len(script) > 1000, "the console serves the page's markdown renderer"
PY
  kill -TERM "$pid"
  local status=0
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ] && ! { [ "${SIGNAL_EXIT_OK:-0}" = 1 ] && [ "$status" -eq 143 ]; }; then
    echo "$* exited with $status after SIGTERM" >&2
    return 1
  fi
}

log "1. cargo package -p connect-local, and cargo install from the .crate"
# Not verified by cargo package: cargo install below builds the unpacked .crate, which is the
# same check. That build and the wheel's (step 3) share a target directory of their own, so the
# crate's dependencies are built once more, not twice, and removed with $work at the end.
cargo package -p connect-local --locked --allow-dirty --no-verify
cp "target/package/connect-local-$version.crate" "$out/"
tar -xzf "$out/connect-local-$version.crate" -C "$work"
crate="$work/connect-local-$version"
export CARGO_TARGET_DIR="$work/target"
# Outside the workspace the crate gets cargo's default dev profile, full debug info included;
# the packaged binaries leave it out (panics still name their source line).
export CARGO_PROFILE_DEV_DEBUG=false
install_flag=$([ "$PROFILE" = dev ] && echo --debug || echo "")
# shellcheck disable=SC2086 # an empty flag is no flag
cargo install --quiet --locked $install_flag --path "$crate" --root "$work/cargo-root"
smoke "$work/cargo-root/bin/connect-local"
binary="$work/cargo-root/bin/connect-local"

log "2. npm packages (npm pack), installed into a fresh project"
mkdir -p "$work/npm/main" "$work/npm/linux-x64/bin" "$work/project"
cp -r packaging/npm/connect-local/. "$work/npm/main/"
cp packaging/npm/linux-x64/package.json "$work/npm/linux-x64/"
cp "$binary" "$work/npm/linux-x64/bin/connect-local"
for dir in main linux-x64; do
  (cd "$work/npm/$dir" && npm pkg set version="$version" > /dev/null)
done
(cd "$work/npm/main" && npm pkg set "optionalDependencies.@connect-local/linux-x64=$version" > /dev/null)
(cd "$work/npm/main" && npm pack --silent --pack-destination "$out" > /dev/null)
(cd "$work/npm/linux-x64" && npm pack --silent --pack-destination "$out" > /dev/null)
(
  cd "$work/project"
  npm init -y > /dev/null
  npm install --save-dev --no-audit --no-fund --loglevel=error \
    "$out/connect-local-linux-x64-$version.tgz" "$out/connect-local-$version.tgz"
  SIGNAL_EXIT_OK=1 smoke npx --no-install connect-local
  smoke node_modules/.bin/connect-local
)
CONNECT_LOCAL_BIN="$work/project/node_modules/.bin/connect-local" \
  bash -c 'cd clients/js && npm test'

log "3. the Python wheel (maturin), installed into a fresh venv"
python3 -m venv "$work/maturin"
"$work/maturin/bin/pip" install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION"
"$work/maturin/bin/maturin" build --quiet --manifest-path "$crate/Cargo.toml" --profile "$PROFILE" \
  --locked --out "$out" --interpreter python3
python3 -m venv "$work/wheel"
"$work/wheel/bin/pip" install --quiet --disable-pip-version-check "$out"/connect_local-*.whl \
  -r clients/python/requirements.txt
smoke "$work/wheel/bin/connect-local"
(cd clients/python && CONNECT_LOCAL_BIN="$work/wheel/bin/connect-local" "$work/wheel/bin/python" -m unittest)

log "packages in target/packages: $(cd "$out" && ls | tr '\n' ' ')"
