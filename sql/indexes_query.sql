-- indexes_query: Query and Scan with IndexName on global and local secondary
-- indexes: key conditions on index key schemas (multi-attribute GSI keys
-- too), paging through many entries sharing one index key forwards and
-- backwards, parallel Scan of an index, Select and projections, LSI fetches
-- of whole items, consumed capacity, privileges, and every error with
-- DynamoDB's type
\set VERBOSITY terse

-- Table ixq (pk, sk) with three GSIs (hash only, keys only; hash and range,
-- INCLUDE; hash only, ALL), an LSI (keys only) and a GSI being built
SELECT ddb.create_table('{"TableName": "ixq", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"}, {"AttributeName": "color", "AttributeType": "S"},
        {"AttributeName": "grp", "AttributeType": "S"}, {"AttributeName": "rank", "AttributeType": "N"},
        {"AttributeName": "note", "AttributeType": "S"}, {"AttributeName": "total", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": "by_color", "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"}},
        {"IndexName": "by_group", "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"},
                                                {"AttributeName": "rank", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}},
        {"IndexName": "by_note", "KeySchema": [{"AttributeName": "note", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "ALL"}},
        {"IndexName": "building", "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "LocalSecondaryIndexes": [
        {"IndexName": "by_total", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                {"AttributeName": "total", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"}}]}') -> 'TableDescription' ->> 'TableStatus' AS status;
-- "building" is made CREATING, as a GSI that UpdateTable adds stays until
-- its backfill ends (the table's metadata is reloaded after ALTER TABLE)
UPDATE ddb.indexes SET status = 'CREATING', backfilling = true
 WHERE table_name = 'ixq' AND index_name = 'building';
ALTER TABLE ddb_data.ixq SET (fillfactor = 100);

-- 1,200 items in 40 partitions: 1,188 red and 12 blue; three groups whose
-- ranks repeat (many items share one index key); a note on every 50th
SELECT count(*) AS loaded FROM (
  SELECT ddb.put('ixq', jsonb_build_object(
      'pk', 'p' || lpad((i % 40)::text, 2, '0'), 'sk', lpad(i::text, 5, '0'),
      'color', CASE WHEN i % 100 = 0 THEN 'blue' ELSE 'red' END,
      'grp', 'g' || (i % 3), 'rank', i % 7, 'total', i,
      'payload', repeat('x', 20)) ||
      CASE WHEN i % 50 = 0 THEN jsonb_build_object('note', 'n' || i) ELSE '{}' END)
    FROM generate_series(1, 1200) AS i) AS loaded;
SELECT count(*) AS red FROM ddb_data."ixq:by_color" WHERE k1 = 'red';

-- Every page of a Query or Scan, following LastEvaluatedKey; each item
-- with its page and position
CREATE FUNCTION iq_pages(op text, request jsonb, OUT page int, OUT pos int, OUT item jsonb)
RETURNS SETOF record LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    lek jsonb;
BEGIN
    page := 0;
    pos := 0;
    LOOP
        r := ddb.call(op, CASE WHEN lek IS NULL THEN request
                               ELSE request || jsonb_build_object('ExclusiveStartKey', lek) END);
        page := page + 1;
        FOR item IN SELECT value FROM jsonb_array_elements(r -> 'Items') LOOP
            pos := pos + 1;
            RETURN NEXT;
        END LOOP;
        lek := r -> 'LastEvaluatedKey';
        EXIT WHEN lek IS NULL;
    END LOOP;
END
$$;
-- The table key of an item as text
CREATE FUNCTION iq_key(item jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT (item -> 'pk' ->> 'S') || '/' || (item -> 'sk' ->> 'S')
$$;

-- Paging through 1,188 items that share one GSI key, with Limit, forwards
-- and backwards: every item exactly once, in table key order
WITH pages AS (
  SELECT * FROM iq_pages('Query', '{"TableName": "ixq", "IndexName": "by_color",
      "KeyConditionExpression": "color = :c", "ExpressionAttributeValues": {":c": {"S": "red"}},
      "Limit": 250}'))
SELECT max(page) AS pages, count(*) AS items, count(DISTINCT iq_key(item)) AS distinct_items,
       array_agg(iq_key(item) ORDER BY pos) =
         (SELECT array_agg(pk || '/' || sk ORDER BY pk, sk) FROM ddb_data.ixq
           WHERE item -> 'color' ->> 'S' = 'red') AS in_table_key_order
  FROM pages;
WITH pages AS (
  SELECT * FROM iq_pages('Query', '{"TableName": "ixq", "IndexName": "by_color",
      "KeyConditionExpression": "color = :c", "ExpressionAttributeValues": {":c": {"S": "red"}},
      "Limit": 333, "ScanIndexForward": false}'))
SELECT max(page) AS pages, count(*) AS items, count(DISTINCT iq_key(item)) AS distinct_items,
       array_agg(iq_key(item) ORDER BY pos) =
         (SELECT array_agg(pk || '/' || sk ORDER BY pk DESC, sk DESC) FROM ddb_data.ixq
           WHERE item -> 'color' ->> 'S' = 'red') AS in_reverse_order
  FROM pages;
-- A page of a KEYS_ONLY index holds the index key and the table key, and
-- so does LastEvaluatedKey
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "blue"}}, "Limit": 2}');

-- A hash and range index whose index keys repeat: ordered by rank, then
-- table key; every page boundary falls inside a run of equal ranks
WITH pages AS (
  SELECT * FROM iq_pages('Query', '{"TableName": "ixq", "IndexName": "by_group",
      "KeyConditionExpression": "grp = :g AND #r BETWEEN :lo AND :hi",
      "ExpressionAttributeNames": {"#r": "rank"},
      "ExpressionAttributeValues": {":g": {"S": "g1"}, ":lo": {"N": "2"}, ":hi": {"N": "4"}},
      "Limit": 7}'))
SELECT max(page) AS pages, count(*) AS items, count(DISTINCT iq_key(item)) AS distinct_items,
       array_agg(iq_key(item) ORDER BY pos) =
         (SELECT array_agg(pk || '/' || sk ORDER BY (item -> 'rank' ->> 'N')::numeric, pk, sk)
            FROM ddb_data.ixq WHERE item -> 'grp' ->> 'S' = 'g1'
             AND (item -> 'rank' ->> 'N')::numeric BETWEEN 2 AND 4) AS ordered
  FROM pages;
WITH pages AS (
  SELECT * FROM iq_pages('Query', '{"TableName": "ixq", "IndexName": "by_group",
      "KeyConditionExpression": "grp = :g AND #r < :hi", "ExpressionAttributeNames": {"#r": "rank"},
      "ExpressionAttributeValues": {":g": {"S": "g2"}, ":hi": {"N": "3"}},
      "Limit": 11, "ScanIndexForward": false}'))
SELECT max(page) AS pages, count(*) AS items, count(DISTINCT iq_key(item)) AS distinct_items,
       array_agg(iq_key(item) ORDER BY pos) =
         (SELECT array_agg(pk || '/' || sk ORDER BY (item -> 'rank' ->> 'N')::numeric DESC, pk DESC, sk DESC)
            FROM ddb_data.ixq WHERE item -> 'grp' ->> 'S' = 'g2'
             AND (item -> 'rank' ->> 'N')::numeric < 3) AS ordered
  FROM pages;
-- INCLUDE projects the keys and the note; Select COUNT; a filter on a
-- projected non-key attribute and on the table's key
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group",
    "KeyConditionExpression": "grp = :g AND #r = :r", "FilterExpression": "attribute_exists(note)",
    "ExpressionAttributeNames": {"#r": "rank"},
    "ExpressionAttributeValues": {":g": {"S": "g0"}, ":r": {"N": "1"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "Select": "COUNT",
    "KeyConditionExpression": "grp = :g AND #r >= :r", "FilterExpression": "pk = :p",
    "ExpressionAttributeNames": {"#r": "rank"},
    "ExpressionAttributeValues": {":g": {"S": "g0"}, ":r": {"N": "5"}, ":p": {"S": "p03"}}}');
-- ProjectionExpression on a GSI returns what the index holds
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "Limit": 2,
    "KeyConditionExpression": "grp = :g", "ProjectionExpression": "sk, note, payload",
    "ExpressionAttributeValues": {":g": {"S": "g0"}}}');
-- Legacy KeyConditions, QueryFilter and AttributesToGet
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group",
    "KeyConditions": {"grp": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "g0"}]},
                      "rank": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]}},
    "QueryFilter": {"note": {"ComparisonOperator": "NOT_NULL"}},
    "AttributesToGet": ["pk", "sk", "note"]}');
-- A GSI projecting everything returns whole items, also with ALL_ATTRIBUTES
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_note", "Select": "ALL_ATTRIBUTES",
    "KeyConditionExpression": "note = :n", "ExpressionAttributeValues": {":n": {"S": "n100"}}}');

-- Indexes are kept in the writing transaction: a Query right after a write
-- sees it, and an item without the index key leaves a sparse index
SELECT ddb.put('ixq', '{"pk": "p00", "sk": "x", "color": "green", "note": "fresh"}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_note", "KeyConditionExpression": "note = :n",
    "ExpressionAttributeValues": {":n": {"S": "fresh"}}}') -> 'Count' AS fresh;
SELECT ddb.update('ixq', '{"pk": "p00", "sk": "x"}', 'REMOVE note');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_note", "KeyConditionExpression": "note = :n",
    "ExpressionAttributeValues": {":n": {"S": "fresh"}}}') -> 'Count' AS removed;
SELECT ddb.delete('ixq', '{"pk": "p00", "sk": "x"}') IS NOT NULL AS deleted;

-- LSI: the table's partition key and another sort key, in total order
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_total",
    "KeyConditionExpression": "pk = :p AND #t BETWEEN :lo AND :hi", "ExpressionAttributeNames": {"#t": "total"},
    "ExpressionAttributeValues": {":p": {"S": "p10"}, ":lo": {"N": "100"}, ":hi": {"N": "200"}},
    "ScanIndexForward": false, "ConsistentRead": true}');
-- Select ALL_ATTRIBUTES on an LSI that projects less fetches the items from
-- the table, at the table's cost too
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_total", "Select": "ALL_ATTRIBUTES",
    "KeyConditionExpression": "pk = :p AND #t < :hi", "ExpressionAttributeNames": {"#t": "total"},
    "ExpressionAttributeValues": {":p": {"S": "p10"}, ":hi": {"N": "100"}},
    "ReturnConsumedCapacity": "INDEXES", "ConsistentRead": true}');
-- ... and so does a projection or a filter naming an attribute it does not
-- hold; the filter sees the item, the response holds what was asked
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_total", "ProjectionExpression": "sk, payload",
    "KeyConditionExpression": "pk = :p AND #t < :hi", "ExpressionAttributeNames": {"#t": "total"},
    "ExpressionAttributeValues": {":p": {"S": "p10"}, ":hi": {"N": "100"}},
    "ReturnConsumedCapacity": "TOTAL"}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_total", "FilterExpression": "attribute_exists(note)",
    "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p10"}},
    "ReturnConsumedCapacity": "INDEXES"}');
-- Without a fetch, an LSI costs index reads only
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_total", "Select": "COUNT",
    "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p10"}},
    "ReturnConsumedCapacity": "INDEXES"}');
-- A GSI query reports the index's capacity: eventually consistent, by the
-- size of the entries read
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "blue"}}, "Select": "COUNT",
    "ReturnConsumedCapacity": "INDEXES"}');

-- The 1 MB page limit counts the entries read: 100 KB entries stop a page
-- at the eleventh
SELECT count(*) AS loaded FROM (
  SELECT ddb.put('ixq', jsonb_build_object('pk', 'big', 'sk', lpad(i::text, 2, '0'), 'note', 'big',
                                          'payload', repeat('y', 100000)))
    FROM generate_series(1, 12) AS i) AS loaded;
SELECT r -> 'Count' AS count, r -> 'LastEvaluatedKey' AS last_evaluated_key, r -> 'ConsumedCapacity' AS capacity
  FROM ddb.query('{"TableName": "ixq", "IndexName": "by_note", "KeyConditionExpression": "note = :n",
    "ExpressionAttributeValues": {":n": {"S": "big"}}, "ReturnConsumedCapacity": "TOTAL"}') AS r;
SELECT count(*) AS deleted FROM (
  SELECT ddb.delete('ixq', jsonb_build_object('pk', 'big', 'sk', lpad(i::text, 2, '0')))
    FROM generate_series(1, 12) AS i) AS deleted;

-- Scan of an index, in index key then table key order, paged
WITH pages AS (
  SELECT * FROM iq_pages('Scan', '{"TableName": "ixq", "IndexName": "by_group", "Limit": 97}'))
SELECT max(page) AS pages, count(*) AS items, count(DISTINCT iq_key(item)) AS distinct_items,
       array_agg(iq_key(item) ORDER BY pos) =
         (SELECT array_agg(table_pk || '/' || table_sk ORDER BY k1, k2, table_pk, table_sk)
            FROM ddb_data."ixq:by_group") AS in_index_order
  FROM pages;
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_note", "Limit": 3,
    "ProjectionExpression": "note", "ReturnConsumedCapacity": "TOTAL"}');
-- Parallel Scan of an index: the segments are disjoint and together
-- complete, and each pages on its own
WITH segments AS (
  SELECT s, p.item FROM generate_series(0, 2) AS s,
       LATERAL iq_pages('Scan', jsonb_build_object('TableName', 'ixq', 'IndexName', 'by_color',
                        'Segment', s, 'TotalSegments', 3, 'Limit', 150)) AS p)
SELECT count(*) AS items, count(DISTINCT iq_key(item)) AS distinct_items,
       count(DISTINCT s) AS nonempty_segments FROM segments;
WITH segments AS (
  SELECT s, p.item FROM generate_series(0, 3) AS s,
       LATERAL iq_pages('Scan', jsonb_build_object('TableName', 'ixq', 'IndexName', 'by_group',
                        'Segment', s, 'TotalSegments', 4, 'Limit', 200)) AS p)
SELECT count(*) AS items, count(DISTINCT iq_key(item)) AS distinct_items,
       count(DISTINCT item -> 'grp') = count(DISTINCT (s, item -> 'grp')) AS groups_in_one_segment
  FROM segments;

-- Multi-attribute GSI keys: two HASH attributes, then two RANGE attributes
SELECT ddb.create_table('{"TableName": "matches", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "tournament", "AttributeType": "S"}, {"AttributeName": "region", "AttributeType": "S"},
        {"AttributeName": "round", "AttributeType": "S"}, {"AttributeName": "bracket", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": "by_bracket", "KeySchema": [
            {"AttributeName": "tournament", "KeyType": "HASH"}, {"AttributeName": "region", "KeyType": "HASH"},
            {"AttributeName": "round", "KeyType": "RANGE"}, {"AttributeName": "bracket", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}}]}') -> 'TableDescription' ->> 'TableStatus' AS status;
SELECT count(*) AS loaded FROM (
  SELECT ddb.put('matches', jsonb_build_object('id', t || '-' || r || '-' || rd || '-' || b,
      'tournament', t, 'region', r, 'round', rd, 'bracket', b))
    FROM unnest(ARRAY['winter', 'summer']) AS t, unnest(ARRAY['eu', 'na']) AS r,
         unnest(ARRAY['final', 'quarter', 'semi']) AS rd, generate_series(1, 3) AS b) AS loaded;
SELECT ddb.put('matches', '{"id": "no-region", "tournament": "winter", "round": "final", "bracket": 1}');
-- The match ids of a response, its counts and its LastEvaluatedKey
CREATE FUNCTION match_ids(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT string_agg(i -> 'id' ->> 'S', ' ' ORDER BY n)
                       FROM jsonb_array_elements(r -> 'Items') WITH ORDINALITY AS e(i, n)), '-')
        || ' | Count ' || (r ->> 'Count') || coalesce(' LastEvaluatedKey ' || (r -> 'LastEvaluatedKey')::text, '')
$$;
CREATE FUNCTION match_query(kc text, vals jsonb, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.query(jsonb_build_object('TableName', 'matches', 'IndexName', 'by_bracket',
        'KeyConditionExpression', kc, 'ExpressionAttributeValues', vals) || extra)
$$;
SELECT match_ids(match_query('tournament = :t AND #r = :r',
    '{":t": {"S": "winter"}, ":r": {"S": "eu"}}', '{"ExpressionAttributeNames": {"#r": "region"}}'));
SELECT match_ids(match_query('tournament = :t AND #r = :r AND #rd = :rd',
    '{":t": {"S": "winter"}, ":r": {"S": "eu"}, ":rd": {"S": "semi"}}',
    '{"ExpressionAttributeNames": {"#r": "region", "#rd": "round"}, "ScanIndexForward": false}'));
SELECT match_ids(match_query('tournament = :t AND #r = :r AND #rd = :rd AND bracket >= :b',
    '{":t": {"S": "summer"}, ":r": {"S": "na"}, ":rd": {"S": "quarter"}, ":b": {"N": "2"}}',
    '{"ExpressionAttributeNames": {"#r": "region", "#rd": "round"}}'));
SELECT match_ids(match_query('#r = :r AND begins_with(#rd, :q) AND tournament = :t',
    '{":t": {"S": "summer"}, ":r": {"S": "na"}, ":q": {"S": "s"}}',
    '{"ExpressionAttributeNames": {"#r": "region", "#rd": "round"}}'));
SELECT match_ids(match_query('tournament = :t AND #r = :r AND #rd BETWEEN :a AND :b',
    '{":t": {"S": "winter"}, ":r": {"S": "na"}, ":a": {"S": "f"}, ":b": {"S": "r"}}',
    '{"ExpressionAttributeNames": {"#r": "region", "#rd": "round"}, "Limit": 4}'));
-- paging by the whole index key and the table key, both ways
SELECT match_ids(match_query('tournament = :t AND #r = :r AND #rd BETWEEN :a AND :b',
    '{":t": {"S": "winter"}, ":r": {"S": "na"}, ":a": {"S": "f"}, ":b": {"S": "r"}}',
    '{"ExpressionAttributeNames": {"#r": "region", "#rd": "round"}, "Limit": 4,
      "ExclusiveStartKey": {"id": {"S": "winter-na-quarter-1"}, "tournament": {"S": "winter"},
                            "region": {"S": "na"}, "round": {"S": "quarter"}, "bracket": {"N": "1"}}}'));
WITH pages AS (
  SELECT * FROM iq_pages('Query', '{"TableName": "matches", "IndexName": "by_bracket",
      "KeyConditionExpression": "tournament = :t AND #r = :r", "ExpressionAttributeNames": {"#r": "region"},
      "ExpressionAttributeValues": {":t": {"S": "summer"}, ":r": {"S": "eu"}},
      "Limit": 2, "ScanIndexForward": false}'))
SELECT max(page) AS pages, string_agg(item -> 'id' ->> 'S', ' ' ORDER BY pos) AS ids FROM pages;
-- legacy KeyConditions on every key attribute
SELECT match_ids(ddb.query('{"TableName": "matches", "IndexName": "by_bracket", "KeyConditions": {
    "tournament": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "winter"}]},
    "region": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "eu"}]},
    "round": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "final"}]},
    "bracket": {"ComparisonOperator": "LE", "AttributeValueList": [{"N": "2"}]}}}'));
-- the item without a region is in no entry of the index
SELECT ddb.scan('{"TableName": "matches", "IndexName": "by_bracket", "Select": "COUNT"}');

-- Invalid input: multi-attribute keys: a HASH attribute missing, a HASH
-- attribute without equality, a gap in the RANGE attributes, an inequality
-- before the last RANGE condition, a condition on a non-key attribute
SELECT match_query('tournament = :t', '{":t": {"S": "winter"}}');
SELECT match_query('tournament = :t AND #r > :r', '{":t": {"S": "winter"}, ":r": {"S": "eu"}}',
    '{"ExpressionAttributeNames": {"#r": "region"}}');
SELECT match_query('tournament = :t AND #r = :r AND bracket = :b',
    '{":t": {"S": "winter"}, ":r": {"S": "eu"}, ":b": {"N": "1"}}', '{"ExpressionAttributeNames": {"#r": "region"}}');
SELECT match_query('tournament = :t AND #r = :r AND #rd > :rd AND bracket = :b',
    '{":t": {"S": "winter"}, ":r": {"S": "eu"}, ":rd": {"S": "a"}, ":b": {"N": "1"}}',
    '{"ExpressionAttributeNames": {"#r": "region", "#rd": "round"}}');
SELECT match_query('tournament = :t AND #r = :r AND id = :i',
    '{":t": {"S": "winter"}, ":r": {"S": "eu"}, ":i": {"S": "x"}}', '{"ExpressionAttributeNames": {"#r": "region"}}');
SELECT match_query('tournament = :t AND #r = :r AND #rd = :rd AND bracket = :b AND id = :i',
    '{":t": {"S": "winter"}, ":r": {"S": "eu"}, ":rd": {"S": "a"}, ":b": {"N": "1"}, ":i": {"S": "x"}}',
    '{"ExpressionAttributeNames": {"#r": "region", "#rd": "round"}}');
-- Invalid input: a filter may not name the index's key attributes
SELECT match_query('tournament = :t AND #r = :r', '{":t": {"S": "winter"}, ":r": {"S": "eu"}, ":b": {"N": "1"}}',
    '{"ExpressionAttributeNames": {"#r": "region"}, "FilterExpression": "bracket = :b"}');
-- Invalid input: a start key outside the HASH values queried
SELECT match_query('tournament = :t AND #r = :r', '{":t": {"S": "winter"}, ":r": {"S": "eu"}}',
    '{"ExpressionAttributeNames": {"#r": "region"},
      "ExclusiveStartKey": {"id": {"S": "x"}, "tournament": {"S": "winter"}, "region": {"S": "na"},
                            "round": {"S": "final"}, "bracket": {"N": "1"}}}');

-- Invalid input: an unknown index, on Query and Scan, and an index not ACTIVE
SELECT ddb.query('{"TableName": "ixq", "IndexName": "nope", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "red"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "nope"}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "building"}');
-- Invalid input: ConsistentRead on a GSI, on Query and Scan
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "ConsistentRead": true,
    "KeyConditionExpression": "color = :c", "ExpressionAttributeValues": {":c": {"S": "red"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_group", "ConsistentRead": true}');
-- Invalid input: Select ALL_ATTRIBUTES on a GSI that does not project ALL
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "Select": "ALL_ATTRIBUTES",
    "KeyConditionExpression": "grp = :g", "ExpressionAttributeValues": {":g": {"S": "g0"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_color", "Select": "ALL_ATTRIBUTES"}');
-- Invalid input: key conditions against the index's key schema
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditionExpression": "pk = :p",
    "ExpressionAttributeValues": {":p": {"S": "p01"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditionExpression": "grp = :g AND sk = :s",
    "ExpressionAttributeValues": {":g": {"S": "g0"}, ":s": {"S": "x"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditionExpression": "grp > :g",
    "ExpressionAttributeValues": {":g": {"S": "g0"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c AND pk = :p",
    "ExpressionAttributeValues": {":c": {"S": "red"}, ":p": {"S": "p01"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group",
    "KeyConditionExpression": "grp = :g AND #r = :r AND pk = :p", "ExpressionAttributeNames": {"#r": "rank"},
    "ExpressionAttributeValues": {":g": {"S": "g0"}, ":r": {"N": "1"}, ":p": {"S": "p01"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditionExpression": "grp = :g AND #r = :r",
    "ExpressionAttributeNames": {"#r": "rank"}, "ExpressionAttributeValues": {":g": {"S": "g0"}, ":r": {"S": "1"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditionExpression": "grp = :g",
    "ExpressionAttributeValues": {":g": {"S": ""}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group",
    "KeyConditions": {"grp": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "g0"}]}}}');
-- Invalid input: a filter or projection on the index key
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditionExpression": "grp = :g",
    "FilterExpression": "#r > :r", "ExpressionAttributeNames": {"#r": "rank"},
    "ExpressionAttributeValues": {":g": {"S": "g0"}, ":r": {"N": "1"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditions": {
    "grp": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "g0"}]}},
    "QueryFilter": {"grp": {"ComparisonOperator": "NOT_NULL"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditionExpression": "grp = :g",
    "ProjectionExpression": "grp.x", "ExpressionAttributeValues": {":g": {"S": "g0"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_group", "FilterExpression": "#r[0] = :r",
    "ExpressionAttributeNames": {"#r": "rank"}, "ExpressionAttributeValues": {":r": {"N": "1"}}}');
-- Invalid input: start keys: attributes missing or extra, of the wrong type,
-- outside the query, and from another Scan segment
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "red"}},
    "ExclusiveStartKey": {"pk": {"S": "p01"}, "sk": {"S": "00001"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "red"}},
    "ExclusiveStartKey": {"color": {"N": "1"}, "pk": {"S": "p01"}, "sk": {"S": "00001"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "red"}},
    "ExclusiveStartKey": {"color": {"S": "red"}, "pk": {"S": "p01"}, "total": {"N": "1"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "red"}},
    "ExclusiveStartKey": {"color": {"S": "red"}, "pk": {"S": "p01"}, "sk": {"N": "1"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "red"}},
    "ExclusiveStartKey": {"color": {"S": "blue"}, "pk": {"S": "p01"}, "sk": {"S": "00001"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_group", "KeyConditionExpression": "grp = :g AND #r > :r",
    "ExpressionAttributeNames": {"#r": "rank"}, "ExpressionAttributeValues": {":g": {"S": "g0"}, ":r": {"N": "3"}},
    "ExclusiveStartKey": {"grp": {"S": "g0"}, "rank": {"N": "1"}, "pk": {"S": "p01"}, "sk": {"S": "00001"}}}');
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "red"}},
    "ExclusiveStartKey": {"color": {"S": "red"}, "pk": {"S": ""}, "sk": {"S": "00001"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_color",
    "ExclusiveStartKey": {"color": {"S": "red"}, "pk": {"S": "p01"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_color",
    "ExclusiveStartKey": {"color": {"B": "AA=="}, "pk": {"S": "p01"}, "sk": {"S": "00001"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_color",
    "ExclusiveStartKey": {"color": {"S": "red"}, "pk": {"S": "p01"}, "total": {"S": "00001"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_color", "Segment": 0, "TotalSegments": 2,
    "ExclusiveStartKey": {"color": {"S": "red"}, "pk": {"S": "p01"}, "sk": {"S": "00001"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_color", "Segment": 1, "TotalSegments": 2, "Limit": 1,
    "ExclusiveStartKey": {"color": {"S": "red"}, "pk": {"S": "p01"}, "sk": {"S": "00001"}}}') AS other_segment;

-- Privileges: reading an index needs SELECT on the item table; the index
-- table is read as its owner, so no grant on it is needed
CREATE ROLE regress_iq_reader;
CREATE ROLE regress_iq_nobody;
GRANT SELECT ON ddb_data.ixq TO regress_iq_reader;
SET ROLE regress_iq_reader;
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "blue"}}, "Select": "COUNT"}') AS reader;
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_total", "Select": "ALL_ATTRIBUTES", "Limit": 1,
    "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p01"}}}') -> 'Count' AS fetched;
-- (the index table itself stays closed to the role)
SELECT count(*) FROM ddb_data."ixq:by_color";
RESET ROLE;
-- Invalid input: without SELECT on the item table
SET ROLE regress_iq_nobody;
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "blue"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_group"}');
RESET ROLE;
-- Invalid input: row-level security that applies to the role: the index
-- would show copies of rows the policies hide
ALTER TABLE ddb_data.ixq ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_p01 ON ddb_data.ixq FOR SELECT TO regress_iq_reader USING (pk = 'p01');
SET ROLE regress_iq_reader;
SELECT ddb.query('{"TableName": "ixq", "KeyConditionExpression": "pk = :p",
    "ExpressionAttributeValues": {":p": {"S": "p01"}}, "Select": "COUNT"}') AS table_query;
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "blue"}}}');
SELECT ddb.scan('{"TableName": "ixq", "IndexName": "by_color"}');
RESET ROLE;
-- the owner, whom the policies do not apply to, still reads the index
SELECT ddb.query('{"TableName": "ixq", "IndexName": "by_color", "KeyConditionExpression": "color = :c",
    "ExpressionAttributeValues": {":c": {"S": "blue"}}, "Select": "COUNT"}') AS owner;
DROP POLICY only_p01 ON ddb_data.ixq;
ALTER TABLE ddb_data.ixq DISABLE ROW LEVEL SECURITY;
REVOKE SELECT ON ddb_data.ixq FROM regress_iq_reader;
DROP ROLE regress_iq_reader;
DROP ROLE regress_iq_nobody;

SELECT ddb.delete_table('{"TableName": "ixq"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "matches"}') IS NOT NULL AS deleted;
DROP FUNCTION iq_pages(text, jsonb);
DROP FUNCTION iq_key(jsonb);
DROP FUNCTION match_ids(jsonb);
DROP FUNCTION match_query(text, jsonb, jsonb);
