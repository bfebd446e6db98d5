#!/usr/bin/env bash
# pitr_background: point-in-time restores finished by the background worker
# (ddb.backup_sync_limit = 0) while the source keeps being written give
# exactly the table as committed at the restore time, not when the worker
# ran. Four pgbench clients move amounts between accounts with
# TransactWriteItems (two account updates and a log item per transaction)
# on a table with point-in-time recovery enabled (and a GSI); an instant is
# noted every 0.4 s, and once each is restorable it is restored in the
# background, and the base rolled forward past it while the restore may
# still be pending (the roll stops at the restore time). The worker is held
# back from the first restore (a row lock it waits for) to check its
# CREATING phase: DescribeTable's status, ResourceNotFoundException on
# data-plane calls, ResourceInUseException on DeleteTable of the table and
# of its source, ddb.backup_progress and pg_stat_activity. Then every
# restore must hold every account, each balance its opening balance plus
# exactly the transfers logged in it, exactly the log items whose
# transactions committed by its instant, and exact indexes.
# Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin directory), and
# track_commit_timestamp = on.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
lib=$(dirname "$0")/lib
db=ddb_pitr_bg
seconds=${PITR_BACKGROUND_SECONDS:-8}
work=$(mktemp -d)
holder=""
load=""
restorer=""
# (the sessions' waiting loops also end once $work is gone, so that none
# is left holding its transaction open when the script stops early)
cleanup() {
    touch "$work/release" "$work/holding"
    for p in $holder $load $restorer; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "pitr_background: $*" >&2; exit 1; }
# wait up to 30 s for a query to answer t
wait_for() {
    local i
    for i in $(seq 1 300); do
        [ "$(psql -d "$db" -At -c "$1")" = t ] && return 0
        sleep 0.1
    done
    fail "timed out waiting for: $1"
}

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"

psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('{"TableName": "accounts", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                             {"AttributeName": "branch", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_branch", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "branch", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}]}]}');
SELECT ddb.put('accounts', jsonb_build_object('id', 'acct#' || lpad(i::text, 3, '0'),
                                              'branch', 'b' || (i % 4), 'balance', 100))
  FROM generate_series(1, 200) i;
SELECT ddb.update_continuous_backups('{"TableName": "accounts",
    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}');
CREATE TABLE instants (n int PRIMARY KEY, at timestamptz NOT NULL, status text);
SQL
psql -d "$db" -o /dev/null -f "$lib/pitr_violations.sql"

# restore instant $1 in the background: the call answers CREATING
restore() {
    local status
    status=$(PGOPTIONS='-c ddb.backup_sync_limit=0' psql -d "$db" -At -c "
        SELECT ddb.restore_table_to_point_in_time(jsonb_build_object(
            'SourceTableName', 'accounts', 'TargetTableName', 'at_$1',
            'RestoreDateTime', (SELECT extract(epoch FROM at) FROM instants WHERE n = $1)))
          #>> '{TableDescription,TableStatus}'")
    [ "$status" = CREATING ] || fail "restore at instant $1 answered $status, not CREATING"
}

"$bin/pgbench" -n -d "$db" -c 4 -j 4 -T "$seconds" -f "$lib/transfer.pgbench" > "$work/pgbench.out" 2>&1 &
load=$!

sleep 0.5
psql -d "$db" -o /dev/null -c "INSERT INTO instants VALUES (1, clock_timestamp())"
sleep 1.2

# the first restore, with the worker held back: a session waiting for the
# restore's lock on the source's catalog row gets it at the restore's
# commit, before the worker does, and keeps it until released
(PGOPTIONS='-c ddb.backup_sync_limit=0' psql -d "$db" -o /dev/null <<SQL
BEGIN;
SELECT ddb.restore_table_to_point_in_time(jsonb_build_object(
    'SourceTableName', 'accounts', 'TargetTableName', 'at_1',
    'RestoreDateTime', (SELECT extract(epoch FROM at) FROM instants WHERE n = 1)));
\! until [ -f "$work/holding" ] || [ ! -d "$work" ]; do sleep 0.05; done
COMMIT;
SQL
) &
restorer=$!
# the restore has been made, not committed
wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE state = 'idle in transaction'
            AND query LIKE '%restore_table_to_point_in_time%' AND pid <> pg_backend_pid())"
(psql -d "$db" -o /dev/null <<SQL
BEGIN;
SELECT 1 FROM ddb.continuous_backups WHERE table_name = 'accounts' FOR NO KEY UPDATE;
\! until [ -f "$work/release" ] || [ ! -d "$work" ]; do sleep 0.05; done
COMMIT;
SQL
) &
holder=$!
# the holder waits for the restore's row lock; then the restore commits
wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE '%FOR NO KEY UPDATE%'
            AND wait_event_type IN ('Lock') AND pid <> pg_backend_pid())"
touch "$work/holding"
wait "$restorer" || fail "the first restore failed"
restorer=""
wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE 'ddb pitr restore: table at\_1, from %'
            AND wait_event_type = 'Lock')"

# CREATING until the worker is done
[ "$(psql -d "$db" -At -c "SELECT ddb.describe_table('{\"TableName\": \"at_1\"}') #>> '{Table,TableStatus}'
      || ' ' || (ddb.describe_table('{\"TableName\": \"at_1\"}') #>> '{Table,RestoreSummary,RestoreInProgress}')")" = "CREATING true" ] ||
    fail "at_1 is not CREATING while the worker waits"
[ "$(psql -d "$db" -At -c "SELECT operation || ' ' || table_name FROM ddb.backup_progress")" = "pitr restore at_1" ] ||
    fail "ddb.backup_progress does not show the restore"
expect_error() {
    local err
    err=$(psql -d "$db" -At -c "$2" 2>&1 || true)
    case "$err" in *"$1"*) ;; *) fail "expected $1 from $2, got: $err" ;; esac
}
expect_error ResourceNotFoundException "SELECT ddb.get_item('{\"TableName\": \"at_1\", \"Key\": {\"id\": {\"S\": \"acct#001\"}}}')"
expect_error ResourceNotFoundException "SELECT ddb.query('{\"TableName\": \"at_1\", \"IndexName\": \"by_branch\",
    \"KeyConditionExpression\": \"branch = :b\", \"ExpressionAttributeValues\": {\":b\": {\"S\": \"b1\"}}}')"
expect_error ResourceInUseException "SELECT ddb.delete_table('{\"TableName\": \"at_1\"}')"
expect_error TableInUseException "SELECT ddb.create_backup('{\"TableName\": \"at_1\", \"BackupName\": \"early\"}')"
expect_error ResourceInUseException "SELECT ddb.delete_table('{\"TableName\": \"accounts\"}')"
expect_error ContinuousBackupsUnavailableException "SELECT ddb.update_continuous_backups('{\"TableName\": \"accounts\",
    \"PointInTimeRecoverySpecification\": {\"PointInTimeRecoveryEnabled\": false}}')"
touch "$work/release"
wait "$holder" || fail "the session holding the worker back failed"
holder=""

# an instant every 0.4 s, each restored once 1.2 s old, and the base rolled
# 0.2 s past it (the roll stops at a pending restore's time)
n=1
restored=1
end=$((SECONDS + seconds - 3))
while [ "$SECONDS" -lt "$end" ]; do
    n=$((n + 1))
    psql -d "$db" -o /dev/null -c "INSERT INTO instants VALUES ($n, clock_timestamp())"
    k=$((n - 3))
    if [ "$k" -gt "$restored" ]; then
        restore "$k"
        psql -d "$db" -o /dev/null -c "SELECT ddb.pitr_roll_forward('accounts', at + interval '0.2 s') FROM instants WHERE n = $k"
        restored=$k
    fi
    sleep 0.4
done
wait "$load" || { cat "$work/pgbench.out" >&2; fail "pgbench failed"; }
load=""
transfers=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out")
[ "${transfers:-0}" -gt 100 ] || { cat "$work/pgbench.out" >&2; fail "too few transfers: ${transfers:-0}"; }
[ "$restored" -ge 3 ] || fail "only $restored restores"

# every restore, once the worker has done it
wait_for "SELECT NOT EXISTS (SELECT FROM ddb.table_restores WHERE in_progress)"
for i in $(seq 1 "$restored"); do
    got=$(psql -d "$db" -At -F ' ' -c "SELECT * FROM pitr_violations('ddb_data.at_$i', (SELECT at FROM instants WHERE n = $i))")
    read -r accounts logs wrong missing extra <<< "$got"
    [ "$accounts" = 200 ] || fail "restore at instant $i holds $accounts accounts"
    [ "$wrong" = 0 ] || fail "restore at instant $i: $wrong balances do not match its $logs logged transfers"
    [ "$missing" = 0 ] && [ "$extra" = 0 ] ||
        fail "restore at instant $i: $missing transfers committed by then missing, $extra committed later present"
    [ -z "$(psql -d "$db" -At -c "SELECT * FROM ddb.check_indexes('at_$i')")" ] ||
        fail "restore at instant $i: indexes differ from items"
    [ "$(psql -d "$db" -At -c "SELECT ddb.describe_table('{\"TableName\": \"at_$i\"}') #>> '{Table,TableStatus}'")" = ACTIVE ] ||
        fail "at_$i is not ACTIVE"
done
# the restores were done after their instants' later writes had committed
late=$(psql -d "$db" -At -c "SELECT count(*) FROM ddb.table_restores r JOIN instants i ON r.table_name = 'at_' || i.n
    WHERE r.finished_at > i.at + interval '1 s'")
[ "$late" = "$restored" ] || fail "only $late of $restored restores were finished after their instant"

"$bin/dropdb" "$db"
echo "pitr_background: $transfers transfers, $restored background restores at instants under load, each exact"
