-- api_contract: ddb.call and the per-operation functions agree, errors carry
-- DynamoDB's error names and ddb's SQLSTATEs (class YD), and operations
-- without a response body return SQL NULL.
BEGIN;
SELECT plan(27);

SELECT lives_ok($$SELECT ddb.create_table('contract', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N')$$,
                'create_table short form');

-- ddb.call and the snake_case functions are the same operations
SELECT is(ddb.call('PutItem', '{"TableName": "contract", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "x"}}}'::jsonb),
          '{}'::jsonb, 'PutItem through ddb.call answers {}');
SELECT is(ddb.call('GetItem', '{"TableName": "contract", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}'::jsonb),
          ddb.get_item('{"TableName": "contract", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}'::jsonb),
          'GetItem: ddb.call equals ddb.get_item');
SELECT is(ddb.call('GetItem', '{"TableName": "contract", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}'::text),
          ddb.get_item('{"TableName": "contract", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}'::text),
          'the text variants agree too');
SELECT is(ddb.call('DescribeTable', '{"TableName": "contract"}') -> 'Table' -> 'TableName',
          '"contract"'::jsonb, 'DescribeTable through ddb.call');
SELECT is(ddb.call('TagResource', '{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/contract", "Tags": [{"Key": "k", "Value": "v"}]}'),
          NULL, 'TagResource has no response body: SQL NULL');
SELECT is(ddb.call('UntagResource', '{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/contract", "TagKeys": ["k"]}'),
          NULL, 'UntagResource has no response body: SQL NULL');
SELECT is(ddb.call('DeleteItem', '{"TableName": "contract", "Key": {"pk": {"S": "zz"}, "sk": {"N": "1"}}}'),
          '{}'::jsonb, 'DeleteItem of a missing item answers {}');

-- Error names and SQLSTATEs
SELECT throws_ok($$SELECT ddb.call('GetItem', '{"TableName": "contract", "Key": {"pk": {"N": "1"}}}')$$,
                 'YD001', 'ValidationException: The provided key element does not match the schema',
                 'ValidationException is YD001');
SELECT throws_ok($$SELECT ddb.call('GetItem', '{"TableName": ')$$,
                 'YD002', NULL, 'SerializationException (malformed JSON) is YD002');
SELECT throws_ok($$SELECT ddb.call('GetItem', '{"TableName": 1}')$$,
                 'YD002', 'SerializationException: NUMBER_VALUE cannot be converted to String',
                 'SerializationException (wrong JSON type) is YD002');
SELECT throws_ok($$SELECT ddb.call('FlyToTheMoon', '{}')$$,
                 'YD003', 'UnknownOperationException: Operation FlyToTheMoon is not supported',
                 'UnknownOperationException is YD003');
SELECT throws_ok($$SELECT ddb.call('GetItem', '{"TableName": "missing", "Key": {"pk": {"S": "a"}}}')$$,
                 'YD004', 'ResourceNotFoundException: Requested resource not found',
                 'ResourceNotFoundException is YD004');
SELECT throws_ok($$SELECT ddb.create_table('contract', partition_key => 'pk')$$,
                 'YD005', 'ResourceInUseException: Table already exists: contract',
                 'ResourceInUseException is YD005');
SELECT throws_ok($$SELECT ddb.tag_resource(jsonb_build_object('ResourceArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/contract',
                   'Tags', (SELECT jsonb_agg(jsonb_build_object('Key', 'k' || i, 'Value', 'v')) FROM generate_series(1, 51) i)))$$,
                 'YD001', 'ValidationException: One or more parameter values were invalid: Number of Tags exceed the current limit for the provided ResourceArn',
                 'more than 50 tags is a ValidationException (YD001), as in DynamoDB');

-- Errors are catchable by SQLSTATE in PL/pgSQL
CREATE FUNCTION pg_temp.catch_missing() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.get_item('{"TableName": "missing", "Key": {"pk": {"S": "a"}}}');
    RETURN 'no error';
EXCEPTION WHEN SQLSTATE 'YD004' THEN
    RETURN split_part(SQLERRM, ':', 1);
END $$;
SELECT is(pg_temp.catch_missing(), 'ResourceNotFoundException', 'catch ResourceNotFoundException by SQLSTATE');

-- Failed calls change nothing, also inside a transaction block
SELECT throws_ok($$SELECT ddb.put_item('{"TableName": "contract", "Item": {"pk": {"S": "b"}, "sk": {"N": "1e999"}}}')$$,
                 'YD001', NULL, 'an invalid number fails');
SELECT is((SELECT count(*) FROM ddb_data.contract), 1::bigint, 'and wrote nothing');

-- Numbers keep their value, in canonical form
SELECT is(ddb.put_item('{"TableName": "contract", "Item": {"pk": {"S": "n"}, "sk": {"N": "0001.2300"}, "big": {"N": "-12345678901234567890123456789012345678"}}}'),
          '{}'::jsonb, 'put with numbers');
SELECT is(ddb.get_item('{"TableName": "contract", "Key": {"pk": {"S": "n"}, "sk": {"N": "1.23"}}}') -> 'Item',
          '{"pk": {"S": "n"}, "sk": {"N": "1.23"}, "big": {"N": "-12345678901234567890123456789012345678"}}'::jsonb,
          'numbers come back canonical, with 38 digits intact');

-- marshal / unmarshal round trip keeps full precision
SELECT is(ddb.unmarshal(ddb.marshal('{"a": 1.10, "b": "x", "c": [true, null, {"d": 12345678901234567890123456789012345678}]}')),
          '{"a": 1.1, "b": "x", "c": [true, null, {"d": 12345678901234567890123456789012345678}]}'::jsonb,
          'marshal/unmarshal round trip');

-- the catalog is visible, the item table is where DESIGN.md says
SELECT has_table('ddb', 'tables', 'catalog table ddb.tables');
SELECT has_table('ddb_data', 'contract', 'item table ddb_data.contract');
SELECT col_type_is('ddb_data', 'contract', 'pk', 'text', 'S key column is text');
SELECT col_type_is('ddb_data', 'contract', 'sk', 'numeric', 'N key column is numeric');
SELECT col_type_is('ddb_data', 'contract', 'item', 'jsonb', 'item column is jsonb');
SELECT col_is_pk('ddb_data', 'contract', ARRAY['pk', 'sk'], 'primary key is (partition key, sort key)');

SELECT * FROM finish();
ROLLBACK;
