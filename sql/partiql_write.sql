-- partiql_write: ExecuteStatement INSERT, UPDATE and DELETE, RETURNING,
-- conditions, capacity, transactions, and every error
\set VERBOSITY terse

SELECT ddb.create_table('pqw_music', partition_key => 'Artist', sort_key => 'SongTitle') IS NOT NULL AS created;
SELECT ddb.create_table('pqw_counters', partition_key => 'id', partition_key_type => 'N') IS NOT NULL AS created;

CREATE FUNCTION pq(statement text, parameters jsonb DEFAULT NULL, extra jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.execute_statement(jsonb_strip_nulls(jsonb_build_object(
        'Statement', statement, 'Parameters', parameters)) || extra)
$$;
CREATE FUNCTION song(artist text, title text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ddb.get('pqw_music', jsonb_build_object('Artist', artist, 'SongTitle', title))
$$;

-- INSERT: one item, literals of every type; the response has no items
SELECT pq($$INSERT INTO "pqw_music" VALUE {'Artist': 'Acme Band', 'SongTitle': 'PartiQL Rocks',
          'Year': 2020, 'Price': 1.99, 'Big': 1.2345678901234567890123456789012345678E+100,
          'IsHit': TRUE, 'Flop': false, 'Nothing': NULL, 'Tags': <<'rock', 'pop'>>, 'Ranks': <<3, 1>>,
          'AwardsWon': 0, 'AwardDetail': {'Grammys': [2020, 2018], 'Notes': 'it''s'}, 'Plays': []}$$);
SELECT song('Acme Band', 'PartiQL Rocks');
-- with parameters: a binary can only be a parameter
SELECT pq('INSERT INTO pqw_music VALUE {''Artist'': ?, ''SongTitle'': ?, ''Cover'': ?, ''Meta'': {''len'': ?}}',
          '[{"S": "Acme Band"}, {"S": "Happy Day"}, {"B": "AAEC"}, {"N": "215"}]');
SELECT ddb.get_item('{"TableName": "pqw_music", "Key": {"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}}}');
-- a key that exists: DuplicateItemException, and nothing changes
SELECT pq('INSERT INTO pqw_music VALUE {''Artist'': ''Acme Band'', ''SongTitle'': ''Happy Day'', ''Year'': 1}');
SELECT song('Acme Band', 'Happy Day') -> 'Year' AS unchanged;
SELECT pq('INSERT INTO pqw_counters VALUE {''id'': 1, ''n'': 0}', NULL, '{"ReturnConsumedCapacity": "TOTAL"}');

-- UPDATE: SET and REMOVE clauses, + and -, list_append, set_add, set_delete, nested paths
SELECT pq($$UPDATE "pqw_music" SET AwardsWon = 1 SET AwardDetail.Grammys = list_append(AwardDetail.Grammys, [2021])
          WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks'$$);
SELECT song('Acme Band', 'PartiQL Rocks') -> 'AwardDetail' AS awards, song('Acme Band', 'PartiQL Rocks') -> 'AwardsWon' AS won;
SELECT pq($$UPDATE pqw_music SET AwardsWon = AwardsWon + 2, Price = Price - 0.99, Plays = list_append([1], Plays)
          REMOVE Nothing, Flop WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' RETURNING MODIFIED NEW *$$);
SELECT pq($$UPDATE pqw_music SET Tags = set_add(Tags, <<'jazz'>>) WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' RETURNING MODIFIED OLD *$$);
SELECT pq($$UPDATE pqw_music SET Tags = set_delete(Tags, <<'rock', 'jazz'>>), Ranks = set_add(Ranks, <<2>>)
          WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' RETURNING MODIFIED NEW *$$);
SELECT pq($$UPDATE pqw_music SET AwardDetail.Grammys[0] = 1999, AwardDetail."Note s" = ? REMOVE AwardDetail.Notes
          WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' RETURNING ALL OLD *$$, '[{"S": "new"}]') -> 'Items' -> 0 -> 'AwardDetail';
SELECT pq($$UPDATE pqw_music SET Year = Year + 1 WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' RETURNING ALL NEW *$$)
       -> 'Items' -> 0 -> 'Year' AS year;
-- extra conditions in WHERE, evaluated against the item
SELECT pq($$UPDATE pqw_music SET IsHit = FALSE WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' AND "Year" > 2000 AND Tags IS NOT MISSING$$);
-- RETURNING MODIFIED of an update that writes nothing returned: no items
SELECT pq($$UPDATE pqw_music REMOVE Absent WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' RETURNING MODIFIED OLD *$$);
-- counters with capacity
SELECT pq('UPDATE pqw_counters SET n = n + ? WHERE id = ?', '[{"N": "5"}, {"N": "1"}]', '{"ReturnConsumedCapacity": "INDEXES"}');
SELECT pq('UPDATE pqw_counters SET n = n + 1 WHERE id = 1 RETURNING ALL NEW *');

-- DELETE: an existing item, RETURNING ALL OLD *, a missing item succeeds
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': 'Acme Band', 'SongTitle': 'Gone', 'Year': 1999}$$);
SELECT pq($$DELETE FROM pqw_music WHERE Artist = 'Acme Band' AND SongTitle = 'Gone' RETURNING ALL OLD *$$);
SELECT song('Acme Band', 'Gone') AS deleted;
SELECT pq($$DELETE FROM pqw_music WHERE Artist = 'Acme Band' AND SongTitle = 'Gone'$$);
SELECT pq($$DELETE FROM pqw_music WHERE Artist = 'Acme Band' AND SongTitle = 'Gone' AND "Year" = 1 RETURNING ALL OLD *$$);
-- with a condition that holds
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': 'Acme Band', 'SongTitle': 'Gone', 'Year': 1999}$$);
SELECT pq($$DELETE FROM pqw_music WHERE SongTitle = 'Gone' AND Artist = 'Acme Band' AND "Year" < 2000$$, NULL,
          '{"ReturnConsumedCapacity": "TOTAL"}');

-- statements run in the caller's transaction
BEGIN;
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': 'Tx', 'SongTitle': 'Rolled back'}$$);
SELECT song('Tx', 'Rolled back') IS NOT NULL AS inside;
ROLLBACK;
SELECT song('Tx', 'Rolled back') IS NULL AS gone;

-- from psql: RETURNING as plain JSON
SELECT * FROM ddb.partiql('UPDATE pqw_counters SET n = n - 0 WHERE id = 1 RETURNING ALL NEW *');
SELECT * FROM ddb.partiql('UPDATE pqw_counters SET n = n + ? WHERE id = ? RETURNING MODIFIED NEW *', '[10, 1]');
SELECT * FROM ddb.partiql('INSERT INTO pqw_counters VALUE {''id'': ?, ''n'': ?, ''m'': ?}', '[2, 0, {"a": [1, "x"]}]');
SELECT ddb.get('pqw_counters', '{"id": 2}');

-- Invalid input: UPDATE of a missing item, or one that fails WHERE
SELECT pq($$UPDATE pqw_music SET Year = 1 WHERE Artist = 'Nobody' AND SongTitle = 'Nothing'$$);
SELECT song('Nobody', 'Nothing') AS not_created;
SELECT pq($$UPDATE pqw_music SET Year = 1 WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' AND "Year" < 0$$);
SELECT pq($$UPDATE pqw_music SET Year = 1 WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' AND "Year" < 0$$,
          NULL, '{"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}');
-- Invalid input: DELETE of an item that fails WHERE
SELECT pq($$DELETE FROM pqw_music WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day' AND "Year" = 1$$);
SELECT song('Acme Band', 'Happy Day') IS NOT NULL AS kept;
-- Invalid input: WHERE without an equality on every key attribute
SELECT pq($$UPDATE pqw_music SET Year = 1 WHERE Artist = 'Acme Band'$$);
SELECT pq($$UPDATE pqw_music SET Year = 1$$);
SELECT pq($$UPDATE pqw_music SET Year = 1 WHERE Artist = 'Acme Band' OR SongTitle = 'x'$$);
SELECT pq($$UPDATE pqw_music SET Year = 1 WHERE Artist = 'Acme Band' AND SongTitle > 'x'$$);
SELECT pq($$DELETE FROM pqw_music WHERE Artist = 'Acme Band'$$);
SELECT pq($$DELETE FROM pqw_music$$);
-- Invalid input: key values of the wrong type, empty
SELECT pq($$UPDATE pqw_music SET Year = 1 WHERE Artist = 1 AND SongTitle = 'x'$$);
SELECT pq($$DELETE FROM pqw_counters WHERE id = 'one'$$);
SELECT pq($$DELETE FROM pqw_music WHERE Artist = '' AND SongTitle = 'x'$$);
-- Invalid input: updates of key attributes, bad operands
SELECT pq($$UPDATE pqw_music SET SongTitle = 'y' WHERE Artist = 'Acme Band' AND SongTitle = 'Happy Day'$$);
SELECT pq($$UPDATE pqw_music SET Year = Year + 'x' WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks'$$);
SELECT pq($$UPDATE pqw_music SET Tags = set_add(Tags, 'x') WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks'$$);
SELECT pq($$UPDATE pqw_music SET Tags = set_add(Other, <<'x'>>) WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks'$$);
SELECT pq($$UPDATE pqw_music SET Tags = 1 + set_add(Tags, <<'x'>>) WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks'$$);
SELECT pq($$UPDATE pqw_music SET Absent.deep = 1 WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks'$$);
SELECT pq($$UPDATE pqw_music SET x = size(Tags) WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks'$$);
SELECT pq($$UPDATE pqw_music WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks'$$);
SELECT pq($$UPDATE pqw_music SET Year = 1 WHERE Artist = 'Acme Band' AND SongTitle = 'PartiQL Rocks' RETURNING ALL *$$);
SELECT pq($$UPDATE "pqw_music"."idx" SET Year = 1 WHERE Artist = 'Acme Band' AND SongTitle = 'x'$$);
-- Invalid input: RETURNING of DELETE other than ALL OLD
SELECT pq($$DELETE FROM pqw_music WHERE Artist = 'Acme Band' AND SongTitle = 'x' RETURNING ALL NEW *$$);
SELECT pq($$DELETE FROM pqw_music WHERE Artist = 'Acme Band' AND SongTitle = 'x' RETURNING MODIFIED OLD *$$);
-- Invalid input: INSERT
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': 'Acme Band'}$$);
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': 1, 'SongTitle': 'x'}$$);
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': '', 'SongTitle': 'x'}$$);
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': 'a', 'SongTitle': 'x', '': 1}$$);
SELECT pq($$INSERT INTO pqw_music VALUES {'Artist': 'a', 'SongTitle': 'x'}$$);
SELECT pq($$INSERT INTO pqw_music VALUE <<{'Artist': 'a', 'SongTitle': 'x'}>>$$);
SELECT pq($$INSERT INTO pqw_music VALUE ?$$, '[{"M": {"Artist": {"S": "a"}, "SongTitle": {"S": "x"}}}]');
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': 'a', 'SongTitle': 'x', 'Big': ?}$$,
          jsonb_build_array(jsonb_build_object('S', repeat('x', 410000))));
SELECT pq($$INSERT INTO pqw_nope VALUE {'Artist': 'a', 'SongTitle': 'x'}$$);
SELECT pq($$INSERT INTO "pqw_music"."idx" VALUE {'Artist': 'a', 'SongTitle': 'x'}$$);
SELECT pq($$INSERT INTO pqw_music {'Artist': 'a'}$$);
SELECT pq($$INSERT INTO pqw_music VALUE {'Artist': 'a', 'SongTitle': 'x'}$$, NULL, '{"NextToken": "abc"}');
SELECT ddb.get('pqw_music', '{"Artist": "a", "SongTitle": "x"}') AS nothing_written;

SELECT ddb.delete_table('{"TableName": "pqw_music"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "pqw_counters"}') IS NOT NULL AS deleted;
DROP FUNCTION pq(text, jsonb, jsonb);
DROP FUNCTION song(text, text);
