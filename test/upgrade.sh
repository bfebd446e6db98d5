#!/usr/bin/env bash
# upgrade: a populated database of version 0.1.0 updates to 0.2.0 with
# ALTER EXTENSION ddb UPDATE TO '0.2.0', and then to the latest version
# (Time to Live works on the updated tables). Its item tables (made as
# 0.1.0's CreateTable made them: key columns generated from the item) get
# plain key columns and the item check, validated where every row passes
# it; strings holding U+0001 (stored as themselves by 0.1.0) move to the
# stored form; a table with a malformed row keeps its check NOT VALID, and
# ddb checks its items on read until the owner mends the row and validates
# the check. The new library also serves 0.1.0 item tables before the
# update. Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin
# directory).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_upgrade
fresh=ddb_upgrade_fresh
out=$(mktemp)
trap 'rm -f "$out" "$out".a "$out".b' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "upgrade: $*" >&2; exit 1; }

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/dropdb" --if-exists "$fresh" 2>/dev/null
"$bin/createdb" "$db"
"$bin/createdb" "$fresh"

# A 0.1.0 database: the catalog rows and item tables 0.1.0's CreateTable made
psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb VERSION '0.1.0';
CREATE TABLE ddb_data.users (
    user_id text COLLATE "C" GENERATED ALWAYS AS ((item -> 'user_id') ->> 'S') STORED,
    item jsonb NOT NULL, PRIMARY KEY (user_id));
CREATE TABLE ddb_data.orders (
    customer_id text COLLATE "C" GENERATED ALWAYS AS ((item -> 'customer_id') ->> 'S') STORED,
    n numeric GENERATED ALWAYS AS (((item -> 'n') ->> 'N')::numeric) STORED,
    item jsonb NOT NULL, PRIMARY KEY (customer_id, n));
CREATE TABLE ddb_data.odd (
    pk text COLLATE "C" GENERATED ALWAYS AS ((item -> E'k\x01') ->> 'S') STORED,
    item jsonb NOT NULL, PRIMARY KEY (pk));
CREATE TABLE ddb_data.legacy (
    id bytea GENERATED ALWAYS AS (decode((item -> 'id') ->> 'B', 'base64')) STORED,
    item jsonb NOT NULL, PRIMARY KEY (id));
INSERT INTO ddb.tables (table_name, table_id, item_table, hash_key, hash_key_type, hash_key_column,
                        range_key, range_key_type, range_key_column, key_schema, attribute_definitions, billing_mode)
VALUES ('users', gen_random_uuid(), 'ddb_data.users', 'user_id', 'S', 'user_id', NULL, NULL, NULL,
        '[{"AttributeName": "user_id", "KeyType": "HASH"}]', '[{"AttributeName": "user_id", "AttributeType": "S"}]', 'PAY_PER_REQUEST'),
       ('orders', gen_random_uuid(), 'ddb_data.orders', 'customer_id', 'S', 'customer_id', 'n', 'N', 'n',
        '[{"AttributeName": "customer_id", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}]',
        '[{"AttributeName": "customer_id", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}]', 'PAY_PER_REQUEST'),
       ('odd', gen_random_uuid(), 'ddb_data.odd', E'k\x01', 'S', 'pk', NULL, NULL, NULL,
        '[{"AttributeName": "k\u0001", "KeyType": "HASH"}]', '[{"AttributeName": "k\u0001", "AttributeType": "S"}]', 'PAY_PER_REQUEST'),
       ('legacy', gen_random_uuid(), 'ddb_data.legacy', 'id', 'B', 'id', NULL, NULL, NULL,
        '[{"AttributeName": "id", "KeyType": "HASH"}]', '[{"AttributeName": "id", "AttributeType": "B"}]', 'PAY_PER_REQUEST');
-- the new library serves them before the update: writes, reads, queries
SELECT ddb.put('users', jsonb_build_object('user_id', 'u' || i, 'n', i, 'tags', jsonb_build_array('a', i)))
  FROM generate_series(1, 100) i;
SELECT ddb.put('orders', jsonb_build_object('customer_id', 'c' || (i % 5), 'n', i, 'total', i * 1.5))
  FROM generate_series(1, 50) i;
SELECT ddb.put_item('{"TableName": "legacy", "Item": {"id": {"B": "AAE="}, "v": {"S": "blob"}}}');
-- 0.1.0 stored U+0001 as itself
INSERT INTO ddb_data.users (item) VALUES ('{"user_id": {"S": "\u0001one"}, "v\u0001": {"SS": ["\u0001", "a"]}}');
-- a key attribute whose name holds U+0001, with values that do too
INSERT INTO ddb_data.odd (item) VALUES ('{"k\u0001": {"S": "v\u0001"}, "x": {"N": "1"}}');
-- a row 0.1.0 could not refuse: a number not in canonical form
INSERT INTO ddb_data.legacy (item) VALUES ('{"id": {"B": "AQ=="}, "v": {"N": "1e3"}}');
SQL
[ "$(psql -d "$db" -At -c "SELECT ddb.get('users', '{\"user_id\": \"u7\"}') ->> 'n'")" = 7 ] ||
    fail "0.1.0 item tables are not served before the update"
[ "$(psql -d "$db" -At -c "SELECT count(*) FROM ddb.query('orders', 'customer_id = :c', '{\":c\": \"c1\"}')")" = 10 ] ||
    fail "a Query of a 0.1.0 item table before the update"

psql -d "$db" -c "ALTER EXTENSION ddb UPDATE TO '0.2.0'" 2>"$out"
grep -q 'WARNING:  item table ddb_data.legacy of DynamoDB table legacy holds rows that are not valid items' "$out" ||
    { cat "$out" >&2; fail "no warning about the malformed row"; }
[ "$(psql -d "$db" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'ddb'")" = 0.2.0 ] || fail "not at 0.2.0"

# key columns are plain, every table has its check, validated where possible
psql -d "$db" -At > "$out" <<'SQL'
SELECT c.relname, a.attname, a.attgenerated = '' FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'ddb_data'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND a.attname <> 'item'
 ORDER BY 1, 2;
SELECT conrelid::regclass, convalidated FROM pg_constraint WHERE conname = 'ddb_item_is_valid' ORDER BY 1::text;
SQL
diff -u - "$out" <<'EOF2' || fail "item tables after the update"
legacy|id|t
odd|pk|t
orders|customer_id|t
orders|n|t
users|user_id|t
ddb_data.legacy|f
ddb_data.odd|t
ddb_data.orders|t
ddb_data.users|t
EOF2

# items read back as before, U+0001 included, and stored in the stored form
[ "$(psql -d "$db" -At -c "SELECT ddb.get('users', '{\"user_id\": \"\\u0001one\"}')")" = '{"v\u0001": ["\u0001", "a"], "user_id": "\u0001one"}' ] ||
    fail "the U+0001 item after the update: $(psql -d "$db" -At -c "SELECT ddb.get('users', '{\"user_id\": \"\\u0001one\"}')")"
[ "$(psql -d "$db" -At -c "SELECT count(*) FROM ddb_data.users WHERE user_id = E'\\x01\\x02one'")" = 1 ] ||
    fail "the U+0001 key column is not in the stored form"
[ "$(psql -d "$db" -At -c "SELECT ddb.get('odd', '{\"k\\u0001\": \"v\\u0001\"}') ->> 'x'")" = 1 ] ||
    fail "a key attribute named with U+0001 after the update"
[ "$(psql -d "$db" -At -c "SELECT count(*) FROM ddb.scan('users', NULL)")" = 101 ] || fail "users after the update"
[ "$(psql -d "$db" -At -c "SELECT sum((i ->> 'total')::numeric) FROM ddb.scan('orders', NULL) i")" = 1912.5 ] ||
    fail "orders after the update"
# writes supply the key columns now, and plain SQL must too
psql -d "$db" -o /dev/null -c "SELECT ddb.put('orders', '{\"customer_id\": \"c9\", \"n\": 1}')"
[ "$(psql -d "$db" -At -c "SELECT count(*) FROM ddb.query('orders', 'customer_id = :c', '{\":c\": \"c9\"}')")" = 1 ] ||
    fail "a write after the update"
if psql -d "$db" -c "INSERT INTO ddb_data.orders (customer_id, n, item) VALUES ('x', 1, '{\"customer_id\": {\"S\": \"y\"}, \"n\": {\"N\": \"1\"}}')" 2>/dev/null; then
    fail "a row whose key columns differ from its item was accepted"
fi
# the malformed row is refused on read (DynamoDB's InternalServerError) until mended
psql -d "$db" -At -c "SELECT ddb.get_item('{\"TableName\": \"legacy\", \"Key\": {\"id\": {\"B\": \"AQ==\"}}}')" 2>"$out" &&
    fail "the malformed row was read"
grep -q 'InternalServerError: .*a number is not in canonical form' "$out" || { cat "$out" >&2; fail "malformed row error"; }
psql -d "$db" -o /dev/null <<'SQL'
UPDATE ddb_data.legacy SET item = '{"id": {"B": "AQ=="}, "v": {"N": "1000"}}' WHERE id = '\x01';
ALTER TABLE ddb_data.legacy VALIDATE CONSTRAINT ddb_item_is_valid;
SQL
[ "$(psql -d "$db" -At -c "SELECT ddb.get_item('{\"TableName\": \"legacy\", \"Key\": {\"id\": {\"B\": \"AQ==\"}}}') -> 'Item' -> 'v' ->> 'N'")" = 1000 ] ||
    fail "the mended row"

# then to the latest version: Time to Live (0.3.0) on the updated tables
psql -d "$db" -o /dev/null -c "ALTER EXTENSION ddb UPDATE"
[ "$(psql -d "$db" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'ddb'")" = 0.3.0 ] || fail "not at 0.3.0"
psql -d "$db" -o /dev/null <<'SQL'
SELECT ddb.update_time_to_live('{"TableName": "users", "TimeToLiveSpecification": {"AttributeName": "n", "Enabled": true}}');
SQL
[ "$(psql -d "$db" -At -c "SELECT ddb.expire_now('users', to_timestamp(50.5))")" = 50 ] ||
    fail "Time to Live after the update"

# the updated extension is the one a fresh install creates
psql -d "$fresh" -o /dev/null -c "CREATE EXTENSION ddb"
objects() {
  psql -d "$1" -At <<'SQL'
SELECT p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc), p.provolatile, p.proisstrict
  FROM pg_proc p WHERE p.pronamespace = 'ddb'::regnamespace ORDER BY 1, 2;
SELECT evtname, evtevent, evttags FROM pg_event_trigger ORDER BY 1;
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'ddb'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2;
SQL
}
objects "$db" > "$out".a
objects "$fresh" > "$out".b
diff -u "$out".b "$out".a || fail "the updated extension differs from a fresh install"

"$bin/dropdb" "$db"
"$bin/dropdb" "$fresh"
echo "upgrade: ok"
