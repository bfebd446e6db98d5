/*-------------------------------------------------------------------------
 *
 * index_update.c
 *	  UpdateTable's GlobalSecondaryIndexUpdates: Create (index_create.c),
 *	  Update (a GSI's provisioned throughput) and Delete (a GSI and its
 *	  index table, also while it is being backfilled).
 *
 * A deleted index is reported DELETING in UpdateTable's description, as
 * DynamoDB reports it, and its index table is dropped in the same
 * transaction; the last index of a table takes the upkeep triggers with
 * it. Every change invalidates the item table's relcache entry, so every
 * backend reloads the table's indexes before its next write.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"

#include "catalog.h"
#include "errors.h"
#include "index.h"
#include "json_util.h"
#include "request.h"

/* One entry of GlobalSecondaryIndexUpdates */
typedef struct IndexUpdate
{
	const char *action;			/* "Create", "Update" or "Delete" */
	JsonbContainer *body;
	char	   *index_name;
	int64		read_units;		/* Update: the new throughput */
	int64		write_units;
} IndexUpdate;

/*
 * Run a statement on the catalog as the extension owner with a table and
 * an index name as $1 and $2 (and a third and fourth int8 argument).
 */
static void
ExecuteOnIndex(const char *sql, DdbTable *table, const char *index_name,
			   int64 read_units, int64 write_units)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, INT8OID, INT8OID};
	Datum		args[4];
	DdbOwnerAccess owner_access;
	int			rc;

	args[0] = CStringGetTextDatum(table->name);
	args[1] = CStringGetTextDatum(index_name);
	args[2] = Int64GetDatum(read_units);
	args[3] = Int64GetDatum(write_units);
	DdbCatalogBeginOwnerAccess(&owner_access);
	rc = SPI_execute_with_args(sql, 4, argtypes, args, NULL, false, 0);
	DdbCatalogEndOwnerAccess(&owner_access);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "index catalog update failed: %s", SPI_result_code_string(rc));
}

/*
 * The index an Update or Delete names: a GSI of the table, or DynamoDB's
 * error.
 */
static DdbIndex *
RequireGlobalIndex(DdbTable *table, const char *index_name)
{
	DdbIndex   *index = DdbIndexLookup(table, index_name);

	if (index == NULL)
		DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Index: %s not found for table: %s",
				 index_name, table->name);
	if (index->kind != DDB_INDEX_GLOBAL)
		DdbValidationError("One or more parameter values were invalid: %s is a local secondary index; only global secondary indexes can be updated or deleted",
						   index_name);
	return index;
}

/*
 * Whether a GSI being created is still in DynamoDB's resource allocation
 * phase: CREATING and not backfilling yet (in ddb: its backfill has not
 * started). Read from the catalog, not the cached metadata, since the
 * background worker changes it.
 *
 *	  SELECT status = 'CREATING' AND backfilling IS NOT TRUE
 *		FROM ddb.indexes WHERE table_name = $1 AND index_name = $2
 */
static bool
AllocatingResources(DdbTable *table, const char *index_name)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	bool		isnull;

	args[0] = CStringGetTextDatum(table->name);
	args[1] = CStringGetTextDatum(index_name);
	if (SPI_execute_with_args("SELECT status OPERATOR(pg_catalog.=) 'CREATING'"
							  " AND backfilling IS NOT TRUE"
							  " FROM ddb.indexes WHERE table_name OPERATOR(pg_catalog.=) $1"
							  " AND index_name OPERATOR(pg_catalog.=) $2",
							  2, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "index lookup failed");
	return SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Read the entries of GlobalSecondaryIndexUpdates, with DynamoDB's checks
 * of their shape.
 */
static int
ReadUpdates(JsonbContainer *updates, IndexUpdate **out)
{
	static const char *const actions[] = {"Create", "Update", "Delete"};
	JsonbValue *elements;
	int			n = DdbJsonArrayElements(updates, &elements);
	int			online = 0;
	DdbConstraintErrors errors;

	DdbConstraintInit(&errors);
	*out = palloc0(sizeof(IndexUpdate) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *entry = DdbJsonValueObject(&elements[i], "GlobalSecondaryIndexUpdate");
		IndexUpdate *update = &(*out)[i];
		int			given = 0;
		char	   *path;

		for (int a = 0; a < lengthof(actions); a++)
		{
			JsonbContainer *body = DdbJsonGetObject(entry, actions[a]);

			if (body != NULL)
			{
				update->action = actions[a];
				update->body = body;
				given++;
			}
		}
		if (given != 1)
			DdbValidationError("One or more parameter values were invalid: One and only one of Create, Update or Delete must be given in a GlobalSecondaryIndexUpdate");
		path = psprintf("globalSecondaryIndexUpdates.%d.member.%c%s",
						i + 1, update->action[0] + ('a' - 'A'), update->action + 1);
		update->index_name = DdbJsonGetString(update->body, "IndexName");
		if (update->index_name == NULL)
			DdbConstraintAdd(&errors, "null", psprintf("%s.indexName", path), "Member must not be null");
		if (strcmp(update->action, "Update") == 0)
		{
			JsonbContainer *throughput = DdbJsonGetObject(update->body, "ProvisionedThroughput");

			if (throughput == NULL)
				DdbConstraintAdd(&errors, "null", psprintf("%s.provisionedThroughput", path),
								 "Member must not be null");
			else
				DdbIndexThroughputRead(throughput, path, &update->read_units,
									   &update->write_units, &errors);
		}
		else
			online++;
	}
	DdbConstraintRaise(&errors);
	if (online > 1)
		DdbRaise(DDB_LIMIT_EXCEEDED,
				 "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");
	return n;
}

/*
 * DdbIndexesApplyUpdates applies UpdateTable's GlobalSecondaryIndexUpdates
 * (provisioned: the table's billing mode after the update; definitions:
 * its AttributeDefinitions or NULL): indexes are created (CREATING),
 * throughput updates are made, deleted indexes are marked DELETING (for
 * the description; DdbIndexesDropDeleting drops them).
 */
void
DdbIndexesApplyUpdates(DdbTable *table, JsonbContainer *updates, JsonbContainer *definitions,
					   bool provisioned)
{
	IndexUpdate *entries;
	int			n = ReadUpdates(updates, &entries);

	for (int i = 0; i < n; i++)
	{
		IndexUpdate *update = &entries[i];

		if (strcmp(update->action, "Create") == 0)
		{
			DdbIndexCreateFromRequest(table, update->body, i + 1, definitions, provisioned);
			continue;
		}
		(void) RequireGlobalIndex(table, update->index_name);
		if (strcmp(update->action, "Delete") == 0 && AllocatingResources(table, update->index_name))
			DdbRaise(DDB_RESOURCE_IN_USE,
					 "Attempt to change a resource which is still in use: Index creation is in resource allocation phase. Retry deletion during backfilling phase or when the index is active. Table: %s Index: %s",
					 table->name, update->index_name);
		if (strcmp(update->action, "Update") == 0 && AllocatingResources(table, update->index_name))
			DdbRaise(DDB_RESOURCE_IN_USE,
					 "Attempt to change a resource which is still in use: Index is being created but is not backfilling yet.  Table: %s Index: %s",
					 table->name, update->index_name);
		if (strcmp(update->action, "Delete") == 0)
			ExecuteOnIndex("UPDATE ddb.indexes SET status = 'DELETING'"
						   " WHERE table_name OPERATOR(pg_catalog.=) $1"
						   " AND index_name OPERATOR(pg_catalog.=) $2",
						   table, update->index_name, 0, 0);
		else
		{
			if (!provisioned)
				DdbValidationError("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST",
								   update->index_name);
			ExecuteOnIndex("UPDATE ddb.indexes SET read_capacity_units = $3, write_capacity_units = $4"
						   " WHERE table_name OPERATOR(pg_catalog.=) $1 AND index_name OPERATOR(pg_catalog.=) $2",
						   table, update->index_name, update->read_units, update->write_units);
		}
	}
	CacheInvalidateRelcacheByRelid(table->relid);
}

/*
 * DdbIndexesDropDeleting drops the index tables of a table's indexes
 * marked DELETING (their catalog rows go with them, by the sql_drop event
 * trigger), and the upkeep triggers with the last index.
 */
void
DdbIndexesDropDeleting(DdbTable *table)
{
	static const char *const sql =
	"SELECT index_table::pg_catalog.text, status OPERATOR(pg_catalog.=) 'DELETING'"
	" FROM ddb.indexes WHERE table_name OPERATOR(pg_catalog.=) $1";
	Oid			argtypes[1] = {TEXTOID};
	Datum		arg = CStringGetTextDatum(table->name);
	List	   *drops = NIL;
	bool		last;
	ListCell   *lc;

	if (SPI_execute_with_args(sql, 1, argtypes, &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "index lookup failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		bool		isnull;

		if (DatumGetBool(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull)))
			drops = lappend(drops, SPI_getvalue(tuple, SPI_tuptable->tupdesc, 1));
	}
	last = list_length(drops) == (int) SPI_processed;
	/* regclass output: a schema-qualified, quoted name */
	foreach(lc, drops)
	{
		if (SPI_execute(psprintf("DROP TABLE %s", (char *) lfirst(lc)), false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not drop an index table");
	}
	if (last && drops != NIL)
	{
		const char *relation = quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name);

		if (SPI_execute(psprintf("DROP TRIGGER IF EXISTS ddb_index_upkeep ON %s", relation),
						false, 0) != SPI_OK_UTILITY ||
			SPI_execute(psprintf("DROP TRIGGER IF EXISTS ddb_index_truncate ON %s", relation),
						false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not drop the index upkeep triggers");
	}
	CacheInvalidateRelcacheByRelid(table->relid);
}
