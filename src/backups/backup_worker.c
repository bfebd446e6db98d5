/*-------------------------------------------------------------------------
 *
 * backup_worker.c
 *	  The background worker's share of backups: a kind of work of the
 *	  per-database worker (worker/worker.h) that copies the items of the
 *	  backups still CREATING (backup_copy.c) and fills the tables still
 *	  being restored (backup_restore.c), from a backup or to a point in
 *	  time.
 *
 * Each unit is done in one step, one transaction: a copy must read the
 * whole table under one snapshot, and a restore must make the whole table
 * appear at once. A step that fails (a privilege revoked meanwhile, say) is
 * logged and tried again in a later round. Backups are copied in the
 * order they were asked for, then restores likewise.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "backups/backups.h"
#include "catalog.h"
#include "worker/worker.h"

/*
 * DdbWorkUnitsFromQuery: the worker's units of a kind of work that are one
 * text each, column 1 of each row of sql (read only), copied into context;
 * none when catalog_table (a catalog table the query reads) does not exist
 * yet. A failing query raises "could not list <what>".
 */
List *
DdbWorkUnitsFromQuery(const char *catalog_table, const char *sql, const char *what,
					  MemoryContext context)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	List	   *units = NIL;

	args[0] = CStringGetTextDatum(catalog_table);
	if (SPI_execute_with_args("SELECT pg_catalog.to_regclass($1) IS NOT NULL",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT ||
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") != 0)
		return NIL;
	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list %s", what);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(context);

		units = lappend(units, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(old);
	}
	return units;
}

/* One backup to copy, or one table to restore */
typedef struct BackupUnit
{
	bool		restore;		/* a restore (else a backup) */
	bool		point_in_time;	/* a point-in-time restore (else from a backup) */
	char	   *name;			/* the backup's ARN, or the table's name */
	char	   *table_name;		/* the table copied or restored */
	char	   *source;			/* a point-in-time restore's source table ARN */
} BackupUnit;

/*
 * The backups being created and the tables being restored in this
 * database; none when the extension's catalog predates backups.
 */
static List *
FindBackupWork(MemoryContext context)
{
	List	   *units = NIL;

	if (!DdbBackupsCatalogExists())
		return NIL;
	if (SPI_execute("SELECT false, false, backup_arn, table_name, NULL, created_at FROM ddb.backups"
					" WHERE status OPERATOR(pg_catalog.=) 'CREATING'"
					" UNION ALL"
					" SELECT true, source_backup_arn IS NULL, table_name, table_name, source_table_arn,"
					"        requested_at FROM ddb.table_restores"
					" WHERE in_progress"
					" ORDER BY 1, 6, 3", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the backups and restores in progress");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(context);
		BackupUnit *unit = palloc(sizeof(BackupUnit));

		unit->restore = strcmp(SPI_getvalue(row, desc, 1), "t") == 0;
		unit->point_in_time = strcmp(SPI_getvalue(row, desc, 2), "t") == 0;
		unit->name = SPI_getvalue(row, desc, 3);
		unit->table_name = SPI_getvalue(row, desc, 4);
		unit->source = SPI_getvalue(row, desc, 5);
		units = lappend(units, unit);
		MemoryContextSwitchTo(old);
	}
	return units;
}

static char *
DescribeBackupWork(void *arg, MemoryContext context)
{
	BackupUnit *unit = (BackupUnit *) arg;

	if (unit->restore && unit->point_in_time)
		return MemoryContextStrdup(context, psprintf("ddb pitr restore: table %s, from %s",
													 unit->table_name, unit->source));
	if (unit->restore)
		return MemoryContextStrdup(context, psprintf("ddb restore: table %s", unit->table_name));
	return MemoryContextStrdup(context, psprintf("ddb backup: table %s, backup %s",
												 unit->table_name, unit->name));
}

/*
 * Copy a backup or fill a restored table, at once.
 */
static bool
RunBackupStep(void *arg)
{
	BackupUnit *unit = (BackupUnit *) arg;

	if (unit->restore)
		(void) DdbRestoreFinish(unit->name);
	else
		(void) DdbBackupCopy(unit->name);
	return false;
}

const DdbWorkKind DdbBackupWork = {
	.name = "backup",
	.find_units = FindBackupWork,
	.describe = DescribeBackupWork,
	.run_step = RunBackupStep,
	.max_sleep_ms = NULL,
};
