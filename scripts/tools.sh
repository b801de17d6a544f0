# Sourced by the other scripts: installs the tools the project needs into project-local places,
# only when they are missing, so a fresh machine needs nothing beyond Rust, Python and Node.
#   .venv/        cargo-lambda and the AWS SAM CLI (from PyPI)
#   .venv-schemathesis/  Schemathesis (from PyPI)
#   .venv-clients/       boto3 and websockets for clients/python (from PyPI)
# Versions are pinned so every machine runs the same tools.

CARGO_LAMBDA_VERSION="1.9.2"
SAM_CLI_VERSION="1.170.0"
SCHEMATHESIS_VERSION="4.32.5"

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$PROJECT_ROOT/.venv"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Waits for connect-local (process PID, stdout in FILE) to print its ready line, which names
# the address it bound (the port it took when asked for port 0), and prints its base URL.
# Fails when the process exits or TRIES tenths of a second pass first.
connect_local_url() { # FILE PID TRIES
  for _ in $(seq 1 "$3"); do
    grep -q "^connect-local ready at " "$1" && break
    kill -0 "$2" 2>/dev/null || { echo "connect-local exited" >&2; return 1; }
    sleep 0.1
  done
  local url
  url="$(sed -n 's/^connect-local ready at //p' "$1" | head -n 1)"
  [ -n "$url" ] || { echo "connect-local did not come up" >&2; return 1; }
  echo "$url"
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
  fi
  export PATH="$VENV/bin:$PATH"
}

# (sed reads all of pip's output: `grep -q` would stop early and, under pipefail, fail the check.)
pip_has() {
  local installed
  installed=$("$VENV/bin/pip" show "$1" 2>/dev/null | sed -n 's/^Version: //p')
  [ "$installed" = "$2" ]
}

ensure_cargo_lambda() {
  ensure_venv
  if ! pip_has cargo-lambda "$CARGO_LAMBDA_VERSION"; then
    log "installing cargo-lambda $CARGO_LAMBDA_VERSION into .venv"
    "$VENV/bin/pip" install --quiet "cargo-lambda==$CARGO_LAMBDA_VERSION"
  fi
}

ensure_sam() {
  ensure_venv
  if ! pip_has aws-sam-cli "$SAM_CLI_VERSION"; then
    log "installing AWS SAM CLI $SAM_CLI_VERSION into .venv"
    "$VENV/bin/pip" install --quiet "aws-sam-cli==$SAM_CLI_VERSION"
  fi
  export SAM_CLI_TELEMETRY=0
}

# Schemathesis in a venv of its own (its pins would fight the SAM CLI's).
ST_VENV="$PROJECT_ROOT/.venv-schemathesis"
ensure_schemathesis() {
  if [ ! -x "$ST_VENV/bin/python" ]; then
    log "creating $ST_VENV"
    python3 -m venv "$ST_VENV"
    "$ST_VENV/bin/pip" install --quiet --upgrade pip
  fi
  local installed
  # `|| true`: pip show fails while the package is missing, which pipefail would make fatal.
  installed=$("$ST_VENV/bin/pip" show schemathesis 2>/dev/null | sed -n 's/^Version: //p' || true)
  if [ "$installed" != "$SCHEMATHESIS_VERSION" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into .venv-schemathesis"
    "$ST_VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

# The client suites' packages: clients/js (npm ci from its lock file) and clients/python (a venv
# with its pinned requirements.txt, reinstalled when that file changes).
CLIENTS_VENV="$PROJECT_ROOT/.venv-clients"
ensure_client_packages() {
  (cd "$PROJECT_ROOT/clients/js" && npm ci --no-audit --no-fund --loglevel=error)
  local requirements="$PROJECT_ROOT/clients/python/requirements.txt"
  if [ ! -x "$CLIENTS_VENV/bin/python" ] || ! cmp -s "$requirements" "$CLIENTS_VENV/requirements.txt"; then
    log "installing clients/python/requirements.txt into .venv-clients"
    python3 -m venv "$CLIENTS_VENV"
    "$CLIENTS_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$CLIENTS_VENV/requirements.txt"
  fi
}

# npm packages of the chat page (amazon-connect-chatjs, and playwright-core for its tests).
ensure_widget_packages() {
  if [ ! -d "$PROJECT_ROOT/widget/node_modules/amazon-connect-chatjs" ] || [ ! -d "$PROJECT_ROOT/widget/node_modules/playwright-core" ]; then
    log "installing the chat page's npm packages (npm ci)"
    (cd "$PROJECT_ROOT/widget" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Debian packages, installed when a command they provide is missing: ensure_debian CMD PKG...
ensure_debian() {
  local command="$1"
  shift
  if ! command -v "$command" >/dev/null 2>&1; then
    log "installing $* (apt)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # Another install may hold dpkg's lock (an unattended upgrade, a second CI job): wait for it,
    # up to APT_LOCK_TIMEOUT seconds, instead of failing at once.
    local wait="-o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT:-300}"
    # shellcheck disable=SC2086 # $wait is two words on purpose
    $sudo apt-get $wait update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get $wait install -y -qq "$@" >/dev/null
  fi
}

# Debian's chromium for the browser tests (Playwright cannot download browsers here).
ensure_chromium() {
  ensure_debian chromium chromium
  export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
}
