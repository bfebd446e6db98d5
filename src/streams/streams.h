/*-------------------------------------------------------------------------
 *
 * streams.h
 *	  DynamoDB Streams on logical decoding: the output plugin that turns
 *	  changes of stream-enabled item tables into stream records
 *	  (stream_decode.c), the background worker's kind of work that stores
 *	  them in the retained log (stream_log.c), the streams of tables as
 *	  CreateTable, UpdateTable and DeleteTable change them
 *	  (stream_catalog.c), and the Streams API (stream_api.c).
 *
 * Glossary:
 *	  stream	 one enabling of a table's stream: a row of ddb.streams with
 *				 its own ARN (the table's ARN, "/stream/", its label). A
 *				 stream has a single shard, open while the stream is
 *				 ENABLING, ENABLED or DISABLING and closed once DISABLED.
 *	  record	 one DynamoDB stream record, a row of ddb.stream_records.
 *	  position	 where a record lies in the log: the LSN of its
 *				 transaction's commit record and its index among the
 *				 records that transaction produced. Positions order the
 *				 records of a shard; the record's SequenceNumber is its
 *				 position written as a decimal string.
 *	  slot		 the logical replication slot of the database
 *				 ("ddb_streams_<database oid>", plugin "ddb") that the
 *				 worker reads; it exists while some stream is not
 *				 DISABLED.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_STREAMS_H
#define DDB_STREAMS_H

#include "postgres.h"

#include "access/xlogdefs.h"
#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "worker/worker.h"

/* Records are kept this long, and so are disabled streams */
#define DDB_STREAM_RETENTION_SECS	(24 * 60 * 60)

/* Shard iterators expire this long after they were issued */
#define DDB_STREAM_ITERATOR_SECS	(15 * 60)

/*
 * Advisory locks (two-key space): STATE orders the enabling and disabling
 * of streams with the dropping of the slot; SLOT is held by whoever
 * creates, reads or drops the slot (the worker, ddb.pull_stream_records)
 */
#define DDB_STREAM_LOCK_KEY1	1684300403	/* "ddbs" */
#define DDB_STREAM_LOCK_STATE	1
#define DDB_STREAM_LOCK_SLOT	2

/* Prefix of the transactional logical message that marks TTL deletes */
#define DDB_TTL_MESSAGE_PREFIX	"ddb.ttl"

/* A position in the log: a record's commit LSN and its index there */
typedef struct DdbStreamPosition
{
	XLogRecPtr	lsn;
	int64		index;			/* -1: before the transaction's first record */
} DdbStreamPosition;

/*
 * A row of the plugin's "internal" (binary) output: a record (followed by
 * the record, a jsonb datum) or a stream's DISABLING row (nothing follows)
 */
#define DDB_STREAM_ROW_RECORD	'R'
#define DDB_STREAM_ROW_DISABLED 'D'

typedef struct DdbStreamRow
{
	char		kind;			/* DDB_STREAM_ROW_RECORD or _DISABLED */
	int64		stream_id;
	XLogRecPtr	lsn;			/* the transaction's commit LSN */
	int64		index;			/* among the transaction's rows */
	TimestampTz commit_time;	/* records only */
} DdbStreamRow;

/* stream_decode.c: a sequence number's text (31 digits) */
extern char *DdbStreamSequenceNumber(XLogRecPtr lsn, int64 index);

/* and back: false when the text is not one of ddb's sequence numbers */
extern bool DdbStreamParseSequenceNumber(const char *text, DdbStreamPosition *position);

/* stream_log.c: the name of this database's replication slot */
extern char *DdbStreamSlotName(void);

/* stream_log.c: the background worker's kind of work */
extern const DdbWorkKind DdbStreamLogWork;

/*
 * stream_catalog.c: the control plane. DdbStreamEnable starts a new stream
 * of a table (the caller checked the table has none); DdbStreamDisable
 * ends the table's live stream, if any, and returns whether there was one.
 */
extern void DdbStreamEnable(const char *table_name, const char *view_type, bool node_shards);
extern bool DdbStreamDisable(const char *table_name, bool table_dropped);

/*
 * stream_catalog.c, on a Citus node: make the node's stream of a
 * distributed table the published one (stream: the "stream" member of its
 * definition in ddb.distributed_tables, or NULL), within the transaction
 * that publishes it. While the node rewrites the table's catalog rows,
 * DdbStreamKeepOnTableDeleted keeps the stream from ending.
 */
extern void DdbStreamSyncNode(const char *table_name, JsonbContainer *stream,
							  bool table_dropped, int32 node_group);
extern bool DdbStreamKeepOnTableDeleted;

/* The view type of the table's live stream, or NULL when it has none */
extern char *DdbStreamLiveViewType(const char *table_name);

/* stream_api.c: the DynamoDB Streams operations */
extern Jsonb *DdbListStreams(JsonbContainer *request);
extern Jsonb *DdbDescribeStream(JsonbContainer *request);
extern Jsonb *DdbGetShardIterator(JsonbContainer *request);
extern Jsonb *DdbGetRecords(JsonbContainer *request);

/*
 * Whether a node answers a Streams operation from its own shards, and the
 * answer (for the coordinator of a distributed table: ddb.node_call)
 */
extern bool DdbStreamNodeOperation(const char *operation);
extern char *DdbStreamNodeCall(const char *operation, char *request);

#endif							/* DDB_STREAMS_H */
