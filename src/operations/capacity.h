/*-------------------------------------------------------------------------
 *
 * capacity.h
 *	  ReturnConsumedCapacity: the capacity units an operation consumed, by
 *	  DynamoDB's rules, and their place in the response.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_CAPACITY_H
#define DDB_CAPACITY_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "catalog.h"
#include "errors.h"

typedef enum DdbCapacityMode
{
	DDB_CAPACITY_NONE,			/* no ConsumedCapacity in the response */
	DDB_CAPACITY_TOTAL,			/* {TableName, CapacityUnits} */
	DDB_CAPACITY_INDEXES		/* the same plus {Table: {CapacityUnits}} and per index */
} DdbCapacityMode;

/* Read ReturnConsumedCapacity (an invalid value is added to errors) */
extern DdbCapacityMode DdbReadCapacityMode(JsonbContainer *request, DdbConstraintErrors *errors);

/* Read units for bytes read: 1 per 4 KB or part, halved when eventually consistent */
extern double DdbReadUnits(Size bytes, bool consistent);

/*
 * Read units of a Query or Scan page: bytes read rounded up to 4 KB once, at
 * least one 4 KB read per partition covered, halved when eventually
 * consistent
 */
extern double DdbRangeReadUnits(Size bytes, int64 partitions, bool consistent);

/*
 * The partitions a Scan page that reads to the end of the table (or of one
 * of total_segments segments) covers, by DynamoDB's partitioning of the table
 */
extern int64 DdbScanPartitions(DdbTable *table, int64 total_segments);

/* Write units for an item write: 1 per 1 KB or part of the larger of old and new */
extern double DdbWriteUnits(Size bytes);

/*
 * Push one ConsumedCapacity object ({"TableName": ..., "CapacityUnits": ...}
 * and, for INDEXES, "Table"): after a "ConsumedCapacity" key, or as an
 * element of the list a batch or transaction returns.
 */
extern void DdbPushConsumedCapacity(JsonbParseState **state, const char *table_name,
									double units, DdbCapacityMode mode);

/*
 * The same for a write to a table with secondary indexes: CapacityUnits is
 * the table's and the indexes' units together; for INDEXES, "Table" has
 * the table's and "GlobalSecondaryIndexes" / "LocalSecondaryIndexes" each
 * index's (index_units[i] for table->indexes[i]) that consumed any.
 */
extern void DdbPushWriteCapacity(JsonbParseState **state, DdbTable *table, double table_units,
								 const double *index_units, DdbCapacityMode mode);

/*
 * The same for a read of a secondary index: the index's units and the
 * table's (items an LSI read fetched from the table; 0 when none)
 */
extern void DdbPushIndexConsumedCapacity(JsonbParseState **state, const char *table_name,
										 const char *index_name, bool global,
										 double index_units, double table_units,
										 DdbCapacityMode mode);

#endif							/* DDB_CAPACITY_H */
