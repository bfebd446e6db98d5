-- indexes_online: UpdateTable's GlobalSecondaryIndexUpdates Create on a
-- table with items: CREATING at once, backfilled by the background worker,
-- then ACTIVE; the progress view; deletes during a backfill.

-- Wait (up to 60 s) until no index of this database is CREATING. Each
-- turn commits: the worker waits for transactions that hold a snapshot.
CREATE PROCEDURE wait_for_backfills() LANGUAGE plpgsql AS $$
BEGIN
    FOR n IN 1..1200 LOOP
        IF NOT EXISTS (SELECT 1 FROM ddb.indexes WHERE status = 'CREATING') THEN
            RETURN;
        END IF;
        COMMIT;
        PERFORM pg_sleep(0.05);
        COMMIT;
    END LOOP;
    RAISE WARNING 'index backfills still running after 60 s';
END
$$;

-- The differences between an index table of "status" (HASH st S, RANGE
-- sk N, projection ALL) of table music and its recomputation from the items
CREATE FUNCTION index_differences(index_table regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format($q$
        WITH expected AS (
            SELECT item->'st'->>'S' AS k1, (item->'sk'->>'N')::numeric AS k2, artist, sk, item
              FROM ddb_data.music
             WHERE item->'st' ? 'S' AND item->'st'->>'S' <> '' AND item->'sk' ? 'N'),
        actual AS (SELECT k1, k2, table_pk, table_sk, item FROM %s)
        SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual) a)
             + (SELECT count(*) FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected) b)
        $q$, index_table) INTO n;
    RETURN n;
END
$$;

SELECT ddb.call('CreateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "artist", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "N"}],
    "KeySchema": [{"AttributeName": "artist", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;

-- 3000 items: most with a string st, some with st a number (the wrong type
-- for the new index), an empty string or no st at all
INSERT INTO ddb_data.music (artist, sk, item)
SELECT 'a' || (g % 7), g,
       jsonb_build_object('artist', jsonb_build_object('S', 'a' || (g % 7)),
                          'sk', jsonb_build_object('N', g::text))
       || CASE WHEN g % 11 = 0 THEN jsonb_build_object('st', jsonb_build_object('N', '1'))
               WHEN g % 13 = 0 THEN jsonb_build_object('st', jsonb_build_object('S', ''))
               WHEN g % 17 = 0 THEN '{}'::jsonb
               ELSE jsonb_build_object('st', jsonb_build_object('S', 's' || (g % 5))) END
  FROM generate_series(1, 3000) g;

-- The worker of this database shows in pg_stat_activity
SELECT backend_type, application_name FROM pg_stat_activity
 WHERE backend_type = 'ddb launcher' OR (backend_type = 'ddb worker' AND datname = current_database())
 ORDER BY 1;

-- Create: CREATING, not backfilling yet, in UpdateTable's answer
BEGIN;
SELECT jsonb_pretty(mask(ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "st", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "N"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "status",
        "KeySchema": [{"AttributeName": "st", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}}]}')->'TableDescription'->'GlobalSecondaryIndexes'));
-- the progress view, before the worker starts
SELECT table_name, index_name, backfilling, rows_done, started_at IS NULL AS not_started
  FROM ddb.index_backfills;
-- Invalid input: a second index while one is being created
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "genre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}');
ROLLBACK;

SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "st", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "N"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "status",
        "KeySchema": [{"AttributeName": "st", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}}]}')
    #>> '{TableDescription,GlobalSecondaryIndexes,0,IndexStatus}' AS status;
-- Invalid input: a write whose new index key has the wrong type, while the
-- index is being created
SELECT ddb.call('PutItem', '{"TableName": "music",
    "Item": {"artist": {"S": "a1"}, "sk": {"N": "1"}, "st": {"N": "5"}}}');
-- writes while it is being created are kept in the index
SELECT ddb.call('PutItem', '{"TableName": "music",
    "Item": {"artist": {"S": "a9"}, "sk": {"N": "1"}, "st": {"S": "new"}}}');
SELECT ddb.call('UpdateItem', '{"TableName": "music", "Key": {"artist": {"S": "a1"}, "sk": {"N": "1"}},
    "UpdateExpression": "SET st = :s", "ExpressionAttributeValues": {":s": {"S": "moved"}}}');
SELECT ddb.call('DeleteItem', '{"TableName": "music", "Key": {"artist": {"S": "a2"}, "sk": {"N": "2"}}}');

CALL wait_for_backfills();

-- ACTIVE, with no Backfilling member; AttributeDefinitions gained st
SELECT jsonb_pretty((ddb.call('DescribeTable', '{"TableName": "music"}')
    -> 'Table' -> 'GlobalSecondaryIndexes' -> 0) - 'IndexSizeBytes' - 'ItemCount');
SELECT ddb.call('DescribeTable', '{"TableName": "music"}') -> 'Table' -> 'AttributeDefinitions';
SELECT count(*) AS backfills_left FROM ddb.index_backfills;
SELECT count(*) AS backfill_rows_left FROM ddb.index_backfill_state;

-- the index holds exactly the items with a non-empty string st
SELECT index_differences('ddb_data."music:status"') AS differences;
SELECT count(*) AS problems FROM ddb.check_indexes('music');
SELECT count(*) AS indexed FROM ddb_data."music:status";
SELECT k1, table_pk, table_sk FROM ddb_data."music:status" WHERE k1 IN ('new', 'moved') ORDER BY 1;

-- Invalid input: the index exists
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "st", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "status",
        "KeySchema": [{"AttributeName": "st", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');
-- Invalid input: the new key attribute is not in AttributeDefinitions
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "st", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');
-- Invalid input: no AttributeDefinitions at all
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');
-- Invalid input: an attribute redefined with another type
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"},
                             {"AttributeName": "st", "AttributeType": "N"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"},
                      {"AttributeName": "st", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');
-- Invalid input: ProvisionedThroughput on an on-demand table
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}');
-- Invalid input: a bad IndexName and no Projection
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by genre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}]}}]}');
-- Invalid input: RANGE before HASH
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');
-- Invalid input: a Create entry follows CreateTable's rules for a GSI: a HASH
-- attribute after a RANGE one, five HASH attributes, one attribute twice
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"},
                             {"AttributeName": "year", "AttributeType": "N"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"},
                      {"AttributeName": "year", "KeyType": "RANGE"},
                      {"AttributeName": "st", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"},
                      {"AttributeName": "c", "KeyType": "HASH"}, {"AttributeName": "d", "KeyType": "HASH"},
                      {"AttributeName": "e", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"},
                      {"AttributeName": "genre", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');
-- Invalid input: INCLUDE without NonKeyAttributes, a name listed twice,
-- NonKeyAttributes with another projection, an unknown ProjectionType
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "INCLUDE"}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x", "x"]}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["x"]}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "SOME"}}}]}');
-- Invalid input: constraint errors name the Create entry's path, all at once
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "g",
        "KeySchema": [{"AttributeName": "", "KeyType": "SORT"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": []}}}]}');
-- Invalid input: settings this version does not implement, and unknown members
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
        "OnDemandThroughput": {"MaxReadRequestUnits": 5}}}]}');
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}, "Color": "red"}}]}');
-- Invalid input: a definition no key uses
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"},
                             {"AttributeName": "year", "AttributeType": "N"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}}]}');

-- A provisioned table: the index needs ProvisionedThroughput
SELECT ddb.call('CreateTable', '{"TableName": "prov",
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}') IS NOT NULL AS created;
-- Invalid input: no ProvisionedThroughput for the index
SELECT ddb.call('UpdateTable', '{"TableName": "prov",
    "AttributeDefinitions": [{"AttributeName": "v", "AttributeType": "N"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byV",
        "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}');
SELECT (ddb.call('UpdateTable', '{"TableName": "prov",
    "AttributeDefinitions": [{"AttributeName": "v", "AttributeType": "N"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byV",
        "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3}}}]}')
    #> '{TableDescription,GlobalSecondaryIndexes,0,ProvisionedThroughput}') AS throughput;
CALL wait_for_backfills();

-- The limit of 20 GSIs: 19 more on prov (each one waits for the last)
CREATE PROCEDURE create_indexes(n int) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..n LOOP
        PERFORM ddb.call('UpdateTable', jsonb_build_object('TableName', 'prov',
            'AttributeDefinitions', jsonb_build_array(jsonb_build_object('AttributeName', 'idx' || i, 'AttributeType', 'S')),
            'GlobalSecondaryIndexUpdates', jsonb_build_array(jsonb_build_object('Create', jsonb_build_object(
                'IndexName', 'idx' || i,
                'KeySchema', jsonb_build_array(jsonb_build_object('AttributeName', 'idx' || i, 'KeyType', 'HASH')),
                'Projection', jsonb_build_object('ProjectionType', 'KEYS_ONLY'),
                'ProvisionedThroughput', jsonb_build_object('ReadCapacityUnits', 1, 'WriteCapacityUnits', 1))))));
        COMMIT;
        CALL wait_for_backfills();
    END LOOP;
END
$$;
CALL create_indexes(19);
SELECT count(*) AS active_indexes FROM ddb.indexes WHERE table_name = 'prov' AND status = 'ACTIVE';
-- Invalid input: a 21st
SELECT ddb.call('UpdateTable', '{"TableName": "prov",
    "AttributeDefinitions": [{"AttributeName": "yyy", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "yyy",
        "KeySchema": [{"AttributeName": "yyy", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}');

-- Deleting the index as soon as its backfill started (before that, in
-- DynamoDB's resource allocation phase, it cannot be deleted): the
-- backfill stops, nothing is left behind
CREATE PROCEDURE wait_for_backfill_start() LANGUAGE plpgsql AS $$
BEGIN
    FOR n IN 1..1200 LOOP
        IF NOT EXISTS (SELECT 1 FROM ddb.indexes WHERE status = 'CREATING' AND NOT backfilling) THEN
            RETURN;
        END IF;
        COMMIT;
        PERFORM pg_sleep(0.05);
        COMMIT;
    END LOOP;
    RAISE WARNING 'index backfills not started after 60 s';
END
$$;
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}')
    #>> '{TableDescription,GlobalSecondaryIndexes,1,IndexStatus}' AS status;
CALL wait_for_backfill_start();
DROP PROCEDURE wait_for_backfill_start();
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byGenre"}}]}')
    #>> '{TableDescription,GlobalSecondaryIndexes,1,IndexStatus}' AS status;
SELECT index_name, status FROM ddb.indexes WHERE table_name = 'music';
SELECT count(*) AS backfill_rows_left FROM ddb.index_backfill_state;

-- Deleting the table right after creating an index
SELECT ddb.call('UpdateTable', '{"TableName": "music",
    "AttributeDefinitions": [{"AttributeName": "genre", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byGenre",
        "KeySchema": [{"AttributeName": "genre", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}') IS NOT NULL AS created;
SELECT ddb.call('DeleteTable', '{"TableName": "music"}') IS NOT NULL AS deleted;
SELECT count(*) AS indexes_left FROM ddb.indexes WHERE table_name = 'music';
SELECT count(*) AS backfill_rows_left FROM ddb.index_backfill_state;

-- the worker is still there
CALL wait_for_backfills();
SELECT count(*) AS workers FROM pg_stat_activity
 WHERE backend_type = 'ddb worker' AND datname = current_database();

SELECT ddb.call('DeleteTable', '{"TableName": "prov"}') IS NOT NULL AS deleted;
DROP PROCEDURE create_indexes(int);
DROP PROCEDURE wait_for_backfills();
DROP FUNCTION index_differences(regclass);
