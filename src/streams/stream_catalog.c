/*-------------------------------------------------------------------------
 *
 * stream_catalog.c
 *	  The streams of tables as the control plane changes them: enabling
 *	  (CreateTable, UpdateTable), disabling (UpdateTable), and the end of a
 *	  table's stream when the table goes (DeleteTable, DROP TABLE).
 *
 * Each enabling is a new row of ddb.streams with a new label and ARN.
 * Enabling and disabling take the streams' STATE advisory lock, as the
 * worker does before it drops the database's replication slot
 * (stream_log.c), so the two agree on whether the slot exists:
 *
 *	  - a stream enabled while the slot exists is ENABLED: every change
 *		committed after it is decoded. Without the slot it is ENABLING
 *		until the worker has created the slot (creating one waits for the
 *		transactions in progress); changes committed meanwhile are not in
 *		the stream.
 *	  - a stream disabled while the slot exists is DISABLING until the
 *		worker has stored every record committed before the disable (the
 *		plugin tells it where the DISABLING row committed), then DISABLED
 *		with its shard closed at its last record. Without the slot it is
 *		DISABLED at once.
 *
 * A slot the worker is still creating counts as no slot: its creation
 * waits for the transactions in progress, this one among them, so what
 * they commit is not decoded. The worker does not take the STATE lock
 * while it creates the slot (that would wait for this transaction, which
 * waits for the lock); instead it turns the ENABLING streams it sees once
 * the slot exists ENABLED, ends a DISABLING stream whose row committed
 * before the slot's start (decoding never meets it), and stores no
 * records of DISABLED streams.
 *
 * A stream's item table gets REPLICA IDENTITY FULL, so that updates and
 * deletes carry the old item in the WAL (the plugin needs it for every
 * view type: OldImage, and telling a MODIFY from a write that changed
 * nothing); disabling sets it back to DEFAULT.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog.h"
#include "json_util.h"
#include "scaleout/scaleout.h"
#include "streams/streams.h"
#include "worker/worker.h"

/*
 * Take the streams' advisory lock until the transaction ends.
 */
static void
LockStreams(void)
{
	if (SPI_execute("SELECT pg_catalog.pg_advisory_xact_lock(" CppAsString2(DDB_STREAM_LOCK_KEY1)
					", " CppAsString2(DDB_STREAM_LOCK_STATE) ")", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the streams");
}

/*
 * Whether this database's replication slot exists, and has been created:
 * one being created (it waits for the transactions in progress, this one
 * too, and decodes only what commits after them) does not count.
 */
static bool
SlotExists(void)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(DdbStreamSlotName())};

	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_replication_slots"
							  " WHERE slot_name OPERATOR(pg_catalog.=) $1::pg_catalog.name"
							  "   AND confirmed_flush_lsn IS NOT NULL",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the replication slot");
	return SPI_processed > 0;
}

/*
 * Set the replica identity of a table's item table, as the caller (its
 * owner).
 */
static void
SetReplicaIdentity(Oid relid, const char *identity)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));

	if (relname == NULL || nspname == NULL)
		return;
	if (SPI_execute(psprintf("ALTER TABLE %s REPLICA IDENTITY %s",
							 quote_qualified_identifier(nspname, relname), identity),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set the replica identity of the item table");
}

/*
 * Start a new stream of a table with a view type; the caller checked the
 * table exists and has no live stream. created_at (NULL: now) and
 * shard_salt (NULL: none) are given on the nodes of a distributed table,
 * whose rows take the coordinator's creation time, hence its label, and
 * each its own shard id. On a node the item table is Citus's copy of the
 * coordinator's, whose replica identity the coordinator sets.
 */
static void
StreamEnable(const char *table_name, const char *view_type, bool node_shards,
			 const char *created_at, const char *shard_salt)
{
	static const char *const insert_sql =
	"WITH t AS ("
	"  SELECT t.table_name, t.table_id, t.item_table::pg_catalog.oid AS item_table, c.relowner,"
	"         t.hash_key, t.range_key, t.key_schema,"
	"         COALESCE($4::pg_catalog.timestamptz,"
	"          GREATEST(pg_catalog.date_trunc('milliseconds', pg_catalog.now()),"
	"                  (SELECT max(s.created_at) OPERATOR(pg_catalog.+) interval '1 millisecond'"
	"                     FROM ddb.streams s WHERE s.table_name OPERATOR(pg_catalog.=) t.table_name)))"
	"           AS created_at"
	"    FROM ddb.tables t JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.item_table::pg_catalog.oid"
	"   WHERE t.table_name OPERATOR(pg_catalog.=) $1)"
	" INSERT INTO ddb.streams (table_name, table_id, item_table, table_owner, hash_key, range_key,"
	"   key_schema, view_type, stream_label, shard_id, status, created_at, start_lsn,"
	"   trimmed_lsn, trimmed_index, node_shards)"
	" SELECT t.table_name, t.table_id, t.item_table, t.relowner, t.hash_key, t.range_key,"
	"   t.key_schema, $2,"
	"   pg_catalog.to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS'),"
	"   'shardId-' OPERATOR(pg_catalog.||) pg_catalog.lpad((EXTRACT(epoch FROM t.created_at)"
	"      OPERATOR(pg_catalog.*) 1000)::pg_catalog.int8::pg_catalog.text, 20, '0')"
	"      OPERATOR(pg_catalog.||) '-' OPERATOR(pg_catalog.||)"
	"      pg_catalog.substr(pg_catalog.md5(t.table_id::pg_catalog.text OPERATOR(pg_catalog.||)"
	"        t.created_at::pg_catalog.text OPERATOR(pg_catalog.||) COALESCE($5, '')), 1, 8),"
	"   CASE WHEN $3 THEN 'ENABLED' ELSE 'ENABLING' END, t.created_at,"
	"   pg_catalog.pg_current_wal_insert_lsn(), pg_catalog.pg_current_wal_insert_lsn(), -1, $6"
	"  FROM t"
	" RETURNING item_table";
	Oid			argtypes[6] = {TEXTOID, TEXTOID, BOOLOID, TEXTOID, TEXTOID, BOOLOID};
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	DdbOwnerAccess owner_access;
	bool		isnull;
	Oid			item_table;

	LockStreams();
	args[0] = CStringGetTextDatum(table_name);
	args[1] = CStringGetTextDatum(view_type);
	args[2] = BoolGetDatum(SlotExists());
	args[3] = created_at != NULL ? CStringGetTextDatum(created_at) : (Datum) 0;
	nulls[3] = created_at != NULL ? ' ' : 'n';
	args[4] = shard_salt != NULL ? CStringGetTextDatum(shard_salt) : (Datum) 0;
	nulls[4] = shard_salt != NULL ? ' ' : 'n';
	args[5] = BoolGetDatum(node_shards);
	DdbCatalogBeginOwnerAccess(&owner_access);
	if (SPI_execute_with_args(insert_sql, 6, argtypes, args, nulls, false, 0) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "could not create the stream of table \"%s\"", table_name);
	item_table = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												1, &isnull));
	DdbCatalogEndOwnerAccess(&owner_access);
	if (created_at == NULL)
		SetReplicaIdentity(item_table, "FULL");
	DdbWorkerWakeOnCommit();
}

/*
 * DdbStreamEnable starts a new stream of a table; on a distributed table
 * (node_shards) every node starts its shard of it in this transaction.
 */
void
DdbStreamEnable(const char *table_name, const char *view_type, bool node_shards)
{
	StreamEnable(table_name, view_type, node_shards, NULL, NULL);
	if (node_shards)
		DdbPublishDistributedTable(table_name);
}

/*
 * End the live stream of a table, if any; returns whether there was one.
 * With table_dropped the item table is gone (or going) and keeps its
 * replica identity, as does a node's copy of a distributed table's
 * (on_node). *node_shards is set to the stream's.
 */
static bool
StreamDisable(const char *table_name, bool table_dropped, bool on_node, bool *node_shards)
{
	static const char *const update_sql =
	"UPDATE ddb.streams SET"
	"  status = CASE WHEN $2 THEN 'DISABLING' ELSE 'DISABLED' END,"
	"  end_lsn = CASE WHEN $2 THEN NULL ELSE start_lsn END,"
	"  end_index = CASE WHEN $2 THEN NULL ELSE 0 END,"
	"  disabled_at = pg_catalog.now(),"
	"  table_dropped = table_dropped OR $3"
	" WHERE table_name OPERATOR(pg_catalog.=) $1 AND status IN ('ENABLING', 'ENABLED')"
	" RETURNING item_table, node_shards";
	Oid			argtypes[3] = {TEXTOID, BOOLOID, BOOLOID};
	Datum		args[3];
	DdbOwnerAccess owner_access;
	bool		found;
	Oid			item_table = InvalidOid;
	bool		isnull;

	*node_shards = false;
	LockStreams();
	args[0] = CStringGetTextDatum(table_name);
	args[1] = BoolGetDatum(SlotExists());
	args[2] = BoolGetDatum(table_dropped);
	DdbCatalogBeginOwnerAccess(&owner_access);
	if (SPI_execute_with_args(update_sql, 3, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not disable the stream of table \"%s\"", table_name);
	found = SPI_processed > 0;
	if (found)
	{
		item_table = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
													1, &isnull));
		*node_shards = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												  2, &isnull));
	}
	DdbCatalogEndOwnerAccess(&owner_access);
	if (found && !table_dropped && !on_node)
		SetReplicaIdentity(item_table, "DEFAULT");
	if (found)
		DdbWorkerWakeOnCommit();
	return found;
}

/*
 * DdbStreamDisable ends the live stream of a table, if any; returns
 * whether there was one. With table_dropped the item table is gone (or
 * going) and keeps its replica identity. The stream of a distributed table
 * ends on every node in this transaction (a dropped one's ends there as
 * the nodes drop the table).
 */
bool
DdbStreamDisable(const char *table_name, bool table_dropped)
{
	bool		node_shards;
	bool		found = StreamDisable(table_name, table_dropped, false, &node_shards);

	if (found && node_shards && !table_dropped)
		DdbPublishDistributedTable(table_name);
	return found;
}

/*
 * DdbStreamSyncNode makes this node's stream of a distributed table the
 * one its coordinator published (stream: the definition's "stream"
 * member, NULL when the table has no live stream; table_dropped when the
 * table is gone): ends a live stream of another label and starts the
 * published one, with the coordinator's creation time and a shard id of
 * this node's (salted with its Citus group).
 */
void
DdbStreamSyncNode(const char *table_name, JsonbContainer *stream, bool table_dropped,
				  int32 node_group)
{
	const char *values[1] = {table_name};
	char	   *live_label = NULL;
	char	   *label = stream != NULL ? DdbJsonGetString(stream, "label") : NULL;
	bool		node_shards;

	DdbExecuteText("SELECT stream_label FROM ddb.streams WHERE table_name OPERATOR(pg_catalog.=) $1"
				   " AND status IN ('ENABLING', 'ENABLED')",
				   1, values, SPI_OK_SELECT);
	if (SPI_processed > 0)
		live_label = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (live_label != NULL && (label == NULL || strcmp(live_label, label) != 0))
		(void) StreamDisable(table_name, table_dropped, true, &node_shards);
	if (label != NULL && (live_label == NULL || strcmp(live_label, label) != 0))
		StreamEnable(table_name, DdbJsonGetString(stream, "view_type"), true,
					 DdbJsonGetString(stream, "created_at"), psprintf("%d", node_group));
}

/*
 * DdbStreamLiveViewType returns the view type of the table's live stream
 * (ENABLING or ENABLED), or NULL when it has none.
 */
char *
DdbStreamLiveViewType(const char *table_name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(table_name)};

	if (SPI_execute_with_args("SELECT view_type FROM ddb.streams"
							  " WHERE table_name OPERATOR(pg_catalog.=) $1"
							  "   AND status IN ('ENABLING', 'ENABLED')",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the streams of table \"%s\"", table_name);
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

PG_FUNCTION_INFO_V1(ddb_stream_table_deleted);

/* set while a node rewrites its catalog rows of a distributed table */
bool		DdbStreamKeepOnTableDeleted = false;

/*
 * ddb.stream_table_deleted() RETURNS trigger, AFTER DELETE ON ddb.tables
 * FOR EACH ROW: a table that goes (DeleteTable, or DROP TABLE of its item
 * table) ends its stream, which stays readable for 24 hours.
 */
Datum
ddb_stream_table_deleted(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	row;
	TupleDesc	desc;
	char	   *table_name;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "ddb.stream_table_deleted must run AFTER DELETE FOR EACH ROW");
	row = trigdata->tg_trigtuple;
	desc = RelationGetDescr(trigdata->tg_relation);
	if (DdbStreamKeepOnTableDeleted)
		return PointerGetDatum(NULL);
	table_name = SPI_getvalue(row, desc, SPI_fnumber(desc, "table_name"));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) DdbStreamDisable(table_name, true);
	SPI_finish();
	return PointerGetDatum(NULL);
}
