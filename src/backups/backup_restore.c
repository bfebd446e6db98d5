/*-------------------------------------------------------------------------
 *
 * backup_restore.c
 *	  RestoreTableFromBackup, and the restore of a new table from a
 *	  definition and a relation of items, which the background worker
 *	  finishes for large tables; DescribeTable's RestoreSummary.
 *
 * A restore is a CreateTable: the request is built from the backup's
 * definition (backups.h) and the request's overrides, and CreateTable
 * checks and makes the table, its indexes and its item collection sizes,
 * as the caller, who owns the new table. Then the table is filled from
 * the backup's items, as its owner, with one INSERT ... SELECT that
 * computes each row's key columns from its item; the index upkeep
 * triggers write the index rows (and collection sizes) as they go, so the
 * indexes are rebuilt, not copied. DynamoDB does not restore tags, TTL,
 * streams, auto scaling or deletion protection, and neither does ddb: the
 * new table has none of them.
 *
 * A backup of at most ddb.backup_sync_limit items is restored within the
 * call, and the table is ACTIVE when it returns. A larger one is left to
 * the background worker: the table exists from the call's commit on, but
 * until the worker has filled it, ddb.table_restores says RestoreInProgress,
 * DescribeTable reports it CREATING, data-plane calls find no table
 * (ResourceNotFoundException, as DynamoDB answers for a table that is not
 * ACTIVE yet) and DeleteTable and UpdateTable are ResourceInUseException.
 * The worker fills it in one transaction holding the item table's
 * EXCLUSIVE lock (reads go on; plain SQL writes wait), after deleting
 * whatever plain SQL may have put there, so the table ends up equal to the
 * backup; then every backend reloads the table's metadata.
 *
 * The fill reads any relation with a column "item" holding stored items
 * (DdbRestoreFill), named by ddb.table_restores.source_items, or any query
 * with one (DdbRestoreFillFrom): a point-in-time restore, recorded with no
 * source backup, is filled from its source's base and history at the
 * restore time (pitr.c), by the call or, when large, by the worker here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "backups/backups.h"
#include "catalog.h"
#include "errors.h"
#include "guc.h"
#include "json_util.h"
#include "operations.h"
#include "request.h"
#include "worker/worker.h"

/*
 * CreateTable's request for a restore: $1 the backup's definition, $2 the
 * RestoreTableFromBackup request (its overrides), $3 the target name.
 *
 * - BillingMode: BillingModeOverride, else the source's.
 * - ProvisionedThroughput (PROVISIONED): ProvisionedThroughputOverride,
 *	 else the source's when it was provisioned. An override on an
 *	 on-demand table is passed on, for CreateTable to refuse.
 * - GlobalSecondaryIndexes: GlobalSecondaryIndexOverride as given, else the
 *	 source's, each with its own throughput on a provisioned table (the
 *	 table's, when the source was on demand) and none on an on-demand one.
 * - LocalSecondaryIndexes: LocalSecondaryIndexOverride, else the source's.
 * - SSESpecification: SSESpecificationOverride, else the source's KMS key.
 * - AttributeDefinitions: the source's, of the key attributes of the table
 *	 and of the indexes it will have.
 * - TableClass: the source's.
 */
static const char *const restore_request_sql =
"WITH s AS ("
"  SELECT $1::pg_catalog.jsonb AS d, pg_catalog.jsonb_strip_nulls($2::pg_catalog.jsonb) AS o),"
" m AS ("
"  SELECT s.d, s.o,"
"         COALESCE(s.o OPERATOR(pg_catalog.->>) 'BillingModeOverride',"
"                  s.d OPERATOR(pg_catalog.->>) 'BillingMode') AS mode,"
"         s.d OPERATOR(pg_catalog.->>) 'BillingMode' OPERATOR(pg_catalog.=) 'PROVISIONED' AS source_provisioned"
"    FROM s),"
" r AS ("
"  SELECT m.*,"
"    COALESCE(m.o OPERATOR(pg_catalog.->) 'ProvisionedThroughputOverride',"
"             CASE WHEN m.mode OPERATOR(pg_catalog.=) 'PROVISIONED' AND m.source_provisioned"
"                  THEN m.d OPERATOR(pg_catalog.->) 'ProvisionedThroughput' END) AS throughput,"
"    CASE WHEN m.o OPERATOR(pg_catalog.?) 'GlobalSecondaryIndexOverride'"
"         THEN m.o OPERATOR(pg_catalog.->) 'GlobalSecondaryIndexOverride'"
"         ELSE (SELECT pg_catalog.jsonb_agg((g OPERATOR(pg_catalog.-) 'ProvisionedThroughput')"
"                   OPERATOR(pg_catalog.||) CASE WHEN m.mode OPERATOR(pg_catalog.<>) 'PROVISIONED'"
"                       THEN '{}'::pg_catalog.jsonb"
"                       ELSE pg_catalog.jsonb_build_object('ProvisionedThroughput',"
"                           CASE WHEN m.source_provisioned THEN g OPERATOR(pg_catalog.->) 'ProvisionedThroughput'"
"                                ELSE m.o OPERATOR(pg_catalog.->) 'ProvisionedThroughputOverride' END) END"
"                   ORDER BY n)"
"                 FROM pg_catalog.jsonb_array_elements(m.d OPERATOR(pg_catalog.->) 'GlobalSecondaryIndexes')"
"                      WITH ORDINALITY AS e(g, n)) END AS gsis,"
"    CASE WHEN m.o OPERATOR(pg_catalog.?) 'LocalSecondaryIndexOverride'"
"         THEN m.o OPERATOR(pg_catalog.->) 'LocalSecondaryIndexOverride'"
"         ELSE m.d OPERATOR(pg_catalog.->) 'LocalSecondaryIndexes' END AS lsis"
"    FROM m)"
"SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object("
"  'TableName', $3::pg_catalog.text,"
"  'KeySchema', r.d OPERATOR(pg_catalog.->) 'KeySchema',"
"  'AttributeDefinitions', (SELECT pg_catalog.jsonb_agg(a ORDER BY n)"
"      FROM pg_catalog.jsonb_array_elements(r.d OPERATOR(pg_catalog.->) 'AttributeDefinitions')"
"           WITH ORDINALITY AS e(a, n)"
"     WHERE a OPERATOR(pg_catalog.->) 'AttributeName' OPERATOR(pg_catalog.=) ANY (ARRAY("
"       SELECT pg_catalog.jsonb_path_query(r.d, 'lax $.KeySchema[*].AttributeName')"
"       UNION ALL SELECT pg_catalog.jsonb_path_query(r.gsis, 'lax $[*].KeySchema[*].AttributeName')"
"       UNION ALL SELECT pg_catalog.jsonb_path_query(r.lsis, 'lax $[*].KeySchema[*].AttributeName')))),"
"  'BillingMode', r.mode,"
"  'ProvisionedThroughput', r.throughput,"
"  'GlobalSecondaryIndexes', CASE WHEN pg_catalog.jsonb_array_length(r.gsis) OPERATOR(pg_catalog.>) 0 THEN r.gsis END,"
"  'LocalSecondaryIndexes', CASE WHEN pg_catalog.jsonb_array_length(r.lsis) OPERATOR(pg_catalog.>) 0 THEN r.lsis END,"
"  'SSESpecification', CASE"
"      WHEN r.o OPERATOR(pg_catalog.?) 'SSESpecificationOverride'"
"      THEN r.o OPERATOR(pg_catalog.->) 'SSESpecificationOverride'"
"      WHEN r.d OPERATOR(pg_catalog.?) 'SSEDescription'"
"      THEN pg_catalog.jsonb_build_object('Enabled', true, 'SSEType', 'KMS', 'KMSMasterKeyId',"
"          r.d OPERATOR(pg_catalog.->) 'SSEDescription' OPERATOR(pg_catalog.->) 'KMSMasterKeyArn') END,"
"  'TableClass', r.d OPERATOR(pg_catalog.->) 'TableClass'))"
"  FROM r";

/*
 * The expression of a key column's value computed from the item of a row
 * alias whose key attribute's name is parameter $param.
 */
void
DdbRestoreAppendKey(StringInfo sql, const char *alias, char type, int param)
{
	if (type == 'S')
		appendStringInfo(sql, "(%s.item OPERATOR(pg_catalog.->) $%d) OPERATOR(pg_catalog.->>) 'S'",
						 alias, param);
	else if (type == 'N')
		appendStringInfo(sql, "((%s.item OPERATOR(pg_catalog.->) $%d) OPERATOR(pg_catalog.->>) 'N')::pg_catalog.numeric",
						 alias, param);
	else
		appendStringInfo(sql, "pg_catalog.decode((%s.item OPERATOR(pg_catalog.->) $%d) OPERATOR(pg_catalog.->>) 'B', 'base64')",
						 alias, param);
}

/*
 * Insert into an item table, as its owner, the items of a FROM item with a
 * column item, which may use $1 and $2 (the key attributes' names), $3
 * (as_of) and, when items is not 0, $4 (items, a jsonb[]); with items, an
 * item whose key is in the table already replaces it. Returns the count.
 */
static int64
FillFrom(Oid item_table, const char *source_from, TimestampTz as_of, Datum items)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TIMESTAMPTZOID, JSONBARRAYOID};
	Datum		args[4];
	char		nulls[5] = "    ";
	Oid			lookup_types[1] = {OIDOID};
	Datum		lookup_args[1] = {ObjectIdGetDatum(item_table)};
	StringInfoData sql;
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	int			nkeys = 1;
	char	   *columns[2];
	char		types[2];
	Oid			owner;
	Oid			saved_user;
	int			saved_context;
	int			guc_nest_level;
	int64		count;

	DdbExecute("SELECT t.hash_key, t.hash_key_type, t.hash_key_column::pg_catalog.text,"
			"       t.range_key, t.range_key_type, t.range_key_column::pg_catalog.text, c.relowner"
			"  FROM ddb.tables t JOIN pg_catalog.pg_class c"
			"    ON c.oid OPERATOR(pg_catalog.=) t.item_table::pg_catalog.oid"
			" WHERE t.item_table OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
			1, lookup_types, lookup_args, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "item table %u has no catalog row", item_table);
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	args[0] = CStringGetTextDatum(SPI_getvalue(row, desc, 1));
	types[0] = SPI_getvalue(row, desc, 2)[0];
	columns[0] = SPI_getvalue(row, desc, 3);
	SPI_getbinval(row, desc, 4, &isnull);
	if (!isnull)
	{
		args[1] = CStringGetTextDatum(SPI_getvalue(row, desc, 4));
		types[1] = SPI_getvalue(row, desc, 5)[0];
		columns[1] = SPI_getvalue(row, desc, 6);
		nkeys = 2;
	}
	else
		nulls[1] = 'n';
	args[2] = TimestampTzGetDatum(as_of);
	owner = DatumGetObjectId(SPI_getbinval(row, desc, 7, &isnull));
	/* an import calls this once per batch: do not keep a result per call */
	SPI_freetuptable(SPI_tuptable);

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s (", DdbQualifiedRelationName(item_table));
	for (int i = 0; i < nkeys; i++)
		appendStringInfo(&sql, "%s, ", quote_identifier(columns[i]));
	appendStringInfoString(&sql, "item) SELECT ");
	for (int i = 0; i < nkeys; i++)
	{
		DdbRestoreAppendKey(&sql, "s", types[i], i + 1);
		appendStringInfoString(&sql, ", ");
	}
	appendStringInfo(&sql, "s.item FROM %s s", source_from);
	if (items != (Datum) 0)
	{
		appendStringInfoString(&sql, " ON CONFLICT (");
		for (int i = 0; i < nkeys; i++)
			appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "", quote_identifier(columns[i]));
		appendStringInfoString(&sql, ") DO UPDATE SET item = EXCLUDED.item");
	}
	args[3] = items;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	DdbExecute(sql.data, items != (Datum) 0 ? 4 : 3, argtypes, args, nulls, SPI_OK_INSERT);
	count = (int64) SPI_processed;
	AtEOXact_GUC(true, guc_nest_level);
	SetUserIdAndSecContext(saved_user, saved_context);
	return count;
}

/*
 * DdbRestoreFill inserts the items of source_items (a relation with a
 * column item jsonb of stored items) into an item table, as the item
 * table's owner, in one statement:
 *
 *	  INSERT INTO ddb_data."t" ("pk", "sk", item)
 *	  SELECT (s.item -> $1) ->> 'S', ((s.item -> $2) ->> 'N')::numeric, s.item
 *		FROM <source_items> s
 *
 * and returns how many it inserted. The item check of the table refuses an
 * item that is not valid for it.
 */
int64
DdbRestoreFill(Oid item_table, Oid source_items)
{
	if (get_rel_name(source_items) == NULL)
		DdbRaise(DDB_INTERNAL_SERVER_ERROR, "the items to restore table %s from are gone",
				 get_rel_name(item_table));
	return DdbRestoreFillFrom(item_table, DdbQualifiedRelationName(source_items), 0);
}

/*
 * DdbRestoreFillFrom is DdbRestoreFill from any FROM item (a relation, or a
 * parenthesized query) with a column item: the query may use $1 and $2, the
 * names of the key attributes (stored form; $2 is NULL for a table without
 * a sort key), and $3, the timestamptz as_of.
 */
int64
DdbRestoreFillFrom(Oid item_table, const char *source_from, TimestampTz as_of)
{
	return FillFrom(item_table, source_from, as_of, (Datum) 0);
}

/*
 * DdbRestoreFillFromArray inserts an array of stored items (jsonb[]) into
 * an item table, as its owner, in one statement; an item whose key is
 * already in the table replaces it, and of items of one key in the array
 * the last one is kept:
 *
 *	  INSERT INTO ddb_data."t" ("pk", "sk", item)
 *	  SELECT <keys of s.item>, s.item
 *		FROM (SELECT DISTINCT ON (e.item -> $1, e.item -> $2) e.item
 *				FROM unnest($4) WITH ORDINALITY e(item, n)
 *			   ORDER BY e.item -> $1, e.item -> $2, e.n DESC) s
 *	  ON CONFLICT ("pk", "sk") DO UPDATE SET item = EXCLUDED.item
 *
 * Returns how many rows it wrote.
 */
int64
DdbRestoreFillFromArray(Oid item_table, Datum items)
{
	return FillFrom(item_table,
					"(SELECT DISTINCT ON (e.item OPERATOR(pg_catalog.->) $1, e.item OPERATOR(pg_catalog.->) $2) e.item"
					"   FROM pg_catalog.unnest($4::pg_catalog.jsonb[]) WITH ORDINALITY AS e(item, n)"
					"  ORDER BY e.item OPERATOR(pg_catalog.->) $1, e.item OPERATOR(pg_catalog.->) $2, e.n DESC)",
					0, items);
}

/*
 * DdbRestoreEmptyTable takes an item table's EXCLUSIVE lock (reads go on,
 * writes with plain SQL wait) and deletes what plain SQL may have written
 * to it, as its owner, before the table is filled.
 */
void
DdbRestoreEmptyTable(Oid item_table)
{
	Oid			owner;
	Oid			saved_user;
	int			saved_context;
	HeapTuple	tuple;

	LockRelationOid(item_table, ExclusiveLock);
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(item_table));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", item_table);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	DdbExecute(psprintf("DELETE FROM %s", DdbQualifiedRelationName(item_table)), 0, NULL, NULL, NULL, SPI_OK_DELETE);
	SetUserIdAndSecContext(saved_user, saved_context);
}

/*
 * DdbRestoreCreateTable makes the new table of a restore with CreateTable,
 * as the caller, from a definition and the request's overrides, and
 * returns its item table.
 */
Oid
DdbRestoreCreateTable(Jsonb *definition, JsonbContainer *request, const char *target)
{
	Jsonb	   *create_request;
	bool		isnull;

	{
		Oid			argtypes[3] = {JSONBOID, JSONBOID, TEXTOID};
		Datum		args[3];

		args[0] = JsonbPGetDatum(definition);
		args[1] = JsonbPGetDatum(DdbContainerToJsonb(request));
		args[2] = CStringGetTextDatum(target);
		DdbExecute(restore_request_sql, 3, argtypes, args, NULL, SPI_OK_SELECT);
		create_request = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 1, &isnull));
	}
	(void) DdbCreateTable(&create_request->root);
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1] = {CStringGetTextDatum(target)};

		DdbExecute("SELECT item_table::pg_catalog.oid FROM ddb.tables"
				" WHERE table_name OPERATOR(pg_catalog.=) $1",
				1, argtypes, args, NULL, SPI_OK_SELECT);
		return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											  1, &isnull));
	}
}

/*
 * Raise BackupNotFoundException.
 */
static void
BackupNotFound(const char *arn)
{
	DdbRaise(DDB_BACKUP_NOT_FOUND, "Backup not found: %s", arn);
}

/*
 * The TableDescription of a table, as DescribeTable gives it.
 */
static Jsonb *
TableDescription(const char *table_name)
{
	JsonbParseState *st = NULL;
	Jsonb	   *request;
	Jsonb	   *described;
	JsonbValue	table;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "TableName");
	DdbPushString(&st, WJB_VALUE, table_name);
	request = JsonbValueToJsonb(DdbPushEndObject(&st));
	described = DdbDescribeTable(&request->root);
	if (!DdbJsonGet(&described->root, "Table", &table))
		elog(ERROR, "DescribeTable gave no table");
	st = NULL;
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "TableDescription");
	DdbPushValue(&st, WJB_VALUE, &table);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * DdbRestoreRecord records a restored table in ddb.table_restores (its
 * RestoreSummary). A restore left to the worker (in_progress) is filled
 * from source_items, or, without a source backup, from the point-in-time
 * recovery of the source table at restore_time; this backend then sees the
 * table as being restored, and the worker is woken at commit.
 */
void
DdbRestoreRecord(const char *target, const char *source_backup_arn, const char *source_table_arn,
				 TimestampTz restore_time, bool in_progress, Oid source_items)
{
	static const char *const insert_sql =
	"INSERT INTO ddb.table_restores (table_name, source_backup_arn, source_table_arn,"
	"  requested_at, in_progress, source_items, finished_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $5 THEN NULL ELSE pg_catalog.now() END)";
	Oid			argtypes[6] = {TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, BOOLOID, REGCLASSOID};
	Datum		args[6];
	char		nulls[7] = "      ";
	DdbOwnerAccess owner_access;

	args[0] = CStringGetTextDatum(target);
	if (source_backup_arn != NULL)
		args[1] = CStringGetTextDatum(source_backup_arn);
	else
		nulls[1] = 'n';
	args[2] = CStringGetTextDatum(source_table_arn);
	args[3] = TimestampTzGetDatum(restore_time);
	args[4] = BoolGetDatum(in_progress);
	if (in_progress && OidIsValid(source_items))
		args[5] = ObjectIdGetDatum(source_items);
	else
		nulls[5] = 'n';
	DdbCatalogBeginOwnerAccess(&owner_access);
	DdbExecute(insert_sql, 6, argtypes, args, nulls, SPI_OK_INSERT);
	DdbCatalogEndOwnerAccess(&owner_access);
	if (in_progress)
	{
		/* this backend's metadata of the new table must say it is restoring */
		DdbCatalogInvalidateAll();
		DdbWorkerWakeOnCommit();
	}
}

/*
 * DdbRestoreTableFromBackup implements RestoreTableFromBackup.
 */
Jsonb *
DdbRestoreTableFromBackup(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TargetTableName", "BackupArn", "BillingModeOverride", "GlobalSecondaryIndexOverride",
		"LocalSecondaryIndexOverride", "ProvisionedThroughputOverride",
		"OnDemandThroughputOverride", "SSESpecificationOverride", NULL
	};
	static const char *const unsupported[] = {"OnDemandThroughputOverride", NULL};
	static const char *const modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
	DdbConstraintErrors errors;
	char	   *target;
	char	   *arn;
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	char	   *status;
	Oid			items;
	Oid			owner;
	Jsonb	   *definition;
	char	   *source_table_arn;
	int64		item_count;
	Oid			item_table;
	bool		sync;
	TimestampTz requested_at = GetCurrentTimestamp();
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	target = DdbValidateTableName(DdbJsonGetString(request, "TargetTableName"), "targetTableName", &errors);
	arn = DdbJsonGetString(request, "BackupArn");
	DdbRequestCheckString(&errors, arn, "backupArn", 37, 1024, NULL, NULL);
	DdbRequestEnum(request, "BillingModeOverride", "billingModeOverride", modes,
				   "[PROVISIONED, PAY_PER_REQUEST]", &errors);
	/* the overrides' JSON types; CreateTable checks their contents */
	(void) DdbJsonGetArray(request, "GlobalSecondaryIndexOverride");
	(void) DdbJsonGetArray(request, "LocalSecondaryIndexOverride");
	(void) DdbJsonGetObject(request, "ProvisionedThroughputOverride");
	(void) DdbJsonGetObject(request, "SSESpecificationOverride");
	DdbConstraintRaise(&errors);
	DdbRequestRejectUnsupported(request, unsupported);

	/*
	 * The backup, locked against DeleteBackup (the row lock needs more than
	 * the SELECT everyone has on the catalog)
	 */
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1] = {CStringGetTextDatum(arn)};

		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecute("SELECT b.status, b.items::pg_catalog.oid, c.relowner, b.definition, b.table_arn,"
				"       b.item_count"
				"  FROM ddb.backups b JOIN pg_catalog.pg_class c"
				"    ON c.oid OPERATOR(pg_catalog.=) b.items::pg_catalog.oid"
				" WHERE b.backup_arn OPERATOR(pg_catalog.=) $1 FOR SHARE OF b",
				1, argtypes, args, NULL, SPI_OK_SELECT);
		DdbCatalogEndOwnerAccess(&owner_access);
		if (SPI_processed == 0)
			BackupNotFound(arn);
		row = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		status = SPI_getvalue(row, desc, 1);
		items = DatumGetObjectId(SPI_getbinval(row, desc, 2, &isnull));
		owner = DatumGetObjectId(SPI_getbinval(row, desc, 3, &isnull));
		definition = DatumGetJsonbPCopy(SPI_getbinval(row, desc, 4, &isnull));
		source_table_arn = SPI_getvalue(row, desc, 5);
		item_count = DatumGetInt64(SPI_getbinval(row, desc, 6, &isnull));
		if (strcmp(status, "CREATING") == 0)
			DdbRaise(DDB_BACKUP_IN_USE, "Backup is being created: %s", arn);
	}

	/* whoever made the backup (a member of that role) may restore it */
	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for backup %s", arn),
				 errdetail("Only the role that made a backup, and its members, may restore it.")));

	DdbLockTableName(target);
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1] = {CStringGetTextDatum(target)};

		DdbExecute("SELECT 1 FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
				1, argtypes, args, NULL, SPI_OK_SELECT);
		if (SPI_processed > 0)
			DdbRaise(DDB_TABLE_ALREADY_EXISTS, "Table already exists: %s", target);
	}

	/* the table, made by CreateTable as the caller */
	item_table = DdbRestoreCreateTable(definition, request, target);

	/* filled now, or by the worker */
	sync = item_count <= DdbBackupSyncLimit;
	if (sync)
		(void) DdbRestoreFill(item_table, items);
	DdbRestoreRecord(target, arn, source_table_arn, requested_at, !sync, items);
	return TableDescription(target);
}

/*
 * DdbRestoreFinish fills a table whose restore the worker has to finish,
 * and clears its RestoreInProgress; returns false when there is nothing to
 * do (finished, or the table was deleted). A restore from a backup is
 * filled from the backup's items; a point-in-time restore (no source
 * backup) from its source's base and history at the restore time.
 */
bool
DdbRestoreFinish(const char *table_name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(table_name)};
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	bool		source_null;
	bool		backup_null;
	Oid			source_items;
	Oid			item_table;
	char	   *source_table_arn;
	TimestampTz restore_time;
	DdbOwnerAccess owner_access;

	DdbExecute("SELECT r.source_items::pg_catalog.oid, t.item_table::pg_catalog.oid,"
			"       r.source_backup_arn, r.source_table_arn, r.requested_at"
			"  FROM ddb.table_restores r"
			"  JOIN ddb.tables t ON t.table_name OPERATOR(pg_catalog.=) r.table_name"
			" WHERE r.table_name OPERATOR(pg_catalog.=) $1 AND r.in_progress FOR UPDATE OF r",
			1, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return false;
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	source_items = DatumGetObjectId(SPI_getbinval(row, desc, 1, &source_null));
	item_table = DatumGetObjectId(SPI_getbinval(row, desc, 2, &isnull));
	(void) SPI_getbinval(row, desc, 3, &backup_null);
	source_table_arn = SPI_getvalue(row, desc, 4);
	restore_time = DatumGetTimestampTz(SPI_getbinval(row, desc, 5, &isnull));
	if (source_null && !backup_null)
		DdbRaise(DDB_INTERNAL_SERVER_ERROR, "the restore of table %s has nothing to restore from",
				 table_name);

	/* reads go on; writes with plain SQL wait, and what they wrote before goes */
	DdbRestoreEmptyTable(item_table);
	if (!source_null)
		(void) DdbRestoreFill(item_table, source_items);
	else
		(void) DdbRestoreFillFrom(item_table, DdbPitrRestoreSource(source_table_arn, restore_time),
								  restore_time);

	DdbCatalogBeginOwnerAccess(&owner_access);
	DdbExecute("UPDATE ddb.table_restores SET in_progress = false, source_items = NULL,"
			" finished_at = pg_catalog.now() WHERE table_name OPERATOR(pg_catalog.=) $1",
			1, argtypes, args, NULL, SPI_OK_UPDATE);
	DdbCatalogEndOwnerAccess(&owner_access);
	/* every backend reloads the table's metadata: no longer restoring */
	CacheInvalidateRelcacheByRelid(item_table);
	return true;
}

/*
 * DdbTableRestoreInProgress tells whether a table is being restored.
 */
bool
DdbTableRestoreInProgress(const char *table_name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(table_name)};

	if (!DdbBackupsCatalogExists())
		return false;
	DdbExecute("SELECT 1 FROM ddb.table_restores"
			" WHERE table_name OPERATOR(pg_catalog.=) $1 AND in_progress",
			1, argtypes, args, NULL, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/*
 * DdbRestoreDescribe adds the RestoreSummary of a restored table to its
 * TableDescription, and reports a table being restored, or imported into,
 * as CREATING.
 */
Jsonb *
DdbRestoreDescribe(const char *table_name, Jsonb *description)
{
	Oid			argtypes[2] = {JSONBOID, TEXTOID};
	Datum		args[2];
	bool		isnull;

	if (!DdbBackupsCatalogExists())
		return description;
	/* a table being imported into is CREATING too */
	if (DdbTableImportInProgress(table_name))
	{
		args[0] = JsonbPGetDatum(description);
		DdbExecute("SELECT $1 OPERATOR(pg_catalog.||) CASE"
				"  WHEN $1 OPERATOR(pg_catalog.->>) 'TableStatus' OPERATOR(pg_catalog.=) 'ACTIVE'"
				"  THEN '{\"TableStatus\": \"CREATING\"}'::pg_catalog.jsonb ELSE '{}'::pg_catalog.jsonb END",
				1, argtypes, args, NULL, SPI_OK_SELECT);
		description = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	args[0] = JsonbPGetDatum(description);
	args[1] = CStringGetTextDatum(table_name);
	DdbExecute("SELECT $1 OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('RestoreSummary',"
			"    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object("
			"      'SourceBackupArn', r.source_backup_arn,"
			"      'SourceTableArn', r.source_table_arn,"
			"      'RestoreDateTime', pg_catalog.round(EXTRACT(epoch FROM r.requested_at), 3),"
			"      'RestoreInProgress', r.in_progress)))"
			"  OPERATOR(pg_catalog.||) CASE WHEN r.in_progress"
			"      AND $1 OPERATOR(pg_catalog.->>) 'TableStatus' OPERATOR(pg_catalog.=) 'ACTIVE'"
			"    THEN '{\"TableStatus\": \"CREATING\"}'::pg_catalog.jsonb ELSE '{}'::pg_catalog.jsonb END"
			"  FROM ddb.table_restores r WHERE r.table_name OPERATOR(pg_catalog.=) $2",
			2, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return description;
	return DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * DdbRestoreTableDescription is the TableDescription of a table, as
 * DescribeTable gives it.
 */
Jsonb *
DdbRestoreTableDescription(const char *table_name)
{
	return TableDescription(table_name);
}
