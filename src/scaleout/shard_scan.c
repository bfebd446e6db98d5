/*-------------------------------------------------------------------------
 *
 * shard_scan.c
 *	  Parallel Scan segments of tables distributed by Citus, mapped onto
 *	  shards.
 *
 * Citus places a row by the 32-bit hash of its partition key (worker_hash)
 * and gives each shard an equal range of the hash space. A parallel Scan
 * segment of a distributed table is a range of that space too: segment s
 * of TotalSegments T holds the partition keys whose hash is in the s-th of
 * T equal ranges, with the same arithmetic Citus uses for its shards. With
 * T equal to the shard count each segment is exactly one shard; with T a
 * multiple of it, a part of one shard; with fewer, a run of whole shards.
 * Segments stay disjoint and complete, and a partition never spans two.
 * A parallel Scan of an index is split by the same hash of the table's
 * partition key: index tables are co-located with their item table, so
 * each of its pieces is the index shard beside an item shard.
 *
 * A segment is read as its pieces, in hash order: a piece is the part of
 * one shard that the segment's range covers. A page reads one piece and
 * ends at its end. When the piece ends before Limit or 1 MB, and another
 * piece follows, LastEvaluatedKey is the last item read, and resuming
 * after it finds that piece exhausted and goes on with the next. Within a
 * piece, items come in primary key order.
 *
 * The node that holds a piece's shard reads it: the coordinator sends
 * ddb.node_call('ScanShard', ...) there in a query that Citus routes to
 * the shard (node_calls.c), by a partition key value that hashes into the
 * shard. The node reads the shard table itself with ddb's chunked cursor
 * and answers with the page, so only that shard is read and only a page
 * travels. The query runs in the caller's transaction, through the
 * connection Citus uses for that shard, so a Scan sees the transaction's
 * own writes as any read does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "errors.h"
#include "json_util.h"
#include "operations.h"
#include "query.h"
#include "storage.h"
#include "scaleout/scaleout.h"

/* The size of the hash space Citus divides among shards */
#define HASH_TOKEN_COUNT	(UINT64CONST(1) << 32)

/* A piece of a segment: a shard's part of the segment's hash range */
typedef struct Piece
{
	DdbScanPieceRange range;
	int32		shard_min;		/* the shard's hash range */
	int32		shard_max;
} Piece;

/* How many partition key values ShardKeyValue tries per query, and at most */
#define KEY_VALUES_PER_TRY	4096
#define KEY_VALUES_MAX		(INT64CONST(1) << 26)

/*
 * The width of a segment's hash range, as Citus computes a shard's width
 * (the last range also takes the remainder).
 */
static uint64
SegmentWidth(int64 total_segments)
{
	return HASH_TOKEN_COUNT / (uint64) total_segments;
}

/*
 * The segment (of total_segments) a Citus hash falls in.
 */
static int64
HashSegment(int32 hash, int64 total_segments)
{
	int64		segment = (int64) (((int64) hash - PG_INT32_MIN) / SegmentWidth(total_segments));

	return Min(segment, total_segments - 1);
}

/*
 * DdbShardSegmentOf returns the segment (of total_segments) of a partition
 * key value of a distributed table.
 */
int64
DdbShardSegmentOf(DdbTable *table, Datum partition, int64 total_segments)
{
	return HashSegment(DdbStorageShardHashOf(table, partition), total_segments);
}

/*
 * The pieces of a segment of a distributed item table, in hash order: each
 * shard whose range meets the segment's, clipped to it.
 *
 *	  SELECT shardid, GREATEST(min, $2), LEAST(max, $3), min, max FROM pg_dist_shard
 *	   WHERE logicalrelid = $1 AND <its range meets [$2, $3]> ORDER BY 2
 */
static List *
SegmentPieces(DdbTable *table, int64 segment, int64 total_segments)
{
	uint64		width = SegmentWidth(total_segments);
	int32		lower = (int32) ((int64) PG_INT32_MIN + (int64) (segment * width));
	int32		upper = segment == total_segments - 1 ? PG_INT32_MAX :
		(int32) ((int64) lower + (int64) width - 1);
	Oid			argtypes[3] = {OIDOID, INT4OID, INT4OID};
	Datum		args[3];
	List	   *pieces = NIL;

	args[0] = ObjectIdGetDatum(table->relid);
	args[1] = Int32GetDatum(lower);
	args[2] = Int32GetDatum(upper);
	DdbExecute("SELECT shardid, GREATEST(shardminvalue::pg_catalog.int4, $2),"
			   "       LEAST(shardmaxvalue::pg_catalog.int4, $3),"
			   "       shardminvalue::pg_catalog.int4, shardmaxvalue::pg_catalog.int4"
			   "  FROM pg_catalog.pg_dist_shard"
			   " WHERE logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1"
			   "   AND shardmaxvalue::pg_catalog.int4 OPERATOR(pg_catalog.>=) $2"
			   "   AND shardminvalue::pg_catalog.int4 OPERATOR(pg_catalog.<=) $3"
			   " ORDER BY 2",
			   3, argtypes, args, NULL, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Piece	   *piece = palloc0(sizeof(Piece));
		bool		isnull;

		piece->range.shard_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		piece->range.hash_min = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		piece->range.hash_max = DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull));
		piece->shard_min = DatumGetInt32(SPI_getbinval(tuple, desc, 4, &isnull));
		piece->shard_max = DatumGetInt32(SPI_getbinval(tuple, desc, 5, &isnull));
		pieces = lappend(pieces, piece);
	}
	if (pieces == NIL)
		ereport(ERROR, (errmsg("table \"%s\" has no shard for the hashes %d to %d",
							   table->name, lower, upper)));
	return pieces;
}

/* A partition key value that hashes into a shard, by shard id */
typedef struct ShardKeyEntry
{
	int64		shard_id;		/* hash key */
	Datum		key;			/* in TopMemoryContext */
} ShardKeyEntry;

static HTAB *ShardKeys = NULL;

/*
 * Find a partition key value that hashes into a piece's shard: the first of
 * 0, 1, 2, ... as the key type whose hash is in the shard's range. About as
 * many values are tried as the table has shards, a few thousand per query:
 *
 *	  SELECT v FROM generate_series($1, $1 + 4095) AS g(i), CAST(i AS type) AS v
 *	   WHERE worker_hash(v) BETWEEN $2 AND $3 LIMIT 1
 */
static Datum
FindShardKeyValue(DdbTable *table, Piece *piece)
{
	const char *value = table->keys[0].type == 'N' ? "g.i::pg_catalog.numeric" :
		table->keys[0].type == 'B' ? "pg_catalog.convert_to(g.i::pg_catalog.text, 'UTF8')" :
		"g.i::pg_catalog.text";
	char	   *sql;
	Oid			argtypes[3] = {INT8OID, INT4OID, INT4OID};
	Datum		args[3];

	sql = psprintf("SELECT v FROM pg_catalog.generate_series($1, $1 OPERATOR(pg_catalog.+) %d) AS g(i),"
				   " LATERAL (SELECT %s) AS x(v)"
				   " WHERE pg_catalog.worker_hash(v) BETWEEN $2 AND $3 LIMIT 1",
				   KEY_VALUES_PER_TRY - 1, value);
	args[1] = Int32GetDatum(piece->shard_min);
	args[2] = Int32GetDatum(piece->shard_max);
	for (int64 first = 0; first < KEY_VALUES_MAX; first += KEY_VALUES_PER_TRY)
	{
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		args[0] = Int64GetDatum(first);
		DdbExecute(sql, 3, argtypes, args, NULL, SPI_OK_SELECT);
		if (SPI_processed == 1)
			return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	}
	ereport(ERROR, (errmsg("no partition key value of table \"%s\" hashes into shard " INT64_FORMAT,
						   table->name, piece->range.shard_id)));
}

/*
 * A partition key value that hashes into a piece's shard (for Citus to
 * route the piece's query to it). A shard id keeps its hash range for
 * good, so the value found for it is kept for the session.
 */
static Datum
ShardKeyValue(DdbTable *table, Piece *piece)
{
	ShardKeyEntry *entry;
	bool		found;

	if (ShardKeys == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(ShardKeyEntry);
		ShardKeys = hash_create("ddb shard key values", 64, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	entry = hash_search(ShardKeys, &piece->range.shard_id, HASH_FIND, NULL);
	if (entry == NULL)
	{
		Datum		key = FindShardKeyValue(table, piece);
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		key = datumCopy(key, false, -1);
		MemoryContextSwitchTo(old);
		entry = hash_search(ShardKeys, &piece->range.shard_id, HASH_ENTER, &found);
		entry->key = key;
	}
	return entry->key;
}

/*
 * The request a piece reads: the Scan request without Segment and
 * TotalSegments, and without ExclusiveStartKey unless keep_start.
 */
static Jsonb *
PieceRequest(JsonbContainer *request, bool keep_start)
{
	DdbJsonMember *members;
	int			n = DdbJsonObjectMembers(request, &members);
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	for (int i = 0; i < n; i++)
	{
		if (strcmp(members[i].key, "Segment") == 0 ||
			strcmp(members[i].key, "TotalSegments") == 0 ||
			(!keep_start && strcmp(members[i].key, "ExclusiveStartKey") == 0))
			continue;
		DdbPushKey(&st, members[i].key);
		DdbPushStored(&st, WJB_VALUE, &members[i].value);
	}
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * Read a page of a piece on the node that holds its shard.
 */
static Jsonb *
ReadPiece(DdbTable *table, Piece *piece, Jsonb *request, Jsonb **last_read)
{
	JsonbParseState *st = NULL;
	DdbNodeReply *reply;
	JsonbContainer *page;
	JsonbValue	v;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Request");
	DdbPushStoredContainer(&st, WJB_VALUE, &request->root);
	DdbPushKey(&st, "ShardId");
	DdbPushInt64(&st, WJB_VALUE, piece->range.shard_id);
	DdbPushKey(&st, "HashMin");
	DdbPushInt64(&st, WJB_VALUE, piece->range.hash_min);
	DdbPushKey(&st, "HashMax");
	DdbPushInt64(&st, WJB_VALUE, piece->range.hash_max);
	DdbPushKey(&st, "Partitions");
	DdbPushInt64(&st, WJB_VALUE, piece->range.partitions);
	reply = DdbCallShard(table, ShardKeyValue(table, piece), "ScanShard",
						 DdbBuildJsonb(DdbPushEndObject(&st)));
	if (reply->response == NULL)
		DdbRaiseNodeError(reply);
	page = DdbJsonGetObject(&reply->response->root, "Page");
	if (page == NULL)
		ereport(ERROR, (errmsg("the node of shard " INT64_FORMAT " answered without a page",
							   piece->range.shard_id)));
	*last_read = NULL;
	if (DdbJsonGet(&reply->response->root, "LastReadKey", &v))
		*last_read = DdbContainerToJsonb(DdbJsonValueObject(&v, "LastReadKey"));
	return DdbContainerToJsonb(page);
}

/*
 * A page with LastEvaluatedKey added.
 */
static Jsonb *
WithLastEvaluatedKey(Jsonb *page, Jsonb *key)
{
	DdbJsonMember *members;
	int			n = DdbJsonObjectMembers(&page->root, &members);
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	for (int i = 0; i < n; i++)
	{
		DdbPushKey(&st, members[i].key);
		DdbPushStored(&st, WJB_VALUE, &members[i].value);
	}
	DdbPushKey(&st, "LastEvaluatedKey");
	DdbPushStoredContainer(&st, WJB_VALUE, &key->root);
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * DdbScanShards reads one page of a segment of a distributed table or of
 * its index: from the piece holding the start key's partition key (the
 * first piece without one), going on to the next pieces while a piece
 * ends with nothing read.
 */
Jsonb *
DdbScanShards(DdbTable *table, JsonbContainer *request, int64 segment, int64 total_segments,
			  const Datum *start_partition, int64 partitions)
{
	List	   *pieces = SegmentPieces(table, segment, total_segments);
	int			first = 0;

	if (start_partition != NULL)
	{
		int32		hash = DdbStorageShardHashOf(table, *start_partition);
		ListCell   *lc;

		foreach(lc, pieces)
		{
			Piece	   *piece = lfirst(lc);

			if (hash >= piece->range.hash_min && hash <= piece->range.hash_max)
				first = foreach_current_index(lc);
		}
	}
	for (int i = first; i < list_length(pieces); i++)
	{
		Piece	   *piece = list_nth(pieces, i);
		Jsonb	   *last_read = NULL;
		Jsonb	   *page;
		JsonbValue	v;

		CHECK_FOR_INTERRUPTS();
		piece->range.partitions = partitions;
		page = ReadPiece(table, piece, PieceRequest(request, i == first), &last_read);
		if (DdbJsonGet(&page->root, "LastEvaluatedKey", &v) || i == list_length(pieces) - 1)
			return page;
		if (last_read != NULL)
			return WithLastEvaluatedKey(page, last_read);
	}
	elog(ERROR, "the pieces of a Scan segment ended without a page");
}

/*
 * The relation, on this node, of the shard of relid (item_table or a
 * relation co-located with it) that holds the hashes of item_table's shard
 * shard_id, whose hash range is returned. A shard of another table, or one
 * this node does not hold, is an error.
 *
 *	  SELECT to_regclass(shard_name(c.logicalrelid, c.shardid)), s.min, s.max
 *		FROM pg_dist_shard s JOIN pg_dist_shard c ON c.shardminvalue = s.shardminvalue
 *	   WHERE s.shardid = $1 AND s.logicalrelid = $2 AND c.logicalrelid = $3
 */
static Oid
ShardOnThisNode(Oid item_table, Oid relid, int64 shard_id, int32 *shard_min, int32 *shard_max)
{
	Oid			argtypes[3] = {INT8OID, OIDOID, OIDOID};
	Datum		args[3] = {Int64GetDatum(shard_id), ObjectIdGetDatum(item_table),
	ObjectIdGetDatum(relid)};
	HeapTuple	tuple;
	bool		isnull;
	Oid			shard;

	DdbExecute("SELECT pg_catalog.to_regclass(pg_catalog.shard_name(c.logicalrelid, c.shardid))::pg_catalog.oid,"
			   "       s.shardminvalue::pg_catalog.int4, s.shardmaxvalue::pg_catalog.int4"
			   "  FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_shard c"
			   "    ON c.shardminvalue OPERATOR(pg_catalog.=) s.shardminvalue"
			   " WHERE s.shardid OPERATOR(pg_catalog.=) $1"
			   "   AND s.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $2"
			   "   AND c.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $3",
			   3, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		DdbValidationError("Shard " INT64_FORMAT " is not a shard of the table", shard_id);
	tuple = SPI_tuptable->vals[0];
	shard = DatumGetObjectId(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		DdbValidationError("Shard " INT64_FORMAT " is not on this node", shard_id);
	*shard_min = DatumGetInt32(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull));
	*shard_max = DatumGetInt32(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 3, &isnull));
	return shard;
}

/*
 * DdbShardRelation returns the relation of a shard of a distributed item
 * table on this node; whole_shard tells whether [hash_min, hash_max]
 * covers every hash of the shard.
 */
Oid
DdbShardRelation(Oid item_table, int64 shard_id, int32 hash_min, int32 hash_max,
				 bool *whole_shard)
{
	int32		shard_min;
	int32		shard_max;
	Oid			shard = ShardOnThisNode(item_table, item_table, shard_id, &shard_min, &shard_max);

	*whole_shard = hash_min <= shard_min && hash_max >= shard_max;
	return shard;
}

/*
 * DdbColocatedShardRelation returns the relation, on this node, of the
 * shard of relid (an index table, co-located with item_table) that holds
 * the hashes of item_table's shard shard_id.
 */
Oid
DdbColocatedShardRelation(Oid item_table, Oid relid, int64 shard_id)
{
	int32		shard_min;
	int32		shard_max;

	return ShardOnThisNode(item_table, relid, shard_id, &shard_min, &shard_max);
}

/*
 * Read an int32 member of a node's request.
 */
static int32
RequestInt32(JsonbContainer *request, const char *name)
{
	int64		value;

	if (!DdbJsonGetInt64(request, name, &value) || value < PG_INT32_MIN || value > PG_INT32_MAX)
		DdbValidationError("%s must be a 32-bit integer", name);
	return (int32) value;
}

/*
 * The node's side of a piece: a handler run by ddb.node_call's ScanShard.
 * The request is {"Request": <Scan request>, "ShardId": ..., "HashMin":
 * ..., "HashMax": ..., "Partitions": ...}; the response is {"Page":
 * <page>, "LastReadKey": <key>} (no LastReadKey when nothing was read).
 */
static Jsonb *
ScanShardHandler(JsonbContainer *request)
{
	DdbScanPieceRange range;
	JsonbContainer *scan_request = DdbJsonGetObject(request, "Request");
	JsonbParseState *st = NULL;
	Jsonb	   *last_read = NULL;
	Jsonb	   *page;

	if (scan_request == NULL || !DdbJsonGetInt64(request, "ShardId", &range.shard_id) ||
		range.shard_id <= 0 || !DdbJsonGetInt64(request, "Partitions", &range.partitions))
		DdbValidationError("A shard scan needs Request, ShardId and Partitions");
	range.hash_min = RequestInt32(request, "HashMin");
	range.hash_max = RequestInt32(request, "HashMax");
	page = DdbScanPiece(scan_request, &range, &last_read);

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Page");
	DdbPushStoredContainer(&st, WJB_VALUE, &page->root);
	if (last_read != NULL)
	{
		DdbPushKey(&st, "LastReadKey");
		DdbPushStoredContainer(&st, WJB_VALUE, &last_read->root);
	}
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * DdbNodeScanShard runs the node's side of a piece on request text and
 * returns the response text.
 */
char *
DdbNodeScanShard(const char *request_text)
{
	return DdbCallHandlerText("ScanShard", ScanShardHandler, pstrdup(request_text));
}
