#!/usr/bin/env bash
# Vigil local infrastructure without Docker: real Apache Kafka (KRaft) and Apache Cassandra from the
# official jars on Maven Central, started with `java`, plus Redis (the machine's, or redis-server),
# and when asked for, Keycloak (the OpenID Connect provider: its official distribution, Maven Central).
#
#   deploy/local/infra.sh up     [kafka|cassandra|redis|keycloak ...]  start (idempotent), wait until each answers
#   deploy/local/infra.sh down   [servers]   graceful stop of what THIS state dir started (SIGTERM, 60 s, SIGKILL)
#   deploy/local/infra.sh stop   [servers]   fast stop: SIGTERM, wait ${STOP_GRACE:-10} s, then SIGKILL
#   deploy/local/infra.sh kill   [servers]   SIGKILL at once (fault tests); data stays, `up` restarts on it
#   deploy/local/infra.sh status [servers]   up/down, pid, ports (exit 1 if any selected server is down)
#   deploy/local/infra.sh logs   [-f] [server]  tail the server logs (-f follows)
#   deploy/local/infra.sh reset  [servers]   down + wipe data and logs (the jar cache is kept)
#   deploy/local/infra.sh fetch  [kafka|cassandra|keycloak]  only download the jars into the cache
#   deploy/local/infra.sh env    print the app env vars (KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS, REDIS_URL)
#   deploy/local/infra.sh pid    <server>    print the pid of a managed server (empty + exit 1 if none)
#
#   deploy/local/infra.sh --nodes 3 up|down|stop|kill|status|pid|env|logs|reset [kafka|cassandra|kafka-2 ...]
#                        a 3-node Kafka + Cassandra cluster on 127.0.0.2-4 (deploy/local/cluster.sh)
# No server list: up/fetch = kafka, cassandra, redis (+ keycloak with VIGIL_KEYCLOAK=1); down, stop, kill,
# reset and status = all four (status: Keycloak down does not fail it unless asked for).
# See deploy/local/README.md for env vars and a second private instance.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

# `--nodes N` (N > 1): a Kafka + Cassandra cluster on 127.0.0.2.. (deploy/local/cluster.sh, which
# runs this script once per node with that node's state dir and addresses).
for ((a = 1; a <= $#; a++)); do
  if [[ "${!a}" == --nodes ]]; then
    b=$((a + 1))
    n="${!b:-}"
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "[infra] ERROR: --nodes needs a number" >&2; exit 64; }
    rest=("${@:1:a-1}" "${@:b+1}")
    [[ "$n" == 1 ]] && set -- "${rest[@]}" && break
    exec bash "$SCRIPT_DIR/cluster.sh" "$n" "${rest[@]}"
  fi
done

VIGIL_INFRA_DIR="${VIGIL_INFRA_DIR:-$REPO_ROOT/.infra}"
mkdir -p "$VIGIL_INFRA_DIR"
VIGIL_INFRA_DIR="$(cd "$VIGIL_INFRA_DIR" && pwd)"
INSTANCE_ENV="$VIGIL_INFRA_DIR/instance.env"

# Ports: explicit env > what this state dir was last started with > defaults. So a fault test can
# run `VIGIL_INFRA_DIR=/tmp/x infra.sh kill kafka` / `up kafka` without repeating every port.
PORT_VARS=(KAFKA_PORT KAFKA_CONTROLLER_PORT CASSANDRA_PORT CASSANDRA_STORAGE_PORT CASSANDRA_JMX_PORT REDIS_PORT KEYCLOAK_PORT KEYCLOAK_MANAGEMENT_PORT
  KAFKA_HOST KAFKA_NODE_ID KAFKA_VOTERS KAFKA_REPLICATION KAFKA_MIN_ISR KAFKA_CLUSTER_ID CASSANDRA_HOST CASSANDRA_SEEDS CASSANDRA_TOKEN CASSANDRA_HINTS CASSANDRA_UNSAFE_SYSTEM)
if [[ -f "$INSTANCE_ENV" ]]; then
  while IFS='=' read -r k v; do
    [[ " ${PORT_VARS[*]} " == *" $k "* ]] || continue
    [[ -n "${!k:-}" ]] || printf -v "$k" '%s' "$v"
  done <"$INSTANCE_ENV"
fi
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
CASSANDRA_PORT="${CASSANDRA_PORT:-9042}"
CASSANDRA_STORAGE_PORT="${CASSANDRA_STORAGE_PORT:-7000}"
CASSANDRA_JMX_PORT="${CASSANDRA_JMX_PORT:-7199}"
REDIS_PORT="${REDIS_PORT:-6379}"
KEYCLOAK_PORT="${KEYCLOAK_PORT:-8180}"
KEYCLOAK_MANAGEMENT_PORT="${KEYCLOAK_MANAGEMENT_PORT:-9190}"
# One node of a cluster (set by cluster.sh); the defaults are the single node on 127.0.0.1.
KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_NODE_ID="${KAFKA_NODE_ID:-1}"
KAFKA_VOTERS="${KAFKA_VOTERS:-1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT}"
KAFKA_REPLICATION="${KAFKA_REPLICATION:-1}" # default and internal topics' replication factor
KAFKA_MIN_ISR="${KAFKA_MIN_ISR:-1}"
KAFKA_CLUSTER_ID="${KAFKA_CLUSTER_ID:-}"     # empty: a new one at the first format
CASSANDRA_HOST="${CASSANDRA_HOST:-127.0.0.1}"
CASSANDRA_SEEDS="${CASSANDRA_SEEDS:-$CASSANDRA_HOST:$CASSANDRA_STORAGE_PORT}"
CASSANDRA_TOKEN="${CASSANDRA_TOKEN:-0}"
CASSANDRA_HINTS="${CASSANDRA_HINTS:-false}" # a node of a cluster keeps hints for a peer that is down
# unsafesystem (no commitlog for the system keyspaces) starts a test node faster, but a SIGKILLed node
# then forgets recently created keyspaces and tables: a cluster node (killed in the drill) runs without it.
CASSANDRA_UNSAFE_SYSTEM="${CASSANDRA_UNSAFE_SYSTEM:-true}"

VIGIL_INFRA_CACHE="${VIGIL_INFRA_CACHE:-$VIGIL_INFRA_DIR/cache}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
CASSANDRA_HEAP_OPTS="${CASSANDRA_HEAP_OPTS:--Xms512m -Xmx1g}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-180}"
CASSANDRA_START_TIMEOUT="${CASSANDRA_START_TIMEOUT:-180}"
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-30}"
KEYCLOAK_START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-300}"
KEYCLOAK_HEAP_OPTS="${KEYCLOAK_HEAP_OPTS:--Xms64m -Xmx512m}"
# The master realm's bootstrap admin (local only: the tests use it for the admin REST API).
KEYCLOAK_ADMIN_USER="${KEYCLOAK_ADMIN_USER:-admin}"
KEYCLOAK_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}"
KEYCLOAK_REALM_FILE="${KEYCLOAK_REALM_FILE:-$SCRIPT_DIR/keycloak/realm-vigil.json}"
DOWN_GRACE="${DOWN_GRACE:-60}"
STOP_GRACE="${STOP_GRACE:-10}"
KAFKA_EXTRA_OPTS="${KAFKA_EXTRA_OPTS:-}"         # extra JVM options for the Kafka JVM
CASSANDRA_EXTRA_OPTS="${CASSANDRA_EXTRA_OPTS:-}" # extra JVM options for the Cassandra JVM
VIGIL_MVN_ARGS="${VIGIL_MVN_ARGS:-}"   # extra mvn args, e.g. -Dmaven.repo.local=/tmp/m2

RUN_DIR="$VIGIL_INFRA_DIR/run"
LOG_DIR="$VIGIL_INFRA_DIR/logs"
DATA_DIR="$VIGIL_INFRA_DIR/data"
CONF_DIR="$VIGIL_INFRA_DIR/conf"
ALL_SERVERS=(kafka cassandra redis)
KNOWN_SERVERS=(kafka cassandra redis keycloak)
if [[ "${VIGIL_KEYCLOAK:-0}" == 1 ]]; then ALL_SERVERS+=(keycloak); fi

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

pom_prop() { sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$1" | head -n1; }
KAFKA_VERSION="$(pom_prop "$SCRIPT_DIR/pom-kafka.xml" kafka.version)"
CASSANDRA_VERSION="$(pom_prop "$SCRIPT_DIR/pom-cassandra.xml" cassandra.version)"
KEYCLOAK_VERSION="$(pom_prop "$SCRIPT_DIR/pom-keycloak.xml" keycloak.version)"

# ---------------------------------------------------------------------------------------------
# Java

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\(\.[0-9]*\)*.*".*/\1/p' | head -n1; }

# Cassandra 5.0 runs on Java 11 or 17 only (Java 24+ fails: no SecurityManager); Kafka 4 needs 17+.
find_java17() {
  local c
  for c in ${VIGIL_JAVA:-} ${JAVA_HOME:+$JAVA_HOME/bin/java} "$(command -v java || true)" /usr/lib/jvm/java-17-openjdk-*/bin/java /usr/lib/jvm/*17*/bin/java; do
    [[ -n "$c" && -x "$c" ]] || continue
    if [[ "$(java_major "$c")" == 17 ]]; then echo "$c"; return 0; fi
  done
  return 1
}
# Keycloak 26 needs Java 21+ (JDK 25 here); Cassandra's Java 17 is too old for it.
find_java21() {
  local c m
  for c in ${VIGIL_KEYCLOAK_JAVA:-} /usr/lib/jvm/temurin-25-jdk-*/bin/java /usr/lib/jvm/*25*/bin/java /usr/lib/jvm/*21*/bin/java ${JAVA_HOME:+$JAVA_HOME/bin/java} "$(command -v java || true)"; do
    [[ -n "$c" && -x "$c" ]] || continue
    m="$(java_major "$c")"
    if [[ "$m" =~ ^[0-9]+$ ]] && ((m >= 21)); then echo "$c"; return 0; fi
  done
  return 1
}
JAVA=""
need_java() {
  [[ -n "$JAVA" ]] && return 0
  JAVA="$(find_java17)" || die "no Java 17 found (set VIGIL_JAVA=/path/to/java17/bin/java); Cassandra 5.0 does not run on Java 24+"
}

# ---------------------------------------------------------------------------------------------
# Jars: one tiny pom per server, copied with maven-dependency-plugin into a shared, versioned cache.

lib_name() {
  case "$1" in
    kafka) echo "kafka-$KAFKA_VERSION" ;;
    cassandra) echo "cassandra-$CASSANDRA_VERSION" ;;
    keycloak) echo "keycloak-$KEYCLOAK_VERSION" ;;
  esac
}
pom_sum() { sha256sum "$SCRIPT_DIR/pom-$1.xml" | cut -c1-64; }
lib_complete() { [[ -f "$1/.complete" && "$(cat "$1/.complete")" == "$2" ]]; }

# The lib folder to run from: $VIGIL_INFRA_CACHE's if complete, else the repo's default cache
# (<repo>/.infra/cache) if that one is complete (so a private instance with its own VIGIL_INFRA_DIR
# does not download again), else $VIGIL_INFRA_CACHE's (to be fetched).
lib_dir() {
  local name sum c
  name="$(lib_name "$1")"
  sum="$(pom_sum "$1")"
  for c in "$VIGIL_INFRA_CACHE" "$REPO_ROOT/.infra/cache"; do
    lib_complete "$c/lib/$name" "$sum" && { echo "$c/lib/$name"; return 0; }
  done
  echo "$VIGIL_INFRA_CACHE/lib/$name"
}

fetch_jars() {
  local server="$1" pom="$SCRIPT_DIR/pom-$1.xml" dir sum
  sum="$(pom_sum "$server")"
  lib_complete "$(lib_dir "$server")" "$sum" && return 0
  dir="$VIGIL_INFRA_CACHE/lib/$(lib_name "$server")"
  mkdir -p "$VIGIL_INFRA_CACHE/lib"
  (
    # Another instance sharing the cache may be fetching right now: serialize, then re-check.
    flock 9
    lib_complete "$dir" "$sum" && exit 0
    command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven) to fetch the $server jars"
    t0="$(now)"
    tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    log "fetching $server jars from Maven Central into $dir ..."
    # shellcheck disable=SC2086
    if ! mvn -q -B $VIGIL_MVN_ARGS -f "$pom" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$VIGIL_INFRA_CACHE/lib/mvn-$server.log" 2>&1; then
      tail -n 40 "$VIGIL_INFRA_CACHE/lib/mvn-$server.log" >&2
      rm -rf "$tmp"
      die "maven could not fetch the $server jars (full log: $VIGIL_INFRA_CACHE/lib/mvn-$server.log)"
    fi
    if [[ "$server" == keycloak ]]; then
      # The distribution is one zip: unpack it into the folder (bin/kc.sh, lib/, conf/, ...).
      zip="$(find "$tmp" -maxdepth 1 -name 'keycloak-quarkus-dist-*.zip' | head -n1)"
      [[ -n "$zip" ]] || die "keycloak: no distribution zip in $tmp"
      unzip -q "$zip" -d "$tmp/unpacked" || die "keycloak: cannot unzip $zip (apt-get install unzip)"
      mv "$tmp/unpacked/keycloak-$KEYCLOAK_VERSION"/* "$tmp/"
      rm -rf "$tmp/unpacked" "$zip"
    fi
    echo "$sum" >"$tmp/.complete"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    log "fetched $server jars ($(find "$dir" -name '*.jar' | wc -l) jars, $(du -sh "$dir" | cut -f1)) in $(elapsed "$t0") s"
  ) 9>"$VIGIL_INFRA_CACHE/lib/.$server.lock"
}

# ---------------------------------------------------------------------------------------------
# Processes: one pid file per server in this state dir; only processes whose pid file says so
# (and whose command line carries this state dir) are ever signalled.

pid_file() { echo "$RUN_DIR/$1.pid"; }

# Alive = exists and is not a zombie waiting to be reaped.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ "$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

# Prints the pid if the server from this state dir is running, else nothing (and drops stale files).
managed_pid() {
  local f pid cmd
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid"; then
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    case "$1" in
      redis) # redis-server rewrites its argv (proc title) once it has moved to its --dir: until then
        # (and before spawn's bash has exec'd it) the command line still carries that --dir.
        local exe cwd
        exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
        cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null || true)"
        [[ ("$exe" == *redis* || "$exe" == *bash*) &&
          ("$cwd" == "$DATA_DIR/redis" || "$cmd" == *"--dir $DATA_DIR/redis"*) ]] && { echo "$pid"; return 0; } ;;
      keycloak) # kc.sh (bash) first runs a configuring JVM as its child, then execs the server's JVM:
        # until that exec the command line is kc.sh's; its environment names this state dir throughout.
        [[ "$cmd" == *"-Dvigil.infra.dir=$VIGIL_INFRA_DIR "* ]] && { echo "$pid"; return 0; }
        [[ "$cmd" == *"/kc.sh start-dev"* ]] && tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "VIGIL_INFRA_DIR_OWNER=$VIGIL_INFRA_DIR" &&
          { echo "$pid"; return 0; } ;;
      *) [[ "$cmd" == *"-Dvigil.infra.dir=$VIGIL_INFRA_DIR "* ]] && { echo "$pid"; return 0; } ;;
    esac
  fi
  rm -f "$f"
}

# Who listens on a TCP port on this machine (pid or "?"), empty when free. With a host, only a
# listener on that address (or on every address) counts: a cluster node on 127.0.0.2:9092 does not
# collide with the single node on 127.0.0.1:9092.
port_owner() {
  local host="${2:-}" line addr
  while IFS= read -r line; do
    addr="$(awk '{print $4}' <<<"$line")"
    addr="${addr%:*}"
    if [[ -z "$host" || "$addr" == "$host" || "$addr" == "[::ffff:$host]" || "$addr" == 0.0.0.0 || "$addr" == "*" || "$addr" == "[::]" ]]; then
      if [[ "$line" =~ pid=([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo "?"; fi
      return 0
    fi
  done < <(ss -ltnpH "sport = :$1" 2>/dev/null || true)
}

check_ports_free() { # check_ports_free <server> <host> <port>...
  local server="$1" host="$2" p owner
  shift 2
  for p in "$@"; do
    owner="$(port_owner "$p" "$host")"
    [[ -z "$owner" ]] && continue
    die "$server: port $p is already taken by pid $owner ($(tr '\0' ' ' <"/proc/$owner/cmdline" 2>/dev/null | cut -c1-120 || echo '?')); it is not this state dir's $server ($VIGIL_INFRA_DIR). Pick other ports (see deploy/local/README.md)."
  done
}

# Start a command detached (own session, survives this shell), pid written by the child itself.
spawn() {
  local server="$1" logfile="$2"
  shift 2
  mkdir -p "$RUN_DIR" "$(dirname "$logfile")"
  [[ -f "$logfile" ]] && mv -f "$logfile" "$logfile.1"
  local pf
  pf="$(pid_file "$server")"
  rm -f "$pf"
  # 7>&- 8>&-: the server must not inherit the Keycloak build lock or the `up` lock (it would hold
  # them for its whole life).
  # shellcheck disable=SC2016 # $$/$0/$@ are the child's
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" </dev/null >"$logfile" 2>&1 7>&- 8>&- &
  local i
  for i in $(seq 1 50); do [[ -s "$pf" ]] && break; sleep 0.1; done
  [[ -s "$pf" ]] || die "$server: could not start (no pid file)"
}

# signal_stop <server> <grace-seconds|0 for SIGKILL at once>
signal_stop() {
  local server="$1" grace="$2" pid t0 i
  pid="$(managed_pid "$server")"
  if [[ -z "$pid" ]]; then
    [[ "$server" == redis && -z "$(managed_pid redis)" ]] && redis_ping && { log "redis: 127.0.0.1:$REDIS_PORT is not started by this state dir: left alone"; return 0; }
    log "$server: not running"
    return 0
  fi
  t0="$(now)"
  # Keycloak: its session (setsid, pgid = pid) also holds kc.sh's configuring JVM during a first start.
  local target="$pid"
  if [[ "$server" == keycloak ]]; then target="-$pid"; fi
  if [[ "$grace" == 0 ]]; then
    kill -KILL -- "$target" 2>/dev/null || true
  else
    kill -TERM -- "$target" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      log "$server: still alive after ${grace}s, SIGKILL"
      kill -KILL -- "$target" 2>/dev/null || true
    fi
  fi
  for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.05; done
  alive "$pid" && die "$server: pid $pid does not die"
  rm -f "$(pid_file "$server")"
  log "$server: $([[ "$grace" == 0 ]] && echo killed || echo stopped) pid $pid in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------------------------------------
# Kafka

render() { # render <template> <out> VAR...
  local tpl="$1" out="$2" expr=() v
  shift 2
  for v in "$@"; do expr+=(-e "s|@$v@|${!v}|g"); done
  mkdir -p "$(dirname "$out")"
  sed "${expr[@]}" "$tpl" >"$out"
}

new_cluster_id() { # Kafka's Uuid.randomUuid().toString(): 16 random bytes, base64url, no padding, no leading '-'
  local id
  while :; do
    id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

start_kafka() {
  local lib KAFKA_DATA_DIR props cid
  lib="$(lib_dir kafka)"
  KAFKA_DATA_DIR="$DATA_DIR/kafka"
  props="$CONF_DIR/kafka/server.properties"
  check_ports_free kafka "$KAFKA_HOST" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  render "$SCRIPT_DIR/server.properties.template" "$props" KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_DATA_DIR \
    KAFKA_HOST KAFKA_NODE_ID KAFKA_VOTERS KAFKA_REPLICATION KAFKA_MIN_ISR
  mkdir -p "$KAFKA_DATA_DIR" "$LOG_DIR/kafka"
  if [[ ! -f "$KAFKA_DATA_DIR/meta.properties" ]]; then
    cid="${KAFKA_CLUSTER_ID:-$(new_cluster_id)}"
    log "kafka: formatting $KAFKA_DATA_DIR (cluster id $cid)"
    "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$SCRIPT_DIR/log4j2.properties" -cp "$lib/*" \
      kafka.tools.StorageTool format -t "$cid" -c "$props" --ignore-formatted >"$LOG_DIR/kafka-format.log" 2>&1 ||
      { cat "$LOG_DIR/kafka-format.log" >&2; die "kafka: storage format failed"; }
  fi
  # shellcheck disable=SC2086
  spawn kafka "$LOG_DIR/kafka.log" "$JAVA" -Dvigil.infra.dir="$VIGIL_INFRA_DIR" -Dvigil.server=kafka \
    $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$SCRIPT_DIR/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR/kafka" \
    $KAFKA_EXTRA_OPTS -cp "$lib/*" kafka.Kafka "$props"
}

# ---------------------------------------------------------------------------------------------
# Cassandra

start_cassandra() {
  local lib CASSANDRA_DATA_DIR yaml jamm tmp
  lib="$(lib_dir cassandra)"
  CASSANDRA_DATA_DIR="$DATA_DIR/cassandra"
  yaml="$CONF_DIR/cassandra/cassandra.yaml"
  tmp="$VIGIL_INFRA_DIR/tmp/cassandra"
  check_ports_free cassandra "$CASSANDRA_HOST" "$CASSANDRA_PORT" "$CASSANDRA_STORAGE_PORT"
  check_ports_free cassandra 127.0.0.1 "$CASSANDRA_JMX_PORT" # local JMX listens on 127.0.0.1 whatever the node's address
  render "$SCRIPT_DIR/cassandra.yaml.template" "$yaml" CASSANDRA_PORT CASSANDRA_STORAGE_PORT CASSANDRA_DATA_DIR \
    CASSANDRA_HOST CASSANDRA_SEEDS CASSANDRA_TOKEN CASSANDRA_HINTS
  mkdir -p "$CASSANDRA_DATA_DIR"/{data,commitlog,saved_caches,hints,cdc_raw,triggers} "$LOG_DIR/cassandra" "$tmp"
  # JNA and netty unpack native libraries into these dirs: they must be on an exec mount.
  [[ "$(findmnt -no OPTIONS -T "$tmp" 2>/dev/null || true)" == *noexec* ]] &&
    die "cassandra: $tmp is on a noexec mount; JNA cannot load from there (set VIGIL_INFRA_DIR elsewhere)"
  jamm="$(find "$lib" -maxdepth 1 -name 'jamm-*.jar' | head -n1)"
  [[ -n "$jamm" ]] || die "cassandra: jamm jar missing in $lib"
  # shellcheck disable=SC2086
  spawn cassandra "$LOG_DIR/cassandra.log" "$JAVA" -Dvigil.infra.dir="$VIGIL_INFRA_DIR" -Dvigil.server=cassandra \
    @"$SCRIPT_DIR/jvm17-cassandra.args" \
    $CASSANDRA_HEAP_OPTS -Xss256k -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxGCPauseMillis=300 \
    -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$LOG_DIR/cassandra" -XX:+ExitOnOutOfMemoryError \
    -XX:+PerfDisableSharedMem -Djava.net.preferIPv4Stack=true \
    -javaagent:"$jamm" \
    -Djna.tmpdir="$tmp" -Djava.io.tmpdir="$tmp" \
    -Dcassandra-foreground=yes \
    -Dcassandra.config="file://$yaml" \
    -Dcassandra.storagedir="$CASSANDRA_DATA_DIR" \
    -Dcassandra.triggers_dir="$CASSANDRA_DATA_DIR/triggers" \
    -Dcassandra.logdir="$LOG_DIR/cassandra" \
    -Dlogback.configurationFile="$SCRIPT_DIR/logback.xml" \
    -Dcassandra.jmx.local.port="$CASSANDRA_JMX_PORT" \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 \
    -Dcassandra.initial_token="$CASSANDRA_TOKEN" \
    -Dcassandra.unsafesystem="$CASSANDRA_UNSAFE_SYSTEM" \
    -Dcassandra.memtable_row_overhead_computation_step=100 \
    $CASSANDRA_EXTRA_OPTS -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon
}

# ---------------------------------------------------------------------------------------------
# Keycloak (dev mode: http on 127.0.0.1, H2 file database in this state dir, the repo's realm imported)

start_keycloak() {
  local lib kjava data
  lib="$(lib_dir keycloak)"
  data="$DATA_DIR/keycloak"
  kjava="$(find_java21)" || die "keycloak: no Java 21+ found (set VIGIL_KEYCLOAK_JAVA=/path/to/java21+/bin/java)"
  check_ports_free keycloak 127.0.0.1 "$KEYCLOAK_PORT" "$KEYCLOAK_MANAGEMENT_PORT"
  [[ -f "$KEYCLOAK_REALM_FILE" ]] || die "keycloak: realm file $KEYCLOAK_REALM_FILE not found"
  mkdir -p "$data" "$LOG_DIR/keycloak" "$VIGIL_INFRA_DIR/tmp/keycloak" "$lib/data/import"
  # kc.sh's first JVM may re-augment the distribution (rewrite lib/quarkus/, ~50 s on a first start):
  # two instances sharing the dist must not do that at once, nor one read it while the other writes.
  # So the build lock is held from the realm copy until this start is past that phase.
  local lock="$lib.build.lock" t0
  t0="$(now)"
  exec 7>"$lock"
  if ! flock -n 7; then
    log "keycloak: another start is configuring $lib, waiting for it ($lock) ..."
    flock -w "$KEYCLOAK_START_TIMEOUT" 7 || die "keycloak: $lock still held after $KEYCLOAK_START_TIMEOUT s"
    log "keycloak: got the build lock after $(elapsed "$t0") s"
  fi
  # --import-realm reads <keycloak home>/data/import only: the repo's realm is put there (atomically).
  # A realm already in this state dir's database is left as it is (`reset keycloak` re-imports).
  cp "$KEYCLOAK_REALM_FILE" "$lib/data/import/.realm.$$"
  mv -f "$lib/data/import/.realm.$$" "$lib/data/import/$(basename "$KEYCLOAK_REALM_FILE")"
  # Build-time options (--health-enabled) must be the same on every start, else kc.sh rebuilds (~50 s).
  spawn keycloak "$LOG_DIR/keycloak.log" env JAVA="$kjava" JAVA_HOME="$(dirname "$(dirname "$kjava")")" \
    VIGIL_INFRA_DIR_OWNER="$VIGIL_INFRA_DIR" \
    JAVA_OPTS_KC_HEAP="$KEYCLOAK_HEAP_OPTS" \
    JAVA_OPTS_APPEND="-Dvigil.infra.dir=$VIGIL_INFRA_DIR -Dvigil.server=keycloak -Djava.io.tmpdir=$VIGIL_INFRA_DIR/tmp/keycloak -Dquarkus.transaction-manager.object-store.directory=$data/transaction-logs" \
    KC_BOOTSTRAP_ADMIN_USERNAME="$KEYCLOAK_ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASSWORD" \
    "$lib/bin/kc.sh" start-dev --import-realm --health-enabled=true \
    --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" --http-management-port="$KEYCLOAK_MANAGEMENT_PORT" \
    --db-url="jdbc:h2:file:$data/keycloakdb;NON_KEYWORDS=VALUE"
  keycloak_wait_configured "$(cat "$(pid_file keycloak)")" "$LOG_DIR/keycloak.log"
  flock -u 7
  exec 7>&-
}

# Past the configuring phase: kc.sh has exec'd the rebuilt server (-Dkc.config.built=true), or the
# first JVM needed no rebuild and has started, or it is gone. Bounded by KEYCLOAK_START_TIMEOUT.
keycloak_wait_configured() { # pid logfile
  local deadline=$((SECONDS + KEYCLOAK_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    alive "$1" || return 0
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- '-Dkc.config.built=true' && return 0
    grep -q ') started in [0-9.]*s' "$2" 2>/dev/null && return 0
    sleep 0.2
  done
  log "keycloak: not past its configuring phase after $KEYCLOAK_START_TIMEOUT s; releasing the build lock"
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_ping() {
  local reply=""
  if command -v redis-cli >/dev/null; then
    reply="$(timeout 2 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)"
  else
    reply="$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT && printf 'PING\r\n' >&3 && head -c5 <&3" 2>/dev/null || true)"
  fi
  [[ "$reply" == *PONG* ]]
}

up_redis() {
  local t0 pid deadline
  t0="$(now)"
  pid="$(managed_pid redis)"
  if redis_ping; then
    if [[ -n "$pid" ]]; then log "redis: already running (pid $pid, port $REDIS_PORT)"
    else log "redis: 127.0.0.1:$REDIS_PORT already answers PING: using it (not managed here, never stopped by this script)"; fi
    return 0
  fi
  [[ -n "$pid" ]] && die "redis: pid $pid is running but 127.0.0.1:$REDIS_PORT does not answer PING (see $LOG_DIR/redis.log)"
  command -v redis-server >/dev/null ||
    die "redis: nothing answers on 127.0.0.1:$REDIS_PORT and redis-server is not installed (apt-get install redis-server, or set REDIS_PORT to a running Redis)"
  check_ports_free redis 127.0.0.1 "$REDIS_PORT"
  mkdir -p "$DATA_DIR/redis"
  spawn redis "$LOG_DIR/redis.log" "$(command -v redis-server)" --bind 127.0.0.1 --port "$REDIS_PORT" \
    --save "" --appendonly no --daemonize no --dir "$DATA_DIR/redis"
  pid="$(cat "$(pid_file redis)")"
  deadline=$((SECONDS + REDIS_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    redis_ping && { log "redis: up on 127.0.0.1:$REDIS_PORT (pid $pid) in $(elapsed "$t0") s"; return 0; }
    alive "$pid" || break
    sleep 0.1
  done
  tail -n 30 "$LOG_DIR/redis.log" >&2 || true
  alive "$pid" || die "redis: exited before answering PING on 127.0.0.1:$REDIS_PORT (log above)"
  die "redis: did not answer PING on 127.0.0.1:$REDIS_PORT within $REDIS_START_TIMEOUT s"
}

# ---------------------------------------------------------------------------------------------
# up / wait

probe_timeout() { case "$1" in kafka) echo "$KAFKA_START_TIMEOUT" ;; cassandra) echo "$CASSANDRA_START_TIMEOUT" ;; keycloak) echo "$KEYCLOAK_START_TIMEOUT" ;; esac; }
server_host() { case "$1" in kafka) echo "$KAFKA_HOST" ;; cassandra) echo "$CASSANDRA_HOST" ;; *) echo 127.0.0.1 ;; esac; }
server_port() { case "$1" in kafka) echo "$KAFKA_PORT" ;; cassandra) echo "$CASSANDRA_PORT" ;; redis) echo "$REDIS_PORT" ;; keycloak) echo "$KEYCLOAK_PORT" ;; esac; }

save_instance_env() {
  mkdir -p "$VIGIL_INFRA_DIR"
  local v
  { for v in "${PORT_VARS[@]}"; do echo "$v=${!v}"; done; } >"$INSTANCE_ENV"
}

cmd_up() {
  local servers=("$@") s t0 pids=() names=() starts=() failed=0 pid out rc
  command -v node >/dev/null || die "node not found (needed for the readiness probes)"
  # Two `up`s on the same state dir at once (two test runs) must not both start a server:
  # hold a lock while checking / starting; the waiting below runs unlocked.
  mkdir -p "$RUN_DIR"
  exec 8>"$RUN_DIR/.up.lock"
  flock -w 600 8 || die "another '$0 up' on $VIGIL_INFRA_DIR holds $RUN_DIR/.up.lock"
  save_instance_env
  # Order: Cassandra first (slowest to boot), then Kafka; each one's jars are fetched just before
  # it starts, so on a cold cache Kafka's download overlaps Cassandra's boot.
  for s in cassandra kafka keycloak; do
    [[ " ${servers[*]} " == *" $s "* ]] || continue
    t0="$(now)"
    pid="$(managed_pid "$s")"
    if [[ -n "$pid" ]]; then
      log "$s: already running (pid $pid), checking it answers"
    else
      [[ "$s" == keycloak ]] || need_java
      fetch_jars "$s"
      t0="$(now)"
      "start_$s"
      pid="$(managed_pid "$s")"
      [[ -n "$pid" ]] || { tail -n 40 "$LOG_DIR/$s.log" >&2 || true; die "$s: exited right after start"; }
      log "$s: started pid $pid (port $(server_port "$s")), waiting until it answers ..."
    fi
    out="$RUN_DIR/$s.probe"
    (
      rc=0
      node "$SCRIPT_DIR/probe.js" "$s" --host "$(server_host "$s")" --port "$(server_port "$s")" --timeout "$(probe_timeout "$s")" --pid "$pid" >"$out" 2>&1 || rc=$?
      now >"$out.end"
      exit "$rc"
    ) 8>&- &
    pids+=($!)
    names+=("$s")
    starts+=("$t0")
  done
  if [[ " ${servers[*]} " == *" redis "* ]]; then (up_redis) || failed=1; fi
  flock -u 8
  for i in "${!pids[@]}"; do
    s="${names[$i]}"
    rc=0
    wait "${pids[$i]}" || rc=$?
    if [[ "$rc" == 0 ]]; then
      log "$s: ready on $(server_host "$s"):$(server_port "$s") after $(awk -v a="${starts[$i]}" -v b="$(cat "$RUN_DIR/$s.probe.end")" 'BEGIN { printf "%.1f", b - a }') s ($(cut -d' ' -f4- "$RUN_DIR/$s.probe"))"
    else
      failed=1
      log "$s: NOT ready: $(cat "$RUN_DIR/$s.probe")"
      log "---- last lines of $LOG_DIR/$s.log ----"
      tail -n 60 "$LOG_DIR/$s.log" >&2 || true
      log "----"
      [[ -n "$(managed_pid "$s")" ]] && log "$s: still running as pid $(managed_pid "$s"); '$0 up $s' waits again, '$0 down $s' stops it"
    fi
  done
  [[ "$failed" == 0 ]] || die "not all servers came up"
}

# ---------------------------------------------------------------------------------------------
# status / logs / env / reset

cmd_status() {
  local s pid down=0 detail
  for s in "$@"; do
    pid="$(managed_pid "$s")"
    case "$s" in
      kafka) detail="$KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT), Kafka $KAFKA_VERSION" ;;
      cassandra) detail="$CASSANDRA_HOST:$CASSANDRA_PORT (storage $CASSANDRA_STORAGE_PORT, jmx $CASSANDRA_JMX_PORT), Cassandra $CASSANDRA_VERSION" ;;
      redis) detail="127.0.0.1:$REDIS_PORT" ;;
      keycloak) detail="http://127.0.0.1:$KEYCLOAK_PORT/realms/vigil (management $KEYCLOAK_MANAGEMENT_PORT), Keycloak $KEYCLOAK_VERSION" ;;
    esac
    if [[ -n "$pid" ]]; then
      printf '%-10s up    pid %-8s %s\n' "$s" "$pid" "$detail"
    elif [[ "$s" == redis ]] && redis_ping; then
      printf '%-10s up    %-12s %s (external, not managed)\n' "$s" "-" "$detail"
    elif [[ "${STATUS_OPTIONAL:-}" == *" $s "* ]]; then
      # Listed but not asked for: Keycloak down is normal, not a failed status.
      printf '%-10s down  %-12s %s (optional: up keycloak)\n' "$s" "-" "$detail"
    else
      printf '%-10s down  %-12s %s\n' "$s" "-" "$detail"
      down=1
    fi
  done
  echo "state dir: $VIGIL_INFRA_DIR"
  echo "jars: $(lib_dir kafka)  $(lib_dir cassandra)  $(lib_dir keycloak)"
  return "$down"
}

cmd_logs() {
  local follow=() files=() s
  if [[ "${1:-}" == -f ]]; then follow=(-F); shift; fi
  [[ $# -gt 0 ]] || set -- "${KNOWN_SERVERS[@]}"
  for s in "$@"; do [[ -f "$LOG_DIR/$s.log" ]] && files+=("$LOG_DIR/$s.log"); done
  [[ ${#files[@]} -gt 0 ]] || die "no logs in $LOG_DIR"
  exec tail -n "${LOG_LINES:-100}" "${follow[@]}" "${files[@]}"
}

cmd_env() {
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "CASSANDRA_CONTACT_POINTS=127.0.0.1:$CASSANDRA_PORT"
  echo "CASSANDRA_LOCAL_DC=datacenter1"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

cmd_reset() {
  local s
  for s in "$@"; do
    signal_stop "$s" "$DOWN_GRACE"
    [[ "$s" == redis && -z "$(managed_pid redis)" && ! -d "$DATA_DIR/redis" ]] && continue
    rm -rf "${DATA_DIR:?}/$s" "${LOG_DIR:?}/$s" "$LOG_DIR/$s.log" "$LOG_DIR/$s.log.1" "${CONF_DIR:?}/$s" "$VIGIL_INFRA_DIR/tmp/$s"
    log "$s: data wiped"
  done
}

# ---------------------------------------------------------------------------------------------

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

main() {
  local cmd="${1:-}" s
  [[ -n "$cmd" ]] || { usage; exit 64; }
  shift
  case "$cmd" in
    logs) cmd_logs "$@"; return ;;
    env) cmd_env; return ;;
    -h | --help | help) usage; return ;;
  esac
  local servers=("$@")
  if [[ ${#servers[@]} -eq 0 ]]; then
    # `up` starts Keycloak only when asked; stopping, wiping and `status` cover every server, so a
    # Keycloak started with `up keycloak` (or VIGIL_OIDC=1 npm start) is never left running by `down`.
    case "$cmd" in up | fetch) servers=("${ALL_SERVERS[@]}") ;; *) servers=("${KNOWN_SERVERS[@]}") ;; esac
    [[ "$cmd" == status ]] && STATUS_OPTIONAL=" keycloak "
    [[ "$cmd" == status && " ${ALL_SERVERS[*]} " == *" keycloak "* ]] && STATUS_OPTIONAL=""
  fi
  for s in "${servers[@]}"; do
    [[ " ${KNOWN_SERVERS[*]} " == *" $s "* ]] || die "unknown server '$s' (kafka, cassandra, redis, keycloak)"
  done
  case "$cmd" in
    up) cmd_up "${servers[@]}" ;;
    down) for s in "${servers[@]}"; do signal_stop "$s" "$DOWN_GRACE"; done ;;
    stop) for s in "${servers[@]}"; do signal_stop "$s" "$STOP_GRACE"; done ;;
    kill) for s in "${servers[@]}"; do signal_stop "$s" 0; done ;;
    status) cmd_status "${servers[@]}" ;;
    reset) cmd_reset "${servers[@]}" ;;
    pid) [[ ${#servers[@]} == 1 ]] || die "pid takes one server"; s="$(managed_pid "${servers[0]}")"; [[ -n "$s" ]] && echo "$s" ;;
    fetch) for s in "${servers[@]}"; do [[ "$s" == redis ]] || fetch_jars "$s"; done ;;
    *) usage; exit 64 ;;
  esac
}

main "$@"
