#!/usr/bin/env bash
# backup_consistency: a backup taken under a concurrent write load holds the
# table as it was at one instant. Four pgbench clients move amounts between
# accounts with TransactWriteItems, each transaction updating two accounts
# and writing a log item of the transfer; meanwhile backups are taken, some
# within the call (small table) and some by the background worker
# (ddb.backup_sync_limit = 0). Every backup must hold every account, and
# each account's balance must be its opening balance plus exactly the
# transfers whose log items the backup holds: no transaction in part, none
# missing. Then backups are restored (within the call and by the worker)
# into tables equal to them with exact indexes, a backup outlives
# DeleteTable, and pg_dump/restore keeps backups, their items and the
# RestoreSummary of restored tables.
# Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin directory).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
lib=$(dirname "$0")/lib
db=ddb_backup_src
copy=ddb_backup_copy
seconds=${BACKUP_CONSISTENCY_SECONDS:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "backup_consistency: $*" >&2; exit 1; }

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/dropdb" --if-exists "$copy" 2>/dev/null
"$bin/createdb" "$db"
"$bin/createdb" "$copy"

# 200 accounts of 100 each, in 4 branches (a GSI), plus the log items
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
-- what a set of items must satisfy: every account there, and each balance
-- its opening 100 plus the transfers logged in the same set
CREATE FUNCTION backup_violations(items regclass) RETURNS TABLE (accounts bigint, logs bigint, wrong bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH b AS (SELECT item FROM %s),
        acct AS (SELECT item -> 'id' ->> 'S' AS id, (item -> 'balance' ->> 'N')::numeric AS balance
                   FROM b WHERE item -> 'id' ->> 'S' LIKE 'acct#%%'),
        lg AS (SELECT item -> 'src' ->> 'S' AS src, item -> 'dst' ->> 'S' AS dst,
                      (item -> 'delta' ->> 'N')::numeric AS delta
                 FROM b WHERE item -> 'id' ->> 'S' LIKE 'log#%%'),
        moved AS (SELECT id, sum(change) AS change FROM (
                    SELECT src AS id, -delta AS change FROM lg
                    UNION ALL SELECT dst, delta FROM lg) m GROUP BY id)
        SELECT (SELECT count(*) FROM acct), (SELECT count(*) FROM lg),
               (SELECT count(*) FROM acct a LEFT JOIN moved m USING (id)
                 WHERE a.balance <> 100 + COALESCE(m.change, 0))$q$, items);
END
$$;
SQL


"$bin/pgbench" -n -d "$db" -c 4 -j 4 -T "$seconds" -f "$lib/transfer.pgbench" > "$work/pgbench.out" 2>&1 &
load=$!

# backups while the load runs: within the call every half second, by the
# worker every third time
sleep 0.5
n=0
end=$((SECONDS + seconds - 1))
while [ "$SECONDS" -lt "$end" ]; do
    n=$((n + 1))
    if [ $((n % 3)) -eq 0 ]; then
        psql -d "$db" -o /dev/null -c "SET ddb.backup_sync_limit = 0" \
            -c "SELECT ddb.create_backup('{\"TableName\": \"accounts\", \"BackupName\": \"worker-$n\"}')" ||
            true   # BackupInUseException while the previous one is still being copied
    else
        psql -d "$db" -o /dev/null \
            -c "SELECT ddb.create_backup('{\"TableName\": \"accounts\", \"BackupName\": \"call-$n\"}')" ||
            true
    fi
    sleep 0.5
done
wait "$load" || { cat "$work/pgbench.out" >&2; fail "pgbench failed"; }
transfers=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out")
[ "${transfers:-0}" -gt 100 ] || { cat "$work/pgbench.out" >&2; fail "too few transfers: ${transfers:-0}"; }

# the worker's backups become AVAILABLE
for _ in $(seq 600); do
    [ "$(psql -d "$db" -At -c "SELECT count(*) FROM ddb.backups WHERE status = 'CREATING'")" = 0 ] && break
    sleep 0.1
done
[ "$(psql -d "$db" -At -c "SELECT count(*) FROM ddb.backups WHERE status = 'CREATING'")" = 0 ] ||
    fail "backups still CREATING after 60 s"

# every backup: 200 accounts, balances that match its logs exactly
psql -d "$db" -At -F ' ' > "$work/check" <<'SQL'
SELECT b.backup_name, v.accounts, v.logs, v.wrong
  FROM ddb.backups b, backup_violations(b.items) v ORDER BY b.created_at;
SQL
backups=$(wc -l < "$work/check")
worker=$(grep -c '^worker-' "$work/check" || true)
[ "$backups" -ge 3 ] && [ "$worker" -ge 1 ] || { cat "$work/check" >&2; fail "too few backups ($backups, $worker by the worker)"; }
awk '$2 != 200 || $4 != 0 { bad = 1; print "backup " $1 ": " $2 " accounts, " $4 " balances that do not match its " $3 " logs" }
     END { exit bad }' "$work/check" >&2 || fail "a backup is not the table at one instant"
instants=$(awk '{ print $3 }' "$work/check" | sort -u | wc -l)
[ "$instants" -ge 2 ] || { cat "$work/check" >&2; fail "the backups do not differ: $instants instants"; }
mid=$(awk '$3 > 0 && $1 ~ /^call-/ { print $1; exit }' "$work/check")
late=$(awk '$3 > 0 && $1 ~ /^worker-/ { name = $1 } END { print name }' "$work/check")
[ -n "$mid" ] && [ -n "$late" ] || fail "no backup taken during the load"

# restores: one within the call, one by the worker; equal to their backups,
# indexes exact
psql -d "$db" -o /dev/null <<SQL
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'restored_call',
    'BackupArn', (SELECT backup_arn FROM ddb.backups WHERE backup_name = '$mid')));
SET ddb.backup_sync_limit = 0;
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'restored_worker',
    'BackupArn', (SELECT backup_arn FROM ddb.backups WHERE backup_name = '$late')));
SQL
# restores of more than ddb.backup_sync_limit items are the worker's: wait
wait_restores() {  # database
    for _ in $(seq 600); do
        [ "$(psql -d "$1" -At -c "SELECT count(*) FROM ddb.table_restores WHERE in_progress")" = 0 ] && return
        sleep 0.1
    done
}
check_restore() {  # database, table, backup name
    local items out
    wait_restores "$1"
    items=$(psql -d "$1" -At -c "SELECT items FROM ddb.backups WHERE backup_name = '$3'")
    out=$(psql -d "$1" -At -F ' ' <<SQL
SELECT ddb.describe_table('{"TableName": "$2"}') #>> '{Table,TableStatus}',
       ddb.describe_table('{"TableName": "$2"}') #>> '{Table,RestoreSummary,RestoreInProgress}',
       (SELECT count(*) FROM ((SELECT item FROM ddb_data.$2 EXCEPT ALL SELECT item FROM $items)
                              UNION ALL (SELECT item FROM $items EXCEPT ALL SELECT item FROM ddb_data.$2)) d),
       (SELECT count(*) FROM ddb.check_indexes('$2'))
SQL
)
    [ "$out" = "ACTIVE false 0 0" ] || fail "table $2 restored from $3: status, in progress, differences, index problems: $out"
}
check_restore "$db" restored_call "$mid"
check_restore "$db" restored_worker "$late"

# a backup outlives DeleteTable, and restores under the old name
psql -d "$db" -o /dev/null <<SQL
SELECT ddb.delete_table('{"TableName": "accounts"}');
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'accounts',
    'BackupArn', (SELECT backup_arn FROM ddb.backups WHERE backup_name = '$mid')));
SQL
check_restore "$db" accounts "$mid"

# pg_dump / restore: the backups, their items and the RestoreSummary survive;
# a backup restores in the copy
observe() {
    psql -d "$1" -At <<'SQL'
SELECT s - 'BackupSizeBytes' FROM jsonb_array_elements(ddb.list_backups('{}') -> 'BackupSummaries') s;
SELECT b.backup_name, ddb.describe_backup(jsonb_build_object('BackupArn', b.backup_arn)) #> '{BackupDescription,SourceTableDetails}'
  FROM ddb.backups b ORDER BY b.created_at, b.backup_arn;
SELECT b.backup_name, v.accounts, v.logs, v.wrong FROM ddb.backups b, backup_violations(b.items) v
 ORDER BY b.created_at, b.backup_arn;
SELECT t, ddb.describe_table(jsonb_build_object('TableName', t)) #> '{Table,RestoreSummary}'
  FROM unnest(ARRAY['restored_call', 'restored_worker', 'accounts']) t;
SQL
}
observe "$db" > "$work/before"
"$bin/pg_dump" -d "$db" -f "$work/dump.sql"
psql -d "$copy" -f "$work/dump.sql" > /dev/null
observe "$copy" > "$work/after"
diff "$work/before" "$work/after" >&2 || fail "pg_dump/restore changed the backups"
psql -d "$copy" -o /dev/null <<SQL
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'restored_copy',
    'BackupArn', (SELECT backup_arn FROM ddb.backups WHERE backup_name = '$late')));
SQL
check_restore "$copy" restored_copy "$late"

"$bin/dropdb" "$copy"
"$bin/dropdb" "$db"
echo "backup_consistency: ok ($transfers transfers, $backups backups ($worker by the worker), $instants instants, each the table at one instant; restores equal; survives DeleteTable and pg_dump)"
