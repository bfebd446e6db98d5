-- partiql_limits: the WHERE clauses that name one item (IN of one value,
-- the same equality twice, two different values for one key attribute),
-- ExecuteTransaction's 4 MB limits, the statement length, nesting, path,
-- parameter and NextToken limits, and forged NextTokens
\set VERBOSITY terse

SELECT ddb.create_table('pql_hash', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.create_table('pql_range', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.put('pql_hash', '{"pk": "a", "v": 1}');
SELECT ddb.put('pql_hash', '{"pk": "b", "v": 1}');
SELECT ddb.put('pql_range', '{"pk": "a", "sk": 1, "v": 1}');
SELECT ddb.put('pql_range', '{"pk": "a", "sk": 2, "v": 1}');

CREATE FUNCTION pq(statement text, parameters jsonb DEFAULT NULL, extra jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.execute_statement(jsonb_strip_nulls(jsonb_build_object(
        'Statement', statement, 'Parameters', parameters)) || extra)
$$;
CREATE FUNCTION st(statement text, parameters jsonb DEFAULT NULL)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object('Statement', statement, 'Parameters', parameters))
$$;
CREATE FUNCTION batch(VARIADIC statements jsonb[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.batch_execute_statement(jsonb_build_object('Statements', to_jsonb(statements)))
$$;
CREATE FUNCTION tx(VARIADIC statements jsonb[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.execute_transaction(jsonb_build_object('TransactStatements', to_jsonb(statements)))
$$;
-- the error of a call_text, without the value it echoes
CREATE FUNCTION ct_error(operation text, request text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN ddb.call_text(operation, request);
EXCEPTION WHEN OTHERS THEN
    RETURN regexp_replace(SQLERRM, 'Value ''.*'' at', 'Value ... at');
END $$;
CREATE FUNCTION items(t text) RETURNS SETOF jsonb LANGUAGE sql AS $$
    SELECT * FROM ddb.partiql(format('SELECT * FROM "%s"', t)) AS i ORDER BY i::text
$$;

---------------------------------------------------------------------------
-- WHERE clauses that name the whole key
---------------------------------------------------------------------------

-- UPDATE and DELETE: an IN of one value is an equality, and so is the same
-- equality twice (either way round, as a parameter, a number by value)
SELECT pq($$UPDATE pql_hash SET v = 2 WHERE pk IN ['a'] RETURNING ALL NEW *$$);
SELECT pq($$UPDATE pql_hash SET v = 3 WHERE pk IN ('a') RETURNING ALL NEW *$$);
SELECT pq($$UPDATE pql_hash SET v = 4 WHERE pk = 'a' AND 'a' = pk RETURNING ALL NEW *$$);
SELECT pq($$UPDATE pql_hash SET v = 5 WHERE pk = ? AND pk = 'a' AND pk IN [?] RETURNING ALL NEW *$$,
          '[{"S": "a"}, {"S": "a"}]');
SELECT pq($$UPDATE pql_range SET v = 2 WHERE pk = 'a' AND sk = 1 AND sk = 1.0 AND sk IN [1e0] RETURNING ALL NEW *$$);
-- the rest of WHERE is still the condition
SELECT pq($$UPDATE pql_hash SET v = 6 WHERE pk IN ['a'] AND pk = 'a' AND v = 5 RETURNING MODIFIED NEW *$$);
-- an UPDATE of a missing item fails its condition
SELECT pq($$UPDATE pql_hash SET v = 1 WHERE pk IN ['zz'] AND pk = 'zz'$$);
-- DELETE: the same forms; a missing item is no error
SELECT pq($$DELETE FROM pql_hash WHERE pk IN ['b'] AND pk = 'b' RETURNING ALL OLD *$$);
SELECT pq($$DELETE FROM pql_hash WHERE pk IN ['b'] AND pk = 'b' RETURNING ALL OLD *$$);
SELECT pq($$DELETE FROM pql_range WHERE sk = 2 AND pk = 'a' AND 2 = sk RETURNING ALL OLD *$$);
SELECT * FROM items('pql_hash');
SELECT * FROM items('pql_range');
-- ExecuteTransaction and BatchExecuteStatement writes take them too
SELECT tx(st($$UPDATE pql_hash SET v = 7 WHERE pk IN ['a'] AND pk = ?$$, '[{"S": "a"}]'),
          st($$DELETE FROM pql_range WHERE pk = 'x' AND pk IN ['x'] AND sk = 9 AND sk = 9$$));
SELECT batch(st($$UPDATE pql_hash SET v = 8 WHERE pk = 'a' AND pk = 'a'$$),
             st($$INSERT INTO pql_hash VALUE {'pk': 'b', 'v': 1}$$));
SELECT * FROM items('pql_hash');

-- SELECTs of BatchExecuteStatement and ExecuteTransaction name one item by
-- such equalities and nothing else
SELECT jsonb_pretty(batch(
    st($$SELECT * FROM pql_hash WHERE pk IN ['a']$$),
    st($$SELECT v FROM pql_hash WHERE pk = 'b' AND pk = ?$$, '[{"S": "b"}]'),
    st($$SELECT * FROM pql_range WHERE pk IN ('a') AND sk = 1 AND 1 = sk$$)));
SELECT jsonb_pretty(tx(
    st($$SELECT * FROM pql_hash WHERE pk IN ['a'] AND pk = 'a'$$),
    st($$SELECT * FROM pql_range WHERE sk IN [1] AND pk = 'a'$$)));
-- EXISTS: the same equality twice is the key; a second value is a false
-- condition on the item the first one names
SELECT tx(st($$EXISTS(SELECT * FROM pql_hash WHERE pk = 'a' AND pk = 'a' AND v = 8)$$),
          st($$UPDATE pql_hash SET v = 9 WHERE pk = 'b'$$));
SELECT tx(st($$EXISTS(SELECT * FROM pql_hash WHERE pk = 'a' AND pk = 'b')$$),
          st($$UPDATE pql_hash SET v = 10 WHERE pk = 'b'$$));
SELECT ddb.get('pql_hash', '{"pk": "b"}') -> 'v' AS unchanged;
-- ExecuteStatement: a SELECT with two values for its partition key reads
-- nothing (WHERE is false on every item)
SELECT pq($$SELECT * FROM pql_hash WHERE pk = 'a' AND pk = 'b'$$);
SELECT pq($$SELECT * FROM pql_hash WHERE pk IN ['a'] AND pk = 'a'$$);

-- Invalid input: two values for one key attribute in UPDATE or DELETE
SELECT pq($$UPDATE pql_hash SET v = 0 WHERE pk = 'a' AND pk = 'b'$$);
SELECT pq($$UPDATE pql_hash SET v = 0 WHERE pk IN ['a'] AND pk = ?$$, '[{"S": "b"}]');
SELECT pq($$UPDATE pql_hash SET v = 0 WHERE pk = 'a' AND pk = 1$$);
SELECT pq($$DELETE FROM pql_hash WHERE pk = 'b' AND pk = 'a'$$);
SELECT pq($$DELETE FROM pql_range WHERE pk = 'a' AND sk = 1 AND sk = 2$$);
-- Invalid input: found before the missing sort key
SELECT pq($$DELETE FROM pql_range WHERE pk = 'a' AND pk = 'b'$$);
-- Invalid input: in a batch, the statement's Error
SELECT batch(st($$DELETE FROM pql_hash WHERE pk = 'a' AND pk = 'b'$$),
             st($$UPDATE pql_hash SET v = 11 WHERE pk = 'b'$$));
-- Invalid input: in a transaction, the request's
SELECT tx(st($$UPDATE pql_hash SET v = 12 WHERE pk = 'b'$$),
          st($$UPDATE pql_range SET v = 0 WHERE pk = 'a' AND sk = 1 AND sk = 3$$));
SELECT * FROM items('pql_hash');
-- Invalid input: a SELECT of a batch or transaction with two values names no item
SELECT batch(st($$SELECT * FROM pql_hash WHERE pk = 'a' AND pk = 'b'$$));
SELECT tx(st($$SELECT * FROM pql_hash WHERE pk = 'a' AND pk IN ['b']$$));
-- Invalid input: an IN of two values is not an equality
SELECT pq($$UPDATE pql_hash SET v = 0 WHERE pk IN ['a', 'b']$$);
SELECT pq($$DELETE FROM pql_hash WHERE pk IN ['a', 'a']$$);
SELECT batch(st($$SELECT * FROM pql_hash WHERE pk IN ['a', 'b']$$));

---------------------------------------------------------------------------
-- ExecuteTransaction's 4 MB
---------------------------------------------------------------------------

-- a write transaction's items (INSERT) and keys (the others) are at most
-- 4 MB, as TransactWriteItems' payload; 10 items of 390,000 bytes are fine
SELECT ddb.execute_transaction(jsonb_build_object('TransactStatements',
    (SELECT jsonb_agg(st('INSERT INTO pql_hash VALUE {''pk'': ?, ''d'': ?}',
                         jsonb_build_array(jsonb_build_object('S', 'big' || i),
                                           jsonb_build_object('S', repeat('x', 390000)))))
       FROM generate_series(1, 10) i)));
-- Invalid input: 11 are not, and nothing is written
SELECT ddb.execute_transaction(jsonb_build_object('TransactStatements',
    (SELECT jsonb_agg(st('INSERT INTO pql_hash VALUE {''pk'': ?, ''d'': ?}',
                         jsonb_build_array(jsonb_build_object('S', 'new' || i),
                                           jsonb_build_object('S', repeat('x', 390000)))))
       FROM generate_series(1, 11) i)));
SELECT count(*) AS new_items FROM ddb.partiql($$SELECT pk FROM pql_hash WHERE begins_with(pk, 'new')$$);
-- deleting 4 MB of items is fine: keys only
SELECT ddb.put('pql_hash', jsonb_build_object('pk', 'big11', 'd', repeat('x', 390000)));
-- a read-only transaction reads at most 4 MB of items (before projection)
SELECT jsonb_array_length(ddb.execute_transaction(jsonb_build_object('TransactStatements',
    (SELECT jsonb_agg(st('SELECT pk FROM pql_hash WHERE pk = ?', jsonb_build_array(jsonb_build_object('S', 'big' || i))))
       FROM generate_series(1, 10) i))) -> 'Responses') AS responses;
-- Invalid input: 11 items are over 4 MB
SELECT ddb.execute_transaction(jsonb_build_object('TransactStatements',
    (SELECT jsonb_agg(st('SELECT pk FROM pql_hash WHERE pk = ?', jsonb_build_array(jsonb_build_object('S', 'big' || i))))
       FROM generate_series(1, 11) i)));
SELECT ddb.execute_transaction(jsonb_build_object('TransactStatements',
    (SELECT jsonb_agg(st('DELETE FROM pql_hash WHERE pk = ?', jsonb_build_array(jsonb_build_object('S', 'big' || i))))
       FROM generate_series(1, 11) i)));
SELECT count(*) AS big_items FROM ddb.partiql($$SELECT pk FROM pql_hash WHERE begins_with(pk, 'big')$$);

---------------------------------------------------------------------------
-- Statement length, nesting, paths, parameters, NextToken
---------------------------------------------------------------------------

-- 8192 characters (not bytes; a U+0000 is one) are fine: 34 + 8157 + 1
SELECT length('SELECT * FROM pql_hash WHERE v = ''') AS prefix;
SELECT pq('SELECT * FROM pql_hash WHERE v = ''' || repeat('x', 8157) || '''');
SELECT pq('SELECT * FROM pql_hash WHERE v = ''' || repeat('é', 8157) || '''');
SELECT ddb.call_text('ExecuteStatement', '{"Statement": "SELECT * FROM pql_hash WHERE v = ''' ||
       repeat('\u0000', 8157) || '''"}');
SELECT tx(st('UPDATE pql_hash SET v = ''' || repeat('é', 8151) || ''' WHERE pk = ''a'''));
SELECT length(ddb.get('pql_hash', '{"pk": "a"}') ->> 'v') AS v_length;
-- Invalid input: 8193 characters
SELECT pq('SELECT * FROM pql_hash WHERE v = ''' || repeat('é', 8158) || '''');
SELECT ct_error('ExecuteStatement', '{"Statement": "SELECT * FROM pql_hash WHERE v = ''' ||
       repeat('\u0000', 8158) || '''"}');
SELECT tx(st('UPDATE pql_hash SET v = ''' || repeat('é', 8152) || ''' WHERE pk = ''a'''));
-- 99 parentheses and a literal are 100 levels of nesting, the most
SELECT pq('SELECT * FROM pql_hash WHERE ' || repeat('(', 99) || 'v = 1' || repeat(')', 99));
SELECT pq('SELECT * FROM pql_hash WHERE ' || repeat('NOT ', 98) || 'v = 1');
-- Invalid input: 101
SELECT pq('SELECT * FROM pql_hash WHERE ' || repeat('(', 100) || 'v = 1' || repeat(')', 100));
SELECT pq('SELECT * FROM pql_hash WHERE ' || repeat('NOT ', 100) || 'v = 1');
SELECT pq('SELECT * FROM pql_hash WHERE v = ' || repeat('{''k'': ', 101) || '1' || repeat('}', 101));
-- a document path of 32 elements is fine, and a value of 32 levels
SELECT pq('SELECT * FROM pql_hash WHERE a' || repeat('.b', 31) || ' = 1');
SELECT pq('SELECT * FROM pql_hash WHERE a' || repeat('[0]', 31) || ' = 1');
SELECT pq('SELECT * FROM pql_hash WHERE v = ' || repeat('[', 31) || '1' || repeat(']', 31));
-- Invalid input: 33
SELECT pq('SELECT * FROM pql_hash WHERE a' || repeat('.b', 32) || ' = 1');
SELECT pq('UPDATE pql_hash SET a' || repeat('[0]', 32) || ' = 1 WHERE pk = ''a''');
SELECT pq('SELECT * FROM pql_hash WHERE v = ' || repeat('[', 32) || '1' || repeat(']', 32));
-- parameters: as many as the statement has ?, 100 in an IN
SELECT pq('SELECT * FROM pql_hash WHERE v IN [' || (SELECT string_agg('?', ', ') FROM generate_series(1, 100)) || ']',
          (SELECT jsonb_agg(jsonb_build_object('N', i::text)) FROM generate_series(1, 100) i));
SELECT pq('SELECT pk FROM pql_hash WHERE pk IN [' || (SELECT string_agg('?', ', ') FROM generate_series(1, 50)) || ']',
          (SELECT jsonb_agg(jsonb_build_object('S', 'big' || i)) FROM generate_series(1, 50) i));
-- Invalid input: 101 operands of IN, 51 partitions
SELECT pq('SELECT * FROM pql_hash WHERE v IN [' || (SELECT string_agg('?', ', ') FROM generate_series(1, 101)) || ']',
          (SELECT jsonb_agg(jsonb_build_object('N', i::text)) FROM generate_series(1, 101) i));
SELECT pq('SELECT pk FROM pql_hash WHERE pk IN [' || (SELECT string_agg('?', ', ') FROM generate_series(1, 51)) || ']',
          (SELECT jsonb_agg(jsonb_build_object('S', 'big' || i)) FROM generate_series(1, 51) i));
-- Invalid input: more or fewer parameters than ?, in each operation
SELECT pq('SELECT * FROM pql_hash WHERE pk = ? AND v = ?', '[{"S": "a"}]');
SELECT batch(st('SELECT * FROM pql_hash WHERE pk = ?', '[{"S": "a"}, {"S": "b"}]'),
             st('SELECT * FROM pql_hash WHERE pk = ''a''', '[{"S": "a"}]'));
SELECT tx(st('SELECT * FROM pql_hash WHERE pk = ?'));
SELECT tx(st('UPDATE pql_hash SET v = ? WHERE pk = ''a''', '[{"N": "1"}, {"N": "2"}]'));
-- Invalid input: parameters of the wrong types
SELECT pq('SELECT * FROM pql_hash WHERE pk = ?', '[{"S": 1}]');
SELECT pq('SELECT * FROM pql_hash WHERE pk = ?', '[{"S": "a", "N": "1"}]');
SELECT pq('SELECT * FROM pql_hash WHERE pk = ?', '["a"]');
SELECT pq('UPDATE pql_hash SET v = ? WHERE pk = ''a''', '[{"L": [{"BOOL": "yes"}]}]');
SELECT pq('UPDATE pql_hash SET v = v + ? WHERE pk = ''a''', '[{"S": "1"}]');
-- Invalid input: a NextToken over 32768 characters
SELECT pq('SELECT * FROM pql_hash', NULL, jsonb_build_object('NextToken', repeat('A', 32769)));

-- a NextToken is the statement's own: forged ones, with the statement's
-- hash but a member missing or of another type, a partition out of range,
-- or a start key that is no attribute map, are invalid
CREATE FUNCTION forged(token_change jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT pq('SELECT * FROM pql_range', NULL, jsonb_build_object('Limit', 1, 'NextToken',
        translate(encode(convert_to((convert_from(decode(
            pq('SELECT * FROM pql_range', NULL, '{"Limit": 1}') ->> 'NextToken', 'base64'), 'UTF8')::jsonb
            || token_change)::text, 'UTF8'), 'base64'), E'\n', '')))
$$;
SELECT ddb.put('pql_range', '{"pk": "a", "sk": 3}');
SELECT forged('{}') -> 'Items' AS items;
-- Invalid input: forged
SELECT forged('{"p": "0"}');
SELECT forged('{"p": 0.5}');
SELECT forged('{"p": 9}');
SELECT forged('{"p": -1}');
SELECT forged('{"h": 1}');
SELECT forged('{"k": "a"}');
SELECT forged('{"k": [1]}');
SELECT forged('{"k": {"pk": {"S": 1}}}');
SELECT forged('{"k": {"pk": {"N": "x"}}}');
SELECT forged('{"k": {"pk": {"S": "a"}, "sk": {"S": "1"}}}');

SELECT ddb.delete_table('{"TableName": "pql_hash"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "pql_range"}') IS NOT NULL AS deleted;
DROP FUNCTION forged(jsonb);
DROP FUNCTION items(text);
DROP FUNCTION ct_error(text, text);
DROP FUNCTION tx(jsonb[]);
DROP FUNCTION batch(jsonb[]);
DROP FUNCTION st(text, jsonb);
DROP FUNCTION pq(text, jsonb, jsonb);
