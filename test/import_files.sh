#!/usr/bin/env bash
# import_files: ImportTable reading files, run by the background worker.
# A directory stands for S3 (ddb.export_directory); in it, python3 writes
#   - a DynamoDB export's layout (AWSDynamoDB/<id>/manifest-*.json and
#     data/*.json.gz of {"Item": ...} lines) holding strings with U+0000
#     (\u0000), binaries, the three kinds of sets, numbers of 38 digits,
#     nested maps and lists, a key written twice (the last one read wins),
#     and malformed lines (not JSON, not {"Item": ...}, no key, a key of the
#     wrong type, a bad number, an item over 400 KB, a GSI key of the wrong
#     type, which only the insert refuses), and a file whose gzip data is cut
#     short;
#   - CSV files with a header line, with HeaderList and another delimiter,
#     quoted fields with delimiters, quotes and line breaks, numeric keys,
#     and malformed records; a key prefix that is not a directory;
#   - the same items compressed with ZSTD, and uncompressed;
#   - a symbolic link to a file outside the root, and a bucket that is a
#     symbolic link to a directory outside it, neither of which is read.
# Each import is waited for (COMPLETED), then its table is compared with the
# items expected (put with PutItem into a reference table), its counts
# (ProcessedItemCount, ImportedItemCount, ErrorCount) checked, and its
# indexes checked with ddb.check_indexes. The FAILED path (no bucket, no
# file under the prefix, a bucket outside the root) leaves no table. A role
# without pg_read_server_files is refused; a role with it owns its table.
# With the HTTP endpoint (DDB_HTTP_PORT) and boto3, an import runs through
# ImportTable, DescribeImport and ListImports of the SDK (the setting set
# with ALTER SYSTEM for the endpoint's workers, and reset).
# Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin directory).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_import_files
work=$(mktemp -d)
outside=$(mktemp -d)
trap 'rm -rf "$work" "$outside"' EXIT
chmod 755 "$work" "$outside"
root=$work/s3

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
value() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" -At -c "$1"; }
fail() { echo "import_files: $*" >&2; exit 1; }

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"
psql -c 'CREATE EXTENSION ddb' -c "ALTER DATABASE $db SET ddb.export_directory = '$root'"

# ---- the files, and the items each import must give ----
python3 - "$root" "$outside" "$work" <<'PY'
import base64, gzip, json, os, random, sys

root, outside, work = sys.argv[1], sys.argv[2], sys.argv[3]
random.seed(7)

def w(path, data, mode="wb"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)

def line(item):
    return json.dumps({"Item": item}) + "\n"

# -- a DynamoDB export: bucket "exports", prefix AWSDynamoDB/01234-abcd/data/
exp = os.path.join(root, "exports", "AWSDynamoDB", "01234-abcd")
w(os.path.join(exp, "manifest-summary.json"), b'{"version": "2020-06-30", "itemCount": 0}\n')
w(os.path.join(exp, "manifest-files.json"), b'{"itemCount": 0, "dataFileS3Key": "x"}\n')
expected = {}          # key -> item, for the reference table
order = []
def keep(item):
    k = item["pk"]["S"] + "|" + item["sk"]["N"]
    if k not in expected:
        order.append(k)
    expected[k] = item

rich = {
    "pk": {"S": "nul\u0000key"}, "sk": {"N": "1"},
    "s": {"S": "a\u0000b\u0001c é 😀"},
    "b": {"B": base64.b64encode(bytes(range(256))).decode()},
    "ss": {"SS": ["z", "a\u0000", "m"]}, "ns": {"NS": ["3", "-1.5", "12345678901234567890123456789012345678"]},
    "bs": {"BS": [base64.b64encode(b"\x00\x01").decode(), base64.b64encode(b"\xff").decode()]},
    "n": {"N": "-0.000000000000000000000000000000000000012345"}, "big": {"N": "99999999999999999999999999999999999999"},
    "m": {"M": {"l": {"L": [{"S": "x"}, {"N": "2"}, {"BOOL": True}, {"NULL": True}, {"M": {}}]}, "e": {"S": ""}}},
    "t": {"BOOL": False}, "z": {"NULL": True}, "g": {"S": "group-a"},
}
part1 = [line(rich)]
keep(rich)
for i in range(2, 3001):
    item = {"pk": {"S": "p%d" % (i % 50)}, "sk": {"N": str(i)}, "v": {"S": "v%d" % i}}
    if i % 3 == 0:
        item["g"] = {"S": "group-%d" % (i % 7)}
    part1.append(line(item))
    keep(item)
bad1 = [
    "this is not json\n",                                                   # not JSON
    '{"Item": {"pk": {"S": "x"}, "sk": {"N": "1"}}, "Other": 1}\n',          # not {"Item": ...}
    '["Item"]\n',                                                           # not an object
    '{"Item": {"sk": {"N": "1"}}}\n',                                       # no partition key
    '{"Item": {"pk": {"N": "1"}, "sk": {"N": "1"}}}\n',                     # key of the wrong type
    '{"Item": {"pk": {"S": "x"}, "sk": {"N": "1e999"}}}\n',                 # a bad number
    '{"Item": {"pk": {"S": "x"}, "sk": {"N": "2"}, "g": {"N": "5"}}}\n',   # GSI key of the wrong type
    line({"pk": {"S": "x"}, "sk": {"N": "3"}, "big": {"S": "y" * 410000}}), # over 400 KB
    "\n",                                                                   # blank: no item
]
lines = part1[:1500] + bad1 + part1[1500:]
w(os.path.join(exp, "data", "part-0001.json.gz"), gzip.compress("".join(lines).encode()))
# the second file rewrites some keys (it comes later in key order: the last read wins)
part2 = []
for i in range(2, 200):
    item = {"pk": {"S": "p%d" % (i % 50)}, "sk": {"N": str(i)}, "v": {"S": "rewritten %d" % i}}
    part2.append(line(item))
    keep(item)
w(os.path.join(exp, "data", "part-0002.json.gz"), gzip.compress("".join(part2).encode()))
# a file cut short: the lines before the cut are imported, the cut is one error
cut = [line({"pk": {"S": "cut"}, "sk": {"N": str(i)}}) for i in range(1, 2001)]
data = gzip.compress("".join(cut).encode())
w(os.path.join(exp, "data", "part-0003.json.gz"), data[: len(data) // 2])
# a line of 5 MB (over the 4 MB a line may have) is one error, not read into memory
w(os.path.join(exp, "data", "part-0000.json.gz"),
  gzip.compress(('{"Item": {"pk": {"S": "long"}, "sk": {"N": "1"}, "x": {"S": "' + "x" * (5 << 20) + '"}}}\n').encode()))
# a link to a file outside the root is not read
w(os.path.join(outside, "secret.json"), line({"pk": {"S": "secret"}, "sk": {"N": "1"}}).encode())
os.symlink(os.path.join(outside, "secret.json"), os.path.join(exp, "data", "part-0004.json"))
json_processed = 1 + len(part1) + 8 + len(part2) + 1   # the long line, bad lines, the cut
json_errors = 1 + 8 + 1
with open(os.path.join(work, "json_expected.jsonl"), "w") as f:
    for k in order:
        f.write(json.dumps({"Item": expected[k]}) + "\n")
with open(os.path.join(work, "json_counts"), "w") as f:
    f.write("%d %d\n" % (json_processed, json_errors))
with open(os.path.join(work, "cut_lines"), "w") as f:
    f.write("%d\n" % (len(cut)))
with open(os.path.join(work, "json_bytes"), "w") as f:
    f.write("%d\n" % (len("".join(lines).encode()) + len("".join(part2).encode()) + (5 << 20)))

# -- CSV: bucket "csv", prefix "orders/part" (a key prefix, not a directory)
csvdir = os.path.join(root, "csv", "orders")
w(os.path.join(csvdir, "part-1.csv"),
  'customer,order_no,note,status\n'
  'c1,1,plain,open\n'
  'c1,2,"with, comma",closed\n'
  'c2,10,"a ""quoted"" word",open\n'
  'c2,11,"two\nlines",\n'
  'c3,x,bad number,open\n'          # order_no is N: an error
  'c3,12,too,many,fields\n'         # an error
  ',13,no customer,open\n'          # no partition key: an error
  'c5,15,say "hi",open\n'          # a quote inside an unquoted field is kept
  '\n'
  'c3,14,"unterminated\n', "w")
w(os.path.join(csvdir, "part-2", "more.csv"), 'customer,order_no,note,status\nc4,1,from a subdirectory,open\n', "w")
w(os.path.join(csvdir, "other.csv"), 'customer,order_no,note,status\nc9,1,not under the prefix,open\n', "w")
csv_expected = [
    {"customer": {"S": "c1"}, "order_no": {"N": "1"}, "note": {"S": "plain"}, "status": {"S": "open"}},
    {"customer": {"S": "c1"}, "order_no": {"N": "2"}, "note": {"S": "with, comma"}, "status": {"S": "closed"}},
    {"customer": {"S": "c2"}, "order_no": {"N": "10"}, "note": {"S": 'a "quoted" word'}, "status": {"S": "open"}},
    {"customer": {"S": "c2"}, "order_no": {"N": "11"}, "note": {"S": "two\nlines"}},
    {"customer": {"S": "c4"}, "order_no": {"N": "1"}, "note": {"S": "from a subdirectory"}, "status": {"S": "open"}},
    {"customer": {"S": "c5"}, "order_no": {"N": "15"}, "note": {"S": 'say "hi"'}, "status": {"S": "open"}},
]
with open(os.path.join(work, "csv_expected.jsonl"), "w") as f:
    for item in csv_expected:
        f.write(json.dumps({"Item": item}) + "\n")
# HeaderList and ';': every line is data
w(os.path.join(root, "csv", "semi", "a.csv"), 'k1;7;x\nk2;8;"y;z"\n', "w")

# -- the same items, uncompressed and for ZSTD (compressed by the test)
plain = "".join(line({"pk": {"S": "z%d" % i}, "sk": {"N": str(i)}, "b": {"B": "AAE="}}) for i in range(100))
w(os.path.join(root, "plain", "items.json"), plain, "w")
w(os.path.join(work, "zstd", "items.json"), plain, "w")
PY

if command -v zstd >/dev/null 2>&1; then
    mkdir -p "$root/zstd"
    zstd -q "$work/zstd/items.json" -o "$root/zstd/items.json.zst"
fi
# a bucket that is a link to a directory outside the root
mkdir -p "$outside/bucket"
cp "$root/plain/items.json" "$outside/bucket/"
ln -s "$outside/bucket" "$root/escape"

# ---- helpers ----
psql <<'SQL'
-- Items of one table missing from the other, both ways
CREATE FUNCTION item_diff(a text, b text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT item FROM %s EXCEPT ALL SELECT item FROM %s)
                                          UNION ALL (SELECT item FROM %s EXCEPT ALL SELECT item FROM %s)) d',
                   (SELECT item_table FROM ddb.tables WHERE table_name = a), (SELECT item_table FROM ddb.tables WHERE table_name = b),
                   (SELECT item_table FROM ddb.tables WHERE table_name = b), (SELECT item_table FROM ddb.tables WHERE table_name = a))
        INTO n;
    RETURN n;
END
$$;
SQL

# import $1 (a JSON request); prints the import's ARN
start_import() {
    value "SELECT ddb.import_table('$1'::jsonb) -> 'ImportTableDescription' ->> 'ImportArn'"
}
# wait for an import, and check its status
wait_for() {
    local arn=$1 wanted=$2 status
    # a new session each time: each sees the worker's commits
    for _ in $(seq 1 1200); do
        status=$(value "SELECT status FROM ddb.imports WHERE import_arn = '$arn'")
        [ "$status" != IN_PROGRESS ] && break
        sleep 0.1
    done
    [ "$status" = "$wanted" ] || fail "import $arn is $status, not $wanted: $(value "SELECT failure_code || ': ' || failure_message FROM ddb.imports WHERE import_arn = '$arn'")"
}
# counts of an import: "processed imported errors"
counts() {
    value "SELECT processed_item_count || ' ' || imported_item_count || ' ' || error_count FROM ddb.imports WHERE import_arn = '$1'"
}
# a reference table filled from a file of {"Item": ...} lines with PutItem
reference() {
    local table=$1 file=$2 create=$3
    psql -c "SELECT ddb.create_table('$create') IS NOT NULL" >/dev/null
    python3 - "$table" "$file" <<'PY' | psql >/dev/null
import json, sys
table, path = sys.argv[1], sys.argv[2]
for l in open(path):
    item = json.loads(l)["Item"]
    body = json.dumps({"TableName": table, "Item": item})
    print("SELECT ddb.call_text('PutItem', $q$%s$q$);" % body)
PY
}

key_schema='"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                             {"AttributeName": "g", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"'
gsi='"GlobalSecondaryIndexes": [{"IndexName": "by_group", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}]'

# ---- 1. a DynamoDB export, gzipped ----
arn=$(start_import "{\"S3BucketSource\": {\"S3Bucket\": \"exports\", \"S3KeyPrefix\": \"AWSDynamoDB/01234-abcd/data/\"},
    \"InputFormat\": \"DYNAMODB_JSON\", \"InputCompressionType\": \"GZIP\",
    \"TableCreationParameters\": {\"TableName\": \"exported\", $key_schema, $gsi}}")
[ "$(value "SELECT ddb.describe_table('{\"TableName\": \"exported\"}') -> 'Table' ->> 'TableStatus'")" = CREATING ] ||
    [ "$(value "SELECT status FROM ddb.imports WHERE import_arn = '$arn'")" != IN_PROGRESS ] ||
    fail "a table being imported into is not CREATING"
wait_for "$arn" COMPLETED
reference exported_ref "$work/json_expected.jsonl" "{\"TableName\": \"exported_ref\", $key_schema, $gsi}"
read -r processed errors <"$work/json_counts"
cut_lines=$(cat "$work/cut_lines")
got=$(counts "$arn")
read -r got_processed got_imported got_errors <<<"$got"
# the lines of the cut file read before its end depend on where gzip stops
cut_read=$(value "SELECT count(*) FROM ddb_data.exported WHERE pk = 'cut'")
[ "$cut_read" -gt 0 ] && [ "$cut_read" -lt "$cut_lines" ] || fail "the cut file gave $cut_read items"
[ "$got_processed" -eq $((processed + cut_read)) ] && [ "$got_errors" -eq "$errors" ] &&
    [ "$got_imported" -eq $((got_processed - got_errors)) ] ||
    fail "counts of the export import: $got, expected $((processed + cut_read)) processed, $errors errors"
psql -c "DELETE FROM ddb_data.exported WHERE pk = 'cut'"
[ "$(value "SELECT item_diff('exported', 'exported_ref')")" = 0 ] || fail "the imported export differs from the items expected"
[ "$(value "SELECT count(*) FROM ddb.check_indexes('exported')")" = 0 ] || fail "the imported table's index is not exact"
# the uncompressed bytes of the whole files, and part of the cut one
[ "$(value "SELECT processed_size_bytes > $(cat "$work/json_bytes") FROM ddb.imports WHERE import_arn = '$arn'")" = t ] ||
    fail "ProcessedSizeBytes is not the uncompressed size: $(value "SELECT processed_size_bytes FROM ddb.imports WHERE import_arn = '$arn'")"
# U+0000 and the index, through the API
value "SELECT ddb.call_text('GetItem', \$\$ {\"TableName\": \"exported\", \"Key\": {\"pk\": {\"S\": \"nul\\u0000key\"}, \"sk\": {\"N\": \"1\"}}, \"ProjectionExpression\": \"s, ss\"} \$\$)" |
    grep -qF '{"Item": {"s": {"S": "a\u0000b\u0001c é 😀"}, "ss": {"SS": ["a\u0000", "m", "z"]}}}' ||
    fail "the item with U+0000 was not imported as it was"
[ "$(value "SELECT ddb.query('{\"TableName\": \"exported\", \"IndexName\": \"by_group\", \"KeyConditionExpression\": \"g = :g\", \"ExpressionAttributeValues\": {\":g\": {\"S\": \"group-a\"}}, \"Select\": \"COUNT\"}') ->> 'Count'")" = 1 ] ||
    fail "the GSI does not find the imported item"
[ "$(value "SELECT count(*) FROM ddb_data.exported WHERE pk = 'secret'")" = 0 ] || fail "a link outside the root was read"
[ "$(value "SELECT ddb.describe_table('{\"TableName\": \"exported\"}') -> 'Table' ->> 'TableStatus'")" = ACTIVE ] ||
    fail "the imported table is not ACTIVE"
echo "import_files: export layout: $got (processed imported errors), items and index exact"

# ---- 2. CSV with a header line, under a key prefix that is not a directory ----
csv_schema='"KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "order_no", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"}, {"AttributeName": "order_no", "AttributeType": "N"}],
    "BillingMode": "PAY_PER_REQUEST"'
arn=$(start_import "{\"S3BucketSource\": {\"S3Bucket\": \"csv\", \"S3KeyPrefix\": \"orders/part\"}, \"InputFormat\": \"CSV\",
    \"TableCreationParameters\": {\"TableName\": \"orders\", $csv_schema}}")
wait_for "$arn" COMPLETED
reference orders_ref "$work/csv_expected.jsonl" "{\"TableName\": \"orders_ref\", $csv_schema}"
[ "$(value "SELECT item_diff('orders', 'orders_ref')")" = 0 ] || fail "the imported CSV differs from the items expected"
[ "$(counts "$arn")" = "10 6 4" ] || fail "counts of the CSV import: $(counts "$arn"), expected 10 6 4"
echo "import_files: CSV: $(counts "$arn") (processed imported errors)"

# HeaderList and another delimiter: the first line is data
arn=$(start_import "{\"S3BucketSource\": {\"S3Bucket\": \"csv\", \"S3KeyPrefix\": \"semi/\"}, \"InputFormat\": \"CSV\",
    \"InputFormatOptions\": {\"Csv\": {\"Delimiter\": \";\", \"HeaderList\": [\"customer\", \"order_no\", \"note\"]}},
    \"TableCreationParameters\": {\"TableName\": \"semi\", $csv_schema}}")
wait_for "$arn" COMPLETED
[ "$(counts "$arn")" = "2 2 0" ] || fail "counts of the HeaderList import: $(counts "$arn")"
[ "$(value "SELECT ddb.get('semi', '{\"customer\": \"k2\", \"order_no\": 8}')")" = '{"note": "y;z", "customer": "k2", "order_no": 8}' ] ||
    fail "HeaderList and ';' were not applied: $(value "SELECT ddb.get('semi', '{\"customer\": \"k2\", \"order_no\": 8}')")"

# ---- 3. uncompressed, and ZSTD ----
plain_schema='"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
    "BillingMode": "PAY_PER_REQUEST"'
arn=$(start_import "{\"S3BucketSource\": {\"S3Bucket\": \"plain\"}, \"InputFormat\": \"DYNAMODB_JSON\",
    \"TableCreationParameters\": {\"TableName\": \"plain\", $plain_schema}}")
wait_for "$arn" COMPLETED
[ "$(counts "$arn")" = "100 100 0" ] || fail "counts of the uncompressed import: $(counts "$arn")"
if [ -d "$root/zstd" ]; then
    arn=$(start_import "{\"S3BucketSource\": {\"S3Bucket\": \"zstd\"}, \"InputFormat\": \"DYNAMODB_JSON\",
        \"InputCompressionType\": \"ZSTD\", \"TableCreationParameters\": {\"TableName\": \"zstd\", $plain_schema}}")
    wait_for "$arn" COMPLETED
    [ "$(counts "$arn")" = "100 100 0" ] || fail "counts of the ZSTD import: $(counts "$arn")"
    [ "$(value "SELECT item_diff('zstd', 'plain')")" = 0 ] || fail "the ZSTD import differs from the uncompressed one"
    echo "import_files: ZSTD and uncompressed imports equal"
else
    echo "import_files: no zstd command: ZSTD input not tested"
fi
# GZIP said of a file that is not gzip: one error, nothing imported
arn=$(start_import "{\"S3BucketSource\": {\"S3Bucket\": \"plain\"}, \"InputFormat\": \"DYNAMODB_JSON\",
    \"InputCompressionType\": \"GZIP\", \"TableCreationParameters\": {\"TableName\": \"not-gzip\", $plain_schema}}")
wait_for "$arn" COMPLETED
[ "$(counts "$arn")" = "1 0 1" ] || fail "counts of the import of a file that is not gzip: $(counts "$arn")"

# ---- 4. FAILED: no bucket, no file under the prefix, a bucket outside the root ----
for case in "nobucket:no-such-bucket::S3NoSuchBucket" "noprefix:plain:nothing/:S3NoSuchKey" "escape:escape::S3AccessDenied"; do
    IFS=: read -r table bucket prefix code <<<"$case"
    arn=$(start_import "{\"S3BucketSource\": {\"S3Bucket\": \"$bucket\", \"S3KeyPrefix\": \"$prefix\"}, \"InputFormat\": \"DYNAMODB_JSON\",
        \"TableCreationParameters\": {\"TableName\": \"failed-$table\", $plain_schema}}")
    wait_for "$arn" FAILED
    [ "$(value "SELECT failure_code FROM ddb.imports WHERE import_arn = '$arn'")" = "$code" ] ||
        fail "import from bucket $bucket failed with $(value "SELECT failure_code FROM ddb.imports WHERE import_arn = '$arn'"), not $code"
    [ "$(value "SELECT count(*) FROM ddb.tables WHERE table_name = 'failed-$table'")" = 0 ] ||
        fail "the table of a failed import is still there"
done
echo "import_files: failed imports leave no table"

# ---- 5. privileges ----
psql <<SQL
SET client_min_messages = warning;
DROP ROLE IF EXISTS ddb_import_plain;
DROP ROLE IF EXISTS ddb_import_reader;
CREATE ROLE ddb_import_plain;
CREATE ROLE ddb_import_reader;
GRANT pg_read_server_files TO ddb_import_reader;
GRANT CREATE ON SCHEMA ddb_data TO ddb_import_plain, ddb_import_reader;
SQL
request="{\"S3BucketSource\": {\"S3Bucket\": \"plain\"}, \"InputFormat\": \"DYNAMODB_JSON\",
    \"TableCreationParameters\": {\"TableName\": \"by-reader\", $plain_schema}}"
if value "SET ROLE ddb_import_plain; SELECT ddb.import_table('$request')" >/dev/null 2>"$work/err"; then
    fail "a role without pg_read_server_files imported"
fi
grep -q "pg_read_server_files" "$work/err" || fail "the privilege error does not name pg_read_server_files: $(cat "$work/err")"
arn=$(value "SET ROLE ddb_import_reader; SELECT ddb.import_table('$request') -> 'ImportTableDescription' ->> 'ImportArn'")
wait_for "$arn" COMPLETED
[ "$(value "SELECT c.relowner::regrole FROM ddb.tables t JOIN pg_class c ON c.oid = t.item_table WHERE t.table_name = 'by-reader'")" = ddb_import_reader ] ||
    fail "the imported table is not its caller's"
echo "import_files: privileges checked"

"$bin/dropdb" "$db"
"$bin/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP ROLE ddb_import_plain' -c 'DROP ROLE ddb_import_reader'

# ---- 6. through the HTTP endpoint, with boto3 (when the endpoint runs) ----
if [ -n "${DDB_HTTP_PORT:-}" ] && python3 -c 'import boto3' 2>/dev/null; then
    here=$(cd "$(dirname "$0")" && pwd)
    . "$here/http/lib.sh"
    http_wait_ready || fail "the HTTP endpoint does not answer on port $DDB_HTTP_PORT"
    hpsql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d ddb_http "$@"; }
    # the endpoint's workers read the setting from the server's configuration
    hpsql -c "ALTER SYSTEM SET ddb.export_directory = '$root'" -c 'SELECT pg_reload_conf()' >/dev/null
    trap 'hpsql -c "ALTER SYSTEM RESET ddb.export_directory" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true; rm -rf "$work" "$outside"' EXIT
    hpsql -o /dev/null <<'SQL'
SET client_min_messages = warning;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ddb_import_http') THEN CREATE ROLE ddb_import_http; END IF;
END $$;
GRANT CREATE ON SCHEMA ddb_data TO ddb_import_http;
GRANT pg_read_server_files TO ddb_import_http;
DELETE FROM ddb.access_keys WHERE role = 'ddb_import_http'::regrole;
SQL
    read -r key secret < <(hpsql -At -F ' ' -c "SELECT * FROM ddb.create_access_key('ddb_import_http')")
    sleep 1   # the reload reaches the endpoint's workers
    python3 - "$DDB_HTTP_PORT" "$key" "$secret" <<'PY'
import sys, time
import boto3
port, key, secret = sys.argv[1:]
client = boto3.client("dynamodb", endpoint_url="http://localhost:%s" % port, region_name="us-east-1",
                      aws_access_key_id=key, aws_secret_access_key=secret)
for table in ("http-plain",):
    try:
        client.delete_table(TableName=table)
    except client.exceptions.ResourceNotFoundException:
        pass
started = client.import_table(
    S3BucketSource={"S3Bucket": "plain"}, InputFormat="DYNAMODB_JSON", InputCompressionType="NONE",
    TableCreationParameters={"TableName": "http-plain", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]},
    ClientToken="http-token")["ImportTableDescription"]
arn = started["ImportArn"]
assert started["ImportStatus"] == "IN_PROGRESS", started
for _ in range(600):
    d = client.describe_import(ImportArn=arn)["ImportTableDescription"]
    if d["ImportStatus"] != "IN_PROGRESS":
        break
    time.sleep(0.1)
assert d["ImportStatus"] == "COMPLETED", d
assert (d["ProcessedItemCount"], d["ImportedItemCount"], d["ErrorCount"]) == (100, 100, 0), d
assert d["EndTime"] >= d["StartTime"], d
summaries = client.list_imports(TableArn=d["TableArn"], PageSize=1)["ImportSummaryList"]
assert [s["ImportArn"] for s in summaries] == [arn], summaries
assert client.scan(TableName="http-plain", Select="COUNT")["Count"] == 100
try:
    client.describe_import(ImportArn=arn.replace("/import/", "/import/9"))
    raise AssertionError("an unknown import was found")
except client.exceptions.ImportNotFoundException:
    pass
try:
    client.import_table(S3BucketSource={"S3Bucket": "plain"}, InputFormat="CSV",
        TableCreationParameters={"TableName": "http-other", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]},
        ClientToken="http-token")
    raise AssertionError("a reused ClientToken was accepted")
except client.exceptions.ImportConflictException:
    pass
client.delete_table(TableName="http-plain")
PY
    hpsql -c "DELETE FROM ddb.access_keys WHERE role = 'ddb_import_http'::regrole" \
          -c "DELETE FROM ddb.imports WHERE table_name IN ('http-plain', 'http-other')" \
          -c 'REVOKE CREATE ON SCHEMA ddb_data FROM ddb_import_http' -c 'DROP ROLE ddb_import_http' >/dev/null
    echo "import_files: ImportTable, DescribeImport and ListImports through the HTTP endpoint (boto3)"
fi
echo "import_files: ok"
