/*-------------------------------------------------------------------------
 *
 * api.c
 *	  SQL entry points: ddb.call(operation, request) and one function per
 *	  operation (ddb.put_item(request), ...), and the table that maps
 *	  DynamoDB action names to their handlers. The DynamoDB Streams actions
 *	  (X-Amz-Target prefix DynamoDBStreams_20120810: ListStreams,
 *	  DescribeStream, GetShardIterator, GetRecords) are in the same table.
 *
 * Every entry point has a jsonb and a text variant. The text variant parses
 * the request itself so that malformed JSON is DynamoDB's
 * SerializationException rather than PostgreSQL's input error. Handlers
 * run inside an SPI connection, which also serves as the call's memory
 * context: the response is copied out (unless the handler built it in
 * DdbResponseContext) and everything else is freed at SPI_finish.
 *
 * Strings are escaped to their stored form where requests enter and
 * unescaped where responses leave (string_escape.h). Only JSON text can
 * carry U+0000 both ways: ddb.call_text(operation, request text) RETURNS
 * text (DdbCallText) is the entry for clients that need it, and the jsonb
 * functions refuse a response that holds U+0000.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "errors.h"
#include "expr.h"
#include "json_util.h"
#include "operations.h"
#include "streams/streams.h"
#include "string_escape.h"

typedef struct DdbOperation
{
	const char *name;			/* DynamoDB action name */
	DdbOperationHandler handler;
	bool		control_plane;	/* changes or reads tables, not items */
} DdbOperation;

static const DdbOperation DdbOperations[] = {
	{"BatchExecuteStatement", DdbBatchExecuteStatement, false},
	{"BatchGetItem", DdbBatchGetItem, false},
	{"BatchWriteItem", DdbBatchWriteItem, false},
	{"CreateBackup", DdbCreateBackup, true},
	{"CreateTable", DdbCreateTable, true},
	{"DeleteBackup", DdbDeleteBackup, true},
	{"DeleteItem", DdbDeleteItem, false},
	{"DeleteTable", DdbDeleteTable, true},
	{"DescribeBackup", DdbDescribeBackup, true},
	{"DescribeContinuousBackups", DdbDescribeContinuousBackups, true},
	{"DescribeExport", DdbDescribeExport, true},
	{"DescribeImport", DdbDescribeImport, true},
	{"DescribeStream", DdbDescribeStream, false},
	{"DescribeTable", DdbDescribeTable, true},
	{"DescribeTimeToLive", DdbDescribeTimeToLive, true},
	{"ExecuteStatement", DdbExecuteStatement, false},
	{"ExecuteTransaction", DdbExecuteTransaction, false},
	{"ExportTableToPointInTime", DdbExportTableToPointInTime, true},
	{"GetItem", DdbGetItem, false},
	{"GetRecords", DdbGetRecords, false},
	{"GetShardIterator", DdbGetShardIterator, false},
	{"ImportTable", DdbImportTable, true},
	{"ListBackups", DdbListBackups, true},
	{"ListExports", DdbListExports, true},
	{"ListImports", DdbListImports, true},
	{"ListStreams", DdbListStreams, false},
	{"ListTables", DdbListTables, true},
	{"ListTagsOfResource", DdbListTagsOfResource, true},
	{"PutItem", DdbPutItem, false},
	{"Query", DdbQuery, false},
	{"RestoreTableFromBackup", DdbRestoreTableFromBackup, true},
	{"RestoreTableToPointInTime", DdbRestoreTableToPointInTime, true},
	{"Scan", DdbScan, false},
	{"TagResource", DdbTagResource, true},
	{"TransactGetItems", DdbTransactGetItems, false},
	{"TransactWriteItems", DdbTransactWriteItems, false},
	{"UntagResource", DdbUntagResource, true},
	{"UpdateContinuousBackups", DdbUpdateContinuousBackups, true},
	{"UpdateItem", DdbUpdateItem, false},
	{"UpdateTable", DdbUpdateTable, true},
	{"UpdateTimeToLive", DdbUpdateTimeToLive, true},
};

/*
 * Find the handler of an action name.
 */
static const DdbOperation *
FindOperation(const char *name)
{
	for (int i = 0; i < lengthof(DdbOperations); i++)
	{
		if (strcmp(DdbOperations[i].name, name) == 0)
			return &DdbOperations[i];
	}
	return NULL;
}

/*
 * Parse request text as JSON, in the stored form; malformed JSON is
 * SerializationException. Most requests take the quick path; the rest,
 * and every malformed one, go through jsonb_in.
 */
static Jsonb *
ParseRequestText(char *cstring)
{
	MemoryContext context = CurrentMemoryContext;
	Jsonb	   *result = NULL;

	cstring = DdbEscapeJsonText(cstring);
	result = DdbJsonParseQuick(cstring, strlen(cstring));
	if (result != NULL)
		return result;

	PG_TRY();
	{
		result = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(cstring)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		/* only input errors (syntax, nesting) become SerializationException */
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION &&
			ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_PROGRAM_LIMIT_EXCEEDED)
			PG_RE_THROW();
		FlushErrorState();
		DdbSerializationError("%s", edata->message);
	}
	PG_END_TRY();
	return result;
}

/*
 * How many ddb calls are in progress: triggers on item tables may call ddb
 * again from inside a call. call_serial counts outermost calls.
 */
static int	call_depth = 0;
static uint64 call_serial = 0;
static MemoryContext response_context = NULL;

/*
 * DdbCallDepth returns how many ddb calls are in progress (1 in a call that
 * no other encloses).
 */
int
DdbCallDepth(void)
{
	return call_depth;
}

/*
 * DdbCallSerial identifies the outermost ddb call in progress.
 */
uint64
DdbCallSerial(void)
{
	return call_serial;
}

/*
 * DdbResponseContext returns the context a response of the innermost call
 * in progress can be built in: its caller's.
 */
MemoryContext
DdbResponseContext(void)
{
	return response_context != NULL ? response_context : CurrentMemoryContext;
}

/*
 * Called with an error being raised out of an operation: when it is
 * PostgreSQL telling that the call met a concurrent one (a serialization
 * failure under REPEATABLE READ or SERIALIZABLE, a deadlock, a lock that
 * could not be had in time), raise DynamoDB's error for that instead:
 * TransactionConflictException for item operations, ResourceInUseException
 * for table operations. Anything else is left to be re-thrown.
 */
static void
RaiseConflictAsDynamoDB(const DdbOperation *op, MemoryContext context)
{
	ErrorData  *error;
	MemoryContext old = MemoryContextSwitchTo(context);

	error = CopyErrorData();
	MemoryContextSwitchTo(old);
	if (error->sqlerrcode != ERRCODE_T_R_SERIALIZATION_FAILURE &&
		error->sqlerrcode != ERRCODE_T_R_DEADLOCK_DETECTED &&
		error->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
	{
		FreeErrorData(error);
		return;
	}
	FlushErrorState();
	if (op->control_plane)
		DdbRaise(DDB_RESOURCE_IN_USE,
				 "Attempt to change a resource which is still in use: %s", error->message);
	DdbRaise(DDB_TRANSACTION_CONFLICT,
			 "Transaction is ongoing for the item: %s", error->message);
}

/*
 * Run one operation on a request in the stored form and return the
 * response in the stored form (NULL for an operation without a response
 * body).
 */
static Jsonb *
RunOperation(const DdbOperation *op, Jsonb *request)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext outer_response_context = response_context;
	JsonbContainer *root;
	Jsonb	   *response;
	Jsonb	   *volatile result = NULL;

	if (request == NULL)
		request = DdbEmptyObject();
	root = &request->root;
	if (!JsonContainerIsObject(root))
	{
		if (JsonContainerIsScalar(root))
			DdbSerializationError("Unexpected value type in payload: the request must be a JSON object");
		DdbSerializationError("Start of list found where not expected");
	}

	if (call_depth == 0)
	{
		call_serial++;
		DdbExpressionCacheCallContext(caller);
	}
	call_depth++;
	response_context = caller;
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		response = op->handler(root);
		if (response != NULL && GetMemoryChunkContext(response) == caller)
			result = response;
		else if (response != NULL)
		{
			result = MemoryContextAlloc(caller, VARSIZE(response));
			memcpy(result, response, VARSIZE(response));
		}
		SPI_finish();
	}
	PG_CATCH();
	{
		response_context = outer_response_context;
		if (--call_depth == 0)
			DdbExpressionCacheCallContext(NULL);
		RaiseConflictAsDynamoDB(op, caller);
		PG_RE_THROW();
	}
	PG_END_TRY();
	response_context = outer_response_context;
	if (--call_depth == 0)
		DdbExpressionCacheCallContext(NULL);
	return result;
}

/*
 * Look up an operation by name or raise UnknownOperationException.
 */
static const DdbOperation *
RequireOperation(const char *name)
{
	const DdbOperation *op = FindOperation(name);

	if (op == NULL)
		DdbRaise(DDB_UNKNOWN_OPERATION, "Operation %s is not supported", name);
	return op;
}

/*
 * A jsonb request from SQL, in the stored form (NULL stays NULL).
 */
static Jsonb *
JsonbRequest(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	return DdbEscapeJsonb(PG_GETARG_JSONB_P(argno));
}

/*
 * A text request from SQL, parsed, in the stored form (NULL stays NULL).
 */
static Jsonb *
TextRequest(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		return NULL;
	return ParseRequestText(text_to_cstring(PG_GETARG_TEXT_PP(argno)));
}

/*
 * Return a response from a jsonb-returning SQL function; no body is SQL
 * NULL.
 */
#define RETURN_RESPONSE(response) \
	do { \
		Jsonb *response_ = (response); \
		if (response_ == NULL) \
			PG_RETURN_NULL(); \
		PG_RETURN_JSONB_P(DdbUnescapeJsonb(response_)); \
	} while (0)

/*
 * The operation an SQL function's first argument names.
 */
static const DdbOperation *
OperationArgument(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		DdbRaise(DDB_UNKNOWN_OPERATION, "An operation name is required");
	return RequireOperation(text_to_cstring(PG_GETARG_TEXT_PP(0)));
}

/*
 * Run an operation on request JSON text (NULL: no body) and return the
 * response as JSON text (NULL: no body).
 */
static char *
RunText(const DdbOperation *op, char *request)
{
	Jsonb	   *response;

	response = RunOperation(op, request == NULL ? NULL : ParseRequestText(request));
	if (response == NULL)
		return NULL;
	return DdbUnescapeJsonText(JsonbToCString(NULL, &response->root, VARSIZE(response)));
}

/*
 * DdbCallText runs an operation on request JSON text (NULL: no body) and
 * returns the response as JSON text (NULL: no body). Strings may hold
 * U+0000 both ways. This is the entry for every caller that speaks
 * DynamoDB's wire format.
 */
char *
DdbCallText(const char *operation, char *request)
{
	return RunText(RequireOperation(operation), request);
}

/*
 * DdbCallHandlerText runs a handler that is not one of DynamoDB's
 * operations (a node's part of an operation, scaleout/) as DdbCallText
 * runs an operation.
 */
char *
DdbCallHandlerText(const char *name, DdbOperationHandler handler, char *request)
{
	DdbOperation op = {name, handler, false};

	return RunText(&op, request);
}

PG_FUNCTION_INFO_V1(ddb_call);
PG_FUNCTION_INFO_V1(ddb_call_text);
PG_FUNCTION_INFO_V1(ddb_call_text_response);

/*
 * ddb.call(operation text, request jsonb) RETURNS jsonb
 */
Datum
ddb_call(PG_FUNCTION_ARGS)
{
	const DdbOperation *op = OperationArgument(fcinfo);

	RETURN_RESPONSE(RunOperation(op, JsonbRequest(fcinfo, 1)));
}

/*
 * ddb.call(operation text, request text) RETURNS jsonb
 */
Datum
ddb_call_text(PG_FUNCTION_ARGS)
{
	const DdbOperation *op = OperationArgument(fcinfo);

	RETURN_RESPONSE(RunOperation(op, TextRequest(fcinfo, 1)));
}

/*
 * ddb.call_text(operation text, request text) RETURNS text
 */
Datum
ddb_call_text_response(PG_FUNCTION_ARGS)
{
	char	   *response;

	if (PG_ARGISNULL(0))
		DdbRaise(DDB_UNKNOWN_OPERATION, "An operation name is required");
	response = DdbCallText(text_to_cstring(PG_GETARG_TEXT_PP(0)),
						   PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (response == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(response));
}

/*
 * One SQL function per operation, e.g. ddb.put_item(request jsonb) and
 * ddb.put_item(request text).
 */
#define DDB_OPERATION_FUNCTIONS(sqlname, action) \
	PG_FUNCTION_INFO_V1(ddb_##sqlname); \
	PG_FUNCTION_INFO_V1(ddb_##sqlname##_text); \
	Datum \
	ddb_##sqlname(PG_FUNCTION_ARGS) \
	{ \
		static const DdbOperation *op = NULL; \
		if (op == NULL) \
			op = RequireOperation(action); \
		RETURN_RESPONSE(RunOperation(op, JsonbRequest(fcinfo, 0))); \
	} \
	Datum \
	ddb_##sqlname##_text(PG_FUNCTION_ARGS) \
	{ \
		static const DdbOperation *op = NULL; \
		if (op == NULL) \
			op = RequireOperation(action); \
		RETURN_RESPONSE(RunOperation(op, TextRequest(fcinfo, 0))); \
	}

DDB_OPERATION_FUNCTIONS(batch_execute_statement, "BatchExecuteStatement")
DDB_OPERATION_FUNCTIONS(batch_get_item, "BatchGetItem")
DDB_OPERATION_FUNCTIONS(batch_write_item, "BatchWriteItem")
DDB_OPERATION_FUNCTIONS(create_backup, "CreateBackup")
DDB_OPERATION_FUNCTIONS(create_table, "CreateTable")
DDB_OPERATION_FUNCTIONS(delete_backup, "DeleteBackup")
DDB_OPERATION_FUNCTIONS(delete_item, "DeleteItem")
DDB_OPERATION_FUNCTIONS(delete_table, "DeleteTable")
DDB_OPERATION_FUNCTIONS(describe_backup, "DescribeBackup")
DDB_OPERATION_FUNCTIONS(describe_continuous_backups, "DescribeContinuousBackups")
DDB_OPERATION_FUNCTIONS(describe_export, "DescribeExport")
DDB_OPERATION_FUNCTIONS(describe_import, "DescribeImport")
DDB_OPERATION_FUNCTIONS(describe_stream, "DescribeStream")
DDB_OPERATION_FUNCTIONS(describe_table, "DescribeTable")
DDB_OPERATION_FUNCTIONS(describe_time_to_live, "DescribeTimeToLive")
DDB_OPERATION_FUNCTIONS(execute_statement, "ExecuteStatement")
DDB_OPERATION_FUNCTIONS(execute_transaction, "ExecuteTransaction")
DDB_OPERATION_FUNCTIONS(export_table_to_point_in_time, "ExportTableToPointInTime")
DDB_OPERATION_FUNCTIONS(get_item, "GetItem")
DDB_OPERATION_FUNCTIONS(get_records, "GetRecords")
DDB_OPERATION_FUNCTIONS(get_shard_iterator, "GetShardIterator")
DDB_OPERATION_FUNCTIONS(import_table, "ImportTable")
DDB_OPERATION_FUNCTIONS(list_backups, "ListBackups")
DDB_OPERATION_FUNCTIONS(list_exports, "ListExports")
DDB_OPERATION_FUNCTIONS(list_imports, "ListImports")
DDB_OPERATION_FUNCTIONS(list_streams, "ListStreams")
DDB_OPERATION_FUNCTIONS(list_tables, "ListTables")
DDB_OPERATION_FUNCTIONS(list_tags_of_resource, "ListTagsOfResource")
DDB_OPERATION_FUNCTIONS(put_item, "PutItem")
DDB_OPERATION_FUNCTIONS(query, "Query")
DDB_OPERATION_FUNCTIONS(restore_table_from_backup, "RestoreTableFromBackup")
DDB_OPERATION_FUNCTIONS(restore_table_to_point_in_time, "RestoreTableToPointInTime")
DDB_OPERATION_FUNCTIONS(scan, "Scan")
DDB_OPERATION_FUNCTIONS(tag_resource, "TagResource")
DDB_OPERATION_FUNCTIONS(transact_get_items, "TransactGetItems")
DDB_OPERATION_FUNCTIONS(transact_write_items, "TransactWriteItems")
DDB_OPERATION_FUNCTIONS(untag_resource, "UntagResource")
DDB_OPERATION_FUNCTIONS(update_continuous_backups, "UpdateContinuousBackups")
DDB_OPERATION_FUNCTIONS(update_item, "UpdateItem")
DDB_OPERATION_FUNCTIONS(update_table, "UpdateTable")
DDB_OPERATION_FUNCTIONS(update_time_to_live, "UpdateTimeToLive")
