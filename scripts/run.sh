#!/usr/bin/env bash
# scripts/run.sh: the README's "try it" command. Owns the local development
# cluster: installs what is missing, builds and installs ddb (setup.sh),
# creates a PostgreSQL 15 cluster once in .ddb/data with ddb preloaded and
# wal_level = logical, starts it on port 54329 (localhost, socket in /tmp),
# creates database `ddb`, the extension and the sample tables
# (scripts/sample.sql), starts ddb's DynamoDB HTTP endpoint on
# localhost:8000 (no authentication: requests run as `postgres`) and prints
# how to use it with the AWS CLI and boto3, then opens psql, or prints the
# connection string when stdin/stdout is not a terminal. Safe to run again: each step is skipped when
# already done, and the server is restarted when a newer ddb library has been
# installed since it started.
#
#   ./scripts/run.sh           set up, start, open psql / print the URL
#   ./scripts/run.sh --stop    stop the server
#   ./scripts/run.sh --reset   stop the server and delete the cluster
#
# As root, the server runs as the `postgres` OS user; if that user cannot
# reach the project directory, the cluster lives in /var/lib/postgresql/ddb.
# DDB_PORT overrides the port, DDB_HTTP_PORT the HTTP endpoint's.
set -euo pipefail

# shellcheck source=scripts/setup.sh
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

cd /  # the server's OS user may not be able to enter the caller's directory

PORT=${DDB_PORT:-54329}
HTTP_PORT=${DDB_HTTP_PORT:-8000}
SOCKDIR=/tmp
URL="postgresql://postgres@localhost:$PORT/ddb"

usage() { sed -n '2,/^set -euo/p' "$DDB_REPO/scripts/run.sh" | sed '$d; s/^# \{0,1\}//'; }

action=start
case "${1:-}" in
    "") ;;
    --stop) action=stop ;;
    --reset) action=reset ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac

# Where the cluster lives: the project directory if the server's OS user can
# reach it, else a directory under that user's home. (Decided after setup:
# on a fresh machine the postgres user comes with the packages.)
locate_cluster() {
    HOME_DIR=$DDB_REPO/.ddb
    if ddb_is_root && ! runuser -u postgres -- test -x "$DDB_REPO" 2>/dev/null; then
        HOME_DIR=/var/lib/postgresql/ddb
        ddb_say "the postgres user cannot reach $DDB_REPO (a parent directory is not traversable);"
        ddb_say "using $HOME_DIR for the cluster instead"
    fi
    DATA=$HOME_DIR/data
    LOG=$HOME_DIR/postgresql.log
}

pg() { local prog=$1; shift; ddb_as_pg "$PGBIN/$prog" "$@"; }
is_running() { [ -f "$DATA/PG_VERSION" ] && pg pg_ctl -D "$DATA" status >/dev/null 2>&1; }
psql_ddb() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PORT" -U postgres "$@"; }

if [ "$action" != start ]; then
    # No server user yet: nothing was ever set up.
    if ddb_is_root && ! id postgres >/dev/null 2>&1; then exit 0; fi
    locate_cluster
    if is_running; then
        ddb_say "stopping the server ($DATA)"
        pg pg_ctl -D "$DATA" -m fast -w stop >/dev/null
    fi
    if [ "$action" = reset ]; then
        ddb_say "deleting the cluster $DATA"
        rm -rf "$DATA" "$LOG" "$HOME_DIR/initdb.log"
    fi
    exit 0
fi

ddb_setup
locate_cluster

# 1. The cluster, created once.
owner=$(ddb_pg_user)
if [ -d "$DATA" ] && [ "$(stat -c %U "$DATA")" != "$owner" ]; then
    ddb_die "$DATA belongs to $(stat -c %U "$DATA"), not $owner: run as that user, or ./scripts/run.sh --reset as root"
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
    ddb_say "creating a PostgreSQL cluster in $DATA"
    mkdir -p "$HOME_DIR"
    ddb_is_root && chown postgres:postgres "$HOME_DIR"
    rm -rf "$DATA"
    if ! pg initdb -D "$DATA" -U postgres --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >"$HOME_DIR/initdb.log" 2>&1; then
        ddb_show_log "$HOME_DIR/initdb.log"
        ddb_die "initdb failed"
    fi
    # Settings for ddb; appended, so they win over initdb's defaults.
    ddb_as_pg tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# ---- ddb development cluster (scripts/run.sh) ----
port = $PORT
listen_addresses = 'localhost'
unix_socket_directories = '$SOCKDIR'
shared_preload_libraries = 'ddb'
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
max_prepared_transactions = 10
# point-in-time recovery reads commit times
track_commit_timestamp = on
$(ddb_output_plugin_setting)
EOF
    # database ddb exists before the server starts, so the HTTP workers
    # (ddb.http_database) find it at once
    if ! echo "CREATE DATABASE ddb" | pg postgres --single -D "$DATA" -c ddb.http_port=0 postgres \
            >"$HOME_DIR/single.log" 2>&1; then
        ddb_show_log "$HOME_DIR/single.log"
        ddb_die "could not create database ddb"
    fi
fi

# The HTTP endpoint's settings (also added to a cluster made before it
# existed, which then restarts). The sandbox trusts every local client.
restart_needed=0
if ! grep -q '^ddb.http_port' "$DATA/postgresql.conf"; then
    ddb_as_pg tee -a "$DATA/postgresql.conf" >/dev/null <<EOF
# DynamoDB's HTTP endpoint: a development sandbox, no authentication
ddb.http_port = $HTTP_PORT
ddb.http_database = 'ddb'
ddb.http_auth = 'none'
ddb.http_role = 'postgres'
EOF
    restart_needed=1
fi

# 2. The server: started if not running, restarted if the installed library
#    is newer than the running server.
lib=$("$PG_CONFIG" --pkglibdir)/ddb.so
if is_running; then
    started=$(sed -n 3p "$DATA/postmaster.pid")
    if [ "$restart_needed" -eq 1 ] ||
       { [ -f "$lib" ] && [ "$(stat -c %Y "$lib")" -gt "$started" ]; }; then
        ddb_say "a new ddb library or new settings: restarting the server (open sessions are closed)"
        if ! pg pg_ctl -D "$DATA" -l "$LOG" -m fast -w -t 60 restart >/dev/null; then
            tail -n 30 "$LOG" >&2 || true
            ddb_die "the server did not restart; log: $LOG"
        fi
    fi
else
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        ddb_die "port $PORT is taken by another server; stop it or set DDB_PORT"
    fi
    ddb_say "starting the server on port $PORT (log: $LOG)"
    if ! pg pg_ctl -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null; then
        tail -n 30 "$LOG" >&2 || true
        ddb_die "the server did not start; log: $LOG"
    fi
fi

# 3. Database, extension, sample tables.
if [ -z "$(psql_ddb -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'ddb'")" ]; then
    ddb_say "creating database ddb"
    psql_ddb -d postgres -c 'CREATE DATABASE ddb'
fi
psql_ddb -d ddb -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS ddb'
psql_ddb -d ddb -f "$DDB_REPO/scripts/sample.sql"

# 4. The HTTP endpoint: its workers start with the server, and again a few
#    seconds after database ddb first exists.
http_port=$(sed -n "s/^ddb.http_port = \([0-9]*\)$/\1/p" "$DATA/postgresql.conf" | tail -n 1)
for _ in $(seq 1 40); do
    (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null && break
    sleep 0.25
done
if (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; then
    cat >&2 <<EOF
==> DynamoDB endpoint: http://localhost:$http_port (any credentials; requests run as postgres)
    AWS CLI:
      export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1
      aws dynamodb --endpoint-url http://localhost:$http_port list-tables
      aws dynamodb --endpoint-url http://localhost:$http_port get-item --table-name users \\
          --key '{"user_id": {"S": "u1"}}'
    boto3:
      import boto3
      ddb = boto3.client('dynamodb', endpoint_url='http://localhost:$http_port', region_name='us-east-1',
                         aws_access_key_id='local', aws_secret_access_key='local')
      print(ddb.scan(TableName='users')['Items'])
EOF
else
    ddb_say "the HTTP endpoint does not answer on port $http_port (is it taken? see $LOG)"
fi

# 5. psql, or the connection string.
if [ -t 0 ] && [ -t 1 ]; then
    ddb_say "connected to $URL (scripts/run.sh --stop stops the server)"
    exec "$PGBIN/psql" "$URL"
fi
echo "$URL"
