-- scan: Scan in primary key order, Limit and paging, filters (expression and
-- legacy ScanFilter), projections, Select, the 1 MB page, consumed
-- capacity, parallel scan segments, the plain-JSON ddb.scan helper, and
-- every error with DynamoDB's text
\set VERBOSITY terse

SELECT ddb.create_table('scan_s', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT count(*) AS loaded FROM (
  SELECT ddb.put_item(jsonb_build_object('TableName', 'scan_s', 'Item', jsonb_build_object(
      'pk', jsonb_build_object('S', p), 'sk', jsonb_build_object('N', i::text),
      'color', jsonb_build_object('S', (ARRAY['red', 'green', 'blue'])[1 + (i + ascii(p)) % 3]),
      'doc', '{"M": {"x": {"N": "1"}, "y": {"L": [{"S": "a"}, {"S": "b"}]}}}'::jsonb)))
    FROM unnest(ARRAY['b', 'a', 'c', 'B']) AS p, generate_series(1, 3) AS i) AS loaded;

-- The primary keys of a response's items, its counts and its LastEvaluatedKey
CREATE FUNCTION scan_keys(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce('[' || (SELECT string_agg(concat_ws('/', i -> 'pk' ->> 'S', coalesce(i -> 'pk' ->> 'N', i -> 'pk' ->> 'B'),
                                                        i -> 'sk' ->> 'N'), ', ' ORDER BY n)
                              FROM jsonb_array_elements(r -> 'Items') WITH ORDINALITY AS e(i, n)) || ']', '[]')
        || ' Count ' || (r ->> 'Count') || ' ScannedCount ' || (r ->> 'ScannedCount')
        || coalesce(' LastEvaluatedKey ' || (r -> 'LastEvaluatedKey')::text, '')
$$;
CREATE FUNCTION scn(request jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT scan_keys(ddb.scan('{"TableName": "scan_s"}'::jsonb || request))
$$;

-- every item, in primary key order (partition keys in byte order, then sort keys)
SELECT scn('{}');
SELECT scn('{"ConsistentRead": true, "Select": "ALL_ATTRIBUTES"}');
-- Limit, LastEvaluatedKey and ExclusiveStartKey (which need not be an item)
SELECT scn('{"Limit": 5}');
SELECT scn('{"Limit": 5, "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "2"}}}');
SELECT scn('{"Limit": 5, "ExclusiveStartKey": {"pk": {"S": "b"}, "sk": {"N": "3"}}}');
SELECT scn('{"Limit": 2, "ExclusiveStartKey": {"pk": {"S": "c"}, "sk": {"N": "1"}}}');
SELECT scn('{"ExclusiveStartKey": {"pk": {"S": "c"}, "sk": {"N": "3"}}}');
SELECT scn('{"ExclusiveStartKey": {"pk": {"S": "a0"}, "sk": {"N": "-1"}}}');
-- filters may use key attributes in a Scan; the filter runs after the read
SELECT scn('{"FilterExpression": "color = :c", "ExpressionAttributeValues": {":c": {"S": "red"}}}');
SELECT scn('{"FilterExpression": "pk = :p AND sk > :n", "ExpressionAttributeValues": {":p": {"S": "b"}, ":n": {"N": "1"}}, "Limit": 6}');
SELECT scn('{"FilterExpression": "#c IN (:a, :b) AND size(doc.y) = :two", "ExpressionAttributeNames": {"#c": "color"},
  "ExpressionAttributeValues": {":a": {"S": "red"}, ":b": {"S": "blue"}, ":two": {"N": "2"}}}');
-- legacy ScanFilter with ConditionalOperator, and AttributesToGet
SELECT scn('{"ScanFilter": {"color": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "green"}]},
  "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "3"}]}}}');
SELECT scn('{"ScanFilter": {"color": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "green"}]},
  "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "3"}]}}, "ConditionalOperator": "OR"}');
SELECT scn('{"ScanFilter": {"pk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "B"}]}}}');
SELECT ddb.scan('{"TableName": "scan_s", "AttributesToGet": ["sk", "color"], "Limit": 2}');
-- ProjectionExpression and Select
SELECT ddb.scan('{"TableName": "scan_s", "ProjectionExpression": "doc.y[1], sk", "Limit": 2, "Select": "SPECIFIC_ATTRIBUTES"}');
SELECT ddb.scan('{"TableName": "scan_s", "Select": "COUNT", "FilterExpression": "color <> :c", "ExpressionAttributeValues": {":c": {"S": "red"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "Select": "COUNT", "Limit": 7}');
-- ConsumedCapacity
SELECT ddb.scan('{"TableName": "scan_s", "Select": "COUNT", "ReturnConsumedCapacity": "TOTAL"}') -> 'ConsumedCapacity' AS eventual,
       ddb.scan('{"TableName": "scan_s", "Select": "COUNT", "ReturnConsumedCapacity": "INDEXES", "ConsistentRead": true}') -> 'ConsumedCapacity' AS consistent;

-- Tables without a sort key, and with number and binary partition keys
SELECT ddb.create_table('scan_n', partition_key => 'pk', partition_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.put('scan_n', jsonb_build_object('pk', v)) FROM unnest(ARRAY[10, -2.5, 0, 3, 1e3]) AS v;
SELECT s FROM scan_keys(ddb.scan('{"TableName": "scan_n"}')) AS s;
SELECT s FROM scan_keys(ddb.scan('{"TableName": "scan_n", "Limit": 2, "ExclusiveStartKey": {"pk": {"N": "0"}}}')) AS s;
SELECT ddb.create_table('scan_b', partition_key => 'pk', partition_key_type => 'B') IS NOT NULL AS created;
SELECT ddb.put_item(jsonb_build_object('TableName', 'scan_b', 'Item', jsonb_build_object('pk', jsonb_build_object('B', encode(b, 'base64')))))
  FROM unnest(ARRAY['\x80'::bytea, '\x7f', '\x00', '\xffff', '\x41']) AS b;
SELECT s FROM scan_keys(ddb.scan('{"TableName": "scan_b"}')) AS s;

-- The 1 MB page: items of 100 KB, a page stops at the item that reaches 1 MB
SELECT ddb.create_table('scan_big', partition_key => 'pk') IS NOT NULL AS created;
SELECT count(*) AS loaded FROM (
  SELECT ddb.put_item(jsonb_build_object('TableName', 'scan_big', 'Item', jsonb_build_object(
      'pk', jsonb_build_object('S', 'k' || lpad(i::text, 2, '0')),
      'data', jsonb_build_object('S', repeat('x', 100000)))))
    FROM generate_series(1, 25) AS i) AS loaded;
SELECT r -> 'Count' AS count, r -> 'LastEvaluatedKey' AS last_key, r -> 'ConsumedCapacity' AS capacity
  FROM ddb.scan('{"TableName": "scan_big", "ProjectionExpression": "pk", "ReturnConsumedCapacity": "TOTAL"}') AS r;
SELECT r -> 'Count' AS count, r -> 'LastEvaluatedKey' AS last_key
  FROM ddb.scan('{"TableName": "scan_big", "Select": "COUNT", "ExclusiveStartKey": {"pk": {"S": "k11"}}}') AS r;
SELECT r -> 'Count' AS count, r -> 'LastEvaluatedKey' AS last_key
  FROM ddb.scan('{"TableName": "scan_big", "Select": "COUNT", "ExclusiveStartKey": {"pk": {"S": "k22"}}}') AS r;

-- Parallel scan: 1000 items in 7 segments, each paged with Limit 50; the
-- segments are disjoint, together they are the table, and a partition never
-- spans two segments
SELECT ddb.create_table('scan_par', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT count(*) AS loaded FROM (
  SELECT ddb.put_item(jsonb_build_object('TableName', 'scan_par', 'Item', jsonb_build_object(
      'pk', jsonb_build_object('S', 'p' || (i % 200)), 'sk', jsonb_build_object('N', i::text))))
    FROM generate_series(1, 1000) AS i) AS loaded;

CREATE FUNCTION scan_pages(request jsonb)
RETURNS TABLE(page int, item jsonb) LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    n int := 0;
BEGIN
    LOOP
        r := ddb.scan(request);
        n := n + 1;
        RETURN QUERY SELECT n, i FROM jsonb_array_elements(r -> 'Items') AS i;
        EXIT WHEN r -> 'LastEvaluatedKey' IS NULL;
        request := request || jsonb_build_object('ExclusiveStartKey', r -> 'LastEvaluatedKey');
    END LOOP;
END $$;

CREATE TEMP TABLE segments AS
  SELECT seg, page, (item -> 'pk' ->> 'S') COLLATE "C" AS pk, (item -> 'sk' ->> 'N')::int AS sk
    FROM generate_series(0, 6) AS seg,
         scan_pages(jsonb_build_object('TableName', 'scan_par', 'Segment', seg, 'TotalSegments', 7, 'Limit', 50));
SELECT count(*) AS items, count(DISTINCT (pk, sk)) AS distinct_items,
       (SELECT count(*) FROM ddb_data.scan_par) AS table_items,
       NOT EXISTS (SELECT pk, sk FROM ddb_data.scan_par EXCEPT SELECT pk, sk FROM segments) AS complete,
       count(DISTINCT seg) AS nonempty_segments,
       (SELECT max(n) FROM (SELECT count(DISTINCT seg) AS n FROM segments GROUP BY pk) AS x) AS segments_per_partition,
       min(page) AS first_page, (SELECT min(c) FROM (SELECT count(*) AS c FROM segments GROUP BY seg) AS x) > 0 AS every_segment_has_items
  FROM segments;
-- within a segment, items are in primary key order (on a table distributed
-- by Citus, within each shard of the segment: test/citus.sh runs this too)
CREATE FUNCTION shard_of_scan_par(pk text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  shard bigint;
BEGIN
  IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    RETURN 0;
  END IF;
  EXECUTE 'SELECT pg_catalog.get_shard_id_for_distribution_column(logicalrelid, $1)
             FROM pg_catalog.pg_dist_partition WHERE logicalrelid = ''ddb_data.scan_par''::regclass'
    INTO shard USING pk;
  RETURN coalesce(shard, 0);
END $$;
SELECT bool_and(in_order) AS ordered FROM (
  SELECT (pk, sk) >= lag((pk, sk)) OVER (PARTITION BY seg, shard_of_scan_par(pk) ORDER BY page, ord) IS NOT FALSE AS in_order
    FROM (SELECT *, row_number() OVER () AS ord FROM segments) AS x) AS y;
-- TotalSegments 1 is the whole table; a segment of a large TotalSegments may be empty
SELECT count(*) FROM scan_pages('{"TableName": "scan_par", "Segment": 0, "TotalSegments": 1}');
SELECT sum(n) AS items FROM (
  SELECT (ddb.scan(jsonb_build_object('TableName', 'scan_par', 'Segment', seg, 'TotalSegments', 1000000,
                                      'Select', 'COUNT')) ->> 'Count')::int AS n
    FROM generate_series(999990, 999999) AS seg) AS x;
-- segments of number and binary partition keys are disjoint and complete too
SELECT count(*) AS items, count(DISTINCT item) AS distinct_items
  FROM generate_series(0, 2) AS seg,
       scan_pages(jsonb_build_object('TableName', 'scan_n', 'Segment', seg, 'TotalSegments', 3, 'Limit', 1));
SELECT count(*) AS items, count(DISTINCT item) AS distinct_items
  FROM generate_series(0, 1) AS seg,
       scan_pages(jsonb_build_object('TableName', 'scan_b', 'Segment', seg, 'TotalSegments', 2));
-- a start key of the segment resumes it
SELECT s FROM scan_keys(ddb.scan(jsonb_build_object('TableName', 'scan_par', 'Segment', 3, 'TotalSegments', 7, 'Limit', 2,
  'ExclusiveStartKey', (SELECT ddb.marshal(jsonb_build_object('pk', pk, 'sk', sk)) FROM segments WHERE seg = 3 ORDER BY pk, sk LIMIT 1)))) AS s;

-- Paging a whole table with Limit and a filter: every item exactly once
SELECT count(*) AS items, count(DISTINCT item) AS distinct_items, max(page) AS pages
  FROM scan_pages('{"TableName": "scan_par", "Limit": 77, "FilterExpression": "sk < :n", "ExpressionAttributeValues": {":n": {"N": "500"}}}');

-- The plain-JSON helper follows the pages itself
SELECT * FROM ddb.scan('scan_n', NULL);
SELECT * FROM ddb.scan('scan_s', '#c = :c AND sk = :one', '{":c": "red", ":one": 1}', '{"#c": "color"}');
SELECT count(*) FROM ddb.scan('scan_big', 'size(#d) > :n', '{":n": 10}', '{"#d": "data"}');

-- Invalid input: parameter constraints (collected)
SELECT ddb.scan('{"TableName": "scan_s", "Limit": 0, "Segment": -1, "TotalSegments": 0, "Select": "SOME"}');
SELECT ddb.scan('{"TableName": "scan_s", "Segment": 1000000, "TotalSegments": 1000001}');
SELECT ddb.scan('{"TableName": "sc", "IndexName": "ix;"}');
-- Invalid input: wrong JSON types, unknown parameters
SELECT ddb.scan('{"TableName": "scan_s", "Segment": "1", "TotalSegments": 2}');
SELECT ddb.scan('{"TableName": "scan_s", "Segment": 0.5, "TotalSegments": 2}');
SELECT ddb.scan('{"TableName": "scan_s", "ScanIndexForward": false}');
SELECT ddb.scan('{"TableName": "scan_s", "KeyConditionExpression": "pk = :p"}');
-- Invalid input: Segment and TotalSegments
SELECT ddb.scan('{"TableName": "scan_s", "Segment": 0}');
SELECT ddb.scan('{"TableName": "scan_s", "TotalSegments": 4}');
SELECT ddb.scan('{"TableName": "scan_s", "Segment": 3, "TotalSegments": 3}');
SELECT ddb.scan('{"TableName": "scan_s", "Segment": 7, "TotalSegments": 5}');
-- Invalid input: Select combinations
SELECT ddb.scan('{"TableName": "scan_s", "Select": "SPECIFIC_ATTRIBUTES"}');
SELECT ddb.scan('{"TableName": "scan_s", "Select": "ALL_ATTRIBUTES", "AttributesToGet": ["sk"]}');
SELECT ddb.scan('{"TableName": "scan_s", "Select": "COUNT", "ProjectionExpression": "sk"}');
SELECT ddb.scan('{"TableName": "scan_s", "Select": "ALL_PROJECTED_ATTRIBUTES"}');
-- Invalid input: no such index, no such table
SELECT ddb.scan('{"TableName": "scan_s", "IndexName": "by_color"}');
SELECT ddb.scan('{"TableName": "nosuchtable"}');
-- Invalid input: expressions
SELECT ddb.scan('{"TableName": "scan_s", "FilterExpression": ""}');
SELECT ddb.scan('{"TableName": "scan_s", "FilterExpression": "((color = :c))", "ExpressionAttributeValues": {":c": {"S": "red"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "FilterExpression": "begins_with(color, :n)", "ExpressionAttributeValues": {":n": {"N": "1"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "FilterExpression": "color = :c", "ExpressionAttributeValues": {":c": {"S": "red"}, ":d": {"S": "x"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExpressionAttributeValues": {":c": {"S": "red"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ProjectionExpression": "#u"}');
SELECT ddb.scan('{"TableName": "scan_s", "ProjectionExpression": "doc, doc.x"}');
SELECT ddb.scan('{"TableName": "scan_s", "ProjectionExpression": "pk.x"}');
SELECT ddb.scan('{"TableName": "scan_s", "FilterExpression": "sk[0] = :n", "ExpressionAttributeValues": {":n": {"N": "1"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "FilterExpression": "color = :c", "ScanFilter": {"color": {"ComparisonOperator": "NULL"}},
  "ExpressionAttributeValues": {":c": {"S": "red"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ScanFilter": {"color": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"SS": ["a"]}]}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ScanFilter": {"color": {"ComparisonOperator": "LIKE", "AttributeValueList": [{"S": "a"}]}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ConditionalOperator": "AND"}');
SELECT ddb.scan('{"TableName": "scan_s", "QueryFilter": {"color": {"ComparisonOperator": "NULL"}}}');
-- Invalid input: ExclusiveStartKey
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"S": "a"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"S": "a"}, "color": {"S": "red"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"S": "1"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"N": "1"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"S": ""}, "sk": {"N": "1"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"B": "YQ=="}, "sk": {"N": "1"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "1e200"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"L": []}, "sk": {"N": "1"}}}');
SELECT ddb.scan('{"TableName": "scan_s", "ExclusiveStartKey": {"pk": {"S": "a", "N": "1"}, "sk": {"N": "1"}}}');
-- Invalid input: a start key from another segment
SELECT ddb.scan(jsonb_build_object('TableName', 'scan_par', 'Segment', 2, 'TotalSegments', 7,
  'ExclusiveStartKey', (SELECT ddb.marshal(jsonb_build_object('pk', pk, 'sk', sk)) FROM segments WHERE seg = 3 ORDER BY pk, sk LIMIT 1)));
