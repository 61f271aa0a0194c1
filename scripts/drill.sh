#!/usr/bin/env bash
# The long drill (issue #20): e2e/drill.e2e-spec.ts with longer normal running between faults and a
# higher feed rate, on private Kafka, Cassandra and Redis that it starts and kills itself. Writes its
# report (counts, recovery times per fault) to bench/results/drill-<UTC time>.json.
#   npm run drill                      # DRILL_STEADY_S=60 DRILL_RATE=12 by default
#   DRILL_STEADY_S=20 npm run drill
#   npm run drill -- --nodes 3         # against `infra.sh --nodes 3` (started if needed; left running),
#                                      # two instances of every service; report bench/results/drill-3-nodes.{json,md}
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) NODES="${2:?--nodes needs a number}"; shift 2 ;;
    *) echo "usage: npm run drill [-- --nodes N]" >&2; exit 64 ;;
  esac
done
export NX_DAEMON=false OTEL_SDK_DISABLED="${OTEL_SDK_DISABLED:-true}"
export DRILL_STEADY_S="${DRILL_STEADY_S:-60}" DRILL_RATE="${DRILL_RATE:-12}" DRILL_NODES="$NODES"
if [[ "$NODES" == 1 ]]; then
  export DRILL_REPORT="${DRILL_REPORT:-bench/results/drill-$(date -u +%Y%m%dT%H%M%SZ).json}"
else
  export DRILL_REPORT="${DRILL_REPORT:-bench/results/drill-$NODES-nodes.json}"
  bash deploy/local/infra.sh --nodes "$NODES" up kafka cassandra
fi
bash deploy/local/infra.sh up   # jest's global setup checks the shared servers; the drill itself uses private ones
npx jest --ci --selectProjects e2e --testPathPatterns e2e/drill.e2e-spec.ts
echo "drill report: $DRILL_REPORT"
