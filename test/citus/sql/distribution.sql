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
