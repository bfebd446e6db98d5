/*-------------------------------------------------------------------------
 *
 * ttl_catalog.c
 *	  UpdateTimeToLive and DescribeTimeToLive: a table's TTL attribute in
 *	  ddb's catalog (ddb.time_to_live) and the expiry index that comes and
 *	  goes with it.
 *
 * Enabling TTL records the attribute and creates the table's expiry index
 * (ttl.h); disabling drops the index and forgets the attribute; both
 * happen in the caller's transaction, as the caller (who must own the item
 * table, as for UpdateTable). The index is built with a plain CREATE
 * INDEX: CREATE INDEX CONCURRENTLY cannot run inside the caller's
 * transaction. So enabling TTL holds off writes to the table (not reads)
 * while the index is built, which reads the whole table once; disabling
 * (DROP INDEX) briefly locks the table against reads and writes. Both wait
 * for the worker's batch on the table, if one is running (it holds a ROW
 * EXCLUSIVE lock), and the worker skips a table it cannot lock at once.
 *
 * DynamoDB refuses a second change of a table's TTL within about an hour
 * ("Time to live has been modified multiple times within a fixed
 * interval"); ddb applies every change at once and has no such window.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog.h"
#include "errors.h"
#include "json_util.h"
#include "operations.h"
#include "request.h"
#include "ttl/ttl.h"
#include "worker/worker.h"

/* A TimeToLiveSpecification, validated */
typedef struct TtlSpec
{
	bool		enabled;
	char	   *attribute;		/* stored form */
} TtlSpec;

/*
 * DdbTtlAttribute returns the TTL attribute of a table, or NULL when TTL is
 * disabled or the extension's catalog predates TTL.
 */
char *
DdbTtlAttribute(const char *table_name)
{
	Oid			nspid = get_namespace_oid(DDB_CATALOG_SCHEMA, true);
	const char *args[1] = {table_name};

	if (!OidIsValid(nspid) || !OidIsValid(get_relname_relid("time_to_live", nspid)))
		return NULL;
	DdbExecuteText("SELECT attribute_name FROM ddb.time_to_live"
				" WHERE table_name OPERATOR(pg_catalog.=) $1", 1, args, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * Raise the ResourceNotFoundException of the control plane.
 */
static void
TtlTableNotFound(const char *table_name)
{
	DdbRaise(DDB_RESOURCE_NOT_FOUND, "Requested resource not found: Table: %s not found",
			 table_name);
}

/*
 * Read and validate the request of UpdateTimeToLive, collecting DynamoDB's
 * constraint errors; returns the table name.
 */
static char *
ReadUpdateRequest(JsonbContainer *request, TtlSpec *spec)
{
	static const char *const allowed[] = {"TableName", "TimeToLiveSpecification", NULL};
	static const char *const spec_members[] = {"Enabled", "AttributeName", NULL};
	DdbConstraintErrors errors;
	JsonbContainer *spec_object;
	char	   *table_name;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	spec_object = DdbJsonGetObject(request, "TimeToLiveSpecification");
	memset(spec, 0, sizeof(*spec));
	if (spec_object == NULL)
		DdbConstraintAdd(&errors, "null", "timeToLiveSpecification", "Member must not be null");
	else
	{
		DdbJsonCheckMembers(spec_object, spec_members);
		spec->attribute = DdbJsonGetString(spec_object, "AttributeName");
		DdbRequestCheckString(&errors, spec->attribute, "timeToLiveSpecification.attributeName",
							  1, 255, NULL, NULL);
		if (!DdbJsonGetBool(spec_object, "Enabled", &spec->enabled))
			DdbConstraintAdd(&errors, "null", "timeToLiveSpecification.enabled",
							 "Member must not be null");
	}
	DdbConstraintRaise(&errors);
	return table_name;
}

/*
 * Create a table's expiry index, as the caller, and return its name:
 *
 *	  CREATE INDEX <name> ON ddb_data.<table> (ddb.ttl_expiry(item, '<attribute>'))
 *	   WHERE ddb.ttl_expiry(item, '<attribute>') IS NOT NULL
 *
 * The attribute name is data: it reaches the statement as a quoted literal.
 */
static char *
CreateExpiryIndex(DdbTable *table, const char *attribute)
{
	Oid			nspid = get_namespace_oid(DDB_DATA_SCHEMA, false);
	char	   *name = ChooseRelationName(table->relation_name, NULL, "ttl", nspid, false);
	char	   *expression = psprintf("ddb.ttl_expiry(item, %s)", quote_literal_cstr(attribute));
	char	   *sql;

	sql = psprintf("CREATE INDEX %s ON %s (%s) WHERE %s IS NOT NULL",
				   quote_identifier(name),
				   quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name),
				   expression, expression);
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create the expiry index of table %s", table->name);
	return name;
}

/*
 * Drop a table's expiry index, as the caller (gone already: nothing to do).
 */
static void
DropExpiryIndex(const char *index_name)
{
	char	   *sql;

	if (index_name == NULL)
		return;
	sql = psprintf("DROP INDEX IF EXISTS %s",
				   quote_qualified_identifier(DDB_DATA_SCHEMA, index_name));
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not drop the expiry index %s", index_name);
}

/*
 * DdbUpdateTimeToLive implements UpdateTimeToLive: enables TTL on an
 * attribute or disables it, and echoes the specification.
 */
Jsonb *
DdbUpdateTimeToLive(JsonbContainer *request)
{
	TtlSpec		spec;
	char	   *table_name;
	DdbTable   *table;
	char	   *current;
	char	   *current_index = NULL;
	DdbOwnerAccess owner_access;
	JsonbParseState *st = NULL;

	table_name = ReadUpdateRequest(request, &spec);
	if (!OidIsValid(get_relname_relid("time_to_live", get_namespace_oid(DDB_CATALOG_SCHEMA, false))))
		DdbValidationError("UpdateTimeToLive needs version 0.3.0 of extension ddb: run ALTER EXTENSION ddb UPDATE");

	DdbLockTableName(table_name);
	table = DdbTableLookupOptional(table_name);
	if (table == NULL)
		TtlTableNotFound(table_name);
	if (!pg_class_ownercheck(table->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, table->relation_name);

	/*
	 * Writes wait from here on: the worker's batch on the table, if one
	 * runs, ends first, so that it never waits on the catalog rows below
	 */
	LockRelationOid(table->relid, ShareLock);
	{
		const char *args[1] = {table_name};

		DdbExecuteText("SELECT attribute_name, ttl_index::pg_catalog.text FROM ddb.time_to_live"
					" WHERE table_name OPERATOR(pg_catalog.=) $1", 1, args, SPI_OK_SELECT);
		current = SPI_processed == 0 ? NULL :
			SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		if (current != NULL)
			current_index = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	}

	/* DynamoDB's checks, in its order */
	if (current != NULL && strcmp(current, spec.attribute) != 0)
		DdbValidationError("TimeToLive is active on a different AttributeName: current AttributeName is %s",
						   current);
	if (current != NULL && spec.enabled)
		DdbValidationError("TimeToLive is already enabled");
	if (current == NULL && !spec.enabled)
		DdbValidationError("TimeToLive is already disabled");

	if (spec.enabled)
	{
		char	   *index_name = CreateExpiryIndex(table, spec.attribute);
		const char *args[3] = {table_name, spec.attribute, index_name};

		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecuteText("INSERT INTO ddb.time_to_live (table_name, attribute_name, ttl_index)"
					" VALUES ($1, $2, $3)", 3, args, SPI_OK_INSERT);
		DdbCatalogEndOwnerAccess(&owner_access);
		DdbWorkerWakeOnCommit();
	}
	else
	{
		const char *args[1] = {table_name};

		DropExpiryIndex(current_index);
		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecuteText("DELETE FROM ddb.time_to_live WHERE table_name OPERATOR(pg_catalog.=) $1",
					1, args, SPI_OK_DELETE);
		DdbCatalogEndOwnerAccess(&owner_access);
	}

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "TimeToLiveSpecification");
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "AttributeName");
	DdbPushString(&st, WJB_VALUE, spec.attribute);
	DdbPushKey(&st, "Enabled");
	DdbPushBool(&st, WJB_VALUE, spec.enabled);
	DdbPushEndObject(&st);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * DdbDescribeTimeToLive implements DescribeTimeToLive: ENABLED with the
 * attribute, or DISABLED alone.
 */
Jsonb *
DdbDescribeTimeToLive(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableName", NULL};
	DdbConstraintErrors errors;
	char	   *table_name;
	char	   *attribute;
	JsonbParseState *st = NULL;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	DdbConstraintRaise(&errors);

	{
		const char *args[1] = {table_name};

		DdbExecuteText("SELECT 1 FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
					1, args, SPI_OK_SELECT);
		if (SPI_processed == 0)
			TtlTableNotFound(table_name);
	}
	attribute = DdbTtlAttribute(table_name);

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "TimeToLiveDescription");
	DdbPushBeginObject(&st);
	if (attribute != NULL)
	{
		DdbPushKey(&st, "AttributeName");
		DdbPushString(&st, WJB_VALUE, attribute);
	}
	DdbPushKey(&st, "TimeToLiveStatus");
	DdbPushString(&st, WJB_VALUE, attribute != NULL ? "ENABLED" : "DISABLED");
	DdbPushEndObject(&st);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}
