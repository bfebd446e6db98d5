/*-------------------------------------------------------------------------
 *
 * index.h
 *	  Secondary indexes: global (GSI) and local (LSI) indexes of DynamoDB
 *	  tables, their definitions, their index tables and their upkeep.
 *
 * Each index is a row of ddb.indexes and an index table in schema
 * ddb_data, owned by the item table's owner:
 *
 *	  ddb_data."orders:byStatus" (
 *		  k1 text COLLATE "C", [k2 ..., up to k8]	-- index key: HASH then RANGE
 *		  table_pk ..., [table_sk ...]				-- the item's table key
 *		  item jsonb NOT NULL,						-- the projected attributes
 *		  PRIMARY KEY (k1, ..., table_pk, table_sk))
 *
 * Index key columns are typed like key columns (S -> text COLLATE "C",
 * N -> numeric, B -> bytea) and hold the key attributes in the stored
 * form; an LSI's k1 is the table's partition key. Every index row carries
 * the table's partition key, so an index table can be distributed with
 * its item table. Rows are kept by an AFTER ROW trigger on the item table
 * (index_trigger.c), in the writing transaction, whoever writes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_INDEX_H
#define DDB_INDEX_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "capacity.h"
#include "catalog.h"
#include "errors.h"
#include "expr.h"
#include "key_condition.h"
#include "storage.h"

#define DDB_MAX_GLOBAL_INDEXES		20
#define DDB_MAX_LOCAL_INDEXES		5
#define DDB_MAX_INDEX_HASH_KEYS		4	/* GSI: 1..4 HASH attributes */
#define DDB_MAX_INDEX_RANGE_KEYS	4	/* GSI: 0..4 RANGE attributes */
#define DDB_MAX_INDEX_KEYS			(DDB_MAX_INDEX_HASH_KEYS + DDB_MAX_INDEX_RANGE_KEYS)
#define DDB_MAX_NON_KEY_ATTRIBUTES	100 /* summed over a table's indexes */

typedef enum DdbIndexKind
{
	DDB_INDEX_GLOBAL,
	DDB_INDEX_LOCAL
} DdbIndexKind;

typedef enum DdbProjectionType
{
	DDB_PROJECT_ALL,
	DDB_PROJECT_KEYS_ONLY,
	DDB_PROJECT_INCLUDE
} DdbProjectionType;

/*
 * An index as a request defines it (CreateTable's GlobalSecondaryIndexes
 * and LocalSecondaryIndexes, UpdateTable's Create), validated.
 */
typedef struct DdbIndexSpec
{
	char	   *name;			/* IndexName */
	DdbIndexKind kind;
	int			nhash;			/* HASH attributes: 1..4 (an LSI: 1) */
	int			nkeys;			/* HASH then RANGE attributes (an LSI: 2) */
	char	   *key_names[DDB_MAX_INDEX_KEYS];
	char		key_types[DDB_MAX_INDEX_KEYS];	/* 'S', 'N' or 'B' */
	DdbProjectionType projection;
	int			nnon_key;		/* INCLUDE: NonKeyAttributes */
	char	  **non_key_attributes;
	int64		read_capacity_units;	/* a GSI's ProvisionedThroughput; 0 when */
	int64		write_capacity_units;	/* the table is on-demand */
} DdbIndexSpec;

/*
 * One index of a table, as its metadata holds it (catalog.h's DdbTable
 * lists them).
 */
typedef struct DdbIndex
{
	char	   *name;
	DdbIndexKind kind;
	Oid			relid;			/* the index table */
	char	   *relation_name;	/* its name in schema ddb_data */
	int			nhash;
	int			nkeys;
	char	   *key_names[DDB_MAX_INDEX_KEYS];
	char		key_types[DDB_MAX_INDEX_KEYS];
	Oid			key_column_types[DDB_MAX_INDEX_KEYS];
	DdbProjectionType projection;
	int			nnon_key;
	char	  **non_key_attributes;
	bool		active;			/* IndexStatus ACTIVE (not CREATING) */
	SPIPlanPtr	insert_plan;	/* prepared lazily by index_trigger.c */
	SPIPlanPtr	update_plan;
	SPIPlanPtr	delete_plan;
	struct DdbIndexReadPlan *read_plans;	/* Query and Scan statements by
											 * shape (index_read.c) */
	SPIPlanPtr	backfill_plan;	/* insert unless there (index_trigger.c) */
} DdbIndex;

/* ---- index_spec.c: reading requests ---- */

/*
 * Read CreateTable's GlobalSecondaryIndexes and LocalSecondaryIndexes;
 * *specs gets the indexes (GSIs first, in request order) and the result is
 * their number. Failed parameter constraints are added to errors, to be
 * raised with the request's others.
 */
extern int	DdbIndexSpecsRead(JsonbContainer *request, DdbIndexSpec **specs,
							  DdbConstraintErrors *errors);

/*
 * Once the constraints passed and the table's key schema (names[0] the
 * partition key, names[1] the sort key or NULL) is checked: raise
 * DynamoDB's first semantic error about the indexes, among them that
 * AttributeDefinitions defines exactly the key attributes of the table and
 * of the indexes, and complete the specs (key types from
 * AttributeDefinitions; no capacity units unless provisioned).
 */
extern void DdbIndexSpecsCheck(JsonbContainer *request, char **table_key_names,
							   bool provisioned, DdbIndexSpec *specs, int nspecs);

/*
 * One index definition: read (constraint failures added to errors, under
 * path), and, for a GSI given on its own (UpdateTable's Create), its own
 * semantic rules.
 */
extern void DdbIndexSpecRead(JsonbContainer *index, DdbIndexKind kind, const char *path,
							 DdbIndexSpec *spec, DdbConstraintErrors *errors);
extern void DdbIndexSpecCheckGlobal(JsonbContainer *index, DdbIndexSpec *spec, bool provisioned);
extern void DdbIndexThroughputRead(JsonbContainer *throughput, const char *path,
								   int64 *read_units, int64 *write_units,
								   DdbConstraintErrors *errors);

/* ---- index_catalog.c: index tables and the catalog ---- */

/*
 * Create the index tables, catalog rows and upkeep trigger of a new
 * table's indexes (CreateTable, in its transaction, as the calling role;
 * the catalog is written as the extension owner).
 */
extern void DdbIndexesCreate(const char *table_name, Oid item_table,
							 DdbIndexSpec *specs, int nspecs);

/*
 * Create a GSI on an existing table (UpdateTable's Create): index table,
 * upkeep triggers, catalog row CREATING and the backfill's progress row
 */
extern void DdbIndexCreateOnline(DdbTable *table, DdbIndexSpec *spec);

/* The indexes of a table, for its metadata (catalog.c, under SPI) */
extern int	DdbIndexesLoad(DdbTable *table, DdbIndex **indexes);

/* The owner of a relation (index tables are read and written as it) */
extern Oid	DdbRelationOwner(Oid relid);

/* An index of a table by name, or NULL */
extern DdbIndex *DdbIndexLookup(DdbTable *table, const char *index_name);

/* ---- index_update.c: UpdateTable's GlobalSecondaryIndexUpdates ---- */

/*
 * Apply the updates (provisioned: the table's billing mode after the
 * update; definitions: UpdateTable's AttributeDefinitions or NULL):
 * created indexes, throughput changes, and deleted indexes marked
 * DELETING for the description that follows
 */
extern void DdbIndexesApplyUpdates(DdbTable *table, JsonbContainer *updates,
								   JsonbContainer *definitions, bool provisioned);

/* ---- index_create.c: UpdateTable's Create ---- */

/*
 * Validate one Create entry (position: its place in the list, from 1) and
 * the AttributeDefinitions it needs, with DynamoDB's errors, and create
 * the index online
 */
extern void DdbIndexCreateFromRequest(DdbTable *table, JsonbContainer *create, int position,
									  JsonbContainer *definitions, bool provisioned);

/* ---- index_backfill.c: the background worker's backfills ---- */

struct DdbWorkKind;

/* The worker's unit of work that backfills indexes being created */
extern const struct DdbWorkKind DdbIndexBackfillWork;

/* Drop the index tables of indexes marked DELETING */
extern void DdbIndexesDropDeleting(DdbTable *table);

/* ---- index_collection.c: item collections of tables with LSIs ---- */

/* The name in ddb_data of the item collection sizes table of a table */
extern char *DdbCollectionRelationName(const char *table_name);

/* Create the sizes table of a new table with LSIs (CreateTable) */
extern void DdbItemCollectionsCreate(DdbTable *table);

/* The sizes table of a table, or InvalidOid (for its metadata) */
extern Oid	DdbItemCollectionsRelid(DdbTable *table);

/* Drop the sizes table of a table being deleted (DeleteTable) */
extern void DdbItemCollectionsDrop(DdbTable *table);

/* Free the statements prepared for a table's sizes table */
extern void DdbItemCollectionsForgetPlans(DdbTable *table);

/* What an item adds to its item collection's size, in bytes */
extern int64 DdbItemCollectionBytes(DdbTable *table, Jsonb *item);

/*
 * Bring the item collection sizes from an old row of the item table to a
 * new one (the upkeep trigger), raising ItemCollectionSizeLimitExceeded
 * when a collection grows past ddb.item_collection_size_limit
 */
extern void DdbItemCollectionsUpkeep(DdbTable *table, Datum *old_key, Jsonb *old_item,
									 Datum *new_key, Jsonb *new_item);

/*
 * Push "ItemCollectionMetrics" of a write to the item collection of key
 * (item: an item or key map holding its partition key attribute); nothing
 * for a table without LSIs
 */
extern void DdbPushItemCollectionMetrics(JsonbParseState **st, DdbTable *table,
										 const DdbKey *key, JsonbContainer *item);

/*
 * The item collections a multi-item write (BatchWriteItem,
 * TransactWriteItems) wrote to, each once, in the order first written
 */
typedef struct DdbItemCollections
{
	int			count;
	int			allocated;
	struct DdbWrittenCollection *collections;
} DdbItemCollections;

/*
 * Note a write to the item collection of key (item: an item or key map
 * holding its partition key attribute, kept until the push); nothing for a
 * table without LSIs
 */
extern void DdbItemCollectionsAdd(DdbItemCollections *written, DdbTable *table,
								  const DdbKey *key, JsonbContainer *item);

/*
 * Push "ItemCollectionMetrics": {table: [metrics of each collection]},
 * unless no collection of a table with LSIs was written
 */
extern void DdbItemCollectionsPush(JsonbParseState **st, DdbItemCollections *written);

/* ---- index_trigger.c: upkeep ---- */

/*
 * The write units a write from old_item to new_item (either NULL) consumes
 * on each index: units[i] for table->indexes[i]
 */
extern void DdbIndexesWriteUnits(DdbTable *table, Jsonb *old_item, Jsonb *new_item,
								 double *units);

/* An item's entry in one index: its index key, as key column datums */
typedef struct DdbIndexEntry
{
	Datum		keys[DDB_MAX_INDEX_KEYS];	/* k1 .. kN */
} DdbIndexEntry;

/*
 * Read an item's index key into entry (unless NULL). False when the item
 * is not in the index: an index key attribute is missing, or (unless
 * strict) has the wrong type or is empty; with strict, that is DynamoDB's
 * ValidationException.
 */
extern bool DdbIndexEntryOf(DdbIndex *index, JsonbContainer *item, bool strict,
							DdbIndexEntry *entry);

/* The projection of an item that an index row holds */
extern Jsonb *DdbIndexProjection(DdbTable *table, DdbIndex *index, Jsonb *item);

/*
 * Write an item's row into an index being backfilled, unless it is there
 * already or the item is not in the index (a key attribute missing, of
 * the wrong type or empty: left out, not an error); table_key holds the
 * item's key column datums. Returns whether the item is in the index.
 */
extern bool DdbIndexBackfillItem(DdbTable *table, DdbIndex *index, Datum *table_key,
								 Jsonb *item);

/* Free the statements prepared for a table's indexes */
extern void DdbIndexesForgetPlans(DdbTable *table);

/*
 * Raise DynamoDB's ValidationException when an item about to be written
 * has an index key attribute of the wrong type or an empty one; called by
 * the write path before it writes, so the error comes first and nothing
 * changes (the trigger checks again for plain SQL writes).
 */
extern void DdbIndexesCheckItem(DdbTable *table, JsonbContainer *item);

/* ---- index_read.c: Query and Scan on an index ---- */

/* What a Query or Scan asks of an index, and the read in progress */
typedef struct DdbIndexRead
{
	/* set by the caller */
	DdbTable   *table;
	bool		consistent;		/* ConsistentRead */
	bool		all_attributes; /* Select ALL_ATTRIBUTES, given explicitly */
	DdbProjection *projection;	/* ProjectionExpression, or NULL */
	DdbCondition *filter;		/* the filter, or NULL */
	Jsonb	   *start_key;		/* normalized ExclusiveStartKey, or NULL */

	/* set by DdbIndexReadBegin and the functions after it */
	DdbIndex   *index;
	bool		fetch;			/* an LSI read that fetches whole items */
	bool		return_items;	/* return the fetched items, not the entries */
	DdbKeyCondition *matched[DDB_MAX_INDEX_KEYS];	/* Query */
	Datum		start[DDB_MAX_INDEX_KEYS + 2];	/* the start key: index key, table key */
	DdbStorageCursor *cursor;
	Size		index_bytes;	/* index entries read */
	double		table_units;	/* read units of the items fetched */
} DdbIndexRead;

/*
 * Look up the index a Query or Scan names and check the request against
 * it (an unknown or inactive index, ConsistentRead on a GSI, Select
 * ALL_ATTRIBUTES on a GSI that does not project everything), and check
 * that the role may read it: SELECT on the item table, and no row-level
 * security that applies to the role.
 */
extern void DdbIndexReadBegin(DdbIndexRead *read, const char *index_name);

/*
 * Query: check the key conditions (DdbKeyConditions of key_condition.h)
 * and the start key against the index's key schema
 */
extern void DdbIndexReadCheckQuery(DdbIndexRead *read, DdbKeyConditions *conditions);

/* Open the cursor of a checked Query, in index key order or its reverse */
extern void DdbIndexReadOpenQuery(DdbIndexRead *read, bool forward);

/* Scan: check the start key, and open a cursor over one segment */
extern void DdbIndexReadOpenScan(DdbIndexRead *read, int64 segment, int64 total_segments);

/*
 * Check a Scan's start key and take its values into read->start (the
 * index key, then the table key); open the Scan of a piece of a parallel
 * Scan segment of a distributed table's index, on the node holding it
 * (scaleout/shard_scan.c)
 */
extern void DdbIndexReadCheckScanStart(DdbIndexRead *read);
extern void DdbIndexReadOpenScanPiece(DdbIndexRead *read, int64 shard_id, int32 hash_min,
									  int32 hash_max);

/*
 * The next entry of an open read, detoasted into the current memory
 * context, or NULL after the last: *evaluated is what the filter sees and
 * the projection projects (the index entry, or the item fetched from the
 * table), the result what is returned without a projection; *size counts
 * the data read for it.
 */
extern Jsonb *DdbIndexReadNext(DdbIndexRead *read, int64 wanted, Jsonb **evaluated,
							   Size *size);

/* The ConsumedCapacity object of a page (partitions: as capacity.h counts them) */
extern Jsonb *DdbIndexReadCapacity(DdbIndexRead *read, int64 partitions,
								   DdbCapacityMode mode);

/* Close the cursor */
extern void DdbIndexReadClose(DdbIndexRead *read);

/* Free the read statements prepared for an index */
extern void DdbIndexForgetReadPlans(DdbIndex *index);

#endif							/* DDB_INDEX_H */
