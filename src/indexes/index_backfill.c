/*-------------------------------------------------------------------------
 *
 * index_backfill.c
 *	  The background worker's backfill of global secondary indexes created
 *	  on existing tables (UpdateTable's Create, index_create.c): a kind of
 *	  work of the per-database worker (worker/worker.h).
 *
 * An index being created has IndexStatus CREATING and a row in
 * ddb.index_backfill_state. Its upkeep triggers keep it for every write
 * committed since UpdateTable; the backfill writes the rows of the items
 * that were there before, in three phases:
 *
 * 1. Waiting (Backfilling false). A transaction whose snapshot predates
 *	  the index may have loaded the table's metadata without it, and write
 *	  items without keeping it. The worker waits for every transaction of
 *	  the database that holds a snapshot to end (as CREATE INDEX
 *	  CONCURRENTLY does), then sets Backfilling.
 *
 * 2. Batches (Backfilling true), each a transaction of its own. A batch
 *	  takes the next ddb.backfill_batch_size table keys after last_key (in
 *	  key order, without locks) and then reads and locks FOR SHARE the
 *	  items between last_key and the batch's last key, so that no write
 *	  can change an item between its read and its index row's insert; a
 *	  write waiting on the lock then updates the index row the batch wrote.
 *	  Index rows are inserted ON CONFLICT DO NOTHING: one a write put
 *	  there already is the same. Items whose key attribute has the wrong
 *	  type or is empty are left out. An item that a write moves out of the
 *	  batch's key range meanwhile was indexed by that write's trigger. The
 *	  batch records its last key and count in ddb.index_backfill_state in
 *	  the same transaction, so after a restart the next batch goes on from
 *	  there. Items are read and index rows written as the table's owner (a
 *	  security-restricted operation), as the upkeep triggers write them.
 *
 * 3. Done: a batch that reaches the end of the table makes the index
 *	  ACTIVE and deletes its backfill row, and every backend reloads the
 *	  table's metadata.
 *
 * A table distributed with Citus (scaleout/) is backfilled the same way,
 * except that Citus locks no rows of a query over several shards: a
 * batch reads its items without locks and then reads each again by key,
 * locked (FOR UPDATE), on its shard, before writing its index row; and the
 * index's catalog rows are published again to every node when it becomes
 * ACTIVE.
 *
 * Deleting the index or the table drops the index table and (by the
 * catalog's cascade) the backfill row; the next step finds the index gone
 * and the unit ends. A step holds its locks only for one batch, so such a
 * delete waits at most for one batch to commit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "guc.h"
#include "index.h"
#include "scaleout/scaleout.h"
#include "storage.h"
#include "worker/worker.h"

/* One index being backfilled */
typedef struct BackfillUnit
{
	char	   *table_name;
	char	   *index_name;
} BackfillUnit;

/* Its row of ddb.index_backfill_state */
typedef struct BackfillState
{
	bool		backfilling;	/* ddb.indexes.backfilling */
	int			nkey;			/* 0: no batch done yet */
	char	   *last_key[2];	/* key column values, as text */
} BackfillState;

/*
 * The indexes being backfilled in this database, oldest first; none when
 * the extension's catalog predates online index creation.
 */
static List *
FindBackfills(MemoryContext context)
{
	Oid			nspid = get_namespace_oid(DDB_CATALOG_SCHEMA, true);
	List	   *units = NIL;

	if (!OidIsValid(nspid) || !OidIsValid(get_relname_relid("index_backfill_state", nspid)))
		return NIL;
	if (SPI_execute("SELECT s.table_name, s.index_name FROM ddb.index_backfill_state s"
					" JOIN ddb.indexes i ON i.table_name OPERATOR(pg_catalog.=) s.table_name"
					"  AND i.index_name OPERATOR(pg_catalog.=) s.index_name"
					" WHERE i.status OPERATOR(pg_catalog.=) 'CREATING'"
					" ORDER BY i.created_at, s.table_name, s.index_name", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the index backfills");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(context);
		BackfillUnit *unit = palloc(sizeof(BackfillUnit));

		unit->table_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		unit->index_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		units = lappend(units, unit);
		MemoryContextSwitchTo(old);
	}
	return units;
}

static char *
DescribeBackfill(void *arg, MemoryContext context)
{
	BackfillUnit *unit = (BackfillUnit *) arg;

	return MemoryContextStrdup(context, psprintf("ddb index backfill: table %s, index %s",
												 unit->table_name, unit->index_name));
}

/*
 * Read (and with lock, lock) an index's backfill row; false when there is
 * none or the index is no longer CREATING.
 */
static bool
ReadState(BackfillUnit *unit, bool lock, BackfillState *state)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;

	args[0] = CStringGetTextDatum(unit->table_name);
	args[1] = CStringGetTextDatum(unit->index_name);
	if (SPI_execute_with_args(lock ?
							  "SELECT i.backfilling, s.last_key FROM ddb.index_backfill_state s"
							  " JOIN ddb.indexes i ON i.table_name OPERATOR(pg_catalog.=) s.table_name"
							  "  AND i.index_name OPERATOR(pg_catalog.=) s.index_name"
							  " WHERE s.table_name OPERATOR(pg_catalog.=) $1"
							  "  AND s.index_name OPERATOR(pg_catalog.=) $2"
							  "  AND i.status OPERATOR(pg_catalog.=) 'CREATING'"
							  " FOR UPDATE OF s" :
							  "SELECT i.backfilling, s.last_key FROM ddb.index_backfill_state s"
							  " JOIN ddb.indexes i ON i.table_name OPERATOR(pg_catalog.=) s.table_name"
							  "  AND i.index_name OPERATOR(pg_catalog.=) s.index_name"
							  " WHERE s.table_name OPERATOR(pg_catalog.=) $1"
							  "  AND s.index_name OPERATOR(pg_catalog.=) $2"
							  "  AND i.status OPERATOR(pg_catalog.=) 'CREATING'",
							  2, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the backfill of index %s", unit->index_name);
	if (SPI_processed == 0)
		return false;
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	d = SPI_getbinval(tuple, desc, 1, &isnull);
	state->backfilling = !isnull && DatumGetBool(d);
	state->nkey = 0;
	d = SPI_getbinval(tuple, desc, 2, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (int i = 0; i < n && i < 2; i++)
			state->last_key[i] = nulls[i] ? NULL : TextDatumGetCString(elems[i]);
		state->nkey = Min(n, 2);
	}
	return true;
}

/*
 * Run a statement on the catalog with a table and an index name as $1 and
 * $2 (and optionally a text[] and an int8 as $3 and $4).
 */
static void
ExecuteOnBackfill(const char *sql, BackfillUnit *unit, Datum last_key, int64 rows, int expected)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTARRAYOID, INT8OID};
	Datum		args[4];
	char		nulls[5] = "    ";

	args[0] = CStringGetTextDatum(unit->table_name);
	args[1] = CStringGetTextDatum(unit->index_name);
	args[2] = last_key;
	if (last_key == (Datum) 0)
		nulls[2] = 'n';
	args[3] = Int64GetDatum(rows);
	if (SPI_execute_with_args(sql, 4, argtypes, args, nulls, false, 0) != expected)
		elog(ERROR, "could not record the backfill of index %s", unit->index_name);
}

/*
 * Wait until every other transaction of this database that holds a
 * snapshot has ended: from then on, every write knows the new index.
 */
static void
WaitForSnapshotHolders(void)
{
	int			n;
	VirtualTransactionId *vxids;

	vxids = GetCurrentVirtualXIDs(GetActiveSnapshot()->xmax, true, false,
								  PROC_IS_AUTOVACUUM | PROC_IN_VACUUM, &n);
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		(void) VirtualXactLock(vxids[i], true);
	}
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
 * A condition comparing the table key with parameters $first.. : "(pk, sk)
 * OPERATOR(pg_catalog.>) ($1, $2)".
 */
static char *
KeyCondition(DdbTable *table, const char *op, int first)
{
	if (table->nkeys == 1)
		return psprintf("%s OPERATOR(pg_catalog.%s) $%d",
						quote_identifier(table->keys[0].column), op, first);
	return psprintf("(%s) OPERATOR(pg_catalog.%s) ($%d, $%d)", KeyColumns(table), op, first, first + 1);
}

/*
 * Key column datums from their text forms.
 */
static void
KeyFromText(DdbTable *table, char **text, Datum *key)
{
	for (int i = 0; i < table->nkeys; i++)
	{
		Oid			input;
		Oid			ioparam;

		getTypeInputInfo(table->keys[i].column_type, &input, &ioparam);
		key[i] = OidInputFunctionCall(input, text[i], ioparam, -1);
	}
}

/*
 * A text[] datum of key column datums' text forms.
 */
static Datum
KeyToText(DdbTable *table, Datum *key)
{
	Datum		elems[2];

	for (int i = 0; i < table->nkeys; i++)
	{
		Oid			output;
		bool		varlena;

		getTypeOutputInfo(table->keys[i].column_type, &output, &varlena);
		elems[i] = CStringGetTextDatum(OidOutputFunctionCall(output, key[i]));
	}
	return PointerGetDatum(construct_array(elems, table->nkeys, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Index one batch of items, as the table's owner: those after lower (NULL:
 * from the start) up to the batch's last key, which *upper gets (false:
 * the batch reached the end of the table). Returns the items read.
 */
static int64
IndexBatch(DdbTable *table, DdbIndex *index, Datum *lower, Datum *upper, bool *has_upper)
{
	const char *relation = quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name);
	char	   *columns = KeyColumns(table);
	Oid			argtypes[5];
	Datum		args[5];
	int			nargs = 0;
	StringInfoData sql;
	SPITupleTable *rows;
	uint64		nrows;

	for (int i = 0; i < table->nkeys; i++)
		argtypes[i] = argtypes[table->nkeys + i] = table->keys[i].column_type;

	/* the batch's last key: the batch_size-th key after lower */
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s FROM %s", columns, relation);
	if (lower != NULL)
	{
		appendStringInfo(&sql, " WHERE %s", KeyCondition(table, ">", 1));
		for (int i = 0; i < table->nkeys; i++)
			args[nargs++] = lower[i];
	}
	appendStringInfo(&sql, " ORDER BY %s OFFSET %d LIMIT 1", columns, DdbBackfillBatchSize - 1);
	if (SPI_execute_with_args(sql.data, nargs, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the keys of table %s", table->name);
	*has_upper = SPI_processed == 1;
	for (int i = 0; *has_upper && i < table->nkeys; i++)
	{
		bool		isnull;

		upper[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);
	}

	/* the items in (lower, upper], locked */
	resetStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s, item FROM %s WHERE true", columns, relation);
	if (lower != NULL)
		appendStringInfo(&sql, " AND %s", KeyCondition(table, ">", 1));
	if (*has_upper)
	{
		appendStringInfo(&sql, " AND %s", KeyCondition(table, "<=", nargs + 1));
		for (int i = 0; i < table->nkeys; i++)
		{
			argtypes[nargs] = table->keys[i].column_type;
			args[nargs++] = upper[i];
		}
	}
	if (!table->distributed)
		appendStringInfoString(&sql, " FOR SHARE");
	if (SPI_execute_with_args(sql.data, nargs, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the items of table %s", table->name);
	rows = SPI_tuptable;
	nrows = SPI_processed;
	for (uint64 r = 0; r < nrows; r++)
	{
		DdbKey		key;
		bool		isnull;
		Datum		item;
		Jsonb	   *locked;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < table->nkeys; i++)
			key.values[i] = SPI_getbinval(rows->vals[r], rows->tupdesc, i + 1, &isnull);
		item = SPI_getbinval(rows->vals[r], rows->tupdesc, table->nkeys + 1, &isnull);
		if (isnull)
			continue;

		/*
		 * Citus locks no rows of a query over several shards: a
		 * distributed table's item is read again by key, locked, on its
		 * shard (gone meanwhile: its delete left no index row to write)
		 */
		if (table->distributed)
		{
			locked = DdbStorageGet(table, &key, DDB_READ_LOCKED);
			if (locked == NULL)
				continue;
		}
		else
			locked = DatumGetJsonbP(item);
		(void) DdbIndexBackfillItem(table, index, key.values, locked);
	}
	pfree(sql.data);
	return (int64) nrows;
}

/*
 * One step of a backfill: the wait of phase 1, or one batch. Returns
 * whether there is more to do.
 */
static bool
BackfillStep(void *arg)
{
	BackfillUnit *unit = (BackfillUnit *) arg;
	BackfillState state;
	DdbTable   *table;
	DdbIndex   *index;
	Datum		lower[2];
	Datum		upper[2];
	bool		has_upper;
	int64		nrows;
	Oid			saved_user;
	int			saved_context;

	if (!ReadState(unit, false, &state))
		return false;
	if (!state.backfilling)
	{
		WaitForSnapshotHolders();
		ExecuteOnBackfill("UPDATE ddb.indexes SET backfilling = true"
						  " WHERE table_name OPERATOR(pg_catalog.=) $1"
						  " AND index_name OPERATOR(pg_catalog.=) $2",
						  unit, (Datum) 0, 0, SPI_OK_UPDATE);
		ExecuteOnBackfill("UPDATE ddb.index_backfill_state SET started_at = pg_catalog.now()"
						  " WHERE table_name OPERATOR(pg_catalog.=) $1"
						  " AND index_name OPERATOR(pg_catalog.=) $2",
						  unit, (Datum) 0, 0, SPI_OK_UPDATE);
		return true;
	}

	/* the table and the index, locked for the batch; gone: done */
	table = DdbTableLookupOptional(unit->table_name);
	if (table == NULL)
		return false;
	index = DdbIndexLookup(table, unit->index_name);
	if (index == NULL || index->active)
		return false;
	LockRelationOid(index->relid, RowExclusiveLock);
	if (!table->valid)
		return true;			/* changed meanwhile: look again */
	if (!ReadState(unit, true, &state))
		return false;

	if (state.nkey == table->nkeys)
		KeyFromText(table, state.last_key, lower);
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(DdbRelationOwner(table->relid),
						   saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nrows = IndexBatch(table, index, state.nkey == table->nkeys ? lower : NULL, upper, &has_upper);
	SetUserIdAndSecContext(saved_user, saved_context);

	if (has_upper)
	{
		ExecuteOnBackfill("UPDATE ddb.index_backfill_state SET last_key = $3,"
						  " rows_done = rows_done OPERATOR(pg_catalog.+) $4,"
						  " last_batch_at = pg_catalog.now()"
						  " WHERE table_name OPERATOR(pg_catalog.=) $1"
						  " AND index_name OPERATOR(pg_catalog.=) $2",
						  unit, KeyToText(table, upper), nrows, SPI_OK_UPDATE);
		return true;
	}

	/* the end of the table: the index is complete */
	ExecuteOnBackfill("UPDATE ddb.indexes SET status = 'ACTIVE', backfilling = NULL"
					  " WHERE table_name OPERATOR(pg_catalog.=) $1"
					  " AND index_name OPERATOR(pg_catalog.=) $2",
					  unit, (Datum) 0, 0, SPI_OK_UPDATE);
	ExecuteOnBackfill("DELETE FROM ddb.index_backfill_state"
					  " WHERE table_name OPERATOR(pg_catalog.=) $1"
					  " AND index_name OPERATOR(pg_catalog.=) $2",
					  unit, (Datum) 0, 0, SPI_OK_DELETE);
	if (table->distributed)
		DdbPublishDistributedTable(table->name);
	CacheInvalidateRelcacheByRelid(table->relid);
	ereport(LOG,
			(errmsg("ddb worker: index %s of table %s is backfilled and ACTIVE",
					unit->index_name, unit->table_name)));
	return false;
}

const DdbWorkKind DdbIndexBackfillWork = {
	.name = "index backfill",
	.find_units = FindBackfills,
	.describe = DescribeBackfill,
	.run_step = BackfillStep,
};
