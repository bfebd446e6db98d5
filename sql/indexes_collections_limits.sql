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

SELECT ddb.delete_table('{"TableName": "lim"}') -> 'TableDescription' -> 'TableName';
SELECT ddb.delete_table('{"TableName": "plain_lim"}') -> 'TableDescription' -> 'TableName';
