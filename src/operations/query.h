/*-------------------------------------------------------------------------
 *
 * query.h
 *	  One page of a Query or Scan described by bound parts rather than by a
 *	  request, for PartiQL's SELECT: the same checks of key conditions and
 *	  indexes, the same cursors and the same page as Query and Scan.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_QUERY_H
#define DDB_QUERY_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "capacity.h"
#include "catalog.h"
#include "expr.h"
#include "key_condition.h"

typedef struct DdbReadRequest
{
	DdbTable   *table;
	const char *index_name;		/* NULL: the table */
	DdbKeyConditions *key_conditions;	/* a Query's; NULL: a Scan */
	bool		forward;		/* Query: ascending key order */
	DdbCondition *filter;		/* NULL: every item */
	DdbProjection *projection;	/* NULL: whole items */
	bool		project_by_name;	/* DdbProjectItemByName, not DdbProjectItem */
	int64		limit;			/* items to read at most */
	bool		consistent;
	DdbCapacityMode capacity;
	Jsonb	   *start_key;		/* normalized key to resume after, or NULL */
} DdbReadRequest;

/*
 * Read one page; the response is Query's and Scan's ({"Count", "Items",
 * "ScannedCount", "ConsumedCapacity", "LastEvaluatedKey"}). Unlike Query,
 * the filter may name key attributes.
 */
extern Jsonb *DdbReadItems(DdbReadRequest *request);

/*
 * A piece of a parallel Scan segment of a distributed table
 * (scaleout/shard_scan.c): the items of one shard, read on the node that
 * holds it, whose partition keys' Citus hashes are in [hash_min, hash_max]
 */
typedef struct DdbScanPieceRange
{
	int64		shard_id;
	int32		hash_min;
	int32		hash_max;
	int64		partitions;		/* for ConsumedCapacity: partitions a page read to the end covers */
} DdbScanPieceRange;

/*
 * One page of a Scan request (without Segment and TotalSegments) read
 * from a piece; *last_read is the key of the last item read, or NULL
 */
extern Jsonb *DdbScanPiece(JsonbContainer *request, const DdbScanPieceRange *piece,
						   Jsonb **last_read);

#endif							/* DDB_QUERY_H */
