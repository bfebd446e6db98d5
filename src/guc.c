/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Every ddb.* setting with its default.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "guc.h"

char	   *DdbRegion = NULL;
char	   *DdbAccountId = NULL;

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
	MarkGUCPrefixReserved("ddb");
}
