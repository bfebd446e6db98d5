/*-------------------------------------------------------------------------
 *
 * transact.h
 *	  The machinery of all-or-nothing writes that TransactWriteItems
 *	  (transact.c) and PartiQL's ExecuteTransaction and
 *	  BatchExecuteStatement (partiql/) share: subtransactions, lock and
 *	  check then apply, CancellationReasons, ClientRequestToken claims and
 *	  transactional capacity.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_TRANSACT_H
#define DDB_TRANSACT_H

#include "postgres.h"

#include "utils/elog.h"
#include "utils/jsonb.h"

#include "batch.h"
#include "errors.h"
#include "write.h"

/*
 * DynamoDB's limits on a ClientRequestToken, on a transaction's actions and
 * on the aggregate size of its items
 */
#define DDB_TRANSACT_TOKEN_MAX_LENGTH	36
#define DDB_TRANSACT_MAX_ACTIONS		100
#define DDB_TRANSACT_MAX_PAYLOAD		(4 * 1024 * 1024)

/* One write of a transaction: set up by the caller, run by DdbTransactRun */
typedef struct DdbTransactWrite
{
	DdbItemWrite write;			/* kind, table, key, condition, update, ... */
	bool		old_on_failure; /* a failed condition returns the item
								 * (ReturnValuesOnConditionCheckFailure
								 * ALL_OLD) */

	/* results */
	bool		failed;			/* its condition failed */
	Size		old_size;		/* the locked item's size (for capacity) */
	Size		new_size;		/* the written item's size */
	double	   *index_units;	/* write units on each index (for capacity) */
} DdbTransactWrite;

/* One entry of CancellationReasons */
typedef struct DdbCancellationReason
{
	const char *code;			/* "None", "ConditionalCheckFailed", ... */
	const char *message;		/* NULL for None */
	Jsonb	   *item;			/* ConditionalCheckFailed with ALL_OLD */
} DdbCancellationReason;

/*
 * Whether an error is PostgreSQL's way of saying that concurrent
 * transactions conflict: a deadlock, a serialization failure, or a lock
 * that could not be had in time
 */
extern bool DdbIsConflictError(ErrorData *error);

/* The text of a ddb error of a type, without its "<ErrorType>: " prefix */
extern const char *DdbErrorText(ErrorData *error, DdbErrorType type);

/*
 * Raise TransactionCanceledException with one reason per action; the other
 * form gives one slot a reason and every other None
 */
extern void DdbRaiseCanceled(DdbCancellationReason *reasons, int n) pg_attribute_noreturn();
extern void DdbRaiseCanceledAt(int n, int slot, const char *code,
							   const char *message) pg_attribute_noreturn();

/*
 * Why a normalized item (is_item) or key map does not fit its table's key
 * schema, in the words of PutItem or of a Key parameter; NULL when it fits
 */
extern const char *DdbTransactKeySchemaProblem(DdbTable *table, JsonbContainer *map,
											   bool is_item);

/*
 * Lock every write's item and check its condition, then, if all held,
 * apply every write; both in the order given (targets sorted by
 * DdbBatchSortTargets, whose index names the write), in a subtransaction.
 * Failed conditions cancel with ConditionalCheckFailed (DuplicateItem for
 * a write that must create its item) in their slots; conflicts with
 * TransactionConflict, invalid updates with ValidationError.
 * want_sizes: measure the items for capacity.
 */
extern void DdbTransactRun(DdbTransactWrite **writes, int n, DdbBatchTarget *order,
						   bool want_sizes);

/* The capacity a run transaction consumed: twice each write's units */
extern void DdbTransactWriteCapacity(DdbTransactWrite **writes, int n,
									 DdbCapacityTotals *capacity);

/* The capacity a replayed transaction reports: reading each item */
extern void DdbTransactReplayCapacity(DdbTransactWrite **writes, int n,
									  DdbCapacityTotals *capacity);

/*
 * ClientRequestToken: the hash that identifies a request's payload (and the
 * calling role); claiming a token returns true when the same request ran
 * before (*response: its response), raises
 * IdempotentParameterMismatchException when another request used it, and
 * TransactionInProgressException when it cannot wait for the request that
 * holds it. A claimed token gets its response once the writes ran.
 */
extern char *DdbTransactRequestHash(JsonbContainer *payload);
extern bool DdbTransactClaimToken(const char *token, const char *hash, Jsonb **response);
extern void DdbTransactStoreToken(const char *token, Jsonb *response);

/*
 * Stages 2 to 4 for prepared writes: the token claimed (NULL: none) for
 * payload, then a replay or a run; returns the response (the first one on
 * a replay) and the capacity consumed (measured when measure)
 */
extern Jsonb *DdbTransactExecute(DdbTransactWrite **writes, int n, DdbBatchTarget *order,
								 const char *token, JsonbContainer *payload, bool measure,
								 DdbCapacityTotals *capacity);

#endif							/* DDB_TRANSACT_H */
