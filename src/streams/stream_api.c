/*-------------------------------------------------------------------------
 *
 * stream_api.c
 *	  The DynamoDB Streams operations (X-Amz-Target prefix
 *	  DynamoDBStreams_20120810): ListStreams, DescribeStream,
 *	  GetShardIterator and GetRecords, over ddb.streams and the retained
 *	  log ddb.stream_records (stream_log.c).
 *
 * A stream's ARN is its table's ARN, "/stream/" and its label (the time
 * it was enabled, ISO 8601 with milliseconds). Each stream has one shard,
 * open until the stream is DISABLED. A shard iterator is the text
 * "ddb1:<stream>:<position>:<issued>": it reads the records after the
 * position, and expires DDB_STREAM_ITERATOR_SECS after it was issued.
 *
 * Streams and their shards are described to anyone (as DescribeTable
 * describes tables); reading records needs SELECT on the item table, or,
 * once the table is gone, the privileges of the role that owned it. The
 * log is read as the extension owner, since records hold whole items.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/pg_lsn.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "errors.h"
#include "guc.h"
#include "json_util.h"
#include "operations.h"
#include "request.h"
#include "scaleout/scaleout.h"
#include "streams/streams.h"

/* GetRecords returns at most this much data (by the records' SizeBytes) */
#define DDB_GET_RECORDS_MAX_BYTES	(1024 * 1024)

/* A row of ddb.streams */
typedef struct StreamRow
{
	int64		stream_id;
	char	   *table_name;
	char	   *label;
	char	   *view_type;
	char	   *status;
	char	   *shard_id;
	Jsonb	   *key_schema;
	TimestampTz created_at;
	DdbStreamPosition start;	/* (start_lsn, 0) */
	bool		closed;			/* DISABLED: its shard has an end */
	DdbStreamPosition end;
	DdbStreamPosition trimmed;	/* records up to here are gone */
	Oid			item_table;
	Oid			owner;
	bool		table_dropped;
	bool		node_shards;	/* a distributed table's: shards on the nodes */
} StreamRow;

/*
 * Set while a node answers for its own shard of a distributed table's
 * stream (ddb.node_call), rather than forwarding to the nodes
 */
static bool AnswerLocally = false;

/* The prefix of an iterator of a node's shard: "ddbn:<node id>:<node's iterator>" */
#define NODE_ITERATOR_PREFIX "ddbn:"

#define STREAM_COLUMNS \
	"stream_id, table_name, stream_label, view_type, status, shard_id, key_schema," \
	" created_at, start_lsn, end_lsn, end_index, trimmed_lsn, trimmed_index, item_table," \
	" table_owner, table_dropped, node_shards"

/*
 * Compare two positions.
 */
static int
ComparePositions(const DdbStreamPosition *a, const DdbStreamPosition *b)
{
	if (a->lsn != b->lsn)
		return a->lsn < b->lsn ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return 0;
}

/*
 * Read row i of SPI_tuptable (selected with STREAM_COLUMNS).
 */
static StreamRow *
ReadStreamRow(uint64 i)
{
	HeapTuple	tuple = SPI_tuptable->vals[i];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	StreamRow  *row = palloc0(sizeof(StreamRow));
	bool		isnull;
	Datum		d;

	row->stream_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	row->table_name = SPI_getvalue(tuple, desc, 2);
	row->label = SPI_getvalue(tuple, desc, 3);
	row->view_type = SPI_getvalue(tuple, desc, 4);
	row->status = SPI_getvalue(tuple, desc, 5);
	row->shard_id = SPI_getvalue(tuple, desc, 6);
	row->key_schema = DatumGetJsonbPCopy(SPI_getbinval(tuple, desc, 7, &isnull));
	row->created_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 8, &isnull));
	row->start.lsn = DatumGetLSN(SPI_getbinval(tuple, desc, 9, &isnull));
	row->start.index = 0;
	d = SPI_getbinval(tuple, desc, 10, &isnull);
	row->closed = !isnull && strcmp(row->status, "DISABLED") == 0;
	if (row->closed)
	{
		row->end.lsn = DatumGetLSN(d);
		row->end.index = DatumGetInt32(SPI_getbinval(tuple, desc, 11, &isnull));
	}
	row->trimmed.lsn = DatumGetLSN(SPI_getbinval(tuple, desc, 12, &isnull));
	row->trimmed.index = DatumGetInt32(SPI_getbinval(tuple, desc, 13, &isnull));
	row->item_table = DatumGetObjectId(SPI_getbinval(tuple, desc, 14, &isnull));
	row->owner = DatumGetObjectId(SPI_getbinval(tuple, desc, 15, &isnull));
	row->table_dropped = DatumGetBool(SPI_getbinval(tuple, desc, 16, &isnull));
	row->node_shards = DatumGetBool(SPI_getbinval(tuple, desc, 17, &isnull));
	return row;
}

/*
 * A stream's ARN.
 */
static char *
StreamArn(StreamRow *row)
{
	return psprintf("%s/stream/%s", DdbTableArn(row->table_name), row->label);
}

/*
 * Split a stream ARN into its table name and label; false when it is not
 * one ("arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>",
 * of ddb.region and ddb.account_id, whose table name is valid).
 */
static bool
ParseStreamArn(const char *arn, char **table_name, char **label)
{
	char	   *prefix = psprintf("arn:aws:dynamodb:%s:%s:table/", DdbRegion, DdbAccountId);
	const char *rest;
	const char *marker;
	int			len;

	if (strncmp(arn, prefix, strlen(prefix)) != 0)
		return false;
	rest = arn + strlen(prefix);
	marker = strstr(rest, "/stream/");
	if (marker == NULL || marker == rest || marker[8] == '\0' || strchr(marker + 8, '/') != NULL)
		return false;
	len = marker - rest;
	if (len < 3 || len > DDB_MAX_TABLE_NAME)
		return false;
	for (int i = 0; i < len; i++)
	{
		char		c = rest[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '.' || c == '-'))
			return false;
	}
	*table_name = pnstrdup(rest, len);
	*label = pstrdup(marker + 8);
	return true;
}

/*
 * Check a StreamArn member's presence and length, adding constraint
 * errors.
 */
static void
CheckArnMember(const char *arn, const char *member, bool required, DdbConstraintErrors *errors)
{
	if (arn == NULL && !required)
		return;
	DdbRequestCheckString(errors, arn, member, 37, 1024, NULL, NULL);
}

/*
 * The stream of an ARN, or raise: ValidationException for text that is
 * not a stream ARN, ResourceNotFoundException for a stream that does not
 * exist.
 */
static StreamRow *
LookupStream(const char *arn)
{
	char	   *table_name;
	char	   *label;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];

	/* DynamoDB's text, which does not repeat the ARN */
	if (!ParseStreamArn(arn, &table_name, &label))
		DdbValidationError("Invalid StreamArn");
	args[0] = CStringGetTextDatum(table_name);
	args[1] = CStringGetTextDatum(label);
	if (SPI_execute_with_args("SELECT " STREAM_COLUMNS " FROM ddb.streams"
							  " WHERE table_name OPERATOR(pg_catalog.=) $1"
							  "   AND stream_label OPERATOR(pg_catalog.=) $2",
							  2, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the streams");
	if (SPI_processed == 0)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Stream: %s not found",
				 DdbEchoText(arn, strlen(arn)));
	return ReadStreamRow(0);
}

/*
 * Raise permission denied unless the caller may read the stream's
 * records: SELECT on the item table, or, once the table is gone, the
 * privileges of its owner.
 */
static void
RequireRecordAccess(StreamRow *row)
{
	if (!row->table_dropped &&
		SearchSysCacheExists1(RELOID, ObjectIdGetDatum(row->item_table)))
	{
		AclResult	result = pg_class_aclcheck(row->item_table, GetUserId(), ACL_SELECT);

		if (result != ACLCHECK_OK)
			aclcheck_error(result, OBJECT_TABLE, get_rel_name(row->item_table));
		return;
	}
	if (!has_privs_of_role(GetUserId(), row->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for the stream of deleted table \"%s\"",
						row->table_name)));
}

/*
 * DdbListStreams implements ListStreams: the streams of every table (or
 * of one), by table name and label.
 */
Jsonb *
DdbListStreams(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableName", "Limit", "ExclusiveStartStreamArn", NULL};
	DdbConstraintErrors errors;
	char	   *table_name = NULL;
	char	   *start_arn;
	char	   *start_table = NULL;
	char	   *start_label = NULL;
	int64		limit = 100;
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, INT8OID};
	Datum		args[4];
	char		nulls[5] = "    ";
	JsonbParseState *st = NULL;
	uint64		count;
	StreamRow  *last = NULL;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	if (DdbJsonGetString(request, "TableName") != NULL)
		table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	if (DdbJsonGetInt64(request, "Limit", &limit) && (limit < 1 || limit > 100))
		DdbConstraintAdd(&errors, psprintf("'" INT64_FORMAT "'", limit), "limit",
						 limit < 1 ? "Member must have value greater than or equal to 1"
						 : "Member must have value less than or equal to 100");
	start_arn = DdbJsonGetString(request, "ExclusiveStartStreamArn");
	CheckArnMember(start_arn, "exclusiveStartStreamArn", false, &errors);
	DdbConstraintRaise(&errors);
	if (start_arn != NULL && !ParseStreamArn(start_arn, &start_table, &start_label))
		DdbValidationError("Invalid ExclusiveStartStreamArn: %s",
						   DdbEchoText(start_arn, strlen(start_arn)));

	if (table_name != NULL)
	{
		args[0] = CStringGetTextDatum(table_name);
		if (SPI_execute_with_args("SELECT 1 FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1"
								  " UNION ALL SELECT 1 FROM ddb.streams"
								  " WHERE table_name OPERATOR(pg_catalog.=) $1 LIMIT 1",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the tables");
		if (SPI_processed == 0)
			DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Table: %s not found",
					 table_name);
	}
	else
		nulls[0] = 'n';
	if (start_arn != NULL)
	{
		args[1] = CStringGetTextDatum(start_table);
		args[2] = CStringGetTextDatum(start_label);
	}
	else
		nulls[1] = nulls[2] = 'n';
	args[3] = Int64GetDatum(limit + 1);
	if (SPI_execute_with_args("SELECT " STREAM_COLUMNS " FROM ddb.streams"
							  " WHERE ($1 IS NULL OR table_name OPERATOR(pg_catalog.=) $1)"
							  "   AND ($2 IS NULL OR (table_name, stream_label) OPERATOR(pg_catalog.>) ($2, $3))"
							  " ORDER BY table_name, stream_label LIMIT $4",
							  4, argtypes, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the streams");

	count = Min(SPI_processed, (uint64) limit);
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Streams");
	DdbPushBeginArray(&st);
	for (uint64 i = 0; i < count; i++)
	{
		StreamRow  *row = ReadStreamRow(i);

		DdbPushBeginObject(&st);
		DdbPushKey(&st, "StreamArn");
		DdbPushString(&st, WJB_VALUE, StreamArn(row));
		DdbPushKey(&st, "TableName");
		DdbPushString(&st, WJB_VALUE, row->table_name);
		DdbPushKey(&st, "StreamLabel");
		DdbPushString(&st, WJB_VALUE, row->label);
		DdbPushEndObject(&st);
		last = row;
	}
	DdbPushEndArray(&st);
	if (SPI_processed > (uint64) limit && last != NULL)
	{
		DdbPushKey(&st, "LastEvaluatedStreamArn");
		DdbPushString(&st, WJB_VALUE, StreamArn(last));
	}
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * Epoch seconds with milliseconds, as a JSON number's text.
 */
static char *
EpochText(TimestampTz t)
{
	int64		ms = t / 1000 + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;

	return psprintf(INT64_FORMAT ".%03d", ms / 1000, (int) (ms % 1000));
}

/*
 * The shard of a stream row, as DescribeStream lists it.
 */
static Jsonb *
LocalShard(StreamRow *row)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ShardId");
	DdbPushString(&st, WJB_VALUE, row->shard_id);
	DdbPushKey(&st, "SequenceNumberRange");
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "StartingSequenceNumber");
	DdbPushString(&st, WJB_VALUE, DdbStreamSequenceNumber(row->start.lsn, row->start.index));
	if (row->closed)
	{
		DdbPushKey(&st, "EndingSequenceNumber");
		DdbPushString(&st, WJB_VALUE, DdbStreamSequenceNumber(row->end.lsn, row->end.index));
	}
	DdbPushEndObject(&st);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * The shards of a distributed table's stream, one per node holding the
 * table's shards, as the nodes describe them; *status becomes the
 * stream's over the nodes: ENABLING or DISABLING while some node's is,
 * DISABLED once every node's is.
 */
static List *
NodeShards(StreamRow *row, const char *arn, const char **status)
{
	List	   *nodes = DdbShardNodes(row->item_table);
	JsonbParseState *st = NULL;
	DdbNodeReply *replies;
	List	   *shards = NIL;
	bool		all_disabled = true;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "StreamArn");
	DdbPushString(&st, WJB_VALUE, arn);
	replies = DdbCallNodes(nodes, "DescribeStream",
						   JsonbValueToJsonb(DdbPushEndObject(&st)));
	*status = "ENABLED";
	for (int i = 0; i < list_length(nodes); i++)
	{
		JsonbContainer *description;
		JsonbContainer *node_shards;
		char	   *node_status;
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;

		if (replies[i].response == NULL)
			DdbRaiseNodeError(&replies[i]);
		description = DdbJsonGetObject(&replies[i].response->root, "StreamDescription");
		node_status = description ? DdbJsonGetString(description, "StreamStatus") : NULL;
		node_shards = description ? DdbJsonGetArray(description, "Shards") : NULL;
		if (node_status == NULL || node_shards == NULL)
			elog(ERROR, "node %s:%d described the stream without its shards",
				 replies[i].node->name, replies[i].node->port);
		if (strcmp(node_status, "DISABLED") != 0)
			all_disabled = false;
		if (strcmp(node_status, "ENABLING") == 0 || strcmp(node_status, "DISABLING") == 0)
			*status = node_status;
		it = JsonbIteratorInit(node_shards);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (tok == WJB_ELEM && v.type == jbvBinary)
				shards = lappend(shards, JsonbValueToJsonb(&v));
	}
	if (nodes == NIL)
		*status = row->status;
	else if (all_disabled)
		*status = "DISABLED";
	return shards;
}

/*
 * Order shards (Jsonb objects) by ShardId.
 */
static int
CompareShardIds(const ListCell *a, const ListCell *b)
{
	return strcmp(DdbJsonGetString(&((Jsonb *) lfirst(a))->root, "ShardId"),
				  DdbJsonGetString(&((Jsonb *) lfirst(b))->root, "ShardId"));
}

/*
 * DdbDescribeStream implements DescribeStream.
 */
Jsonb *
DdbDescribeStream(JsonbContainer *request)
{
	static const char *const allowed[] = {"StreamArn", "Limit", "ExclusiveStartShardId",
	"ShardFilter", NULL};
	static const char *const filter_members[] = {"Type", "ShardId", NULL};
	static const char *const filter_types[] = {"CHILD_SHARDS", NULL};
	DdbConstraintErrors errors;
	char	   *arn = DdbJsonGetString(request, "StreamArn");
	char	   *start_shard = DdbJsonGetString(request, "ExclusiveStartShardId");
	JsonbContainer *filter = DdbJsonGetObject(request, "ShardFilter");
	int64		limit = 100;
	StreamRow  *row;
	JsonbParseState *st = NULL;
	const char *status;
	List	   *shards;
	ListCell   *lc;
	int64		listed = 0;
	char	   *previous_id = NULL;
	char	   *last_listed = NULL;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	CheckArnMember(arn, "streamArn", true, &errors);
	if (DdbJsonGetInt64(request, "Limit", &limit) && limit < 1)
		DdbConstraintAdd(&errors, psprintf("'" INT64_FORMAT "'", limit), "limit",
						 "Member must have value greater than or equal to 1");
	if (start_shard != NULL)
		DdbRequestCheckString(&errors, start_shard, "exclusiveStartShardId", 28, 65, NULL, NULL);
	if (filter != NULL)
	{
		char	   *filter_shard = DdbJsonGetString(filter, "ShardId");

		DdbJsonCheckMembers(filter, filter_members);
		(void) DdbRequestEnum(filter, "Type", "shardFilter.type", filter_types,
							  "[CHILD_SHARDS]", &errors);
		if (filter_shard != NULL)
			DdbRequestCheckString(&errors, filter_shard, "shardFilter.shardId", 28, 65, NULL, NULL);
	}
	DdbConstraintRaise(&errors);
	row = LookupStream(arn);
	status = row->status;
	if (row->node_shards && !AnswerLocally)
		shards = NodeShards(row, arn, &status);
	else
		shards = list_make1(LocalShard(row));
	list_sort(shards, CompareShardIds);

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "StreamDescription");
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "StreamArn");
	DdbPushString(&st, WJB_VALUE, StreamArn(row));
	DdbPushKey(&st, "StreamLabel");
	DdbPushString(&st, WJB_VALUE, row->label);
	DdbPushKey(&st, "StreamStatus");
	DdbPushString(&st, WJB_VALUE, status);
	DdbPushKey(&st, "StreamViewType");
	DdbPushString(&st, WJB_VALUE, row->view_type);
	DdbPushKey(&st, "CreationRequestDateTime");
	DdbPushNumberText(&st, WJB_VALUE, EpochText(row->created_at));
	DdbPushKey(&st, "TableName");
	DdbPushString(&st, WJB_VALUE, row->table_name);
	DdbPushKey(&st, "KeySchema");
	DdbPushContainer(&st, WJB_VALUE, &row->key_schema->root);
	DdbPushKey(&st, "Shards");
	DdbPushBeginArray(&st);
	/* no shard has a parent or children */
	foreach(lc, filter == NULL ? shards : NIL)
	{
		Jsonb	   *shard = lfirst(lc);
		char	   *shard_id = DdbJsonGetString(&shard->root, "ShardId");

		if (start_shard != NULL && strcmp(shard_id, start_shard) <= 0)
			continue;
		if (listed == limit)
		{
			last_listed = previous_id;
			break;
		}
		DdbPushContainer(&st, WJB_ELEM, &shard->root);
		listed++;
		previous_id = shard_id;
	}
	DdbPushEndArray(&st);
	if (last_listed != NULL)
	{
		DdbPushKey(&st, "LastEvaluatedShardId");
		DdbPushString(&st, WJB_VALUE, last_listed);
	}
	DdbPushEndObject(&st);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * The position of a stream's last stored record, or its trim point when
 * it has none.
 */
static DdbStreamPosition
LatestPosition(StreamRow *row)
{
	DdbStreamPosition position = row->trimmed;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(row->stream_id)};
	bool		isnull;

	if (SPI_execute_with_args("SELECT commit_lsn, change_index FROM ddb.stream_records"
							  " WHERE stream_id OPERATOR(pg_catalog.=) $1"
							  " ORDER BY commit_lsn DESC, change_index DESC LIMIT 1",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the stream records");
	if (SPI_processed == 1)
	{
		position.lsn = DatumGetLSN(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		position.index = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	if (row->closed && ComparePositions(&position, &row->end) < 0)
		position = row->end;
	return position;
}

/*
 * An iterator's text.
 */
static char *
IteratorText(int64 stream_id, DdbStreamPosition position)
{
	return psprintf("ddb1:" INT64_FORMAT ":%X/%X:" INT64_FORMAT ":" INT64_FORMAT,
					stream_id, LSN_FORMAT_ARGS(position.lsn), position.index,
					(int64) GetCurrentTimestamp());
}

/*
 * GetShardIterator of a shard of a distributed table's stream: the node
 * holding the shard gives its iterator (the others answer that they do
 * not have it), which becomes "ddbn:<node id>:<the node's iterator>".
 */
static Jsonb *
NodeShardIterator(StreamRow *row, JsonbContainer *request)
{
	List	   *nodes = DdbShardNodes(row->item_table);
	DdbNodeReply *replies = DdbCallNodes(nodes, "GetShardIterator",
										 DdbContainerToJsonb(request));
	DdbNodeReply *not_found = NULL;
	JsonbParseState *st = NULL;

	for (int i = 0; i < list_length(nodes); i++)
	{
		char	   *iterator;

		if (replies[i].response == NULL)
		{
			if (strcmp(replies[i].sqlstate,
					   unpack_sql_state(DdbErrorSqlState(DDB_RESOURCE_NOT_FOUND))) != 0)
				DdbRaiseNodeError(&replies[i]);
			not_found = &replies[i];
			continue;
		}
		iterator = DdbJsonGetString(&replies[i].response->root, "ShardIterator");
		if (iterator == NULL)
			elog(ERROR, "node %s:%d gave no shard iterator",
				 replies[i].node->name, replies[i].node->port);
		DdbPushBeginObject(&st);
		DdbPushKey(&st, "ShardIterator");
		DdbPushString(&st, WJB_VALUE, psprintf(NODE_ITERATOR_PREFIX "%d:%s",
											   replies[i].node->id, iterator));
		return JsonbValueToJsonb(DdbPushEndObject(&st));
	}
	if (not_found != NULL)
		DdbRaiseNodeError(not_found);
	DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Shard does not exist");
}

/*
 * DdbGetShardIterator implements GetShardIterator.
 */
Jsonb *
DdbGetShardIterator(JsonbContainer *request)
{
	static const char *const allowed[] = {"StreamArn", "ShardId", "ShardIteratorType",
	"SequenceNumber", NULL};
	static const char *const types[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
	"AFTER_SEQUENCE_NUMBER", NULL};
	DdbConstraintErrors errors;
	char	   *arn = DdbJsonGetString(request, "StreamArn");
	char	   *shard_id = DdbJsonGetString(request, "ShardId");
	char	   *type = DdbJsonGetString(request, "ShardIteratorType");
	char	   *sequence_number = DdbJsonGetString(request, "SequenceNumber");
	bool		at_sequence;
	StreamRow  *row;
	DdbStreamPosition position;
	DdbOwnerAccess owner_access;
	JsonbParseState *st = NULL;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	CheckArnMember(arn, "streamArn", true, &errors);
	DdbRequestCheckString(&errors, shard_id, "shardId", 28, 65, NULL, NULL);
	DdbRequestCheckString(&errors, type, "shardIteratorType", 0, INT_MAX, types,
						  "[TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]");
	if (sequence_number != NULL)
		DdbRequestCheckString(&errors, sequence_number, "sequenceNumber", 21, 40, NULL, NULL);
	DdbConstraintRaise(&errors);

	at_sequence = strcmp(type, "AT_SEQUENCE_NUMBER") == 0 ||
		strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0;
	if (at_sequence && sequence_number == NULL)
		DdbValidationError("SequenceNumber is required for shard iterator type %s", type);
	if (!at_sequence && sequence_number != NULL)
		DdbValidationError("SequenceNumber must not be given for shard iterator type %s", type);

	row = LookupStream(arn);
	if (row->node_shards && !AnswerLocally)
		return NodeShardIterator(row, request);
	if (strcmp(row->shard_id, shard_id) != 0)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Shard does not exist");
	RequireRecordAccess(row);

	DdbCatalogBeginOwnerAccess(&owner_access);
	if (strcmp(type, "TRIM_HORIZON") == 0)
		position = row->trimmed;
	else if (strcmp(type, "LATEST") == 0)
		position = LatestPosition(row);
	else
	{
		DdbStreamPosition sequence;

		if (!DdbStreamParseSequenceNumber(sequence_number, &sequence) ||
			ComparePositions(&sequence, &row->start) < 0 ||
			(row->closed && ComparePositions(&sequence, &row->end) > 0))
			DdbValidationError("Invalid SequenceNumber for the shard: %s", sequence_number);
		position = sequence;
		if (strcmp(type, "AT_SEQUENCE_NUMBER") == 0)
			position.index--;
		if (ComparePositions(&position, &row->trimmed) < 0)
			DdbRaise(DDB_TRIMMED_DATA_ACCESS, "The data you are trying to access has been trimmed.");
	}
	DdbCatalogEndOwnerAccess(&owner_access);

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ShardIterator");
	DdbPushString(&st, WJB_VALUE, IteratorText(row->stream_id, position));
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * Read an iterator's text; false when it is not one of ddb's.
 */
static bool
ParseIterator(const char *text, int64 *stream_id, DdbStreamPosition *position, TimestampTz *issued)
{
	long long	id;
	unsigned int hi;
	unsigned int lo;
	long long	index;
	long long	when;
	int			consumed = 0;

	if (sscanf(text, "ddb1:%lld:%X/%X:%lld:%lld%n", &id, &hi, &lo, &index, &when, &consumed) != 5 ||
		text[consumed] != '\0' || index < -1 || index > PG_INT32_MAX)
		return false;
	*stream_id = id;
	position->lsn = ((uint64) hi << 32) | lo;
	position->index = index;
	*issued = (TimestampTz) when;
	return true;
}

/*
 * GetRecords of an iterator of a node's shard: the node reads them, and
 * its next iterator is wrapped again.
 */
static Jsonb *
NodeRecords(const char *iterator, int64 limit)
{
	const char *rest = iterator + strlen(NODE_ITERATOR_PREFIX);
	char	   *end;
	long		node_id;
	DdbNode    *node;
	DdbNodeReply *reply;
	JsonbParseState *st = NULL;
	JsonbValue	records;
	char	   *next;

	errno = 0;
	node_id = strtol(rest, &end, 10);
	if (errno != 0 || end == rest || *end != ':' || node_id < 0 || node_id > PG_INT32_MAX)
		DdbValidationError("Invalid ShardIterator");
	node = DdbNodeById((int32) node_id);
	if (node == NULL)
		DdbRaise(DDB_RESOURCE_NOT_FOUND,
				 "Requested resource not found: the node of this iterator's shard is not in the cluster");
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ShardIterator");
	DdbPushString(&st, WJB_VALUE, end + 1);
	DdbPushKey(&st, "Limit");
	DdbPushNumberText(&st, WJB_VALUE, psprintf(INT64_FORMAT, limit));
	reply = DdbCallNodes(list_make1(node), "GetRecords", JsonbValueToJsonb(DdbPushEndObject(&st)));
	if (reply->response == NULL)
		DdbRaiseNodeError(reply);
	if (!DdbJsonGet(&reply->response->root, "Records", &records) || records.type != jbvBinary)
		elog(ERROR, "node %s:%d gave no records", node->name, node->port);
	next = DdbJsonGetString(&reply->response->root, "NextShardIterator");

	st = NULL;
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Records");
	DdbPushStoredContainer(&st, WJB_VALUE, records.val.binary.data);
	if (next != NULL)
	{
		DdbPushKey(&st, "NextShardIterator");
		DdbPushString(&st, WJB_VALUE, psprintf(NODE_ITERATOR_PREFIX "%d:%s", node->id, next));
	}
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * DdbGetRecords implements GetRecords.
 */
Jsonb *
DdbGetRecords(JsonbContainer *request)
{
	static const char *const allowed[] = {"ShardIterator", "Limit", NULL};
	DdbConstraintErrors errors;
	char	   *iterator = DdbJsonGetString(request, "ShardIterator");
	int64		limit = 1000;
	int64		stream_id;
	DdbStreamPosition position;
	TimestampTz issued;
	StreamRow  *row;
	DdbOwnerAccess owner_access;
	Oid			argtypes[4] = {INT8OID, PG_LSNOID, INT4OID, INT8OID};
	Datum		args[4];
	Portal		portal;
	int64		count = 0;
	int64		bytes = 0;
	bool		more = false;
	JsonbParseState *st = NULL;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	DdbRequestCheckString(&errors, iterator, "shardIterator", 1, 2048, NULL, NULL);
	if (DdbJsonGetInt64(request, "Limit", &limit) && (limit < 1 || limit > 1000))
		DdbConstraintAdd(&errors, psprintf("'" INT64_FORMAT "'", limit), "limit",
						 limit < 1 ? "Member must have value greater than or equal to 1"
						 : "Member must have value less than or equal to 1000");
	DdbConstraintRaise(&errors);
	if (strncmp(iterator, NODE_ITERATOR_PREFIX, strlen(NODE_ITERATOR_PREFIX)) == 0 && !AnswerLocally)
		return NodeRecords(iterator, limit);
	if (!ParseIterator(iterator, &stream_id, &position, &issued))
		DdbValidationError("Invalid ShardIterator");
	if (GetCurrentTimestamp() - issued > (int64) DDB_STREAM_ITERATOR_SECS * USECS_PER_SEC)
		DdbRaise(DDB_EXPIRED_ITERATOR, "The provided iterator exceeds the maximum age allowed.");

	args[0] = Int64GetDatum(stream_id);
	if (SPI_execute_with_args("SELECT " STREAM_COLUMNS " FROM ddb.streams"
							  " WHERE stream_id OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the streams");
	if (SPI_processed == 0)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: the stream of this iterator does not exist");
	row = ReadStreamRow(0);
	RequireRecordAccess(row);
	if (ComparePositions(&position, &row->trimmed) < 0)
		DdbRaise(DDB_TRIMMED_DATA_ACCESS, "The data you are trying to access has been trimmed.");

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Records");
	DdbPushBeginArray(&st);

	DdbCatalogBeginOwnerAccess(&owner_access);
	args[1] = LSNGetDatum(position.lsn);
	args[2] = Int32GetDatum((int32) position.index);
	args[3] = Int64GetDatum(limit + 1);
	/* the LIMIT makes it read the primary key in order, not sort the shard */
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT commit_lsn, change_index, record FROM ddb.stream_records"
									   " WHERE stream_id OPERATOR(pg_catalog.=) $1"
									   "   AND (commit_lsn, change_index) OPERATOR(pg_catalog.>) ($2, $3)"
									   " ORDER BY commit_lsn, change_index LIMIT $4",
									   4, argtypes, args, NULL, true, CURSOR_OPT_NO_SCROLL);
	while (!more)
	{
		SPI_cursor_fetch(portal, true, 100);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			bool		isnull;
			Jsonb	   *record = DatumGetJsonbPCopy(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 3, &isnull));
			JsonbValue	dynamodb;
			JsonbValue	size;
			int64		record_bytes = 0;

			if (DdbJsonGet(&record->root, "dynamodb", &dynamodb) &&
				dynamodb.type == jbvBinary &&
				DdbJsonGet(dynamodb.val.binary.data, "SizeBytes", &size) && size.type == jbvNumeric)
				record_bytes = DatumGetInt64(DirectFunctionCall1(numeric_int8,
																 NumericGetDatum(size.val.numeric)));
			if (count >= limit || (count > 0 && bytes + record_bytes > DDB_GET_RECORDS_MAX_BYTES))
			{
				more = true;
				break;
			}
			DdbPushStoredContainer(&st, WJB_ELEM, &record->root);
			count++;
			bytes += record_bytes;
			position.lsn = DatumGetLSN(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull));
			position.index = DatumGetInt32(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull));
		}
	}
	SPI_cursor_close(portal);
	DdbCatalogEndOwnerAccess(&owner_access);
	DdbPushEndArray(&st);

	/* a closed shard read to its end has no next iterator */
	if (more || !row->closed)
	{
		DdbPushKey(&st, "NextShardIterator");
		DdbPushString(&st, WJB_VALUE, IteratorText(row->stream_id, position));
	}
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * DdbStreamNodeOperation: whether a node answers a Streams operation from
 * its own shards (DescribeStream, GetShardIterator and GetRecords).
 */
bool
DdbStreamNodeOperation(const char *operation)
{
	return strcmp(operation, "DescribeStream") == 0 ||
		strcmp(operation, "GetShardIterator") == 0 ||
		strcmp(operation, "GetRecords") == 0;
}

/*
 * DdbStreamNodeCall answers such an operation from this node's own shards
 * (the coordinator of a distributed table calls ddb.node_call on each
 * node: node_calls.c).
 */
char *
DdbStreamNodeCall(const char *operation, char *request)
{
	char	   *response = NULL;

	Assert(DdbStreamNodeOperation(operation));
	AnswerLocally = true;
	PG_TRY();
	{
		response = DdbCallText(operation, request);
	}
	PG_FINALLY();
	{
		AnswerLocally = false;
	}
	PG_END_TRY();
	return response;
}
