/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  ddb's catalog of DynamoDB tables (schema ddb) and the per-backend
 *	  cache of table metadata that the data path reads.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_CATALOG_H
#define DDB_CATALOG_H

#include "postgres.h"

#include "executor/spi.h"

#include "errors.h"

#define DDB_CATALOG_SCHEMA "ddb"
#define DDB_DATA_SCHEMA "ddb_data"
#define DDB_MAX_TABLE_NAME 255

/* Statements prepared per table by the access layer (storage.c) */
typedef enum DdbPlanKind
{
	DDB_PLAN_GET,				/* item by key */
	DDB_PLAN_GET_FOR_UPDATE,	/* item by key, row locked */
	DDB_PLAN_UPSERT,			/* insert or replace an item */
	DDB_PLAN_INSERT_IF_ABSENT,	/* insert unless the key exists */
	DDB_PLAN_UPDATE,			/* replace the item of an existing key */
	DDB_PLAN_DELETE,			/* delete by key, returning the old item */
	DDB_PLAN_COUNT
} DdbPlanKind;

/*
 * Cursor statements of Query and Scan, prepared per table and per query
 * shape by the access layer (storage.c): 18 Query shapes (lower bound
 * none / inclusive / exclusive x upper bound the same x direction), 4 Scan
 * shapes (start key or not x segmented or not), the segment of a
 * partition key, and its Citus hash (distributed tables).
 */
#define DDB_READ_PLAN_QUERY_FIRST	0
#define DDB_READ_PLAN_SCAN_FIRST	18
#define DDB_READ_PLAN_SEGMENT_OF	22
#define DDB_READ_PLAN_SHARD_HASH	23
#define DDB_READ_PLAN_COUNT			24

/* One key attribute of a table */
typedef struct DdbKeyAttribute
{
	char	   *name;			/* DynamoDB attribute name */
	char		type;			/* 'S', 'N' or 'B' */
	char	   *column;			/* key column of the item table */
	Oid			column_type;	/* TEXTOID, NUMERICOID or BYTEAOID */
} DdbKeyAttribute;

/*
 * Cached metadata of one DynamoDB table. A reload builds a new one; the
 * one it replaces stays intact until the transaction ends, since a call
 * further up the stack (one whose trigger made a nested ddb call) may still
 * be using it.
 */
typedef struct DdbTable
{
	char		name[DDB_MAX_TABLE_NAME + 1];	/* the table name */
	bool		valid;			/* false once invalidated; reloaded on lookup */
	Oid			relid;			/* the item table */
	char	   *relation_name;	/* its name in schema ddb_data */
	int			nkeys;			/* 1 (partition key) or 2 (with sort key) */
	DdbKeyAttribute keys[2];	/* [0] partition key, [1] sort key */
	int			nindexes;		/* secondary indexes (indexes/index.h) */
	struct DdbIndex *indexes;
	Oid			collection_relid;	/* item collection sizes (a table with
									 * LSIs, index_collection.c), or InvalidOid */
	SPIPlanPtr	collection_plans[3];	/* prepared lazily on it */
	bool		keys_generated; /* key columns are generated from the item (an
								 * item table of version 0.1.0 not updated yet) */
	AttrNumber	key_attnums[2]; /* the key columns of the item table and */
	AttrNumber	item_attnum;	/* its item column (ALTER TABLE invalidates) */
	bool		restoring;		/* being restored from a backup, or imported
								 * into, by the background worker: data-plane
								 * calls do not find it (backups/backups.h) */
	bool		distributed;	/* the item table is a Citus distributed table
								 * (scaleout/scaleout.h) */
	bool		items_checked;	/* every row passed the CHECK constraint
								 * ddb_item_is_valid (validated, and as ddb made
								 * it), so reads need not check items */
	uint64		use_serial;		/* the outermost ddb call (DdbCallSerial) and */
	int			use_depth;		/* the shallowest of its calls that used it */
	MemoryContext context;		/* holds this struct and the strings above */
	struct DdbTable *next_retired;	/* replaced ones, freed at transaction end */
	SPIPlanPtr	plans[DDB_PLAN_COUNT];	/* prepared lazily by storage.c */
	SPIPlanPtr	read_plans[DDB_READ_PLAN_COUNT];	/* Query and Scan, by shape */

	/* for reads of one item through the primary key index (storage.c) */
	Oid			direct_read_user;	/* the role direct_read_allowed is for */
	uint64		direct_read_roles;	/* and the role generation (storage.c) */
	bool		direct_read_allowed;
	Oid			pkey_index;		/* InvalidOid until the first such read */
	RegProcedure key_equal[2];	/* = of each key column's operator family */
	Oid			key_collation[2];	/* and its collation */
} DdbTable;

extern void DdbCatalogInit(void);

/*
 * Look up a table by name (or table ARN) for a data-plane call; raises
 * ResourceNotFoundException when it does not exist, ValidationException when
 * the name is malformed.
 */
extern DdbTable *DdbTableLookup(const char *name);

/* Same, returning NULL for a table that does not exist */
extern DdbTable *DdbTableLookupOptional(const char *name);

/*
 * Same, for a function that acts on the table as its owner: raises
 * ResourceNotFoundException for a table that does not exist, and
 * PostgreSQL's error when the caller does not own the item table
 */
extern DdbTable *DdbTableLookupOwned(const char *name);

/*
 * Whether a ddb call enclosing the current one (one whose trigger made
 * this call) uses the table
 */
extern bool DdbTableUsedByOuterCall(DdbTable *table);

/* Tell which item table DeleteTable is dropping now (InvalidOid: none) */
extern void DdbCatalogDropping(Oid relid);

/* Forget every cached table (after DDL in this backend) */
extern void DdbCatalogInvalidateAll(void);

/*
 * Validate a TableName parameter (name or ARN), adding failures to errors,
 * and return the bare table name
 */
extern char *DdbValidateTableName(const char *name, const char *member,
								  DdbConstraintErrors *errors);

/* Run catalog modifications as the extension owner, with a safe search_path */
typedef struct DdbOwnerAccess
{
	Oid			saved_user;
	int			saved_context;
	int			guc_nest_level;
} DdbOwnerAccess;

extern void DdbCatalogBeginOwnerAccess(DdbOwnerAccess *access);
extern void DdbCatalogEndOwnerAccess(DdbOwnerAccess *access);

/* table_ops.c: a free relation name in ddb_data for a DynamoDB name */
extern char *DdbRelationName(const char *name);

/*
 * table_ops.c: serialize the control-plane calls on one table name (an
 * advisory lock held to the end of the transaction)
 */
extern void DdbLockTableName(const char *table_name);

/*
 * The table whose item table is relid (for triggers on item tables), or
 * NULL when it is not an item table
 */
extern DdbTable *DdbTableLookupByRelid(Oid relid);

/* ARN of a table */
extern char *DdbTableArn(const char *table_name);

/*
 * Run a catalog statement with up to DDB_MAX_TEXT_ARGS text parameters
 * (NULL: SQL NULL), raising an error unless SPI returns expected
 */
#define DDB_MAX_TEXT_ARGS 4
extern void DdbExecuteText(const char *sql, int nargs, const char **values, int expected);

/* Run a statement with arguments, raising an error unless SPI returns expected */
extern void DdbExecute(const char *sql, int nargs, Oid *argtypes, Datum *args,
					   const char *nulls, int expected);

/* The schema-qualified, quoted name of a relation */
extern char *DdbQualifiedRelationName(Oid relid);

#endif							/* DDB_CATALOG_H */
