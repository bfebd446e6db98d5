-- pitr: point-in-time recovery. UpdateContinuousBackups,
-- DescribeContinuousBackups and RestoreTableToPointInTime with DynamoDB's
-- shapes, statuses and errors; restores at an instant between writes, at
-- the latest restorable time, by ARN, with overrides, of a table with a
-- sort key and an index (checked by ddb.check_indexes); the roll forward of
-- the base; disabling and DeleteTable dropping the history. The server has
-- track_commit_timestamp = on (test/ddb.conf). LatestRestorableDateTime is
-- one second behind now, hence the sleeps.
\set VERBOSITY terse

-- times vary from run to run
CREATE FUNCTION pt_mask(j jsonb) RETURNS jsonb LANGUAGE sql AS $$
SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(j::text,
    '"(EarliestRestorableDateTime|LatestRestorableDateTime|RestoreDateTime|CreationDateTime|LastUpdateToPayPerRequestDateTime|LastIncreaseDateTime|LastDecreaseDateTime)": [0-9.]+',
    '"\1": "<time>"', 'g'),
    '"TableId": "[0-9a-f-]{36}"', '"TableId": "<id>"', 'g'),
    '"(TableSizeBytes|IndexSizeBytes)": [0-9]+', '"\1": "<size>"', 'g'),
    '"ItemCount": [0-9]+', '"ItemCount": "<count>"', 'g')::jsonb
$$;
CREATE FUNCTION pt_error(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || regexp_replace(regexp_replace(SQLERRM,
        '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.+]+', '<time>', 'g'), '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', '<id>', 'g');
END
$$;

SHOW track_commit_timestamp;

SELECT ddb.create_table('{"TableName": "pt_orders",
  "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"},
                           {"AttributeName": "n", "AttributeType": "N"},
                           {"AttributeName": "status", "AttributeType": "S"}],
  "GlobalSecondaryIndexes": [{"IndexName": "by_status",
      "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
  "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT ddb.put_item('{"TableName": "pt_orders", "Item": {"customer": {"S": "c1"}, "n": {"N": "1"}, "status": {"S": "new"}}}');
SELECT ddb.put_item('{"TableName": "pt_orders", "Item": {"customer": {"S": "c1"}, "n": {"N": "2"}, "status": {"S": "new"}}}');

-- disabled until enabled
SELECT ddb.describe_continuous_backups('{"TableName": "pt_orders"}');
SELECT ddb.call('DescribeContinuousBackups', '{"TableName": "pt_orders"}');

-- Invalid input: restore of a table without point-in-time recovery
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders",
  "TargetTableName": "pt_r0", "UseLatestRestorableTime": true}')$$);

-- enabled: the base is the table as of the enabling commit
SELECT pt_mask(ddb.update_continuous_backups('{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}'));
SELECT d -> 'PointInTimeRecoveryStatus' AS status, d -> 'RecoveryPeriodInDays' AS days,
       (d ->> 'EarliestRestorableDateTime')::numeric <= (d ->> 'LatestRestorableDateTime')::numeric + 1 AS ordered
  FROM (SELECT ddb.describe_continuous_backups('{"TableName": "pt_orders"}')
               -> 'ContinuousBackupsDescription' -> 'PointInTimeRecoveryDescription' AS d) s;
-- enabling again changes the recovery period only
SELECT pt_mask(ddb.call('UpdateContinuousBackups', '{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 7}}'));

-- writes after the enabling: an update, a new item; then t1; then a
-- delete, an update, and a transaction of two writes
SELECT ddb.update_item('{"TableName": "pt_orders", "Key": {"customer": {"S": "c1"}, "n": {"N": "1"}},
  "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
  "ExpressionAttributeValues": {":s": {"S": "paid"}}}');
SELECT ddb.put_item('{"TableName": "pt_orders", "Item": {"customer": {"S": "c2"}, "n": {"N": "1"}, "status": {"S": "new"}}}');
SELECT pg_sleep(0.05);
SELECT clock_timestamp() AS t1 \gset
SELECT pg_sleep(0.05);
SELECT ddb.delete_item('{"TableName": "pt_orders", "Key": {"customer": {"S": "c1"}, "n": {"N": "2"}}}');
SELECT ddb.transact_write_items('{"TransactItems": [
  {"Put": {"TableName": "pt_orders", "Item": {"customer": {"S": "c3"}, "n": {"N": "1"}, "status": {"S": "new"}}}},
  {"Update": {"TableName": "pt_orders", "Key": {"customer": {"S": "c2"}, "n": {"N": "1"}},
     "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
     "ExpressionAttributeValues": {":s": {"S": "shipped"}}}}]}');
-- a rolled-back write leaves no history
BEGIN;
SELECT ddb.put_item('{"TableName": "pt_orders", "Item": {"customer": {"S": "c9"}, "n": {"N": "9"}}}');
ROLLBACK;
SELECT pg_sleep(1.1);

-- the table at t1
SELECT pt_mask(ddb.restore_table_to_point_in_time(jsonb_build_object('SourceTableName', 'pt_orders',
  'TargetTableName', 'pt_at_t1', 'RestoreDateTime', extract(epoch FROM :'t1'::timestamptz))));
SELECT ddb.unmarshal(item) FROM ddb_data.pt_at_t1 ORDER BY 1::text;
SELECT * FROM ddb.check_indexes('pt_at_t1');
SELECT (ddb.describe_table('{"TableName": "pt_at_t1"}') -> 'Table' -> 'RestoreSummary' ->> 'RestoreDateTime')::numeric
       = round(extract(epoch FROM :'t1'::timestamptz), 3) AS restore_time_is_t1;

-- the latest state, by ARN, with overrides
SELECT pt_mask(ddb.call('RestoreTableToPointInTime', '{"SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/pt_orders",
  "TargetTableName": "pt_latest", "UseLatestRestorableTime": true, "GlobalSecondaryIndexOverride": [],
  "BillingModeOverride": "PROVISIONED", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}')
  -> 'TableDescription' -> 'ProvisionedThroughput');
SELECT ddb.unmarshal(item) FROM ddb_data.pt_latest ORDER BY 1::text;
SELECT ddb.describe_table('{"TableName": "pt_latest"}') -> 'Table' ? 'GlobalSecondaryIndexes' AS has_gsi;
SELECT * FROM ddb.check_indexes('pt_latest');
-- a restored table has no point-in-time recovery of its own
SELECT ddb.describe_continuous_backups('{"TableName": "pt_latest"}');

-- the roll forward folds the history up to t1 into the base: the earliest
-- restorable time becomes t1, and restores at t1 and later are unchanged
SELECT ddb.pitr_roll_forward('pt_orders', :'t1'::timestamptz);
SELECT ddb.pitr_roll_forward('pt_orders', :'t1'::timestamptz) AS again;
SELECT (ddb.describe_continuous_backups('{"TableName": "pt_orders"}') -> 'ContinuousBackupsDescription'
        -> 'PointInTimeRecoveryDescription' ->> 'EarliestRestorableDateTime')::numeric
       = trunc(extract(epoch FROM :'t1'::timestamptz), 3) AS earliest_is_t1;
SELECT ddb.restore_table_to_point_in_time(jsonb_build_object('SourceTableName', 'pt_orders',
  'TargetTableName', 'pt_at_t1_rolled', 'RestoreDateTime', extract(epoch FROM :'t1'::timestamptz))) IS NOT NULL AS restored;
(SELECT item FROM ddb_data.pt_at_t1_rolled EXCEPT SELECT item FROM ddb_data.pt_at_t1)
UNION ALL (SELECT item FROM ddb_data.pt_at_t1 EXCEPT SELECT item FROM ddb_data.pt_at_t1_rolled);
SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders",
  "TargetTableName": "pt_latest_rolled", "UseLatestRestorableTime": true}') IS NOT NULL AS restored;
(SELECT item FROM ddb_data.pt_latest_rolled EXCEPT SELECT item FROM ddb_data.pt_orders)
UNION ALL (SELECT item FROM ddb_data.pt_orders EXCEPT SELECT item FROM ddb_data.pt_latest_rolled);
SELECT * FROM ddb.check_indexes('pt_latest_rolled');

-- Invalid input: a time before the earliest restorable time, or after the latest
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time(jsonb_build_object('SourceTableName', 'pt_orders',
  'TargetTableName', 'pt_r1', 'RestoreDateTime', extract(epoch FROM '$$ || :'t1' || $$'::timestamptz) - 1))$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time(jsonb_build_object('SourceTableName', 'pt_orders',
  'TargetTableName', 'pt_r1', 'RestoreDateTime', extract(epoch FROM now()) + 60))$$);
-- Invalid input: the target exists
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders",
  "TargetTableName": "pt_latest", "UseLatestRestorableTime": true}')$$);
-- Invalid input: unknown source table, by name and by ARN
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_nope",
  "TargetTableName": "pt_r1", "UseLatestRestorableTime": true}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/pt_nope",
  "TargetTableName": "pt_r1", "UseLatestRestorableTime": true}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableArn": "arn:aws:dynamodb:eu-west-1:000000000000:table/pt_orders",
  "TargetTableName": "pt_r1", "UseLatestRestorableTime": true}')$$);
-- Invalid input: both or neither source, both or neither time, bad names and types
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders",
  "SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/pt_orders",
  "TargetTableName": "pt_r1", "UseLatestRestorableTime": true}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"TargetTableName": "pt_r1", "UseLatestRestorableTime": true}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders", "TargetTableName": "pt_r1",
  "UseLatestRestorableTime": true, "RestoreDateTime": 1700000000}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders", "TargetTableName": "pt_r1"}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders", "TargetTableName": "pt_r1",
  "UseLatestRestorableTime": false}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders", "TargetTableName": "pt_r1",
  "RestoreDateTime": "yesterday"}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders", "TargetTableName": "x",
  "UseLatestRestorableTime": true, "BillingModeOverride": "FREE"}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders", "TargetTableName": "pt_r1",
  "UseLatestRestorableTime": true, "Bogus": 1}')$$);
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders", "TargetTableName": "pt_r1",
  "UseLatestRestorableTime": true, "OnDemandThroughputOverride": {}}')$$);
-- Invalid input: an override CreateTable refuses (an index on an undefined attribute)
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders", "TargetTableName": "pt_r1",
  "UseLatestRestorableTime": true, "GlobalSecondaryIndexOverride": [{"IndexName": "gsi_nope",
  "KeySchema": [{"AttributeName": "nope", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]}')$$);
SELECT count(*) AS failed_restores_left FROM ddb.tables WHERE table_name = 'pt_r1';

-- Invalid input: UpdateContinuousBackups' parameters
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_nope",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}')$$);
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_orders"}')$$);
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_orders", "PointInTimeRecoverySpecification": {}}')$$);
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 36}}')$$);
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 0}}')$$);
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false, "RecoveryPeriodInDays": 5}}')$$);
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": "yes"}}')$$);
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "Extra": 1}}')$$);
-- Invalid input: enabling in a REPEATABLE READ transaction (its snapshot
-- may predate the base copy's lock)
SELECT ddb.create_table('{"TableName": "pt_rr", "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_rr",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}')$$);
COMMIT;
-- Invalid input: DescribeContinuousBackups of an unknown table, or without a name
SELECT pt_error($$SELECT ddb.describe_continuous_backups('{"TableName": "pt_nope"}')$$);
SELECT pt_error($$SELECT ddb.describe_continuous_backups('{}')$$);
-- nothing changed
SELECT recovery_period_days FROM ddb.continuous_backups WHERE table_name = 'pt_orders';

-- only the table's owner (or a member) may restore or change it
CREATE ROLE regress_pt_other;
GRANT CREATE ON SCHEMA ddb_data TO regress_pt_other;
SET ROLE regress_pt_other;
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders",
  "TargetTableName": "pt_r1", "UseLatestRestorableTime": true}')$$);
SELECT pt_error($$SELECT ddb.update_continuous_backups('{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false}}')$$);
SELECT pt_error($$SELECT ddb.pitr_roll_forward('pt_orders', now())$$);
RESET ROLE;
-- nor write its history through a trigger of a table of its own
SELECT c.relname AS history_name FROM ddb.continuous_backups p JOIN pg_class c ON c.oid = p.history
 WHERE p.table_name = 'pt_orders' \gset
SET ROLE regress_pt_other;
CREATE TEMP TABLE pt_forger (item jsonb);
CREATE TRIGGER forge AFTER INSERT ON pt_forger FOR EACH ROW EXECUTE FUNCTION ddb.pitr_record(:'history_name');
SELECT pt_error($$INSERT INTO pt_forger VALUES ('{"customer": {"S": "c1"}, "n": {"N": "1"}, "forged": {"BOOL": true}}')$$);
DROP TABLE pt_forger;
RESET ROLE;

-- a table with a partition key only, a binary key and a deleted-then-put item
SELECT ddb.create_table('{"TableName": "pt_blobs", "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "B"}], "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT ddb.update_continuous_backups('{"TableName": "pt_blobs",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 1}}')
  -> 'ContinuousBackupsDescription' -> 'PointInTimeRecoveryDescription' -> 'RecoveryPeriodInDays' AS days;
SELECT ddb.put_item('{"TableName": "pt_blobs", "Item": {"k": {"B": "AAE="}, "v": {"N": "1"}}}');
SELECT ddb.delete_item('{"TableName": "pt_blobs", "Key": {"k": {"B": "AAE="}}}');
SELECT ddb.put_item('{"TableName": "pt_blobs", "Item": {"k": {"B": "AAE="}, "v": {"N": "2"}}}');
SELECT ddb.put_item('{"TableName": "pt_blobs", "Item": {"k": {"B": "AAI="}, "v": {"N": "3"}}}');
SELECT ddb.delete_item('{"TableName": "pt_blobs", "Key": {"k": {"B": "AAI="}}}');
-- a plain SQL update that moves an item to another key: a restore has it
-- under the new key only
SELECT ddb.put_item('{"TableName": "pt_blobs", "Item": {"k": {"B": "AAQ="}, "v": {"N": "4"}}}');
UPDATE ddb_data.pt_blobs SET k = '\x0005'::bytea, item = jsonb_set(item, '{k}', '{"B": "AAU="}')
 WHERE k = '\x0004'::bytea;
-- a large item, stored out of line (TOAST) in the item table and the history
SELECT ddb.put_item(jsonb_build_object('TableName', 'pt_blobs', 'Item', jsonb_build_object(
  'k', jsonb_build_object('B', 'AAM='),
  'big', jsonb_build_object('S', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 2000) i)))));
SELECT pg_sleep(1.1);
SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_blobs",
  "TargetTableName": "pt_blobs_latest", "UseLatestRestorableTime": true}') IS NOT NULL AS restored;
SELECT ddb.unmarshal(item) FROM ddb_data.pt_blobs_latest WHERE item ? 'v';
SELECT length(item -> 'big' ->> 'S') AS big_length,
       item = (SELECT item FROM ddb_data.pt_blobs WHERE item ? 'big') AS big_equal
  FROM ddb_data.pt_blobs_latest WHERE item ? 'big';

-- the background worker rolls the base forward once the earliest
-- restorable time is more than an hour older than the period (made so
-- here by moving it back three days); polled for up to 30 s
UPDATE ddb.continuous_backups SET base_time = now() - interval '3 days' WHERE table_name = 'pt_blobs';
DO $$
BEGIN
    FOR i IN 1 .. 300 LOOP
        EXIT WHEN (SELECT rolled_at IS NOT NULL FROM ddb.continuous_backups WHERE table_name = 'pt_blobs');
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
SELECT rolled_at IS NOT NULL AS rolled,
       base_time BETWEEN now() - interval '1 day 1 minute' AND now() - interval '1 day' + interval '1 minute' AS to_one_day_ago
  FROM ddb.continuous_backups WHERE table_name = 'pt_blobs';
SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_blobs",
  "TargetTableName": "pt_blobs_rolled", "UseLatestRestorableTime": true}') IS NOT NULL AS restored;
SELECT count(*) AS items, count(*) FILTER (WHERE item ? 'big') AS big
  FROM ddb_data.pt_blobs_rolled;

-- disabling drops the history and the base; so does DeleteTable
SELECT ddb.update_continuous_backups('{"TableName": "pt_orders",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false}}');
SELECT pt_error($$SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pt_orders",
  "TargetTableName": "pt_r1", "UseLatestRestorableTime": true}')$$);
SELECT ddb.delete_table('{"TableName": "pt_blobs"}') IS NOT NULL AS deleted;
SELECT count(*) AS pitr_triggers FROM pg_trigger WHERE tgname = 'ddb_pitr';
SELECT count(*) AS pitr_rows FROM ddb.continuous_backups;
SELECT count(*) AS pitr_tables_left FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'ddb_backups' AND c.relname LIKE 'pitr\_%';
-- writes go on without history
SELECT ddb.put_item('{"TableName": "pt_orders", "Item": {"customer": {"S": "c4"}, "n": {"N": "1"}}}');

-- clean up
SELECT count(ddb.delete_table(jsonb_build_object('TableName', table_name))) AS tables_deleted
  FROM ddb.tables WHERE table_name LIKE 'pt\_%';
REVOKE ALL ON SCHEMA ddb_data FROM regress_pt_other;
DROP ROLE regress_pt_other;
