#!/usr/bin/env bash
# bench/citus.sh: what distributing a table with Citus costs each request.
# On a loopback Citus cluster (scripts/citus_cluster.sh: a coordinator and
# two worker nodes on this machine), two tables of CITUS_ITEMS items
# (default 100,000; partition key pk with 10 items per partition, sort key
# sk), one left on the coordinator and one distributed with
# ddb.distribute_table (CITUS_SHARDS shards, default 8), both used through
# the coordinator. GetItem, PutItem (a random item replaced), Query (one
# 10-item partition), ScanPage (a Scan page of 100 items after a random
# key) and ScanSegment (the first 100 items of a random one of 8 parallel
# Scan segments) through ddb, each with pgbench -M prepared
# (CITUS_CLIENTS clients, default 4, CITUS_SECONDS s per run, default 10),
# local and distributed alternating CITUS_ROUNDS times (default 2), the
# best run of each; prints ops/s and the ratio distributed / local, and
# writes them to bench/results_citus.txt.
#
#   ./bench/citus.sh          (needs ddb and Citus installed for PGBIN, as
#                              ./scripts/test.sh leaves them)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
PGBIN=${PGBIN:-${DDB_PGBIN:-/usr/lib/postgresql/15/bin}}
if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root; results are written back as root
    out=$(mktemp)
    chown postgres "$out"
    runuser -u postgres -- env PGBIN="$PGBIN" CITUS_RESULTS="$out" \
        CITUS_ITEMS="${CITUS_ITEMS:-}" CITUS_SHARDS="${CITUS_SHARDS:-}" CITUS_CLIENTS="${CITUS_CLIENTS:-}" \
        CITUS_SECONDS="${CITUS_SECONDS:-}" CITUS_ROUNDS="${CITUS_ROUNDS:-}" "$0" "$@"
    cp "$out" "$BENCH_DIR/results_citus.txt"
    rm -f "$out"
    exit 0
fi
[ -f "$("$PGBIN/pg_config" --pkglibdir)/citus.so" ] || { echo "Citus is not installed for $PGBIN" >&2; exit 1; }

items=${CITUS_ITEMS:-100000}
shards=${CITUS_SHARDS:-8}
clients=${CITUS_CLIENTS:-4}
seconds=${CITUS_SECONDS:-10}
rounds=${CITUS_ROUNDS:-2}
results=${CITUS_RESULTS:-$BENCH_DIR/results_citus.txt}

# shellcheck source=scripts/citus_cluster.sh
. "$REPO/scripts/citus_cluster.sh"
CITUS_BIN=$PGBIN
dir=$(mktemp -d "${TMPDIR:-/tmp}/ddb-citus-bench.XXXXXX")
trap 'citus_cluster_stop "$dir"; rm -rf "$dir"' EXIT
citus_cluster_start "$dir" ddb_bench
coordinator=${CITUS_PORTS[0]}

citus_psql "$coordinator" -d ddb_bench -o /dev/null -v items="$items" -v shards="$shards" <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('bench_local', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N');
SELECT ddb.create_table('bench_dist', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N');
SELECT ddb.distribute_table('bench_dist', :shards);
SELECT count(ddb.put_item(jsonb_build_object('TableName', t, 'Item', jsonb_build_object(
         'pk', jsonb_build_object('S', 'p' || (i / 10)), 'sk', jsonb_build_object('N', (i % 10)::text),
         'name', jsonb_build_object('S', 'Customer ' || i), 'n', jsonb_build_object('N', i::text),
         'email', jsonb_build_object('S', 'customer' || i || '@example.com')))))
  FROM unnest(ARRAY['bench_local', 'bench_dist']) t, generate_series(0, :items - 1) i;
VACUUM ANALYZE ddb_data.bench_local;
VACUUM ANALYZE ddb_data.bench_dist;
SQL

# one pgbench script per operation and table (TABLE replaced)
script() {
    local op=$1 table=$2 file=$dir/$1_$2.pgbench
    case $op in
    GetItem) cat >"$file" <<'PGB' ;;
\set i random(0, :nitems - 1)
SELECT ddb.get_item(('{"TableName":"TABLE","Key":{"pk":{"S":"p' || (:i / 10) || '"},"sk":{"N":"' || (:i % 10) || '"}}}')::jsonb);
PGB
    PutItem) cat >"$file" <<'PGB' ;;
\set i random(0, :nitems - 1)
SELECT ddb.put_item(('{"TableName":"TABLE","Item":{"pk":{"S":"p' || (:i / 10) || '"},"sk":{"N":"' || (:i % 10) || '"},"name":{"S":"Customer ' || :i || '"},"n":{"N":"' || :i || '"},"email":{"S":"customer' || :i || '@example.com"}}}')::jsonb);
PGB
    Query) cat >"$file" <<'PGB' ;;
\set p random(0, :nitems / 10 - 1)
SELECT ddb.query(('{"TableName":"TABLE","KeyConditionExpression":"pk = ' || chr(58) || 'v","ExpressionAttributeValues":{"' || chr(58) || 'v":{"S":"p' || :p || '"}}}')::jsonb);
PGB
    ScanPage) cat >"$file" <<'PGB' ;;
\set p random(0, :nitems / 10 - 1)
SELECT ddb.scan(('{"TableName":"TABLE","Limit":100,"ExclusiveStartKey":{"pk":{"S":"p' || :p || '"},"sk":{"N":"9"}}}')::jsonb);
PGB
    ScanSegment) cat >"$file" <<'PGB' ;;
\set s random(0, 7)
SELECT ddb.scan(('{"TableName":"TABLE","Limit":100,"Segment":' || :s || ',"TotalSegments":8}')::jsonb);
PGB
    esac
    sed -i "s/TABLE/$table/" "$file"
    echo "$file"
}

run() {
    "$PGBIN/pgbench" -n -M prepared -h "$dir" -p "$coordinator" -c "$clients" -j "$clients" -T "$seconds" \
        -D nitems="$items" -f "$1" ddb_bench 2>&1 | awk '/^tps = / { printf "%d\n", $3 }'
}

{
    echo "ddb on Citus: a coordinator and 2 worker nodes on one host ($(nproc) CPUs), $items items,"
    echo "distributed table: $shards shards; $clients clients, best of $rounds runs of ${seconds}s each"
    printf '%-10s %12s %12s %8s\n' operation local/s distributed/s ratio
} | tee "$results"
for op in GetItem PutItem Query ScanPage ScanSegment; do
    local_script=$(script "$op" bench_local)
    dist_script=$(script "$op" bench_dist)
    best_local=0
    best_dist=0
    for r in $(seq "$rounds"); do
        if [ $((r % 2)) = 1 ]; then order="local dist"; else order="dist local"; fi
        for side in $order; do
            if [ "$side" = local ]; then
                v=$(run "$local_script"); [ "$v" -gt "$best_local" ] && best_local=$v
            else
                v=$(run "$dist_script"); [ "$v" -gt "$best_dist" ] && best_dist=$v
            fi
        done
    done
    printf '%-10s %12d %12d %8.2f\n' "$op" "$best_local" "$best_dist" \
        "$(awk -v d="$best_dist" -v l="$best_local" 'BEGIN { print (l > 0 ? d / l : 0) }')" | tee -a "$results"
done
