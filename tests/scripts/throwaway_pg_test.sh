#!/bin/bash
# scripts/lib/throwaway-pg.sh, as bench/run and scripts/cluster-demo use it:
# pg_throwaway_port picks a port below the kernel's ephemeral range that no
# one listens on; pg_throwaway_start starts a cluster there that answers
# SQL, and when the start fails it says why (the log's tail) before the
# caller removes the folder. Needs postgresql-15 and node (scripts/setup
# installs both).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib/throwaway-pg.sh"

failures=0
check() { # check DESCRIPTION CONDITION...
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what" >&2
    failures=$((failures + 1))
  fi
}

work=$(mktemp -d)
chmod 755 "$work" # as root the servers run as postgres, which must reach their folders
listener=
cleanup() {
  [ -n "$listener" ] && kill "$listener" 2>/dev/null
  pg_throwaway_stop "$work/pg" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Holds PORT open on 127.0.0.1 until killed; waits until it listens.
listen_on() {
  node -e 'require("net").createServer().listen(+process.argv[1], "127.0.0.1", () => console.log("up"))' \
    "$1" >"$work/listener.out" 2>&1 &
  listener=$!
  for _ in $(seq 50); do
    grep -q up "$work/listener.out" && return 0
    sleep 0.1
  done
  return 1
}

# -- pg_throwaway_port ---------------------------------------------------------
lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
port=$(pg_throwaway_port)
check "a port is found ($port)" [ -n "$port" ]
check "it is at or above 20000 and below the ephemeral range ($lo)" \
  [ "$port" -ge 20000 -a "$port" -lt "$lo" ]

# RANDOM seeded: the same first pick each time, so a listener can be put on it.
first=$(RANDOM=4242; pg_throwaway_port)
check "listening on the seeded first pick ($first)" listen_on "$first"
again=$(RANDOM=4242; pg_throwaway_port)
check "a port someone listens on is passed over ($again, not $first)" \
  [ -n "$again" -a "$again" != "$first" ]

# -- pg_throwaway_start --------------------------------------------------------
# On the port the listener holds, the server cannot bind: the start fails
# and the log's tail names the cause.
mkdir "$work/busy"
pg_throwaway_start "$work/busy" "$first" 2>"$work/busy.err"
started=$?
check "a start on a taken port fails" [ "$started" -ne 0 ]
[ "$started" -ne 0 ] || pg_throwaway_stop "$work/busy"
check "its error output carries the log's tail (the bind failure)" \
  grep -qiE "could not (bind|create listen socket)" "$work/busy.err"
kill "$listener" 2>/dev/null
listener=

# On a free port: started, answering SQL, stopped.
mkdir "$work/pg"
port=$(pg_throwaway_port)
check "a start on a free port ($port) succeeds" pg_throwaway_start "$work/pg" "$port"
check "it answers SQL" pg_throwaway_sql "$port" "CREATE TABLE t (x int); INSERT INTO t VALUES (1);"
pg_throwaway_stop "$work/pg"
check "stopped, it no longer listens" \
  bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all checks passed"
