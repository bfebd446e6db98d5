-- validation_tables: DynamoDB's validation and responses around tables:
-- Query start keys on tables without a sort key, duplicate attribute
-- definitions, the tag limit, resource ARNs, the transaction payload limit,
-- DeleteTable's description, StreamSpecification and SSESpecification, and
-- the consumed capacity of Scan and Query
\set VERBOSITY terse

-- the names of this file's tables that exist
CREATE FUNCTION vt_tables() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(t, ', ' ORDER BY t), '')
      FROM jsonb_array_elements_text(ddb.list_tables('{}') -> 'TableNames') AS t
     WHERE t LIKE 'vt\_%'
$$;

SELECT ddb.create_table('vt_hash', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put('vt_hash', '{"pk": "a", "v": 1}');

-- A Query on a table without a sort key returns at most one item and cannot
-- be resumed: any ExclusiveStartKey is rejected
-- Invalid input: the key of the queried partition
SELECT ddb.query('{"TableName": "vt_hash", "KeyConditionExpression": "pk = :p",
    "ExpressionAttributeValues": {":p": {"S": "a"}}, "ExclusiveStartKey": {"pk": {"S": "a"}}}');
-- Invalid input: the key of another partition
SELECT ddb.query('{"TableName": "vt_hash", "KeyConditionExpression": "pk = :p",
    "ExpressionAttributeValues": {":p": {"S": "a"}}, "ExclusiveStartKey": {"pk": {"S": "b"}}}');
-- Invalid input: a key of the wrong shape
SELECT ddb.query('{"TableName": "vt_hash", "KeyConditionExpression": "pk = :p",
    "ExpressionAttributeValues": {":p": {"S": "a"}}, "ExclusiveStartKey": {"pk": {"S": "a"}, "x": {"S": "b"}}}');
-- without a start key the Query works
SELECT ddb.query('{"TableName": "vt_hash", "KeyConditionExpression": "pk = :p",
    "ExpressionAttributeValues": {":p": {"S": "a"}}}');

-- CreateTable
-- Invalid input: one attribute defined twice (with the same or another type)
SELECT ddb.create_table('{"TableName": "vt_dup", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "pk", "AttributeType": "S"}]}');
SELECT ddb.create_table('{"TableName": "vt_dup", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                             {"AttributeName": "sk", "AttributeType": "S"}]}');
-- Invalid input: more than 50 tags is a ValidationException, and no table is created
SELECT ddb.create_table(jsonb_build_object('TableName', 'vt_tags', 'BillingMode', 'PAY_PER_REQUEST',
    'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}]'::jsonb,
    'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}]'::jsonb,
    'Tags', (SELECT jsonb_agg(jsonb_build_object('Key', 'k' || i, 'Value', 'v')) FROM generate_series(1, 51) i)));
SELECT vt_tables() AS tables_after_refused_create;
SELECT count(*) AS vt_tags_relations FROM pg_class WHERE relname = 'vt_tags';
-- 50 tags are fine
SELECT ddb.create_table(jsonb_build_object('TableName', 'vt_tags', 'BillingMode', 'PAY_PER_REQUEST',
    'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}]'::jsonb,
    'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}]'::jsonb,
    'Tags', (SELECT jsonb_agg(jsonb_build_object('Key', 'k' || i, 'Value', 'v')) FROM generate_series(1, 50) i)))
    -> 'TableDescription' ->> 'TableStatus' AS status;
SELECT jsonb_array_length(ddb.list_tags_of_resource(
    '{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/vt_tags"}') -> 'Tags') AS tags;
-- Invalid input: TagResource past 50 tags is a ValidationException too, and adds none
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/vt_tags",
    "Tags": [{"Key": "one_more", "Value": "v"}]}');
SELECT jsonb_array_length(ddb.list_tags_of_resource(
    '{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/vt_tags"}') -> 'Tags') AS tags;
-- replacing the value of an existing tag stays within the limit
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/vt_tags",
    "Tags": [{"Key": "k1", "Value": "new"}]}') IS NULL AS tagged;

-- Resource ARNs must be ARNs
-- Invalid input: TagResource, UntagResource and ListTagsOfResource with a table name
SELECT ddb.tag_resource('{"ResourceArn": "vt_tags", "Tags": [{"Key": "a", "Value": "b"}]}');
SELECT ddb.untag_resource('{"ResourceArn": "vt_tags", "TagKeys": ["k1"]}');
SELECT ddb.list_tags_of_resource('{"ResourceArn": "table/vt_tags"}');
-- Invalid input: an ARN that names no table
SELECT ddb.list_tags_of_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:stream/vt_tags"}');

-- Invalid input: a TransactWriteItems request over 4 MB (14 puts of 300 KB)
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems',
    (SELECT jsonb_agg(jsonb_build_object('Put', jsonb_build_object('TableName', 'vt_hash',
         'Item', jsonb_build_object('pk', jsonb_build_object('S', 'big' || i),
                                    'data', jsonb_build_object('S', repeat('x', 300000))))))
       FROM generate_series(1, 14) i)));
SELECT count(*) AS big_items FROM ddb.scan('vt_hash', 'begins_with(pk, :b)', '{":b": "big"}');
-- 3 MB are fine
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems',
    (SELECT jsonb_agg(jsonb_build_object('Put', jsonb_build_object('TableName', 'vt_hash',
         'Item', jsonb_build_object('pk', jsonb_build_object('S', 'big' || i),
                                    'data', jsonb_build_object('S', repeat('x', 300000))))))
       FROM generate_series(1, 10) i)));
SELECT count(*) AS big_items FROM ddb.scan('vt_hash', 'begins_with(pk, :b)', '{":b": "big"}');

-- DeleteTable's description: identity, status, billing, throughput and
-- size; no creation time, key schema, attribute definitions or settings
SELECT jsonb_pretty(mask(ddb.delete_table('{"TableName": "vt_tags"}')));
SELECT ddb.create_table('{"TableName": "vt_prov", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
    "TableClass": "STANDARD", "DeletionProtectionEnabled": false}') IS NOT NULL AS created;
SELECT jsonb_pretty(mask(ddb.delete_table('{"TableName": "vt_prov"}')));

-- StreamSpecification
-- a disabled stream is as if none was asked for
SELECT mask(ddb.create_table('{"TableName": "vt_stream", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "StreamSpecification": {"StreamEnabled": false}}') -> 'TableDescription') - 'TableArn' AS description;
-- Invalid input: enabling a stream without a view type (streams: streams_api)
SELECT ddb.create_table('{"TableName": "vt_stream2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "StreamSpecification": {"StreamEnabled": true}}');
-- Invalid input: a view type for a disabled stream
SELECT ddb.create_table('{"TableName": "vt_stream2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "StreamSpecification": {"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"}}');
-- Invalid input: StreamEnabled missing, an unknown view type
SELECT ddb.create_table('{"TableName": "vt_stream2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "StreamSpecification": {"StreamViewType": "ALL"}}');
-- Invalid input: UpdateTable enabling a stream without a view type
SELECT ddb.update_table('{"TableName": "vt_stream", "StreamSpecification": {"StreamEnabled": true}}');
-- Invalid input: UpdateTable disabling a stream the table does not have (DynamoDB's error)
SELECT ddb.update_table('{"TableName": "vt_stream", "StreamSpecification": {"StreamEnabled": false}}');
SELECT ddb.update_table('{"TableName": "vt_stream", "StreamSpecification": {"StreamEnabled": false, "StreamViewType": "NEW_IMAGE"}}');
SELECT vt_tables() AS tables;

-- SSESpecification
-- disabled: the default encryption, no SSEDescription
SELECT ddb.create_table('{"TableName": "vt_sse_off", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "SSESpecification": {"Enabled": false}}') -> 'TableDescription' ? 'SSEDescription' AS has_sse_description;
-- enabled: KMS with the AWS managed key, or the key given (id, alias or ARN)
SELECT ddb.create_table('{"TableName": "vt_sse", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "SSESpecification": {"Enabled": true}}') -> 'TableDescription' -> 'SSEDescription' AS managed_key;
SELECT ddb.create_table('{"TableName": "vt_sse_key", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "SSESpecification": {"Enabled": true, "SSEType": "KMS", "KMSMasterKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}}')
    -> 'TableDescription' -> 'SSEDescription' AS key_id;
SELECT ddb.describe_table('{"TableName": "vt_sse_key"}') -> 'Table' -> 'SSEDescription' AS described;
-- UpdateTable changes the key, or goes back to the default encryption
SELECT ddb.update_table('{"TableName": "vt_sse_key", "SSESpecification": {"Enabled": true, "SSEType": "KMS",
    "KMSMasterKeyId": "arn:aws:kms:us-east-1:000000000000:key/other"}}') -> 'TableDescription' -> 'SSEDescription' AS new_key;
SELECT ddb.update_table('{"TableName": "vt_sse_key", "SSESpecification": {"Enabled": true, "SSEType": "KMS",
    "KMSMasterKeyId": "alias/mine"}}') -> 'TableDescription' -> 'SSEDescription' AS alias;
SELECT ddb.update_table('{"TableName": "vt_sse_key", "SSESpecification": {"Enabled": false}}')
    -> 'TableDescription' ? 'SSEDescription' AS has_sse_description;
SELECT ddb.update_table('{"TableName": "vt_sse_off", "SSESpecification": {"Enabled": true}}')
    -> 'TableDescription' -> 'SSEDescription' AS enabled_later;
SELECT sse_kms_master_key_arn FROM ddb.tables WHERE table_name LIKE 'vt_sse%' ORDER BY table_name;
-- Invalid input: SSEType or a key with Enabled false, AES256, a key without SSEType, a bad SSEType
SELECT ddb.create_table('{"TableName": "vt_sse2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "SSESpecification": {"Enabled": false, "SSEType": "KMS"}}');
SELECT ddb.create_table('{"TableName": "vt_sse2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "SSESpecification": {"KMSMasterKeyId": "k"}}');
SELECT ddb.create_table('{"TableName": "vt_sse2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "SSESpecification": {"Enabled": true, "SSEType": "AES256"}}');
SELECT ddb.create_table('{"TableName": "vt_sse2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "SSESpecification": {"Enabled": true, "KMSMasterKeyId": "k"}}');
SELECT ddb.create_table('{"TableName": "vt_sse2", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "SSESpecification": {"Enabled": true, "SSEType": "DES"}}');
-- Invalid input: UpdateTable to the encryption the table already has
SELECT ddb.update_table('{"TableName": "vt_sse_key", "SSESpecification": {"Enabled": false}}');
SELECT ddb.update_table('{"TableName": "vt_sse", "SSESpecification": {"Enabled": true}}');
-- Invalid input: an encryption change together with another change
SELECT ddb.update_table('{"TableName": "vt_sse", "SSESpecification": {"Enabled": false}, "DeletionProtectionEnabled": true}');
SELECT vt_tables() AS tables;

-- Consumed capacity of Scan and Query: item sizes read (before any filter)
-- summed and rounded up to 4 KB once, at least one 4 KB read per partition
-- read; an on-demand table has four partitions, a small provisioned one one
SELECT ddb.create_table('vt_cap', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put('vt_cap', '{"pk": "a"}');
SELECT ddb.scan('{"TableName": "vt_cap", "ReturnConsumedCapacity": "TOTAL", "ConsistentRead": true}') -> 'ConsumedCapacity' AS scan_consistent,
       ddb.scan('{"TableName": "vt_cap", "ReturnConsumedCapacity": "TOTAL"}') -> 'ConsumedCapacity' AS scan_eventual;
SELECT ddb.query('{"TableName": "vt_cap", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}},
    "ReturnConsumedCapacity": "TOTAL", "ConsistentRead": true}') -> 'ConsumedCapacity' AS query_consistent,
       ddb.query('{"TableName": "vt_cap", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}},
    "ReturnConsumedCapacity": "TOTAL"}') -> 'ConsumedCapacity' AS query_eventual;
-- a filter that keeps nothing and Select COUNT cost the same
SELECT ddb.scan('{"TableName": "vt_cap", "ReturnConsumedCapacity": "TOTAL", "ConsistentRead": true, "Select": "COUNT",
    "FilterExpression": "attribute_exists(nothing)"}') AS scan_filtered;
-- a page stopped by Limit read one partition
SELECT ddb.put('vt_cap', '{"pk": "b"}');
SELECT ddb.scan('{"TableName": "vt_cap", "ReturnConsumedCapacity": "TOTAL", "ConsistentRead": true, "Limit": 1}')
    -> 'ConsumedCapacity' AS scan_limited;
-- segments share the partitions: 2 each of 2 segments, 1 each of 4 or more
SELECT s.t AS total_segments, s.seg AS segment,
       ddb.scan(jsonb_build_object('TableName', 'vt_cap', 'ReturnConsumedCapacity', 'TOTAL', 'ConsistentRead', true,
                                   'Segment', s.seg, 'TotalSegments', s.t)) -> 'ConsumedCapacity' -> 'CapacityUnits' AS units
  FROM (VALUES (2, 0), (2, 1), (4, 3), (8, 5)) AS s(t, seg);
-- larger items: 10 items of about 3 KB are 8 blocks of 4 KB, above the minimum
SELECT count(*) AS loaded FROM (
  SELECT ddb.put('vt_cap', jsonb_build_object('pk', 'c' || i, 'data', repeat('x', 3000))) FROM generate_series(1, 10) i) AS l;
SELECT ddb.scan('{"TableName": "vt_cap", "ReturnConsumedCapacity": "INDEXES", "ConsistentRead": true}') -> 'ConsumedCapacity' AS scan_bigger;
-- a small provisioned table has one partition
SELECT ddb.create_table('{"TableName": "vt_cap_prov", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}') IS NOT NULL AS created;
SELECT ddb.put('vt_cap_prov', '{"pk": "a"}');
SELECT ddb.scan('{"TableName": "vt_cap_prov", "ReturnConsumedCapacity": "TOTAL", "ConsistentRead": true}') -> 'ConsumedCapacity' AS provisioned_consistent,
       ddb.scan('{"TableName": "vt_cap_prov", "ReturnConsumedCapacity": "TOTAL"}') -> 'ConsumedCapacity' AS provisioned_eventual;
-- partitions serve 3,000 reads or 1,000 writes: 6,000 reads and 5 writes are three
SELECT ddb.update_table('{"TableName": "vt_cap_prov", "ProvisionedThroughput": {"ReadCapacityUnits": 6000, "WriteCapacityUnits": 5}}') IS NOT NULL AS updated;
SELECT ddb.scan('{"TableName": "vt_cap_prov", "ReturnConsumedCapacity": "TOTAL", "ConsistentRead": true}') -> 'ConsumedCapacity' AS provisioned_bigger;

-- clean up
SELECT count(ddb.delete_table(jsonb_build_object('TableName', t))) AS dropped
  FROM unnest(ARRAY['vt_hash', 'vt_stream', 'vt_sse_off', 'vt_sse', 'vt_sse_key', 'vt_cap', 'vt_cap_prov']) AS t;
