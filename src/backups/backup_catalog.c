/*-------------------------------------------------------------------------
 *
 * backup_catalog.c
 *	  CreateBackup, DescribeBackup, ListBackups and DeleteBackup: the
 *	  catalog of on-demand backups (ddb.backups) and their items tables in
 *	  schema ddb_backups (backups.h).
 *
 * CreateBackup runs as the caller, who must be able to read the whole
 * table (SELECT on the item table, and no row-level security that applies
 * to the role: a backup holds every item, and whoever owns it may restore
 * it into a table of their own). It records the backup as CREATING with a
 * new, empty items table owned by the caller, and then either copies the
 * table within the call, in one statement whose snapshot is the backup's
 * instant (a table of at most ddb.backup_sync_limit items: the backup is
 * AVAILABLE when the call returns), or leaves the copy to the background
 * worker (backup_worker.c), which makes it in one statement of its own. A
 * copy reads the table under a snapshot, as any SELECT does: writers are
 * never blocked.
 *
 * The BackupArn is DynamoDB's: the table's ARN, "/backup/", the creation
 * time in milliseconds since 1970 (14 digits) and 8 random hex digits.
 * ListBackups pages in (creation time, ARN) order, so
 * ExclusiveStartBackupArn needs no lookup: the ARN holds both.
 *
 * A deleted backup is gone (DeleteBackup answers DELETED once; then the
 * backup is not found), as in DynamoDB. Deleting one needs ownership of
 * its items table (the role that made it, a member of that role, or a
 * superuser), as dropping the table would.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
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
 * BackupDetails of a backup ($1), with its status or, when $2 is not
 * NULL, that status
 */
#define BACKUP_DETAILS_SQL \
"pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(" \
"  'BackupArn', b.backup_arn," \
"  'BackupName', b.backup_name," \
"  'BackupSizeBytes', b.size_bytes," \
"  'BackupStatus', COALESCE($2, b.status)," \
"  'BackupType', 'USER'," \
"  'BackupCreationDateTime', pg_catalog.round(EXTRACT(epoch FROM b.created_at), 3)))"

/* BackupDescription of a backup */
static const char *const describe_sql =
"SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object("
"  'BackupDetails', " BACKUP_DETAILS_SQL ","
"  'SourceTableDetails', pg_catalog.jsonb_build_object("
"      'TableName', b.table_name,"
"      'TableId', b.table_id::pg_catalog.text,"
"      'TableArn', b.table_arn,"
"      'TableSizeBytes', b.definition OPERATOR(pg_catalog.->) 'TableSizeBytes',"
"      'KeySchema', b.definition OPERATOR(pg_catalog.->) 'KeySchema',"
"      'TableCreationDateTime', b.definition OPERATOR(pg_catalog.->) 'TableCreationDateTime',"
"      'ProvisionedThroughput', b.definition OPERATOR(pg_catalog.->) 'ProvisionedThroughput',"
"      'ItemCount', b.item_count,"
"      'BillingMode', b.definition OPERATOR(pg_catalog.->) 'BillingMode'),"
"  'SourceTableFeatureDetails', pg_catalog.jsonb_build_object("
"      'LocalSecondaryIndexes', b.definition OPERATOR(pg_catalog.->) 'LocalSecondaryIndexes',"
"      'GlobalSecondaryIndexes', b.definition OPERATOR(pg_catalog.->) 'GlobalSecondaryIndexes',"
"      'SSEDescription', b.definition OPERATOR(pg_catalog.->) 'SSEDescription',"
"      'StreamDescription', b.definition OPERATOR(pg_catalog.->) 'StreamDescription',"
"      'TimeToLiveDescription', b.definition OPERATOR(pg_catalog.->) 'TimeToLiveDescription')))"
" FROM ddb.backups b WHERE b.backup_arn OPERATOR(pg_catalog.=) $1";

/*
 * The definition of a table ($1) as a backup keeps it (backups.h): the
 * parts of CreateTable's request that a restore applies, and what
 * DescribeBackup reports. Indexes being deleted are left out; one being
 * created is in, and a restore builds it in full.
 */
static const char *const definition_sql =
"SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object("
"  'TableName', t.table_name,"
"  'TableId', t.table_id::pg_catalog.text,"
"  'TableArn', pg_catalog.format('arn:aws:dynamodb:%s:%s:table/%s',"
"      pg_catalog.current_setting('ddb.region'), pg_catalog.current_setting('ddb.account_id'),"
"      t.table_name),"
"  'TableCreationDateTime', pg_catalog.round(EXTRACT(epoch FROM t.created_at), 3),"
"  'TableSizeBytes', pg_catalog.pg_relation_size(t.item_table),"
"  'KeySchema', t.key_schema,"
"  'AttributeDefinitions', t.attribute_definitions,"
"  'BillingMode', t.billing_mode,"
"  'ProvisionedThroughput', pg_catalog.jsonb_build_object("
"      'ReadCapacityUnits', t.read_capacity_units, 'WriteCapacityUnits', t.write_capacity_units),"
"  'TableClass', t.table_class,"
"  'SSEDescription', CASE WHEN t.sse_kms_master_key_arn IS NOT NULL THEN"
"      pg_catalog.jsonb_build_object('Status', 'ENABLED', 'SSEType', 'KMS',"
"        'KMSMasterKeyArn', t.sse_kms_master_key_arn) END,"
"  'TimeToLiveDescription', (SELECT pg_catalog.jsonb_build_object("
"      'TimeToLiveStatus', 'ENABLED', 'AttributeName', l.attribute_name)"
"     FROM ddb.time_to_live l WHERE l.table_name OPERATOR(pg_catalog.=) t.table_name),"
"  'StreamDescription', (SELECT pg_catalog.jsonb_build_object("
"      'StreamEnabled', true, 'StreamViewType', s.view_type)"
"     FROM ddb.streams s WHERE s.table_id OPERATOR(pg_catalog.=) t.table_id"
"      AND s.status OPERATOR(pg_catalog.=) ANY (ARRAY['ENABLING', 'ENABLED']) LIMIT 1),"
"  'GlobalSecondaryIndexes', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object("
"      'IndexName', i.index_name, 'KeySchema', i.key_schema,"
"      'Projection', pg_catalog.jsonb_build_object('ProjectionType', i.projection_type,"
"          'NonKeyAttributes', (SELECT pg_catalog.jsonb_agg(a ORDER BY a COLLATE pg_catalog.\"C\")"
"              FROM pg_catalog.unnest(i.non_key_attributes) a)),"
"      'ProvisionedThroughput', pg_catalog.jsonb_build_object("
"          'ReadCapacityUnits', i.read_capacity_units, 'WriteCapacityUnits', i.write_capacity_units))"
"      ORDER BY i.ordinal, i.created_at, i.index_name)"
"     FROM ddb.indexes i WHERE i.table_name OPERATOR(pg_catalog.=) t.table_name"
"      AND i.kind OPERATOR(pg_catalog.=) 'GLOBAL' AND i.status OPERATOR(pg_catalog.<>) 'DELETING'),"
"  'LocalSecondaryIndexes', (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object("
"      'IndexName', i.index_name, 'KeySchema', i.key_schema,"
"      'Projection', pg_catalog.jsonb_build_object('ProjectionType', i.projection_type,"
"          'NonKeyAttributes', (SELECT pg_catalog.jsonb_agg(a ORDER BY a COLLATE pg_catalog.\"C\")"
"              FROM pg_catalog.unnest(i.non_key_attributes) a)))"
"      ORDER BY i.ordinal, i.created_at, i.index_name)"
"     FROM ddb.indexes i WHERE i.table_name OPERATOR(pg_catalog.=) t.table_name"
"      AND i.kind OPERATOR(pg_catalog.=) 'LOCAL')))"
" FROM ddb.tables t WHERE t.table_name OPERATOR(pg_catalog.=) $1";

/*
 * DdbBackupDropItems drops a backup's items table, if it is still there,
 * as the current user.
 */
void
DdbBackupDropItems(Oid items, const char *backup_arn)
{
	if (get_rel_name(items) == NULL)
		return;
	if (SPI_execute(psprintf("DROP TABLE %s", DdbQualifiedRelationName(items)), false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not drop the items of backup %s", backup_arn);
}

/*
 * DdbBackupsCatalogExists tells whether the extension's catalog has
 * backups (a database served by this library before ALTER EXTENSION
 * UPDATE may not).
 */
bool
DdbBackupsCatalogExists(void)
{
	Oid			nspid = get_namespace_oid(DDB_CATALOG_SCHEMA, true);

	return OidIsValid(nspid) && OidIsValid(get_relname_relid("table_restores", nspid));
}

/*
 * DdbFirstJsonb: the jsonb of the first column of the first row SPI
 * returned, copied, or NULL when there is none.
 */
Jsonb *
DdbFirstJsonb(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_processed == 0)
		return NULL;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? NULL : DatumGetJsonbPCopy(d);
}

/*
 * DdbBackupTableDefinition returns the definition of a table as a backup
 * keeps it (backups.h).
 */
Jsonb *
DdbBackupTableDefinition(const char *table_name)
{
	const char *args[1] = {table_name};
	Jsonb	   *definition;

	DdbExecuteText(definition_sql, 1, args, SPI_OK_SELECT);
	definition = DdbFirstJsonb();
	if (definition == NULL)
		elog(ERROR, "table \"%s\" has no catalog row", table_name);
	return definition;
}

/*
 * Build {"<member>": value}.
 */
static Jsonb *
Wrap(const char *member, Jsonb *value)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, member);
	DdbPushContainer(&st, WJB_VALUE, &value->root);
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * Check a BackupName: 3 to 255 characters of [a-zA-Z0-9_.-].
 */
static void
CheckBackupName(const char *name, DdbConstraintErrors *errors)
{
	DdbRequestCheckString(errors, name, "backupName", 3, 255, NULL, NULL);
	if (name == NULL)
		return;
	for (const char *p = name; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
		{
			DdbConstraintAdd(errors, psprintf("'%s'", name), "backupName",
							 "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
			return;
		}
	}
}

/*
 * Check a BackupArn member: 37 to 1024 characters; required when
 * required. Returns it.
 */
static char *
ReadBackupArn(JsonbContainer *request, const char *member, const char *constraint_member,
			  bool required, DdbConstraintErrors *errors)
{
	char	   *arn = DdbJsonGetString(request, member);

	if (arn != NULL || required)
		DdbRequestCheckString(errors, arn, constraint_member, 37, 1024, NULL, NULL);
	return arn;
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
 * DdbBackupCheckReadable raises PostgreSQL's permission error unless the
 * current role may read the whole item table: SELECT on it, and no
 * row-level security that applies to the role.
 */
void
DdbBackupCheckReadable(Oid relid, const char *table_name)
{
	AclResult	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);

	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, get_rel_name(relid));
	if (check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("table \"%s\" cannot be backed up by a role that row-level security applies to",
						table_name),
				 errdetail("A backup holds every item of the table, which the policies of the item table could hide."),
				 errhint("Back the table up with a role the policies do not apply to.")));
}

/*
 * The name of a new items table in schema ddb_backups for a backup of a
 * table: a prefix of the table's name, then the backup's id (the ARN's
 * "<time>-<random>").
 */
static char *
ItemsRelationName(const char *table_name, const char *backup_id)
{
	return psprintf("%.38s/%s", table_name, backup_id);
}

/*
 * DdbCreateBackup implements CreateBackup.
 */
Jsonb *
DdbCreateBackup(JsonbContainer *request)
{
	static const char *const allowed[] = {"TableName", "BackupName", NULL};
	DdbConstraintErrors errors;
	char	   *table_name;
	char	   *backup_name;
	DdbTable   *table;
	TimestampTz now;
	int64		unix_ms;
	char	   *backup_id = NULL;
	char	   *backup_arn;
	char	   *items_name = NULL;
	Oid			nspid;
	Oid			items;
	Jsonb	   *definition;
	bool		sync;
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName", &errors);
	backup_name = DdbJsonGetString(request, "BackupName");
	CheckBackupName(backup_name, &errors);
	DdbConstraintRaise(&errors);

	/* DeleteTable waits, and finds the backup CREATING or AVAILABLE */
	DdbLockTableName(table_name);
	table = DdbTableLookupOptional(table_name);
	if (table == NULL)
		DdbRaise(DDB_TABLE_NOT_FOUND, "Table not found: %s", table_name);
	if (table->restoring)
		DdbRaise(DDB_TABLE_IN_USE, "Table is being created: %s", table_name);
	DdbBackupCheckReadable(table->relid, table_name);
	{
		const char *args[1] = {table_name};

		DdbExecuteText("SELECT 1 FROM ddb.backups b JOIN ddb.tables t"
					" ON t.table_id OPERATOR(pg_catalog.=) b.table_id"
					" WHERE t.table_name OPERATOR(pg_catalog.=) $1"
					" AND b.status OPERATOR(pg_catalog.=) 'CREATING'", 1, args, SPI_OK_SELECT);
		if (SPI_processed > 0)
			DdbRaise(DDB_BACKUP_IN_USE,
					 "There is another ongoing conflicting backup control plane operation on the table: a backup of table %s is being created",
					 table_name);
	}

	/* the ARN: the creation time in whole milliseconds, and a random part */
	now = GetCurrentTimestamp();
	unix_ms = now / 1000 + UNIX_TO_POSTGRES_EPOCH_MS;
	now = (unix_ms - UNIX_TO_POSTGRES_EPOCH_MS) * 1000;
	nspid = get_namespace_oid(DDB_BACKUPS_SCHEMA, false);
	for (;;)
	{
		backup_id = psprintf("%014lld-%08x", (long long) unix_ms,
							 pg_prng_uint32(&pg_global_prng_state));
		items_name = ItemsRelationName(table_name, backup_id);
		if (!OidIsValid(get_relname_relid(items_name, nspid)))
			break;
	}
	backup_arn = psprintf("%s/backup/%s", DdbTableArn(table_name), backup_id);

	definition = DdbBackupTableDefinition(table_name);

	/*
	 * The items table, made by the extension owner (the caller may not
	 * create tables in ddb_backups) and given to the caller; then the
	 * catalog row.
	 */
	DdbCatalogBeginOwnerAccess(&owner_access);
	{
		char	   *qualified = quote_qualified_identifier(DDB_BACKUPS_SCHEMA, items_name);
		char	   *sql;

		sql = psprintf("CREATE TABLE %s (item pg_catalog.jsonb NOT NULL)", qualified);
		if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not create the items table of a backup");
		sql = psprintf("ALTER TABLE %s OWNER TO %s", qualified,
					   quote_identifier(GetUserNameFromId(owner_access.saved_user, false)));
		if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not give the items table of a backup to its owner");
		items = get_relname_relid(items_name, nspid);
	}
	{
		static const char *const insert_sql =
		"INSERT INTO ddb.backups (backup_arn, backup_name, table_name, table_id, table_arn,"
		"  status, items, created_at, definition)"
		" SELECT $1, $2, t.table_name, t.table_id, $3, 'CREATING', $4, $5, $6"
		"   FROM ddb.tables t WHERE t.table_name OPERATOR(pg_catalog.=) $7";
		Oid			argtypes[7] = {TEXTOID, TEXTOID, TEXTOID, REGCLASSOID, TIMESTAMPTZOID,
		JSONBOID, TEXTOID};
		Datum		args[7];

		args[0] = CStringGetTextDatum(backup_arn);
		args[1] = CStringGetTextDatum(backup_name);
		args[2] = CStringGetTextDatum(DdbTableArn(table_name));
		args[3] = ObjectIdGetDatum(items);
		args[4] = TimestampTzGetDatum(now);
		args[5] = JsonbPGetDatum(definition);
		args[6] = CStringGetTextDatum(table_name);
		if (SPI_execute_with_args(insert_sql, 7, argtypes, args, NULL, false, 0) != SPI_OK_INSERT ||
			SPI_processed != 1)
			elog(ERROR, "could not record backup %s", backup_arn);
	}
	DdbCatalogEndOwnerAccess(&owner_access);

	/*
	 * A table of at most ddb.backup_sync_limit items is copied now, a larger
	 * one by the background worker. The count stops at the limit.
	 */
	{
		char	   *sql = psprintf("SELECT pg_catalog.count(*) FROM (SELECT FROM %s LIMIT $1) s",
								   quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name));
		Oid			argtypes[1] = {INT8OID};
		Datum		args[1] = {Int64GetDatum((int64) DdbBackupSyncLimit + 1)};
		bool		isnull;

		if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not count the items of table \"%s\"", table_name);
		sync = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										   &isnull)) <= DdbBackupSyncLimit;
	}
	if (sync)
	{
		if (!DdbBackupCopy(backup_arn))
			elog(ERROR, "table \"%s\" vanished while being backed up", table_name);
	}
	else
		DdbWorkerWakeOnCommit();

	{
		const char *args[2] = {backup_arn, NULL};

		DdbExecuteText("SELECT " BACKUP_DETAILS_SQL " FROM ddb.backups b"
					" WHERE b.backup_arn OPERATOR(pg_catalog.=) $1", 2, args, SPI_OK_SELECT);
		return Wrap("BackupDetails", DdbFirstJsonb());
	}
}

/*
 * Read and check the BackupArn of DescribeBackup, DeleteBackup and
 * RestoreTableFromBackup requests that have no other members to check.
 */
static char *
RequiredBackupArn(JsonbContainer *request)
{
	DdbConstraintErrors errors;
	char	   *arn;

	DdbConstraintInit(&errors);
	arn = ReadBackupArn(request, "BackupArn", "backupArn", true, &errors);
	DdbConstraintRaise(&errors);
	return arn;
}

/*
 * The BackupDescription of a backup, with its status or another one; NULL
 * when it does not exist.
 */
static Jsonb *
DescribeBackupRow(const char *arn, const char *status)
{
	const char *args[2] = {arn, status};

	DdbExecuteText(describe_sql, 2, args, SPI_OK_SELECT);
	return DdbFirstJsonb();
}

/*
 * DdbDescribeBackup implements DescribeBackup.
 */
Jsonb *
DdbDescribeBackup(JsonbContainer *request)
{
	static const char *const allowed[] = {"BackupArn", NULL};
	char	   *arn;
	Jsonb	   *description;

	DdbJsonCheckMembers(request, allowed);
	arn = RequiredBackupArn(request);
	description = DescribeBackupRow(arn, NULL);
	if (description == NULL)
		BackupNotFound(arn);
	return Wrap("BackupDescription", description);
}

/*
 * DdbDeleteBackup implements DeleteBackup: the items table is dropped as
 * the caller (PostgreSQL checks ownership), the catalog row deleted, and
 * the description returned with status DELETED.
 */
Jsonb *
DdbDeleteBackup(JsonbContainer *request)
{
	static const char *const allowed[] = {"BackupArn", NULL};
	char	   *arn;
	Jsonb	   *description;
	char	   *status;
	Oid			items;
	bool		isnull;
	DdbOwnerAccess owner_access;

	DdbJsonCheckMembers(request, allowed);
	arn = RequiredBackupArn(request);
	{
		const char *args[1] = {arn};

		/*
		 * A concurrent DeleteBackup or RestoreTableFromBackup waits (the row
		 * lock needs more than the SELECT everyone has on the catalog).
		 */
		DdbCatalogBeginOwnerAccess(&owner_access);
		DdbExecuteText("SELECT status, items::pg_catalog.oid FROM ddb.backups"
					" WHERE backup_arn OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1, args, SPI_OK_SELECT);
		DdbCatalogEndOwnerAccess(&owner_access);
		if (SPI_processed == 0)
			BackupNotFound(arn);
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		items = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		if (strcmp(status, "CREATING") == 0)
			DdbRaise(DDB_BACKUP_IN_USE, "Backup is being created: %s", arn);
		DdbExecuteText("SELECT table_name FROM ddb.table_restores"
					" WHERE source_backup_arn OPERATOR(pg_catalog.=) $1 AND in_progress",
					1, args, SPI_OK_SELECT);
		if (SPI_processed > 0)
			DdbRaise(DDB_BACKUP_IN_USE, "Backup is being restored to table %s: %s",
					 SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), arn);
	}
	description = DescribeBackupRow(arn, "DELETED");

	/* dropped as the caller: PostgreSQL checks ownership */
	DdbBackupDropItems(items, arn);
	DdbCatalogBeginOwnerAccess(&owner_access);
	{
		const char *args[1] = {arn};

		DdbExecuteText("DELETE FROM ddb.backups WHERE backup_arn OPERATOR(pg_catalog.=) $1",
					1, args, SPI_OK_DELETE);
	}
	DdbCatalogEndOwnerAccess(&owner_access);
	return Wrap("BackupDescription", description);
}

/*
 * Read an optional timestamp member (a JSON number of epoch seconds).
 */
static bool
ReadTimestamp(JsonbContainer *request, const char *member, Numeric *out)
{
	JsonbValue	v;

	if (!DdbJsonGet(request, member, &v))
		return false;
	if (v.type != jbvNumeric)
		DdbSerializationError("%s cannot be converted to Timestamp", DdbJsonTypeName(&v));
	*out = v.val.numeric;
	return true;
}

/*
 * The time (milliseconds since 1970) in the id of an ARN of the form
 * ...:table/<name>/<kind>/<14 digits>-<8 hex digits>, or -1 when the ARN
 * has no such id.
 */
static int64
ArnIdMs(const char *arn, const char *kind)
{
	const char *id = strstr(arn, kind);
	int64		ms = 0;

	if (id == NULL)
		return -1;
	id += strlen(kind);
	if (strlen(id) != 23 || id[14] != '-')
		return -1;
	for (int i = 0; i < 14; i++)
	{
		if (id[i] < '0' || id[i] > '9')
			return -1;
		ms = ms * 10 + (id[i] - '0');
	}
	for (int i = 15; i < 23; i++)
	{
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return -1;
	}
	return ms;
}

/*
 * DdbArnIdTime: the time in the id of a backup or export ARN that a List
 * call continues after (kind "/backup/" or "/export/"; see ArnIdMs), or a
 * ValidationException "Invalid <member>: <arn>" when it has none.
 */
TimestampTz
DdbArnIdTime(const char *arn, const char *kind, const char *member)
{
	int64		ms = ArnIdMs(arn, kind);

	if (ms < 0)
		DdbValidationError("Invalid %s: %s", member, arn);
	return (ms - UNIX_TO_POSTGRES_EPOCH_MS) * 1000;
}

/*
 * DdbListPage builds the response of a List call from the rows SPI just
 * returned (the jsonb summary in column 1, the ARN in column 2, at most one
 * row more than the page): an object with the page's summaries in an array
 * under array_key and, when there was a row more, next_key holding the ARN
 * of the page's last row, passed through encode_next when not NULL.
 */
Jsonb *
DdbListPage(const char *array_key, uint64 page_size, const char *next_key,
			char *(*encode_next) (const char *))
{
	JsonbParseState *st = NULL;
	uint64		count = Min(SPI_processed, page_size);

	DdbPushBeginObject(&st);
	DdbPushKey(&st, array_key);
	DdbPushBeginArray(&st);
	for (uint64 i = 0; i < count; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		DdbPushContainer(&st, WJB_ELEM, &DatumGetJsonbP(d)->root);
	}
	DdbPushEndArray(&st);
	if (SPI_processed > page_size)
	{
		char	   *next = SPI_getvalue(SPI_tuptable->vals[count - 1], SPI_tuptable->tupdesc, 2);

		DdbPushKey(&st, next_key);
		DdbPushString(&st, WJB_VALUE, encode_next != NULL ? encode_next(next) : next);
	}
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * DdbListBackups implements ListBackups: the backups of every table, or
 * of one (TableName: a table that may be gone), created within the time
 * range (lower bound inclusive, upper bound exclusive), in creation order,
 * Limit (1-100) at a time. Every backup here is a USER backup, so
 * BackupType SYSTEM and AWS_BACKUP list none.
 */
Jsonb *
DdbListBackups(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "Limit", "TimeRangeLowerBound", "TimeRangeUpperBound",
		"ExclusiveStartBackupArn", "BackupType", NULL
	};
	static const char *const types[] = {"USER", "SYSTEM", "AWS_BACKUP", "ALL", NULL};
	static const char *const list_sql =
	"SELECT " BACKUP_DETAILS_SQL " OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object("
	"    'TableName', b.table_name, 'TableId', b.table_id::pg_catalog.text, 'TableArn', b.table_arn),"
	"  b.backup_arn"
	" FROM ddb.backups b"
	" WHERE ($1 IS NULL OR b.table_name OPERATOR(pg_catalog.=) $1)"
	"   AND ($3 IS NULL OR EXTRACT(epoch FROM b.created_at) OPERATOR(pg_catalog.>=) $3)"
	"   AND ($4 IS NULL OR EXTRACT(epoch FROM b.created_at) OPERATOR(pg_catalog.<) $4)"
	"   AND ($5 IS NULL OR (b.created_at, b.backup_arn) OPERATOR(pg_catalog.>) ($5, $6::pg_catalog.text))"
	" ORDER BY b.created_at, b.backup_arn LIMIT $7";
	DdbConstraintErrors errors;
	char	   *table_name;
	char	   *start;
	char	   *type;
	int64		limit = 100;
	Numeric		lower;
	Numeric		upper;
	bool		has_lower;
	bool		has_upper;
	Oid			argtypes[7] = {TEXTOID, TEXTOID, NUMERICOID, NUMERICOID, TIMESTAMPTZOID,
	TEXTOID, INT8OID};
	Datum		args[7];
	char		nulls[8] = "       ";
	bool		none;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	table_name = DdbJsonGetString(request, "TableName");
	if (table_name != NULL)
		table_name = DdbValidateTableName(table_name, "tableName", &errors);
	if (DdbJsonGetInt64(request, "Limit", &limit) && (limit < 1 || limit > 100))
		DdbConstraintAdd(&errors, psprintf("'" INT64_FORMAT "'", limit), "limit",
						 limit < 1 ? "Member must have value greater than or equal to 1"
						 : "Member must have value less than or equal to 100");
	start = ReadBackupArn(request, "ExclusiveStartBackupArn", "exclusiveStartBackupArn", false, &errors);
	type = DdbRequestEnum(request, "BackupType", "backupType", types,
						  "[USER, SYSTEM, AWS_BACKUP, ALL]", &errors);
	has_lower = ReadTimestamp(request, "TimeRangeLowerBound", &lower);
	has_upper = ReadTimestamp(request, "TimeRangeUpperBound", &upper);
	DdbConstraintRaise(&errors);
	none = type != NULL && (strcmp(type, "SYSTEM") == 0 || strcmp(type, "AWS_BACKUP") == 0);

	if (table_name != NULL)
		args[0] = CStringGetTextDatum(table_name);
	else
		nulls[0] = 'n';
	nulls[1] = 'n';				/* unused: keeps $2 of the details NULL */
	args[1] = (Datum) 0;
	if (has_lower)
		args[2] = NumericGetDatum(lower);
	else
		nulls[2] = 'n';
	if (has_upper)
		args[3] = NumericGetDatum(upper);
	else
		nulls[3] = 'n';
	if (start != NULL)
	{
		args[4] = TimestampTzGetDatum(DdbArnIdTime(start, "/backup/", "ExclusiveStartBackupArn"));
		args[5] = CStringGetTextDatum(start);
	}
	else
		nulls[4] = nulls[5] = 'n';
	args[6] = Int64GetDatum(none ? 0 : limit + 1);
	if (SPI_execute_with_args(list_sql, 7, argtypes, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "listing backups failed");

	return DdbListPage("BackupSummaries", (uint64) limit, "LastEvaluatedBackupArn", NULL);
}

/*
 * DdbBackupsCheckTableDeletable refuses to delete a table while a backup of
 * it is being created (DynamoDB does too), or while a point-in-time restore
 * from it is left to the worker (which reads its history), with
 * ResourceInUseException.
 */
void
DdbBackupsCheckTableDeletable(const char *table_name)
{
	const char *args[1] = {table_name};

	if (!DdbBackupsCatalogExists())
		return;
	DdbExecuteText("SELECT 1 FROM ddb.backups b JOIN ddb.tables t"
				" ON t.table_id OPERATOR(pg_catalog.=) b.table_id"
				" WHERE t.table_name OPERATOR(pg_catalog.=) $1"
				" AND b.status OPERATOR(pg_catalog.=) 'CREATING'", 1, args, SPI_OK_SELECT);
	if (SPI_processed > 0)
		DdbRaise(DDB_RESOURCE_IN_USE,
				 "Attempt to change a resource which is still in use: A backup of the table is being created: %s",
				 table_name);
	if (DdbPitrRestorePending(table_name, NULL))
		DdbRaise(DDB_RESOURCE_IN_USE,
				 "Attempt to change a resource which is still in use: A point in time restore of the table is in progress: %s",
				 table_name);
}
