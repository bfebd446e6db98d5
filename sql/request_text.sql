-- request_text: requests given as JSON text (the text overloads, ddb.call_text
-- and the HTTP endpoint) mean what the same requests given as jsonb mean,
-- whichever way the text is read: most by a quick path, the rest (numbers,
-- escapes, duplicate keys, malformed text) by jsonb_in. Items already in
-- the normalized form are kept as they are; the others are normalized.
\set VERBOSITY terse
SELECT ddb.create_table('rtext', partition_key => 'pk') IS NOT NULL AS created;

-- the same item through the text and the jsonb overloads
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "t"}, "l": {"L": [{"S": "a"}, {"NULL": true},
    {"BOOL": false}, {"M": {"x": {"N": "-12"}, "e": {"S": ""}}}]}, "n": {"N": "0"}, "big": {"N": "12345678901234567890123456789012345678"}}}'::text);
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "j"}, "l": {"L": [{"S": "a"}, {"NULL": true},
    {"BOOL": false}, {"M": {"x": {"N": "-12"}, "e": {"S": ""}}}]}, "n": {"N": "0"}, "big": {"N": "12345678901234567890123456789012345678"}}}'::jsonb);
SELECT (SELECT item - 'pk' FROM ddb_data.rtext WHERE pk = 't') = (SELECT item - 'pk' FROM ddb_data.rtext WHERE pk = 'j') AS same;
SELECT item FROM ddb_data.rtext WHERE pk = 't';
-- white space anywhere, members in any order
SELECT ddb.get_item(E' {\n\t"Key" : { "pk" : {"S":"t"} } ,\r"TableName":"rtext" , "ConsistentRead": true } '::text)
     = ddb.get_item('{"TableName": "rtext", "Key": {"pk": {"S": "t"}}}'::jsonb) AS same;
-- numbers and escapes in the text (read by jsonb_in)
SELECT ddb.call_text('Scan', '{"TableName": "rtext", "Limit": 1, "ProjectionExpression": "pk"}');
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "e\"sc\\aped\n"}, "v": {"S": "\u00e9"}}}'::text);
SELECT item FROM ddb_data.rtext WHERE pk LIKE 'e%';
-- values that normalizing changes: numbers, sets
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "norm"}, "n": {"N": "007.50"}, "m": {"N": "-0"},
    "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["10", "2"]}, "b": {"B": "AAE="}, "x": {"S": "y", "N": null}}}'::text);
SELECT item FROM ddb_data.rtext WHERE pk = 'norm';
-- a duplicate key: the last one counts, as for jsonb
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "dup"}, "a": {"S": "first"}, "a": {"S": "last"}}}'::text);
SELECT item FROM ddb_data.rtext WHERE pk = 'dup';

-- Invalid input: malformed text is SerializationException
SELECT ddb.get_item('{"TableName": "rtext", "Key": {"pk": {"S": "t"}}'::text);
SELECT ddb.get_item('{"TableName": "rtext", "Key": {"pk": {"S": "t"}}} x'::text);
SELECT ddb.get_item('{"TableName": "rtext", "Key": {"pk": {"S": "t"}}, "ConsistentRead": truex}'::text);
SELECT ddb.get_item(E'{"TableName": "rtext", "Key": {"pk": {"S": "t\x01"}}}'::text);
-- Invalid input: a request that is not an object
SELECT ddb.get_item('["TableName"]'::text);
SELECT ddb.get_item('"TableName"'::text);
-- Invalid input: items the quick checks leave to normalizing, which refuses them
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "bad"}, "n": {"N": "01x"}}}'::text);
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "bad"}, "": {"S": "x"}}}'::text);
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "bad"}, "v": {"NULL": false}}}'::text);
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "bad"}, "v": {"S": 1}}}'::text);
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "bad"}, "v": {}}}'::text);
SELECT ddb.put_item('{"TableName": "rtext", "Item": {"pk": {"S": "bad"}, "v": {"L": ["x"]}}}'::text);
SELECT count(*) AS bad_rows FROM ddb_data.rtext WHERE pk = 'bad';

SELECT ddb.delete_table('{"TableName": "rtext"}') IS NOT NULL AS deleted;
