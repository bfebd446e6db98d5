-- bench/load_gsi.sql: the tables of the secondary-index pairs (run by
-- run.sh when PutItemGSI or QueryGSI runs).
--
-- gbench: 1,000,000 items (pk "g1".."g1000000") with two GSIs:
--   by_status: status (S, 10,000 values of 100 items each) HASH + rank (N)
--              RANGE, projection ALL
--   by_email:  email (S) HASH, projection KEYS_ONLY
-- loaded with plain SQL, so the index upkeep triggers fill the indexes.
--
-- sql_gbench, sql_gbench_status, sql_gbench_email: the same rows in plain
-- tables without triggers, for the hand-written SQL side, which writes the
-- item and both index rows itself.
\set ON_ERROR_STOP on
SELECT ddb.create_table('{"TableName": "gbench", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "status", "AttributeType": "S"}, {"AttributeName": "rank", "AttributeType": "N"},
        {"AttributeName": "email", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": "by_status", "Projection": {"ProjectionType": "ALL"},
         "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "rank", "KeyType": "RANGE"}]},
        {"IndexName": "by_email", "Projection": {"ProjectionType": "KEYS_ONLY"},
         "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}]}]}') IS NOT NULL AS created;

CREATE FUNCTION pg_temp.gbench_item(i int, v int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object(
        'pk', jsonb_build_object('S', 'g' || i),
        'status', jsonb_build_object('S', 's' || (i % 10000)),
        'rank', jsonb_build_object('N', i::text),
        'email', jsonb_build_object('S', 'user' || i || '@example.com'),
        'name', jsonb_build_object('S', 'Customer ' || i),
        'n', jsonb_build_object('N', v::text))
$$;

INSERT INTO ddb_data.gbench (pk, item)
SELECT 'g' || i, pg_temp.gbench_item(i, i % 1000) FROM generate_series(1, 1000000) AS i;

CREATE TABLE sql_gbench (LIKE ddb_data.gbench INCLUDING ALL);
CREATE TABLE sql_gbench_status (LIKE ddb_data."gbench:by_status" INCLUDING ALL);
CREATE TABLE sql_gbench_email (LIKE ddb_data."gbench:by_email" INCLUDING ALL);
ALTER TABLE sql_gbench DROP CONSTRAINT ddb_item_is_valid;
INSERT INTO sql_gbench SELECT * FROM ddb_data.gbench;
INSERT INTO sql_gbench_status SELECT * FROM ddb_data."gbench:by_status";
INSERT INTO sql_gbench_email SELECT * FROM ddb_data."gbench:by_email";

-- the index table under a name pgbench can read (":" starts its variables)
CREATE VIEW gbench_by_status AS SELECT * FROM ddb_data."gbench:by_status";

VACUUM ANALYZE ddb_data.gbench, ddb_data."gbench:by_status", ddb_data."gbench:by_email",
    sql_gbench, sql_gbench_status, sql_gbench_email;
