-- segments: parallel Scan segments of a distributed table map onto its
-- shards (run by test/citus.sh on a coordinator and two worker nodes).
-- Segment s of T holds the partition keys whose Citus hash is in the s-th
-- of T equal ranges: with T equal to the shard count a segment is one
-- shard, with more a part of one, with fewer a run of whole shards.
\set VERBOSITY terse
SET citus.shard_count TO 4;
SET citus.next_shard_id TO 992000;

SELECT ddb.create_table('cs_items', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.distribute_table('cs_items');
SELECT count(*) FROM (SELECT ddb.put('cs_items', jsonb_build_object('pk', 'p' || (i % 60), 'sk', i, 'v', i % 7))
  FROM generate_series(1, 600) i) puts;

-- every page of a segment, with the shard each item lives in
CREATE FUNCTION segment_pages(request jsonb)
RETURNS TABLE (page int, ord int, pk text, sk int, shard bigint, last_key jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
  n int := 0;
BEGIN
  LOOP
    r := ddb.scan(request);
    n := n + 1;
    RETURN QUERY SELECT n, o::int, i -> 'pk' ->> 'S', (i -> 'sk' ->> 'N')::int,
        get_shard_id_for_distribution_column('ddb_data.cs_items', i -> 'pk' ->> 'S'), r -> 'LastEvaluatedKey'
      FROM jsonb_array_elements(r -> 'Items') WITH ORDINALITY AS x(i, o);
    EXIT WHEN r -> 'LastEvaluatedKey' IS NULL;
    request := request || jsonb_build_object('ExclusiveStartKey', r -> 'LastEvaluatedKey');
  END LOOP;
END $$;

CREATE TEMP TABLE segments AS
  SELECT t AS total, seg, p.*
    FROM unnest(ARRAY[2, 4, 7, 8, 1000]) AS t, generate_series(0, t - 1) AS seg,
         segment_pages(jsonb_build_object('TableName', 'cs_items', 'Segment', seg, 'TotalSegments', t, 'Limit', 40)) AS p
   WHERE t <> 1000 OR seg % 97 = 0 OR seg >= 990;
-- for every TotalSegments the segments are disjoint and complete (of
-- 1000, 21 segments are read), and a partition is in one segment
SELECT total, count(*) AS items, count(DISTINCT (pk, sk)) AS distinct_items,
       (SELECT count(*) FROM ddb_data.cs_items) AS table_items,
       count(DISTINCT seg) AS nonempty_segments,
       (SELECT max(n) FROM (SELECT count(DISTINCT s.seg) AS n FROM segments s WHERE s.total = x.total GROUP BY s.pk) y)
         AS segments_per_partition
  FROM segments x GROUP BY total ORDER BY total;
-- how many shards a segment reads: 4 segments of 4 shards, one each, all
-- different; 8, one each (half of one); 2, two each
SELECT total, min(shards) AS min_shards, max(shards) AS max_shards, count(DISTINCT first_shard) AS distinct_first_shards
  FROM (SELECT total, seg, count(DISTINCT shard) AS shards, min(shard) AS first_shard
          FROM segments WHERE total IN (2, 4, 8) GROUP BY total, seg) s
 GROUP BY total ORDER BY total;
-- a page reads one shard, in primary key order, and the shards of a
-- segment come one after the other
SELECT bool_and(shards = 1) AS one_shard_per_page
  FROM (SELECT count(DISTINCT shard) AS shards FROM segments GROUP BY total, seg, page) p;
SELECT bool_and(in_order) AS ordered_in_each_shard FROM (
  SELECT (pk COLLATE "C", sk) >= lag((pk COLLATE "C", sk)) OVER (PARTITION BY total, seg, shard ORDER BY page, ord)
           IS NOT FALSE AS in_order
    FROM segments) x;
SELECT bool_and(runs = 1) AS each_shard_one_run FROM (
  SELECT count(*) FILTER (WHERE shard IS DISTINCT FROM previous) AS runs
    FROM (SELECT total, seg, shard, lag(shard) OVER (PARTITION BY total, seg ORDER BY page, ord) AS previous
            FROM segments) x
   GROUP BY total, seg, shard) y;
-- a page that ends at the end of a shard, short of Limit, carries the
-- last key read, and the next page goes on in the next shard
SELECT count(*) > 0 AS short_pages_at_shard_ends
  FROM (SELECT total, seg, page, count(*) AS n, bool_or(last_key IS NOT NULL) AS more
          FROM segments WHERE total = 2 GROUP BY total, seg, page) p
 WHERE n < 40 AND more;

-- the options of a Scan apply to every piece
SELECT (r ->> 'Count')::int = (SELECT count(*) FROM segments WHERE total = 4 AND seg = 1 AND sk % 7 = 3) AS count_filtered,
       (r ->> 'ScannedCount')::int = (SELECT count(*) FROM segments WHERE total = 4 AND seg = 1) AS scanned_segment,
       r -> 'Items' IS NULL AS no_items, r -> 'ConsumedCapacity' ->> 'TableName' AS capacity_of
  FROM ddb.call('Scan', '{"TableName": "cs_items", "Segment": 1, "TotalSegments": 4, "Select": "COUNT",
    "FilterExpression": "v = :v", "ExpressionAttributeValues": {":v": {"N": "3"}},
    "ReturnConsumedCapacity": "TOTAL"}') r;
SELECT jsonb_object_keys(i) AS projected
  FROM jsonb_array_elements(ddb.call('Scan', '{"TableName": "cs_items", "Segment": 2, "TotalSegments": 4,
    "ProjectionExpression": "sk", "Limit": 1}') -> 'Items') i;

-- a start key resumes its segment; one from another segment is rejected
SELECT (r -> 'Items' -> 0 -> 'pk' ->> 'S', (r -> 'Items' -> 0 -> 'sk' ->> 'N')::int) =
       (SELECT pk, sk FROM segments WHERE total = 4 AND seg = 3 ORDER BY page, ord OFFSET 1 LIMIT 1)
         AS resumes_at_second_item
  FROM ddb.call('Scan', jsonb_build_object('TableName', 'cs_items', 'Segment', 3, 'TotalSegments', 4, 'Limit', 1,
    'ExclusiveStartKey', (SELECT ddb.marshal(jsonb_build_object('pk', pk, 'sk', sk))
                            FROM segments WHERE total = 4 AND seg = 3 ORDER BY page, ord LIMIT 1))) r;
SELECT ddb.call('Scan', jsonb_build_object('TableName', 'cs_items', 'Segment', 2, 'TotalSegments', 4,
  'ExclusiveStartKey', (SELECT ddb.marshal(jsonb_build_object('pk', pk, 'sk', sk))
                          FROM segments WHERE total = 4 AND seg = 3 LIMIT 1)));
SELECT ddb.call('Scan', '{"TableName": "cs_items", "Segment": 0, "TotalSegments": 4,
  "ExclusiveStartKey": {"pk": {"N": "1"}, "sk": {"N": "1"}}}');

-- a Scan in a transaction sees the transaction's own writes
BEGIN;
SELECT ddb.put('cs_items', '{"pk": "p1", "sk": 0}');
SELECT count(*) FILTER (WHERE pk = 'p1' AND sk = 0) AS own_write_seen
  FROM generate_series(0, 3) seg,
       segment_pages(jsonb_build_object('TableName', 'cs_items', 'Segment', seg, 'TotalSegments', 4));
ROLLBACK;

-- number and binary partition keys
SELECT ddb.create_table('{"TableName": "cs_numbers", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "N"}]}') IS NOT NULL AS created;
SELECT ddb.distribute_table('cs_numbers');
SELECT ddb.create_table('{"TableName": "cs_binary", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "B"}]}') IS NOT NULL AS created;
SELECT ddb.distribute_table('cs_binary');
SELECT count(*) FROM (SELECT ddb.call('PutItem', jsonb_build_object('TableName', 'cs_numbers',
    'Item', jsonb_build_object('pk', jsonb_build_object('N', (i * 1.5)::text)))),
  ddb.call('PutItem', jsonb_build_object('TableName', 'cs_binary',
    'Item', jsonb_build_object('pk', jsonb_build_object('B', encode(int4send(i), 'base64')))))
  FROM generate_series(1, 100) i) puts;
CREATE FUNCTION all_pages(request jsonb) RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
BEGIN
  LOOP
    r := ddb.scan(request);
    RETURN QUERY SELECT jsonb_array_elements(r -> 'Items');
    EXIT WHEN r -> 'LastEvaluatedKey' IS NULL;
    request := request || jsonb_build_object('ExclusiveStartKey', r -> 'LastEvaluatedKey');
  END LOOP;
END $$;
SELECT t.name, count(*) AS items, count(DISTINCT item) AS distinct_items
  FROM (VALUES ('cs_numbers'), ('cs_binary')) AS t(name), generate_series(0, 2) seg,
       all_pages(jsonb_build_object('TableName', t.name, 'Segment', seg, 'TotalSegments', 3)) AS item
 GROUP BY t.name ORDER BY t.name;

-- segments of a GSI and of an LSI are ranges of the hash of the table's
-- partition key too (the index tables are co-located with the item
-- table): each of 4 is one shard, read on its node, and an LSI that does
-- not project every attribute fetches items from the shard beside it
SELECT ddb.create_table('{"TableName": "cs_indexed", "BillingMode": "PAY_PER_REQUEST",
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                           {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "N"}],
  "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                              "Projection": {"ProjectionType": "ALL"}}],
  "LocalSecondaryIndexes": [{"IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                             {"AttributeName": "l", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}]}')
  IS NOT NULL AS created;
SELECT ddb.distribute_table('cs_indexed');
SELECT count(*) FROM (SELECT ddb.put('cs_indexed', jsonb_build_object('pk', 'p' || (i % 40), 'sk', i,
    'g', 'g' || (i % 3), 'l', i % 17, 'v', i)) FROM generate_series(1, 400) i) puts;
SELECT ix, t AS total, count(*) AS entries, count(DISTINCT item) AS distinct_entries,
       bool_and(item ? 'v') AS whole_items
  FROM unnest(ARRAY['by_g', 'by_l']) ix, unnest(ARRAY[3, 4, 8]) t, generate_series(0, t - 1) seg,
       all_pages(jsonb_build_object('TableName', 'cs_indexed', 'IndexName', ix, 'Segment', seg, 'TotalSegments', t,
                                    'Limit', 30, 'Select', 'ALL_ATTRIBUTES')) AS item
 GROUP BY ix, t ORDER BY ix, t;
SELECT ix, max(shards) AS shards_per_segment, count(DISTINCT first_shard) AS distinct_shards
  FROM (SELECT ix, seg, count(DISTINCT get_shard_id_for_distribution_column('ddb_data.cs_indexed', item -> 'pk' ->> 'S')) AS shards,
               min(get_shard_id_for_distribution_column('ddb_data.cs_indexed', item -> 'pk' ->> 'S')) AS first_shard
          FROM unnest(ARRAY['by_g', 'by_l']) ix, generate_series(0, 3) seg,
               all_pages(jsonb_build_object('TableName', 'cs_indexed', 'IndexName', ix, 'Segment', seg, 'TotalSegments', 4)) AS item
         GROUP BY ix, seg) s
 GROUP BY ix ORDER BY ix;
SELECT ddb.call('Scan', jsonb_build_object('TableName', 'cs_indexed', 'IndexName', 'by_g', 'Segment', 0, 'TotalSegments', 4,
  'ExclusiveStartKey', (SELECT jsonb_build_object('g', item -> 'g', 'pk', item -> 'pk', 'sk', item -> 'sk')
                          FROM all_pages('{"TableName": "cs_indexed", "IndexName": "by_g", "Segment": 1, "TotalSegments": 4}') item
                         LIMIT 1)));
SELECT ddb.delete_table('{"TableName": "cs_indexed"}') IS NOT NULL AS deleted;

-- a role without SELECT on the table cannot scan a segment of it
CREATE ROLE regress_citus_reader LOGIN;
GRANT USAGE ON SCHEMA ddb, ddb_data TO regress_citus_reader;
GRANT SELECT ON ddb.tables TO regress_citus_reader;
SET ROLE regress_citus_reader;
SELECT ddb.call('Scan', '{"TableName": "cs_items", "Segment": 0, "TotalSegments": 4}');
RESET ROLE;
REVOKE ALL ON SCHEMA ddb, ddb_data FROM regress_citus_reader;
REVOKE ALL ON ddb.tables FROM regress_citus_reader;
DROP ROLE regress_citus_reader;

-- a node answers ScanShard only for a shard of the table that it holds
SELECT ddb.node_call('ScanShard', '{"Request": {"TableName": "cs_items"}, "ShardId": 1,
  "HashMin": 0, "HashMax": 1, "Partitions": 1}') AS other_shard;
SELECT ddb.node_call('ScanShard', '{"Request": {"TableName": "cs_items"}, "ShardId": 992000,
  "HashMin": 0, "HashMax": 1, "Partitions": 1}') AS not_here;
SELECT ddb.node_call('ScanShard', '{"Request": {"TableName": "cs_items"}}') AS incomplete;

SELECT ddb.delete_table('{"TableName": "cs_items"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "cs_numbers"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "cs_binary"}') IS NOT NULL AS deleted;
DROP FUNCTION segment_pages(jsonb), all_pages(jsonb);
