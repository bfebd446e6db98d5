-- legacy: Expected, ConditionalOperator and AttributeUpdates run on the
-- expression engine
\set VERBOSITY terse

SELECT ddb.create_table('leg', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "leg", "Item": {"pk": {"S": "a"}, "n": {"N": "5"}, "s": {"S": "hello"},
  "tags": {"SS": ["x", "y"]}, "l": {"L": [{"N": "1"}]}}}');

CREATE FUNCTION expect(expected jsonb, op text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.put_item(jsonb_strip_nulls(jsonb_build_object('TableName', 'leg',
        'Item', ddb.get_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}}') -> 'Item',
        'Expected', expected, 'ConditionalOperator', op)));
    RETURN 'true';
EXCEPTION WHEN SQLSTATE 'YD006' THEN
    RETURN 'false';
END $$;

-- Value / Exists
SELECT expect('{"n": {"Value": {"N": "5.0"}}}') AS value_eq,
       expect('{"n": {"Value": {"N": "6"}}}') AS value_ne,
       expect('{"n": {"Value": {"N": "5"}, "Exists": true}}') AS exists_true,
       expect('{"nope": {"Exists": false}}') AS exists_false,
       expect('{"n": {"Exists": false}}') AS exists_false_fails;
-- ComparisonOperator and AttributeValueList
SELECT expect('{"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}}') AS gt,
       expect('{"n": {"ComparisonOperator": "LE", "AttributeValueList": [{"N": "4"}]}}') AS le,
       expect('{"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}}') AS between,
       expect('{"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}}') AS in_list,
       expect('{"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "he"}]}}') AS begins,
       expect('{"tags": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "x"}]}}') AS contains,
       expect('{"tags": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "z"}]}}') AS not_contains,
       expect('{"s": {"ComparisonOperator": "NOT_NULL"}}') AS not_null,
       expect('{"nope": {"ComparisonOperator": "NULL"}}') AS null_op,
       expect('{"s": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "x"}]}}') AS ne;
-- ConditionalOperator joins several conditions (AND by default)
SELECT expect('{"n": {"Value": {"N": "5"}}, "s": {"Value": {"S": "no"}}}') AS and_default,
       expect('{"n": {"Value": {"N": "5"}}, "s": {"Value": {"S": "no"}}}', 'OR') AS or_op,
       expect('{"n": {"Value": {"N": "5"}}, "s": {"Value": {"S": "no"}}}', 'AND') AS and_op;

-- AttributeUpdates: PUT, ADD (numbers, sets, lists), DELETE
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "ReturnValues": "UPDATED_NEW",
  "AttributeUpdates": {"s": {"Action": "PUT", "Value": {"S": "bye"}}, "n": {"Action": "ADD", "Value": {"N": "2"}},
  "tags": {"Action": "ADD", "Value": {"SS": ["z"]}}, "l": {"Action": "ADD", "Value": {"L": [{"N": "2"}]}},
  "fresh": {"Value": {"BOOL": true}}}}');
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "ReturnValues": "ALL_NEW",
  "AttributeUpdates": {"fresh": {"Action": "DELETE"}, "tags": {"Action": "DELETE", "Value": {"SS": ["x"]}}},
  "Expected": {"n": {"Value": {"N": "7"}}}}');
-- a failing Expected changes nothing
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}},
  "AttributeUpdates": {"s": {"Action": "PUT", "Value": {"S": "nope"}}}, "Expected": {"n": {"Value": {"N": "0"}}}}');
SELECT ddb.delete_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "Expected": {"n": {"Exists": false}}}');
SELECT ddb.get_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}}') -> 'Item' -> 's';

-- thousands of legacy conditions and attribute updates in one request
SELECT ddb.put_item(jsonb_build_object('TableName', 'leg', 'Item', '{"pk": {"S": "many"}, "n": {"N": "1"}}'::jsonb,
  'Expected', (SELECT jsonb_object_agg('absent' || i, '{"Exists": false}'::jsonb) FROM generate_series(1, 20000) i)));
SELECT ddb.put_item(jsonb_build_object('TableName', 'leg', 'Item', '{"pk": {"S": "many"}, "n": {"N": "2"}}'::jsonb,
  'ConditionalOperator', 'OR',
  'Expected', (SELECT jsonb_object_agg('absent' || i, '{"Value": {"N": "1"}}'::jsonb) FROM generate_series(1, 20000) i)));
SELECT ddb.put_item(jsonb_build_object('TableName', 'leg', 'Item', '{"pk": {"S": "many"}, "n": {"N": "3"}}'::jsonb,
  'ConditionalOperator', 'OR',
  'Expected', (SELECT jsonb_object_agg('absent' || i, '{"Value": {"N": "1"}}'::jsonb) FROM generate_series(1, 20000) i)
              || '{"n": {"Value": {"N": "1"}}}'::jsonb));
SELECT ddb.scan(jsonb_build_object('TableName', 'leg',
  'ScanFilter', (SELECT jsonb_object_agg('absent' || i, '{"ComparisonOperator": "NULL"}'::jsonb) FROM generate_series(1, 20000) i)
                || '{"n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "3"}]}}'::jsonb)) -> 'Items';
SELECT count(*) AS updated, sum((value ->> 'N')::int) AS total
  FROM jsonb_each(ddb.update_item(jsonb_build_object('TableName', 'leg', 'Key', '{"pk": {"S": "many"}}'::jsonb,
    'ReturnValues', 'UPDATED_NEW',
    'AttributeUpdates', (SELECT jsonb_object_agg('a' || i, jsonb_build_object('Action', 'PUT', 'Value', jsonb_build_object('N', i::text)))
                         FROM generate_series(1, 20000) i))) -> 'Attributes');
SELECT (SELECT count(*) FROM jsonb_object_keys(item)) AS attributes, item -> 'a20000' AS last
  FROM ddb_data.leg WHERE pk = 'many';
SELECT count(*) AS projected FROM jsonb_object_keys(ddb.get_item(jsonb_build_object('TableName', 'leg',
  'Key', '{"pk": {"S": "many"}}'::jsonb,
  'AttributesToGet', (SELECT jsonb_agg('a' || i) FROM generate_series(1, 100000, 2) i))) -> 'Item');
-- Invalid input: an item grown past 400 KB by many updates; a repeat among many AttributesToGet
SELECT ddb.update_item(jsonb_build_object('TableName', 'leg', 'Key', '{"pk": {"S": "many"}}'::jsonb,
  'AttributeUpdates', (SELECT jsonb_object_agg('b' || i, '{"Action": "PUT", "Value": {"S": "xxxxxxxxxx"}}'::jsonb)
                       FROM generate_series(1, 100000) i)));
SELECT ddb.get_item(jsonb_build_object('TableName', 'leg', 'Key', '{"pk": {"S": "many"}}'::jsonb,
  'AttributesToGet', (SELECT jsonb_agg('a' || (i % 99999)) FROM generate_series(1, 100000) i)));
SELECT ddb.delete('leg', '{"pk": "many"}') IS NOT NULL AS deleted;

-- Invalid input: legacy parameters
SELECT expect('{"n": {"Exists": true}}');
SELECT expect('{"n": {"Exists": false, "Value": {"N": "1"}}}');
SELECT expect('{"n": {"ComparisonOperator": "EQ"}}');
SELECT expect('{"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}]}}');
SELECT expect('{"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"S": "x"}]}}');
SELECT expect('{"n": {"ComparisonOperator": "LT", "AttributeValueList": [{"L": []}]}}');
SELECT expect('{"n": {"ComparisonOperator": "SIMILAR", "AttributeValueList": [{"N": "1"}]}}');
SELECT expect('{"n": {"Value": {"N": "5"}, "ComparisonOperator": "EQ", "AttributeValueList": [{"N": "5"}]}}');
SELECT expect('{"n": {"Value": {"N": "5"}}}', 'XOR');
SELECT ddb.put_item('{"TableName": "leg", "Item": {"pk": {"S": "b"}}, "ConditionalOperator": "AND"}');
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "AttributeUpdates": {"s": {"Action": "PUT"}}}');
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "AttributeUpdates": {"": {"Value": {"S": "x"}}}}');
SELECT ddb.update_item(jsonb_build_object('TableName', 'leg', 'Key', '{"pk": {"S": "a"}}'::jsonb,
  'AttributeUpdates', jsonb_build_object(repeat('x', 65536), '{"Value": {"S": "x"}}'::jsonb)));
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "AttributeUpdates": {"s": {"Action": "ADD", "Value": {"S": "x"}}}}');
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "AttributeUpdates": {"s": {"Action": "DELETE", "Value": {"S": "x"}}}}');
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "AttributeUpdates": {"s": {"Action": "REPLACE", "Value": {"S": "x"}}}}');
SELECT ddb.update_item('{"TableName": "leg", "Key": {"pk": {"S": "a"}}, "AttributeUpdates": {"pk": {"Action": "PUT", "Value": {"S": "x"}}}}');
SELECT ddb.put_item('{"TableName": "leg", "Item": {"pk": {"S": "b"}}, "Expected": {"n": {"Exists": false}}, "ConditionExpression": "attribute_not_exists(n)"}');
SELECT count(*) FROM ddb_data.leg;
