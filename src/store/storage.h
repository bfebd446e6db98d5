/*-------------------------------------------------------------------------
 *
 * storage.h
 *	  The access layer: the only code that reads and writes item tables.
 *
 * Every access goes through the executor (SPI, with statements prepared
 * once per table), so PostgreSQL privileges, row-level security and
 * triggers apply to it. All functions must run inside an SPI connection.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_STORAGE_H
#define DDB_STORAGE_H

#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "catalog.h"

/* A primary key as datums of the key columns' types */
typedef struct DdbKey
{
	Datum		values[2];		/* partition key, sort key */
} DdbKey;

/* Register the access layer's cache callbacks (from _PG_init) */
extern void DdbStorageInit(void);

/* Prepare a statement and keep it (SPI_keepplan); errors name the statement */
extern SPIPlanPtr DdbStoragePrepare(const char *sql, int nargs, Oid *argtypes);

/* Free the statements prepared for a table */
extern void DdbStorageForgetPlans(DdbTable *table);

/* How DdbStorageGet reads an item */
typedef enum DdbReadMode
{
	DDB_READ_LATEST,			/* a fresh snapshot: sees every earlier write */
	DDB_READ_LOCKED,			/* the latest version, locked FOR UPDATE */
	DDB_READ_IN_SNAPSHOT		/* the active snapshot (DdbStorageBeginSnapshot) */
} DdbReadMode;

/* The item with this key, or NULL */
extern Jsonb *DdbStorageGet(DdbTable *table, DdbKey *key, DdbReadMode mode);

/*
 * Make one fresh snapshot active, for the DDB_READ_IN_SNAPSHOT reads of an
 * operation that must see one consistent state (TransactGetItems,
 * BatchGetItem); DdbStorageEndSnapshot drops it (an error drops it too).
 */
extern void DdbStorageBeginSnapshot(void);
extern void DdbStorageEndSnapshot(void);

/*
 * Insert or replace an item; key is the item's key. False when a BEFORE
 * trigger skipped the row
 */
extern bool DdbStoragePut(DdbTable *table, const DdbKey *key, Jsonb *item);

/* Insert an item unless its key exists; returns false when it existed */
extern bool DdbStorageInsertIfAbsent(DdbTable *table, const DdbKey *key, Jsonb *item);

/* Replace the item of an existing key; returns false when it is gone */
extern bool DdbStorageUpdate(DdbTable *table, DdbKey *key, Jsonb *item);

/* Delete by key and return the old item, or NULL if there was none */
extern Jsonb *DdbStorageDelete(DdbTable *table, DdbKey *key);

/* ---- cursors over many items (Query and Scan) ---- */

/* One end of a sort key range */
typedef enum DdbRangeBound
{
	DDB_BOUND_NONE,				/* unbounded */
	DDB_BOUND_INCLUSIVE,		/* sort key >= / <= the value */
	DDB_BOUND_EXCLUSIVE			/* sort key > / < the value */
} DdbRangeBound;

/* The rows a Query reads: one partition, a sort key range, an order */
typedef struct DdbQueryRange
{
	Datum		partition;		/* partition key value */
	DdbRangeBound lower_kind;	/* sort key lower bound (tables with a sort key) */
	Datum		lower;
	DdbRangeBound upper_kind;	/* sort key upper bound */
	Datum		upper;
	bool		forward;		/* ascending sort key order */
} DdbQueryRange;

/* An open cursor; rows are fetched from it in chunks */
typedef struct DdbStorageCursor DdbStorageCursor;

/* Open a cursor over the items of a Query range, in sort key order */
extern DdbStorageCursor *DdbStorageOpenQuery(DdbTable *table, const DdbQueryRange *range);

/*
 * Open a cursor over a table in primary key order: the rows after start
 * (NULL: from the beginning) whose partition key belongs to segment of
 * total_segments (1: the whole table)
 */
extern DdbStorageCursor *DdbStorageOpenScan(DdbTable *table, const DdbKey *start,
											int64 segment, int64 total_segments);

/*
 * Open a cursor over the items of a shard of a distributed table, on the
 * node holding it, in primary key order: the rows after start whose
 * partition key's Citus hash is in [hash_min, hash_max], or every row after
 * start when all_hashes (scaleout/shard_scan.c)
 */
extern DdbStorageCursor *DdbStorageOpenScanHashRange(DdbTable *table, Oid relid,
													 const DdbKey *start, int32 hash_min,
													 int32 hash_max, bool all_hashes);

/*
 * The next item of a cursor, detoasted into the current memory context, or
 * NULL after the last one. wanted is how many more rows the caller expects
 * to read at most; it sizes the next fetch.
 */
extern Jsonb *DdbStorageCursorNext(DdbStorageCursor *cursor, int64 wanted);

/*
 * Column n (2, ...) of the row DdbStorageCursorNext returned last, an item
 * of the cursor's table, or NULL when null
 */
extern Jsonb *DdbStorageCursorColumn(DdbStorageCursor *cursor, int column);

/* Close a cursor and free what it holds */
extern void DdbStorageCursorClose(DdbStorageCursor *cursor);

/*
 * For cursors over other relations of a table (index tables, index.h):
 * prepare a cursor statement (kept; the caller frees it), open a cursor on
 * one whose column 1 is an item, run as a role (InvalidOid: the caller),
 * and append the segment of a key value of a type, as the Scan statement
 * computes it: ((hash of operand) & 9223372036854775807) % $total_param
 */
extern SPIPlanPtr DdbStoragePrepareCursor(const char *sql, int nargs, Oid *argtypes);

/*
 * A statement read by chunks: on a distributed table, every row a
 * statement returns is gathered on the coordinator before the first is
 * returned, so a cursor over such a table reads a chunk at a time, each
 * with a statement of its own that resumes after the last key read and
 * ends with LIMIT. plan gives the statement of a chunk, from the
 * beginning or after a start key (has_start); its parameter limit_param
 * (0-based) is the LIMIT, its parameters start_param ... start_param +
 * nstart - 1 the start key, and its columns start_column ... (1-based)
 * the key of each row, which the next chunk starts after.
 */
typedef SPIPlanPtr (*DdbChunkPlan) (void *arg, bool has_start);

typedef struct DdbChunkSource
{
	DdbChunkPlan plan;
	void	   *arg;
	int			nargs;
	int			start_param;
	int			nstart;
	int			start_column;
	int			limit_param;
} DdbChunkSource;

extern DdbStorageCursor *DdbStorageOpenChunks(DdbTable *table, const DdbChunkSource *source,
											  Datum *args, const char *nulls, bool has_start,
											  Oid run_as);
extern DdbStorageCursor *DdbStorageOpenCursor(DdbTable *table, SPIPlanPtr plan, Datum *args,
											  const char *nulls, Oid run_as);
extern void DdbStorageAppendSegment(StringInfo sql, char key_type, const char *operand,
									int total_param);

/* The parallel Scan segment (0 .. total_segments - 1) of a partition key value */
extern int64 DdbStorageSegmentOf(DdbTable *table, Datum partition, int64 total_segments);

/* The Citus hash (worker_hash) of a partition key value of a distributed table */
extern int32 DdbStorageShardHashOf(DdbTable *table, Datum partition);

#endif							/* DDB_STORAGE_H */
