#!/usr/bin/env bash
# bench/backfill.sh: the backfill rate of a new global secondary index
# (UpdateTable's Create, built by ddb's background worker) over a table of
# BACKFILL_ITEMS items (default 1,000,000), first alone, then while pgbench
# runs UpdateItem calls that change the index key of random items
# (BACKFILL_CLIENTS clients, default 4). Prints items per second for both.
#
#   ./scripts/run.sh &&  ./bench/backfill.sh     on the development cluster
#   PGHOST=... PGPORT=... ./bench/backfill.sh    on another server with ddb
#                                                in shared_preload_libraries
#
# It works in a scratch database it creates and drops, with the server's
# ddb.backfill_batch_size (default 1000). The rate is items of the table
# divided by the time from UpdateTable to IndexStatus ACTIVE, polled every
# 0.1 s.
set -euo pipefail

export PGHOST=${PGHOST:-/tmp}
export PGPORT=${PGPORT:-54329}
export PGUSER=${PGUSER:-postgres}
bin=${PGBIN:-/usr/lib/postgresql/15/bin}
items=${BACKFILL_ITEMS:-1000000}
clients=${BACKFILL_CLIENTS:-4}
db=ddb_bench_backfill
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

"$bin/dropdb" --if-exists "$db"
"$bin/createdb" "$db"
psql -d "$db" -o /dev/null <<SQL
CREATE EXTENSION ddb;
SELECT ddb.create_table('bench', partition_key => 'pk');
INSERT INTO ddb_data.bench (pk, item)
SELECT 'k' || g, jsonb_build_object('pk', jsonb_build_object('S', 'k' || g),
           'status', jsonb_build_object('S', 's' || (g % 10)), 'n', jsonb_build_object('N', g::text),
           'payload', jsonb_build_object('S', repeat('x', 100)))
  FROM generate_series(1, $items) g;
VACUUM ANALYZE ddb_data.bench;
SQL

cat >"$work/update.pgbench" <<SQL
\set k random(1, $items)
\set s random(0, 9)
SELECT ddb.update_item(jsonb_build_object('TableName', 'bench',
    'Key', jsonb_build_object('pk', jsonb_build_object('S', 'k' || :k)),
    'UpdateExpression', 'SET #s = :s',
    'ExpressionAttributeNames', jsonb_build_object('#s', 'status'),
    'ExpressionAttributeValues', jsonb_build_object(':s', jsonb_build_object('S', 'u' || :s))));
SQL

# create index $1, wait for it to be ACTIVE; prints the seconds it took
backfill() {
    local start end
    start=$(date +%s.%N)
    psql -d "$db" -o /dev/null -c "SELECT ddb.update_table(jsonb_build_object('TableName', 'bench',
        'AttributeDefinitions', jsonb_build_array(jsonb_build_object('AttributeName', 'status', 'AttributeType', 'S')),
        'GlobalSecondaryIndexUpdates', jsonb_build_array(jsonb_build_object('Create', jsonb_build_object(
            'IndexName', '$1',
            'KeySchema', jsonb_build_array(jsonb_build_object('AttributeName', 'status', 'KeyType', 'HASH')),
            'Projection', jsonb_build_object('ProjectionType', 'KEYS_ONLY'))))))"
    until [ "$(psql -d "$db" -At -c "SELECT status FROM ddb.indexes WHERE index_name = '$1'")" = ACTIVE ]; do
        sleep 0.1
    done
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

drop_index() {
    psql -d "$db" -o /dev/null -c "SELECT ddb.update_table(jsonb_build_object('TableName', 'bench',
        'GlobalSecondaryIndexUpdates', jsonb_build_array(jsonb_build_object('Delete', jsonb_build_object('IndexName', '$1')))))"
}

alone=$(backfill byStatus)
drop_index byStatus

"$bin/pgbench" -n -c "$clients" -j "$clients" -T 3600 -f "$work/update.pgbench" "$db" >"$work/pgbench.out" 2>&1 &
load=$!
sleep 2
loaded=$(backfill byStatus2)
kill -INT "$load" 2>/dev/null || true
wait "$load" 2>/dev/null || true

printf 'items: %d, ddb.backfill_batch_size: %s\n' "$items" "$(psql -d "$db" -At -c 'SHOW ddb.backfill_batch_size')"
printf 'backfill alone:                          %8.0f items/s (%.1f s)\n' "$(echo "$items / $alone" | bc -l)" "$alone"
printf 'backfill with %d clients of UpdateItem:   %8.0f items/s (%.1f s)\n' "$clients" "$(echo "$items / $loaded" | bc -l)" "$loaded"
"$bin/dropdb" "$db"
