/*-------------------------------------------------------------------------
 *
 * stream_decode.c
 *	  The logical decoding output plugin "ddb": changes of stream-enabled
 *	  item tables become DynamoDB stream records, one per line of JSON.
 *
 * The plugin lives in ddb's library, so any logical replication slot can
 * use it (pg_recvlogical --plugin=ddb, pg_logical_slot_get_changes). The
 * background worker reads the database's own slot with it to fill the
 * retained log of the Streams API (stream_log.c).
 *
 * Which tables stream, and how, comes from ddb.streams, a user catalog
 * table (user_catalog_table = true), read with the historic snapshot of
 * each change: a change is streamed when, as of that change, its item
 * table had a stream that was ENABLING or ENABLED. The streams are read
 * once per decoded transaction (and again after a change to ddb.streams
 * in it).
 *
 * DynamoDB's event rules come from the old and new rows. Item tables of
 * streams have REPLICA IDENTITY FULL (stream_catalog.c sets it), so an
 * UPDATE or DELETE carries the whole old row:
 *	  INSERT				   -> INSERT (a put of a new item, an update that
 *								  creates one)
 *	  UPDATE, same key		   -> MODIFY, or nothing when the item is equal
 *								  (jsonb equality: maps by value)
 *	  UPDATE of the key (SQL)  -> REMOVE of the old item, INSERT of the new
 *	  DELETE				   -> REMOVE (a delete of a missing item writes
 *								  nothing, so it has no record)
 * A transaction's records come at its commit, in the order of its
 * changes; transactions come in commit order, which for one item is the
 * order of its modifications (row locks serialize them). Rolled-back work
 * is never decoded. TRUNCATE produces no records.
 *
 * TTL deletes: a transactional logical message with prefix "ddb.ttl" and
 * content {"TableName": "<table>"} (the TTL worker's batches write one
 * before their deletes; on a Citus node, one before each item's delete)
 * marks the transaction's deletes of that table as TTL deletes (of every
 * table, when the content names none): their REMOVE records, after the
 * message, carry DynamoDB's userIdentity of a service delete.
 *
 * Positions and sequence numbers: every record is numbered by the LSN of
 * its transaction's commit record and its index among the transaction's
 * records, both deterministic, so decoding the same WAL again gives the
 * same records with the same eventID and SequenceNumber.
 *
 * Output: by default one record per line as DynamoDB's JSON (strings with
 * U+0000 written \u0000), plus "eventSourceARN" (the stream's ARN) as in
 * DynamoDB's Lambda events. With option "internal" (the worker, which
 * decodes with its own writer: stream_log.c) the output is binary: each
 * row a DdbStreamRow (streams.h), followed for a record by the record in
 * the stored form (a jsonb datum); a change of a stream to DISABLING is a
 * row of kind 'D'.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "replication/logical.h"
#include "replication/origin.h"
#include "replication/output_plugin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_lsn.h"
#include "utils/rel.h"

#include "guc.h"
#include "item.h"
#include "json_util.h"
#include "streams/streams.h"
#include "string_escape.h"

extern PGDLLEXPORT void _PG_output_plugin_init(OutputPluginCallbacks *cb);

/* A stream as the plugin needs it */
typedef struct StreamTarget
{
	Oid			item_table;
	int64		stream_id;
	bool		new_image;		/* the view type has NewImage */
	bool		old_image;		/* and OldImage */
	char	   *view_type;
	char	   *hash_key;		/* key attribute names, stored form */
	char	   *range_key;		/* NULL without a sort key */
	char	   *arn;			/* the stream's ARN */
	char	   *table_name;
	char	   *event_id_suffix;	/* ends its records' eventIDs (8 hex digits) */
} StreamTarget;

/* A relation that is (target not NULL) or is not the shard of a stream's table */
typedef struct ShardOf
{
	Oid			relid;
	StreamTarget *target;
} ShardOf;

/* The state of one decoding session */
typedef struct DecodeState
{
	MemoryContext change_context;	/* reset after each change */
	MemoryContext txn_context;	/* the transaction's streams; reset at begin */
	bool		internal;		/* the worker's format */

	/* of the transaction being decoded */
	bool		streams_loaded;
	Oid			streams_relid;	/* ddb.streams, InvalidOid if none */
	List	   *streams;		/* StreamTarget, in txn_context */
	List	   *shards;			/* ShardOf, in txn_context */
	bool		ttl_all;		/* a ddb.ttl message naming no table was seen */
	List	   *ttl_tables;		/* tables named by ddb.ttl messages, in txn_context */
	int64		next_index;		/* of the next record */
} DecodeState;

/*
 * DdbStreamSequenceNumber returns a position's sequence number: "1", the
 * commit LSN in 20 digits and the index in 10, so that the text orders
 * like the position, as a number and as a string.
 */
char *
DdbStreamSequenceNumber(XLogRecPtr lsn, int64 index)
{
	return psprintf("1%020llu%010lld", (unsigned long long) lsn, (long long) index);
}

/*
 * DdbStreamParseSequenceNumber reads a sequence number back; false when
 * the text is not one ddb makes.
 */
bool
DdbStreamParseSequenceNumber(const char *text, DdbStreamPosition *position)
{
	unsigned long long lsn = 0;
	long long	index = 0;

	if (strlen(text) != 31 || text[0] != '1')
		return false;
	for (int i = 1; i < 31; i++)
	{
		if (text[i] < '0' || text[i] > '9')
			return false;
		if (i <= 20)
		{
			if (lsn > (PG_UINT64_MAX - 9) / 10)
				return false;
			lsn = lsn * 10 + (text[i] - '0');
		}
		else
			index = index * 10 + (text[i] - '0');
	}
	if (index > PG_INT32_MAX)
		return false;
	position->lsn = (XLogRecPtr) lsn;
	position->index = index;
	return true;
}

/*
 * The attribute number of a column by name, or InvalidAttrNumber.
 */
static AttrNumber
ColumnNumber(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	return InvalidAttrNumber;
}

/*
 * A text column of a ddb.streams row, or NULL.
 */
static char *
TextColumn(HeapTuple tuple, TupleDesc desc, const char *name)
{
	AttrNumber	attnum = ColumnNumber(desc, name);
	bool		isnull;
	Datum		d;

	if (attnum == InvalidAttrNumber)
		return NULL;
	d = heap_getattr(tuple, attnum, desc, &isnull);
	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * Read the live streams (ENABLING or ENABLED) from ddb.streams as of the
 * change being decoded.
 */
static void
LoadStreams(DecodeState *state)
{
	MemoryContext old = MemoryContextSwitchTo(state->txn_context);
	Oid			nspid = get_namespace_oid("ddb", true);
	Relation	rel;
	TupleDesc	desc;
	SysScanDesc scan;
	HeapTuple	tuple;

	state->streams = NIL;
	state->shards = NIL;
	state->streams_relid = InvalidOid;
	state->streams_loaded = true;
	if (OidIsValid(nspid))
		state->streams_relid = get_relname_relid("streams", nspid);
	if (!OidIsValid(state->streams_relid))
	{
		MemoryContextSwitchTo(old);
		return;
	}
	rel = table_open(state->streams_relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while ((tuple = systable_getnext(scan)) != NULL)
	{
		char	   *status = TextColumn(tuple, desc, "status");
		StreamTarget *target;
		bool		isnull;

		if (status == NULL ||
			(strcmp(status, "ENABLING") != 0 && strcmp(status, "ENABLED") != 0))
			continue;
		target = palloc0(sizeof(StreamTarget));
		target->item_table = DatumGetObjectId(heap_getattr(tuple, ColumnNumber(desc, "item_table"),
														   desc, &isnull));
		target->stream_id = DatumGetInt64(heap_getattr(tuple, ColumnNumber(desc, "stream_id"),
													   desc, &isnull));
		target->view_type = TextColumn(tuple, desc, "view_type");
		target->new_image = strcmp(target->view_type, "NEW_IMAGE") == 0 ||
			strcmp(target->view_type, "NEW_AND_OLD_IMAGES") == 0;
		target->old_image = strcmp(target->view_type, "OLD_IMAGE") == 0 ||
			strcmp(target->view_type, "NEW_AND_OLD_IMAGES") == 0;
		target->hash_key = TextColumn(tuple, desc, "hash_key");
		target->range_key = TextColumn(tuple, desc, "range_key");
		target->table_name = TextColumn(tuple, desc, "table_name");
		/*
		 * eventIDs are unique in a stream: a position is unique in a node's
		 * log, and the shards of a distributed table's stream (one per
		 * node, whose positions may coincide) have ids of their own
		 */
		if (DatumGetBool(heap_getattr(tuple, ColumnNumber(desc, "node_shards"), desc, &isnull)))
		{
			char	   *shard_id = TextColumn(tuple, desc, "shard_id");

			target->event_id_suffix = pstrdup(shard_id + strlen(shard_id) - Min(strlen(shard_id), 8));
		}
		else
			target->event_id_suffix = psprintf("%08x", (uint32) target->stream_id);
		target->arn = psprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/%s",
							   DdbRegion, DdbAccountId, target->table_name,
							   TextColumn(tuple, desc, "stream_label"));
		state->streams = lappend(state->streams, target);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	MemoryContextSwitchTo(old);
}

/*
 * The distributed table a Citus shard belongs to, or InvalidOid: a shard
 * is named "<table>_<shard id>", and pg_dist_shard (read as Citus's own
 * change data capture reads it while decoding) maps the id to the table.
 */
static Oid
ShardLogicalRelid(Relation relation)
{
	const char *name = RelationGetRelationName(relation);
	const char *suffix = strrchr(name, '_');
	char	   *end;
	int64		shard_id;
	Oid			shards_relid;
	Oid			index_relid;
	Relation	shards;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	Oid			logical_relid = InvalidOid;

	if (suffix == NULL || suffix[1] < '0' || suffix[1] > '9')
		return InvalidOid;
	errno = 0;
	shard_id = strtoi64(suffix + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return InvalidOid;
	shards_relid = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	index_relid = get_relname_relid("pg_dist_shard_shardid_index", PG_CATALOG_NAMESPACE);
	if (!OidIsValid(shards_relid))
		return InvalidOid;
	shards = table_open(shards_relid, AccessShareLock);
	ScanKeyInit(&key, ColumnNumber(RelationGetDescr(shards), "shardid"),
				BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(shard_id));
	scan = systable_beginscan(shards, index_relid, OidIsValid(index_relid), NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (tuple != NULL)
	{
		bool		isnull;
		Datum		d = heap_getattr(tuple, ColumnNumber(RelationGetDescr(shards), "logicalrelid"),
									 RelationGetDescr(shards), &isnull);

		if (!isnull)
			logical_relid = DatumGetObjectId(d);
	}
	systable_endscan(scan);
	table_close(shards, AccessShareLock);
	return logical_relid;
}

/*
 * The live stream of an item table, or of the distributed item table
 * whose shard it is (on a Citus node), or NULL.
 */
static StreamTarget *
FindStream(DecodeState *state, Relation relation)
{
	Oid			relid = RelationGetRelid(relation);
	ListCell   *lc;

	if (!state->streams_loaded)
		LoadStreams(state);
	if (state->streams == NIL)
		return NULL;
	foreach(lc, state->streams)
	{
		StreamTarget *target = lfirst(lc);

		if (target->item_table == relid)
			return target;
	}
	/* a shard: the relations met in this transaction are remembered */
	foreach(lc, state->shards)
	{
		ShardOf    *shard = lfirst(lc);

		if (shard->relid == relid)
			return shard->target;
	}
	{
		MemoryContext old = MemoryContextSwitchTo(state->txn_context);
		ShardOf    *shard = palloc(sizeof(ShardOf));
		Oid			logical_relid = ShardLogicalRelid(relation);

		shard->relid = relid;
		shard->target = NULL;
		foreach(lc, state->streams)
		{
			StreamTarget *target = lfirst(lc);

			if (OidIsValid(logical_relid) && target->item_table == logical_relid)
				shard->target = target;
		}
		state->shards = lappend(state->shards, shard);
		MemoryContextSwitchTo(old);
		return shard->target;
	}
}

/*
 * The item of a decoded row: NULL when the row is absent or its item is
 * not in the WAL (an unchanged TOASTed item of an UPDATE, *unchanged set).
 */
static Jsonb *
RowItem(ReorderBufferTupleBuf *buf, TupleDesc desc, AttrNumber attnum, bool *unchanged)
{
	bool		isnull;
	Datum		d;

	if (unchanged)
		*unchanged = false;
	if (buf == NULL || attnum == InvalidAttrNumber)
		return NULL;
	d = heap_getattr(&buf->tuple, attnum, desc, &isnull);
	if (isnull)
		return NULL;
	if (VARATT_IS_EXTERNAL_ONDISK(DatumGetPointer(d)))
	{
		if (unchanged)
			*unchanged = true;
		return NULL;
	}
	return DatumGetJsonbP(d);
}

/*
 * The Keys map of an item: its key attributes.
 */
static Jsonb *
ItemKeys(StreamTarget *target, Jsonb *item)
{
	JsonbParseState *st = NULL;
	const char *names[2] = {target->hash_key, target->range_key};
	JsonbValue	v;

	DdbPushBeginObject(&st);
	for (int i = 0; i < 2; i++)
	{
		if (names[i] == NULL || !DdbJsonGet(&item->root, names[i], &v))
			continue;
		DdbPushKey(&st, names[i]);
		DdbPushStored(&st, WJB_VALUE, &v);
	}
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * The Keys map of a row whose item is not in the WAL (an old row of a
 * DELETE on a table whose replica identity is not FULL, which ddb does
 * not set up, but SQL can): its key columns, the table's first one or
 * two columns, as DynamoDB values.
 */
static Jsonb *
ColumnKeys(StreamTarget *target, ReorderBufferTupleBuf *buf, TupleDesc desc)
{
	JsonbParseState *st = NULL;
	const char *names[2] = {target->hash_key, target->range_key};

	DdbPushBeginObject(&st);
	for (int i = 0; i < 2 && i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		isnull;
		Datum		d;

		if (names[i] == NULL || buf == NULL)
			continue;
		d = heap_getattr(&buf->tuple, att->attnum, desc, &isnull);
		if (isnull)
			continue;
		DdbPushKey(&st, names[i]);
		DdbPushBeginObject(&st);
		if (att->atttypid == NUMERICOID)
		{
			DdbPushKey(&st, "N");
			DdbPushString(&st, WJB_VALUE,
						  DatumGetCString(DirectFunctionCall1(numeric_out, d)));
		}
		else if (att->atttypid == BYTEAOID)
		{
			bytea	   *b = DatumGetByteaPP(d);

			DdbPushKey(&st, "B");
			DdbPushString(&st, WJB_VALUE,
						  DdbBase64Encode(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)));
		}
		else
		{
			DdbPushKey(&st, "S");
			DdbPushString(&st, WJB_VALUE, TextDatumGetCString(d));
		}
		DdbPushEndObject(&st);
	}
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * Whether the transaction's deletes of a stream's table are TTL deletes.
 */
static bool
TtlDelete(DecodeState *state, StreamTarget *target)
{
	ListCell   *lc;

	if (state->ttl_all)
		return true;
	foreach(lc, state->ttl_tables)
	{
		if (strcmp((char *) lfirst(lc), target->table_name) == 0)
			return true;
	}
	return false;
}

/*
 * Write one record of the transaction.
 */
static void
EmitRecord(LogicalDecodingContext *ctx, DecodeState *state, ReorderBufferTXN *txn,
		   StreamTarget *target, const char *event, Jsonb *keys,
		   Jsonb *new_item, Jsonb *old_item)
{
	int64		index = state->next_index++;
	XLogRecPtr	lsn = txn->final_lsn;
	TimestampTz commit_time = txn->xact_time.commit_time;
	int64		seconds = (commit_time / USECS_PER_SEC) +
		(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	Size		size = DdbItemSize(&keys->root);
	JsonbParseState *st = NULL;
	Jsonb	   *record;
	char	   *text;

	if (commit_time % USECS_PER_SEC < 0)
		seconds--;				/* round down before 2000 too */
	if (!target->new_image)
		new_item = NULL;
	if (!target->old_image)
		old_item = NULL;
	if (new_item != NULL)
		size += DdbItemSize(&new_item->root);
	if (old_item != NULL)
		size += DdbItemSize(&old_item->root);

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "eventID");
	DdbPushString(&st, WJB_VALUE,
				  psprintf("%016llx%08x%s", (unsigned long long) lsn,
						   (uint32) index, target->event_id_suffix));
	DdbPushKey(&st, "eventName");
	DdbPushString(&st, WJB_VALUE, event);
	DdbPushKey(&st, "eventVersion");
	DdbPushString(&st, WJB_VALUE, "1.1");
	DdbPushKey(&st, "eventSource");
	DdbPushString(&st, WJB_VALUE, "aws:dynamodb");
	DdbPushKey(&st, "awsRegion");
	DdbPushString(&st, WJB_VALUE, DdbRegion);
	DdbPushKey(&st, "dynamodb");
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ApproximateCreationDateTime");
	DdbPushInt64(&st, WJB_VALUE, seconds);
	DdbPushKey(&st, "Keys");
	DdbPushStoredContainer(&st, WJB_VALUE, &keys->root);
	if (new_item != NULL)
	{
		DdbPushKey(&st, "NewImage");
		DdbPushStoredContainer(&st, WJB_VALUE, &new_item->root);
	}
	if (old_item != NULL)
	{
		DdbPushKey(&st, "OldImage");
		DdbPushStoredContainer(&st, WJB_VALUE, &old_item->root);
	}
	DdbPushKey(&st, "SequenceNumber");
	DdbPushString(&st, WJB_VALUE, DdbStreamSequenceNumber(lsn, index));
	DdbPushKey(&st, "SizeBytes");
	DdbPushInt64(&st, WJB_VALUE, (int64) Max(size, 1));
	DdbPushKey(&st, "StreamViewType");
	DdbPushString(&st, WJB_VALUE, target->view_type);
	DdbPushEndObject(&st);
	if (strcmp(event, "REMOVE") == 0 && TtlDelete(state, target))
	{
		DdbPushKey(&st, "userIdentity");
		DdbPushBeginObject(&st);
		DdbPushKey(&st, "Type");
		DdbPushString(&st, WJB_VALUE, "Service");
		DdbPushKey(&st, "PrincipalId");
		DdbPushString(&st, WJB_VALUE, "dynamodb.amazonaws.com");
		DdbPushEndObject(&st);
	}
	if (!state->internal)
	{
		DdbPushKey(&st, "eventSourceARN");
		DdbPushString(&st, WJB_VALUE, target->arn);
	}
	record = DdbBuildJsonb(DdbPushEndObject(&st));

	OutputPluginPrepareWrite(ctx, true);
	if (state->internal)
	{
		DdbStreamRow row;

		memset(&row, 0, sizeof(row));
		row.kind = DDB_STREAM_ROW_RECORD;
		row.stream_id = target->stream_id;
		row.lsn = lsn;
		row.index = index;
		row.commit_time = commit_time;
		appendBinaryStringInfo(ctx->out, (char *) &row, sizeof(row));
		appendBinaryStringInfo(ctx->out, (char *) record, VARSIZE(record));
	}
	else
	{
		text = JsonbToCString(NULL, &record->root, VARSIZE(record));
		appendStringInfoString(ctx->out, DdbUnescapeJsonText(text));
	}
	OutputPluginWrite(ctx, true);
}

/*
 * A change to ddb.streams: the worker learns where a stream was disabled
 * (its DISABLING row commits here), and the transaction's streams are
 * read again.
 */
static void
StreamsChanged(LogicalDecodingContext *ctx, DecodeState *state, ReorderBufferTXN *txn,
			   Relation relation, ReorderBufferChange *change)
{
	TupleDesc	desc = RelationGetDescr(relation);
	ReorderBufferTupleBuf *row = change->data.tp.newtuple;

	state->streams_loaded = false;
	if (!state->internal || change->action != REORDER_BUFFER_CHANGE_UPDATE || row == NULL)
		return;
	{
		char	   *status = TextColumn(&row->tuple, desc, "status");
		bool		isnull;
		int64		stream_id;
		int64		index;

		if (status == NULL || strcmp(status, "DISABLING") != 0)
			return;
		stream_id = DatumGetInt64(heap_getattr(&row->tuple, ColumnNumber(desc, "stream_id"),
											   desc, &isnull));
		index = state->next_index++;
		{
			DdbStreamRow disabled;

			memset(&disabled, 0, sizeof(disabled));
			disabled.kind = DDB_STREAM_ROW_DISABLED;
			disabled.stream_id = stream_id;
			disabled.lsn = txn->final_lsn;
			disabled.index = index;
			OutputPluginPrepareWrite(ctx, true);
			appendBinaryStringInfo(ctx->out, (char *) &disabled, sizeof(disabled));
			OutputPluginWrite(ctx, true);
		}
	}
}

/*
 * Whether two items are equal: maps compare by value in jsonb.
 */
static bool
ItemsEqual(Jsonb *a, Jsonb *b)
{
	if (VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0)
		return true;
	return compareJsonbContainers(&a->root, &b->root) == 0;
}

/*
 * Change callback: the records of one row change.
 */
static void
DecodeChange(LogicalDecodingContext *ctx, ReorderBufferTXN *txn,
			 Relation relation, ReorderBufferChange *change)
{
	DecodeState *state = ctx->output_plugin_private;
	Oid			relid = RelationGetRelid(relation);
	MemoryContext old;
	StreamTarget *target;
	TupleDesc	desc;
	AttrNumber	item_attnum;
	Jsonb	   *new_item;
	Jsonb	   *old_item;
	bool		new_unchanged;

	if (!state->streams_loaded)
		LoadStreams(state);
	old = MemoryContextSwitchTo(state->change_context);
	if (OidIsValid(state->streams_relid) && relid == state->streams_relid)
	{
		StreamsChanged(ctx, state, txn, relation, change);
		goto done;
	}
	target = FindStream(state, relation);
	if (target == NULL)
		goto done;
	desc = RelationGetDescr(relation);
	item_attnum = ColumnNumber(desc, "item");

	switch (change->action)
	{
		case REORDER_BUFFER_CHANGE_INSERT:
			new_item = RowItem(change->data.tp.newtuple, desc, item_attnum, NULL);
			if (new_item != NULL)
				EmitRecord(ctx, state, txn, target, "INSERT", ItemKeys(target, new_item),
						   new_item, NULL);
			break;
		case REORDER_BUFFER_CHANGE_UPDATE:
			new_item = RowItem(change->data.tp.newtuple, desc, item_attnum, &new_unchanged);
			old_item = RowItem(change->data.tp.oldtuple, desc, item_attnum, NULL);
			if (new_unchanged || new_item == NULL)
				break;			/* the item itself did not change */
			if (old_item == NULL)
			{
				EmitRecord(ctx, state, txn, target, "MODIFY", ItemKeys(target, new_item),
						   new_item, NULL);
				break;
			}
			if (ItemsEqual(new_item, old_item))
				break;
			{
				Jsonb	   *new_keys = ItemKeys(target, new_item);
				Jsonb	   *old_keys = ItemKeys(target, old_item);

				if (ItemsEqual(new_keys, old_keys))
					EmitRecord(ctx, state, txn, target, "MODIFY", new_keys, new_item, old_item);
				else
				{
					EmitRecord(ctx, state, txn, target, "REMOVE", old_keys, NULL, old_item);
					EmitRecord(ctx, state, txn, target, "INSERT", new_keys, new_item, NULL);
				}
			}
			break;
		case REORDER_BUFFER_CHANGE_DELETE:
			old_item = RowItem(change->data.tp.oldtuple, desc, item_attnum, NULL);
			if (old_item != NULL)
				EmitRecord(ctx, state, txn, target, "REMOVE", ItemKeys(target, old_item),
						   NULL, old_item);
			else if (change->data.tp.oldtuple != NULL)
				EmitRecord(ctx, state, txn, target, "REMOVE",
						   ColumnKeys(target, change->data.tp.oldtuple, desc), NULL, NULL);
			break;
		default:
			break;
	}
done:
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->change_context);
}

/*
 * Begin callback: a new transaction, with nothing known of it yet.
 */
static void
DecodeBegin(LogicalDecodingContext *ctx, ReorderBufferTXN *txn)
{
	DecodeState *state = ctx->output_plugin_private;

	MemoryContextReset(state->txn_context);
	state->streams_loaded = false;
	state->streams = NIL;
	state->shards = NIL;
	state->ttl_all = false;
	state->ttl_tables = NIL;
	state->next_index = 0;
}

/*
 * Commit callback: records were written as they came.
 */
static void
DecodeCommit(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr commit_lsn)
{
}

/*
 * Message callback: "ddb.ttl" marks the transaction's deletes as TTL's.
 */
static void
DecodeMessage(LogicalDecodingContext *ctx, ReorderBufferTXN *txn, XLogRecPtr lsn,
			  bool transactional, const char *prefix, Size size, const char *message)
{
	DecodeState *state = ctx->output_plugin_private;
	char	   *content;
	char	   *name;
	char	   *end;
	ListCell   *lc;

	if (!transactional || strcmp(prefix, DDB_TTL_MESSAGE_PREFIX) != 0)
		return;
	/*
	 * The content is {"TableName": "<table>"}: table names hold no quote
	 * or backslash, so the name is the text between the quotes after the
	 * member's colon. Anything else marks the deletes of every table.
	 */
	content = pnstrdup(message, size);
	name = strstr(content, "\"TableName\"");
	if (name != NULL)
		name = strchr(name + strlen("\"TableName\""), '"');
	end = name != NULL ? strchr(name + 1, '"') : NULL;
	if (end == NULL)
	{
		state->ttl_all = true;
		pfree(content);
		return;
	}
	*end = '\0';
	/* (a distributed table's batch marks each item: a table is kept once) */
	foreach(lc, state->ttl_tables)
	{
		if (strcmp((char *) lfirst(lc), name + 1) == 0)
		{
			pfree(content);
			return;
		}
	}
	{
		MemoryContext old = MemoryContextSwitchTo(state->txn_context);

		state->ttl_tables = lappend(state->ttl_tables, pstrdup(name + 1));
		MemoryContextSwitchTo(old);
	}
	pfree(content);
}

/*
 * Origin filter: the changes marked with the replication origin
 * DoNotReplicateId are the worker's own writes to the log (stream records
 * are never among them), which need not even be queued, and, on a Citus
 * node, Citus's copies of shards it moves or splits (with
 * citus.enable_change_data_capture on), which are no item's changes.
 */
static bool
DecodeFilterByOrigin(LogicalDecodingContext *ctx, RepOriginId origin_id)
{
	return origin_id == DoNotReplicateId;
}

/*
 * Startup callback: options, and textual output.
 */
static void
DecodeStartup(LogicalDecodingContext *ctx, OutputPluginOptions *options, bool is_init)
{
	DecodeState *state = palloc0(sizeof(DecodeState));
	ListCell   *lc;

	state->change_context = AllocSetContextCreate(ctx->context, "ddb stream change",
												  ALLOCSET_DEFAULT_SIZES);
	state->txn_context = AllocSetContextCreate(ctx->context, "ddb stream transaction",
											   ALLOCSET_SMALL_SIZES);
	foreach(lc, ctx->output_plugin_options)
	{
		DefElem    *elem = lfirst(lc);

		if (strcmp(elem->defname, "internal") == 0)
		{
			if (elem->arg == NULL)
				state->internal = true;
			else if (!parse_bool(strVal(elem->arg), &state->internal))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("could not parse value \"%s\" for parameter \"%s\"",
								strVal(elem->arg), elem->defname)));
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" = \"%s\" is unknown",
							elem->defname, elem->arg ? strVal(elem->arg) : "(null)")));
	}
	/* the worker's rows are binary (pg_logical_slot_peek_changes refuses them) */
	options->output_type = state->internal ? OUTPUT_PLUGIN_BINARY_OUTPUT : OUTPUT_PLUGIN_TEXTUAL_OUTPUT;
	options->receive_rewrites = false;
	ctx->output_plugin_private = state;
}

/*
 * Shutdown callback.
 */
static void
DecodeShutdown(LogicalDecodingContext *ctx)
{
	DecodeState *state = ctx->output_plugin_private;

	MemoryContextDelete(state->change_context);
	MemoryContextDelete(state->txn_context);
}

/*
 * _PG_output_plugin_init fills the callback table of the plugin "ddb".
 */
void
_PG_output_plugin_init(OutputPluginCallbacks *cb)
{
	AssertVariableIsOfType(&_PG_output_plugin_init, LogicalOutputPluginInit);

	cb->startup_cb = DecodeStartup;
	cb->begin_cb = DecodeBegin;
	cb->change_cb = DecodeChange;
	cb->commit_cb = DecodeCommit;
	cb->message_cb = DecodeMessage;
	cb->shutdown_cb = DecodeShutdown;
	cb->filter_by_origin_cb = DecodeFilterByOrigin;
}
