#!/usr/bin/env bash
# http_backups_boto3: backups and point-in-time recovery through the HTTP
# endpoint as AWS documents them: boto3's flows (test/http/backups_boto3.py:
# create_backup, describe_backup, list_backups, restore_table_from_backup
# with the table_exists waiter, delete_backup, update_continuous_backups,
# describe_continuous_backups, restore_table_to_point_in_time; large
# restores by the background worker), then the AWS CLI's commands of the
# TaskApp lab (create-backup, list-backups, describe-backup,
# restore-table-from-backup, wait table-exists, describe-table,
# update-continuous-backups, describe-continuous-backups,
# restore-table-to-point-in-time, delete-backup); then exports with boto3
# (test/http/export_boto3.py: export_table_to_point_in_time, full and
# incremental, describe_export, list_exports, the files written), with
# ddb.export_directory set server-wide (ALTER SYSTEM, reset at exit) to a
# scratch directory standing in for the S3 bucket. Creates the role and
# access key it uses in the endpoint's database (ddb_http). Needs PGHOST,
# PGPORT, PGUSER, PGBIN and DDB_HTTP_PORT (scripts/test.sh sets them).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d ddb_http "$@"; }
fail() { echo "http_backups_boto3: $*" >&2; exit 1; }
aws=/usr/bin/aws
[ -x "$aws" ] || fail "the AWS CLI (Debian package awscli) is not installed"

. "$here/http/lib.sh"
http_wait_ready || fail "the endpoint does not answer on port $DDB_HTTP_PORT"

psql -o /dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'http_backups') THEN CREATE ROLE http_backups; END IF;
END $$;
GRANT CREATE ON SCHEMA ddb_data TO http_backups;
GRANT pg_write_server_files TO http_backups;
DELETE FROM ddb.access_keys WHERE role = 'http_backups'::regrole;
SQL
read -r DDB_KEY DDB_SECRET < <(psql -At -F ' ' -c "SELECT * FROM ddb.create_access_key('http_backups', 'backups')")
export DDB_KEY DDB_SECRET
export DDB_PSQL="$bin/psql -X -q -v ON_ERROR_STOP=1 -d ddb_http"

/usr/bin/python3 "$here/http/backups_boto3.py"

# exports: the endpoint's workers read ddb.export_directory from the
# server's configuration, so it is set there, for this test only
home=$(mktemp -d "${TMPDIR:-/tmp}/awscli.XXXXXX")
export DDB_EXPORT_ROOT=$home/exports
mkdir "$DDB_EXPORT_ROOT"
cleanup() {
    psql -c 'ALTER SYSTEM RESET ddb.export_directory' -c 'SELECT pg_reload_conf()' >/dev/null 2>&1 || true
    psql -c 'REVOKE pg_write_server_files FROM http_backups' >/dev/null 2>&1 || true
    rm -rf "$home"
}
trap cleanup EXIT
psql -c "ALTER SYSTEM SET ddb.export_directory = '$DDB_EXPORT_ROOT'" -c 'SELECT pg_reload_conf()' >/dev/null
sleep 1   # the reload reaches the endpoint's workers
/usr/bin/python3 "$here/http/export_boto3.py"

# the AWS CLI, as the lab runs it
export AWS_ACCESS_KEY_ID=$DDB_KEY AWS_SECRET_ACCESS_KEY=$DDB_SECRET AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" \
    AWS_EC2_METADATA_DISABLED=true HOME="$home" AWS_CONFIG_FILE="$home/config" \
    AWS_SHARED_CREDENTIALS_FILE="$home/credentials"
ddb() { "$aws" dynamodb --endpoint-url "http://localhost:$DDB_HTTP_PORT" --output json "$@"; }
field() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {'d': d}))" "$1"; }
n=0
ok() { n=$((n + 1)); echo "ok     cli: $*"; }

ddb create-table --table-name TaskApp \
    --attribute-definitions AttributeName=id,AttributeType=S \
    --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST > /dev/null
ddb wait table-exists --table-name TaskApp
for i in 1 2 3; do
    ddb put-item --table-name TaskApp --item "{\"id\": {\"S\": \"task$i\"}, \"title\": {\"S\": \"Task $i\"}}"
done
ok "create-table, put-item"

ddb create-backup --table-name TaskApp --backup-name TaskApp-lab > "$home/out"
arn=$(field 'd["BackupDetails"]["BackupArn"]' < "$home/out")
[ "$(field 'd["BackupDetails"]["BackupStatus"]' < "$home/out")" = AVAILABLE ] || fail "create-backup: $(cat "$home/out")"
ok create-backup
[ "$(ddb list-backups --table-name TaskApp --query 'BackupSummaries[0].BackupArn' --output text)" = "$arn" ] ||
    fail "list-backups: $(ddb list-backups --table-name TaskApp)"
ok list-backups
[ "$(ddb describe-backup --backup-arn "$arn" --query 'BackupDescription.SourceTableDetails.ItemCount' --output text)" = 3 ] ||
    fail "describe-backup: $(ddb describe-backup --backup-arn "$arn")"
ok describe-backup
# the time range as the CLI takes it, an ISO 8601 time
[ "$(ddb list-backups --time-range-lower-bound "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" \
      --query "length(BackupSummaries[?TableName=='TaskApp'])")" = 1 ] || fail "list-backups --time-range-lower-bound"
ok "list-backups --time-range-lower-bound"

ddb delete-item --table-name TaskApp --key '{"id": {"S": "task1"}}'
ddb restore-table-from-backup --target-table-name TaskApp-restored --backup-arn "$arn" > "$home/out"
[ "$(field 'd["TableDescription"]["RestoreSummary"]["SourceBackupArn"]' < "$home/out")" = "$arn" ] ||
    fail "restore-table-from-backup: $(cat "$home/out")"
ok restore-table-from-backup
ddb wait table-exists --table-name TaskApp-restored
ok "wait table-exists"
ddb describe-table --table-name TaskApp-restored > "$home/out"
[ "$(field 'd["Table"]["TableStatus"] + " " + str(d["Table"]["RestoreSummary"]["RestoreInProgress"])' < "$home/out")" = "ACTIVE False" ] ||
    fail "describe-table: $(cat "$home/out")"
# the CLI prints RestoreDateTime as it parsed it: a time, not a number
field 'd["Table"]["RestoreSummary"]["RestoreDateTime"]' < "$home/out" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' ||
    fail "describe-table: RestoreDateTime $(field 'd["Table"]["RestoreSummary"]["RestoreDateTime"]' < "$home/out")"
ok "describe-table: RestoreSummary"
[ "$(ddb scan --table-name TaskApp-restored --select COUNT --query Count)" = 3 ] || fail "the restored table's items"
ok "scan of the restored table"

ddb update-continuous-backups --table-name TaskApp \
    --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true > "$home/out"
[ "$(field 'd["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]' < "$home/out")" = ENABLED ] ||
    fail "update-continuous-backups: $(cat "$home/out")"
ok update-continuous-backups
sleep 2
at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.2
ddb delete-item --table-name TaskApp --key '{"id": {"S": "task2"}}'
sleep 1.2
ddb describe-continuous-backups --table-name TaskApp > "$home/out"
field 'd["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["LatestRestorableDateTime"]' < "$home/out" |
    grep -Eq '^[0-9]{4}-' || fail "describe-continuous-backups: $(cat "$home/out")"
ok describe-continuous-backups
ddb restore-table-to-point-in-time --source-table-name TaskApp --target-table-name TaskApp-pitr \
    --restore-date-time "$at" > /dev/null
ddb wait table-exists --table-name TaskApp-pitr
[ "$(ddb scan --table-name TaskApp-pitr --select COUNT --query Count)" = 2 ] || fail "the point-in-time restore's items"
ok "restore-table-to-point-in-time --restore-date-time"
ddb restore-table-to-point-in-time --source-table-name TaskApp --target-table-name TaskApp-latest \
    --use-latest-restorable-time > /dev/null
ddb wait table-exists --table-name TaskApp-latest
[ "$(ddb scan --table-name TaskApp-latest --select COUNT --query Count)" = 1 ] || fail "the latest restore's items"
ok "restore-table-to-point-in-time --use-latest-restorable-time"

[ "$(ddb delete-backup --backup-arn "$arn" --query BackupDescription.BackupDetails.BackupStatus --output text)" = DELETED ] ||
    fail delete-backup
ok delete-backup
for t in TaskApp TaskApp-restored TaskApp-pitr TaskApp-latest; do ddb delete-table --table-name "$t" > /dev/null; done
echo "http_backups_boto3: $n AWS CLI checks passed"
