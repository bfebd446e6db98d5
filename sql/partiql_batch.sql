-- partiql_batch: BatchExecuteStatement and ExecuteTransaction, their
-- results, failures, capacity, tokens and every error
\set VERBOSITY terse

SELECT ddb.create_table('pqb_music', partition_key => 'Artist', sort_key => 'SongTitle') IS NOT NULL AS created;
SELECT ddb.create_table('pqb_counters', partition_key => 'id', partition_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.put('pqb_music', '{"Artist": "Acme", "SongTitle": "One", "Year": 2020, "Tags": ["rock"], "Info": {"Len": 200}}');
SELECT ddb.put('pqb_music', '{"Artist": "Acme", "SongTitle": "Two", "Year": 2021}');
SELECT ddb.put('pqb_counters', '{"id": 1, "n": 0}');

-- a statement as BatchStatementRequest or ParameterizedStatement
CREATE FUNCTION st(statement text, parameters jsonb DEFAULT NULL, extra jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object('Statement', statement, 'Parameters', parameters)) || extra
$$;
CREATE FUNCTION batch(VARIADIC statements jsonb[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.batch_execute_statement(jsonb_build_object('Statements', to_jsonb(statements)))
$$;
CREATE FUNCTION tx(VARIADIC statements jsonb[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.execute_transaction(jsonb_build_object('TransactStatements', to_jsonb(statements)))
$$;
CREATE FUNCTION song(artist text, title text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.get('pqb_music', jsonb_build_object('Artist', artist, 'SongTitle', title))
$$;

---------------------------------------------------------------------------
-- BatchExecuteStatement
---------------------------------------------------------------------------

-- reads: one Item per SELECT naming the whole key, in request order; a
-- missing item has no Item; a projection names values by their last step
SELECT jsonb_pretty(batch(
    st($$SELECT * FROM "pqb_music" WHERE Artist = 'Acme' AND SongTitle = 'Two'$$),
    st($$SELECT Year, Info.Len FROM pqb_music WHERE SongTitle = ? AND Artist = ?$$, '[{"S": "One"}, {"S": "Acme"}]'),
    st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'Missing'$$),
    st($$SELECT * FROM pqb_counters WHERE id = 1$$, NULL, '{"ConsistentRead": true}')));

-- writes: INSERT, UPDATE, DELETE each on its own; one's failure does not
-- stop the others
SELECT jsonb_pretty(batch(
    st($$INSERT INTO pqb_music VALUE {'Artist': 'Batch', 'SongTitle': 'A', 'n': 1}$$),
    st($$INSERT INTO pqb_music VALUE {'Artist': 'Acme', 'SongTitle': 'One'}$$),
    st($$UPDATE pqb_music SET Year = Year + 1 WHERE Artist = 'Acme' AND SongTitle = 'Two'$$),
    st($$UPDATE pqb_music SET Year = 1 WHERE Artist = 'Nobody' AND SongTitle = 'None'$$),
    st($$UPDATE pqb_counters SET n = n + 1 WHERE id = 1 RETURNING ALL NEW *$$),
    st($$DELETE FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'Two' AND "Year" > 3000$$,
       NULL, '{"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}'),
    st($$DELETE FROM pqb_music WHERE Artist = 'Nobody' AND SongTitle = 'None'$$),
    st($$INSERT INTO "pqb_missing" VALUE {'a': 1}$$),
    st($$INSERT INTO pqb_music VALUE {'Artist': 'Batch', 'SongTitle': 1}$$),
    st($$UPDATE pqb_music SET Year = 1 WHERE Artist = 'Acme'$$),
    st($$UPDATE pqb_music SET Year = Year + 'x' WHERE Artist = 'Acme' AND SongTitle = 'One'$$),
    st($$INSERT INTO pqb_music VALUE {'Artist': ?, 'SongTitle': 'B'}$$),
    st($$DELETE pqb_music$$)));
SELECT song('Batch', 'A') AS inserted, song('Acme', 'Two') -> 'Year' AS updated,
       song('Acme', 'One') -> 'Year' AS unchanged, ddb.get('pqb_counters', '{"id": 1}') AS counter;

-- ReturnConsumedCapacity: the statements that succeeded, per table
SELECT batch(st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One'$$, NULL, '{"ConsistentRead": true}'),
             st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'Nope'$$),
             st($$SELECT * FROM pqb_counters WHERE id = 1$$),
             st($$SELECT * FROM pqb_music WHERE Artist = 'Acme'$$)) -> 'Responses' -> 3 AS not_charged;
SELECT ddb.batch_execute_statement(jsonb_build_object('ReturnConsumedCapacity', 'TOTAL', 'Statements', jsonb_build_array(
    st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One'$$, NULL, '{"ConsistentRead": true}'),
    st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'Nope'$$),
    st($$SELECT * FROM pqb_counters WHERE id = 1$$),
    st($$SELECT * FROM pqb_music WHERE Artist = 'Acme'$$)))) -> 'ConsumedCapacity' AS read_capacity;
SELECT ddb.batch_execute_statement(jsonb_build_object('ReturnConsumedCapacity', 'INDEXES', 'Statements', jsonb_build_array(
    st($$UPDATE pqb_counters SET n = n + 1 WHERE id = 1$$),
    st($$INSERT INTO pqb_music VALUE {'Artist': 'Batch', 'SongTitle': 'A'}$$)))) AS write_capacity;
SELECT ddb.batch_execute_statement(jsonb_build_object('ReturnConsumedCapacity', 'TOTAL', 'Statements', jsonb_build_array(
    st($$INSERT INTO pqb_music VALUE {'Artist': 'Batch', 'SongTitle': 'A'}$$)))) AS nothing_charged;

-- the batch runs in the caller's transaction
BEGIN;
SELECT batch(st($$INSERT INTO pqb_music VALUE {'Artist': 'Tx', 'SongTitle': 'Rolled back'}$$));
ROLLBACK;
SELECT song('Tx', 'Rolled back') IS NULL AS rolled_back;

-- through ddb.call and the text variant
SELECT ddb.call('BatchExecuteStatement', jsonb_build_object('Statements', jsonb_build_array(
    st($$SELECT n FROM pqb_counters WHERE id = 1$$))));
SELECT ddb.batch_execute_statement('{"Statements": [{"Statement": "SELECT id FROM pqb_counters WHERE id = 1"}]}');

-- Invalid input: reads and writes in one batch (ValidationException)
SELECT batch(st($$SELECT * FROM pqb_counters WHERE id = 1$$), st($$DELETE FROM pqb_counters WHERE id = 1$$));
SELECT ddb.get('pqb_counters', '{"id": 1}') IS NOT NULL AS not_deleted;
-- Invalid input: no Statements, none, more than 25 (ValidationException)
SELECT ddb.batch_execute_statement('{}');
SELECT ddb.batch_execute_statement('{"Statements": []}');
SELECT ddb.batch_execute_statement(jsonb_build_object('Statements',
    (SELECT jsonb_agg(st('SELECT * FROM pqb_counters WHERE id = ' || i)) FROM generate_series(1, 26) i))) IS NULL;
-- Invalid input: an empty statement, empty Parameters, a bad ReturnValuesOnConditionCheckFailure,
-- a bad ReturnConsumedCapacity (ValidationException, collected)
SELECT batch(st(''), st('SELECT * FROM pqb_counters WHERE id = ?', '[]', '{"ReturnValuesOnConditionCheckFailure": "ALL_NEW"}'));
SELECT ddb.batch_execute_statement('{"Statements": [{"Statement": "SELECT * FROM pqb_counters WHERE id = 1"}], "ReturnConsumedCapacity": "ALL"}');
-- Invalid input: a statement over 8192 characters (ValidationException)
SELECT batch(st('SELECT * FROM pqb_counters WHERE id = 1' || repeat(' ', 8200)));
-- Invalid input: members DynamoDB does not define (ValidationException), a wrong JSON type (SerializationException)
SELECT ddb.batch_execute_statement('{"Statements": [{"Statement": "SELECT * FROM pqb_counters WHERE id = 1", "Limit": 1}]}');
SELECT ddb.batch_execute_statement('{"Statements": [{"Statement": "SELECT * FROM pqb_counters WHERE id = 1"}], "Nope": 1}');
SELECT ddb.batch_execute_statement('{"Statements": "SELECT"}');
SELECT ddb.batch_execute_statement('{"Statements": [');
-- Invalid input, per statement (ValidationError): a SELECT that does not name
-- exactly the whole key, on an index, EXISTS, a parameter count mismatch
SELECT jsonb_pretty(batch(
    st($$SELECT * FROM pqb_music WHERE Artist = 'Acme'$$),
    st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One' AND "Year" > 1$$),
    st($$SELECT * FROM pqb_music."byYear" WHERE Artist = 'Acme' AND SongTitle = 'One'$$),
    st($$EXISTS(SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One')$$),
    st($$SELECT * FROM pqb_music WHERE Artist = ? AND SongTitle = 'One'$$),
    st($$SELECT * FROM "pqb_missing" WHERE a = 1$$)));

---------------------------------------------------------------------------
-- ExecuteTransaction
---------------------------------------------------------------------------

-- writes, all or nothing: INSERT, UPDATE, DELETE and an EXISTS check
SELECT tx(st($$INSERT INTO pqb_music VALUE {'Artist': 'Tx', 'SongTitle': 'New', 'n': 0}$$),
          st($$UPDATE pqb_counters SET n = n + 10 WHERE id = 1$$),
          st($$DELETE FROM pqb_music WHERE Artist = 'Batch' AND SongTitle = 'A'$$),
          st($$EXISTS(SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One' AND "Year" = 2020)$$));
SELECT song('Tx', 'New') AS inserted, ddb.get('pqb_counters', '{"id": 1}') -> 'n' AS counter,
       song('Batch', 'A') AS deleted;

-- reads: Responses with each Item (or none), in statement order
SELECT jsonb_pretty(tx(st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One'$$),
                       st($$SELECT n FROM pqb_counters WHERE id = ?$$, '[{"N": "1"}]'),
                       st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'Nope'$$)));

-- a failed condition cancels everything, with a reason per statement;
-- ALL_OLD returns the item
\set VERBOSITY default
SELECT tx(st($$UPDATE pqb_counters SET n = n + 1 WHERE id = 1$$),
          st($$EXISTS(SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One' AND "Year" = 1999)$$,
             NULL, '{"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}'),
          st($$UPDATE pqb_music SET Year = 1 WHERE Artist = 'Nobody' AND SongTitle = 'None'$$),
          st($$INSERT INTO pqb_music VALUE {'Artist': 'Acme', 'SongTitle': 'Two'}$$),
          st($$DELETE FROM pqb_music WHERE Artist = 'Tx' AND SongTitle = 'New' AND n = 5$$));
SELECT tx(st($$INSERT INTO pqb_music VALUE {'Artist': 'Acme', 'SongTitle': 'One'}$$),
          st($$UPDATE pqb_counters SET n = n + 1 WHERE id = 1 AND n < 0$$, NULL,
             '{"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}'));
\set VERBOSITY terse
SELECT ddb.get('pqb_counters', '{"id": 1}') -> 'n' AS unchanged;
-- Invalid input: a missing table, a key that does not fit the schema, an
-- UPDATE without the whole key (TransactionCanceledException)
\set VERBOSITY default
SELECT tx(st($$UPDATE pqb_counters SET n = n + 1 WHERE id = 1$$),
          st($$DELETE FROM "pqb_missing" WHERE a = 1$$),
          st($$UPDATE pqb_music SET Year = 1 WHERE Artist = 'Acme'$$),
          st($$DELETE FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 1$$),
          st($$INSERT INTO pqb_music VALUE {'Artist': 'Acme'}$$));
SELECT tx(st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One'$$),
          st($$SELECT * FROM pqb_music WHERE Artist = 1 AND SongTitle = 'One'$$));
-- Invalid input: an update with an operand of the wrong type (TransactionCanceledException, ValidationError)
SELECT tx(st($$UPDATE pqb_counters SET n = n + 'x' WHERE id = 1$$));
\set VERBOSITY terse
SELECT ddb.get('pqb_counters', '{"id": 1}') -> 'n' AS unchanged;

-- ReturnConsumedCapacity: transactional units, twice a write or a consistent read
SELECT ddb.execute_transaction(jsonb_build_object('ReturnConsumedCapacity', 'TOTAL', 'TransactStatements', jsonb_build_array(
    st($$UPDATE pqb_counters SET n = n + 1 WHERE id = 1$$),
    st($$UPDATE pqb_music SET n = 1 WHERE Artist = 'Tx' AND SongTitle = 'New'$$),
    st($$EXISTS(SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One' AND "Year" = 2020)$$))));
SELECT ddb.execute_transaction(jsonb_build_object('ReturnConsumedCapacity', 'INDEXES', 'TransactStatements', jsonb_build_array(
    st($$SELECT * FROM pqb_counters WHERE id = 1$$),
    st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'Nope'$$))));

-- ClientRequestToken: a repeat returns the first response and writes nothing
SELECT ddb.execute_transaction(jsonb_build_object('ClientRequestToken', 'pqb-token-1', 'TransactStatements',
    jsonb_build_array(st($$UPDATE pqb_counters SET n = n + 100 WHERE id = 1$$))));
SELECT ddb.execute_transaction(jsonb_build_object('ClientRequestToken', 'pqb-token-1', 'ReturnConsumedCapacity', 'TOTAL',
    'TransactStatements', jsonb_build_array(st($$UPDATE pqb_counters SET n = n + 100 WHERE id = 1$$))));
SELECT ddb.get('pqb_counters', '{"id": 1}') -> 'n' AS once;
-- Invalid input: the same token with other statements (IdempotentParameterMismatchException)
SELECT ddb.execute_transaction(jsonb_build_object('ClientRequestToken', 'pqb-token-1', 'TransactStatements',
    jsonb_build_array(st($$UPDATE pqb_counters SET n = n + 200 WHERE id = 1$$))));
-- Invalid input: a token of 37 characters (ValidationException)
SELECT ddb.execute_transaction(jsonb_build_object('ClientRequestToken', repeat('t', 37), 'TransactStatements',
    jsonb_build_array(st($$UPDATE pqb_counters SET n = n + 200 WHERE id = 1$$))));

-- through ddb.call and the text variant
SELECT ddb.call('ExecuteTransaction', jsonb_build_object('TransactStatements', jsonb_build_array(
    st($$SELECT id FROM pqb_counters WHERE id = 1$$))));
SELECT ddb.execute_transaction('{"TransactStatements": [{"Statement": "SELECT id FROM pqb_counters WHERE id = 1"}]}');

-- Invalid input: reads and writes in one transaction (ValidationException)
SELECT tx(st($$SELECT * FROM pqb_counters WHERE id = 1$$), st($$UPDATE pqb_counters SET n = 0 WHERE id = 1$$));
-- Invalid input: two statements on one item (ValidationException)
SELECT tx(st($$UPDATE pqb_counters SET n = 0 WHERE id = 1$$), st($$DELETE FROM pqb_counters WHERE id = 1.0$$));
SELECT tx(st($$SELECT * FROM pqb_counters WHERE id = 1$$), st($$SELECT n FROM pqb_counters WHERE id = 1$$));
-- Invalid input: statements that cannot run in a transaction (ValidationException naming the statement)
SELECT tx(st($$UPDATE pqb_counters SET n = 0 WHERE id = 1$$), st($$UPDATE pqb_counters SET n = 0 WHERE id = 2 RETURNING ALL NEW *$$));
SELECT tx(st($$SELECT * FROM pqb_music."byYear" WHERE Artist = 'Acme' AND SongTitle = 'One'$$));
SELECT tx(st($$SELECT * FROM pqb_music WHERE Artist = 'Acme'$$));
SELECT tx(st($$SELECT * FROM pqb_music WHERE Artist = 'Acme' AND SongTitle = 'One' AND "Year" = 2020$$));
SELECT tx(st($$EXISTS(SELECT * FROM pqb_music WHERE Artist = 'Acme')$$));
SELECT tx(st($$UPDATE pqb_counters SET n = 0 WHERE id = 1$$), st($$UPDATE pqb_counters SET WHERE id = 2$$));
SELECT tx(st($$UPDATE pqb_counters SET n = ? WHERE id = 1$$));
SELECT tx(st($$UPDATE pqb_counters SET id = 2 WHERE id = 1$$));
-- Invalid input: no TransactStatements, none, more than 100, bad members (ValidationException)
SELECT ddb.execute_transaction('{}');
SELECT ddb.execute_transaction('{"TransactStatements": []}');
SELECT ddb.execute_transaction(jsonb_build_object('TransactStatements',
    (SELECT jsonb_agg(st('UPDATE pqb_counters SET n = 0 WHERE id = ' || i)) FROM generate_series(1, 101) i))) IS NULL;
SELECT ddb.execute_transaction('{"TransactStatements": [{"Statement": ""}], "ReturnConsumedCapacity": "ALL"}');
SELECT ddb.execute_transaction('{"TransactStatements": [{"Statement": "SELECT * FROM pqb_counters WHERE id = 1", "ConsistentRead": true}]}');
SELECT ddb.execute_transaction('{"TransactStatements": [{"Statement": "SELECT * FROM pqb_counters WHERE id = 1", "Parameters": []}]}');

SELECT ddb.delete_table('{"TableName": "pqb_music"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "pqb_counters"}') IS NOT NULL AS deleted;
DELETE FROM ddb.transaction_tokens WHERE token LIKE 'pqb-%';
DROP FUNCTION st(text, jsonb, jsonb), batch(jsonb[]), tx(jsonb[]), song(text, text);
