#!/usr/bin/env bash
# `npm start`: the whole system on one machine. Servers (Kafka, Cassandra, Redis), migrations, every
# service, the dashboard, and the simulator feeding a demo cohort. Ctrl-C (or SIGTERM to npm) stops
# what this started.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false OTEL_SDK_DISABLED="${OTEL_SDK_DISABLED:-true}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
# Local only: the services accept tokens signed with the committed dev secret (npm run mint-token).
# Without this (or a configured AUTH_JWKS_URL / AUTH_PUBLIC_KEY) they refuse to start.
export AUTH_DEV_MODE="${AUTH_DEV_MODE:-true}"
LOG_DIR="${VIGIL_LOG_DIR:-tmp/run}"
mkdir -p "$LOG_DIR"

bash deploy/local/infra.sh up

echo "== migrations"
npm run --silent migrate

echo "== dashboard"
npm run --silent build:dashboard >"$LOG_DIR/dashboard-build.log" 2>&1 || {
  echo "dashboard build failed; see $LOG_DIR/dashboard-build.log"; exit 1; }

# The pids of what this script starts, in files: the reaper below is no parent of theirs.
SERVICE_PIDS="$LOG_DIR/services.pids"
SIMULATOR_PID="$LOG_DIR/simulator.pid"
: >"$SERVICE_PIDS"
: >"$SIMULATOR_PID"
# The simulator first (its requests in flight finish while the services still answer; a second
# signal after 10 s makes it quit at once), then the services, which drain and commit.
stop_children() {
  local sim
  sim=$(cat "$SIMULATOR_PID")
  if [ -n "$sim" ] && kill -TERM "$sim" 2>/dev/null; then
    for _ in $(seq 1 20); do kill -0 "$sim" 2>/dev/null || break; sleep 0.5; done
    kill -TERM "$sim" 2>/dev/null || true
  fi
  echo "== stopping services (servers keep running: bash deploy/local/infra.sh down)"
  xargs -r kill -TERM <"$SERVICE_PIDS" 2>/dev/null || true
}
watchdog=
reaper=
cleanup() {
  trap - EXIT INT TERM
  [ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
  [ -n "$reaper" ] && kill "$reaper" 2>/dev/null
  echo
  stop_children
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
script=$$
# npm does not pass SIGTERM on to this script: stop too when the process that started us is gone.
starter=$PPID
( while kill -0 "$starter" 2>/dev/null && kill -0 "$script" 2>/dev/null; do sleep 1; done; kill -TERM "$script" 2>/dev/null ) &
watchdog=$!
# A SIGKILL (or the OOM killer) runs no trap: then this stops what the script started, in the same order.
( trap '' INT; while kill -0 "$script" 2>/dev/null; do sleep 1; done; stop_children >/dev/null ) &
reaper=$!

start() { # name main.ts port
  echo "   $1 on :$3 (log: $LOG_DIR/$1.log)"
  PORT="$3" node -r ./tools/register.js "$2" >"$LOG_DIR/$1.log" 2>&1 &
  echo $! >>"$SERVICE_PIDS"
}

wait_ready() { # name port
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$2/health/ready" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "$1 did not become ready; last log lines:"; tail -n 30 "$LOG_DIR/$1.log"; exit 1
}

echo "== services"
start ingest-api apps/ingest-api/src/main.ts 3000
start care-api apps/care-api/src/main.ts 3001
start timeseries-writer apps/timeseries-writer/src/main.ts 3002
start risk-scorer apps/risk-scorer/src/main.ts 3003
wait_ready ingest-api 3000
wait_ready care-api 3001
wait_ready timeseries-writer 3002
wait_ready risk-scorer 3003

TOKEN=$(node -r ./tools/register.js tools/mint-token.ts --role care-manager --sub nurse-demo --org org-demo --teams team-a,team-b --ttl 12h)
cat <<MSG

Vigil is running.
  dashboard   http://127.0.0.1:3001/dashboard/   (paste the token below)
  ingest API  http://127.0.0.1:3000/docs
  care API    http://127.0.0.1:3001/docs

care-manager token for teams team-a and team-b of org-demo:
$TOKEN

== simulator (Ctrl-C stops everything)
MSG
# Not `node ... | tee`: $! would be tee's pid and a stop would leave the simulator running.
node -r ./tools/register.js apps/simulator/src/main.ts > >(tee "$LOG_DIR/simulator.log") 2>&1 &
sim_pid=$!
echo "$sim_pid" >"$SIMULATOR_PID"
wait "$sim_pid"
