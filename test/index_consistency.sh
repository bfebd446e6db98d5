#!/usr/bin/env bash
# index_consistency: secondary indexes stay exact under a randomized
# concurrent workload. A table with a GSI of a multi-attribute key (two
# HASH attributes and a RANGE one, INCLUDE), an LSI (ALL) and a KEYS_ONLY
# GSI on a binary takes, from several sessions at once for a few seconds,
# puts, updates and deletes that change, add and remove index key
# attributes, BatchWriteItem, TransactWriteItems (some cancelled), plain
# SQL inserts, updates and deletes, writes refused for an index key of the
# wrong type, and transactions that commit or roll back, while another
# session runs ddb.check_indexes over and over; a second into the workload
# UpdateTable adds a GSI, which the background worker backfills in batches
# of three items while the writes go on. Every check must find no
# difference, during the workload and after it, and the index tables must
# hold as many rows as a recount of the items with SQL says (and not few).
# Needs PGHOST, PGPORT, PGUSER and PGBIN (the server's bin directory).
set -euo pipefail

bin=${PGBIN:-/usr/lib/postgresql/15/bin}
db=ddb_index_consistency
seconds=${DDB_CONSISTENCY_SECONDS:-5}
work=$(mktemp -d)
# the backfill of the GSI added during the workload goes in small batches
reset_batch_size() {
    "$bin/psql" -X -q -d postgres -c "ALTER SYSTEM RESET ddb.backfill_batch_size" \
        -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
}
trap 'rm -rf "$work"; reset_batch_size' EXIT

psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

"$bin/dropdb" --if-exists "$db" 2>/dev/null
"$bin/createdb" "$db"
psql -d "$db" -o /dev/null <<'SQL'
CREATE EXTENSION ddb;
SELECT ddb.create_table('{"TableName": "mixed", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
        {"AttributeName": "st", "AttributeType": "S"}, {"AttributeName": "area", "AttributeType": "S"},
        {"AttributeName": "score", "AttributeType": "N"}, {"AttributeName": "prio", "AttributeType": "N"},
        {"AttributeName": "payload", "AttributeType": "B"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": "byState", "KeySchema": [{"AttributeName": "st", "KeyType": "HASH"}, {"AttributeName": "area", "KeyType": "HASH"},
                                               {"AttributeName": "score", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}},
        {"IndexName": "byPayload", "KeySchema": [{"AttributeName": "payload", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "LocalSecondaryIndexes": [
        {"IndexName": "byPrio", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "prio", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}}]}');

-- successful operations, and differences seen by checks during the workload
CREATE SEQUENCE operations;
CREATE SEQUENCE checks;
CREATE TABLE seen_during (index_name text, problem text, table_key jsonb);

CREATE FUNCTION rnd(n int) RETURNS int LANGUAGE sql AS 'SELECT floor(random() * n)::int';
CREATE FUNCTION pick(VARIADIC choices text[]) RETURNS text LANGUAGE sql AS
    'SELECT choices[1 + floor(random() * array_length(choices, 1))::int]';
-- a value, or (with probability absent) none
CREATE FUNCTION maybe(absent float8, value jsonb) RETURNS jsonb LANGUAGE sql AS
    'SELECT CASE WHEN random() < absent THEN NULL ELSE value END';
-- a key of the 30 x 5 items the sessions fight over
CREATE FUNCTION random_key() RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('pk', jsonb_build_object('S', 'p' || rnd(30)), 'sk', jsonb_build_object('N', rnd(5)::text))
$$;
-- an item with a random part of the index key attributes
CREATE FUNCTION random_item(k jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT k || jsonb_strip_nulls(jsonb_build_object(
        'st', maybe(0.2, jsonb_build_object('S', pick('new', 'open', 'done'))),
        'area', maybe(0.1, jsonb_build_object('S', pick('eu', 'us'))),
        'score', maybe(0.1, jsonb_build_object('N', (rnd(50) / 10.0)::float8::text)),
        'prio', maybe(0.3, jsonb_build_object('N', rnd(4)::text)),
        'payload', maybe(0.4, jsonb_build_object('B', pick('AA==', 'AQ==', 'AgM='))),
        'note', maybe(0.5, jsonb_build_object('S', 'note ' || rnd(1000)))))
$$;
-- an update expression with its values
CREATE FUNCTION random_update() RETURNS jsonb LANGUAGE sql AS $$
    SELECT (ARRAY[
        jsonb_build_object('UpdateExpression', 'SET st = :s, score = :n',
            'ExpressionAttributeValues', jsonb_build_object(':s', jsonb_build_object('S', pick('new', 'open', 'done')),
                                                            ':n', jsonb_build_object('N', rnd(5)::text))),
        jsonb_build_object('UpdateExpression', 'SET area = :s',
            'ExpressionAttributeValues', jsonb_build_object(':s', jsonb_build_object('S', pick('eu', 'us')))),
        jsonb_build_object('UpdateExpression', 'REMOVE area'),
        jsonb_build_object('UpdateExpression', 'SET note = :s',
            'ExpressionAttributeValues', jsonb_build_object(':s', jsonb_build_object('S', 'note ' || rnd(1000)))),
        jsonb_build_object('UpdateExpression', 'SET prio = :n, payload = :b',
            'ExpressionAttributeValues', jsonb_build_object(':n', jsonb_build_object('N', rnd(4)::text),
                                                            ':b', jsonb_build_object('B', pick('AA==', 'AQ==', 'AgM=')))),
        jsonb_build_object('UpdateExpression', 'REMOVE st, payload'),
        jsonb_build_object('UpdateExpression', 'ADD score :n',
            'ExpressionAttributeValues', jsonb_build_object(':n', jsonb_build_object('N', '0.5')))])[1 + rnd(7)]
$$;

-- one random write; errors a write may meet on purpose or by contention
-- (a cancelled transaction, a conflict, a deadlock, an index key of the
-- wrong type) leave nothing behind
CREATE FUNCTION random_write() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    choice int := rnd(100);
    k jsonb := random_key();
    i jsonb;
BEGIN
    IF choice < 25 THEN
        PERFORM ddb.put_item(jsonb_build_object('TableName', 'mixed', 'Item', random_item(k)));
    ELSIF choice < 50 THEN
        PERFORM ddb.update_item(jsonb_build_object('TableName', 'mixed', 'Key', k) || random_update());
    ELSIF choice < 60 THEN
        PERFORM ddb.delete_item(jsonb_build_object('TableName', 'mixed', 'Key', k));
    ELSIF choice < 70 THEN
        PERFORM ddb.batch_write_item(jsonb_build_object('RequestItems', jsonb_build_object('mixed',
            (SELECT jsonb_agg(CASE WHEN random() < 0.7
                                   THEN jsonb_build_object('PutRequest', jsonb_build_object('Item', random_item(key)))
                                   ELSE jsonb_build_object('DeleteRequest', jsonb_build_object('Key', key)) END)
               FROM (SELECT DISTINCT random_key() AS key FROM generate_series(1, 5)) keys))));
    ELSIF choice < 80 THEN
        -- an update, a put and a delete; a condition fails now and then
        PERFORM ddb.transact_write_items(jsonb_build_object('TransactItems', (
            SELECT jsonb_agg(CASE n % 3
                WHEN 0 THEN jsonb_build_object('Update', jsonb_build_object('TableName', 'mixed', 'Key', key,
                                'ConditionExpression', 'attribute_exists(pk) OR attribute_not_exists(pk)') || random_update())
                WHEN 1 THEN jsonb_build_object('Put', jsonb_build_object('TableName', 'mixed', 'Item', random_item(key),
                                'ConditionExpression', CASE WHEN random() < 0.2 THEN 'attribute_exists(nothing)'
                                                            ELSE 'attribute_not_exists(nothing)' END))
                ELSE jsonb_build_object('Delete', jsonb_build_object('TableName', 'mixed', 'Key', key)) END)
              FROM (SELECT row_number() OVER () AS n, key
                      FROM (SELECT DISTINCT random_key() AS key FROM generate_series(1, 3)) keys) numbered)));
    ELSIF choice < 85 THEN
        i := random_item(k);
        INSERT INTO ddb_data.mixed (pk, sk, item) VALUES (i -> 'pk' ->> 'S', (i -> 'sk' ->> 'N')::numeric, i)
            ON CONFLICT (pk, sk) DO UPDATE SET item = EXCLUDED.item;
    ELSIF choice < 90 THEN
        UPDATE ddb_data.mixed SET item = item || jsonb_build_object('st', jsonb_build_object('S', pick('new', 'done')),
                                                                 'note', jsonb_build_object('S', 'sql'))
         WHERE pk = k -> 'pk' ->> 'S' AND sk = (k -> 'sk' ->> 'N')::numeric;
    ELSIF choice < 93 THEN
        DELETE FROM ddb_data.mixed WHERE pk = k -> 'pk' ->> 'S' AND sk = (k -> 'sk' ->> 'N')::numeric;
    ELSE
        -- refused: an index key attribute of the wrong type
        PERFORM ddb.put_item(jsonb_build_object('TableName', 'mixed',
            'Item', random_item(k) || jsonb_build_object('prio', jsonb_build_object('S', 'high'))));
    END IF;
    PERFORM nextval('operations');
EXCEPTION
    WHEN SQLSTATE 'YD001' OR SQLSTATE 'YD007' OR SQLSTATE 'YD008'
         OR deadlock_detected OR serialization_failure THEN
        NULL;
END $$;

-- a check while the others write: it reads one snapshot, so it may find
-- no difference at any moment
CREATE FUNCTION check_during() RETURNS void LANGUAGE sql AS $$
    INSERT INTO seen_during SELECT index_name, problem, table_key FROM ddb.check_indexes('mixed');
    SELECT nextval('checks');
$$;
SQL

echo 'SELECT random_write();' > "$work/write.sql"
printf 'BEGIN;\nSELECT random_write();\nSELECT random_write();\nSELECT random_write();\nCOMMIT;\n' > "$work/commit.sql"
printf 'BEGIN;\nSELECT random_write();\nSELECT random_write();\nROLLBACK;\n' > "$work/rollback.sql"
echo 'SELECT check_during();' > "$work/check.sql"
# each run's output goes to a file named after its script; a client that
# stops on an error fails the test
pgbench() {
    local script=$1 clients=$2
    "$bin/pgbench" -n -T "$seconds" -c "$clients" -j "$clients" -f "$work/$script.sql" "$db" \
        > "$work/$script.out" 2>&1
}
psql -d postgres -o /dev/null -c "ALTER SYSTEM SET ddb.backfill_batch_size = 3" -c "SELECT pg_reload_conf()"
pids=()
pgbench write 3 & pids+=($!)
pgbench commit 1 & pids+=($!)
pgbench rollback 1 & pids+=($!)
pgbench check 1 & pids+=($!)
# a GSI added while the others write: backfilled by the worker meanwhile
sleep 1
psql -d "$db" -o /dev/null -c "SELECT ddb.update_table('{\"TableName\": \"mixed\",
    \"AttributeDefinitions\": [{\"AttributeName\": \"note\", \"AttributeType\": \"S\"}],
    \"GlobalSecondaryIndexUpdates\": [{\"Create\": {\"IndexName\": \"byNote\",
        \"KeySchema\": [{\"AttributeName\": \"note\", \"KeyType\": \"HASH\"}],
        \"Projection\": {\"ProjectionType\": \"KEYS_ONLY\"}}}]}')"
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
status=""
for _ in $(seq 240); do
    status=$(psql -d "$db" -At -c "SELECT status FROM ddb.indexes WHERE index_name = 'byNote'")
    [ "$status" = ACTIVE ] && break
    sleep 0.5
done
[ "$status" = ACTIVE ] || { echo "index_consistency: the GSI added during the workload is still $status" >&2; exit 1; }
if [ "$failed" -ne 0 ] || grep -q "aborted\|ERROR" "$work"/*.out; then
    echo "index_consistency: a session failed:" >&2
    cat "$work"/*.out >&2
    exit 1
fi

result=$(psql -d "$db" -At <<'SQL'
SELECT count(*) FROM ddb.check_indexes('mixed');
SELECT coalesce(string_agg(format('%s %s %s', index_name, problem, table_key), '; '), '')
  FROM (SELECT * FROM ddb.check_indexes('mixed') LIMIT 5) d;
SELECT count(*) FROM seen_during;
SELECT coalesce(string_agg(format('%s %s %s', index_name, problem, table_key), '; '), '')
  FROM (SELECT * FROM seen_during LIMIT 5) d;
SELECT last_value FROM operations;
SELECT last_value FROM checks;
SELECT count(*) FROM ddb_data.mixed;
-- each index's rows against a recount of the items that belong in it
SELECT (SELECT count(*) FROM ddb_data."mixed:byState")
       || '/' || count(*) FILTER (WHERE item ? 'st' AND item ? 'area' AND item ? 'score')
       || ' ' || (SELECT count(*) FROM ddb_data."mixed:byPrio") || '/' || count(*) FILTER (WHERE item ? 'prio')
       || ' ' || (SELECT count(*) FROM ddb_data."mixed:byPayload") || '/' || count(*) FILTER (WHERE item ? 'payload')
       || ' ' || (SELECT count(*) FROM ddb_data."mixed:byNote") || '/' || count(*) FILTER (WHERE item ? 'note')
  FROM ddb_data.mixed;
SELECT count(*) FILTER (WHERE item ? 'st' AND item ? 'area' AND item ? 'score') >= 10
       AND count(*) FILTER (WHERE item ? 'prio') >= 10 AND count(*) FILTER (WHERE item ? 'payload') >= 10
       AND (SELECT count(*) FROM ddb_data."mixed:byState")
           = count(*) FILTER (WHERE item ? 'st' AND item ? 'area' AND item ? 'score')
       AND (SELECT count(*) FROM ddb_data."mixed:byPrio") = count(*) FILTER (WHERE item ? 'prio')
       AND (SELECT count(*) FROM ddb_data."mixed:byPayload") = count(*) FILTER (WHERE item ? 'payload')
       AND count(*) FILTER (WHERE item ? 'note') >= 10
       AND (SELECT count(*) FROM ddb_data."mixed:byNote") = count(*) FILTER (WHERE item ? 'note')
  FROM ddb_data.mixed;
SQL
)
"$bin/dropdb" "$db"
{ read -r differences; read -r examples; read -r during; read -r during_examples; read -r operations
  read -r checks; read -r items; read -r counts; read -r plausible; } <<< "$result"
echo "index_consistency: $operations writes, $checks checks during them, $items items;" \
     "index rows/items that belong (byState byPrio byPayload byNote): $counts"
[ "$operations" -gt 100 ] || { echo "index_consistency: only $operations writes succeeded" >&2; exit 1; }
[ "$checks" -gt 0 ] || { echo "index_consistency: no check ran during the workload" >&2; exit 1; }
[ "$during" -eq 0 ] || { echo "index_consistency: checks during the workload found $during differences: $during_examples" >&2; exit 1; }
[ "$differences" -eq 0 ] || { echo "index_consistency: $differences differences: $examples" >&2; exit 1; }
[ "$plausible" = t ] || { echo "index_consistency: implausible index row counts: $counts" >&2; exit 1; }
echo "index_consistency: ok"
