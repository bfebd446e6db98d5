/*-------------------------------------------------------------------------
 *
 * http_conn.c
 *	  Client connections of an HTTP worker: reading, HTTP/1.1 framing with
 *	  http_parser, keep-alive and pipelining, limits, and writing.
 *
 * Framing is http_parser's (nodejs' parser, Debian's libhttp-parser):
 * bytes read are appended to the connection's input and fed to the
 * parser, whose callbacks copy the request line, header fields and body
 * into the request (in the connection's request context). When a request
 * is complete the parser pauses; the request is answered (http_dispatch.c)
 * and its response appended to the output, the request context is reset,
 * and parsing goes on with the bytes that follow, so pipelined requests
 * are answered in order. Once the output holds more than
 * DDB_HTTP_OUTPUT_HIGH_WATER bytes, further requests wait until it has
 * been sent, and nothing more is read meanwhile.
 *
 * Limits: a body over 16 MB is 413, a request target over 16 KB 414, more
 * than 100 header fields or a header section over http_parser's 80 KB
 * 431, anything else the parser refuses 400; each of these answers closes
 * the connection. Timeouts are the worker's (HttpConnTimedOut).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>

#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "http/http_private.h"

static int	OnMessageBegin(http_parser *parser);
static int	OnUrl(http_parser *parser, const char *at, size_t length);
static int	OnHeaderField(http_parser *parser, const char *at, size_t length);
static int	OnHeaderValue(http_parser *parser, const char *at, size_t length);
static int	OnHeadersComplete(http_parser *parser);
static int	OnBody(http_parser *parser, const char *at, size_t length);
static int	OnMessageComplete(http_parser *parser);

static const http_parser_settings ParserSettings = {
	.on_message_begin = OnMessageBegin,
	.on_url = OnUrl,
	.on_header_field = OnHeaderField,
	.on_header_value = OnHeaderValue,
	.on_headers_complete = OnHeadersComplete,
	.on_body = OnBody,
	.on_message_complete = OnMessageComplete,
};

/*
 * Start an empty request in the (freshly reset) request context.
 */
static void
ResetRequest(HttpConn *conn)
{
	HttpRequest *request = &conn->request;
	MemoryContext old;

	MemoryContextReset(conn->request_context);
	old = MemoryContextSwitchTo(conn->request_context);
	memset(request, 0, sizeof(HttpRequest));
	initStringInfo(&request->url);
	initStringInfo(&request->field);
	initStringInfo(&request->value);
	initStringInfo(&request->body);
	request->maxheaders = 16;
	request->headers = palloc(sizeof(HttpHeader) * request->maxheaders);
	MemoryContextSwitchTo(old);
	conn->in_request = false;
}

/*
 * HttpConnOpen sets up a connection on an accepted, non-blocking socket.
 */
HttpConn *
HttpConnOpen(pgsocket sock, MemoryContext parent)
{
	MemoryContext context = AllocSetContextCreate(parent, "ddb http connection",
												  ALLOCSET_SMALL_SIZES);
	HttpConn   *conn = MemoryContextAllocZero(context, sizeof(HttpConn));
	MemoryContext old;

	conn->sock = sock;
	conn->slot = -1;
	conn->event_pos = -1;
	conn->context = context;
	conn->request_context = AllocSetContextCreate(context, "ddb http request",
												  ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(context);
	initStringInfo(&conn->in);
	initStringInfo(&conn->out);
	MemoryContextSwitchTo(old);
	http_parser_init(&conn->parser, HTTP_REQUEST);
	conn->parser.data = conn;
	ResetRequest(conn);
	conn->last_progress = GetCurrentTimestamp();
	return conn;
}

/*
 * HttpConnClose closes the socket and frees everything of a connection.
 */
void
HttpConnClose(HttpConn *conn)
{
	closesocket(conn->sock);
	MemoryContextDelete(conn->context);
}

/* ---- parser callbacks (they copy into the request context) ---- */

static int
OnMessageBegin(http_parser *parser)
{
	HttpConn   *conn = (HttpConn *) parser->data;

	conn->in_request = true;
	conn->request_start = GetCurrentTimestamp();
	return 0;
}

static int
OnUrl(http_parser *parser, const char *at, size_t length)
{
	HttpConn   *conn = (HttpConn *) parser->data;
	HttpRequest *request = &conn->request;

	if (request->url.len + length > DDB_HTTP_MAX_URL)
	{
		request->refuse_status = 414;
		return 1;
	}
	appendBinaryStringInfo(&request->url, at, length);
	return 0;
}

/*
 * Store the header whose name and value have been received.
 */
static bool
FinishHeader(HttpRequest *request, MemoryContext context)
{
	HttpHeader *header;

	if (request->field.len == 0)
		return true;
	if (request->nheaders >= DDB_HTTP_MAX_HEADERS)
	{
		request->refuse_status = 431;
		return false;
	}
	if (request->nheaders == request->maxheaders)
	{
		request->maxheaders *= 2;
		request->headers = repalloc(request->headers,
									sizeof(HttpHeader) * request->maxheaders);
	}
	header = &request->headers[request->nheaders++];
	header->name = MemoryContextStrdup(context, request->field.data);
	for (char *p = header->name; *p; p++)
		*p = pg_ascii_tolower((unsigned char) *p);
	header->value = MemoryContextStrdup(context, request->value.data);
	resetStringInfo(&request->field);
	resetStringInfo(&request->value);
	request->in_value = false;
	return true;
}

static int
OnHeaderField(http_parser *parser, const char *at, size_t length)
{
	HttpConn   *conn = (HttpConn *) parser->data;
	HttpRequest *request = &conn->request;

	if (request->in_value && !FinishHeader(request, conn->request_context))
		return 1;
	appendBinaryStringInfo(&request->field, at, length);
	return 0;
}

static int
OnHeaderValue(http_parser *parser, const char *at, size_t length)
{
	HttpConn   *conn = (HttpConn *) parser->data;
	HttpRequest *request = &conn->request;

	request->in_value = true;
	appendBinaryStringInfo(&request->value, at, length);
	return 0;
}

static int
OnHeadersComplete(http_parser *parser)
{
	HttpConn   *conn = (HttpConn *) parser->data;
	HttpRequest *request = &conn->request;
	const char *expect;

	if (!FinishHeader(request, conn->request_context))
		return -1;
	request->method = parser->method;
	if ((parser->flags & F_CONTENTLENGTH) && parser->content_length > DDB_HTTP_MAX_BODY)
	{
		request->refuse_status = 413;
		return -1;
	}
	/* a client waiting for leave to send its body gets it */
	expect = HttpHeaderValue(request, "expect");
	if (expect != NULL && pg_strcasecmp(expect, "100-continue") == 0 &&
		parser->http_major == 1 && parser->http_minor >= 1)
		appendStringInfoString(&conn->out, "HTTP/1.1 100 Continue\r\n\r\n");
	return 0;
}

static int
OnBody(http_parser *parser, const char *at, size_t length)
{
	HttpConn   *conn = (HttpConn *) parser->data;
	HttpRequest *request = &conn->request;
	MemoryContext old;

	if (request->body.len + length > DDB_HTTP_MAX_BODY)
	{
		request->refuse_status = 413;
		return 1;
	}
	old = MemoryContextSwitchTo(conn->request_context);
	appendBinaryStringInfo(&request->body, at, length);
	MemoryContextSwitchTo(old);
	return 0;
}

static int
OnMessageComplete(http_parser *parser)
{
	HttpConn   *conn = (HttpConn *) parser->data;

	conn->request.complete = true;
	conn->request.keep_alive = http_should_keep_alive(parser) != 0;
	http_parser_pause(parser, 1);
	return 0;
}

/*
 * HttpHeaderValue returns the value of a request's header (name in lower
 * case), or NULL; a field sent several times gives its first value.
 */
const char *
HttpHeaderValue(HttpRequest *request, const char *lower_name)
{
	for (int i = 0; i < request->nheaders; i++)
	{
		if (strcmp(request->headers[i].name, lower_name) == 0)
			return request->headers[i].value;
	}
	return NULL;
}

/* ---- responses ---- */

static const char *
StatusText(int status)
{
	switch (status)
	{
		case 200:
			return "OK";
		case 400:
			return "Bad Request";
		case 404:
			return "Not Found";
		case 408:
			return "Request Timeout";
		case 413:
			return "Request Entity Too Large";
		case 414:
			return "Request-URI Too Long";
		case 431:
			return "Request Header Fields Too Large";
		case 500:
			return "Internal Server Error";
		case 503:
			return "Service Unavailable";
		default:
			return "Unknown";
	}
}

/*
 * HttpAppendResponse appends a response to the output: status line, the
 * extra header lines given ("Name: value\r\n" each, or NULL), Content-Type
 * (when given), Content-Length, Date, Connection: close when the
 * connection is to close after it, and the body.
 */
void
HttpAppendResponse(HttpConn *conn, int status, const char *extra_headers,
				   const char *content_type, const char *body, size_t body_len)
{
	StringInfo	out = &conn->out;
	MemoryContext old = MemoryContextSwitchTo(conn->context);
	static time_t date_time = 0;
	static char date[64];
	time_t		now = time(NULL);
	char		number[MAXINT8LEN + 1];

	if (now != date_time)
	{
		struct tm	tm;

		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		date_time = now;
	}
	/* drop what was sent, so that the buffer does not grow forever */
	if (conn->out_pos > 0 && conn->out_pos == out->len)
	{
		resetStringInfo(out);
		conn->out_pos = 0;
	}
	/* (no printf-style formatting: this runs for every response) */
	appendStringInfoString(out, "HTTP/1.1 ");
	appendBinaryStringInfo(out, number, pg_ultoa_n((uint32) status, number));
	appendStringInfoChar(out, ' ');
	appendStringInfoString(out, StatusText(status));
	appendStringInfoString(out, "\r\n");
	if (extra_headers)
		appendStringInfoString(out, extra_headers);
	if (content_type)
	{
		appendStringInfoString(out, "Content-Type: ");
		appendStringInfoString(out, content_type);
		appendStringInfoString(out, "\r\n");
	}
	appendStringInfoString(out, "Content-Length: ");
	appendBinaryStringInfo(out, number, pg_ulltoa_n((uint64) body_len, number));
	appendStringInfoString(out, "\r\nDate: ");
	appendStringInfoString(out, date);
	appendStringInfoString(out, "\r\n");
	if (conn->close_after_write)
		appendStringInfoString(out, "Connection: close\r\n");
	appendStringInfoString(out, "\r\n");
	if (body_len > 0)
		appendBinaryStringInfo(out, body, body_len);
	MemoryContextSwitchTo(old);
	conn->requests++;
}

/*
 * Answer a request the parser refused, and close after it.
 */
static void
Refuse(HttpConn *conn, int status)
{
	conn->close_after_write = true;
	HttpAppendResponse(conn, status, NULL, NULL, NULL, 0);
}

/* ---- reading, parsing, writing ---- */

/*
 * HttpConnRead reads what the socket has (up to a limit per call, so that
 * one busy client does not starve the others).
 */
void
HttpConnRead(HttpConn *conn)
{
	for (int round = 0; round < 16; round++)
	{
		ssize_t		n;

		enlargeStringInfo(&conn->in, DDB_HTTP_READ_SIZE);
		n = recv(conn->sock, conn->in.data + conn->in.len, DDB_HTTP_READ_SIZE, 0);
		if (n > 0)
		{
			conn->in.len += n;
			conn->in.data[conn->in.len] = '\0';
			conn->last_progress = GetCurrentTimestamp();
			if (n < DDB_HTTP_READ_SIZE)
				return;
			continue;
		}
		if (n == 0)
		{
			conn->peer_closed = true;
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			conn->broken = true;
		return;
	}
}

/*
 * HttpConnProcess parses the input read so far and answers every complete
 * request in it, in order, until the output is full enough to wait.
 */
void
HttpConnProcess(HttpConn *conn)
{
	while (!conn->broken && !conn->close_after_write &&
		   conn->out.len - conn->out_pos < DDB_HTTP_OUTPUT_HIGH_WATER)
	{
		size_t		available = conn->in.len - conn->in_pos;
		size_t		parsed;
		enum http_errno error;

		if (available == 0 && !conn->peer_closed)
			break;
		parsed = http_parser_execute(&conn->parser, &ParserSettings,
									 conn->in.data + conn->in_pos, available);
		conn->in_pos += parsed;
		error = HTTP_PARSER_ERRNO(&conn->parser);
		if (error == HPE_PAUSED)
		{
			http_parser_pause(&conn->parser, 0);
			HttpDispatch(conn, &conn->request);
			if (!conn->request.keep_alive)
				conn->close_after_write = true;
			ResetRequest(conn);
			continue;
		}
		if (error != HPE_OK)
		{
			int			status = conn->request.refuse_status;

			if (status == 0)
				status = error == HPE_HEADER_OVERFLOW ? 431 : 400;
			Refuse(conn, status);
			break;
		}
		if (available == 0)
		{
			/* the client closed its end: it sends no more */
			if (conn->in_request)
				conn->broken = true;
			else
				conn->close_after_write = true;
			break;
		}
		if (parsed == available)
			break;
	}
	/* the input is all parsed: start it over */
	if (conn->in_pos == conn->in.len)
	{
		conn->in_pos = 0;
		conn->in.len = 0;
		if (conn->in.maxlen > 4 * DDB_HTTP_READ_SIZE)
		{
			/* give back what a large request took */
			pfree(conn->in.data);
			conn->in.data = MemoryContextAlloc(conn->context, DDB_HTTP_READ_SIZE + 1);
			conn->in.maxlen = DDB_HTTP_READ_SIZE + 1;
		}
		conn->in.data[0] = '\0';
	}
	else if (conn->in_pos > DDB_HTTP_READ_SIZE)
	{
		/* move the rest to the front */
		memmove(conn->in.data, conn->in.data + conn->in_pos, conn->in.len - conn->in_pos);
		conn->in.len -= conn->in_pos;
		conn->in_pos = 0;
		conn->in.data[conn->in.len] = '\0';
	}
}

/*
 * HttpConnWrite sends what the output holds, as far as the socket takes
 * it.
 */
void
HttpConnWrite(HttpConn *conn)
{
	while (conn->out_pos < conn->out.len)
	{
		ssize_t		n = send(conn->sock, conn->out.data + conn->out_pos,
							 conn->out.len - conn->out_pos, MSG_NOSIGNAL);

		if (n > 0)
		{
			conn->out_pos += n;
			conn->last_progress = GetCurrentTimestamp();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn->broken = true;
		return;
	}
	resetStringInfo(&conn->out);
	conn->out_pos = 0;
	if (conn->out.maxlen > 4 * DDB_HTTP_READ_SIZE)
	{
		pfree(conn->out.data);
		conn->out.data = MemoryContextAlloc(conn->context, 1024);
		conn->out.maxlen = 1024;
		conn->out.data[0] = '\0';
	}
}

/*
 * HttpConnWantedEvents says what the connection waits for: to send its
 * output, or (with room for responses) to read.
 */
uint32
HttpConnWantedEvents(HttpConn *conn)
{
	uint32		events = 0;

	if (conn->out_pos < conn->out.len)
		events |= WL_SOCKET_WRITEABLE;
	if (!conn->peer_closed && !conn->close_after_write &&
		conn->out.len - conn->out_pos < DDB_HTTP_OUTPUT_HIGH_WATER)
		events |= WL_SOCKET_READABLE;
	return events;
}

/*
 * HttpConnDone says whether the connection is to be closed now.
 */
bool
HttpConnDone(HttpConn *conn)
{
	if (conn->broken)
		return true;
	if (conn->out_pos < conn->out.len)
		return false;
	if (conn->close_after_write)
		return true;
	/* the client closed its end and every request it sent is answered */
	return conn->peer_closed && conn->in_pos == conn->in.len;
}

/*
 * HttpConnTimedOut says whether a connection has been idle, or a request
 * or response has been stuck, for longer than timeout_ms.
 */
bool
HttpConnTimedOut(HttpConn *conn, TimestampTz now, int timeout_ms)
{
	if (TimestampDifferenceExceeds(conn->last_progress, now, timeout_ms))
		return true;
	/* a client that trickles a request in */
	if (conn->in_request &&
		TimestampDifferenceExceeds(conn->request_start, now, timeout_ms))
		return true;
	return false;
}
