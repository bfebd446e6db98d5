#!/usr/bin/env bash
# bench/pitr.sh: what point-in-time recovery costs. Two tables of
# PITR_ITEMS items (default 100,000, about 150 bytes each), one with
# point-in-time recovery enabled; PutItem (new items) and UpdateItem (SET
# n = n + :one on a random item) calls per second with pgbench
# (PITR_CLIENTS clients, default 2, PITR_SECONDS s each, default 10) on
# each, off and on alternating, PITR_ROUNDS times (default 4), in the same
# run, and the ratio on/off of the means. Then the storage the history takes per update and
# per million updates, and how long a restore at the latest time takes.
#
#   ./scripts/run.sh && ./bench/pitr.sh        on the development cluster
#   PGHOST=... PGPORT=... ./bench/pitr.sh      on another server with ddb in
#                                              shared_preload_libraries and
#                                              track_commit_timestamp = on
#
# It works in a scratch database it creates and drops.
set -euo pipefail

export PGHOST=${PGHOST:-/tmp}
export PGPORT=${PGPORT:-54329}
export PGUSER=${PGUSER:-postgres}
bin=${PGBIN:-/usr/lib/postgresql/15/bin}
items=${PITR_ITEMS:-100000}
clients=${PITR_CLIENTS:-2}
seconds=${PITR_SECONDS:-10}
rounds=${PITR_ROUNDS:-4}
db=ddb_bench_pitr
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
value() { psql -d "$db" -At -c "$1"; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

[ "$(psql -d postgres -At -c 'SHOW track_commit_timestamp')" = on ] ||
    { echo "bench/pitr.sh: the server needs track_commit_timestamp = on" >&2; exit 1; }
"$bin/dropdb" --if-exists "$db"
"$bin/createdb" "$db"
psql -d "$db" -o /dev/null <<SQL
CREATE EXTENSION ddb;
SELECT ddb.create_table('pitr_off', partition_key => 'pk');
SELECT ddb.create_table('pitr_on', partition_key => 'pk');
INSERT INTO ddb_data.pitr_off (pk, item)
SELECT 'k' || g, jsonb_build_object('pk', jsonb_build_object('S', 'k' || g),
           'n', jsonb_build_object('N', g::text), 'payload', jsonb_build_object('S', repeat('x', 100)))
  FROM generate_series(1, $items) g;
INSERT INTO ddb_data.pitr_on SELECT * FROM ddb_data.pitr_off;
VACUUM ANALYZE ddb_data.pitr_off, ddb_data.pitr_on;
SELECT ddb.update_continuous_backups('{"TableName": "pitr_on",
    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}');
SQL
history=$(value "SELECT history FROM ddb.continuous_backups WHERE table_name = 'pitr_on'")
base=$(value "SELECT base FROM ddb.continuous_backups WHERE table_name = 'pitr_on'")

for t in off on; do
    cat > "$work/put_$t.sql" <<SQL
\set k random(1, 1000000000)
SELECT ddb.put_item(jsonb_build_object('TableName', 'pitr_$t',
    'Item', jsonb_build_object('pk', jsonb_build_object('S', 'new' || :k),
       'n', jsonb_build_object('N', '1'), 'payload', jsonb_build_object('S', repeat('x', 100)))));
SQL
    cat > "$work/update_$t.sql" <<SQL
\set k random(1, $items)
SELECT ddb.update_item(jsonb_build_object('TableName', 'pitr_$t',
    'Key', jsonb_build_object('pk', jsonb_build_object('S', 'k' || :k)),
    'UpdateExpression', 'SET n = n + :one',
    'ExpressionAttributeValues', jsonb_build_object(':one', jsonb_build_object('N', '1'))));
SQL
done

tps() {  # script -> calls per second
    "$bin/pgbench" -n -d "$db" -c "$clients" -j "$clients" -T "$seconds" -f "$1" > "$work/out" 2>&1 ||
        { cat "$work/out" >&2; exit 1; }
    sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/out" | head -1 | cut -d. -f1
}
count() {  # script -> transactions processed
    sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/out"
}

echo "point-in-time recovery: $items items, $clients clients, ${seconds} s per run"
updates_on=0
history_before=$(value "SELECT pg_table_size('$history')")
for op in put update; do
    sum_off=0; sum_on=0
    for round in $(seq "$rounds"); do
        # the two sides in turn, first one then the other, so that drifts
        # of the host's load fall on both
        if [ $((round % 2)) -eq 1 ]; then order="off on"; else order="on off"; fi
        for side in $order; do
            rate=$(tps "$work/${op}_$side.sql")
            if [ "$side" = on ]; then
                on=$rate
                [ "$op" = update ] && updates_on=$((updates_on + $(count)))
                [ "$op" = put ] && puts_on=$(( ${puts_on:-0} + $(count) ))
            else
                off=$rate
            fi
        done
        echo "  $op round $round: off $off/s, on $on/s"
        sum_off=$((sum_off + off)); sum_on=$((sum_on + on))
    done
    echo "  $op: off $((sum_off / rounds))/s, on $((sum_on / rounds))/s (means), ratio $(echo "scale=2; $sum_on / $sum_off" | bc)"
    if [ "$op" = put ]; then history_after_puts=$(value "SELECT pg_table_size('$history')"); fi
done
history_after=$(value "SELECT pg_table_size('$history')")
per_update=$(( (history_after - history_after_puts) / updates_on ))
echo "  history: $(( (history_after_puts - history_before) / puts_on )) bytes per PutItem, $per_update bytes per UpdateItem"
echo "  storage per 1,000,000 updates: $(( per_update * 1000000 / 1048576 )) MB of history;" \
     "base copy $(value "SELECT pg_size_pretty(pg_table_size('$base'))"), item table $(value "SELECT pg_size_pretty(pg_table_size('ddb_data.pitr_on'))")"
start=$(now)
# within the call (a restore this large would otherwise go to the worker)
psql -d "$db" -o /dev/null -c "SELECT pg_sleep(1.1)" -c "SET ddb.backup_sync_limit = 2147483647" \
    -c "SELECT ddb.restore_table_to_point_in_time('{\"SourceTableName\": \"pitr_on\",
    \"TargetTableName\": \"restored\", \"UseLatestRestorableTime\": true}')"
echo "  restore at the latest time ($(value "SELECT count(*) FROM $history") history rows): $(echo "$(elapsed "$start") - 1.1" | bc) s"
"$bin/dropdb" "$db"
