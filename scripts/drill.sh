#!/usr/bin/env bash
# The long drill (issue #20): e2e/drill.e2e-spec.ts with longer normal running between faults and a
# higher feed rate, on private Kafka, Cassandra and Redis that it starts and kills itself. Writes its
# report (counts, recovery times per fault) to bench/results/drill-<UTC time>.json.
#   npm run drill                      # DRILL_STEADY_S=60 DRILL_RATE=12 by default
#   DRILL_STEADY_S=20 npm run drill
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false OTEL_SDK_DISABLED="${OTEL_SDK_DISABLED:-true}"
export DRILL_STEADY_S="${DRILL_STEADY_S:-60}" DRILL_RATE="${DRILL_RATE:-12}"
export DRILL_REPORT="${DRILL_REPORT:-bench/results/drill-$(date -u +%Y%m%dT%H%M%SZ).json}"
bash deploy/local/infra.sh up   # jest's global setup checks the shared servers; the drill itself uses private ones
npx jest --ci --selectProjects e2e --testPathPatterns e2e/drill.e2e-spec.ts
echo "drill report: $DRILL_REPORT"
