-- indexes_upkeep: every write path keeps every index of a table exact, as
-- ddb.check_indexes (which recomputes each index from the table's items)
-- shows after each step; and ddb.check_indexes reports each kind of
-- difference once an index table has been tampered with.
\set VERBOSITY terse

-- upkeep: a GSI with INCLUDE, a GSI with a multi-attribute key (two HASH
-- attributes, one RANGE) projecting ALL, a KEYS_ONLY GSI on a binary and
-- an LSI with INCLUDE
SELECT ddb.create_table('{"TableName": "upkeep", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "status", "AttributeType": "S"}, {"AttributeName": "updated", "AttributeType": "N"},
        {"AttributeName": "seller", "AttributeType": "S"}, {"AttributeName": "area", "AttributeType": "S"},
        {"AttributeName": "score", "AttributeType": "N"}, {"AttributeName": "payload", "AttributeType": "B"},
        {"AttributeName": "grade", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": "byStatus", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "updated", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["amount"]}},
        {"IndexName": "bySeller", "KeySchema": [{"AttributeName": "seller", "KeyType": "HASH"}, {"AttributeName": "area", "KeyType": "HASH"},
                                               {"AttributeName": "score", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "ALL"}},
        {"IndexName": "byPayload", "KeySchema": [{"AttributeName": "payload", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "LocalSecondaryIndexes": [
        {"IndexName": "byGrade", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "grade", "KeyType": "RANGE"}],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}]}') IS NOT NULL AS created;

-- the differences check_indexes finds (none: 'exact'), one per line
CREATE FUNCTION pg_temp.check(t text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(format('%s: %s %s', index_name, problem, table_key), E'\n'
                               ORDER BY index_name, table_key::text, problem), 'exact')
      FROM ddb.check_indexes(t)
$$;
-- the number of rows of each index table of a table
CREATE FUNCTION pg_temp.index_rows(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    i record;
    n bigint;
    result text := '';
BEGIN
    FOR i IN SELECT index_name, index_table FROM ddb.indexes WHERE table_name = t ORDER BY index_name LOOP
        EXECUTE format('SELECT count(*) FROM %s', i.index_table) INTO n;
        result := result || format('%s=%s ', i.index_name, n);
    END LOOP;
    RETURN rtrim(result);
END
$$;
-- an index's rows as (index key, table key, projected attribute names)
CREATE FUNCTION pg_temp.rows_of(t text, idx text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    relation regclass := (SELECT index_table FROM ddb.indexes WHERE table_name = t AND index_name = idx);
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT format(''%%s | %%s'', (SELECT string_agg(value, '', '' ORDER BY key)
                                         FROM jsonb_each_text(to_jsonb(r) - ''item'') WHERE key <> ''item''),
                       (SELECT string_agg(k, '','' ORDER BY k) FROM jsonb_object_keys(r.item) k))
           FROM %s r ORDER BY 1', relation);
END
$$;

-- PutItem: items in some indexes and not others (sparse indexes)
SELECT ddb.put('upkeep', '{"pk": "a", "sk": "1", "status": "new", "updated": 1, "amount": 10, "note": "n", "grade": 5,
                           "seller": "o1", "area": "eu", "score": 7, "misc": "x"}');
SELECT ddb.put('upkeep', '{"pk": "a", "sk": "2", "status": "new", "updated": 2, "grade": 1}');
SELECT ddb.put('upkeep', '{"pk": "b", "sk": "1", "seller": "o1", "score": 3}');  -- no area: not in bySeller
SELECT ddb.put_item('{"TableName": "upkeep", "Item": {"pk": {"S": "b"}, "sk": {"S": "2"}, "payload": {"B": "AAEC"},
                      "status": {"S": "done"}, "updated": {"N": "1E2"}}}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
SELECT pg_temp.rows_of('upkeep', 'byStatus');
SELECT pg_temp.rows_of('upkeep', 'bySeller');
SELECT pg_temp.rows_of('upkeep', 'byPayload');
SELECT pg_temp.rows_of('upkeep', 'byGrade');

-- PutItem replacing an item: its index keys move
SELECT ddb.put('upkeep', '{"pk": "a", "sk": "2", "status": "paid", "updated": 2, "grade": 1, "seller": "o2", "area": "us", "score": 1}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

-- UpdateItem changing index keys
SELECT ddb.update('upkeep', '{"pk": "a", "sk": "1"}', 'SET #s = :s, updated = updated + :one, score = :score',
                  '{":s": "shipped", ":one": 1, ":score": -2.5}', '{"#s": "status"}') IS NOT NULL AS updated;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
SELECT pg_temp.rows_of('upkeep', 'byStatus');
-- UpdateItem changing only projected attributes: amount (byStatus INCLUDE),
-- note (byGrade INCLUDE), misc (bySeller ALL)
SELECT ddb.update('upkeep', '{"pk": "a", "sk": "1"}', 'SET amount = :t, note = :n, misc = :o',
                  '{":t": 11, ":n": "changed", ":o": "y"}') IS NOT NULL AS updated;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
SELECT item FROM ddb_data."upkeep:byStatus" WHERE table_pk = 'a' AND table_sk = '1';
SELECT item FROM ddb_data."upkeep:byGrade" WHERE table_pk = 'a' AND table_sk = '1';
-- UpdateItem changing an attribute no KEYS_ONLY or INCLUDE index projects
SELECT ddb.update('upkeep', '{"pk": "b", "sk": "2"}', 'SET unrelated = :u', '{":u": 1}') IS NOT NULL AS updated;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
-- UpdateItem removing an index key attribute: the item leaves that sparse
-- index (one of the two HASH attributes of bySeller is enough)
SELECT ddb.update('upkeep', '{"pk": "a", "sk": "1"}', 'REMOVE #s, area', NULL, '{"#s": "status"}') IS NOT NULL AS updated;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
-- ... and comes back
SELECT ddb.update('upkeep', '{"pk": "a", "sk": "1"}', 'SET area = :r', '{":r": "eu"}') IS NOT NULL AS updated;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
-- UpdateItem creating an item (upsert)
SELECT ddb.update('upkeep', '{"pk": "c", "sk": "1"}', 'SET #s = :s, updated = :u, grade = :r',
                  '{":s": "new", ":u": 3, ":r": 2}', '{"#s": "status"}') IS NOT NULL AS updated;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

-- DeleteItem
SELECT ddb.delete('upkeep', '{"pk": "b", "sk": "2"}') IS NOT NULL AS deleted;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

-- Invalid input: an index key attribute of the wrong type, or empty,
-- changes nothing
SELECT ddb.put('upkeep', '{"pk": "a", "sk": "1", "status": 5, "updated": 1}');
SELECT ddb.put('upkeep', '{"pk": "a", "sk": "1", "seller": "", "area": "eu", "score": 1}');
SELECT ddb.update('upkeep', '{"pk": "a", "sk": "1"}', 'SET updated = :u', '{":u": "soon"}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

-- BatchWriteItem: puts and deletes
SELECT ddb.batch_write_item('{"RequestItems": {"upkeep": [
    {"PutRequest": {"Item": {"pk": {"S": "d"}, "sk": {"S": "1"}, "status": {"S": "new"}, "updated": {"N": "4"},
                             "payload": {"B": "AA=="}, "grade": {"N": "9"}, "note": {"S": "batch"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "d"}, "sk": {"S": "2"}, "seller": {"S": "o3"}, "area": {"S": "ap"},
                             "score": {"N": "0.001"}}}},
    {"PutRequest": {"Item": {"pk": {"S": "a"}, "sk": {"S": "2"}, "status": {"S": "paid"}, "updated": {"N": "20"}}}},
    {"DeleteRequest": {"Key": {"pk": {"S": "c"}, "sk": {"S": "1"}}}}]}}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

-- TransactWriteItems: a put, an update moving an index key, a delete and
-- a condition check
SELECT ddb.transact_write_items('{"TransactItems": [
    {"Put": {"TableName": "upkeep", "Item": {"pk": {"S": "e"}, "sk": {"S": "1"}, "status": {"S": "new"},
             "updated": {"N": "5"}, "amount": {"N": "50"}, "payload": {"B": "/w=="}}}},
    {"Update": {"TableName": "upkeep", "Key": {"pk": {"S": "d"}, "sk": {"S": "1"}},
                "UpdateExpression": "SET #s = :s, payload = :b", "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": "shipped"}, ":b": {"B": "AAA="}}}},
    {"Delete": {"TableName": "upkeep", "Key": {"pk": {"S": "d"}, "sk": {"S": "2"}}}},
    {"ConditionCheck": {"TableName": "upkeep", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "ConditionExpression": "attribute_exists(pk)"}}]}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
-- a cancelled transaction changes no index
CREATE TEMP TABLE before_cancel AS SELECT pg_temp.index_rows('upkeep') AS counts,
    (SELECT string_agg(r, ';') FROM pg_temp.rows_of('upkeep', 'byStatus') r) AS by_status;
SELECT ddb.transact_write_items('{"TransactItems": [
    {"Put": {"TableName": "upkeep", "Item": {"pk": {"S": "f"}, "sk": {"S": "1"}, "status": {"S": "new"}, "updated": {"N": "6"}}}},
    {"Update": {"TableName": "upkeep", "Key": {"pk": {"S": "e"}, "sk": {"S": "1"}},
                "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": "lost"}}}},
    {"Delete": {"TableName": "upkeep", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                "ConditionExpression": "attribute_not_exists(pk)"}}]}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep') = counts AS counts_unchanged,
       (SELECT string_agg(r, ';') FROM pg_temp.rows_of('upkeep', 'byStatus') r) = by_status AS rows_unchanged
  FROM before_cancel;

-- a rolled-back transaction changes no index
BEGIN;
SELECT ddb.put('upkeep', '{"pk": "g", "sk": "1", "status": "new", "updated": 7, "grade": 1}');
SELECT ddb.update('upkeep', '{"pk": "e", "sk": "1"}', 'SET #s = :s', '{":s": "gone"}', '{"#s": "status"}') IS NOT NULL AS updated;
SELECT ddb.delete('upkeep', '{"pk": "a", "sk": "1"}') IS NOT NULL AS deleted;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
ROLLBACK;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep') = counts AS counts_unchanged,
       (SELECT string_agg(r, ';') FROM pg_temp.rows_of('upkeep', 'byStatus') r) = by_status AS rows_unchanged
  FROM before_cancel;

-- numbers as index keys: one number however written, by value
SELECT ddb.put_item('{"TableName": "upkeep", "Item": {"pk": {"S": "n"}, "sk": {"S": "1"}, "status": {"S": "num"},
                      "updated": {"N": "-0.000120"}, "grade": {"N": "1.5E+3"}}}');
SELECT ddb.put_item('{"TableName": "upkeep", "Item": {"pk": {"S": "n"}, "sk": {"S": "2"}, "status": {"S": "num"},
                      "updated": {"N": "99999999999999999999999999999999999999"}, "grade": {"N": "1500.00"}}}');
SELECT ddb.update_item('{"TableName": "upkeep", "Key": {"pk": {"S": "n"}, "sk": {"S": "2"}},
                         "UpdateExpression": "ADD updated :d", "ExpressionAttributeValues": {":d": {"N": "-1E+37"}}}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
SELECT k1, k2, table_pk, table_sk FROM ddb_data."upkeep:byStatus" WHERE k1 = 'num' ORDER BY k2;
SELECT k1, k2, table_pk, table_sk FROM ddb_data."upkeep:byGrade" WHERE k1 = 'n' ORDER BY table_sk;

-- binaries as index keys
SELECT ddb.put_item('{"TableName": "upkeep", "Item": {"pk": {"S": "bin"}, "sk": {"S": "1"}, "payload": {"B": "AP8A"}}}');
SELECT ddb.update_item('{"TableName": "upkeep", "Key": {"pk": {"S": "e"}, "sk": {"S": "1"}},
                         "UpdateExpression": "SET payload = :b", "ExpressionAttributeValues": {":b": {"B": "AP8="}}}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
SELECT encode(k1, 'hex'), table_pk, table_sk FROM ddb_data."upkeep:byPayload" ORDER BY k1;

-- strings holding U+0000 and U+0001 as index keys (through ddb.call_text)
SELECT ddb.call_text('PutItem', '{"TableName": "upkeep", "Item": {"pk": {"S": "z\u0000"}, "sk": {"S": "\u0000"},
    "status": {"S": "a\u0000b"}, "updated": {"N": "1"}, "seller": {"S": "\u0000"}, "area": {"S": "\u0001"},
    "score": {"N": "0"}, "grade": {"N": "3"}, "note": {"S": "\u0000\u0000"}}}');
SELECT ddb.call_text('PutItem', '{"TableName": "upkeep", "Item": {"pk": {"S": "z\u0000"}, "sk": {"S": "\u0001"},
    "status": {"S": "a\u0001"}, "updated": {"N": "1"}, "seller": {"S": "\u0000"}, "area": {"S": "\u0000"},
    "score": {"N": "0"}}}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
SELECT ddb.call_text('UpdateItem', '{"TableName": "upkeep", "Key": {"pk": {"S": "z\u0000"}, "sk": {"S": "\u0000"}},
    "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
    "ExpressionAttributeValues": {":s": {"S": "a\u0000"}}}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
-- in the stored form, ordered as the strings are
SELECT encode(convert_to(k1, 'UTF8'), 'hex') AS status, encode(convert_to(table_pk, 'UTF8'), 'hex') AS pk,
       encode(convert_to(table_sk, 'UTF8'), 'hex') AS sk
  FROM ddb_data."upkeep:byStatus" WHERE k1 LIKE 'a%' ORDER BY k1;
SELECT ddb.call_text('DeleteItem', '{"TableName": "upkeep", "Key": {"pk": {"S": "z\u0000"}, "sk": {"S": "\u0001"}}}');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

-- plain SQL writes on the item table
INSERT INTO ddb_data.upkeep (pk, sk, item)
SELECT i -> 'pk' ->> 'S', i -> 'sk' ->> 'S', i
  FROM ddb.stored_form('{"pk": {"S": "sql"}, "sk": {"S": "1"}, "status": {"S": "new"}, "updated": {"N": "8"},
                         "seller": {"S": "o1"}, "area": {"S": "eu"}, "score": {"N": "8"}, "amount": {"N": "80"}}') i;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
UPDATE ddb_data.upkeep SET item = item || '{"status": {"S": "sql"}, "note": {"S": "via sql"}}' WHERE pk IN ('sql', 'e');
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
UPDATE ddb_data.upkeep SET item = item - 'updated' WHERE pk = 'sql';
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');
-- Invalid input: a plain SQL write of an index key of the wrong type
UPDATE ddb_data.upkeep SET item = item || '{"score": {"S": "high"}}' WHERE pk = 'sql';
DELETE FROM ddb_data.upkeep WHERE pk = 'a';
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

-- tampering with index tables (as a superuser): each kind of difference
CREATE TEMP TABLE saved_status AS SELECT * FROM ddb_data."upkeep:byStatus";
CREATE TEMP TABLE saved_owner AS SELECT * FROM ddb_data."upkeep:bySeller";
CREATE TEMP TABLE saved_blob AS SELECT * FROM ddb_data."upkeep:byPayload";
CREATE TEMP TABLE saved_rank AS SELECT * FROM ddb_data."upkeep:byGrade";
-- a missing row, a row with another index key, a projection that differs
DELETE FROM ddb_data."upkeep:byStatus" WHERE table_pk = 'n' AND table_sk = '1';
UPDATE ddb_data."upkeep:byStatus" SET k1 = 'tampered' WHERE table_pk = 'e';
UPDATE ddb_data."upkeep:byStatus" SET item = item || '{"amount": {"N": "0"}}' WHERE table_pk = 'd';
-- extra rows: of no item, of an item not in the index, a second row of an
-- item in the index
INSERT INTO ddb_data."upkeep:byStatus" VALUES ('ghost', 1, 'nobody', '1', '{}'),
                                              ('x', 1, 'bin', '1', '{}'),
                                              ('new', 99, 'd', '1', '{}');
-- a row with another table key: an extra row and a missing one
UPDATE ddb_data."upkeep:byPayload" SET table_sk = '9' WHERE table_pk = 'bin';
UPDATE ddb_data."upkeep:byGrade" SET k2 = k2 + 1 WHERE table_pk = 'n' AND table_sk = '1';
UPDATE ddb_data."upkeep:bySeller" SET item = item || '{"extra": {"S": "x"}}' WHERE table_pk = 'sql';
SELECT index_name, problem, table_key, expected, found FROM ddb.check_indexes('upkeep')
 ORDER BY index_name, table_key::text, problem;
-- one index only
SELECT index_name, problem, table_key FROM ddb.check_indexes('upkeep', 'byPayload');
-- restored
TRUNCATE ddb_data."upkeep:byStatus", ddb_data."upkeep:bySeller", ddb_data."upkeep:byPayload", ddb_data."upkeep:byGrade";
INSERT INTO ddb_data."upkeep:byStatus" SELECT * FROM saved_status;
INSERT INTO ddb_data."upkeep:bySeller" SELECT * FROM saved_owner;
INSERT INTO ddb_data."upkeep:byPayload" SELECT * FROM saved_blob;
INSERT INTO ddb_data."upkeep:byGrade" SELECT * FROM saved_rank;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

-- Invalid input: check_indexes of a table or index that does not exist
SELECT * FROM ddb.check_indexes('nonexistent');
SELECT * FROM ddb.check_indexes('upkeep', 'nonexistent');
SELECT * FROM ddb.check_indexes('x');
SELECT * FROM ddb.check_indexes(NULL);
-- a table without indexes has nothing to check
SELECT ddb.create_table('plain_table', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put('plain_table', '{"pk": "1"}');
SELECT * FROM ddb.check_indexes('plain_table');

-- privileges: SELECT on the item table and ownership of the index tables
CREATE ROLE regress_ddb_check_reader;
CREATE ROLE regress_ddb_check_owner;
GRANT SELECT ON ddb_data.upkeep TO regress_ddb_check_reader;
SET ROLE regress_ddb_check_reader;
-- Invalid input: a reader who does not own the index tables
SELECT * FROM ddb.check_indexes('upkeep');
RESET ROLE;
SET ROLE regress_ddb_check_owner;
-- Invalid input: no SELECT on the item table
SELECT * FROM ddb.check_indexes('upkeep');
RESET ROLE;
GRANT regress_ddb_check_owner TO regress_ddb_check_reader;
ALTER TABLE ddb_data.upkeep OWNER TO regress_ddb_check_owner;
DO $$
DECLARE
    i record;
BEGIN
    FOR i IN SELECT index_table FROM ddb.indexes WHERE table_name = 'upkeep' LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO regress_ddb_check_owner', i.index_table);
    END LOOP;
    -- and the sizes of its item collections (it has an LSI)
    ALTER TABLE ddb_data."upkeep:" OWNER TO regress_ddb_check_owner;
END
$$;
SET ROLE regress_ddb_check_reader;
SELECT pg_temp.check('upkeep');
RESET ROLE;
-- row security that would hide items from the checker (here forced on the
-- owner) is an error, not a false report
ALTER TABLE ddb_data.upkeep ENABLE ROW LEVEL SECURITY;
ALTER TABLE ddb_data.upkeep FORCE ROW LEVEL SECURITY;
CREATE POLICY only_a ON ddb_data.upkeep USING (pk = 'a');
SET ROLE regress_ddb_check_reader;
-- Invalid input: rows hidden by a policy
SELECT pg_temp.check('upkeep');
RESET ROLE;
DROP POLICY only_a ON ddb_data.upkeep;
ALTER TABLE ddb_data.upkeep NO FORCE ROW LEVEL SECURITY;
ALTER TABLE ddb_data.upkeep DISABLE ROW LEVEL SECURITY;

-- TRUNCATE of the item table empties its index tables
TRUNCATE ddb_data.upkeep;
SELECT pg_temp.check('upkeep'), pg_temp.index_rows('upkeep');

SELECT ddb.delete_table('{"TableName": "upkeep"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "plain_table"}') IS NOT NULL AS deleted;
DROP ROLE regress_ddb_check_reader;
DROP ROLE regress_ddb_check_owner;
