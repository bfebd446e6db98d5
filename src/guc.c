/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Every ddb.* setting with its default.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "guc.h"

char	   *DdbRegion = NULL;
char	   *DdbAccountId = NULL;
int			DdbWorkerNaptime = 10;
int			DdbBackfillBatchSize = 1000;
int			DdbItemCollectionSizeLimit = 10 * 1024 * 1024;	/* 10 GB */
int			DdbTtlInterval = 60;
int			DdbTtlBatchSize = 1000;

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
	MarkGUCPrefixReserved("ddb");
}
