#!/usr/bin/env bash
# Web UI benchmark: JavaScript size gzipped, first load on loopback, progress event → page latency.
# Builds the UI, the server and the UI test project (for Playwright's driver), starts a server on a free
# loopback port with a throw-away data directory, runs bench/ui/ui-bench.mjs against it and stops it.
#   bash bench/ui/run.sh [runs]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$TIDEGATE_ROOT"
RUNS="${1:-9}"

ensure_node
build_ui
log "building the server and the UI test project (Playwright driver)"
dotnet build src/Tidegate.Cli -c Release -nologo -v quiet >/dev/null
dotnet build tests/Tidegate.Ui.Tests -c Release -nologo -v quiet >/dev/null

total=0
for f in src/Tidegate.Server/wwwroot/assets/*.js; do
  size=$(gzip -9 -c "$f" | wc -c); total=$((total + size))
  printf 'JS %s: %d bytes raw, %d bytes gzipped\n' "$(basename "$f")" "$(stat -c %s "$f")" "$size"
done
awk -v t="$total" 'BEGIN { printf "JavaScript total gzipped: %d bytes (%.1f KiB)\n", t, t / 1024 }'

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATA=$(mktemp -d /tmp/tidegate-bench-ui.XXXXXX)
TIDEGATE_BOOTSTRAP_ADMIN_USER=admin TIDEGATE_BOOTSTRAP_ADMIN_PASSWORD=bench-password-1 \
  dotnet src/Tidegate.Cli/bin/Release/net10.0/tidegate.dll serve --urls "http://127.0.0.1:$PORT" --data-dir "$DATA" \
  --catalog-dir demo/catalog --web-root src/Tidegate.Server/wwwroot >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done

node bench/ui/ui-bench.mjs "http://127.0.0.1:$PORT" "$TIDEGATE_ROOT/tests/Tidegate.Ui.Tests/bin/Release/net10.0/.playwright/package" "$RUNS"
