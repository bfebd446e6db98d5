-- backups: on-demand backups. CreateBackup, DescribeBackup, ListBackups,
-- DeleteBackup and RestoreTableFromBackup with DynamoDB's shapes, statuses
-- and errors; restores equal to their backups (items by EXCEPT both ways,
-- indexes by ddb.check_indexes); overrides; privileges; backups that
-- outlive their table; and large tables backed up and restored by the
-- background worker (ddb.backup_sync_limit = 0), polled for up to 60 s.
\set VERBOSITY terse

-- ARNs' ids, times, table ids and sizes vary from run to run
CREATE FUNCTION bk_mask(j jsonb) RETURNS jsonb LANGUAGE sql AS $$
SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(j::text,
    '/backup/[0-9]{14}-[0-9a-f]{8}', '/backup/<id>', 'g'),
    '"(BackupCreationDateTime|TableCreationDateTime|RestoreDateTime|CreationDateTime|LastUpdateToPayPerRequestDateTime|LastIncreaseDateTime|LastDecreaseDateTime)": [0-9.]+',
    '"\1": "<time>"', 'g'),
    '"TableId": "[0-9a-f-]{36}"', '"TableId": "<id>"', 'g'),
    '"(BackupSizeBytes|TableSizeBytes|IndexSizeBytes)": [0-9]+', '"\1": "<size>"', 'g')::jsonb
$$;
-- the same, for table descriptions, whose ItemCount is an estimate
CREATE FUNCTION bk_mask_table(j jsonb) RETURNS jsonb LANGUAGE sql AS $$
SELECT regexp_replace(bk_mask(j)::text, '"ItemCount": [0-9]+', '"ItemCount": "<count>"', 'g')::jsonb
$$;
-- a statement's error: SQLSTATE and message, ARNs' ids masked
CREATE FUNCTION bk_error(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || regexp_replace(SQLERRM, '[0-9]{14}-[0-9a-f]{8}', '<id>', 'g');
END
$$;
-- items of two tables that differ, both ways
CREATE FUNCTION bk_item_differences(a regclass, b regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT item FROM %s EXCEPT ALL SELECT item FROM %s)
                    UNION ALL (SELECT item FROM %s EXCEPT ALL SELECT item FROM %s)) d', a, b, b, a) INTO n;
    RETURN n;
END
$$;

-- The TaskApp's tasks: a provisioned table with a GSI, an LSI, a KMS key,
-- a table class, tags, Time to Live and deletion protection
SELECT ddb.create_table('{"TableName": "bk_tasks",
    "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "task", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "user", "AttributeType": "S"},
                             {"AttributeName": "task", "AttributeType": "S"},
                             {"AttributeName": "status", "AttributeType": "S"},
                             {"AttributeName": "due", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_status",
        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}, {"AttributeName": "task", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
        "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}}],
    "LocalSecondaryIndexes": [{"IndexName": "by_due",
        "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "due", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
    "SSESpecification": {"Enabled": true, "SSEType": "KMS", "KMSMasterKeyId": "alias/tasks"},
    "TableClass": "STANDARD_INFREQUENT_ACCESS",
    "DeletionProtectionEnabled": true,
    "Tags": [{"Key": "team", "Value": "core"}]}') IS NOT NULL AS created;
SELECT ddb.update_time_to_live('{"TableName": "bk_tasks",
    "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires_at"}}');
SELECT count(*) AS put FROM (
SELECT ddb.put('bk_tasks', jsonb_build_object('user', 'u' || (g % 7), 'task', 't' || lpad(g::text, 3, '0'),
           'status', CASE WHEN g % 3 = 0 THEN 'done' ELSE 'open' END, 'title', 'task ' || g,
           'due', 20240100 + g, 'expires_at', 4102444800 + g, 'tags', jsonb_build_array('a', g)))
  FROM generate_series(1, 200) g) p;
-- strings holding U+0001, binaries, sets, an item without the index keys
SELECT ddb.put_item(E'{"TableName": "bk_tasks", "Item": {"user": {"S": "u\\u0001x"}, "task": {"S": "t\\u0001"},
    "blob": {"B": "AAEC"}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}}}'::text);

-- CreateBackup: a table this small is copied within the call
SELECT bk_mask(ddb.create_backup('{"TableName": "bk_tasks", "BackupName": "before-migration"}'));
SELECT bk_mask(ddb.call('CreateBackup', '{"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/bk_tasks",
    "BackupName": "second_backup.1"}'::jsonb));
SELECT bk_mask(ddb.create_backup('{"TableName": "bk_tasks", "BackupName": "third"}'::text));
SELECT backup_arn ~ '^arn:aws:dynamodb:us-east-1:000000000000:table/bk_tasks/backup/[0-9]{14}-[0-9a-f]{8}$' AS arn_format,
       substring(backup_arn from '/backup/([0-9]{14})')::bigint
         = (extract(epoch FROM created_at) * 1000)::bigint AS arn_time_is_creation_time,
       status, item_count, size_bytes > 0 AS has_size, copied_at >= created_at AS copied_after_request,
       pg_get_userbyid(c.relowner) AS items_owner, n.nspname AS items_schema
  FROM ddb.backups b JOIN pg_class c ON c.oid = b.items JOIN pg_namespace n ON n.oid = c.relnamespace
 ORDER BY created_at, backup_arn;
SELECT backup_arn AS arn FROM ddb.backups WHERE backup_name = 'before-migration' \gset
-- the items table holds the items as stored
SELECT items AS items_table FROM ddb.backups WHERE backup_name = 'before-migration' \gset
SELECT bk_item_differences(:'items_table', 'ddb_data.bk_tasks') AS differences;

-- DescribeBackup: the backup, the source table and its features (TTL is
-- described, though a restore does not apply it)
SELECT jsonb_pretty(bk_mask(ddb.describe_backup(jsonb_build_object('BackupArn', :'arn'))));
SELECT bk_mask(ddb.call('DescribeBackup', jsonb_build_object('BackupArn', :'arn')::text))
     = bk_mask(ddb.describe_backup(jsonb_build_object('BackupArn', :'arn'))) AS same_through_call;

-- the source table goes on changing; the backup does not
SELECT ddb.delete('bk_tasks', '{"user": "u1", "task": "t001"}') IS NOT NULL AS deleted;
SELECT ddb.update('bk_tasks', '{"user": "u2", "task": "t002"}', 'SET title = :t', '{":t": "changed"}') ->> 'title';
SELECT ddb.put('bk_tasks', '{"user": "u9", "task": "new", "status": "open"}');
SELECT bk_item_differences(:'items_table', 'ddb_data.bk_tasks') AS differences;

-- RestoreTableFromBackup: the definition, without tags, TTL or deletion
-- protection; items and indexes equal to the backup's
SELECT jsonb_pretty(bk_mask_table(ddb.restore_table_from_backup(jsonb_build_object(
    'TargetTableName', 'bk_restored', 'BackupArn', :'arn'))));
SELECT bk_item_differences(:'items_table', 'ddb_data.bk_restored') AS differences,
       (SELECT count(*) FROM ddb_data.bk_restored) AS items;
SELECT * FROM ddb.check_indexes('bk_restored');
SELECT jsonb_array_length(ddb.scan('{"TableName": "bk_restored", "IndexName": "by_status"}'::jsonb) -> 'Items') AS by_status_rows;
SELECT (ddb.query('{"TableName": "bk_restored", "IndexName": "by_status", "KeyConditionExpression": "#s = :s",
    "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "done"}},
    "Select": "COUNT"}') ->> 'Count')::int AS done_tasks;
SELECT ddb.query('{"TableName": "bk_restored", "IndexName": "by_due", "KeyConditionExpression": "#u = :u AND due < :d",
    "ExpressionAttributeNames": {"#u": "user"}, "ExpressionAttributeValues": {":u": {"S": "u1"}, ":d": {"N": "20240120"}}}') -> 'Items';
SELECT ddb.get_item(E'{"TableName": "bk_restored", "Key": {"user": {"S": "u\\u0001x"}, "task": {"S": "t\\u0001"}}}'::text);
SELECT ddb.describe_time_to_live('{"TableName": "bk_restored"}');
SELECT ddb.list_tags_of_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/bk_restored"}');
SELECT pg_get_userbyid(relowner) AS restored_owner FROM pg_class WHERE oid = 'ddb_data.bk_restored'::regclass;
-- a restored table is a table like any other
SELECT ddb.put('bk_restored', '{"user": "u1", "task": "after", "status": "open"}');
SELECT ddb.delete_table('{"TableName": "bk_restored"}') #>> '{TableDescription,TableStatus}';
SELECT count(*) AS restore_rows_left FROM ddb.table_restores WHERE table_name = 'bk_restored';

-- Overrides
-- on demand: the table and its GSIs lose their throughput
SELECT bk_mask_table(ddb.restore_table_from_backup(jsonb_build_object(
    'TargetTableName', 'bk_ondemand', 'BackupArn', :'arn', 'BillingModeOverride', 'PAY_PER_REQUEST'))
    -> 'TableDescription') - 'KeySchema' - 'LocalSecondaryIndexes' - 'AttributeDefinitions' - 'TableArn' - 'TableName';
-- new throughput, no GSI, no LSI (AttributeDefinitions keep the table's
-- keys only), the default encryption
SELECT bk_mask_table(ddb.restore_table_from_backup(jsonb_build_object(
    'TargetTableName', 'bk_bare', 'BackupArn', :'arn',
    'ProvisionedThroughputOverride', '{"ReadCapacityUnits": 1, "WriteCapacityUnits": 2}'::jsonb,
    'GlobalSecondaryIndexOverride', '[]'::jsonb, 'LocalSecondaryIndexOverride', '[]'::jsonb,
    'SSESpecificationOverride', '{"Enabled": false}'::jsonb)) -> 'TableDescription');
SELECT bk_item_differences(:'items_table', 'ddb_data.bk_bare') AS differences;
-- one GSI of another projection, with its own throughput, and the LSI
SELECT bk_mask_table(ddb.restore_table_from_backup(jsonb_build_object(
    'TargetTableName', 'bk_keys', 'BackupArn', :'arn',
    'GlobalSecondaryIndexOverride', '[{"IndexName": "by_status",
        "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 8}}]'::jsonb))
    #> '{TableDescription,GlobalSecondaryIndexes}');
SELECT * FROM ddb.check_indexes('bk_keys');
SELECT count(*) AS keys_only_rows FROM ddb_data."bk_keys:by_status";

-- An on-demand table with number and binary keys, restored as provisioned:
-- its GSI takes the table's throughput override
SELECT ddb.create_table('{"TableName": "bk_nums",
    "KeySchema": [{"AttributeName": "n", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "n", "AttributeType": "N"}, {"AttributeName": "b", "AttributeType": "B"},
                             {"AttributeName": "g", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}}],
    "BillingMode": "PAY_PER_REQUEST"}') IS NOT NULL AS created;
SELECT count(*) AS put FROM (
SELECT ddb.put_item(jsonb_build_object('TableName', 'bk_nums', 'Item', jsonb_build_object(
    'n', jsonb_build_object('N', (g % 10)::text || '.5'), 'b', jsonb_build_object('B', encode(int4send(g), 'base64')),
    'g', jsonb_build_object('N', (g % 3)::text))))
  FROM generate_series(1, 50) g) p;
SELECT ddb.create_backup('{"TableName": "bk_nums", "BackupName": "nums"}') #>> '{BackupDetails,BackupArn}' AS nums_arn \gset
SELECT bk_mask_table(ddb.restore_table_from_backup(jsonb_build_object(
    'TargetTableName', 'bk_nums_prov', 'BackupArn', :'nums_arn', 'BillingModeOverride', 'PROVISIONED',
    'ProvisionedThroughputOverride', '{"ReadCapacityUnits": 2, "WriteCapacityUnits": 3}'::jsonb))
    -> 'TableDescription') - 'KeySchema' - 'AttributeDefinitions' - 'TableArn' - 'RestoreSummary';
SELECT bk_item_differences('ddb_data.bk_nums', 'ddb_data.bk_nums_prov') AS differences;
SELECT * FROM ddb.check_indexes('bk_nums_prov');
SELECT count(*) AS n_b_keys_equal FROM ddb_data.bk_nums a JOIN ddb_data.bk_nums_prov b USING (n, b);

-- A table with a stream: the backup describes it; the restored table has none
SELECT ddb.create_table('{"TableName": "bk_streamed", "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}') IS NOT NULL AS created;
SELECT ddb.put('bk_streamed', '{"id": "a"}');
SELECT ddb.create_backup('{"TableName": "bk_streamed", "BackupName": "streamed"}') #>> '{BackupDetails,BackupArn}' AS streamed_arn \gset
SELECT ddb.describe_backup(jsonb_build_object('BackupArn', :'streamed_arn')) #> '{BackupDescription,SourceTableFeatureDetails}';
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_streamed_restored', 'BackupArn', :'streamed_arn'))
       -> 'TableDescription' ?| ARRAY['StreamSpecification', 'LatestStreamArn'] AS has_stream;
SELECT ddb.delete_backup(jsonb_build_object('BackupArn', :'streamed_arn')) #>> '{BackupDescription,BackupDetails,BackupStatus}';

-- Invalid input: RestoreTableFromBackup's errors, each leaving no table
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_tasks', 'BackupArn', :'arn'));
SELECT ddb.restore_table_from_backup('{"TargetTableName": "bk_x",
    "BackupArn": "arn:aws:dynamodb:us-east-1:000000000000:table/bk_tasks/backup/01700000000000-00000000"}');
SELECT ddb.restore_table_from_backup('{}');
SELECT ddb.restore_table_from_backup('{"TargetTableName": "x", "BackupArn": "short"}');
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'arn',
    'BillingModeOverride', 'FREE'));
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'arn',
    'GlobalSecondaryIndexOverride', '{}'::jsonb));
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'arn',
    'ProvisionedThroughputOverride', '[1]'::jsonb));
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'arn',
    'OnDemandThroughputOverride', '{"MaxReadRequestUnits": 5}'::jsonb));
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'arn',
    'Extra', 1));
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'arn',
    'BillingModeOverride', 'PAY_PER_REQUEST',
    'ProvisionedThroughputOverride', '{"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}'::jsonb));
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'nums_arn',
    'BillingModeOverride', 'PROVISIONED'));
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'arn',
    'GlobalSecondaryIndexOverride', '[{"IndexName": "by_title", "KeySchema": [{"AttributeName": "title", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}]'::jsonb));
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_x', 'BackupArn', :'arn',
    'SSESpecificationOverride', '{"Enabled": true, "SSEType": "AES256"}'::jsonb));
SELECT ddb.restore_table_from_backup('{"TargetTableName": "bk_x", "BackupArn": ');
SELECT count(*) AS tables_left FROM ddb.tables WHERE table_name = 'bk_x';

-- Invalid input: CreateBackup's errors
SELECT ddb.create_backup('{"TableName": "bk_nope", "BackupName": "b01"}');
SELECT ddb.create_backup('{"TableName": "bk_tasks"}');
SELECT ddb.create_backup('{"BackupName": "b01"}');
SELECT ddb.create_backup('{"TableName": "bk_tasks", "BackupName": "b"}');
SELECT ddb.create_backup('{"TableName": "bk_tasks", "BackupName": "bad name!"}');
SELECT ddb.create_backup(jsonb_build_object('TableName', 'bk_tasks', 'BackupName', repeat('b', 256)));
SELECT ddb.create_backup('{"TableName": "x", "BackupName": "b"}');
SELECT ddb.create_backup('{"TableName": "bk_tasks", "BackupName": 5}');
SELECT ddb.create_backup('{"TableName": "bk_tasks", "BackupName": "b01", "Extra": true}');
SELECT count(*) AS backups FROM ddb.backups;

-- Invalid input: DescribeBackup's and DeleteBackup's errors
SELECT ddb.describe_backup('{}');
SELECT ddb.describe_backup('{"BackupArn": "arn:short"}');
SELECT ddb.describe_backup(jsonb_build_object('BackupArn', repeat('a', 1025)));
SELECT ddb.describe_backup('{"BackupArn": "arn:aws:dynamodb:us-east-1:000000000000:table/bk_tasks/backup/01700000000000-00000000"}');
SELECT ddb.describe_backup(jsonb_build_object('BackupArn', :'arn', 'Extra', 1));
SELECT ddb.delete_backup('{"BackupArn": "arn:aws:dynamodb:us-east-1:000000000000:table/bk_tasks/backup/01700000000000-00000000"}');
SELECT ddb.delete_backup('{"BackupArn": 1}');

-- ListBackups: every backup, in creation order; by table (name or ARN);
-- by type (every backup here is USER); by time (lower bound inclusive,
-- upper bound exclusive); Limit and ExclusiveStartBackupArn paging
SELECT s ->> 'TableName' AS table_name, s ->> 'BackupName' AS backup_name, s ->> 'BackupStatus' AS status,
       s ->> 'BackupType' AS type, s ? 'BackupSizeBytes' AS sized, s ->> 'TableArn' AS table_arn
  FROM jsonb_array_elements(ddb.list_backups('{}') -> 'BackupSummaries') s ORDER BY 1, 2;
SELECT array(SELECT s ->> 'BackupArn' FROM jsonb_array_elements(ddb.list_backups('{}') -> 'BackupSummaries') s)
     = array(SELECT backup_arn FROM ddb.backups ORDER BY created_at, backup_arn) AS creation_order;
SELECT jsonb_array_length(ddb.list_backups('{"TableName": "bk_nums"}') -> 'BackupSummaries') AS of_nums,
       jsonb_array_length(ddb.call('ListBackups', '{"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/bk_tasks"}'::jsonb) -> 'BackupSummaries') AS of_tasks,
       jsonb_array_length(ddb.list_backups('{"TableName": "bk_none"}') -> 'BackupSummaries') AS of_none,
       jsonb_array_length(ddb.list_backups('{"BackupType": "USER"}') -> 'BackupSummaries') AS user_type,
       jsonb_array_length(ddb.list_backups('{"BackupType": "ALL"}') -> 'BackupSummaries') AS all_types,
       jsonb_array_length(ddb.list_backups('{"BackupType": "SYSTEM"}') -> 'BackupSummaries') AS system_type,
       jsonb_array_length(ddb.list_backups('{"BackupType": "AWS_BACKUP"}') -> 'BackupSummaries') AS aws_backup_type;
SELECT extract(epoch FROM created_at) AS t2 FROM ddb.backups ORDER BY created_at, backup_arn OFFSET 1 LIMIT 1 \gset
SELECT extract(epoch FROM created_at) AS t4 FROM ddb.backups ORDER BY created_at, backup_arn OFFSET 3 LIMIT 1 \gset
SELECT array(SELECT s ->> 'BackupArn' FROM jsonb_array_elements(ddb.list_backups(jsonb_build_object(
           'TimeRangeLowerBound', :t2::numeric, 'TimeRangeUpperBound', :t4::numeric)) -> 'BackupSummaries') s)
     = array(SELECT backup_arn FROM ddb.backups
              WHERE extract(epoch FROM created_at) >= :t2 AND extract(epoch FROM created_at) < :t4
              ORDER BY created_at, backup_arn) AS time_range,
       jsonb_array_length(ddb.list_backups(jsonb_build_object('TimeRangeLowerBound', :t2::numeric))
           -> 'BackupSummaries') AS from_second,
       jsonb_array_length(ddb.list_backups(jsonb_build_object('TimeRangeUpperBound', :t2::numeric))
           -> 'BackupSummaries') AS before_second;
CREATE FUNCTION bk_list_all(page_size int) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    request jsonb := jsonb_build_object('Limit', page_size);
    page jsonb;
    arns text[] := '{}';
    pages int := 0;
BEGIN
    LOOP
        page := ddb.list_backups(request);
        pages := pages + 1;
        arns := arns || array(SELECT s ->> 'BackupArn' FROM jsonb_array_elements(page -> 'BackupSummaries') s);
        EXIT WHEN page -> 'LastEvaluatedBackupArn' IS NULL;
        request := request || jsonb_build_object('ExclusiveStartBackupArn', page -> 'LastEvaluatedBackupArn');
    END LOOP;
    RAISE NOTICE '% pages of at most %', pages, page_size;
    RETURN arns;
END
$$;
SELECT bk_list_all(1) = array(SELECT backup_arn FROM ddb.backups ORDER BY created_at, backup_arn) AS paged_by_1,
       bk_list_all(3) = array(SELECT backup_arn FROM ddb.backups ORDER BY created_at, backup_arn) AS paged_by_3,
       bk_list_all(100) = array(SELECT backup_arn FROM ddb.backups ORDER BY created_at, backup_arn) AS paged_by_100;
-- a start ARN of a deleted backup still pages on from its time
SELECT jsonb_array_length(ddb.list_backups('{"ExclusiveStartBackupArn":
    "arn:aws:dynamodb:us-east-1:000000000000:table/gone/backup/00000000000001-00000000"}') -> 'BackupSummaries') AS after_1970;

-- Invalid input: ListBackups' errors
SELECT ddb.list_backups('{"Limit": 0}');
SELECT ddb.list_backups('{"Limit": 101}');
SELECT ddb.list_backups('{"BackupType": "MINE"}');
SELECT ddb.list_backups('{"TableName": "x"}');
SELECT ddb.list_backups('{"ExclusiveStartBackupArn": "short"}');
SELECT ddb.list_backups('{"ExclusiveStartBackupArn": "arn:aws:dynamodb:us-east-1:000000000000:table/bk_tasks/backup/oops"}');
SELECT ddb.list_backups('{"TimeRangeLowerBound": "2024-01-01"}');
SELECT ddb.list_backups('{"Limit": "ten"}');
SELECT ddb.list_backups('{"Unknown": 1}');

-- DeleteBackup: DELETED once, then not found, and gone from the lists;
-- the items table is dropped
SELECT backup_arn AS third_arn, items AS third_items FROM ddb.backups WHERE backup_name = 'third' \gset
SELECT bk_mask(ddb.delete_backup(jsonb_build_object('BackupArn', :'third_arn'))) #> '{BackupDescription,BackupDetails}';
-- Invalid input: deleted
SELECT bk_error(format('SELECT ddb.delete_backup(%L)', jsonb_build_object('BackupArn', :'third_arn')));
SELECT bk_error(format('SELECT ddb.describe_backup(%L)', jsonb_build_object('BackupArn', :'third_arn')));
SELECT bk_error(format('SELECT ddb.restore_table_from_backup(%L)',
    jsonb_build_object('BackupArn', :'third_arn', 'TargetTableName', 'bk_x')));
SELECT count(*) AS listed FROM jsonb_array_elements(ddb.list_backups('{}') -> 'BackupSummaries') s
 WHERE s ->> 'BackupArn' = :'third_arn';
SELECT to_regclass(:'third_items') IS NULL AS items_dropped;
-- in a transaction that rolls back, nothing is deleted
BEGIN;
SELECT ddb.delete_backup(jsonb_build_object('BackupArn', :'nums_arn')) #>> '{BackupDescription,BackupDetails,BackupStatus}';
ROLLBACK;
SELECT ddb.describe_backup(jsonb_build_object('BackupArn', :'nums_arn')) #>> '{BackupDescription,BackupDetails,BackupStatus}';

-- Privileges: a role needs SELECT on the whole table to back it up; the
-- backup is its own: others may describe and list it, not restore or delete it
CREATE ROLE regress_bk_reader;
CREATE ROLE regress_bk_other;
GRANT CREATE ON SCHEMA ddb_data TO regress_bk_reader, regress_bk_other;
SET ROLE regress_bk_reader;
-- Invalid input: no SELECT
SELECT ddb.create_backup('{"TableName": "bk_nums", "BackupName": "mine"}');
RESET ROLE;
GRANT SELECT ON ddb_data.bk_nums TO regress_bk_reader;
SET ROLE regress_bk_reader;
SELECT ddb.create_backup('{"TableName": "bk_nums", "BackupName": "mine"}') #>> '{BackupDetails,BackupStatus}';
RESET ROLE;
SELECT backup_arn AS mine_arn, items AS mine_items FROM ddb.backups WHERE backup_name = 'mine' \gset
SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = :'mine_items'::regclass;
SET ROLE regress_bk_other;
SELECT ddb.describe_backup(jsonb_build_object('BackupArn', :'mine_arn')) #>> '{BackupDescription,BackupDetails,BackupName}';
-- Invalid input: another role may neither restore nor delete it, nor read its items
SELECT bk_error(format('SELECT ddb.restore_table_from_backup(%L)',
    jsonb_build_object('TargetTableName', 'bk_other', 'BackupArn', :'mine_arn')));
SELECT bk_error(format('SELECT ddb.delete_backup(%L)', jsonb_build_object('BackupArn', :'mine_arn')));
SELECT bk_error(format('SELECT count(*) FROM %s', :'mine_items'));
RESET ROLE;
SET ROLE regress_bk_reader;
SELECT (ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_mine', 'BackupArn', :'mine_arn'))
        #>> '{TableDescription,TableStatus}') AS restored_by_owner;
SELECT count(*) AS items FROM ddb_data.bk_mine;
RESET ROLE;
SELECT pg_get_userbyid(relowner) AS restored_owner FROM pg_class WHERE oid = 'ddb_data.bk_mine'::regclass;
-- Invalid input: row-level security that applies to the role
ALTER TABLE ddb_data.bk_nums ENABLE ROW LEVEL SECURITY;
CREATE POLICY some_rows ON ddb_data.bk_nums FOR SELECT USING (n < 5);
SET ROLE regress_bk_reader;
SELECT ddb.create_backup('{"TableName": "bk_nums", "BackupName": "filtered"}');
RESET ROLE;
ALTER TABLE ddb_data.bk_nums DISABLE ROW LEVEL SECURITY;
-- Invalid input: no CREATE on ddb_data
REVOKE CREATE ON SCHEMA ddb_data FROM regress_bk_reader;
SET ROLE regress_bk_reader;
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_mine2', 'BackupArn', :'mine_arn'));
RESET ROLE;
SET ROLE regress_bk_reader;
SELECT ddb.delete_backup(jsonb_build_object('BackupArn', :'mine_arn')) #>> '{BackupDescription,BackupDetails,BackupStatus}';
SELECT ddb.delete_table('{"TableName": "bk_mine"}') #>> '{TableDescription,TableStatus}';
RESET ROLE;

-- A backup outlives its table: DeleteTable (once deletion protection is
-- off) leaves it AVAILABLE, and it restores under the old name
SELECT ddb.update_table('{"TableName": "bk_tasks", "DeletionProtectionEnabled": false}') IS NOT NULL AS updated;
SELECT ddb.delete_table('{"TableName": "bk_tasks"}') #>> '{TableDescription,TableStatus}';
SELECT ddb.describe_backup(jsonb_build_object('BackupArn', :'arn')) #>> '{BackupDescription,BackupDetails,BackupStatus}';
SELECT jsonb_array_length(ddb.list_backups('{"TableName": "bk_tasks"}') -> 'BackupSummaries') AS backups_of_deleted_table;
SELECT ddb.restore_table_from_backup(jsonb_build_object('TargetTableName', 'bk_tasks', 'BackupArn', :'arn'))
       #>> '{TableDescription,TableStatus}';
SELECT bk_item_differences(:'items_table', 'ddb_data.bk_tasks') AS differences;
SELECT * FROM ddb.check_indexes('bk_tasks');

-- Large tables, backed up and restored by the background worker
CREATE PROCEDURE bk_wait_for_backup(backup_arn text) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..600 LOOP
        IF (SELECT status FROM ddb.backups b WHERE b.backup_arn = bk_wait_for_backup.backup_arn) = 'AVAILABLE' THEN
            RETURN;
        END IF;
        COMMIT;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RAISE WARNING 'backup % is still not AVAILABLE after 60 s', backup_arn;
END
$$;
CREATE PROCEDURE bk_wait_for_restore(table_name text) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..600 LOOP
        IF NOT (SELECT in_progress FROM ddb.table_restores r WHERE r.table_name = bk_wait_for_restore.table_name) THEN
            RETURN;
        END IF;
        COMMIT;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RAISE WARNING 'table % is still being restored after 60 s', table_name;
END
$$;
SET ddb.backup_sync_limit = 0;
\set ON_ERROR_ROLLBACK on
-- until it commits, the worker cannot see the backup: what happens while it is CREATING
BEGIN;
SELECT bk_mask(ddb.create_backup('{"TableName": "bk_nums", "BackupName": "large"}'));
SELECT backup_arn AS large_arn FROM ddb.backups WHERE backup_name = 'large' \gset
SELECT bk_mask(ddb.describe_backup(jsonb_build_object('BackupArn', :'large_arn'))) #> '{BackupDescription,BackupDetails}';
SELECT operation, table_name, backup_arn = :'large_arn' AS this_backup, items_total_estimate IS NULL OR items_total_estimate >= 0 AS estimated
  FROM ddb.backup_progress;
-- Invalid input: a second backup, DeleteBackup, a restore and DeleteTable
-- while the backup is being created
SELECT ddb.create_backup('{"TableName": "bk_nums", "BackupName": "large2"}');
SELECT bk_error(format('SELECT ddb.delete_backup(%L)', jsonb_build_object('BackupArn', :'large_arn')));
SELECT bk_error(format('SELECT ddb.restore_table_from_backup(%L)',
    jsonb_build_object('TargetTableName', 'bk_large', 'BackupArn', :'large_arn')));
SELECT ddb.delete_table('{"TableName": "bk_nums"}');
-- writes go on, and are not in the backup if they commit before the copy:
-- here they commit with it, so they are
SELECT ddb.put_item('{"TableName": "bk_nums", "Item": {"n": {"N": "99"}, "b": {"B": "AA=="}, "g": {"N": "1"}}}');
COMMIT;
CALL bk_wait_for_backup(:'large_arn');
SELECT status, item_count, copied_at > created_at AS copied_later FROM ddb.backups WHERE backup_arn = :'large_arn';
SELECT bk_item_differences((SELECT items FROM ddb.backups WHERE backup_arn = :'large_arn'), 'ddb_data.bk_nums') AS differences;

-- a restore: CREATING until the worker has filled the table
BEGIN;
SELECT jsonb_pretty((bk_mask_table(ddb.restore_table_from_backup(jsonb_build_object(
    'TargetTableName', 'bk_large', 'BackupArn', :'large_arn'))) -> 'TableDescription')
    - 'KeySchema' - 'AttributeDefinitions' - 'GlobalSecondaryIndexes');
SELECT bk_mask_table(ddb.describe_table('{"TableName": "bk_large"}')) #> '{Table,RestoreSummary}',
       ddb.describe_table('{"TableName": "bk_large"}') #>> '{Table,TableStatus}' AS status;
SELECT operation, table_name, backup_arn = :'large_arn' AS from_backup, items_total_estimate FROM ddb.backup_progress;
-- Invalid input: data-plane calls find no table; DeleteTable, UpdateTable
-- and CreateBackup may not change it; its backup may not be deleted
SELECT ddb.get_item('{"TableName": "bk_large", "Key": {"n": {"N": "1.5"}, "b": {"B": "AAAAAQ=="}}}');
SELECT ddb.put_item('{"TableName": "bk_large", "Item": {"n": {"N": "1"}, "b": {"B": "AA=="}}}');
SELECT ddb.scan('{"TableName": "bk_large"}');
SELECT ddb.delete_table('{"TableName": "bk_large"}');
SELECT ddb.update_table('{"TableName": "bk_large", "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_backup('{"TableName": "bk_large", "BackupName": "too-soon"}');
SELECT bk_error(format('SELECT ddb.delete_backup(%L)', jsonb_build_object('BackupArn', :'large_arn')));
-- a row written with plain SQL meanwhile is gone once the table is restored
INSERT INTO ddb_data.bk_large (n, b, item) VALUES (7, '\x07', '{"n": {"N": "7"}, "b": {"B": "Bw=="}}');
COMMIT;
\set ON_ERROR_ROLLBACK off
CALL bk_wait_for_restore('bk_large');
SELECT bk_mask_table(ddb.describe_table('{"TableName": "bk_large"}')) #> '{Table,RestoreSummary}',
       ddb.describe_table('{"TableName": "bk_large"}') #>> '{Table,TableStatus}' AS status;
SELECT bk_item_differences((SELECT items FROM ddb.backups WHERE backup_arn = :'large_arn'), 'ddb_data.bk_large') AS differences;
SELECT * FROM ddb.check_indexes('bk_large');
SELECT ddb.get_item('{"TableName": "bk_large", "Key": {"n": {"N": "1.5"}, "b": {"B": "AAAAAQ=="}}}');
SELECT count(*) AS in_progress FROM ddb.backup_progress;
RESET ddb.backup_sync_limit;

-- the catalog rows are dumped by pg_dump
SELECT c.relname, d.extconfig IS NOT NULL AS dumped
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_extension d ON d.extname = 'ddb' AND c.oid = ANY (d.extconfig)
 WHERE n.nspname = 'ddb' AND c.relname IN ('backups', 'table_restores') ORDER BY 1;

-- clean up: backups and the tables restored from them
SELECT count(ddb.delete_backup(jsonb_build_object('BackupArn', backup_arn))) AS backups_deleted FROM ddb.backups;
SELECT count(*) AS items_tables_left FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'ddb_backups';
SELECT count(ddb.delete_table(jsonb_build_object('TableName', table_name))) AS tables_deleted
  FROM ddb.tables WHERE table_name LIKE 'bk\_%';
REVOKE ALL ON SCHEMA ddb_data FROM regress_bk_reader, regress_bk_other;
DROP ROLE regress_bk_reader;
DROP ROLE regress_bk_other;
