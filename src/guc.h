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

extern void DdbGucInit(void);

#endif							/* DDB_GUC_H */
