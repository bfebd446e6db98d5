-- indexes_collections_limits: ItemCollectionMetrics of BatchWriteItem and
-- TransactWriteItems, the size limit of item collections of tables with
-- local secondary indexes (ddb.item_collection_size_limit, lowered here),
-- and what a write over it leaves behind: nothing.
\set VERBOSITY terse
SELECT ddb.create_table('{"TableName": "lim", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "user", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"},
        {"AttributeName": "due", "AttributeType": "N"}],
    "LocalSecondaryIndexes": [{"IndexName": "by_due", "Projection": {"ProjectionType": "KEYS_ONLY"},
        "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "due", "KeyType": "RANGE"}]}]}') IS NOT NULL AS created;
SELECT ddb.create_table('plain_lim', partition_key => 'pk') IS NOT NULL AS created;

-- BatchWriteItem: one entry per item collection written (u1 twice, u2, and
-- u3 by a delete of an item that is not there), none for a table without
-- LSIs
SELECT ddb.batch_write_item('{"ReturnItemCollectionMetrics": "SIZE", "RequestItems": {
    "lim": [{"PutRequest": {"Item": {"user": {"S": "u1"}, "n": {"N": "1"}, "due": {"N": "5"}}}},
            {"PutRequest": {"Item": {"user": {"S": "u2"}, "n": {"N": "1"}}}},
            {"PutRequest": {"Item": {"user": {"S": "u1"}, "n": {"N": "2"}}}},
            {"DeleteRequest": {"Key": {"user": {"S": "u3"}, "n": {"N": "1"}}}}],
    "plain_lim": [{"PutRequest": {"Item": {"pk": {"S": "a"}}}}]}}');
-- NONE, or a batch touching only tables without LSIs: no member
SELECT ddb.batch_write_item('{"ReturnItemCollectionMetrics": "NONE", "RequestItems": {
    "lim": [{"PutRequest": {"Item": {"user": {"S": "u1"}, "n": {"N": "3"}}}}]}}');
SELECT ddb.batch_write_item('{"ReturnItemCollectionMetrics": "SIZE", "RequestItems": {
    "plain_lim": [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]}}');

-- TransactWriteItems: the Put, Update and Delete actions' collections,
-- not the ConditionCheck's
SELECT ddb.transact_write_items('{"ReturnItemCollectionMetrics": "SIZE", "TransactItems": [
    {"Put": {"TableName": "lim", "Item": {"user": {"S": "u4"}, "n": {"N": "1"}}}},
    {"Update": {"TableName": "lim", "Key": {"user": {"S": "u1"}, "n": {"N": "1"}},
                "UpdateExpression": "SET due = :d", "ExpressionAttributeValues": {":d": {"N": "6"}}}},
    {"Delete": {"TableName": "lim", "Key": {"user": {"S": "u4"}, "n": {"N": "9"}}}},
    {"ConditionCheck": {"TableName": "lim", "Key": {"user": {"S": "u2"}, "n": {"N": "1"}},
                        "ConditionExpression": "attribute_exists(#u)", "ExpressionAttributeNames": {"#u": "user"}}},
    {"Put": {"TableName": "plain_lim", "Item": {"pk": {"S": "c"}}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [
    {"Put": {"TableName": "lim", "Item": {"user": {"S": "u5"}, "n": {"N": "1"}}}}]}');
-- Invalid input: an unknown value
SELECT ddb.batch_write_item('{"ReturnItemCollectionMetrics": "ALL", "RequestItems": {
    "lim": [{"PutRequest": {"Item": {"user": {"S": "u1"}, "n": {"N": "3"}}}}]}}');
SELECT ddb.transact_write_items('{"ReturnItemCollectionMetrics": "ALL", "TransactItems": [
    {"Put": {"TableName": "lim", "Item": {"user": {"S": "u5"}, "n": {"N": "1"}}}}]}');

-- The sizes of the item collections, kept with every write: each item's
-- size plus, per LSI entry, the entry's size and 100 bytes
SELECT table_pk, size_bytes FROM ddb_data."lim:" ORDER BY 1;
SELECT * FROM ddb.check_indexes('lim');

-- The limit (10 GB by default), lowered to 1 kB
SHOW ddb.item_collection_size_limit;
SET ddb.item_collection_size_limit = '1kB';
-- Invalid input: a write that makes u1's collection larger than 1 kB
SELECT ddb.put_item('{"TableName": "lim", "Item": {"user": {"S": "u1"}, "n": {"N": "4"}, "due": {"N": "1"},
    "pad": {"S": "' || repeat('x', 900) || '"}}}');
SELECT ddb.update_item('{"TableName": "lim", "Key": {"user": {"S": "u1"}, "n": {"N": "2"}},
    "UpdateExpression": "SET #p = :p", "ExpressionAttributeNames": {"#p": "pad"}, "ExpressionAttributeValues": {":p": {"S": "' || repeat('x', 900) || '"}}}');
SELECT ddb.batch_write_item('{"RequestItems": {"lim": [
    {"PutRequest": {"Item": {"user": {"S": "u2"}, "n": {"N": "2"}}}},
    {"PutRequest": {"Item": {"user": {"S": "u1"}, "n": {"N": "5"}, "pad": {"S": "' || repeat('x', 900) || '"}}}}]}}');
\set VERBOSITY default
SELECT ddb.transact_write_items('{"TransactItems": [
    {"Put": {"TableName": "lim", "Item": {"user": {"S": "u2"}, "n": {"N": "3"}}}},
    {"Put": {"TableName": "lim", "Item": {"user": {"S": "u1"}, "n": {"N": "6"}, "pad": {"S": "' || repeat('x', 900) || '"}}}}]}');
\set VERBOSITY terse
INSERT INTO ddb_data.lim ("user", n, item)
VALUES ('u1', 7, jsonb_build_object('user', '{"S": "u1"}'::jsonb, 'n', '{"N": "7"}'::jsonb,
                                    'pad', jsonb_build_object('S', repeat('x', 900))));
-- nothing changed: the same items, the same sizes, indexes exact
SELECT "user", n, item ? 'pad' AS padded FROM ddb_data.lim ORDER BY 1, 2;
SELECT table_pk, size_bytes FROM ddb_data."lim:" ORDER BY 1;
SELECT * FROM ddb.check_indexes('lim');
-- other collections take writes; a collection over the limit (once it is
-- lowered) takes writes that shrink it, not ones that grow it
RESET ddb.item_collection_size_limit;
SELECT ddb.put_item('{"TableName": "lim", "Item": {"user": {"S": "u2"}, "n": {"N": "2"},
    "pad": {"S": "' || repeat('x', 1500) || '"}}}');
SET ddb.item_collection_size_limit = '1kB';
SELECT ddb.update_item('{"TableName": "lim", "Key": {"user": {"S": "u2"}, "n": {"N": "2"}},
    "UpdateExpression": "SET #p = :p", "ExpressionAttributeNames": {"#p": "pad"},
    "ExpressionAttributeValues": {":p": {"S": "' || repeat('x', 1400) || '"}}}');
-- Invalid input: growing it again
SELECT ddb.update_item('{"TableName": "lim", "Key": {"user": {"S": "u2"}, "n": {"N": "2"}},
    "UpdateExpression": "SET #p = :p", "ExpressionAttributeNames": {"#p": "pad"},
    "ExpressionAttributeValues": {":p": {"S": "' || repeat('x', 1450) || '"}}}');
SELECT table_pk, size_bytes FROM ddb_data."lim:" WHERE table_pk = 'u2';
SELECT ddb.delete_item('{"TableName": "lim", "Key": {"user": {"S": "u2"}, "n": {"N": "2"}}}');
RESET ddb.item_collection_size_limit;
-- only a superuser may change the limit
CREATE ROLE regress_ddb_collection_user;
SET ROLE regress_ddb_collection_user;
SET ddb.item_collection_size_limit = '1GB';
RESET ROLE;
DROP ROLE regress_ddb_collection_user;

-- A rolled-back write leaves the sizes as they were
BEGIN;
SELECT ddb.put_item('{"TableName": "lim", "Item": {"user": {"S": "u6"}, "n": {"N": "1"}}}');
SELECT table_pk, size_bytes FROM ddb_data."lim:" WHERE table_pk = 'u6';
ROLLBACK;
SELECT table_pk, size_bytes FROM ddb_data."lim:" ORDER BY 1;

-- Plain SQL: an update that moves an item to another collection moves its size
UPDATE ddb_data.lim SET "user" = 'u7', item = jsonb_set(item, '{user}', '{"S": "u7"}')
 WHERE "user" = 'u2';
SELECT table_pk, size_bytes FROM ddb_data."lim:" ORDER BY 1;
SELECT * FROM ddb.check_indexes('lim');

-- SizeEstimateRangeGB comes from the recorded size (here set by hand to
-- 3.5 GB, which check_indexes reports)
UPDATE ddb_data."lim:" SET size_bytes = 3758096384 WHERE table_pk = 'u1';
SELECT ddb.put_item('{"TableName": "lim", "ReturnItemCollectionMetrics": "SIZE",
    "Item": {"user": {"S": "u1"}, "n": {"N": "8"}}}');
SELECT * FROM ddb.check_indexes('lim');
SELECT * FROM ddb.check_indexes('lim', 'by_due');
UPDATE ddb_data."lim:" SET size_bytes = 1 WHERE table_pk = 'u1';
INSERT INTO ddb_data."lim:" VALUES ('zz', 10);
DELETE FROM ddb_data."lim:" WHERE table_pk = 'u7';
SELECT * FROM ddb.check_indexes('lim');

-- TRUNCATE empties the sizes; DeleteTable drops the sizes table, and so
-- does dropping the item table with plain SQL
TRUNCATE ddb_data.lim;
SELECT count(*) AS sizes FROM ddb_data."lim:";
SELECT ddb.delete_table('{"TableName": "lim"}') -> 'TableDescription' -> 'TableName';
SELECT to_regclass('ddb_data."lim:"') IS NULL AS sizes_dropped;
SELECT ddb.create_table('{"TableName": "lim2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}, {"AttributeName": "r", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "N"}, {"AttributeName": "r", "AttributeType": "N"},
        {"AttributeName": "x", "AttributeType": "B"}],
    "LocalSecondaryIndexes": [{"IndexName": "by_x", "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]},
        "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}, {"AttributeName": "x", "KeyType": "RANGE"}]}]}') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "lim2", "ReturnItemCollectionMetrics": "SIZE",
    "Item": {"h": {"N": "1.50"}, "r": {"N": "1"}, "x": {"B": "AAE="}, "v": {"S": "abc"}, "w": {"S": "d"}}}');
SELECT table_pk, size_bytes FROM ddb_data."lim2:";
DROP TABLE ddb_data.lim2;
SELECT to_regclass('ddb_data."lim2:"') IS NULL AS sizes_dropped;
SELECT ddb.delete_table('{"TableName": "plain_lim"}') -> 'TableDescription' -> 'TableName';

-- UpdateTable on a GSI being created, in DynamoDB's resource allocation
-- phase (CREATING, Backfilling false: here, in the transaction that
-- creates it, before the background worker can start its backfill)
SELECT ddb.create_table('{"TableName": "alloc", "BillingMode": "PROVISIONED",
    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]}') IS NOT NULL AS created;
BEGIN;
SELECT ddb.update_table('{"TableName": "alloc",
    "AttributeDefinitions": [{"AttributeName": "v", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byV",
        "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}')
    #>> '{TableDescription,GlobalSecondaryIndexes,0,Backfilling}' AS backfilling;
SAVEPOINT s;
-- Invalid input: deleting it
SELECT ddb.update_table('{"TableName": "alloc",
    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byV"}}]}');
ROLLBACK TO s;
-- Invalid input: changing its throughput
SELECT ddb.update_table('{"TableName": "alloc",
    "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "byV",
        "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}}]}');
ROLLBACK;
SELECT ddb.delete_table('{"TableName": "alloc"}') -> 'TableDescription' -> 'TableName';
