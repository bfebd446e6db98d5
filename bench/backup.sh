#!/usr/bin/env bash
# bench/backup.sh: on-demand backups. On a table of BACKUP_ITEMS items
# (default 1,000,000, about 150 bytes each), prints how long CreateBackup
# takes within the call (ddb.backup_sync_limit raised above the table) and
# by the background worker (from the call to AVAILABLE), and how long
# RestoreTableFromBackup takes, within the call and by the worker (from the
# call to ACTIVE). Then the same with a global secondary index on the
# table (KEYS_ONLY, on an attribute every item has), which a restore
# rebuilds, and UpdateItem calls per second with pgbench (BACKUP_CLIENTS
# clients, default 2, 10 s) with no backup running against while backups
# are taken one after the other, which must not block writes.
#
#   ./scripts/run.sh && ./bench/backup.sh      on the development cluster
#   PGHOST=... PGPORT=... ./bench/backup.sh    on another server with ddb in
#                                              shared_preload_libraries
#
# It works in a scratch database it creates and drops. The worker's times
# are polled every 0.1 s.
set -euo pipefail

export PGHOST=${PGHOST:-/tmp}
export PGPORT=${PGPORT:-54329}
export PGUSER=${PGUSER:-postgres}
bin=${PGBIN:-/usr/lib/postgresql/15/bin}
items=${BACKUP_ITEMS:-1000000}
clients=${BACKUP_CLIENTS:-2}
db=ddb_bench_backup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
value() { psql -d "$db" -At -c "$1"; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

"$bin/dropdb" --if-exists "$db"
"$bin/createdb" "$db"
psql -d "$db" -o /dev/null <<SQL
CREATE EXTENSION ddb;
SELECT ddb.create_table('plain', partition_key => 'pk');
SELECT ddb.create_table('{"TableName": "indexed", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "grp", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_grp", "Projection": {"ProjectionType": "KEYS_ONLY"},
        "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}]}]}');
INSERT INTO ddb_data.plain (pk, item)
SELECT 'k' || g, jsonb_build_object('pk', jsonb_build_object('S', 'k' || g),
           'grp', jsonb_build_object('S', 'g' || (g % 1000)), 'n', jsonb_build_object('N', g::text),
           'payload', jsonb_build_object('S', repeat('x', 100)))
  FROM generate_series(1, $items) g;
INSERT INTO ddb_data.indexed SELECT * FROM ddb_data.plain;
VACUUM ANALYZE ddb_data.plain, ddb_data.indexed, ddb_data."indexed:by_grp";
SQL
size=$(value "SELECT pg_size_pretty(pg_table_size('ddb_data.plain'))")

# CreateBackup; prints the seconds to AVAILABLE and the backup's ARN
backup() {  # table, name, sync limit
    local start status arn
    start=$(now)
    arn=$(value "SET ddb.backup_sync_limit = $3;
                 SELECT ddb.create_backup('{\"TableName\": \"$1\", \"BackupName\": \"$2\"}') #>> '{BackupDetails,BackupArn}'")
    status=$(value "SELECT status FROM ddb.backups WHERE backup_arn = '$arn'")
    while [ "$status" != AVAILABLE ]; do
        sleep 0.1
        status=$(value "SELECT status FROM ddb.backups WHERE backup_arn = '$arn'")
    done
    echo "$(elapsed "$start") $arn"
}
restore() {  # backup ARN, target, sync limit
    local start progress
    start=$(now)
    value "SET ddb.backup_sync_limit = $3;
           SELECT ddb.restore_table_from_backup(jsonb_build_object('BackupArn', '$1', 'TargetTableName', '$2'))" >/dev/null
    progress=$(value "SELECT in_progress FROM ddb.table_restores WHERE table_name = '$2'")
    while [ "$progress" = t ]; do
        sleep 0.1
        progress=$(value "SELECT in_progress FROM ddb.table_restores WHERE table_name = '$2'")
    done
    elapsed "$start"
}

report() {  # table
    local b_call b_worker r_call r_worker arn_worker
    read -r b_call _ < <(backup "$1" call 100000000)
    read -r b_worker arn_worker < <(backup "$1" worker 0)
    r_call=$(restore "$arn_worker" "$1_call" 100000000)
    r_worker=$(restore "$arn_worker" "$1_worker" 0)
    [ "$(value "SELECT count(*) FROM ddb_data.$1_worker")" = "$items" ] || { echo "restore of $1 incomplete" >&2; exit 1; }
    printf '%-28s %10.1f s %10.1f s %10.1f s %10.1f s\n' "$1" "$b_call" "$b_worker" "$r_call" "$r_worker"
}

echo "table of $items items ($size), $(value "SHOW server_version") on $(nproc) CPUs"
printf '%-28s %12s %12s %12s %12s\n' "" "backup call" "backup worker" "restore call" "restore worker"
report plain
report indexed
[ "$(value "SELECT count(*) FROM ddb.check_indexes('indexed_worker')")" = 0 ] || { echo "indexes of the restored table differ" >&2; exit 1; }

# writes while backups are taken
cat >"$work/update.pgbench" <<SQL
\set k random(1, $items)
SELECT ddb.update_item(jsonb_build_object('TableName', 'plain',
    'Key', jsonb_build_object('pk', jsonb_build_object('S', 'k' || :k)),
    'UpdateExpression', 'SET n = n + ' || chr(58) || 'one',
    'ExpressionAttributeValues', jsonb_build_object(chr(58) || 'one', jsonb_build_object('N', '1'))));
SQL
tps() {
    "$bin/pgbench" -n -M prepared -T 10 -c "$clients" -j "$clients" -f "$work/update.pgbench" "$db" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
alone=$(tps)
( end=$((SECONDS + 10)); n=0
  while [ "$SECONDS" -lt "$end" ]; do
      n=$((n + 1))
      value "SET ddb.backup_sync_limit = 100000000;
             SELECT ddb.create_backup('{\"TableName\": \"plain\", \"BackupName\": \"during-$n\"}')" >/dev/null
  done ) &
during=$(tps)
wait
taken=$(value "SELECT count(*) FROM ddb.backups WHERE backup_name LIKE 'during-%'")
printf 'UpdateItem, %s clients: %.0f/s alone, %.0f/s while %s backups of the table were taken (%.2f)\n' \
    "$clients" "$alone" "$during" "$taken" "$(echo "$during / $alone" | bc -l)"

"$bin/dropdb" "$db"
