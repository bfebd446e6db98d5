-- query: Query with KeyConditionExpression and legacy KeyConditions, sort
-- key operators on S, N and B keys, filters, projections, Select, Limit,
-- paging forwards and backwards, the 1 MB page, consumed capacity, the
-- plain-JSON ddb.query helper, and every error with DynamoDB's text
\set VERBOSITY terse

SELECT ddb.create_table('q_s', partition_key => 'pk', sort_key => 'sk') IS NOT NULL AS created;
SELECT ddb.create_table('q_n', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.create_table('q_b', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'B') IS NOT NULL AS created;
SELECT ddb.create_table('q_h', partition_key => 'pk', partition_key_type => 'N') IS NOT NULL AS created;

-- S sort keys in UTF-8 byte order: 'A' < 'B' < 'a' < 'aa' < 'ab' < 'b' < 'ba' < 'c' < '¿x'
SELECT count(*) AS loaded FROM (
  SELECT ddb.put_item(jsonb_build_object('TableName', 'q_s', 'Item', jsonb_build_object(
      'pk', jsonb_build_object('S', 'p1'), 'sk', jsonb_build_object('S', sk),
      'n', jsonb_build_object('N', n::text), 'tag', jsonb_build_object('S', CASE WHEN n % 2 = 0 THEN 'even' ELSE 'odd' END),
      'nested', '{"M": {"x": {"N": "1"}}}'::jsonb)))
    FROM unnest(ARRAY['b', 'a', 'c', 'ab', 'aa', 'ba', 'A', 'B', '¿x']) WITH ORDINALITY AS s(sk, n)) AS loaded;
SELECT ddb.put('q_s', '{"pk": "p2", "sk": "a", "n": 100}');
SELECT ddb.put('q_s', '{"pk": "p0", "sk": "z", "n": 200}');
SELECT count(*) AS loaded FROM (
  SELECT ddb.put('q_n', jsonb_build_object('pk', 'p', 'sk', sk::numeric))
    FROM unnest(ARRAY['10', '-1.5', '0', '2', '100', '-5', '1e3', '1', '0.25']) AS sk) AS loaded;
SELECT count(*) AS loaded FROM (
  SELECT ddb.put_item(jsonb_build_object('TableName', 'q_b', 'Item', jsonb_build_object(
      'pk', '{"S": "p"}'::jsonb, 'sk', jsonb_build_object('B', encode(b, 'base64')))))
    FROM unnest(ARRAY['\x00'::bytea, '\x7f', '\x80', '\xff', '\xffff', '\xff00', '\x41', '\x4142', '\x42']) AS b) AS loaded;
SELECT ddb.put('q_h', '{"pk": 1, "v": "one"}'), ddb.put('q_h', '{"pk": 2, "v": "two"}');

-- The sort key values of a response's items, its counts and its LastEvaluatedKey
CREATE FUNCTION query_keys(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce('[' || (SELECT string_agg(coalesce(i -> 'sk' ->> 'S', i -> 'sk' ->> 'N',
                                                       i -> 'sk' ->> 'B', i -> 'pk' ->> 'N', '-'), ', ' ORDER BY n)
                              FROM jsonb_array_elements(r -> 'Items') WITH ORDINALITY AS e(i, n)) || ']', '[]')
        || ' Count ' || (r ->> 'Count') || ' ScannedCount ' || (r ->> 'ScannedCount')
        || coalesce(' LastEvaluatedKey ' || (r -> 'LastEvaluatedKey')::text, '')
$$;

-- A Query of table t with key condition kc and ExpressionAttributeValues v
-- (plain JSON), plus any other request members
CREATE FUNCTION qry(t text, kc text, v jsonb, extra jsonb DEFAULT '{}') RETURNS text LANGUAGE sql AS $$
    SELECT query_keys(ddb.query(jsonb_build_object('TableName', t, 'KeyConditionExpression', kc,
                                               'ExpressionAttributeValues', ddb.marshal(v)) || extra))
$$;

-- the whole partition, in sort key order, and only that partition
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}');
SELECT qry('q_s', 'pk = :p', '{":p": "p2"}');
SELECT qry('q_s', 'pk = :p', '{":p": "nobody"}');
-- every sort key operator on S
SELECT qry('q_s', 'pk = :p AND sk = :v', '{":p": "p1", ":v": "ab"}') AS eq,
       qry('q_s', 'pk = :p AND sk < :v', '{":p": "p1", ":v": "ab"}') AS lt,
       qry('q_s', 'pk = :p AND sk <= :v', '{":p": "p1", ":v": "ab"}') AS le;
SELECT qry('q_s', 'pk = :p AND sk > :v', '{":p": "p1", ":v": "ab"}') AS gt,
       qry('q_s', 'pk = :p AND sk >= :v', '{":p": "p1", ":v": "ab"}') AS ge;
SELECT qry('q_s', 'pk = :p AND sk BETWEEN :a AND :b', '{":p": "p1", ":a": "B", ":b": "b"}') AS between,
       qry('q_s', 'pk = :p AND begins_with(sk, :v)', '{":p": "p1", ":v": "a"}') AS begins_with,
       qry('q_s', 'pk = :p AND begins_with(sk, :v)', '{":p": "p1", ":v": "¿"}') AS begins_with_multibyte;
-- operands either way round (the operator flips), conditions in either order,
-- one pair of parentheses per term, keywords in any case, names through #n
SELECT qry('q_s', ':p = pk AND :v < sk', '{":p": "p1", ":v": "b"}') AS reversed,
       qry('q_s', 'sk <= :v AND pk = :p', '{":p": "p1", ":v": "a"}') AS sort_first,
       qry('q_s', '((pk = :p) AND (sk > :v))', '{":p": "p1", ":v": "ba"}') AS parenthesized;
SELECT qry('q_s', 'pk = :p aNd sk BeTwEeN :a aND :b', '{":p": "p1", ":a": "a", ":b": "ab"}') AS any_case,
       qry('q_s', '#k = :p AND #s = :v', '{":p": "p1", ":v": "c"}', '{"ExpressionAttributeNames": {"#k": "pk", "#s": "sk"}}') AS names;
-- N sort keys order numerically, B sort keys by unsigned bytes
SELECT qry('q_n', 'pk = :p', '{":p": "p"}') AS numbers;
SELECT qry('q_n', 'pk = :p AND sk BETWEEN :a AND :b', '{":p": "p", ":a": -1.5, ":b": 1E1}') AS between,
       qry('q_n', 'pk = :p AND sk > :v', '{":p": "p", ":v": 0.25}') AS gt,
       qry('q_n', 'pk = :p AND sk = :v', '{":p": "p", ":v": 1000.0}') AS eq_by_value;
SELECT qry('q_b', 'pk = :p', '{":p": "p"}') AS binaries;
SELECT query_keys(ddb.query('{"TableName": "q_b", "KeyConditionExpression": "pk = :p AND begins_with(sk, :v)",
  "ExpressionAttributeValues": {":p": {"S": "p"}, ":v": {"B": "/w=="}}}')) AS begins_with_ff,
       query_keys(ddb.query('{"TableName": "q_b", "KeyConditionExpression": "pk = :p AND begins_with(sk, :v)",
  "ExpressionAttributeValues": {":p": {"S": "p"}, ":v": {"B": "QQ=="}}}')) AS begins_with_41,
       query_keys(ddb.query('{"TableName": "q_b", "KeyConditionExpression": "pk = :p AND sk > :v",
  "ExpressionAttributeValues": {":p": {"S": "p"}, ":v": {"B": "fw=="}}}')) AS gt_7f;
-- a table without a sort key: the partition is one item
SELECT qry('q_h', 'pk = :p', '{":p": 2}') AS hash_only;

-- ScanIndexForward false: descending, for every operator
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ScanIndexForward": false}') AS descending;
SELECT qry('q_s', 'pk = :p AND sk < :v', '{":p": "p1", ":v": "b"}', '{"ScanIndexForward": false}') AS lt,
       qry('q_s', 'pk = :p AND sk >= :v', '{":p": "p1", ":v": "b"}', '{"ScanIndexForward": false}') AS ge,
       qry('q_s', 'pk = :p AND begins_with(sk, :v)', '{":p": "p1", ":v": "a"}', '{"ScanIndexForward": false}') AS begins_with;
SELECT query_keys(ddb.query('{"TableName": "q_b", "KeyConditionExpression": "pk = :p AND begins_with(sk, :v)",
  "ScanIndexForward": false, "ExpressionAttributeValues": {":p": {"S": "p"}, ":v": {"B": "/w=="}}}')) AS begins_with_ff_descending;

-- the whole response: items keep every attribute
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p AND sk = :v",
  "ExpressionAttributeValues": {":p": {"S": "p1"}, ":v": {"S": "a"}}, "ConsistentRead": true}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p",
  "ExpressionAttributeValues": {":p": {"S": "p9"}}, "ConsistentRead": false}');

-- FilterExpression: applied after the read (Count vs ScannedCount)
SELECT qry('q_s', 'pk = :p', '{":p": "p1", ":t": "even"}', '{"FilterExpression": "tag = :t"}') AS even,
       qry('q_s', 'pk = :p', '{":p": "p1", ":lo": 3, ":hi": 6}', '{"FilterExpression": "n BETWEEN :lo AND :hi OR attribute_not_exists(n)"}') AS filter_or,
       qry('q_s', 'pk = :p', '{":p": "p1", ":x": 1}', '{"FilterExpression": "nested.x = :x AND size(tag) = :x"}') AS none_pass;
-- ProjectionExpression and Select
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p AND sk <= :v",
  "ExpressionAttributeValues": {":p": {"S": "p1"}, ":v": {"S": "B"}}, "ProjectionExpression": "sk, nested.x, absent"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p AND sk <= :v", "Select": "SPECIFIC_ATTRIBUTES",
  "ExpressionAttributeValues": {":p": {"S": "p1"}, ":v": {"S": "B"}}, "ProjectionExpression": "#t",
  "ExpressionAttributeNames": {"#t": "tag"}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p AND sk <= :v", "Select": "ALL_ATTRIBUTES",
  "ExpressionAttributeValues": {":p": {"S": "p1"}, ":v": {"S": "A"}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "Select": "COUNT",
  "ExpressionAttributeValues": {":p": {"S": "p1"}, ":t": {"S": "odd"}}, "FilterExpression": "tag = :t"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "Select": "COUNT", "Limit": 4,
  "ExpressionAttributeValues": {":p": {"S": "p1"}}}');

-- Limit counts items read, before the filter; LastEvaluatedKey is the key
-- of the last item read whenever the read stopped at the Limit, even when
-- nothing follows, and paging resumes after it
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"Limit": 3}') AS limit_3,
       qry('q_s', 'pk = :p', '{":p": "p1", ":t": "even"}', '{"Limit": 3, "FilterExpression": "tag = :t"}') AS limit_3_filtered;
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"Limit": 9}') AS limit_is_partition_size,
       qry('q_s', 'pk = :p', '{":p": "p1"}', '{"Limit": 10}') AS limit_above_partition_size;
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"Limit": 3, "ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": "aa"}}}') AS next_page,
       qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": "¿x"}}}') AS after_last;
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"Limit": 3, "ScanIndexForward": false}') AS backwards,
       qry('q_s', 'pk = :p', '{":p": "p1"}', '{"Limit": 3, "ScanIndexForward": false, "ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": "b"}}}') AS backwards_next;
-- the start key need not be an item; with a range it must satisfy the range
SELECT qry('q_s', 'pk = :p AND sk BETWEEN :a AND :b', '{":p": "p1", ":a": "a", ":b": "c"}',
         '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": "ac"}}}') AS not_an_item,
       qry('q_s', 'pk = :p AND sk BETWEEN :a AND :b', '{":p": "p1", ":a": "a", ":b": "c"}',
         '{"ScanIndexForward": false, "ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": "ac"}}}') AS not_an_item_backwards;
SELECT qry('q_n', 'pk = :p AND sk < :v', '{":p": "p"}'::jsonb || '{":v": 100}', '{"ExclusiveStartKey": {"pk": {"S": "p"}, "sk": {"N": "1"}}}') AS numbers_after_1;
-- a table without a sort key: Limit stops the page at its one item, but
-- the Query cannot be resumed (validation_tables tests the error)
SELECT qry('q_h', 'pk = :p', '{":p": 1}', '{"Limit": 1}') AS hash_limit;

-- Legacy KeyConditions, QueryFilter with ConditionalOperator, AttributesToGet
SELECT query_keys(ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}}}')) AS eq,
       query_keys(ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]},
         "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "b"}]}}}')) AS begins_with;
SELECT query_keys(ddb.query('{"TableName": "q_s", "KeyConditions": {"sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "a"}, {"S": "b"}]},
         "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}}, "ScanIndexForward": false}')) AS between_descending,
       query_keys(ddb.query('{"TableName": "q_n", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
         "sk": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "0"}]}}}')) AS lt;
SELECT query_keys(ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "QueryFilter": {"n": {"ComparisonOperator": "LE", "AttributeValueList": [{"N": "2"}]}, "tag": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "odd"}]}}}')) AS filter_and,
       query_keys(ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "QueryFilter": {"n": {"ComparisonOperator": "LE", "AttributeValueList": [{"N": "2"}]}, "tag": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "odd"}]}},
  "ConditionalOperator": "OR"}')) AS filter_or;
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p2"}]}},
  "AttributesToGet": ["n", "sk"], "Select": "SPECIFIC_ATTRIBUTES"}');
-- KeyConditions may go with expressions for the filter and projection
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "FilterExpression": "n > :n", "ExpressionAttributeValues": {":n": {"N": "7"}}, "ProjectionExpression": "sk"}');

-- ConsumedCapacity: item sizes read (before the filter) rounded up to 4 KB
-- once, at least 1 unit, half for eventually consistent reads
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "Select": "COUNT",
  "ExpressionAttributeValues": {":p": {"S": "p1"}}, "ReturnConsumedCapacity": "TOTAL"}') -> 'ConsumedCapacity' AS eventual;
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "Select": "COUNT", "ConsistentRead": true,
  "ExpressionAttributeValues": {":p": {"S": "p1"}}, "ReturnConsumedCapacity": "INDEXES"}') -> 'ConsumedCapacity' AS consistent_indexes;
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ReturnConsumedCapacity": "NONE",
  "ExpressionAttributeValues": {":p": {"S": "nobody"}}}') AS none;

-- The 1 MB page: items of 100 KB; a page stops once the items read reach
-- 1 MB (the 11th), with a LastEvaluatedKey; the pages together hold every item
SELECT ddb.create_table('qbig', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT count(*) AS loaded FROM (
  SELECT ddb.put_item(jsonb_build_object('TableName', 'qbig', 'Item', jsonb_build_object(
      'pk', '{"S": "p"}'::jsonb, 'sk', jsonb_build_object('N', i::text),
      'data', jsonb_build_object('S', repeat(chr(65 + i % 26), 100000)))))
    FROM generate_series(1, 25) AS i) AS loaded;
SELECT r -> 'Count' AS count, r -> 'ScannedCount' AS scanned, r -> 'LastEvaluatedKey' AS last_key,
       r -> 'ConsumedCapacity' AS capacity
  FROM ddb.query('{"TableName": "qbig", "KeyConditionExpression": "pk = :p", "ReturnConsumedCapacity": "TOTAL",
    "ExpressionAttributeValues": {":p": {"S": "p"}}}') AS r;
SELECT r -> 'Count' AS count, r -> 'LastEvaluatedKey' AS last_key
  FROM ddb.query('{"TableName": "qbig", "KeyConditionExpression": "pk = :p", "ProjectionExpression": "sk",
    "ExpressionAttributeValues": {":p": {"S": "p"}}, "ExclusiveStartKey": {"pk": {"S": "p"}, "sk": {"N": "11"}}}') AS r;
SELECT r -> 'Count' AS count, r -> 'LastEvaluatedKey' AS last_key
  FROM ddb.query('{"TableName": "qbig", "KeyConditionExpression": "pk = :p", "Select": "COUNT",
    "ExpressionAttributeValues": {":p": {"S": "p"}}, "ExclusiveStartKey": {"pk": {"S": "p"}, "sk": {"N": "22"}}}') AS r;
SELECT r -> 'Count' AS count, r -> 'LastEvaluatedKey' AS last_key
  FROM ddb.query('{"TableName": "qbig", "KeyConditionExpression": "pk = :p", "ScanIndexForward": false, "Select": "COUNT",
    "ExpressionAttributeValues": {":p": {"S": "p"}}}') AS r;

-- Paging through a 10,000-item partition, forwards and backwards, with Limit
-- and with a filter: every item exactly once, in order, as SQL sees them
SELECT ddb.create_table('qpage', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT count(*) AS loaded FROM (
  SELECT ddb.put_item(jsonb_build_object('TableName', 'qpage', 'Item', jsonb_build_object(
      'pk', jsonb_build_object('S', p), 'sk', jsonb_build_object('N', i::text),
      'm', jsonb_build_object('N', (i % 7)::text))))
    FROM generate_series(1, 10000) AS i, unnest(ARRAY['big', 'other']) AS p
   WHERE p = 'big' OR i <= 50) AS loaded;

-- every page of a request, numbered, with the item's position in the result
CREATE FUNCTION query_pages(op text, request jsonb)
RETURNS TABLE(page int, pos bigint, item jsonb) LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    n int := 0;
    seen bigint := 0;
BEGIN
    LOOP
        r := ddb.call(op, request);
        n := n + 1;
        RETURN QUERY SELECT n, seen + e.i, e.item
                       FROM jsonb_array_elements(r -> 'Items') WITH ORDINALITY AS e(item, i);
        seen := seen + jsonb_array_length(r -> 'Items');
        EXIT WHEN r -> 'LastEvaluatedKey' IS NULL;
        request := request || jsonb_build_object('ExclusiveStartKey', r -> 'LastEvaluatedKey');
    END LOOP;
END $$;

-- the items of all pages compared with the SQL result in the same order
CREATE FUNCTION query_check(request jsonb, sql_filter text, descending boolean)
RETURNS TABLE(pages int, items bigint, distinct_items bigint, sql_items bigint, same_items_same_order boolean)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        WITH got AS (SELECT * FROM query_pages('Query', %L)),
             want AS (SELECT row_number() OVER (ORDER BY sk %s) AS pos, sk FROM ddb_data.qpage
                       WHERE pk = 'big' AND %s)
        SELECT (SELECT max(page) FROM got), (SELECT count(*) FROM got),
               (SELECT count(DISTINCT item -> 'sk') FROM got), (SELECT count(*) FROM want),
               NOT EXISTS (SELECT FROM got FULL JOIN want USING (pos)
                            WHERE (got.item -> 'sk' ->> 'N')::numeric IS DISTINCT FROM want.sk)$q$,
        request, CASE WHEN descending THEN 'DESC' ELSE 'ASC' END, sql_filter);
END $$;

SELECT * FROM query_check('{"TableName": "qpage", "KeyConditionExpression": "pk = :p", "Limit": 333,
  "ExpressionAttributeValues": {":p": {"S": "big"}}}', 'true', false);
SELECT * FROM query_check('{"TableName": "qpage", "KeyConditionExpression": "pk = :p", "Limit": 333, "ScanIndexForward": false,
  "ExpressionAttributeValues": {":p": {"S": "big"}}}', 'true', true);
SELECT * FROM query_check('{"TableName": "qpage", "KeyConditionExpression": "pk = :p", "Limit": 500,
  "FilterExpression": "m = :m", "ExpressionAttributeValues": {":p": {"S": "big"}, ":m": {"N": "3"}}}',
  '(item -> ''m'' ->> ''N'') = ''3''', false);
SELECT * FROM query_check('{"TableName": "qpage", "KeyConditionExpression": "pk = :p", "Limit": 500, "ScanIndexForward": false,
  "FilterExpression": "m = :m", "ExpressionAttributeValues": {":p": {"S": "big"}, ":m": {"N": "3"}}}',
  '(item -> ''m'' ->> ''N'') = ''3''', true);
SELECT * FROM query_check('{"TableName": "qpage", "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b", "Limit": 97,
  "ScanIndexForward": false, "ExpressionAttributeValues": {":p": {"S": "big"}, ":a": {"N": "1234"}, ":b": {"N": "8765"}}}',
  'sk BETWEEN 1234 AND 8765', true);
-- without a Limit the 1 MB page holds the whole partition
SELECT * FROM query_check('{"TableName": "qpage", "KeyConditionExpression": "pk = :p",
  "ExpressionAttributeValues": {":p": {"S": "big"}}}', 'true', false);

-- The plain-JSON helper follows the pages itself
SELECT * FROM ddb.query('q_s', 'pk = :p AND begins_with(sk, :b)', '{":p": "p1", ":b": "a"}');
SELECT * FROM ddb.query('q_s', 'pk = :p', '{":p": "p1", ":t": "even"}', filter => 'tag = :t', scan_forward => false);
SELECT * FROM ddb.query('q_s', '#p = :p', '{":p": "p2"}', '{"#p": "pk"}');
SELECT count(*), count(DISTINCT x -> 'sk') FROM ddb.query('qpage', 'pk = :p', '{":p": "big"}') AS x;

-- Invalid input: parameter constraints (collected)
SELECT ddb.query('{"TableName": "q;", "IndexName": "i", "Select": "ALL", "Limit": 0, "ReturnConsumedCapacity": "SOME",
  "ConditionalOperator": "XOR", "KeyConditionExpression": "pk = :p"}');
SELECT ddb.query('{"KeyConditionExpression": "pk = :p"}');
-- Invalid input: wrong JSON types
SELECT ddb.query('{"TableName": "q_s", "Limit": "3", "KeyConditionExpression": "pk = :p"}');
SELECT ddb.query('{"TableName": "q_s", "ScanIndexForward": "no", "KeyConditionExpression": "pk = :p"}');
SELECT ddb.query('{"TableName": "q_s", "ExclusiveStartKey": [], "KeyConditionExpression": "pk = :p"}');
-- Invalid input: unknown parameters (Scan's Segment is not Query's)
SELECT ddb.query('{"TableName": "q_s", "Segment": 0, "KeyConditionExpression": "pk = :p"}');
-- Invalid input: no key condition at all
SELECT ddb.query('{"TableName": "q_s"}');
SELECT ddb.query('{"TableName": "q_s", "FilterExpression": "n = :n", "ExpressionAttributeValues": {":n": {"N": "1"}}}');
-- Invalid input: Select combinations
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}},
  "Select": "SPECIFIC_ATTRIBUTES"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}},
  "Select": "ALL_ATTRIBUTES", "ProjectionExpression": "sk"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}},
  "Select": "COUNT", "ProjectionExpression": "sk"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "Select": "COUNT", "AttributesToGet": ["sk"]}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}},
  "Select": "ALL_PROJECTED_ATTRIBUTES", "ProjectionExpression": "sk"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}},
  "Select": "ALL_PROJECTED_ATTRIBUTES"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}},
  "Select": "count"}');
-- Invalid input: secondary indexes do not exist yet
SELECT ddb.query('{"TableName": "q_s", "IndexName": "by_n", "KeyConditionExpression": "n = :n", "ExpressionAttributeValues": {":n": {"N": "1"}}}');
-- Invalid input: the table does not exist
SELECT ddb.query('{"TableName": "nosuchtable", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}}}');

-- Invalid input: operators a key condition cannot use
SELECT qry('q_s', 'pk = :p OR sk = :v', '{":p": "p1", ":v": "a"}');
SELECT qry('q_s', 'pk = :p AND NOT sk = :v', '{":p": "p1", ":v": "a"}');
SELECT qry('q_s', 'pk = :p AND sk <> :v', '{":p": "p1", ":v": "a"}');
SELECT qry('q_s', 'pk = :p AND sk IN (:v)', '{":p": "p1", ":v": "a"}');
SELECT qry('q_s', 'pk = :p AND attribute_exists(sk)', '{":p": "p1"}');
SELECT qry('q_s', 'pk = :p AND attribute_not_exists(sk)', '{":p": "p1"}');
SELECT qry('q_s', 'pk = :p AND attribute_type(sk, :v)', '{":p": "p1", ":v": "S"}');
SELECT qry('q_s', 'pk = :p AND contains(sk, :v)', '{":p": "p1", ":v": "a"}');
SELECT qry('q_s', 'pk = :p AND size(sk) > :v', '{":p": "p1", ":v": 1}');
SELECT qry('q_s', 'pk = :p AND sk BETWEEN size(n) AND :v', '{":p": "p1", ":v": 1}');
SELECT qry('q_s', 'pk = :p AND dog(sk, :v)', '{":p": "p1", ":v": "a"}');
SELECT qry('q_s', 'pk = :p AND BEGINS_WITH(sk, :v)', '{":p": "p1", ":v": "a"}');
-- Invalid input: conditions of the wrong shape
SELECT qry('q_s', 'pk = :p AND :a BETWEEN sk AND :b', '{":p": "p1", ":a": "a", ":b": "b"}');
SELECT qry('q_s', 'pk = :p AND begins_with(:v, sk)', '{":p": "p1", ":v": "a"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = sk"}');
SELECT qry('q_s', 'pk = :p AND :a = :b', '{":p": "p1", ":a": "a", ":b": "b"}');
SELECT qry('q_s', 'pk = :p AND sk.x = :v', '{":p": "p1", ":v": "a"}');
SELECT qry('q_s', 'pk = :p AND sk[0] = :v', '{":p": "p1", ":v": "a"}');
SELECT qry('q_s', 'pk = :p AND pk = :p', '{":p": "p1"}');
SELECT qry('q_s', 'pk = :p AND sk > :a AND sk < :b', '{":p": "p1", ":a": "a", ":b": "b"}');
SELECT qry('q_s', 'pk = :p AND sk > :a AND n = :b', '{":p": "p1", ":a": "a", ":b": 1}');
SELECT qry('q_s', '((pk = :p))', '{":p": "p1"}');
SELECT qry('q_s', '', '{":p": "p1"}');
SELECT qry('q_s', 'pk = :p AND sk BETWEEN :b AND :a', '{":p": "p1", ":a": "a", ":b": "b"}');
SELECT qry('q_s', 'pk = :p AND sk BETWEEN :a AND :b', '{":p": "p1", ":a": "a", ":b": 1}');
SELECT qry('q_n', 'pk = :p AND begins_with(sk, :v)', '{":p": "p", ":v": 1}');
-- Invalid input: conditions that do not fit the key schema
SELECT qry('q_s', 'sk = :v', '{":v": "a"}');
SELECT qry('q_s', 'n = :v', '{":v": 1}');
SELECT qry('q_s', 'pk = :p AND n = :v', '{":p": "p1", ":v": 1}');
SELECT qry('q_s', 'pk > :p', '{":p": "p1"}');
SELECT qry('q_s', 'begins_with(pk, :p)', '{":p": "p1"}');
SELECT qry('q_s', 'pk BETWEEN :a AND :b AND sk = :v', '{":a": "a", ":b": "b", ":v": "a"}');
SELECT qry('q_h', 'pk = :p AND v = :v', '{":p": 1, ":v": "one"}');
SELECT qry('q_h', 'pk < :p', '{":p": 1}');
SELECT qry('q_s', 'pk = :p', '{":p": 1}');
SELECT qry('q_s', 'pk = :p AND sk > :v', '{":p": "p1", ":v": 1}');
SELECT qry('q_s', ':v < sk AND pk = :p', '{":p": "p1", ":v": true}');
SELECT qry('q_n', 'pk = :p AND begins_with(sk, :v)', '{":p": "p", ":v": "1"}');
SELECT qry('q_s', 'pk = :p', '{":p": ""}');
SELECT qry('q_s', 'pk = :p AND begins_with(sk, :v)', '{":p": "p1", ":v": ""}');
SELECT qry('q_s', 'pk = :p', jsonb_build_object(':p', repeat('x', 2049)));
SELECT qry('q_s', 'pk = :p AND sk = :v', jsonb_build_object(':p', 'p1', ':v', repeat('x', 1025)));
-- Invalid input: legacy KeyConditions
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]},
  "sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}, "n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "eq", "AttributeValueList": [{"S": "p1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"AttributeValueList": [{"S": "p1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}, {"S": "p2"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ"}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "p1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]},
  "sk": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "a"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]},
  "sk": {"ComparisonOperator": "NOT_NULL"}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "p1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]},
  "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "b"}, {"S": "a"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]},
  "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "a"}, {"N": "1"}]}}}');
SELECT ddb.query('{"TableName": "q_n", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
  "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]},
  "sk": {"ComparisonOperator": "LT", "AttributeValueList": [{"SS": ["a"]}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}], "Value": {"S": "p1"}}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}},
  "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}}}');
-- Invalid input: legacy QueryFilter and ConditionalOperator
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "QueryFilter": {"n": {"ComparisonOperator": "GT"}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "QueryFilter": {"n": {"AttributeValueList": [{"N": "1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "QueryFilter": {"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"S": "1"}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "QueryFilter": {"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"L": []}]}}}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "ConditionalOperator": "OR"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}},
  "QueryFilter": {"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}}, "AttributesToGet": ["n"], "ConditionalOperator": "AND"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "ExpressionAttributeValues": {":p": {"S": "p1"}}}');
-- Invalid input: key attributes in the filter, paths into key attributes in the projection
SELECT qry('q_s', 'pk = :p', '{":p": "p1", ":v": "a"}', '{"FilterExpression": "sk = :v"}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1", ":v": "a"}', '{"FilterExpression": "n = :v OR begins_with(pk, :v)"}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1", ":v": 1}', '{"FilterExpression": "size(sk) > :v AND size(pk) > :v"}');
SELECT ddb.query('{"TableName": "q_s", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p1"}]}},
  "QueryFilter": {"sk": {"ComparisonOperator": "NOT_NULL"}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ProjectionExpression": "n, sk.x"}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ProjectionExpression": "n, n"}');
-- Invalid input: ExclusiveStartKey values
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"S": "a", "N": "1"}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"NULL": false}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"SS": []}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"NS": []}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"N": "x"}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"SS": ["a", "a"]}}}');
-- Invalid input: ExclusiveStartKey of the wrong shape or type
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "n": {"S": "a"}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": "a"}, "n": {"N": "1"}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"N": "1"}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"N": "1"}, "sk": {"S": "a"}}}');
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": ""}}}');
SELECT qry('q_s', 'n = :p', '{":p": 1}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"N": "1"}}}');
-- Invalid input: ExclusiveStartKey outside the query
SELECT qry('q_s', 'pk = :p', '{":p": "p1"}', '{"ExclusiveStartKey": {"pk": {"S": "p2"}, "sk": {"S": "a"}}}');
SELECT qry('q_s', 'pk = :p AND sk >= :v', '{":p": "p1", ":v": "b"}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": "a"}}}');
SELECT qry('q_s', 'pk = :p AND begins_with(sk, :v)', '{":p": "p1", ":v": "b"}', '{"ExclusiveStartKey": {"pk": {"S": "p1"}, "sk": {"S": "c"}}}');
SELECT qry('q_s', 'pk = :p AND sk < :v', '{":p": "p1", ":v": "b"}', '{"ExclusiveStartKey": {"pk": {"S": "p2"}, "sk": {"S": "a"}}}');
-- (a table without a sort key rejects any start key, in or out of the partition)
SELECT qry('q_h', 'pk = :p', '{":p": 1}', '{"ExclusiveStartKey": {"pk": {"N": "2"}}}');
