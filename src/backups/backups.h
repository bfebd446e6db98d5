/*-------------------------------------------------------------------------
 *
 * backups.h
 *	  DynamoDB's on-demand backups: CreateBackup, DescribeBackup,
 *	  ListBackups and DeleteBackup (backup_catalog.c), the copy of a table's
 *	  items into a backup (backup_copy.c), RestoreTableFromBackup and the
 *	  restore of a table from a set of items and a definition
 *	  (backup_restore.c), the background worker's share of both
 *	  (backup_worker.c), and point-in-time recovery (pitr.c: its API, the
 *	  history trigger, restores at an instant through DdbRestoreFillFrom,
 *	  and the worker's roll forward of its base copy), and exports
 *	  (export.c: ExportTableToPointInTime, DescribeExport, ListExports and
 *	  the worker's writing of export files from the point-in-time recovery
 *	  base and history).
 *
 * A backup is
 *
 *	  - a row of ddb.backups: its ARN, name, status (CREATING, then
 *		AVAILABLE), the source table's name, id and ARN, and the table's
 *		definition as of the copy (below);
 *	  - a table in schema ddb_backups (ddb.backups.items) holding one row
 *		(item jsonb, in the stored form) per item of the source table as
 *		committed at one instant, owned by the role that made the backup.
 *
 * Both survive DeleteTable and are kept by pg_dump (the catalog is an
 * extension configuration table, the items tables are ordinary tables).
 *
 * The definition is a jsonb object shaped like CreateTable's request, so
 * that a restore is a CreateTable: KeySchema, AttributeDefinitions,
 * BillingMode, ProvisionedThroughput, GlobalSecondaryIndexes (with their
 * ProvisionedThroughput), LocalSecondaryIndexes, TableClass, SSEDescription
 * (when the table asked for a KMS key), plus what DescribeBackup reports
 * and a restore does not apply: TimeToLiveDescription, StreamDescription,
 * TableId, TableArn, TableName, TableCreationDateTime, TableSizeBytes.
 *
 * Restoring is "a definition plus a relation of items": the new table is
 * made by CreateTable from the definition (with the request's overrides),
 * then filled from the relation (DdbRestoreFill), which is how a
 * point-in-time restore can reuse it. A large restore is finished by the
 * background worker from ddb.table_restores.source_items (a backup's
 * items) or, for a point-in-time restore, from the source's base and
 * history at the restore time; meanwhile the table is CREATING and
 * data-plane calls find no table.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_BACKUPS_H
#define DDB_BACKUPS_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#define DDB_BACKUPS_SCHEMA "ddb_backups"

/*
 * Milliseconds between the Unix epoch and PostgreSQL's (2000-01-01): the
 * times in BackupArns and ImportArns
 */
#define UNIX_TO_POSTGRES_EPOCH_MS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000)

struct DdbWorkKind;

/* backup_catalog.c: whether the extension's catalog has backups yet */
extern bool DdbBackupsCatalogExists(void);

/*
 * backup_catalog.c: the time in the id of a backup or export ARN
 * (...:table/<name>/<kind>/<14 digits>-<8 hex digits>, kind "/backup/" or
 * "/export/") that a List call continues after; a ValidationException
 * "Invalid <member>: <arn>" when it has none
 */
extern TimestampTz DdbArnIdTime(const char *arn, const char *kind, const char *member);

/*
 * backup_catalog.c: the response of a List call from the rows SPI just
 * returned (summary jsonb in column 1, ARN in column 2, up to page_size + 1
 * rows): the page's summaries under array_key, and when there was a row
 * more, next_key with the ARN of the page's last row, through encode_next
 * when not NULL
 */
extern Jsonb *DdbListPage(const char *array_key, uint64 page_size, const char *next_key,
						  char *(*encode_next) (const char *));

/*
 * backup_catalog.c: the jsonb of the first column of the first row SPI
 * returned, copied, or NULL when there is none
 */
extern Jsonb *DdbFirstJsonb(void);

/* Drop a backup's items table, if still there, as the current user */
extern void DdbBackupDropItems(Oid items, const char *backup_arn);

/* backup_catalog.c: the definition of a table, as a backup keeps it */
extern Jsonb *DdbBackupTableDefinition(const char *table_name);

/*
 * backup_catalog.c: raise PostgreSQL's permission error unless the current
 * role may read every item of an item table
 */
extern void DdbBackupCheckReadable(Oid relid, const char *table_name);

/*
 * backup_catalog.c: raise ResourceInUseException when DeleteTable must not
 * delete a table, because a backup of it is being created
 */
extern void DdbBackupsCheckTableDeletable(const char *table_name);

/*
 * backup_copy.c: copy the items of a table into a backup's items table
 * and record its definition, size and count; the backup becomes AVAILABLE.
 * Runs as the backup's owner. Returns false when the source table no longer
 * exists.
 */
extern bool DdbBackupCopy(const char *backup_arn);

/*
 * backup_restore.c: fill a new, empty item table from a relation of items
 * (column item jsonb), as the item table's owner; returns the count
 */
extern int64 DdbRestoreFill(Oid item_table, Oid source_items);

/*
 * backup_restore.c: the same from any FROM item with a column item (a
 * relation or a parenthesized query, which may use $1 and $2, the key
 * attribute names, and $3, as_of)
 */
extern int64 DdbRestoreFillFrom(Oid item_table, const char *source_from, TimestampTz as_of);

/*
 * backup_restore.c: insert an array of stored items (jsonb[]) into an item
 * table, as its owner, an item replacing one of the same key (the last of
 * the array wins); returns the rows written
 */
extern int64 DdbRestoreFillFromArray(Oid item_table, Datum items);

/*
 * backup_restore.c: lock an item table against writes and delete its rows,
 * as its owner, before it is filled
 */
extern void DdbRestoreEmptyTable(Oid item_table);

/*
 * backup_restore.c: the expression of a key column's value computed from
 * the item of alias, whose key attribute's name is parameter $param
 */
extern void DdbRestoreAppendKey(StringInfo sql, const char *alias, char type, int param);

/*
 * backup_restore.c: make a restore's new table with CreateTable from a
 * definition and a request's overrides; returns its item table
 */
extern Oid	DdbRestoreCreateTable(Jsonb *definition, JsonbContainer *request, const char *target);

/*
 * backup_restore.c: record a restored table (RestoreSummary) in
 * ddb.table_restores; in_progress leaves it to the worker, which fills it
 * from source_items, or, with no source backup, from the point-in-time
 * recovery of the source table at restore_time
 */
extern void DdbRestoreRecord(const char *target, const char *source_backup_arn,
							 const char *source_table_arn, TimestampTz restore_time,
							 bool in_progress, Oid source_items);

/* backup_restore.c: the TableDescription of a table, as DescribeTable gives it */
extern Jsonb *DdbRestoreTableDescription(const char *table_name);

/*
 * backup_restore.c: finish a restore the worker has to do (fill the table,
 * clear RestoreInProgress); false when there is nothing to do
 */
extern bool DdbRestoreFinish(const char *table_name);

/*
 * backup_restore.c: whether a table is being restored (its TableStatus is
 * CREATING and data-plane calls do not find it); must run inside SPI
 */
extern bool DdbTableRestoreInProgress(const char *table_name);

/*
 * backup_restore.c: a TableDescription with the RestoreSummary of a
 * restored table added, and TableStatus CREATING while it is being
 * restored (status ACTIVE only); unchanged for other tables
 */
extern Jsonb *DdbRestoreDescribe(const char *table_name, Jsonb *description);

/*
 * pitr.c: the state at restore_time of the table of source_table_arn, as
 * DdbRestoreFillFrom's FROM item, for a point-in-time restore the worker
 * finishes; raises when its history no longer reaches back to that time
 */
extern char *DdbPitrRestoreSource(const char *source_table_arn, TimestampTz restore_time);

/*
 * pitr.c: whether a point-in-time restore from a table is left to the
 * worker, and the earliest restore time of those (restore_time may be NULL)
 */
extern bool DdbPitrRestorePending(const char *table_name, TimestampTz *restore_time);

/* The point-in-time recovery of a table, from ddb.continuous_backups */
typedef struct DdbPitrState
{
	bool		enabled;
	int			period_days;
	Oid			base;			/* the base copy (item jsonb) */
	Oid			history;		/* the history (item, deleted, xid, lsn) */
	Oid			owner;			/* of the item table */
	Oid			item_table;
	bool		earliest_known; /* false until the enabling commit */
	TimestampTz earliest;		/* EarliestRestorableDateTime */
} DdbPitrState;

struct DdbTable;

/*
 * pitr.c: the point-in-time recovery state of a table (enabled false when
 * it has none); lock is "", " FOR SHARE OF p" (the roll forward and
 * disabling wait) or " FOR UPDATE OF p"
 */
extern void DdbPitrReadState(const char *table_name, const char *lock, DdbPitrState *state);

/* pitr.c: LatestRestorableDateTime, now */
extern TimestampTz DdbPitrLatestRestorable(void);

/*
 * pitr.c: the state of a table at $<time_param> (3 or 4; timestamptz) from
 * its base and history, as a parenthesized query with a column item
 * (stored items); $1 and $2 are the key attribute names in the stored form
 */
extern char *DdbPitrStateQuery(struct DdbTable *table, Oid base, Oid history, int time_param);

/*
 * pitr.c: the changes of a table committed after $4 and at or before $3,
 * one row per item changed: keys, new_item (NULL: deleted), old_item
 * (NULL: none at $4), write_micros
 */
extern char *DdbPitrChangesQuery(struct DdbTable *table, Oid base, Oid history);

/* pitr.c: the table name in a table ARN, or NULL */
extern char *DdbTableNameFromArn(const char *arn);

/*
 * import.c: whether a table is being imported into (CREATING: data-plane
 * calls do not find it); must run inside SPI
 */
extern bool DdbTableImportInProgress(const char *table_name);

/* import.c: the worker's unit of work that runs imports (ImportTable) */
extern const struct DdbWorkKind DdbImportWork;

/*
 * export_directory.c: the real path of ddb.export_directory, the directory
 * that stands for S3 in exports and imports; a ValidationException led by
 * refusal when it is unset, relative or missing
 */
extern char *DdbExportDirectoryRoot(const char *refusal);

/* export_directory.c: whether an S3Bucket has DynamoDB's pattern */
extern bool DdbS3BucketNameValid(const char *bucket);

/*
 * export_directory.c: what keeps an S3 prefix (stored form) under its
 * bucket's directory from being safe, or NULL; whole_names for a directory
 * path (an export's S3Prefix) rather than a prefix of keys (an import's)
 */
extern const char *DdbS3PrefixProblem(const char *prefix, bool whole_names);

/* export_directory.c: whether a real path is the real path root or below it */
extern bool DdbPathWithin(const char *path, const char *root);

/*
 * backup_worker.c: the worker's units of a kind of work that are one text
 * each (column 1 of each row of a read-only query), copied into context;
 * none when catalog_table does not exist yet
 */
extern List *DdbWorkUnitsFromQuery(const char *catalog_table, const char *sql,
								   const char *what, MemoryContext context);

/* backup_worker.c: the worker's unit of work that copies backups and restores */
extern const struct DdbWorkKind DdbBackupWork;

/*
 * pitr.c: the worker's unit of work that rolls the base copy of tables
 * with point-in-time recovery forward, purging older history
 */
extern const struct DdbWorkKind DdbPitrWork;

/*
 * export.c: the worker's unit of work that writes the files of the exports
 * still IN_PROGRESS
 */
extern const struct DdbWorkKind DdbExportWork;

#endif							/* DDB_BACKUPS_H */
