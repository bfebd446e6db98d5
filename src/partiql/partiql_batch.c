/*-------------------------------------------------------------------------
 *
 * partiql_batch.c
 *	  BatchExecuteStatement: up to 25 PartiQL statements, all reads or all
 *	  writes, each with a result of its own.
 *
 * The request is checked as a whole first: its parameters' constraints
 * (1 to 25 statements, each 1 to 8192 characters, ...), and that the
 * statements that parse are all SELECTs or all writes (INSERT, UPDATE,
 * DELETE); a mix is a ValidationException of the request.
 *
 * Then each statement runs on its own, in request order, in an internal
 * subtransaction (transact.h's DdbRunInSubtransaction, as a PL/pgSQL
 * exception block runs), so that its failure rolls back only what it did
 * and the others go on. Its entry in Responses is, as DynamoDB's:
 *
 * - a SELECT: TableName and the Item it names, projected (no Item when
 *	 there is none). Its WHERE must consist of equalities on the whole
 *	 primary key of the table, nothing else ("Select statements within
 *	 BatchExecuteStatement must specify the primary key in the where
 *	 clause."), so that it reads at most one item;
 * - a write: TableName, and the Item of its RETURNING clause, if any;
 * - a failure: Error {Code, Message} (the Code of DynamoDB's
 *	 BatchStatementError: ValidationError, ConditionalCheckFailed,
 *	 DuplicateItem, ResourceNotFound, TransactionConflict, ...), with the
 *	 current Item when a failed condition asked
 *	 ReturnValuesOnConditionCheckFailure ALL_OLD, and TableName once the
 *	 statement had reached its table.
 *
 * PostgreSQL's own errors that are not conflicts (permissions, lock
 * timeouts are conflicts, cancellation) end the whole request as they end
 * any other call.
 *
 * ReturnConsumedCapacity charges the statements that succeeded, per table:
 * a read as GetItem's (eventually consistent unless the statement says
 * ConsistentRead), a write as the single-item write's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "batch.h"
#include "capacity.h"
#include "errors.h"
#include "item.h"
#include "json_util.h"
#include "operations.h"
#include "partiql/partiql.h"
#include "request.h"
#include "transact.h"
#include "write.h"
#include "indexes/index.h"

/* DynamoDB's limit */
#define BATCH_MAX_STATEMENTS	25

/* One statement of a batch, and what became of it */
typedef struct BatchStatement
{
	char	   *text;
	JsonbContainer *parameters;
	bool		consistent;		/* ConsistentRead */
	bool		old_on_failure; /* ReturnValuesOnConditionCheckFailure ALL_OLD */
	const DdbStatement *parsed; /* NULL: it did not parse (error says why) */
	ErrorData  *error;			/* its failure, or NULL */

	/* results */
	const char *table_name;		/* echoed as TableName, or NULL */
	Jsonb	   *item;			/* Item, or NULL */
	DdbTable   *table;			/* for capacity */
	double		units;			/* capacity units on the table */
	double	   *index_units;	/* a write's units on each index, or NULL */
} BatchStatement;

/* The state one statement runs with */
typedef struct BatchRun
{
	BatchStatement *statement;
	bool		want_capacity;
} BatchRun;

/* The Code of each ddb error a statement reports */
static const struct
{
	DdbErrorType type;
	const char *code;
}			statement_error_codes[] =
{
	{DDB_VALIDATION, "ValidationError"},
	{DDB_CONDITIONAL_CHECK_FAILED, "ConditionalCheckFailed"},
	{DDB_DUPLICATE_ITEM, "DuplicateItem"},
	{DDB_RESOURCE_NOT_FOUND, "ResourceNotFound"},
	{DDB_TRANSACTION_CONFLICT, "TransactionConflict"},
	{DDB_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED, "ItemCollectionSizeLimitExceeded"},
	{DDB_PROVISIONED_THROUGHPUT_EXCEEDED, "ProvisionedThroughputExceeded"},
	{DDB_INTERNAL_SERVER_ERROR, "InternalServerError"},
};

/*
 * DdbStatementErrorCode returns the BatchStatementError Code of an error
 * and its message, or NULL when the error is not one a statement reports
 * (the caller re-throws it).
 */
const char *
DdbStatementErrorCode(ErrorData *error, const char **message)
{
	if (DdbIsConflictError(error))
	{
		*message = "Transaction is ongoing for the item.";
		return "TransactionConflict";
	}
	for (int i = 0; i < lengthof(statement_error_codes); i++)
	{
		if (error->sqlerrcode == DdbErrorSqlState(statement_error_codes[i].type))
		{
			*message = DdbErrorText(error, statement_error_codes[i].type);
			return statement_error_codes[i].code;
		}
	}
	return NULL;
}

/*
 * Parse one statement (in a subtransaction: a BatchStatement).
 */
static void
ParseBatchStatement(void *arg)
{
	BatchStatement *s = (BatchStatement *) arg;

	s->parsed = DdbParseStatement(s->text, strlen(s->text));
	if (s->parsed->kind == DDB_STATEMENT_EXISTS)
		DdbValidationError("Unsupported operation: EXISTS is only supported in ExecuteTransaction");
}

/*
 * Run one parsed statement (in a subtransaction: a BatchRun).
 */
static void
RunBatchStatement(void *arg)
{
	BatchRun   *run = (BatchRun *) arg;
	BatchStatement *s = run->statement;
	const DdbStatement *parsed = s->parsed;
	DdbBoundStatement *bound = DdbBindStatement(parsed, s->parameters, true);

	if (parsed->kind == DDB_STATEMENT_SELECT)
	{
		Size		size;

		if (parsed->index_name != NULL || bound->key_map == NULL || !bound->where_is_key)
			DdbValidationError("Select statements within BatchExecuteStatement must specify the primary key in the where clause.");
		s->table_name = bound->table->name;
		s->table = bound->table;
		s->item = DdbStatementGetItem(bound, DDB_READ_LATEST, &size);
		s->units = DdbReadUnits(size, s->consistent);
	}
	else
	{
		DdbItemWrite write;
		Size		old_size;
		Size		new_size;

		s->table_name = bound->table->name;
		s->table = bound->table;
		DdbStatementWrite(bound, &write);
		if (run->want_capacity)
			write.need_old = true;
		DdbWritePerform(&write, s->old_on_failure);
		s->item = DdbStatementReturned(bound, &write);
		if (s->item != NULL && JsonContainerSize(&s->item->root) == 0)
			s->item = NULL;
		if (!run->want_capacity)
			return;
		old_size = write.old_item ? DdbItemSize(&write.old_item->root) : 0;
		new_size = write.result_item ? DdbItemSize(&write.result_item->root) : 0;
		s->units = DdbWriteUnits(Max(old_size, new_size));
		if (bound->table->nindexes > 0)
		{
			s->index_units = palloc0(sizeof(double) * bound->table->nindexes);
			DdbIndexesWriteUnits(bound->table, write.old_item, write.result_item, s->index_units);
		}
	}
}

/*
 * The item a failed condition returns, from its error's DETAIL, or NULL.
 */
static Jsonb *
FailureItem(ErrorData *error)
{
	Jsonb	   *detail;
	JsonbContainer *item;

	if (error->detail == NULL)
		return NULL;
	detail = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(error->detail)));
	if (!JsonContainerIsObject(&detail->root) || JsonContainerIsScalar(&detail->root))
		return NULL;
	item = DdbJsonGetObject(&detail->root, "Item");
	return item != NULL ? DdbContainerToJsonb(item) : NULL;
}

/*
 * Push one statement's entry of Responses.
 */
static void
PushStatementResponse(JsonbParseState **st, BatchStatement *s)
{
	DdbPushBeginObject(st);
	if (s->error != NULL)
	{
		const char *message;
		const char *code = DdbStatementErrorCode(s->error, &message);
		Jsonb	   *item = NULL;

		if (s->error->sqlerrcode == DdbErrorSqlState(DDB_CONDITIONAL_CHECK_FAILED))
			item = FailureItem(s->error);
		DdbPushKey(st, "Error");
		DdbPushBeginObject(st);
		DdbPushKey(st, "Code");
		DdbPushString(st, WJB_VALUE, code);
		DdbPushKey(st, "Message");
		DdbPushString(st, WJB_VALUE, message);
		if (item != NULL)
		{
			DdbPushKey(st, "Item");
			DdbPushStoredContainer(st, WJB_VALUE, &item->root);
		}
		DdbPushEndObject(st);
	}
	if (s->table_name != NULL)
	{
		DdbPushKey(st, "TableName");
		DdbPushString(st, WJB_VALUE, s->table_name);
	}
	if (s->error == NULL && s->item != NULL)
	{
		DdbPushKey(st, "Item");
		DdbPushStoredContainer(st, WJB_VALUE, &s->item->root);
	}
	DdbPushEndObject(st);
}

/*
 * Read Statements: 1 to 25 statements, collecting constraint errors.
 */
static BatchStatement *
ReadStatements(JsonbContainer *request, int *n, DdbConstraintErrors *errors)
{
	DdbStatementEntry *entries = DdbStatementListRead(request, "Statements", "statements",
													  "BatchStatementRequest",
													  BATCH_MAX_STATEMENTS, true, n, errors);
	BatchStatement *statements = palloc0(sizeof(BatchStatement) * Max(*n, 1));

	for (int i = 0; i < *n; i++)
	{
		statements[i].text = entries[i].text;
		statements[i].parameters = entries[i].parameters;
		statements[i].consistent = entries[i].consistent;
		statements[i].old_on_failure = entries[i].old_on_failure;
	}
	return statements;
}

/*
 * Handle a statement's error: keep it for its Responses entry, or re-throw
 * it when it is not the statement's to report.
 */
static void
KeepStatementError(BatchStatement *s, ErrorData *error)
{
	const char *message;

	if (DdbStatementErrorCode(error, &message) == NULL)
		ReThrowError(error);
	s->error = error;
}

/*
 * DdbBatchExecuteStatement implements BatchExecuteStatement.
 */
Jsonb *
DdbBatchExecuteStatement(JsonbContainer *request)
{
	static const char *const allowed[] = {"Statements", "ReturnConsumedCapacity", NULL};
	DdbConstraintErrors errors;
	DdbCapacityMode mode;
	BatchStatement *statements;
	int			n;
	bool		any_read = false;
	bool		any_write = false;
	DdbCapacityTotals capacity = {0};
	JsonbParseState *st = NULL;

	DdbJsonCheckMembers(request, allowed);
	DdbConstraintInit(&errors);
	mode = DdbReadCapacityMode(request, &errors);
	statements = ReadStatements(request, &n, &errors);
	DdbConstraintRaise(&errors);

	/* parse each statement; the ones that parse are all reads or all writes */
	for (int i = 0; i < n; i++)
	{
		BatchStatement *s = &statements[i];
		ErrorData  *error = DdbRunInSubtransaction(ParseBatchStatement, s);

		if (error != NULL)
		{
			s->parsed = NULL;
			KeepStatementError(s, error);
			continue;
		}
		if (s->parsed->kind == DDB_STATEMENT_SELECT)
			any_read = true;
		else
			any_write = true;
	}
	if (any_read && any_write)
		DdbValidationError("Unsupported operation: A batch must consist of either read statements or write statements, not both");

	/* run each statement on its own */
	for (int i = 0; i < n; i++)
	{
		BatchStatement *s = &statements[i];
		BatchRun	run;
		ErrorData  *error;

		CHECK_FOR_INTERRUPTS();
		if (s->parsed == NULL)
			continue;
		run.statement = s;
		run.want_capacity = (mode != DDB_CAPACITY_NONE);
		error = DdbRunInSubtransaction(RunBatchStatement, &run);
		if (error != NULL)
		{
			KeepStatementError(s, error);
			continue;
		}
		if (mode == DDB_CAPACITY_NONE)
			continue;
		if (s->index_units != NULL)
			DdbCapacityTotalsAddWrite(&capacity, s->table, s->units, s->index_units);
		else
			DdbCapacityTotalsAdd(&capacity, s->table->name, s->units);
	}

	DdbPushBeginObject(&st);
	DdbPushKey(&st, "Responses");
	DdbPushBeginArray(&st);
	for (int i = 0; i < n; i++)
		PushStatementResponse(&st, &statements[i]);
	DdbPushEndArray(&st);
	/* only the statements that succeeded are charged */
	if (capacity.ntables > 0)
		DdbCapacityTotalsPush(&st, &capacity, mode);
	return DdbBuildJsonbIn(DdbResponseContext(), DdbPushEndObject(&st));
}
