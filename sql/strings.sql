-- strings: DynamoDB strings may hold any character, U+0000 included, in
-- values, sets, keys and attribute names. ddb.call_text carries them as
-- JSON text both ways; the jsonb functions carry every other character and
-- refuse a response that holds U+0000. Key order, Query ranges,
-- begins_with, contains, size, sizes and limits are those of the strings.
\set VERBOSITY terse
CREATE FUNCTION try_text(op text, request text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN ddb.call_text(op, request);
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT ddb.create_table('nul', partition_key => 'pk', sort_key => 'sk') IS NOT NULL AS created;

-- round trips of U+0000 through PutItem and GetItem: values, sets, keys, names
SELECT ddb.call_text('PutItem', '{"TableName": "nul", "Item": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"},
    "s": {"S": "a\u0000b\u0001c\u0000\u0000"}, "ss": {"SS": ["\u0000", "\u0001", "\u0000\u0000", ""]},
    "n\u0000me": {"S": "named"}, "m": {"M": {"\u0000": {"L": [{"S": "\u0000\u0001\u0002"}]}}}}}');
SELECT ddb.call_text('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"}}}');
-- an escaped backslash followed by u0000 is not the character
SELECT ddb.call_text('PutItem', '{"TableName": "nul", "Item": {"pk": {"S": "\\u0000"}, "sk": {"S": "\\\\u0001"}}}');
SELECT ddb.call_text('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "\\u0000"}, "sk": {"S": "\\\\u0001"}}}');
-- U+0001 travels through the jsonb functions too
SELECT ddb.put_item('{"TableName": "nul", "Item": {"pk": {"S": "one"}, "sk": {"S": "\u0001"}, "v": {"S": "x\u0001y"}}}');
SELECT ddb.get_item('{"TableName": "nul", "Key": {"pk": {"S": "one"}, "sk": {"S": "\u0001"}}}');
SELECT ddb.get('nul', '{"pk": "one", "sk": "\u0001"}');
-- Invalid input: a jsonb function whose response would hold U+0000
SELECT ddb.get_item('{"TableName": "nul", "Key": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"}}}');
SELECT ddb.call('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"}}}'::text);
-- ... while one whose response does not is fine
SELECT ddb.get_item('{"TableName": "nul", "Key": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"}}, "ProjectionExpression": "nothing"}');
-- Invalid input: malformed JSON text is still a SerializationException
SELECT try_text('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "\u000"}}}');
SELECT try_text('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "' || chr(1) || '"}}}');

-- Key order is DynamoDB's byte order: "a" < "a\0" < "a\0\0" < "a\0b" < "a\1" < "a\1\0" < "a\2" < "ab"
SELECT ddb.call_text('BatchWriteItem', '{"RequestItems": {"nul": [
    {"PutRequest": {"Item": {"pk": {"S": "order"}, "sk": {"S": "ab"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "order"}, "sk": {"S": "a\u0002"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "order"}, "sk": {"S": "a\u0001\u0000"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "order"}, "sk": {"S": "a\u0001"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "order"}, "sk": {"S": "a\u0000b"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "order"}, "sk": {"S": "a\u0000\u0000"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "order"}, "sk": {"S": "a\u0000"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "order"}, "sk": {"S": "a"}}}}]}}');
SELECT ddb.call_text('Query', '{"TableName": "nul", "KeyConditionExpression": "pk = :p",
    "ExpressionAttributeValues": {":p": {"S": "order"}}, "ProjectionExpression": "sk"}');
SELECT ddb.call_text('Query', '{"TableName": "nul", "KeyConditionExpression": "pk = :p", "ScanIndexForward": false,
    "ExpressionAttributeValues": {":p": {"S": "order"}}, "ProjectionExpression": "sk"}');
-- ranges and begins_with across U+0000 and U+0001
SELECT ddb.call_text('Query', '{"TableName": "nul", "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":a": {"S": "a\u0000"}, ":b": {"S": "a\u0001"}}, "ProjectionExpression": "sk"}');
SELECT ddb.call_text('Query', '{"TableName": "nul", "KeyConditionExpression": "pk = :p AND begins_with(sk, :a)",
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":a": {"S": "a\u0000"}}, "ProjectionExpression": "sk"}');
SELECT ddb.call_text('Query', '{"TableName": "nul", "KeyConditionExpression": "pk = :p AND begins_with(sk, :a)",
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":a": {"S": "a\u0001"}}, "ProjectionExpression": "sk"}');
SELECT ddb.call_text('Query', '{"TableName": "nul", "KeyConditionExpression": "pk = :p AND sk < :a",
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":a": {"S": "a\u0000\u0001"}}, "ProjectionExpression": "sk"}');
-- paging: LastEvaluatedKey holds U+0000 and is taken back as ExclusiveStartKey
SELECT ddb.call_text('Query', '{"TableName": "nul", "KeyConditionExpression": "pk = :p AND sk > :a", "Limit": 2,
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":a": {"S": "a"}}, "ProjectionExpression": "sk"}');
SELECT ddb.call_text('Query', '{"TableName": "nul", "KeyConditionExpression": "pk = :p AND sk > :a", "Limit": 2,
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":a": {"S": "a"}}, "ProjectionExpression": "sk",
    "ExclusiveStartKey": {"pk": {"S": "order"}, "sk": {"S": "a\u0000\u0000"}}}');
SELECT ddb.call_text('Scan', '{"TableName": "nul", "Limit": 3, "ProjectionExpression": "pk, sk",
    "ExclusiveStartKey": {"pk": {"S": "order"}, "sk": {"S": "a\u0000b"}}}');

-- conditions and filters: contains, begins_with, size and comparisons see the strings
SELECT ddb.call_text('Scan', '{"TableName": "nul", "ProjectionExpression": "sk",
    "FilterExpression": "pk = :p AND contains(sk, :z)",
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":z": {"S": "\u0000"}}}');
-- a stored U+0001 U+0002 is not the string U+0002 (no match inside a code word)
SELECT ddb.call_text('Scan', '{"TableName": "nul", "ProjectionExpression": "sk",
    "FilterExpression": "pk = :p AND contains(sk, :z)",
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":z": {"S": "\u0002"}}}');
SELECT ddb.call_text('Scan', '{"TableName": "nul", "ProjectionExpression": "sk",
    "FilterExpression": "pk = :p AND size(sk) = :three",
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":three": {"N": "3"}}}');
SELECT ddb.call_text('Scan', '{"TableName": "nul", "ProjectionExpression": "sk",
    "FilterExpression": "pk = :p AND sk > :a AND sk <= :b",
    "ExpressionAttributeValues": {":p": {"S": "order"}, ":a": {"S": "a\u0000\u0000"}, ":b": {"S": "a\u0001\u0000"}}}');
SELECT ddb.call_text('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"}},
    "ProjectionExpression": "m.#z[0], ss", "ExpressionAttributeNames": {"#z": "\u0000"}}');
-- updates: names and values with U+0000, ReturnValues, and a condition on them
SELECT ddb.call_text('UpdateItem', '{"TableName": "nul", "Key": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"}},
    "UpdateExpression": "SET #n = :v, m.#z[1] = :v ADD ss :add",
    "ConditionExpression": "begins_with(s, :pre) AND contains(ss, :z) AND size(s) = :six",
    "ExpressionAttributeNames": {"#n": "n\u0000me", "#z": "\u0000"},
    "ExpressionAttributeValues": {":v": {"S": "\u0000v"}, ":add": {"SS": ["\u0000\u0001"]},
        ":pre": {"S": "a\u0000"}, ":z": {"S": "\u0000"}, ":six": {"N": "7"}},
    "ReturnValues": "UPDATED_NEW"}');
SELECT ddb.call_text('UpdateItem', '{"TableName": "nul", "Key": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"}},
    "UpdateExpression": "DELETE ss :del REMOVE #n", "ExpressionAttributeNames": {"#n": "n\u0000me"},
    "ExpressionAttributeValues": {":del": {"SS": ["\u0001", "\u0000"]}}, "ReturnValues": "ALL_NEW"}');
-- Invalid input: a failed condition returns the item, U+0000 and all, in DETAIL
\set VERBOSITY default
SELECT ddb.call_text('DeleteItem', '{"TableName": "nul", "Key": {"pk": {"S": "p\u0000"}, "sk": {"S": "\u0000"}},
    "ConditionExpression": "s = :x", "ExpressionAttributeValues": {":x": {"S": "\u0000"}},
    "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}');
\set VERBOSITY terse
-- transactions and batches
SELECT ddb.call_text('TransactWriteItems', '{"TransactItems": [
    {"Put": {"TableName": "nul", "Item": {"pk": {"S": "t\u0000"}, "sk": {"S": "1"}, "v": {"S": "\u0000"}}}},
    {"Update": {"TableName": "nul", "Key": {"pk": {"S": "t\u0000"}, "sk": {"S": "2"}}, "UpdateExpression": "SET v = :v",
               "ExpressionAttributeValues": {":v": {"S": "\u0000\u0000"}}}}]}');
SELECT ddb.call_text('TransactGetItems', '{"TransactItems": [
    {"Get": {"TableName": "nul", "Key": {"pk": {"S": "t\u0000"}, "sk": {"S": "1"}}}},
    {"Get": {"TableName": "nul", "Key": {"pk": {"S": "t\u0000"}, "sk": {"S": "2"}}}}]}');
SELECT ddb.call_text('BatchGetItem', '{"RequestItems": {"nul": {"Keys": [{"pk": {"S": "t\u0000"}, "sk": {"S": "2"}}]}}}');
SELECT ddb.call_text('DeleteItem', '{"TableName": "nul", "Key": {"pk": {"S": "t\u0000"}, "sk": {"S": "1"}}, "ReturnValues": "ALL_OLD"}');
SELECT ddb.call_text('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "t\u0000"}, "sk": {"S": "1"}}}');

-- sizes are those of the strings: 1,024 U+0000 cost what 1,024 bytes do
SELECT ddb.call_text('PutItem', '{"TableName": "nul", "ReturnConsumedCapacity": "TOTAL", "Item": {"pk": {"S": "size"}, "sk": {"S": "1"}, "s": {"S": "'
    || repeat('\u0000', 1010) || '"}}}');
SELECT ddb.call_text('PutItem', '{"TableName": "nul", "ReturnConsumedCapacity": "TOTAL", "Item": {"pk": {"S": "size"}, "sk": {"S": "2"}, "s": {"S": "'
    || repeat('\u0000', 1020) || '"}}}');
-- an item of exactly 400 KB: names pk, sk, s (5 bytes), "size", "3" and 409,590 U+0000
SELECT ddb.call_text('PutItem', '{"TableName": "nul", "Item": {"pk": {"S": "size"}, "sk": {"S": "3"}, "s": {"S": "'
    || repeat('\u0000', 409590) || '"}}}');
SELECT length(ddb.call_text('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "size"}, "sk": {"S": "3"}}}'));
-- Invalid input: one more is over the limit
SELECT try_text('PutItem', '{"TableName": "nul", "Item": {"pk": {"S": "size"}, "sk": {"S": "4"}, "s": {"S": "'
    || repeat('\u0000', 409591) || '"}}}');
-- key limits count the strings' bytes: a sort key of 1,024 U+0000 fits, 1,025 do not
SELECT ddb.call_text('PutItem', '{"TableName": "nul", "Item": {"pk": {"S": "size"}, "sk": {"S": "' || repeat('\u0000', 1024) || '"}}}');
SELECT try_text('PutItem', '{"TableName": "nul", "Item": {"pk": {"S": "size"}, "sk": {"S": "' || repeat('\u0000', 1025) || '"}}}');
-- Invalid input: a key of only U+0000 is not empty, an empty one still is
SELECT try_text('GetItem', '{"TableName": "nul", "Key": {"pk": {"S": "\u0000"}, "sk": {"S": ""}}}');

-- SQL sees the stored form: U+0000 as U+0001 U+0001, U+0001 as U+0001 U+0002
SELECT replace(replace(sk, chr(1), '<1>'), chr(2), '<2>') AS stored_sk
  FROM ddb_data.nul WHERE pk = 'order' AND sk > E'a\x01\x01' ORDER BY sk;
SELECT count(*) FROM ddb_data.nul WHERE pk = E'p\x01\x01' AND item -> 's' ->> 'S' = E'a\x01\x01b\x01\x02c\x01\x01\x01\x01';

DROP FUNCTION try_text(text, text);
SELECT ddb.delete_table('{"TableName": "nul"}') -> 'TableDescription' -> 'TableName';
