#!/usr/bin/env bash
# stream_slot_loss: the streams' replication slot lost under them, dropped
# by hand (pg_drop_replication_slot) and invalidated (max_slot_wal_keep_size
# exceeded while the worker could not read it). Either way the streams
# that were reading the slot end as if disabled: DISABLED, the shard closed
# at the last record stored before the loss, those records readable through
# GetRecords (then no NextShardIterator), DescribeTable without a
# StreamSpecification; the lost slot is not kept; enabling the stream again
# starts a new one that captures again. Last, streams enabled and disabled
# while the worker creates the slot (which waits for the transactions in
# progress) end up ENABLED and DISABLED.
# Needs PGHOST, PGPORT, PGUSER and PGBIN; leaves the server running.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_stream_slot_loss
holder=""
cleanup() {
    if [ -n "$holder" ]; then kill "$holder" 2>/dev/null || true; fi
    "$bin/psql" -X -q -d postgres -c 'ALTER SYSTEM RESET max_slot_wal_keep_size' \
        -c 'SELECT pg_reload_conf()' >/dev/null 2>&1 || true
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

put() {
    value "SELECT ddb.put('music', '{\"Artist\": \"$1\", \"n\": $2}')" >/dev/null
}

# the ARN of a stream (by its number)
arn_of() {
    value "SELECT 'arn:aws:dynamodb:' || current_setting('ddb.region') || ':' ||
                  current_setting('ddb.account_id') || ':table/music/stream/' || stream_label
             FROM ddb.streams WHERE stream_id = $1"
}

# the records GetRecords returns from the oldest of a stream's shard, as
# "<count> <whether a NextShardIterator came>"
read_shard() {
    value "
        WITH r AS (SELECT ddb.call('GetRecords', jsonb_build_object('ShardIterator',
                     ddb.call('GetShardIterator', jsonb_build_object('StreamArn', '$(arn_of "$1")',
                       'ShardId', shard_id, 'ShardIteratorType', 'TRIM_HORIZON')) ->> 'ShardIterator')) AS page
                     FROM ddb.streams WHERE stream_id = $1)
        SELECT jsonb_array_length(page -> 'Records') || ' ' || (page ? 'NextShardIterator') FROM r"
}

# the checks after a loss: the stream ended at its last record, readable
check_ended() {
    local stream=$1 records=$2 what=$3
    wait_for "SELECT status = 'DISABLED' FROM ddb.streams WHERE stream_id = $stream"
    [ "$(read_shard "$stream")" = "$records false" ] ||
        fail "$what: GetRecords of the ended stream gave $(read_shard "$stream"), not $records records and the end"
    [ "$(value "SELECT (ddb.call('DescribeTable', '{\"TableName\": \"music\"}') -> 'Table') ? 'StreamSpecification'")" = f ] ||
        fail "$what: DescribeTable still shows a StreamSpecification"
    [ "$(value "
        WITH d AS (SELECT ddb.call('DescribeStream', jsonb_build_object('StreamArn', '$(arn_of "$stream")')) AS d)
        SELECT d #>> '{StreamDescription,StreamStatus}' = 'DISABLED'
           AND d #>> '{StreamDescription,Shards,0,SequenceNumberRange,EndingSequenceNumber}' =
               (SELECT record #>> '{dynamodb,SequenceNumber}' FROM ddb.stream_records WHERE stream_id = $stream
                 ORDER BY commit_lsn DESC, change_index DESC LIMIT 1)
          FROM d")" = t ] ||
        fail "$what: DescribeStream does not show the stream DISABLED with its shard closed at the last record"
    wait_for "SELECT count(*) = 0 FROM pg_replication_slots WHERE database = current_database()"
}

# enable the stream again; returns the new stream's number
enable_again() {
    psql -d "$db" -o /dev/null -c "SELECT ddb.call('UpdateTable', '{\"TableName\": \"music\",
        \"StreamSpecification\": {\"StreamEnabled\": true, \"StreamViewType\": \"NEW_IMAGE\"}}')"
    wait_for "SELECT status = 'ENABLED' FROM ddb.streams WHERE table_name = 'music' ORDER BY stream_id DESC LIMIT 1"
    value "SELECT max(stream_id) FROM ddb.streams WHERE table_name = 'music'"
}

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"
psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.call('CreateTable', '{"TableName": "music", "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}');
SQL
wait_for "SELECT status = 'ENABLED' FROM ddb.streams WHERE table_name = 'music'"
slot=$(value "SELECT 'ddb_streams_' || oid FROM pg_database WHERE datname = current_database()")
stream=$(value "SELECT stream_id FROM ddb.streams WHERE table_name = 'music'")

# ---- dropped by hand ---------------------------------------------------------
for i in 1 2 3; do put "a$i" "$i"; done
wait_for "SELECT count(*) = 3 FROM ddb.stream_records WHERE stream_id = $stream"
dropped=0
for _ in $(seq 1 100); do
    if value "SELECT pg_drop_replication_slot('$slot')" >/dev/null 2>&1; then dropped=1; break; fi
    sleep 0.05   # the worker holds the slot while it reads it
done
[ "$dropped" = 1 ] || fail "could not drop the slot"
put a4 4   # committed while there is no slot: lost to the stream
check_ended "$stream" 3 "dropped slot"
[ "$(value "SELECT count(*) FROM ddb.stream_records WHERE stream_id = $stream")" = 3 ] ||
    fail "dropped slot: the ended stream has records after the loss"

stream=$(enable_again)
put a5 5
wait_for "SELECT count(*) = 1 FROM ddb.stream_records WHERE stream_id = $stream"
[ "$(read_shard "$stream")" = "1 true" ] || fail "the stream enabled again reads $(read_shard "$stream")"

# ---- invalidated ---------------------------------------------------------------
# the worker cannot read the slot while another session holds the streams'
# SLOT lock; meanwhile the slot falls more than max_slot_wal_keep_size behind
psql -d "$db" -o /dev/null -c 'ALTER SYSTEM SET max_slot_wal_keep_size = 1' -c 'SELECT pg_reload_conf()'
"$bin/psql" -X -q -d "$db" -c "SET application_name = 'slot_loss_holder'" \
    -c 'BEGIN' -c 'SELECT pg_advisory_xact_lock(1684300403, 2)' -c 'SELECT pg_sleep(120)' >/dev/null 2>&1 &
holder=$!
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'slot_loss_holder'
           AND wait_event = 'PgSleep')"
for i in 6 7 8 9; do
    put "a$i" "$i"
    value "SELECT pg_switch_wal()" >/dev/null
done
lost=0
for _ in $(seq 1 50); do
    value "CHECKPOINT" >/dev/null
    if [ "$(value "SELECT wal_status FROM pg_replication_slots WHERE slot_name = '$slot'")" = lost ]; then
        lost=1
        break
    fi
    put "b$RANDOM" 0
    value "SELECT pg_switch_wal()" >/dev/null
done
[ "$lost" = 1 ] || fail "the slot was not invalidated"
value "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'slot_loss_holder'" >/dev/null
wait "$holder" 2>/dev/null || true
holder=""
psql -d "$db" -o /dev/null -c 'ALTER SYSTEM RESET max_slot_wal_keep_size' -c 'SELECT pg_reload_conf()'
check_ended "$stream" 1 "invalidated slot"

stream=$(enable_again)
put a10 10
wait_for "SELECT count(*) = 1 FROM ddb.stream_records WHERE stream_id = $stream"

# ---- enabling and disabling while the slot is being created -----------------
# Creating a logical slot waits for the transactions in progress. A stream
# disabled meanwhile (its transaction commits before the slot's start, so
# decoding never sees it) must still end, and one enabled meanwhile must
# still become ENABLED and capture.
psql -d "$db" -o /dev/null -c "SELECT ddb.call('UpdateTable', '{\"TableName\": \"music\",
    \"StreamSpecification\": {\"StreamEnabled\": false}}')"
psql -d "$db" -o /dev/null -c "SELECT ddb.call('CreateTable', '{\"TableName\": \"other\",
    \"KeySchema\": [{\"AttributeName\": \"pk\", \"KeyType\": \"HASH\"}],
    \"AttributeDefinitions\": [{\"AttributeName\": \"pk\", \"AttributeType\": \"S\"}],
    \"BillingMode\": \"PAY_PER_REQUEST\"}')"
wait_for "SELECT count(*) = 0 FROM pg_replication_slots WHERE database = current_database()"
"$bin/psql" -X -q -d "$db" -c "SET application_name = 'slot_loss_running'" \
    -c 'BEGIN' -c 'SELECT txid_current()' -c 'SELECT pg_sleep(4)' -c 'COMMIT' >/dev/null 2>&1 &
holder=$!
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'slot_loss_running'
           AND wait_event = 'PgSleep')"
psql -d "$db" -o /dev/null -c "SELECT ddb.call('UpdateTable', '{\"TableName\": \"music\",
    \"StreamSpecification\": {\"StreamEnabled\": true, \"StreamViewType\": \"NEW_IMAGE\"}}')"
# the worker creates the slot for the stream being enabled, and waits
wait_for "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot')"
[ "$(value "SELECT confirmed_flush_lsn IS NULL FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ] ||
    fail "the slot was created before the running transaction ended"
racing=$(value "SELECT max(stream_id) FROM ddb.streams WHERE table_name = 'music'")
psql -d "$db" -o /dev/null -c "SELECT ddb.call('UpdateTable', '{\"TableName\": \"music\",
    \"StreamSpecification\": {\"StreamEnabled\": false}}')"
psql -d "$db" -o /dev/null -c "SELECT ddb.call('UpdateTable', '{\"TableName\": \"other\",
    \"StreamSpecification\": {\"StreamEnabled\": true, \"StreamViewType\": \"KEYS_ONLY\"}}')"
wait "$holder" || true
holder=""
wait_for "SELECT status = 'DISABLED' FROM ddb.streams WHERE stream_id = $racing"
wait_for "SELECT status = 'ENABLED' FROM ddb.streams WHERE table_name = 'other'"
value "SELECT ddb.put('other', '{\"pk\": \"o1\"}')" >/dev/null
wait_for "SELECT count(*) = 1 FROM ddb.stream_records r JOIN ddb.streams s USING (stream_id)
           WHERE s.table_name = 'other'"
psql -d "$db" -o /dev/null -c "SELECT ddb.call('DeleteTable', '{\"TableName\": \"other\"}')"
wait_for "SELECT count(*) = 0 FROM ddb.streams WHERE status <> 'DISABLED'"
wait_for "SELECT count(*) = 0 FROM pg_replication_slots WHERE database = current_database()"

"$bin/dropdb" "$db"
echo "ok: a dropped and an invalidated slot end their streams at their last records, readable; enabling again captures again; streams enabled and disabled while the slot is created become ENABLED and DISABLED"
