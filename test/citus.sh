#!/usr/bin/env bash
# citus: ddb tables distributed with Citus. Starts a loopback cluster of
# three servers (a coordinator and two worker nodes, each with citus and
# ddb preloaded) and runs on it, in database ddb_citus:
#   - the regression tests of CITUS_REGRESS below, unchanged, with
#     ddb.distribute_new_tables on, so every table they create is
#     distributed (4 shards): the same expected output as on one node;
#   - test/citus/sql/*.sql (against test/citus/expected/): distribution,
#     routing, co-located index upkeep, catalog copies, transactions across
#     shards, TTL, and the errors of ddb.distribute_table;
#   - the isolation specs of CITUS_ISOLATION below, on distributed tables.
# Skips (exit 0, saying so) when Citus is not installed for PGBIN:
# scripts/test.sh builds it first from ../shared/third_party/citus/ when
# that exists. Needs PGBIN (the server's bin directory); runs as the
# servers' OS user. Leaves the nodes' logs in $TMPDIR on failure.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -f "$("$bin/pg_config" --pkglibdir)/citus.so" ]; then
    echo "citus: SKIP: Citus is not installed for $bin" \
         "(scripts/test.sh builds it from ../shared/third_party/citus/ when that is present)"
    exit 0
fi
pgxs=$(dirname "$(dirname "$(dirname "$("$bin/pg_config" --pgxs)")")")  # .../lib/pgxs

# regression tests whose output does not depend on where rows live
CITUS_REGRESS="attribute_values items marshal expressions_parse conditions updates projections legacy
  batch scan strings key_parameters validation_expressions validation_tables indexes_definition
  indexes_collections partiql_write partiql_batch partiql_limits"
CITUS_ISOLATION="put_race conditional_create counter transfer_race transact_conflict delete_race write_skew index_race"

dir=$(mktemp -d "${TMPDIR:-/tmp}/ddb-citus.XXXXXX")
db=ddb_citus
ports=()
ok=0
finish() {
    for n in 0 1 2; do
        [ -f "$dir/n$n/postmaster.pid" ] && "$bin/pg_ctl" -D "$dir/n$n" -m fast -w stop >/dev/null 2>&1
    done
    if [ "$ok" = 1 ]; then
        rm -rf "$dir"
    else
        for n in 0 1 2; do
            [ -f "$dir/n$n.log" ] && { echo "--- node $n log (tail)"; tail -n 20 "$dir/n$n.log"; }
        done
        echo "citus: the cluster's files and logs are in $dir"
    fi
}
trap finish EXIT

free_port() {
    local p
    while :; do
        p=$((40000 + RANDOM % 9000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        [[ " ${ports[*]} " == *" $p "* ]] && continue
        echo "$p"
        return
    done
}

psql_at() { local port=$1; shift; "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" "$@"; }

for n in 0 1 2; do
    ports[n]=$(free_port)
    "$bin/initdb" -D "$dir/n$n" -A trust -E UTF8 --locale=C >/dev/null
    cat >>"$dir/n$n/postgresql.conf" <<CONF
port = ${ports[n]}
listen_addresses = 'localhost'
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus, ddb'
wal_level = logical
max_prepared_transactions = 50
max_worker_processes = 32
track_commit_timestamp = on
fsync = off
synchronous_commit = off
full_page_writes = off
lc_messages = 'C'
ddb.http_port = 0
ddb.worker_naptime = 1
citus.shard_count = 4
log_min_messages = warning
CONF
    "$bin/pg_ctl" -D "$dir/n$n" -l "$dir/n$n.log" -w -t 120 start >/dev/null
done
for n in 0 1 2; do
    psql_at "${ports[n]}" -d postgres -c "CREATE DATABASE $db" 2>/dev/null
    psql_at "${ports[n]}" -d "$db" -c "CREATE EXTENSION citus"
done
psql_at "${ports[0]}" -d "$db" -o /dev/null \
    -c "SELECT citus_set_coordinator_host('localhost', ${ports[0]})" \
    -c "SELECT citus_add_node('localhost', ${ports[1]})" \
    -c "SELECT citus_add_node('localhost', ${ports[2]})"
echo "citus: coordinator on port ${ports[0]}, workers on ${ports[1]} and ${ports[2]}"

status=0
regress() {
    local out=$1; shift
    if ! "$pgxs/src/test/regress/pg_regress" --bindir="$bin" --host="$dir" --port="${ports[0]}" \
            --use-existing --dbname="$db" --outputdir="$dir/$out" "$@"; then
        [ -f "$dir/$out/regression.diffs" ] && cat "$dir/$out/regression.diffs"
        status=1
    fi
}

# the regression tests, every table distributed
PGOPTIONS="-c ddb.distribute_new_tables=on" regress regress --inputdir=. setup $CITUS_REGRESS
# what only a cluster shows
shopt -s nullglob
citus_tests=()
for f in test/citus/sql/*.sql; do citus_tests+=("$(basename "$f" .sql)"); done
regress citus --inputdir=test/citus "${citus_tests[@]}"
# concurrency on distributed tables
if ! PGOPTIONS="-c ddb.distribute_new_tables=on" \
        "$pgxs/src/test/isolation/pg_isolation_regress" --bindir="$bin" --host="$dir" --port="${ports[0]}" \
        --use-existing --dbname="$db" --inputdir=test/isolation --outputdir="$dir/isolation" $CITUS_ISOLATION; then
    [ -f "$dir/isolation/regression.diffs" ] && cat "$dir/isolation/regression.diffs"
    status=1
fi

[ "$status" = 0 ] && ok=1
exit "$status"
