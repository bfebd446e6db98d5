#!/usr/bin/env bash
# index_backfill_restart: a GSI backfill survives a server restart. A table
# of 20000 items gets a new GSI; the backfill (20 items per batch) is held
# up in the middle by a session locking one item, and the server is
# restarted (pg_ctl restart -m fast). The progress recorded before the
# restart is still there after it, the worker goes on from it, the index
# becomes ACTIVE and equals its recomputation from the items.
# Needs PGHOST, PGPORT, PGUSER and PGBIN; leaves the server running.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_backfill_restart
work=$(mktemp -d)
locker=""
cleanup() {
    exec 3>&- 2>/dev/null || true
    [ -n "$locker" ] && kill "$locker" 2>/dev/null
    psql -d postgres -c 'ALTER SYSTEM RESET ddb.backfill_batch_size' -c 'SELECT pg_reload_conf()' \
        >/dev/null 2>&1 || true
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
psql -d postgres -c 'ALTER SYSTEM SET ddb.backfill_batch_size = 20' -c 'SELECT pg_reload_conf()' >/dev/null
psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('events', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N');
INSERT INTO ddb_data.events (pk, sk, item)
SELECT 'p' || (g % 10), g, jsonb_build_object('pk', jsonb_build_object('S', 'p' || (g % 10)),
           'sk', jsonb_build_object('N', g::text), 'kind', jsonb_build_object('S', 'k' || (g % 4)))
  FROM generate_series(1, 20000) g;
SQL

# hold the backfill up at an item in the middle of the table
# (idle in its transaction: a running statement would hold a snapshot, which
# the backfill waits for before it starts)
mkfifo "$work/locker"
PGAPPNAME=backfill_locker psql -d "$db" <"$work/locker" >/dev/null 2>&1 &
locker=$!
exec 3>"$work/locker"
echo "BEGIN;" >&3
echo "SELECT 1 FROM ddb_data.events WHERE pk = 'p5' AND sk = 10005 FOR UPDATE;" >&3
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'backfill_locker'
           AND state = 'idle in transaction' AND query LIKE '%FOR UPDATE%')"

psql -d "$db" -o /dev/null -c "SELECT ddb.update_table(jsonb_build_object('TableName', 'events',
    'AttributeDefinitions', jsonb_build_array(jsonb_build_object('AttributeName', 'kind', 'AttributeType', 'S')),
    'GlobalSecondaryIndexUpdates', jsonb_build_array(jsonb_build_object('Create', jsonb_build_object(
        'IndexName', 'byKind',
        'KeySchema', jsonb_build_array(jsonb_build_object('AttributeName', 'kind', 'KeyType', 'HASH')),
        'Projection', jsonb_build_object('ProjectionType', 'KEYS_ONLY'))))))"

# the worker reaches the locked item
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'ddb worker'
           AND datname = current_database() AND wait_event = 'transactionid')"
before=$(value "SELECT rows_done FROM ddb.index_backfills WHERE index_name = 'byKind'")
[ "$before" -gt 0 ] || fail "no progress before the restart"
[ "$before" -lt 20000 ] || fail "the backfill was not held up"

# (not passing the locker's pipe to the new postmaster)
"$bin/pg_ctl" -D "$datadir" -l "$log" -m fast -w -t 120 restart >/dev/null 3>&-
exec 3>&-
wait "$locker" 2>/dev/null || true
locker=""

after=$(value "SELECT rows_done FROM ddb.index_backfills WHERE index_name = 'byKind'" || echo "")
if [ -n "$after" ] && [ "$after" -lt "$before" ]; then
    fail "progress went back from $before to $after"
fi
wait_for "SELECT status = 'ACTIVE' FROM ddb.indexes WHERE index_name = 'byKind'"

differences=$(value "
    WITH expected AS (SELECT item->'kind'->>'S' AS k1, pk, sk FROM ddb_data.events),
         actual AS (SELECT k1, table_pk, table_sk FROM ddb_data.\"events:byKind\")
    SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual) a)
         + (SELECT count(*) FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected) b)")
[ "$differences" = 0 ] || fail "the index differs from its recomputation in $differences rows"
[ "$(value "SELECT count(*) FROM ddb_data.\"events:byKind\"")" = 20000 ] || fail "index incomplete"
[ "$(value "SELECT count(*) FROM ddb.check_indexes('events')")" = 0 ] || fail "ddb.check_indexes finds problems"

"$bin/dropdb" "$db"
echo "ok: backfill held at $before of 20000 items, resumed after the restart${after:+ from $after}, index complete"
