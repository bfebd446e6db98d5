-- conditions: ConditionExpression on PutItem, DeleteItem and UpdateItem,
-- every comparator and function, with DynamoDB's type semantics
\set VERBOSITY terse

SELECT ddb.create_table('cond', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "cond", "Item": {"pk": {"S": "a"},
  "s": {"S": "hello world"}, "n": {"N": "10"}, "b": {"B": "AAEC"}, "t": {"BOOL": true},
  "z": {"NULL": true}, "l": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"k": {"S": "v"}}}]},
  "m": {"M": {"core": {"M": {"deep": {"N": "3"}}}, "lst": {"L": [{"N": "1"}, {"N": "2"}]}}},
  "ss": {"SS": ["red", "green"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA==", "AQ=="]},
  "Version": {"N": "1"}, "dotted.name": {"S": "dots"}}}');

-- evaluate a condition against item "a": true, or the ConditionalCheckFailedException
-- 150 contains(s, :n) joined by OR, on the item "long"
CREATE FUNCTION check_long(needle text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.put_item(jsonb_build_object('TableName', 'cond',
        'Item', ddb.get_item('{"TableName": "cond", "Key": {"pk": {"S": "long"}}}') -> 'Item',
        'ConditionExpression', (SELECT string_agg('contains(s, :n)', ' OR ') FROM generate_series(1, 150)),
        'ExpressionAttributeValues', jsonb_build_object(':n', jsonb_build_object('S', needle))));
    RETURN 'true';
EXCEPTION WHEN SQLSTATE 'YD006' THEN
    RETURN 'false';
END $$;
-- a condition on the item "bins", with :x = 00 01 and :y = 03 04
CREATE FUNCTION check_bins(expr text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.put_item(jsonb_build_object('TableName', 'cond',
        'Item', ddb.get_item('{"TableName": "cond", "Key": {"pk": {"S": "bins"}}}') -> 'Item',
        'ConditionExpression', expr,
        'ExpressionAttributeValues', '{":x": {"B": "AAE="}, ":y": {"B": "AwQ="}}'::jsonb));
    RETURN 'true';
EXCEPTION WHEN SQLSTATE 'YD006' THEN
    RETURN 'false';
END $$;
CREATE FUNCTION check_cond(expr text, vals jsonb DEFAULT NULL, names jsonb DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.put_item(jsonb_strip_nulls(jsonb_build_object(
        'TableName', 'cond',
        'Item', (ddb.get_item('{"TableName": "cond", "Key": {"pk": {"S": "a"}}}') -> 'Item'),
        'ConditionExpression', expr,
        'ExpressionAttributeValues', vals,
        'ExpressionAttributeNames', names)));
    RETURN 'true';
EXCEPTION WHEN SQLSTATE 'YD006' THEN
    RETURN 'false';
END $$;

-- comparators on numbers, strings, binaries
SELECT check_cond('n = :v', '{":v": {"N": "10.0"}}') AS eq_number,
       check_cond('n <> :v', '{":v": {"N": "10"}}') AS ne_number,
       check_cond('n < :v', '{":v": {"N": "9"}}') AS lt_false,
       check_cond('n <= :v', '{":v": {"N": "10"}}') AS le_number,
       check_cond('n > :v', '{":v": {"N": "-1e3"}}') AS gt_number,
       check_cond('n >= :v', '{":v": {"N": "10.5"}}') AS ge_false;
SELECT check_cond('s < :v', '{":v": {"S": "hello world!"}}') AS prefix_sorts_first,
       check_cond('s > :v', '{":v": {"S": "Hello"}}') AS bytes_lowercase_after_upper,
       check_cond('b < :v', '{":v": {"B": "gA=="}}') AS binary_unsigned,
       check_cond('b = :v', '{":v": {"B": "AAEC"}}') AS binary_eq;
-- comparisons across types are false, not errors; <> across types is true
SELECT check_cond('n = :v', '{":v": {"S": "10"}}') AS n_eq_s,
       check_cond('n < :v', '{":v": {"S": "99"}}') AS n_lt_s,
       check_cond('n <> :v', '{":v": {"S": "10"}}') AS n_ne_s,
       check_cond('s < n') AS path_vs_path_types;
-- absent attributes: everything false but <>
SELECT check_cond('absent = :v', '{":v": {"N": "1"}}') AS eq_absent,
       check_cond('absent <> :v', '{":v": {"N": "1"}}') AS ne_absent,
       check_cond('absent < :v', '{":v": {"N": "1"}}') AS lt_absent,
       check_cond('absent = absent2') AS two_absent_eq,
       check_cond('absent <> absent2') AS two_absent_ne;
-- deep equality of lists, maps and sets (sets ignore order, NS compares numerically)
SELECT check_cond('l = :v', '{":v": {"L": [{"S": "x"}, {"N": "2.0"}, {"M": {"k": {"S": "v"}}}]}}') AS list_eq,
       check_cond('l = :v', '{":v": {"L": [{"N": "2"}, {"S": "x"}, {"M": {"k": {"S": "v"}}}]}}') AS list_order_matters,
       check_cond('m.core = :v', '{":v": {"M": {"deep": {"N": "3"}}}}') AS map_eq,
       check_cond('ss = :v', '{":v": {"SS": ["green", "red"]}}') AS set_eq,
       check_cond('ns = :v', '{":v": {"NS": ["2.50", "1"]}}') AS ns_eq,
       check_cond('t = :v AND z = :z', '{":v": {"BOOL": true}, ":z": {"NULL": true}}') AS bool_null;
-- document paths: nested maps, list indexes, names with placeholders
SELECT check_cond('m.core.deep = :v', '{":v": {"N": "3"}}') AS nested_map,
       check_cond('m.lst[1] = :v', '{":v": {"N": "2"}}') AS list_index,
       check_cond('l[2].k = :v', '{":v": {"S": "v"}}') AS index_then_member,
       check_cond('l[9] = :v', '{":v": {"S": "x"}}') AS index_out_of_range,
       check_cond('#d = :v', '{":v": {"S": "dots"}}', '{"#d": "dotted.name"}') AS dot_in_name,
       check_cond('#m.#i.deep = :v', '{":v": {"N": "3"}}', '{"#m": "m", "#i": "core"}') AS names_in_path,
       check_cond('s.x = :v', '{":v": {"S": "x"}}') AS member_of_string;
-- BETWEEN and IN
SELECT check_cond('n BETWEEN :lo AND :hi', '{":lo": {"N": "1"}, ":hi": {"N": "10"}}') AS between_inclusive,
       check_cond('n BETWEEN :lo AND :hi', '{":lo": {"N": "11"}, ":hi": {"N": "20"}}') AS between_outside,
       check_cond('s BETWEEN :lo AND :hi', '{":lo": {"S": "a"}, ":hi": {"S": "z"}}') AS between_strings,
       check_cond('n BETWEEN :lo AND :hi', '{":lo": {"S": "a"}, ":hi": {"S": "z"}}') AS between_types,
       check_cond('n IN (:a, :b, :c)', '{":a": {"S": "10"}, ":b": {"N": "1e1"}, ":c": {"BOOL": true}}') AS in_mixed,
       check_cond('n IN (:a)', '{":a": {"N": "11"}}') AS in_false;
-- functions
SELECT check_cond('attribute_exists(m.core)') AS exists_nested,
       check_cond('attribute_exists(m.nope)') AS exists_false,
       check_cond('attribute_not_exists(nope)') AS not_exists,
       check_cond('attribute_not_exists(pk)') AS not_exists_false,
       check_cond('attribute_type(ns, :t)', '{":t": {"S": "NS"}}') AS type_ns,
       check_cond('attribute_type(z, :t)', '{":t": {"S": "NULL"}}') AS type_null,
       check_cond('attribute_type(n, :t)', '{":t": {"S": "S"}}') AS type_false;
SELECT check_cond('begins_with(s, :p)', '{":p": {"S": "hello"}}') AS begins_s,
       check_cond('begins_with(s, :p)', '{":p": {"S": "world"}}') AS begins_false,
       check_cond('begins_with(b, :p)', '{":p": {"B": "AA=="}}') AS begins_b,
       check_cond('begins_with(n, :p)', '{":p": {"S": "1"}}') AS begins_number_item;
SELECT check_cond('contains(s, :v)', '{":v": {"S": "o w"}}') AS contains_substring,
       check_cond('contains(ss, :v)', '{":v": {"S": "red"}}') AS contains_ss,
       check_cond('contains(ss, :v)', '{":v": {"S": "re"}}') AS contains_ss_partial,
       check_cond('contains(ns, :v)', '{":v": {"N": "2.50"}}') AS contains_ns,
       check_cond('contains(bs, :v)', '{":v": {"B": "AQ=="}}') AS contains_bs,
       check_cond('contains(l, :v)', '{":v": {"N": "2"}}') AS contains_list,
       check_cond('contains(m, :v)', '{":v": {"S": "core"}}') AS contains_map_never;
SELECT check_cond('size(s) = :v', '{":v": {"N": "11"}}') AS size_string,
       check_cond('size(b) = :v', '{":v": {"N": "3"}}') AS size_binary,
       check_cond('size(l) = :v', '{":v": {"N": "3"}}') AS size_list,
       check_cond('size(m) = :v', '{":v": {"N": "2"}}') AS size_map,
       check_cond('size(ss) = :v', '{":v": {"N": "2"}}') AS size_set,
       check_cond('size(n) = :v', '{":v": {"N": "2"}}') AS size_number_false,
       check_cond('size(absent) < :v', '{":v": {"N": "2"}}') AS size_absent_false,
       check_cond('size(s) > size(l)') AS size_vs_size;
-- logic and precedence: NOT > AND > OR
SELECT check_cond('n = :x OR n = :ten AND s = :x', '{":x": {"N": "0"}, ":ten": {"N": "10"}}') AS and_first,
       check_cond('(n = :x OR n = :ten) AND s = :x', '{":x": {"N": "0"}, ":ten": {"N": "10"}}') AS parens,
       check_cond('NOT n = :x AND t = :t', '{":x": {"N": "0"}, ":t": {"BOOL": true}}') AS not_binds_tight,
       check_cond('not attribute_exists(nope) and NOT (n = :x)', '{":x": {"N": "0"}}') AS lowercase_keywords;

-- a failed condition changes nothing; the error can carry the item
SELECT ddb.put_item('{"TableName": "cond", "Item": {"pk": {"S": "a"}, "s": {"S": "changed"}},
  "ConditionExpression": "attribute_not_exists(pk)"}');
SELECT ddb.get_item('{"TableName": "cond", "Key": {"pk": {"S": "a"}}}') #>> '{Item,s,S}' AS unchanged;
\set VERBOSITY default
SELECT ddb.delete_item('{"TableName": "cond", "Key": {"pk": {"S": "a"}},
  "ConditionExpression": "n > :big", "ExpressionAttributeValues": {":big": {"N": "100"}},
  "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}');
-- nothing comes back for an item that does not exist
SELECT ddb.delete_item('{"TableName": "cond", "Key": {"pk": {"S": "nobody"}},
  "ConditionExpression": "attribute_exists(pk)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}');
\set VERBOSITY terse
-- conditions on items that do not exist: only *_not_exists and <> hold
SELECT ddb.put_item('{"TableName": "cond", "Item": {"pk": {"S": "new"}},
  "ConditionExpression": "attribute_not_exists(pk) AND absent <> :v", "ExpressionAttributeValues": {":v": {"N": "1"}}}');
SELECT ddb.delete_item('{"TableName": "cond", "Key": {"pk": {"S": "new"}},
  "ConditionExpression": "attribute_exists(pk)", "ReturnValues": "ALL_OLD"}');
SELECT ddb.delete_item('{"TableName": "cond", "Key": {"pk": {"S": "new"}}, "ConditionExpression": "attribute_exists(pk)"}');

-- Optimistic locking, the tutorial's flow: the second update with a stale Version fails
SELECT ddb.update_item('{"TableName": "cond", "Key": {"pk": {"S": "a"}},
  "UpdateExpression": "SET s = :s, Version = Version + :one", "ConditionExpression": "Version = :expected",
  "ExpressionAttributeValues": {":s": {"S": "first"}, ":one": {"N": "1"}, ":expected": {"N": "1"}},
  "ReturnValues": "UPDATED_NEW"}');
SELECT ddb.update_item('{"TableName": "cond", "Key": {"pk": {"S": "a"}},
  "UpdateExpression": "SET s = :s, Version = Version + :one", "ConditionExpression": "Version = :expected",
  "ExpressionAttributeValues": {":s": {"S": "stale"}, ":one": {"N": "1"}, ":expected": {"N": "1"}}}');
SELECT ddb.get_item('{"TableName": "cond", "Key": {"pk": {"S": "a"}}, "ProjectionExpression": "s, Version"}');

-- Invalid input: placeholders
SELECT check_cond('n = :v');
SELECT check_cond('#x = :v', '{":v": {"N": "1"}}');
SELECT check_cond('n = :v', '{":v": {"N": "1"}, ":w": {"N": "2"}}');
SELECT check_cond('n = :v', '{":v": {"N": "1"}}', '{"#unused": "x"}');
SELECT check_cond('n = :v', '{}');
SELECT check_cond('n = :v', '{":v": {"N": "1"}}', '{}');
SELECT check_cond('n = :v', '{"v": {"N": "1"}}');
SELECT check_cond('#n = :v', '{":v": {"N": "1"}}', '{"n": "x"}');
SELECT check_cond('n = :v', '{":v": {"N": "x1"}}');
SELECT check_cond('n = :v', '{":v": {}}');
SELECT ddb.put_item('{"TableName": "cond", "Item": {"pk": {"S": "x"}}, "ExpressionAttributeValues": {":v": {"N": "1"}}}');
-- Invalid input: constants of the wrong type
SELECT check_cond('n < :v', '{":v": {"L": []}}');
SELECT check_cond('n BETWEEN :a AND :b', '{":a": {"N": "1"}, ":b": {"S": "x"}}');
SELECT check_cond('n BETWEEN :a AND :b', '{":a": {"N": "2"}, ":b": {"N": "1"}}');
SELECT check_cond('begins_with(s, :v)', '{":v": {"N": "1"}}');
SELECT check_cond('attribute_type(s, :v)', '{":v": {"S": "STRING"}}');
SELECT check_cond('attribute_type(s, :v)', '{":v": {"N": "1"}}');
SELECT check_cond('contains(s, s)');
-- Invalid input: a comparison or two-operand function of one path with itself
SELECT check_cond('n = n');
SELECT check_cond('n <> n');
SELECT check_cond('m.x[1] >= m.x[1]');
SELECT check_cond('#a < n', NULL, '{"#a": "n"}');
SELECT check_cond('begins_with(s, s)');
SELECT check_cond('attribute_type(s, s)');
-- ... while different paths, sizes and BETWEEN / IN bounds may repeat
SELECT check_cond('m.x[1] = m.x[0]');
SELECT check_cond('size(s) = size(s)');
SELECT check_cond('n BETWEEN n AND n');
SELECT check_cond('n IN (n, n)');
-- Invalid input: mixing expressions with legacy parameters
SELECT ddb.put_item('{"TableName": "cond", "Item": {"pk": {"S": "x"}}, "ConditionExpression": "attribute_exists(pk)",
  "Expected": {"pk": {"Exists": false}}}');
-- Invalid input: a bad ReturnValuesOnConditionCheckFailure
SELECT ddb.put_item('{"TableName": "cond", "Item": {"pk": {"S": "x"}}, "ConditionExpression": "attribute_exists(pk)",
  "ReturnValuesOnConditionCheckFailure": "ALL_NEW"}');
SELECT count(*) FROM ddb_data.cond;

-- contains on long strings takes linear time: 150 searches of a 380 KB string
-- for a 190 KB one that is not there, then for one that ends it
SELECT ddb.put('cond', jsonb_build_object('pk', 'long', 's', repeat('a', 380000) || 'b'));
SELECT check_long(needle) FROM (VALUES (repeat('a', 190000) || 'c'), (repeat('a', 190000) || 'b')) AS n(needle);

-- binaries named many times in one condition are decoded once, each its own
SELECT ddb.put('cond', jsonb_build_object('pk', 'bins'));
SELECT ddb.update_item('{"TableName": "cond", "Key": {"pk": {"S": "bins"}}, "UpdateExpression": "SET b1 = :b1, b2 = :b2",
  "ExpressionAttributeValues": {":b1": {"B": "AAECAw=="}, ":b2": {"B": "AQIDBA=="}}}');
SELECT check_bins(expr) FROM (VALUES
  ('b1 < b2 AND contains(b1, :x) AND NOT contains(b2, :x) AND contains(b2, :y) AND NOT contains(b1, :y)'),
  ('b1 > b2 OR contains(b1, :y) OR contains(b2, :x) OR begins_with(b2, :x)'),
  ('begins_with(b1, :x) AND begins_with(b2, :y) AND size(b1) = size(b2) AND b1 <> b2')) AS e(expr);

-- Thousands of distinct expressions in one transaction: the parse cache is
-- replaced when full, and the replaced ones are freed as each call ends,
-- not kept until the transaction ends
BEGIN;
SELECT count(*) AS written FROM (
  SELECT ddb.put_item(jsonb_build_object('TableName', 'cond', 'Item', jsonb_build_object('pk', jsonb_build_object('S', 'many' || i)),
                                         'ConditionExpression', 'attribute_not_exists(x' || i || ')'))
  FROM generate_series(1, 2500) i) calls;
SELECT count(*) AS expression_caches FROM pg_backend_memory_contexts WHERE name = 'ddb expression cache';
ROLLBACK;
