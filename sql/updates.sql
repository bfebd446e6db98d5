-- updates: UpdateItem with SET, REMOVE, ADD and DELETE, ReturnValues, errors
\set VERBOSITY terse

SELECT ddb.create_table('upd', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;

-- run an update on item (pk "a", sk 1) and show what it returns
CREATE FUNCTION upd(expr text, vals jsonb DEFAULT NULL, names jsonb DEFAULT NULL,
                    rv text DEFAULT 'ALL_NEW', cond text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT ddb.update_item(jsonb_strip_nulls(jsonb_build_object(
        'TableName', 'upd', 'Key', '{"pk": {"S": "a"}, "sk": {"N": "1"}}'::jsonb,
        'UpdateExpression', expr, 'ConditionExpression', cond,
        'ExpressionAttributeValues', vals, 'ExpressionAttributeNames', names,
        'ReturnValues', rv)))
$$;
CREATE FUNCTION item() RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.get_item('{"TableName": "upd", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}') -> 'Item'
$$;

-- UpdateItem creates a missing item (upsert)
SELECT upd('SET n = :n, s = :s', '{":n": {"N": "5"}, ":s": {"S": "x"}}');
-- arithmetic, if_not_exists, list_append
SELECT upd('SET n = n + :d, m = :m', '{":d": {"N": "0.5"}, ":m": {"M": {"a": {"N": "1"}}}}');
SELECT upd('SET n = :d - n', '{":d": {"N": "10"}}', NULL, 'UPDATED_NEW');
SELECT upd('SET c = if_not_exists(c, :zero) + :one, s = if_not_exists(s, :other)',
           '{":zero": {"N": "0"}, ":one": {"N": "1"}, ":other": {"S": "unused"}}', NULL, 'UPDATED_NEW');
SELECT upd('SET l = list_append(if_not_exists(l, :empty), :v)', '{":empty": {"L": []}, ":v": {"L": [{"N": "1"}, {"N": "2"}]}}', NULL, 'UPDATED_NEW');
SELECT upd('SET l = list_append(:v, l)', '{":v": {"L": [{"N": "0"}]}}', NULL, 'UPDATED_NEW');
-- right-hand sides read the item before the update
SELECT upd('SET a = :v, b = n, n = :v', '{":v": {"N": "100"}}', NULL, 'UPDATED_NEW');
-- nested paths: map members and list elements; an index past the end appends
SELECT upd('SET m.b = :v, l[0] = :w, l[10] = :x', '{":v": {"S": "new"}, ":w": {"S": "first"}, ":x": {"S": "last"}}', NULL, 'UPDATED_NEW');
SELECT item() -> 'l';
-- REMOVE: attributes, map members, list elements (positions before removal)
SELECT upd('REMOVE a, m.a, l[1], l[3], nothing, l[99]', NULL, NULL, 'UPDATED_OLD');
SELECT item() -> 'l', item() -> 'm';
-- ADD numbers (missing counts as 0) and sets; DELETE from sets
SELECT upd('ADD c :five, fresh :five, tags :t', '{":five": {"N": "5"}, ":t": {"SS": ["b", "a"]}}', NULL, 'UPDATED_NEW');
SELECT upd('ADD tags :t, nums :n', '{":t": {"SS": ["c", "a"]}, ":n": {"NS": ["3", "1"]}}', NULL, 'UPDATED_NEW');
SELECT upd('DELETE tags :t, nums :n', '{":t": {"SS": ["a", "zz"]}, ":n": {"NS": ["1.0"]}}', NULL, 'UPDATED_NEW');
-- a set emptied by DELETE disappears
SELECT upd('DELETE nums :n', '{":n": {"NS": ["3"]}}', NULL, 'UPDATED_OLD');
SELECT item() ? 'nums' AS nums_left;
-- several clauses in any order, keywords in any case
SELECT upd('remove b add c :one Set d = :one', '{":one": {"N": "1"}}', NULL, 'UPDATED_NEW');
-- ReturnValues: NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW
SELECT upd('SET d = d + :one', '{":one": {"N": "1"}}', NULL, 'NONE');
SELECT upd('SET d = d + :one', '{":one": {"N": "1"}}', NULL, 'ALL_OLD') -> 'Attributes' -> 'd';
SELECT upd('SET d = d + :one', '{":one": {"N": "1"}}', NULL, 'UPDATED_OLD');
SELECT upd('SET d = d + :one', '{":one": {"N": "1"}}', NULL, 'UPDATED_NEW');
SELECT upd('SET d = d + :one', '{":one": {"N": "1"}}', NULL, 'ALL_NEW') -> 'Attributes' -> 'd';
-- updating to the same value still counts as updated
SELECT upd('SET d = :d', '{":d": {"N": "6"}}', NULL, 'UPDATED_OLD');
-- a condition guards the update
SELECT upd('SET d = :d', '{":d": {"N": "0"}, ":min": {"N": "100"}}', NULL, 'ALL_NEW', 'd > :min');
SELECT item() -> 'd';

-- no UpdateExpression: a key-only item is created
SELECT ddb.update_item('{"TableName": "upd", "Key": {"pk": {"S": "bare"}, "sk": {"N": "1"}}, "ReturnValues": "ALL_NEW"}');
-- only REMOVE on a missing item creates nothing
SELECT ddb.update_item('{"TableName": "upd", "Key": {"pk": {"S": "ghost"}, "sk": {"N": "1"}},
  "UpdateExpression": "REMOVE x.y", "ReturnValues": "ALL_NEW"}');
SELECT count(*) FROM ddb_data.upd WHERE pk = 'ghost';

-- the plain-JSON helper
SELECT ddb.update('upd', '{"pk": "counter", "sk": 1}', 'ADD hits :one SET #n = :name',
                  '{":one": 1, ":name": "home page"}', '{"#n": "name"}');
SELECT ddb.update('upd', '{"pk": "counter", "sk": 1}', 'ADD hits :one', '{":one": 1}') -> 'hits';

-- Invalid input: update expressions
SELECT upd('');
SELECT upd('SET pk = :v', '{":v": {"S": "x"}}');
SELECT upd('REMOVE sk');
SELECT upd('SET pk.x = :v', '{":v": {"S": "x"}}');
SELECT upd('SET a = :v, a = :w', '{":v": {"N": "1"}, ":w": {"N": "2"}}');
SELECT upd('SET m.a = :v REMOVE m', '{":v": {"N": "1"}}');
SELECT upd('SET m.a = :v REMOVE m[0]', '{":v": {"N": "1"}}');
SELECT upd('SET #a = :v, #b = :v', '{":v": {"N": "1"}}', '{"#a": "same", "#b": "same"}');
SELECT upd('SET #a = :v', '{":v": {"N": "1"}}', jsonb_build_object('#a', repeat('x', 65536)));
SELECT upd('SET m.#a = :v', '{":v": {"N": "1"}}', jsonb_build_object('#a', repeat('x', 65536)));
SELECT upd('SET x = s + :one', '{":one": {"N": "1"}}');
SELECT upd('SET x = n + :s', '{":s": {"S": "1"}}');
SELECT upd('SET x = list_append(:s, l)', '{":s": {"S": "1"}}');
SELECT upd('SET x = list_append(nope, :l)', '{":l": {"L": []}}');
SELECT upd('SET x = nope');
SELECT upd('SET nope.x = :one', '{":one": {"N": "1"}}');
SELECT upd('SET s[0] = :one', '{":one": {"N": "1"}}');
SELECT upd('REMOVE nope.x');
SELECT upd('ADD l :one', '{":one": {"N": "1"}}');
SELECT upd('ADD x :l', '{":l": {"L": []}}');
SELECT upd('ADD x :s', '{":s": {"S": "x"}}');
SELECT upd('ADD tags :n', '{":n": {"NS": ["1"]}}');
SELECT upd('DELETE x :n', '{":n": {"N": "1"}}');
SELECT upd('DELETE tags :n', '{":n": {"NS": ["1"]}}');
SELECT upd('SET n = :big + :big', '{":big": {"N": "9e125"}}');
SELECT upd('SET n = :big + :one', '{":big": {"N": "1e50"}, ":one": {"N": "1"}}');
SELECT upd('SET big = :v', jsonb_build_object(':v', jsonb_build_object('S', repeat('x', 409600))));
SELECT ddb.update_item('{"TableName": "upd", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "UpdateExpression": "SET x = :v",
  "ExpressionAttributeValues": {":v": {"N": "1"}}, "AttributeUpdates": {"y": {"Action": "PUT", "Value": {"N": "1"}}}}');
SELECT ddb.update_item('{"TableName": "upd", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ReturnValues": "EVERYTHING"}');
-- nothing above changed the item
SELECT item();
