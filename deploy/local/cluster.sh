#!/usr/bin/env bash
# `infra.sh --nodes N ...`: an N-node Kafka (KRaft, every node broker + controller) and an N-node
# Cassandra on the loopback addresses 127.0.0.2 .. 127.0.0.(N+1), the way ccm lays out a local
# cluster, so the usual ports (9092/9093, 9042/7000) do not collide with the single node on
# 127.0.0.1. Local JMX always listens on 127.0.0.1: node n uses 7000 + 100 n (7100, 7200, 7300).
# Each node is one run of infra.sh with its own state dir under $VIGIL_CLUSTER_DIR (default
# <repo>/.infra/cluster-N) and that node's addresses; processes are signalled by pid only, as there.
#
#   infra.sh --nodes 3 up     [kafka|cassandra|kafka-2|cassandra-3 ...]   start, wait until each answers
#   infra.sh --nodes 3 down|stop|kill|status|pid|reset [same]
#   infra.sh --nodes 3 env    the apps' settings for this cluster (brokers, contact points, RF 3, LOCAL_QUORUM)
#
# Redis is not clustered here: use the single one (or a private one) beside the cluster.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
INFRA="$SCRIPT_DIR/infra.sh"

N="$1"
shift
((N >= 2 && N <= 9)) || { echo "[cluster] ERROR: --nodes takes 1..9" >&2; exit 64; }
CMD="${1:-}"
[[ -n "$CMD" ]] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }
shift

CLUSTER_DIR="${VIGIL_CLUSTER_DIR:-$REPO_ROOT/.infra/cluster-$N}"
mkdir -p "$CLUSTER_DIR"
CLUSTER_DIR="$(cd "$CLUSTER_DIR" && pwd)"
# The jars: the single node's cache (read only), so a cluster does not download them again.
export VIGIL_INFRA_CACHE="${VIGIL_INFRA_CACHE:-${VIGIL_INFRA_DIR:-$REPO_ROOT/.infra}/cache}"
KAFKA_PORT="${CLUSTER_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${CLUSTER_KAFKA_CONTROLLER_PORT:-9093}"
CASSANDRA_PORT="${CLUSTER_CASSANDRA_PORT:-9042}"
CASSANDRA_STORAGE_PORT="${CLUSTER_CASSANDRA_STORAGE_PORT:-7000}"
# Small heaps: 3 x (Kafka + Cassandra) beside the shared servers on a 24 GiB, 2-core machine.
KAFKA_HEAP="${CLUSTER_KAFKA_HEAP_OPTS:--Xms256m -Xmx384m}"
CASSANDRA_HEAP="${CLUSTER_CASSANDRA_HEAP_OPTS:--Xms512m -Xmx768m}"
REPLICATION="$((N < 3 ? N : 3))"
MIN_ISR="$((REPLICATION > 1 ? REPLICATION - 1 : 1))"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

host_of() { echo "127.0.0.$(($1 + 1))"; }
join() { local IFS=,; echo "$*"; }
voters() { local i out=(); for ((i = 1; i <= N; i++)); do out+=("$i@$(host_of "$i"):$KAFKA_CONTROLLER_PORT"); done; join "${out[@]}"; }
brokers() { local i out=(); for ((i = 1; i <= N; i++)); do out+=("$(host_of "$i"):$KAFKA_PORT"); done; join "${out[@]}"; }
contacts() { local i out=(); for ((i = 1; i <= N; i++)); do out+=("$(host_of "$i"):$CASSANDRA_PORT"); done; join "${out[@]}"; }
# Evenly spaced Murmur3 tokens (one per node): -2^63 + (i-1) * 2^64 / N.
token_of() { node -e "console.log((-(2n ** 63n) + BigInt($1 - 1) * (2n ** 64n / BigInt($N))).toString())"; }

# One Kafka cluster id for every node (stored once: a restarted node must format with the same one).
cluster_id() {
  local f="$CLUSTER_DIR/kafka.cluster-id"
  if [[ ! -s "$f" ]]; then
    head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | sed 's/^-/A/' >"$f"
  fi
  cat "$f"
}

# node_run <server> <i> <infra.sh args...>: infra.sh for one node, with that node's settings.
node_run() {
  local server="$1" i="$2" host
  shift 2
  host="$(host_of "$i")"
  case "$server" in
    kafka)
      VIGIL_INFRA_DIR="$CLUSTER_DIR/kafka-$i" KAFKA_HOST="$host" KAFKA_PORT="$KAFKA_PORT" \
        KAFKA_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT" KAFKA_NODE_ID="$i" KAFKA_VOTERS="$(voters)" \
        KAFKA_REPLICATION="$REPLICATION" KAFKA_MIN_ISR="$MIN_ISR" KAFKA_CLUSTER_ID="$CLUSTER_ID" \
        KAFKA_HEAP_OPTS="$KAFKA_HEAP" bash "$INFRA" "$@" kafka
      ;;
    cassandra)
      VIGIL_INFRA_DIR="$CLUSTER_DIR/cassandra-$i" CASSANDRA_HOST="$host" CASSANDRA_PORT="$CASSANDRA_PORT" \
        CASSANDRA_STORAGE_PORT="$CASSANDRA_STORAGE_PORT" CASSANDRA_JMX_PORT="$((7000 + 100 * i))" \
        CASSANDRA_SEEDS="$(host_of 1):$CASSANDRA_STORAGE_PORT" CASSANDRA_TOKEN="$(token_of "$i")" \
        CASSANDRA_HINTS=true CASSANDRA_UNSAFE_SYSTEM=false CASSANDRA_HEAP_OPTS="$CASSANDRA_HEAP" bash "$INFRA" "$@" cassandra
      ;;
  esac
}

# Once, before any node runs (the nodes start in parallel).
CLUSTER_ID="$(cluster_id)"

# Targets: "kafka" = every Kafka node, "kafka-2" = node 2 only; default both servers, every node.
TARGETS=()
[[ $# -gt 0 ]] || set -- kafka cassandra
for t in "$@"; do
  case "$t" in
    kafka | cassandra) for ((i = 1; i <= N; i++)); do TARGETS+=("$t-$i"); done ;;
    kafka-[1-9] | cassandra-[1-9]) ((${t##*-} <= N)) || die "$t: only $N nodes"; TARGETS+=("$t") ;;
    *) die "unknown target '$t' (kafka, cassandra, kafka-<n>, cassandra-<n>)" ;;
  esac
done

# Starts the given nodes in parallel and waits for all; fails if any did not come up.
up_parallel() {
  local t pids=() failed=0 p
  for t in "$@"; do
    node_run "${t%-*}" "${t##*-}" up 2>&1 | sed "s/^\[infra\]/[$t]/" >&2 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  return "$failed"
}

cmd_up() {
  local t kafka=() cass=() seed=""
  for t in "${TARGETS[@]}"; do
    if [[ "$t" == kafka-* ]]; then kafka+=("$t"); else cass+=("$t"); fi
  done
  # Cassandra: the seed first when it is asked for and not running (a fresh ring forms around it),
  # then the others together. Kafka: every node together (a controller needs a quorum to elect).
  for t in "${cass[@]}"; do
    if [[ "$t" == cassandra-1 && -z "$(node_run cassandra 1 pid 2>/dev/null || true)" && ${#cass[@]} -gt 1 ]]; then seed="$t"; fi
  done
  if [[ -n "$seed" ]]; then
    up_parallel "$seed" "${kafka[@]}" || die "the seed or a Kafka node did not come up"
    cass=("${cass[@]/$seed/}")
    local rest=() c
    for c in "${cass[@]}"; do [[ -n "$c" ]] && rest+=("$c"); done
    [[ ${#rest[@]} -eq 0 ]] || up_parallel "${rest[@]}" || die "a Cassandra node did not come up"
  else
    up_parallel "${kafka[@]}" "${cass[@]}" || die "not every node came up"
  fi
  log "up: ${TARGETS[*]} (state $CLUSTER_DIR)"
}

cmd_env() {
  echo "KAFKA_BROKERS=$(brokers)"
  echo "KAFKA_REPLICATION_FACTOR=$REPLICATION"
  echo "CASSANDRA_CONTACT_POINTS=$(contacts)"
  echo "CASSANDRA_LOCAL_DC=datacenter1"
  echo "CASSANDRA_REPLICATION={\"class\":\"NetworkTopologyStrategy\",\"datacenter1\":$REPLICATION}"
  echo "CASSANDRA_READ_CONSISTENCY=LOCAL_QUORUM"
  echo "CASSANDRA_WRITE_CONSISTENCY=LOCAL_QUORUM"
}

case "$CMD" in
  up) cmd_up ;;
  env) cmd_env ;;
  status)
    down=0
    for t in "${TARGETS[@]}"; do node_run "${t%-*}" "${t##*-}" status 2>/dev/null | head -n1 | sed "s/^[a-z]* /$t /" || down=1; done
    echo "cluster state dir: $CLUSTER_DIR"
    exit "$down"
    ;;
  pid)
    [[ ${#TARGETS[@]} == 1 ]] || die "pid takes one node (kafka-<n> or cassandra-<n>)"
    node_run "${TARGETS[0]%-*}" "${TARGETS[0]##*-}" pid
    ;;
  down | stop | kill | reset)
    for t in "${TARGETS[@]}"; do node_run "${t%-*}" "${t##*-}" "$CMD" 2>&1 | sed "s/^\[infra\]/[$t]/" >&2; done
    [[ "$CMD" != reset || " $* " != *" kafka "* ]] || rm -f "$CLUSTER_DIR/kafka.cluster-id"
    ;;
  logs)
    [[ ${#TARGETS[@]} == 1 ]] || die "logs takes one node"
    t="${TARGETS[0]}"
    exec tail -n "${LOG_LINES:-100}" "$CLUSTER_DIR/$t/logs/${t%-*}.log"
    ;;
  *) die "unknown command '$CMD' (up, down, stop, kill, status, pid, env, logs, reset)" ;;
esac
