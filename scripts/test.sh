#!/usr/bin/env bash
# `npm test`: every test, against a real Kafka broker. Starts the local broker
# when none answers (and stops it afterwards); uses a running one as it is.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=0
if ! node scripts/kafka-wait.mjs --timeout-ms 2000 --quiet 2>/dev/null; then
  echo "==> no Kafka broker answers on ${WEIR_TEST_BROKERS:-127.0.0.1:9092}: starting the local one (npm run kafka:start)"
  bash scripts/kafka-start.sh
  started=1
fi
stop() {
  local rc=$?
  if [ "$started" = 1 ]; then bash scripts/kafka-stop.sh || true; fi
  exit "$rc"
}
trap stop EXIT

# Besides vitest's own report, a JSON report gives the plain closing line
# "N passed, N failed" that CI tools read.
mkdir -p test/.tmp
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=test/.tmp/results.json "$@"
rc=$?
set -e
node -e '
  const r = JSON.parse(require("fs").readFileSync("test/.tmp/results.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit "$rc"
