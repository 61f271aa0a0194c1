# How `npm start` (scripts/run-system.sh) records and stops the services it runs. Sourced.
#
# The record file has one line per service: `<name> <pid> <start time>`. The start time (clock ticks
# since boot, field 22 of /proc/<pid>/stat) makes the pid name one process: a pid whose process died
# and was handed to another one since has another start time and is never signalled. A service
# restarted with svc_restart replaces its line, so stopping stops the new process.

# The start time of a running process; fails if there is none with that pid (or only its zombie:
# it has exited and waits for its parent to reap it).
svc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # the command name (field 2) may hold spaces and parentheses
  # shellcheck disable=SC2086
  set -- $stat
  [ "$1" != Z ] || return 1
  echo "${20}"
}

# svc_record FILE NAME PID: (re)records a service.
svc_record() {
  local st tmp
  st=$(svc_starttime "$3") || { echo "svc_record: no process $3 for $2" >&2; return 1; }
  tmp=$(mktemp "$1.XXXXXX")
  { grep -v "^$2 " "$1" 2>/dev/null || true; } >"$tmp"
  echo "$2 $3 $st" >>"$tmp"
  mv "$tmp" "$1"
}

# svc_pid FILE NAME: the recorded pid (whether or not it still runs).
svc_pid() { awk -v n="$2" '$1 == n { print $2 }' "$1" 2>/dev/null; }

# svc_live_pid FILE NAME: the recorded pid if that very process still runs.
svc_live_pid() {
  local name pid st
  while read -r name pid st; do
    [ "$name" = "$2" ] || continue
    [ -n "$pid" ] && [ "$(svc_starttime "$pid" 2>/dev/null)" = "$st" ] && echo "$pid"
  done <"$1"
  return 0
}

# svc_signal_all FILE SIGNAL: signals every recorded service that still runs (and nothing else).
svc_signal_all() {
  local name pid st
  [ -f "$1" ] || return 0
  while read -r name pid st; do
    [ -n "$pid" ] || continue
    if [ "$(svc_starttime "$pid" 2>/dev/null)" = "$st" ]; then kill "-$2" "$pid" 2>/dev/null || true; fi
  done <"$1"
  return 0
}

# svc_live_count FILE: how many recorded services still run (each the very process recorded).
svc_live_count() {
  local name pid st n=0
  [ -f "$1" ] || { echo 0; return 0; }
  while read -r name pid st; do
    [ -n "$pid" ] && [ "$(svc_starttime "$pid" 2>/dev/null)" = "$st" ] && n=$((n + 1))
  done <"$1"
  echo "$n"
}

# svc_stop_all FILE [TIMEOUT_S]: SIGTERM to every recorded service, then waits until none runs (they
# drain and commit); SIGKILL to what still runs after TIMEOUT_S (default 30). Returns when all are gone.
svc_stop_all() {
  local i
  svc_signal_all "$1" TERM
  for i in $(seq 1 $((${2:-30} * 10))); do
    [ "$(svc_live_count "$1")" -gt 0 ] || return 0
    sleep 0.1
  done
  svc_signal_all "$1" KILL
}

# svc_stop FILE NAME [TIMEOUT_S]: SIGTERM (it drains and commits), SIGKILL after TIMEOUT_S (default 30).
svc_stop() {
  local pid i
  pid=$(svc_live_pid "$1" "$2")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 $((${3:-30} * 10))); do
    [ -n "$(svc_live_pid "$1" "$2")" ] || return 0
    sleep 0.1
  done
  pid=$(svc_live_pid "$1" "$2")
  [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
}

# svc_start FILE NAME LOG COMMAND...: starts COMMAND in the background, output to LOG, and records it.
svc_start() {
  local file=$1 name=$2 log=$3
  shift 3
  "$@" >"$log" 2>&1 &
  svc_record "$file" "$name" $!
}

# svc_restart FILE NAME LOG COMMAND...: stops the recorded process of NAME, then starts COMMAND as NAME.
svc_restart() {
  svc_stop "$1" "$2"
  svc_start "$@"
}
