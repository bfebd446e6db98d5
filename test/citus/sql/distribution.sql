-- distribution: ddb tables distributed with Citus (run by test/citus.sh on a
-- coordinator and two worker nodes, in a database where citus and ddb are
-- installed)
\set VERBOSITY terse
SET citus.next_shard_id TO 990000;
SET citus.shard_count TO 4;

SELECT ddb.create_table('{"TableName": "ct_orders",
  "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"},
                           {"AttributeName": "status", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST",
  "GlobalSecondaryIndexes": [{"IndexName": "by_status", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                              "Projection": {"ProjectionType": "ALL"}}],
  "LocalSecondaryIndexes": [{"IndexName": "by_customer_status",
                             "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "status", "KeyType": "RANGE"}],
                             "Projection": {"ProjectionType": "KEYS_ONLY"}}]}') IS NOT NULL AS created;
-- items written before distributing move to the shards with their index rows
SELECT count(*) FROM (SELECT ddb.put('ct_orders', jsonb_build_object('customer', 'c' || (i % 7), 'n', i,
    'status', CASE WHEN i % 3 = 0 THEN 'open' ELSE 'closed' END, 'total', i * 10))
  FROM generate_series(1, 40) i) puts;
SELECT ddb.distribute_table('ct_orders');

-- the item table, its index tables and its item collection sizes are
-- distributed by the partition key, co-located, 4 shards each
SELECT logicalrelid::text AS relation, column_to_column_name(logicalrelid, partkey) AS distribution_column,
       (SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid) AS shards,
       colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'ddb_data.ct_orders'::regclass) AS colocated
  FROM pg_dist_partition p WHERE logicalrelid::text LIKE 'ddb_data.%ct_orders%' ORDER BY 1;
-- every worker node's catalog knows the table and its indexes
SELECT nodeport > 0 AS node, result FROM run_command_on_workers(
  $$SELECT string_agg(table_name || '/' || coalesce(index_name, '-'), ', ' ORDER BY index_name)
      FROM ddb.tables LEFT JOIN ddb.indexes USING (table_name) WHERE table_name = 'ct_orders'$$) ORDER BY nodeport;
SELECT count(*) AS local_rows FROM ONLY ddb_data.ct_orders WHERE false;
SELECT * FROM ddb.check_indexes('ct_orders');

-- single-item operations and Query go to one shard; Scan to every shard
SET citus.log_remote_commands TO on;
SET citus.grep_remote_commands TO '%ddb_data.ct_orders_99%';
SELECT ddb.get('ct_orders', '{"customer": "c3", "n": 3}') ->> 'total' AS total;
SELECT ddb.put('ct_orders', '{"customer": "c3", "n": 100, "status": "open", "total": 5}');
SELECT ddb.query('ct_orders', 'customer = :c AND n > :n', '{":c": "c3", ":n": 20}') ->> 'n' AS n;
-- (the Scan's statements to the two worker nodes run at once: shown here
-- one shard at a time, so that the log's order is fixed)
DO $$
BEGIN
  FOR shard IN 990000..990003 LOOP
    PERFORM set_config('citus.grep_remote_commands', '%ddb_data.ct_orders_' || shard || ' %', false);
    PERFORM ddb.call('Scan', '{"TableName": "ct_orders", "Select": "COUNT"}');
  END LOOP;
END $$;
RESET citus.grep_remote_commands;
RESET citus.log_remote_commands;
SELECT ddb.call('Scan', '{"TableName": "ct_orders", "Select": "COUNT"}') -> 'Count' AS count;

-- a begins_with range is sent to the shard as valid text: its upper bound
-- is the prefix with its last character replaced by the next one
SELECT ddb.create_table('ct_words', partition_key => 'pk', sort_key => 'sk') IS NOT NULL AS created;
SELECT ddb.distribute_table('ct_words');
SELECT count(*) FROM (SELECT ddb.put('ct_words', jsonb_build_object('pk', 'w', 'sk', w))
  FROM unnest(ARRAY['d', 'é', 'éa', 'é' || chr(1114111), 'ê', chr(1114111), chr(1114111) || 'x', 'f']) w) puts;
SELECT string_agg(i ->> 'sk', ' ' ORDER BY n) AS begins_with_e_acute
  FROM ddb.query('ct_words', 'pk = :p AND begins_with(sk, :s)', '{":p": "w", ":s": "é"}') WITH ORDINALITY AS q(i, n);
SELECT count(*) AS begins_with_max_char
  FROM ddb.query('ct_words', 'pk = :p AND begins_with(sk, :s)', jsonb_build_object(':p', 'w', ':s', chr(1114111)));

-- index upkeep happens on the shards: puts, updates and deletes keep the
-- GSI and the LSI right
SELECT ddb.update_item('{"TableName": "ct_orders", "Key": {"customer": {"S": "c1"}, "n": {"N": "1"}},
  "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
  "ExpressionAttributeValues": {":s": {"S": "open"}}}');
SELECT ddb.delete_item('{"TableName": "ct_orders", "Key": {"customer": {"S": "c2"}, "n": {"N": "2"}}}');
SELECT jsonb_array_length(r -> 'Items') AS open_orders, r -> 'Count' AS count
  FROM ddb.call('Query', '{"TableName": "ct_orders", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
    "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "open"}}}') r;
SELECT r -> 'Items' AS keys
  FROM ddb.call('Query', '{"TableName": "ct_orders", "IndexName": "by_customer_status",
    "KeyConditionExpression": "customer = :c AND #s = :s", "ExpressionAttributeNames": {"#s": "status"},
    "ExpressionAttributeValues": {":c": {"S": "c1"}, ":s": {"S": "open"}}}') r;
SELECT * FROM ddb.check_indexes('ct_orders');

-- Query and Scan paging is exact across shards
CREATE FUNCTION pages(operation text, request jsonb) RETURNS TABLE (page int, item jsonb) LANGUAGE plpgsql AS $$
DECLARE r jsonb; n int := 0;
BEGIN
  LOOP
    r := ddb.call(operation, request);
    n := n + 1;
    RETURN QUERY SELECT n, e FROM jsonb_array_elements(r -> 'Items') e;
    EXIT WHEN NOT r ? 'LastEvaluatedKey';
    request := request || jsonb_build_object('ExclusiveStartKey', r -> 'LastEvaluatedKey');
  END LOOP;
END $$;
SELECT max(page) AS pages, count(*) AS items, count(DISTINCT item) AS distinct_items
  FROM pages('Scan', '{"TableName": "ct_orders", "Limit": 7}');
SELECT max(page) AS pages, count(*) AS items, count(DISTINCT item) AS distinct_items
  FROM pages('Query', '{"TableName": "ct_orders", "IndexName": "by_status", "Limit": 4, "KeyConditionExpression": "#s = :s",
    "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "closed"}}}');
-- parallel scan segments cover the table once
SELECT sum(n) AS items FROM (SELECT count(*) AS n FROM generate_series(0, 2) seg,
  pages('Scan', jsonb_build_object('TableName', 'ct_orders', 'Segment', seg, 'TotalSegments', 3)) GROUP BY seg) s;

-- a transaction across shards is atomic: a failed condition on one item
-- leaves the other unwritten
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "ct_orders", "Item": {"customer": {"S": "c4"}, "n": {"N": "500"}, "status": {"S": "open"}}}},
  {"ConditionCheck": {"TableName": "ct_orders", "Key": {"customer": {"S": "c5"}, "n": {"N": "5"}},
    "ConditionExpression": "attribute_not_exists(customer)"}}]}');
SELECT ddb.get('ct_orders', '{"customer": "c4", "n": 500}') AS not_written;
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "ct_orders", "Item": {"customer": {"S": "c4"}, "n": {"N": "500"}, "status": {"S": "open"}}}},
  {"Update": {"TableName": "ct_orders", "Key": {"customer": {"S": "c5"}, "n": {"N": "5"}},
    "UpdateExpression": "SET #t = #t + :d", "ExpressionAttributeNames": {"#t": "total"},
    "ExpressionAttributeValues": {":d": {"N": "1"}}}}]}');
SELECT ddb.get('ct_orders', '{"customer": "c4", "n": 500}') ->> 'status' AS written,
       ddb.get('ct_orders', '{"customer": "c5", "n": 5}') ->> 'total' AS total;
SELECT ddb.batch_write_item('{"RequestItems": {"ct_orders": [
  {"PutRequest": {"Item": {"customer": {"S": "c6"}, "n": {"N": "600"}, "status": {"S": "open"}}}},
  {"DeleteRequest": {"Key": {"customer": {"S": "c0"}, "n": {"N": "7"}}}}]}}') -> 'UnprocessedItems' AS unprocessed;
SELECT * FROM ddb.check_indexes('ct_orders');

-- DescribeTable's ItemCount and sizes are the sums over the shards (as of
-- the last ANALYZE, which Citus runs on every shard)
ANALYZE ddb_data.ct_orders;
SELECT d -> 'ItemCount' AS item_count, (d ->> 'TableSizeBytes')::bigint > 0 AS sized
  FROM (SELECT ddb.describe_table('{"TableName": "ct_orders"}') -> 'Table' AS d) t;
SELECT count(*) AS items FROM ddb_data.ct_orders;

-- Time to Live expires items on every shard
SELECT ddb.update_time_to_live('{"TableName": "ct_orders", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}}') IS NOT NULL AS enabled;
SELECT count(*) FROM (SELECT ddb.put('ct_orders', jsonb_build_object('customer', 't' || i, 'n', i,
    'expires', extract(epoch FROM now())::bigint - 60, 'status', 'open'))
  FROM generate_series(1, 12) i) puts;
SELECT ddb.put('ct_orders', jsonb_build_object('customer', 't99', 'n', 99,
    'expires', extract(epoch FROM now())::bigint + 3600, 'status', 'open'));
-- (by this round, or by the worker's if it came first)
SELECT ddb.expire_now('ct_orders') BETWEEN 0 AND 12 AS expired;
SELECT count(*) AS expired_left FROM ddb_data.ct_orders WHERE customer LIKE 't%';
SELECT * FROM ddb.check_indexes('ct_orders');

-- UpdateTable adds a GSI to a distributed table: its index table is
-- distributed with the item table, the background worker backfills it
-- (each item read again and locked on its shard), and it becomes ACTIVE on
-- every node; then it is deleted
SELECT ddb.update_table('{"TableName": "ct_orders", "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"},
    {"AttributeName": "total", "AttributeType": "N"}],
  "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_total",
    "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "total", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}') -> 'TableDescription' -> 'GlobalSecondaryIndexes' -> 1 -> 'IndexStatus' AS status;
SELECT count(*) AS shards FROM pg_dist_shard WHERE logicalrelid = 'ddb_data."ct_orders:by_total"'::regclass;
-- (waiting in turns that commit: the backfill waits for every transaction
-- holding a snapshot)
DO $$
BEGIN
  FOR i IN 1..1200 LOOP
    EXIT WHEN (SELECT status FROM ddb.indexes WHERE table_name = 'ct_orders' AND index_name = 'by_total') = 'ACTIVE';
    COMMIT;
    PERFORM pg_sleep(0.1);
    COMMIT;
  END LOOP;
END $$;
SELECT result AS worker_index_status FROM run_command_on_workers(
  $$SELECT status FROM ddb.indexes WHERE table_name = 'ct_orders' AND index_name = 'by_total'$$) ORDER BY nodeport;
SELECT * FROM ddb.check_indexes('ct_orders');
SELECT ddb.call('Query', '{"TableName": "ct_orders", "IndexName": "by_total", "KeyConditionExpression": "customer = :c AND #t > :t",
    "ExpressionAttributeNames": {"#t": "total"}, "ExpressionAttributeValues": {":c": {"S": "c5"}, ":t": {"N": "100"}}}') -> 'Items' AS c5_over_100;
SELECT ddb.update_table('{"TableName": "ct_orders", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_total"}}]}') IS NOT NULL AS deleted;
SELECT to_regclass('ddb_data."ct_orders:by_total"') AS index_table;
SELECT result AS worker_indexes FROM run_command_on_workers(
  $$SELECT count(*) FROM ddb.indexes WHERE table_name = 'ct_orders'$$) ORDER BY nodeport;

-- CreateTable distributes new tables when ddb.distribute_new_tables is on
SET ddb.distribute_new_tables TO on;
SELECT ddb.create_table('ct_events', partition_key => 'id', partition_key_type => 'N') IS NOT NULL AS created;
RESET ddb.distribute_new_tables;
SELECT count(*) AS shards FROM pg_dist_shard WHERE logicalrelid = 'ddb_data.ct_events'::regclass;
SELECT ddb.put('ct_events', '{"id": 1, "what": "start"}');
SELECT ddb.get('ct_events', '{"id": 1}');

-- Invalid input: a table that does not exist, one already distributed, a
-- bad shard count, a caller who does not own the table
SELECT ddb.distribute_table('nosuch');
SELECT ddb.distribute_table('ct_orders');
SELECT ddb.distribute_table('ct_events', 0);
SELECT ddb.create_table('ct_plain', partition_key => 'pk') IS NOT NULL AS created;
CREATE ROLE regress_citus_other LOGIN;
GRANT USAGE ON SCHEMA ddb TO regress_citus_other;
SET ROLE regress_citus_other;
SELECT ddb.distribute_table('ct_plain');
RESET ROLE;
-- Invalid input: a feature distributed tables do not support yet
SELECT ddb.update_continuous_backups('{"TableName": "ct_orders", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}');

-- DeleteTable drops the shards and every node's catalog rows
SELECT ddb.delete_table('{"TableName": "ct_orders"}') IS NOT NULL AS deleted;
SELECT count(*) AS distributed_relations FROM pg_dist_partition WHERE logicalrelid::text LIKE 'ddb_data.ct_orders%';
SELECT result AS worker_catalog_rows FROM run_command_on_workers(
  $$SELECT count(*) FROM ddb.tables WHERE table_name = 'ct_orders'$$) ORDER BY nodeport;
SELECT table_name FROM ddb.distributed_tables WHERE table_name IN ('ct_orders', 'ct_events') ORDER BY 1;
SELECT ddb.delete_table('{"TableName": "ct_events"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "ct_plain"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "ct_words"}') IS NOT NULL AS deleted;
DROP FUNCTION pages(text, jsonb);
REVOKE USAGE ON SCHEMA ddb FROM regress_citus_other;
DROP ROLE regress_citus_other;

-- undistribute: ddb.undistribute_table turns a distributed table back into
-- local tables, as they were before it was distributed
SELECT ddb.create_table('{"TableName": "ct_undist",
  "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"},
                           {"AttributeName": "status", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST",
  "GlobalSecondaryIndexes": [{"IndexName": "by_status", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                              "Projection": {"ProjectionType": "ALL"}}],
  "LocalSecondaryIndexes": [{"IndexName": "by_customer_status",
                             "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "status", "KeyType": "RANGE"}],
                             "Projection": {"ProjectionType": "KEYS_ONLY"}}]}') IS NOT NULL AS created;
SELECT count(*) FROM (SELECT ddb.put('ct_undist', jsonb_build_object('customer', 'c' || (i % 7), 'n', i,
    'status', CASE WHEN i % 3 = 0 THEN 'open' ELSE 'closed' END, 'total', i * 10))
  FROM generate_series(1, 40) i) puts;
SELECT ddb.update_time_to_live('{"TableName": "ct_undist", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}}') IS NOT NULL AS ttl_enabled;
CREATE ROLE regress_citus_undist LOGIN;
GRANT SELECT ON ddb_data.ct_undist TO regress_citus_undist;
COMMENT ON TABLE ddb_data.ct_undist IS 'orders';
-- the relations of a table (item table, index tables, item collection
-- sizes), each described line by line, and their rows
CREATE FUNCTION relation_shapes(name text) RETURNS SETOF text LANGUAGE sql AS $$
  WITH rels AS (
    SELECT item_table::oid AS relid FROM ddb.tables WHERE table_name = name
    UNION ALL SELECT index_table::oid FROM ddb.indexes WHERE table_name = name
    UNION ALL SELECT oid FROM pg_class WHERE relname = name || ':' AND relnamespace = 'ddb_data'::regnamespace)
  SELECT c.relname || ': ' || s.line FROM rels JOIN pg_class c ON c.oid = rels.relid, LATERAL (
    SELECT format('owner %s, grants %s, options %s, replica identity %s, kind %s, comment %s', c.relowner::regrole,
                  c.relacl, c.reloptions, c.relreplident, c.relkind, obj_description(c.oid, 'pg_class'))
    UNION ALL
    SELECT format('column %s %s %s %s, not null %s, generated %s, default %s, comment %s', a.attnum, a.attname,
                  format_type(a.atttypid, a.atttypmod), a.attcollation::regcollation, a.attnotnull, a.attgenerated,
                  pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum))
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('constraint %s %s, validated %s', k.conname, pg_get_constraintdef(k.oid), k.convalidated)
      FROM pg_constraint k WHERE k.conrelid = c.oid
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = c.oid
    UNION ALL
    SELECT format('trigger %s, enabled %s', pg_get_triggerdef(g.oid), g.tgenabled)
      FROM pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal
    UNION ALL
    SELECT format('depends on %s (%s)', r.relname, d.deptype)
      FROM pg_depend d JOIN pg_class r ON r.oid = d.refobjid
     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.objsubid = 0
       AND d.refclassid = 'pg_class'::regclass AND r.relnamespace = 'ddb_data'::regnamespace) s(line)
$$;
CREATE FUNCTION relation_rows(name text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE rel regclass;
BEGIN
  FOR rel IN SELECT item_table FROM ddb.tables WHERE table_name = name
             UNION ALL SELECT index_table FROM ddb.indexes WHERE table_name = name
             UNION ALL SELECT to_regclass(format('ddb_data.%I', name || ':')) LOOP
    RETURN QUERY EXECUTE format('SELECT %L || '' '' || to_jsonb(r)::text FROM %s r', rel, rel);
  END LOOP;
END $$;
CREATE TEMP TABLE shapes_before AS SELECT relation_shapes('ct_undist') AS line;
CREATE TEMP TABLE rows_before AS SELECT relation_rows('ct_undist') AS line;
SELECT count(*) AS shape_lines FROM shapes_before;
SELECT count(*) AS rows FROM rows_before;
SELECT ddb.distribute_table('ct_undist');
SELECT count(*) AS distributed_relations FROM pg_dist_partition WHERE logicalrelid::text LIKE 'ddb_data.%ct_undist%';
SELECT ddb.undistribute_table('ct_undist');
-- Citus forgets every relation of the table, and so do the other nodes
SELECT count(*) AS distributed_relations FROM pg_dist_partition WHERE logicalrelid::text LIKE 'ddb_data.%ct_undist%';
SELECT count(*) AS published FROM ddb.distributed_tables WHERE table_name = 'ct_undist';
SELECT nodeport > 0 AS node, result AS catalog_rows_and_relations FROM run_command_on_workers(
  $$SELECT (SELECT count(*) FROM ddb.tables WHERE table_name = 'ct_undist') + (SELECT count(*) FROM ddb.indexes
      WHERE table_name = 'ct_undist') + (SELECT count(*) FROM pg_class WHERE relname LIKE 'ct_undist%')$$) ORDER BY nodeport;
-- the relations are as they were: columns, constraints, indexes (TTL's
-- too), triggers, owner, grants, comments, dependencies, and every row
SELECT * FROM (SELECT relation_shapes('ct_undist') EXCEPT SELECT line FROM shapes_before) s(missing_before);
SELECT * FROM (SELECT line FROM shapes_before EXCEPT SELECT relation_shapes('ct_undist')) s(missing_after);
SELECT * FROM (SELECT relation_rows('ct_undist') EXCEPT SELECT line FROM rows_before) s(missing_before);
SELECT * FROM (SELECT line FROM rows_before EXCEPT SELECT relation_rows('ct_undist')) s(missing_after);
SELECT count(*) AS catalog_relations_missing FROM ddb.tables t FULL JOIN ddb.indexes i USING (table_name)
 WHERE table_name = 'ct_undist' AND (to_regclass(t.item_table::text) IS DISTINCT FROM t.item_table
                                     OR to_regclass(i.index_table::text) IS DISTINCT FROM i.index_table);
SELECT * FROM ddb.check_indexes('ct_undist');
SELECT d -> 'ItemCount' AS item_count, (d ->> 'TableSizeBytes')::bigint > 0 AS sized,
       d -> 'GlobalSecondaryIndexes' -> 0 -> 'ItemCount' AS gsi_item_count
  FROM (SELECT ddb.describe_table('{"TableName": "ct_undist"}') -> 'Table' AS d) t;
-- every operation works on the local tables, without Citus
SET citus.log_remote_commands TO on;
SELECT ddb.get('ct_undist', '{"customer": "c3", "n": 3}') ->> 'total' AS total;
SELECT string_agg(i ->> 'n', ' ' ORDER BY n) AS c3_orders
  FROM ddb.query('ct_undist', 'customer = :c', '{":c": "c3"}') WITH ORDINALITY AS q(i, n);
SELECT ddb.call('Scan', '{"TableName": "ct_undist", "Select": "COUNT"}') -> 'Count' AS count;
SELECT ddb.update_item('{"TableName": "ct_undist", "Key": {"customer": {"S": "c1"}, "n": {"N": "1"}},
  "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
  "ExpressionAttributeValues": {":s": {"S": "open"}}}');
SELECT r -> 'Count' AS open_orders
  FROM ddb.call('Query', '{"TableName": "ct_undist", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
    "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "open"}}}') r;
SELECT r -> 'Items' AS keys
  FROM ddb.call('Query', '{"TableName": "ct_undist", "IndexName": "by_customer_status",
    "KeyConditionExpression": "customer = :c AND #s = :s", "ExpressionAttributeNames": {"#s": "status"},
    "ExpressionAttributeValues": {":c": {"S": "c1"}, ":s": {"S": "open"}}}') r;
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "ct_undist", "Item": {"customer": {"S": "c4"}, "n": {"N": "500"}, "status": {"S": "open"}}}},
  {"ConditionCheck": {"TableName": "ct_undist", "Key": {"customer": {"S": "c5"}, "n": {"N": "5"}},
    "ConditionExpression": "attribute_not_exists(customer)"}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "ct_undist", "Item": {"customer": {"S": "c4"}, "n": {"N": "500"}, "status": {"S": "open"}}}},
  {"Update": {"TableName": "ct_undist", "Key": {"customer": {"S": "c5"}, "n": {"N": "5"}},
    "UpdateExpression": "SET #t = #t + :d", "ExpressionAttributeNames": {"#t": "total"},
    "ExpressionAttributeValues": {":d": {"N": "1"}}}}]}');
SELECT ddb.get('ct_undist', '{"customer": "c4", "n": 500}') ->> 'status' AS written,
       ddb.get('ct_undist', '{"customer": "c5", "n": 5}') ->> 'total' AS total;
RESET citus.log_remote_commands;
SELECT * FROM ddb.check_indexes('ct_undist');
-- and it can be distributed again
SELECT ddb.distribute_table('ct_undist');
SELECT count(*) AS distributed_relations FROM pg_dist_partition WHERE logicalrelid::text LIKE 'ddb_data.%ct_undist%';
SELECT nodeport > 0 AS node, result FROM run_command_on_workers(
  $$SELECT string_agg(table_name || '/' || coalesce(index_name, '-'), ', ' ORDER BY index_name)
      FROM ddb.tables LEFT JOIN ddb.indexes USING (table_name) WHERE table_name = 'ct_undist'$$) ORDER BY nodeport;
SELECT ddb.call('Scan', '{"TableName": "ct_undist", "Select": "COUNT"}') -> 'Count' AS count;
SELECT ddb.get('ct_undist', '{"customer": "c4", "n": 500}') ->> 'status' AS status;
SELECT * FROM ddb.check_indexes('ct_undist');

-- Invalid input: no table name, a table that does not exist, one that is
-- not distributed, a caller who does not own the table
SELECT ddb.undistribute_table(NULL);
SELECT ddb.undistribute_table('nosuch');
SELECT ddb.create_table('ct_undist_local', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.undistribute_table('ct_undist_local');
GRANT USAGE ON SCHEMA ddb TO regress_citus_undist;
SET ROLE regress_citus_undist;
SELECT ddb.undistribute_table('ct_undist');
RESET ROLE;
-- Invalid input: a table being restored, one with an index being created,
-- one with a live stream (each in a transaction rolled back)
BEGIN;
INSERT INTO ddb.table_restores (table_name, source_table_arn, requested_at, in_progress)
  VALUES ('ct_undist', 'arn:aws:dynamodb:us-east-1:000000000000:table/ct_undist', now(), true);
SELECT ddb.undistribute_table('ct_undist');
ROLLBACK;
BEGIN;
SELECT ddb.update_table('{"TableName": "ct_undist", "AttributeDefinitions": [{"AttributeName": "total", "AttributeType": "N"}],
  "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_total",
    "KeySchema": [{"AttributeName": "total", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}') IS NOT NULL AS updated;
SELECT ddb.undistribute_table('ct_undist');
ROLLBACK;
BEGIN;
SELECT ddb.update_table('{"TableName": "ct_undist", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}') IS NOT NULL AS updated;
SELECT ddb.undistribute_table('ct_undist');
ROLLBACK;
-- Invalid input: a database without Citus
\set test_database :DBNAME
SET client_min_messages TO warning;
CREATE DATABASE ddb_citus_without_citus;
\c ddb_citus_without_citus
CREATE EXTENSION ddb;
SELECT ddb.undistribute_table('ct_undist');
\c :test_database
SET client_min_messages TO warning;
DROP DATABASE ddb_citus_without_citus;
RESET client_min_messages;
SELECT ddb.delete_table('{"TableName": "ct_undist"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "ct_undist_local"}') IS NOT NULL AS deleted;
DROP FUNCTION relation_shapes(text);
DROP FUNCTION relation_rows(text);
REVOKE USAGE ON SCHEMA ddb FROM regress_citus_undist;
DROP ROLE regress_citus_undist;

-- a long table name: Citus shortens its shard names, and ddb creates the
-- shards over one connection per node so that their array types' names,
-- the same when cut to 63 bytes, do not make them wait on each other
\set long_name 'a_table_name_of_one_hundred_and_twelve_characters_is_far_longer_than_the_sixty_three_bytes_of_a_postgresql_name'
SELECT ddb.create_table(jsonb_build_object('TableName', :'long_name', 'BillingMode', 'PAY_PER_REQUEST',
  'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}]'::jsonb,
  'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "v", "AttributeType": "S"}]'::jsonb,
  'GlobalSecondaryIndexes', '[{"IndexName": "by_v", "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
                               "Projection": {"ProjectionType": "ALL"}}]'::jsonb)) IS NOT NULL AS created;
SET citus.shard_count TO 8;
SELECT ddb.distribute_table(:'long_name');
RESET citus.shard_count;
SELECT count(*) AS distributed_relations, min(n) AS min_shards, max(n) AS max_shards
  FROM (SELECT logicalrelid, count(*) AS n FROM pg_dist_shard
         WHERE logicalrelid IN (SELECT item_table FROM ddb.tables WHERE table_name = :'long_name'
                                UNION ALL SELECT index_table FROM ddb.indexes WHERE table_name = :'long_name')
         GROUP BY logicalrelid) s;
SELECT count(*) FROM (SELECT ddb.put(:'long_name', jsonb_build_object('pk', 'p' || i, 'v', 'v' || (i % 3)))
  FROM generate_series(1, 30) i) puts;
SELECT (ddb.call('Query', jsonb_build_object('TableName', :'long_name', 'IndexName', 'by_v', 'Select', 'COUNT',
          'KeyConditionExpression', 'v = :v', 'ExpressionAttributeValues', '{":v": {"S": "v1"}}'::jsonb)) ->> 'Count')::int AS by_v,
       (SELECT sum((ddb.call('Scan', jsonb_build_object('TableName', :'long_name', 'Select', 'COUNT',
          'Segment', seg, 'TotalSegments', 8)) ->> 'Count')::int) FROM generate_series(0, 7) seg) AS in_segments;
SELECT ddb.delete_table(jsonb_build_object('TableName', :'long_name')) IS NOT NULL AS deleted;
