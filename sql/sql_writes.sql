-- sql_writes: item tables are ordinary tables. Plain SQL writes rows with
-- their key columns; the item check (CONSTRAINT ddb_item_is_valid) refuses
-- a row that is not a valid item in the stored form or whose key columns
-- differ from its key attributes. Where the check was replaced, reads check
-- items instead, and refuse a malformed one with an InternalServerError
-- naming the problem.
\set VERBOSITY terse
SELECT ddb.create_table('raw', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.create_table('raw_sorted', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;

-- valid items written with SQL (key columns supplied) are items like any other
INSERT INTO ddb_data.raw (pk, item) VALUES
  ('ok', '{"pk": {"S": "ok"}, "n": {"N": "-12.5"}, "b": {"B": "AAE="}, "l": {"L": [{"NULL": true}, {"BOOL": false}]},
     "m": {"M": {"s": {"SS": ["a", "b"]}}}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}}');
SELECT ddb.get('raw', '{"pk": "ok"}');
-- the key columns' documented expressions
INSERT INTO ddb_data.raw_sorted (pk, sk, item)
SELECT i -> 'pk' ->> 'S', (i -> 'sk' ->> 'N')::numeric, i
  FROM (VALUES ('{"pk": {"S": "expr"}, "sk": {"N": "100"}}'::jsonb)) v(j), ddb.stored_form(j) i;
SELECT ddb.get('raw_sorted', '{"pk": "expr", "sk": 100}');
-- strings holding U+0001 are written in the stored form
INSERT INTO ddb_data.raw (pk, item)
SELECT i -> 'pk' ->> 'S', i FROM ddb.stored_form('{"pk": {"S": "\u0001x"}, "v": {"SS": ["\u0001", "a"]}}') i;
SELECT ddb.get_item('{"TableName": "raw", "Key": {"pk": {"S": "\u0001x"}}}');

-- Invalid input: rows that are not valid items, or whose key columns differ
-- from their key attributes, are refused by the item check
CREATE TEMP TABLE bad_values (name text, value jsonb);
INSERT INTO bad_values VALUES
  ('list as string', '{"L": "zzz@zzzzzzzzzzzz"}'),
  ('list as number', '{"L": 5}'),
  ('map as array', '{"M": [1]}'),
  ('string as number', '{"S": 5}'),
  ('number as number', '{"N": 5}'),
  ('number not canonical', '{"N": "1e3"}'),
  ('number too big', ('{"N": "1' || repeat('0', 130) || '"}')::jsonb),
  ('bad base64', '{"B": "A"}'),
  ('bool as string', '{"BOOL": "true"}'),
  ('null false', '{"NULL": false}'),
  ('empty set', '{"SS": []}'),
  ('set of numbers', '{"SS": [1]}'),
  ('number set element', '{"NS": ["01"]}'),
  ('binary set element', '{"BS": ["Zm9v!"]}'),
  ('two types', '{"S": "a", "N": "1"}'),
  ('unknown type', '{"X": "a"}'),
  ('not an object', '"text"'),
  ('bad element in list', '{"L": [{"S": "a"}, 7]}'),
  ('too deep', (repeat('{"L": [', 33) || '{"S": "x"}' || repeat(']}', 33))::jsonb),
  ('unsorted set', '{"SS": ["b", "a"]}'),
  ('duplicate numbers', '{"NS": ["1", "1"]}'),
  ('unsorted binaries', '{"BS": ["AQ==", "AA=="]}'),
  ('lone escape', '{"S": "a\u0001"}'),
  ('bad escape', '{"SS": ["\u0001\u0003"]}'),
  ('too big', jsonb_build_object('S', repeat('x', 409600)));
CREATE FUNCTION try_sql(statement text, VARIADIC args text[] DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement USING args[1], args[2];
    RETURN 'written';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT name, try_sql('INSERT INTO ddb_data.raw (pk, item) VALUES ($1, $2::jsonb)', name,
                     jsonb_build_object('pk', jsonb_build_object('S', name), 'v', value)::text)
  FROM bad_values ORDER BY name;
SELECT try_sql('INSERT INTO ddb_data.raw (pk, item) VALUES ($1, $2::jsonb)', 'empty name', '{"pk": {"S": "empty name"}, "": {"S": "x"}}');
SELECT try_sql('INSERT INTO ddb_data.raw (pk, item) VALUES ($1, $2::jsonb)', 'other', '{"pk": {"S": "key"}}');
SELECT try_sql('INSERT INTO ddb_data.raw (pk, item) VALUES ($1, $2::jsonb)', 'nokey', '{"x": {"S": "key"}}');
SELECT try_sql('INSERT INTO ddb_data.raw (pk, item) VALUES ($1, $2::jsonb)', '1', '{"pk": {"N": "1"}}');
SELECT try_sql('INSERT INTO ddb_data.raw_sorted (pk, sk, item) VALUES ($1, $2::numeric, ''{"pk": {"S": "a"}, "sk": {"N": "2"}}'')', 'a', '3');
SELECT try_sql('UPDATE ddb_data.raw SET pk = $1 WHERE pk = $2', 'changed', 'ok');
SELECT try_sql('UPDATE ddb_data.raw SET item = item - ''pk'' WHERE pk = $1', 'ok');
-- keys DynamoDB would not store: empty, or longer than 2048 bytes
SELECT try_sql('INSERT INTO ddb_data.raw (pk, item) VALUES ($1, $2::jsonb)', '', '{"pk": {"S": ""}}');
SELECT try_sql('INSERT INTO ddb_data.raw (pk, item) VALUES ($1, jsonb_build_object(''pk'', jsonb_build_object(''S'', $1)))',
               repeat('k', 2049));
-- the item check stays
ALTER TABLE ddb_data.raw DROP CONSTRAINT ddb_item_is_valid;
SELECT count(*) FROM ddb_data.raw;

-- An owner who replaces the item check gets rows that were not checked:
-- reads then check every item, and a malformed one is an InternalServerError
ALTER TABLE ddb_data.raw DROP CONSTRAINT ddb_item_is_valid,
    ADD CONSTRAINT ddb_item_is_valid CHECK (item IS NOT NULL);
SELECT ddb.get('raw', '{"pk": "ok"}');
INSERT INTO ddb_data.raw (pk, item) SELECT name, jsonb_build_object('pk', jsonb_build_object('S', name), 'v', value) FROM bad_values;
INSERT INTO ddb_data.raw (pk, item) VALUES ('empty name', '{"pk": {"S": "empty name"}, "": {"S": "x"}}');
INSERT INTO ddb_data.raw (pk, item) VALUES ('', '{"pk": {"S": ""}}');
SELECT ddb.create_table('raw_keys', partition_key => 'pk') IS NOT NULL AS created;
ALTER TABLE ddb_data.raw_keys DROP CONSTRAINT ddb_item_is_valid,
    ADD CONSTRAINT ddb_item_is_valid CHECK (true);
INSERT INTO ddb_data.raw_keys (pk, item) VALUES (repeat('k', 2049), jsonb_build_object('pk', jsonb_build_object('S', repeat('k', 2049))));
CREATE FUNCTION try(request jsonb, op text DEFAULT 'GetItem') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN ddb.call(op, request)::text;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT name, try(jsonb_build_object('TableName', 'raw', 'Key', jsonb_build_object('pk', jsonb_build_object('S', name))))
  FROM bad_values ORDER BY name;
SELECT try('{"TableName": "raw", "Key": {"pk": {"S": "empty name"}}}');
SELECT try('{"TableName": "raw_keys"}', 'Scan');
-- every read path refuses them
SELECT try('{"TableName": "raw"}', 'Scan');
SELECT try('{"TableName": "raw", "KeyConditionExpression": "pk = :k", "ExpressionAttributeValues": {":k": {"S": "map as array"}}}', 'Query');
SELECT try('{"RequestItems": {"raw": {"Keys": [{"pk": {"S": "list as number"}}]}}}', 'BatchGetItem');
SELECT try('{"TransactItems": [{"Get": {"TableName": "raw", "Key": {"pk": {"S": "list as string"}}}}]}', 'TransactGetItems');
SELECT try('{"TableName": "raw", "Key": {"pk": {"S": "bad base64"}}, "ReturnValues": "ALL_OLD"}', 'DeleteItem');
SELECT try('{"TableName": "raw", "Key": {"pk": {"S": "too deep"}}, "UpdateExpression": "SET x = :x", "ExpressionAttributeValues": {":x": {"S": "y"}}}', 'UpdateItem');
SELECT try('{"TableName": "raw", "Item": {"pk": {"S": "null false"}}, "ConditionExpression": "attribute_exists(v)"}', 'PutItem');
-- ... and changes nothing: every bad row is still there, as written
SELECT count(*) FROM ddb_data.raw r JOIN bad_values b ON r.pk = b.name AND r.item -> 'v' = b.value;
-- a blind overwrite replaces a bad item without reading it
SELECT ddb.put_item('{"TableName": "raw", "Item": {"pk": {"S": "bad base64"}, "v": {"B": "AA=="}}}');
SELECT ddb.get('raw', '{"pk": "bad base64"}');

-- Calls in one statement see each other's writes, as consistent reads do
SELECT ddb.put_item('{"TableName": "raw_sorted", "Item": {"pk": {"S": "vis"}, "sk": {"N": "1"}}}') AS put,
       ddb.get_item('{"TableName": "raw_sorted", "Key": {"pk": {"S": "vis"}, "sk": {"N": "1"}}, "ConsistentRead": true}') AS get,
       ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "raw_sorted", "Key": {"pk": {"S": "vis"}, "sk": {"N": "1"}}}}]}') AS transact_get;
SELECT i, ddb.put_item(jsonb_build_object('TableName', 'raw_sorted', 'Item',
                                          jsonb_build_object('pk', '{"S": "count"}'::jsonb, 'sk', jsonb_build_object('N', i::text)))) AS put,
          ddb.query('{"TableName": "raw_sorted", "KeyConditionExpression": "pk = :k", "ExpressionAttributeValues": {":k": {"S": "count"}}, "Select": "COUNT"}') -> 'Count' AS query_count,
          ddb.scan('{"TableName": "raw_sorted", "Select": "COUNT"}') -> 'Count' AS scan_count
  FROM generate_series(1, 3) i;

DROP FUNCTION try(jsonb, text);
DROP FUNCTION try_sql(text, text[]);
SELECT ddb.delete_table('{"TableName": "raw"}') -> 'TableDescription' -> 'TableName';
SELECT ddb.delete_table('{"TableName": "raw_keys"}') -> 'TableDescription' -> 'TableName';
SELECT ddb.delete_table('{"TableName": "raw_sorted"}') -> 'TableDescription' -> 'TableName';
