/* ddb--0.1.0--0.2.0.sql: strings holding U+0000, and item tables with plain
   key columns whose rows are checked when they are written */

\echo Use "ALTER EXTENSION ddb UPDATE TO '0.2.0'" to load this file. \quit

---------------------------------------------------------------------------
-- Server-side encryption settings of a table (SSESpecification): the KMS
-- key a table asked to be encrypted with, described as its SSEDescription;
-- NULL: the default encryption (an AWS owned key), no SSEDescription. ddb
-- encrypts nothing itself: encryption at rest is PostgreSQL's storage's and
-- the disk's business.
---------------------------------------------------------------------------

ALTER TABLE ddb.tables ADD COLUMN sse_kms_master_key_arn text;

---------------------------------------------------------------------------
-- The stored form of strings (string_escape.h): U+0000 is stored as
-- U+0001 U+0001 and U+0001 as U+0001 U+0002, which keeps byte order.
---------------------------------------------------------------------------

CREATE FUNCTION ddb.stored_form(value jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_stored_form' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ddb.stored_form(jsonb) IS
    'a jsonb value with U+0001 in its strings and keys escaped, as item tables store strings';

-- The only entry whose response can hold U+0000: JSON text in, JSON text out
CREATE FUNCTION ddb.call_text(operation text, request text) RETURNS text
    AS 'MODULE_PATHNAME', 'ddb_call_text_response' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION ddb.call_text(text, text) IS
    'run a DynamoDB operation on request JSON text and return the response as JSON text';

---------------------------------------------------------------------------
-- Every row of an item table holds a valid item whose key columns equal its
-- key attributes (item_check.c):
--   CONSTRAINT ddb_item_is_valid CHECK (ddb.is_valid_item(item, 'pk', pk [, 'sk', sk]))
---------------------------------------------------------------------------

CREATE FUNCTION ddb.is_valid_item(item jsonb, partition_key text, partition_value "any")
RETURNS boolean AS 'MODULE_PATHNAME', 'ddb_is_valid_item' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ddb.is_valid_item(item jsonb, partition_key text, partition_value "any",
                                  sort_key text, sort_value "any")
RETURNS boolean AS 'MODULE_PATHNAME', 'ddb_is_valid_item' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ddb.is_valid_item(jsonb, text, "any") IS
    'whether an item table row holds a valid item with these key columns (raises check_violation otherwise)';
COMMENT ON FUNCTION ddb.is_valid_item(jsonb, text, "any", text, "any") IS
    'whether an item table row holds a valid item with these key columns (raises check_violation otherwise)';

-- What ddb relies on in an item table stays as CreateTable made it: the
-- table stays in schema ddb_data, its item and key columns keep their
-- names, types (plain key columns, text in collation "C") and NOT NULL,
-- and its primary key and its item check stay. Other changes (extra
-- columns, indexes, triggers, policies, a new name) are the owner's to make.
-- Every ALTER command that can name a table (ALTER INDEX and ALTER VIEW can
-- rename one) is checked, for the item tables it altered only.
CREATE OR REPLACE FUNCTION ddb.guard_item_tables() RETURNS event_trigger
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
              FROM (VALUES ('item'::name, 'jsonb'::regtype),
                           (altered.hash_key_column, CASE altered.hash_key_type WHEN 'S' THEN 'text'::regtype
                                WHEN 'N' THEN 'numeric'::regtype ELSE 'bytea'::regtype END),
                           (altered.range_key_column, CASE altered.range_key_type WHEN 'S' THEN 'text'::regtype
                                WHEN 'N' THEN 'numeric'::regtype ELSE 'bytea'::regtype END))
                   AS c(column_name, column_type)
             WHERE c.column_name IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid OPERATOR(pg_catalog.=) altered.oid
                                  AND a.attname OPERATOR(pg_catalog.=) c.column_name
                                  AND a.atttypid OPERATOR(pg_catalog.=) c.column_type
                                  AND a.atttypmod OPERATOR(pg_catalog.=) -1
                                  AND (a.atttypid OPERATOR(pg_catalog.<>) 'text'::regtype
                                       OR a.attcollation OPERATOR(pg_catalog.=) 'pg_catalog."C"'::regcollation)
                                  AND a.attgenerated OPERATOR(pg_catalog.=) ''
                                  AND a.attnotnull
                                  AND NOT a.attisdropped)) THEN
            RAISE EXCEPTION 'the item and key columns of the item table of DynamoDB table % cannot be renamed, dropped, retyped, made nullable or made generated columns', altered.table_name
                USING ERRCODE = 'object_in_use';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                        WHERE i.indrelid OPERATOR(pg_catalog.=) altered.oid AND i.indisprimary) THEN
            RAISE EXCEPTION 'the primary key of the item table of DynamoDB table % cannot be dropped', altered.table_name
                USING ERRCODE = 'object_in_use';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                        WHERE k.conrelid OPERATOR(pg_catalog.=) altered.oid
                          AND k.conname OPERATOR(pg_catalog.=) 'ddb_item_is_valid'
                          AND k.contype OPERATOR(pg_catalog.=) 'c') THEN
            RAISE EXCEPTION 'the item check ddb_item_is_valid of the item table of DynamoDB table % cannot be dropped', altered.table_name
                USING ERRCODE = 'object_in_use';
        END IF;
    END LOOP;
END
$$;

---------------------------------------------------------------------------
-- Existing item tables: strings to the stored form, key columns made plain
-- columns, the item check added and, where every row passes it, validated.
-- A table with rows that fail keeps its check NOT VALID: ddb checks its
-- items as it reads them until the owner mends or removes those rows and
-- runs ALTER TABLE ... VALIDATE CONSTRAINT ddb_item_is_valid.
---------------------------------------------------------------------------

UPDATE ddb.tables
   SET hash_key = pg_catalog.replace(hash_key, E'\x01', E'\x01\x02'),
       range_key = pg_catalog.replace(range_key, E'\x01', E'\x01\x02'),
       key_schema = ddb.stored_form(key_schema),
       attribute_definitions = ddb.stored_form(attribute_definitions)
 WHERE pg_catalog.strpos(hash_key, E'\x01') OPERATOR(pg_catalog.>) 0
    OR pg_catalog.strpos(range_key, E'\x01') OPERATOR(pg_catalog.>) 0;
UPDATE ddb.table_tags
   SET tag_key = pg_catalog.replace(tag_key, E'\x01', E'\x01\x02'),
       tag_value = pg_catalog.replace(tag_value, E'\x01', E'\x01\x02')
 WHERE pg_catalog.strpos(tag_key, E'\x01') OPERATOR(pg_catalog.>) 0
    OR pg_catalog.strpos(tag_value, E'\x01') OPERATOR(pg_catalog.>) 0;

-- The guard of item tables (above) wants plain key columns and the item
-- check, which each table gets here: it is off while they do.
ALTER EVENT TRIGGER ddb_guard_item_tables DISABLE;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT table_name, item_table, hash_key, hash_key_type, hash_key_column,
                    range_key, range_key_type, range_key_column
               FROM ddb.tables ORDER BY table_name
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I DROP EXPRESSION%s',
            t.item_table, t.hash_key_column,
            CASE WHEN t.range_key IS NULL THEN ''
                 ELSE pg_catalog.format(', ALTER COLUMN %I DROP EXPRESSION', t.range_key_column) END);
        -- U+0001 was stored as itself, in items and in string key columns
        EXECUTE pg_catalog.format(
            'UPDATE %s SET item = ddb.stored_form(item)%s%s'
            ' WHERE pg_catalog.strpos(item::pg_catalog.text, %L) OPERATOR(pg_catalog.>) 0',
            t.item_table,
            CASE WHEN t.hash_key_type = 'S' THEN pg_catalog.format(
                ', %1$I = pg_catalog.replace(%1$I, E''\x01'', E''\x01\x02'')', t.hash_key_column) ELSE '' END,
            CASE WHEN t.range_key_type = 'S' THEN pg_catalog.format(
                ', %1$I = pg_catalog.replace(%1$I, E''\x01'', E''\x01\x02'')', t.range_key_column) ELSE '' END,
            '\u0001');
        EXECUTE pg_catalog.format(
            'ALTER TABLE %s ADD CONSTRAINT ddb_item_is_valid'
            ' CHECK (ddb.is_valid_item(item, %L::pg_catalog.text, %I%s)) NOT VALID',
            t.item_table, t.hash_key, t.hash_key_column,
            CASE WHEN t.range_key IS NULL THEN ''
                 ELSE pg_catalog.format(', %L::pg_catalog.text, %I', t.range_key, t.range_key_column) END);
        BEGIN
            EXECUTE pg_catalog.format('ALTER TABLE %s VALIDATE CONSTRAINT ddb_item_is_valid', t.item_table);
        EXCEPTION WHEN check_violation THEN
            RAISE WARNING 'item table % of DynamoDB table % holds rows that are not valid items (%); ddb checks its items as it reads them until ALTER TABLE % VALIDATE CONSTRAINT ddb_item_is_valid succeeds',
                t.item_table, t.table_name, SQLERRM, t.item_table;
        END;
    END LOOP;
END
$$;
ALTER EVENT TRIGGER ddb_guard_item_tables ENABLE;

---------------------------------------------------------------------------
-- Secondary indexes (src/indexes): one row per index; its index table in
-- ddb_data, kept by triggers on the item table
---------------------------------------------------------------------------

CREATE TABLE ddb.indexes (
    table_name text COLLATE "C" NOT NULL REFERENCES ddb.tables ON DELETE CASCADE,
    index_name text COLLATE "C" NOT NULL,
    kind text NOT NULL CHECK (kind IN ('GLOBAL', 'LOCAL')),
    index_table regclass NOT NULL UNIQUE,        -- in ddb_data; follows renames
    key_attributes text[] NOT NULL,              -- HASH attributes, then RANGE
    key_types text[] NOT NULL,                   -- S, N or B, one per key attribute
    hash_count integer NOT NULL,                 -- how many key attributes are HASH
    key_schema jsonb NOT NULL,                   -- DynamoDB KeySchema of the index
    projection_type text NOT NULL CHECK (projection_type IN ('ALL', 'KEYS_ONLY', 'INCLUDE')),
    non_key_attributes text[],                   -- INCLUDE: NonKeyAttributes
    status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('CREATING', 'ACTIVE', 'DELETING')),
    backfilling boolean,                         -- NULL for indexes made with the table
    read_capacity_units bigint NOT NULL DEFAULT 0,
    write_capacity_units bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    ordinal integer NOT NULL DEFAULT 1000000,    -- DescribeTable lists indexes in this order
    PRIMARY KEY (table_name, index_name)
);
COMMENT ON TABLE ddb.indexes IS 'secondary indexes of DynamoDB tables';
SELECT pg_catalog.pg_extension_config_dump('ddb.indexes', '');
GRANT SELECT ON ddb.indexes TO PUBLIC;

CREATE FUNCTION ddb.index_upkeep() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ddb_index_upkeep' LANGUAGE C;
COMMENT ON FUNCTION ddb.index_upkeep() IS
    'keeps the index tables of an item table (AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW)';
CREATE FUNCTION ddb.index_truncate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ddb_index_truncate' LANGUAGE C;
COMMENT ON FUNCTION ddb.index_truncate() IS
    'empties the index tables of an item table (AFTER TRUNCATE)';

-- An item table dropped with plain SQL takes its DynamoDB table, and its
-- index tables, with it; an index table dropped with plain SQL takes its
-- index with it. So the catalog never names a relation that does not exist.
CREATE OR REPLACE FUNCTION ddb.forget_dropped_tables() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    orphan regclass;
BEGIN
    -- a trigger of a ddb call may not drop an item table the call uses
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() d
                WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
                  AND d.objsubid OPERATOR(pg_catalog.=) 0
                  AND ddb.item_table_in_use(d.objid)) THEN
        RAISE EXCEPTION 'an item table that a ddb call in progress uses cannot be dropped'
            USING ERRCODE = 'object_in_use';
    END IF;
    -- index tables of dropped item tables that were not dropped with them
    FOR orphan IN
        SELECT i.index_table
          FROM ddb.indexes i
          JOIN ddb.tables t ON t.table_name OPERATOR(pg_catalog.=) i.table_name
          JOIN pg_catalog.pg_event_trigger_dropped_objects() d
            ON d.objid OPERATOR(pg_catalog.=) t.item_table::oid
         WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
           AND d.objsubid OPERATOR(pg_catalog.=) 0
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() x
                            WHERE x.objid OPERATOR(pg_catalog.=) i.index_table::oid)
    LOOP
        EXECUTE pg_catalog.format('DROP TABLE IF EXISTS %s', orphan);
    END LOOP;
    DELETE FROM ddb.indexes i
     USING pg_catalog.pg_event_trigger_dropped_objects() d
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
       AND d.objsubid OPERATOR(pg_catalog.=) 0
       AND d.objid OPERATOR(pg_catalog.=) i.index_table::oid;
    DELETE FROM ddb.tables t
     USING pg_catalog.pg_event_trigger_dropped_objects() d
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
       AND d.objsubid OPERATOR(pg_catalog.=) 0
       AND d.objid OPERATOR(pg_catalog.=) t.item_table::oid;
END
$$;

---------------------------------------------------------------------------
-- Checking indexes (src/indexes/index_check.c): every difference between
-- a table's indexes and their recomputation from its items
---------------------------------------------------------------------------

CREATE FUNCTION ddb.check_indexes(table_name text, index text DEFAULT NULL)
    RETURNS TABLE (index_name text, problem text, table_key jsonb,
                   expected jsonb, found jsonb)
    AS 'MODULE_PATHNAME', 'ddb_check_indexes'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION ddb.check_indexes(text, text) IS
    'differences between the indexes of a table (or the one named) and their recomputation from its items; no rows when they are exact';
-- end of checking indexes

---------------------------------------------------------------------------
-- Online creation of global secondary indexes (UpdateTable's Create): the
-- progress of each backfill, kept by ddb's background worker (src/worker,
-- src/indexes/index_backfill.c); the row goes when the index becomes
-- ACTIVE or is deleted
---------------------------------------------------------------------------

CREATE TABLE ddb.index_backfill_state (
    table_name text COLLATE "C" NOT NULL,
    index_name text COLLATE "C" NOT NULL,
    last_key text[],                  -- table key (key columns as text) up to which
                                      -- items are indexed; NULL: none yet
    rows_done bigint NOT NULL DEFAULT 0,  -- items read by the backfill so far
    started_at timestamptz,           -- when the worker began the backfill
    last_batch_at timestamptz,        -- when its last batch committed
    PRIMARY KEY (table_name, index_name),
    FOREIGN KEY (table_name, index_name) REFERENCES ddb.indexes ON DELETE CASCADE
);
COMMENT ON TABLE ddb.index_backfill_state IS
    'progress of the backfills of global secondary indexes being created';
SELECT pg_catalog.pg_extension_config_dump('ddb.index_backfill_state', '');
GRANT SELECT ON ddb.index_backfill_state TO PUBLIC;

CREATE VIEW ddb.index_backfills AS
SELECT s.table_name,
       s.index_name,
       i.backfilling,
       s.rows_done,
       CASE WHEN c.reltuples OPERATOR(pg_catalog.>=) 0
            THEN pg_catalog.int8larger(c.reltuples::bigint OPERATOR(pg_catalog.-) s.rows_done, 0)
       END AS rows_to_go_estimate,
       s.started_at,
       s.last_batch_at
  FROM ddb.index_backfill_state s
  JOIN ddb.indexes i ON i.table_name OPERATOR(pg_catalog.=) s.table_name
                    AND i.index_name OPERATOR(pg_catalog.=) s.index_name
  JOIN ddb.tables t ON t.table_name OPERATOR(pg_catalog.=) s.table_name
  LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.item_table::pg_catalog.oid;
COMMENT ON VIEW ddb.index_backfills IS
    'global secondary indexes being built: items read so far and an estimate of those to go';
GRANT SELECT ON ddb.index_backfills TO PUBLIC;
