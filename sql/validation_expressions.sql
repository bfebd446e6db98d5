-- validation_expressions: what DynamoDB checks in expressions and legacy
-- parameters before (or regardless of) the items it reads: size() of a
-- value, attribute_type's type name, nested list_append, filters on empty
-- results, legacy type mismatches, attribute name lengths
\set VERBOSITY terse

SELECT ddb.create_table('vexp', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.create_table('vexp_q', partition_key => 'pk', sort_key => 'sk') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "vexp", "Item": {"pk": {"S": "a"}, "s": {"S": "hello"},
  "n": {"N": "5"}, "l": {"L": [{"S": "x"}, {"N": "1"}]}, "ss": {"SS": ["a", "1"]},
  "ns": {"NS": ["1", "2"]}}}');

-- a condition on item "a": true, false (ConditionalCheckFailedException), or the error
CREATE FUNCTION vcheck(expr text, vals jsonb DEFAULT NULL, names jsonb DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.put_item(jsonb_strip_nulls(jsonb_build_object(
        'TableName', 'vexp',
        'Item', ddb.get_item('{"TableName": "vexp", "Key": {"pk": {"S": "a"}}}') -> 'Item',
        'ConditionExpression', expr,
        'ExpressionAttributeValues', vals,
        'ExpressionAttributeNames', names)));
    RETURN 'true';
EXCEPTION WHEN SQLSTATE 'YD006' THEN
    RETURN 'false';
END $$;

-- size() of a value placeholder: characters of a string, bytes of a
-- binary, elements of a list, set or map
SELECT vcheck('size(:v) = :n', '{":v": {"S": "héllo"}, ":n": {"N": "5"}}') AS size_of_string,
       vcheck('size(:v) > :n', '{":v": {"S": "abc"}, ":n": {"N": "3"}}') AS size_of_string_false,
       vcheck('size(:v) = :n', '{":v": {"B": "AAEC"}, ":n": {"N": "3"}}') AS size_of_binary,
       vcheck('size(:v) = :n', '{":v": {"L": [{"S": "x"}, {"NULL": true}]}, ":n": {"N": "2"}}') AS size_of_list,
       vcheck('size(:v) = size(ss)', '{":v": {"NS": ["7", "8"]}}') AS size_of_set,
       vcheck('size(:v) < size(s)', '{":v": {"M": {"k": {"S": "v"}}}}') AS size_of_map,
       vcheck('size((:v)) BETWEEN :lo AND :hi', '{":v": {"S": "abc"}, ":lo": {"N": "1"}, ":hi": {"N": "3"}}') AS size_between;
SELECT ddb.parse_expression('condition', 'size(:v) >= size(a.b[1])');
-- in a FilterExpression too
SELECT ddb.scan('{"TableName": "vexp", "FilterExpression": "size(:v) >= :n",
  "ExpressionAttributeValues": {":v": {"S": "abc"}, ":n": {"N": "3"}}, "ProjectionExpression": "pk"}');
SELECT ddb.query('{"TableName": "vexp", "KeyConditionExpression": "pk = :p", "FilterExpression": "size(:v) > :n",
  "ExpressionAttributeValues": {":p": {"S": "a"}, ":v": {"S": "abc"}, ":n": {"N": "3"}}}');

-- Invalid input: size() of a value that has no size, of size(), as a condition
SELECT vcheck('size(:v) >= :n', '{":v": {"N": "3"}, ":n": {"N": "3"}}');
SELECT vcheck('size(:v) >= :n', '{":v": {"BOOL": true}, ":n": {"N": "3"}}');
SELECT vcheck('size(:v) >= :n', '{":v": {"NULL": true}, ":n": {"N": "3"}}');
SELECT ddb.scan('{"TableName": "vexp", "FilterExpression": "size(:v) >= :n",
  "ExpressionAttributeValues": {":v": {"N": "3"}, ":n": {"N": "3"}}}');
SELECT vcheck('size(size(s)) >= :n', '{":n": {"N": "3"}}');
SELECT vcheck('size(:v)', '{":v": {"S": "x"}}');
SELECT vcheck('size(:undefined) > :n', '{":n": {"N": "3"}}');
-- Invalid input: size(), a number, where a string or binary must be
SELECT vcheck('begins_with(size(s), :v)', '{":v": {"S": "5"}}');
SELECT vcheck('begins_with(s, size(l))');

-- attribute_type: the type name must be a value placeholder holding a type name
SELECT vcheck('attribute_type(s, :t)', '{":t": {"S": "S"}}') AS type_s,
       vcheck('attribute_type(ns, :t)', '{":t": {"S": "SS"}}') AS type_ss_false,
       vcheck('attribute_type(:v, :t)', '{":v": {"N": "1"}, ":t": {"S": "N"}}') AS type_of_value;
-- Invalid input: attribute_type with a path (or size()) for the type name
SELECT vcheck('attribute_type(s, n)');
SELECT vcheck('attribute_type(s, #t)', NULL, '{"#t": "S"}');
SELECT vcheck('attribute_type(s, l[0])');
SELECT vcheck('attribute_type(s, size(l))');
SELECT vcheck('attribute_type(s, s)');
SELECT vcheck('attribute_type(s, :t)', '{":t": {"N": "1"}}');
SELECT vcheck('attribute_type(s, :t)', '{":t": {"S": "STRING"}}');

-- list_append takes if_not_exists as an argument, if_not_exists nests in itself
SELECT ddb.update_item('{"TableName": "vexp", "Key": {"pk": {"S": "u"}},
  "UpdateExpression": "SET l = list_append(if_not_exists(l, :empty), :v), m = list_append(:v, if_not_exists(m, :empty))",
  "ExpressionAttributeValues": {":empty": {"L": []}, ":v": {"L": [{"N": "1"}]}}, "ReturnValues": "ALL_NEW"}');
SELECT ddb.update_item('{"TableName": "vexp", "Key": {"pk": {"S": "u"}},
  "UpdateExpression": "SET l = list_append(if_not_exists(l, :empty), :v), c = if_not_exists(c, if_not_exists(l, :empty))",
  "ExpressionAttributeValues": {":empty": {"L": []}, ":v": {"L": [{"N": "2"}]}}, "ReturnValues": "ALL_NEW"}');
SELECT ddb.parse_expression('update', 'SET a = list_append(if_not_exists(a, :e), if_not_exists(b, if_not_exists(c, :e)))');
-- Invalid input: list_append as an argument of list_append
SELECT ddb.update_item('{"TableName": "vexp", "Key": {"pk": {"S": "u"}},
  "UpdateExpression": "SET l = list_append(list_append(:a, :b), :c)",
  "ExpressionAttributeValues": {":a": {"L": []}, ":b": {"L": []}, ":c": {"L": []}}}');
SELECT ddb.update_item('{"TableName": "vexp", "Key": {"pk": {"S": "u"}},
  "UpdateExpression": "SET l = list_append(:a, (list_append(:b, l)))",
  "ExpressionAttributeValues": {":a": {"L": []}, ":b": {"L": []}}}');
SELECT ddb.update_item('{"TableName": "vexp", "Key": {"pk": {"S": "u"}},
  "UpdateExpression": "SET l = list_append(list_append(list_append(:a, :a), :a), :a)",
  "ExpressionAttributeValues": {":a": {"L": []}}}');
SELECT ddb.parse_expression('update', 'SET a = list_append(list_append(a, :b), :c)');
-- nothing was written by the failed updates
SELECT ddb.get_item('{"TableName": "vexp", "Key": {"pk": {"S": "u"}}}');

-- Invalid input: a FilterExpression is checked even when no item is read
-- (an empty partition, an empty table)
CREATE FUNCTION vfilter(filter text, vals jsonb DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    query_error text;
    scan_error text;
BEGIN
    BEGIN
        PERFORM ddb.query(jsonb_build_object('TableName', 'vexp_q',
            'KeyConditionExpression', 'pk = :pk', 'FilterExpression', filter,
            'ExpressionAttributeValues', coalesce(vals, '{}') || '{":pk": {"S": "none"}}'));
        query_error := 'no error';
    EXCEPTION WHEN OTHERS THEN
        query_error := SQLERRM;
    END;
    BEGIN
        PERFORM ddb.scan(jsonb_strip_nulls(jsonb_build_object('TableName', 'vexp_q',
            'FilterExpression', filter, 'ExpressionAttributeValues', vals)));
        scan_error := 'no error';
    EXCEPTION WHEN OTHERS THEN
        scan_error := SQLERRM;
    END;
    IF query_error = scan_error THEN
        RETURN query_error;
    END IF;
    RETURN 'query: ' || query_error || ' / scan: ' || scan_error;
END $$;
SELECT ddb.scan('{"TableName": "vexp_q"}');
SELECT vfilter('begins_with(a, :v)', '{":v": {"N": "1"}}');
SELECT vfilter('begins_with(:v, a)', '{":v": {"BOOL": true}}');
SELECT vfilter('begins_with(a, :v)', '{":v": {"SS": ["x"]}}');
SELECT vfilter('begins_with(size(a), :v)', '{":v": {"S": "1"}}');
SELECT vfilter('a < :v', '{":v": {"L": []}}');
SELECT vfilter('a BETWEEN :hi AND :lo', '{":lo": {"N": "1"}, ":hi": {"N": "2"}}');
SELECT vfilter('a BETWEEN :lo AND :hi', '{":lo": {"N": "1"}, ":hi": {"S": "2"}}');
SELECT vfilter('begins_with(a)');
SELECT vfilter('contains(a, :v, :v)', '{":v": {"S": "x"}}');
SELECT vfilter('attribute_exists(a, b)');
SELECT vfilter('size(a, b) > :v', '{":v": {"N": "1"}}');
SELECT vfilter('nosuchfunction(a)');
SELECT vfilter('Size(a) > :v', '{":v": {"N": "1"}}');
SELECT vfilter('list_append(a, :v) = :v', '{":v": {"L": []}}');
SELECT vfilter('if_not_exists(a, :v) = :v', '{":v": {"S": "x"}}');
SELECT vfilter('attribute_exists(:v)', '{":v": {"S": "x"}}');
SELECT vfilter('attribute_type(a, b)');
SELECT vfilter('size(:v) > :n', '{":v": {"N": "1"}, ":n": {"N": "1"}}');
SELECT vfilter('a = :v', '{":v": {"S": "x"}, ":unused": {"S": "y"}}');
SELECT vfilter('a = :undefined');
-- a good filter on the same empty table
SELECT vfilter('begins_with(a, :v)', '{":v": {"S": "x"}}');

-- Legacy AttributeUpdates: ADD and DELETE of a value of another type than
-- the stored attribute
CREATE FUNCTION vlegacy(updates jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.put_item('{"TableName": "vexp", "Item": {"pk": {"S": "leg"}, "s": {"S": "hello"},
        "n": {"N": "5"}, "l": {"L": [{"S": "x"}]}, "ss": {"SS": ["a"]}, "ns": {"NS": ["1", "2"]},
        "bs": {"BS": ["AQ=="]}}}');
    RETURN ddb.update_item(jsonb_build_object('TableName', 'vexp', 'Key', '{"pk": {"S": "leg"}}'::jsonb,
        'AttributeUpdates', updates, 'ReturnValues', 'UPDATED_NEW'));
END $$;
-- matching types work
SELECT vlegacy('{"n": {"Action": "ADD", "Value": {"N": "1"}}, "ss": {"Action": "ADD", "Value": {"SS": ["b"]}},
  "ns": {"Action": "DELETE", "Value": {"NS": ["1"]}}, "l": {"Action": "ADD", "Value": {"L": [{"N": "2"}]}},
  "new": {"Action": "ADD", "Value": {"L": [{"N": "3"}]}}, "gone": {"Action": "DELETE", "Value": {"SS": ["x"]}}}');
-- Invalid input: ADD or DELETE of another type than the stored attribute
SELECT vlegacy('{"s": {"Action": "ADD", "Value": {"N": "1"}}}');
SELECT vlegacy('{"n": {"Action": "ADD", "Value": {"SS": ["1"]}}}');
SELECT vlegacy('{"ss": {"Action": "ADD", "Value": {"NS": ["1"]}}}');
SELECT vlegacy('{"ns": {"Action": "ADD", "Value": {"BS": ["AQ=="]}}}');
SELECT vlegacy('{"s": {"Action": "ADD", "Value": {"L": [{"N": "1"}]}}}');
SELECT vlegacy('{"ss": {"Action": "ADD", "Value": {"L": [{"N": "1"}]}}}');
SELECT vlegacy('{"ss": {"Action": "DELETE", "Value": {"NS": ["1"]}}}');
SELECT vlegacy('{"n": {"Action": "DELETE", "Value": {"NS": ["5"]}}}');
SELECT vlegacy('{"bs": {"Action": "DELETE", "Value": {"SS": ["AQ=="]}}}');
-- the same update as an UpdateExpression keeps the expression's text
SELECT ddb.update_item('{"TableName": "vexp", "Key": {"pk": {"S": "leg"}},
  "UpdateExpression": "ADD s :v", "ExpressionAttributeValues": {":v": {"N": "1"}}}');
-- nothing was changed by the failed updates
SELECT ddb.get_item('{"TableName": "vexp", "Key": {"pk": {"S": "leg"}}}');

-- Legacy Expected: NOT_CONTAINS with a value of another type than the
-- attribute is true (the attribute cannot contain it)
CREATE FUNCTION vexpected(expected jsonb, op text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.put_item(jsonb_strip_nulls(jsonb_build_object('TableName', 'vexp',
        'Item', ddb.get_item('{"TableName": "vexp", "Key": {"pk": {"S": "a"}}}') -> 'Item',
        'Expected', expected, 'ConditionalOperator', op)));
    RETURN 'true';
EXCEPTION WHEN SQLSTATE 'YD006' THEN
    RETURN 'false';
END $$;
SELECT vexpected('{"s": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"N": "1"}]}}') AS number_in_string,
       vexpected('{"ns": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "1"}]}}') AS string_in_number_set,
       vexpected('{"ss": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"N": "1"}]}}') AS number_in_string_set,
       vexpected('{"l": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "1"}]}}') AS string_in_list,
       vexpected('{"n": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "5"}]}}') AS string_in_number;
SELECT vexpected('{"ns": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"N": "1"}]}}') AS number_in_number_set_false,
       vexpected('{"l": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"N": "1"}]}}') AS number_in_list_false,
       vexpected('{"s": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"N": "1"}]}}') AS contains_other_type_false;
-- the same in a ScanFilter
SELECT ddb.scan('{"TableName": "vexp", "ScanFilter": {"ns": {"ComparisonOperator": "NOT_CONTAINS",
  "AttributeValueList": [{"S": "1"}]}, "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
  "AttributesToGet": ["pk"]}');
-- Invalid input: ConditionalOperator with an empty Expected, QueryFilter or ScanFilter
SELECT vexpected('{}', 'AND');
SELECT vexpected('{}', 'OR');
SELECT ddb.scan('{"TableName": "vexp", "ScanFilter": {}, "ConditionalOperator": "OR"}');
SELECT ddb.query('{"TableName": "vexp", "KeyConditions": {"pk": {"ComparisonOperator": "EQ",
  "AttributeValueList": [{"S": "a"}]}}, "QueryFilter": {}, "ConditionalOperator": "AND"}');
-- an empty Expected alone is no condition
SELECT vexpected('{}');

-- Invalid input: empty attribute names, and names over 65535 bytes, wherever
-- a request names a non-key attribute
CREATE FUNCTION vname(name text) RETURNS TABLE (place text, result text) LANGUAGE plpgsql AS $$
DECLARE
    requests jsonb := jsonb_build_object(
        'PutItem Item', jsonb_build_array('PutItem', jsonb_build_object('TableName', 'vexp',
            'Item', jsonb_build_object('pk', '{"S": "n"}'::jsonb, name, '{"S": "x"}'::jsonb))),
        'PutItem Item map member', jsonb_build_array('PutItem', jsonb_build_object('TableName', 'vexp',
            'Item', jsonb_build_object('pk', '{"S": "n"}'::jsonb, 'm',
                jsonb_build_object('M', jsonb_build_object(name, '{"S": "x"}'::jsonb))))),
        'GetItem ProjectionExpression', jsonb_build_array('GetItem', jsonb_build_object('TableName', 'vexp',
            'Key', '{"pk": {"S": "a"}}'::jsonb, 'ProjectionExpression', '#a',
            'ExpressionAttributeNames', jsonb_build_object('#a', name))),
        'GetItem AttributesToGet', jsonb_build_array('GetItem', jsonb_build_object('TableName', 'vexp',
            'Key', '{"pk": {"S": "a"}}'::jsonb, 'AttributesToGet', jsonb_build_array(name))),
        'Scan AttributesToGet', jsonb_build_array('Scan', jsonb_build_object('TableName', 'vexp',
            'AttributesToGet', jsonb_build_array('pk', name))),
        'UpdateItem AttributeUpdates', jsonb_build_array('UpdateItem', jsonb_build_object('TableName', 'vexp',
            'Key', '{"pk": {"S": "n"}}'::jsonb,
            'AttributeUpdates', jsonb_build_object(name, '{"Action": "PUT", "Value": {"S": "x"}}'::jsonb))),
        'UpdateItem UpdateExpression', jsonb_build_array('UpdateItem', jsonb_build_object('TableName', 'vexp',
            'Key', '{"pk": {"S": "n"}}'::jsonb, 'UpdateExpression', 'SET #a = :v',
            'ExpressionAttributeNames', jsonb_build_object('#a', name),
            'ExpressionAttributeValues', '{":v": {"S": "x"}}'::jsonb)),
        'PutItem ConditionExpression', jsonb_build_array('PutItem', jsonb_build_object('TableName', 'vexp',
            'Item', '{"pk": {"S": "n"}}'::jsonb, 'ConditionExpression', 'attribute_not_exists(#a)',
            'ExpressionAttributeNames', jsonb_build_object('#a', name))),
        'DeleteItem Expected', jsonb_build_array('DeleteItem', jsonb_build_object('TableName', 'vexp',
            'Key', '{"pk": {"S": "n"}}'::jsonb,
            'Expected', jsonb_build_object(name, '{"Exists": false}'::jsonb))),
        'Scan FilterExpression', jsonb_build_array('Scan', jsonb_build_object('TableName', 'vexp',
            'FilterExpression', 'attribute_exists(#a)', 'ExpressionAttributeNames', jsonb_build_object('#a', name))),
        'Scan ScanFilter', jsonb_build_array('Scan', jsonb_build_object('TableName', 'vexp',
            'ScanFilter', jsonb_build_object(name, '{"ComparisonOperator": "NULL"}'::jsonb))));
    request record;
BEGIN
    FOR request IN SELECT key, value FROM jsonb_each(requests) ORDER BY key LOOP
        place := request.key;
        BEGIN
            PERFORM ddb.call(request.value ->> 0, request.value -> 1);
            result := 'no error';
        EXCEPTION WHEN OTHERS THEN
            result := SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT * FROM vname('');
SELECT * FROM vname(repeat('x', 65536));
SELECT * FROM vname(repeat('é', 32768));
-- 65535 bytes is the longest name
SELECT * FROM vname(repeat('x', 65535));
SELECT (SELECT array_agg(length(name) ORDER BY name) FROM jsonb_object_keys(item) AS name) AS name_lengths,
       octet_length(item #>> ARRAY['m', 'M', repeat('x', 65535), 'S']) AS member_value
  FROM ddb_data.vexp WHERE pk = 'n';
-- nothing was written with a bad name
SELECT count(*) AS items_with_bad_names FROM ddb_data.vexp
 WHERE item ? '' OR EXISTS (SELECT FROM jsonb_object_keys(item) AS name WHERE octet_length(name) > 65535);
