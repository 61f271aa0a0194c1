#!/usr/bin/env bash
# `npm run bench [engine|ingest|writer|replay|e2e|scorer-state|fhir|worklist ...]`: the benchmarks of DESIGN.md "Bars". Each prints
# a table and writes JSON to bench/results/ (the engine's to libs/risk-engine/bench/results/), every
# figure beside a baseline measured in the same run. Medians; the machine is noisy, so read ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export OTEL_SDK_DISABLED="${OTEL_SDK_DISABLED:-true}" NX_DAEMON=false
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(engine scorer-state ingest writer replay e2e fhir worklist)
# engine and scorer-state are in-process (no servers)
needs_servers=false
for b in "${which[@]}"; do case "$b" in engine|scorer-state) ;; *) needs_servers=true ;; esac; done
[ "$needs_servers" = false ] || bash deploy/local/infra.sh up
for b in "${which[@]}"; do
  echo "== bench: $b"
  case "$b" in
    engine) node -r ./tools/register.js libs/risk-engine/bench/engine.bench.ts ;;
    ingest) node -r ./tools/register.js bench/ingest.bench.ts ;;
    writer) node -r ./tools/register.js bench/writer.bench.ts ;;
    replay) node --max-semi-space-size=64 -r ./tools/register.js bench/replay.bench.ts ;;
    e2e) node -r ./tools/register.js bench/e2e.bench.ts ;;
    scorer-state) node -r ./tools/register.js bench/scorer-state.bench.ts ;;
    fhir) node -r ./tools/register.js bench/fhir.bench.ts ;;
    worklist) node -r ./tools/register.js bench/worklist.bench.ts ;;
    *) echo "unknown benchmark $b (engine, scorer-state, ingest, writer, replay, e2e, fhir, worklist)"; exit 2 ;;
  esac
done
