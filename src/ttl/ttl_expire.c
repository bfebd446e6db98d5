/*-------------------------------------------------------------------------
 *
 * ttl_expire.c
 *	  The expiry of items by Time to Live: which items are expired
 *	  (ddb.ttl_expiry), the rounds that delete them in batches, run by the
 *	  background worker (a kind of work of worker/worker.h) every
 *	  ddb.ttl_interval seconds and by ddb.expire_now, and their record in
 *	  ddb.ttl_state.
 *
 * A round over a table deletes its expired items in batches of
 * ddb.ttl_batch_size. A batch is one statement that finds and locks them
 * through the table's expiry index (ttl.h), oldest first:
 *
 *	  SELECT <key columns>, ddb.ttl_expiry(item, '<a>') FROM ddb_data.<t>
 *	   WHERE ddb.ttl_expiry(item, '<a>') < $now
 *		 AND ddb.ttl_expiry(item, '<a>') >= $now - five years
 *		 AND ddb.ttl_expiry(item, '<a>') > $after
 *	   ORDER BY ddb.ttl_expiry(item, '<a>') LIMIT $batch
 *	   FOR UPDATE SKIP LOCKED
 *
 * so its cost follows the expired items, not the table. A row another
 * session has locked is skipped, never waited for (it is tried again next
 * round); a row another session changed since the statement's snapshot is
 * locked in its latest version and the conditions are checked again on it
 * (PostgreSQL's EvalPlanQual), and the expiry the statement returns is
 * that of the locked version, which is checked once more before the
 * delete. So an item whose TTL a concurrent write moved into the future,
 * or removed, is kept. Each item is then deleted by key with the access
 * layer's DeleteItem statement (DdbStorageDelete), as the item table's
 * owner, so the table's triggers (the upkeep of secondary indexes, and
 * anything the owner added) see an ordinary delete.
 *
 * An item whose delete fails (a malformed row in a table whose item check
 * was replaced, a trigger that raises) must not stop the others: a batch
 * runs in a subtransaction; when it fails, its rows are deleted again one
 * by one, each in a subtransaction of its own, and those that still fail
 * are logged and skipped (the rest of the round only looks at later expiry
 * times, so the round ends), unless their error concerns the whole table
 * (ConcernsTable). An error that concerns the whole table (it
 * was dropped or renamed meanwhile, its owner lost the privilege to
 * delete, a lock could not be had within lock_timeout) ends the table's
 * round: the worker logs it, records it in ddb.ttl_state (last_error) and
 * goes on with the next table; a query cancel is passed on.
 *
 * The worker never waits for a lock a user holds on a table: it takes the
 * item table's ROW EXCLUSIVE lock with a conditional request and skips the
 * table for the round when it cannot, and its statements run with a
 * lock_timeout of one second. Users wait for it at most for one batch:
 * the rows it locked, and UpdateTimeToLive or DDL on the table.
 *
 * Streams. Every batch transaction that deletes items first writes a
 * transactional logical decoding message with prefix "ddb.ttl" (when
 * wal_level is logical) whose content is {"TableName": "<table>"}: every
 * delete of that table's item table in the same transaction is a deletion
 * by TTL, which DynamoDB Streams report with userIdentity {"Type":
 * "Service", "PrincipalId": "dynamodb.amazonaws.com"}. The message comes
 * before the deletes in the transaction's changes, so a decoder can mark
 * the transaction when it sees it.
 *
 * A distributed table's deletes are decoded on the Citus node holding the
 * item, from that node's WAL, where the coordinator's message is not.
 * When the table has a live stream, each item is therefore marked on its
 * node, in the node's part of the batch's distributed transaction, just
 * before it is read again and deleted:
 *
 *	  SELECT ddb.mark_ttl_deletes($1, item) FROM ddb_data.<t>
 *	   WHERE <partition key column> = $2 [AND <sort key column> = $3]
 *
 * Citus routes the statement to the item's shard, over the connection
 * that then reads, locks and deletes the item there, and evaluates the
 * call on that node, since its argument is a column of the row. The
 * function writes the message on the node it runs on (and requires that
 * the caller own the item table, as the batch's role does).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "replication/message.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "errors.h"
#include "guc.h"
#include "indexes/index.h"
#include "storage.h"
#include "streams/streams.h"
#include "ttl/ttl.h"
#include "worker/worker.h"

/* One round over a table's expired items */
typedef struct TtlRound
{
	char	   *table_name;
	bool		begun;			/* its ddb.ttl_state row says it runs */
	bool		fixed_now;		/* expire as of now_epoch (ddb.expire_now's as_of) */
	double		now_epoch;
	double		after;			/* only expiry times above this (-inf: any) */
	int			elevel;			/* of the report of an item that cannot be deleted */
} TtlRound;

/* ---------------------------------------------------------------------
 * Which items are expired
 * ---------------------------------------------------------------------
 */

/*
 * Parse DynamoDB number text ([+-]digits[.digits][(e|E)[+-]digits], with
 * digits on at least one side of the point) as a double; false when it is
 * not such text or not finite.
 */
static bool
ParseNumber(const char *text, int len, double *value)
{
	char		buffer[128];
	int			i = 0;
	int			digits = 0;
	char	   *end;

	if (len <= 0 || len >= (int) sizeof(buffer))
		return false;
	memcpy(buffer, text, len);
	buffer[len] = '\0';
	if (buffer[i] == '+' || buffer[i] == '-')
		i++;
	while (buffer[i] >= '0' && buffer[i] <= '9')
		i++, digits++;
	if (buffer[i] == '.')
	{
		i++;
		while (buffer[i] >= '0' && buffer[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		return false;
	if (buffer[i] == 'e' || buffer[i] == 'E')
	{
		int			exponent_digits = 0;

		i++;
		if (buffer[i] == '+' || buffer[i] == '-')
			i++;
		while (buffer[i] >= '0' && buffer[i] <= '9')
			i++, exponent_digits++;
		if (exponent_digits == 0)
			return false;
	}
	if (i != len)
		return false;
	errno = 0;
	*value = strtod(buffer, &end);
	return end == buffer + len && isfinite(*value);
}

/*
 * DdbTtlExpiry reads the expiry time (epoch seconds) of a stored item: its
 * top-level attribute of type N. False when the item has no such
 * attribute, it has another type, or it is not a number. Never raises an
 * error, whatever the item holds: it runs in the expiry index of every
 * write.
 */
bool
DdbTtlExpiry(JsonbContainer *item, const char *attribute, int attribute_len, double *expiry)
{
	JsonbValue	key;
	JsonbValue *value;
	JsonbValue *number;
	JsonbContainer *typed;

	if (!JsonContainerIsObject(item))
		return false;
	key.type = jbvString;
	key.val.string.val = unconstify(char *, attribute);
	key.val.string.len = attribute_len;
	value = findJsonbValueFromContainer(item, JB_FOBJECT, &key);
	if (value == NULL || value->type != jbvBinary)
		return false;
	typed = value->val.binary.data;
	if (!JsonContainerIsObject(typed) || JsonContainerSize(typed) != 1)
		return false;
	number = getKeyJsonValueFromContainer(typed, "N", 1, NULL);
	if (number == NULL || number->type != jbvString)
		return false;
	return ParseNumber(number->val.string.val, number->val.string.len, expiry);
}

/*
 * DdbTtlEpochSeconds converts a timestamp to seconds since 1970-01-01 UTC.
 */
double
DdbTtlEpochSeconds(TimestampTz t)
{
	return (double) t / USECS_PER_SEC +
		(double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

PG_FUNCTION_INFO_V1(ddb_ttl_expiry);

/*
 * ddb.ttl_expiry(item jsonb, attribute_name text) RETURNS double precision:
 * the expression of the expiry index. IMMUTABLE: it reads nothing but its
 * arguments.
 */
Datum
ddb_ttl_expiry(PG_FUNCTION_ARGS)
{
	Jsonb	   *item = PG_GETARG_JSONB_P(0);
	text	   *attribute = PG_GETARG_TEXT_PP(1);
	double		expiry;

	if (!DdbTtlExpiry(&item->root, VARDATA_ANY(attribute), VARSIZE_ANY_EXHDR(attribute), &expiry))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(expiry);
}

/* ---------------------------------------------------------------------
 * The record of rounds (ddb.ttl_state), written as the extension owner
 * ---------------------------------------------------------------------
 */

/*
 * Run a statement on ddb.ttl_state with the table name as $1, a count as
 * $2 and a text as $3 (each statement uses those it needs).
 */
static void
ExecuteOnState(const char *sql, const char *table_name, int64 count, const char *message)
{
	Oid			argtypes[3] = {TEXTOID, INT8OID, TEXTOID};
	Datum		args[3];
	char		nulls[4] = "   ";
	DdbOwnerAccess owner_access;
	int			rc;

	args[0] = CStringGetTextDatum(table_name);
	args[1] = Int64GetDatum(count);
	if (message != NULL)
		args[2] = CStringGetTextDatum(message);
	else
		nulls[2] = 'n';
	DdbCatalogBeginOwnerAccess(&owner_access);
	rc = SPI_execute_with_args(sql, 3, argtypes, args, nulls, false, 0);
	DdbCatalogEndOwnerAccess(&owner_access);
	if (rc < 0)
		elog(ERROR, "could not record the expiry round of table %s: %s", table_name,
			 SPI_result_code_string(rc));
}

/* A round begins */
static void
RecordRoundStart(const char *table_name)
{
	ExecuteOnState("INSERT INTO ddb.ttl_state AS s (table_name, round_started_at, round_finished_at, last_round_deleted)"
				   " SELECT l.table_name, pg_catalog.now(), NULL, 0 FROM ddb.time_to_live l"
				   "  WHERE l.table_name OPERATOR(pg_catalog.=) $1"
				   " ON CONFLICT (table_name) DO UPDATE SET round_started_at = pg_catalog.now(),"
				   "  round_finished_at = NULL, last_round_deleted = 0",
				   table_name, 0, NULL);
}

/* A batch deleted count items; finished: the round is over */
static void
RecordBatch(const char *table_name, int64 count, bool finished)
{
	ExecuteOnState(finished ?
				   "UPDATE ddb.ttl_state SET last_round_deleted = last_round_deleted OPERATOR(pg_catalog.+) $2,"
				   " deleted_total = deleted_total OPERATOR(pg_catalog.+) $2,"
				   " round_finished_at = pg_catalog.now()"
				   " WHERE table_name OPERATOR(pg_catalog.=) $1" :
				   "UPDATE ddb.ttl_state SET last_round_deleted = last_round_deleted OPERATOR(pg_catalog.+) $2,"
				   " deleted_total = deleted_total OPERATOR(pg_catalog.+) $2"
				   " WHERE table_name OPERATOR(pg_catalog.=) $1",
				   table_name, count, NULL);
}

/* An error ended the round, or an item could not be deleted */
static void
RecordError(const char *table_name, const char *message, bool finished)
{
	ExecuteOnState(finished ?
				   "INSERT INTO ddb.ttl_state AS s (table_name, round_finished_at, last_error, last_error_at)"
				   " SELECT l.table_name, pg_catalog.now(), $3, pg_catalog.now() FROM ddb.time_to_live l"
				   "  WHERE l.table_name OPERATOR(pg_catalog.=) $1"
				   " ON CONFLICT (table_name) DO UPDATE SET round_finished_at = pg_catalog.now(),"
				   "  last_error = $3, last_error_at = pg_catalog.now()" :
				   "UPDATE ddb.ttl_state SET last_error = $3, last_error_at = pg_catalog.now()"
				   " WHERE table_name OPERATOR(pg_catalog.=) $1",
				   table_name, 0, message);
}

/* ---------------------------------------------------------------------
 * Batches
 * ---------------------------------------------------------------------
 */

/*
 * Whether an error must not be caught: a query cancel or a shutdown.
 */
static bool
MustPassOn(ErrorData *edata)
{
	return edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
		edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN;
}

/*
 * Whether an error met deleting one item concerns the whole table (a
 * privilege, a lock, a relation gone, resources) rather than that item (a
 * malformed row, a check or a trigger that refuses it).
 */
static bool
ConcernsTable(ErrorData *edata)
{
	switch (ERRCODE_TO_CATEGORY(edata->sqlerrcode))
	{
		case ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION:
		case ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE:
		case ERRCODE_INSUFFICIENT_RESOURCES:
		case ERRCODE_PROGRAM_LIMIT_EXCEEDED:
		case ERRCODE_OPERATOR_INTERVENTION:
		case ERRCODE_SYSTEM_ERROR:
		case ERRCODE_TRANSACTION_ROLLBACK:
			return true;
		default:
			return false;
	}
}

/*
 * Write, in this node's WAL, the logical decoding message that marks the
 * transaction's deletes of the table as deletions by TTL (see the file
 * header). Returns whether it wrote it (not when wal_level is below
 * logical).
 */
static bool
MarkTtlDeletes(DdbTable *table)
{
	char	   *content;

	if (!XLogLogicalInfoActive())
		return false;
	content = psprintf("{\"TableName\": \"%s\"}", table->name);
	(void) LogLogicalMessage(DDB_TTL_MESSAGE_PREFIX, content, strlen(content), true);
	pfree(content);
	return true;
}

/*
 * The statement that marks the deletes of a distributed table's item on
 * the node holding it (see the file header), prepared for one batch.
 */
static SPIPlanPtr
PrepareNodeMarker(DdbTable *table)
{
	StringInfoData sql;
	Oid			argtypes[3] = {TEXTOID};
	SPIPlanPtr	plan;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT ddb.mark_ttl_deletes($1, item) FROM %s WHERE ",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name));
	for (int i = 0; i < table->nkeys; i++)
	{
		appendStringInfo(&sql, "%s%s OPERATOR(pg_catalog.=) $%d", i > 0 ? " AND " : "",
						 quote_identifier(table->keys[i].column), i + 2);
		argtypes[i + 1] = table->keys[i].column_type;
	}
	plan = SPI_prepare(sql.data, table->nkeys + 1, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare the Time to Live marker of table %s: %s", table->name,
			 SPI_result_code_string(SPI_result));
	pfree(sql.data);
	return plan;
}

/*
 * Mark the deletes of the table as TTL's on the node holding the item with
 * this key, in that node's part of this transaction (nothing when the item
 * is gone: there is nothing to delete).
 */
static void
MarkTtlDeletesOnNode(DdbTable *table, SPIPlanPtr node_marker, DdbKey *key)
{
	Datum		args[3];
	int			rc;

	args[0] = CStringGetTextDatum(table->name);
	for (int i = 0; i < table->nkeys; i++)
		args[i + 1] = key->values[i];
	rc = SPI_execute_plan(node_marker, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not mark the Time to Live deletes of table %s: %s", table->name,
			 SPI_result_code_string(rc));
	SPI_freetuptable(SPI_tuptable);
}

/*
 * The key of row r of the batch, for reports: its key columns as text.
 */
static char *
RowKeyText(DdbTable *table, SPITupleTable *rows, uint64 r)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < table->nkeys; i++)
	{
		char	   *value = SPI_getvalue(rows->vals[r], rows->tupdesc, i + 1);

		appendStringInfo(&s, "%s%s = %s", i > 0 ? ", " : "", table->keys[i].name,
						 value != NULL ? value : "NULL");
	}
	return s.data;
}

/*
 * Delete row r of the batch if it is still expired (the expiry its locked
 * version holds, within [oldest, now) and above after). Returns whether
 * it deleted an item; *expiry gets the row's expiry (or -inf).
 *
 * A distributed table's batch cannot lock its rows (Citus runs no FOR
 * UPDATE over several shards): the item is read again by key, locked, and
 * its expiry is the locked version's. With node_marker (the table has a
 * live stream), the item's node first marks the deletes as TTL's.
 */
static bool
DeleteRow(DdbTable *table, const char *attribute, SPITupleTable *rows, uint64 r, double now,
		  double oldest, double after, SPIPlanPtr node_marker, MemoryContext row_context,
		  double *expiry)
{
	DdbKey		key;
	bool		isnull;
	Datum		d;
	MemoryContext old;
	Jsonb	   *deleted;

	*expiry = -INFINITY;
	d = SPI_getbinval(rows->vals[r], rows->tupdesc, table->nkeys + 1, &isnull);
	if (isnull)
		return false;
	*expiry = DatumGetFloat8(d);
	if (!(*expiry < now && *expiry >= oldest && *expiry > after))
		return false;
	for (int i = 0; i < table->nkeys; i++)
		key.values[i] = SPI_getbinval(rows->vals[r], rows->tupdesc, i + 1, &isnull);
	old = MemoryContextSwitchTo(row_context);
	if (table->distributed)
	{
		Jsonb	   *item;

		if (node_marker != NULL)
			MarkTtlDeletesOnNode(table, node_marker, &key);
		item = DdbStorageGet(table, &key, DDB_READ_LOCKED);

		if (item == NULL ||
			!DdbTtlExpiry(&item->root, attribute, strlen(attribute), expiry) ||
			!(*expiry < now && *expiry >= oldest && *expiry > after))
		{
			MemoryContextSwitchTo(old);
			MemoryContextReset(row_context);
			return false;
		}
	}
	deleted = DdbStorageDelete(table, &key);
	MemoryContextSwitchTo(old);
	MemoryContextReset(row_context);
	return deleted != NULL;
}

/* The arguments and results of DeleteRows, run in a subtransaction */
typedef struct DeleteRowsArgs
{
	DdbTable   *table;
	const char *attribute;
	SPITupleTable *rows;
	uint64		first;
	uint64		last;
	double		now;
	double		oldest;
	double		after;
	SPIPlanPtr	node_marker;
	MemoryContext row_context;
	int64		deleted;
	int64		kept;
	double		highest;
} DeleteRowsArgs;

/* Delete rows [first, last) of the batch, counting */
static void
DeleteRows(void *arg)
{
	DeleteRowsArgs *a = (DeleteRowsArgs *) arg;

	for (uint64 r = a->first; r < a->last; r++)
	{
		double		expiry;

		CHECK_FOR_INTERRUPTS();
		if (DeleteRow(a->table, a->attribute, a->rows, r, a->now, a->oldest, a->after,
					  a->node_marker, a->row_context, &expiry))
			a->deleted++;
		else
			a->kept++;
		if (expiry > a->highest)
			a->highest = expiry;
	}
}

/*
 * Delete rows [first, last) of the batch in a subtransaction. Returns
 * whether it committed; *deleted counts the deleted items, *skipped the
 * rows no longer expired, *max_expiry is the highest expiry seen. A
 * failure rolls the subtransaction back and is left in *error.
 */
static bool
DeleteRowsInSubtransaction(DdbTable *table, const char *attribute, SPITupleTable *rows,
						   uint64 first, uint64 last,
						   double now, double oldest, double after, SPIPlanPtr node_marker,
						   int64 *deleted, int64 *skipped, double *max_expiry, ErrorData **error)
{
	DeleteRowsArgs args = {table, attribute, rows, first, last, now, oldest, after, node_marker,
	NULL, 0, 0, *max_expiry};

	args.row_context = AllocSetContextCreate(CurrentMemoryContext, "ddb ttl item",
											 ALLOCSET_DEFAULT_SIZES);
	*error = DdbRunInSubtransaction(DeleteRows, &args);
	MemoryContextDelete(args.row_context);
	if (*error != NULL && MustPassOn(*error))
		ReThrowError(*error);
	if (*error == NULL)
	{
		*deleted += args.deleted;
		*skipped += args.kept;
	}
	if (args.highest > *max_expiry)
		*max_expiry = args.highest;
	return *error == NULL;
}

/*
 * The key columns of a table, quoted and comma-separated.
 */
static char *
KeyColumns(DdbTable *table)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&s, "%s%s", i > 0 ? ", " : "", quote_identifier(table->keys[i].column));
	return s.data;
}

/*
 * One batch of a round on a table, as the table's owner, with the item
 * table locked: finds and locks up to ddb.ttl_batch_size expired items and
 * deletes them. Returns how many it deleted; *more says whether the batch
 * was full (there may be more).
 */
static int64
ExpireBatch(DdbTable *table, const char *attribute, TtlRound *round, bool *more)
{
	char	   *expression = psprintf("ddb.ttl_expiry(item, %s)", quote_literal_cstr(attribute));
	double		now = round->fixed_now ? round->now_epoch : DdbTtlEpochSeconds(GetCurrentTimestamp());
	double		oldest = now - DDB_TTL_MAX_AGE_SECONDS;
	Oid			argtypes[4] = {FLOAT8OID, FLOAT8OID, FLOAT8OID, INT4OID};
	Datum		args[4];
	StringInfoData sql;
	SPITupleTable *rows;
	uint64		nrows;
	int64		deleted = 0;
	int64		skipped = 0;
	double		max_expiry = -INFINITY;
	SPIPlanPtr	node_marker = NULL;
	ErrorData  *error = NULL;
	int			rc;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s, %s FROM %s"
					 " WHERE %s OPERATOR(pg_catalog.<) $1 AND %s OPERATOR(pg_catalog.>=) $2"
					 " AND %s OPERATOR(pg_catalog.>) $3"
					 " ORDER BY %s LIMIT $4%s",
					 KeyColumns(table), expression,
					 quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name),
					 expression, expression, expression, expression,
					 table->distributed ? "" : " FOR UPDATE SKIP LOCKED");
	args[0] = Float8GetDatum(now);
	args[1] = Float8GetDatum(oldest);
	args[2] = Float8GetDatum(round->after);
	args[3] = Int32GetDatum(DdbTtlBatchSize);
	rc = SPI_execute_with_args(sql.data, 4, argtypes, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not find the expired items of table %s: %s", table->name,
			 SPI_result_code_string(rc));
	rows = SPI_tuptable;
	nrows = SPI_processed;
	*more = nrows >= (uint64) DdbTtlBatchSize;
	if (nrows == 0)
		return 0;

	/* the deletes are TTL's: in this node's WAL, or in the nodes' */
	if (!table->distributed)
		(void) MarkTtlDeletes(table);
	else if (DdbStreamLiveViewType(table->name) != NULL)
		node_marker = PrepareNodeMarker(table);
	if (!DeleteRowsInSubtransaction(table, attribute, rows, 0, nrows, now, oldest, round->after,
									node_marker, &deleted, &skipped, &max_expiry, &error))
	{
		/* one by one, skipping the items that cannot be deleted */
		for (uint64 r = 0; r < nrows; r++)
		{
			if (error != NULL)
				FreeErrorData(error);
			error = NULL;
			if (!DeleteRowsInSubtransaction(table, attribute, rows, r, r + 1, now, oldest, round->after,
											node_marker, &deleted, &skipped, &max_expiry, &error))
			{
				if (ConcernsTable(error))
					ReThrowError(error);
				skipped++;
				ereport(round->elevel,
						(errmsg("ddb: Time to Live could not delete the expired item (%s) of table %s: %s",
								RowKeyText(table, rows, r), table->name, error->message)));
				RecordError(table->name, psprintf("item (%s): %s", RowKeyText(table, rows, r),
												  error->message), false);
			}
		}
	}
	if (skipped > 0)
		round->after = max_expiry;	/* the rest of the round looks further on */
	if (node_marker != NULL)
		SPI_freeplan(node_marker);
	SPI_freetuptable(rows);
	return deleted;
}

/*
 * One batch of a round: looks the table and its TTL attribute up, locks
 * the item table (nowait: only if that can be done at once) and runs the
 * batch as the table's owner. Returns how many items it deleted; *found
 * is false when the table or its TTL is gone or (nowait) the table is
 * busy; *more whether the batch was full.
 */
static int64
TableBatch(TtlRound *round, bool nowait, bool *found, bool *more)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	Oid			relid;
	bool		isnull;
	DdbTable   *table;
	char	   *attribute;
	Oid			saved_user;
	int			saved_context;
	int64		deleted;

	*found = false;
	*more = false;
	args[0] = CStringGetTextDatum(round->table_name);
	if (SPI_execute_with_args("SELECT t.item_table::pg_catalog.oid FROM ddb.time_to_live l"
							  " JOIN ddb.tables t ON t.table_name OPERATOR(pg_catalog.=) l.table_name"
							  " WHERE l.table_name OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up the Time to Live of table %s", round->table_name);
	if (SPI_processed == 0)
		return 0;
	relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (nowait)
	{
		if (!ConditionalLockRelationOid(relid, RowExclusiveLock))
			return 0;
	}
	else
		LockRelationOid(relid, RowExclusiveLock);

	/* what the catalog says now that the table is locked */
	table = DdbTableLookupOptional(round->table_name);
	if (table == NULL || table->relid != relid)
		return 0;
	attribute = DdbTtlAttribute(round->table_name);
	if (attribute == NULL)
		return 0;
	*found = true;
	if (!round->begun)
	{
		RecordRoundStart(round->table_name);
		round->begun = true;
	}

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(DdbRelationOwner(table->relid),
						   saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	deleted = ExpireBatch(table, attribute, round, more);
	SetUserIdAndSecContext(saved_user, saved_context);
	return deleted;
}

/* ---------------------------------------------------------------------
 * The worker's kind of work: one unit per table with TTL enabled whose
 * round is due (ddb.ttl_interval after the last one ended) or under way
 * ---------------------------------------------------------------------
 */

/*
 * The tables whose round is due now; none on a standby or when the
 * extension's catalog predates TTL.
 */
static List *
FindTtlUnits(MemoryContext context)
{
	Oid			nspid = get_namespace_oid(DDB_CATALOG_SCHEMA, true);
	Oid			argtypes[1] = {FLOAT8OID};
	Datum		args[1];
	List	   *units = NIL;

	if (RecoveryInProgress() || !OidIsValid(nspid) ||
		!OidIsValid(get_relname_relid("ttl_state", nspid)))
		return NIL;
	args[0] = Float8GetDatum((double) DdbTtlInterval);
	if (SPI_execute_with_args("SELECT l.table_name,"
							  "  s.round_started_at IS NOT NULL AND s.round_finished_at IS NULL"
							  " FROM ddb.time_to_live l"
							  " LEFT JOIN ddb.ttl_state s ON s.table_name OPERATOR(pg_catalog.=) l.table_name"
							  " WHERE s.round_finished_at IS NULL"
							  "  OR s.round_finished_at OPERATOR(pg_catalog.<=)"
							  "     (pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(secs => $1))"
							  " ORDER BY l.table_name",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the tables with Time to Live");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(context);
		TtlRound   *round = palloc0(sizeof(TtlRound));
		bool		isnull;

		round->table_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		round->begun = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		round->after = -INFINITY;
		round->elevel = LOG;
		units = lappend(units, round);
		MemoryContextSwitchTo(old);
	}
	return units;
}

static char *
DescribeTtlUnit(void *arg, MemoryContext context)
{
	TtlRound   *round = (TtlRound *) arg;

	return MemoryContextStrdup(context, psprintf("ddb ttl expiry: table %s", round->table_name));
}

/* One batch of a round, run in a subtransaction by TtlStep */
typedef struct TtlBatchArgs
{
	TtlRound   *round;
	bool		found;			/* the table had a TTL setting */
	bool		more;			/* the round has more batches */
} TtlBatchArgs;

static void
TtlBatch(void *arg)
{
	TtlBatchArgs *step = (TtlBatchArgs *) arg;
	int64		deleted = TableBatch(step->round, true, &step->found, &step->more);

	if (step->found)
		RecordBatch(step->round->table_name, deleted, !step->more);
}

/*
 * One step of a table's round: one batch, in a subtransaction so that an
 * error is recorded in ddb.ttl_state before the step's transaction
 * commits. Returns whether the round has more to do.
 */
static bool
TtlStep(void *arg)
{
	TtlRound   *round = (TtlRound *) arg;
	TtlBatchArgs step = {round, false, false};
	ErrorData  *error;

	if (RecoveryInProgress())
		return false;
	/* never wait long for a lock a user holds */
	(void) set_config_option("lock_timeout", "1s", PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);

	error = DdbRunInSubtransaction(TtlBatch, &step);
	if (error != NULL && MustPassOn(error))
		ReThrowError(error);

	if (error != NULL)
	{
		ereport(LOG,
				(errmsg("ddb worker: Time to Live expiry of table %s failed: %s",
						round->table_name, error->message)));
		RecordError(round->table_name, error->message, true);
		return false;
	}
	return step.found && step.more;
}

/*
 * The worker looks for due rounds at least every ddb.ttl_interval seconds.
 */
static long
TtlMaxSleepMs(void)
{
	return DdbTtlInterval * 1000L;
}

const DdbWorkKind DdbTtlExpiryWork = {
	.name = "ttl expiry",
	.find_units = FindTtlUnits,
	.describe = DescribeTtlUnit,
	.run_step = TtlStep,
	.max_sleep_ms = TtlMaxSleepMs,
};

/* ---------------------------------------------------------------------
 * ddb.expire_now
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ddb_expire_now);

/*
 * ddb.expire_now(table_name text, as_of timestamptz DEFAULT NULL) RETURNS
 * bigint: one round over a table's expired items, now, in the caller's
 * transaction; returns how many items it deleted. With as_of, items are
 * expired as if the time were as_of. Needs ownership of the item table;
 * waits for locks as any statement does; items that cannot be deleted are
 * reported with a WARNING and skipped.
 */
Datum
ddb_expire_now(PG_FUNCTION_ARGS)
{
	DdbConstraintErrors errors;
	TtlRound	round;
	DdbTable   *table;
	int64		total = 0;
	bool		found;
	bool		more = true;

	if (PG_ARGISNULL(0))
		DdbRaise(DDB_VALIDATION, "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null");
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot expire items during recovery")));

	memset(&round, 0, sizeof(round));
	DdbConstraintInit(&errors);
	round.table_name = DdbValidateTableName(text_to_cstring(PG_GETARG_TEXT_PP(0)), "tableName", &errors);
	DdbConstraintRaise(&errors);
	round.after = -INFINITY;
	round.elevel = WARNING;
	if (!PG_ARGISNULL(1))
	{
		round.fixed_now = true;
		round.now_epoch = DdbTtlEpochSeconds(PG_GETARG_TIMESTAMPTZ(1));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	table = DdbTableLookupOptional(round.table_name);
	if (table == NULL)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Table: %s not found",
				 round.table_name);
	if (!pg_class_ownercheck(table->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, table->relation_name);
	if (DdbTtlAttribute(round.table_name) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("Time to Live is not enabled on table \"%s\"", round.table_name)));

	while (more)
	{
		int64		deleted;

		CHECK_FOR_INTERRUPTS();
		deleted = TableBatch(&round, false, &found, &more);
		if (!found)
			break;
		RecordBatch(round.table_name, deleted, !more);
		total += deleted;
	}
	SPI_finish();
	PG_RETURN_INT64(total);
}

/* ---------------------------------------------------------------------
 * ddb.mark_ttl_deletes
 * ---------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ddb_mark_ttl_deletes);

/*
 * ddb.mark_ttl_deletes(table_name text, item jsonb) RETURNS boolean: mark
 * the deletes of the table that follow in this transaction as deletions by
 * TTL, in the WAL of the node it runs on (see the file header); returns
 * whether it wrote the message (not when wal_level is below logical).
 * item is not read: given a column of a row of the table, it makes Citus
 * evaluate the call on the node holding the row. Needs ownership of the
 * item table, so that no one marks the deletes of another's table.
 */
Datum
ddb_mark_ttl_deletes(PG_FUNCTION_ARGS)
{
	DdbConstraintErrors errors;
	char	   *table_name;
	DdbTable   *table;
	bool		marked;

	/* (a hot standby's transactions are read-only too) */
	PreventCommandIfReadOnly("ddb.mark_ttl_deletes()");
	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(text_to_cstring(PG_GETARG_TEXT_PP(0)), "tableName", &errors);
	DdbConstraintRaise(&errors);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	table = DdbTableLookupOwned(table_name);
	marked = MarkTtlDeletes(table);
	SPI_finish();
	PG_RETURN_BOOL(marked);
}
