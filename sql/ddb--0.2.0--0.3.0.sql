/* ddb--0.2.0--0.3.0.sql: PartiQL, and Time to Live (UpdateTimeToLive,
   DescribeTimeToLive and the expiry of items by the background worker) */

\echo Use "ALTER EXTENSION ddb UPDATE TO '0.3.0'" to load this file. \quit

---------------------------------------------------------------------------
-- PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction
-- as per-operation functions, and ddb.partiql for psql
---------------------------------------------------------------------------

CREATE FUNCTION ddb.execute_statement(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_execute_statement' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.execute_statement(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_execute_statement_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.batch_execute_statement(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_batch_execute_statement' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.batch_execute_statement(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_batch_execute_statement_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.execute_transaction(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_execute_transaction' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.execute_transaction(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_execute_transaction_text' LANGUAGE C VOLATILE;

-- SELECT * FROM ddb.partiql($$SELECT * FROM "orders" WHERE customer_id = ?$$, '["c1"]')
-- runs one statement with plain-JSON parameters and returns its plain-JSON
-- items, following NextToken to the last page
CREATE FUNCTION ddb.partiql(statement text, parameters jsonb DEFAULT NULL)
RETURNS SETOF jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    request jsonb;
    page jsonb;
BEGIN
    IF parameters IS NOT NULL AND pg_catalog.jsonb_typeof(parameters) OPERATOR(pg_catalog.<>) 'array' THEN
        RAISE EXCEPTION 'ddb.partiql: parameters must be a JSON array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    request := pg_catalog.jsonb_build_object('Statement', statement);
    IF parameters IS NOT NULL AND pg_catalog.jsonb_array_length(parameters) OPERATOR(pg_catalog.>) 0 THEN
        request := request OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('Parameters',
            (SELECT pg_catalog.jsonb_agg(CASE WHEN pg_catalog.jsonb_typeof(p) OPERATOR(pg_catalog.=) 'object'
                                              THEN pg_catalog.jsonb_build_object('M', ddb.marshal(p))
                                              ELSE ddb.marshal(p) END ORDER BY n)
               FROM pg_catalog.jsonb_array_elements(parameters) WITH ORDINALITY AS e(p, n)));
    END IF;
    LOOP
        page := ddb.execute_statement(request);
        RETURN QUERY SELECT ddb.unmarshal(i)
                       FROM pg_catalog.jsonb_array_elements(page -> 'Items') AS i;
        EXIT WHEN page -> 'NextToken' IS NULL;
        request := request OPERATOR(pg_catalog.||)
            pg_catalog.jsonb_build_object('NextToken', page -> 'NextToken');
    END LOOP;
END
$$;
COMMENT ON FUNCTION ddb.partiql(text, jsonb) IS
    'run a PartiQL statement with plain-JSON parameters and return its plain-JSON items, following every page';

---------------------------------------------------------------------------
-- Time to Live (src/ttl): the TTL attribute of each table that has TTL
-- enabled, and the state of its expiry rounds. A table without a row has
-- TTL disabled. Attribute names are in the stored form of strings, as the
-- key attribute names of ddb.tables are.
---------------------------------------------------------------------------

CREATE TABLE ddb.time_to_live (
    table_name text COLLATE "C" PRIMARY KEY REFERENCES ddb.tables ON DELETE CASCADE,
    attribute_name text NOT NULL,                -- TimeToLiveSpecification.AttributeName
    ttl_index name,                              -- the expiry index on the item table, in
                                                 -- ddb_data (a name: pg_dump restores indexes
                                                 -- after data)
    enabled_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE ddb.time_to_live IS 'Time to Live settings of DynamoDB tables';
SELECT pg_catalog.pg_extension_config_dump('ddb.time_to_live', '');
GRANT SELECT ON ddb.time_to_live TO PUBLIC;

-- Written by the background worker and ddb.expire_now; not dumped (a
-- restored database starts its rounds afresh)
CREATE TABLE ddb.ttl_state (
    table_name text COLLATE "C" PRIMARY KEY REFERENCES ddb.time_to_live ON DELETE CASCADE,
    round_started_at timestamptz,                -- the current or last round began
    round_finished_at timestamptz,               -- it ended (NULL: in progress)
    last_round_deleted bigint NOT NULL DEFAULT 0,
    deleted_total bigint NOT NULL DEFAULT 0,
    last_error text,                             -- the last error met, and when
    last_error_at timestamptz
);
COMMENT ON TABLE ddb.ttl_state IS 'expiry rounds of tables with Time to Live enabled';
GRANT SELECT ON ddb.ttl_state TO PUBLIC;

CREATE VIEW ddb.ttl_status AS
SELECT l.table_name,
       l.attribute_name,
       l.enabled_at,
       s.round_started_at AS last_round_started_at,
       s.round_finished_at AS last_round_finished_at,
       COALESCE(s.last_round_deleted, 0) AS last_round_deleted,
       COALESCE(s.deleted_total, 0) AS deleted_total,
       s.last_error,
       s.last_error_at
  FROM ddb.time_to_live l
  LEFT JOIN ddb.ttl_state s ON s.table_name OPERATOR(pg_catalog.=) l.table_name;
COMMENT ON VIEW ddb.ttl_status IS
    'tables with Time to Live enabled: their attribute, last expiry round, items deleted and last error';
GRANT SELECT ON ddb.ttl_status TO PUBLIC;

-- The expiry time of an item: its top-level attribute of type N, as epoch
-- seconds; NULL when the attribute is missing, of another type or not a
-- number. The expiry index of a table is
--   CREATE INDEX ... ON ddb_data.<table> (ddb.ttl_expiry(item, '<attribute>'))
--    WHERE ddb.ttl_expiry(item, '<attribute>') IS NOT NULL
CREATE FUNCTION ddb.ttl_expiry(item jsonb, attribute_name text) RETURNS double precision
    AS 'MODULE_PATHNAME', 'ddb_ttl_expiry' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ddb.ttl_expiry(jsonb, text) IS
    'the epoch seconds of a stored item''s top-level N attribute, or NULL';

-- One expiry round of a table, now, in the caller's transaction (with
-- as_of: as if the time were as_of)
CREATE FUNCTION ddb.expire_now(table_name text, as_of timestamptz DEFAULT NULL) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ddb_expire_now' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION ddb.expire_now(text, timestamptz) IS
    'delete the expired items of a table with Time to Live enabled, now or as of a time; returns how many';

-- Mark the deletes of a table that follow in the transaction as deletions
-- by Time to Live, on the node it runs on: a distributed table's expiry
-- rounds call it on the node holding each item, as
--   SELECT ddb.mark_ttl_deletes('<table>', item) FROM ddb_data.<table> WHERE <key> = ...
-- (item, a column of the row, makes Citus evaluate it there). Needs
-- ownership of the item table.
CREATE FUNCTION ddb.mark_ttl_deletes(table_name text, item jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ddb_mark_ttl_deletes' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION ddb.mark_ttl_deletes(text, jsonb) IS
    'mark the table''s deletes that follow in this transaction, on this node, as deletions by Time to Live; returns whether it wrote the mark';

CREATE FUNCTION ddb.update_time_to_live(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_update_time_to_live' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.update_time_to_live(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_update_time_to_live_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_time_to_live(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_time_to_live' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_time_to_live(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_time_to_live_text' LANGUAGE C VOLATILE;

---------------------------------------------------------------------------
-- The HTTP endpoint (src/http): access keys for AWS Signature Version 4.
-- Each key maps to a role; a request signed with it runs as that role.
-- The table holds the secrets: no one but the extension owner reads it,
-- and only the owner (or whom the owner grants EXECUTE) manages keys.
---------------------------------------------------------------------------

CREATE TABLE ddb.access_keys (
    access_key_id text COLLATE "C" PRIMARY KEY,
    secret_access_key text COLLATE "C" NOT NULL,
    role regrole NOT NULL,            -- the role requests signed with the key run as
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    description text
);
COMMENT ON TABLE ddb.access_keys IS
    'access keys of the HTTP endpoint (AWS Signature Version 4) and the roles they map to';
REVOKE ALL ON ddb.access_keys FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('ddb.access_keys', '');

CREATE FUNCTION ddb.create_access_key(role regrole, description text DEFAULT NULL)
    RETURNS TABLE (access_key_id text, secret_access_key text)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    key_id text;
    secret text;
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'an access key needs a role' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- 20 characters like AWS's key ids; a 40-character secret of 30 random bytes
    key_id := 'AKDD' OPERATOR(pg_catalog.||) pg_catalog.upper(pg_catalog.substr(
        pg_catalog.encode(pg_catalog.sha256(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())), 'hex'), 1, 16));
    secret := pg_catalog.encode(pg_catalog.substring(pg_catalog.sha256(
        pg_catalog.uuid_send(pg_catalog.gen_random_uuid()) OPERATOR(pg_catalog.||)
        pg_catalog.uuid_send(pg_catalog.gen_random_uuid())), 1, 30), 'base64');
    INSERT INTO ddb.access_keys AS k (access_key_id, secret_access_key, role, description)
    VALUES (key_id, secret, create_access_key.role, create_access_key.description);
    RETURN QUERY SELECT key_id, secret;
END
$$;
COMMENT ON FUNCTION ddb.create_access_key(regrole, text) IS
    'a new access key of the HTTP endpoint for a role: its id and secret (shown this once)';

CREATE FUNCTION ddb.list_access_keys()
    RETURNS TABLE (access_key_id text, role regrole, created_at timestamptz, description text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT k.access_key_id, k.role, k.created_at, k.description
      FROM ddb.access_keys k ORDER BY k.created_at, k.access_key_id
$$;
COMMENT ON FUNCTION ddb.list_access_keys() IS
    'the access keys of the HTTP endpoint and their roles (without secrets)';

CREATE FUNCTION ddb.revoke_access_key(access_key_id text)
    RETURNS boolean
    LANGUAGE sql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (DELETE FROM ddb.access_keys k
                   WHERE k.access_key_id OPERATOR(pg_catalog.=) revoke_access_key.access_key_id
                  RETURNING 1)
    SELECT count(*) OPERATOR(pg_catalog.>) 0 FROM gone
$$;
COMMENT ON FUNCTION ddb.revoke_access_key(text) IS
    'delete an access key of the HTTP endpoint; true when it existed';

REVOKE ALL ON FUNCTION ddb.create_access_key(regrole, text), ddb.list_access_keys(),
    ddb.revoke_access_key(text) FROM PUBLIC;

-- Each HTTP worker caches the keys it uses; any change of the table makes
-- every worker forget them (a relcache invalidation sent at commit), so a
-- revoked key is refused from the next request on. ALWAYS: also under
-- session_replication_role = replica.
CREATE FUNCTION ddb.access_keys_changed()
    RETURNS trigger
    LANGUAGE C
    AS 'MODULE_PATHNAME', 'ddb_access_keys_changed';
COMMENT ON FUNCTION ddb.access_keys_changed() IS
    'trigger of ddb.access_keys: makes the HTTP workers forget the keys they cached';
REVOKE ALL ON FUNCTION ddb.access_keys_changed() FROM PUBLIC;
CREATE TRIGGER access_keys_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ddb.access_keys
    FOR EACH STATEMENT EXECUTE FUNCTION ddb.access_keys_changed();
ALTER TABLE ddb.access_keys ENABLE ALWAYS TRIGGER access_keys_changed;
-- end of the HTTP endpoint's access keys

---------------------------------------------------------------------------
-- DynamoDB Streams (src/streams): one row per stream (each enabling of a
-- table's stream), the retained log of stream records, and the progress
-- of the background worker that fills it from the database's logical
-- replication slot. None of it is dumped by pg_dump: a restored database
-- has tables without streams.
---------------------------------------------------------------------------

CREATE SEQUENCE ddb.stream_ids;

CREATE TABLE ddb.streams (
    stream_id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('ddb.stream_ids'),
    table_name text COLLATE "C" NOT NULL,
    table_id uuid NOT NULL,                      -- ddb.tables.table_id
    item_table oid NOT NULL,                     -- the item table (not a regclass:
                                                 -- the stream outlives it)
    table_owner oid NOT NULL,                    -- who may read it once the table is gone
    table_dropped boolean NOT NULL DEFAULT false,
    hash_key text NOT NULL,                      -- key attribute names, stored form
    range_key text,
    key_schema jsonb NOT NULL,                   -- DynamoDB KeySchema
    view_type text NOT NULL
        CHECK (view_type IN ('KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES')),
    stream_label text NOT NULL,                  -- ISO 8601 creation time; ARN suffix
    shard_id text NOT NULL,                      -- its only shard
    status text NOT NULL CHECK (status IN ('ENABLING', 'ENABLED', 'DISABLING', 'DISABLED')),
    created_at timestamptz NOT NULL,
    start_lsn pg_lsn NOT NULL,                   -- StartingSequenceNumber (start_lsn, 0)
    end_lsn pg_lsn,                              -- EndingSequenceNumber once DISABLED
    end_index integer,
    disabled_at timestamptz,
    trimmed_lsn pg_lsn NOT NULL,                 -- records up to this position are
    trimmed_index integer NOT NULL,              -- trimmed (TRIM_HORIZON starts after it)
    node_shards boolean NOT NULL DEFAULT false,  -- of a distributed table: each Citus
                                                 -- node's own row is a shard, read there
    UNIQUE (table_name, stream_label)
);
-- the output plugin reads it with historic snapshots
ALTER TABLE ddb.streams SET (user_catalog_table = true);
CREATE UNIQUE INDEX streams_one_live_per_table ON ddb.streams (table_name)
    WHERE status IN ('ENABLING', 'ENABLED');
COMMENT ON TABLE ddb.streams IS 'DynamoDB streams of tables: one row per enabling';
GRANT SELECT ON ddb.streams TO PUBLIC;

CREATE TABLE ddb.stream_records (
    stream_id bigint NOT NULL,
    commit_lsn pg_lsn NOT NULL,                  -- of the change's transaction
    change_index integer NOT NULL,               -- among that transaction's records
    created_at timestamptz NOT NULL,             -- commit time
    record jsonb NOT NULL,                       -- the DynamoDB record, stored form
    PRIMARY KEY (stream_id, commit_lsn, change_index)
);
COMMENT ON TABLE ddb.stream_records IS 'stream records of the last 24 hours';

CREATE TABLE ddb.stream_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    progress_lsn pg_lsn,                         -- every transaction whose commit starts
                                                 -- before it is in the log; NULL: no slot
    pulled_at timestamptz
);
INSERT INTO ddb.stream_state DEFAULT VALUES;
COMMENT ON TABLE ddb.stream_state IS 'how far the stream records were read from the replication slot';

CREATE FUNCTION ddb.stream_table_deleted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ddb_stream_table_deleted' LANGUAGE C;
COMMENT ON FUNCTION ddb.stream_table_deleted() IS
    'a deleted table ends its stream (AFTER DELETE ON ddb.tables FOR EACH ROW)';
CREATE TRIGGER ddb_stream_table_deleted AFTER DELETE ON ddb.tables
    FOR EACH ROW EXECUTE FUNCTION ddb.stream_table_deleted();

CREATE FUNCTION ddb.pull_stream_records() RETURNS bigint
    AS 'MODULE_PATHNAME', 'ddb_pull_stream_records' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION ddb.pull_stream_records() FROM PUBLIC;
COMMENT ON FUNCTION ddb.pull_stream_records() IS
    'read the replication slot into the stream records now (what the background worker does); returns the records stored';

CREATE FUNCTION ddb.node_call(operation text, request text) RETURNS text
    AS 'MODULE_PATHNAME', 'ddb_node_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION ddb.node_call(text, text) IS
    'the node''s side of a call from the coordinator of a distributed table: a Streams operation answered from this node''s own stream shards, or ScanShard, a page of a shard this node holds; returns {"Response": ...} or {"SqlState": ..., "Message": ...}';

CREATE FUNCTION ddb.list_streams(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_list_streams' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_streams(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_list_streams_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_stream(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_describe_stream' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_stream(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_describe_stream_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.get_shard_iterator(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_get_shard_iterator' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.get_shard_iterator(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_get_shard_iterator_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.get_records(request jsonb) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_get_records' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.get_records(request text) RETURNS jsonb AS 'MODULE_PATHNAME', 'ddb_get_records_text' LANGUAGE C VOLATILE;
-- end of DynamoDB Streams

---------------------------------------------------------------------------
-- On-demand backups (src/backups): CreateBackup, DescribeBackup,
-- ListBackups, DeleteBackup and RestoreTableFromBackup. A backup is a row
-- of ddb.backups (the table's definition) plus a table in schema
-- ddb_backups holding the table's items as of one instant, owned by the
-- role that made the backup. A table restored from a backup has a row in
-- ddb.table_restores (DescribeTable's RestoreSummary) that also drives a
-- restore the background worker finishes. Names are in the stored form of
-- strings, as in ddb.tables.
---------------------------------------------------------------------------

CREATE SCHEMA ddb_backups;
COMMENT ON SCHEMA ddb_backups IS 'items of the on-demand backups of DynamoDB tables: one table per backup';
GRANT USAGE ON SCHEMA ddb_backups TO PUBLIC;

CREATE TABLE ddb.backups (
    backup_arn text COLLATE "C" PRIMARY KEY,     -- BackupArn
    backup_name text NOT NULL,                   -- BackupName
    table_name text COLLATE "C" NOT NULL,        -- the source table (which may be gone)
    table_id uuid NOT NULL,                      -- and its TableId
    table_arn text NOT NULL,                     -- and its TableArn
    status text NOT NULL CHECK (status IN ('CREATING', 'AVAILABLE')),
    items regclass NOT NULL UNIQUE,              -- in ddb_backups: one row (item jsonb) per item;
                                                 -- its owner is the backup's owner
    created_at timestamptz NOT NULL,             -- BackupCreationDateTime, whole milliseconds
                                                 -- (the ARN's time)
    copied_at timestamptz,                       -- the instant the items are of (NULL: CREATING)
    definition jsonb NOT NULL,                   -- the source table's definition (src/backups/backups.h)
    item_count bigint,                           -- items copied (NULL: CREATING)
    size_bytes bigint                            -- BackupSizeBytes (NULL: CREATING)
);
COMMENT ON TABLE ddb.backups IS 'on-demand backups of DynamoDB tables';
CREATE INDEX backups_created_at ON ddb.backups (created_at, backup_arn);
SELECT pg_catalog.pg_extension_config_dump('ddb.backups', '');
GRANT SELECT ON ddb.backups TO PUBLIC;

CREATE TABLE ddb.table_restores (
    table_name text COLLATE "C" PRIMARY KEY REFERENCES ddb.tables ON DELETE CASCADE,
    source_backup_arn text,                      -- RestoreSummary.SourceBackupArn
    source_table_arn text NOT NULL,              -- RestoreSummary.SourceTableArn
    requested_at timestamptz NOT NULL,           -- RestoreSummary.RestoreDateTime
    in_progress boolean NOT NULL,                -- RestoreSummary.RestoreInProgress: the table is
                                                 -- CREATING until the worker has filled it
    source_items regclass,                       -- what it is filled from (NULL once restored)
    finished_at timestamptz
);
COMMENT ON TABLE ddb.table_restores IS 'DynamoDB tables restored from a backup, and restores in progress';
SELECT pg_catalog.pg_extension_config_dump('ddb.table_restores', '');
GRANT SELECT ON ddb.table_restores TO PUBLIC;

-- (the view ddb.backup_progress follows the catalog of point-in-time recovery)

CREATE FUNCTION ddb.create_backup(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_create_backup' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.create_backup(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_create_backup_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_backup(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_backup' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_backup(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_backup_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_backups(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_list_backups' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_backups(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_list_backups_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.delete_backup(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_delete_backup' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.delete_backup(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_delete_backup_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.restore_table_from_backup(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_restore_table_from_backup' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.restore_table_from_backup(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_restore_table_from_backup_text' LANGUAGE C VOLATILE;
-- end of on-demand backups

---------------------------------------------------------------------------
-- Point-in-time recovery (src/backups/pitr.c): UpdateContinuousBackups,
-- DescribeContinuousBackups and RestoreTableToPointInTime. A table with
-- point-in-time recovery enabled has a row here, a base copy and a history
-- in schema ddb_backups (owned by the item table's owner), and the trigger
-- ddb_pitr on its item table that appends each written item to the
-- history. Needs track_commit_timestamp = on. Not dumped: a restored
-- database has tables without point-in-time recovery.
---------------------------------------------------------------------------

CREATE TABLE ddb.continuous_backups (
    table_name text COLLATE "C" PRIMARY KEY REFERENCES ddb.tables ON DELETE CASCADE,
    recovery_period_days integer NOT NULL CHECK (recovery_period_days BETWEEN 1 AND 35),
    enabled_xid xid8 NOT NULL,                   -- the enabling transaction: its commit is the
                                                 -- earliest restorable time until a roll
    base_time timestamptz,                       -- the base is the table as of this time
                                                 -- (NULL: as of the enabling commit)
    rolled_at timestamptz,                       -- the last roll forward of the base
    base regclass NOT NULL,                      -- in ddb_backups: (item jsonb)
    history regclass NOT NULL                    -- in ddb_backups: (item jsonb, deleted boolean,
                                                 -- xid xid8, lsn pg_lsn), one row per write
);
COMMENT ON TABLE ddb.continuous_backups IS 'tables with point-in-time recovery enabled: their base copy and history';
GRANT SELECT ON ddb.continuous_backups TO PUBLIC;

-- Backups and restores the background worker is copying: their sizes so
-- far (the copy's table grows as the worker writes it) against the size
-- of what it copies (a point-in-time restore: its source's base and
-- history, whose rows bound its items)
CREATE VIEW ddb.backup_progress AS
SELECT 'backup'::text AS operation,
       b.table_name,
       b.backup_arn,
       b.created_at AS requested_at,
       pg_catalog.pg_table_size(b.items) AS bytes_copied,
       pg_catalog.pg_table_size(t.item_table) AS bytes_total_estimate,
       CASE WHEN c.reltuples OPERATOR(pg_catalog.>=) 0 THEN c.reltuples::bigint END AS items_total_estimate
  FROM ddb.backups b
  LEFT JOIN ddb.tables t ON t.table_id OPERATOR(pg_catalog.=) b.table_id
  LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.item_table::pg_catalog.oid
 WHERE b.status OPERATOR(pg_catalog.=) 'CREATING'
UNION ALL
SELECT CASE WHEN r.source_backup_arn IS NULL THEN 'pitr restore' ELSE 'restore' END,
       r.table_name,
       r.source_backup_arn,
       r.requested_at,
       pg_catalog.pg_table_size(t.item_table),
       CASE WHEN r.source_backup_arn IS NULL
            THEN pg_catalog.pg_table_size(p.base) OPERATOR(pg_catalog.+) pg_catalog.pg_table_size(p.history)
            ELSE pg_catalog.pg_table_size(r.source_items) END,
       CASE WHEN r.source_backup_arn IS NULL THEN
            CASE WHEN pb.reltuples OPERATOR(pg_catalog.>=) 0 AND ph.reltuples OPERATOR(pg_catalog.>=) 0
                 THEN (pb.reltuples OPERATOR(pg_catalog.+) ph.reltuples)::bigint END
            ELSE b.item_count END
  FROM ddb.table_restores r
  JOIN ddb.tables t ON t.table_name OPERATOR(pg_catalog.=) r.table_name
  LEFT JOIN ddb.backups b ON b.backup_arn OPERATOR(pg_catalog.=) r.source_backup_arn
  LEFT JOIN ddb.continuous_backups p ON r.source_backup_arn IS NULL
       AND p.table_name OPERATOR(pg_catalog.=) pg_catalog.split_part(r.source_table_arn, ':table/', 2)
  LEFT JOIN pg_catalog.pg_class pb ON pb.oid OPERATOR(pg_catalog.=) p.base::pg_catalog.oid
  LEFT JOIN pg_catalog.pg_class ph ON ph.oid OPERATOR(pg_catalog.=) p.history::pg_catalog.oid
 WHERE r.in_progress;
COMMENT ON VIEW ddb.backup_progress IS
    'backups and restores in progress: bytes copied so far against the size of their source';
GRANT SELECT ON ddb.backup_progress TO PUBLIC;

-- Disabling point-in-time recovery, or deleting the table, drops its base
-- and history
CREATE FUNCTION ddb.continuous_backups_dropped() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) OLD.base::pg_catalog.oid) THEN
        EXECUTE pg_catalog.format('DROP TABLE %s', OLD.base);
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) OLD.history::pg_catalog.oid) THEN
        EXECUTE pg_catalog.format('DROP TABLE %s', OLD.history);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ddb.continuous_backups_dropped() FROM PUBLIC;
CREATE TRIGGER ddb_continuous_backups_dropped AFTER DELETE ON ddb.continuous_backups
    FOR EACH ROW EXECUTE FUNCTION ddb.continuous_backups_dropped();

CREATE FUNCTION ddb.pitr_record() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ddb_pitr_record' LANGUAGE C;
COMMENT ON FUNCTION ddb.pitr_record() IS
    'append a written item to a point-in-time recovery history (AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW)';

CREATE FUNCTION ddb.pitr_roll_forward(table_name text, up_to timestamptz) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ddb_pitr_roll_forward' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION ddb.pitr_roll_forward(text, timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION ddb.pitr_roll_forward(text, timestamptz) IS
    'fold the point-in-time recovery history committed up to a time into the base (what the background worker does); true when it did';

CREATE FUNCTION ddb.update_continuous_backups(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_update_continuous_backups' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.update_continuous_backups(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_update_continuous_backups_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_continuous_backups(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_continuous_backups' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_continuous_backups(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_continuous_backups_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.restore_table_to_point_in_time(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_restore_table_to_point_in_time' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.restore_table_to_point_in_time(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_restore_table_to_point_in_time_text' LANGUAGE C VOLATILE;
-- end of point-in-time recovery

---------------------------------------------------------------------------
-- Exports (src/backups/export.c): ExportTableToPointInTime, DescribeExport
-- and ListExports. An export writes DynamoDB's export layout (manifests and
-- gzipped data files) from a table's point-in-time recovery base and
-- history, as of ExportTime, into a directory under the server setting
-- ddb.export_directory; the background worker writes it, and the row here
-- is IN_PROGRESS until then. Dumped by pg_dump. Read through the API only:
-- it names directories on the server.
---------------------------------------------------------------------------

CREATE TABLE ddb.exports (
    export_arn text COLLATE "C" PRIMARY KEY,     -- ExportArn (<TableArn>/export/<ExportId>)
    table_name text COLLATE "C" NOT NULL,        -- the source table (which may be gone)
    table_id uuid NOT NULL,                      -- TableId
    table_arn text NOT NULL,                     -- TableArn
    status text NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'FAILED')),
    export_type text NOT NULL,                   -- ExportType
    export_format text NOT NULL,                 -- ExportFormat
    export_time timestamptz NOT NULL,            -- ExportTime: the instant exported (FULL_EXPORT),
                                                 -- or ExportToTime (INCREMENTAL_EXPORT, exclusive)
    export_from_time timestamptz,                -- ExportFromTime (INCREMENTAL_EXPORT, inclusive)
    export_view_type text,                       -- ExportViewType (INCREMENTAL_EXPORT)
    start_time timestamptz NOT NULL,             -- StartTime: the request, whole milliseconds
                                                 -- (the ARN's time)
    end_time timestamptz,                        -- EndTime (NULL: IN_PROGRESS)
    client_token text,                           -- ClientToken
    parameters jsonb NOT NULL,                   -- the request's parameters but ClientToken,
                                                 -- as given (a reused ClientToken must match)
    s3_bucket text NOT NULL,                     -- S3Bucket
    s3_prefix text,                              -- S3Prefix
    s3_bucket_owner text,                        -- S3BucketOwner
    s3_sse_algorithm text,                       -- S3SseAlgorithm
    s3_sse_kms_key_id text,                      -- S3SseKmsKeyId
    export_root text NOT NULL,                   -- ddb.export_directory (its real path) at the
                                                 -- request: files go to <root>/<S3Bucket>/<S3Prefix>
    requested_by text NOT NULL,                  -- the role that asked (its SELECT is checked
                                                 -- again when the worker writes)
    item_count bigint,                           -- ItemCount (NULL: IN_PROGRESS)
    billed_size_bytes bigint,                    -- BilledSizeBytes
    failure_code text,                           -- FailureCode, FailureMessage (FAILED)
    failure_message text
);
COMMENT ON TABLE ddb.exports IS 'exports of DynamoDB tables to directories on the server';
CREATE INDEX exports_start_time ON ddb.exports (start_time, export_arn);
CREATE INDEX exports_client_token ON ddb.exports (client_token) WHERE client_token IS NOT NULL;
SELECT pg_catalog.pg_extension_config_dump('ddb.exports', '');
REVOKE ALL ON ddb.exports FROM PUBLIC;

CREATE FUNCTION ddb.export_table_to_point_in_time(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_export_table_to_point_in_time' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.export_table_to_point_in_time(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_export_table_to_point_in_time_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_export(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_export' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_export(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_export_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_exports(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_list_exports' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_exports(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_list_exports_text' LANGUAGE C VOLATILE;
-- end of exports

---------------------------------------------------------------------------
-- Import from S3 (src/backups/import.c): ImportTable, DescribeImport and
-- ListImports. S3 is a directory of the server (ddb.export_directory): an
-- import reads the files under <root>/<S3Bucket>/<S3KeyPrefix...> into a
-- new table, which the background worker fills while the import is
-- IN_PROGRESS (the table is CREATING until then). Names are in the stored
-- form of strings, as in ddb.tables.
---------------------------------------------------------------------------

CREATE TABLE ddb.imports (
    import_arn text COLLATE "C" PRIMARY KEY,     -- ImportArn
    table_name text COLLATE "C" NOT NULL,        -- the table imported into (which may be gone)
    table_id uuid NOT NULL,                      -- and its TableId
    table_arn text NOT NULL,                     -- and its TableArn
    owner regrole NOT NULL,                      -- the role that asked: it owns the table
    client_token text,                           -- ClientToken
    status text NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLING', 'CANCELLED')),
    root_directory text NOT NULL,                -- ddb.export_directory, resolved, at the call
    parameters jsonb NOT NULL,                   -- S3BucketSource, InputFormat, InputFormatOptions,
                                                 -- InputCompressionType, TableCreationParameters
    start_time timestamptz NOT NULL,             -- StartTime
    end_time timestamptz,                        -- EndTime (NULL: IN_PROGRESS)
    processed_size_bytes bigint NOT NULL DEFAULT 0,
    processed_item_count bigint NOT NULL DEFAULT 0,
    imported_item_count bigint NOT NULL DEFAULT 0,
    error_count bigint NOT NULL DEFAULT 0,
    failure_code text,
    failure_message text
);
COMMENT ON TABLE ddb.imports IS 'imports of DynamoDB tables from files of the server (ImportTable)';
CREATE INDEX imports_start_time ON ddb.imports (start_time, import_arn);
CREATE INDEX imports_client_token ON ddb.imports (client_token) WHERE client_token IS NOT NULL;
SELECT pg_catalog.pg_extension_config_dump('ddb.imports', '');
GRANT SELECT ON ddb.imports TO PUBLIC;

CREATE FUNCTION ddb.import_table(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_import_table' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.import_table(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_import_table_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_import(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_import' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.describe_import(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_describe_import_text' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_imports(request jsonb) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_list_imports' LANGUAGE C VOLATILE;
CREATE FUNCTION ddb.list_imports(request text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ddb_list_imports_text' LANGUAGE C VOLATILE;

-- end of import

-- Scale-out on Citus (src/scaleout): ddb.distribute_table distributes a
-- table's item table by its partition-key column and its index tables
-- co-located with it. ddb.distributed_tables (made a Citus reference table
-- by the first distribution, so that every node has a copy) holds each
-- distributed table's rows of ddb.tables and ddb.indexes; its trigger
-- writes them into the catalog of every node but the one they come from,
-- so that triggers on the shards of worker nodes find their table.
CREATE TABLE ddb.distributed_tables (
    table_name text COLLATE "C" PRIMARY KEY,
    origin_group integer NOT NULL,      -- the Citus group of the node whose catalog has the table
    definition jsonb NOT NULL           -- {"table": <ddb.tables row>, "indexes": [<ddb.indexes rows>]}
);
COMMENT ON TABLE ddb.distributed_tables IS
    'the catalog rows of DynamoDB tables distributed with Citus, copied to every node';
GRANT SELECT ON ddb.distributed_tables TO PUBLIC;

CREATE FUNCTION ddb.distributed_catalog_sync() RETURNS trigger
    AS 'MODULE_PATHNAME', 'ddb_distributed_catalog_sync' LANGUAGE C;
CREATE TRIGGER distributed_catalog_sync
    AFTER INSERT OR UPDATE OR DELETE ON ddb.distributed_tables
    FOR EACH ROW EXECUTE FUNCTION ddb.distributed_catalog_sync();

CREATE FUNCTION ddb.distribute_table(table_name text, shard_count integer DEFAULT NULL)
    RETURNS void AS 'MODULE_PATHNAME', 'ddb_distribute_table' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION ddb.distribute_table(text, integer) IS
    'distribute a table with Citus: its item table by the partition key, its index tables co-located with it';

-- The reverse: the item table, index tables and item collection sizes table
-- become local tables again, with all their rows, and the other nodes
-- forget the table
CREATE FUNCTION ddb.undistribute_table(table_name text)
    RETURNS void AS 'MODULE_PATHNAME', 'ddb_undistribute_table' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION ddb.undistribute_table(text) IS
    'turn a table distributed with Citus back into local tables, with all its items and index rows';
-- Whether ddb.undistribute_table is having Citus replace a table's
-- relations in this session (each is dropped and another takes its name:
-- the table is not going)
CREATE FUNCTION ddb.undistributing() RETURNS boolean
    AS 'MODULE_PATHNAME', 'ddb_undistributing' LANGUAGE C VOLATILE;

-- Whether a relation is a Citus distributed table
CREATE FUNCTION ddb.is_distributed(rel regclass) RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = rel);
END
$$;

-- DescribeTable's sizes and counts: of the relation, or summed over its
-- shards when it is distributed. Citus cannot measure shards in a
-- transaction that changed them on several nodes (a CreateTable that
-- distributes): 0 then. Counts are each shard's estimate, read on its node
-- (as of the last VACUUM or ANALYZE there).
CREATE FUNCTION ddb.relation_size(rel regclass) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ddb.is_distributed(rel) THEN
        BEGIN
            RETURN pg_catalog.citus_relation_size(rel);
        EXCEPTION WHEN active_sql_transaction OR feature_not_supported OR object_not_in_prerequisite_state THEN
            RETURN 0;
        END;
    END IF;
    RETURN pg_catalog.pg_relation_size(rel);
END
$$;
CREATE FUNCTION ddb.relation_item_count(rel regclass) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ddb.is_distributed(rel) THEN
        BEGIN
            RETURN (SELECT COALESCE(sum(GREATEST(r.result::float8, 0)), 0)::bigint
                      FROM pg_catalog.run_command_on_shards(rel,
                           'SELECT reltuples FROM pg_catalog.pg_class WHERE oid = ''%s''::pg_catalog.regclass') r
                     WHERE r.success);
        EXCEPTION WHEN active_sql_transaction OR feature_not_supported OR object_not_in_prerequisite_state THEN
            RETURN 0;
        END;
    END IF;
    RETURN (SELECT GREATEST(c.reltuples, 0)::bigint FROM pg_catalog.pg_class c WHERE c.oid = rel);
END
$$;
-- A dropped item table's index tables are dropped with it, except on a
-- Citus worker node (see above); the relations ddb.undistribute_table
-- replaces are not forgotten (it points the catalog at their replacements)
CREATE OR REPLACE FUNCTION ddb.forget_dropped_tables() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    orphan regclass;
    citus_group integer := 0;
    dropped_tables text[];
BEGIN
    -- a trigger of a ddb call may not drop an item table the call uses
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects() d
                WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
                  AND d.objsubid OPERATOR(pg_catalog.=) 0
                  AND ddb.item_table_in_use(d.objid)) THEN
        RAISE EXCEPTION 'an item table that a ddb call in progress uses cannot be dropped'
            USING ERRCODE = 'object_in_use';
    END IF;
    IF ddb.undistributing() THEN
        RETURN;
    END IF;
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
        EXECUTE 'SELECT groupid FROM pg_catalog.pg_dist_local_group' INTO citus_group;
    END IF;
    -- a Citus worker node's catalog rows are the coordinator's copies,
    -- written and removed by ddb.distributed_catalog_sync in the same
    -- distributed transaction: a drop there (which the coordinator's DROP
    -- sends) leaves them alone, so that the connections of one distributed
    -- transaction do not wait for each other on the same rows
    IF citus_group OPERATOR(pg_catalog.<>) 0 THEN
        RETURN;
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
    -- on the coordinator, a distributed item table dropped with plain SQL
    -- takes its rows off every node
    SELECT pg_catalog.array_agg(t.table_name) INTO dropped_tables
      FROM ddb.tables t JOIN pg_catalog.pg_event_trigger_dropped_objects() d
        ON d.objid OPERATOR(pg_catalog.=) t.item_table::oid
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
       AND d.objsubid OPERATOR(pg_catalog.=) 0;
    IF dropped_tables IS NOT NULL
       AND pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
        DELETE FROM ddb.distributed_tables
         WHERE table_name OPERATOR(pg_catalog.=) ANY (dropped_tables);
    END IF;
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
-- end of scale-out on Citus
