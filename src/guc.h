/*-------------------------------------------------------------------------
 *
 * guc.h
 *	  ddb's configuration settings (ddb.*).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_GUC_H
#define DDB_GUC_H

/* Region and account id used in ARNs */
extern char *DdbRegion;
extern char *DdbAccountId;

/* Background worker (src/worker): seconds between rounds when idle */
extern int	DdbWorkerNaptime;

/* Items per batch of a global secondary index backfill */
extern int	DdbBackfillBatchSize;

/*
 * The largest an item collection of a table with local secondary indexes
 * may grow, in kB
 */
extern int	DdbItemCollectionSizeLimit;

/* Time to Live: seconds between rounds over a table, items per batch */
extern int	DdbTtlInterval;
extern int	DdbTtlBatchSize;

/* HTTP endpoint (src/http): see README "The HTTP endpoint" */
extern int	DdbHttpWorkers;
extern char *DdbHttpDatabase;
extern char *DdbHttpListenAddresses;
extern int	DdbHttpPort;
extern int	DdbHttpAuth;
extern char *DdbHttpRole;
extern int	DdbHttpMaxConnections;
extern int	DdbHttpIdleTimeout;

/* values of ddb.http_auth */
typedef enum DdbHttpAuthMode
{
	DDB_HTTP_AUTH_SIGV4,		/* AWS Signature Version 4, keys in ddb.access_keys */
	DDB_HTTP_AUTH_NONE			/* anything goes; requests run as ddb.http_role */
} DdbHttpAuthMode;
/*
 * Backups: a backup or restore of at most this many items is done within
 * the call, a larger one by the background worker
 */
extern int	DdbBackupSyncLimit;

/*
 * Export and import: the server directory that stands for S3, under which
 * S3Bucket/S3Prefix (S3KeyPrefix) name a directory; NULL or empty: exports
 * and imports are refused
 */
extern char *DdbExportDirectory;

/* Scale-out: CreateTable distributes new tables when Citus is installed */
extern bool DdbDistributeNewTables;

extern void DdbGucInit(void);

#endif							/* DDB_GUC_H */
