/*-------------------------------------------------------------------------
 *
 * http.h
 *	  DynamoDB's HTTP endpoint inside PostgreSQL: background workers that
 *	  answer the AWS SDKs and CLI directly.
 *
 * With ddb in shared_preload_libraries and ddb.http_port not 0, the
 * postmaster starts ddb.http_workers workers ("ddb http" in
 * pg_stat_activity), each connected to ddb.http_database and listening on
 * ddb.http_listen_addresses:ddb.http_port with SO_REUSEPORT, so that the
 * kernel spreads connections among them. A worker is a single-threaded
 * backend with an event loop on a WaitEventSet (its latch, postmaster
 * death, its listening sockets and its client connections); each request
 * runs in a transaction of its own through the dispatch of ddb.call
 * (DdbCallText), as the role its access key maps to.
 *
 * Files:
 *	  http_worker.c		worker main, listening sockets, the event loop
 *	  http_conn.c		connections: reading, HTTP/1.1 framing with
 *						http_parser, keep-alive, pipelining, limits, writing
 *	  http_dispatch.c	a parsed request to a response: X-Amz-Target, the
 *						per-request transaction, error bodies, x-amz-crc32,
 *						gzip request bodies
 *	  http_auth.c		AWS Signature Version 4 and the access keys
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_HTTP_H
#define DDB_HTTP_H

#include "postgres.h"

/* http_worker.c: register the workers (from _PG_init) */
extern void DdbHttpInit(void);

/* http_worker.c: entry point of an HTTP worker */
extern PGDLLEXPORT void DdbHttpWorkerMain(Datum main_arg);

#endif							/* DDB_HTTP_H */
