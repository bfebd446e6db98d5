-- roles: a distributed table owned by an ordinary role (run by test/citus.sh
-- on a coordinator and two worker nodes). A superuser distributes it; its
-- owner uses it, deletes a GSI and deletes the table: each worker node's
-- catalog copy follows, and no two connections of the transaction wait for
-- each other on a node
\set VERBOSITY terse
SET citus.shard_count TO 4;
CREATE ROLE regress_citus_owner LOGIN;
GRANT USAGE ON SCHEMA ddb TO regress_citus_owner;
GRANT CREATE ON SCHEMA ddb_data TO regress_citus_owner;
SET ROLE regress_citus_owner;
SELECT ddb.create_table('{"TableName": "co_things", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "kind", "AttributeType": "S"}],
  "GlobalSecondaryIndexes": [{"IndexName": "by_kind", "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
                              "Projection": {"ProjectionType": "KEYS_ONLY"}}]}') IS NOT NULL AS created;
RESET ROLE;
SELECT ddb.distribute_table('co_things');
SELECT count(DISTINCT result) AS shard_owners, min(result) AS owner FROM run_command_on_shards('ddb_data.co_things',
  $$SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_class WHERE oid = '%s'::regclass$$);

SET ROLE regress_citus_owner;
SELECT count(*) FROM (SELECT ddb.put('co_things', jsonb_build_object('pk', 'p' || i, 'kind', 'k' || (i % 3)))
  FROM generate_series(1, 12) i) puts;
SELECT jsonb_array_length(ddb.call($$Query$$, $${"TableName": "co_things", "IndexName": "by_kind", "KeyConditionExpression": "kind = :k", "ExpressionAttributeValues": {":k": {"S": "k1"}}}$$) -> $$Items$$) AS by_kind;
-- the owner deletes the GSI: every node's catalog loses it
SELECT ddb.call('UpdateTable', '{"TableName": "co_things",
  "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_kind"}}]}') -> 'TableDescription' ->> 'TableName' AS updated;
RESET ROLE;
SELECT result AS worker_indexes FROM run_command_on_workers(
  $$SELECT count(*) FROM ddb.indexes WHERE table_name = 'co_things'$$);
SELECT * FROM ddb.check_indexes('co_things');
-- the owner deletes the table: its shards and every node's catalog rows go
SET ROLE regress_citus_owner;
SELECT ddb.call('DeleteTable', '{"TableName": "co_things"}') -> 'TableDescription' ->> 'TableStatus' AS status;
RESET ROLE;
SELECT result AS worker_catalog_rows FROM run_command_on_workers(
  $$SELECT count(*) FROM ddb.tables WHERE table_name = 'co_things'$$);
SELECT count(*) AS distributed_rows FROM ddb.distributed_tables WHERE table_name = 'co_things';
SELECT count(*) AS shards FROM pg_dist_partition WHERE logicalrelid::text LIKE 'ddb_data.co_things%';

-- an item table dropped with plain SQL by its owner takes its rows off
-- every node too
SET ROLE regress_citus_owner;
SELECT ddb.create_table('co_plain', partition_key => 'pk') IS NOT NULL AS created;
RESET ROLE;
SELECT ddb.distribute_table('co_plain');
SELECT result AS worker_catalog_rows FROM run_command_on_workers(
  $$SELECT count(*) FROM ddb.tables WHERE table_name = 'co_plain'$$);
SET ROLE regress_citus_owner;
DROP TABLE ddb_data.co_plain;
RESET ROLE;
SELECT result AS worker_catalog_rows FROM run_command_on_workers(
  $$SELECT count(*) FROM ddb.tables WHERE table_name = 'co_plain'$$);
SELECT count(*) AS distributed_rows FROM ddb.distributed_tables WHERE table_name = 'co_plain';
SELECT count(*) AS tables FROM ddb.tables WHERE table_name = 'co_plain';

REVOKE ALL ON SCHEMA ddb_data FROM regress_citus_owner;
REVOKE ALL ON SCHEMA ddb FROM regress_citus_owner;
DROP ROLE regress_citus_owner;
