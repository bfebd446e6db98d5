-- chunks: on a distributed table, Scans, Queries and reads of an index go
-- by chunks of 128 to 1,024 rows, each a statement of its own after the
-- last key read (run by test/citus.sh on a coordinator and two worker
-- nodes). Every read below returns exactly the pages the same read of an
-- undistributed copy of the table returns, across many chunks.
\set VERBOSITY terse
SET citus.shard_count TO 4;
SET citus.next_shard_id TO 993000;

CREATE FUNCTION make_table(name text) RETURNS boolean LANGUAGE sql AS $$
  SELECT ddb.create_table(jsonb_build_object('TableName', name, 'BillingMode', 'PAY_PER_REQUEST',
    'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]'::jsonb,
    'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}]'::jsonb,
    'GlobalSecondaryIndexes', '[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                                   {"AttributeName": "n", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}]'::jsonb)) IS NOT NULL
$$;
SELECT make_table('ck_dist') AS created, make_table('ck_local') AS created;
SELECT ddb.distribute_table('ck_dist');
-- 4 partitions of 1,000 items; 2 index keys of 2,000 entries, many
-- sharing an index sort key
SELECT count(*) FROM (SELECT ddb.put(t, jsonb_build_object('pk', 'p' || (i % 4), 'sk', i,
    'g', 'g' || (i % 2), 'n', i % 300, 'v', i))
  FROM generate_series(1, 4000) i, unnest(ARRAY['ck_dist', 'ck_local']) t) puts;

-- every page of a read: its items and LastEvaluatedKey
CREATE FUNCTION pages(operation text, request jsonb) RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
BEGIN
  LOOP
    r := ddb.call(operation, request);
    RETURN NEXT jsonb_build_object('Items', r -> 'Items', 'Count', r -> 'Count',
                                   'LastEvaluatedKey', r -> 'LastEvaluatedKey');
    EXIT WHEN r -> 'LastEvaluatedKey' IS NULL;
    request := request || jsonb_build_object('ExclusiveStartKey', r -> 'LastEvaluatedKey');
  END LOOP;
END $$;
-- the same read of both tables: how many pages and items, and whether
-- every page is the same
CREATE FUNCTION same_pages(operation text, request jsonb,
  OUT pages int, OUT items bigint, OUT same boolean) LANGUAGE sql AS $$
  WITH d AS (SELECT p, row_number() OVER () AS n FROM pages(operation, request || '{"TableName": "ck_dist"}') p),
       l AS (SELECT p, row_number() OVER () AS n FROM pages(operation, request || '{"TableName": "ck_local"}') p)
  SELECT (SELECT count(*) FROM d)::int, (SELECT sum((p ->> 'Count')::int) FROM d),
         (SELECT count(*) FROM d) = (SELECT count(*) FROM l) AND
         NOT EXISTS (SELECT 1 FROM d FULL JOIN l USING (n) WHERE d.p IS DISTINCT FROM l.p)
$$;

-- Query: a partition in one page (many chunks), forwards and backwards,
-- in pages of Limit 700, with a sort key range
SELECT * FROM same_pages('Query', '{"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}}}');
SELECT * FROM same_pages('Query', '{"KeyConditionExpression": "pk = :p", "ScanIndexForward": false,
  "ExpressionAttributeValues": {":p": {"S": "p1"}}}');
SELECT * FROM same_pages('Query', '{"KeyConditionExpression": "pk = :p", "Limit": 700,
  "ExpressionAttributeValues": {":p": {"S": "p2"}}}');
SELECT * FROM same_pages('Query', '{"KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b", "ScanIndexForward": false,
  "Limit": 300, "ExpressionAttributeValues": {":p": {"S": "p3"}, ":a": {"N": "100"}, ":b": {"N": "3500"}}}');
-- Scan: the table, in pages of Limit 1,500, with a filter
SELECT * FROM same_pages('Scan', '{}');
SELECT * FROM same_pages('Scan', '{"Limit": 1500, "FilterExpression": "v > :v", "ExpressionAttributeValues": {":v": {"N": "3000"}}}');
-- a GSI: Query of an index key in one page and in pages of Limit 900
-- (entries sharing an index sort key in table key order), backwards, and
-- a Scan of the index
SELECT * FROM same_pages('Query', '{"IndexName": "by_g", "KeyConditionExpression": "g = :g",
  "ExpressionAttributeValues": {":g": {"S": "g0"}}}');
SELECT * FROM same_pages('Query', '{"IndexName": "by_g", "KeyConditionExpression": "g = :g AND n >= :n", "Limit": 900,
  "ExpressionAttributeValues": {":g": {"S": "g1"}, ":n": {"N": "10"}}}');
SELECT * FROM same_pages('Query', '{"IndexName": "by_g", "KeyConditionExpression": "g = :g", "ScanIndexForward": false,
  "Limit": 1100, "ExpressionAttributeValues": {":g": {"S": "g0"}}}');
SELECT * FROM same_pages('Scan', '{"IndexName": "by_g", "Limit": 2500}');

-- the statements: each chunk asks the shard for what is left, with LIMIT
SET citus.log_remote_commands TO on;
SET citus.grep_remote_commands TO '%LIMIT%';
SELECT ddb.call('Query', '{"TableName": "ck_dist", "KeyConditionExpression": "pk = :p", "Limit": 200,
  "ExpressionAttributeValues": {":p": {"S": "p1"}}, "Select": "COUNT"}') -> 'Count' AS count;
RESET citus.grep_remote_commands;
RESET citus.log_remote_commands;

SELECT ddb.delete_table('{"TableName": "ck_dist"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "ck_local"}') IS NOT NULL AS deleted;
DROP FUNCTION same_pages(text, jsonb), pages(text, jsonb), make_table(text);
