/*-------------------------------------------------------------------------
 *
 * http_private.h
 *	  Connections, requests and the functions the files of src/http share
 *	  (see http.h for the whole picture).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_HTTP_PRIVATE_H
#define DDB_HTTP_PRIVATE_H

#include "postgres.h"

#include <http_parser.h>

#include "lib/stringinfo.h"
#include "utils/timestamp.h"

/* DynamoDB's largest request body: 16 MB (longer is 413) */
#define DDB_HTTP_MAX_BODY			(16 * 1024 * 1024)
/* the longest request target (longer is 414) */
#define DDB_HTTP_MAX_URL			(16 * 1024)
/* the most header fields of a request (more is 431) */
#define DDB_HTTP_MAX_HEADERS		100
/* bytes read from a socket at a time */
#define DDB_HTTP_READ_SIZE			(64 * 1024)
/* responses waiting to be sent past which pipelined requests wait */
#define DDB_HTTP_OUTPUT_HIGH_WATER	(1024 * 1024)

/* One header field of a request: name in lower case */
typedef struct HttpHeader
{
	char	   *name;
	char	   *value;
} HttpHeader;

/*
 * A request as http_parser delivers it. Everything hangs off the
 * connection's request context, which is reset after each response.
 */
typedef struct HttpRequest
{
	enum http_method method;
	StringInfoData url;			/* request target, as sent */
	HttpHeader *headers;
	int			nheaders;
	int			maxheaders;
	StringInfoData field;		/* header name being received */
	StringInfoData value;		/* header value being received */
	bool		in_value;		/* the last callback was a value */
	StringInfoData body;		/* request body, as sent */
	int			refuse_status;	/* nonzero: answer this status, then close */
	bool		complete;		/* the whole request is here */
	bool		keep_alive;		/* the client keeps the connection */
} HttpRequest;

/* One client connection */
typedef struct HttpConn
{
	pgsocket	sock;
	int			slot;			/* index in the worker's connection array */
	int			event_pos;		/* position in the WaitEventSet; -1: none */
	uint32		events;			/* the WL_SOCKET_* events registered */
	MemoryContext context;		/* the connection's memory */
	MemoryContext request_context;	/* the current request's, reset after */
	http_parser parser;
	StringInfoData in;			/* bytes read and not yet parsed from in_pos */
	int			in_pos;
	StringInfoData out;			/* bytes to send from out_pos */
	int			out_pos;
	HttpRequest request;
	bool		in_request;		/* part of a request has arrived */
	bool		peer_closed;	/* the client closed its end (EOF) */
	bool		close_after_write;	/* close once out is sent */
	bool		broken;			/* close at once (error, reset) */
	TimestampTz request_start;	/* when the request's first byte came */
	TimestampTz last_progress;	/* when bytes last moved */
	uint64		requests;		/* requests answered */
} HttpConn;

/* http_conn.c */
/*
 * Whether a request is running (http_dispatch.c sets it around the
 * operation): SIGTERM then ends it at once; otherwise the worker exits
 * cleanly at the top of its loop
 */
extern volatile sig_atomic_t HttpRequestRunning;

extern HttpConn *HttpConnOpen(pgsocket sock, MemoryContext parent);
extern void HttpConnRead(HttpConn *conn);
extern void HttpConnWrite(HttpConn *conn);
extern void HttpConnProcess(HttpConn *conn);
extern uint32 HttpConnWantedEvents(HttpConn *conn);
extern bool HttpConnDone(HttpConn *conn);
extern bool HttpConnTimedOut(HttpConn *conn, TimestampTz now, int timeout_ms);
extern void HttpConnClose(HttpConn *conn);
extern void HttpAppendResponse(HttpConn *conn, int status, const char *extra_headers,
							   const char *content_type, const char *body, size_t body_len);
extern const char *HttpHeaderValue(HttpRequest *request, const char *lower_name);

/* http_dispatch.c */
extern void HttpDispatch(HttpConn *conn, HttpRequest *request);

/* http_auth.c: the role a request runs as; raises DynamoDB's auth errors */
extern Oid	HttpAuthenticate(HttpRequest *request);

#endif							/* DDB_HTTP_PRIVATE_H */
