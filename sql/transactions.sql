-- transactions: TransactWriteItems and TransactGetItems
\set VERBOSITY terse

SELECT ddb.create_table('tx_accounts', partition_key => 'id') IS NOT NULL AS created;
SELECT ddb.create_table('tx_transfers', partition_key => 'tid') IS NOT NULL AS created;
SELECT ddb.create_table('tx_orders', partition_key => 'customer_id', sort_key => 'order_date') IS NOT NULL AS created;
SELECT ddb.create_table('tx_nums', partition_key => 'n', partition_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.put('tx_accounts', '{"id": "alice", "balance": 100}');
SELECT ddb.put('tx_accounts', '{"id": "bob", "balance": 20}');

-- the bank transfer: debit with a condition, credit, and a transfer record
-- in a second table, all or nothing
CREATE FUNCTION transfer(source text, target text, amount int, transfer_id text,
                         extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
    SELECT ddb.transact_write_items(jsonb_build_object('TransactItems', jsonb_build_array(
        jsonb_build_object('Update', jsonb_build_object('TableName', 'tx_accounts',
            'Key', jsonb_build_object('id', jsonb_build_object('S', source)),
            'UpdateExpression', 'SET balance = balance - :amount',
            'ConditionExpression', 'balance >= :amount',
            'ExpressionAttributeValues', jsonb_build_object(':amount', jsonb_build_object('N', amount::text)),
            'ReturnValuesOnConditionCheckFailure', 'ALL_OLD')),
        jsonb_build_object('Update', jsonb_build_object('TableName', 'tx_accounts',
            'Key', jsonb_build_object('id', jsonb_build_object('S', target)),
            'UpdateExpression', 'SET balance = balance + :amount',
            'ConditionExpression', 'attribute_exists(id)',
            'ExpressionAttributeValues', jsonb_build_object(':amount', jsonb_build_object('N', amount::text)))),
        jsonb_build_object('Put', jsonb_build_object('TableName', 'tx_transfers',
            'Item', jsonb_build_object('tid', jsonb_build_object('S', transfer_id),
                                       'from', jsonb_build_object('S', source),
                                       'to', jsonb_build_object('S', target),
                                       'amount', jsonb_build_object('N', amount::text)),
            'ConditionExpression', 'attribute_not_exists(tid)')))) || extra)
$$;
CREATE FUNCTION balances() RETURNS TABLE (id text, balance text)
LANGUAGE sql AS $$
    SELECT id, item -> 'balance' ->> 'N' FROM ddb_data.tx_accounts ORDER BY id
$$;

SELECT transfer('alice', 'bob', 30, 't1');
SELECT * FROM balances();
SELECT tid, item FROM ddb_data.tx_transfers ORDER BY tid;

-- Invalid input: insufficient balance cancels the whole transfer; the
-- DETAIL holds CancellationReasons, with the item where ALL_OLD was asked
\set VERBOSITY default
SELECT transfer('alice', 'bob', 500, 't2');
-- every failed condition is reported, not just the first
SELECT transfer('bob', 'nobody', 500, 't1');
\set VERBOSITY terse
SELECT * FROM balances();
SELECT tid FROM ddb_data.tx_transfers ORDER BY tid;

-- ReturnConsumedCapacity: one entry per table, twice the write units
SELECT transfer('bob', 'alice', 10, 't3', '{"ReturnConsumedCapacity": "TOTAL"}');
SELECT transfer('bob', 'alice', 10, 't4', '{"ReturnConsumedCapacity": "INDEXES", "ReturnItemCollectionMetrics": "SIZE"}');
SELECT transfer('bob', 'alice', 10, 't5', '{"ReturnConsumedCapacity": "NONE", "ReturnItemCollectionMetrics": "NONE"}');
SELECT * FROM balances();

-- all four actions; ConditionCheck only checks
SELECT ddb.put('tx_orders', '{"customer_id": "c1", "order_date": "2024-01-01", "status": "open"}');
SELECT ddb.put('tx_orders', '{"customer_id": "c1", "order_date": "2024-02-01", "status": "open"}');
SELECT ddb.transact_write_items('{"TransactItems": [
  {"ConditionCheck": {"TableName": "tx_accounts", "Key": {"id": {"S": "alice"}},
                      "ConditionExpression": "balance > :zero", "ExpressionAttributeValues": {":zero": {"N": "0"}}}},
  {"Put": {"TableName": "tx_orders", "Item": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-03-01"}, "status": {"S": "new"}}}},
  {"Update": {"TableName": "tx_orders", "Key": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-02-01"}},
              "UpdateExpression": "SET #s = :s REMOVE extra", "ExpressionAttributeNames": {"#s": "status"},
              "ExpressionAttributeValues": {":s": {"S": "shipped"}}}},
  {"Delete": {"TableName": "tx_orders", "Key": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-01-01"}},
              "ConditionExpression": "#s = :open", "ExpressionAttributeNames": {"#s": "status"},
              "ExpressionAttributeValues": {":open": {"S": "open"}}}}],
  "ReturnConsumedCapacity": "TOTAL"}');
SELECT order_date, item ->> 'status' AS status FROM ddb_data.tx_orders ORDER BY 1;
SELECT * FROM balances();
-- Update creates a missing item (upsert); Delete of a missing item is fine;
-- numbers keys are compared by value
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "1E3"}}, "UpdateExpression": "ADD hits :one",
              "ExpressionAttributeValues": {":one": {"N": "1"}}}},
  {"Delete": {"TableName": "tx_nums", "Key": {"n": {"N": "5"}}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "1000.00"}}, "UpdateExpression": "ADD hits :one",
              "ExpressionAttributeValues": {":one": {"N": "1"}}}}]}');
SELECT n, item FROM ddb_data.tx_nums ORDER BY 1;
-- a table ARN works as TableName
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/tx_nums",
  "Item": {"n": {"N": "2"}}}}]}');
SELECT n FROM ddb_data.tx_nums ORDER BY 1;

\set VERBOSITY default
-- Invalid input: a failed ConditionCheck cancels the others; the item
-- comes back with ALL_OLD only, and only when it exists
SELECT ddb.transact_write_items('{"TransactItems": [
  {"ConditionCheck": {"TableName": "tx_accounts", "Key": {"id": {"S": "nobody"}},
                      "ConditionExpression": "attribute_exists(id)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
  {"Delete": {"TableName": "tx_orders", "Key": {"customer_id": {"S": "c1"}, "order_date": {"S": "2024-03-01"}}}},
  {"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "2"}, "new": {"BOOL": true}}, "ConditionExpression": "attribute_not_exists(n)",
           "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
  {"Delete": {"TableName": "tx_nums", "Key": {"n": {"N": "1000"}}, "ConditionExpression": "hits > :h",
              "ExpressionAttributeValues": {":h": {"N": "5"}}, "ReturnValuesOnConditionCheckFailure": "NONE"}}]}');
\set VERBOSITY terse
SELECT order_date FROM ddb_data.tx_orders ORDER BY 1;
SELECT n FROM ddb_data.tx_nums ORDER BY 1;

-- the transaction runs in the caller's transaction
BEGIN;
SELECT transfer('alice', 'bob', 1, 'tx-rolled-back');
SELECT * FROM balances();
ROLLBACK;
SELECT * FROM balances();
-- a cancellation caught by the caller leaves nothing behind
DO $$
BEGIN
    PERFORM transfer('alice', 'bob', 1, 't1');
EXCEPTION WHEN SQLSTATE 'YD007' THEN
    RAISE NOTICE 'caught %', SQLERRM;
END $$;
SELECT * FROM balances();

---------------------------------------------------------------------------
-- ClientRequestToken
---------------------------------------------------------------------------

-- a repeat within 10 minutes returns the first result and writes nothing;
-- its capacity is that of reading the items
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "7"}},
  "UpdateExpression": "ADD hits :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}],
  "ClientRequestToken": "token-1", "ReturnConsumedCapacity": "TOTAL"}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "7"}},
  "UpdateExpression": "ADD hits :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}],
  "ClientRequestToken": "token-1", "ReturnConsumedCapacity": "TOTAL"}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "7"}},
  "UpdateExpression": "ADD hits :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}],
  "ClientRequestToken": "token-1"}');
SELECT item -> 'hits' AS hits FROM ddb_data.tx_nums WHERE n = 7;
-- Invalid input: the same token with a different request
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "7"}},
  "UpdateExpression": "ADD hits :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}}],
  "ClientRequestToken": "token-1"}');
SELECT item -> 'hits' AS hits FROM ddb_data.tx_nums WHERE n = 7;
-- a token that was never committed can be used again
BEGIN;
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "8"}}}}],
  "ClientRequestToken": "token-2"}');
ROLLBACK;
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "9"}}}}],
  "ClientRequestToken": "token-2"}');
-- a cancelled transaction does not keep its token
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "9"}},
  "ConditionExpression": "attribute_not_exists(n)"}}], "ClientRequestToken": "token-3"}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "10"}}}}],
  "ClientRequestToken": "token-3"}');
SELECT token FROM ddb.transaction_tokens ORDER BY token;
-- after 10 minutes a token is forgotten, and the same request runs again
UPDATE ddb.transaction_tokens SET created_at = created_at - interval '11 minutes' WHERE token = 'token-1';
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "7"}},
  "UpdateExpression": "ADD hits :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}],
  "ClientRequestToken": "token-1"}');
SELECT item -> 'hits' AS hits FROM ddb_data.tx_nums WHERE n = 7;
-- the token table is the extension owner's: other roles cannot read it
CREATE ROLE regress_ddb_tx_user;
GRANT ALL ON ddb_data.tx_nums TO regress_ddb_tx_user;
SET ROLE regress_ddb_tx_user;
SELECT count(*) FROM ddb.transaction_tokens;
-- Invalid input: another role's token is never replayed for this one
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "9"}}}}],
  "ClientRequestToken": "token-2"}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "11"}}}}],
  "ClientRequestToken": "token-4"}');
RESET ROLE;
SELECT n FROM ddb_data.tx_nums ORDER BY 1;
-- Invalid input: ClientRequestToken is 1 to 36 characters
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "9"}}}}],
  "ClientRequestToken": ""}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "9"}}}}],
  "ClientRequestToken": "0123456789012345678901234567890123456"}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "9"}}}}],
  "ClientRequestToken": "012345678901234567890123456789012345"}');
-- ... counted in characters, not bytes
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems', '[{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "12"}}}}]'::jsonb,
  'ClientRequestToken', repeat('é', 36)));

---------------------------------------------------------------------------
-- TransactWriteItems: invalid requests
---------------------------------------------------------------------------

-- Invalid input: TransactItems is required, 1 to 100 actions
SELECT ddb.transact_write_items('{}');
SELECT ddb.transact_write_items('{"TransactItems": [], "ReturnConsumedCapacity": "hi", "ReturnItemCollectionMetrics": "hi"}');
DO $$
BEGIN
    PERFORM ddb.transact_write_items(jsonb_build_object('TransactItems',
        (SELECT jsonb_agg(jsonb_build_object('Put', jsonb_build_object('TableName', 'tx_nums',
                 'Item', jsonb_build_object('n', jsonb_build_object('N', i::text))))) FROM generate_series(1, 101) i)));
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '%', left(SQLERRM, 120) || ' ... ' || right(SQLERRM, 70);
END $$;
-- 100 actions is the limit
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems',
    (SELECT jsonb_agg(jsonb_build_object('Put', jsonb_build_object('TableName', 'tx_nums',
             'Item', jsonb_build_object('n', jsonb_build_object('N', (1000 + i)::text))))) FROM generate_series(1, 100) i)));
SELECT count(*) FROM ddb_data.tx_nums WHERE n > 1000;
-- Invalid input: each action is exactly one of ConditionCheck, Put, Update, Delete
SELECT ddb.transact_write_items('{"TransactItems": [{}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "1"}}},
  "Delete": {"TableName": "tx_nums", "Key": {"n": {"N": "1"}}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "1"}}}}]}');
-- Invalid input: required members of the actions
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {}}, {"Update": {}}, {"Delete": {}}, {"ConditionCheck": {}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "x", "Item": {}, "ReturnValuesOnConditionCheckFailure": "ALL_NEW"}}]}');
-- Invalid input: members DynamoDB does not define, and legacy parameters
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "1"}}}}], "Foo": 1}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "1"}},
  "ReturnValues": "ALL_OLD"}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "1"}},
  "Expected": {"n": {"Exists": false}}}}]}');
-- Invalid input: members of the wrong JSON type
SELECT ddb.transact_write_items('{"TransactItems": {"Put": {}}}');
SELECT ddb.transact_write_items('{"TransactItems": ["Put"]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": []}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "1"}}}}], "ClientRequestToken": 5}');
-- Invalid input: expression errors are errors of the whole request
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "1"}}}},
  {"ConditionCheck": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}}, "ConditionExpression": "n = = :x",
                      "ExpressionAttributeValues": {":x": {"N": "1"}}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}},
  "UpdateExpression": "SET a = :a", "ExpressionAttributeValues": {":a": {"N": "1"}, ":unused": {"N": "2"}}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}},
  "UpdateExpression": "SET a = :missing"}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Delete": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}},
  "ExpressionAttributeValues": {":a": {"N": "1"}}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "2"}},
  "ConditionExpression": "attribute_not_exists(#n)", "ExpressionAttributeNames": {"#n": "n"}, "ExpressionAttributeValues": {}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}},
  "UpdateExpression": "SET a = :a SET b = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}}]}');
-- Invalid input: an update of a key attribute
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}},
  "UpdateExpression": "SET n = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}}]}');
-- Invalid input: attribute values are validated
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "x"}}}}]}');
-- Invalid input: a table that does not exist, before duplicates are looked for
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Delete": {"TableName": "no_such_table", "Key": {"a": {"S": "1"}}}},
  {"Put": {"TableName": "no_such_table", "Item": {"a": {"S": "1"}}}}]}');
-- Invalid input: two actions on one item, however the key is written
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "1000"}}}},
  {"ConditionCheck": {"TableName": "tx_nums", "Key": {"n": {"N": "1e3"}}, "ConditionExpression": "attribute_exists(n)"}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "tx_orders", "Item": {"customer_id": {"S": "c1"}, "order_date": {"S": "d"}}}},
  {"Delete": {"TableName": "tx_orders", "Key": {"order_date": {"S": "d"}, "customer_id": {"S": "c1"}}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Update": {"TableName": "tx_accounts", "Key": {"id": {"S": "alice"}}, "UpdateExpression": "SET a = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}},
  {"Update": {"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/tx_accounts", "Key": {"id": {"S": "alice"}},
              "UpdateExpression": "SET b = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}}]}');
-- Invalid input: an empty or oversized key value is an error of the request
SELECT ddb.transact_write_items('{"TransactItems": [{"Update": {"TableName": "tx_accounts", "Key": {"id": {"S": ""}},
  "UpdateExpression": "SET a = :a", "ExpressionAttributeValues": {":a": {"N": "1"}}}}]}');
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems', jsonb_build_array(jsonb_build_object('Put',
  jsonb_build_object('TableName', 'tx_accounts', 'Item', jsonb_build_object('id', jsonb_build_object('S', repeat('i', 2049))))))));
-- Invalid input: more than 4 MB of items
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems',
    (SELECT jsonb_agg(jsonb_build_object('Put', jsonb_build_object('TableName', 'tx_nums',
             'Item', jsonb_build_object('n', jsonb_build_object('N', (2000 + i)::text),
                                        'pad', jsonb_build_object('S', repeat('p', 400000)))))) FROM generate_series(1, 11) i)));
SELECT count(*) FROM ddb_data.tx_nums WHERE n > 2000;
-- 10 such items fit
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems',
    (SELECT jsonb_agg(jsonb_build_object('Put', jsonb_build_object('TableName', 'tx_nums',
             'Item', jsonb_build_object('n', jsonb_build_object('N', (2000 + i)::text),
                                        'pad', jsonb_build_object('S', repeat('p', 400000)))))) FROM generate_series(1, 10) i)));
SELECT count(*) FROM ddb_data.tx_nums WHERE n > 2000;

---------------------------------------------------------------------------
-- TransactWriteItems: per-action validation errors cancel the transaction
---------------------------------------------------------------------------

\set VERBOSITY default
-- Invalid input: a key of the wrong type: ValidationError in the first such
-- slot only, None elsewhere
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "3"}}}},
  {"Put": {"TableName": "tx_nums", "Item": {"n": {"S": "3"}}}},
  {"Delete": {"TableName": "tx_accounts", "Key": {"id": {"N": "3"}}}}]}');
-- Invalid input: a missing key attribute, a Key with other attributes
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "tx_orders", "Item": {"customer_id": {"S": "c9"}}}}]}');
SELECT ddb.transact_write_items('{"TransactItems": [
  {"ConditionCheck": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}}, "ConditionExpression": "attribute_exists(n)"}},
  {"ConditionCheck": {"TableName": "tx_accounts", "Key": {"id": {"S": "bob"}, "balance": {"N": "1"}},
                      "ConditionExpression": "attribute_exists(id)"}}]}');
\set VERBOSITY terse
-- Invalid input: an item over 400 KB
DO $$
DECLARE
    detail text;
BEGIN
    PERFORM ddb.transact_write_items(jsonb_build_object('TransactItems', jsonb_build_array(
        '{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "3"}}}}'::jsonb,
        jsonb_build_object('Put', jsonb_build_object('TableName', 'tx_nums',
            'Item', jsonb_build_object('n', '{"N": "4"}'::jsonb, 'pad', jsonb_build_object('S', repeat('p', 409600))))))));
EXCEPTION WHEN SQLSTATE 'YD007' THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RAISE NOTICE '% %', SQLERRM, detail;
END $$;
\set VERBOSITY default
-- Invalid input: an update whose result is invalid, found while applying it
SELECT ddb.put('tx_nums', '{"n": 20, "s": "text"}');
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "21"}}}},
  {"Update": {"TableName": "tx_nums", "Key": {"n": {"N": "20"}}, "UpdateExpression": "ADD s :one",
              "ExpressionAttributeValues": {":one": {"N": "1"}}}}]}');
SELECT ddb.transact_write_items(jsonb_build_object('TransactItems', jsonb_build_array(
  jsonb_build_object('Update', jsonb_build_object('TableName', 'tx_nums', 'Key', '{"n": {"N": "20"}}'::jsonb,
    'UpdateExpression', 'SET a = :a, b = :a',
    'ExpressionAttributeValues', jsonb_build_object(':a', jsonb_build_object('S', repeat('x', 300000))))))));
\set VERBOSITY terse
SELECT n FROM ddb_data.tx_nums WHERE n IN (3, 4, 21) ORDER BY 1;
SELECT item FROM ddb_data.tx_nums WHERE n = 20;

---------------------------------------------------------------------------
-- TransactGetItems
---------------------------------------------------------------------------

-- responses in request order, {} for a missing item, projections per action
SELECT ddb.transact_get_items('{"TransactItems": [
  {"Get": {"TableName": "tx_accounts", "Key": {"id": {"S": "bob"}}}},
  {"Get": {"TableName": "tx_accounts", "Key": {"id": {"S": "nobody"}}}},
  {"Get": {"TableName": "tx_transfers", "Key": {"tid": {"S": "t1"}}, "ProjectionExpression": "#f, amount",
           "ExpressionAttributeNames": {"#f": "from"}}},
  {"Get": {"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/tx_accounts", "Key": {"id": {"S": "alice"}},
           "ProjectionExpression": "absent_attribute"}}]}');
-- ReturnConsumedCapacity: twice the units of a consistent read, per table
SELECT ddb.transact_get_items('{"TransactItems": [
  {"Get": {"TableName": "tx_accounts", "Key": {"id": {"S": "bob"}}}},
  {"Get": {"TableName": "tx_accounts", "Key": {"id": {"S": "nobody"}}}},
  {"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2001"}}, "ProjectionExpression": "n"}}],
  "ReturnConsumedCapacity": "TOTAL"}');
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}}}}],
  "ReturnConsumedCapacity": "NONE"}');
-- duplicates are allowed in reads
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}}}},
  {"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2.0"}}}}]}');
-- 100 actions is the limit
SELECT jsonb_array_length(ddb.transact_get_items(jsonb_build_object('TransactItems',
    (SELECT jsonb_agg(jsonb_build_object('Get', jsonb_build_object('TableName', 'tx_nums',
             'Key', jsonb_build_object('n', jsonb_build_object('N', (1000 + i)::text))))) FROM generate_series(1, 100) i))) -> 'Responses');

-- Invalid input: TransactItems is required, 1 to 100 actions
SELECT ddb.transact_get_items('{}');
SELECT ddb.transact_get_items('{"TransactItems": [], "ReturnConsumedCapacity": "hi"}');
DO $$
BEGIN
    PERFORM ddb.transact_get_items(jsonb_build_object('TransactItems',
        (SELECT jsonb_agg(jsonb_build_object('Get', jsonb_build_object('TableName', 'tx_nums',
                 'Key', jsonb_build_object('n', jsonb_build_object('N', i::text))))) FROM generate_series(1, 101) i)));
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '%', left(SQLERRM, 120) || ' ... ' || right(SQLERRM, 70);
END $$;
-- Invalid input: ReturnConsumedCapacity is TOTAL or NONE
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}}}}],
  "ReturnConsumedCapacity": "INDEXES"}');
-- Invalid input: Get, its Key and TableName are required
SELECT ddb.transact_get_items('{"TransactItems": [{}, {"Get": {}}, {"Get": {"TableName": "a;"}}]}');
-- Invalid input: members DynamoDB does not define
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}}, "ConsistentRead": true}}]}');
SELECT ddb.transact_get_items('{"TransactItems": [{"Put": {"TableName": "tx_nums", "Item": {"n": {"N": "2"}}}}]}');
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}}}}], "ClientRequestToken": "x"}');
-- Invalid input: members of the wrong JSON type
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": []}]}');
-- Invalid input: projection errors
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}},
  "ExpressionAttributeNames": {"#n": "n"}}}]}');
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2"}},
  "ProjectionExpression": "#x"}}]}');
-- Invalid input: a table that does not exist, a key that does not match the schema
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "no_such_table", "Key": {"n": {"N": "2"}}}}]}');
SELECT ddb.transact_get_items('{"TransactItems": [{"Get": {"TableName": "tx_nums", "Key": {"n": {"S": "2"}}}}]}');
-- Invalid input: more than 4 MB of items
SELECT ddb.transact_get_items(jsonb_build_object('TransactItems',
    (SELECT jsonb_agg(jsonb_build_object('Get', jsonb_build_object('TableName', 'tx_nums',
             'Key', jsonb_build_object('n', jsonb_build_object('N', (2000 + i)::text))))) FROM generate_series(1, 10) i)
    || '[{"Get": {"TableName": "tx_nums", "Key": {"n": {"N": "2001"}}}}]'::jsonb));

DELETE FROM ddb.transaction_tokens;
DROP FUNCTION transfer(text, text, int, text, jsonb);
DROP FUNCTION balances();
SELECT ddb.delete_table('{"TableName": "tx_accounts"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "tx_transfers"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "tx_orders"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "tx_nums"}') IS NOT NULL AS deleted;
DROP ROLE regress_ddb_tx_user;
