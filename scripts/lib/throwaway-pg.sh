# A throwaway PostgreSQL 15 for scripts (scripts/cluster-demo, bench/run):
# initdb in a folder of its own, trust authentication, listening on
# 127.0.0.1 only. PostgreSQL refuses to run as root, so as root it runs as
# Debian's postgres user. Sourced, not run: defines the pg_throwaway_*
# functions. Needs postgresql-15 (scripts/setup installs it).

pg_throwaway_bin=/usr/lib/postgresql/15/bin
pg_throwaway_as=()

# pg_throwaway_start DIR PORT: a fresh cluster in DIR/data on PORT, started.
pg_throwaway_start() {
  local dir=$1 port=$2
  [ -x "$pg_throwaway_bin/initdb" ] \
    || { echo "needs postgresql-15 (apt-get install postgresql-15)" >&2; return 1; }
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    pg_throwaway_as=(runuser -u postgres --)
  fi
  "${pg_throwaway_as[@]}" "$pg_throwaway_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
    --locale=C >"$dir/initdb.log"
  if ! "${pg_throwaway_as[@]}" "$pg_throwaway_bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null; then
    # pg_ctl only says "examine the log output": show it before the caller
    # removes the folder.
    tail -n 5 "$dir/postgres.log" >&2
    return 1
  fi
}

# pg_throwaway_port: a loopback port below the kernel's ephemeral range, so
# a load run's thousands of client sockets cannot be holding it, and not
# listened on now. bash's /dev/tcp connect tells which ports are taken.
pg_throwaway_port() {
  local lo port
  lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$lo" -gt 21000 ] || lo=32768
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % (lo - 20000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  echo "no free port found for PostgreSQL" >&2
  return 1
}

# pg_throwaway_sql PORT SQL: runs SQL as postgres.
pg_throwaway_sql() {
  "${pg_throwaway_as[@]}" "$pg_throwaway_bin/psql" -h 127.0.0.1 -p "$1" -U postgres -q -c "$2"
}

# pg_throwaway_stop DIR: stops the cluster (fast: open sessions are ended).
pg_throwaway_stop() {
  "${pg_throwaway_as[@]}" "$pg_throwaway_bin/pg_ctl" -D "$1/data" -m fast stop >/dev/null 2>&1 || true
}
