-- ttl_worker: expiry by the background worker, which the test
-- configuration runs every second (ddb.ttl_interval = 1); each wait polls
-- for up to 60 s, so nothing depends on timing. The DynamoDB tutorials'
-- examples: TaskApp tasks with an expires_at attribute, and sessions with
-- a ttl attribute, both epoch seconds.
\set VERBOSITY terse

-- Wait (up to 60 s) until a table holds this many items. Each turn
-- commits, so the worker's deletes are seen.
CREATE PROCEDURE wait_for_items(table_name text, wanted bigint) LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    FOR i IN 1..600 LOOP
        SELECT count(*) INTO n FROM ddb.scan(table_name, NULL);
        IF n = wanted THEN
            RETURN;
        END IF;
        COMMIT;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RAISE WARNING 'table % still holds % items after 60 s, not %', table_name, n, wanted;
END
$$;

-- Transactional messages of the worker's batches, for streams to tell TTL
-- deletes apart
SELECT 'slot' FROM pg_create_logical_replication_slot('regress_ttl_worker', 'test_decoding');

-- TaskApp: tasks of a user, by status, with expires_at
SELECT ddb.create_table('{"TableName": "TaskApp",
    "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"}, {"AttributeName": "task_id", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "user_id", "AttributeType": "S"},
                             {"AttributeName": "task_id", "AttributeType": "S"},
                             {"AttributeName": "status", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_status",
        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "task_id", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}],
    "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT ddb.update_time_to_live('{"TableName": "TaskApp",
    "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires_at"}}');
-- 20 tasks expired an hour ago, 20 that expire in a day, 5 without expiry
SELECT ddb.put_item(jsonb_build_object('TableName', 'TaskApp', 'Item', ddb.marshal(jsonb_build_object(
           'user_id', 'u' || (g % 4), 'task_id', 't' || lpad(g::text, 3, '0'),
           'status', CASE WHEN g % 3 = 0 THEN 'done' ELSE 'open' END,
           'expires_at', extract(epoch FROM now())::bigint + CASE WHEN g <= 20 THEN -3600 ELSE 86400 END))))
  FROM generate_series(1, 40) g;
SELECT ddb.put('TaskApp', jsonb_build_object('user_id', 'u9', 'task_id', 'keep' || g, 'status', 'open'))
  FROM generate_series(1, 5) g;
CALL wait_for_items('TaskApp', 25);
SELECT count(*) AS expired_left FROM ddb_data."TaskApp"
 WHERE (item -> 'expires_at' ->> 'N')::numeric < extract(epoch FROM now());
SELECT * FROM ddb.check_indexes('TaskApp');
SELECT ddb.query('{"TableName": "TaskApp", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
    "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "open"}},
    "Select": "COUNT"}');

-- Sessions: an expired session is gone, a live one and one without ttl
-- stay
SELECT ddb.create_table('sessions', partition_key => 'session_id') IS NOT NULL AS created;
SELECT ddb.update_time_to_live('{"TableName": "sessions",
    "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "ttl"}}');
SELECT ddb.put('sessions', jsonb_build_object('session_id', 'expired', 'user', 'alice',
           'ttl', extract(epoch FROM now())::bigint - 1));
SELECT ddb.put('sessions', jsonb_build_object('session_id', 'live', 'user', 'bob',
           'ttl', extract(epoch FROM now())::bigint + 86400));
SELECT ddb.put('sessions', jsonb_build_object('session_id', 'no ttl', 'user', 'carol'));
CALL wait_for_items('sessions', 2);
SELECT i ->> 'session_id' AS session_id FROM ddb.scan('sessions', NULL) i ORDER BY 1;

-- the record of the worker's rounds
SELECT table_name, attribute_name, deleted_total, last_error,
       last_round_started_at IS NOT NULL AS has_rounds
  FROM ddb.ttl_status WHERE table_name IN ('TaskApp', 'sessions') ORDER BY 1;

-- every batch transaction that deleted items carries the ddb.ttl message
-- naming its table (polled: the test configuration commits asynchronously,
-- so the worker's last commit may not be decodable at once)
DO $$
BEGIN
    FOR i IN 1..600 LOOP
        EXIT WHEN (SELECT count(DISTINCT data) FROM pg_logical_slot_peek_changes('regress_ttl_worker', NULL, NULL)
                    WHERE data LIKE 'message:%') >= 2;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
SELECT DISTINCT data FROM pg_logical_slot_get_changes('regress_ttl_worker', NULL, NULL)
 WHERE data LIKE 'message:%' ORDER BY 1;
SELECT pg_drop_replication_slot('regress_ttl_worker');

-- the worker names itself in pg_stat_activity
SELECT DISTINCT backend_type, application_name FROM pg_stat_activity
 WHERE backend_type = 'ddb worker' AND datname = current_database();

DROP PROCEDURE wait_for_items(text, bigint);
