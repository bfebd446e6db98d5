-- security: PostgreSQL privileges decide who reads and writes DynamoDB tables
\set VERBOSITY terse

CREATE ROLE regress_ddb_owner;
CREATE ROLE regress_ddb_reader;
CREATE ROLE regress_ddb_nobody;
GRANT CREATE ON SCHEMA ddb_data TO regress_ddb_owner;

-- A role with CREATE on ddb_data creates tables, and owns their item tables
SET ROLE regress_ddb_owner;
SELECT ddb.create_table('secrets', partition_key => 'id') IS NOT NULL AS created;
SELECT ddb.put('secrets', '{"id": "s1", "value": "hunter2"}');
SELECT ddb.get('secrets', '{"id": "s1"}');
RESET ROLE;
SELECT relname, pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'ddb_data'::regnamespace AND relname = 'secrets';

-- Invalid input: a role without privileges can neither read nor write
SET ROLE regress_ddb_nobody;
SELECT ddb.get_item('{"TableName": "secrets", "Key": {"id": {"S": "s1"}}}');
SELECT ddb.put_item('{"TableName": "secrets", "Item": {"id": {"S": "s2"}}}');
SELECT ddb.delete_item('{"TableName": "secrets", "Key": {"id": {"S": "s1"}}}');
SELECT ddb.delete_table('{"TableName": "secrets"}');
SELECT ddb.update_table('{"TableName": "secrets", "TableClass": "STANDARD"}');
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/secrets", "Tags": [{"Key": "a", "Value": "b"}]}');
SELECT ddb.create_table('mine', partition_key => 'id');
-- the catalog itself is read-only
INSERT INTO ddb.tables (table_name) VALUES ('x');
DELETE FROM ddb.tables;
-- metadata stays visible, as ListTables is in DynamoDB
SELECT ddb.list_tables('{}');
RESET ROLE;

-- Granting SELECT allows GetItem, but not PutItem
GRANT SELECT ON ddb_data.secrets TO regress_ddb_reader;
SET ROLE regress_ddb_reader;
SELECT ddb.get_item('{"TableName": "secrets", "Key": {"id": {"S": "s1"}}}');
SELECT ddb.put_item('{"TableName": "secrets", "Item": {"id": {"S": "s2"}}}');
RESET ROLE;

-- Column privileges on the item and key columns are enough, as for SELECT
GRANT SELECT (id, item) ON ddb_data.secrets TO regress_ddb_nobody;
SET ROLE regress_ddb_nobody;
SELECT ddb.get('secrets', '{"id": "s1"}') AS with_column_privileges;
RESET ROLE;
REVOKE SELECT (id, item) ON ddb_data.secrets FROM regress_ddb_nobody;
-- Privileges held through a role end when the membership does
CREATE ROLE regress_ddb_group;
GRANT SELECT ON ddb_data.secrets TO regress_ddb_group;
GRANT regress_ddb_group TO regress_ddb_nobody;
SET ROLE regress_ddb_nobody;
SELECT ddb.get('secrets', '{"id": "s1"}') AS through_role;
RESET ROLE;
REVOKE regress_ddb_group FROM regress_ddb_nobody;
SET ROLE regress_ddb_nobody;
SELECT ddb.get('secrets', '{"id": "s1"}') AS membership_revoked;
RESET ROLE;
REVOKE SELECT ON ddb_data.secrets FROM regress_ddb_group;
DROP ROLE regress_ddb_group;
-- GetItem reads inheritance children, as SELECT does
CREATE TABLE ddb_data.secrets_child () INHERITS (ddb_data.secrets);
INSERT INTO ddb_data.secrets_child (id, item) VALUES ('c1', '{"id": {"S": "c1"}}');
SELECT ddb.get('secrets', '{"id": "c1"}') AS from_child;
DROP TABLE ddb_data.secrets_child;

-- Row-level security applies to every access
ALTER TABLE ddb_data.secrets ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_public ON ddb_data.secrets FOR SELECT TO regress_ddb_reader
    USING (item -> 'public' -> 'BOOL' = 'true');
SELECT ddb.put('secrets', '{"id": "p1", "public": true}');
SET ROLE regress_ddb_reader;
SELECT ddb.get('secrets', '{"id": "s1"}') AS hidden;
SELECT ddb.get('secrets', '{"id": "p1"}') AS visible;
RESET ROLE;

-- Hostile attribute names are data, never SQL
SELECT ddb.create_table('hostile', partition_key => 'x"); DROP TABLE ddb.tables; --',
                        sort_key => $$'; DELETE FROM ddb.tables; --\$$) IS NOT NULL AS created;
SELECT ddb.put('hostile', jsonb_build_object('x"); DROP TABLE ddb.tables; --', 'a',
                                            $$'; DELETE FROM ddb.tables; --\$$, 'b',
                                            'Robert''); DROP TABLE students;--', 'c'));
SELECT ddb.get('hostile', jsonb_build_object('x"); DROP TABLE ddb.tables; --', 'a',
                                            $$'; DELETE FROM ddb.tables; --\$$, 'b'));
SELECT count(*) > 0 AS catalog_intact FROM ddb.tables;
SELECT hash_key_column, range_key_column FROM ddb.tables WHERE table_name = 'hostile';

-- Invalid input: hostile table names are rejected by the name rules
SELECT ddb.create_table('x"; DROP TABLE ddb.tables; --', partition_key => 'id');
SELECT ddb.get_item($${"TableName": "users'; --", "Key": {"id": {"S": "1"}}}$$);

-- A caller's temporary objects never run with the extension owner's rights:
-- types named like the ones ddb's catalog statements use, in pg_temp, each
-- checking values with a function that would make the caller a superuser
SET ROLE regress_ddb_owner;
CREATE FUNCTION pg_temp.escalate() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'hostile code ran as %', current_user;
    EXECUTE 'ALTER ROLE regress_ddb_owner SUPERUSER';
    RETURN true;
EXCEPTION WHEN insufficient_privilege THEN
    RETURN true;
END $$;
CREATE DOMAIN pg_temp.jsonb AS pg_catalog.jsonb CHECK (pg_temp.escalate());
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.escalate());
CREATE DOMAIN pg_temp.date AS pg_catalog.date CHECK (pg_temp.escalate());
CREATE DOMAIN pg_temp.numeric AS pg_catalog.numeric CHECK (pg_temp.escalate());
SELECT ddb.create_table('{"TableName": "temp_bait", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST",
    "Tags": [{"Key": "k", "Value": "v"}]}') -> 'TableDescription' -> 'TableName';
SELECT ddb.describe_table('{"TableName": "temp_bait"}') -> 'Table' -> 'TableStatus';
SELECT ddb.update_table('{"TableName": "temp_bait", "BillingMode": "PROVISIONED",
    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}') -> 'TableDescription' -> 'BillingModeSummary' -> 'BillingMode';
SELECT ddb.tag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/temp_bait", "Tags": [{"Key": "a", "Value": "b"}]}');
SELECT ddb.untag_resource('{"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/temp_bait", "TagKeys": ["a"]}');
SELECT ddb.transact_write_items('{"ClientRequestToken": "bait-token", "TransactItems": [
    {"Put": {"TableName": "temp_bait", "Item": {"id": {"S": "1"}}}}]}');
SELECT ddb.transact_write_items('{"ClientRequestToken": "bait-token", "TransactItems": [
    {"Put": {"TableName": "temp_bait", "Item": {"id": {"S": "1"}}}}]}');
SELECT ddb.delete_table('{"TableName": "temp_bait"}') -> 'TableDescription' -> 'TableName';
DROP DOMAIN pg_temp.jsonb, pg_temp.text, pg_temp.date, pg_temp.numeric;
DROP FUNCTION pg_temp.escalate();
RESET ROLE;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_ddb_owner';
DELETE FROM ddb.transaction_tokens WHERE token = 'bait-token';

SELECT ddb.delete_table('{"TableName": "hostile"}') IS NOT NULL AS deleted;
SET ROLE regress_ddb_owner;
SELECT ddb.delete_table('{"TableName": "secrets"}') IS NOT NULL AS deleted;
RESET ROLE;
REVOKE CREATE ON SCHEMA ddb_data FROM regress_ddb_owner;
DROP ROLE regress_ddb_owner;
DROP ROLE regress_ddb_reader;
DROP ROLE regress_ddb_nobody;
