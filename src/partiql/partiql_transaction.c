/*-------------------------------------------------------------------------
 *
 * partiql_transaction.c
 *	  ExecuteTransaction: up to 100 PartiQL statements, all-or-nothing.
 *
 * A transaction is all reads (SELECT) or all writes (INSERT, UPDATE,
 * DELETE, and EXISTS(SELECT ...), which checks a condition as
 * TransactWriteItems' ConditionCheck does); a mix is a
 * ValidationException. Every statement names one item by its whole
 * primary key.
 *
 * 1. The request: parameters' constraints, then each statement is parsed
 *	  and bound in a subtransaction of its own. A statement that cannot run
 *	  in a transaction is a ValidationException of the request, "Validation
 *	  failed in TransactStatements[i]: ..." (i from 0): a syntax or
 *	  parameter error, RETURNING, a read of an index, a SELECT whose WHERE
 *	  is not exactly the item's key, an EXISTS that names no item. A
 *	  statement on a table that does not exist, or whose key does not fit
 *	  its table's schema, cancels the transaction (TransactionCanceled-
 *	  Exception with ResourceNotFound or ValidationError in its slot), as
 *	  DynamoDB reports them. Two statements on one item, and a write
 *	  transaction whose INSERTed items and other statements' keys add up
 *	  to more than 4 MB (TransactWriteItems' payload limit), are a
 *	  ValidationException.
 *
 * 2. Reads: every item is read in one snapshot, as TransactGetItems reads
 *	  them, and Responses holds {"Item": ...} (or {} for no item) per
 *	  statement, in order. Items over 4 MB in all (before projection) are
 *	  TransactGetItems' ValidationException.
 *
 * 3. Writes go through transact.c's machinery (transact.h), as
 *	  TransactWriteItems' actions do: the ClientRequestToken is claimed
 *	  (a replay returns the first response and writes nothing; the same
 *	  token with other statements is IdempotentParameterMismatchException),
 *	  every item is locked and its condition checked in key order, and only
 *	  then is every write applied. INSERT's condition is that the key has no
 *	  item: its failure is DuplicateItem in its slot; UPDATE's and EXISTS'
 *	  are their WHERE (no item fails it), DELETE's that there is no item or
 *	  WHERE holds. Failures cancel the transaction with CancellationReasons
 *	  in statement order, as TransactWriteItems reports them.
 *
 * Capacity is transactional: twice the units of each read or write.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/jsonb.h"

#include "batch.h"
#include "capacity.h"
#include "errors.h"
#include "item.h"
#include "json_util.h"
#include "operations.h"
#include "partiql/partiql.h"
#include "request.h"
#include "storage.h"
#include "transact.h"
#include "write.h"

/* One statement of a transaction */
typedef struct TxStatement
{
	char	   *text;
	JsonbContainer *parameters;
	const DdbStatement *parsed;
	DdbBoundStatement *bound;
	JsonbContainer *key_source; /* the item or key map its target's key is in */

	/* what preparing it found */
	const char *invalid;		/* why it cannot run in a transaction, or NULL */
	const char *cancel_code;	/* its cancellation reason, or NULL */
	const char *cancel_message;

	DdbTransactWrite tw;		/* a write, and what it did */
} TxStatement;

/*
 * Parse and bind one statement (in a subtransaction: a TxStatement), and
 * set up its write. Problems of the request are raised as
 * ValidationException, those that cancel the transaction are recorded.
 */
static void
PrepareStatement(void *arg)
{
	TxStatement *s = (TxStatement *) arg;
	const DdbStatement *parsed;
	DdbBoundStatement *bound;
	DdbTable   *table;
	const char *problem;

	parsed = s->parsed = DdbParseStatement(s->text, strlen(s->text));
	if (parsed->returning != DDB_RETURNING_NONE)
		DdbValidationError("RETURNING clause is not supported in ExecuteTransaction.");
	if (parsed->index_name != NULL && parsed->kind == DDB_STATEMENT_SELECT)
		DdbValidationError("Reads on indices are not supported within transactions.");
	if (parsed->index_name != NULL)
		DdbValidationError("Operations on indices are not supported in transactions");

	bound = s->bound = DdbBindStatement(parsed, s->parameters, false);
	table = bound->table;
	if (parsed->kind == DDB_STATEMENT_SELECT && (bound->key_map == NULL || !bound->where_is_key))
		DdbValidationError("Select statements within ExecuteTransaction must specify the primary key in the where clause.");
	if (parsed->kind == DDB_STATEMENT_EXISTS && bound->key_map == NULL)
		DdbValidationError("EXISTS() must contain a single item read with additional condition");

	/* a key that does not fit the schema cancels the transaction */
	s->key_source = parsed->kind == DDB_STATEMENT_INSERT ? &bound->item->root :
		bound->key_map != NULL ? &bound->key_map->root : NULL;
	if (s->key_source == NULL)
		problem = "The provided key element does not match the schema";
	else
		problem = DdbTransactKeySchemaProblem(table, s->key_source,
											  parsed->kind == DDB_STATEMENT_INSERT);
	if (problem == NULL && parsed->kind == DDB_STATEMENT_INSERT &&
		DdbItemSize(&bound->item->root) > DDB_MAX_ITEM_SIZE)
		problem = "Item size has exceeded the maximum allowed size";
	if (problem != NULL)
	{
		s->cancel_code = "ValidationError";
		s->cancel_message = problem;
		return;
	}

	if (parsed->kind != DDB_STATEMENT_SELECT)
	{
		DdbStatementWrite(bound, &s->tw.write);
		s->tw.write.need_old = true;
	}
}

/*
 * Read TransactStatements: 1 to 100 statements, collecting constraint
 * errors.
 */
static TxStatement *
ReadTransactStatements(JsonbContainer *request, int *n, DdbConstraintErrors *errors)
{
	DdbStatementEntry *entries = DdbStatementListRead(request, "TransactStatements",
													  "transactStatements",
													  "ParameterizedStatement",
													  DDB_TRANSACT_MAX_ACTIONS, false, n, errors);
	TxStatement *statements = palloc0(sizeof(TxStatement) * Max(*n, 1));

	for (int i = 0; i < *n; i++)
	{
		statements[i].text = entries[i].text;
		statements[i].parameters = entries[i].parameters;
		statements[i].tw.old_on_failure = entries[i].old_on_failure;
	}
	return statements;
}

/*
 * Prepare every statement, then raise what makes the request invalid or
 * cancels it; returns the statements in lock order.
 */
static DdbBatchTarget *
PrepareStatements(TxStatement *statements, int n, bool *reads)
{
	DdbBatchTarget *order = palloc(sizeof(DdbBatchTarget) * n);
	bool		any_read = false;
	bool		any_write = false;
	bool		any_canceled = false;
	int			ntargets = 0;

	for (int i = 0; i < n; i++)
	{
		TxStatement *s = &statements[i];
		ErrorData  *error;

		CHECK_FOR_INTERRUPTS();
		error = DdbRunInSubtransaction(PrepareStatement, s);
		if (error == NULL)
			continue;
		if (error->sqlerrcode == DdbErrorSqlState(DDB_RESOURCE_NOT_FOUND))
		{
			s->cancel_code = "ResourceNotFound";
			s->cancel_message = DdbErrorText(error, DDB_RESOURCE_NOT_FOUND);
		}
		else if (error->sqlerrcode == DdbErrorSqlState(DDB_VALIDATION))
			s->invalid = DdbErrorText(error, DDB_VALIDATION);
		else
			ReThrowError(error);
	}

	/* the first statement that cannot run in a transaction */
	for (int i = 0; i < n; i++)
	{
		if (statements[i].invalid != NULL)
			DdbValidationError("Validation failed in TransactStatements[%d]: %s",
							   i, statements[i].invalid);
	}
	for (int i = 0; i < n; i++)
	{
		if (statements[i].parsed->kind == DDB_STATEMENT_SELECT)
			any_read = true;
		else
			any_write = true;
	}
	if (any_read && any_write)
		DdbValidationError("Unsupported operation: A transaction must consist of either read statements or write statements, not both; use EXISTS to check an item in a write transaction");
	*reads = any_read;

	/*
	 * the request's items (an INSERT's) and keys (the others') within 4 MB,
	 * as TransactWriteItems' payload
	 */
	if (any_write)
	{
		Size		payload = 0;

		for (int i = 0; i < n; i++)
		{
			DdbBoundStatement *bound = statements[i].bound;

			if (bound == NULL)
				continue;
			if (bound->item != NULL)
				payload += DdbItemSize(&bound->item->root);
			else if (bound->key_map != NULL)
				payload += DdbItemSize(&bound->key_map->root);
		}
		if (payload > DDB_TRANSACT_MAX_PAYLOAD)
			DdbValidationError("Transaction payload size cannot exceed 4 MB");
	}

	/* two statements on one item */
	for (int i = 0; i < n; i++)
	{
		TxStatement *s = &statements[i];

		if (s->cancel_code != NULL)
		{
			any_canceled = true;
			continue;
		}
		order[ntargets].relid = s->bound->table->relid;
		order[ntargets].table_name = s->bound->table->name;
		order[ntargets].key_text = DdbBatchKeyText(s->bound->table, s->key_source);
		order[ntargets].index = i;
		ntargets++;
	}
	if (DdbBatchSortTargets(order, ntargets))
		DdbValidationError("Transaction request cannot include multiple operations on one item");

	/* missing tables and keys that do not fit cancel the transaction */
	if (any_canceled)
	{
		DdbCancellationReason *reasons = palloc0(sizeof(DdbCancellationReason) * n);

		for (int i = 0; i < n; i++)
		{
			reasons[i].code = statements[i].cancel_code ? statements[i].cancel_code : "None";
			reasons[i].message = statements[i].cancel_message;
		}
		DdbRaiseCanceled(reasons, n);
	}
	return order;
}

/*
 * Run a read-only transaction: every item in one snapshot.
 */
static Jsonb *
ReadTransaction(TxStatement *statements, int n, DdbCapacityMode mode)
{
	Jsonb	  **items = palloc0(sizeof(Jsonb *) * n);
	Size		total_size = 0;
	DdbCapacityTotals capacity = {0};
	JsonbParseState *st = NULL;

	DdbStorageBeginSnapshot();
	for (int i = 0; i < n; i++)
	{
		Size		size;

		CHECK_FOR_INTERRUPTS();
		items[i] = DdbStatementGetItem(statements[i].bound, DDB_READ_IN_SNAPSHOT, &size);
		total_size += size;
		if (total_size > DDB_TRANSACT_MAX_PAYLOAD)
			DdbValidationError("The aggregate size of the items in the transaction exceeded 4 MB");
		/* transactional reads cost twice a consistent read */
		DdbCapacityTotalsAdd(&capacity, statements[i].bound->table->name,
							 2 * DdbReadUnits(size, true));
	}
	DdbStorageEndSnapshot();

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Responses");
	DdbPushBeginArray(&st);
	for (int i = 0; i < n; i++)
	{
		DdbPushBeginObject(&st);
		if (items[i] != NULL)
		{
			DdbPushKey(&st, "Item");
			DdbPushStoredContainer(&st, WJB_VALUE, &items[i]->root);
		}
		DdbPushEndObject(&st);
	}
	DdbPushEndArray(&st);
	DdbCapacityTotalsPush(&st, &capacity, mode);
	return DdbBuildJsonbIn(DdbResponseContext(), DdbPushEndObject(&st));
}

/*
 * Run a write transaction, or replay it for its token.
 */
static Jsonb *
WriteTransaction(JsonbContainer *request, TxStatement *statements, int n,
				 DdbBatchTarget *order, const char *token, DdbCapacityMode mode)
{
	DdbTransactWrite **writes = palloc(sizeof(DdbTransactWrite *) * n);
	DdbCapacityTotals capacity = {0};
	Jsonb	   *response;
	JsonbParseState *st = NULL;
	DdbJsonMember *members;
	int			nmembers;

	for (int i = 0; i < n; i++)
		writes[i] = &statements[i].tw;
	response = DdbTransactExecute(writes, n, order, token,
								  DdbJsonGetArray(request, "TransactStatements"),
								  mode != DDB_CAPACITY_NONE, &capacity);

	/* the (stored) response, with this call's capacity */
	nmembers = DdbJsonObjectMembers(&response->root, &members);
	DdbPushBeginObject(&st);
	for (int i = 0; i < nmembers; i++)
	{
		DdbPushKey(&st, members[i].key);
		DdbPushStored(&st, WJB_VALUE, &members[i].value);
	}
	DdbCapacityTotalsPush(&st, &capacity, mode);
	return DdbBuildJsonbIn(DdbResponseContext(), DdbPushEndObject(&st));
}

/*
 * DdbExecuteTransaction implements ExecuteTransaction.
 */
Jsonb *
DdbExecuteTransaction(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TransactStatements", "ClientRequestToken", "ReturnConsumedCapacity", NULL
	};
	DdbConstraintErrors errors;
	DdbCapacityMode mode;
	char	   *token;
	TxStatement *statements;
	int			n;
	DdbBatchTarget *order;
	bool		reads;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	statements = ReadTransactStatements(request, &n, &errors);
	token = DdbJsonGetString(request, "ClientRequestToken");
	if (token != NULL)
		DdbRequestCheckString(&errors, token, "clientRequestToken", 1,
							  DDB_TRANSACT_TOKEN_MAX_LENGTH, NULL, NULL);
	mode = DdbReadCapacityMode(request, &errors);
	DdbConstraintRaise(&errors);

	order = PrepareStatements(statements, n, &reads);
	if (reads)
		return ReadTransaction(statements, n, mode);
	return WriteTransaction(request, statements, n, order, token, mode);
}
