# Sourced by ../../test.sh (bash, `set -euo pipefail`): installs PostgreSQL (Debian's `postgresql` package) when it is
# missing, runs a private test cluster on 127.0.0.1:${BV_TEST_POSTGRES_PORT:-55432} (trust auth, loopback only, fsync off:
# test data only) and exports what tests/Sink.Tests reads:
#   BV_TEST_POSTGRES          Npgsql connection string of the test server
#   BV_TEST_POSTGRES_CONTROL  script taking start | stop | status (the outage test stops and restarts the server)
# Idempotent: an installed package, an existing cluster and a running server are left as they are.
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user and is driven through runuser.
bv_prepare_postgres() {
  local port="${BV_TEST_POSTGRES_PORT:-55432}"
  local root bin data control
  if ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "20-postgresql: PostgreSQL is not installed and this is not root: apt-get install postgresql" >&2
      return 1
    fi
    echo "20-postgresql: installing Debian's postgresql package"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  bin="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)"

  if [ "$(id -u)" -eq 0 ]; then
    root=/var/lib/bitcoinvolume-test/postgresql
  else
    root="${XDG_CACHE_HOME:-$HOME/.cache}/bitcoinvolume-test/postgresql"
  fi
  data="$root/data"
  control="$root/control.sh"
  mkdir -p "$root"

  cat >"$control" <<CONTROL
#!/usr/bin/env bash
# start | stop | status the BitcoinVolume test PostgreSQL cluster (written by tests/prerequisites.d/20-postgresql.sh).
set -euo pipefail
run() { if [ "\$(id -u)" -eq 0 ]; then runuser -u postgres -- "\$@"; else "\$@"; fi; }
case "\${1:-status}" in
  start)  run "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 || run "$bin/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 start >/dev/null ;;
  stop)   ! run "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 || run "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ;;
  status) run "$bin/pg_ctl" -D "$data" status >/dev/null ;;
  *) echo "usage: \$0 start|stop|status" >&2; exit 2 ;;
esac
CONTROL
  chmod 755 "$control"

  if [ ! -f "$data/PG_VERSION" ]; then
    echo "20-postgresql: creating the test cluster in $data (port $port)"
    mkdir -p "$data"
    if [ "$(id -u)" -eq 0 ]; then
      chown -R postgres:postgres "$root"
      runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    else
      "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    cat >>"$data/postgresql.conf" <<CONF
# BitcoinVolume test cluster: loopback only, throwaway data.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
  fi
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$root"
    chown root:root "$control"
  fi

  if ! "$control" status; then
    echo "20-postgresql: starting the test cluster on 127.0.0.1:$port"
    "$control" start
  fi

  export BV_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Timeout=5;Command Timeout=30"
  export BV_TEST_POSTGRES_CONTROL="$control"
  echo "20-postgresql: PostgreSQL ready at 127.0.0.1:$port (BV_TEST_POSTGRES, BV_TEST_POSTGRES_CONTROL exported)"
}
bv_prepare_postgres
unset -f bv_prepare_postgres
