-- attribute_values: validation and normalization of AttributeValues and items
\set VERBOSITY terse

SELECT ddb.create_table('attr_values', partition_key => 'pk') IS NOT NULL AS created;

-- Every type round-trips; numbers come back canonical, sets sorted
-- (SS and BS by bytes, NS by value), binaries as given
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "all"},
  "s": {"S": "Alice"}, "empty_s": {"S": ""}, "n": {"N": "28"},
  "b": {"B": "AAEC"}, "empty_b": {"B": ""}, "t": {"BOOL": true}, "f": {"BOOL": false},
  "z": {"NULL": true}, "ss": {"SS": ["b", "a", ""]}, "ns": {"NS": ["10", "9", "-1e1", "0.5"]},
  "bs": {"BS": ["/w==", "AA==", ""]},
  "l": {"L": [{"N": "1.0"}, {"S": "x"}, {"L": []}, {"M": {}}]},
  "m": {"M": {"city": {"S": "Oslo"}, "zip": {"N": "0150"}, "inner": {"M": {"deep": {"L": [{"NULL": true}]}}}}}}}');
SELECT ddb.get_item('{"TableName": "attr_values", "Key": {"pk": {"S": "all"}}}');

-- Numbers are stored in canonical form
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "num"},
  "a": {"N": "+3"}, "b": {"N": "-7.1234"}, "c": {"N": "-17e5"}, "d": {"N": "-17.4E37"},
  "e": {"N": ".123"}, "f": {"N": "0001.23"}, "g": {"N": "1e+5"}, "h": {"N": "1.10"},
  "i": {"N": "-0"}, "j": {"N": "-.5"}, "k": {"N": "1e-3"}, "l": {"N": "0e5"}, "m": {"N": "0.0e126"},
  "n": {"N": "1."}, "o": {"N": "31415926535897932384626433832795028841e30"},
  "p": {"N": "9.9999999999999999999999999999999999999E+125"}, "q": {"N": "-1e-130"},
  "r": {"N": "1.0000000000000000000000000000000000000000000"}}}');
SELECT ddb.get_item('{"TableName": "attr_values", "Key": {"pk": {"S": "num"}}}');
-- 1e125 expands to 126 digits
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "big"}, "n": {"N": "1e125"}}}');
SELECT length(ddb.get_item('{"TableName": "attr_values", "Key": {"pk": {"S": "big"}}}') #>> '{Item,n,N}') AS digits;

-- Members that are not type keys, and null members, are ignored
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "extra"},
  "a": {"S": "x", "X": 1}, "b": {"N": "1", "S": null}}}');
SELECT ddb.get_item('{"TableName": "attr_values", "Key": {"pk": {"S": "extra"}}}');

-- Invalid input: an empty AttributeValue, or one with only unknown or null members
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"X": "1"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"S": null}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": null}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"L": [{"S": "x"}, null]}}}');
-- Invalid input: two types in one AttributeValue
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"S": "x", "N": "1"}}}');

-- Invalid input: members of the wrong JSON type (SerializationException)
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": 123}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"S": true}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"S": {"S": "x"}}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"S": ["x"]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"B": 5}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"BOOL": "true"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NULL": 1}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"L": {}}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"L": "x"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"M": []}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"M": "x"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"SS": "a"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"SS": ["a", 1]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NS": [1]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"BS": [true]}}}');
-- Invalid input: an attribute (or list element) that is not an object
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": "x"}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": [{"S": "x"}]}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"L": [1]}}}');
-- Invalid input: an Item that is not an object
SELECT ddb.put_item('{"TableName": "attr_values", "Item": [{"pk": {"S": "e"}}]}');

-- Invalid input: NULL must be true
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NULL": false}}}');

-- Invalid input: numbers DynamoDB cannot read
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "NaN"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "Infinity"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "dog"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": " 1"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "1 "}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": ""}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "-"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "e5"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "1e"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "0x10"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "1.2.3"}}}');
-- Invalid input: an exponent beyond a 64-bit integer cannot be converted
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "1e9223372036854775808"}}}');
-- Invalid input: more than 38 significant digits
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "123456789012345678901234567890123456789"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "-1.23456789012345678901234567890123456789"}}}');
-- Invalid input: magnitude too large or too small, however the exponent is written
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "1e126"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "-11e125"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "1e999999999999"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "1e-131"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "0.9e-130"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "-1e-99999999999"}}}');
-- Invalid input: zero written with an out-of-range exponent (DynamoDB rejects these too)
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "0e126"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"N": "0e-131"}}}');
-- Invalid input: a very long number is rejected quickly
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values',
  'Item', jsonb_build_object('pk', '{"S": "e"}'::jsonb, 'a', jsonb_build_object('N', repeat('7', 1000000)))));

-- Binaries: strict base64, sized by their decoded bytes
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "bin"}, "one": {"B": "YQ=="}, "two": {"B": "YWI="}, "three": {"B": "YWJj"}}}');
SELECT ddb.get_item('{"TableName": "attr_values", "Key": {"pk": {"S": "bin"}}}');
-- Invalid input: base64 whose length is not a multiple of 4
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"B": "abc"}}}');
-- Invalid input: characters outside the base64 alphabet, padding inside
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"B": "ab c"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"B": "ab=c"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"B": "a==="}}}');
-- Invalid input: nonzero bits under the padding
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"B": "YR=="}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"BS": ["YQ==", "YWJ="]}}}');

-- Invalid input: empty sets
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"SS": []}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NS": []}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"BS": []}}}');
-- Invalid input: duplicates, also after normalization ("1" and "1.0" are one number)
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"SS": ["b", "a", "b"]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"SS": ["", ""]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NS": ["1", "1.0"]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NS": ["1000", "2", "1e3"]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"BS": ["/w==", "AA==", "AA=="]}}}');
-- Invalid input: null or malformed set members
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"SS": ["a", null]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NS": ["1", null]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"BS": [null]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NS": ["1", ""]}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "a": {"NS": ["1", "b"]}}}');
-- a big set is accepted, sorted and sized in one pass
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "bigset"}'::jsonb,
  'ns', jsonb_build_object('NS', (SELECT jsonb_agg((10001 - i)::text) FROM generate_series(1, 10000) AS i)))));
SELECT jsonb_array_length(r #> '{Item,ns,NS}') AS members, r #>> '{Item,ns,NS,0}' AS first,
       r #>> '{Item,ns,NS,9999}' AS last
  FROM ddb.get_item('{"TableName": "attr_values", "Key": {"pk": {"S": "bigset"}}}') AS r;

-- Attribute names: 1 to 65535 bytes, in maps too
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "longname"}'::jsonb, repeat('n', 65535), '{"S": "x"}'::jsonb)));
-- Invalid input: an empty attribute name
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "": {"S": "x"}}}');
SELECT ddb.put_item('{"TableName": "attr_values", "Item": {"pk": {"S": "e"}, "m": {"M": {"": {"S": "x"}}}}}');
-- Invalid input: a name of 65536 bytes
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "e"}'::jsonb, repeat('n', 65536), '{"S": "x"}'::jsonb)));

-- Nesting: a leaf at level 32 is accepted, at level 33 rejected
CREATE FUNCTION nest(levels int, leaf jsonb DEFAULT '{"S": "leaf"}') RETURNS jsonb
LANGUAGE sql AS $$
    SELECT (repeat('{"M": {"n": ', levels) || leaf::text || repeat('}}', levels))::jsonb
$$;
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values',
  'Item', jsonb_build_object('pk', '{"S": "deep"}'::jsonb, 'data', nest(31))));
SELECT (SELECT count(*) FROM regexp_matches(r::text, '"M"', 'g')) AS levels
  FROM ddb.get_item('{"TableName": "attr_values", "Key": {"pk": {"S": "deep"}}}') AS r;
-- Invalid input: nested 32 levels under the attribute (leaf at level 33)
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values',
  'Item', jsonb_build_object('pk', '{"S": "e"}'::jsonb, 'data', nest(32))));
-- Invalid input: the same with lists
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "e"}'::jsonb,
  'data', (repeat('{"L": [', 32) || '{"S": "leaf"}' || repeat(']}', 32))::jsonb)));
-- Invalid input: far too deep, with a bad number at the bottom (nesting is found first)
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values',
  'Item', jsonb_build_object('pk', '{"S": "e"}'::jsonb, 'data', nest(1000, '{"N": "abc"}'))));

-- Item size: names plus values, at most 409600 bytes
-- pk (2) + "S" (1) + "s" (1) + 409596 = 409600 is accepted
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "S"}'::jsonb, 's', jsonb_build_object('S', repeat('x', 409596)))));
-- Invalid input: one byte more
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "S"}'::jsonb, 's', jsonb_build_object('S', repeat('x', 409597)))));
-- binaries count their decoded bytes: 409596 bytes as base64 fit
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "B"}'::jsonb, 'b', jsonb_build_object('B',
    translate(encode(decode(repeat('ab', 409596), 'hex'), 'base64'), E'\n', '')))));
-- a number is sized by its digits: 1E125 costs 2 bytes, not 126
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "N"}'::jsonb, 'n', '{"N": "1E125"}'::jsonb, 's', jsonb_build_object('S', repeat('x', 409593)))));
-- Invalid input: one byte more
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "N"}'::jsonb, 'n', '{"N": "1E125"}'::jsonb, 's', jsonb_build_object('S', repeat('x', 409594)))));
-- lists count 3 bytes plus 1 per element
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "L"}'::jsonb, 'l', jsonb_build_object('L', jsonb_build_array(
    jsonb_build_object('S', repeat('x', 409592)))))));
-- Invalid input: one byte more
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "L"}'::jsonb, 'l', jsonb_build_object('L', jsonb_build_array(
    jsonb_build_object('S', repeat('x', 409593)))))));
-- maps count their member names too: "k" + 3 + 1
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "M"}'::jsonb, 'm', jsonb_build_object('M', jsonb_build_object(
    'k', jsonb_build_object('S', repeat('x', 409591)))))));
-- Invalid input: one byte more
SELECT ddb.put_item(jsonb_build_object('TableName', 'attr_values', 'Item', jsonb_build_object(
  'pk', '{"S": "M"}'::jsonb, 'm', jsonb_build_object('M', jsonb_build_object(
    'k', jsonb_build_object('S', repeat('x', 409592)))))));

-- Nothing invalid was stored
SELECT ddb.get_item('{"TableName": "attr_values", "Key": {"pk": {"S": "e"}}}');
