-- projections: ProjectionExpression and AttributesToGet on GetItem
\set VERBOSITY terse

SELECT ddb.create_table('proj', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "proj", "Item": {"pk": {"S": "a"}, "fname": {"S": "Alice"},
  "age": {"N": "30"}, "Comment": {"S": "reserved word"},
  "address": {"M": {"city": {"S": "Oslo"}, "zip": {"S": "0150"}, "geo": {"L": [{"N": "59.9"}, {"N": "10.7"}]}}},
  "tags": {"L": [{"S": "t0"}, {"S": "t1"}, {"S": "t2"}, {"S": "t3"}]}}}');

CREATE FUNCTION proj(expr text, names jsonb DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.get_item(jsonb_strip_nulls(jsonb_build_object('TableName', 'proj',
        'Key', '{"pk": {"S": "a"}}'::jsonb, 'ProjectionExpression', expr,
        'ExpressionAttributeNames', names)))
$$;

SELECT proj('fname, age');
SELECT proj('address.city');
SELECT proj('address.geo[1], address.zip');
SELECT proj('tags[3], tags[1]');
SELECT proj('#c', '{"#c": "Comment"}');
-- attributes that do not exist are left out; none at all gives an empty Item
SELECT proj('fname, nope, address.nope, tags[10], name2.x');
SELECT proj('nope');
-- a missing item has no Item
SELECT ddb.get_item('{"TableName": "proj", "Key": {"pk": {"S": "zz"}}, "ProjectionExpression": "fname"}');
-- AttributesToGet, the legacy form
SELECT ddb.get_item('{"TableName": "proj", "Key": {"pk": {"S": "a"}}, "AttributesToGet": ["age", "pk", "nope"]}');

-- Invalid input: projection expressions
SELECT proj('');
SELECT proj('fname, fname');
SELECT proj('address, address.city');
SELECT proj('tags[0], tags.x');
SELECT proj('Comment');
SELECT proj('#c');
SELECT proj('fname', '{"#c": "Comment"}');
SELECT proj('fname,');
SELECT ddb.get_item('{"TableName": "proj", "Key": {"pk": {"S": "a"}}, "AttributesToGet": ["age", "age"]}');
SELECT ddb.get_item('{"TableName": "proj", "Key": {"pk": {"S": "a"}}, "AttributesToGet": []}');
SELECT ddb.get_item('{"TableName": "proj", "Key": {"pk": {"S": "a"}}, "AttributesToGet": ["age"], "ProjectionExpression": "age"}');
SELECT ddb.get_item('{"TableName": "proj", "Key": {"pk": {"S": "a"}}, "ExpressionAttributeNames": {"#a": "age"}}');
