-- pitr_background: point-in-time restores of a source whose base and
-- history hold more than ddb.backup_sync_limit rows are finished by the
-- background worker: the table is CREATING (RestoreInProgress) until then,
-- data-plane calls find no table, the table and its source refuse what
-- would change them, ddb.backup_progress shows the restore, the roll
-- forward stops at the restore time, and the table ends up as the source
-- was committed at that time, not when the worker ran. The server has
-- track_commit_timestamp = on (test/ddb.conf); LatestRestorableDateTime is
-- one second behind now, hence the sleeps.
\set VERBOSITY terse

CREATE PROCEDURE pb_wait_for_restore(table_name text) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..600 LOOP
        IF NOT (SELECT in_progress FROM ddb.table_restores r WHERE r.table_name = pb_wait_for_restore.table_name) THEN
            RETURN;
        END IF;
        COMMIT;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RAISE WARNING 'table % is still being restored after 60 s', table_name;
END
$$;
-- the items of two item tables that differ
CREATE FUNCTION pb_differences(a regclass, b regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT item FROM %s EXCEPT ALL SELECT item FROM %s)
                    UNION ALL (SELECT item FROM %2$s EXCEPT ALL SELECT item FROM %1$s)) d', a, b) INTO n;
    RETURN n;
END
$$;
CREATE FUNCTION pb_rows(t regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', t) INTO n;
    RETURN n;
END
$$;

SELECT ddb.create_table('{"TableName": "pb_src",
  "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                           {"AttributeName": "status", "AttributeType": "S"}],
  "GlobalSecondaryIndexes": [{"IndexName": "by_status",
      "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
  "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT count(*) AS items FROM (SELECT ddb.put('pb_src', jsonb_build_object('id', 'task' || i, 'status', 'open'))
  FROM generate_series(1, 3) i) s;
SELECT ddb.update_continuous_backups('{"TableName": "pb_src",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}')
  #>> '{ContinuousBackupsDescription,PointInTimeRecoveryDescription,PointInTimeRecoveryStatus}' AS pitr;

-- two writes before t1, two after: a base of 3 rows and 4 history rows
SELECT ddb.update_item('{"TableName": "pb_src", "Key": {"id": {"S": "task1"}},
  "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
  "ExpressionAttributeValues": {":s": {"S": "done"}}}');
SELECT ddb.put_item('{"TableName": "pb_src", "Item": {"id": {"S": "task4"}, "status": {"S": "open"}}}');
SELECT pg_sleep(0.05);
SELECT clock_timestamp() AS t1 \gset
SELECT pg_sleep(0.05);
SELECT ddb.delete_item('{"TableName": "pb_src", "Key": {"id": {"S": "task2"}}}');
SELECT ddb.put_item('{"TableName": "pb_src", "Item": {"id": {"S": "task5"}, "status": {"S": "open"}}}');
SELECT pg_sleep(1.1);
SELECT pb_rows(base) AS base_rows, pb_rows(history) AS history_rows
  FROM ddb.continuous_backups WHERE table_name = 'pb_src';

-- at most ddb.backup_sync_limit rows (7): restored within the call
SET ddb.backup_sync_limit = 7;
SELECT r -> 'TableStatus' AS status, r -> 'RestoreSummary' -> 'RestoreInProgress' AS in_progress
  FROM (SELECT ddb.restore_table_to_point_in_time(jsonb_build_object('SourceTableName', 'pb_src',
          'TargetTableName', 'pb_sync', 'RestoreDateTime', extract(epoch FROM :'t1'::timestamptz)))
          -> 'TableDescription' AS r) s;
SELECT ddb.unmarshal(item) FROM ddb_data.pb_sync ORDER BY 1::text;

-- more (6): left to the worker, which cannot see it before the commit
SET ddb.backup_sync_limit = 6;
\set ON_ERROR_ROLLBACK on
BEGIN;
SELECT r -> 'TableStatus' AS status, (r -> 'RestoreSummary') - 'RestoreDateTime' AS summary,
       (r -> 'RestoreSummary' ->> 'RestoreDateTime')::numeric = round(extract(epoch FROM :'t1'::timestamptz), 3) AS at_t1
  FROM (SELECT ddb.restore_table_to_point_in_time(jsonb_build_object('SourceTableName', 'pb_src',
          'TargetTableName', 'pb_bg', 'RestoreDateTime', extract(epoch FROM :'t1'::timestamptz)))
          -> 'TableDescription' AS r) s;
SELECT ddb.describe_table('{"TableName": "pb_bg"}') #>> '{Table,TableStatus}' AS status;
SELECT operation, table_name, backup_arn, abs(extract(epoch FROM requested_at - :'t1'::timestamptz)) < 0.001 AS at_t1,
       bytes_copied >= 0 AS copied, bytes_total_estimate > 0 AS estimated
  FROM ddb.backup_progress;
SELECT count(*) AS items_yet FROM ddb_data.pb_bg;
-- Invalid input: data-plane calls find no table while it is CREATING
SELECT ddb.get_item('{"TableName": "pb_bg", "Key": {"id": {"S": "task1"}}}');
SELECT ddb.put_item('{"TableName": "pb_bg", "Item": {"id": {"S": "task9"}}}');
SELECT ddb.scan('{"TableName": "pb_bg"}');
SELECT ddb.query('{"TableName": "pb_bg", "KeyConditionExpression": "id = :id",
  "ExpressionAttributeValues": {":id": {"S": "task1"}}}');
-- Invalid input: DeleteTable and UpdateTable may not change it,
-- CreateBackup and UpdateContinuousBackups may not use it yet, its name is
-- taken, and it has no recovery points of its own
SELECT ddb.delete_table('{"TableName": "pb_bg"}');
SELECT ddb.update_table('{"TableName": "pb_bg", "BillingMode": "PROVISIONED",
  "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}');
SELECT ddb.create_backup('{"TableName": "pb_bg", "BackupName": "too-soon"}');
SELECT ddb.update_continuous_backups('{"TableName": "pb_bg",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}');
SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pb_src", "TargetTableName": "pb_bg",
  "UseLatestRestorableTime": true}');
SELECT ddb.restore_table_to_point_in_time('{"SourceTableName": "pb_bg", "TargetTableName": "pb_bg2",
  "UseLatestRestorableTime": true}');
-- Invalid input: the source may not be deleted, nor its point-in-time
-- recovery disabled, while the restore reads its history
SELECT ddb.delete_table('{"TableName": "pb_src"}');
SELECT ddb.update_continuous_backups('{"TableName": "pb_src",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false}}');
-- the source is still writable, and its recovery period may change
SELECT ddb.put_item('{"TableName": "pb_src", "Item": {"id": {"S": "task6"}, "status": {"S": "open"}}}');
SELECT ddb.update_continuous_backups('{"TableName": "pb_src",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 7}}')
  #>> '{ContinuousBackupsDescription,PointInTimeRecoveryDescription,RecoveryPeriodInDays}' AS days;
-- a roll forward asked to go past the restore time stops at it
SELECT ddb.pitr_roll_forward('pb_src', statement_timestamp() - interval '1 s') AS rolled;
SELECT p.base_time = r.requested_at AS rolled_to_restore_time
  FROM ddb.continuous_backups p, ddb.table_restores r
 WHERE p.table_name = 'pb_src' AND r.table_name = 'pb_bg';
SELECT ddb.pitr_roll_forward('pb_src', statement_timestamp() - interval '1 s') AS rolled_again;
COMMIT;
\set ON_ERROR_ROLLBACK off

-- the worker fills it, after the writes above: as committed at t1
CALL pb_wait_for_restore('pb_bg');
SELECT r -> 'TableStatus' AS status, r -> 'RestoreSummary' -> 'RestoreInProgress' AS in_progress
  FROM (SELECT ddb.describe_table('{"TableName": "pb_bg"}') -> 'Table' AS r) s;
SELECT ddb.unmarshal(item) FROM ddb_data.pb_bg ORDER BY 1::text;
SELECT pb_differences('ddb_data.pb_sync', 'ddb_data.pb_bg') AS differences;
SELECT * FROM ddb.check_indexes('pb_bg');
SELECT ddb.get_item('{"TableName": "pb_bg", "Key": {"id": {"S": "task1"}}}');
SELECT count(*) AS in_progress FROM ddb.backup_progress;

-- a background restore at the latest restorable time, from a source with
-- a sort key and an ARN
SELECT ddb.create_table('{"TableName": "pb_src2",
  "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "p", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}],
  "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT ddb.update_continuous_backups('{"TableName": "pb_src2",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}') IS NOT NULL AS enabled;
SELECT count(*) AS items FROM (SELECT ddb.put('pb_src2', jsonb_build_object('p', 'a', 'n', i, 'v', 'x' || i))
  FROM generate_series(1, 20) i) s;
SELECT pg_sleep(1.1);
SET ddb.backup_sync_limit = 0;
SELECT ddb.call('RestoreTableToPointInTime', '{"SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/pb_src2",
  "TargetTableName": "pb_latest", "UseLatestRestorableTime": true}') #>> '{TableDescription,TableStatus}' AS status;
RESET ddb.backup_sync_limit;
-- written after the restore time: not in the restore
SELECT ddb.put('pb_src2', jsonb_build_object('p', 'a', 'n', 99));
CALL pb_wait_for_restore('pb_latest');
SELECT ddb.describe_table('{"TableName": "pb_latest"}') #>> '{Table,TableStatus}' AS status;
SELECT count(*) AS items, min((item -> 'n' ->> 'N')::int), max((item -> 'n' ->> 'N')::int) FROM ddb_data.pb_latest;

-- once restored, the source may be disabled and deleted again
SELECT ddb.update_continuous_backups('{"TableName": "pb_src",
  "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false}}')
  #>> '{ContinuousBackupsDescription,PointInTimeRecoveryDescription,PointInTimeRecoveryStatus}' AS pitr;
SELECT count(ddb.delete_table(jsonb_build_object('TableName', table_name))) AS tables_deleted
  FROM ddb.tables WHERE table_name LIKE 'pb\_%';
