/*-------------------------------------------------------------------------
 *
 * index_collection.c
 *	  Item collections of tables with local secondary indexes: the
 *	  ItemCollectionMetrics a write returns with
 *	  ReturnItemCollectionMetrics SIZE.
 *
 * An item collection is every item with one partition key, plus their
 * entries in the table's LSIs. Its size is estimated, as DynamoDB
 * estimates it, from the stored bytes of the items and of the LSI entries
 * (pg_column_size), and returned as SizeEstimateRangeGB: the whole
 * gigabytes below and above it. The estimate is read as the item table's
 * owner (a writer may lack SELECT). Tables without LSIs return nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "index.h"
#include "json_util.h"

/*
 * The stored bytes of an item collection:
 *
 *	  SELECT (SELECT COALESCE(sum(pg_column_size(item)), 0) FROM t WHERE pk = $1)
 *		   + (SELECT COALESCE(sum(pg_column_size(item)), 0) FROM "t:lsi" WHERE k1 = $1) ...
 */
static int64
CollectionBytes(DdbTable *table, Datum partition)
{
	StringInfoData sql;
	Oid			argtype = table->keys[0].column_type;
	Oid			saved_user;
	int			saved_context;
	bool		isnull;
	int64		bytes;
	int			rc;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT pg_catalog.int8(0) OPERATOR(pg_catalog.+) (SELECT COALESCE(pg_catalog.sum(pg_catalog.pg_column_size(item)), 0)"
					 " FROM %s WHERE %s OPERATOR(pg_catalog.=) $1)",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name),
					 quote_identifier(table->keys[0].column));
	for (int i = 0; i < table->nindexes; i++)
	{
		if (table->indexes[i].kind != DDB_INDEX_LOCAL)
			continue;
		appendStringInfo(&sql, " OPERATOR(pg_catalog.+) (SELECT COALESCE(pg_catalog.sum(pg_catalog.pg_column_size(item)), 0)"
						 " FROM %s WHERE k1 OPERATOR(pg_catalog.=) $1)",
						 quote_qualified_identifier(DDB_DATA_SCHEMA, table->indexes[i].relation_name));
	}
	/* an error leaves the owner's identity to the (sub)transaction abort */
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(DdbRelationOwner(table->relid), saved_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	rc = SPI_execute_with_args(sql.data, 1, &argtype, &partition, NULL, false, 1);
	SetUserIdAndSecContext(saved_user, saved_context);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "item collection size failed: %s", SPI_result_code_string(rc));
	if (SPI_tuptable->tupdesc->attrs[0].atttypid != INT8OID)
		elog(ERROR, "item collection size is not a bigint");
	bytes = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	pfree(sql.data);
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
