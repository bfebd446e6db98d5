/* ddb--0.1.0.sql: DynamoDB's data model and API inside PostgreSQL */

\echo Use "CREATE EXTENSION ddb" to load this file. \quit

-- DynamoDB strings are Unicode, and ddb reads and writes them as UTF-8:
-- in a database of another encoding, JSON escapes and binary values could
-- not be converted. Refuse to install there.
DO $$
BEGIN
    IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.<>) 'UTF8' THEN
        RAISE EXCEPTION 'ddb requires a database with encoding UTF8, not %',
            pg_catalog.getdatabaseencoding()
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'DynamoDB strings are Unicode, and ddb stores them as UTF-8.',
                  HINT = 'Create the database with ENCODING ''UTF8'' (and TEMPLATE template0 if template1 has another encoding).';
    END IF;
END $$;

-- Schema ddb (created by CREATE EXTENSION) holds the API and the catalog;
-- schema ddb_data holds one item table per DynamoDB table.
CREATE SCHEMA ddb_data;
COMMENT ON SCHEMA ddb_data IS 'item tables of ddb: one per DynamoDB table';
GRANT USAGE ON SCHEMA ddb TO PUBLIC;
GRANT USAGE ON SCHEMA ddb_data TO PUBLIC;

---------------------------------------------------------------------------
-- Catalog
---------------------------------------------------------------------------

CREATE TABLE ddb.tables (
    table_name text COLLATE "C" PRIMARY KEY,
    table_id uuid NOT NULL,
    item_table regclass NOT NULL UNIQUE,         -- in ddb_data; follows renames
    hash_key text NOT NULL,                      -- partition key attribute
    hash_key_type text NOT NULL CHECK (hash_key_type IN ('S', 'N', 'B')),
    hash_key_column name NOT NULL,
    range_key text,                              -- sort key attribute, if any
    range_key_type text CHECK (range_key_type IN ('S', 'N', 'B')),
    range_key_column name,
    key_schema jsonb NOT NULL,                   -- DynamoDB KeySchema
    attribute_definitions jsonb NOT NULL,        -- DynamoDB AttributeDefinitions
    billing_mode text NOT NULL CHECK (billing_mode IN ('PROVISIONED', 'PAY_PER_REQUEST')),
    read_capacity_units bigint NOT NULL DEFAULT 0,
    write_capacity_units bigint NOT NULL DEFAULT 0,
    last_increase_time timestamptz,
    last_decrease_time timestamptz,
    decreases_today integer NOT NULL DEFAULT 0,
    billing_mode_updated_at timestamptz,
    table_class text,
    deletion_protection boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CHECK ((range_key IS NULL) = (range_key_type IS NULL)
           AND (range_key IS NULL) = (range_key_column IS NULL))
);
COMMENT ON TABLE ddb.tables IS 'DynamoDB tables of this database';

CREATE TABLE ddb.table_tags (
    table_name text COLLATE "C" NOT NULL REFERENCES ddb.tables ON DELETE CASCADE,
    tag_key text COLLATE "C" NOT NULL,
    tag_value text NOT NULL,
    PRIMARY KEY (table_name, tag_key)
);
COMMENT ON TABLE ddb.table_tags IS 'tags of DynamoDB tables';

-- ClientRequestToken of TransactWriteItems: a repeat within 10 minutes
-- returns the first result without writing again
CREATE TABLE ddb.transaction_tokens (
    token text COLLATE "C" PRIMARY KEY,
    request_hash text NOT NULL,                  -- of the request without the token
    response jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE ddb.transaction_tokens IS 'idempotency tokens of TransactWriteItems (10 minutes)';
-- expired tokens are purged by age
CREATE INDEX transaction_tokens_created_at ON ddb.transaction_tokens (created_at);

SELECT pg_catalog.pg_extension_config_dump('ddb.tables', '');
SELECT pg_catalog.pg_extension_config_dump('ddb.table_tags', '');

-- Everyone may read the catalog; only the extension owner writes it (the
-- C functions switch to the owner after PostgreSQL checked the caller).
GRANT SELECT ON ddb.tables, ddb.table_tags TO PUBLIC;

-- An item table dropped with plain SQL takes its DynamoDB table with it, so
-- the catalog never names a relation that does not exist. (A renamed one
-- needs nothing: the catalog refers to it by OID.)
CREATE FUNCTION ddb.item_table_in_use(relid oid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ddb_item_table_in_use' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION ddb.item_table_in_use(oid) IS
    'whether a ddb call in progress in this session uses the item table';

CREATE FUNCTION ddb.forget_dropped_tables() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- a trigger of a ddb call may not drop an item table the call uses
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() d
                WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
                  AND d.objsubid OPERATOR(pg_catalog.=) 0
                  AND ddb.item_table_in_use(d.objid)) THEN
        RAISE EXCEPTION 'an item table that a ddb call in progress uses cannot be dropped'
            USING ERRCODE = 'object_in_use';
    END IF;
    DELETE FROM ddb.tables t
     USING pg_catalog.pg_event_trigger_dropped_objects() d
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
       AND d.objsubid OPERATOR(pg_catalog.=) 0
       AND d.objid OPERATOR(pg_catalog.=) t.item_table::oid;
END
$$;
REVOKE ALL ON FUNCTION ddb.forget_dropped_tables() FROM PUBLIC;
CREATE EVENT TRIGGER ddb_forget_dropped_tables ON sql_drop
    EXECUTE FUNCTION ddb.forget_dropped_tables();

-- What ddb relies on in an item table stays as CreateTable made it: the
-- table stays in schema ddb_data, its item and key columns keep their
-- names, types (key columns generated from the item, text in collation
-- "C") and NOT NULL item, and its primary key stays. Other changes (extra
-- columns, indexes, triggers, policies, a new name) are the owner's to make.
-- Every ALTER command that can name a table (ALTER INDEX and ALTER VIEW can
-- rename one) is checked, for the item tables it altered only.
CREATE FUNCTION ddb.guard_item_tables() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    altered record;
BEGIN
    FOR altered IN
        SELECT DISTINCT c.oid, c.relnamespace, t.table_name, t.hash_key_column, t.hash_key_type,
               t.range_key_column, t.range_key_type
          FROM pg_catalog.pg_event_trigger_ddl_commands() d
          JOIN ddb.tables t ON t.item_table::oid OPERATOR(pg_catalog.=) d.objid
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.objid
         WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
    LOOP
        IF altered.relnamespace OPERATOR(pg_catalog.<>) 'ddb_data'::regnamespace THEN
            RAISE EXCEPTION 'the item table of DynamoDB table % cannot leave schema ddb_data', altered.table_name
                USING ERRCODE = 'object_in_use';
        END IF;
        IF EXISTS (
            SELECT 1
              FROM (VALUES ('item'::name, 'jsonb'::regtype, ''::"char"),
                           (altered.hash_key_column, CASE altered.hash_key_type WHEN 'S' THEN 'text'::regtype
                                WHEN 'N' THEN 'numeric'::regtype ELSE 'bytea'::regtype END, 's'::"char"),
                           (altered.range_key_column, CASE altered.range_key_type WHEN 'S' THEN 'text'::regtype
                                WHEN 'N' THEN 'numeric'::regtype ELSE 'bytea'::regtype END, 's'::"char"))
                   AS c(column_name, column_type, generated)
             WHERE c.column_name IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid OPERATOR(pg_catalog.=) altered.oid
                                  AND a.attname OPERATOR(pg_catalog.=) c.column_name
                                  AND a.atttypid OPERATOR(pg_catalog.=) c.column_type
                                  AND a.atttypmod OPERATOR(pg_catalog.=) -1
                                  AND (a.atttypid OPERATOR(pg_catalog.<>) 'text'::regtype
                                       OR a.attcollation OPERATOR(pg_catalog.=) 'pg_catalog."C"'::regcollation)
                                  AND a.attgenerated OPERATOR(pg_catalog.=) c.generated
                                  AND a.attnotnull
                                  AND NOT a.attisdropped)) THEN
            RAISE EXCEPTION 'the item and key columns of the item table of DynamoDB table % cannot be renamed, dropped, retyped, made nullable or made plain columns', altered.table_name
                USING ERRCODE = 'object_in_use';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                        WHERE i.indrelid OPERATOR(pg_catalog.=) altered.oid AND i.indisprimary) THEN
            RAISE EXCEPTION 'the primary key of the item table of DynamoDB table % cannot be dropped', altered.table_name
                USING ERRCODE = 'object_in_use';
        END IF;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION ddb.guard_item_tables() FROM PUBLIC;
CREATE EVENT TRIGGER ddb_guard_item_tables ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER INDEX', 'ALTER VIEW', 'ALTER FOREIGN TABLE',
                 'ALTER MATERIALIZED VIEW', 'ALTER SEQUENCE')
    EXECUTE FUNCTION ddb.guard_item_tables();

---------------------------------------------------------------------------
-- The DynamoDB JSON protocol: ddb.call and one function per operation
---------------------------------------------------------------------------

CREATE FUNCTION ddb.call(operation text, request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_call' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.call(operation text, request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_call_text' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION ddb.call(text, jsonb) IS
    'run a DynamoDB operation (X-Amz-Target action name) on a DynamoDB JSON request';
COMMENT ON FUNCTION ddb.call(text, text) IS
    'run a DynamoDB operation on request text; malformed JSON is SerializationException';

-- Each operation as ddb.<snake_case>(request jsonb) and (request text)
CREATE FUNCTION ddb.create_table(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_create_table' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.create_table(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_create_table_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_table(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_describe_table' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_table(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_describe_table_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_tables(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_list_tables' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_tables(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_list_tables_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.delete_table(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_delete_table' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.delete_table(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_delete_table_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.update_table(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_update_table' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.update_table(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_update_table_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.tag_resource(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_tag_resource' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.tag_resource(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_tag_resource_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.untag_resource(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_untag_resource' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.untag_resource(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_untag_resource_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_tags_of_resource(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_list_tags_of_resource' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_tags_of_resource(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_list_tags_of_resource_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.put_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_put_item' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.put_item(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_put_item_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.get_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_get_item' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.get_item(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_get_item_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.delete_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_delete_item' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.delete_item(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_delete_item_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.update_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_update_item' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.update_item(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_update_item_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.query(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_query' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.query(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_query_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.scan(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_scan' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.scan(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_scan_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.batch_get_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_batch_get_item' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.batch_get_item(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_batch_get_item_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.batch_write_item(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_batch_write_item' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.batch_write_item(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_batch_write_item_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.transact_get_items(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_transact_get_items' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.transact_get_items(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_transact_get_items_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.transact_write_items(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_transact_write_items' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.transact_write_items(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_transact_write_items_text' LANGUAGE C VOLATILE;

-- The parse tree of an expression, fully parenthesized: shows precedence
-- and checks syntax. kind: condition, filter, key_condition, update, projection
CREATE FUNCTION ddb.parse_expression(kind text, expression text) RETURNS text
    AS 'MODULE_PATHNAME', 'ddb_parse_expression' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ddb.parse_expression(text, text) IS
    'parse a DynamoDB expression and show its tree, fully parenthesized';

---------------------------------------------------------------------------
-- Plain JSON for psql users
---------------------------------------------------------------------------

CREATE FUNCTION ddb.marshal(value jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_marshal' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ddb.marshal(jsonb) IS
    'plain JSON to DynamoDB JSON: an object becomes an item, anything else one AttributeValue';
CREATE FUNCTION ddb.unmarshal(item jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_unmarshal' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ddb.unmarshal(jsonb) IS 'DynamoDB JSON item to plain JSON';

-- ddb.create_table('users', partition_key => 'user_id')
CREATE FUNCTION ddb.create_table(
    table_name text,
    partition_key text,
    partition_key_type text DEFAULT 'S',
    sort_key text DEFAULT NULL,
    sort_key_type text DEFAULT 'S',
    billing_mode text DEFAULT 'PAY_PER_REQUEST')
RETURNS jsonb LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ddb.create_table(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'TableName', table_name,
        'KeySchema', CASE WHEN sort_key IS NULL
            THEN pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('AttributeName', partition_key, 'KeyType', 'HASH'))
            ELSE pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('AttributeName', partition_key, 'KeyType', 'HASH'),
                pg_catalog.jsonb_build_object('AttributeName', sort_key, 'KeyType', 'RANGE')) END,
        'AttributeDefinitions', CASE WHEN sort_key IS NULL
            THEN pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('AttributeName', partition_key, 'AttributeType', partition_key_type))
            ELSE pg_catalog.jsonb_build_array(
                pg_catalog.jsonb_build_object('AttributeName', partition_key, 'AttributeType', partition_key_type),
                pg_catalog.jsonb_build_object('AttributeName', sort_key, 'AttributeType', sort_key_type)) END,
        'BillingMode', billing_mode,
        'ProvisionedThroughput', CASE WHEN billing_mode = 'PROVISIONED'
            THEN pg_catalog.jsonb_build_object('ReadCapacityUnits', 5, 'WriteCapacityUnits', 5) END)))
$$;
COMMENT ON FUNCTION ddb.create_table(text, text, text, text, text, text) IS
    'create a DynamoDB table from its key names and types (S, N or B)';

-- ddb.put('users', '{"user_id": "u1", "name": "Alice"}')
CREATE FUNCTION ddb.put(table_name text, item jsonb) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ddb.put_item(pg_catalog.jsonb_build_object(
        'TableName', table_name, 'Item', ddb.marshal(item)));
$$;
COMMENT ON FUNCTION ddb.put(text, jsonb) IS 'write a plain-JSON item, replacing any item with its key';

-- ddb.get('users', '{"user_id": "u1"}') returns the plain-JSON item or NULL
CREATE FUNCTION ddb.get(table_name text, key jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ddb.unmarshal(r -> 'Item')
      FROM ddb.get_item(pg_catalog.jsonb_build_object(
          'TableName', table_name, 'Key', ddb.marshal(key), 'ConsistentRead', true)) AS r;
$$;
COMMENT ON FUNCTION ddb.get(text, jsonb) IS 'read one item by its plain-JSON key';

-- ddb.delete('users', '{"user_id": "u1"}') returns the deleted item or NULL
CREATE FUNCTION ddb.delete(table_name text, key jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ddb.unmarshal(r -> 'Attributes')
      FROM ddb.delete_item(pg_catalog.jsonb_build_object(
          'TableName', table_name, 'Key', ddb.marshal(key), 'ReturnValues', 'ALL_OLD')) AS r;
$$;
COMMENT ON FUNCTION ddb.delete(text, jsonb) IS 'delete one item by its plain-JSON key and return it';

-- ddb.update('users', '{"user_id": "u1"}', 'SET age = age + :one', '{":one": 1}')
-- returns the updated plain-JSON item
CREATE FUNCTION ddb.update(table_name text, key jsonb, update_expression text,
                           "values" jsonb DEFAULT NULL, names jsonb DEFAULT NULL)
RETURNS jsonb LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ddb.unmarshal(r -> 'Attributes')
      FROM ddb.update_item(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
          'TableName', table_name, 'Key', ddb.marshal(key),
          'UpdateExpression', update_expression,
          'ExpressionAttributeValues', ddb.marshal("values"),
          'ExpressionAttributeNames', names,
          'ReturnValues', 'ALL_NEW'))) AS r;
$$;
COMMENT ON FUNCTION ddb.update(text, jsonb, text, jsonb, jsonb) IS
    'apply an UpdateExpression to one item (plain-JSON key and values) and return the new item';

-- ddb.query('orders', 'customer_id = :c AND begins_with(order_date, :y)',
--           '{":c": "c1", ":y": "2024"}')
-- returns the plain-JSON items of every page, in sort key order
-- (scan_forward => false: descending)
CREATE FUNCTION ddb.query(table_name text, key_condition text,
                          "values" jsonb DEFAULT NULL, names jsonb DEFAULT NULL,
                          filter text DEFAULT NULL, scan_forward boolean DEFAULT true)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    request jsonb := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'TableName', table_name,
        'KeyConditionExpression', key_condition,
        'FilterExpression', filter,
        'ExpressionAttributeValues', ddb.marshal("values"),
        'ExpressionAttributeNames', names,
        'ScanIndexForward', scan_forward,
        'ConsistentRead', true));
    page jsonb;
BEGIN
    LOOP
        page := ddb.query(request);
        RETURN QUERY SELECT ddb.unmarshal(i)
                       FROM pg_catalog.jsonb_array_elements(page -> 'Items') AS i;
        EXIT WHEN page -> 'LastEvaluatedKey' IS NULL;
        request := request OPERATOR(pg_catalog.||)
            pg_catalog.jsonb_build_object('ExclusiveStartKey', page -> 'LastEvaluatedKey');
    END LOOP;
END
$$;
COMMENT ON FUNCTION ddb.query(text, text, jsonb, jsonb, text, boolean) IS
    'the plain-JSON items a KeyConditionExpression selects (plain-JSON values), following every page';

-- ddb.scan('users', NULL) returns every item; ddb.scan('users', 'age > :a', '{":a": 30}')
-- the items the filter keeps. filter has no default: ddb.scan(text) is the
-- Scan request function.
CREATE FUNCTION ddb.scan(table_name text, filter text,
                         "values" jsonb DEFAULT NULL, names jsonb DEFAULT NULL)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    request jsonb := pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'TableName', table_name,
        'FilterExpression', filter,
        'ExpressionAttributeValues', ddb.marshal("values"),
        'ExpressionAttributeNames', names,
        'ConsistentRead', true));
    page jsonb;
BEGIN
    LOOP
        page := ddb.scan(request);
        RETURN QUERY SELECT ddb.unmarshal(i)
                       FROM pg_catalog.jsonb_array_elements(page -> 'Items') AS i;
        EXIT WHEN page -> 'LastEvaluatedKey' IS NULL;
        request := request OPERATOR(pg_catalog.||)
            pg_catalog.jsonb_build_object('ExclusiveStartKey', page -> 'LastEvaluatedKey');
    END LOOP;
END
$$;
COMMENT ON FUNCTION ddb.scan(text, text, jsonb, jsonb) IS
    'the plain-JSON items of a table that a FilterExpression (NULL: none) keeps, following every page';
