-- nested_calls: triggers on item tables may call ddb themselves, even after
-- DDL that invalidates the metadata of the table the outer call is writing
\set VERBOSITY terse
SELECT ddb.create_table('nested', partition_key => 'id') IS NOT NULL AS created;
SELECT ddb.create_table('nested_log', partition_key => 'id', sort_key => 'seq', sort_key_type => 'N') IS NOT NULL AS created;
CREATE FUNCTION nested_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- DDL on the item table invalidates ddb's cached metadata of it, under the running PutItem
    EXECUTE 'GRANT SELECT ON ddb_data.nested TO PUBLIC';
    PERFORM ddb.put_item(jsonb_build_object('TableName', 'nested_log', 'Item',
        jsonb_build_object('id', jsonb_build_object('S', NEW.item -> 'id' ->> 'S'),
                           'seq', jsonb_build_object('N', (SELECT count(*) FROM ddb_data.nested)::text),
                           'seen', jsonb_build_object('M', ddb.get_item(jsonb_build_object('TableName', 'nested', 'Key', jsonb_build_object('id', NEW.item -> 'id'))) -> 'Item'))));
    RETURN NEW;
END $$;
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON ddb_data.nested FOR EACH ROW EXECUTE FUNCTION nested_audit();
SELECT ddb.put_item('{"TableName": "nested", "Item": {"id": {"S": "a"}, "v": {"N": "1"}}, "ReturnValues": "ALL_OLD"}');
SELECT ddb.put_item('{"TableName": "nested", "Item": {"id": {"S": "a"}, "v": {"N": "2"}}, "ReturnValues": "ALL_OLD"}');
SELECT ddb.update_item('{"TableName": "nested", "Key": {"id": {"S": "a"}}, "UpdateExpression": "ADD v :one", "ExpressionAttributeValues": {":one": {"N": "1"}}, "ReturnValues": "ALL_NEW"}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "nested", "Item": {"id": {"S": "b"}}}}, {"Update": {"TableName": "nested", "Key": {"id": {"S": "a"}}, "UpdateExpression": "SET w = :w", "ExpressionAttributeValues": {":w": {"S": "x"}}}}]}');
SELECT ddb.batch_write_item('{"RequestItems": {"nested": [{"PutRequest": {"Item": {"id": {"S": "c"}}}}, {"PutRequest": {"Item": {"id": {"S": "d"}}}}]}}');
SELECT item FROM ddb.scan('nested_log', NULL) AS item ORDER BY item ->> 'id', (item ->> 'seq')::int;
-- a trigger that drops the table it fires on is refused, and the write with it
CREATE OR REPLACE FUNCTION nested_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.delete_table('{"TableName": "nested"}');
    RETURN NEW;
END $$;
SELECT ddb.put_item('{"TableName": "nested", "Item": {"id": {"S": "e"}}}');
SELECT ddb.get('nested', '{"id": "e"}') IS NULL AS not_written;
SELECT count(*) FROM ddb.scan('nested', NULL);
-- ... and so is deleting a table that the firing call has yet to write
SELECT ddb.create_table('nested_next', partition_key => 'id') IS NOT NULL AS created;
CREATE OR REPLACE FUNCTION nested_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.delete_table('{"TableName": "nested_next"}');
    RETURN NEW;
END $$;
SELECT ddb.batch_write_item('{"RequestItems": {"nested": [{"PutRequest": {"Item": {"id": {"S": "f"}}}}],
                                               "nested_next": [{"PutRequest": {"Item": {"id": {"S": "f"}}}}]}}');
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "nested", "Item": {"id": {"S": "f"}}}},
                                                    {"Put": {"TableName": "nested_next", "Item": {"id": {"S": "f"}}}}]}');
SELECT ddb.get('nested', '{"id": "f"}') IS NULL AS not_written;
-- ... nor may it drop that table with SQL
CREATE OR REPLACE FUNCTION nested_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE ddb_data.nested_next;
    RETURN NEW;
END $$;
SELECT ddb.transact_write_items('{"TransactItems": [{"Put": {"TableName": "nested", "Item": {"id": {"S": "f"}}}},
                                                    {"Put": {"TableName": "nested_next", "Item": {"id": {"S": "f"}}}}]}');
SELECT ddb.batch_write_item('{"RequestItems": {"nested": [{"PutRequest": {"Item": {"id": {"S": "f"}}}}],
                                               "nested_next": [{"PutRequest": {"Item": {"id": {"S": "f"}}}}]}}');
SELECT ddb.get('nested', '{"id": "f"}') IS NULL AS not_written;
CREATE OR REPLACE FUNCTION nested_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ddb.delete_table('{"TableName": "nested_next"}');
    RETURN NEW;
END $$;
-- a write that does not use it lets the trigger delete it
SELECT ddb.put_item('{"TableName": "nested", "Item": {"id": {"S": "g"}}}');
SELECT ddb.describe_table('{"TableName": "nested_next"}');
-- a BEFORE trigger that skips an update of an existing item is an error, not a silent success
DROP TRIGGER audit ON ddb_data.nested;
CREATE FUNCTION nested_skip() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END $$;
CREATE TRIGGER skip BEFORE UPDATE ON ddb_data.nested FOR EACH ROW EXECUTE FUNCTION nested_skip();
SELECT ddb.update_item('{"TableName": "nested", "Key": {"id": {"S": "g"}}, "UpdateExpression": "SET n = :n",
                         "ExpressionAttributeValues": {":n": {"N": "1"}}}');
SELECT ddb.get('nested', '{"id": "g"}');
DROP TRIGGER skip ON ddb_data.nested;
DROP FUNCTION nested_skip();
DROP FUNCTION nested_audit();
SELECT ddb.delete_table('{"TableName": "nested"}') -> 'TableDescription' -> 'TableName';
SELECT ddb.delete_table('{"TableName": "nested_log"}') -> 'TableDescription' -> 'TableName';
