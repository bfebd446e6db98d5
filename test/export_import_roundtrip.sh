#!/usr/bin/env bash
# export_import_roundtrip: a table exported with ExportTableToPointInTime
# and the export's data files imported with ImportTable give the table back.
# A table with two GSIs (a string and a binary partition key) and
# point-in-time recovery holds 2,500 items (more than one batch of the
# export's cursor and of the import's inserts) of every type: strings with
# U+0000 (in keys, values, set members, map keys and attribute names),
# binaries, SS/NS/BS sets, numbers of full precision and extreme exponents,
# nested maps and lists, BOOL, NULL, empty strings; some items lack the
# index keys. Its items are copied aside at an instant, then items are
# updated, deleted and added. The export at that instant is imported
# (GZIP, DYNAMODB_JSON, S3KeyPrefix the export's data/ directory) into a
# new table with the same key schema and indexes; the new table must hold
# exactly the items of the instant (stored form, both ways, and the Scans
# of both through the API compared with python3), with DynamoDB's counts
# in DescribeImport, an ACTIVE status, indexes that ddb.check_indexes finds
# exact and that answer queries as the original's did at the instant.
# Needs PGHOST, PGPORT, PGUSER (a superuser) and PGBIN (the server's bin
# directory), a TMPDIR the server can write, and track_commit_timestamp = on.
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_export_import_roundtrip
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/s3
mkdir -p "$root/roundtrip"

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
value() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" -At -c "$1"; }
fail() { echo "export_import_roundtrip: $*" >&2; exit 1; }

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"
psql -c 'CREATE EXTENSION ddb' -c "ALTER DATABASE $db SET ddb.export_directory = '$root'" >/dev/null

key_schema='"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                             {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "bin", "AttributeType": "B"}],
    "BillingMode": "PAY_PER_REQUEST"'
indexes='"GlobalSecondaryIndexes": [
    {"IndexName": "by_group", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
     "Projection": {"ProjectionType": "ALL"}},
    {"IndexName": "by_bin", "KeySchema": [{"AttributeName": "bin", "KeyType": "HASH"}],
     "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["s"]}}]'

value "SELECT ddb.call('CreateTable', '{\"TableName\": \"rt_source\", $key_schema, $indexes}') IS NOT NULL" >/dev/null
value "SELECT ddb.update_continuous_backups('{\"TableName\": \"rt_source\",
    \"PointInTimeRecoverySpecification\": {\"PointInTimeRecoveryEnabled\": true}}') IS NOT NULL" >/dev/null

# the items, through PutItem's text entry (U+0000 as \u0000)
python3 - <<'PY' | psql >/dev/null
import base64, hashlib, json

def put(item):
    body = json.dumps({"TableName": "rt_source", "Item": item})
    print("SELECT ddb.call_text('PutItem', $q$%s$q$);" % body)

put({
    "pk": {"S": "nul\u0000key"}, "sk": {"N": "1"},
    "s": {"S": "a\u0000b\u0001c é 😀"}, "v\u0000name": {"S": "\u0000"},
    "g": {"S": "group\u0000zero"}, "bin": {"B": base64.b64encode(b"\x00\x00\x01").decode()},
    "b": {"B": base64.b64encode(bytes(range(256))).decode()},
    "ss": {"SS": ["z", "a\u0000", "\u0000\u0000", "\u0001"]},
    "ns": {"NS": ["3", "-1.5", "12345678901234567890123456789012345678", "1E-130", "9.9999999999999999999999999999999999999E+125"]},
    "bs": {"BS": [base64.b64encode(b"\x00\x01").decode(), base64.b64encode(b"\xff").decode()]},
    "n": {"N": "-0.000000000000000000000000000000000000012345"},
    "m": {"M": {"k\u0000": {"L": [{"S": "\u0000"}, {"N": "2"}, {"BOOL": True}, {"NULL": True}, {"M": {}}, {"L": []}]},
                "e": {"S": ""}}},
    "t": {"BOOL": False}, "z": {"NULL": True},
})
put({"pk": {"S": "\u0000"}, "sk": {"N": "-1"}, "e": {"S": ""}})
for i in range(2, 2500):
    item = {
        "pk": {"S": "item#%d" % (i % 40)}, "sk": {"N": str(i)},
        "n": {"N": "-12345678901234567890123456789012.%d" % i},
        "s": {"S": "é ü 日本 " + "z" * (i % 30)},
    }
    if i % 3 == 0:
        item["g"] = {"S": "group-%d" % (i % 7)}
    if i % 5 == 0:
        item["bin"] = {"B": base64.b64encode(hashlib.sha256(str(i % 11).encode()).digest()).decode()}
    if i % 4 == 0:
        item["ss"] = {"SS": ["x%d" % i, "y%d" % i]}
        item["ns"] = {"NS": [str(i), str(i * 1000), "0.5"]}
        item["bs"] = {"BS": ["AAE=", base64.b64encode(i.to_bytes(4, "big")).decode()]}
    if i % 6 == 0:
        item["m"] = {"M": {"l": {"L": [{"BOOL": i % 12 == 0}, {"NULL": True}, {"S": "x\u0000%d" % i}]}}}
    put(item)
PY

# the items at the instant, copied aside (stored form)
psql -c "CREATE TABLE rt_at_instant AS SELECT item FROM ddb_data.rt_source" >/dev/null
t1=$(value "SELECT round(extract(epoch FROM clock_timestamp()), 3)")
value "SELECT ddb.call_text('Scan', '{\"TableName\": \"rt_source\"}')" >"$work/scan_at_instant.json"
# by_group counts at the instant, for the queries below
for g in 'group-0' 'group-3'; do
    value "SELECT ddb.query('{\"TableName\": \"rt_source\", \"IndexName\": \"by_group\", \"KeyConditionExpression\": \"g = :g\",
        \"ExpressionAttributeValues\": {\":g\": {\"S\": \"$g\"}}, \"Select\": \"COUNT\"}') ->> 'Count'" >"$work/count_$g"
done
sleep 1.2
# later writes, which the export at the instant must not hold
psql -o /dev/null <<'SQL'
SELECT ddb.call_text('UpdateItem', jsonb_build_object('TableName', 'rt_source',
    'Key', jsonb_build_object('pk', jsonb_build_object('S', 'item#' || (i % 40)), 'sk', jsonb_build_object('N', i::text)),
    'UpdateExpression', 'SET v = :v, g = :g',
    'ExpressionAttributeValues', '{":v": {"S": "changed"}, ":g": {"S": "group-0"}}'::jsonb)::text)
  FROM generate_series(2, 2499, 7) i;
SELECT ddb.call_text('DeleteItem', jsonb_build_object('TableName', 'rt_source',
    'Key', jsonb_build_object('pk', jsonb_build_object('S', 'item#' || (i % 40)), 'sk', jsonb_build_object('N', i::text)))::text)
  FROM generate_series(3, 2499, 11) i;
SELECT ddb.put('rt_source', jsonb_build_object('pk', 'late', 'sk', i, 'g', 'group-3')) FROM generate_series(1, 20) i;
SELECT ddb.call_text('DeleteItem', '{"TableName": "rt_source", "Key": {"pk": {"S": "\u0000"}, "sk": {"N": "-1"}}}');
SQL

# ---- the export at the instant ----
export_arn=$(value "SELECT ddb.export_table_to_point_in_time('{\"TableArn\": \"arn:aws:dynamodb:us-east-1:000000000000:table/rt_source\",
    \"S3Bucket\": \"roundtrip\", \"S3Prefix\": \"exports/rt\", \"ExportTime\": $t1}') -> 'ExportDescription' ->> 'ExportArn'")
status=IN_PROGRESS
for _ in $(seq 1 600); do
    status=$(value "SELECT ddb.describe_export(jsonb_build_object('ExportArn', '$export_arn')) -> 'ExportDescription' ->> 'ExportStatus'")
    [ "$status" != IN_PROGRESS ] && break
    sleep 0.1
done
[ "$status" = COMPLETED ] || fail "the export is $status: $(value "SELECT ddb.describe_export(jsonb_build_object('ExportArn', '$export_arn'))")"
exported=$(value "SELECT ddb.describe_export(jsonb_build_object('ExportArn', '$export_arn')) -> 'ExportDescription' ->> 'ItemCount'")
at_instant=$(value "SELECT count(*) FROM rt_at_instant")
[ "$exported" = "$at_instant" ] || fail "the export has $exported items, the table had $at_instant"
export_id=${export_arn##*/export/}
ls "$root/roundtrip/exports/rt/AWSDynamoDB/$export_id/data/"*.json.gz >/dev/null || fail "the export wrote no data file"

# ---- the import of its data files ----
import_arn=$(value "SELECT ddb.import_table('{\"S3BucketSource\": {\"S3Bucket\": \"roundtrip\",
        \"S3KeyPrefix\": \"exports/rt/AWSDynamoDB/$export_id/data/\"},
    \"InputFormat\": \"DYNAMODB_JSON\", \"InputCompressionType\": \"GZIP\",
    \"TableCreationParameters\": {\"TableName\": \"rt_copy\", $key_schema, $indexes}}'::jsonb)
    -> 'ImportTableDescription' ->> 'ImportArn'")
status=IN_PROGRESS
for _ in $(seq 1 600); do
    status=$(value "SELECT ddb.describe_import(jsonb_build_object('ImportArn', '$import_arn')) -> 'ImportTableDescription' ->> 'ImportStatus'")
    [ "$status" != IN_PROGRESS ] && break
    sleep 0.1
done
[ "$status" = COMPLETED ] || fail "the import is $status: $(value "SELECT ddb.describe_import(jsonb_build_object('ImportArn', '$import_arn'))")"
got=$(value "SELECT d ->> 'ProcessedItemCount' || ' ' || (d ->> 'ImportedItemCount') || ' ' || (d ->> 'ErrorCount')
               FROM (SELECT ddb.describe_import(jsonb_build_object('ImportArn', '$import_arn')) -> 'ImportTableDescription' AS d) s")
[ "$got" = "$at_instant $at_instant 0" ] || fail "import counts (processed imported errors): $got, expected $at_instant $at_instant 0"
[ "$(value "SELECT ddb.describe_table('{\"TableName\": \"rt_copy\"}') -> 'Table' ->> 'TableStatus'")" = ACTIVE ] ||
    fail "the imported table is not ACTIVE"

# ---- the new table is the table at the instant ----
[ "$(value "SELECT count(*) FROM ((SELECT item FROM ddb_data.rt_copy EXCEPT ALL SELECT item FROM rt_at_instant)
                               UNION ALL (SELECT item FROM rt_at_instant EXCEPT ALL SELECT item FROM ddb_data.rt_copy)) d")" = 0 ] ||
    fail "the imported table's items differ from the table's at the instant"
[ "$(value "SELECT count(*) FROM ((SELECT item FROM ddb_data.rt_copy EXCEPT ALL SELECT item FROM ddb_data.rt_source)
                               UNION ALL (SELECT item FROM ddb_data.rt_source EXCEPT ALL SELECT item FROM ddb_data.rt_copy)) d")" != 0 ] ||
    fail "the later writes are not later than the instant"
[ "$(value "SELECT count(*) FROM ddb.check_indexes('rt_copy')")" = 0 ] || fail "ddb.check_indexes finds the imported table's indexes inexact"
[ "$(value "SELECT count(*) FROM ddb.check_indexes('rt_source')")" = 0 ] || fail "ddb.check_indexes finds the source's indexes inexact"
value "SELECT ddb.call_text('Scan', '{\"TableName\": \"rt_copy\"}')" >"$work/scan_copy.json"
for g in 'group-0' 'group-3'; do
    [ "$(value "SELECT ddb.query('{\"TableName\": \"rt_copy\", \"IndexName\": \"by_group\", \"KeyConditionExpression\": \"g = :g\",
        \"ExpressionAttributeValues\": {\":g\": {\"S\": \"$g\"}}, \"Select\": \"COUNT\"}') ->> 'Count'")" = "$(cat "$work/count_$g")" ] ||
        fail "by_group of the imported table finds another count of $g than the source at the instant"
done
value "SELECT ddb.call_text('Query', '{\"TableName\": \"rt_copy\", \"IndexName\": \"by_bin\",
        \"KeyConditionExpression\": \"bin = :b\", \"ExpressionAttributeValues\": {\":b\": {\"B\": \"AAAB\"}}}')" |
    python3 -c '
import json, sys
items = json.load(sys.stdin)["Items"]
wanted = [{"pk": {"S": "nul\u0000key"}, "sk": {"N": "1"}, "bin": {"B": "AAAB"}, "s": {"S": "a\u0000b\u0001c \u00e9 \U0001f600"}}]
sys.exit(0 if items == wanted else "by_bin: %r" % items)' ||
    fail "by_bin of the imported table does not find the item with U+0000 as it was"

python3 - "$work/scan_at_instant.json" "$work/scan_copy.json" <<'PY' || fail "the Scans differ (above)"
import json, sys

def items(path):
    page = json.load(open(path, encoding="utf-8"))
    if "LastEvaluatedKey" in page:
        sys.exit("%s: the scan has more than one page" % path)
    return sorted(json.dumps(i, sort_keys=True, ensure_ascii=False) for i in page["Items"])

before, after = items(sys.argv[1]), items(sys.argv[2])
if before != after:
    missing = [i for i in before if i not in set(after)][:2]
    extra = [i for i in after if i not in set(before)][:2]
    sys.exit("scan of the copy: %d items, at the instant %d; missing %s, extra %s" % (len(after), len(before), missing, extra))
if not any("\\u0000" in i for i in after):
    sys.exit("no U+0000 string in the copy")
PY

echo "export_import_roundtrip: $at_instant items exported at the instant and imported back, indexes exact"
"$bin/dropdb" "$db"
