-- indexes_collections: ReturnItemCollectionMetrics SIZE on writes to a
-- table with a local secondary index returns the item collection's key and
-- its estimated size in whole gigabytes; other tables return nothing.
\set VERBOSITY terse
SELECT ddb.create_table('{"TableName": "coll", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "user", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"},
        {"AttributeName": "due", "AttributeType": "N"}],
    "LocalSecondaryIndexes": [{"IndexName": "by_due", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "due", "KeyType": "RANGE"}]}]}') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "coll", "ReturnItemCollectionMetrics": "SIZE",
    "Item": {"user": {"S": "u1"}, "n": {"N": "1"}, "due": {"N": "10"}}}');
SELECT ddb.update_item('{"TableName": "coll", "ReturnItemCollectionMetrics": "SIZE", "ReturnValues": "UPDATED_NEW",
    "Key": {"user": {"S": "u1"}, "n": {"N": "2"}}, "UpdateExpression": "SET due = :d",
    "ExpressionAttributeValues": {":d": {"N": "20"}}}');
SELECT ddb.delete_item('{"TableName": "coll", "ReturnItemCollectionMetrics": "SIZE",
    "Key": {"user": {"S": "u1"}, "n": {"N": "1.0"}}}');
-- a delete of an item that is not there still names its collection
SELECT ddb.delete_item('{"TableName": "coll", "ReturnItemCollectionMetrics": "SIZE",
    "Key": {"user": {"S": "u9"}, "n": {"N": "1"}}}');
-- NONE, or no parameter: nothing
SELECT ddb.put_item('{"TableName": "coll", "ReturnItemCollectionMetrics": "NONE",
    "Item": {"user": {"S": "u1"}, "n": {"N": "3"}}}');
-- a table without local secondary indexes returns no metrics
SELECT ddb.create_table('plain_coll', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "plain_coll", "ReturnItemCollectionMetrics": "SIZE", "Item": {"pk": {"S": "a"}}}');
-- Invalid input: an unknown value
SELECT ddb.put_item('{"TableName": "coll", "ReturnItemCollectionMetrics": "ALL", "Item": {"user": {"S": "u1"}, "n": {"N": "4"}}}');
SELECT ddb.delete_table('{"TableName": "coll"}') -> 'TableDescription' -> 'TableName';
SELECT ddb.delete_table('{"TableName": "plain_coll"}') -> 'TableDescription' -> 'TableName';
