/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Every ddb.* setting with its default.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <unistd.h>

#include "utils/guc.h"

#include "guc.h"

char	   *DdbRegion = NULL;
char	   *DdbAccountId = NULL;
int			DdbWorkerNaptime = 10;
int			DdbBackfillBatchSize = 1000;
int			DdbItemCollectionSizeLimit = 10 * 1024 * 1024;	/* 10 GB */
int			DdbTtlInterval = 60;
int			DdbTtlBatchSize = 1000;
int			DdbHttpWorkers = 1;
char	   *DdbHttpDatabase = NULL;
char	   *DdbHttpListenAddresses = NULL;
int			DdbHttpPort = 8000;
int			DdbHttpAuth = DDB_HTTP_AUTH_SIGV4;
char	   *DdbHttpRole = NULL;
int			DdbHttpMaxConnections = 1000;
int			DdbHttpIdleTimeout = 60;

static const struct config_enum_entry http_auth_options[] = {
	{"sigv4", DDB_HTTP_AUTH_SIGV4, false},
	{"none", DDB_HTTP_AUTH_NONE, false},
	{NULL, 0, false}
};

/* the most HTTP workers ddb.http_workers allows */
#define DDB_HTTP_WORKERS_MAX 128

/*
 * The number of CPUs: ddb.http_workers' default.
 */
static int
CpuCount(void)
{
	long		cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		return 1;
	return cpus > DDB_HTTP_WORKERS_MAX ? DDB_HTTP_WORKERS_MAX : (int) cpus;
}
int			DdbBackupSyncLimit = 10000;
char	   *DdbExportDirectory = NULL;
bool		DdbDistributeNewTables = false;

/*
 * DdbGucInit defines the settings and reserves the "ddb" prefix.
 */
void
DdbGucInit(void)
{
	DefineCustomStringVariable("ddb.region",
							   gettext_noop("Region reported in table ARNs."),
							   NULL,
							   &DdbRegion,
							   "us-east-1",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("ddb.account_id",
							   gettext_noop("Account id reported in table ARNs."),
							   NULL,
							   &DdbAccountId,
							   "000000000000",
							   PGC_SUSET,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.worker_naptime",
							gettext_noop("Seconds the background worker sleeps between rounds when it has nothing to do."),
							NULL,
							&DdbWorkerNaptime,
							10, 1, 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.backfill_batch_size",
							gettext_noop("Items a global secondary index backfill reads per transaction."),
							NULL,
							&DdbBackfillBatchSize,
							1000, 1, 1000000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.item_collection_size_limit",
							gettext_noop("Largest size of an item collection of a table with local secondary indexes."),
							gettext_noop("A write that makes an item collection larger fails with ItemCollectionSizeLimitExceededException."),
							&DdbItemCollectionSizeLimit,
							10 * 1024 * 1024, 1, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.ttl_interval",
							gettext_noop("Seconds between two rounds of Time to Live expiry over a table."),
							NULL,
							&DdbTtlInterval,
							60, 1, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.ttl_batch_size",
							gettext_noop("Expired items Time to Live deletes per transaction."),
							NULL,
							&DdbTtlBatchSize,
							1000, 1, 100000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.http_workers",
							gettext_noop("Background workers that answer DynamoDB's HTTP protocol."),
							gettext_noop("The default is the number of CPUs; 0 starts none."),
							&DdbHttpWorkers,
							CpuCount(), 0, DDB_HTTP_WORKERS_MAX,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("ddb.http_database",
							   gettext_noop("Database the HTTP endpoint serves."),
							   NULL,
							   &DdbHttpDatabase,
							   "postgres",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("ddb.http_listen_addresses",
							   gettext_noop("Comma-separated host names or IP addresses the HTTP endpoint listens on; * is every address."),
							   NULL,
							   &DdbHttpListenAddresses,
							   "localhost",
							   PGC_POSTMASTER,
							   GUC_LIST_INPUT,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.http_port",
							gettext_noop("TCP port of the HTTP endpoint; 0 turns it off."),
							NULL,
							&DdbHttpPort,
							8000, 0, 65535,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
	DefineCustomEnumVariable("ddb.http_auth",
							 gettext_noop("How the HTTP endpoint authenticates requests: sigv4 or none."),
							 gettext_noop("none runs every request as ddb.http_role, whatever it is signed with."),
							 &DdbHttpAuth,
							 DDB_HTTP_AUTH_SIGV4,
							 http_auth_options,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("ddb.http_role",
							   gettext_noop("Role HTTP requests run as when ddb.http_auth is none."),
							   NULL,
							   &DdbHttpRole,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.http_max_connections",
							gettext_noop("Client connections each HTTP worker keeps open at most."),
							NULL,
							&DdbHttpMaxConnections,
							1000, 1, 100000,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.http_idle_timeout",
							gettext_noop("Seconds the HTTP endpoint keeps an idle connection, or waits for the rest of a request."),
							NULL,
							&DdbHttpIdleTimeout,
							60, 1, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ddb.backup_sync_limit",
							gettext_noop("Largest table (in items) that CreateBackup and RestoreTableFromBackup copy, and largest base plus history (in rows) that RestoreTableToPointInTime restores, within the call."),
							gettext_noop("Larger tables are copied by the background worker; the backup or table is CREATING until it is done."),
							&DdbBackupSyncLimit,
							10000, 0, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("ddb.export_directory",
							   gettext_noop("Server directory that stands for S3 in exports and imports."),
							   gettext_noop("S3Bucket and S3Prefix (S3KeyPrefix) name a directory under it; an export goes to <directory>/<S3Bucket>/<S3Prefix>/AWSDynamoDB/<ExportId>/; when empty, exports and imports are refused."),
							   &DdbExportDirectory,
							   "",
							   PGC_SUSET,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("ddb.distribute_new_tables",
							 gettext_noop("Whether CreateTable distributes the tables it creates with Citus."),
							 gettext_noop("Takes effect when the citus extension is installed; see ddb.distribute_table."),
							 &DdbDistributeNewTables,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("ddb");
}
