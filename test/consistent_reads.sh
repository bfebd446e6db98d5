#!/usr/bin/env bash
# consistent_reads: TransactGetItems and BatchGetItem see one consistent
# state. While writers run TransactWriteItems that add 1 to every one of 25
# items at once (from several sessions), readers fetch all 25 items with
# each operation; every read must find them all equal, never part of a
# transaction applied. Also checks write skew: pairs of transactions whose
# conditions exclude each other never both succeed.
# Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin directory).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_consistent_reads
seconds=${DDB_CONSISTENCY_SECONDS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"
psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('accounts', partition_key => 'id');
SELECT ddb.put('accounts', jsonb_build_object('id', 'k' || i, 'v', 0)) FROM generate_series(1, 25) i;
CREATE TABLE torn (operation text, values_seen text);
-- one transaction adding 1 to every item
CREATE FUNCTION add_all() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.transact_write_items(jsonb_build_object('TransactItems',
        (SELECT jsonb_agg(jsonb_build_object('Update', jsonb_build_object('TableName', 'accounts',
             'Key', jsonb_build_object('id', jsonb_build_object('S', 'k' || i)),
             'UpdateExpression', 'ADD v :one', 'ExpressionAttributeValues', '{":one": {"N": "1"}}'::jsonb)))
           FROM generate_series(1, 25) i)));
EXCEPTION WHEN SQLSTATE 'YD007' OR SQLSTATE 'YD008' THEN
    NULL;                       -- cancelled or conflicting: nothing applied
END $$;
-- read all items both ways; record what a torn read saw
CREATE FUNCTION read_all() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    seen text;
BEGIN
    SELECT string_agg(DISTINCT r -> 'Item' -> 'v' ->> 'N', ',') INTO seen
      FROM jsonb_array_elements(ddb.transact_get_items(jsonb_build_object('TransactItems',
             (SELECT jsonb_agg(jsonb_build_object('Get', jsonb_build_object('TableName', 'accounts',
                  'Key', jsonb_build_object('id', jsonb_build_object('S', 'k' || i)))))
                FROM generate_series(1, 25) i))) -> 'Responses') r;
    IF seen LIKE '%,%' THEN
        INSERT INTO torn VALUES ('TransactGetItems', seen);
    END IF;
    SELECT string_agg(DISTINCT r -> 'v' ->> 'N', ',') INTO seen
      FROM jsonb_array_elements(ddb.batch_get_item(jsonb_build_object('RequestItems', jsonb_build_object('accounts',
             jsonb_build_object('Keys', (SELECT jsonb_agg(jsonb_build_object('id', jsonb_build_object('S', 'k' || i)))
                                           FROM generate_series(1, 25) i))))) -> 'Responses' -> 'accounts') r;
    IF seen LIKE '%,%' THEN
        INSERT INTO torn VALUES ('BatchGetItem', seen);
    END IF;
END $$;
-- write skew: each transaction of a pair checks that the item the other
-- creates is absent; both may not succeed
SELECT ddb.create_table('skew', partition_key => 'id');
CREATE SEQUENCE pairs;
CREATE FUNCTION skew_step() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n bigint := nextval('pairs');
    mine text := (CASE WHEN n % 2 = 0 THEN 'a' ELSE 'b' END) || (n / 2);
    other text := (CASE WHEN n % 2 = 0 THEN 'b' ELSE 'a' END) || (n / 2);
BEGIN
    PERFORM ddb.transact_write_items(jsonb_build_object('TransactItems', jsonb_build_array(
        jsonb_build_object('ConditionCheck', jsonb_build_object('TableName', 'skew',
            'Key', jsonb_build_object('id', jsonb_build_object('S', other)),
            'ConditionExpression', 'attribute_not_exists(id)')),
        jsonb_build_object('Put', jsonb_build_object('TableName', 'skew',
            'Item', jsonb_build_object('id', jsonb_build_object('S', mine)))))));
EXCEPTION WHEN SQLSTATE 'YD007' OR SQLSTATE 'YD008' THEN
    NULL;
END $$;
SQL

echo 'SELECT add_all();' > "$work/write.sql"
echo 'SELECT read_all();' > "$work/read.sql"
echo 'SELECT skew_step();' > "$work/skew.sql"
pgbench() { "$bin/pgbench" -n -d "$db" -T "$seconds" "$@" > "$work/pgbench.$$.$RANDOM" 2>&1; }
pgbench -c 2 -j 2 -f "$work/write.sql" &
pgbench -c 2 -j 2 -f "$work/read.sql" &
wait
pgbench -c 2 -j 2 -f "$work/skew.sql"

result=$(psql -d "$db" -At <<'SQL'
SELECT count(*) FROM torn;
SELECT coalesce(string_agg(operation || ' saw ' || values_seen, '; '), '') FROM (SELECT * FROM torn LIMIT 5) t;
SELECT (item -> 'v' ->> 'N') FROM ddb_data.accounts WHERE id = 'k1';
SELECT count(*) FROM ddb_data.skew a JOIN ddb_data.skew b ON b.id = 'b' || substr(a.id, 2) WHERE a.id LIKE 'a%';
SELECT count(*) FROM ddb_data.skew;
SQL
)
"$bin/dropdb" "$db"
{ read -r torn; read -r examples; read -r writes; read -r both; read -r created; } <<< "$result"
echo "consistent_reads: $writes transactions applied; torn reads: $torn; skew pairs both applied: $both of $created items"
[ "$writes" -gt 0 ] || { echo "consistent_reads: no transaction was applied" >&2; exit 1; }
[ "$torn" -eq 0 ] || { echo "consistent_reads: torn reads: $examples" >&2; exit 1; }
[ "$created" -gt 0 ] || { echo "consistent_reads: no skew transaction was applied" >&2; exit 1; }
[ "$both" -eq 0 ] || { echo "consistent_reads: write skew: $both pairs both applied" >&2; exit 1; }
echo "consistent_reads: ok"
