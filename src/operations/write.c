/*-------------------------------------------------------------------------
 *
 * write.c
 *	  The single-item write protocol shared by PutItem, UpdateItem,
 *	  DeleteItem, BatchWriteItem and TransactWriteItems.
 *
 * A write that depends on the current item (a condition, an update, or
 * ReturnValues asking for old values) reads it under a row lock (SELECT ...
 * FOR UPDATE), so the condition is evaluated against the committed current
 * item with no window for a concurrent writer. A key that does not exist
 * yet is inserted with ON CONFLICT DO NOTHING; if a concurrent transaction
 * inserted the same key meanwhile, the insert waits for it and finds the
 * conflict, and the write starts over, now finding and locking that
 * writer's row. So two writers never both believe they created an item,
 * and a condition such as attribute_not_exists(pk) admits exactly one of
 * them.
 *
 * Transactions use the two halves separately: every action is locked and
 * checked first, so that all failed conditions can be reported, and only
 * then applied.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "miscadmin.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

#include "errors.h"
#include "expr.h"
#include "json_util.h"
#include "storage.h"
#include "write.h"
#include "indexes/index.h"

/* how often a write starts over after losing a race to create the same key */
#define MAX_WRITE_ATTEMPTS 100

/*
 * DdbConditionFailureDetail renders {"Item": item} for an error's DETAIL.
 */
char *
DdbConditionFailureDetail(Jsonb *item)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Item");
	DdbPushStoredContainer(&st, WJB_VALUE, &item->root);
	return JsonbToCString(NULL, &DdbBuildJsonb(DdbPushEndObject(&st))->root, 0);
}

/*
 * Raise InternalServerError for a write that a BEFORE trigger on the item
 * table skipped (returned NULL for): the call would otherwise report a
 * write that did not happen.
 */
static void
RaiseSkippedByTrigger(DdbTable *table)
{
	DdbRaise(DDB_INTERNAL_SERVER_ERROR,
			 "Internal server error: a trigger on the item table of %s skipped the write",
			 table->name);
}

/*
 * Whether an insert of an absent key that wrote nothing was skipped by a
 * BEFORE INSERT trigger rather than beaten by a concurrent insert: the
 * table has such a trigger, and no item has the key now.
 */
static bool
InsertSkipped(DdbItemWrite *write)
{
	Relation	relation = table_open(write->table->relid, AccessShareLock);
	bool		has_trigger = relation->trigdesc != NULL &&
		relation->trigdesc->trig_insert_before_row;

	table_close(relation, AccessShareLock);
	return has_trigger && DdbStorageGet(write->table, &write->key, DDB_READ_LATEST) == NULL;
}

/*
 * DdbWriteLockAndCheck reads the current item under a row lock and
 * evaluates the write's condition against it.
 */
bool
DdbWriteLockAndCheck(DdbItemWrite *write)
{
	write->old_item = DdbStorageGet(write->table, &write->key, DDB_READ_LOCKED);
	write->old_exists = (write->old_item != NULL);
	write->locked = true;
	if (write->condition == NULL)
		return true;
	return DdbEvaluateCondition(write->condition,
								write->old_item ? &write->old_item->root : NULL);
}

/*
 * DdbWriteForgetOld drops the item DdbWriteLockAndCheck read.
 */
void
DdbWriteForgetOld(DdbItemWrite *write)
{
	Assert(write->locked);
	write->old_item = NULL;
}

/*
 * Compute the item a write leaves behind, from the locked current item;
 * NULL when there is to be none.
 */
static Jsonb *
NextItem(DdbItemWrite *write)
{
	Jsonb	   *current = write->old_item;

	switch (write->kind)
	{
		case DDB_WRITE_PUT:
			return write->new_item;
		case DDB_WRITE_DELETE:
		case DDB_WRITE_CHECK:
			return NULL;
		case DDB_WRITE_UPDATE:
			if (write->update == NULL || write->update->nactions == 0)
				return current != NULL ? current : write->key_item;
			return DdbApplyUpdate(write->update, current ? &current->root : NULL,
								  &write->key_item->root,
								  &write->updated_paths, &write->nupdated);
	}
	return NULL;
}

/*
 * Write the next item over the locked current one. Returns false when the
 * key had no item and a concurrent writer created one meanwhile.
 */
static bool
Store(DdbItemWrite *write)
{
	Jsonb	   *next;

	if (write->kind == DDB_WRITE_CHECK)
		return true;
	if (write->kind == DDB_WRITE_DELETE)
	{
		if (write->old_exists)
			DdbStorageDelete(write->table, &write->key);
		return true;
	}

	if (write->kind == DDB_WRITE_UPDATE && write->old_exists && write->old_item == NULL)
	{
		/* forgotten since it was locked: read it again */
		write->old_item = DdbStorageGet(write->table, &write->key, DDB_READ_LOCKED);
		if (write->old_item == NULL)
			DdbRaise(DDB_TRANSACTION_CONFLICT, "Transaction is ongoing for the item");
	}
	next = NextItem(write);
	write->result_item = next;
	if (next == NULL || next == write->old_item)
		return true;			/* nothing to create, or nothing changes */
	if (write->table->nindexes > 0)
		DdbIndexesCheckItem(write->table, &next->root);
	if (write->old_exists)
	{
		/* the row is locked: only a BEFORE trigger returning NULL skips it */
		if (!DdbStorageUpdate(write->table, &write->key, next))
			RaiseSkippedByTrigger(write->table);
		return true;
	}
	if (DdbStorageInsertIfAbsent(write->table, &write->key, next))
		return true;
	if (InsertSkipped(write))
		RaiseSkippedByTrigger(write->table);
	return false;
}

/*
 * DdbWriteApply performs a write whose item DdbWriteLockAndCheck locked.
 */
void
DdbWriteApply(DdbItemWrite *write)
{
	Assert(write->locked);
	if (!Store(write))
		DdbRaise(DDB_TRANSACTION_CONFLICT, "Transaction is ongoing for the item");
}

/*
 * DdbWritePerform performs one write on its own, following the protocol
 * at the top of the file.
 */
void
DdbWritePerform(DdbItemWrite *write, bool old_on_failure)
{
	/* the fast paths: nothing depends on the current item */
	if (write->kind == DDB_WRITE_PUT && write->condition == NULL && !write->need_old)
	{
		if (write->table->nindexes > 0)
			DdbIndexesCheckItem(write->table, &write->new_item->root);
		if (!DdbStoragePut(write->table, &write->key, write->new_item))
			RaiseSkippedByTrigger(write->table);
		write->result_item = write->new_item;
		return;
	}
	if (write->kind == DDB_WRITE_DELETE && write->condition == NULL)
	{
		write->old_item = DdbStorageDelete(write->table, &write->key);
		return;
	}

	for (int attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!DdbWriteLockAndCheck(write))
		{
			if (write->must_create)
				DdbRaise(DDB_DUPLICATE_ITEM, "Duplicate primary key exists in table");
			if (old_on_failure && write->old_item != NULL)
				DdbRaiseWithDetail(DDB_CONDITIONAL_CHECK_FAILED,
								   DdbConditionFailureDetail(write->old_item),
								   "The conditional request failed");
			DdbRaise(DDB_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
		}
		if (Store(write))
			return;
		/* a concurrent writer created the item: look again */
	}
	DdbRaise(DDB_TRANSACTION_CONFLICT, "Transaction is ongoing for the item");
}
