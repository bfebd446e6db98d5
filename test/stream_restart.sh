#!/usr/bin/env bash
# stream_restart: stream records are exactly the committed changes, in
# order, once each, across a killed worker and a crashed server. Four
# clients increment counters on their own items (UpdateItem ADD v 1, each
# in its own transaction) for 8 seconds on a table with a NEW_IMAGE
# stream; meanwhile the background worker is terminated (it restarts) and
# the server is stopped with -m immediate and started again (crash
# recovery); then large transactions spill to disk while decoded, while
# ddb.pull_stream_records and the worker take turns. Afterwards, for every
# item, the records read from the log are
# INSERT v=1 then MODIFY v=2, 3, ... up to the item's committed value,
# with no gap, no repeat and unique event IDs.
# Needs PGHOST, PGPORT, PGUSER and PGBIN; leaves the server running.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_stream_restart
work=$(mktemp -d)
writers=()
cleanup() {
    for w in "${writers[@]}"; do kill "$w" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
value() { psql -d "$db" -At -c "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# wait up to 60 s for a query to return t
wait_for() {
    for _ in $(seq 1 600); do
        [ "$(value "$1" 2>/dev/null || true)" = t ] && return 0
        sleep 0.1
    done
    fail "timed out waiting for: $1"
}

datadir=$(psql -d postgres -At -c 'SHOW data_directory')
log="$(dirname "$datadir")/postgresql.log"
[ -w "$log" ] || log="$work/postgresql.log"

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"
psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.call('CreateTable', '{"TableName": "counters", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}');
CREATE PROCEDURE bump(k text, n int) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..n LOOP
        PERFORM ddb.update('counters', jsonb_build_object('pk', k), 'ADD v :one', '{":one": 1}');
        COMMIT;
    END LOOP;
END
$$;
SQL
psql -d "$db" -o /dev/null -c 'SELECT ddb.pull_stream_records()'
wait_for "SELECT status = 'ENABLED' FROM ddb.streams WHERE table_name = 'counters'"

# four writers, each on four items of its own, until the deadline; a
# connection lost to the crash is retried
end=$(( $(date +%s) + 8 ))
for c in 1 2 3 4; do
    (
        while [ "$(date +%s)" -lt "$end" ]; do
            for k in 1 2 3 4; do
                "$bin/psql" -X -q -d "$db" -c "CALL bump('w$c-$k', 10)" >/dev/null 2>&1 || sleep 0.2
            done
        done
    ) &
    writers+=($!)
done

# the worker, terminated while it reads the slot
sleep 2
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'ddb worker'
           AND datname = current_database())"
value "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE backend_type = 'ddb worker' AND datname = current_database()" >/dev/null
stored_before=$(value "SELECT count(*) FROM ddb.stream_records")

# the server, crashed and started again
sleep 2
"$bin/pg_ctl" -D "$datadir" -l "$log" -m immediate -w -t 120 restart >/dev/null
for w in "${writers[@]}"; do wait "$w" || true; done
writers=()

# large transactions that spill to disk while decoded (logical_decoding_work_mem
# at its minimum), committed while other writers go on and while the worker
# and ddb.pull_stream_records take turns at the slot: a decoding session
# that kept spilled transactions must not lose them to another session
psql -d "$db" -o /dev/null -c "ALTER SYSTEM SET logical_decoding_work_mem = '64kB'" -c 'SELECT pg_reload_conf()'
end=$(( $(date +%s) + 4 ))
(
    while [ "$(date +%s)" -lt "$end" ]; do
        "$bin/psql" -X -q -d "$db" -c "CALL bump('small', 5)" >/dev/null
    done
) &
writers+=($!)
(
    while [ "$(date +%s)" -lt "$end" ]; do
        "$bin/psql" -X -q -d "$db" -o /dev/null -c 'SELECT ddb.pull_stream_records()'
        sleep 0.3
    done
) &
writers+=($!)
for b in 1 2 3; do
    psql -d "$db" -o /dev/null -c "
        DO \$\$ BEGIN
            FOR i IN 1..150 LOOP
                FOR j IN 1..4 LOOP
                    PERFORM ddb.update('counters', jsonb_build_object('pk', 'big$b-' || i), 'ADD v :one', '{\":one\": 1}');
                END LOOP;
                PERFORM pg_sleep(0.002);
            END LOOP;
        END \$\$"
done
for w in "${writers[@]}"; do wait "$w" || fail "a writer of the spilling phase failed"; done
writers=()
psql -d "$db" -o /dev/null -c 'ALTER SYSTEM RESET logical_decoding_work_mem' -c 'SELECT pg_reload_conf()'

# every committed change is in the log once the worker (or a pull) has
# read the slot up to now
psql -d "$db" -o /dev/null -c 'SELECT ddb.pull_stream_records()'
committed=$(value "SELECT coalesce(sum((item->'v'->>'N')::int), 0) FROM ddb_data.counters")
[ "$committed" -gt 100 ] || fail "only $committed increments committed"

problems=$(value "
    WITH r AS (
        SELECT record #>> '{dynamodb,Keys,pk,S}' AS k, (record #>> '{dynamodb,NewImage,v,N}')::int AS v,
               record ->> 'eventName' AS event, record ->> 'eventID' AS id,
               row_number() OVER (PARTITION BY record #>> '{dynamodb,Keys,pk,S}'
                                  ORDER BY commit_lsn, change_index) AS n
          FROM ddb.stream_records
         WHERE stream_id = (SELECT stream_id FROM ddb.streams WHERE table_name = 'counters'))
    SELECT (SELECT count(*) FROM r WHERE v <> n OR event <> CASE WHEN n = 1 THEN 'INSERT' ELSE 'MODIFY' END)
         + (SELECT count(*) FROM ddb_data.counters c
             WHERE (item->'v'->>'N')::int <> (SELECT count(*) FROM r WHERE r.k = c.pk))
         + (SELECT count(*) - count(DISTINCT id) FROM r)
         + (SELECT count(*) FROM r WHERE NOT EXISTS (SELECT 1 FROM ddb_data.counters c WHERE c.pk = r.k))")
[ "$problems" = 0 ] || fail "$problems records are missing, repeated, out of order or of uncommitted changes"
records=$(value "SELECT count(*) FROM ddb.stream_records")
[ "$records" = "$committed" ] || fail "$records records for $committed committed changes"

# the records read through the API are the same
api=$(value "
    WITH s AS (SELECT ddb.call('DescribeTable', '{\"TableName\": \"counters\"}') #>> '{Table,LatestStreamArn}' AS arn)
    SELECT jsonb_array_length(ddb.call('GetRecords', jsonb_build_object('ShardIterator',
             ddb.call('GetShardIterator', jsonb_build_object('StreamArn', s.arn,
               'ShardId', (SELECT shard_id FROM ddb.streams WHERE table_name = 'counters'),
               'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator', 'Limit', 1000)) -> 'Records')
      FROM s")
[ "$api" -eq "$(( records < 1000 ? records : 1000 ))" ] || fail "GetRecords returned $api records"

# no stream left: the slot goes with the table's stream
psql -d "$db" -o /dev/null -c "SELECT ddb.call('DeleteTable', '{\"TableName\": \"counters\"}')"
psql -d "$db" -o /dev/null -c 'SELECT ddb.pull_stream_records()'
psql -d "$db" -o /dev/null -c 'SELECT ddb.pull_stream_records()'
[ "$(value "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")" = 0 ] ||
    fail "the replication slot is still there"
"$bin/dropdb" "$db"
echo "ok: $committed committed changes, $records records ($stored_before stored before the crash), each once and in order"
