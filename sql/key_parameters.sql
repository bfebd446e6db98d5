-- key_parameters: Key parameters of GetItem and DeleteItem, read without
-- normalizing the whole map when they are exactly the table's key (S and N)
-- and through the full validation otherwise; both give DynamoDB's answers
\set VERBOSITY terse

SELECT ddb.create_table('kp_s', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.create_table('kp_ns', partition_key => 'id', partition_key_type => 'N',
                        sort_key => 'sk', sort_key_type => 'S') IS NOT NULL AS created;
SELECT ddb.create_table('kp_b', partition_key => 'bin', partition_key_type => 'B') IS NOT NULL AS created;

SELECT ddb.put_item('{"TableName": "kp_s", "Item": {"pk": {"S": "a"}, "v": {"N": "1"}}}');
SELECT ddb.put_item('{"TableName": "kp_ns", "Item": {"id": {"N": "10"}, "sk": {"S": "x"}, "v": {"N": "2"}}}');
SELECT ddb.put_item('{"TableName": "kp_b", "Item": {"bin": {"B": "AAE="}, "v": {"N": "3"}}}');

-- numbers are found by value, whatever their spelling
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"id": {"N": "10"}, "sk": {"S": "x"}}}') -> 'Item' -> 'v';
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"sk": {"S": "x"}, "id": {"N": "1.0E1"}}}') -> 'Item' -> 'v';
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"id": {"N": "0010.000"}, "sk": {"S": "x"}}}') -> 'Item' -> 'v';
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"id": {"N": "11"}, "sk": {"S": "x"}}}');
-- binary keys and keys with members DynamoDB ignores (a null type) take the full path
SELECT ddb.get_item('{"TableName": "kp_b", "Key": {"bin": {"B": "AAE="}}}') -> 'Item' -> 'v';
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"S": "a", "N": null}}}') -> 'Item' -> 'v';
-- U+0000 in a key
SELECT ddb.call_text('PutItem', '{"TableName": "kp_s", "Item": {"pk": {"S": "n\u0000l"}, "v": {"N": "4"}}}');
SELECT ddb.call_text('GetItem', '{"TableName": "kp_s", "Key": {"pk": {"S": "n\u0000l"}}}');
SELECT ddb.call_text('DeleteItem', '{"TableName": "kp_s", "Key": {"pk": {"S": "n\u0000l"}}, "ReturnValues": "ALL_OLD"}');
SELECT ddb.call_text('GetItem', '{"TableName": "kp_s", "Key": {"pk": {"S": "n\u0000l"}}}');

-- Invalid input: an empty string key
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"S": ""}}}');
SELECT ddb.delete_item('{"TableName": "kp_s", "Key": {"pk": {"S": ""}}}');
-- Invalid input: a number that is not one, or out of range
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"id": {"N": "x"}, "sk": {"S": "x"}}}');
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"id": {"N": "1E126"}, "sk": {"S": "x"}}}');
-- Invalid input: values are validated before keys are checked: a bad number
-- is reported before an empty string, whatever the order of the members
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"id": {"N": "x"}, "sk": {"S": ""}}}');
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"sk": {"S": ""}, "id": {"N": "x"}}}');
-- Invalid input: key values over DynamoDB's sizes
SELECT ddb.get_item(jsonb_build_object('TableName', 'kp_s', 'Key',
       jsonb_build_object('pk', jsonb_build_object('S', repeat('k', 2049)))));
SELECT ddb.get_item(jsonb_build_object('TableName', 'kp_ns', 'Key',
       jsonb_build_object('id', '{"N": "1"}'::jsonb, 'sk', jsonb_build_object('S', repeat('k', 1025)))));
-- Invalid input: a key of the wrong type, a missing or an extra attribute
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"N": "1"}}}');
SELECT ddb.get_item('{"TableName": "kp_ns", "Key": {"id": {"N": "10"}}}');
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"S": "a"}, "x": {"S": "b"}}}');
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"other": {"S": "a"}}}');
-- Invalid input: two types in one value, a non-string payload, a null key
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"S": "a", "N": "1"}}}');
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"S": 5}}}');
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": null}}');
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"S": null}}}');
-- Invalid input: a Key that is not a map
SELECT ddb.get_item('{"TableName": "kp_s", "Key": [{"pk": {"S": "a"}}]}');
SELECT ddb.get_item('{"TableName": "kp_s", "Key": "a"}');
-- Invalid input: an unknown request member, next to known ones
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"S": "a"}}, "ConsistentReads": true}');
SELECT ddb.get_item('{"TableName": "kp_s", "Key": {"pk": {"S": "a"}}, "Ke": 1}');
-- Invalid input: table names that break the rules
SELECT ddb.get_item('{"TableName": "k!", "Key": {"pk": {"S": "a"}}}');

-- nothing was deleted by the refused DeleteItem
SELECT count(*) FROM ddb_data.kp_s;
SELECT ddb.delete_table('{"TableName": "kp_s"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "kp_ns"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "kp_b"}') IS NOT NULL AS deleted;
