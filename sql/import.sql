-- import: ImportTable, DescribeImport and ListImports. The parameters and
-- every error of the call; an import in progress (within a transaction
-- that is rolled back, so the background worker never sees it): its
-- description, the CREATING table data-plane calls do not find, listing
-- and paging, ClientToken; and one import the worker runs to FAILED (a
-- bucket that is not there), polled for up to 60 s. Imports that read
-- files are tested by test/import_files.sh.
\set VERBOSITY terse

-- ImportArn, StartTime and TableId vary: show the rest
CREATE FUNCTION import_shape(d jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT (d - 'ImportArn' - 'StartTime' - 'EndTime' - 'TableId')
        || jsonb_build_object('ImportArn', regexp_replace(d ->> 'ImportArn', '/import/[0-9]{14}-[0-9a-f]{8}$', '/import/<id>'),
                              'StartTime', jsonb_typeof(d -> 'StartTime'))
        || CASE WHEN d ? 'EndTime' THEN jsonb_build_object('EndTime', jsonb_typeof(d -> 'EndTime')) ELSE '{}' END
        || CASE WHEN d ? 'TableId' THEN jsonb_build_object('TableId', d ->> 'TableId' ~ '^[0-9a-f-]{36}$') ELSE '{}' END
$$;

CREATE FUNCTION import_request(table_name text, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'S3BucketSource', jsonb_build_object('S3Bucket', 'my-bucket', 'S3KeyPrefix', 'exports/'),
        'InputFormat', 'DYNAMODB_JSON',
        'TableCreationParameters', jsonb_build_object(
            'TableName', table_name,
            'KeySchema', '[{"AttributeName": "pk", "KeyType": "HASH"}]'::jsonb,
            'AttributeDefinitions', '[{"AttributeName": "pk", "AttributeType": "S"}]'::jsonb,
            'BillingMode', 'PAY_PER_REQUEST')) || extra
$$;

-- the root directory: the data directory stands in for S3 here (no file is read)
SELECT set_config('ddb.export_directory', current_setting('data_directory'), false) IS NOT NULL AS set;

-- Invalid input: the setting is superuser-only
CREATE ROLE regress_ddb_importer;
GRANT CREATE ON SCHEMA ddb_data TO regress_ddb_importer;
SET ROLE regress_ddb_importer;
SET ddb.export_directory = '/tmp';
-- Invalid input: importing needs pg_read_server_files
SELECT ddb.import_table(import_request('imported'));
RESET ROLE;
GRANT pg_read_server_files TO regress_ddb_importer;

-- Invalid input: request parameters
SELECT ddb.import_table('{}');
SELECT ddb.import_table('{"S3BucketSource": {"S3Bucket": "b"}, "InputFormat": "XML", "TableCreationParameters": {}}');
SELECT ddb.import_table(import_request('imported', '{"S3BucketSource": {"S3Bucket": "-bucket", "S3BucketOwner": "12345"}}'));
SELECT ddb.import_table(import_request('imported', jsonb_build_object('S3BucketSource',
    jsonb_build_object('S3Bucket', 'my-bucket', 'S3KeyPrefix', repeat('k', 1025)))));
SELECT ddb.import_table(import_request('imported', '{"S3BucketSource": {"S3Bucket": "my-bucket", "Region": "x"}}'));
SELECT ddb.import_table(import_request('imported', '{"InputCompressionType": "BZIP2", "ClientToken": "a$b"}'));
SELECT ddb.import_table(import_request('imported', '{"InputFormat": "CSV", "InputFormatOptions": {"Csv": {"Delimiter": "#", "HeaderList": []}}}'));
SELECT ddb.import_table(import_request('imported', '{"InputFormat": "CSV", "InputFormatOptions": {"Csv": {"Delimiter": ",,", "HeaderList": ["a\"b"]}}}'));
SELECT ddb.import_table(import_request('imported', '{"InputFormat": "CSV", "InputFormatOptions": {"Tsv": {}}}'));
SELECT ddb.import_table(import_request('imported', '{"Tags": []}'));
SELECT ddb.import_table(import_request('imported') #- '{TableCreationParameters}');
SELECT ddb.import_table(jsonb_set(import_request('imported'), '{TableCreationParameters,LocalSecondaryIndexes}', '[]'));
-- Invalid input: ION is not supported; Csv options belong to CSV
SELECT ddb.import_table(import_request('imported', '{"InputFormat": "ION"}'));
SELECT ddb.import_table(import_request('imported', '{"InputFormatOptions": {"Csv": {"Delimiter": ";"}}}'));
-- Invalid input: a key prefix that leaves the bucket
SELECT ddb.import_table(import_request('imported', '{"S3BucketSource": {"S3Bucket": "my-bucket", "S3KeyPrefix": "a/../../etc/"}}'));
SELECT ddb.import_table(import_request('imported', '{"S3BucketSource": {"S3Bucket": "my-bucket", "S3KeyPrefix": "/etc/passwd"}}'));
SELECT ddb.import_table(import_request('imported', '{"S3BucketSource": {"S3Bucket": "my-bucket", "S3KeyPrefix": ".."}}'));
SELECT ddb.import_table('{"S3BucketSource": {"S3Bucket": "my-bucket", "S3KeyPrefix": "a\u0000b"}, "InputFormat": "DYNAMODB_JSON",
    "TableCreationParameters": {"TableName": "imported", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}}');
-- Invalid input: what CreateTable refuses
SELECT ddb.import_table(jsonb_set(import_request('imported'), '{TableCreationParameters,BillingMode}', '"PROVISIONED"'));
SELECT ddb.import_table(jsonb_set(import_request('imported'), '{TableCreationParameters,OnDemandThroughput}',
    '{"MaxReadRequestUnits": 10}'));
SELECT ddb.import_table(jsonb_set(import_request('imported'), '{TableCreationParameters,TableName}', '"x"'));
-- Invalid input: the table exists
SELECT ddb.create_table('existing', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.import_table(import_request('existing'));
-- Invalid input: the setting unset, or not a directory
SET ddb.export_directory = '';
SELECT ddb.import_table(import_request('imported'));
SET ddb.export_directory = '/nonexistent/ddb-import-root';
SELECT ddb.import_table(import_request('imported'));
SELECT set_config('ddb.export_directory', current_setting('data_directory'), false) IS NOT NULL AS set;

-- Invalid input: DescribeImport and ListImports
SELECT ddb.describe_import('{}');
SELECT ddb.describe_import('{"ImportArn": "arn:aws"}');
SELECT ddb.describe_import('{"ImportArn": "arn:aws:dynamodb:us-east-1:000000000000:table/none/import/01796577751208-1c48d709"}');
SELECT ddb.list_imports('{"PageSize": 0}');
SELECT ddb.list_imports('{"PageSize": 26, "TableArn": ""}');
SELECT ddb.list_imports('{"NextToken": "xyz"}');
SELECT ddb.list_imports(jsonb_build_object('NextToken', repeat('0123456789abcdef', 7)));
SELECT ddb.list_imports('{"Limit": 1}');

-- An import in progress, seen inside its transaction
\set ON_ERROR_ROLLBACK on
BEGIN;
SELECT import_shape(ddb.import_table(import_request('imported', '{"ClientToken": "token-1",
    "InputFormat": "CSV", "InputCompressionType": "GZIP",
    "InputFormatOptions": {"Csv": {"Delimiter": ";", "HeaderList": ["pk", "name"]}}}')) -> 'ImportTableDescription');
SELECT ddb.describe_table('{"TableName": "imported"}') -> 'Table' ->> 'TableStatus' AS status;
-- Invalid input: the table is CREATING: data-plane calls do not find it, DeleteTable and UpdateTable refuse it
SELECT ddb.get_item('{"TableName": "imported", "Key": {"pk": {"S": "a"}}}');
SELECT ddb.put_item('{"TableName": "imported", "Item": {"pk": {"S": "a"}}}');
SELECT ddb.delete_table('{"TableName": "imported"}');
SELECT ddb.update_table('{"TableName": "imported", "DeletionProtectionEnabled": true}');
SELECT ddb.create_backup('{"TableName": "imported", "BackupName": "during-import"}');
-- the table is the caller's
SELECT c.relowner::regrole FROM ddb.tables t JOIN pg_class c ON c.oid = t.item_table
 WHERE t.table_name = 'imported';
-- the same ClientToken and parameters: the same import
SELECT ddb.import_table(import_request('imported', '{"ClientToken": "token-1",
    "InputFormat": "CSV", "InputCompressionType": "GZIP",
    "InputFormatOptions": {"Csv": {"Delimiter": ";", "HeaderList": ["pk", "name"]}}}'))
     = ddb.describe_import(jsonb_build_object('ImportArn', (SELECT import_arn FROM ddb.imports WHERE table_name = 'imported'))) AS same;
-- Invalid input: the same ClientToken with other parameters
SELECT ddb.import_table(import_request('imported-2', '{"ClientToken": "token-1"}'));
-- more imports, by another role (which owns its table)
SET ROLE regress_ddb_importer;
SELECT ddb.import_table(import_request('imported-2')) -> 'ImportTableDescription' ->> 'ImportStatus' AS status;
RESET ROLE;
SELECT c.relowner::regrole FROM ddb.tables t JOIN pg_class c ON c.oid = t.item_table
 WHERE t.table_name = 'imported-2';
SELECT ddb.import_table(import_request('imported-3', '{"InputCompressionType": "ZSTD"}')) -> 'ImportTableDescription' ->> 'ImportStatus' AS status;
-- listing: all, by table, a page at a time
SELECT jsonb_array_length(ddb.list_imports('{}') -> 'ImportSummaryList') AS imports;
SELECT import_shape(s) FROM jsonb_array_elements(ddb.list_imports(
    '{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/imported-2"}') -> 'ImportSummaryList') s;
SELECT ddb.list_imports('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/none"}');
CREATE TEMP TABLE pages AS SELECT ddb.list_imports('{"PageSize": 2}') AS page;
SELECT jsonb_array_length(page -> 'ImportSummaryList') AS imports, page ->> 'NextToken' ~ '^([0-9a-f]{16})+$' AS token,
       length(page ->> 'NextToken') >= 112 AS long_enough FROM pages;
SELECT s ->> 'TableArn' AS table_arn
  FROM jsonb_array_elements((SELECT ddb.list_imports(jsonb_build_object('PageSize', 2, 'NextToken', page -> 'NextToken'))
                               FROM pages) -> 'ImportSummaryList') s;
SELECT ddb.list_imports(jsonb_build_object('PageSize', 2, 'NextToken', page -> 'NextToken')) ? 'NextToken' AS more FROM pages;
-- Invalid input: more than 50 imports in progress
DO $$
BEGIN
    FOR i IN 4..50 LOOP
        PERFORM ddb.import_table(import_request('imported-' || i));
    END LOOP;
END
$$;
SELECT ddb.import_table(import_request('imported-51'));
ROLLBACK;
\set ON_ERROR_ROLLBACK off
SELECT count(*) AS imports FROM ddb.imports;

-- An import the worker runs: a bucket that is not there fails it, and its table is deleted
CREATE PROCEDURE wait_for_import(arn text) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..600 LOOP
        IF (SELECT status FROM ddb.imports WHERE import_arn = arn) <> 'IN_PROGRESS' THEN
            RETURN;
        END IF;
        COMMIT;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RAISE WARNING 'import % still in progress after 60 s', arn;
END
$$;
CREATE TEMP TABLE started AS
SELECT ddb.import_table(import_request('no-bucket',
    '{"S3BucketSource": {"S3Bucket": "no-such-bucket-here", "S3KeyPrefix": "x/"}}')) -> 'ImportTableDescription' ->> 'ImportArn' AS arn;
SELECT arn AS import_arn FROM started \gset
CALL wait_for_import(:'import_arn');
SELECT import_shape(ddb.describe_import(jsonb_build_object('ImportArn', arn)) -> 'ImportTableDescription') - 'TableCreationParameters'
  FROM started;
-- Invalid input: the table of a failed import is gone
SELECT ddb.describe_table('{"TableName": "no-bucket"}');
-- it is still listed
SELECT s ->> 'ImportStatus' AS status FROM jsonb_array_elements(ddb.list_imports('{}') -> 'ImportSummaryList') s;

-- through ddb.call
SELECT ddb.call('DescribeImport', jsonb_build_object('ImportArn', arn)) -> 'ImportTableDescription' ->> 'ImportStatus' AS status
  FROM started;
SELECT jsonb_array_length(ddb.call('ListImports', '{}') -> 'ImportSummaryList') AS imports;

DROP TABLE started;
DELETE FROM ddb.imports;
SELECT ddb.delete_table('{"TableName": "existing"}') IS NOT NULL AS deleted;
DROP PROCEDURE wait_for_import(text);
DROP FUNCTION import_request(text, jsonb);
DROP FUNCTION import_shape(jsonb);
REVOKE CREATE ON SCHEMA ddb_data FROM regress_ddb_importer;
DROP ROLE regress_ddb_importer;
RESET ddb.export_directory;
