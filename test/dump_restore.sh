#!/usr/bin/env bash
# dump_restore: pg_dump of a database with ddb tables, restored into a fresh
# database, gives back the same tables (catalog, tags, key columns), items,
# index rows and item collection sizes, which later writes keep.
# Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin directory).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
src=ddb_dump_src
dst=ddb_dump_dst
dump=$(mktemp)
trap 'rm -f "$dump" "$dump".a "$dump".b' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

"$bin/dropdb" --if-exists "$src" 2>/dev/null
"$bin/dropdb" --if-exists "$dst" 2>/dev/null
"$bin/createdb" "$src"
"$bin/createdb" "$dst"

psql -d "$src" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('users', partition_key => 'user_id');
SELECT ddb.create_table('orders', partition_key => 'customer_id', sort_key => 'order_date');
SELECT ddb.create_table('blobs', partition_key => 'h', partition_key_type => 'B', sort_key => 'n', sort_key_type => 'N');
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/users", "Tags": [{"Key": "env", "Value": "test"}]}');
SELECT ddb.put('users', jsonb_build_object('user_id', 'u' || i, 'n', i, 'big', 12345678901234567890.123456789, 'l', jsonb_build_array(i, 'x', true, null)))
  FROM generate_series(1, 200) i;
SELECT ddb.put('orders', jsonb_build_object('customer_id', 'c' || (i % 7), 'order_date', '2024-01-' || lpad(i::text, 2, '0'), 'total', i * 1.5))
  FROM generate_series(1, 28) i;
SELECT ddb.put_item('{"TableName": "blobs", "Item": {"h": {"B": "AAEC"}, "n": {"N": "-1.5"}, "s": {"SS": ["a", "b"]}}}');
-- strings holding U+0000 and U+0001, in keys, values and names
SELECT ddb.call_text('PutItem', '{"TableName": "orders", "Item": {"customer_id": {"S": "c\u0000"}, "order_date": {"S": "\u0000\u0001"},
    "s\u0000": {"SS": ["\u0000", "\u0001", "x"]}, "m": {"M": {"\u0001": {"S": "a\u0000\u0000b"}}}}}');
-- a table with a GSI (two-attribute key) and an LSI
SELECT ddb.create_table('{"TableName": "tasks", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "task", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "user", "AttributeType": "S"}, {"AttributeName": "task", "AttributeType": "S"},
        {"AttributeName": "status", "AttributeType": "S"}, {"AttributeName": "due", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_status", "Projection": {"ProjectionType": "KEYS_ONLY"},
        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "due", "KeyType": "HASH"}]}],
    "LocalSecondaryIndexes": [{"IndexName": "by_due", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "due", "KeyType": "RANGE"}]}]}');
SELECT ddb.put('tasks', jsonb_build_object('user', 'u' || (i % 3), 'task', 't' || i, 'status', (ARRAY['open', 'done'])[1 + i % 2], 'due', i))
  FROM generate_series(1, 30) i;
-- an item table renamed with SQL, and one with an extra index
ALTER TABLE ddb_data.blobs RENAME TO blobs_renamed;
CREATE INDEX orders_total ON ddb_data.orders (((item -> 'total' ->> 'N')::numeric));
SQL

"$bin/pg_dump" -d "$src" -f "$dump"
psql -d "$dst" -f "$dump" >/dev/null

# Everything a user can observe through the API must be identical
observe() {
  psql -d "$1" -At <<'SQL'
SELECT ddb.list_tables('{}');
SELECT t, (ddb.describe_table(jsonb_build_object('TableName', t)) -> 'Table') - 'ItemCount' - 'TableSizeBytes'
  FROM unnest(ARRAY['users', 'orders', 'blobs']) t;
SELECT ddb.list_tags_of_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/users"}');
SELECT ddb.get_item(jsonb_build_object('TableName', 'users', 'Key', jsonb_build_object('user_id', jsonb_build_object('S', 'u' || i))))
  FROM generate_series(1, 200) i;
SELECT item FROM ddb_data.orders ORDER BY customer_id, order_date;
SELECT ddb.get_item('{"TableName": "blobs", "Key": {"h": {"B": "AAEC"}, "n": {"N": "-1.50"}}}');
SELECT ddb.call_text('Query', '{"TableName": "orders", "KeyConditionExpression": "customer_id = :c",
    "ExpressionAttributeValues": {":c": {"S": "c\u0000"}}}');
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'ddb_data.orders'::regclass ORDER BY conname;
SELECT ddb.describe_table('{"TableName": "tasks"}') -> 'Table' -> 'GlobalSecondaryIndexes' -> 0 -> 'KeySchema';
SELECT k1, k2, table_pk, table_sk, item FROM ddb_data."tasks:by_status" ORDER BY 1, 2, 3, 4;
SELECT k1, k2, table_pk, table_sk, item FROM ddb_data."tasks:by_due" ORDER BY 1, 2, 3, 4;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'ddb_data.tasks'::regclass ORDER BY 1;
SELECT table_pk, size_bytes FROM ddb_data."tasks:" ORDER BY 1;
SELECT * FROM ddb.check_indexes('tasks');
SELECT ddb.put_item('{"TableName": "tasks", "ReturnItemCollectionMetrics": "SIZE",
    "Item": {"user": {"S": "u1"}, "task": {"S": "t99"}, "due": {"N": "99"}}}');
SELECT table_pk, size_bytes FROM ddb_data."tasks:" ORDER BY 1;
SQL
}
observe "$src" > "$dump".a
observe "$dst" > "$dump".b
if ! diff -u "$dump".a "$dump".b; then
  echo "dump_restore: restored database differs" >&2
  exit 1
fi
grep -qF '{"S": "a\u0000\u0000b"}' "$dump".a || { echo "dump_restore: the U+0000 item was not read back" >&2; exit 1; }
grep -q '"user": {"S": "u1"}' "$dump".a || { echo "dump_restore: the index rows were not read back" >&2; exit 1; }
grep -q '^u1|' "$dump".a || { echo "dump_restore: the item collection sizes were not read back" >&2; exit 1; }
# and the restored tables keep working, indexes included
psql -d "$dst" -At -c "SELECT ddb.put('tasks', '{\"user\": \"u9\", \"task\": \"t9\", \"status\": \"open\", \"due\": 99}')" >/dev/null
[ "$(psql -d "$dst" -At -c "SELECT count(*) FROM ddb_data.\"tasks:by_status\" WHERE k1 = 'open' AND k2 = 99")" = 1 ] ||
    { echo "dump_restore: a write after the restore did not reach its index" >&2; exit 1; }
# and the restored tables keep working
psql -d "$dst" -At -c "SELECT ddb.put('users', '{\"user_id\": \"new\"}'); SELECT ddb.get('users', '{\"user_id\": \"new\"}');" | grep -q '"user_id": "new"'
lines=$(wc -l < "$dump".a)
[ "$lines" -gt 200 ] || { echo "dump_restore: too little output ($lines lines)" >&2; exit 1; }
"$bin/dropdb" "$src"
"$bin/dropdb" "$dst"
echo "dump_restore: ok ($lines observations identical)"
