#!/usr/bin/env bash
# bench/http.sh: DynamoDB's HTTP API served by ddb, against hand-written SQL
# doing the same work and against dynalite (an in-memory DynamoDB emulator
# from npm), in one run on one machine: GetItem and PutItem requests per
# second and latency (p50, p99).
#
#   ./bench/http.sh                    build + install ddb, then benchmark
#   HTTP_BENCH_SECONDS=30 ./bench/http.sh
#
# Steps: (optionally) builds and installs ddb; starts a throwaway cluster
# (test/ddb.conf, bench/bench.conf) with the HTTP endpoint on a free port,
# ddb.http_workers = HTTP_BENCH_WORKERS, signed requests (sigv4); loads
# HTTP_BENCH_ITEMS items into table `bench` (bench/load.sql) and makes an
# access key for a role that may read and write it. Then, for each of
# GetItem and PutItem:
#   ddb HTTP   wrk over keep-alive connections replaying pre-signed requests
#              with random keys (bench/http/make_requests.py), so every
#              request's signature is checked;
#   SQL        pgbench -M prepared with the hand-written SQL of the same work
#              (bench/scripts/{get,put}_item_sql.pgbench) over TCP to
#              localhost, as the HTTP clients connect, and again over the
#              Unix socket (PostgreSQL's cheapest path, for reference);
#              latencies from its per-transaction log;
#   dynalite   the same wrk requests against dynalite loaded with the same
#              items (skipped when npm cannot install it).
# Each side runs HTTP_BENCH_CLIENTS connections (wrk -t = pgbench -j = the
# number of CPUs), kept open for the whole run, for HTTP_BENCH_SECONDS after
# a short warm-up, over keys drawn uniformly from all HTTP_BENCH_ITEMS items
# (wrk replays as many pre-signed requests as there are items). Prints a
# table (with the load average of the machine before and after, since
# other processes share its CPUs) and writes it to bench/results_http.txt;
# raw output in bench/out/.
#
# With HTTP_BENCH_ROUNDS > 1 the sides take turns that many times and the
# table keeps each side's best run, which evens out the load of other
# processes.
#
# Environment: HTTP_BENCH_SECONDS (default 15), HTTP_BENCH_ROUNDS (1), HTTP_BENCH_CLIENTS (16),
# HTTP_BENCH_ITEMS (10000), HTTP_BENCH_WORKERS (ddb.http_workers, default
# the number of CPUs, the server's default), BENCH_BUILD (1: build and install first),
# DDB_NPM_DIR (where dynalite is installed, default /tmp/ddb-dynalite).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
SECS=${HTTP_BENCH_SECONDS:-15}
ROUNDS=${HTTP_BENCH_ROUNDS:-1}
CLIENTS=${HTTP_BENCH_CLIENTS:-16}
ITEMS=${HTTP_BENCH_ITEMS:-10000}
BUILD=${BENCH_BUILD:-1}
NPM_DIR=${DDB_NPM_DIR:-/tmp/ddb-dynalite}
THREADS=$(nproc)
WORKERS=${HTTP_BENCH_WORKERS:-$THREADS}
OUT_DIR=$BENCH_DIR/out
RESULTS=$BENCH_DIR/results_http.txt

# shellcheck source=scripts/setup.sh
. "$REPO/scripts/setup.sh"
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench/http: ERROR: %s\n' "$*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk)"
mkdir -p "$OUT_DIR"

if [ "$BUILD" = 1 ]; then
    ddb_install_packages
    ddb_build
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ddb-http-bench.XXXXXX")
chmod 755 "$WORK"
ddb_is_root && chown postgres:postgres "$WORK"
DYNALITE_PID=""
on_exit() {
    set +e
    [ -n "$DYNALITE_PID" ] && kill "$DYNALITE_PID" 2>/dev/null
    ddb_as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w -t 30 stop >/dev/null 2>&1
    rm -rf "$WORK"
}
trap on_exit EXIT

free_port() {
    local p
    for _ in $(seq 1 20); do
        p=$((30000 + RANDOM % 10000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port"
}
HTTP_PORT=$(free_port)

ddb_as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 -N \
    >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
{
    cat "$REPO/test/ddb.conf" "$BENCH_DIR/bench.conf"
    echo "ddb.http_port = $HTTP_PORT"
    echo "ddb.http_database = 'bench'"
    echo "ddb.http_workers = $WORKERS"
} | ddb_as_pg tee "$WORK/data/bench.conf" >/dev/null
echo "include 'bench.conf'" | ddb_as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null
echo "CREATE DATABASE bench" | ddb_as_pg "$PGBIN/postgres" --single -D "$WORK/data" postgres >"$WORK/single.log" 2>&1 ||
    { cat "$WORK/single.log" >&2; die "could not create database bench"; }
ddb_start_server "$WORK/data" "$WORK" "$WORK/postgresql.log" localhost || die "the server did not start"
psql_b() { ddb_as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres -d bench "$@"; }
say "server on port $PORT, HTTP endpoint on $HTTP_PORT ($WORKERS workers); loading $ITEMS items"
psql_b -c 'CREATE EXTENSION ddb'
psql_b -v nkeys="$ITEMS" -f "$BENCH_DIR/load.sql" >/dev/null
psql_b -c "CREATE ROLE bench_http" -c "GRANT SELECT, INSERT, UPDATE ON ddb_data.bench TO bench_http"
read -r KEY SECRET < <(psql_b -At -F ' ' -c "SELECT * FROM ddb.create_access_key('bench_http')")
cp "$BENCH_DIR"/scripts/get_item_sql.pgbench "$BENCH_DIR"/scripts/put_item_sql.pgbench "$WORK/"
ddb_is_root && chown postgres "$WORK"/*.pgbench

# wrk NAME PORT LUA: requests/s, p50 ms, p99 ms
run_wrk() {
    local name=$1 port=$2 lua=$3 out=$OUT_DIR/http_$1.txt
    wrk -t "$THREADS" -c "$CLIENTS" -d 3s -s "$lua" "http://localhost:$port/" >/dev/null 2>&1 || true
    wrk -t "$THREADS" -c "$CLIENTS" -d "${SECS}s" --latency -s "$lua" "http://localhost:$port/" >"$out" 2>&1
    if grep -qE '^ *Non-2xx' "$out"; then die "$name: non-2xx responses, see $out"; fi
    awk '/Requests\/sec/ {rps=$2}
         function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
         $1 == "50%" {p50=ms($2)} $1 == "99%" {p99=ms($2)}
         END {printf "%.0f %.2f %.2f\n", rps, p50, p99}' "$out"
}

# pgbench NAME SCRIPT HOST: transactions/s, p50 ms, p99 ms (HOST: localhost
# for TCP, the socket directory for the Unix socket)
run_pgbench() {
    local name=$1 script=$2 host=$3 out=$OUT_DIR/http_$1.txt logdir=$WORK/pgbench_$1
    ddb_as_pg mkdir -p "$logdir"
    ddb_as_pg "$PGBIN/pgbench" -h "$host" -p "$PORT" -U postgres -n -M prepared -c "$CLIENTS" -j "$THREADS" \
        -T 3 -D nkeys="$ITEMS" -f "$WORK/$script" bench >/dev/null 2>&1
    (cd "$logdir" && ddb_as_pg "$PGBIN/pgbench" -h "$host" -p "$PORT" -U postgres -n -M prepared -c "$CLIENTS" \
        -j "$THREADS" -T "$SECS" -D nkeys="$ITEMS" -l -f "$WORK/$script" bench >"$out" 2>&1)
    local tps
    tps=$(awk '/^tps = / {printf "%.0f", $3}' "$out")
    cat "$logdir"/pgbench_log.* | awk '{print $3}' | sort -n |
        awk -v tps="$tps" '{v[NR]=$1} END {printf "%s %.2f %.2f\n", tps, v[int(NR*0.5)]/1000, v[int(NR*0.99)]/1000}'
}

# dynalite, loaded with the same items
dynalite_ok=0
if command -v npm >/dev/null && command -v node >/dev/null; then
    if [ ! -f "$NPM_DIR/node_modules/dynalite/cli.js" ]; then
        mkdir -p "$NPM_DIR"
        echo '{"name": "ddb-bench-dynalite", "private": true}' > "$NPM_DIR/package.json"
        (cd "$NPM_DIR" && npm install --no-audit --no-fund --loglevel=error dynalite >"$NPM_DIR/install.log" 2>&1) ||
            say "npm could not install dynalite: skipped"
    fi
    if [ -f "$NPM_DIR/node_modules/dynalite/cli.js" ]; then
        DPORT=$(free_port)
        node "$NPM_DIR/node_modules/dynalite/cli.js" --port "$DPORT" >"$OUT_DIR/dynalite.log" 2>&1 &
        DYNALITE_PID=$!
        for _ in $(seq 1 120); do
            (exec 3<>"/dev/tcp/localhost/$DPORT") 2>/dev/null && break
            kill -0 "$DYNALITE_PID" 2>/dev/null || die "dynalite did not start, see $OUT_DIR/dynalite.log"
            sleep 0.5
        done
        say "dynalite $(node -p "require('$NPM_DIR/node_modules/dynalite/package.json').version") on port $DPORT; loading $ITEMS items"
        /usr/bin/python3 - "$DPORT" "$ITEMS" <<'PY'
import sys, boto3, random
port, n = int(sys.argv[1]), int(sys.argv[2])
c = boto3.client("dynamodb", endpoint_url="http://localhost:%d" % port, region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="x")
c.create_table(TableName="bench", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
c.get_waiter("table_exists").wait(TableName="bench")
def item(k, v):
    return {"pk": {"S": "k%d" % k}, "name": {"S": "Customer %d" % k}, "n": {"N": str(v)},
            "email": {"S": "customer%d@example.com" % k},
            "address": {"M": {"street": {"S": "%d Main Street" % k}, "city": {"S": "Springfield"}, "zip": {"N": str(v)}}},
            "tags": {"L": [{"S": "bench"}, {"S": "customer"}, {"N": str(v)}]}, "active": {"BOOL": True}}
for start in range(1, n + 1, 25):
    c.batch_write_item(RequestItems={"bench": [{"PutRequest": {"Item": item(k, (k * 7919) % 1000000 + 1)}}
                                               for k in range(start, min(start + 25, n + 1))]})
PY
        dynalite_ok=1
    fi
else
    say "npm is not installed: dynalite skipped"
fi

# keep the better of two results "req/s p50 p99" (the first: none yet)
best() { if [ -z "$1" ] || [ "${2%% *}" -gt "${1%% *}" ]; then echo "$2"; else echo "$1"; fi; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A R
for round in $(seq 1 "$ROUNDS"); do
    for op in GetItem PutItem; do
        script=$( [ "$op" = GetItem ] && echo get_item_sql.pgbench || echo put_item_sql.pgbench )
        # signed just before the run: a signature is valid for 15 minutes
        /usr/bin/python3 "$BENCH_DIR/http/make_requests.py" "$HTTP_PORT" "$KEY" "$SECRET" "$op" "$ITEMS" "$ITEMS" \
            "$WORK/ddb_$op.lua"
        say "round $round/$ROUNDS, $op: ddb over HTTP (wrk, $CLIENTS connections, ${SECS}s)"
        R[ddb_$op]=$(best "${R[ddb_$op]:-}" "$(run_wrk "ddb_$op" "$HTTP_PORT" "$WORK/ddb_$op.lua")")
        say "round $round/$ROUNDS, $op: hand-written SQL (pgbench over TCP, $CLIENTS clients, ${SECS}s)"
        R[sql_$op]=$(best "${R[sql_$op]:-}" "$(run_pgbench "sql_$op" "$script" localhost)")
        say "round $round/$ROUNDS, $op: hand-written SQL (pgbench over the Unix socket, $CLIENTS clients, ${SECS}s)"
        R[sqlu_$op]=$(best "${R[sqlu_$op]:-}" "$(run_pgbench "sqlu_$op" "$script" "$WORK")")
        if [ "$dynalite_ok" = 1 ]; then
            /usr/bin/python3 "$BENCH_DIR/http/make_requests.py" "$DPORT" x x "$op" "$ITEMS" "$ITEMS" "$WORK/dyn_$op.lua"
            say "round $round/$ROUNDS, $op: dynalite (wrk, $CLIENTS connections, ${SECS}s)"
            R[dyn_$op]=$(best "${R[dyn_$op]:-}" "$(run_wrk "dynalite_$op" "$DPORT" "$WORK/dyn_$op.lua")")
        fi
    done
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "ddb HTTP endpoint benchmark: $(date -u +%Y-%m-%d), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GB"
    echo "$ITEMS items, $CLIENTS connections/clients, ${SECS}s per run, best of $ROUNDS round(s), ddb.http_workers = $WORKERS, SigV4 checked on every request"
    echo "load average before: $LOAD_BEFORE, after: $LOAD_AFTER (other processes on the machine share its CPUs)"
    printf '%-8s %-22s %10s %9s %9s %14s\n' op side "req/s" "p50 ms" "p99 ms" "ddb / other"
    for op in GetItem PutItem; do
        read -r d50 d1 d2 <<<"${R[ddb_$op]}"
        read -r s50 s1 s2 <<<"${R[sql_$op]}"
        printf '%-8s %-22s %10s %9s %9s %14s\n' "$op" "ddb over HTTP" "$d50" "$d1" "$d2" ""
        printf '%-8s %-22s %10s %9s %9s %14.2f\n' "$op" "SQL (pgbench, TCP)" "$s50" "$s1" "$s2" "$(awk -v a="$d50" -v b="$s50" 'BEGIN {print a / b}')"
        read -r u50 u1 u2 <<<"${R[sqlu_$op]}"
        printf '%-8s %-22s %10s %9s %9s %14.2f\n' "$op" "SQL (pgbench, socket)" "$u50" "$u1" "$u2" "$(awk -v a="$d50" -v b="$u50" 'BEGIN {print a / b}')"
        if [ "$dynalite_ok" = 1 ]; then
            read -r y50 y1 y2 <<<"${R[dyn_$op]}"
            printf '%-8s %-22s %10s %9s %9s %14.2f\n' "$op" "dynalite (HTTP)" "$y50" "$y1" "$y2" "$(awk -v a="$d50" -v b="$y50" 'BEGIN {print a / b}')"
        fi
    done
} | tee "$RESULTS"
