/*-------------------------------------------------------------------------
 *
 * write.h
 *	  The single-item write protocol shared by PutItem, UpdateItem,
 *	  DeleteItem, BatchWriteItem and TransactWriteItems.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_WRITE_H
#define DDB_WRITE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "catalog.h"
#include "expr.h"
#include "storage.h"

/* What a write does to the current item */
typedef enum DdbWriteKind
{
	DDB_WRITE_PUT,				/* replace with new_item */
	DDB_WRITE_DELETE,			/* delete */
	DDB_WRITE_UPDATE,			/* apply update */
	DDB_WRITE_CHECK				/* only evaluate the condition (ConditionCheck) */
} DdbWriteKind;

/* One single-item write: what to do, and (after it ran) what happened */
typedef struct DdbItemWrite
{
	DdbWriteKind kind;
	DdbTable   *table;
	DdbKey		key;
	Jsonb	   *key_item;		/* UPDATE: the key as an attribute map */
	Jsonb	   *new_item;		/* PUT */
	DdbUpdate  *update;			/* UPDATE (no actions: a key-only upsert) */
	DdbCondition *condition;	/* NULL: unconditional */
	bool		need_old;		/* the old item is wanted back */
	bool		must_create;	/* PUT of PartiQL's INSERT: condition is that no
								 * item has the key, and its failure is
								 * DuplicateItemException */

	/* results */
	bool		locked;			/* DdbWriteLockAndCheck ran */
	bool		old_exists;		/* it found an item */
	Jsonb	   *old_item;		/* the item before the write, or NULL (also
								 * once DdbWriteForgetOld dropped it) */
	Jsonb	   *result_item;	/* the item after the write, or NULL */
	DdbPath    *updated_paths;	/* UPDATE: the paths it wrote */
	int			nupdated;
} DdbItemWrite;

/*
 * Perform one write on its own: read the current item under a lock when
 * needed, evaluate the condition, write, and retry if a concurrent writer
 * created the key meanwhile. A false condition raises
 * ConditionalCheckFailedException (with the current item in DETAIL when
 * old_on_failure).
 */
extern void DdbWritePerform(DdbItemWrite *write, bool old_on_failure);

/*
 * The two halves, for transactions: lock the current item and evaluate the
 * condition (false: the condition failed; old_item holds the current
 * item), then apply. Apply raises TransactionConflictException if another
 * transaction created the key in between.
 */
extern bool DdbWriteLockAndCheck(DdbItemWrite *write);
extern void DdbWriteApply(DdbItemWrite *write);

/*
 * Between the two: drop the locked item read by DdbWriteLockAndCheck, which
 * DdbWriteApply then reads again (it is locked, so it is the same item)
 * if it needs it. A transaction of many large items holds one at a time.
 */
extern void DdbWriteForgetOld(DdbItemWrite *write);

/* The DETAIL JSON {"Item": ...} of a failed condition, for an item */
extern char *DdbConditionFailureDetail(Jsonb *item);

#endif							/* DDB_WRITE_H */
