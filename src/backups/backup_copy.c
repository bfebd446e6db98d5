/*-------------------------------------------------------------------------
 *
 * backup_copy.c
 *	  The copy of a table's items into a backup: within CreateBackup for a
 *	  small table, by the background worker for a large one.
 *
 * The copy is one statement,
 *
 *	  INSERT INTO ddb_backups."<items>" (item) SELECT item FROM ddb_data."<table>"
 *
 * so it reads the table under the statement's snapshot: the backup holds
 * exactly the items committed at that instant (never part of a
 * transaction), and writers of the table are not blocked (the copy takes
 * the item table's ACCESS SHARE lock only). It runs as the backup's owner
 * (the owner of its items table), who needs SELECT on the item table and
 * must not be subject to its row-level security, so that a backup made by
 * the worker reads what the role that asked for it could read, all of it.
 * The table's definition is read again in the same transaction, so that
 * items and definition agree.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/timestamp.h"

#include "backups/backups.h"
#include "catalog.h"
#include "errors.h"

/*
 * A backup's items table, its source item table (found by TableId) and
 * name, the backup's owner and its status; the backup's row is locked.
 */
static const char *const source_sql =
"SELECT b.items::pg_catalog.oid, t.item_table::pg_catalog.oid, t.table_name,"
"       ic.relowner, b.status"
"  FROM ddb.backups b"
"  JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) b.items::pg_catalog.oid"
"  LEFT JOIN ddb.tables t ON t.table_id OPERATOR(pg_catalog.=) b.table_id"
" WHERE b.backup_arn OPERATOR(pg_catalog.=) $1"
"   FOR UPDATE OF b";

/*
 * The catalog update that makes a backup AVAILABLE: its count, the
 * instant of its items, its size, and its table's definition read again.
 */
static const char *const finish_sql =
"UPDATE ddb.backups b SET status = 'AVAILABLE', item_count = $2, copied_at = $3,"
"  size_bytes = pg_catalog.pg_table_size(b.items), definition = $4"
" WHERE b.backup_arn OPERATOR(pg_catalog.=) $1";

/*
 * Forget a backup whose source table is gone before its items could be
 * copied: its items table and its catalog row.
 */
static void
ForgetBackup(const char *backup_arn, Oid items)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(backup_arn)};
	DdbOwnerAccess owner_access;

	DdbCatalogBeginOwnerAccess(&owner_access);
	DdbBackupDropItems(items, backup_arn);
	if (SPI_execute_with_args("DELETE FROM ddb.backups WHERE backup_arn OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not forget backup %s", backup_arn);
	DdbCatalogEndOwnerAccess(&owner_access);
}

/*
 * DdbBackupCopy copies the items of a CREATING backup's source table into
 * its items table, as the backup's owner, and makes the backup AVAILABLE.
 * A backup whose source table is gone is forgotten (false); one that is not
 * CREATING is left alone.
 */
bool
DdbBackupCopy(const char *backup_arn)
{
	Oid			argtypes[4] = {TEXTOID, INT8OID, TIMESTAMPTZOID, JSONBOID};
	Datum		args[4];
	bool		isnull;
	Oid			items;
	Oid			item_table;
	Oid			owner;
	char	   *table_name;
	char	   *status;
	char	   *sql;
	uint64		count;
	TimestampTz copied_at;
	Oid			saved_user;
	int			saved_context;
	int			guc_nest_level;
	DdbOwnerAccess owner_access;

	/* the row lock needs more than the SELECT everyone has on the catalog */
	args[0] = CStringGetTextDatum(backup_arn);
	DdbCatalogBeginOwnerAccess(&owner_access);
	if (SPI_execute_with_args(source_sql, 1, argtypes, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read backup %s", backup_arn);
	DdbCatalogEndOwnerAccess(&owner_access);
	if (SPI_processed == 0)
		return true;			/* deleted meanwhile */
	items = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	item_table = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (isnull || get_rel_name(item_table) == NULL)
	{
		ereport(LOG,
				(errmsg("ddb: the table of backup %s is gone; the backup is forgotten", backup_arn)));
		ForgetBackup(backup_arn, items);
		return false;
	}
	table_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5);
	if (strcmp(status, "CREATING") != 0)
		return true;

	/*
	 * The copy, as the backup's owner, in a security-restricted operation
	 * with a safe search_path (every name below is qualified anyway).
	 */
	sql = psprintf("INSERT INTO %s (item) SELECT item FROM %s",
				   DdbQualifiedRelationName(items), DdbQualifiedRelationName(item_table));
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	DdbBackupCheckReadable(item_table, table_name);
	copied_at = GetCurrentTimestamp();
	if (SPI_execute(sql, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not copy the items of table \"%s\" into backup %s", table_name, backup_arn);
	count = SPI_processed;
	AtEOXact_GUC(true, guc_nest_level);
	SetUserIdAndSecContext(saved_user, saved_context);

	args[1] = Int64GetDatum((int64) count);
	args[2] = TimestampTzGetDatum(copied_at);
	args[3] = JsonbPGetDatum(DdbBackupTableDefinition(table_name));
	DdbCatalogBeginOwnerAccess(&owner_access);
	if (SPI_execute_with_args(finish_sql, 4, argtypes, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not record backup %s", backup_arn);
	DdbCatalogEndOwnerAccess(&owner_access);
	return true;
}
