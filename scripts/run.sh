#!/usr/bin/env bash
# The main job: build Tidegate and run `tidegate serve` on http://127.0.0.1:8080 with the embedded
# SQLite store in ./data, the demo catalog and the web UI (built from ui/). Installs and starts a Docker engine if none answers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TIDEGATE_ROOT"

ensure_dotnet
ensure_packages ca-certificates curl git busybox-static
ensure_node
ensure_dockerd

build_ui

log "building (Release)"
dotnet build Tidegate.slnx -c Release -nologo -v quiet

# The demo catalog's stacks run the busybox images tidegate-test/* (no image can be pulled here): build them if missing.
log "building the demo images (tidegate-test/*) if missing"
dotnet bench/Tidegate.Bench/bin/Release/net10.0/Tidegate.Bench.dll images

DATA_DIR="${TIDEGATE_DATA_DIR:-$TIDEGATE_ROOT/data}"
mkdir -p "$DATA_DIR"
URLS="${TIDEGATE_URLS:-http://127.0.0.1:8080}"
# The demo-maint stack's file observer watches /var/lib/tidegate/demo-maint/maintenance.flag: file observers only look
# below directories the admin allows (none by default), so allow that one, unless the caller chose roots already.
export TIDEGATE_Observers__FileRoots__0="${TIDEGATE_Observers__FileRoots__0:-/var/lib/tidegate/demo-maint}"
log "starting tidegate serve on $URLS (data: $DATA_DIR); Ctrl-C stops it"
exec dotnet src/Tidegate.Cli/bin/Release/net10.0/tidegate.dll serve --urls "$URLS" --data-dir "$DATA_DIR" \
  --catalog-dir "$TIDEGATE_ROOT/demo/catalog" --web-root "$TIDEGATE_ROOT/src/Tidegate.Server/wwwroot"
