-- tables: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable, tags
\set VERBOSITY terse

-- A table with a partition key and a sort key, on demand
SELECT jsonb_pretty(mask(ddb.create_table('{
  "TableName": "Music",
  "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"},
                {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"},
                           {"AttributeName": "SongTitle", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST"}')));

-- A provisioned table with a numeric partition key, via ddb.call
SELECT jsonb_pretty(mask(ddb.call('CreateTable', '{
  "TableName": "Counters.v1",
  "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}],
  "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 10},
  "Tags": [{"Key": "team", "Value": "core"}]}')));

-- The short form, binary keys
SELECT mask(ddb.create_table('blobs', partition_key => 'h', partition_key_type => 'B',
                             sort_key => 'r', sort_key_type => 'N')) -> 'TableDescription' -> 'KeySchema';

-- The item tables: typed key columns and the item
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attcollation <> 0 AS has_collation
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = 'ddb_data'::regnamespace AND a.attnum > 0
 ORDER BY c.relname, a.attnum;
SELECT table_name, item_table, hash_key, hash_key_type, range_key, range_key_type, billing_mode
  FROM ddb.tables ORDER BY table_name;

-- DescribeTable
SELECT jsonb_pretty(mask(ddb.describe_table('{"TableName": "Counters.v1"}')));
SELECT ddb.describe_table('{"TableName": "Music"}') -> 'Table' -> 'TableArn';
SELECT (ddb.describe_table('{"TableName": "Music"}') -> 'Table' ->> 'TableId') ~ '^[0-9a-f-]{36}$' AS uuid_table_id;
SELECT jsonb_typeof(ddb.describe_table('{"TableName": "Music"}') -> 'Table' -> 'CreationDateTime') AS epoch_number;
-- A table ARN works wherever a table name does
SELECT ddb.describe_table('{"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/Music"}') -> 'Table' -> 'TableName';
-- ARNs follow the region and account settings
SET ddb.region = 'eu-west-1';
SET ddb.account_id = '123456789012';
SELECT ddb.describe_table('{"TableName": "Music"}') -> 'Table' -> 'TableArn';
RESET ddb.region;
RESET ddb.account_id;
-- ItemCount comes from the planner's statistics, refreshed by ANALYZE
SELECT ddb.put('Music', '{"Artist": "No One You Know", "SongTitle": "Call Me Today"}');
SELECT ddb.put('Music', '{"Artist": "Acme Band", "SongTitle": "Happy Day"}');
ANALYZE ddb_data."Music";
SELECT ddb.describe_table('{"TableName": "Music"}') -> 'Table' -> 'ItemCount';

-- Invalid input: missing table
SELECT ddb.describe_table('{"TableName": "nope"}');
-- Invalid input: bad names
SELECT ddb.describe_table('{"TableName": "ab"}');
SELECT ddb.describe_table('{"TableName": "bad name!"}');
SELECT ddb.describe_table(jsonb_build_object('TableName', repeat('x', 256)));
SELECT ddb.describe_table('{}');
-- Invalid input: wrong JSON types and unknown parameters
SELECT ddb.describe_table('{"TableName": 5}');
SELECT ddb.describe_table('{"TableName": "Music", "Foo": 1}');
SELECT ddb.describe_table('[1]');
SELECT ddb.describe_table('{"TableName": ');
SELECT ddb.call('DescribeTables', '{}');

-- ListTables: sorted by bytes, paged
SELECT ddb.list_tables('{}');
SELECT ddb.list_tables('{"Limit": 2}');
SELECT ddb.list_tables('{"Limit": 2, "ExclusiveStartTableName": "Music"}');
SELECT ddb.list_tables('{"ExclusiveStartTableName": "blobs"}');
-- Invalid input: limits
SELECT ddb.list_tables('{"Limit": 0}');
SELECT ddb.list_tables('{"Limit": 101}');
SELECT ddb.list_tables('{"Limit": "ten"}');

-- Invalid input: CreateTable
SELECT ddb.create_table('{"TableName": "Music", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [], "AttributeDefinitions": [], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}, {"AttributeName": "c", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "PRIMARY"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "X"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "b", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "a", "AttributeType": "N"}], "BillingMode": "PAY_PER_REQUEST"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}]}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}], "BillingMode": "PROVISIONED"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
  "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}],
  "ProvisionedThroughput": {"ReadCapacityUnits": 0}}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}], "BillingMode": "FREE"}');
SELECT ddb.create_table('{"TableName": "tbl1", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
  "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
  "GlobalSecondaryIndexes": []}');
SELECT ddb.create_table('{"KeySchema": "a"}');
-- nothing above created a table
SELECT count(*) FROM ddb.tables WHERE table_name = 'tbl1';

-- Long table and attribute names fit PostgreSQL's 63-byte identifiers
SELECT ddb.create_table(repeat('L', 255), partition_key => repeat('k', 255), sort_key => 'item') -> 'TableDescription' -> 'TableName' = to_jsonb(repeat('L', 255)) AS created;
SELECT (SELECT length(relname) FROM pg_class WHERE oid = item_table), hash_key_column, range_key_column FROM ddb.tables WHERE table_name = repeat('L', 255);
SELECT ddb.put(repeat('L', 255), jsonb_build_object(repeat('k', 255), 'a', 'item', 'b', 'x', 1));
SELECT ddb.get(repeat('L', 255), jsonb_build_object(repeat('k', 255), 'a', 'item', 'b')) -> 'x';

-- UpdateTable: throughput, billing mode, table class, deletion protection
SELECT mask(ddb.update_table('{"TableName": "Counters.v1", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5}}')) -> 'TableDescription' -> 'ProvisionedThroughput';
SELECT mask(ddb.update_table('{"TableName": "Counters.v1", "BillingMode": "PAY_PER_REQUEST"}')) -> 'TableDescription' -> 'BillingModeSummary';
SELECT mask(ddb.describe_table('{"TableName": "Counters.v1"}')) -> 'Table' -> 'ProvisionedThroughput';
SELECT mask(ddb.update_table('{"TableName": "Counters.v1", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 3}}')) -> 'TableDescription' -> 'BillingModeSummary';
SELECT ddb.update_table('{"TableName": "Music", "TableClass": "STANDARD_INFREQUENT_ACCESS", "DeletionProtectionEnabled": true}') -> 'TableDescription' -> 'TableClassSummary';
-- Invalid input: UpdateTable
SELECT ddb.update_table('{"TableName": "Counters.v1"}');
SELECT ddb.update_table('{"TableName": "Counters.v1", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 3}}');
SELECT ddb.update_table('{"TableName": "Music", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 3}}');
SELECT ddb.update_table('{"TableName": "Music", "BillingMode": "PROVISIONED"}');
SELECT ddb.update_table('{"TableName": "nope", "BillingMode": "PROVISIONED"}');
SELECT ddb.update_table('{"TableName": "Music", "TableClass": "GLACIER"}');

-- Tags
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music",
  "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "owner", "Value": "audio team"}]}') IS NULL AS no_body;
SELECT ddb.list_tags_of_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music"}');
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music",
  "Tags": [{"Key": "env", "Value": "staging"}]}');
SELECT ddb.untag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music", "TagKeys": ["owner", "absent"]}');
SELECT ddb.list_tags_of_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music"}');
SELECT ddb.list_tags_of_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Counters.v1"}');
-- Invalid input: tags
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/nope", "Tags": [{"Key": "a", "Value": "b"}]}');
SELECT ddb.tag_resource('{"ResourceArn": "Music", "Tags": [{"Key": "a", "Value": "b"}]}');
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music"}');
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music", "Tags": [{"Key": "", "Value": "b"}]}');
SELECT ddb.tag_resource(jsonb_build_object('ResourceArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/Music', 'Tags', jsonb_build_array(jsonb_build_object('Key', repeat('k', 129), 'Value', 'v'))));
SELECT ddb.tag_resource(jsonb_build_object('ResourceArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/Music', 'Tags', jsonb_build_array(jsonb_build_object('Key', 'k', 'Value', repeat('v', 257)))));
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music", "Tags": [{"Key": "a*b", "Value": "b"}]}');
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music", "Tags": [{"Key": "aws:x", "Value": "b"}]}');
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music", "Tags": [{"Key": "a", "Value": "b"}, {"Key": "a", "Value": "c"}]}');
SELECT ddb.tag_resource(jsonb_build_object('ResourceArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/Music',
  'Tags', (SELECT jsonb_agg(jsonb_build_object('Key', 'k' || i, 'Value', 'v')) FROM generate_series(1, 49) i)));
SELECT count(*) FROM ddb.table_tags WHERE table_name = 'Music';
-- Invalid input: the 51st tag
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music", "Tags": [{"Key": "one-more", "Value": "v"}]}');
-- replacing a value is not a new tag
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music", "Tags": [{"Key": "k1", "Value": "new"}]}');
SELECT count(*), max(tag_value) FROM ddb.table_tags WHERE table_name = 'Music';
-- Invalid input: far more tags than a table may have, at once; a repeat among them
SELECT ddb.tag_resource(jsonb_build_object('ResourceArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/Music',
  'Tags', (SELECT jsonb_agg(jsonb_build_object('Key', 'many' || i, 'Value', 'v')) FROM generate_series(1, 100000) i)));
SELECT ddb.tag_resource(jsonb_build_object('ResourceArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/Music',
  'Tags', (SELECT jsonb_agg(jsonb_build_object('Key', 'many' || (i % 99999), 'Value', 'v')) FROM generate_series(1, 100000) i)));
SELECT count(*) FROM ddb.table_tags WHERE table_name = 'Music';
-- untagging many keys at once
SELECT ddb.untag_resource(jsonb_build_object('ResourceArn', 'arn:aws:dynamodb:us-east-1:000000000000:table/Music',
  'TagKeys', (SELECT jsonb_agg('k' || i) FROM generate_series(40, 100000) i)));
SELECT count(*) FROM ddb.table_tags WHERE table_name = 'Music';
SELECT ddb.untag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music"}');
SELECT ddb.list_tags_of_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/nope"}');

-- A session that creates, uses and deletes tables keeps no metadata of them
SELECT count(*) AS created FROM (SELECT ddb.create_table('churn' || i, partition_key => 'pk') FROM generate_series(1, 20) i) t;
SELECT count(*) AS written FROM (SELECT ddb.put('churn' || i, '{"pk": "a"}') FROM generate_series(1, 20) i) t;
SELECT count(*) AS cached FROM pg_backend_memory_contexts WHERE name = 'ddb table metadata';
SELECT count(*) AS deleted FROM (SELECT ddb.delete_table(jsonb_build_object('TableName', 'churn' || i)) FROM generate_series(1, 20) i) t;
SELECT count(*) AS cached FROM pg_backend_memory_contexts WHERE name = 'ddb table metadata';

-- Key attributes named like system columns, and a table named like another
-- table's primary key index, are ordinary names
SELECT ddb.create_table('sys_names', partition_key => 'ctid', sort_key => 'xmin') IS NOT NULL AS created;
-- Invalid input: a numeric key column given a precision would round keys
SELECT ddb.create_table('typmod', partition_key => 'pk', sort_key => 'sk', sort_key_type => 'N') IS NOT NULL AS created;
ALTER TABLE ddb_data.typmod ALTER COLUMN sk TYPE numeric(5,0);
SELECT ddb.delete_table('{"TableName": "typmod"}') -> 'TableDescription' -> 'TableName';
-- tables that are not item tables are not checked
CREATE TABLE public.not_an_item_table (x int);
ALTER TABLE public.not_an_item_table ADD COLUMN y int, ALTER COLUMN x TYPE numeric(5,0);
ALTER TABLE public.not_an_item_table RENAME COLUMN x TO z;
DROP TABLE public.not_an_item_table;
SELECT ddb.put('sys_names', '{"ctid": "a", "xmin": "b", "tableoid": 1}');
SELECT ddb.get('sys_names', '{"ctid": "a", "xmin": "b"}');
SELECT ddb.create_table('idx', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.create_table('idx_pkey', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put('idx_pkey', '{"pk": "in idx_pkey"}');
SELECT ddb.get('idx_pkey', '{"pk": "in idx_pkey"}'), ddb.get('idx', '{"pk": "in idx_pkey"}');
SELECT table_name, item_table::text ~ '^ddb_data."idx_pkey~[0-9a-f]{8}"$' AS hashed_name, hash_key_column, range_key_column
  FROM ddb.tables WHERE table_name IN ('sys_names', 'idx', 'idx_pkey') ORDER BY 1;
SELECT count(*) AS deleted FROM (SELECT ddb.delete_table(jsonb_build_object('TableName', t))
  FROM unnest(ARRAY['sys_names', 'idx', 'idx_pkey']) t) d;

-- An item table renamed with SQL takes its DynamoDB table along; one moved
-- out of schema ddb_data is refused
SELECT ddb.create_table('renamed', partition_key => 'pk') IS NOT NULL AS created;
SELECT ddb.put('renamed', '{"pk": "a"}');
ALTER TABLE ddb_data.renamed RENAME TO renamed_by_sql;
SELECT item_table FROM ddb.tables WHERE table_name = 'renamed';
SELECT ddb.get('renamed', '{"pk": "a"}');
SELECT ddb.describe_table('{"TableName": "renamed"}') -> 'Table' -> 'ItemCount' IS NOT NULL AS described;
ALTER TABLE ddb_data.renamed_by_sql SET SCHEMA public;
ALTER TABLE ddb_data.renamed_by_sql RENAME COLUMN pk TO partition;
ALTER TABLE ddb_data.renamed_by_sql RENAME COLUMN item TO doc;
ALTER TABLE ddb_data.renamed_by_sql ALTER COLUMN pk TYPE text COLLATE "POSIX";
ALTER TABLE ddb_data.renamed_by_sql ALTER COLUMN pk TYPE varchar;
ALTER TABLE ddb_data.renamed_by_sql DROP COLUMN item CASCADE;
ALTER TABLE ddb_data.renamed_by_sql ALTER COLUMN pk DROP EXPRESSION;
ALTER TABLE ddb_data.renamed_by_sql DROP CONSTRAINT renamed_pkey;
ALTER TABLE ddb_data.renamed_by_sql ALTER COLUMN item DROP NOT NULL;
ALTER VIEW ddb_data.renamed_by_sql RENAME COLUMN item TO doc;
ALTER FOREIGN TABLE ddb_data.renamed_by_sql RENAME COLUMN pk TO partition;
-- ALTER INDEX can rename a table too; the DynamoDB table follows
ALTER INDEX ddb_data.renamed_by_sql RENAME TO renamed_again;
SELECT item_table FROM ddb.tables WHERE table_name = 'renamed';
ALTER TABLE ddb_data.renamed_again RENAME TO renamed_by_sql;
-- other changes are the table owner's business
ALTER TABLE ddb_data.renamed_by_sql ADD COLUMN note text;
SELECT ddb.get('renamed', '{"pk": "a"}');
SELECT ddb.delete_table('{"TableName": "renamed"}') -> 'TableDescription' -> 'TableName';
SELECT count(*) FROM pg_class WHERE relname = 'renamed_by_sql';

-- DeleteTable
-- Invalid input: deletion protection
SELECT ddb.delete_table('{"TableName": "Music"}');
SELECT ddb.update_table('{"TableName": "Music", "DeletionProtectionEnabled": false}') IS NOT NULL AS updated;
SELECT jsonb_pretty(mask(ddb.delete_table('{"TableName": "Music"}')));
SELECT count(*) FROM pg_class WHERE relnamespace = 'ddb_data'::regnamespace AND relname = 'Music';
SELECT count(*) FROM ddb.table_tags WHERE table_name = 'Music';
-- Invalid input: already gone
SELECT ddb.delete_table('{"TableName": "Music"}');
SELECT ddb.get_item('{"TableName": "Music", "Key": {"Artist": {"S": "a"}, "SongTitle": {"S": "b"}}}');
-- Re-creating a deleted table gives a fresh, empty table
SELECT ddb.create_table('Music', partition_key => 'Artist') IS NOT NULL AS recreated;
SELECT ddb.get_item('{"TableName": "Music", "Key": {"Artist": {"S": "No One You Know"}}}');
-- An item table dropped with plain SQL takes its DynamoDB table along
SELECT ddb.create_table('dropped', partition_key => 'id') IS NOT NULL AS created;
DROP TABLE ddb_data.dropped;
SELECT count(*) FROM ddb.tables WHERE table_name = 'dropped';
-- Invalid input: the table is gone for the API too
SELECT ddb.describe_table('{"TableName": "dropped"}');
SELECT ddb.get_item('{"TableName": "dropped", "Key": {"id": {"S": "1"}}}');
-- DDL is transactional
BEGIN;
SELECT ddb.delete_table('{"TableName": "Music"}') IS NOT NULL AS deleted;
ROLLBACK;
SELECT ddb.describe_table('{"TableName": "Music"}') -> 'Table' -> 'TableName';
SELECT ddb.delete_table('{"TableName": "Music"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "Counters.v1"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table('{"TableName": "blobs"}') IS NOT NULL AS deleted;
SELECT ddb.delete_table(jsonb_build_object('TableName', repeat('L', 255))) IS NOT NULL AS deleted;
SELECT ddb.list_tables('{}');
