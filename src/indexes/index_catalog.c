/*-------------------------------------------------------------------------
 *
 * index_catalog.c
 *	  The catalog of secondary indexes (ddb.indexes) and their index
 *	  tables: creating them with a table, and loading them into the
 *	  table's metadata.
 *
 * An index table is created as the calling role (so it belongs to the
 * item table's owner) with names from the catalog quoted and attribute
 * names never pasted into SQL; its catalog row is written as the extension
 * owner. A table with indexes has two triggers (index_trigger.c):
 *
 *	  ddb_index_upkeep AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW
 *	  ddb_index_truncate AFTER TRUNCATE FOR EACH STATEMENT
 *
 * A table with LSIs also has a table of its item collections' sizes
 * (index_collection.c). Every change of a table's indexes invalidates its
 * item table's relcache entry, so that every backend reloads the table's
 * metadata, indexes included, before its next write.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "index.h"
#include "scaleout/scaleout.h"
#include "json_util.h"
#include "storage.h"

/* Index key column types, by key type */
static Oid
KeyColumnOid(char type)
{
	return type == 'S' ? TEXTOID : type == 'N' ? NUMERICOID : BYTEAOID;
}

static const char *
KeyColumnSql(char type)
{
	return type == 'S' ? "pg_catalog.text COLLATE pg_catalog.\"C\"" :
		type == 'N' ? "pg_catalog.numeric" : "pg_catalog.bytea";
}

static const char *const projection_names[] = {
	[DDB_PROJECT_ALL] = "ALL",
	[DDB_PROJECT_KEYS_ONLY] = "KEYS_ONLY",
	[DDB_PROJECT_INCLUDE] = "INCLUDE",
};

/*
 * Create one index table, as the calling role:
 *
 *	  CREATE TABLE ddb_data."t:i" (k1 <type>, ..., table_pk <type>,
 *		  [table_sk <type>,] item jsonb NOT NULL,
 *		  PRIMARY KEY (k1, ..., table_pk[, table_sk]))
 */
static void
CreateIndexTable(const char *relation_name, DdbTable *table, DdbIndexSpec *spec)
{
	StringInfoData sql;
	StringInfoData pkey;

	initStringInfo(&sql);
	initStringInfo(&pkey);
	appendStringInfo(&sql, "CREATE TABLE %s (",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, relation_name));
	for (int i = 0; i < spec->nkeys; i++)
	{
		appendStringInfo(&sql, "k%d %s, ", i + 1, KeyColumnSql(spec->key_types[i]));
		appendStringInfo(&pkey, "k%d, ", i + 1);
	}
	appendStringInfo(&sql, "table_pk %s, ", KeyColumnSql(table->keys[0].type));
	appendStringInfoString(&pkey, "table_pk");
	if (table->nkeys == 2)
	{
		appendStringInfo(&sql, "table_sk %s, ", KeyColumnSql(table->keys[1].type));
		appendStringInfoString(&pkey, ", table_sk");
	}
	appendStringInfo(&sql, "item pg_catalog.jsonb NOT NULL, PRIMARY KEY (%s))", pkey.data);
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create index table: %s", sql.data);
	pfree(sql.data);
	pfree(pkey.data);
}

/*
 * A text[] datum of strings.
 */
static Datum
TextArray(char **strings, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(strings[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * The KeySchema of an index as DynamoDB describes it.
 */
static Jsonb *
IndexKeySchema(DdbIndexSpec *spec)
{
	JsonbParseState *st = NULL;

	DdbPushBeginArray(&st);
	for (int i = 0; i < spec->nkeys; i++)
	{
		DdbPushBeginObject(&st);
		DdbPushKey(&st, "AttributeName");
		DdbPushString(&st, WJB_VALUE, spec->key_names[i]);
		DdbPushKey(&st, "KeyType");
		DdbPushString(&st, WJB_VALUE, i < spec->nhash ? "HASH" : "RANGE");
		DdbPushEndObject(&st);
	}
	return JsonbValueToJsonb(DdbPushEndArray(&st));
}

/*
 * Write an index's catalog row (as the extension owner): ACTIVE, or for an
 * index created online CREATING, not backfilling yet.
 */
static void
InsertCatalogRow(const char *table_name, DdbIndexSpec *spec, Oid index_table, bool online)
{
	static const char *const sql =
	"INSERT INTO ddb.indexes (table_name, index_name, kind, index_table, key_attributes,"
	"  key_types, hash_count, key_schema, projection_type, non_key_attributes,"
	"  read_capacity_units, write_capacity_units, ordinal, status, backfilling)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	"  (SELECT pg_catalog.count(*) FROM ddb.indexes WHERE table_name OPERATOR(pg_catalog.=) $1),"
	"  CASE WHEN $13 THEN 'CREATING' ELSE 'ACTIVE' END, CASE WHEN $13 THEN false END)";
	Oid			argtypes[13] = {TEXTOID, TEXTOID, TEXTOID, REGCLASSOID, TEXTARRAYOID,
		TEXTARRAYOID, INT4OID, JSONBOID, TEXTOID, TEXTARRAYOID, INT8OID, INT8OID, BOOLOID};
	Datum		args[13];
	char		nulls[14] = "             ";
	char	   *types[DDB_MAX_INDEX_KEYS];

	for (int i = 0; i < spec->nkeys; i++)
		types[i] = psprintf("%c", spec->key_types[i]);
	args[0] = CStringGetTextDatum(table_name);
	args[1] = CStringGetTextDatum(spec->name);
	args[2] = CStringGetTextDatum(spec->kind == DDB_INDEX_GLOBAL ? "GLOBAL" : "LOCAL");
	args[3] = ObjectIdGetDatum(index_table);
	args[4] = TextArray(spec->key_names, spec->nkeys);
	args[5] = TextArray(types, spec->nkeys);
	args[6] = Int32GetDatum(spec->nhash);
	args[7] = JsonbPGetDatum(IndexKeySchema(spec));
	args[8] = CStringGetTextDatum(projection_names[spec->projection]);
	if (spec->projection == DDB_PROJECT_INCLUDE)
		args[9] = TextArray(spec->non_key_attributes, spec->nnon_key);
	else
		nulls[9] = 'n';
	args[10] = Int64GetDatum(spec->read_capacity_units);
	args[11] = Int64GetDatum(spec->write_capacity_units);
	args[12] = BoolGetDatum(online);
	if (SPI_execute_with_args(sql, 13, argtypes, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not record index %s", spec->name);
}

/*
 * Give an item table the upkeep triggers, unless it has them.
 */
static void
CreateUpkeepTriggers(DdbTable *table)
{
	const char *relation = quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name);
	char	   *sql;

	if (OidIsValid(get_trigger_oid(table->relid, "ddb_index_upkeep", true)))
		return;
	sql = psprintf("CREATE TRIGGER ddb_index_upkeep AFTER INSERT OR UPDATE OR DELETE ON %s"
				   " FOR EACH ROW EXECUTE FUNCTION ddb.index_upkeep()", relation);
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create trigger: %s", sql);
	sql = psprintf("CREATE TRIGGER ddb_index_truncate AFTER TRUNCATE ON %s"
				   " FOR EACH STATEMENT EXECUTE FUNCTION ddb.index_truncate()", relation);
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create trigger: %s", sql);
}

/*
 * DdbIndexesCreate creates the indexes of a new table: index tables (as
 * the calling role), catalog rows (as the extension owner) and the upkeep
 * triggers.
 */
void
DdbIndexesCreate(const char *table_name, Oid item_table, DdbIndexSpec *specs, int nspecs)
{
	DdbTable   *table;
	Oid			nspid = get_namespace_oid(DDB_DATA_SCHEMA, false);
	Oid		   *relids;
	DdbOwnerAccess owner_access;

	if (nspecs == 0)
		return;
	table = DdbTableLookup(table_name);
	relids = palloc(sizeof(Oid) * nspecs);
	for (int i = 0; i < nspecs; i++)
	{
		char	   *relation_name = DdbRelationName(psprintf("%s:%s", table_name, specs[i].name));

		CreateIndexTable(relation_name, table, &specs[i]);
		relids[i] = get_relname_relid(relation_name, nspid);
	}
	CreateUpkeepTriggers(table);
	for (int i = 0; i < nspecs; i++)
	{
		if (specs[i].kind == DDB_INDEX_LOCAL)
		{
			DdbItemCollectionsCreate(table);
			break;
		}
	}

	DdbCatalogBeginOwnerAccess(&owner_access);
	for (int i = 0; i < nspecs; i++)
		InsertCatalogRow(table_name, &specs[i], relids[i], false);
	DdbCatalogEndOwnerAccess(&owner_access);
	CacheInvalidateRelcacheByRelid(item_table);
}

/*
 * DdbIndexCreateOnline creates a global secondary index on an existing
 * table (UpdateTable's Create): its empty index table (as the calling
 * role), the upkeep triggers, so that every write from now on keeps the
 * index, and, as the extension owner, its catalog row (CREATING, not
 * backfilling yet) and the row of ddb.index_backfill_state from which the
 * background worker backfills the items already there.
 */
void
DdbIndexCreateOnline(DdbTable *table, DdbIndexSpec *spec)
{
	Oid			nspid = get_namespace_oid(DDB_DATA_SCHEMA, false);
	char	   *relation_name = DdbRelationName(psprintf("%s:%s", table->name, spec->name));
	Oid			relid;
	DdbOwnerAccess owner_access;
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];

	CreateIndexTable(relation_name, table, spec);
	relid = get_relname_relid(relation_name, nspid);
	if (table->distributed)
		DdbDistributeIndexTable(table, relid);
	CreateUpkeepTriggers(table);

	args[0] = CStringGetTextDatum(table->name);
	args[1] = CStringGetTextDatum(spec->name);
	DdbCatalogBeginOwnerAccess(&owner_access);
	InsertCatalogRow(table->name, spec, relid, true);
	if (SPI_execute_with_args("INSERT INTO ddb.index_backfill_state (table_name, index_name)"
							  " VALUES ($1, $2)", 2, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not record the backfill of index %s", spec->name);
	DdbCatalogEndOwnerAccess(&owner_access);
	CacheInvalidateRelcacheByRelid(table->relid);
}

/*
 * The strings of a text[] datum, in the current memory context.
 */
static int
StringsOf(Datum array, char ***strings)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	*strings = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		(*strings)[i] = nulls[i] ? pstrdup("") : TextDatumGetCString(elems[i]);
	return n;
}

/*
 * DdbIndexesLoad reads a table's indexes into its metadata's memory
 * context and returns their number.
 *
 * SELECT index_name, kind, index_table::oid, key_attributes, key_types,
 *		  hash_count, projection_type, non_key_attributes, status
 *	 FROM ddb.indexes WHERE table_name = $1 ORDER BY index_name
 */
int
DdbIndexesLoad(DdbTable *table, DdbIndex **indexes)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg = CStringGetTextDatum(table->name);
	MemoryContext old;
	int			n;

	*indexes = NULL;
	/* the extension's SQL of 0.1.0, not updated yet: no indexes */
	if (!OidIsValid(get_relname_relid("indexes", get_namespace_oid(DDB_CATALOG_SCHEMA, false))))
		return 0;
	if (plan == NULL)
	{
		Oid			argtypes[1] = {TEXTOID};

		plan = DdbStoragePrepare("SELECT index_name, kind, index_table::pg_catalog.oid, key_attributes,"
						   " key_types, hash_count, projection_type, non_key_attributes, status"
						   " FROM ddb.indexes WHERE table_name OPERATOR(pg_catalog.=) $1"
						   " ORDER BY index_name",
						   1, argtypes);
	}
	/*
	 * A fresh snapshot, not the statement's: metadata reloaded on an
	 * invalidation (an index created or deleted) must see what committed
	 * it, or a trigger firing in a statement that began earlier would cache
	 * the old indexes until the next invalidation.
	 */
	if (SPI_execute_plan(plan, &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "index lookup failed");
	n = (int) SPI_processed;
	if (n == 0)
		return 0;

	old = MemoryContextSwitchTo(table->context);
	*indexes = palloc0(sizeof(DdbIndex) * n);
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		DdbIndex   *index = &(*indexes)[i];
		bool		isnull;
		char	  **names;
		char	  **types;
		Datum		d;
		char	   *projection;

		index->name = SPI_getvalue(tuple, desc, 1);
		index->kind = strcmp(SPI_getvalue(tuple, desc, 2), "GLOBAL") == 0 ?
			DDB_INDEX_GLOBAL : DDB_INDEX_LOCAL;
		index->relid = DatumGetObjectId(SPI_getbinval(tuple, desc, 3, &isnull));
		index->relation_name = get_rel_name(index->relid);
		if (index->relation_name == NULL)
			index->relation_name = pstrdup("");
		index->nkeys = StringsOf(SPI_getbinval(tuple, desc, 4, &isnull), &names);
		(void) StringsOf(SPI_getbinval(tuple, desc, 5, &isnull), &types);
		index->nkeys = Min(index->nkeys, DDB_MAX_INDEX_KEYS);
		for (int k = 0; k < index->nkeys; k++)
		{
			index->key_names[k] = names[k];
			index->key_types[k] = types[k][0];
			index->key_column_types[k] = KeyColumnOid(types[k][0]);
		}
		index->nhash = DatumGetInt32(SPI_getbinval(tuple, desc, 6, &isnull));
		projection = SPI_getvalue(tuple, desc, 7);
		index->projection = strcmp(projection, "ALL") == 0 ? DDB_PROJECT_ALL :
			strcmp(projection, "KEYS_ONLY") == 0 ? DDB_PROJECT_KEYS_ONLY : DDB_PROJECT_INCLUDE;
		d = SPI_getbinval(tuple, desc, 8, &isnull);
		index->nnon_key = isnull ? 0 : StringsOf(d, &index->non_key_attributes);
		index->active = strcmp(SPI_getvalue(tuple, desc, 9), "ACTIVE") == 0;
	}
	MemoryContextSwitchTo(old);
	table->nindexes = n;
	table->indexes = *indexes;
	table->collection_relid = DdbItemCollectionsRelid(table);
	return n;
}

/*
 * DdbRelationOwner returns the owner of a relation (an item table: index
 * tables are read and written as its owner).
 */
Oid
DdbRelationOwner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * DdbIndexLookup returns a table's index of this name, or NULL.
 */
DdbIndex *
DdbIndexLookup(DdbTable *table, const char *index_name)
{
	for (int i = 0; i < table->nindexes; i++)
	{
		if (strcmp(table->indexes[i].name, index_name) == 0)
			return &table->indexes[i];
	}
	return NULL;
}
