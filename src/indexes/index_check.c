/*-------------------------------------------------------------------------
 *
 * index_check.c
 *	  ddb.check_indexes: compare every index of a table with a
 *	  recomputation from the table's items and report each difference,
 *	  as amcheck does for btrees.
 *
 * For each index, two streams are merged in table key order:
 *
 *	  SELECT pk, [sk,] item FROM ddb_data."t" ORDER BY pk, sk
 *	  SELECT table_pk, [table_sk,] k1, ..., kN, item FROM ddb_data."t:i"
 *		  ORDER BY table_pk, table_sk, k1, ..., kN
 *
 * (text columns ordered COLLATE "C", the order of the comparison below).
 * Each item's index entry and projection are computed by the code that
 * the upkeep trigger uses (index_trigger.c), and compared with the index
 * rows of the same table key: an item that belongs in the index needs
 * exactly one row, with its index key and its projection; every other row
 * is extra. The streams are SPI cursors fetched in chunks, each row worked
 * on in a memory context reset for the next, so memory stays bounded
 * whatever the size of the table (the sort of the index table by table
 * key spills to disk beyond work_mem, and so does the result).
 *
 * Every cursor reads the snapshot of the calling statement, so the item
 * table and all its index tables are seen at one instant: since index
 * rows are written in the transaction that writes the item, no concurrent
 * write shows up as a difference.
 *
 * A table with LSIs also has its item collection sizes compared with
 * their recomputation (CheckCollections), items and sizes merged in
 * partition key order the same way.
 *
 * The caller needs SELECT on the item table and ownership of the index
 * tables and the sizes table (which belong to the item table's owner);
 * rows are read with row_security off, so a policy that would hide rows
 * from the caller is an error rather than a false report.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "catalog.h"
#include "errors.h"
#include "index.h"
#include "item.h"
#include "json_util.h"

/* Rows fetched from a cursor at a time */
#define CHECK_FETCH_ROWS 256

/* The problems reported */
#define PROBLEM_MISSING		"missing index row"
#define PROBLEM_EXTRA		"extra index row"
#define PROBLEM_KEY			"index key differs"
#define PROBLEM_PROJECTION	"projection differs"
#define PROBLEM_COLUMNS		"index table columns do not match the index"
#define PROBLEM_SIZE		"item collection size differs"
#define PROBLEM_NO_SIZE		"missing item collection size"
#define PROBLEM_EXTRA_SIZE	"extra item collection size"
#define PROBLEM_SIZE_COLUMNS "item collection sizes table columns do not match"

/* A stream of rows from an SPI cursor, fetched in chunks */
typedef struct RowStream
{
	Portal		portal;
	SPITupleTable *rows;		/* the current chunk, or NULL */
	uint64		nrows;			/* rows in it */
	uint64		next;			/* the current row in it */
	bool		done;			/* the cursor is exhausted */
} RowStream;

/* What is being checked, and where differences go */
typedef struct CheckState
{
	DdbTable   *table;
	DdbIndex   *index;
	ReturnSetInfo *rsinfo;
	FmgrInfo	key_cmp[2];		/* order of the table key columns */
} CheckState;

/* The current item and what it makes of the index */
typedef struct ItemRow
{
	Datum		key[2];			/* table key columns */
	Jsonb	   *item;
	bool		in_index;
	DdbIndexEntry entry;		/* when in_index: its index key */
	Jsonb	   *projection;		/* and its projection */
	bool		matched;		/* an index row of its entry was seen */
	Jsonb	   *pending;		/* the first index row of its table key with
								 * another index key (found form), not yet
								 * reported */
} ItemRow;

/*
 * Open a read-only cursor on a query, reading the active snapshot.
 */
static void
StreamOpen(RowStream *stream, const char *sql)
{
	stream->portal = SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true,
											   CURSOR_OPT_NO_SCROLL);
	if (stream->portal == NULL)
		elog(ERROR, "could not open a cursor on \"%s\"", sql);
	stream->rows = NULL;
	stream->nrows = stream->next = 0;
	stream->done = false;
}

/*
 * The current row of a stream, fetching the next chunk when needed; NULL
 * at the end.
 */
static HeapTuple
StreamCurrent(RowStream *stream)
{
	if (stream->rows != NULL && stream->next < stream->nrows)
		return stream->rows->vals[stream->next];
	if (stream->done)
		return NULL;
	if (stream->rows != NULL)
		SPI_freetuptable(stream->rows);
	SPI_cursor_fetch(stream->portal, true, CHECK_FETCH_ROWS);
	stream->rows = SPI_tuptable;
	stream->nrows = SPI_processed;
	stream->next = 0;
	if (stream->nrows == 0)
	{
		stream->done = true;
		return NULL;
	}
	return stream->rows->vals[0];
}

/*
 * Close a stream's cursor.
 */
static void
StreamClose(RowStream *stream)
{
	if (stream->rows != NULL)
		SPI_freetuptable(stream->rows);
	SPI_cursor_close(stream->portal);
}

/*
 * A column of a stream's current row, which may not be NULL (key columns
 * and items are NOT NULL in item and index tables).
 */
static Datum
StreamColumn(RowStream *stream, HeapTuple tuple, int column)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, stream->rows->tupdesc, column, &isnull);

	if (isnull)
		elog(ERROR, "unexpected NULL in column %d of \"%s\"", column,
			 stream->portal->sourceText);
	return d;
}

/*
 * Push a key column value as a DynamoDB attribute value: text as S,
 * numeric as N, bytea as B (strings in the stored form).
 */
static void
PushKeyValue(JsonbParseState **st, Oid type, Datum value)
{
	DdbPushBeginObject(st);
	if (type == TEXTOID)
	{
		DdbPushKey(st, "S");
		DdbPushString(st, WJB_VALUE, TextDatumGetCString(value));
	}
	else if (type == NUMERICOID)
	{
		DdbPushKey(st, "N");
		DdbPushString(st, WJB_VALUE, DatumGetCString(DirectFunctionCall1(numeric_out, value)));
	}
	else
	{
		bytea	   *bytes = DatumGetByteaPP(value);

		DdbPushKey(st, "B");
		DdbPushString(st, WJB_VALUE, DdbBase64Encode(VARDATA_ANY(bytes),
													 VARSIZE_ANY_EXHDR(bytes)));
	}
	(void) DdbPushEndObject(st);
}

/*
 * The first nkeys attributes of a table key as a DynamoDB key map:
 * {"pk": {"S": ...}, ...}.
 */
static Jsonb *
TableKeyJsonbOf(DdbTable *table, Datum *key, int nkeys)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	for (int i = 0; i < nkeys; i++)
	{
		DdbPushKey(&st, table->keys[i].name);
		PushKeyValue(&st, table->keys[i].column_type, key[i]);
	}
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * An index row as reported: {"index_key": {attribute: value, ...},
 * "item": projection}.
 */
static Jsonb *
IndexRowJsonb(DdbIndex *index, Datum *index_key, Jsonb *item)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "index_key");
	DdbPushBeginObject(&st);
	for (int i = 0; i < index->nkeys; i++)
	{
		DdbPushKey(&st, index->key_names[i]);
		PushKeyValue(&st, index->key_column_types[i], index_key[i]);
	}
	(void) DdbPushEndObject(&st);
	DdbPushKey(&st, "item");
	DdbPushStoredContainer(&st, WJB_VALUE, &item->root);
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * Report one difference.
 */
static void
Report(CheckState *state, const char *problem, Jsonb *table_key, Jsonb *expected,
	   Jsonb *found)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, table_key == NULL, expected == NULL, found == NULL};

	if (state->index == NULL)
		nulls[0] = true;		/* item collections: no index of their own */
	else
		values[0] = CStringGetTextDatum(state->index->name);
	values[1] = CStringGetTextDatum(problem);
	values[2] = table_key ? JsonbPGetDatum(table_key) : (Datum) 0;
	values[3] = expected ? JsonbPGetDatum(expected) : (Datum) 0;
	values[4] = found ? JsonbPGetDatum(found) : (Datum) 0;
	tuplestore_putvalues(state->rsinfo->setResult, state->rsinfo->setDesc, values, nulls);
}

/*
 * Compare two table keys in the order of the streams.
 */
static int
CompareTableKeys(CheckState *state, Datum *a, Datum *b)
{
	for (int i = 0; i < state->table->nkeys; i++)
	{
		int			c = DatumGetInt32(FunctionCall2Coll(&state->key_cmp[i], C_COLLATION_OID,
														a[i], b[i]));

		if (c != 0)
			return c;
	}
	return 0;
}

/*
 * Whether a cursor's columns, from the first on, have the given types.
 */
static bool
ColumnsHaveTypes(RowStream *stream, int first, const Oid *types, int ntypes)
{
	TupleDesc	desc = stream->portal->tupDesc;

	for (int i = 0; i < ntypes; i++)
	{
		if (first + i >= desc->natts ||
			TupleDescAttr(desc, first + i)->atttypid != types[i])
			return false;
	}
	return true;
}

/*
 * The name of a key column in an ORDER BY, ordered as the comparison
 * orders it.
 */
static void
AppendOrderColumn(StringInfo sql, const char *column, Oid type)
{
	appendStringInfoString(sql, quote_identifier(column));
	if (type == TEXTOID)
		appendStringInfoString(sql, " COLLATE pg_catalog.\"C\"");
}

/*
 * Read the item stream's current row into item (in the current memory
 * context), with what it makes of the index.
 */
static void
LoadItem(CheckState *state, RowStream *items, HeapTuple tuple, ItemRow *item)
{
	DdbTable   *table = state->table;

	for (int i = 0; i < table->nkeys; i++)
		item->key[i] = StreamColumn(items, tuple, i + 1);
	item->item = DatumGetJsonbP(StreamColumn(items, tuple, table->nkeys + 1));
	item->in_index = DdbIndexEntryOf(state->index, &item->item->root, false, &item->entry);
	item->projection = NULL;
	if (item->in_index)
		item->projection = DdbIndexProjection(table, state->index, item->item);
	item->matched = false;
	item->pending = NULL;
}

/*
 * The index row an item in the index should have, as reported.
 */
static Jsonb *
ExpectedRow(CheckState *state, ItemRow *item)
{
	return IndexRowJsonb(state->index, item->entry.keys, item->projection);
}

/*
 * Report what is left of an item once every index row of its table key
 * has been seen: a missing row, a row with another index key, or an
 * extra one.
 */
static void
FinishItem(CheckState *state, ItemRow *item)
{
	Jsonb	   *table_key;

	if (item->matched && item->pending == NULL)
		return;
	if (!item->in_index && item->pending == NULL)
		return;
	table_key = TableKeyJsonbOf(state->table, item->key, state->table->nkeys);
	if (item->matched)
		Report(state, PROBLEM_EXTRA, table_key, NULL, item->pending);
	else if (item->pending != NULL)
		Report(state, PROBLEM_KEY, table_key, ExpectedRow(state, item), item->pending);
	else
		Report(state, PROBLEM_MISSING, table_key, ExpectedRow(state, item), NULL);
}

/*
 * Check one index of a table.
 */
static void
CheckIndex(CheckState *state)
{
	DdbTable   *table = state->table;
	DdbIndex   *index = state->index;
	StringInfoData sql;
	RowStream	items;
	RowStream	rows;
	Oid			row_types[2 + DDB_MAX_INDEX_KEYS + 1];
	int			nrow_types = 0;
	MemoryContext item_context;
	MemoryContext row_context;
	MemoryContext old;
	ItemRow		item;
	bool		item_loaded = false;

	/* the items, in table key order */
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(&sql, "%s, ", quote_identifier(table->keys[i].column));
	appendStringInfo(&sql, "item FROM %s ORDER BY ",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name));
	for (int i = 0; i < table->nkeys; i++)
	{
		if (i > 0)
			appendStringInfoString(&sql, ", ");
		AppendOrderColumn(&sql, table->keys[i].column, table->keys[i].column_type);
	}
	StreamOpen(&items, sql.data);

	/* the index rows, in table key order */
	resetStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT table_pk, ");
	if (table->nkeys == 2)
		appendStringInfoString(&sql, "table_sk, ");
	for (int i = 0; i < index->nkeys; i++)
		appendStringInfo(&sql, "k%d, ", i + 1);
	appendStringInfo(&sql, "item FROM %s ORDER BY ",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, index->relation_name));
	for (int i = 0; i < table->nkeys; i++)
	{
		AppendOrderColumn(&sql, i == 0 ? "table_pk" : "table_sk", table->keys[i].column_type);
		appendStringInfoString(&sql, ", ");
		row_types[nrow_types++] = table->keys[i].column_type;
	}
	for (int i = 0; i < index->nkeys; i++)
	{
		char		column[16];

		snprintf(column, sizeof(column), "k%d", i + 1);
		AppendOrderColumn(&sql, column, index->key_column_types[i]);
		appendStringInfoString(&sql, i + 1 < index->nkeys ? ", " : "");
		row_types[nrow_types++] = index->key_column_types[i];
	}
	row_types[nrow_types++] = JSONBOID;
	StreamOpen(&rows, sql.data);

	/* an index table altered by hand cannot be compared */
	if (!ColumnsHaveTypes(&rows, 0, row_types, nrow_types))
	{
		Report(state, PROBLEM_COLUMNS, NULL, NULL, NULL);
		StreamClose(&rows);
		StreamClose(&items);
		return;
	}

	item_context = AllocSetContextCreate(CurrentMemoryContext, "ddb index check item",
										 ALLOCSET_DEFAULT_SIZES);
	row_context = AllocSetContextCreate(CurrentMemoryContext, "ddb index check row",
										ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		HeapTuple	item_tuple;
		HeapTuple	row_tuple;
		Datum		row_key[2];
		Datum		row_index_key[DDB_MAX_INDEX_KEYS];
		Jsonb	   *row_item;
		Jsonb	   *found;
		int			cmp;

		CHECK_FOR_INTERRUPTS();
		item_tuple = StreamCurrent(&items);
		row_tuple = StreamCurrent(&rows);
		if (item_tuple == NULL && row_tuple == NULL)
			break;
		if (item_tuple != NULL && !item_loaded)
		{
			old = MemoryContextSwitchTo(item_context);
			LoadItem(state, &items, item_tuple, &item);
			MemoryContextSwitchTo(old);
			item_loaded = true;
		}

		old = MemoryContextSwitchTo(row_context);
		if (row_tuple != NULL)
		{
			for (int i = 0; i < table->nkeys; i++)
				row_key[i] = StreamColumn(&rows, row_tuple, i + 1);
		}
		cmp = item_tuple == NULL ? 1 : row_tuple == NULL ? -1 :
			CompareTableKeys(state, item.key, row_key);
		if (cmp < 0)
		{
			/* every index row of the item has been seen */
			FinishItem(state, &item);
			MemoryContextSwitchTo(old);
			MemoryContextReset(row_context);
			MemoryContextReset(item_context);
			items.next++;
			item_loaded = false;
			continue;
		}

		for (int i = 0; i < index->nkeys; i++)
			row_index_key[i] = StreamColumn(&rows, row_tuple, table->nkeys + i + 1);
		row_item = DatumGetJsonbP(StreamColumn(&rows, row_tuple, table->nkeys + index->nkeys + 1));
		if (cmp > 0)
		{
			/* no item has this table key */
			Report(state, PROBLEM_EXTRA, TableKeyJsonbOf(table, row_key, table->nkeys), NULL,
				   IndexRowJsonb(index, row_index_key, row_item));
		}
		else
		{
			bool		same_key = item.in_index && !item.matched;

			for (int i = 0; same_key && i < index->nkeys; i++)
				same_key = datum_image_eq(item.entry.keys[i], row_index_key[i], false, -1);
			if (same_key)
			{
				item.matched = true;
				if (!DatumGetBool(DirectFunctionCall2(jsonb_eq, JsonbPGetDatum(item.projection),
													  JsonbPGetDatum(row_item))))
					Report(state, PROBLEM_PROJECTION, TableKeyJsonbOf(table, item.key, table->nkeys),
						   ExpectedRow(state, &item),
						   IndexRowJsonb(index, row_index_key, row_item));
			}
			else if (item.in_index && !item.matched && item.pending == NULL)
			{
				/* maybe the item's row with a wrong key: decided at its end */
				found = IndexRowJsonb(index, row_index_key, row_item);
				item.pending = MemoryContextAlloc(item_context, VARSIZE(found));
				memcpy(item.pending, found, VARSIZE(found));
			}
			else
				Report(state, PROBLEM_EXTRA, TableKeyJsonbOf(table, row_key, table->nkeys), NULL,
					   IndexRowJsonb(index, row_index_key, row_item));
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_context);
		rows.next++;
	}
	MemoryContextDelete(row_context);
	MemoryContextDelete(item_context);
	StreamClose(&rows);
	StreamClose(&items);
	pfree(sql.data);
}

/*
 * A collection size as reported: {"SizeBytes": n}.
 */
static Jsonb *
SizeJsonb(int64 bytes)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "SizeBytes");
	DdbPushNumberText(&st, WJB_VALUE, psprintf(INT64_FORMAT, bytes));
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * Compare the recorded sizes of a table's item collections with their
 * recomputation from its items (index_collection.c), merging two streams
 * in partition key order:
 *
 *	  SELECT pk, item FROM ddb_data."t" ORDER BY pk
 *	  SELECT table_pk, size_bytes FROM ddb_data."t:" ORDER BY table_pk
 *
 * Differences are reported with no index name and the collection's
 * partition key as table_key.
 */
static void
CheckCollections(CheckState *state)
{
	DdbTable   *table = state->table;
	char	   *sizes_name = get_rel_name(table->collection_relid);
	StringInfoData sql;
	RowStream	items;
	RowStream	sizes;
	Oid			size_types[2] = {table->keys[0].column_type, INT8OID};
	MemoryContext row_context;
	MemoryContext old;
	HeapTuple	item_row;
	HeapTuple	size_row;

	if (sizes_name == NULL)
		return;
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s, item FROM %s ORDER BY ",
					 quote_identifier(table->keys[0].column),
					 quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name));
	AppendOrderColumn(&sql, table->keys[0].column, table->keys[0].column_type);
	StreamOpen(&items, sql.data);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "SELECT table_pk, size_bytes FROM %s ORDER BY ",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, sizes_name));
	AppendOrderColumn(&sql, "table_pk", table->keys[0].column_type);
	StreamOpen(&sizes, sql.data);
	if (!ColumnsHaveTypes(&sizes, 0, size_types, 2))
	{
		Report(state, PROBLEM_SIZE_COLUMNS, NULL, NULL, NULL);
		StreamClose(&items);
		StreamClose(&sizes);
		return;
	}

	row_context = AllocSetContextCreate(CurrentMemoryContext, "ddb check collection",
										ALLOCSET_DEFAULT_SIZES);
	item_row = StreamCurrent(&items);
	size_row = StreamCurrent(&sizes);
	while (item_row != NULL || size_row != NULL)
	{
		Datum		partition[2];
		int			cmp;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(row_context);
		if (item_row == NULL)
			cmp = 1;
		else if (size_row == NULL)
			cmp = -1;
		else
		{
			Datum		a = StreamColumn(&items, item_row, 1);
			Datum		b = StreamColumn(&sizes, size_row, 1);

			cmp = DatumGetInt32(FunctionCall2Coll(&state->key_cmp[0], C_COLLATION_OID, a, b));
		}
		if (cmp <= 0)
		{
			/* a collection's items, summed */
			int64		bytes = 0;

			partition[0] = datumCopy(StreamColumn(&items, item_row, 1), false, -1);
			while (item_row != NULL &&
				   DatumGetInt32(FunctionCall2Coll(&state->key_cmp[0], C_COLLATION_OID,
												   StreamColumn(&items, item_row, 1),
												   partition[0])) == 0)
			{
				bytes += DdbItemCollectionBytes(table,
												DatumGetJsonbP(StreamColumn(&items, item_row, 2)));
				items.next++;
				item_row = StreamCurrent(&items);
			}
			if (cmp < 0)
				Report(state, PROBLEM_NO_SIZE, TableKeyJsonbOf(table, partition, 1),
					   SizeJsonb(bytes), NULL);
			else
			{
				int64		recorded = DatumGetInt64(StreamColumn(&sizes, size_row, 2));

				if (recorded != bytes)
					Report(state, PROBLEM_SIZE, TableKeyJsonbOf(table, partition, 1),
						   SizeJsonb(bytes), SizeJsonb(recorded));
				sizes.next++;
				size_row = StreamCurrent(&sizes);
			}
		}
		else
		{
			partition[0] = StreamColumn(&sizes, size_row, 1);
			Report(state, PROBLEM_EXTRA_SIZE, TableKeyJsonbOf(table, partition, 1), NULL,
				   SizeJsonb(DatumGetInt64(StreamColumn(&sizes, size_row, 2))));
			sizes.next++;
			size_row = StreamCurrent(&sizes);
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_context);
	}
	MemoryContextDelete(row_context);
	StreamClose(&items);
	StreamClose(&sizes);
	pfree(sql.data);
}

PG_FUNCTION_INFO_V1(ddb_check_indexes);

/*
 * ddb.check_indexes(table_name text, index text DEFAULT NULL)
 *	 RETURNS TABLE (index_name text, problem text, table_key jsonb,
 *					expected jsonb, found jsonb)
 *
 * One row per difference between the table's ACTIVE indexes (or the one
 * named) and their recomputation from the table's items, and, for a table
 * with LSIs (unless a GSI is named), between its item collection sizes and
 * theirs (with a NULL index_name); no rows when everything is exact.
 */
Datum
ddb_check_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DdbConstraintErrors errors;
	char	   *table_name;
	char	   *only_index = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	CheckState	state;
	AclResult	acl;
	int			guc_nest_level;
	bool		check_collections;

	InitMaterializedSRF(fcinfo, 0);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)),
									  "tableName", &errors);
	DdbConstraintRaise(&errors);
	state.table = DdbTableLookup(table_name);
	state.rsinfo = rsinfo;
	if (only_index != NULL && DdbIndexLookup(state.table, only_index) == NULL)
		DdbValidationError("The table does not have the specified index: %s",
						   DdbEchoText(only_index, strlen(only_index)));

	acl = pg_class_aclcheck(state.table->relid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, state.table->relation_name);
	for (int i = 0; i < state.table->nindexes; i++)
	{
		DdbIndex   *index = &state.table->indexes[i];

		if (only_index != NULL && strcmp(index->name, only_index) != 0)
			continue;
		if (!pg_class_ownercheck(index->relid, GetUserId()))
			aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, index->relation_name);
	}
	check_collections = OidIsValid(state.table->collection_relid) &&
		(only_index == NULL || DdbIndexLookup(state.table, only_index)->kind == DDB_INDEX_LOCAL);
	if (check_collections && !pg_class_ownercheck(state.table->collection_relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(state.table->collection_relid));
	for (int i = 0; i < state.table->nkeys; i++)
		fmgr_info_copy(&state.key_cmp[i],
					   &lookup_type_cache(state.table->keys[i].column_type,
										  TYPECACHE_CMP_PROC_FINFO)->cmp_proc_finfo,
					   CurrentMemoryContext);

	/* a row hidden by a policy would be a false difference: refuse instead */
	guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("row_security", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	for (int i = 0; i < state.table->nindexes; i++)
	{
		state.index = &state.table->indexes[i];
		if (!state.index->active)
			continue;
		if (only_index != NULL && strcmp(state.index->name, only_index) != 0)
			continue;
		CheckIndex(&state);
	}
	state.index = NULL;
	if (check_collections)
		CheckCollections(&state);
	AtEOXact_GUC(true, guc_nest_level);
	SPI_finish();
	return (Datum) 0;
}
