/*-------------------------------------------------------------------------
 *
 * index_collection.c
 *	  Item collections of tables with local secondary indexes: their
 *	  sizes, the limit on them, and the ItemCollectionMetrics that writes
 *	  return with ReturnItemCollectionMetrics SIZE.
 *
 * An item collection is every item with one partition key, plus their
 * entries in the table's LSIs. Its size is counted as DynamoDB counts it:
 * the size of each item (DdbItemSize) plus, for each of its LSI entries,
 * the size of the projection (table key, index key and projected
 * attributes) and 100 bytes of overhead. A table with LSIs keeps the size
 * of each of its collections in a table of its own, made with it and
 * owned like its index tables:
 *
 *	  ddb_data."t:" (table_pk <partition key type> PRIMARY KEY,
 *					 size_bytes bigint NOT NULL)
 *
 * ("<table>:" cannot be an index table's name: index names are at least 3
 * characters long). It depends on the item table (dropped with it) and is
 * kept by the index upkeep trigger (index_trigger.c), so every write, plain
 * SQL ones included, adds the difference it makes to its collection's row
 * in the writing transaction: no write reads the whole collection. Two
 * writers of one collection serialize on its row, as on a counter. A row
 * goes when its collection is empty.
 *
 * A write that makes a collection larger than ddb.item_collection_size_limit
 * (10 GB, as DynamoDB's limit; superusers may lower it) fails with
 * ItemCollectionSizeLimitExceededException and, as every failed write,
 * changes nothing. Writes that shrink a collection always pass.
 *
 * SizeEstimateRangeGB is the whole gigabytes below and above the recorded
 * size, read as the item table's owner (a writer may lack SELECT). Tables
 * without LSIs return nothing. A table with LSIs that has no sizes table
 * (made before sizes were kept) has its collection measured on each
 * metrics request from its items, and no limit.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "guc.h"
#include "index.h"
#include "item.h"
#include "json_util.h"

/* DynamoDB's overhead of an LSI entry, counted in its collection's size */
#define LSI_ENTRY_OVERHEAD 100

/* Statements on a sizes table, prepared per table */
#define PLAN_ADD	0			/* add to a collection's size, returning it */
#define PLAN_FORGET 1			/* delete an empty collection's row */
#define PLAN_READ	2			/* a collection's size */

/*
 * DdbCollectionRelationName returns the name, in schema ddb_data, of the
 * sizes table of a DynamoDB table: "<table>:", or a prefix and a hash when
 * that is too long for an identifier (as DdbRelationName shortens names;
 * "~" occurs in no table or index name).
 */
char *
DdbCollectionRelationName(const char *table_name)
{
	char	   *name = psprintf("%s:", table_name);

	if (strlen(name) <= NAMEDATALEN - 1)
		return name;
	return psprintf("%.54s~%08x", name,
					DatumGetUInt32(hash_any((const unsigned char *) name, strlen(name))));
}

/*
 * DdbItemCollectionsCreate creates the sizes table of a new table with
 * LSIs, as the calling role (so it belongs to the item table's owner),
 * with an automatic dependency on the item table. A relation of that name
 * left behind by an item table dropped with plain SQL after a restore
 * (which loses the dependency) is dropped first.
 *
 *	  CREATE TABLE ddb_data."t:" (table_pk <type> PRIMARY KEY,
 *								  size_bytes bigint NOT NULL)
 */
void
DdbItemCollectionsCreate(DdbTable *table)
{
	char	   *relation_name = DdbCollectionRelationName(table->name);
	const char *relation = quote_qualified_identifier(DDB_DATA_SCHEMA, relation_name);
	Oid			nspid = get_namespace_oid(DDB_DATA_SCHEMA, false);
	const char *type = table->keys[0].type == 'S' ? "pg_catalog.text COLLATE pg_catalog.\"C\"" :
		table->keys[0].type == 'N' ? "pg_catalog.numeric" : "pg_catalog.bytea";
	ObjectAddress sizes;
	ObjectAddress items;
	char	   *sql;

	if (OidIsValid(get_relname_relid(relation_name, nspid)) &&
		SPI_execute(psprintf("DROP TABLE %s", relation), false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not drop a stale item collection sizes table");
	sql = psprintf("CREATE TABLE %s (table_pk %s PRIMARY KEY, size_bytes pg_catalog.int8 NOT NULL)",
				   relation, type);
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create the item collection sizes table: %s", sql);
	sql = psprintf("COMMENT ON TABLE %s IS %s", relation,
				   quote_literal_cstr(psprintf("sizes of the item collections of DynamoDB table %s",
											   table->name)));
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not comment the item collection sizes table");

	ObjectAddressSet(sizes, RelationRelationId, get_relname_relid(relation_name, nspid));
	ObjectAddressSet(items, RelationRelationId, table->relid);
	recordDependencyOn(&sizes, &items, DEPENDENCY_AUTO);
}

/*
 * DdbItemCollectionsRelid returns the sizes table of a table with LSIs,
 * or InvalidOid (no LSIs, or a table made before sizes were kept).
 */
Oid
DdbItemCollectionsRelid(DdbTable *table)
{
	bool		has_local = false;

	for (int i = 0; i < table->nindexes; i++)
		has_local |= (table->indexes[i].kind == DDB_INDEX_LOCAL);
	if (!has_local)
		return InvalidOid;
	return get_relname_relid(DdbCollectionRelationName(table->name),
							 get_namespace_oid(DDB_DATA_SCHEMA, false));
}

/*
 * DdbItemCollectionsDrop drops the sizes table of a table being deleted
 * (DeleteTable), should it not depend on the item table (a restored one).
 */
void
DdbItemCollectionsDrop(DdbTable *table)
{
	char	   *relation_name;

	if (!OidIsValid(table->collection_relid))
		return;
	relation_name = get_rel_name(table->collection_relid);
	if (relation_name != NULL &&
		SPI_execute(psprintf("DROP TABLE IF EXISTS %s",
							 quote_qualified_identifier(DDB_DATA_SCHEMA, relation_name)),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not drop the item collection sizes table");
}

/*
 * Prepare the statements on a table's sizes table:
 *
 *	  INSERT INTO ddb_data."t:" AS c VALUES ($1, $2) ON CONFLICT (table_pk)
 *		  DO UPDATE SET size_bytes = c.size_bytes + excluded.size_bytes
 *		  RETURNING size_bytes
 *	  DELETE FROM ddb_data."t:" WHERE table_pk = $1 AND size_bytes <= 0
 *	  SELECT size_bytes FROM ddb_data."t:" WHERE table_pk = $1
 */
static void
PreparePlans(DdbTable *table)
{
	char	   *relation_name = get_rel_name(table->collection_relid);
	const char *relation;
	Oid			argtypes[2] = {table->keys[0].column_type, INT8OID};

	if (relation_name == NULL)
		elog(ERROR, "the item collection sizes table of %s is gone", table->name);
	relation = quote_qualified_identifier(DDB_DATA_SCHEMA, relation_name);
	table->collection_plans[PLAN_ADD] =
		DdbStoragePrepare(psprintf("INSERT INTO %s AS c (table_pk, size_bytes) VALUES ($1, $2)"
								   " ON CONFLICT (table_pk) DO UPDATE SET size_bytes ="
								   " c.size_bytes OPERATOR(pg_catalog.+) excluded.size_bytes"
								   " RETURNING size_bytes", relation),
						  2, argtypes);
	table->collection_plans[PLAN_FORGET] =
		DdbStoragePrepare(psprintf("DELETE FROM %s WHERE table_pk OPERATOR(pg_catalog.=) $1"
								   " AND size_bytes OPERATOR(pg_catalog.<=) 0", relation),
						  1, argtypes);
	table->collection_plans[PLAN_READ] =
		DdbStoragePrepare(psprintf("SELECT size_bytes FROM %s WHERE table_pk OPERATOR(pg_catalog.=) $1",
								   relation),
						  1, argtypes);
}

/*
 * DdbItemCollectionsForgetPlans frees the statements prepared for a
 * table's sizes table.
 */
void
DdbItemCollectionsForgetPlans(DdbTable *table)
{
	for (int i = 0; i < lengthof(table->collection_plans); i++)
	{
		if (table->collection_plans[i] != NULL)
			SPI_freeplan(table->collection_plans[i]);
		table->collection_plans[i] = NULL;
	}
}

/*
 * DdbItemCollectionBytes returns what an item adds to the size of its
 * item collection: its own size, and for each LSI it is in, the size of
 * its entry plus DynamoDB's overhead of an index entry.
 */
int64
DdbItemCollectionBytes(DdbTable *table, Jsonb *item)
{
	int64		bytes = DdbItemSize(&item->root);

	for (int i = 0; i < table->nindexes; i++)
	{
		DdbIndex   *index = &table->indexes[i];

		if (index->kind != DDB_INDEX_LOCAL || !DdbIndexEntryOf(index, &item->root, false, NULL))
			continue;
		bytes += DdbItemSize(&DdbIndexProjection(table, index, item)->root) + LSI_ENTRY_OVERHEAD;
	}
	return bytes;
}

/*
 * Add delta bytes to the size of the collection of a partition key, under
 * the row lock of its row; raise ItemCollectionSizeLimitExceededException
 * when that makes it larger than the limit. Runs in the upkeep trigger, as
 * the item table's owner.
 */
static void
AddToCollection(DdbTable *table, Datum partition, int64 delta)
{
	Datum		args[2] = {partition, Int64GetDatum(delta)};
	bool		isnull;
	int64		size;

	if (delta == 0)
		return;
	if (table->collection_plans[PLAN_ADD] == NULL)
		PreparePlans(table);
	if (SPI_execute_plan(table->collection_plans[PLAN_ADD], args, NULL, false, 0) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "item collection size update failed");
	size = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (delta > 0 && size > (int64) DdbItemCollectionSizeLimit * 1024)
		DdbRaise(DDB_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED, "Collection size exceeded.");
	if (size <= 0 &&
		SPI_execute_plan(table->collection_plans[PLAN_FORGET], args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "item collection size delete failed");
}

/*
 * DdbItemCollectionsUpkeep brings the sizes of a table's item collections
 * from an old row of its item table to a new one (either NULL; keys:
 * their key column datums): the difference goes to the collection of
 * their partition key, or the old size leaves one collection and the new
 * size joins another when a plain SQL write changed the partition key.
 */
void
DdbItemCollectionsUpkeep(DdbTable *table, Datum *old_key, Jsonb *old_item,
						 Datum *new_key, Jsonb *new_item)
{
	int64		old_bytes = old_item ? DdbItemCollectionBytes(table, old_item) : 0;
	int64		new_bytes = new_item ? DdbItemCollectionBytes(table, new_item) : 0;

	if (!OidIsValid(table->collection_relid))
		return;
	if (old_item != NULL && new_item != NULL &&
		!datumIsEqual(old_key[0], new_key[0], false, -1))
	{
		AddToCollection(table, old_key[0], -old_bytes);
		AddToCollection(table, new_key[0], new_bytes);
		return;
	}
	AddToCollection(table, old_item ? old_key[0] : new_key[0], new_bytes - old_bytes);
}

/*
 * The size of an item collection measured from its items, for a table
 * without a sizes table (made before sizes were kept), as the caller
 * (CollectionBytes: the owner):
 *
 *	  SELECT item FROM ddb_data."t" WHERE pk = $1
 */
static int64
MeasuredCollectionBytes(DdbTable *table, Datum partition)
{
	Oid			argtype = table->keys[0].column_type;
	char	   *sql = psprintf("SELECT item FROM %s WHERE %s OPERATOR(pg_catalog.=) $1",
							   quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name),
							   quote_identifier(table->keys[0].column));
	int64		bytes = 0;
	int			rc;

	rc = SPI_execute_with_args(sql, 1, &argtype, &partition, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "item collection size failed: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			bytes += DdbItemCollectionBytes(table, DatumGetJsonbP(d));
	}
	pfree(sql);
	return bytes;
}

/*
 * The recorded size of an item collection, in bytes, read as the item
 * table's owner; without a sizes table, measured from its items:
 *
 *	  SELECT size_bytes FROM ddb_data."t:" WHERE table_pk = $1
 */
static int64
CollectionBytes(DdbTable *table, Datum partition)
{
	Oid			saved_user;
	int			saved_context;
	bool		isnull;
	int64		bytes = 0;
	int			rc;

	/* an error leaves the owner's identity to the (sub)transaction abort */
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(DdbRelationOwner(table->relid), saved_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	if (OidIsValid(table->collection_relid))
	{
		if (table->collection_plans[PLAN_READ] == NULL)
			PreparePlans(table);
		rc = SPI_execute_plan(table->collection_plans[PLAN_READ], &partition, NULL, true, 1);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "item collection size read failed: %s", SPI_result_code_string(rc));
		if (SPI_processed == 1)
			bytes = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	else
		bytes = MeasuredCollectionBytes(table, partition);
	SetUserIdAndSecContext(saved_user, saved_context);
	return bytes;
}

/*
 * Whether a table has local secondary indexes.
 */
static bool
HasLocalIndexes(DdbTable *table)
{
	for (int i = 0; i < table->nindexes; i++)
	{
		if (table->indexes[i].kind == DDB_INDEX_LOCAL)
			return true;
	}
	return false;
}

/*
 * Push the ItemCollectionMetrics object of one item collection:
 * ItemCollectionKey (the partition key attribute) and SizeEstimateRangeGB.
 */
static void
PushMetricsObject(JsonbParseState **st, DdbTable *table, Datum partition,
				  JsonbValue *partition_value)
{
	const char *name = table->keys[0].name;
	double		gb = (double) CollectionBytes(table, partition) / (1024.0 * 1024.0 * 1024.0);

	DdbPushBeginObject(st);
	DdbPushKey(st, "ItemCollectionKey");
	DdbPushBeginObject(st);
	DdbPushKey(st, name);
	DdbPushStored(st, WJB_VALUE, partition_value);
	DdbPushEndObject(st);
	DdbPushKey(st, "SizeEstimateRangeGB");
	DdbPushBeginArray(st);
	DdbPushNumberText(st, WJB_ELEM, psprintf("%.1f", floor(gb)));
	DdbPushNumberText(st, WJB_ELEM, psprintf("%.1f", floor(gb) + 1.0));
	DdbPushEndArray(st);
	DdbPushEndObject(st);
}

/*
 * The partition key attribute of an item or key map, into *value; false
 * when it has none.
 */
static bool
PartitionValue(DdbTable *table, JsonbContainer *item, JsonbValue *value)
{
	const char *name = table->keys[0].name;

	return item != NULL &&
		getKeyJsonValueFromContainer(item, name, strlen(name), value) != NULL;
}

/*
 * DdbPushItemCollectionMetrics pushes "ItemCollectionMetrics" of a write
 * to an item collection of a table with LSIs: ItemCollectionKey (the
 * partition key attribute, from item, an item or a key map of the
 * collection) and SizeEstimateRangeGB. Nothing for a table without LSIs.
 */
void
DdbPushItemCollectionMetrics(JsonbParseState **st, DdbTable *table, const DdbKey *key,
							 JsonbContainer *item)
{
	JsonbValue	partition_value;

	if (!HasLocalIndexes(table) || !PartitionValue(table, item, &partition_value))
		return;
	DdbPushKey(st, "ItemCollectionMetrics");
	PushMetricsObject(st, table, key->values[0], &partition_value);
}

/* One item collection a multi-item write wrote to */
typedef struct DdbWrittenCollection
{
	DdbTable   *table;
	Datum		partition;		/* the partition key column datum */
	JsonbValue	partition_value;	/* the partition key attribute */
	char	   *value_text;		/* its canonical text, to tell collections apart */
} DdbWrittenCollection;

/*
 * DdbItemCollectionsAdd notes a write to the item collection of key, once
 * per collection; writes to tables without LSIs are not noted. The item
 * (or key map) is normalized, so equal partition keys have equal texts.
 */
void
DdbItemCollectionsAdd(DdbItemCollections *written, DdbTable *table, const DdbKey *key,
					  JsonbContainer *item)
{
	DdbWrittenCollection *collection;
	JsonbValue	partition_value;
	char	   *text;

	if (!HasLocalIndexes(table) || !PartitionValue(table, item, &partition_value))
		return;
	text = partition_value.type == jbvBinary ?
		DdbJsonContainerText(partition_value.val.binary.data) : pstrdup("");
	for (int i = 0; i < written->count; i++)
	{
		if (written->collections[i].table == table &&
			strcmp(written->collections[i].value_text, text) == 0)
			return;
	}
	if (written->count == written->allocated)
	{
		written->allocated = Max(8, written->allocated * 2);
		written->collections = written->collections == NULL ?
			palloc(sizeof(DdbWrittenCollection) * written->allocated) :
			repalloc(written->collections, sizeof(DdbWrittenCollection) * written->allocated);
	}
	collection = &written->collections[written->count++];
	collection->table = table;
	collection->partition = key->values[0];
	collection->partition_value = partition_value;
	collection->value_text = text;
}

/*
 * DdbItemCollectionsPush pushes "ItemCollectionMetrics": a member per
 * table (in the order first written) listing the metrics of each of its
 * collections written. Nothing when no collection of a table with LSIs
 * was written, as for a single write.
 */
void
DdbItemCollectionsPush(JsonbParseState **st, DdbItemCollections *written)
{
	if (written->count == 0)
		return;
	DdbPushKey(st, "ItemCollectionMetrics");
	DdbPushBeginObject(st);
	for (int i = 0; i < written->count; i++)
	{
		DdbTable   *table = written->collections[i].table;
		bool		seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = (written->collections[j].table == table);
		if (seen)
			continue;
		DdbPushKey(st, table->name);
		DdbPushBeginArray(st);
		for (int j = i; j < written->count; j++)
		{
			DdbWrittenCollection *collection = &written->collections[j];

			if (collection->table == table)
				PushMetricsObject(st, table, collection->partition,
								  &collection->partition_value);
		}
		DdbPushEndArray(st);
	}
	DdbPushEndObject(st);
}
