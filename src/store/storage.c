/*-------------------------------------------------------------------------
 *
 * storage.c
 *	  The access layer: the only code that reads and writes item tables.
 *
 * An item table (created by table_ops.c) looks like
 *
 *	  CREATE TABLE ddb_data."orders" (
 *		  "customer_id" text COLLATE "C",
 *		  "order_date" text COLLATE "C",
 *		  item jsonb NOT NULL,
 *		  PRIMARY KEY ("customer_id", "order_date"),
 *		  CONSTRAINT ddb_item_is_valid CHECK (ddb.is_valid_item(item,
 *			  'customer_id', "customer_id", 'order_date', "order_date")))
 *
 * Key columns are plain columns, written explicitly with every insert (a
 * distributed engine can route by them), and the CHECK constraint keeps
 * them equal to the item's key attributes and every item valid, whoever
 * writes the row; so rows are checked when they are written, and reads
 * trust them (table->items_checked). Item tables of version 0.1.0 not yet
 * updated have generated key columns instead (table->keys_generated), and
 * their rows are checked as they are read. The statements below are
 * prepared once per table with SPI_prepare and kept until the table's
 * cache entry is invalidated. Names in them come from the catalog and are
 * quoted; values are parameters.
 *
 * GetItem's read of one item (DDB_READ_LATEST, DDB_READ_IN_SNAPSHOT) goes
 * straight to the primary key index, without the executor, when that
 * changes nothing the caller could observe: the item table has no
 * row-level security for the role, no inheritance children, the role may
 * read the whole table (table-level SELECT), and no plugin checks
 * executor permissions (ExecutorCheckPerms_hook, e.g. sepgsql or an audit
 * extension), and the item table is not distributed by Citus (its rows
 * are on other nodes). The read takes the locks and the snapshot the statement
 * would. Otherwise, and for locked reads, the prepared statement runs.
 *
 * Query and Scan read through cursors (SPI_cursor_open on a statement
 * prepared per table and per query shape) and fetch rows in chunks of at
 * most DDB_CURSOR_MAX_FETCH rows, so the rows held at any time are bounded
 * by the chunk, never by the partition or the table. Items larger than
 * about 2 KB stay TOASTed in a chunk and are detoasted one at a time by
 * DdbStorageCursorNext. A Query reads one partition through the primary
 * key index in sort key order; a Scan reads the table in primary key order
 * and resumes after a start key with a row comparison, which the same
 * index serves. A parallel Scan segment is the set of partition keys whose
 * 64-bit hash (hashtextextended, hash_numeric_extended, or of the hex text
 * of a binary key) modulo TotalSegments is the segment number: stable,
 * disjoint and complete, and a partition never spans two segments.
 *
 * On a table distributed by Citus, a cursor reads by chunks instead
 * (DdbStorageOpenChunks): Citus gathers every row of a statement on the
 * coordinator before it returns the first, so each chunk is a statement of
 * its own, after the last key read, with LIMIT (see DdbChunkSource).
 *
 * Reads of index tables (indexes/index_read.c) use the same cursors, on
 * statements that file prepares, fetched as the item table's owner
 * (DdbStorageOpenCursor's run_as) in a security restricted operation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "errors.h"
#include "item.h"
#include "storage.h"
#include "indexes/index.h"

/* Rows fetched from a cursor at a time: the first fetch, and the most */
#define DDB_CURSOR_FIRST_FETCH	128
#define DDB_CURSOR_MAX_FETCH	1024

/* An open Query or Scan cursor and the chunk of rows fetched last */
struct DdbStorageCursor
{
	DdbTable   *table;			/* whose items it reads */
	Portal		portal;
	SPITupleTable *chunk;		/* rows of the last fetch, or NULL */
	uint64		nrows;			/* rows in chunk */
	uint64		next;			/* the next row of chunk to return */
	int64		fetch_size;		/* rows to ask for next time */
	bool		exhausted;		/* the portal has no more rows */
	Oid			run_as;			/* fetch as this role (InvalidOid: the caller) */

	/*
	 * A cursor over a distributed table reads each chunk with a statement
	 * of its own, after the last key of the one before
	 * (DdbStorageOpenChunks)
	 */
	bool		by_chunks;
	DdbChunkSource source;
	Datum	   *args;			/* the statement's arguments */
	char	   *nulls;
	bool		has_start;		/* the start arguments are set */
	bool		start_copied;	/* and are copies of the cursor's own */
};

/*
 * Advances whenever a role or a role membership changes, in any backend:
 * what a role may read can then have changed without any relcache
 * invalidation of the tables concerned.
 */
static uint64 role_generation = 1;

static void
RolesChanged(Datum arg, int cacheid, uint32 hashvalue)
{
	role_generation++;
}

/*
 * DdbStorageInit registers what the access layer must hear of.
 */
void
DdbStorageInit(void)
{
	CacheRegisterSyscacheCallback(AUTHOID, RolesChanged, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, RolesChanged, (Datum) 0);
}

/*
 * DdbStoragePrepare prepares a statement and keeps it for the life of the
 * backend (or until SPI_freeplan); a statement that cannot be prepared is
 * an error naming it.
 */
SPIPlanPtr
DdbStoragePrepare(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

/*
 * DdbStorageForgetPlans frees a table's prepared statements.
 */
void
DdbStorageForgetPlans(DdbTable *table)
{
	DdbIndexesForgetPlans(table);
	for (int i = 0; i < DDB_PLAN_COUNT; i++)
	{
		if (table->plans[i] != NULL)
		{
			SPI_freeplan(table->plans[i]);
			table->plans[i] = NULL;
		}
	}
	for (int i = 0; i < DDB_READ_PLAN_COUNT; i++)
	{
		if (table->read_plans[i] != NULL)
		{
			SPI_freeplan(table->read_plans[i]);
			table->read_plans[i] = NULL;
		}
	}
}

/*
 * Append "WHERE k1 = $first [AND k2 = $first+1]".
 */
static void
AppendKeyCondition(StringInfo sql, DdbTable *table, int first)
{
	appendStringInfoString(sql, " WHERE ");
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(sql, "%s%s OPERATOR(pg_catalog.=) $%d",
						 i > 0 ? " AND " : "",
						 quote_identifier(table->keys[i].column), first + i);
}

/*
 * Build and prepare one statement of a table.
 */
static SPIPlanPtr
PreparePlan(DdbTable *table, DdbPlanKind kind)
{
	StringInfoData sql;
	Oid			argtypes[3];
	int			nargs = 0;
	const char *relation = quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name);
	SPIPlanPtr	plan;

	initStringInfo(&sql);
	switch (kind)
	{
		case DDB_PLAN_GET:
		case DDB_PLAN_GET_FOR_UPDATE:
			appendStringInfo(&sql, "SELECT item FROM %s", relation);
			AppendKeyCondition(&sql, table, 1);
			if (kind == DDB_PLAN_GET_FOR_UPDATE)
				appendStringInfoString(&sql, " FOR UPDATE");
			for (int i = 0; i < table->nkeys; i++)
				argtypes[nargs++] = table->keys[i].column_type;
			break;
		case DDB_PLAN_UPSERT:
		case DDB_PLAN_INSERT_IF_ABSENT:
			/* INSERT INTO t (item, pk, sk) VALUES ($1, $2, $3) ON CONFLICT ... */
			appendStringInfo(&sql, "INSERT INTO %s (item", relation);
			argtypes[nargs++] = JSONBOID;
			for (int i = 0; !table->keys_generated && i < table->nkeys; i++)
			{
				appendStringInfo(&sql, ", %s", quote_identifier(table->keys[i].column));
				argtypes[nargs++] = table->keys[i].column_type;
			}
			appendStringInfoString(&sql, ") VALUES ($1");
			for (int i = 1; i < nargs; i++)
				appendStringInfo(&sql, ", $%d", i + 1);
			appendStringInfoString(&sql, ") ON CONFLICT (");
			for (int i = 0; i < table->nkeys; i++)
				appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "",
								 quote_identifier(table->keys[i].column));
			if (kind == DDB_PLAN_UPSERT)
				appendStringInfoString(&sql, ") DO UPDATE SET item = EXCLUDED.item");
			else
				appendStringInfoString(&sql, ") DO NOTHING");
			break;
		case DDB_PLAN_UPDATE:
			appendStringInfo(&sql, "UPDATE %s SET item = $%d", relation, table->nkeys + 1);
			AppendKeyCondition(&sql, table, 1);
			for (int i = 0; i < table->nkeys; i++)
				argtypes[nargs++] = table->keys[i].column_type;
			argtypes[nargs++] = JSONBOID;
			break;
		case DDB_PLAN_DELETE:
			appendStringInfo(&sql, "DELETE FROM %s", relation);
			AppendKeyCondition(&sql, table, 1);
			appendStringInfoString(&sql, " RETURNING item");
			for (int i = 0; i < table->nkeys; i++)
				argtypes[nargs++] = table->keys[i].column_type;
			break;
		default:
			elog(ERROR, "unrecognized plan kind %d", (int) kind);
	}

	plan = DdbStoragePrepare(sql.data, nargs, argtypes);
	pfree(sql.data);
	return plan;
}

/*
 * Return a table's statement of a kind, preparing it on first use.
 */
static SPIPlanPtr
GetPlan(DdbTable *table, DdbPlanKind kind)
{
	if (table->plans[kind] == NULL)
		table->plans[kind] = PreparePlan(table, kind);
	return table->plans[kind];
}

/*
 * Execute a prepared statement with SPI_execute_plan, leaving the caller's
 * memory context current (SPI leaves its procedure context current, where
 * everything allocated lives until the call ends).
 */
static int
ExecutePlan(SPIPlanPtr plan, Datum *args, bool read_only, long count)
{
	MemoryContext caller = CurrentMemoryContext;
	int			rc = SPI_execute_plan(plan, args, NULL, read_only, count);

	MemoryContextSwitchTo(caller);
	return rc;
}

/*
 * Return a stored item after checking that it is one ddb can read, unless
 * the item table's CHECK constraint checked it when it was written: items
 * written with plain SQL can hold any jsonb, and everything downstream
 * relies on the stored form.
 */
static Jsonb *
CheckedItem(DdbTable *table, Jsonb *item)
{
	Size		size;
	const char *problem;

	if (table->items_checked)
		return item;
	problem = DdbStoredItemCheck(&item->root, &size);

	if (problem == NULL && size > DDB_MAX_ITEM_SIZE)
		problem = "it is larger than 400 KB";
	for (int i = 0; problem == NULL && i < table->nkeys; i++)
		problem = DdbStoredKeyProblem(&item->root, table->keys[i].name,
									  i == 0 ? DDB_MAX_HASH_KEY_SIZE : DDB_MAX_RANGE_KEY_SIZE);
	if (problem != NULL)
		DdbRaise(DDB_INTERNAL_SERVER_ERROR,
				 "Internal server error: an item stored in table %s is not valid DynamoDB JSON: %s",
				 table->name, problem);
	return item;
}

/*
 * Return the item column of the first result row, copied out of SPI's
 * tuple table and checked, or NULL when there is no row.
 */
static Jsonb *
FirstItem(DdbTable *table)
{
	bool		isnull;
	Datum		d;
	Jsonb	   *item = NULL;

	if (SPI_processed == 0 || SPI_tuptable == NULL)
		return NULL;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		item = CheckedItem(table, DatumGetJsonbPCopy(d));
	SPI_freetuptable(SPI_tuptable);
	return item;
}

/*
 * Whether a read of one item may go straight to the primary key index (see
 * the file header). The answer is kept per role with the table's metadata:
 * GRANT, REVOKE, row-level security and inheritance changes all invalidate
 * the item table's relcache entry, and with it the metadata; changes of
 * roles and role memberships advance role_generation.
 */
static bool
DirectReadAllowed(DdbTable *table)
{
	Oid			user = GetUserId();

	if (ExecutorCheckPerms_hook != NULL || table->distributed)
		return false;
	if (table->direct_read_user != user || table->direct_read_roles != role_generation)
	{
		table->direct_read_allowed =
			!has_subclass(table->relid) &&
			check_enable_rls(table->relid, InvalidOid, true) == RLS_NONE &&
			pg_class_aclcheck(table->relid, user, ACL_SELECT) == ACLCHECK_OK;
		table->direct_read_user = user;
		table->direct_read_roles = role_generation;
	}
	return table->direct_read_allowed;
}

/*
 * Find, once per table, what a direct read needs: the primary key index,
 * the equality function and collation of each key column, the item column.
 * Returns false when the item table has no usable primary key index.
 */
static bool
PrepareDirectRead(DdbTable *table, Relation rel)
{
	Relation	index;
	Oid			pkey = RelationGetPrimaryKeyIndex(rel);

	if (!OidIsValid(pkey))
		return false;
	index = index_open(pkey, AccessShareLock);
	if (index->rd_rel->relam != BTREE_AM_OID ||
		IndexRelationGetNumberOfKeyAttributes(index) != table->nkeys)
	{
		index_close(index, NoLock);
		return false;
	}
	for (int i = 0; i < table->nkeys; i++)
	{
		Oid			op = get_opfamily_member(index->rd_opfamily[i], index->rd_opcintype[i],
											 index->rd_opcintype[i], BTEqualStrategyNumber);

		if (!OidIsValid(op))
		{
			index_close(index, NoLock);
			return false;
		}
		table->key_equal[i] = get_opcode(op);
		table->key_collation[i] = index->rd_indcollation[i];
	}
	index_close(index, NoLock);
	table->item_attnum = get_attnum(table->relid, "item");
	table->pkey_index = pkey;
	return table->item_attnum != InvalidAttrNumber;
}

/*
 * Read the item with this key through the primary key index, as the
 * statement "SELECT item FROM t WHERE pk = $1 [AND sk = $2]" would under
 * the snapshot; *done is false when the table does not allow it (the
 * caller then runs the statement).
 */
static Jsonb *
DirectGet(DdbTable *table, DdbKey *key, Snapshot snapshot, bool *done)
{
	Relation	rel;
	Relation	index;
	ScanKeyData keys[2];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Jsonb	   *item = NULL;

	*done = false;
	rel = table_open(table->relid, AccessShareLock);
	if (!OidIsValid(table->pkey_index) && !PrepareDirectRead(table, rel))
	{
		table_close(rel, NoLock);
		return NULL;
	}
	index = index_open(table->pkey_index, AccessShareLock);
	for (int i = 0; i < table->nkeys; i++)
	{
		ScanKeyInit(&keys[i], i + 1, BTEqualStrategyNumber, table->key_equal[i], key->values[i]);
		keys[i].sk_collation = table->key_collation[i];
	}
	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, index, snapshot, table->nkeys, 0);
	index_rescan(scan, keys, table->nkeys, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, table->item_attnum, &isnull);

		if (!isnull)
			item = DatumGetJsonbPCopy(d);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	/* locks are kept to transaction end, as the executor keeps them */
	index_close(index, NoLock);
	table_close(rel, NoLock);
	*done = true;
	return item == NULL ? NULL : CheckedItem(table, item);
}

/*
 * DdbStorageGet returns the item with this key, or NULL.
 */
Jsonb *
DdbStorageGet(DdbTable *table, DdbKey *key, DdbReadMode mode)
{
	SPIPlanPtr	plan;
	int			rc;

	if (mode != DDB_READ_LOCKED && DirectReadAllowed(table))
	{
		Jsonb	   *item;
		bool		done;

		/* a fresh snapshot, as a statement that is not read-only takes */
		if (mode == DDB_READ_LATEST)
		{
			CommandCounterIncrement();
			PushActiveSnapshot(GetTransactionSnapshot());
		}
		item = DirectGet(table, key, GetActiveSnapshot(), &done);
		if (mode == DDB_READ_LATEST)
			PopActiveSnapshot();
		if (done)
			return item;
	}

	plan = GetPlan(table, mode == DDB_READ_LOCKED ? DDB_PLAN_GET_FOR_UPDATE : DDB_PLAN_GET);

	/*
	 * Read-only execution uses the active snapshot; otherwise SPI takes a
	 * fresh one, which sees what earlier calls wrote.
	 */
	rc = ExecutePlan(plan, key->values, mode == DDB_READ_IN_SNAPSHOT, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "item lookup failed: %s", SPI_result_code_string(rc));
	return FirstItem(table);
}

/*
 * DdbStorageBeginSnapshot makes one fresh snapshot active, which sees what
 * earlier calls wrote, for the reads of one operation.
 */
void
DdbStorageBeginSnapshot(void)
{
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
}

/*
 * DdbStorageEndSnapshot drops the snapshot DdbStorageBeginSnapshot made.
 */
void
DdbStorageEndSnapshot(void)
{
	PopActiveSnapshot();
}

/*
 * The arguments of an insert: the item, then the key columns.
 */
static void
InsertArguments(DdbTable *table, const DdbKey *key, Jsonb *item, Datum *args)
{
	args[0] = JsonbPGetDatum(item);
	for (int i = 0; i < table->nkeys; i++)
		args[1 + i] = key->values[i];
}

/*
 * DdbStoragePut inserts or replaces an item; false when no row was
 * written, which only a BEFORE trigger returning NULL does.
 */
bool
DdbStoragePut(DdbTable *table, const DdbKey *key, Jsonb *item)
{
	Datum		args[3];
	int			rc;

	InsertArguments(table, key, item, args);
	rc = ExecutePlan(GetPlan(table, DDB_PLAN_UPSERT), args, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "item write failed: %s", SPI_result_code_string(rc));
	return SPI_processed == 1;
}

/*
 * DdbStorageInsertIfAbsent inserts an item unless its key exists. A
 * concurrent insert of the same key makes this wait for that transaction;
 * if it commits, this returns false.
 */
bool
DdbStorageInsertIfAbsent(DdbTable *table, const DdbKey *key, Jsonb *item)
{
	Datum		args[3];
	int			rc;

	InsertArguments(table, key, item, args);
	rc = ExecutePlan(GetPlan(table, DDB_PLAN_INSERT_IF_ABSENT), args, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "item insert failed: %s", SPI_result_code_string(rc));
	return SPI_processed == 1;
}

/*
 * DdbStorageUpdate replaces the item of an existing key.
 */
bool
DdbStorageUpdate(DdbTable *table, DdbKey *key, Jsonb *item)
{
	Datum		args[3];
	int			rc;

	for (int i = 0; i < table->nkeys; i++)
		args[i] = key->values[i];
	args[table->nkeys] = JsonbPGetDatum(item);
	rc = ExecutePlan(GetPlan(table, DDB_PLAN_UPDATE), args, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "item update failed: %s", SPI_result_code_string(rc));
	return SPI_processed == 1;
}

/*
 * DdbStorageDelete deletes by key and returns the old item, or NULL.
 */
Jsonb *
DdbStorageDelete(DdbTable *table, DdbKey *key)
{
	int			rc;

	rc = ExecutePlan(GetPlan(table, DDB_PLAN_DELETE), key->values, false, 0);
	if (rc != SPI_OK_DELETE_RETURNING)
		elog(ERROR, "item delete failed: %s", SPI_result_code_string(rc));
	return FirstItem(table);
}


/* ---------------------------------------------------------------------
 * Cursors for Query and Scan
 * ---------------------------------------------------------------------
 */

/*
 * Append the segment of a partition key (an expression of the key column,
 * or of a parameter when column is NULL), 0 .. $total_param - 1:
 *
 *	  ((hashtextextended(pk, 0) & 9223372036854775807) % $n)
 *
 * with hash_numeric_extended for number keys and the hash of the hex text
 * for binary keys.
 */
void
DdbStorageAppendSegment(StringInfo sql, char key_type, const char *operand, int total_param)
{
	appendStringInfoString(sql, "((");
	switch (key_type)
	{
		case 'N':
			appendStringInfo(sql, "pg_catalog.hash_numeric_extended(%s, 0)", operand);
			break;
		case 'B':
			appendStringInfo(sql, "pg_catalog.hashtextextended(pg_catalog.encode(%s, 'hex')"
							 " COLLATE pg_catalog.\"C\", 0)", operand);
			break;
		default:
			appendStringInfo(sql, "pg_catalog.hashtextextended(%s COLLATE pg_catalog.\"C\", 0)",
							 operand);
			break;
	}
	appendStringInfo(sql, " OPERATOR(pg_catalog.&) 9223372036854775807)"
					 " OPERATOR(pg_catalog.%%) $%d)", total_param);
}

/*
 * DdbStoragePrepareCursor prepares a cursor statement, for fast start:
 * rows are fetched a chunk at a time and the caller may stop after the
 * first chunk.
 */
SPIPlanPtr
DdbStoragePrepareCursor(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes,
										  CURSOR_OPT_NO_SCROLL | CURSOR_OPT_FAST_PLAN);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

/*
 * The Query statement of one shape:
 *
 *	  SELECT item FROM ddb_data.t WHERE pk = $1
 *		 [AND sk > $2 | AND sk >= $2] [AND sk < $3 | AND sk <= $3]
 *	   ORDER BY sk [DESC]
 *
 * ($2 and $3 are declared for every shape; unused ones are ignored). On a
 * distributed table with a sort key it reads a chunk, as a Scan does
 * (GetScanPlan): it also returns sk and ends with LIMIT $4.
 */
static SPIPlanPtr
GetQueryPlan(DdbTable *table, const DdbQueryRange *range)
{
	bool		by_chunks = table->distributed && table->nkeys == 2;
	int			shape = range->lower_kind * 6 + range->upper_kind * 2 + (range->forward ? 0 : 1);
	int			slot = DDB_READ_PLAN_QUERY_FIRST + shape;
	StringInfoData sql;
	Oid			argtypes[4];
	const char *pk;
	const char *sk;

	if (table->read_plans[slot] != NULL)
		return table->read_plans[slot];

	pk = quote_identifier(table->keys[0].column);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT item");
	if (by_chunks)
		appendStringInfo(&sql, ", %s", quote_identifier(table->keys[1].column));
	appendStringInfo(&sql, " FROM %s WHERE %s OPERATOR(pg_catalog.=) $1",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name), pk);
	argtypes[0] = table->keys[0].column_type;
	argtypes[1] = argtypes[2] = table->keys[table->nkeys - 1].column_type;
	argtypes[3] = INT8OID;
	if (table->nkeys == 2)
	{
		sk = quote_identifier(table->keys[1].column);
		if (range->lower_kind != DDB_BOUND_NONE)
			appendStringInfo(&sql, " AND %s OPERATOR(pg_catalog.%s) $2", sk,
							 range->lower_kind == DDB_BOUND_INCLUSIVE ? ">=" : ">");
		if (range->upper_kind != DDB_BOUND_NONE)
			appendStringInfo(&sql, " AND %s OPERATOR(pg_catalog.%s) $3", sk,
							 range->upper_kind == DDB_BOUND_INCLUSIVE ? "<=" : "<");
		appendStringInfo(&sql, " ORDER BY %s %s", sk, range->forward ? "ASC" : "DESC");
	}
	if (by_chunks)
		appendStringInfoString(&sql, " LIMIT $4");
	table->read_plans[slot] = DdbStoragePrepareCursor(sql.data, by_chunks ? 4 : 3, argtypes);
	pfree(sql.data);
	return table->read_plans[slot];
}

/* What a Scan statement reads besides its start key */
typedef enum ScanRestriction
{
	SCAN_ALL,					/* every row */
	SCAN_SEGMENT,				/* <segment of pk> = $4, $3 being TotalSegments */
	SCAN_HASH_RANGE				/* worker_hash(pk) BETWEEN $3 AND $4 (Citus's hash) */
} ScanRestriction;

/*
 * Build the Scan statement over a relation holding a table's items:
 *
 *	  SELECT item FROM relation
 *	   WHERE [ROW(pk, sk) > ROW($1, $2)]		-- pk > $1 without a sort key
 *		 [AND <restriction>]
 *	   ORDER BY pk, sk
 *
 * and prepare it ($3 and $4 are int8, or int4 for a hash range).
 */
static SPIPlanPtr
PrepareScan(DdbTable *table, const char *relation, bool has_start, ScanRestriction restriction,
			bool by_chunks)
{
	StringInfoData sql;
	Oid			argtypes[5];
	const char *pk = quote_identifier(table->keys[0].column);
	SPIPlanPtr	plan;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT item");
	for (int i = 0; by_chunks && i < table->nkeys; i++)
		appendStringInfo(&sql, ", %s", quote_identifier(table->keys[i].column));
	appendStringInfo(&sql, " FROM %s", relation);
	if (has_start && table->nkeys == 2)
		appendStringInfo(&sql, " WHERE ROW(%s, %s) OPERATOR(pg_catalog.>) ROW($1, $2)", pk,
						 quote_identifier(table->keys[1].column));
	else if (has_start)
		appendStringInfo(&sql, " WHERE %s OPERATOR(pg_catalog.>) $1", pk);
	if (restriction != SCAN_ALL)
		appendStringInfoString(&sql, has_start ? " AND " : " WHERE ");
	if (restriction == SCAN_SEGMENT)
	{
		DdbStorageAppendSegment(&sql, table->keys[0].type, pk, 3);
		appendStringInfoString(&sql, " OPERATOR(pg_catalog.=) $4");
	}
	else if (restriction == SCAN_HASH_RANGE)
		appendStringInfo(&sql, "pg_catalog.worker_hash(%s) BETWEEN $3 AND $4", pk);
	appendStringInfo(&sql, " ORDER BY %s", pk);
	if (table->nkeys == 2)
		appendStringInfo(&sql, ", %s", quote_identifier(table->keys[1].column));
	if (by_chunks)
		appendStringInfoString(&sql, " LIMIT $5");
	argtypes[0] = table->keys[0].column_type;
	argtypes[1] = table->keys[table->nkeys - 1].column_type;
	argtypes[2] = argtypes[3] = restriction == SCAN_HASH_RANGE ? INT4OID : INT8OID;
	argtypes[4] = INT8OID;
	plan = DdbStoragePrepareCursor(sql.data, by_chunks ? 5 : 4, argtypes);
	pfree(sql.data);
	return plan;
}

/*
 * The Scan statement of one shape over the item table, prepared once per
 * table (start key or not x segmented or not).
 *
 * On a distributed table the statement reads one chunk: it also returns
 * the key columns and ends with LIMIT $5, and each chunk is read by a
 * statement of its own, after the last key of the one before. Citus sends
 * ORDER BY and LIMIT to every shard and merges what they return, so a
 * chunk costs a chunk from each shard. One statement over the whole table
 * would not do: Citus gathers every row of a multi-shard query on the
 * coordinator before it returns the first, so a page of a few items would
 * read the table.
 */
static SPIPlanPtr
GetScanPlan(DdbTable *table, bool has_start, bool segmented)
{
	int			slot = DDB_READ_PLAN_SCAN_FIRST + (has_start ? 1 : 0) + (segmented ? 2 : 0);

	if (table->read_plans[slot] == NULL)
		table->read_plans[slot] =
			PrepareScan(table, quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name),
						has_start, segmented ? SCAN_SEGMENT : SCAN_ALL, table->distributed);
	return table->read_plans[slot];
}

/*
 * Switch to the role a cursor runs as, for one SPI call (a security
 * restricted operation, as index_trigger.c writes index tables); false
 * when it runs as the caller. EndRunAs switches back, and so does an
 * error (the caller's PG_CATCH calls it).
 */
static bool
BeginRunAs(DdbStorageCursor *cursor, Oid *saved_user, int *saved_context)
{
	if (!OidIsValid(cursor->run_as))
		return false;
	GetUserIdAndSecContext(saved_user, saved_context);
	SetUserIdAndSecContext(cursor->run_as, *saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	return true;
}

static void
EndRunAs(bool switched, Oid saved_user, int saved_context)
{
	if (switched)
		SetUserIdAndSecContext(saved_user, saved_context);
}

/*
 * Open a cursor's portal, as its role.
 */
static void
OpenPortal(DdbStorageCursor *cursor, SPIPlanPtr plan, Datum *args, const char *nulls)
{
	Oid			saved_user = InvalidOid;
	int			saved_context = 0;
	bool		switched = BeginRunAs(cursor, &saved_user, &saved_context);

	PG_TRY();
	{
		cursor->portal = SPI_cursor_open(NULL, plan, args, nulls, false);
	}
	PG_CATCH();
	{
		EndRunAs(switched, saved_user, saved_context);
		PG_RE_THROW();
	}
	PG_END_TRY();
	EndRunAs(switched, saved_user, saved_context);
}

/*
 * Read the next chunk of count rows of a cursor read by chunks, with the
 * statement its source gives after the last key read, and keep the
 * chunk's last key (copied into the cursor's memory) for the next.
 */
static void
FetchChunk(DdbStorageCursor *cursor, long count)
{
	DdbChunkSource *source = &cursor->source;
	HeapTuple	last;
	MemoryContext old;

	if (cursor->portal != NULL)
	{
		SPI_cursor_close(cursor->portal);
		cursor->portal = NULL;
	}
	cursor->args[source->limit_param] = Int64GetDatum(count);
	cursor->nulls[source->limit_param] = ' ';
	OpenPortal(cursor, source->plan(source->arg, cursor->has_start), cursor->args, cursor->nulls);
	if (cursor->portal == NULL)
		elog(ERROR, "could not open a cursor: %s", SPI_result_code_string(SPI_result));
	SPI_cursor_fetch(cursor->portal, true, count);
	if (SPI_processed == 0)
		return;
	last = SPI_tuptable->vals[SPI_processed - 1];
	old = MemoryContextSwitchTo(GetMemoryChunkContext(cursor));
	for (int i = 0; i < source->nstart; i++)
	{
		int			param = source->start_param + i;
		bool		isnull;
		Datum		key = SPI_getbinval(last, SPI_tuptable->tupdesc, source->start_column + i,
									   &isnull);

		if (isnull)
			elog(ERROR, "index or item table row without a key");
		if (cursor->start_copied)
			pfree(DatumGetPointer(cursor->args[param]));
		cursor->args[param] = datumCopy(key, false, -1);
		cursor->nulls[param] = ' ';
	}
	cursor->has_start = cursor->start_copied = true;
	MemoryContextSwitchTo(old);
}

/*
 * DdbStorageOpenChunks opens a cursor that reads a statement by chunks
 * (see DdbChunkSource). args and nulls are the statement's arguments, with
 * the start key's set when has_start; they are copied.
 */
DdbStorageCursor *
DdbStorageOpenChunks(DdbTable *table, const DdbChunkSource *source, Datum *args,
					 const char *nulls, bool has_start, Oid run_as)
{
	DdbStorageCursor *cursor = palloc0(sizeof(DdbStorageCursor));

	cursor->table = table;
	cursor->run_as = run_as;
	cursor->by_chunks = true;
	cursor->source = *source;
	cursor->args = palloc(sizeof(Datum) * source->nargs);
	cursor->nulls = palloc(source->nargs);
	memcpy(cursor->args, args, sizeof(Datum) * source->nargs);
	memcpy(cursor->nulls, nulls, source->nargs);
	cursor->has_start = has_start;
	cursor->fetch_size = DDB_CURSOR_FIRST_FETCH;
	return cursor;
}

/*
 * Fetch the next count rows of a cursor, as its role.
 */
static void
FetchRows(DdbStorageCursor *cursor, long count)
{
	Oid			saved_user = InvalidOid;
	int			saved_context = 0;
	bool		switched = BeginRunAs(cursor, &saved_user, &saved_context);

	PG_TRY();
	{
		if (cursor->by_chunks)
			FetchChunk(cursor, count);
		else
			SPI_cursor_fetch(cursor->portal, true, count);
	}
	PG_CATCH();
	{
		EndRunAs(switched, saved_user, saved_context);
		PG_RE_THROW();
	}
	PG_END_TRY();
	EndRunAs(switched, saved_user, saved_context);
}

/*
 * DdbStorageOpenCursor opens a cursor on a prepared statement with its
 * arguments (nulls: ' ' or 'n' per argument, as SPI takes them; the unused
 * ones are null), running as run_as (InvalidOid: the caller). Column 1 of
 * its rows is an item of table.
 */
DdbStorageCursor *
DdbStorageOpenCursor(DdbTable *table, SPIPlanPtr plan, Datum *args, const char *nulls,
					 Oid run_as)
{
	MemoryContext caller = CurrentMemoryContext;
	DdbStorageCursor *cursor = palloc0(sizeof(DdbStorageCursor));

	/* not read-only: a fresh snapshot sees what earlier calls wrote */
	cursor->table = table;
	cursor->run_as = run_as;
	OpenPortal(cursor, plan, args, nulls);
	if (cursor->portal == NULL)
		elog(ERROR, "could not open a cursor: %s", SPI_result_code_string(SPI_result));
	/* SPI leaves its procedure context current */
	MemoryContextSwitchTo(caller);
	cursor->fetch_size = DDB_CURSOR_FIRST_FETCH;
	return cursor;
}

/* A Query of a distributed table read by chunks: the statement of a chunk */
typedef struct QueryChunks
{
	DdbTable   *table;
	DdbQueryRange range;
} QueryChunks;

static SPIPlanPtr
QueryChunkPlan(void *arg, bool has_start)
{
	QueryChunks *chunks = arg;
	DdbQueryRange range = chunks->range;

	/* after a chunk, the bound on its side is the last sort key read */
	if (has_start && range.forward)
		range.lower_kind = DDB_BOUND_EXCLUSIVE;
	else if (has_start)
		range.upper_kind = DDB_BOUND_EXCLUSIVE;
	return GetQueryPlan(chunks->table, &range);
}

/* A Scan of a distributed table read by chunks: the statement of a chunk */
typedef struct ScanChunks
{
	DdbTable   *table;
	bool		segmented;
} ScanChunks;

static SPIPlanPtr
ScanChunkPlan(void *arg, bool has_start)
{
	ScanChunks *chunks = arg;

	return GetScanPlan(chunks->table, has_start, chunks->segmented);
}

/*
 * DdbStorageOpenQuery opens a cursor over one partition's items in a sort
 * key range, in ascending or descending sort key order.
 */
DdbStorageCursor *
DdbStorageOpenQuery(DdbTable *table, const DdbQueryRange *range)
{
	Datum		args[3];
	char		nulls[3] = {' ', 'n', 'n'};

	args[0] = range->partition;
	args[1] = args[2] = (Datum) 0;
	if (table->nkeys == 2 && range->lower_kind != DDB_BOUND_NONE)
	{
		args[1] = range->lower;
		nulls[1] = ' ';
	}
	if (table->nkeys == 2 && range->upper_kind != DDB_BOUND_NONE)
	{
		args[2] = range->upper;
		nulls[2] = ' ';
	}
	if (table->distributed && table->nkeys == 2)
	{
		QueryChunks *chunks = palloc(sizeof(QueryChunks));
		DdbChunkSource source = {QueryChunkPlan, chunks, 4, range->forward ? 1 : 2, 1, 2, 3};
		Datum		chunk_args[4] = {args[0], args[1], args[2], 0};
		char		chunk_nulls[4] = {nulls[0], nulls[1], nulls[2], ' '};

		chunks->table = table;
		chunks->range = *range;
		return DdbStorageOpenChunks(table, &source, chunk_args, chunk_nulls, false, InvalidOid);
	}
	return DdbStorageOpenCursor(table, GetQueryPlan(table, range), args, nulls, InvalidOid);
}

/*
 * The arguments of a Scan statement (PrepareScan): the start key (NULL:
 * none), $3 and $4, and $5, the LIMIT of a chunk, left for FetchChunk.
 */
static void
ScanArgs(DdbTable *table, const DdbKey *start, Datum third, Datum fourth, Datum *args,
		 char *nulls)
{
	memset(nulls, ' ', 5);
	args[0] = args[1] = args[4] = (Datum) 0;
	if (start != NULL)
	{
		args[0] = start->values[0];
		args[1] = start->values[table->nkeys - 1];
	}
	else
		nulls[0] = nulls[1] = 'n';
	args[2] = third;
	args[3] = fourth;
}

/*
 * DdbStorageOpenScan opens a cursor over a table's items in primary key
 * order, after a start key, restricted to one segment.
 */
DdbStorageCursor *
DdbStorageOpenScan(DdbTable *table, const DdbKey *start, int64 segment, int64 total_segments)
{
	Datum		args[5];
	char		nulls[5];

	ScanArgs(table, start, Int64GetDatum(total_segments), Int64GetDatum(segment), args, nulls);
	if (table->distributed)
	{
		ScanChunks *chunks = palloc(sizeof(ScanChunks));
		DdbChunkSource source = {ScanChunkPlan, chunks, 5, 0, table->nkeys, 2, 4};

		chunks->table = table;
		chunks->segmented = total_segments > 1;
		return DdbStorageOpenChunks(table, &source, args, nulls, start != NULL, InvalidOid);
	}
	return DdbStorageOpenCursor(table, GetScanPlan(table, start != NULL, total_segments > 1),
								args, nulls, InvalidOid);
}

/*
 * DdbStorageOpenScanHashRange opens a cursor over the items of relid (a
 * shard of a distributed item table, on the node holding it) in
 * primary key order, after start, whose partition key's Citus hash is in
 * [hash_min, hash_max] (every row when all_hashes). Its statement is
 * prepared for this cursor alone: a node reads a different shard each time.
 */
DdbStorageCursor *
DdbStorageOpenScanHashRange(DdbTable *table, Oid relid, const DdbKey *start,
							int32 hash_min, int32 hash_max, bool all_hashes)
{
	char	   *schema = get_namespace_name(get_rel_namespace(relid));
	char	   *name = get_rel_name(relid);
	Datum		args[5];
	char		nulls[5];
	SPIPlanPtr	plan;
	DdbStorageCursor *cursor;

	if (schema == NULL || name == NULL)
		elog(ERROR, "relation %u of table \"%s\" is gone", relid, table->name);
	plan = PrepareScan(table, quote_qualified_identifier(schema, name), start != NULL,
					   all_hashes ? SCAN_ALL : SCAN_HASH_RANGE, false);
	ScanArgs(table, start, Int32GetDatum(hash_min), Int32GetDatum(hash_max), args, nulls);
	/* the portal keeps a copy of the plan */
	cursor = DdbStorageOpenCursor(table, plan, args, nulls, InvalidOid);
	SPI_freeplan(plan);
	return cursor;
}

/*
 * DdbStorageCursorNext returns the next item of a cursor, fetching the
 * next chunk of rows when the last one is used up. The item is valid until
 * the next call: a detoasted copy in the current memory context, or a
 * pointer into the chunk.
 */
Jsonb *
DdbStorageCursorNext(DdbStorageCursor *cursor, int64 wanted)
{
	MemoryContext caller = CurrentMemoryContext;
	bool		isnull;
	Datum		d;

	if (cursor->next >= cursor->nrows)
	{
		int64		count;

		if (cursor->chunk != NULL)
		{
			SPI_freetuptable(cursor->chunk);
			cursor->chunk = NULL;
		}
		cursor->nrows = cursor->next = 0;
		if (cursor->exhausted)
			return NULL;
		count = Max(Min(wanted, cursor->fetch_size), 1);
		FetchRows(cursor, count);
		/* SPI leaves its procedure context current; detoast in the caller's */
		MemoryContextSwitchTo(caller);
		cursor->chunk = SPI_tuptable;
		cursor->nrows = SPI_processed;
		if (cursor->nrows < (uint64) count)
			cursor->exhausted = true;
		cursor->fetch_size = Min(cursor->fetch_size * 2, DDB_CURSOR_MAX_FETCH);
		if (cursor->nrows == 0)
			return NULL;
	}
	d = SPI_getbinval(cursor->chunk->vals[cursor->next], cursor->chunk->tupdesc, 1, &isnull);
	cursor->next++;
	if (isnull)
		elog(ERROR, "item table row without an item");
	return CheckedItem(cursor->table, DatumGetJsonbP(d));
}

/*
 * DdbStorageCursorColumn returns column n (2, ...) of the row
 * DdbStorageCursorNext returned last: an item of the cursor's table,
 * detoasted into the current memory context, or NULL when it is null.
 */
Jsonb *
DdbStorageCursorColumn(DdbStorageCursor *cursor, int column)
{
	bool		isnull;
	Datum		d;

	Assert(cursor->next > 0 && cursor->next <= cursor->nrows);
	d = SPI_getbinval(cursor->chunk->vals[cursor->next - 1], cursor->chunk->tupdesc, column,
					  &isnull);
	if (isnull)
		return NULL;
	return CheckedItem(cursor->table, DatumGetJsonbP(d));
}

/*
 * DdbStorageCursorClose closes a cursor.
 */
void
DdbStorageCursorClose(DdbStorageCursor *cursor)
{
	if (cursor->chunk != NULL)
		SPI_freetuptable(cursor->chunk);
	if (cursor->portal != NULL)
		SPI_cursor_close(cursor->portal);
	pfree(cursor);
}

/*
 * DdbStorageShardHashOf returns the Citus hash of a partition key value
 * (worker_hash, the hash Citus places rows by) on a distributed table.
 */
int32
DdbStorageShardHashOf(DdbTable *table, Datum partition)
{
	SPIPlanPtr	plan = table->read_plans[DDB_READ_PLAN_SHARD_HASH];
	Datum		args[1] = {partition};
	bool		isnull;
	int			rc;

	if (plan == NULL)
	{
		Oid			argtypes[1] = {table->keys[0].column_type};

		plan = DdbStoragePrepare("SELECT pg_catalog.worker_hash($1)", 1, argtypes);
		table->read_plans[DDB_READ_PLAN_SHARD_HASH] = plan;
	}
	rc = SPI_execute_plan(plan, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "hash lookup failed: %s", SPI_result_code_string(rc));
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * DdbStorageSegmentOf returns the parallel Scan segment of a partition key
 * value, computed by the same expression the segmented Scan statement uses:
 *
 *	  SELECT ((hashtextextended($1, 0) & 9223372036854775807) % $2)
 */
int64
DdbStorageSegmentOf(DdbTable *table, Datum partition, int64 total_segments)
{
	SPIPlanPtr	plan = table->read_plans[DDB_READ_PLAN_SEGMENT_OF];
	Datum		args[2];
	bool		isnull;
	int			rc;

	if (plan == NULL)
	{
		StringInfoData sql;
		Oid			argtypes[2];

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		DdbStorageAppendSegment(&sql, table->keys[0].type, "$1", 2);
		argtypes[0] = table->keys[0].column_type;
		argtypes[1] = INT8OID;
		plan = DdbStoragePrepare(sql.data, 2, argtypes);
		table->read_plans[DDB_READ_PLAN_SEGMENT_OF] = plan;
		pfree(sql.data);
	}
	args[0] = partition;
	args[1] = Int64GetDatum(total_segments);
	rc = SPI_execute_plan(plan, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "segment lookup failed: %s", SPI_result_code_string(rc));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}
