/*-------------------------------------------------------------------------
 *
 * http_dispatch.c
 *	  One HTTP request to its response: DynamoDB's wire protocol on top of
 *	  the dispatch of ddb.call.
 *
 * A request is "POST /" with "X-Amz-Target: DynamoDB_20120810.<Op>" (or
 * "DynamoDBStreams_20120810.<Op>" for the Streams API, served on the same
 * port) and a JSON body (Content-Type application/x-amz-json-1.0 or 1.1),
 * which may come gzip-compressed (Content-Encoding: gzip). It runs in a
 * transaction of its own: authentication (http_auth.c) gives the role,
 * the call runs as that role through DdbCallText (the text path, so that
 * U+0000 travels both ways), and the transaction commits before the
 * response is sent. An error anywhere rolls the transaction back and is
 * answered with DynamoDB's error body (errors.c maps it): HTTP 400, or 500
 * for InternalServerError, whose cause goes to the server log. Every
 * response carries x-amzn-RequestId and x-amz-crc32 (the CRC32 of its
 * body, which the SDKs check).
 *
 * "GET /" is DynamoDB's health check; another method or content type gets
 * the 404 DynamoDB answers with.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <zlib.h>

#include "access/xact.h"
#include "commands/extension.h"
#include "common/pg_prng.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"

#include "errors.h"
#include "guc.h"
#include "http/http_private.h"
#include "operations.h"

/* target prefixes of the two APIs */
#define TARGET_DYNAMODB "DynamoDB_20120810."
#define TARGET_STREAMS "DynamoDBStreams_20120810."

/* the operations of the Streams API, which only its prefix reaches */
static const char *const StreamsOperations[] = {
	"DescribeStream", "GetRecords", "GetShardIterator", "ListStreams",
};

/* the extension has been seen installed in the database */
static bool ExtensionSeen = false;

/*
 * Write a new request id: 52 characters of [A-Z0-9], as DynamoDB's.
 */
static void
NewRequestId(char *id)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	/* 36^12: twelve characters from each draw of a uniform number below it */
	const uint64 range = UINT64CONST(4738381338321616896);
	uint64		draw = 0;

	for (int i = 0; i < 52; i++)
	{
		if (i % 12 == 0)
			draw = pg_prng_uint64_range(&pg_global_prng_state, 0, range - 1);
		id[i] = alphabet[draw % 36];
		draw /= 36;
	}
	id[52] = '\0';
}

/*
 * Append a response whose body is sent with its CRC32.
 */
static void
Respond(HttpConn *conn, StringInfo headers, int status, const char *content_type,
		const char *body, size_t len)
{
	uLong		crc = crc32(0L, (const Bytef *) body, (uInt) len);
	char		number[MAXINT8LEN + 1];

	appendStringInfoString(headers, "x-amz-crc32: ");
	appendBinaryStringInfo(headers, number, pg_ulltoa_n((uint64) crc, number));
	appendStringInfoString(headers, "\r\n");
	HttpAppendResponse(conn, status, headers->data, content_type, body, len);
}

/*
 * Append DynamoDB's error body for an error.
 */
static void
RespondError(HttpConn *conn, StringInfo headers, const char *content_type, DdbWireError *wire)
{
	StringInfoData body;

	initStringInfo(&body);
	appendStringInfoString(&body, "{\"__type\":");
	escape_json(&body, wire->type);
	if (wire->message != NULL)
	{
		appendStringInfo(&body, ",\"%s\":", wire->message_member);
		escape_json(&body, wire->message);
	}
	if (wire->extra_members != NULL)
	{
		appendStringInfoChar(&body, ',');
		appendStringInfoString(&body, wire->extra_members);
	}
	appendStringInfoChar(&body, '}');
	Respond(conn, headers, wire->http_status, content_type, body.data, body.len);
}

/*
 * Answer an error type with a message (NULL: the body has none).
 */
static void
RespondErrorOfType(HttpConn *conn, StringInfo headers, const char *content_type,
				   DdbErrorType type, const char *message)
{
	DdbWireError wire;

	DdbWireErrorOfType(type, message ? message : "", &wire);
	if (message == NULL)
		wire.message = NULL;
	RespondError(conn, headers, content_type, &wire);
}

/* zlib's allocator: the request context, so that an error leaks nothing */
static voidpf
ZAlloc(voidpf opaque, uInt items, uInt size)
{
	return MemoryContextAllocExtended((MemoryContext) opaque, (Size) items * size,
									  MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
}

static void
ZFree(voidpf opaque, voidpf address)
{
	if (address != NULL)
		pfree(address);
}

/*
 * Inflate a gzip body into out; returns 0, or the HTTP status of the
 * failure (400 for a malformed stream, 413 past 16 MB).
 */
static int
Gunzip(const char *data, size_t len, StringInfo out)
{
	z_stream	stream;
	int			rc;
	int			status = 0;

	memset(&stream, 0, sizeof(stream));
	stream.zalloc = ZAlloc;
	stream.zfree = ZFree;
	stream.opaque = CurrentMemoryContext;
	if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
		return 400;
	stream.next_in = (Bytef *) data;
	stream.avail_in = (uInt) len;
	for (;;)
	{
		if (out->maxlen - out->len < 65536)
		{
			if (out->len > DDB_HTTP_MAX_BODY)
			{
				status = 413;
				break;
			}
			enlargeStringInfo(out, 65536);
		}
		stream.next_out = (Bytef *) out->data + out->len;
		stream.avail_out = out->maxlen - out->len - 1;
		rc = inflate(&stream, Z_NO_FLUSH);
		out->len = (char *) stream.next_out - out->data;
		out->data[out->len] = '\0';
		if (rc == Z_STREAM_END)
		{
			/* bytes after the gzip stream are an error */
			if (stream.avail_in != 0)
				status = 400;
			break;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
		{
			status = 400;
			break;
		}
		if (rc == Z_BUF_ERROR && stream.avail_in == 0)
		{
			status = 400;		/* truncated */
			break;
		}
	}
	if (status == 0 && out->len > DDB_HTTP_MAX_BODY)
		status = 413;
	inflateEnd(&stream);
	return status;
}

/*
 * The response content type for a request's: the JSON protocol version it
 * asked for; NULL when the request's is not one DynamoDB serves.
 */
static const char *
ResponseContentType(const char *content_type)
{
	static const char *const known[] = {
		"application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json",
	};

	if (content_type == NULL)
		return NULL;
	for (int i = 0; i < lengthof(known); i++)
	{
		size_t		len = strlen(known[i]);

		if (pg_strncasecmp(content_type, known[i], len) == 0 &&
			(content_type[len] == '\0' || content_type[len] == ';' || content_type[len] == ' '))
			return known[i];
	}
	return NULL;
}

/*
 * The operation an X-Amz-Target names, or NULL when it names none of
 * DynamoDB's or DynamoDB Streams'.
 */
static const char *
TargetOperation(const char *target)
{
	bool		streams;
	const char *operation;
	bool		is_streams_operation = false;

	if (target == NULL)
		return NULL;
	if (strncmp(target, TARGET_DYNAMODB, strlen(TARGET_DYNAMODB)) == 0)
	{
		streams = false;
		operation = target + strlen(TARGET_DYNAMODB);
	}
	else if (strncmp(target, TARGET_STREAMS, strlen(TARGET_STREAMS)) == 0)
	{
		streams = true;
		operation = target + strlen(TARGET_STREAMS);
	}
	else
		return NULL;
	if (*operation == '\0' || strchr(operation, '.') != NULL)
		return NULL;
	for (int i = 0; i < lengthof(StreamsOperations); i++)
	{
		if (strcmp(operation, StreamsOperations[i]) == 0)
			is_streams_operation = true;
	}
	if (streams != is_streams_operation)
		return NULL;
	return operation;
}

/*
 * Run an operation in a transaction of its own as the request's role.
 * Returns the response body (NULL: none) allocated in the caller's
 * context, or fills in *wire and sets *failed.
 */
static char *
RunOperation(HttpRequest *request, const char *target, const char *operation,
			 char *body, DdbWireError *wire, bool *failed)
{
	MemoryContext context = CurrentMemoryContext;
	char	   *volatile response = NULL;

	*failed = false;
	SetCurrentStatementStartTimestamp();
	HttpRequestRunning = true;
	StartTransactionCommand();
	PG_TRY();
	{
		Oid			save_user;
		int			save_sec_context;
		Oid			role;

		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, target);
		if (!ExtensionSeen)
		{
			if (!OidIsValid(get_extension_oid("ddb", true)))
				DdbRaise(DDB_INTERNAL_SERVER_ERROR,
						 "The extension ddb is not installed in database \"%s\" (ddb.http_database)",
						 DdbHttpDatabase);
			ExtensionSeen = true;
		}
		role = HttpAuthenticate(request);
		GetUserIdAndSecContext(&save_user, &save_sec_context);
		SetUserIdAndSecContext(role, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		if (StatementTimeout > 0)
			enable_timeout_after(STATEMENT_TIMEOUT, StatementTimeout);
		/* the response is built in the caller's context, which outlives the commit */
		MemoryContextSwitchTo(context);
		response = DdbCallText(operation, body);
		if (get_timeout_active(STATEMENT_TIMEOUT))
			disable_timeout(STATEMENT_TIMEOUT, false);
		SetUserIdAndSecContext(save_user, save_sec_context);
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		FlushErrorState();
		if (get_timeout_active(STATEMENT_TIMEOUT))
			disable_timeout(STATEMENT_TIMEOUT, false);
		AbortCurrentTransaction();
		MemoryContextSwitchTo(context);
		DdbWireErrorFromErrorData(edata, wire);
		if (wire->server_fault)
		{
			/* the cause goes to the server log, not to the client */
			ereport(LOG,
					(errmsg("ddb http: %s failed: %s", target, edata->message),
					 edata->detail ? errdetail_internal("%s", edata->detail) : 0));
			ExtensionSeen = false;
		}
		FreeErrorData(edata);
		*failed = true;
		response = NULL;
	}
	PG_END_TRY();
	HttpRequestRunning = false;
	MemoryContextSwitchTo(context);
	pgstat_report_activity(STATE_IDLE, NULL);
	pgstat_report_stat(false);
	return response;
}

/*
 * HttpDispatch answers a complete request: appends its response to the
 * connection's output. Runs in the connection's request context.
 */
void
HttpDispatch(HttpConn *conn, HttpRequest *request)
{
	MemoryContext old = MemoryContextSwitchTo(conn->request_context);
	StringInfoData headers;
	char		request_id[53];
	const char *content_type;
	const char *encoding;
	const char *operation;
	const char *target;
	char	   *path;
	char	   *body;
	char	   *response;
	DdbWireError wire;
	bool		failed;

	NewRequestId(request_id);
	initStringInfo(&headers);
	appendStringInfoString(&headers, "x-amzn-RequestId: ");
	appendStringInfoString(&headers, request_id);
	appendStringInfoString(&headers, "\r\n");

	path = pstrdup(request->url.data);
	if (strchr(path, '?') != NULL)
		*strchr(path, '?') = '\0';

	/* the health check */
	if (request->method == HTTP_GET && strcmp(path, "/") == 0)
	{
		char	   *text = psprintf("healthy: dynamodb.%s.amazonaws.com ", DdbRegion);

		Respond(conn, &headers, 200, "text/plain", text, strlen(text));
		goto done;
	}

	content_type = ResponseContentType(HttpHeaderValue(request, "content-type"));
	if (request->method != HTTP_POST ||
		(request->body.len > 0 && content_type == NULL))
	{
		static const char text[] = "<UnknownOperationException/>\n";

		Respond(conn, &headers, 404, NULL, text, strlen(text));
		goto done;
	}
	if (content_type == NULL)
		content_type = "application/x-amz-json-1.0";

	/* the body: as sent, or inflated */
	body = request->body.data;
	encoding = HttpHeaderValue(request, "content-encoding");
	if (encoding != NULL && pg_strcasecmp(encoding, "identity") != 0)
	{
		StringInfoData inflated;
		int			status;

		if (pg_strcasecmp(encoding, "gzip") != 0)
		{
			RespondErrorOfType(conn, &headers, content_type, DDB_SERIALIZATION,
							   psprintf("Unsupported Content-Encoding: %s", encoding));
			goto done;
		}
		initStringInfo(&inflated);
		status = Gunzip(request->body.data, request->body.len, &inflated);
		if (status == 413)
		{
			conn->close_after_write = true;
			HttpAppendResponse(conn, 413, headers.data, NULL, NULL, 0);
			goto done;
		}
		if (status != 0)
		{
			RespondErrorOfType(conn, &headers, content_type, DDB_SERIALIZATION,
							   "The request body is not a valid gzip stream");
			goto done;
		}
		body = inflated.data;
		if ((int) strlen(body) != inflated.len)
		{
			RespondErrorOfType(conn, &headers, content_type, DDB_SERIALIZATION,
							   "The request body holds the byte 0, which JSON does not allow");
			goto done;
		}
	}
	else if ((int) strlen(body) != request->body.len)
	{
		RespondErrorOfType(conn, &headers, content_type, DDB_SERIALIZATION,
						   "The request body holds the byte 0, which JSON does not allow");
		goto done;
	}

	target = HttpHeaderValue(request, "x-amz-target");
	operation = TargetOperation(target);
	if (operation == NULL)
	{
		RespondErrorOfType(conn, &headers, content_type, DDB_UNKNOWN_OPERATION, NULL);
		goto done;
	}
	if (!pg_verifymbstr(body, strlen(body), true))
	{
		RespondErrorOfType(conn, &headers, content_type, DDB_SERIALIZATION,
						   "The request body is not valid UTF-8");
		goto done;
	}

	response = RunOperation(request, target, operation, body, &wire, &failed);
	if (failed)
		RespondError(conn, &headers, content_type, &wire);
	else if (response == NULL)
		Respond(conn, &headers, 200, content_type, "", 0);
	else
		Respond(conn, &headers, 200, content_type, response, strlen(response));

done:
	MemoryContextSwitchTo(old);
}
