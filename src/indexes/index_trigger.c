/*-------------------------------------------------------------------------
 *
 * index_trigger.c
 *	  Upkeep of index tables: the triggers ddb.index_upkeep (AFTER ROW
 *	  INSERT, UPDATE, DELETE) and ddb.index_truncate (AFTER TRUNCATE) on
 *	  item tables with secondary indexes, and the check of index keys
 *	  that the write path makes before it writes.
 *
 * The triggers fire for every write, through ddb or plain SQL, in the
 * writing transaction, so every index equals what its table's items make
 * of it. For each index, an item is in the index when it has every index
 * key attribute (sparse indexes); its index row holds the index key, the
 * table key and the projected attributes (index.h). An update deletes the
 * old index row and inserts the new one, unless the projection (which
 * holds every key) is unchanged. A new item whose index key attribute has
 * the wrong type or is an empty string or binary is DynamoDB's
 * ValidationException. On a table with LSIs, the trigger also keeps the
 * sizes of its item collections (index_collection.c), and the truncate
 * trigger empties them.
 *
 * Index tables are written as the item table's owner (a security
 * restricted operation): whoever may write the table keeps its indexes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "capacity.h"
#include "catalog.h"
#include "errors.h"
#include "index.h"
#include "item.h"
#include "json_util.h"
#include "storage.h"
#include "number.h"
#include "string_escape.h"
#include "scaleout/scaleout.h"

/*
 * DdbIndexEntryOf reads an item's index key into entry (unless NULL).
 * Returns false when the item is not in the index: an index key attribute
 * is missing, or (unless strict) has a value the index cannot hold. With
 * strict, such a value is DynamoDB's ValidationException, even when another
 * key attribute is missing (DynamoDB checks every index key attribute an
 * item has).
 */
bool
DdbIndexEntryOf(DdbIndex *index, JsonbContainer *item, bool strict, DdbIndexEntry *entry)
{
	bool		in_index = true;

	for (int i = 0; i < index->nkeys; i++)
	{
		const char *name = index->key_names[i];
		JsonbValue	value;
		JsonbValue	payload;
		DdbAttributeType type;
		const char *s;
		int			len;

		if (getKeyJsonValueFromContainer(item, name, strlen(name), &value) == NULL)
		{
			if (!strict)
				return false;
			in_index = false;
			continue;
		}
		type = DdbAttributeValueType(&value, &payload);
		if (type != (index->key_types[i] == 'S' ? DDB_TYPE_S :
					 index->key_types[i] == 'N' ? DDB_TYPE_N : DDB_TYPE_B))
		{
			if (!strict)
				return false;
			DdbValidationError("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %c Actual: %s IndexName: %s",
							   name, index->key_types[i], DdbAttributeTypeName(type), index->name);
		}
		s = payload.val.string.val;
		len = payload.val.string.len;
		if (len == 0)
		{
			if (!strict)
				return false;
			DdbValidationError("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
							   type == DDB_TYPE_S ? "string" : "binary", index->name, name);
		}
		if (entry == NULL || !in_index)
			continue;
		if (type == DDB_TYPE_S)
			entry->keys[i] = PointerGetDatum(cstring_to_text_with_len(s, len));
		else if (type == DDB_TYPE_N)
			entry->keys[i] = NumericGetDatum(DdbNumberToNumeric(pnstrdup(s, len)));
		else
			entry->keys[i] = PointerGetDatum(DdbBase64Decode(s, len));
	}
	return in_index;
}

/*
 * DdbIndexesCheckItem raises DynamoDB's ValidationException when an item
 * about to be written has an index key attribute of the wrong type or an
 * empty one.
 */
void
DdbIndexesCheckItem(DdbTable *table, JsonbContainer *item)
{
	for (int i = 0; i < table->nindexes; i++)
		(void) DdbIndexEntryOf(&table->indexes[i], item, true, NULL);
}

/*
 * Push one attribute of an item, if it has it, onto a projection.
 */
static void
PushAttribute(JsonbParseState **st, JsonbContainer *item, const char *name)
{
	JsonbValue	value;

	if (getKeyJsonValueFromContainer(item, name, strlen(name), &value) == NULL)
		return;
	DdbPushKey(st, name);
	DdbPushStored(st, WJB_VALUE, &value);
}

/*
 * DdbIndexProjection returns the attributes of an item an index projects:
 * all of them (the item itself), or the table and index keys (and, for
 * INCLUDE, the non-key attributes it names).
 */
Jsonb *
DdbIndexProjection(DdbTable *table, DdbIndex *index, Jsonb *item)
{
	JsonbParseState *st = NULL;

	if (index->projection == DDB_PROJECT_ALL)
		return item;
	DdbPushBeginObject(&st);
	for (int i = 0; i < table->nkeys; i++)
		PushAttribute(&st, &item->root, table->keys[i].name);
	for (int i = 0; i < index->nkeys; i++)
		PushAttribute(&st, &item->root, index->key_names[i]);
	for (int i = 0; i < index->nnon_key; i++)
		PushAttribute(&st, &item->root, index->non_key_attributes[i]);
	return DdbBuildJsonb(DdbPushEndObject(&st));
}

/*
 * Prepare an index's statements:
 *
 *	  INSERT INTO ddb_data."t:i" VALUES ($1, ..., $n)
 *	  DELETE FROM ddb_data."t:i" WHERE k1 = $1 AND ... AND table_pk = $.. [AND table_sk = $..]
 *	  UPDATE ddb_data."t:i" SET item = $n WHERE <the same>
 *
 * with the columns in table order: index key, table key, item.
 */
static void
PreparePlans(DdbTable *table, DdbIndex *index)
{
	const char *relation = quote_qualified_identifier(DDB_DATA_SCHEMA, index->relation_name);
	Oid			argtypes[DDB_MAX_INDEX_KEYS + 3];
	int			nargs = 0;
	StringInfoData insert;
	StringInfoData delete;
	StringInfoData key;
	char	   *update;

	initStringInfo(&insert);
	initStringInfo(&delete);
	initStringInfo(&key);
	appendStringInfo(&insert, "INSERT INTO %s VALUES (", relation);
	for (int i = 0; i < index->nkeys; i++)
	{
		argtypes[nargs++] = index->key_column_types[i];
		appendStringInfo(&insert, "$%d, ", nargs);
		appendStringInfo(&key, "k%d OPERATOR(pg_catalog.=) $%d AND ", i + 1, nargs);
	}
	for (int i = 0; i < table->nkeys; i++)
	{
		argtypes[nargs++] = table->keys[i].column_type;
		appendStringInfo(&insert, "$%d, ", nargs);
		appendStringInfo(&key, "%s OPERATOR(pg_catalog.=) $%d%s",
						 i == 0 ? "table_pk" : "table_sk", nargs,
						 i + 1 < table->nkeys ? " AND " : "");
	}
	argtypes[nargs++] = JSONBOID;
	appendStringInfo(&insert, "$%d)", nargs);
	appendStringInfo(&delete, "DELETE FROM %s WHERE %s", relation, key.data);
	update = psprintf("UPDATE %s SET item = $%d WHERE %s", relation, nargs, key.data);

	index->delete_plan = DdbStoragePrepare(delete.data, nargs - 1, argtypes);
	index->insert_plan = DdbStoragePrepare(insert.data, nargs, argtypes);
	index->update_plan = DdbStoragePrepare(update, nargs, argtypes);
	pfree(insert.data);
	pfree(delete.data);
	pfree(key.data);
	pfree(update);
}

/*
 * DdbIndexesForgetPlans frees the statements prepared for a table's
 * indexes.
 */
void
DdbIndexesForgetPlans(DdbTable *table)
{
	for (int i = 0; i < table->nindexes; i++)
	{
		DdbIndex   *index = &table->indexes[i];

		if (index->insert_plan != NULL)
			SPI_freeplan(index->insert_plan);
		if (index->update_plan != NULL)
			SPI_freeplan(index->update_plan);
		if (index->delete_plan != NULL)
			SPI_freeplan(index->delete_plan);
		if (index->backfill_plan != NULL)
			SPI_freeplan(index->backfill_plan);
		index->insert_plan = index->update_plan = index->delete_plan = index->backfill_plan = NULL;
		DdbIndexForgetReadPlans(index);
	}
	DdbItemCollectionsForgetPlans(table);
}

/* What WriteIndexRow does */
typedef enum IndexRowWrite
{
	INDEX_ROW_INSERT,
	INDEX_ROW_UPDATE,			/* the projection of an existing row */
	INDEX_ROW_DELETE
} IndexRowWrite;

/*
 * Insert, update or delete one index row: the index key, the table key
 * (key column datums) and, to insert or update, the projection.
 */
static void
WriteIndexRow(DdbTable *table, DdbIndex *index, IndexRowWrite what, DdbIndexEntry *entry,
			  Datum *table_key, Jsonb *projection)
{
	Datum		args[DDB_MAX_INDEX_KEYS + 3];
	int			nargs = 0;
	int			rc;

	if (index->insert_plan == NULL)
		PreparePlans(table, index);
	for (int i = 0; i < index->nkeys; i++)
		args[nargs++] = entry->keys[i];
	for (int i = 0; i < table->nkeys; i++)
		args[nargs++] = table_key[i];
	if (what == INDEX_ROW_DELETE)
	{
		rc = SPI_execute_plan(index->delete_plan, args, NULL, false, 0);
		if (rc != SPI_OK_DELETE)
			elog(ERROR, "index row delete failed: %s", SPI_result_code_string(rc));
		return;
	}
	args[nargs++] = JsonbPGetDatum(projection);
	if (what == INDEX_ROW_UPDATE)
	{
		rc = SPI_execute_plan(index->update_plan, args, NULL, false, 0);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "index row update failed: %s", SPI_result_code_string(rc));
		return;
	}
	rc = SPI_execute_plan(index->insert_plan, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "index row insert failed: %s", SPI_result_code_string(rc));
}

/*
 * DdbIndexBackfillItem writes an item's row into an index being
 * backfilled, unless the row is there (a write since the index was
 * created put it there, from the same item) or the item is not in the
 * index; an item whose key attribute has the wrong type or is empty is
 * left out, not an error, as DynamoDB's backfill does. The statement:
 *
 *	  INSERT INTO ddb_data."t:i" VALUES ($1, ..., $n) ON CONFLICT DO NOTHING
 */
bool
DdbIndexBackfillItem(DdbTable *table, DdbIndex *index, Datum *table_key, Jsonb *item)
{
	DdbIndexEntry entry;
	Datum		args[DDB_MAX_INDEX_KEYS + 3];
	int			nargs = 0;
	int			rc;

	if (!DdbIndexEntryOf(index, &item->root, false, &entry))
		return false;
	if (index->backfill_plan == NULL)
	{
		Oid			argtypes[DDB_MAX_INDEX_KEYS + 3];
		StringInfoData sql;

		initStringInfo(&sql);
		appendStringInfo(&sql, "INSERT INTO %s VALUES (",
						 quote_qualified_identifier(DDB_DATA_SCHEMA, index->relation_name));
		for (int i = 0; i < index->nkeys; i++)
			argtypes[nargs++] = index->key_column_types[i];
		for (int i = 0; i < table->nkeys; i++)
			argtypes[nargs++] = table->keys[i].column_type;
		argtypes[nargs++] = JSONBOID;
		for (int i = 1; i <= nargs; i++)
			appendStringInfo(&sql, "$%d%s", i, i < nargs ? ", " : ") ON CONFLICT DO NOTHING");
		index->backfill_plan = SPI_prepare(sql.data, nargs, argtypes);
		if (index->backfill_plan == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", sql.data, SPI_result_code_string(SPI_result));
		SPI_keepplan(index->backfill_plan);
		pfree(sql.data);
		nargs = 0;
	}
	for (int i = 0; i < index->nkeys; i++)
		args[nargs++] = entry.keys[i];
	for (int i = 0; i < table->nkeys; i++)
		args[nargs++] = table_key[i];
	args[nargs++] = JsonbPGetDatum(DdbIndexProjection(table, index, item));
	rc = SPI_execute_plan(index->backfill_plan, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "index row insert failed: %s", SPI_result_code_string(rc));
	return true;
}

/*
 * The item and the table key of a row of an item table, or NULL (no row).
 * The columns' numbers are the table's metadata's, which ALTER TABLE
 * invalidates.
 */
static Jsonb *
RowItem(DdbTable *table, Relation rel, HeapTuple tuple, Datum *table_key)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	Datum		d;

	if (tuple == NULL)
		return NULL;
	for (int i = 0; i < table->nkeys; i++)
	{
		if (table->key_attnums[i] == InvalidAttrNumber)
			elog(ERROR, "item table of %s has no key column \"%s\"", table->name,
				 table->keys[i].column);
		table_key[i] = heap_getattr(tuple, table->key_attnums[i], desc, &isnull);
		if (isnull)
			elog(ERROR, "item table row without a key");
	}
	if (table->item_attnum == InvalidAttrNumber)
		elog(ERROR, "item table of %s has no item column", table->name);
	d = heap_getattr(tuple, table->item_attnum, desc, &isnull);
	if (isnull)
		elog(ERROR, "item table row without an item");
	return DatumGetJsonbP(d);
}

/*
 * Whether two index entries have the same index key.
 */
static bool
SameEntry(DdbIndex *index, DdbIndexEntry *a, DdbIndexEntry *b)
{
	for (int k = 0; k < index->nkeys; k++)
	{
		if (!datumIsEqual(a->keys[k], b->keys[k], false, -1))
			return false;
	}
	return true;
}

/*
 * Whether two table keys (key column datums) are the same.
 */
static bool
SameTableKey(DdbTable *table, Datum *a, Datum *b)
{
	for (int i = 0; i < table->nkeys; i++)
	{
		if (!datumIsEqual(a[i], b[i], false, -1))
			return false;
	}
	return true;
}

/*
 * Whether two projections are the same bytes.
 */
static bool
SameProjection(Jsonb *a, Jsonb *b)
{
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

/*
 * Bring a table's index rows from an old row of its item table to a new
 * one (either may be NULL).
 */
static void
Upkeep(DdbTable *table, Relation rel, HeapTuple old_tuple, HeapTuple new_tuple)
{
	Datum		old_key[2];
	Datum		new_key[2];
	Jsonb	   *old_item = RowItem(table, rel, old_tuple, old_key);
	Jsonb	   *new_item = RowItem(table, rel, new_tuple, new_key);

	for (int i = 0; i < table->nindexes; i++)
	{
		DdbIndex   *index = &table->indexes[i];
		DdbIndexEntry old_entry;
		DdbIndexEntry new_entry;
		bool		in_old;
		bool		in_new;
		Jsonb	   *old_projection = NULL;
		Jsonb	   *new_projection = NULL;

		CHECK_FOR_INTERRUPTS();
		in_old = old_item != NULL && DdbIndexEntryOf(index, &old_item->root, false, &old_entry);
		in_new = new_item != NULL && DdbIndexEntryOf(index, &new_item->root, true, &new_entry);
		if (in_old && in_new)
		{
			old_projection = DdbIndexProjection(table, index, old_item);
			new_projection = DdbIndexProjection(table, index, new_item);
			if (SameProjection(old_projection, new_projection))
				continue;
			if (SameEntry(index, &old_entry, &new_entry) &&
				SameTableKey(table, old_key, new_key))
			{
				WriteIndexRow(table, index, INDEX_ROW_UPDATE, &new_entry, new_key, new_projection);
				continue;
			}
		}
		if (in_old)
			WriteIndexRow(table, index, INDEX_ROW_DELETE, &old_entry, old_key, NULL);
		if (in_new)
			WriteIndexRow(table, index, INDEX_ROW_INSERT, &new_entry, new_key,
						  new_projection ? new_projection : DdbIndexProjection(table, index, new_item));
	}
	if (OidIsValid(table->collection_relid))
		DdbItemCollectionsUpkeep(table, old_key, old_item, new_key, new_item);
}

/*
 * DdbIndexesWriteUnits sets units[i] to the write units a write from
 * old_item to new_item (either NULL) consumes on table->indexes[i], by
 * DynamoDB's rules: an index entry put or deleted costs 1 unit per KB of
 * it; a changed index key costs a delete and a put; a changed projection
 * under the same key, a put; nothing, nothing.
 */
void
DdbIndexesWriteUnits(DdbTable *table, Jsonb *old_item, Jsonb *new_item, double *units)
{
	for (int i = 0; i < table->nindexes; i++)
	{
		DdbIndex   *index = &table->indexes[i];
		DdbIndexEntry old_entry;
		DdbIndexEntry new_entry;
		bool		in_old = old_item != NULL && DdbIndexEntryOf(index, &old_item->root, false, &old_entry);
		bool		in_new = new_item != NULL && DdbIndexEntryOf(index, &new_item->root, false, &new_entry);
		Size		old_size = in_old ? DdbItemSize(&DdbIndexProjection(table, index, old_item)->root) : 0;
		Size		new_size = in_new ? DdbItemSize(&DdbIndexProjection(table, index, new_item)->root) : 0;

		if (in_old && in_new && SameEntry(index, &old_entry, &new_entry))
			units[i] = (old_size == new_size &&
						SameProjection(DdbIndexProjection(table, index, old_item),
									   DdbIndexProjection(table, index, new_item))) ? 0 :
				DdbWriteUnits(Max(old_size, new_size));
		else
			units[i] = (in_old ? DdbWriteUnits(old_size) : 0) +
				(in_new ? DdbWriteUnits(new_size) : 0);
	}
}

PG_FUNCTION_INFO_V1(ddb_index_upkeep);
PG_FUNCTION_INFO_V1(ddb_index_truncate);

/*
 * The table of the item table a trigger fired on, and begin writing as its
 * owner; NULL when it has no indexes (nothing to do).
 */
static DdbTable *
BeginUpkeep(TriggerData *trigdata, Oid *saved_user, int *saved_context)
{
	DdbTable   *table;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	table = DdbTableLookupByRelid(RelationGetRelid(trigdata->tg_relation));
	if (table == NULL || table->nindexes == 0)
	{
		SPI_finish();
		return NULL;
	}
	GetUserIdAndSecContext(saved_user, saved_context);
	SetUserIdAndSecContext(trigdata->tg_relation->rd_rel->relowner,
						   *saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	return table;
}

/*
 * Stop writing as the owner.
 */
static void
EndUpkeep(Oid saved_user, int saved_context)
{
	SetUserIdAndSecContext(saved_user, saved_context);
	SPI_finish();
}

/*
 * ddb.index_upkeep(): AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW on an
 * item table.
 */
Datum
ddb_index_upkeep(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	DdbTable   *table;
	HeapTuple	old_tuple = NULL;
	HeapTuple	new_tuple = NULL;
	Oid			saved_user;
	int			saved_context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "ddb.index_upkeep() must fire AFTER ... FOR EACH ROW");
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		new_tuple = trigdata->tg_trigtuple;
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		old_tuple = trigdata->tg_trigtuple;
		new_tuple = trigdata->tg_newtuple;
	}
	else
		old_tuple = trigdata->tg_trigtuple;

	table = BeginUpkeep(trigdata, &saved_user, &saved_context);
	if (table == NULL)
		return PointerGetDatum(NULL);
	Upkeep(table, trigdata->tg_relation, old_tuple, new_tuple);
	EndUpkeep(saved_user, saved_context);
	return PointerGetDatum(NULL);
}

/*
 * ddb.index_truncate(): AFTER TRUNCATE FOR EACH STATEMENT on an item
 * table: its index tables are emptied too.
 */
Datum
ddb_index_truncate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	DdbTable   *table;
	Oid			saved_user;
	int			saved_context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		elog(ERROR, "ddb.index_truncate() must fire AFTER TRUNCATE");
	table = BeginUpkeep(trigdata, &saved_user, &saved_context);
	if (table == NULL)
		return PointerGetDatum(NULL);

	/*
	 * A distributed table (scaleout/): a TRUNCATE of it fires this on the
	 * item table too, which empties the index tables on every node, so a
	 * shard's does nothing; and emptying the item table's local copy after
	 * distributing it leaves the indexes as they are.
	 */
	if (table->distributed &&
		(RelationGetRelid(trigdata->tg_relation) != table->relid || DdbEmptyingLocalData()))
	{
		EndUpkeep(saved_user, saved_context);
		return PointerGetDatum(NULL);
	}
	for (int i = 0; i < table->nindexes; i++)
	{
		char	   *sql = psprintf("TRUNCATE %s",
								   quote_qualified_identifier(DDB_DATA_SCHEMA,
															  table->indexes[i].relation_name));

		if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not empty an index table: %s", sql);
	}
	if (OidIsValid(table->collection_relid))
	{
		char	   *relation_name = get_rel_name(table->collection_relid);
		char	   *sql;

		if (relation_name == NULL)
			elog(ERROR, "the item collection sizes table of %s is gone", table->name);
		sql = psprintf("TRUNCATE %s", quote_qualified_identifier(DDB_DATA_SCHEMA, relation_name));
		if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not empty the item collection sizes table: %s", sql);
	}
	EndUpkeep(saved_user, saved_context);
	return PointerGetDatum(NULL);
}
