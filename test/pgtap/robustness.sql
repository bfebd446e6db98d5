-- robustness: thousands of randomly mutated requests to every operation,
-- and thousands of randomly mutated items written with plain SQL and read
-- back by ddb. Each call must either succeed or fail with a DynamoDB error
-- (SQLSTATE class YD); none may crash the backend or leak a raw PostgreSQL
-- error.
BEGIN;
SELECT plan(8);
SELECT setseed(0.4242);

SELECT ddb.create_table('fuzz', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N');
SELECT ddb.create_table('fuzzb', partition_key => 'h', partition_key_type => 'B');
-- an item table whose owner replaced the item check: reads must check items
SELECT ddb.create_table('fuzz_unchecked', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N');
ALTER TABLE ddb_data.fuzz_unchecked DROP CONSTRAINT ddb_item_is_valid,
    ADD CONSTRAINT ddb_item_is_valid CHECK (item IS NOT NULL);

-- A random JSON value, nesting at most depth levels
CREATE FUNCTION pg_temp.random_value(depth int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    words text[] := ARRAY['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS', 'pk', 'sk', 'h',
                          'TableName', 'Key', 'Item', 'fuzz', 'fuzzb', 'ReturnValues', 'ALL_OLD',
                          '', ' ', 'é', '1', '-0', '1e126', '1e-131', '.5', 'NaN', 'AAEC', 'A===',
                          'x"y', E'\\', 'HASH', 'RANGE', 'PROVISIONED', 'PAY_PER_REQUEST'];
    r float := random();
    result jsonb;
BEGIN
    IF depth <= 0 OR r < 0.35 THEN
        r := random();
        RETURN CASE
            WHEN r < 0.4 THEN to_jsonb(words[1 + floor(random() * array_length(words, 1))::int])
            WHEN r < 0.55 THEN to_jsonb((random() * 10 ^ (floor(random() * 40) - 20))::numeric)
            WHEN r < 0.65 THEN to_jsonb(random() < 0.5)
            WHEN r < 0.7 THEN 'null'::jsonb
            WHEN r < 0.8 THEN to_jsonb(repeat(chr(65 + floor(random() * 26)::int), floor(random() * 3000)::int))
            WHEN r < 0.9 THEN to_jsonb(floor(random() * 1000)::int::text)
            ELSE to_jsonb(-floor(random() * 5)::int)
        END;
    ELSIF r < 0.6 THEN
        SELECT coalesce(jsonb_agg(pg_temp.random_value(depth - 1)), '[]') INTO result
          FROM generate_series(1, floor(random() * 4)::int);
        RETURN result;
    ELSE
        SELECT coalesce(jsonb_object_agg(words[1 + floor(random() * array_length(words, 1))::int],
                                         pg_temp.random_value(depth - 1)), '{}') INTO result
          FROM generate_series(1, floor(random() * 4)::int);
        RETURN result;
    END IF;
END $$;

-- Mutate a JSON value: replace, drop or add members, recursively
CREATE FUNCTION pg_temp.mutate(j jsonb, depth int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    result jsonb;
BEGIN
    IF random() < 0.08 THEN
        RETURN pg_temp.random_value(3);
    END IF;
    IF jsonb_typeof(j) = 'object' THEN
        SELECT coalesce(jsonb_object_agg(key, CASE WHEN depth > 0 THEN pg_temp.mutate(value, depth - 1) ELSE value END), '{}')
          INTO result FROM jsonb_each(j) WHERE random() > 0.05;
        IF random() < 0.05 THEN
            result := result || jsonb_build_object('X' || floor(random() * 3)::int, pg_temp.random_value(2));
        END IF;
        RETURN result;
    ELSIF jsonb_typeof(j) = 'array' THEN
        SELECT coalesce(jsonb_agg(CASE WHEN depth > 0 THEN pg_temp.mutate(value, depth - 1) ELSE value END), '[]')
          INTO result FROM jsonb_array_elements(j) WHERE random() > 0.05;
        RETURN result;
    END IF;
    RETURN j;
END $$;

CREATE TEMP TABLE templates (operation text, request jsonb);
INSERT INTO templates VALUES
 ('PutItem', '{"TableName": "fuzz", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}, "m": {"M": {"l": {"L": [{"N": "1.5"}, {"SS": ["x", "y"]}, {"NULL": true}]}}}, "b": {"B": "AAEC"}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}, "t": {"BOOL": false}}, "ReturnValues": "ALL_OLD"}'),
 ('PutItem', '{"TableName": "fuzzb", "Item": {"h": {"B": "AAEC"}, "v": {"S": "x"}}}'),
 ('GetItem', '{"TableName": "fuzz", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ConsistentRead": true}'),
 ('GetItem', '{"TableName": "fuzzb", "Key": {"h": {"B": "AAEC"}}}'),
 ('DeleteItem', '{"TableName": "fuzz", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ReturnValues": "ALL_OLD"}'),
 ('CreateTable', '{"TableName": "fuzz-new", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}], "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "B"}], "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}, "Tags": [{"Key": "k", "Value": "v"}]}'),
 ('DescribeTable', '{"TableName": "fuzz"}'),
 ('ListTables', '{"Limit": 3, "ExclusiveStartTableName": "fuzz"}'),
 ('UpdateTable', '{"TableName": "fuzzb", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3}}'),
 ('TagResource', '{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fuzz", "Tags": [{"Key": "a", "Value": "b"}]}'),
 ('UntagResource', '{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fuzz", "TagKeys": ["a"]}'),
 ('ListTagsOfResource', '{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fuzz"}'),
 ('UpdateItem', '{"TableName": "fuzz", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "UpdateExpression": "SET a = :v, #b = list_append(if_not_exists(#b, :l), :l), m.x = :n ADD c :n, s :ss DELETE t :ss REMOVE d[1], e", "ConditionExpression": "attribute_not_exists(x) OR size(a) < :n AND NOT contains(#b, :v)", "ExpressionAttributeNames": {"#b": "b"}, "ExpressionAttributeValues": {":v": {"S": "x"}, ":l": {"L": [{"N": "1"}]}, ":n": {"N": "3"}, ":ss": {"SS": ["p", "q"]}}, "ReturnValues": "UPDATED_NEW"}'),
 ('PutItem', '{"TableName": "fuzz", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"N": "2"}}, "ConditionExpression": "attribute_not_exists(pk) OR #v BETWEEN :lo AND :hi OR #v IN (:lo, :hi)", "ExpressionAttributeNames": {"#v": "v"}, "ExpressionAttributeValues": {":lo": {"N": "1"}, ":hi": {"N": "9"}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}'),
 ('GetItem', '{"TableName": "fuzz", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ProjectionExpression": "a, #b[0], m.x", "ExpressionAttributeNames": {"#b": "b"}}'),
 ('UpdateItem', '{"TableName": "fuzz", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "AttributeUpdates": {"a": {"Action": "PUT", "Value": {"S": "y"}}, "c": {"Action": "ADD", "Value": {"N": "1"}}, "l": {"Action": "ADD", "Value": {"L": [{"S": "z"}]}}}, "Expected": {"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]}, "c": {"Exists": true, "Value": {"N": "3"}}}, "ConditionalOperator": "OR"}'),
 ('DeleteItem', '{"TableName": "fuzz", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ConditionExpression": "attribute_type(a, :t) AND begins_with(a, :p)", "ExpressionAttributeValues": {":t": {"S": "S"}, ":p": {"S": "x"}}}'),
 ('Query', '{"TableName": "fuzz", "KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi", "FilterExpression": "attribute_exists(a) OR size(#b) > :lo", "ProjectionExpression": "a, #b", "ExpressionAttributeNames": {"#b": "b"}, "ExpressionAttributeValues": {":p": {"S": "a"}, ":lo": {"N": "0"}, ":hi": {"N": "9"}}, "Limit": 2, "ScanIndexForward": false, "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "5"}}, "ReturnConsumedCapacity": "TOTAL"}'),
 ('Query', '{"TableName": "fuzz", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}, "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "1"}]}}, "QueryFilter": {"a": {"ComparisonOperator": "NOT_NULL"}}, "Select": "COUNT"}'),
 ('Scan', '{"TableName": "fuzz", "FilterExpression": "begins_with(a, :x)", "ExpressionAttributeValues": {":x": {"S": "x"}}, "Segment": 1, "TotalSegments": 3, "Limit": 5, "Select": "ALL_ATTRIBUTES", "ConsistentRead": true}'),
 ('Scan', '{"TableName": "fuzzb", "ScanFilter": {"v": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}}, "AttributesToGet": ["v"], "ExclusiveStartKey": {"h": {"B": "AAEC"}}}'),
 ('BatchGetItem', '{"RequestItems": {"fuzz": {"Keys": [{"pk": {"S": "a"}, "sk": {"N": "1"}}, {"pk": {"S": "b"}, "sk": {"N": "2"}}], "ProjectionExpression": "a, #b", "ExpressionAttributeNames": {"#b": "b"}, "ConsistentRead": true}, "fuzzb": {"Keys": [{"h": {"B": "AAEC"}}]}}, "ReturnConsumedCapacity": "TOTAL"}'),
 ('BatchWriteItem', '{"RequestItems": {"fuzz": [{"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"N": "3"}, "v": {"SS": ["x"]}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}}], "fuzzb": [{"PutRequest": {"Item": {"h": {"B": "AQ=="}}}}]}, "ReturnConsumedCapacity": "INDEXES", "ReturnItemCollectionMetrics": "SIZE"}'),
 ('TransactGetItems', '{"TransactItems": [{"Get": {"TableName": "fuzz", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "ProjectionExpression": "a"}}, {"Get": {"TableName": "fuzzb", "Key": {"h": {"B": "AAEC"}}}}]}'),
 ('TransactWriteItems', '{"TransactItems": [{"ConditionCheck": {"TableName": "fuzzb", "Key": {"h": {"B": "AAEC"}}, "ConditionExpression": "attribute_exists(h)"}}, {"Put": {"TableName": "fuzz", "Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}, "ConditionExpression": "attribute_not_exists(pk)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}, {"Update": {"TableName": "fuzz", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}, "UpdateExpression": "ADD c :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}, {"Delete": {"TableName": "fuzz", "Key": {"pk": {"S": "b"}, "sk": {"N": "2"}}}}], "ClientRequestToken": "tok", "ReturnConsumedCapacity": "TOTAL"}');

CREATE TEMP TABLE outcomes (sqlstate text, message text);

DO $$
DECLARE
    t record;
    request jsonb;
BEGIN
    FOR i IN 1..10000 LOOP
        SELECT * INTO t FROM templates ORDER BY random() LIMIT 1;
        request := pg_temp.mutate(t.request, 4);
        BEGIN
            PERFORM ddb.call(t.operation, request);
            INSERT INTO outcomes VALUES ('ok', NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO outcomes VALUES (SQLSTATE, t.operation || ': ' || SQLERRM || ' <- ' || left(request::text, 300));
        END;
    END LOOP;
    -- the text variant with truncated and garbled JSON
    FOR i IN 1..2000 LOOP
        SELECT * INTO t FROM templates ORDER BY random() LIMIT 1;
        BEGIN
            PERFORM ddb.call(t.operation, overlay(left(t.request::text, floor(random() * length(t.request::text))::int)
                                                 placing chr(32 + floor(random() * 90)::int) from 1 + floor(random() * 5)::int for 1));
            INSERT INTO outcomes VALUES ('ok', NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO outcomes VALUES (SQLSTATE, t.operation || ': ' || SQLERRM);
        END;
    END LOOP;
END $$;

SELECT ok((SELECT count(*) FROM outcomes) = 12000, 'the backend survived 12000 random requests');
SELECT diag(sqlstate || ' ' || message) FROM outcomes WHERE sqlstate NOT LIKE 'YD%' AND sqlstate <> 'ok' LIMIT 10;
SELECT is((SELECT count(*) FROM outcomes WHERE sqlstate NOT LIKE 'YD%' AND sqlstate <> 'ok'), 0::bigint,
          'every failure is a DynamoDB error');
SELECT cmp_ok((SELECT count(*) FROM outcomes WHERE sqlstate = 'ok'), '>', 50::bigint,
              'some mutated requests are still valid and succeed');

-- Items written with SQL: a valid stored item, mutated, under a fresh key,
-- into an item table (whose check refuses every invalid item, and whatever
-- it accepts reads back) and into one whose check was replaced, where they
-- are read, projected, conditionally updated and deleted through ddb
CREATE TEMP TABLE check_outcomes (sqlstate text, message text);
CREATE TEMP TABLE stored_outcomes (sqlstate text, message text);
DO $$
DECLARE
    template jsonb := '{"a": {"S": "xyz"}, "t": {"BOOL": false}, "b": {"B": "AAEC"}, "ns": {"NS": ["-2.5", "1"]},
                        "bs": {"BS": ["AA=="]}, "m": {"M": {"l": {"L": [{"N": "1.5"}, {"SS": ["x", "y"]}, {"NULL": true}]},
                        "e": {"M": {}}}}}';
    item jsonb;
    key jsonb;
BEGIN
    FOR i IN 1..3000 LOOP
        key := jsonb_build_object('pk', '{"S": "stored"}'::jsonb, 'sk', jsonb_build_object('N', i::text));
        item := pg_temp.mutate(template, 5);
        BEGIN
            INSERT INTO ddb_data.fuzz (pk, sk, item) VALUES ('stored', i, item || key);
            BEGIN
                PERFORM ddb.get_item(jsonb_build_object('TableName', 'fuzz', 'Key', key,
                    'ProjectionExpression', 'a, m.l[1], m.e, b, ns'));
                PERFORM ddb.scan('{"TableName": "fuzz", "Limit": 1, "ReturnConsumedCapacity": "TOTAL"}');
                INSERT INTO check_outcomes VALUES ('ok', NULL);
            EXCEPTION WHEN OTHERS THEN
                INSERT INTO check_outcomes VALUES ('read ' || SQLSTATE, SQLERRM || ' <- ' || left(item::text, 300));
            END;
            DELETE FROM ddb_data.fuzz;
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO check_outcomes VALUES (SQLSTATE, SQLERRM || ' <- ' || left(item::text, 300));
        END;
        BEGIN
            INSERT INTO ddb_data.fuzz_unchecked (pk, sk, item) VALUES ('stored', i, item || key);
        EXCEPTION WHEN OTHERS THEN
            CONTINUE;           -- not an object, or no usable key: SQL refused it
        END;
        BEGIN
            PERFORM ddb.get_item(jsonb_build_object('TableName', 'fuzz_unchecked', 'Key', key,
                'ProjectionExpression', 'a, m.l[1], m.e, b, ns'));
            PERFORM ddb.query(jsonb_build_object('TableName', 'fuzz_unchecked', 'KeyConditionExpression', 'pk = :p AND sk = :s',
                'FilterExpression', 'size(a) > :z OR contains(m.l, :x) OR attribute_type(ns, :t)',
                'ExpressionAttributeValues', jsonb_build_object(':p', '{"S": "stored"}'::jsonb, ':s', key -> 'sk',
                    ':z', '{"N": "0"}'::jsonb, ':x', '{"N": "1.5"}'::jsonb, ':t', '{"S": "NS"}'::jsonb),
                'ReturnConsumedCapacity', 'TOTAL'));
            PERFORM ddb.update_item(jsonb_build_object('TableName', 'fuzz_unchecked', 'Key', key,
                'UpdateExpression', 'SET m.l[0] = :v, a = list_append(if_not_exists(q, :l), :l) ADD ns :n DELETE bs :b',
                'ConditionExpression', 'attribute_exists(m) AND NOT begins_with(b, :b0)',
                'ExpressionAttributeValues', '{":v": {"S": "v"}, ":l": {"L": []}, ":n": {"NS": ["3"]}, ":b": {"BS": ["AA=="]}, ":b0": {"B": "AQ=="}}'::jsonb,
                'ReturnValues', 'ALL_OLD'));
            INSERT INTO stored_outcomes VALUES ('ok', NULL);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO stored_outcomes VALUES (SQLSTATE, SQLERRM || ' <- ' || left(item::text, 300));
        END;
        BEGIN
            PERFORM ddb.delete_item(jsonb_build_object('TableName', 'fuzz_unchecked', 'Key', key, 'ReturnValues', 'ALL_OLD'));
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO stored_outcomes VALUES (SQLSTATE, 'DeleteItem: ' || SQLERRM || ' <- ' || left(item::text, 300));
        END;
    END LOOP;
END $$;

SELECT diag('checked items: ' || string_agg(sqlstate || ' x' || n, ', ' ORDER BY sqlstate))
  FROM (SELECT sqlstate, count(*) AS n FROM check_outcomes GROUP BY sqlstate) o;
SELECT diag(sqlstate || ' ' || message) FROM check_outcomes WHERE sqlstate NOT IN ('ok', '23514') LIMIT 10;
SELECT is((SELECT count(*) FROM check_outcomes WHERE sqlstate NOT IN ('ok', '23514')), 0::bigint,
          'the item check refuses invalid items with check_violation, and every item it accepts is read');
SELECT cmp_ok((SELECT count(*) FROM check_outcomes WHERE sqlstate = 'ok'), '>', 50::bigint,
              'the item check accepts some mutated items');
SELECT cmp_ok((SELECT count(*) FROM check_outcomes WHERE sqlstate = '23514'), '>', 50::bigint,
              'the item check refuses some mutated items');
SELECT diag('stored items: ' || string_agg(sqlstate || ' x' || n, ', ' ORDER BY sqlstate))
  FROM (SELECT sqlstate, count(*) AS n FROM stored_outcomes GROUP BY sqlstate) o;
SELECT diag(sqlstate || ' ' || message) FROM stored_outcomes WHERE sqlstate NOT LIKE 'YD%' AND sqlstate <> 'ok' LIMIT 10;
SELECT is((SELECT count(*) FROM stored_outcomes WHERE sqlstate NOT LIKE 'YD%' AND sqlstate <> 'ok'), 0::bigint,
          'every read of a mutated stored item succeeds or fails with a DynamoDB error');
SELECT cmp_ok((SELECT count(*) FROM stored_outcomes WHERE sqlstate = 'ok'), '>', 50::bigint,
              'some mutated stored items are still valid and are read');

SELECT * FROM finish();
ROLLBACK;
