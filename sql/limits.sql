-- limits: what requests over large values cost and echo back, the 400 KB
-- limit of updates, list_append building, the database encoding ddb needs,
-- and BEFORE INSERT triggers that skip a write
\set VERBOSITY terse

SELECT ddb.create_table('lim', partition_key => 'pk') IS NOT NULL AS created;

-- the length of a call's error message and its beginning
CREATE FUNCTION lim_error(op text, request jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.call(op, request);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN format('%s (%s bytes): %s', SQLSTATE, octet_length(SQLERRM), left(SQLERRM, 90));
END $$;

-- Invalid input: values echoed in messages are cut after 1024 bytes
SELECT lim_error('GetItem', jsonb_build_object('TableName', repeat('x', 1000000), 'Key', '{}'::jsonb));
SELECT lim_error('GetItem', jsonb_build_object('TableName', repeat('é', 500000), 'Key', '{}'::jsonb));
SELECT lim_error('PutItem', jsonb_build_object('TableName', 'lim', 'Item', '{"pk": {"S": "a"}}'::jsonb,
                                               'ReturnValues', repeat('x', 1000000)));
SELECT lim_error('GetItem', jsonb_build_object('TableName', 'lim', repeat('x', 1000000), 1));
SELECT lim_error('GetItem', jsonb_build_object('TableName', 'lim', 'Key', '{"pk": {"S": "a"}}'::jsonb,
                                               'ProjectionExpression', 'pk',
                                               'ExpressionAttributeNames', jsonb_build_object('#' || repeat('x', 1000000), 'a')));
-- the cut keeps whole characters (512 two-byte ones) and adds "..."
DO $$
BEGIN
    PERFORM ddb.get_item(jsonb_build_object('TableName', repeat('é', 2000), 'Key', '{}'::jsonb));
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '% bytes, value cut: %', octet_length(SQLERRM),
        SQLERRM LIKE '%Value ''' || repeat('é', 512) || '...'' at ''tableName''%';
END $$;

-- Updates: the 400 KB limit holds while the new item is built
SELECT ddb.put('lim', '{"pk": "u", "keep": "me"}') IS NULL AS put;
CREATE FUNCTION lim_update(expr text, vals jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.update_item(jsonb_build_object('TableName', 'lim', 'Key', '{"pk": {"S": "u"}}'::jsonb,
        'UpdateExpression', expr, 'ExpressionAttributeValues', vals, 'ReturnValues', 'UPDATED_NEW'))
$$;
CREATE FUNCTION lim_nulls(n int) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('L', COALESCE(jsonb_agg('{"NULL": true}'::jsonb), '[]'))
      FROM generate_series(1, n)
$$;
-- Invalid input: values that together pass 400 KB (each alone fits)
SELECT lim_update('SET a = :big, b = :big', jsonb_build_object(':big', jsonb_build_object('S', repeat('x', 250000))));
-- Invalid input: list_append results past 400 KB, the first one already
SELECT lim_update('SET a = list_append(:l, :l)', jsonb_build_object(':l', lim_nulls(110000)));
SELECT lim_update('SET a = list_append(:l, :l), b = list_append(:l, :l)', jsonb_build_object(':l', lim_nulls(60000)));
-- Invalid input: the new item (old attributes and new values) past 400 KB
SELECT lim_update('SET a = :s', jsonb_build_object(':s', jsonb_build_object('S', repeat('x', 300000)))) -> 'Attributes' ? 'a' AS set;
SELECT lim_update('SET b = :s', jsonb_build_object(':s', jsonb_build_object('S', repeat('y', 300000))));
-- nothing changed
SELECT jsonb_object_keys(ddb.get('lim', '{"pk": "u"}')) AS attribute ORDER BY 1;
SELECT lim_update('REMOVE a', NULL) AS removed;

-- list_append copies its lists' elements in order
SELECT lim_update('SET l = list_append(:a, :c)',
                  '{":a": {"L": [{"N": "1"}, {"S": "two"}]},
                    ":c": {"L": [{"M": {"x": {"N": "3.5"}}}, {"L": [{"BOOL": true}]}, {"NULL": true}]}}');
SELECT lim_update('SET l2 = list_append(l, :a), l3 = list_append(:a, l), l4 = list_append(:e, :e)',
                  '{":a": {"L": [{"B": "AAE="}]}, ":e": {"L": []}}');
SELECT ddb.get('lim', '{"pk": "u"}') -> 'l2' AS l2;
-- numbers in copied lists keep their value (jsonb numerics are aligned)
SELECT (ddb.get_item('{"TableName": "lim", "Key": {"pk": {"S": "u"}}}') #> '{Item,l2,L}') -> 2 AS element,
       ddb.get('lim', '{"pk": "u"}') #> '{l3,3,x}' = to_jsonb(3.5) AS number_equal;
SELECT jsonb_array_length(lim_update('SET big = list_append(:l, :l)', jsonb_build_object(':l', lim_nulls(5000)))
                          #> '{Attributes,big,L}') AS elements;
-- Invalid input: both operands are read before their types are checked
SELECT lim_update('SET l5 = list_append(keep, nothere)', NULL);
SELECT lim_update('SET l5 = list_append(:a, keep)', '{":a": {"L": []}}');

-- Responses copy stored items as they are: every read path returns the item
SELECT ddb.put_item('{"TableName": "lim", "Item": {"pk": {"S": "r"}, "n": {"N": "-12.5e3"},
    "m": {"M": {"b": {"BS": ["AAE=", "AQI="]}, "n": {"NS": ["1", "2.5"]}}}, "e": {"L": []}}}') AS put;
SELECT ddb.get_item('{"TableName": "lim", "Key": {"pk": {"S": "r"}}}') -> 'Item' = item AS get_item,
       (ddb.batch_get_item('{"RequestItems": {"lim": {"Keys": [{"pk": {"S": "r"}}]}}}') #> '{Responses,lim,0}') = item AS batch_get,
       (ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "lim", "Key": {"pk": {"S": "r"}}}}]}') #> '{Responses,0,Item}') = item AS transact_get,
       ddb.update_item('{"TableName": "lim", "Key": {"pk": {"S": "r"}}, "ReturnValues": "ALL_NEW"}') -> 'Attributes' = item AS update_all_new
  FROM ddb_data.lim WHERE item #>> '{pk,S}' = 'r';
SELECT ddb.get_item('{"TableName": "lim", "Key": {"pk": {"S": "r"}}, "ProjectionExpression": "m.n, n"}') AS projected;

-- Invalid input: ddb.parse_expression, a SQL helper, rejects an unknown kind
-- with PostgreSQL's invalid_parameter_value (22023), not a DynamoDB error
DO $$
BEGIN
    PERFORM ddb.parse_expression('x', 'a = b');
EXCEPTION WHEN invalid_parameter_value THEN
    RAISE NOTICE 'invalid_parameter_value: %', SQLERRM;
END $$;

-- Triggers: a BEFORE INSERT trigger that skips the row fails the write
CREATE FUNCTION lim_skip() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END $$;
CREATE TRIGGER lim_skip BEFORE INSERT ON ddb_data.lim FOR EACH ROW EXECUTE FUNCTION lim_skip();
-- Invalid input: a plain PutItem (InternalServerError)
SELECT ddb.put_item('{"TableName": "lim", "Item": {"pk": {"S": "t1"}}}');
-- Invalid input: conditional and ALL_OLD PutItem, UpdateItem creating an item
SELECT ddb.put_item('{"TableName": "lim", "Item": {"pk": {"S": "t1"}}, "ConditionExpression": "attribute_not_exists(pk)"}');
SELECT ddb.put_item('{"TableName": "lim", "Item": {"pk": {"S": "t1"}}, "ReturnValues": "ALL_OLD"}');
SELECT ddb.update_item('{"TableName": "lim", "Key": {"pk": {"S": "t1"}}, "UpdateExpression": "SET a = :a",
                         "ExpressionAttributeValues": {":a": {"N": "1"}}}');
-- Invalid input: BatchWriteItem and TransactWriteItems
SELECT ddb.batch_write_item('{"RequestItems": {"lim": [{"PutRequest": {"Item": {"pk": {"S": "t1"}}}},
                                                      {"PutRequest": {"Item": {"pk": {"S": "t2"}}}}]}}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "lim", "Item": {"pk": {"S": "t1"}}}}]}');
-- Invalid input: PutItem of an existing key too (INSERT ... ON CONFLICT,
-- whose BEFORE INSERT trigger runs first)
SELECT ddb.put_item('{"TableName": "lim", "Item": {"pk": {"S": "u"}, "replaced": {"BOOL": true}}}');
-- an UpdateItem of an existing item inserts nothing: it works
SELECT lim_update('SET c = :c', '{":c": {"N": "1"}}') AS updated;
SELECT count(*) AS stored FROM ddb_data.lim WHERE item #>> '{pk,S}' LIKE 't%';
DROP TRIGGER lim_skip ON ddb_data.lim;

-- Invalid input: ddb refuses a database whose encoding is not UTF8
SELECT current_database() AS regress_db \gset
CREATE DATABASE regress_ddb_ascii ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_ddb_ascii
\set VERBOSITY default
CREATE EXTENSION ddb;
\set VERBOSITY terse
SELECT count(*) AS ddb_objects FROM pg_namespace WHERE nspname IN ('ddb', 'ddb_data');
\c :regress_db
DROP DATABASE regress_ddb_ascii;

DROP FUNCTION lim_error(text, jsonb);
DROP FUNCTION lim_update(text, jsonb);
DROP FUNCTION lim_nulls(int);
DROP FUNCTION lim_skip();
SELECT ddb.delete_table('{"TableName": "lim"}') IS NOT NULL AS deleted;
