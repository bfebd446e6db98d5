/*-------------------------------------------------------------------------
 *
 * operations.h
 *	  The handlers of DynamoDB operations, one per action name. Each takes
 *	  the request object and returns the response body (NULL for an
 *	  operation whose response has no body). api.c dispatches to them
 *	  inside an SPI connection.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_OPERATIONS_H
#define DDB_OPERATIONS_H

#include "postgres.h"

#include "utils/jsonb.h"

typedef Jsonb *(*DdbOperationHandler) (JsonbContainer *request);

/* api.c: the ddb calls in progress (triggers may nest them) */
extern int	DdbCallDepth(void);
extern uint64 DdbCallSerial(void);

/*
 * api.c: run an operation on request JSON text (NULL: none) and return the
 * response as JSON text (NULL: no body); strings may hold U+0000
 */
extern char *DdbCallText(const char *operation, char *request);

/* api.c: the same for a handler that is not a DynamoDB operation, by its name */
extern char *DdbCallHandlerText(const char *name, DdbOperationHandler handler, char *request);

/*
 * api.c: the memory context of the call's caller. A handler that builds a
 * large response there saves api.c copying it out of the call's context.
 */
extern MemoryContext DdbResponseContext(void);

/* table_ops.c: the control plane */
extern Jsonb *DdbCreateTable(JsonbContainer *request);
extern Jsonb *DdbDescribeTable(JsonbContainer *request);
extern Jsonb *DdbListTables(JsonbContainer *request);
extern Jsonb *DdbDeleteTable(JsonbContainer *request);
extern Jsonb *DdbUpdateTable(JsonbContainer *request);

/* ttl/ttl_catalog.c: Time to Live */
extern Jsonb *DdbUpdateTimeToLive(JsonbContainer *request);
extern Jsonb *DdbDescribeTimeToLive(JsonbContainer *request);

/* backups/: on-demand backups */
extern Jsonb *DdbCreateBackup(JsonbContainer *request);
extern Jsonb *DdbDescribeBackup(JsonbContainer *request);
extern Jsonb *DdbListBackups(JsonbContainer *request);
extern Jsonb *DdbDeleteBackup(JsonbContainer *request);
extern Jsonb *DdbRestoreTableFromBackup(JsonbContainer *request);

/* backups/pitr.c: point-in-time recovery */
extern Jsonb *DdbUpdateContinuousBackups(JsonbContainer *request);
extern Jsonb *DdbDescribeContinuousBackups(JsonbContainer *request);
extern Jsonb *DdbRestoreTableToPointInTime(JsonbContainer *request);

/* backups/export.c: exports */
extern Jsonb *DdbExportTableToPointInTime(JsonbContainer *request);
extern Jsonb *DdbDescribeExport(JsonbContainer *request);
extern Jsonb *DdbListExports(JsonbContainer *request);

/* backups/import.c: import from S3 (a directory of the server) */
extern Jsonb *DdbImportTable(JsonbContainer *request);
extern Jsonb *DdbDescribeImport(JsonbContainer *request);
extern Jsonb *DdbListImports(JsonbContainer *request);

/* tags.c: tagging */
extern Jsonb *DdbTagResource(JsonbContainer *request);
extern Jsonb *DdbUntagResource(JsonbContainer *request);
extern Jsonb *DdbListTagsOfResource(JsonbContainer *request);

/* item_ops.c: single-item reads and writes */
extern Jsonb *DdbPutItem(JsonbContainer *request);
extern Jsonb *DdbGetItem(JsonbContainer *request);
extern Jsonb *DdbDeleteItem(JsonbContainer *request);
extern Jsonb *DdbUpdateItem(JsonbContainer *request);

/* query.c: Query and Scan */
extern Jsonb *DdbQuery(JsonbContainer *request);
extern Jsonb *DdbScan(JsonbContainer *request);

/* batch.c: BatchGetItem and BatchWriteItem */
extern Jsonb *DdbBatchGetItem(JsonbContainer *request);
extern Jsonb *DdbBatchWriteItem(JsonbContainer *request);

/* transact.c: TransactGetItems and TransactWriteItems */
extern Jsonb *DdbTransactGetItems(JsonbContainer *request);
extern Jsonb *DdbTransactWriteItems(JsonbContainer *request);

/* partiql/: PartiQL */
extern Jsonb *DdbExecuteStatement(JsonbContainer *request);
extern Jsonb *DdbBatchExecuteStatement(JsonbContainer *request);
extern Jsonb *DdbExecuteTransaction(JsonbContainer *request);

#endif							/* DDB_OPERATIONS_H */
