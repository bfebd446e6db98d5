-- export: ExportTableToPointInTime, DescribeExport and ListExports with
-- DynamoDB's shapes, statuses and errors: parameters, the setting
-- ddb.export_directory (the data directory here, bucket
-- ddb-regress-export), privileges, point-in-time recovery, ExportTime,
-- ClientToken idempotency, exports the background worker completes or
-- fails, and listing with paging. The files themselves are checked by
-- test/export_layout.sh.
\set VERBOSITY terse

-- ARNs, ids and times vary from run to run
CREATE FUNCTION ex_mask(j jsonb) RETURNS jsonb LANGUAGE sql AS $$
SELECT regexp_replace(regexp_replace(regexp_replace(j::text,
    '"(StartTime|EndTime|ExportTime|ExportFromTime|ExportToTime)": [0-9.]+', '"\1": "<time>"', 'g'),
    '"TableId": "[0-9a-f-]{36}"', '"TableId": "<id>"', 'g'),
    '[0-9]{14}-[0-9a-f]{8}', '<ExportId>', 'g')::jsonb
$$;
CREATE FUNCTION ex_error(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || regexp_replace(SQLERRM, '[0-9]{14}-[0-9a-f]{8}', '<ExportId>', 'g');
END
$$;
-- the status of an export once the worker is done with it
CREATE FUNCTION ex_wait(arn text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    d jsonb;
BEGIN
    FOR i IN 1..600 LOOP
        d := ddb.describe_export(jsonb_build_object('ExportArn', arn));
        EXIT WHEN d -> 'ExportDescription' ->> 'ExportStatus' <> 'IN_PROGRESS';
        PERFORM pg_sleep(0.1);
    END LOOP;
    RETURN d;
END
$$;
CREATE TABLE ex_arns (name text PRIMARY KEY, arn text);

SELECT ddb.create_table('ex_items', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
SELECT ddb.put('ex_items', '{"pk": "a", "sk": 1, "v": "one"}');
SELECT ddb.put('ex_items', '{"pk": "a", "sk": 2, "v": "two"}');
SELECT ddb.create_table('ex_nopitr', partition_key => 'pk') IS NOT NULL AS created;

-- Invalid input: exports are refused while ddb.export_directory is unset
SHOW ddb.export_directory;
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export"}')$$);
-- Invalid input: a relative directory, and one that does not exist
SET ddb.export_directory = 'relative/dir';
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export"}')$$);
SET ddb.export_directory = '/nonexistent/ddb/exports';
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export"}')$$);
SELECT set_config('ddb.export_directory', current_setting('data_directory'), false) IS NOT NULL AS set;

-- Invalid input: point-in-time recovery is off
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_nopitr", "S3Bucket": "ddb-regress-export"}')$$);

SELECT ddb.update_continuous_backups('{"TableName": "ex_items",
    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}') -> 'ContinuousBackupsDescription' ->> 'ContinuousBackupsStatus' AS pitr;

-- Invalid input: parameters, with DynamoDB's constraint messages
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "", "S3Bucket": "-bad-"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "a/b"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export",
    "S3BucketOwner": "12345", "S3SseAlgorithm": "DES", "ExportFormat": "CSV", "ExportType": "PARTIAL", "ClientToken": "a$b"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "S3SseKmsKeyId": ""}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "Bogus": 1}')$$);
-- Invalid input: ExportTime must be a number
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportTime": "yesterday"}')$$);
-- Invalid input: ION is not supported
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportFormat": "ION"}')$$);
-- Invalid input: IncrementalExportSpecification goes with INCREMENTAL_EXPORT, and ExportTime does not
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export",
    "IncrementalExportSpecification": {"ExportFromTime": 1000}}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "ExportTime": 1000, "IncrementalExportSpecification": {"ExportFromTime": 1000}}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportViewType": "NEW_IMAGE"}}')$$);
-- Invalid input: the specification's members
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportFromTime": 1000, "ExportViewType": "OLD_IMAGE"}}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportFromTime": "then"}}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportFromTime": 1000, "ExportToTime": true}}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportFromTime": 1000, "Since": 1}}')$$);
-- Invalid input: the period: ExportFromTime before ExportToTime, at most 24 hours
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportFromTime": 2000, "ExportToTime": 2000}}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportFromTime": 2000, "ExportToTime": 88401}}')$$);
-- Invalid input: an S3Prefix that would leave the bucket's directory
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "S3Prefix": "/etc"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "S3Prefix": "a/../../b"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "S3Prefix": ".."}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "S3Prefix": "a//b"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "S3Prefix": "a/./b"}')$$);
SELECT ex_error($$SELECT ddb.call_text('ExportTableToPointInTime', '{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "S3Prefix": "a\u0000b"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "S3Prefix": "a\nb"}')$$);
-- Invalid input: unknown tables, by a name or an ARN of another table
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_missing", "S3Bucket": "ddb-regress-export"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "ex_items", "S3Bucket": "ddb-regress-export"}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:eu-west-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export"}')$$);
-- Invalid input: ExportTime before the earliest restorable time, or in the future
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportTime": 1000}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportTime": 99999999999}')$$);
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportTime": 1e300}')$$);
-- Invalid input: ExportFromTime before the earliest restorable time, ExportToTime in the future
SELECT ex_error(format($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportFromTime": %s}}')$$, extract(epoch FROM now() - interval '1 hour')));
SELECT ex_error(format($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export", "ExportType": "INCREMENTAL_EXPORT",
    "IncrementalExportSpecification": {"ExportFromTime": %s, "ExportToTime": %s}}')$$,
    extract(epoch FROM now() + interval '1 hour'), extract(epoch FROM now() + interval '2 hours')));

-- Invalid input: privileges: SELECT on the table, and pg_write_server_files
CREATE ROLE regress_ex_reader;
CREATE ROLE regress_ex_writer IN ROLE pg_write_server_files;
GRANT SELECT ON ddb_data.ex_items TO regress_ex_reader;
SET ROLE regress_ex_reader;
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export"}')$$);
RESET ROLE;
SET ROLE regress_ex_writer;
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "S3Bucket": "ddb-regress-export"}')$$);
RESET ROLE;
-- only superusers set the directory
SET ROLE regress_ex_writer;
SELECT ex_error($$SET ddb.export_directory = '/tmp'$$);
RESET ROLE;

-- an export: IN_PROGRESS, then COMPLETED by the worker, with its manifest
INSERT INTO ex_arns
SELECT 'first', d -> 'ExportDescription' ->> 'ExportArn'
  FROM ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items",
        "S3Bucket": "ddb-regress-export", "S3Prefix": "regress/", "ClientToken": "regress-token-1"}') d;
SELECT ex_mask(ddb.describe_export(jsonb_build_object('ExportArn', arn))) ->> 'ExportDescription' IS NOT NULL AS described,
       ddb.describe_export(jsonb_build_object('ExportArn', arn)) -> 'ExportDescription' ->> 'ExportStatus' IN ('IN_PROGRESS', 'COMPLETED') AS status_ok
  FROM ex_arns WHERE name = 'first';
SELECT ex_mask(ex_wait(arn)) FROM ex_arns WHERE name = 'first';

-- the same ClientToken and parameters: the same export
SELECT d -> 'ExportDescription' ->> 'ExportArn' = (SELECT arn FROM ex_arns WHERE name = 'first') AS same_export
  FROM ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items",
        "S3Bucket": "ddb-regress-export", "S3Prefix": "regress/", "ClientToken": "regress-token-1"}') d;
-- Invalid input: the same ClientToken with other parameters
SELECT ex_error($$SELECT ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items",
        "S3Bucket": "ddb-regress-export", "S3Prefix": "other/", "ClientToken": "regress-token-1"}')$$);

-- a member of pg_write_server_files with SELECT, at a given ExportTime,
-- through ddb.call; every parameter echoed
GRANT SELECT ON ddb_data.ex_items TO regress_ex_writer;
GRANT INSERT ON ex_arns TO regress_ex_writer;
SET ROLE regress_ex_writer;
INSERT INTO ex_arns
SELECT 'second', d -> 'ExportDescription' ->> 'ExportArn'
  FROM ddb.call('ExportTableToPointInTime', jsonb_build_object(
        'TableArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/ex_items',
        'S3Bucket', 'ddb-regress-export', 'S3Prefix', 'regress/second', 'S3BucketOwner', '123456789012',
        'S3SseAlgorithm', 'KMS', 'S3SseKmsKeyId', 'alias/exports', 'ExportFormat', 'DYNAMODB_JSON',
        'ExportType', 'FULL_EXPORT', 'ClientToken', 'regress-token-2',
        'ExportTime', trunc(extract(epoch FROM now()), 3))) d;
RESET ROLE;
SELECT ex_mask(ex_wait(arn)) FROM ex_arns WHERE name = 'second';

-- an incremental export of the changes since an instant: the updated item
-- with its old and new images, the new one with its new image
SELECT pg_sleep(0.01);
CREATE TABLE ex_instant AS SELECT round(extract(epoch FROM clock_timestamp()), 3) + 0.001 AS since;
SELECT pg_sleep(0.01);
SELECT ddb.put('ex_items', '{"pk": "a", "sk": 2, "v": "two, again"}');
SELECT ddb.put('ex_items', '{"pk": "b", "sk": 1}');
INSERT INTO ex_arns
SELECT 'incremental', d -> 'ExportDescription' ->> 'ExportArn'
  FROM ddb.export_table_to_point_in_time(jsonb_build_object(
        'TableArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/ex_items',
        'S3Bucket', 'ddb-regress-export', 'S3Prefix', 'regress/incremental', 'ClientToken', 'regress-token-5',
        'ExportType', 'INCREMENTAL_EXPORT',
        'IncrementalExportSpecification', jsonb_build_object('ExportFromTime', (SELECT since FROM ex_instant)))) d;
SELECT ex_mask(ex_wait(arn)) FROM ex_arns WHERE name = 'incremental';
SELECT (ex_wait(arn) -> 'ExportDescription' -> 'IncrementalExportSpecification' ->> 'ExportFromTime')::numeric
       = (SELECT since FROM ex_instant) AS from_time_echoed
  FROM ex_arns WHERE name = 'incremental';

-- an export whose directory cannot be made (the bucket's name is a file):
-- FAILED, with FailureCode and FailureMessage
DO $$
BEGIN
    EXECUTE format('COPY (SELECT 1) TO %L', current_setting('data_directory') || '/ddb-regress-file');
END
$$;
INSERT INTO ex_arns
SELECT 'failed', d -> 'ExportDescription' ->> 'ExportArn'
  FROM ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items",
        "S3Bucket": "ddb-regress-file", "ClientToken": "regress-token-3"}') d;
SELECT d -> 'ExportDescription' ->> 'ExportStatus' AS status,
       d -> 'ExportDescription' ->> 'FailureCode' AS failure_code,
       d -> 'ExportDescription' ->> 'FailureMessage' LIKE '%is not a directory under ddb.export_directory' AS failure_message,
       d -> 'ExportDescription' ? 'ExportManifest' AS has_manifest,
       d -> 'ExportDescription' ? 'EndTime' AS has_end_time
  FROM ex_arns, ex_wait(arn) d WHERE name = 'failed';

-- a table deleted before the worker writes its export: FAILED
SELECT ddb.create_table('ex_gone', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.update_continuous_backups('{"TableName": "ex_gone",
    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}') IS NOT NULL AS enabled;
BEGIN;
INSERT INTO ex_arns
SELECT 'gone', d -> 'ExportDescription' ->> 'ExportArn'
  FROM ddb.export_table_to_point_in_time('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_gone",
        "S3Bucket": "ddb-regress-export", "ClientToken": "regress-token-4"}') d;
SELECT ddb.delete_table('{"TableName": "ex_gone"}') -> 'TableDescription' ->> 'TableStatus' AS deleted;
COMMIT;
SELECT d -> 'ExportDescription' ->> 'ExportStatus' AS status,
       d -> 'ExportDescription' ->> 'FailureCode' AS failure_code,
       d -> 'ExportDescription' ->> 'FailureMessage' AS failure_message
  FROM ex_arns, ex_wait(arn) d WHERE name = 'gone';

-- DescribeExport
-- Invalid input: ExportArn missing, too short, unknown
SELECT ex_error($$SELECT ddb.describe_export('{}')$$);
SELECT ex_error($$SELECT ddb.describe_export('{"ExportArn": "arn:short"}')$$);
SELECT ex_error($$SELECT ddb.describe_export('{"ExportArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items/export/01234567890123-abcdef01"}')$$);
SELECT ex_error($$SELECT ddb.describe_export('{"ExportArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items/export/x", "Extra": true}')$$);

-- ListExports: all, by table, a page at a time
SELECT ex_mask(ddb.list_exports('{}'));
SELECT ex_mask(ddb.call('ListExports', '{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_gone"}'));
SELECT ex_mask(ddb.list_exports('{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_missing"}'));
DO $$
DECLARE
    request jsonb := '{"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ex_items", "MaxResults": 1}';
    page jsonb;
    pages int := 0;
    seen text[] := '{}';
BEGIN
    LOOP
        page := ddb.list_exports(request);
        pages := pages + 1;
        seen := seen || ARRAY(SELECT e ->> 'ExportArn' FROM jsonb_array_elements(page -> 'ExportSummaries') e);
        EXIT WHEN page -> 'NextToken' IS NULL OR pages > 10;
        request := request || jsonb_build_object('NextToken', page -> 'NextToken');
    END LOOP;
    RAISE NOTICE 'pages %, exports %, in order %', pages, cardinality(seen),
        seen = ARRAY(SELECT arn FROM ex_arns WHERE name IN ('first', 'second', 'failed', 'incremental')
                      ORDER BY split_part(arn, '/export/', 2));
END
$$;
-- Invalid input: MaxResults out of range, a malformed NextToken
SELECT ex_error($$SELECT ddb.list_exports('{"MaxResults": 0}')$$);
SELECT ex_error($$SELECT ddb.list_exports('{"MaxResults": 26}')$$);
SELECT ex_error($$SELECT ddb.list_exports('{"NextToken": "garbage"}')$$);
SELECT ex_error($$SELECT ddb.list_exports('{"TableArn": ""}')$$);

-- the catalog is the API's: other roles read it through DescribeExport and ListExports
SET ROLE regress_ex_reader;
SELECT ex_error($$SELECT count(*) FROM ddb.exports$$);
SELECT jsonb_array_length(ddb.list_exports('{}') -> 'ExportSummaries') AS listed;
RESET ROLE;

RESET ddb.export_directory;
DROP TABLE ex_arns;
DROP TABLE ex_instant;
REVOKE SELECT ON ddb_data.ex_items FROM regress_ex_reader, regress_ex_writer;
DROP ROLE regress_ex_reader;
DROP ROLE regress_ex_writer;
SELECT ddb.delete_table('{"TableName": "ex_items"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "ex_nopitr"}') IS NOT NULL AS deleted;
DROP FUNCTION ex_mask(jsonb);
DROP FUNCTION ex_error(text);
DROP FUNCTION ex_wait(text);
