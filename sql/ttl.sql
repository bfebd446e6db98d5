-- ttl: Time to Live. UpdateTimeToLive and DescribeTimeToLive with
-- DynamoDB's errors, the catalog and the expiry index, and which items are
-- expired, by ddb.expire_now as of 2100-01-01 (epoch 4102444800): every
-- TTL value here lies decades ahead, so the background worker, which
-- expires as of now, leaves these tables alone.
\set VERBOSITY terse
SELECT ddb.create_table('ttl_sessions', partition_key => 'id') IS NOT NULL AS created;

-- enable, describe (ddb.call and the per-operation functions, jsonb and text)
SELECT ddb.describe_time_to_live('{"TableName": "ttl_sessions"}');
SELECT ddb.call('UpdateTimeToLive', '{"TableName": "ttl_sessions",
    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": true}}');
SELECT ddb.call('DescribeTimeToLive', '{"TableName": "ttl_sessions"}'::jsonb);
SELECT ddb.describe_time_to_live('{"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/ttl_sessions"}'::text);
-- the catalog and the expiry index
SELECT table_name, attribute_name, ttl_index FROM ddb.time_to_live;
SELECT indexdef FROM pg_indexes WHERE schemaname = 'ddb_data' AND tablename = 'ttl_sessions' ORDER BY 1;
-- DescribeTable shows nothing new
SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(ddb.describe_table('{"TableName": "ttl_sessions"}') -> 'Table') k;

-- Invalid input: DynamoDB's errors, each changing nothing
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": true}}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "other", "Enabled": true}}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "other", "Enabled": false}}');
SELECT ddb.update_time_to_live('{"TableName": "nope", "TimeToLiveSpecification": {"AttributeName": "x", "Enabled": true}}');
SELECT ddb.describe_time_to_live('{"TableName": "nope"}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions"}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {}}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "", "Enabled": true}}');
SELECT ddb.update_time_to_live(jsonb_build_object('TableName', 'ttl_sessions', 'TimeToLiveSpecification',
    jsonb_build_object('AttributeName', repeat('a', 256), 'Enabled', true)));
SELECT ddb.update_time_to_live('{"TableName": "x!", "TimeToLiveSpecification": {"AttributeName": "a", "Enabled": true}}');
SELECT ddb.update_time_to_live('{"TimeToLiveSpecification": {"AttributeName": "a", "Enabled": true}}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "a", "Enabled": "yes"}}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": 5, "Enabled": true}}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "a", "Enabled": true, "Extra": 1}}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "a", "Enabled": true}, "Extra": 1}');
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": [1]}');
SELECT ddb.update_time_to_live('{"TableName": ');
SELECT ddb.describe_time_to_live('{}');
SELECT ddb.describe_time_to_live('{"TableName": "ttl_sessions", "Extra": 1}');
SELECT ddb.describe_time_to_live('{"TableName": "ttl_sessions"}');

-- a role that does not own the item table may describe but not change
CREATE ROLE regress_ttl_other;
GRANT SELECT, INSERT, UPDATE, DELETE ON ddb_data.ttl_sessions TO regress_ttl_other;
SET ROLE regress_ttl_other;
SELECT ddb.describe_time_to_live('{"TableName": "ttl_sessions"}');
-- Invalid input: not the owner
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": false}}');
SELECT ddb.expire_now('ttl_sessions');
RESET ROLE;

-- disable, in a transaction that rolls back: nothing changes
BEGIN;
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": false}}');
SELECT ddb.describe_time_to_live('{"TableName": "ttl_sessions"}');
ROLLBACK;
SELECT ddb.describe_time_to_live('{"TableName": "ttl_sessions"}');
SELECT count(*) AS ttl_indexes FROM pg_indexes WHERE schemaname = 'ddb_data' AND tablename = 'ttl_sessions' AND indexdef LIKE '%ttl_expiry%';

-- disable: the index and the catalog row go
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": false}}');
SELECT ddb.describe_time_to_live('{"TableName": "ttl_sessions"}');
SELECT count(*) AS ttl_indexes FROM pg_indexes WHERE schemaname = 'ddb_data' AND tablename = 'ttl_sessions' AND indexdef LIKE '%ttl_expiry%';
SELECT count(*) AS catalog_rows FROM ddb.time_to_live;
-- Invalid input: disable again; expire a table without TTL
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": false}}');
SELECT ddb.expire_now('ttl_sessions');
SELECT ddb.expire_now('nope');
SELECT ddb.expire_now('no!');
SELECT ddb.expire_now(NULL);
-- enable on another attribute (no waiting window, unlike DynamoDB)
SELECT ddb.update_time_to_live('{"TableName": "ttl_sessions", "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": true}}');
SELECT ddb.describe_time_to_live('{"TableName": "ttl_sessions"}');

-- What ddb.ttl_expiry reads: a top-level N attribute, as epoch seconds
SELECT v, ddb.ttl_expiry(jsonb_build_object('ttl', v), 'ttl') FROM (VALUES
    ('{"N": "1700000000"}'::jsonb), ('{"N": "1700000000.25"}'), ('{"N": "-5"}'), ('{"N": "1.5E3"}'),
    ('{"N": "15e-1"}'), ('{"N": ".5"}'), ('{"N": "5."}'), ('{"N": "9.9999999999999999999999999999999999999E+125"}'),
    -- not numbers: NULL
    ('{"N": "abc"}'), ('{"N": ""}'), ('{"N": "1e"}'), ('{"N": "inf"}'), ('{"N": "NaN"}'), ('{"N": "0x10"}'),
    ('{"N": " 1"}'), ('{"N": "1e999"}'), ('{"N": 5}'), ('{"N": "1", "S": "x"}'), ('{"S": "1700000000"}'),
    ('{"NS": ["1"]}'), ('{"L": [{"N": "1"}]}'), ('{"M": {"ttl": {"N": "1"}}}'), ('"1700000000"'), ('5')) t(v);
SELECT ddb.ttl_expiry('{"other": {"N": "1"}}', 'ttl'), ddb.ttl_expiry('[{"N": "1"}]', 'ttl'),
       ddb.ttl_expiry('"x"', 'ttl'), ddb.ttl_expiry('{"a": {"M": {"ttl": {"N": "1"}}}}', 'ttl');

-- Which items expire, as of 2100-01-01 00:00:00 UTC (4102444800): a number
-- before then and at most five years (5 x 365.25 days) before
SELECT ddb.put_item(jsonb_build_object('TableName', 'ttl_sessions', 'Item',
           jsonb_build_object('id', jsonb_build_object('S', id)) || coalesce(ttl, '{}')))
  FROM (VALUES
    ('past by a second', '{"ttl": {"N": "4102444799"}}'::jsonb),
    ('past by a fraction', '{"ttl": {"N": "4102444799.999"}}'),
    ('exponent', '{"ttl": {"N": "4.1024447E9"}}'),
    ('now exactly', '{"ttl": {"N": "4102444800"}}'),
    ('future by a fraction', '{"ttl": {"N": "4102444800.001"}}'),
    ('future', '{"ttl": {"N": "4102448400"}}'),
    ('five years less a day', '{"ttl": {"N": "3944743200"}}'),
    ('five years and a day', '{"ttl": {"N": "3944570400"}}'),
    ('zero', '{"ttl": {"N": "0"}}'),
    ('negative', '{"ttl": {"N": "-4102444000"}}'),
    ('huge', '{"ttl": {"N": "9.99E+125"}}'),
    ('tiny', '{"ttl": {"N": "1E-130"}}'),
    ('missing', NULL),
    ('string', '{"ttl": {"S": "4102444000"}}'),
    ('number set', '{"ttl": {"NS": ["4102444000"]}}'),
    ('list', '{"ttl": {"L": [{"N": "4102444000"}]}}'),
    ('nested', '{"m": {"M": {"ttl": {"N": "4102444000"}}}}'),
    ('bool', '{"ttl": {"BOOL": true}}'),
    ('other name', '{"TTL": {"N": "4102444000"}}')) t(id, ttl);
-- until deleted, expired items are items like any other: removing or
-- changing the TTL attribute saves one
SELECT ddb.put('ttl_sessions', '{"id": "saved by remove", "ttl": 4102444000}');
SELECT ddb.put('ttl_sessions', '{"id": "saved by update", "ttl": 4102444000}');
SELECT ddb.update('ttl_sessions', '{"id": "saved by remove"}', 'REMOVE #t', names => '{"#t": "ttl"}');
SELECT ddb.update('ttl_sessions', '{"id": "saved by update"}', 'SET #t = :t', '{":t": 4102531200}', '{"#t": "ttl"}');
SELECT ddb.get('ttl_sessions', '{"id": "past by a second"}');
-- as of a second before 2100: the items of 4102444799 and after stay
SELECT ddb.expire_now('ttl_sessions', '2099-12-31 23:59:59+00');
SELECT id FROM ddb_data.ttl_sessions WHERE id LIKE 'past%' ORDER BY id COLLATE "C";
SET ddb.ttl_batch_size = 2;
SELECT ddb.expire_now('ttl_sessions', '2100-01-01 00:00:00+00');
SELECT ddb.expire_now('ttl_sessions', '2100-01-01 00:00:00+00');
RESET ddb.ttl_batch_size;
SELECT id FROM ddb_data.ttl_sessions ORDER BY id COLLATE "C";
-- (the background worker runs rounds on this table too, deleting nothing)
SELECT table_name, attribute_name, deleted_total, last_error FROM ddb.ttl_status;

-- A key attribute may be the TTL attribute: a number key expires, a string
-- key never does
SELECT ddb.create_table('ttl_by_key', partition_key => 'exp', partition_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.create_table('ttl_string_key', partition_key => 'exp') IS NOT NULL AS created;
SELECT ddb.update_time_to_live(jsonb_build_object('TableName', t,
    'TimeToLiveSpecification', '{"AttributeName": "exp", "Enabled": true}'::jsonb)) -> 'TimeToLiveSpecification'
  FROM unnest(ARRAY['ttl_by_key', 'ttl_string_key']) t;
SELECT ddb.put('ttl_by_key', jsonb_build_object('exp', e)), ddb.put('ttl_string_key', jsonb_build_object('exp', e::text))
  FROM unnest(ARRAY[4102444000, 4102444799.5, 4102444800, 4102445000]) e;
SELECT ddb.expire_now('ttl_by_key', '2100-01-01 00:00:00+00'), ddb.expire_now('ttl_string_key', '2100-01-01 00:00:00+00');
SELECT exp FROM ddb_data.ttl_by_key ORDER BY exp;
SELECT count(*) FROM ddb_data.ttl_string_key;

-- Indexes follow the deletes: a table with a GSI and an LSI
SELECT ddb.create_table('{"TableName": "ttl_tasks",
    "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "task", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "user", "AttributeType": "S"},
                             {"AttributeName": "task", "AttributeType": "S"},
                             {"AttributeName": "status", "AttributeType": "S"},
                             {"AttributeName": "due", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_status",
        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "task", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}],
    "LocalSecondaryIndexes": [{"IndexName": "by_due",
        "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "due", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT ddb.update_time_to_live('{"TableName": "ttl_tasks", "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": true}}');
SELECT ddb.put('ttl_tasks', jsonb_build_object('user', 'u' || (g % 3), 'task', 't' || g,
           'status', CASE WHEN g % 2 = 0 THEN 'open' ELSE 'done' END, 'due', g,
           'expires_at', 4102444000 + g * 100))
  FROM generate_series(1, 12) g;
SELECT ddb.expire_now('ttl_tasks', '2100-01-01 00:00:00+00');
SELECT count(*) AS items, count(*) FILTER (WHERE item -> 'status' ->> 'S' = 'open') AS open_items FROM ddb_data.ttl_tasks;
SELECT * FROM ddb.check_indexes('ttl_tasks');
SELECT ddb.query('{"TableName": "ttl_tasks", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
    "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "open"}},
    "Select": "COUNT"}');

-- An item that cannot be deleted (a malformed row, where the owner
-- replaced the item check) is reported and skipped; the others go
ALTER TABLE ddb_data.ttl_sessions DROP CONSTRAINT ddb_item_is_valid,
    ADD CONSTRAINT ddb_item_is_valid CHECK (item IS NOT NULL);
INSERT INTO ddb_data.ttl_sessions (id, item) VALUES
    ('malformed', '{"id": {"S": "malformed"}, "ttl": {"N": "4102444000"}, "bad": {"L": 5}}');
SELECT ddb.put('ttl_sessions', jsonb_build_object('id', 'after ' || g, 'ttl', 4102444000 + g)) FROM generate_series(1, 3) g;
SET ddb.ttl_batch_size = 3;
SELECT ddb.expire_now('ttl_sessions', '2100-01-01 00:00:00+00');
RESET ddb.ttl_batch_size;
SELECT id FROM ddb_data.ttl_sessions WHERE id LIKE 'after%' OR id = 'malformed';
SELECT deleted_total, last_error FROM ddb.ttl_status WHERE table_name = 'ttl_sessions';

-- DeleteTable and DROP TABLE take the TTL setting with them
SELECT ddb.delete_table('{"TableName": "ttl_by_key"}') IS NOT NULL AS deleted;
DROP TABLE ddb_data.ttl_string_key;
SELECT table_name FROM ddb.time_to_live ORDER BY 1;
SELECT table_name FROM ddb.ttl_status ORDER BY 1;

REVOKE ALL ON ddb_data.ttl_sessions FROM regress_ttl_other;
DROP ROLE regress_ttl_other;
