#!/usr/bin/env bash
# Runs every test: unit tests and integration tests against a real Docker engine and a real local
# registry. Installs what the tests need from Debian packages and starts dockerd if none answers
# (and stops it again at the end). A missing engine is a failure, never a skip.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$TIDEGATE_ROOT"

ensure_dotnet
ensure_packages ca-certificates curl git docker.io busybox-static docker-registry apache2-utils socat openssh-server openssh-client openssl chromium postgresql haproxy
ensure_node
ensure_dockerd
trap stop_started_dockerd EXIT

# The web UI first: the end-to-end tests (tests/Tidegate.Ui.Tests) drive it in headless chromium.
build_ui
log "building (warnings are errors)"
dotnet build Tidegate.slnx -c Release -nologo -v quiet

RESULTS="$TIDEGATE_ROOT/artifacts/test-results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
log "running tests (results: $RESULTS)"
status=0
dotnet test Tidegate.slnx -c Release --no-build -nologo \
  --logger "trx" --results-directory "$RESULTS" \
  --logger "console;verbosity=minimal" || status=$?

log "running the web UI's component tests (Vitest)"
(cd ui && VITEST_JUNIT="$RESULTS/ui-vitest.junit.xml" npx vitest run) || status=$?

# One plain closing line for CI, summed over every test project's TRX file and the UI's JUnit file.
python3 - "$RESULTS" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
files = glob.glob(sys.argv[1] + "/*.trx")
aborted = 0
for f in files:
    summary = ET.parse(f).getroot().find("t:ResultSummary", ns)
    if summary.get("outcome") in ("Aborted", "Error"):
        aborted += 1
    c = summary.find("t:Counters", ns)
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
for f in glob.glob(sys.argv[1] + "/*.junit.xml"):
    root = ET.parse(f).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for s in suites:
        total = int(s.get("tests", 0)); bad = int(s.get("failures", 0)) + int(s.get("errors", 0)); skip = int(s.get("skipped", 0))
        passed += total - bad - skip; failed += bad; skipped += skip
if aborted:
    print(f"{aborted} test run(s) aborted before finishing (see above)")
    failed += aborted
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
