#!/usr/bin/env bash
# pitr_consistency: a point-in-time restore gives exactly the table as
# committed at its instant. Four pgbench clients move amounts between
# accounts with TransactWriteItems, each transaction updating two accounts
# and writing a log item of the transfer, on a table with point-in-time
# recovery enabled (and a GSI); meanwhile instants are noted, and once the
# base has been rolled forward to one of them. Then each instant is
# restored: the restore must hold every account, each balance its opening
# balance plus exactly the transfers logged in it (no transaction in part),
# exactly the log items whose transactions committed by the instant (by the
# commit timestamps of the live rows), and exact indexes. A restore at the
# latest restorable time after the load equals the live table.
# Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin directory), and
# track_commit_timestamp = on.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
lib=$(dirname "$0")/lib
db=ddb_pitr_src
seconds=${PITR_CONSISTENCY_SECONDS:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# restores within the call, whatever the history's size (pitr_background
# checks those the worker does)
export PGOPTIONS="${PGOPTIONS:-} -c ddb.backup_sync_limit=2000000000"
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "pitr_consistency: $*" >&2; exit 1; }

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
CREATE TABLE instants (n int PRIMARY KEY, at timestamptz NOT NULL);
SQL
psql -d "$db" -o /dev/null -f "$lib/pitr_violations.sql"


"$bin/pgbench" -n -d "$db" -c 4 -j 4 -T "$seconds" -f "$lib/transfer.pgbench" > "$work/pgbench.out" 2>&1 &
load=$!

# an instant every 0.4 s; the base is rolled forward to the third one while
# the load goes on
sleep 0.5
n=0
end=$((SECONDS + seconds - 1))
while [ "$SECONDS" -lt "$end" ]; do
    n=$((n + 1))
    psql -d "$db" -o /dev/null -c "INSERT INTO instants VALUES ($n, clock_timestamp())"
    if [ "$n" -eq 5 ]; then
        # once instant 3 is restorable (LatestRestorableDateTime is 1 s behind)
        psql -d "$db" -o /dev/null \
            -c "SELECT pg_sleep(greatest(0, 1.2 - extract(epoch FROM clock_timestamp() - at))) FROM instants WHERE n = 3" \
            -c "SELECT ddb.pitr_roll_forward('accounts', (SELECT at FROM instants WHERE n = 3))"
    fi
    sleep 0.4
done
wait "$load" || { cat "$work/pgbench.out" >&2; fail "pgbench failed"; }
transfers=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out")
[ "${transfers:-0}" -gt 100 ] || { cat "$work/pgbench.out" >&2; fail "too few transfers: ${transfers:-0}"; }
[ "$n" -ge 5 ] || fail "only $n instants"
sleep 1.2

# every instant from the earliest restorable one on, restored and checked
restored=0
for i in $(seq 3 "$n"); do
    psql -d "$db" -o /dev/null -c "SELECT ddb.restore_table_to_point_in_time(jsonb_build_object(
        'SourceTableName', 'accounts', 'TargetTableName', 'at_$i',
        'RestoreDateTime', (SELECT extract(epoch FROM at) FROM instants WHERE n = $i)))"
    got=$(psql -d "$db" -At -F ' ' -c "SELECT * FROM pitr_violations('ddb_data.at_$i', (SELECT at FROM instants WHERE n = $i))")
    read -r accounts logs wrong missing extra <<< "$got"
    [ "$accounts" = 200 ] || fail "restore at instant $i holds $accounts accounts"
    [ "$wrong" = 0 ] || fail "restore at instant $i: $wrong balances do not match its $logs logged transfers"
    [ "$missing" = 0 ] && [ "$extra" = 0 ] ||
        fail "restore at instant $i: $missing transfers committed by then missing, $extra committed later present"
    [ -z "$(psql -d "$db" -At -c "SELECT * FROM ddb.check_indexes('at_$i')")" ] ||
        fail "restore at instant $i: indexes differ from items"
    restored=$((restored + 1))
done
# an instant before the rolled base is refused
err=$(psql -d "$db" -At -c "SELECT ddb.restore_table_to_point_in_time(jsonb_build_object(
        'SourceTableName', 'accounts', 'TargetTableName', 'at_1',
        'RestoreDateTime', (SELECT extract(epoch FROM at) FROM instants WHERE n = 1)))" 2>&1 || true)
case "$err" in *InvalidRestoreTimeException*) ;; *) fail "restore before the earliest time: $err" ;; esac

# the latest restorable state is the live table
psql -d "$db" -o /dev/null -c "SELECT ddb.restore_table_to_point_in_time('{\"SourceTableName\": \"accounts\",
    \"TargetTableName\": \"latest\", \"UseLatestRestorableTime\": true}')"
diff=$(psql -d "$db" -At -c "SELECT count(*) FROM ((SELECT item FROM ddb_data.latest EXCEPT SELECT item FROM ddb_data.accounts)
    UNION ALL (SELECT item FROM ddb_data.accounts EXCEPT SELECT item FROM ddb_data.latest)) d")
[ "$diff" = 0 ] || fail "the latest restore differs from the table in $diff items"

"$bin/dropdb" "$db"
echo "pitr_consistency: $transfers transfers, $restored restores at instants under load, each exact"
