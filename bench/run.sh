#!/usr/bin/env bash
# bench/run.sh: measures each DynamoDB operation through ddb against the
# equivalent hand-written SQL, on the same data, on the same server, in one
# run, with pgbench, and prints the ratio ddb / SQL.
#
#   ./bench/run.sh                      build + install ddb, then benchmark
#   BENCH_SECONDS=60 ./bench/run.sh     longer runs
#
# Steps: (optionally) builds and installs ddb; starts a throwaway cluster in
# a temporary directory on a free port (as the `postgres` OS user when run as
# root), configured by test/ddb.conf then bench/bench.conf; creates the
# extension; loads BENCH_ITEMS items into table `bench` through ddb.put_item
# (bench/load.sql); VACUUM ANALYZE; then, for every operation pair, runs the
# SQL script and the ddb script BENCH_ROUNDS times each, alternating the order
# (SQL,ddb then ddb,SQL, ...), each run `pgbench -M prepared -T BENCH_SECONDS`
# with BENCH_CLIENTS clients and threads, and takes the best (or median)
# ops/s of each side. Prints a table and writes it to bench/results.txt; the raw pgbench
# output goes to bench/out/. The cluster is always stopped and removed.
#
# Environment:
#   BENCH_SECONDS   seconds per pgbench run (default 20)
#   BENCH_CLIENTS   pgbench -c and -j (default 2)
#   BENCH_ROUNDS    runs per side per operation (default 2)
#   BENCH_STAT      best (default) or median: which run of each side counts
#                   (other load on the machine only ever lowers a run's ops/s)
#   BENCH_ITEMS     items loaded, keys k1..kN, picked uniformly (default 100000)
#   BENCH_WARMUP    seconds of untimed warm-up per script (default 3; 0 = none)
#   BENCH_ONLY      comma-separated operation names to run, e.g. GetItem
#   BENCH_BUILD     1 (default): build and install ddb first; 0: use the
#                   installed ddb as is
#   BENCH_KEEP      1: on exit, leave the cluster running for inspection and
#                   print how to connect and stop it (default 0)
#
# Adding an operation: write bench/scripts/<op>_sql.pgbench and
# <op>_ddb.pgbench (they get -D nkeys=BENCH_ITEMS, keys are 'k' || 1..nkeys,
# and -D nclients=BENCH_CLIENTS)
# and add a `bench_pair Name <op>_sql.pgbench <op>_ddb.pgbench` line at the
# end of this file. Scripts that change data must leave BENCH_ITEMS items
# with keys k1..kN behind (other pairs run after them).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
# the PostgreSQL installation benchmarked (and built into): PGBIN, else
# DDB_PGBIN as for scripts/setup.sh and scripts/test.sh, else Debian's
PGBIN=${PGBIN:-${DDB_PGBIN:-/usr/lib/postgresql/15/bin}}
export DDB_PGBIN=$PGBIN
PG_CONFIG=$PGBIN/pg_config

SECONDS_PER_RUN=${BENCH_SECONDS:-20}
CLIENTS=${BENCH_CLIENTS:-2}
ROUNDS=${BENCH_ROUNDS:-2}
ITEMS=${BENCH_ITEMS:-100000}
WARMUP=${BENCH_WARMUP:-3}
ONLY=${BENCH_ONLY:-}
BUILD=${BENCH_BUILD:-1}
KEEP=${BENCH_KEEP:-0}
STAT=${BENCH_STAT:-best}

RESULTS_FILE=$BENCH_DIR/results.txt
OUT_DIR=$BENCH_DIR/out

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }

case "$STAT" in best|median) ;; *) die "BENCH_STAT must be best or median, not '$STAT'" ;; esac
for v in SECONDS_PER_RUN CLIENTS ROUNDS ITEMS WARMUP; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
if [ "$SECONDS_PER_RUN" -lt 1 ] || [ "$CLIENTS" -lt 1 ] || [ "$ROUNDS" -lt 1 ] || [ "$ITEMS" -lt 1 ]; then
    die "BENCH_SECONDS, BENCH_CLIENTS, BENCH_ROUNDS and BENCH_ITEMS must be >= 1"
fi
# PutItemCond gives every client keys of its own.
[ "$CLIENTS" -le "$ITEMS" ] || die "BENCH_CLIENTS ($CLIENTS) must not exceed BENCH_ITEMS ($ITEMS)"

# shellcheck source=scripts/setup.sh
. "$REPO/scripts/setup.sh"
is_root() { ddb_is_root; }
# PostgreSQL refuses to run as root: servers and clients run as `postgres`.
as_pg() { ddb_as_pg "$@"; }

# ---- build and install -----------------------------------------------------
if [ "$BUILD" = 1 ]; then
    if [ -f "$REPO/scripts/setup.sh" ]; then
        say "building and installing ddb (scripts/setup.sh) into $PGBIN's installation"
        "$REPO/scripts/setup.sh"
    else
        say "building and installing ddb (make; make install)"
        make -s -C "$REPO" PG_CONFIG="$PG_CONFIG" >/dev/null
        if is_root; then
            make -s -C "$REPO" PG_CONFIG="$PG_CONFIG" install >/dev/null
        else
            sudo make -s -C "$REPO" PG_CONFIG="$PG_CONFIG" install >/dev/null
        fi
    fi
fi
[ -f "$("$PG_CONFIG" --pkglibdir)/ddb.so" ] || die "ddb is not installed (run with BENCH_BUILD=1)"
command -v "$PGBIN/pgbench" >/dev/null || die "$PGBIN/pgbench not found"

cd /  # the server's OS user may not be able to enter the caller's directory
export LC_ALL=C.UTF-8
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS PGPASSWORD PGPASSFILE

# ---- throwaway cluster -----------------------------------------------------
WORK=""
PORT=""
started=0

stop_server() {
    [ "$started" -eq 1 ] || return 0
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    started=0
}

on_exit() {
    local rc=$?
    set +e
    if [ "$KEEP" = 1 ] && [ "$started" -eq 1 ]; then
        say "BENCH_KEEP=1: server left running: $PGBIN/psql -h $WORK -p $PORT -U postgres bench"
        say "stop it with: runuser -u $(pg_user) -- $PGBIN/pg_ctl -D $WORK/data stop && rm -rf $WORK"
        exit "$rc"
    fi
    stop_server
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$rc" -ne 0 ] && [ -f "$WORK/postgresql.log" ]; then
            mkdir -p "$OUT_DIR"
            cp "$WORK/postgresql.log" "$OUT_DIR/postgresql.log"
            echo "bench: server log copied to $OUT_DIR/postgresql.log" >&2
        fi
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_user() { if is_root; then echo postgres; else id -un; fi; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ddb-bench.XXXXXX")
chmod 755 "$WORK"
is_root && chown postgres:postgres "$WORK"

if ! as_pg "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 -N >"$WORK/initdb.log" 2>&1; then
    cat "$WORK/initdb.log" >&2
    die "initdb failed"
fi
{
    if [ -f "$REPO/test/ddb.conf" ]; then
        cat "$REPO/test/ddb.conf"
    else  # the settings ddb needs, and the same durability as the tests
        printf '%s\n' "shared_preload_libraries = 'ddb'" "wal_level = logical" \
            "fsync = off" "synchronous_commit = off" "full_page_writes = off" "lc_messages = 'C'"
    fi
    echo
    ddb_output_plugin_setting
    cat "$BENCH_DIR/bench.conf"
} | as_pg tee "$WORK/data/bench.conf" >/dev/null
echo "include 'bench.conf'" | as_pg tee -a "$WORK/data/postgresql.conf" >/dev/null

# pgbench reads its scripts as the server user: give it copies it can read.
as_pg mkdir "$WORK/scripts"
cp "$BENCH_DIR"/scripts/*.pgbench "$WORK/scripts/"
is_root && chown -R postgres:postgres "$WORK/scripts"

ddb_start_server "$WORK/data" "$WORK" "$WORK/postgresql.log" localhost ||
    die "could not start the benchmark server"
started=1
say "benchmark server: port $PORT, socket $WORK, run by $(pg_user)"

psql_q() {
    as_pg env PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$WORK" -p "$PORT" -U postgres "$@"
}
psql_val() { psql_q -d bench -At -c "$1"; }

psql_q -d postgres -c "CREATE DATABASE bench"
psql_q -d bench -c "CREATE EXTENSION ddb"

say "loading $ITEMS items through ddb.put_item"
load_start=$(date +%s.%N)
psql_q -d bench -v nkeys="$ITEMS" -f - <"$BENCH_DIR/load.sql" >/dev/null
load_secs=$(awk -v a="$load_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
count=$(psql_val "SELECT count(*) FROM ddb_data.bench")
[ "$count" -eq "$ITEMS" ] || die "loaded $count items, expected $ITEMS"
item_sizes=$(psql_val "SELECT round(avg(octet_length(item::text))) || ' bytes as JSON text, ' ||
    round(avg(pg_column_size(item))) || ' bytes as stored jsonb' FROM ddb_data.bench")
say "loaded in $load_secs s; average item: $item_sizes"

# The Query pairs read tables of their own (bench/load_query.sql): 1,000,000
# and 10,000 items in partitions of 100. Loaded only when a Query pair runs.
wants() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
if wants Query || wants QueryScale; then
    say "loading the Query tables (1,000,000 and 10,000 items)"
    load_start=$(date +%s.%N)
    psql_q -d bench -f - <"$BENCH_DIR/load_query.sql" >/dev/null
    say "loaded in $(awk -v a="$load_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
fi
# The secondary-index pairs read and write tables of their own
# (bench/load_gsi.sql): 1,000,000 items with two GSIs, and plain copies.
if wants PutItemGSI || wants QueryGSI; then
    say "loading the secondary-index tables (1,000,000 items, two GSIs)"
    load_start=$(date +%s.%N)
    psql_q -d bench -f - <"$BENCH_DIR/load_gsi.sql" >/dev/null
    say "loaded in $(awk -v a="$load_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
fi

# The stream pairs write and read tables of their own (bench/load_stream.sql):
# copies of `bench` with and without a NEW_AND_OLD_IMAGES stream.
if wants PutItemStream || wants GetRecords || wants StreamLatency; then
    say "loading the stream tables (two copies of bench, one with a stream)"
    psql_q -d bench -f - <"$BENCH_DIR/load_stream.sql" >/dev/null
fi

# ---- machine ---------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
[ -n "$cpu_model" ] || cpu_model=$(uname -m)
ram_gib=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
pg_version=$(psql_val "SELECT version()")
ddb_version=$(psql_val "SELECT extversion FROM pg_extension WHERE extname = 'ddb'")
git_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$git_rev" != unknown ] && [ -n "$(git -C "$REPO" status --porcelain 2>/dev/null)" ]; then
    git_rev="$git_rev + uncommitted changes"
fi

# ---- measurement -----------------------------------------------------------
mkdir -p "$OUT_DIR"
rm -f "$OUT_DIR"/*.log
ROWS=()     # one formatted table row per operation
DETAILS=()  # per-run numbers

# Same starting state for every timed run: dead tuples of earlier write runs
# vacuumed away, no checkpoint pending.
settle() {
    psql_val "VACUUM ddb_data.bench" >/dev/null
    if wants PutItemGSI; then psql_val "VACUUM ddb_data.gbench, sql_gbench" >/dev/null; fi
    if wants PutItemStream; then psql_val "VACUUM ddb_data.snone, ddb_data.sstream" >/dev/null; fi
    psql_val "CHECKPOINT" >/dev/null
}

# pgbench SCRIPT SECONDS LOG: one run; prints the ops/s (tps without the
# initial connection time). Dies if any client failed.
run_pgbench() {
    local script=$1 secs=$2 log=$3 tps
    if ! as_pg "$PGBIN/pgbench" -n -M prepared -T "$secs" -c "$CLIENTS" -j "$CLIENTS" \
            -D nkeys="$ITEMS" -D nclients="$CLIENTS" -h "$WORK" -p "$PORT" -U postgres \
            -f "$WORK/scripts/$script" bench >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "pgbench $script failed (log: $log)"
    fi
    if grep -Eq '^number of failed transactions: [1-9]' "$log"; then
        die "pgbench $script had failed transactions (log: $log)"
    fi
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$log")
    [ -n "$tps" ] || die "no tps in the pgbench output of $script (log: $log)"
    printf '%s\n' "$tps"
}

# summary VALUE...: the best (highest) or the median, per BENCH_STAT.
summary() {
    if [ "$STAT" = median ]; then
        printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
            if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
    else
        printf '%s\n' "$@" | sort -g | tail -n 1
    fi
}

# bench_pair NAME SQL_SCRIPT DDB_SCRIPT: measures one operation both ways
# (scripts in bench/scripts/), alternating which side goes first.
bench_pair() {
    local name=$1 sql_script=$2 ddb_script=$3 r side order tps sql_med ddb_med ratio
    local -a sql_tps=() ddb_tps=()
    if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]]; then
        return 0
    fi
    for side in "$sql_script" "$ddb_script"; do
        [ -f "$WORK/scripts/$side" ] || die "$name: no script bench/scripts/$side"
    done
    if [ "$WARMUP" -gt 0 ]; then
        say "$name: warm-up (${WARMUP} s per side)"
        run_pgbench "$sql_script" "$WARMUP" "$OUT_DIR/$name-warmup-sql.log" >/dev/null
        run_pgbench "$ddb_script" "$WARMUP" "$OUT_DIR/$name-warmup-ddb.log" >/dev/null
    fi
    for ((r = 1; r <= ROUNDS; r++)); do
        if ((r % 2)); then order="sql ddb"; else order="ddb sql"; fi
        for side in $order; do
            settle
            if [ "$side" = sql ]; then
                tps=$(run_pgbench "$sql_script" "$SECONDS_PER_RUN" "$OUT_DIR/$name-sql-$r.log")
                sql_tps+=("$tps")
            else
                tps=$(run_pgbench "$ddb_script" "$SECONDS_PER_RUN" "$OUT_DIR/$name-ddb-$r.log")
                ddb_tps+=("$tps")
            fi
            say "$name round $r: $side $(printf '%.0f' "$tps") ops/s"
        done
    done
    sql_med=$(summary "${sql_tps[@]}")
    ddb_med=$(summary "${ddb_tps[@]}")
    ratio=$(awk -v d="$ddb_med" -v s="$sql_med" 'BEGIN { printf "%.2f", d / s }')
    ROWS+=("$(printf '%-12s %12.0f %12.0f %10s' "$name" "$sql_med" "$ddb_med" "$ratio")")
    DETAILS+=("$(printf '%-12s SQL: %s   ddb: %s' "$name" \
        "$(printf '%.0f ' "${sql_tps[@]}" | sed 's/ $//')" "$(printf '%.0f ' "${ddb_tps[@]}" | sed 's/ $//')")")
}

# stream_latency: under a PutItem load on the table with a stream (pgbench
# with BENCH_CLIENTS clients for BENCH_LATENCY_SECONDS, default 60), the
# time from a PutItem's commit until GetRecords returns its record, one
# sample after the other from 2 s after the load starts until 3 s before it
# ends, so that every sample is taken under the load (bench/load_stream.sql).
LATENCY=""
stream_latency() {
    local secs=${BENCH_LATENCY_SECONDS:-60} load tps
    if ! wants StreamLatency; then return 0; fi
    settle
    say "StreamLatency: commit-to-GetRecords latency under a PutItem load (${secs} s)"
    as_pg "$PGBIN/pgbench" -n -M prepared -T "$secs" -c "$CLIENTS" -j "$CLIENTS" \
        -D nkeys="$ITEMS" -D nclients="$CLIENTS" -h "$WORK" -p "$PORT" -U postgres \
        -f "$WORK/scripts/put_stream_ddb.pgbench" bench >"$OUT_DIR/StreamLatency-load.log" 2>&1 &
    load=$!
    sleep 2
    psql_q -d bench -c "CALL measure_stream_latency($((secs > 10 ? secs - 5 : 5)))"
    wait "$load" || die "the PutItem load of StreamLatency failed (log: $OUT_DIR/StreamLatency-load.log)"
    tps=$(sed -n 's/^tps = \([0-9]*\).* (without initial connection time)$/\1/p' "$OUT_DIR/StreamLatency-load.log")
    LATENCY=$(psql_val "SELECT format('stream latency, commit to GetRecords, under %s ops/s of PutItem on the table with the stream: median %s ms, p99 %s ms, max %s ms (%s samples)',
        '$tps', round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
        round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
        round(max(ms)::numeric, 1), count(*)) FROM stream_latency")
}

report() {
    echo "ddb benchmark: ddb operations vs hand-written SQL (pgbench, higher is better)"
    echo
    printf '%-12s %12s %12s %10s\n' operation "SQL ops/s" "ddb ops/s" "ddb/SQL"
    printf '%-12s %12s %12s %10s\n' ------------ ------------ ------------ ----------
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "ops/s: $STAT of $ROUNDS runs per side, each pgbench -M prepared -T $SECONDS_PER_RUN" \
        "-c $CLIENTS -j $CLIENTS, alternating which side runs first; random keys over $ITEMS items"
    echo "items: $item_sizes (average)"
    echo "runs (ops/s, in round order):"
    printf '  %s\n' "${DETAILS[@]}"
    if [ -n "$LATENCY" ]; then echo "$LATENCY"; fi
    echo
    echo "machine:    $(nproc) CPUs, $cpu_model, $ram_gib RAM"
    echo "PostgreSQL: $pg_version"
    echo "ddb:        $ddb_version (git $git_rev)"
    echo "date:       $(date -u '+%Y-%m-%d %H:%M UTC')"
}

# ---- operation pairs: NAME  SQL_SCRIPT  DDB_SCRIPT -------------------------
bench_pair GetItem get_item_sql.pgbench get_item_ddb.pgbench
bench_pair PutItem put_item_sql.pgbench put_item_ddb.pgbench
bench_pair UpdateItem update_item_sql.pgbench update_item_ddb.pgbench
bench_pair PutItemCond put_item_cond_sql.pgbench put_item_cond_ddb.pgbench
# Query of a 100-item partition of the 1,000,000-item table, against SQL
bench_pair Query query_sql.pgbench query_ddb.pgbench
# not ddb against SQL: the same Query on the 10,000-item table (the "SQL"
# column) and on the 1,000,000-item one (the "ddb" column); a ratio near 1
# means the cost of a Query does not depend on the size of the table
bench_pair QueryScale query_10k_ddb.pgbench query_ddb.pgbench
# PutItem on a table with two GSIs, against SQL writing the item and both
# index rows in one transaction
bench_pair PutItemGSI put_gsi_sql.pgbench put_gsi_ddb.pgbench
# Query on a GSI, against SQL reading the index table
bench_pair QueryGSI query_gsi_sql.pgbench query_gsi_ddb.pgbench
# PartiQL, not against SQL: ExecuteStatement SELECT by key against GetItem
# (the "SQL" column) on the same keys, and against hand-written SQL; an
# UPDATE statement against UpdateItem with the same SET
bench_pair StmtGet get_item_ddb.pgbench statement_get_ddb.pgbench
bench_pair StmtGetSQL get_item_sql.pgbench statement_get_ddb.pgbench
bench_pair StmtUpdate update_item_set_ddb.pgbench statement_update_ddb.pgbench

# PutItem on a table with a NEW_AND_OLD_IMAGES stream (the "ddb" column)
# against the same PutItem on a copy without a stream (the "SQL" column):
# the write overhead of a stream (old images in the WAL, the worker decoding)
bench_pair PutItemStream put_nostream_ddb.pgbench put_stream_ddb.pgbench
# GetRecords of 1000 records against SELECT of them from the log table
bench_pair GetRecords get_records_sql.pgbench get_records_ddb.pgbench
stream_latency

[ ${#ROWS[@]} -gt 0 ] || [ -n "$LATENCY" ] || die "no operation matched BENCH_ONLY=$ONLY"
echo
report | tee "$RESULTS_FILE"
say "results written to $RESULTS_FILE; pgbench output in $OUT_DIR"
