/*-------------------------------------------------------------------------
 *
 * errors.c
 *	  The table of DynamoDB error types and their SQLSTATEs, the
 *	  functions every other module uses to raise them, and running a piece
 *	  of work in a subtransaction that catches its error.
 *
 * The SQLSTATE class "YD" is ddb's own (SQL reserves classes starting with
 * 0-4 and A-H for the standard). The README lists the same table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/elog.h"

#include "errors.h"
#include "string_escape.h"

typedef struct DdbErrorInfo
{
	const char *name;			/* DynamoDB error name */
	int			sqlstate;		/* ddb's SQLSTATE for it */
} DdbErrorInfo;

/*
 * The namespaces of DynamoDB's error types on the wire (the "__type"
 * member is "<namespace>#<name>")
 */
#define NS_DYNAMODB "com.amazonaws.dynamodb.v20120810"
#define NS_CORAL_SERVICE "com.amazon.coral.service"
#define NS_CORAL_VALIDATE "com.amazon.coral.validate"

/* How an error type travels in DynamoDB's wire protocol */
typedef struct DdbErrorWireInfo
{
	const char *type_namespace; /* namespace of "__type" */
	bool		capital_message;	/* the message member is "Message" */
	int			http_status;
} DdbErrorWireInfo;

static const DdbErrorInfo ddb_errors[DDB_ERROR_TYPE_COUNT] = {
	[DDB_INTERNAL_SERVER_ERROR] = {"InternalServerError", MAKE_SQLSTATE('Y', 'D', '0', '0', '0')},
	[DDB_VALIDATION] = {"ValidationException", MAKE_SQLSTATE('Y', 'D', '0', '0', '1')},
	[DDB_SERIALIZATION] = {"SerializationException", MAKE_SQLSTATE('Y', 'D', '0', '0', '2')},
	[DDB_UNKNOWN_OPERATION] = {"UnknownOperationException", MAKE_SQLSTATE('Y', 'D', '0', '0', '3')},
	[DDB_RESOURCE_NOT_FOUND] = {"ResourceNotFoundException", MAKE_SQLSTATE('Y', 'D', '0', '0', '4')},
	[DDB_RESOURCE_IN_USE] = {"ResourceInUseException", MAKE_SQLSTATE('Y', 'D', '0', '0', '5')},
	[DDB_CONDITIONAL_CHECK_FAILED] = {"ConditionalCheckFailedException", MAKE_SQLSTATE('Y', 'D', '0', '0', '6')},
	[DDB_TRANSACTION_CANCELED] = {"TransactionCanceledException", MAKE_SQLSTATE('Y', 'D', '0', '0', '7')},
	[DDB_TRANSACTION_CONFLICT] = {"TransactionConflictException", MAKE_SQLSTATE('Y', 'D', '0', '0', '8')},
	[DDB_IDEMPOTENT_PARAMETER_MISMATCH] = {"IdempotentParameterMismatchException", MAKE_SQLSTATE('Y', 'D', '0', '0', '9')},
	[DDB_LIMIT_EXCEEDED] = {"LimitExceededException", MAKE_SQLSTATE('Y', 'D', '0', '1', '0')},
	[DDB_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED] = {"ItemCollectionSizeLimitExceededException", MAKE_SQLSTATE('Y', 'D', '0', '1', '1')},
	[DDB_PROVISIONED_THROUGHPUT_EXCEEDED] = {"ProvisionedThroughputExceededException", MAKE_SQLSTATE('Y', 'D', '0', '1', '2')},
	[DDB_DUPLICATE_ITEM] = {"DuplicateItemException", MAKE_SQLSTATE('Y', 'D', '0', '1', '3')},
	[DDB_TRANSACTION_IN_PROGRESS] = {"TransactionInProgressException", MAKE_SQLSTATE('Y', 'D', '0', '1', '4')},
	[DDB_EXPIRED_ITERATOR] = {"ExpiredIteratorException", MAKE_SQLSTATE('Y', 'D', '0', '1', '5')},
	[DDB_TRIMMED_DATA_ACCESS] = {"TrimmedDataAccessException", MAKE_SQLSTATE('Y', 'D', '0', '1', '6')},
	[DDB_ACCESS_DENIED] = {"AccessDeniedException", MAKE_SQLSTATE('Y', 'D', '0', '1', '7')},
	[DDB_UNRECOGNIZED_CLIENT] = {"UnrecognizedClientException", MAKE_SQLSTATE('Y', 'D', '0', '1', '8')},
	[DDB_INVALID_SIGNATURE] = {"InvalidSignatureException", MAKE_SQLSTATE('Y', 'D', '0', '1', '9')},
	[DDB_MISSING_AUTHENTICATION_TOKEN] = {"MissingAuthenticationTokenException", MAKE_SQLSTATE('Y', 'D', '0', '2', '0')},
	[DDB_INCOMPLETE_SIGNATURE] = {"IncompleteSignatureException", MAKE_SQLSTATE('Y', 'D', '0', '2', '1')},
	[DDB_BACKUP_NOT_FOUND] = {"BackupNotFoundException", MAKE_SQLSTATE('Y', 'D', '0', '2', '2')},
	[DDB_BACKUP_IN_USE] = {"BackupInUseException", MAKE_SQLSTATE('Y', 'D', '0', '2', '3')},
	[DDB_TABLE_NOT_FOUND] = {"TableNotFoundException", MAKE_SQLSTATE('Y', 'D', '0', '2', '4')},
	[DDB_TABLE_ALREADY_EXISTS] = {"TableAlreadyExistsException", MAKE_SQLSTATE('Y', 'D', '0', '2', '5')},
	[DDB_TABLE_IN_USE] = {"TableInUseException", MAKE_SQLSTATE('Y', 'D', '0', '2', '6')},
	[DDB_POINT_IN_TIME_RECOVERY_UNAVAILABLE] = {"PointInTimeRecoveryUnavailableException", MAKE_SQLSTATE('Y', 'D', '0', '2', '7')},
	[DDB_INVALID_RESTORE_TIME] = {"InvalidRestoreTimeException", MAKE_SQLSTATE('Y', 'D', '0', '2', '8')},
	[DDB_CONTINUOUS_BACKUPS_UNAVAILABLE] = {"ContinuousBackupsUnavailableException", MAKE_SQLSTATE('Y', 'D', '0', '2', '9')},
	[DDB_EXPORT_NOT_FOUND] = {"ExportNotFoundException", MAKE_SQLSTATE('Y', 'D', '0', '3', '0')},
	[DDB_EXPORT_CONFLICT] = {"ExportConflictException", MAKE_SQLSTATE('Y', 'D', '0', '3', '1')},
	[DDB_INVALID_EXPORT_TIME] = {"InvalidExportTimeException", MAKE_SQLSTATE('Y', 'D', '0', '3', '2')},
	[DDB_IMPORT_CONFLICT] = {"ImportConflictException", MAKE_SQLSTATE('Y', 'D', '0', '3', '3')},
	[DDB_IMPORT_NOT_FOUND] = {"ImportNotFoundException", MAKE_SQLSTATE('Y', 'D', '0', '3', '4')},
};

/*
 * Wire details per type: service exceptions of the DynamoDB model are in
 * its namespace; validation and the protocol's own errors (serialization,
 * unknown operation, signing) come from the Coral framework. The message
 * member is "Message" for the shapes whose model spells it so.
 */
static const DdbErrorWireInfo ddb_error_wire[DDB_ERROR_TYPE_COUNT] = {
	[DDB_INTERNAL_SERVER_ERROR] = {NS_DYNAMODB, false, 500},
	[DDB_VALIDATION] = {NS_CORAL_VALIDATE, false, 400},
	[DDB_SERIALIZATION] = {NS_CORAL_SERVICE, true, 400},
	[DDB_UNKNOWN_OPERATION] = {NS_CORAL_SERVICE, false, 400},
	[DDB_RESOURCE_NOT_FOUND] = {NS_DYNAMODB, false, 400},
	[DDB_RESOURCE_IN_USE] = {NS_DYNAMODB, false, 400},
	[DDB_CONDITIONAL_CHECK_FAILED] = {NS_DYNAMODB, false, 400},
	[DDB_TRANSACTION_CANCELED] = {NS_DYNAMODB, true, 400},
	[DDB_TRANSACTION_CONFLICT] = {NS_DYNAMODB, false, 400},
	[DDB_IDEMPOTENT_PARAMETER_MISMATCH] = {NS_DYNAMODB, true, 400},
	[DDB_LIMIT_EXCEEDED] = {NS_DYNAMODB, false, 400},
	[DDB_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED] = {NS_DYNAMODB, false, 400},
	[DDB_PROVISIONED_THROUGHPUT_EXCEEDED] = {NS_DYNAMODB, false, 400},
	[DDB_DUPLICATE_ITEM] = {NS_DYNAMODB, false, 400},
	[DDB_TRANSACTION_IN_PROGRESS] = {NS_DYNAMODB, true, 400},
	[DDB_EXPIRED_ITERATOR] = {NS_DYNAMODB, false, 400},
	[DDB_TRIMMED_DATA_ACCESS] = {NS_DYNAMODB, false, 400},
	[DDB_ACCESS_DENIED] = {NS_CORAL_SERVICE, true, 400},
	[DDB_UNRECOGNIZED_CLIENT] = {NS_CORAL_SERVICE, false, 400},
	[DDB_INVALID_SIGNATURE] = {NS_CORAL_SERVICE, false, 400},
	[DDB_MISSING_AUTHENTICATION_TOKEN] = {NS_CORAL_SERVICE, false, 400},
	[DDB_INCOMPLETE_SIGNATURE] = {NS_CORAL_SERVICE, false, 400},
	[DDB_BACKUP_NOT_FOUND] = {NS_DYNAMODB, false, 400},
	[DDB_BACKUP_IN_USE] = {NS_DYNAMODB, false, 400},
	[DDB_TABLE_NOT_FOUND] = {NS_DYNAMODB, false, 400},
	[DDB_TABLE_ALREADY_EXISTS] = {NS_DYNAMODB, false, 400},
	[DDB_TABLE_IN_USE] = {NS_DYNAMODB, false, 400},
	[DDB_POINT_IN_TIME_RECOVERY_UNAVAILABLE] = {NS_DYNAMODB, false, 400},
	[DDB_INVALID_RESTORE_TIME] = {NS_DYNAMODB, false, 400},
	[DDB_CONTINUOUS_BACKUPS_UNAVAILABLE] = {NS_DYNAMODB, false, 400},
	[DDB_EXPORT_NOT_FOUND] = {NS_DYNAMODB, false, 400},
	[DDB_EXPORT_CONFLICT] = {NS_DYNAMODB, false, 400},
	[DDB_INVALID_EXPORT_TIME] = {NS_DYNAMODB, false, 400},
	[DDB_IMPORT_CONFLICT] = {NS_DYNAMODB, false, 400},
	[DDB_IMPORT_NOT_FOUND] = {NS_DYNAMODB, false, 400},
};

/*
 * DdbErrorName returns the DynamoDB name of an error type.
 */
const char *
DdbErrorName(DdbErrorType type)
{
	if (type < 0 || type >= DDB_ERROR_TYPE_COUNT)
		type = DDB_INTERNAL_SERVER_ERROR;
	return ddb_errors[type].name;
}

/*
 * DdbErrorSqlState returns ddb's SQLSTATE for an error type.
 */
int
DdbErrorSqlState(DdbErrorType type)
{
	if (type < 0 || type >= DDB_ERROR_TYPE_COUNT)
		type = DDB_INTERNAL_SERVER_ERROR;
	return ddb_errors[type].sqlstate;
}

/* the longest message text raised, in bytes */
#define DDB_MESSAGE_MAX 16384

static void RaiseFormatted(DdbErrorType type, const char *detail_json, const char *text)
			pg_attribute_noreturn();
static char *FormatMessage(const char *fmt, va_list args) pg_attribute_printf(1, 0);

/*
 * Raise the error; the message is already formatted.
 */
static void
RaiseFormatted(DdbErrorType type, const char *detail_json, const char *text)
{
	int			len = strlen(text);

	/* values are echoed cut (DdbEchoText); this is the safety net */
	if (len > DDB_MESSAGE_MAX)
		text = psprintf("%.*s...", pg_mbcliplen(text, len, DDB_MESSAGE_MAX), text);
	if (detail_json)
		ereport(ERROR,
				(errcode(DdbErrorSqlState(type)),
				 errmsg_internal("%s: %s", DdbErrorName(type), text),
				 errdetail_internal("%s", DdbUnescapeJsonText(unconstify(char *, detail_json)))));
	else
		ereport(ERROR,
				(errcode(DdbErrorSqlState(type)),
				 errmsg_internal("%s: %s", DdbErrorName(type), text)));
	pg_unreachable();
}

/*
 * Format a message from a va_list (which is left untouched).
 */
static char *
FormatMessage(const char *fmt, va_list args)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		copy;
		int			needed;

		va_copy(copy, args);
		needed = appendStringInfoVA(&buf, fmt, copy);
		va_end(copy);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	return buf.data;
}

/*
 * DdbRaise raises a DynamoDB error: "<ErrorType>: <message>".
 */
void
DdbRaise(DdbErrorType type, const char *fmt,...)
{
	va_list		args;
	char	   *text;

	va_start(args, fmt);
	text = FormatMessage(fmt, args);
	va_end(args);
	RaiseFormatted(type, NULL, text);
}

/*
 * DdbRaiseWithDetail raises a DynamoDB error that carries extra members of
 * DynamoDB's error body (a JSON object) in its DETAIL.
 */
void
DdbRaiseWithDetail(DdbErrorType type, const char *detail_json, const char *fmt,...)
{
	va_list		args;
	char	   *text;

	va_start(args, fmt);
	text = FormatMessage(fmt, args);
	va_end(args);
	RaiseFormatted(type, detail_json, text);
}

/*
 * DdbEchoText returns text (len bytes) for a message, cut after
 * DDB_ECHO_MAX bytes (at a character boundary) with "..." appended.
 */
char *
DdbEchoText(const char *text, int len)
{
	if (len <= DDB_ECHO_MAX)
		return pnstrdup(text, len);
	return psprintf("%.*s...", pg_mbcliplen(text, len, DDB_ECHO_MAX), text);
}

/*
 * DdbConstraintInit starts an empty collection of constraint errors.
 */
void
DdbConstraintInit(DdbConstraintErrors *errors)
{
	errors->count = 0;
	initStringInfo(&errors->text);
}

/*
 * DdbConstraintAdd records one failed constraint of a request member.
 */
void
DdbConstraintAdd(DdbConstraintErrors *errors, const char *value,
				 const char *member, const char *constraint)
{
	int			len = strlen(value);

	/* a long quoted value: its beginning, as DdbEchoText cuts it */
	if (len > DDB_ECHO_MAX + 2 && value[0] == '\'' && value[len - 1] == '\'')
		value = psprintf("'%s'", DdbEchoText(value + 1, len - 2));
	if (errors->count > 0)
		appendStringInfoString(&errors->text, "; ");
	appendStringInfo(&errors->text, "Value %s at '%s' failed to satisfy constraint: %s",
					 value, member, constraint);
	errors->count++;
}

/*
 * DdbConstraintRaise raises the collected errors as one ValidationException.
 */
void
DdbConstraintRaise(DdbConstraintErrors *errors)
{
	if (errors->count == 0)
		return;
	DdbRaise(DDB_VALIDATION, "%d validation error%s detected: %s",
			 errors->count, errors->count > 1 ? "s" : "", errors->text.data);
}

/*
 * DdbWireErrorOfType fills in the wire form of a DynamoDB error type.
 */
void
DdbWireErrorOfType(DdbErrorType type, const char *message, DdbWireError *wire)
{
	const DdbErrorWireInfo *info;

	if (type < 0 || type >= DDB_ERROR_TYPE_COUNT)
		type = DDB_INTERNAL_SERVER_ERROR;
	info = &ddb_error_wire[type];
	wire->http_status = info->http_status;
	wire->type = psprintf("%s#%s", info->type_namespace, ddb_errors[type].name);
	wire->message_member = info->capital_message ? "Message" : "message";
	wire->message = pstrdup(message);
	wire->extra_members = NULL;
	wire->server_fault = false;
}

/*
 * The ddb error type of a SQLSTATE, or -1.
 */
static int
ErrorTypeOfSqlState(int sqlstate)
{
	for (int i = 0; i < DDB_ERROR_TYPE_COUNT; i++)
	{
		if (ddb_errors[i].sqlstate == sqlstate)
			return i;
	}
	return -1;
}

/*
 * DdbWireErrorFromErrorData maps an error raised in a call to DynamoDB's
 * wire form. ddb's errors ("<ErrorType>: <text>", SQLSTATE class YD) keep
 * their type and text, and their DETAIL (a JSON object) supplies further
 * members of the body (CancellationReasons, Item). PostgreSQL's refusals of
 * a privilege (permission denied, row-level security) are
 * AccessDeniedException with PostgreSQL's message; a cancelled statement
 * (statement_timeout, pg_cancel_backend) and anything else are
 * InternalServerError, whose text stays in the server log.
 */
void
DdbWireErrorFromErrorData(ErrorData *edata, DdbWireError *wire)
{
	int			type = ErrorTypeOfSqlState(edata->sqlerrcode);

	if (type >= 0)
	{
		const char *name = ddb_errors[type].name;
		const char *text = edata->message ? edata->message : "";
		size_t		name_len = strlen(name);

		if (strncmp(text, name, name_len) == 0 && text[name_len] == ':' &&
			text[name_len + 1] == ' ')
			text += name_len + 2;
		DdbWireErrorOfType(type, text, wire);
		if (type == DDB_INTERNAL_SERVER_ERROR)
			wire->server_fault = true;
		if (edata->detail != NULL)
		{
			const char *detail = edata->detail;
			size_t		len = strlen(detail);

			/* "{...}" with at least one member: its members, braces stripped */
			while (len > 0 && (detail[len - 1] == ' ' || detail[len - 1] == '\n'))
				len--;
			if (len > 2 && detail[0] == '{' && detail[len - 1] == '}')
			{
				char	   *inner = pnstrdup(detail + 1, len - 2);
				char	   *p = inner;

				while (*p == ' ' || *p == '\n')
					p++;
				if (*p != '\0')
					wire->extra_members = inner;
			}
		}
		return;
	}
	if (edata->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE)
	{
		DdbWireErrorOfType(DDB_ACCESS_DENIED, edata->message ? edata->message : "Access denied", wire);
		return;
	}
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
	{
		DdbWireErrorOfType(DDB_INTERNAL_SERVER_ERROR,
						   "The request was cancelled before it completed", wire);
		wire->server_fault = true;
		return;
	}
	DdbWireErrorOfType(DDB_INTERNAL_SERVER_ERROR, "Internal server error", wire);
	wire->server_fault = true;
}

/*
 * Run fn(arg) in an internal subtransaction, as a PL/pgSQL exception block
 * runs its statements. On success the subtransaction is committed into
 * the caller's and NULL comes back; on error it is rolled back and the
 * error comes back for the caller to handle or re-throw. SPI stays usable:
 * the connection was opened at the outer level, and the rollback frees
 * only what the subtransaction's statements allocated.
 */
ErrorData *
DdbRunInSubtransaction(void (*fn) (void *), void *arg)
{
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile error = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	}
	PG_END_TRY();
	return error;
}
