-- routing: how Citus plans the statements ddb runs for each operation on a
-- distributed table, shown with EXPLAIN (distribution.sql shows the same
-- with citus.log_remote_commands, as the operations run): the single-item
-- operations and Query go to the one shard of their partition key; Scan
-- and a Query on a GSI go to every shard
\set VERBOSITY terse
SET citus.next_shard_id TO 991000;
SET citus.shard_count TO 4;

-- a statement's plan on the cluster: how many shards it runs on, and the
-- shard the first of them reads or writes (node addresses left out)
CREATE FUNCTION routing(statement text, OUT tasks int, OUT shard text)
LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
  job jsonb;
BEGIN
  EXECUTE 'EXPLAIN (COSTS OFF, FORMAT JSON) ' || statement INTO plan;
  job := jsonb_path_query_first(plan, 'strict $.**."Distributed Query"."Job"');
  tasks := (job ->> 'Task Count')::int;
  shard := jsonb_path_query_first(job -> 'Tasks' -> 0, 'strict $.**."Relation Name"') #>> '{}';
END $$;

SELECT ddb.create_table('{"TableName": "cr_orders", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"},
                           {"AttributeName": "status", "AttributeType": "S"}],
  "GlobalSecondaryIndexes": [{"IndexName": "by_status", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                              "Projection": {"ProjectionType": "ALL"}}]}') IS NOT NULL AS created;
SELECT ddb.distribute_table('cr_orders');
SELECT count(*) FROM (SELECT ddb.put('cr_orders', jsonb_build_object('customer', 'c' || (i % 5), 'n', i,
    'status', CASE WHEN i % 2 = 0 THEN 'open' ELSE 'closed' END)) FROM generate_series(1, 20) i) puts;
-- the partition key c1 lives in this shard
SELECT 'cr_orders_' || get_shard_id_for_distribution_column('ddb_data.cr_orders', 'c1') AS shard_of_c1;

-- GetItem, and the locked read of a conditional write or UpdateItem
SELECT * FROM routing($$SELECT item FROM ddb_data.cr_orders
  WHERE customer OPERATOR(pg_catalog.=) 'c1'::text AND n OPERATOR(pg_catalog.=) '3'::numeric$$);
SELECT * FROM routing($$SELECT item FROM ddb_data.cr_orders
  WHERE customer OPERATOR(pg_catalog.=) 'c1'::text AND n OPERATOR(pg_catalog.=) '3'::numeric FOR UPDATE$$);
-- PutItem, UpdateItem, DeleteItem
SELECT * FROM routing($$INSERT INTO ddb_data.cr_orders (customer, n, item)
  VALUES ('c1', 3, '{"customer": {"S": "c1"}, "n": {"N": "3"}}')
  ON CONFLICT (customer, n) DO UPDATE SET item = excluded.item$$);
SELECT * FROM routing($$UPDATE ddb_data.cr_orders SET item = item
  WHERE customer OPERATOR(pg_catalog.=) 'c1'::text AND n OPERATOR(pg_catalog.=) '3'::numeric$$);
SELECT * FROM routing($$DELETE FROM ddb_data.cr_orders
  WHERE customer OPERATOR(pg_catalog.=) 'c1'::text AND n OPERATOR(pg_catalog.=) '3'::numeric$$);
-- Query: one partition, a range of its sort keys, in order
SELECT * FROM routing($$SELECT item FROM ddb_data.cr_orders
  WHERE customer OPERATOR(pg_catalog.=) 'c1'::text AND n OPERATOR(pg_catalog.>) '2'::numeric ORDER BY n LIMIT 10$$);
-- Scan: every shard
SELECT * FROM routing($$SELECT item, customer, n FROM ddb_data.cr_orders ORDER BY customer, n LIMIT 10$$);
-- Query on a GSI: every shard of the co-located index table
SELECT * FROM routing($$SELECT item FROM ddb_data."cr_orders:by_status"
  WHERE k1 OPERATOR(pg_catalog.=) 'open'::text ORDER BY table_pk, table_sk LIMIT 10$$);

SELECT ddb.delete_table('{"TableName": "cr_orders"}') IS NOT NULL AS deleted;
