/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  Helpers shared by the multi-item operations: BatchGetItem and
 *	  BatchWriteItem (batch.c), TransactGetItems and TransactWriteItems
 *	  (transact.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_BATCH_H
#define DDB_BATCH_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "capacity.h"
#include "catalog.h"
#include "errors.h"

/*
 * Consumed capacity summed per table, in the order the tables were first
 * used: batches and transactions return one ConsumedCapacity per table.
 */
typedef struct DdbCapacityTotals
{
	int			ntables;
	int			allocated;
	char	  **tables;			/* table names */
	double	   *units;			/* units consumed in each (its indexes' too) */
	DdbTable  **written;		/* a table whose indexes were written, or NULL */
	double	  **index_units;	/* and its indexes' units, or NULL */
} DdbCapacityTotals;

/*
 * One item a multi-item request targets: its table and its key in a
 * canonical text form, so that equal keys ("1E3" and "1000") compare equal
 * and every session orders the targets of a request the same way.
 */
typedef struct DdbBatchTarget
{
	Oid			relid;			/* item table (InvalidOid before lookup) */
	const char *table_name;		/* to tell tables apart before lookup */
	char	   *key_text;		/* canonical text of the key */
	int			index;			/* position in the request */
} DdbBatchTarget;

/* Add units consumed in a table */
extern void DdbCapacityTotalsAdd(DdbCapacityTotals *totals, const char *table_name,
								 double units);

/*
 * Add the units a write consumed in a table and, when index_units is not
 * NULL, in each of its indexes (index_units[i] for table->indexes[i])
 */
extern void DdbCapacityTotalsAddWrite(DdbCapacityTotals *totals, DdbTable *table,
									  double units, const double *index_units);

/* Push "ConsumedCapacity": [...] unless mode is NONE */
extern void DdbCapacityTotalsPush(JsonbParseState **state, DdbCapacityTotals *totals,
								  DdbCapacityMode mode);

/*
 * The canonical text of a table's key attributes in a normalized item or
 * key map (the attributes DdbBatchKeyMatchesSchema found)
 */
extern char *DdbBatchKeyText(DdbTable *table, JsonbContainer *map);

/*
 * Whether a normalized map holds each key attribute of the table with the
 * schema's type; exact: and nothing else (a Key parameter)
 */
extern bool DdbBatchKeyMatchesSchema(DdbTable *table, JsonbContainer *map, bool exact);

/*
 * Sort targets by table and key, the order in which items are locked, and
 * return whether two of them are the same item
 */
extern bool DdbBatchSortTargets(DdbBatchTarget *targets, int ntargets);

/*
 * Take the key lock of a target's item (advisory lock space
 * DDB_KEY_LOCK_SPACE, until the transaction ends), before its row lock
 */
#define DDB_KEY_LOCK_SPACE 0xDDB
extern void DdbBatchLockTarget(const DdbBatchTarget *target);

/*
 * Validate a table name used as a RequestItems key, adding DynamoDB's "Map
 * keys must satisfy constraint" error (once per request, for the whole
 * map) to errors; returns the bare table name
 */
extern char *DdbBatchTableNameKey(const char *name, JsonbContainer *map,
								  bool *reported, DdbConstraintErrors *errors);


/* The text of a value for a constraint message: 'json' */
extern char *DdbBatchConstraintValue(JsonbValue *value);

#endif							/* DDB_BATCH_H */
