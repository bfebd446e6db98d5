#!/usr/bin/env bash
# bench/ttl.sh: Time to Live. On a table of TTL_ITEMS items (default
# 2,000,000), half of them expired an hour ago, prints how long
# UpdateTimeToLive takes (it builds the expiry index) and how long the
# background worker takes to delete every expired item (rate in items per
# second). Then, on tables of 10,000 and TTL_LIVE_ITEMS (default 1,000,000)
# items none of which has expired, the time of a round that finds nothing
# (ddb.expire_now, mean of 50), which must not depend on the table's size;
# and what the expiry index costs writes: UpdateItem calls per second with
# pgbench (TTL_CLIENTS clients, default 2, 15 s) on the large table without
# and with TTL enabled.
#
#   ./scripts/run.sh && ./bench/ttl.sh      on the development cluster
#   PGHOST=... PGPORT=... ./bench/ttl.sh    on another server with ddb in
#                                           shared_preload_libraries
#
# It works in a scratch database it creates and drops, with the server's
# ddb.ttl_interval and ddb.ttl_batch_size. The expiry time runs from the
# commit of UpdateTimeToLive to the last expired item gone, polled every
# 0.2 s.
set -euo pipefail

export PGHOST=${PGHOST:-/tmp}
export PGPORT=${PGPORT:-54329}
export PGUSER=${PGUSER:-postgres}
bin=${PGBIN:-/usr/lib/postgresql/15/bin}
items=${TTL_ITEMS:-2000000}
live=${TTL_LIVE_ITEMS:-1000000}
clients=${TTL_CLIENTS:-2}
db=ddb_bench_ttl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
value() { psql -d "$db" -At -c "$1"; }
now() { date +%s.%N; }

"$bin/dropdb" --if-exists "$db"
"$bin/createdb" "$db"
# items of about 150 bytes; half (odd keys) expired an hour ago, the others
# expire in a year
psql -d "$db" -o /dev/null <<SQL
CREATE EXTENSION ddb;
SELECT ddb.create_table(t, partition_key => 'pk') FROM unnest(ARRAY['bench', 'live_small', 'live_large']) t;
INSERT INTO ddb_data.bench (pk, item)
SELECT 'k' || g, jsonb_build_object('pk', jsonb_build_object('S', 'k' || g),
           'expires_at', jsonb_build_object('N', (extract(epoch FROM now())::bigint
                                                  + CASE WHEN g % 2 = 1 THEN -3600 ELSE 31536000 END)::text),
           'payload', jsonb_build_object('S', repeat('x', 100)))
  FROM generate_series(1, $items) g;
INSERT INTO ddb_data.live_large (pk, item)
SELECT 'k' || g, jsonb_build_object('pk', jsonb_build_object('S', 'k' || g),
           'expires_at', jsonb_build_object('N', (extract(epoch FROM now())::bigint + 31536000 + g)::text),
           'payload', jsonb_build_object('S', repeat('x', 100)))
  FROM generate_series(1, $live) g;
INSERT INTO ddb_data.live_small SELECT * FROM ddb_data.live_large WHERE pk <= 'k' || 10000 LIMIT 10000;
VACUUM ANALYZE ddb_data.bench, ddb_data.live_small, ddb_data.live_large;
SQL

# writes without TTL (':' is chr(58): pgbench would read :one as a variable)
cat >"$work/update.pgbench" <<SQL
\set k random(1, $live)
SELECT ddb.update_item(jsonb_build_object('TableName', 'live_large',
    'Key', jsonb_build_object('pk', jsonb_build_object('S', 'k' || :k)),
    'UpdateExpression', 'SET expires_at = expires_at + ' || chr(58) || 'one',
    'ExpressionAttributeValues', jsonb_build_object(chr(58) || 'one', jsonb_build_object('N', '1'))));
SQL
tps() {
    "$bin/pgbench" -n -M prepared -T 15 -c "$clients" -j "$clients" -f "$work/update.pgbench" "$db" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
without=$(tps)

enable() {
    psql -d "$db" -o /dev/null -c "SELECT ddb.update_time_to_live(jsonb_build_object('TableName', '$1',
        'TimeToLiveSpecification', jsonb_build_object('AttributeName', 'expires_at', 'Enabled', true)))"
}

start=$(now)
enable bench
enabled=$(now)
until [ "$(value "SELECT count(*) = 0 FROM ddb_data.bench WHERE (item -> 'expires_at' ->> 'N')::bigint < extract(epoch FROM now())")" = t ]; do
    sleep 0.2
done
done_at=$(now)
deleted=$(value "SELECT deleted_total FROM ddb.ttl_status WHERE table_name = 'bench'")

enable live_small
enable live_large
with=$(tps)
psql -d "$db" -o /dev/null -c 'VACUUM ANALYZE ddb_data.live_small, ddb_data.live_large'

# mean time of 50 rounds that find nothing, in ms
empty_round() {
    value "DO \$\$
DECLARE
    t0 timestamptz;
    n bigint := 0;
BEGIN
    PERFORM ddb.expire_now('$1');
    t0 := clock_timestamp();
    FOR i IN 1..50 LOOP
        n := n + ddb.expire_now('$1');
    END LOOP;
    RAISE NOTICE '%', round(extract(epoch FROM clock_timestamp() - t0) * 1000 / 50, 3);
END
\$\$" 2>&1 | sed -n 's/.*NOTICE:  //p'
}
small=$(empty_round live_small)
large=$(empty_round live_large)

awk -v items="$items" -v deleted="$deleted" -v s="$start" -v e="$enabled" -v d="$done_at" \
    -v small="$small" -v large="$large" -v live="$live" -v without="$without" -v with="$with" -v clients="$clients" 'BEGIN {
    printf "UpdateTimeToLive (expiry index over %d items): %.1f s\n", items, e - s
    printf "expired items deleted by the worker: %d in %.1f s (%.0f items/s)\n", deleted, d - e, deleted / (d - e)
    printf "a round that finds nothing: %s ms on 10,000 items, %s ms on %d items\n", small, large, live
    printf "UpdateItem of the TTL attribute, %d clients: %.0f/s without TTL, %.0f/s with (%.2f)\n", clients, without, with, with / without
}'
"$bin/dropdb" "$db"
