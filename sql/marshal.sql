-- marshal: ddb.marshal and ddb.unmarshal, plain JSON <-> DynamoDB JSON
\set VERBOSITY terse

-- An object becomes an item, every JSON type its AttributeValue
SELECT ddb.marshal('{"s": "x", "empty": "", "n": 28, "t": true, "f": false, "z": null,
  "l": [1, "a", [2], {"k": 1.50}], "m": {"a": {"b": -0.0}}, "e": {}, "ea": []}');
-- Anything else becomes a single AttributeValue
SELECT ddb.marshal('"x"') AS s, ddb.marshal('1e3') AS n, ddb.marshal('true') AS bool,
       ddb.marshal('null') AS null, ddb.marshal('[1, "2"]') AS l, ddb.marshal('[]') AS empty_l;

-- Numbers keep every digit and come out canonical
SELECT ddb.marshal('{"a": 12345678901234567890.123456789, "b": 1.50, "c": -0.000001, "d": 1e125,
  "e": 12345678901234567890123456789012345678, "f": 0.0}');
-- Invalid input: numbers DynamoDB cannot hold
SELECT ddb.marshal('123456789012345678901234567890123456789');
SELECT ddb.marshal('{"a": 1e126}');
SELECT ddb.marshal('{"a": [1e-131]}');

-- Invalid input: an empty attribute name, at the top or nested
SELECT ddb.marshal('{"": 1}');
SELECT ddb.marshal('{"a": {"": 1}}');

-- Nesting: 31 arrays under an attribute (leaf at level 32) is the deepest
SELECT length(ddb.marshal(('{"d": ' || repeat('[', 31) || '1' || repeat(']', 31) || '}')::jsonb)::text) > 0 AS ok;
-- Invalid input: 32 arrays under an attribute
SELECT ddb.marshal(('{"d": ' || repeat('[', 32) || '1' || repeat(']', 32) || '}')::jsonb);
-- Invalid input: a single value counts as level 1 too
SELECT ddb.marshal((repeat('[', 32) || '1' || repeat(']', 32))::jsonb);
-- Invalid input: hostile depth is refused, not recursed into
SELECT ddb.marshal((repeat('{"a": ', 2000) || '1' || repeat('}', 2000))::jsonb);

-- Unmarshal: every type, sets as arrays, binaries as base64, numbers exact
SELECT ddb.unmarshal('{"s": {"S": "x"}, "n": {"N": "12345678901234567890.123456789"},
  "b": {"B": "AAEC"}, "t": {"BOOL": true}, "z": {"NULL": true},
  "l": {"L": [{"N": "1"}, {"S": "a"}, {"L": []}]}, "m": {"M": {"k": {"N": "-0.5"}}},
  "ss": {"SS": ["b", "a"]}, "ns": {"NS": ["1e2", "-0.5", "99999999999999999999999999999999999999"]},
  "bs": {"BS": ["/w==", "AA=="]}}');
SELECT ddb.unmarshal('{"big": {"N": "1e125"}, "tiny": {"N": "-1e-130"}}');
-- numbers are JSON numbers with full precision
SELECT (ddb.unmarshal('{"n": {"N": "12345678901234567890.123456789"}}') -> 'n')::numeric
       = 12345678901234567890.123456789 AS exact;
SELECT ddb.unmarshal('{}');

-- The input is always an item: {"S": ...} is an attribute named S
SELECT ddb.unmarshal('{"S": {"S": "x"}}');
-- Invalid input: so a bare AttributeValue is not an item
SELECT ddb.unmarshal('{"S": "x"}');
-- Invalid input: not an object
SELECT ddb.unmarshal('[{"S": "x"}]');
SELECT ddb.unmarshal('"x"');
-- Invalid input: the same validation as PutItem
SELECT ddb.unmarshal('{"a": {"N": "x"}}');
SELECT ddb.unmarshal('{"a": {"N": 1}}');
SELECT ddb.unmarshal('{"a": {"SS": ["x", "x"]}}');
SELECT ddb.unmarshal('{"a": {}}');
SELECT ddb.unmarshal('{"a": {"S": "x", "N": "1"}}');

-- Round trips
SELECT ddb.unmarshal(ddb.marshal(j)) = j AS round_trip
  FROM (VALUES ('{"a": [1, 2.5, "x", null, true, {"b": []}]}'::jsonb),
               ('{"x": 1e100, "y": -0.000001, "z": 98765432109876543210987654321098765432}'),
               ('{"nested": {"deeper": {"deepest": [[[{"k": "v"}]]]}}}'),
               ('{}')) AS v(j);
SELECT ddb.marshal(ddb.unmarshal(i)) = i AS round_trip
  FROM (VALUES ('{"a": {"L": [{"N": "1"}, {"S": "x"}, {"NULL": true}, {"BOOL": false}]}}'::jsonb),
               ('{"m": {"M": {"k": {"M": {}}}}}')) AS v(i);

-- marshal and unmarshal are the plain-JSON side of PutItem and GetItem
SELECT ddb.create_table('marshalled', partition_key => 'id') IS NOT NULL AS created;
SELECT ddb.put_item(jsonb_build_object('TableName', 'marshalled',
  'Item', ddb.marshal('{"id": "a", "price": 19.990, "tags": ["x", "y"], "dims": {"w": 2, "h": 3.5}}')));
SELECT ddb.unmarshal(ddb.get_item('{"TableName": "marshalled", "Key": {"id": {"S": "a"}}}') -> 'Item');
