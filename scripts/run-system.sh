#!/usr/bin/env bash
# `npm start`: the whole system on one machine. Servers (Kafka, Cassandra, Redis), migrations, every
# service, the dashboard, and the simulator feeding a demo cohort. Ctrl-C (or SIGTERM to npm) stops
# what this started.
#
#   bash scripts/run-system.sh restart <service>   from another terminal: stop one service (SIGTERM:
#                                                  it drains), start it again, wait until it is ready;
#                                                  the Ctrl-C of `npm start` then stops the new one
#   bash scripts/run-system.sh stop                stop the simulator and every service it recorded
#   VIGIL_OIDC=1 npm start                         provider mode: also Keycloak; care-api (dashboard, FHIR
#                                                  reads) and ingest-api (patient app, FHIR writes) verify
#                                                  only Keycloak's tokens; the dashboard signs in there; no
#                                                  simulator (README "Sign-in": its patients have no accounts)
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false OTEL_SDK_DISABLED="${OTEL_SDK_DISABLED:-true}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
# Local only: the services accept tokens signed with the committed dev secret (npm run mint-token).
# Without this (or a configured AUTH_JWKS_URL / AUTH_PUBLIC_KEY) they refuse to start.
export AUTH_DEV_MODE="${AUTH_DEV_MODE:-true}"
LOG_DIR="${VIGIL_LOG_DIR:-tmp/run}"
mkdir -p "$LOG_DIR"
# shellcheck source=lib/service-pids.sh
source scripts/lib/service-pids.sh
# One line per process this script started: `<name> <pid> <start time>` (lib/service-pids.sh): a stop
# signals only a recorded pid whose process has the recorded start time, never a reused pid.
SERVICE_PIDS="$LOG_DIR/services.pids"
SIMULATOR_PID="$LOG_DIR/simulator.pids"

SERVICES=(ingest-api care-api timeseries-writer risk-scorer)
service_port() {
  case "$1" in ingest-api) echo 3000 ;; care-api) echo 3001 ;; timeseries-writer) echo 3002 ;; risk-scorer) echo 3003 ;;
    *) echo "unknown service '$1' (${SERVICES[*]})" >&2; return 1 ;; esac
}

wait_ready() { # name port
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$2/health/ready" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "$1 did not become ready; last log lines:"; tail -n 30 "$LOG_DIR/$1.log"; exit 1
}

# Provider mode (VIGIL_OIDC=1): the services that verify user tokens (care-api: dashboard, FHIR
# reads by partners; ingest-api: the patient app, FHIR writes) trust only the local Keycloak realm.
# The mode is recorded so that `restart <service>` from another terminal starts it the same way.
KEYCLOAK_ISSUER="http://127.0.0.1:${KEYCLOAK_PORT:-8180}/realms/vigil"
MODE_FILE="$LOG_DIR/auth-mode"
provider_mode() { [[ "${VIGIL_OIDC:-0}" == 1 || ("${1:-}" == recorded && "$(cat "$MODE_FILE" 2>/dev/null)" == provider) ]]; }
provider_env() { # service [recorded]
  provider_mode "${2:-}" || return 0
  case "$1" in care-api | ingest-api) ;; *) return 0 ;; esac
  echo AUTH_DEV_MODE=false AUTH_JWKS_URL="$KEYCLOAK_ISSUER/protocol/openid-connect/certs" AUTH_ISSUER="$KEYCLOAK_ISSUER" \
    AUTH_AUDIENCE=vigil AUTH_CLAIM_ORG=org AUTH_CLAIM_TEAMS=teams AUTH_CLAIM_ROLE=roles
  [[ "$1" == care-api ]] || return 0
  echo DASHBOARD_OIDC_ISSUER="$KEYCLOAK_ISSUER" CURSOR_SIGNING_KEYS="${CURSOR_SIGNING_KEYS:-local-provider-mode-cursor-key-0123456789}"
}

start() { # name [setsid] [recorded]: started in the background, recorded
  local port extra detach=()
  port=$(service_port "$1")
  echo "   $1 on :$port (log: $LOG_DIR/$1.log)"
  # Not this shell's child with setsid: it keeps running after `restart` returns.
  [[ "${2:-}" == setsid ]] && detach=(setsid)
  read -r -a extra <<<"$(provider_env "$1" "${3:-}" | tr '\n' ' ')"
  svc_start "$SERVICE_PIDS" "$1" "$LOG_DIR/$1.log" "${detach[@]}" env PORT="$port" "${extra[@]}" node -r ./tools/register.js "apps/$1/src/main.ts"
}

# The simulator first (its requests in flight finish while the services still answer; a second
# signal after 10 s makes it quit at once), then the services, which drain and commit.
stop_children() {
  local sim
  sim=$(svc_live_pid "$SIMULATOR_PID" simulator 2>/dev/null || true)
  if [ -n "$sim" ] && kill -TERM "$sim" 2>/dev/null; then
    for _ in $(seq 1 20); do [ -n "$(svc_live_pid "$SIMULATOR_PID" simulator)" ] || break; sleep 0.5; done
    svc_signal_all "$SIMULATOR_PID" TERM
  fi
  echo "== stopping services (servers keep running: bash deploy/local/infra.sh down)"
  svc_stop_all "$SERVICE_PIDS"
}

case "${1:-}" in
  restart)
    name="${2:?usage: run-system.sh restart <service> (${SERVICES[*]})}"
    port=$(service_port "$name")
    [ -f "$SERVICE_PIDS" ] || : >"$SERVICE_PIDS"
    echo "== restarting $name"
    svc_stop "$SERVICE_PIDS" "$name"
    start "$name" setsid recorded
    wait_ready "$name" "$port"
    echo "   $name ready again (pid $(svc_pid "$SERVICE_PIDS" "$name"))"
    exit 0 ;;
  stop)
    [ -f "$SERVICE_PIDS" ] && stop_children
    exit 0 ;;
  "") ;;
  *) echo "usage: run-system.sh [restart <service> | stop]" >&2; exit 2 ;;
esac

if provider_mode; then bash deploy/local/infra.sh up kafka cassandra redis keycloak; else bash deploy/local/infra.sh up; fi

echo "== migrations"
npm run --silent migrate

echo "== dashboard"
npm run --silent build:dashboard >"$LOG_DIR/dashboard-build.log" 2>&1 || {
  echo "dashboard build failed; see $LOG_DIR/dashboard-build.log"; exit 1; }

# The pids of what this script starts, in files: the reaper below is no parent of theirs.
: >"$SERVICE_PIDS"
: >"$SIMULATOR_PID"
if provider_mode; then echo provider >"$MODE_FILE"; else echo dev-tokens >"$MODE_FILE"; fi
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

echo "== services"
for s in "${SERVICES[@]}"; do start "$s"; done
for s in "${SERVICES[@]}"; do wait_ready "$s" "$(service_port "$s")"; done

if provider_mode; then
  cat <<MSG

Vigil is running in provider mode (Keycloak $KEYCLOAK_ISSUER; its admin console: admin / admin).
  dashboard   http://127.0.0.1:3001/dashboard/   "Sign in with your organisation": nurse / nurse-demo or admin / admin-demo
  ingest API  http://127.0.0.1:3000/docs         patient tokens of the realm's vigil-patient-app client only
  care API    http://127.0.0.1:3001/docs         partner tokens: client credentials of vigil-partner (README "Sign-in")

No simulator in this mode: its synthetic patients have no accounts at the provider (README "Sign-in").
Ctrl-C (or: bash scripts/run-system.sh stop) stops the services.
MSG
  # Until a signal (the trap stops the services) or `run-system.sh stop` from another terminal has
  # stopped them all (a `restart` of one leaves the others: keep waiting).
  while [ "$(svc_live_count "$SERVICE_PIDS")" -gt 0 ]; do sleep 1; done
  echo "services stopped"
  exit 0
fi

TOKEN=$(node -r ./tools/register.js tools/mint-token.ts --role care-manager --sub nurse-demo --org org-demo --teams team-a,team-b --ttl 12h)
cat <<MSG

Vigil is running.
  dashboard   http://127.0.0.1:3001/dashboard/   (opens on the worklist, fed by the simulator; paste the token below)
  ingest API  http://127.0.0.1:3000/docs
  care API    http://127.0.0.1:3001/docs

care-manager token for teams team-a and team-b of org-demo:
$TOKEN

== simulator (Ctrl-C stops everything)
MSG
# Not `node ... | tee`: $! would be tee's pid and a stop would leave the simulator running.
node -r ./tools/register.js apps/simulator/src/main.ts > >(tee "$LOG_DIR/simulator.log") 2>&1 &
sim_pid=$!
svc_record "$SIMULATOR_PID" simulator "$sim_pid"
wait "$sim_pid"
