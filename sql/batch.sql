-- batch: BatchWriteItem and BatchGetItem
\set VERBOSITY terse

SELECT ddb.create_table('bt_users', partition_key => 'user_id') IS NOT NULL AS created;
SELECT ddb.create_table('bt_orders', partition_key => 'customer_id', sort_key => 'order_date') IS NOT NULL AS created;
SELECT ddb.create_table('bt_nums', partition_key => 'n', partition_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.create_table('bt_big', partition_key => 'k', partition_key_type => 'N') IS NOT NULL AS created;

-- the first 200 characters of an operation's error, for errors that quote
-- a long request
CREATE FUNCTION batch_error(operation text, request jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.call(operation, request);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN left(SQLERRM, 200);
END $$;

---------------------------------------------------------------------------
-- BatchWriteItem
---------------------------------------------------------------------------

-- puts over two tables; nothing is unprocessed
SELECT ddb.batch_write_item('{"RequestItems": {
  "bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "u1"}, "name": {"S": "Alice"}}}},
               {"PutRequest": {"Item": {"user_id": {"S": "u2"}, "name": {"S": "Bob"}}}},
               {"PutRequest": {"Item": {"user_id": {"S": "u3"}, "name": {"S": "Carol"}}}}],
  "bt_orders": [{"PutRequest": {"Item": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-01"}, "total": {"N": "01.50"}}}}]}}');
SELECT user_id, item FROM ddb_data.bt_users ORDER BY 1;
SELECT customer_id, order_date, item FROM ddb_data.bt_orders ORDER BY 1, 2;

-- puts and deletes together; a put replaces the whole item, a delete of a
-- missing item is not an error
SELECT ddb.batch_write_item('{"RequestItems": {
  "bt_users": [{"DeleteRequest": {"Key": {"user_id": {"S": "u2"}}}},
               {"PutRequest": {"Item": {"user_id": {"S": "u3"}, "age": {"N": "30"}}}},
               {"DeleteRequest": {"Key": {"user_id": {"S": "nobody"}}}}]}}');
SELECT user_id, item FROM ddb_data.bt_users ORDER BY 1;

-- ReturnConsumedCapacity: one entry per table, 1 unit per KB of the larger
-- of the old and new item, 1 for a delete of a missing item
SELECT ddb.batch_write_item(jsonb_build_object('RequestItems', jsonb_build_object(
  'bt_users', jsonb_build_array(
    jsonb_build_object('PutRequest', jsonb_build_object('Item', jsonb_build_object(
      'user_id', '{"S": "u4"}'::jsonb, 'bio', jsonb_build_object('S', repeat('x', 1500))))),
    '{"DeleteRequest": {"Key": {"user_id": {"S": "gone"}}}}'::jsonb),
  'bt_nums', jsonb_build_array('{"PutRequest": {"Item": {"n": {"N": "7"}}}}'::jsonb)),
  'ReturnConsumedCapacity', 'TOTAL'));
-- replacing the 1.5 KB item with a small one still costs 2; INDEXES adds Table
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "u4"}}}}]},
  "ReturnConsumedCapacity": "INDEXES"}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"DeleteRequest": {"Key": {"user_id": {"S": "u4"}}}}]},
  "ReturnConsumedCapacity": "NONE", "ReturnItemCollectionMetrics": "SIZE"}');

-- number keys are compared by value: 1E3 is the item 1000
SELECT ddb.batch_write_item('{"RequestItems": {"bt_nums": [{"PutRequest": {"Item": {"n": {"N": "1E3"}, "v": {"S": "a"}}}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_nums": [{"PutRequest": {"Item": {"n": {"N": "1000.0"}, "v": {"S": "b"}}}}]}}');
SELECT n, item FROM ddb_data.bt_nums ORDER BY 1;

-- a table ARN works as a RequestItems key
SELECT ddb.batch_write_item('{"RequestItems": {"arn:aws:dynamodb:us-east-1:000000000000:table/bt_nums":
  [{"DeleteRequest": {"Key": {"n": {"N": "7"}}}}]}}');
SELECT n FROM ddb_data.bt_nums ORDER BY 1;

-- 25 requests is the limit
SELECT ddb.batch_write_item(jsonb_build_object('RequestItems', jsonb_build_object('bt_nums',
  (SELECT jsonb_agg(jsonb_build_object('PutRequest', jsonb_build_object('Item',
            jsonb_build_object('n', jsonb_build_object('N', i::text))))) FROM generate_series(1, 25) i))));
SELECT count(*) FROM ddb_data.bt_nums;
-- spread over two tables
SELECT ddb.batch_write_item(jsonb_build_object('RequestItems', jsonb_build_object(
  'bt_nums', (SELECT jsonb_agg(jsonb_build_object('DeleteRequest', jsonb_build_object('Key',
            jsonb_build_object('n', jsonb_build_object('N', i::text))))) FROM generate_series(1, 20) i),
  'bt_users', (SELECT jsonb_agg(jsonb_build_object('PutRequest', jsonb_build_object('Item',
            jsonb_build_object('user_id', jsonb_build_object('S', 'many' || i))))) FROM generate_series(1, 5) i))));
SELECT count(*) FROM ddb_data.bt_nums;
SELECT count(*) FROM ddb_data.bt_users WHERE user_id LIKE 'many%';

-- the batch runs in the caller's transaction
BEGIN;
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "tx"}}}}]}}');
SELECT count(*) FROM ddb_data.bt_users WHERE user_id = 'tx';
ROLLBACK;
SELECT count(*) FROM ddb_data.bt_users WHERE user_id = 'tx';

-- Invalid input: RequestItems is required
SELECT ddb.batch_write_item('{}');
-- Invalid input: constraint errors are reported together
SELECT ddb.batch_write_item('{"ReturnConsumedCapacity": "hi", "ReturnItemCollectionMetrics": "hi"}');
-- Invalid input: RequestItems must not be empty
SELECT ddb.batch_write_item('{"RequestItems": {}}');
-- Invalid input: a short table name and an empty list of requests
SELECT ddb.batch_write_item('{"RequestItems": {"a": []}}');
-- Invalid input: a bad table name
SELECT ddb.batch_write_item('{"RequestItems": {"aa;": [{"PutRequest": {"Item": {"a": {"S": "a"}}}}]}}');
-- Invalid input: PutRequest without Item, DeleteRequest without Key
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {}}, {"DeleteRequest": {}}]}}');
-- Invalid input: a write request must be exactly one of PutRequest and DeleteRequest
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "x"}}},
  "DeleteRequest": {"Key": {"user_id": {"S": "y"}}}}]}}');
-- Invalid input: more than 25 requests for one table
SELECT batch_error('BatchWriteItem', jsonb_build_object('RequestItems', jsonb_build_object('bt_nums',
  (SELECT jsonb_agg(jsonb_build_object('PutRequest', jsonb_build_object('Item',
            jsonb_build_object('n', jsonb_build_object('N', i::text))))) FROM generate_series(1, 26) i))));
-- Invalid input: more than 25 requests over two tables
SELECT ddb.batch_write_item(jsonb_build_object('RequestItems', jsonb_build_object(
  'bt_nums', (SELECT jsonb_agg(jsonb_build_object('PutRequest', jsonb_build_object('Item',
            jsonb_build_object('n', jsonb_build_object('N', i::text))))) FROM generate_series(1, 20) i),
  'bt_users', (SELECT jsonb_agg(jsonb_build_object('PutRequest', jsonb_build_object('Item',
            jsonb_build_object('user_id', jsonb_build_object('S', 'u' || i))))) FROM generate_series(1, 6) i))));
-- Invalid input: members DynamoDB does not define, and conditions, are rejected
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "x"}}}}]}, "Foo": 1}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "x"}},
  "ConditionExpression": "attribute_not_exists(user_id)"}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"UpdateRequest": {"Key": {"user_id": {"S": "x"}}}}]}}');
-- Invalid input: members of the wrong JSON type
SELECT ddb.batch_write_item('{"RequestItems": []}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": {"PutRequest": {}}}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": ["PutRequest"]}}');
-- Invalid input: each item is validated as PutItem validates it
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "x"}, "n": {"N": "b"}}}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "x"}, "s": {"SS": ["a", "a"]}}}}]}}');
SELECT ddb.batch_write_item(jsonb_build_object('RequestItems', jsonb_build_object('bt_users', jsonb_build_array(
  jsonb_build_object('PutRequest', jsonb_build_object('Item', jsonb_build_object(
    'user_id', '{"S": "big"}'::jsonb, 'b', jsonb_build_object('S', repeat('x', 409600)))))))));
-- Invalid input: a table that does not exist
SELECT ddb.batch_write_item('{"RequestItems": {"no_such_table": [{"PutRequest": {"Item": {"a": {"S": "a"}}}}]}}');
-- Invalid input: keys that do not match the schema
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"name": {"S": "x"}}}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"N": "1"}}}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_orders": [{"PutRequest": {"Item": {"customer_id": {"S": "c1"}}}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"DeleteRequest": {"Key": {"user_id": {"S": "u1"}, "name": {"S": "Alice"}}}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"DeleteRequest": {"Key": {}}}]}}');
-- Invalid input: empty and oversized key values
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": ""}}}}]}}');
SELECT ddb.batch_write_item(jsonb_build_object('RequestItems', jsonb_build_object('bt_users', jsonb_build_array(
  jsonb_build_object('DeleteRequest', jsonb_build_object('Key', jsonb_build_object(
    'user_id', jsonb_build_object('S', repeat('k', 2049)))))))));
-- Invalid input: two requests for one item, also when their number keys are
-- written differently
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "u1"}}}},
  {"DeleteRequest": {"Key": {"user_id": {"S": "u1"}}}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_nums": [{"PutRequest": {"Item": {"n": {"N": "1000"}}}},
  {"PutRequest": {"Item": {"n": {"N": "1e3"}}}}]}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_orders": [
  {"PutRequest": {"Item": {"customer_id": {"S": "c1"}, "order_date": {"S": "d"}}}},
  {"DeleteRequest": {"Key": {"order_date": {"S": "d"}, "customer_id": {"S": "c1"}}}}]}}');
-- the same key in two tables is two items
SELECT ddb.batch_write_item('{"RequestItems": {"bt_nums": [{"PutRequest": {"Item": {"n": {"N": "5"}}}}],
  "bt_big": [{"PutRequest": {"Item": {"k": {"N": "5"}}}}]}}');
-- Invalid input: one bad request rejects the whole batch: nothing is written
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"PutRequest": {"Item": {"user_id": {"S": "ok"}}}},
  {"PutRequest": {"Item": {"user_id": {"B": "AAEC"}}}}]}}');
SELECT count(*) FROM ddb_data.bt_users WHERE user_id = 'ok';

---------------------------------------------------------------------------
-- BatchGetItem
---------------------------------------------------------------------------

-- items of two tables; missing items are left out; UnprocessedKeys is {}
SELECT ddb.batch_get_item('{"RequestItems": {
  "bt_users": {"Keys": [{"user_id": {"S": "u1"}}, {"user_id": {"S": "nobody"}}, {"user_id": {"S": "u3"}}]},
  "bt_orders": {"Keys": [{"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-01"}}]}}}');
-- a table whose keys are all missing appears as []
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "nobody"}}]},
  "bt_orders": {"Keys": [{"order_date": {"S": "x"}, "customer_id": {"S": "x"}}]}}}');
-- ProjectionExpression and ExpressionAttributeNames per table; an item
-- without the projected attributes is {}
SELECT ddb.batch_get_item('{"RequestItems": {
  "bt_users": {"Keys": [{"user_id": {"S": "u1"}}, {"user_id": {"S": "u3"}}], "ProjectionExpression": "#n, user_id",
               "ExpressionAttributeNames": {"#n": "name"}},
  "bt_orders": {"Keys": [{"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-01"}}], "ProjectionExpression": "#t",
                "ExpressionAttributeNames": {"#t": "total"}}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}, {"user_id": {"S": "u3"}}],
  "ProjectionExpression": "absent_attribute"}}}');
-- legacy AttributesToGet
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}], "AttributesToGet": ["name"]}}}');
-- number keys by value, a table ARN as key
SELECT ddb.batch_get_item('{"RequestItems": {"arn:aws:dynamodb:us-east-1:000000000000:table/bt_nums":
  {"Keys": [{"n": {"N": "1.0E3"}}]}}}');
-- ReturnConsumedCapacity: per key 1 unit per 4 KB (a missing item costs the
-- minimum), halved unless ConsistentRead
SELECT ddb.put('bt_users', jsonb_build_object('user_id', 'fat', 'bio', repeat('x', 5000)));
SELECT ddb.batch_get_item('{"RequestItems": {
  "bt_users": {"Keys": [{"user_id": {"S": "u1"}}, {"user_id": {"S": "fat"}}, {"user_id": {"S": "nobody"}}],
               "ProjectionExpression": "user_id"},
  "bt_nums": {"Keys": [{"n": {"N": "1"}}], "ConsistentRead": false}}, "ReturnConsumedCapacity": "TOTAL"}') - 'Responses';
SELECT ddb.batch_get_item('{"RequestItems": {
  "bt_users": {"Keys": [{"user_id": {"S": "u1"}}, {"user_id": {"S": "fat"}}, {"user_id": {"S": "nobody"}}],
               "ProjectionExpression": "user_id", "ConsistentRead": true},
  "bt_nums": {"Keys": [{"n": {"N": "1"}}], "ConsistentRead": true}}, "ReturnConsumedCapacity": "INDEXES"}') - 'Responses';
SELECT ddb.batch_get_item('{"RequestItems": {"bt_nums": {"Keys": [{"n": {"N": "1"}}]}}, "ReturnConsumedCapacity": "NONE"}');
-- 100 keys is the limit, over one or more tables
SELECT jsonb_array_length(ddb.batch_get_item(jsonb_build_object('RequestItems', jsonb_build_object('bt_nums',
  jsonb_build_object('Keys', (SELECT jsonb_agg(jsonb_build_object('n', jsonb_build_object('N', i::text)))
                              FROM generate_series(1, 100) i))))) #> '{Responses,bt_nums}') AS found;
SELECT jsonb_array_length(r #> '{Responses,bt_nums}') AS nums, jsonb_array_length(r #> '{Responses,bt_users}') AS users
FROM ddb.batch_get_item(jsonb_build_object('RequestItems', jsonb_build_object(
  'bt_nums', jsonb_build_object('Keys', (SELECT jsonb_agg(jsonb_build_object('n', jsonb_build_object('N', i::text)))
                                         FROM generate_series(1, 60) i)),
  'bt_users', jsonb_build_object('Keys', (SELECT jsonb_agg(jsonb_build_object('user_id', jsonb_build_object('S', 'many' || i)))
                                          FROM generate_series(1, 40) i))))) r;

-- Invalid input: RequestItems is required and must not be empty
SELECT ddb.batch_get_item('{}');
SELECT ddb.batch_get_item('{"RequestItems": {}, "ReturnConsumedCapacity": "hi"}');
-- Invalid input: Keys is required, and must not be empty
SELECT ddb.batch_get_item('{"RequestItems": {"a": {}}, "ReturnConsumedCapacity": "hi"}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": []}}}');
-- Invalid input: more than 100 keys for one table
SELECT batch_error('BatchGetItem', jsonb_build_object('RequestItems', jsonb_build_object('bt_nums',
  jsonb_build_object('Keys', (SELECT jsonb_agg(jsonb_build_object('n', jsonb_build_object('N', i::text)))
                              FROM generate_series(1, 101) i)))));
-- Invalid input: more than 100 keys over two tables
SELECT ddb.batch_get_item(jsonb_build_object('RequestItems', jsonb_build_object(
  'bt_nums', jsonb_build_object('Keys', (SELECT jsonb_agg(jsonb_build_object('n', jsonb_build_object('N', i::text)))
                                         FROM generate_series(1, 100) i)),
  'bt_users', jsonb_build_object('Keys', jsonb_build_array('{"user_id": {"S": "u1"}}'::jsonb)))));
-- Invalid input: more than 100 tables
SELECT batch_error('BatchGetItem', jsonb_build_object('RequestItems',
  (SELECT jsonb_object_agg('table' || i, '{"Keys": [{"k": {"S": "x"}}]}'::jsonb) FROM generate_series(1, 101) i)));
-- Invalid input: duplicate keys, also when numbers are written differently
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}, {"user_id": {"S": "u3"}}, {"user_id": {"S": "u1"}}]}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_nums": {"Keys": [{"n": {"N": "1000"}}, {"n": {"N": "1E+3"}}]}}}');
-- Invalid input: members DynamoDB does not define
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}], "Limit": 1}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}]}}, "ReturnItemCollectionMetrics": "SIZE"}');
-- Invalid input: members of the wrong JSON type
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": [{"user_id": {"S": "u1"}}]}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}], "ConsistentRead": "yes"}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": ["u1"]}}}');
-- Invalid input: attribute values are validated
SELECT ddb.batch_get_item('{"RequestItems": {"bt_nums": {"Keys": [{"n": {"N": "b"}}]}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1", "N": "1"}}]}}}');
-- Invalid input: a table that does not exist
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}]},
  "no_such_table": {"Keys": [{"a": {"S": "a"}}]}}}');
-- Invalid input: keys that do not match the schema
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{}]}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"N": "1"}}]}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}, "name": {"S": "Alice"}}]}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_orders": {"Keys": [{"customer_id": {"S": "c1"}}]}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": ""}}]}}}');
-- Invalid input: projection errors
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}],
  "ExpressionAttributeNames": {"#n": "name"}}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}],
  "ProjectionExpression": "#n", "ExpressionAttributeNames": {"#n": "name", "#unused": "x"}}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}],
  "ProjectionExpression": "name,"}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}],
  "AttributesToGet": ["name", "name"]}}}');
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}],
  "AttributesToGet": ["name"], "ProjectionExpression": "user_id"}}}');

-- The 16 MB response limit: 45 items of about 400 KB each. The first 40
-- fit; the other keys come back in UnprocessedKeys, in the shape of
-- RequestItems, to be asked for again.
DO $$
BEGIN
    FOR i IN 1..45 LOOP
        PERFORM ddb.put('bt_big', jsonb_build_object('k', i, 'pad', repeat('p', 409590)));
    END LOOP;
END $$;
CREATE TEMP TABLE big_result AS
SELECT ddb.batch_get_item(jsonb_build_object(
  'RequestItems', jsonb_build_object(
    'bt_big', jsonb_build_object('ConsistentRead', true, 'Keys',
      (SELECT jsonb_agg(jsonb_build_object('k', jsonb_build_object('N', i::text)) ORDER BY i)
       FROM generate_series(1, 45) i)),
    'bt_nums', '{"Keys": [{"n": {"N": "1"}}]}'::jsonb),
  'ReturnConsumedCapacity', 'TOTAL')) AS r;
SELECT jsonb_array_length(r #> '{Responses,bt_big}') AS returned,
       jsonb_array_length(r #> '{Responses,bt_nums}') AS returned_nums,
       r #> '{UnprocessedKeys,bt_big,Keys}' AS unprocessed,
       r #> '{UnprocessedKeys,bt_big,ConsistentRead}' AS kept_consistent_read,
       r #> '{UnprocessedKeys,bt_nums}' AS unprocessed_nums,
       r -> 'ConsumedCapacity' AS capacity
FROM big_result;
-- asking again for the unprocessed keys returns the rest
SELECT jsonb_array_length(r2 #> '{Responses,bt_big}') AS returned, jsonb_array_length(r2 #> '{Responses,bt_nums}') AS nums,
       r2 -> 'UnprocessedKeys' AS unprocessed
FROM big_result, ddb.batch_get_item(jsonb_build_object('RequestItems', r -> 'UnprocessedKeys')) r2;

-- Invalid input: privileges apply to batches as to single-item calls
CREATE ROLE regress_ddb_batch_nobody;
SET ROLE regress_ddb_batch_nobody;
SELECT ddb.batch_get_item('{"RequestItems": {"bt_users": {"Keys": [{"user_id": {"S": "u1"}}]}}}');
SELECT ddb.batch_write_item('{"RequestItems": {"bt_users": [{"DeleteRequest": {"Key": {"user_id": {"S": "u1"}}}}]}}');
RESET ROLE;
DROP ROLE regress_ddb_batch_nobody;

DROP FUNCTION batch_error(text, jsonb);
SELECT ddb.delete_table('{"TableName": "bt_users"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "bt_orders"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "bt_nums"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "bt_big"}') IS NOT NULL AS deleted;
