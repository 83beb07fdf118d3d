#!/usr/bin/env bash
# Shared helpers for scripts/run.sh and scripts/test.sh. Sourced, not executed.
# Everything here is idempotent: it installs or starts only what is missing, and says so.

TIDEGATE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKER_SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
STARTED_DOCKERD=""

log() { printf '\033[1m[tidegate]\033[0m %s\n' "$*" >&2; }

# ensure_packages PKG...: apt-get install the Debian packages that are not installed yet.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  if [ "$(id -u)" != 0 ]; then log "missing Debian packages: ${missing[*]} (run as root to install them)"; return 1; fi
  log "installing Debian packages: ${missing[*]}"
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

docker_ping() { curl -fsS --max-time 2 --unix-socket "$DOCKER_SOCK" http://localhost/_ping >/dev/null 2>&1; }

# ensure_dockerd: use a reachable engine, or install docker.io and start dockerd.
# Published ports default to 127.0.0.1 (--ip) so nothing a test starts listens on other interfaces.
ensure_dockerd() {
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
    log "using the Docker engine at DOCKER_HOST=$DOCKER_HOST"; return 0
  fi
  [ -n "${DOCKER_HOST:-}" ] && DOCKER_SOCK="${DOCKER_HOST#unix://}"
  if docker_ping; then log "Docker engine answers on $DOCKER_SOCK"; return 0; fi
  ensure_packages docker.io
  log "starting dockerd (log: /tmp/tidegate-dockerd.log)"
  dockerd --ip=127.0.0.1 --host="unix://$DOCKER_SOCK" >/tmp/tidegate-dockerd.log 2>&1 &
  STARTED_DOCKERD=$!
  for _ in $(seq 1 120); do
    if docker_ping; then log "dockerd is up (pid $STARTED_DOCKERD)"; return 0; fi
    if ! kill -0 "$STARTED_DOCKERD" 2>/dev/null; then break; fi
    sleep 0.5
  done
  log "dockerd did not answer /_ping; last lines of its log:"; tail -20 /tmp/tidegate-dockerd.log >&2
  return 1
}

stop_started_dockerd() {
  if [ -n "$STARTED_DOCKERD" ] && kill -0 "$STARTED_DOCKERD" 2>/dev/null; then
    log "stopping the dockerd this script started (pid $STARTED_DOCKERD)"
    kill "$STARTED_DOCKERD" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$STARTED_DOCKERD" 2>/dev/null || return 0; sleep 0.5; done
    kill -9 "$STARTED_DOCKERD" 2>/dev/null || true
  fi
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then log "the .NET SDK 10 is required (dotnet not on PATH)"; return 1; fi
}

# ensure_node: Node.js and npm for the web UI build (Debian's nodejs/npm when missing).
ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then return 0; fi
  ensure_packages nodejs npm
}

# build_ui: npm ci (only when package-lock.json changed since the last install) and the Vite build into
# src/Tidegate.Server/wwwroot, which the server serves (git-ignored).
build_ui() {
  local ui="$TIDEGATE_ROOT/ui" stamp="$TIDEGATE_ROOT/ui/node_modules/.tidegate-lock.sha256" sum
  sum="$(sha256sum "$ui/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    log "installing the web UI's npm packages (npm ci)"
    (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error) || { log "npm ci failed"; return 1; }
    echo "$sum" >"$stamp"
  fi
  log "building the web UI (ui/ -> src/Tidegate.Server/wwwroot)"
  (cd "$ui" && npm run --silent build >/dev/null) || { log "the web UI build failed"; return 1; }
}
