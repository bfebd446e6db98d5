-- items: PutItem, GetItem, DeleteItem and the plain-JSON helpers
\set VERBOSITY terse

SELECT ddb.create_table('users', partition_key => 'user_id') IS NOT NULL AS created;
SELECT ddb.create_table('orders', partition_key => 'customer_id', sort_key => 'order_date') IS NOT NULL AS created;
SELECT ddb.create_table('readings', partition_key => 'sensor', partition_key_type => 'B',
                        sort_key => 'ts', sort_key_type => 'N') IS NOT NULL AS created;

-- PutItem answers {} by default
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "u1"}, "name": {"S": "Alice"},
  "age": {"N": "28"}, "email": {"S": "alice@example.com"}}}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "u2"}, "name": {"S": "Bob"}, "age": {"N": "35"}}}');

-- GetItem
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "u1"}}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "u1"}}, "ConsistentRead": true}');
-- a missing item is {}
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "nobody"}}}');

-- PutItem replaces the whole item; ALL_OLD returns what it replaced
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "u1"}, "name": {"S": "Alice Smith"}},
  "ReturnValues": "ALL_OLD"}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "u1"}}}');
-- ALL_OLD on a new item has no Attributes
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "u3"}}, "ReturnValues": "ALL_OLD"}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "u3"}, "n": {"N": "1"}}, "ReturnValues": "NONE"}');

-- Composite keys: the orders flow
SELECT ddb.put_item('{"TableName": "orders", "Item": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-15"},
  "total": {"N": "99.90"}, "items": {"L": [{"S": "book"}, {"S": "pen"}]}}}');
SELECT ddb.put_item('{"TableName": "orders", "Item": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-02-01"}, "total": {"N": "10"}}}');
SELECT ddb.get_item('{"TableName": "orders", "Key": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-15"}}}');
SELECT ddb.get_item('{"TableName": "orders", "Key": {"order_date": {"S": "2024-02-01"}, "customer_id": {"S": "c1"}}}');
SELECT customer_id, order_date, item -> 'total' AS total FROM ddb_data.orders ORDER BY 1, 2;

-- Number and binary keys are compared by value: 1E2, 100 and 100.0 are one key
SELECT ddb.put_item('{"TableName": "readings", "Item": {"sensor": {"B": "AAEC"}, "ts": {"N": "1E2"}, "v": {"N": "-0.50"}}}');
SELECT ddb.get_item('{"TableName": "readings", "Key": {"sensor": {"B": "AAEC"}, "ts": {"N": "100.0"}}}');
SELECT ddb.put_item('{"TableName": "readings", "Item": {"sensor": {"B": "AAEC"}, "ts": {"N": "100"}, "v": {"N": "2"}}, "ReturnValues": "ALL_OLD"}');
SELECT count(*) FROM ddb_data.readings;
SELECT sensor, ts FROM ddb_data.readings;

-- DeleteItem
SELECT ddb.delete_item('{"TableName": "users", "Key": {"user_id": {"S": "u2"}}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "u2"}}}');
SELECT ddb.delete_item('{"TableName": "users", "Key": {"user_id": {"S": "u3"}}, "ReturnValues": "ALL_OLD"}');
-- deleting a missing item is not an error
SELECT ddb.delete_item('{"TableName": "users", "Key": {"user_id": {"S": "u3"}}, "ReturnValues": "ALL_OLD"}');

-- Calls join the caller's transaction
BEGIN;
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "tx"}}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "tx"}}}');
ROLLBACK;
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "tx"}}}');

-- Plain JSON helpers
SELECT ddb.put('users', '{"user_id": "u9", "name": "Zoë", "age": 41, "score": 12345678901234567890.5,
  "admin": false, "manager": null, "tags": ["a", 1], "address": {"city": "Oslo", "zip": "0150"}}');
SELECT ddb.get('users', '{"user_id": "u9"}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "u9"}}}') -> 'Item' -> 'score';
SELECT ddb.get('users', '{"user_id": "none"}') IS NULL AS missing;
SELECT ddb.delete('users', '{"user_id": "u9"}') ->> 'name';
SELECT ddb.delete('users', '{"user_id": "u9"}') IS NULL AS already_gone;

-- Invalid input: request shape
SELECT ddb.put_item('{"TableName": "users"}');
SELECT ddb.put_item('{"Item": {"user_id": {"S": "x"}}}');
SELECT ddb.put_item('{}');
SELECT ddb.put_item('{"TableName": "users", "Item": []}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "x"}}, "Extra": true}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "x"}}, "ReturnValues": "ALL_NEW"}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "x"}}, "ReturnValues": "all_old"}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "x"}}, "ReturnConsumedCapacity": "SOME"}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "x"}}, "ExpressionAttributeNames": {"#a": "b"}}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "x"}}, "ExpressionAttributeValues": {":a": {"S": "b"}}}');
SELECT ddb.put_item('{"TableName": "nope", "Item": {"user_id": {"S": "x"}}}');
SELECT ddb.put_item('{"TableName": "no", "Item": {"user_id": {"S": "x"}}}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "x"}}');
SELECT ddb.put_item(NULL::jsonb);
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "x"}}, "ConsistentRead": "yes"}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "x"}}, "ExpressionAttributeNames": {"#a": "b"}}');
SELECT ddb.delete_item('{"TableName": "users", "Key": {"user_id": {"S": "x"}}, "ReturnValues": "UPDATED_OLD"}');

-- Invalid input: keys in items
SELECT ddb.put_item('{"TableName": "users", "Item": {"name": {"S": "x"}}}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"N": "1"}}}');
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": ""}}}');
SELECT ddb.put_item('{"TableName": "readings", "Item": {"sensor": {"B": ""}, "ts": {"N": "1"}}}');
SELECT ddb.put_item('{"TableName": "orders", "Item": {"customer_id": {"S": "c1"}}}');
SELECT ddb.put_item(jsonb_build_object('TableName', 'users', 'Item', jsonb_build_object('user_id', jsonb_build_object('S', repeat('x', 2049)))));
SELECT ddb.put_item(jsonb_build_object('TableName', 'orders', 'Item', jsonb_build_object(
  'customer_id', jsonb_build_object('S', 'c'), 'order_date', jsonb_build_object('S', repeat('é', 513)))));
-- at the limits exactly: 2048 and 1024 bytes
SELECT ddb.put_item(jsonb_build_object('TableName', 'orders', 'Item', jsonb_build_object(
  'customer_id', jsonb_build_object('S', repeat('x', 2048)), 'order_date', jsonb_build_object('S', repeat('y', 1024)))));
SELECT length(customer_id), length(order_date) FROM ddb_data.orders WHERE length(customer_id) = 2048;

-- Invalid input: Key parameters
SELECT ddb.get_item('{"TableName": "users", "Key": {}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"N": "1"}}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "a"}, "x": {"S": "b"}}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"name": {"S": "a"}}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": ""}}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"SS": ["a"]}}}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {}}}');
SELECT ddb.get_item('{"TableName": "orders", "Key": {"customer_id": {"S": "c1"}}}');
SELECT ddb.get_item('{"TableName": "readings", "Key": {"sensor": {"B": "AAEC"}, "ts": {"N": "abc"}}}');
SELECT ddb.get_item('{"TableName": "readings", "Key": {"sensor": {"B": "A"}, "ts": {"N": "1"}}}');
SELECT ddb.get_item(jsonb_build_object('TableName', 'users', 'Key', jsonb_build_object('user_id', jsonb_build_object('S', repeat('x', 2049)))));
SELECT ddb.delete_item('{"TableName": "users", "Key": {"user_id": {"N": "1"}}}');
SELECT ddb.delete_item('{"TableName": "nope", "Key": {"user_id": {"S": "1"}}}');

-- none of the failures above changed anything
SELECT count(*) FROM ddb_data.users;
SELECT user_id FROM ddb_data.users ORDER BY 1;

-- ReturnConsumedCapacity: reads cost 1 unit per 4 KB (half when eventually
-- consistent), writes 1 unit per 1 KB of the larger of old and new item
SELECT ddb.put_item(jsonb_build_object('TableName', 'users', 'ReturnConsumedCapacity', 'TOTAL',
  'Item', jsonb_build_object('user_id', '{"S": "big"}'::jsonb, 'data', jsonb_build_object('S', repeat('x', 5000)))));
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "big"}}, "ReturnConsumedCapacity": "TOTAL"}') -> 'ConsumedCapacity';
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "big"}}, "ReturnConsumedCapacity": "INDEXES", "ConsistentRead": true}') -> 'ConsumedCapacity';
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "none"}}, "ReturnConsumedCapacity": "TOTAL"}');
SELECT ddb.update_item('{"TableName": "users", "Key": {"user_id": {"S": "big"}}, "UpdateExpression": "REMOVE #d",
  "ExpressionAttributeNames": {"#d": "data"}, "ReturnConsumedCapacity": "TOTAL"}');
SELECT ddb.delete_item('{"TableName": "users", "Key": {"user_id": {"S": "big"}}, "ReturnConsumedCapacity": "TOTAL"}');
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "big"}}, "ReturnConsumedCapacity": "NONE"}');
-- Invalid input: ReturnConsumedCapacity
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "big"}}, "ReturnConsumedCapacity": "ALL"}');

-- A read-only transaction reads; its writes fail with PostgreSQL's own
-- error, SQLSTATE 25006 (read_only_sql_transaction)
\set VERBOSITY sqlstate
BEGIN READ ONLY;
SELECT ddb.get_item('{"TableName": "users", "Key": {"user_id": {"S": "u1"}}}') IS NOT NULL AS read;
SELECT ddb.put_item('{"TableName": "users", "Item": {"user_id": {"S": "ro"}}}');
ROLLBACK;
\set VERBOSITY terse
