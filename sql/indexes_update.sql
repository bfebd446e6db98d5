-- indexes_update: UpdateTable's GlobalSecondaryIndexUpdates Update (a GSI's
-- provisioned throughput) and Delete, and their errors
\set VERBOSITY terse

SELECT ddb.call('CreateTable', '{"TableName": "gsi_upd",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "S"},
                             {"AttributeName": "status", "AttributeType": "S"},
                             {"AttributeName": "due", "AttributeType": "N"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PROVISIONED",
    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    "GlobalSecondaryIndexes": [{"IndexName": "byStatus",
        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
    "LocalSecondaryIndexes": [{"IndexName": "byDue",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "due", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}]}') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "gsi_upd", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "status": {"S": "open"}, "due": {"N": "5"}}}');

-- Update: the index's throughput changes, the table's does not
SELECT (ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "byStatus",
        "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3}}}]}')
    #> '{TableDescription,GlobalSecondaryIndexes,0,ProvisionedThroughput}') - 'NumberOfDecreasesToday' AS index_throughput;
SELECT (d #> '{Table,GlobalSecondaryIndexes,0,ProvisionedThroughput}') - 'NumberOfDecreasesToday' AS index_throughput,
       (d #> '{Table,ProvisionedThroughput}') - 'NumberOfDecreasesToday' AS table_throughput
  FROM ddb.describe_table('{"TableName": "gsi_upd"}') AS d;

-- Invalid input: Update or Delete of an index the table does not have
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "nope",
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "nope"}}]}');
-- Invalid input: an LSI can be neither updated nor deleted
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byDue"}}]}');
-- Invalid input: units below 1, a missing unit count, no IndexName
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "byStatus",
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "byStatus",
        "ProvisionedThroughput": {"ReadCapacityUnits": 2}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Delete": {}}]}');
-- Invalid input: constraint errors come together, before the index is looked up
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Update": {"ProvisionedThroughput": {"ReadCapacityUnits": -1}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "nope"}}]}');
-- Invalid input: an entry with two actions, or none
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byStatus"},
        "Update": {"IndexName": "byStatus", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{}]}');
-- Invalid input: two indexes created or deleted in one call
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byStatus"}}, {"Delete": {"IndexName": "byStatus"}}]}');
-- Invalid input: an unknown table
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_none",
    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byStatus"}}]}');
-- nothing changed
SELECT jsonb_path_query_array(d, '$.Table.GlobalSecondaryIndexes[*].IndexName') AS gsis,
       jsonb_path_query_array(d, '$.Table.LocalSecondaryIndexes[*].IndexName') AS lsis
  FROM ddb.describe_table('{"TableName": "gsi_upd"}') AS d;

-- Delete: reported DELETING, then gone with its table; the LSI stays
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd",
    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byStatus"}}]}')
    #> '{TableDescription,GlobalSecondaryIndexes,0}' ->> 'IndexStatus' AS status;
SELECT jsonb_path_query_array(d, '$.Table.GlobalSecondaryIndexes[*].IndexName') AS gsis,
       jsonb_path_query_array(d, '$.Table.LocalSecondaryIndexes[*].IndexName') AS lsis
  FROM ddb.describe_table('{"TableName": "gsi_upd"}') AS d;
SELECT count(*) AS index_tables FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'ddb_data' AND c.relname = 'gsi_upd:byStatus';
-- Invalid input: the deleted index cannot be queried
SELECT ddb.query('{"TableName": "gsi_upd", "IndexName": "byStatus",
    "KeyConditionExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
    "ExpressionAttributeValues": {":s": {"S": "open"}}}');
-- the LSI is still kept
SELECT ddb.query('{"TableName": "gsi_upd", "IndexName": "byDue",
    "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}}') -> 'Count' AS lsi_count;
SELECT * FROM ddb.check_indexes('gsi_upd');

-- an on-demand table's GSI has no throughput to update
SELECT ddb.call('CreateTable', '{"TableName": "gsi_upd_od",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "status", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [{"IndexName": "byStatus",
        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}]}') IS NOT NULL AS created;
-- Invalid input: Update of a GSI of an on-demand table
SELECT ddb.call('UpdateTable', '{"TableName": "gsi_upd_od",
    "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "byStatus",
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}');

SELECT ddb.delete_table('{"TableName": "gsi_upd"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "gsi_upd_od"}') IS NOT NULL AS deleted;
