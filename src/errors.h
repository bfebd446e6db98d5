/*-------------------------------------------------------------------------
 *
 * errors.h
 *	  DynamoDB error types, their SQLSTATEs, and the functions that raise them.
 *
 * Every DynamoDB-level failure is a PostgreSQL ERROR whose message is
 * "<ErrorType>: <text>" and whose SQLSTATE is private to ddb (class YD).
 * Extra members of DynamoDB's error body go in the DETAIL as JSON.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_ERRORS_H
#define DDB_ERRORS_H

#include "postgres.h"

#include "lib/stringinfo.h"

typedef enum DdbErrorType
{
	DDB_INTERNAL_SERVER_ERROR,
	DDB_VALIDATION,
	DDB_SERIALIZATION,
	DDB_UNKNOWN_OPERATION,
	DDB_RESOURCE_NOT_FOUND,
	DDB_RESOURCE_IN_USE,
	DDB_CONDITIONAL_CHECK_FAILED,
	DDB_TRANSACTION_CANCELED,
	DDB_TRANSACTION_CONFLICT,
	DDB_IDEMPOTENT_PARAMETER_MISMATCH,
	DDB_LIMIT_EXCEEDED,
	DDB_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED,
	DDB_PROVISIONED_THROUGHPUT_EXCEEDED,
	DDB_DUPLICATE_ITEM,
	DDB_TRANSACTION_IN_PROGRESS,
	DDB_EXPIRED_ITERATOR,
	DDB_TRIMMED_DATA_ACCESS,
	/* authentication and authorization (the HTTP endpoint) */
	DDB_ACCESS_DENIED,
	DDB_UNRECOGNIZED_CLIENT,
	DDB_INVALID_SIGNATURE,
	DDB_MISSING_AUTHENTICATION_TOKEN,
	DDB_INCOMPLETE_SIGNATURE,
	/* on-demand backups */
	DDB_BACKUP_NOT_FOUND,
	DDB_BACKUP_IN_USE,
	DDB_TABLE_NOT_FOUND,
	DDB_TABLE_ALREADY_EXISTS,
	DDB_TABLE_IN_USE,
	/* point-in-time recovery */
	DDB_POINT_IN_TIME_RECOVERY_UNAVAILABLE,
	DDB_INVALID_RESTORE_TIME,
	DDB_CONTINUOUS_BACKUPS_UNAVAILABLE,
	/* exports */
	DDB_EXPORT_NOT_FOUND,
	DDB_EXPORT_CONFLICT,
	DDB_INVALID_EXPORT_TIME,
	/* import from S3 (a server directory) */
	DDB_IMPORT_CONFLICT,
	DDB_IMPORT_NOT_FOUND,
	DDB_ERROR_TYPE_COUNT
} DdbErrorType;

/* DynamoDB name of an error type, e.g. "ValidationException" */
extern const char *DdbErrorName(DdbErrorType type);

/* SQLSTATE (as made by MAKE_SQLSTATE) of an error type */
extern int	DdbErrorSqlState(DdbErrorType type);

/* Raise "<ErrorType>: <message>" */
extern void DdbRaise(DdbErrorType type, const char *fmt,...)
			pg_attribute_printf(2, 3) pg_attribute_noreturn();

/* Same, with a JSON object (text) as the error's DETAIL */
extern void DdbRaiseWithDetail(DdbErrorType type, const char *detail_json,
							   const char *fmt,...)
			pg_attribute_printf(3, 4) pg_attribute_noreturn();

/*
 * Values a request gives are echoed in messages cut after this many bytes,
 * so that a message about a 16 MB request stays readable
 */
#define DDB_ECHO_MAX 1024

/* text, or its first DDB_ECHO_MAX bytes (whole characters) and "..." */
extern char *DdbEchoText(const char *text, int len);

/*
 * An error as DynamoDB's wire protocol answers it: HTTP status and the
 * members of the JSON error body.
 */
typedef struct DdbWireError
{
	int			http_status;	/* 400, or 500 for a server fault */
	const char *type;			/* "com.amazon.coral.validate#ValidationException" */
	const char *message_member; /* "message" or "Message" */
	char	   *message;		/* the text after "<ErrorType>: " */
	char	   *extra_members;	/* further members as JSON object text, or NULL */
	bool		server_fault;	/* not ddb's DynamoDB error: worth logging */
} DdbWireError;

/*
 * The wire form of an error raised in a call (a ddb error, or PostgreSQL's:
 * a missing privilege is AccessDeniedException, anything else
 * InternalServerError). Allocates in the current memory context.
 */
extern void DdbWireErrorFromErrorData(ErrorData *edata, DdbWireError *wire);

/* The wire form of a DynamoDB error type with a message */
extern void DdbWireErrorOfType(DdbErrorType type, const char *message, DdbWireError *wire);

/* Shorthands for the two most common errors */
#define DdbValidationError(...) DdbRaise(DDB_VALIDATION, __VA_ARGS__)
#define DdbSerializationError(...) DdbRaise(DDB_SERIALIZATION, __VA_ARGS__)


/*
 * Collector for DynamoDB's parameter-constraint errors, which are reported
 * together: "2 validation errors detected: Value 'x' at 'tableName' failed to
 * satisfy constraint: ...; Value null at 'key' failed to ...".
 */
typedef struct DdbConstraintErrors
{
	int			count;			/* errors collected */
	StringInfoData text;		/* "; "-separated descriptions */
} DdbConstraintErrors;

extern void DdbConstraintInit(DdbConstraintErrors *errors);

/*
 * value is the value as DynamoDB prints it ('x' quoted, or null); a quoted
 * value longer than DDB_ECHO_MAX bytes is cut to its first DDB_ECHO_MAX
 * bytes and "..." ('xxx...')
 */
extern void DdbConstraintAdd(DdbConstraintErrors *errors, const char *value,
							 const char *member, const char *constraint);

/* Raise the collected errors, if any, as one ValidationException */
extern void DdbConstraintRaise(DdbConstraintErrors *errors);

/*
 * Run fn(arg) in an internal subtransaction: NULL when it succeeded (and
 * was committed into the caller's transaction), else the error it raised,
 * after rolling it back. The caller handles or re-throws the error.
 */
extern ErrorData *DdbRunInSubtransaction(void (*fn) (void *), void *arg);

#endif							/* DDB_ERRORS_H */
