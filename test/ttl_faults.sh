#!/usr/bin/env bash
# ttl_faults: the background worker's Time to Live expiry meets faults and
# survives them. While a table keeps getting expired items (the canary),
# other tables of the database are dropped and renamed in the middle of a
# round (a trigger slows each delete down), lose their owner's DELETE
# privilege, and hold a malformed row (the owner replaced the item check);
# another database drops the extension, another is dropped. The worker
# logs and records each problem (ddb.ttl_status.last_error), skips what it
# cannot delete and goes on: the same worker process keeps expiring the
# canary, and nothing crashes. Then pg_dump keeps the TTL setting, and
# after a server restart (pg_ctl restart -m fast) expiry goes on.
# Needs PGHOST, PGPORT, PGUSER and PGBIN; leaves the server running.
set -euo pipefail
export PGOPTIONS='-c client_min_messages=warning'

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_ttl_faults
other=ddb_ttl_faults_other
restored=ddb_ttl_faults_restored
work=$(mktemp -d)
cleanup() {
    for d in "$db" "$other" "$restored"; do
        "$bin/dropdb" --if-exists "$d" >/dev/null 2>&1 || true
    done
    "$bin/psql" -X -q -d postgres -c 'DROP ROLE IF EXISTS ttl_faults_owner' >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
value() { psql -d "${2:-$db}" -At -c "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

# wait up to 60 s for a query to return t
wait_for() {
    for _ in $(seq 1 600); do
        [ "$(value "$1" "${2:-$db}" 2>/dev/null || true)" = t ] && return 0
        sleep 0.1
    done
    fail "timed out waiting for: $1"
}

worker_pid() {
    value "SELECT pid FROM pg_stat_activity WHERE backend_type = 'ddb worker' AND datname = '$db'"
}

# the canary: expired items keep coming, and the worker keeps deleting them
canary() {
    psql -d "$db" -o /dev/null -c "SELECT ddb.put('canary', jsonb_build_object('id', 'c' || g || '-' || random(),
        'exp', extract(epoch FROM now())::bigint - 10)) FROM generate_series(1, 5) g"
    wait_for "SELECT count(*) = 0 FROM ddb_data.canary"
}

datadir=$(psql -d postgres -At -c 'SHOW data_directory')
log="$(dirname "$datadir")/postgresql.log"
[ -w "$log" ] || log="$work/postgresql.log"
touch "$log"
log_start=$(stat -c %s "$log")
# the server log since this test began
new_log() { tail -c +"$((log_start + 1))" "$log"; }

for d in "$db" "$other" "$restored"; do "$bin/dropdb" --if-exists "$d" 2>/dev/null; done
"$bin/createdb" "$db"
"$bin/createdb" "$other"
psql -d postgres -o /dev/null -c 'DROP ROLE IF EXISTS ttl_faults_owner' -c 'CREATE ROLE ttl_faults_owner'
psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
GRANT CREATE ON SCHEMA ddb_data TO ttl_faults_owner;
-- tables of a role that is not a superuser
SET ROLE ttl_faults_owner;
SELECT ddb.create_table(t, partition_key => 'id')
  FROM unnest(ARRAY['canary', 'slow_renamed', 'slow_dropped', 'perm', 'corrupt']) t;
SELECT ddb.update_time_to_live(jsonb_build_object('TableName', t,
    'TimeToLiveSpecification', jsonb_build_object('AttributeName', 'exp', 'Enabled', true)))
  FROM unnest(ARRAY['canary', 'slow_renamed', 'slow_dropped', 'perm', 'corrupt']) t;
-- each delete of the slow tables takes 5 ms
CREATE FUNCTION ddb_data.slow_down() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.pg_sleep(0.005);
    RETURN OLD;
END $$;
CREATE TRIGGER slow BEFORE DELETE ON ddb_data.slow_renamed FOR EACH ROW EXECUTE FUNCTION ddb_data.slow_down();
CREATE TRIGGER slow BEFORE DELETE ON ddb_data.slow_dropped FOR EACH ROW EXECUTE FUNCTION ddb_data.slow_down();
RESET ROLE;
SQL
psql -d postgres -o /dev/null -c 'ALTER SYSTEM SET ddb.ttl_batch_size = 50' -c 'SELECT pg_reload_conf()'
trap 'psql -d postgres -o /dev/null -c "ALTER SYSTEM RESET ddb.ttl_batch_size" -c "SELECT pg_reload_conf()" || true; cleanup' EXIT

canary
pid=$(worker_pid)
[ -n "$pid" ] || fail "no worker in $db"
ok "the worker ($pid) expires the canary"

# -- a table renamed and another dropped in the middle of their rounds
psql -d "$db" -o /dev/null <<'SQL'
SET ROLE ttl_faults_owner;
INSERT INTO ddb_data.slow_renamed (id, item)
SELECT 'i' || g, jsonb_build_object('id', jsonb_build_object('S', 'i' || g),
           'exp', jsonb_build_object('N', (extract(epoch FROM now())::bigint - 100)::text))
  FROM generate_series(1, 1000) g;
INSERT INTO ddb_data.slow_dropped SELECT * FROM ddb_data.slow_renamed;
SQL
wait_for "SELECT deleted_total > 0 FROM ddb.ttl_status WHERE table_name = 'slow_renamed'"
psql -d "$db" -o /dev/null -c 'ALTER TABLE ddb_data.slow_renamed RENAME TO slow_renamed_by_sql'
[ "$(value "SELECT count(*) > 0 FROM ddb_data.slow_renamed_by_sql")" = t ] || fail "the rename came after the round"
wait_for "SELECT deleted_total > 0 FROM ddb.ttl_status WHERE table_name = 'slow_dropped'"
psql -d "$db" -o /dev/null -c 'DROP TABLE ddb_data.slow_dropped'
wait_for "SELECT count(*) = 0 FROM ddb_data.slow_renamed_by_sql"
[ "$(value "SELECT count(*) FROM ddb.time_to_live WHERE table_name = 'slow_dropped'")" = 0 ] ||
    fail "the dropped table's TTL setting stayed"
canary
[ "$(worker_pid)" = "$pid" ] || fail "the worker was restarted"
ok "a table renamed mid-round is expired under its new name; one dropped mid-round is left"

# -- the owner loses the privilege to delete
psql -d "$db" -o /dev/null <<'SQL'
SELECT ddb.put('perm', jsonb_build_object('id', 'p' || g, 'exp', extract(epoch FROM now())::bigint - 10))
  FROM generate_series(1, 5) g;
REVOKE DELETE ON ddb_data.perm FROM ttl_faults_owner;
SQL
wait_for "SELECT last_error LIKE '%permission denied for table perm%' FROM ddb.ttl_status WHERE table_name = 'perm'"
[ "$(value "SELECT count(*) FROM ddb_data.perm")" = 5 ] || fail "items were deleted without the privilege"
canary
psql -d "$db" -o /dev/null -c 'GRANT DELETE ON ddb_data.perm TO ttl_faults_owner'
wait_for "SELECT count(*) = 0 FROM ddb_data.perm"
[ "$(worker_pid)" = "$pid" ] || fail "the worker was restarted"
ok "a table whose owner may not delete is logged and skipped, and expired once allowed"

# -- a malformed row, in a table whose owner replaced the item check
psql -d "$db" -o /dev/null <<'SQL'
SET ROLE ttl_faults_owner;
ALTER TABLE ddb_data.corrupt DROP CONSTRAINT ddb_item_is_valid,
    ADD CONSTRAINT ddb_item_is_valid CHECK (true);
INSERT INTO ddb_data.corrupt (id, item) VALUES
    ('bad', jsonb_build_object('id', jsonb_build_object('S', 'bad'), 'bad', '{"SS": ["b", "a"]}'::jsonb,
        'exp', jsonb_build_object('N', (extract(epoch FROM now())::bigint - 100)::text)));
RESET ROLE;
SELECT ddb.put('corrupt', jsonb_build_object('id', 'g' || g, 'exp', extract(epoch FROM now())::bigint - 10))
  FROM generate_series(1, 5) g;
SQL
wait_for "SELECT count(*) = 0 FROM ddb_data.corrupt WHERE id <> 'bad'"
wait_for "SELECT last_error LIKE 'item (id = bad)%' FROM ddb.ttl_status WHERE table_name = 'corrupt'"
[ "$(value "SELECT count(*) FROM ddb_data.corrupt")" = 1 ] || fail "the malformed row was deleted"
canary
[ "$(worker_pid)" = "$pid" ] || fail "the worker was restarted"
ok "a malformed row is logged and skipped, the others are expired"

# -- another database: the extension dropped, then the database dropped,
# while its worker runs rounds
psql -d "$other" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('other', partition_key => 'id');
SELECT ddb.update_time_to_live('{"TableName": "other", "TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": true}}');
SELECT ddb.put('other', jsonb_build_object('id', 'x' || g, 'exp', extract(epoch FROM now())::bigint + 3600))
  FROM generate_series(1, 100) g;
SQL
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'ddb worker' AND datname = '$other'"
psql -d "$other" -o /dev/null -c 'DROP EXTENSION ddb CASCADE'
wait_for "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'ddb worker' AND datname = '$other'"
psql -d "$other" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('other', partition_key => 'id');
SELECT ddb.update_time_to_live('{"TableName": "other", "TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": true}}');
SQL
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'ddb worker' AND datname = '$other'"
"$bin/dropdb" "$other" || fail "DROP DATABASE with a worker in it"
canary
[ "$(worker_pid)" = "$pid" ] || fail "the worker was restarted"
ok "the extension dropped and a database dropped under a worker"

# -- pg_dump keeps the setting; the restored database expires too
"$bin/createdb" "$restored"
"$bin/pg_dump" -d "$db" -f "$work/dump.sql"
psql -d "$restored" -o /dev/null -f "$work/dump.sql" 2>"$work/restore.err" || { cat "$work/restore.err" >&2; fail "restore"; }
[ "$(value "SELECT ddb.describe_time_to_live('{\"TableName\": \"canary\"}') -> 'TimeToLiveDescription' ->> 'AttributeName'" "$restored")" = exp ] ||
    fail "the restored database lost the TTL setting"
[ "$(value "SELECT count(*) FROM pg_indexes WHERE schemaname = 'ddb_data' AND tablename = 'canary' AND indexdef LIKE '%ttl_expiry%'" "$restored")" = 1 ] ||
    fail "the restored database lost the expiry index"
psql -d "$restored" -o /dev/null -c "SELECT ddb.put('canary', jsonb_build_object('id', 'r', 'exp', extract(epoch FROM now())::bigint - 10))"
wait_for "SELECT count(*) = 0 FROM ddb_data.canary" "$restored"
"$bin/dropdb" "$restored"
ok "pg_dump and restore keep TTL, and the restored database expires items"

new_log | grep -q 'ddb worker: Time to Live expiry of table perm failed: permission denied' ||
    fail "the permission problem is not in the server log"
new_log | grep -q 'Time to Live could not delete the expired item (id = bad) of table corrupt' ||
    fail "the malformed row is not in the server log"
ok "the server log names each problem"

# -- a server restart: items that expire meanwhile are expired after it
psql -d "$db" -o /dev/null -c "SELECT ddb.put('canary', jsonb_build_object('id', 'after restart ' || g,
    'exp', extract(epoch FROM now())::bigint + 3)) FROM generate_series(1, 5) g"
"$bin/pg_ctl" -D "$datadir" -l "$log" -m fast -w -t 120 restart >/dev/null
wait_for "SELECT count(*) = 0 FROM ddb_data.canary"
canary
ok "expiry goes on after a restart"

if new_log | grep -E 'terminated by signal|was terminated by exception|exited with exit code [^01]'; then
    fail "a server process crashed"
fi

echo "ttl_faults: ok"
