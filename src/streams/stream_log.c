/*-------------------------------------------------------------------------
 *
 * stream_log.c
 *	  The retained log of stream records: the background worker's kind of
 *	  work that reads the database's replication slot with the plugin
 *	  (stream_decode.c) and stores the records in ddb.stream_records, the
 *	  slot's lifecycle, trimming after 24 hours, and
 *	  ddb.pull_stream_records(), which does the same work at once.
 *
 * Decoding. The worker decodes the slot itself (logical.h), with the
 * plugin's binary "internal" rows written into a tuplestore, and keeps its
 * decoding session (the WAL reader's position and the transactions in
 * progress) from one batch to the next, so each batch decodes only the
 * WAL written since the last one. ddb.pull_stream_records() decodes the
 * same way in a session of its own call. A session starts at the slot's
 * restart point (and writes only transactions that commit at or after its
 * confirmed position); a kept session is given up, and a new one started,
 * when its last batch did not commit, when someone else moved the slot or
 * stored progress meanwhile, and when it holds transactions spilled to
 * disk (a new session of the slot removes the slot's spill files).
 *
 * Exactly once. A batch is one transaction, under the streams' SLOT
 * advisory lock (so the worker and ddb.pull_stream_records take turns):
 *
 *	 1. move the slot's confirmed position up to ddb.stream_state's
 *		progress_lsn, committed by an earlier batch (never to one stored by
 *		the current transaction): every transaction whose commit record
 *		starts before it is stored (or had nothing for the log);
 *	 2. decode up to the WAL flushed now, or until DDB_STREAM_BATCH rows;
 *		the plugin writes whole transactions, each record with its commit
 *		LSN;
 *	 3. store the records whose commit LSN is not below progress_lsn,
 *		close the shards of streams whose DISABLING row came, and record
 *		the new progress_lsn (where the decoding stopped), all in this
 *		transaction.
 *
 * A crash anywhere loses nothing and stores nothing twice: if the batch
 * did not commit, the slot was not moved past it and the next batch
 * decodes it again; if it committed and the slot was not moved yet, the
 * rows decoded again lie below progress_lsn and are skipped. (The primary
 * key on the position would refuse a duplicate anyway.) The batch's own
 * writes carry the replication origin DoNotReplicateId, so that decoding
 * skips them without queuing them.
 *
 * The slot ("ddb_streams_<database oid>", plugin "ddb") exists while some
 * stream is ENABLING, ENABLED or DISABLING, and retains WAL from the
 * progress of the last batch on; the worker drops it when no stream needs
 * it any more (under the STATE lock too, so that no stream is being
 * enabled meanwhile), and when the extension is dropped. Creating a
 * logical slot waits for the transactions in progress and cannot happen in
 * a transaction that wrote, so a batch creates it before it writes.
 *
 * Latency: while streams are live the worker reads the slot every
 * DDB_STREAM_BUSY_POLL_MS after a batch that stored records (at once when
 * it stopped at DDB_STREAM_BATCH rows), else every DDB_STREAM_POLL_MS, so
 * a record is in the log that long after its commit plus a batch's time;
 * batches stay small under load. The slot's restart point (where a new
 * session starts decoding) moves up when decoding meets a record of the
 * running transactions, which the bgwriter logs every 15 seconds; a batch
 * logs one itself when the restart point lags DDB_STREAM_RESTART_LAG
 * behind (as PostgreSQL 16's pg_log_standby_snapshot() does).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "access/xlogutils.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "postmaster/interrupt.h"
#include "replication/decode.h"
#include "replication/logical.h"
#include "replication/origin.h"
#include "replication/reorderbuffer.h"
#include "replication/slot.h"
#include "tcop/tcopprot.h"
#include "storage/spin.h"
#include "storage/standby.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/pg_lsn.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "catalog.h"
#include "streams/streams.h"
#include "worker/worker.h"

/* Rows a batch reads from the slot at most (whole transactions: more) */
#define DDB_STREAM_BATCH	10000

/*
 * How often the worker reads the slot while some stream is live: after a
 * batch that stored records, and after one that did not
 */
#define DDB_STREAM_BUSY_POLL_MS	20
#define DDB_STREAM_POLL_MS	200

/* How often the worker trims the log */
#define DDB_STREAM_TRIM_MS	10000

/* Records a trimming step deletes at most per stream */
#define DDB_STREAM_TRIM_BATCH	10000

/* Restart point lag after which a batch logs running transactions */
#define DDB_STREAM_RESTART_LAG	(1024 * 1024)

static TimestampTz last_trim = 0;

/* Whether the worker's last look found streams (or a slot) here */
static bool streams_seen = false;

/* Whether the worker's last batch stored records */
static bool streams_busy = false;

/*
 * DdbStreamSlotName returns the name of this database's replication slot.
 */
char *
DdbStreamSlotName(void)
{
	return psprintf("ddb_streams_%u", MyDatabaseId);
}

/*
 * Run a statement with arguments, checking its result code.
 */
static void
Execute(const char *sql, int nargs, Oid *argtypes, Datum *args, int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, argtypes, args, NULL, false, 0);

	if (rc != expected)
		elog(ERROR, "statement failed (%s): %s", SPI_result_code_string(rc), sql);
}

/*
 * Whether some stream needs the slot (ENABLING, ENABLED or DISABLING).
 */
static bool
LiveStreamsExist(void)
{
	Execute("SELECT 1 FROM ddb.streams WHERE status OPERATOR(pg_catalog.<>) 'DISABLED' LIMIT 1",
			0, NULL, NULL, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/*
 * The slot's confirmed and restart positions; false when it does not
 * exist.
 */
static bool
ReadSlot(const char *slot, XLogRecPtr *confirmed, XLogRecPtr *restart)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(slot)};
	bool		isnull;
	Datum		d;

	Execute("SELECT confirmed_flush_lsn, restart_lsn FROM pg_catalog.pg_replication_slots"
			" WHERE slot_name OPERATOR(pg_catalog.=) $1::pg_catalog.name",
			1, argtypes, args, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return false;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	*confirmed = isnull ? InvalidXLogRecPtr : DatumGetLSN(d);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	*restart = isnull ? InvalidXLogRecPtr : DatumGetLSN(d);
	return true;
}

/*
 * Run a statement whose only argument ($1) is the slot's name.
 */
static void
ExecuteForSlot(const char *sql, const char *slot)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(slot)};

	Execute(sql, 1, argtypes, args, SPI_OK_SELECT);
}

/*
 * The stream's shard closes: DISABLED, ending at its last record (or at
 * the position where its DISABLING row committed, when it has none).
 */
static void
CloseStream(int64 stream_id, XLogRecPtr lsn, int64 index)
{
	static const char *const sql =
	"UPDATE ddb.streams s SET status = 'DISABLED',"
	"  end_lsn = COALESCE(r.commit_lsn, $2), end_index = COALESCE(r.change_index, $3)"
	" FROM (SELECT NULL) AS dummy"
	" LEFT JOIN LATERAL (SELECT commit_lsn, change_index FROM ddb.stream_records"
	"     WHERE stream_id OPERATOR(pg_catalog.=) $1"
	"     ORDER BY commit_lsn DESC, change_index DESC LIMIT 1) r ON true"
	" WHERE s.stream_id OPERATOR(pg_catalog.=) $1 AND s.status OPERATOR(pg_catalog.=) 'DISABLING'";
	Oid			argtypes[3] = {INT8OID, PG_LSNOID, INT4OID};
	Datum		args[3] = {Int64GetDatum(stream_id), LSNGetDatum(lsn), Int32GetDatum((int32) index)};

	Execute(sql, 3, argtypes, args, SPI_OK_UPDATE);
}

/*
 * Store the rows of one batch (the plugin's binary rows, see streams.h)
 * that lie at or after progress.
 */
static void
StoreRows(Tuplestorestate *rows, TupleDesc desc, XLogRecPtr progress, int64 *stored)
{
	static SPIPlanPtr insert_plan = NULL;
	TupleTableSlot *slot;
	int64	   *disabled;
	uint64		ndisabled;

	if (insert_plan == NULL)
	{
		Oid			argtypes[5] = {INT8OID, PG_LSNOID, INT4OID, TIMESTAMPTZOID, JSONBOID};

		insert_plan = SPI_prepare("INSERT INTO ddb.stream_records"
								  " (stream_id, commit_lsn, change_index, created_at, record)"
								  " VALUES ($1, $2, $3, $4, $5)", 5, argtypes);
		if (insert_plan == NULL || SPI_keepplan(insert_plan) != 0)
			elog(ERROR, "could not prepare the insert of stream records");
	}
	/*
	 * Streams already DISABLED get no more records (one disabled at once,
	 * without a slot, while the slot was being created may have changes
	 * decoded after the slot's start)
	 */
	Execute("SELECT stream_id FROM ddb.streams WHERE status OPERATOR(pg_catalog.=) 'DISABLED'",
			0, NULL, NULL, SPI_OK_SELECT);
	ndisabled = SPI_processed;
	disabled = palloc(sizeof(int64) * Max(ndisabled, 1));
	for (uint64 i = 0; i < ndisabled; i++)
	{
		bool		isnull;

		disabled[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	}
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		bool		isnull;
		bytea	   *data = DatumGetByteaPP(slot_getattr(slot, 1, &isnull));
		Size		len = VARSIZE_ANY_EXHDR(data);
		DdbStreamRow row;

		if (isnull || len < sizeof(row))
			elog(ERROR, "malformed row of the stream plugin");
		memcpy(&row, VARDATA_ANY(data), sizeof(row));
		if (row.lsn < progress)
			continue;
		if (row.kind == DDB_STREAM_ROW_DISABLED)
			CloseStream(row.stream_id, row.lsn, row.index);
		else if (row.kind == DDB_STREAM_ROW_RECORD)
		{
			Size		record_len = len - sizeof(row);
			Jsonb	   *record;
			Datum		args[5];
			bool		ended = false;

			for (uint64 i = 0; i < ndisabled; i++)
				ended = ended || disabled[i] == row.stream_id;
			if (ended)
			{
				ExecClearTuple(slot);
				continue;
			}

			/* a copy, aligned */
			record = palloc(Max(record_len, VARHDRSZ));
			memcpy(record, VARDATA_ANY(data) + sizeof(row), record_len);
			if (record_len < VARHDRSZ || VARSIZE(record) != record_len)
				elog(ERROR, "malformed row of the stream plugin");
			args[0] = Int64GetDatum(row.stream_id);
			args[1] = LSNGetDatum(row.lsn);
			args[2] = Int32GetDatum((int32) row.index);
			args[3] = TimestampTzGetDatum(row.commit_time);
			args[4] = JsonbPGetDatum(record);
			if (SPI_execute_plan(insert_plan, args, NULL, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "could not store a stream record");
			pfree(record);
			(*stored)++;
		}
		else
			elog(ERROR, "malformed row of the stream plugin");
		ExecClearTuple(slot);
	}
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * Trim the records older than 24 hours, a bounded prefix of each stream's
 * records at a time, and forget streams disabled more than 24 hours ago.
 */
static void
Trim(void)
{
	static const char *const trim_sql =
	"WITH prefix AS ("
	"  SELECT r.stream_id, r.commit_lsn, r.change_index,"
	"         pg_catalog.bool_and(r.created_at OPERATOR(pg_catalog.<) $1)"
	"           OVER (PARTITION BY r.stream_id ORDER BY r.commit_lsn, r.change_index) AS old"
	"    FROM ddb.streams s, LATERAL (SELECT * FROM ddb.stream_records x"
	"       WHERE x.stream_id OPERATOR(pg_catalog.=) s.stream_id"
	"       ORDER BY x.commit_lsn, x.change_index LIMIT " CppAsString2(DDB_STREAM_TRIM_BATCH) ") r"
	"   WHERE (SELECT f.created_at FROM ddb.stream_records f"
	"          WHERE f.stream_id OPERATOR(pg_catalog.=) s.stream_id"
	"          ORDER BY f.commit_lsn, f.change_index LIMIT 1) OPERATOR(pg_catalog.<) $1),"
	" last AS (SELECT DISTINCT ON (stream_id) stream_id, commit_lsn, change_index FROM prefix"
	"   WHERE old ORDER BY stream_id, commit_lsn DESC, change_index DESC),"
	" gone AS (DELETE FROM ddb.stream_records r USING last l"
	"   WHERE r.stream_id OPERATOR(pg_catalog.=) l.stream_id"
	"     AND (r.commit_lsn, r.change_index) OPERATOR(pg_catalog.<=) (l.commit_lsn, l.change_index))"
	" UPDATE ddb.streams s SET trimmed_lsn = l.commit_lsn, trimmed_index = l.change_index"
	"  FROM last l WHERE s.stream_id OPERATOR(pg_catalog.=) l.stream_id";
	static const char *const forget_sql =
	"WITH old AS (DELETE FROM ddb.streams WHERE status OPERATOR(pg_catalog.=) 'DISABLED'"
	"   AND disabled_at OPERATOR(pg_catalog.<) $1 RETURNING stream_id)"
	" DELETE FROM ddb.stream_records r USING old"
	"  WHERE r.stream_id OPERATOR(pg_catalog.=) old.stream_id";
	TimestampTz cutoff = GetCurrentTimestamp() - (int64) DDB_STREAM_RETENTION_SECS * USECS_PER_SEC;
	Oid			argtypes[1] = {TIMESTAMPTZOID};
	Datum		args[1] = {TimestampTzGetDatum(cutoff)};

	Execute(trim_sql, 1, argtypes, args, SPI_OK_UPDATE);
	Execute(forget_sql, 1, argtypes, args, SPI_OK_DELETE);
}

/* While true, LOG messages are not sent to the server log */
static bool hide_decoding_logs = false;
static emit_log_hook_type prev_emit_log_hook = NULL;
static bool log_filter_installed = false;

/*
 * emit_log_hook: keep decoding's LOG messages out of the server log while
 * the slot is read.
 */
static void
FilterDecodingLogs(ErrorData *edata)
{
	if (hide_decoding_logs && edata->elevel == LOG)
		edata->output_to_server = false;
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * Install FilterDecodingLogs once per process.
 */
static void
InstallLogFilter(void)
{
	if (log_filter_installed)
		return;
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = FilterDecodingLogs;
	log_filter_installed = true;
}

/*
 * Take one of the streams' advisory locks until the transaction ends.
 */
static void
LockStreams(int key)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1] = {Int32GetDatum(key)};

	Execute("SELECT pg_catalog.pg_advisory_xact_lock(" CppAsString2(DDB_STREAM_LOCK_KEY1) ", $1)",
			1, argtypes, args, SPI_OK_SELECT);
}

/*
 * Trim the log when DDB_STREAM_TRIM_MS have passed since the last time.
 */
static void
TrimIfDue(void)
{
	if (GetCurrentTimestamp() - last_trim >= (int64) DDB_STREAM_TRIM_MS * 1000)
	{
		Trim();
		last_trim = GetCurrentTimestamp();
	}
}

/*
 * The progress stored in ddb.stream_state (InvalidXLogRecPtr when none);
 * *own tells whether the current transaction stored it (it is then not
 * committed, and not confirmed to the slot).
 */
static XLogRecPtr
StoredProgress(bool *own)
{
	bool		isnull;
	bool		xmin_isnull;
	Datum		d;
	Datum		xmin;

	Execute("SELECT progress_lsn, xmin FROM ddb.stream_state", 0, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "ddb.stream_state must have one row");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	xmin = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &xmin_isnull);
	if (own != NULL)
		*own = !xmin_isnull && TransactionIdIsCurrentTransactionId(DatumGetTransactionId(xmin));
	return isnull ? InvalidXLogRecPtr : DatumGetLSN(d);
}

/*
 * The slot was lost (dropped by hand, or invalidated): the changes after
 * the stored progress cannot be decoded any more, so no stream that was
 * reading it can go on complete. Such streams (ENABLED, DISABLING) end as
 * if disabled: DISABLED, the shard closed at the stream's last stored
 * record, readable for 24 hours. Streams still ENABLING start with the
 * next slot. The progress is forgotten: a new slot starts afresh.
 */
static void
SlotLost(const char *slot, const char *how)
{
	static const char *const end_sql =
	"UPDATE ddb.streams s SET status = 'DISABLED',"
	"  end_lsn = COALESCE((SELECT r.commit_lsn FROM ddb.stream_records r"
	"     WHERE r.stream_id OPERATOR(pg_catalog.=) s.stream_id"
	"     ORDER BY r.commit_lsn DESC, r.change_index DESC LIMIT 1), s.start_lsn),"
	"  end_index = COALESCE((SELECT r.change_index FROM ddb.stream_records r"
	"     WHERE r.stream_id OPERATOR(pg_catalog.=) s.stream_id"
	"     ORDER BY r.commit_lsn DESC, r.change_index DESC LIMIT 1), 0),"
	"  disabled_at = COALESCE(s.disabled_at, pg_catalog.now())"
	" WHERE s.status IN ('ENABLED', 'DISABLING')"
	" RETURNING s.table_name";
	StringInfoData tables;

	Execute(end_sql, 0, NULL, NULL, SPI_OK_UPDATE_RETURNING);
	initStringInfo(&tables);
	for (uint64 i = 0; i < SPI_processed; i++)
		appendStringInfo(&tables, "%s\"%s\"", i > 0 ? ", " : "",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	Execute("UPDATE ddb.stream_state SET progress_lsn = NULL", 0, NULL, NULL, SPI_OK_UPDATE);
	ereport(WARNING,
			(errmsg("the replication slot \"%s\" of the streams %s", slot, how),
			 tables.len > 0 ?
			 errdetail("The streams of tables %s end at their last stored record, as if disabled.",
					   tables.data) : 0,
			 errhint("Enable the tables' streams again (UpdateTable) to start new ones.")));
}

/*
 * A decoding session of the slot: the logical decoding context, which
 * reads the WAL in order and keeps the transactions in progress, and the
 * rows of the current batch (written by the plugin through DecoderWrite).
 */
typedef struct SlotDecoder
{
	MemoryContext context;		/* holds the decoding context */
	LogicalDecodingContext *ctx;
	ReplicationSlot *slot;		/* the slot it reads */
	XLogRecPtr	confirmed;		/* the slot's confirmed position it left */
	XLogRecPtr	progress;		/* the progress its last batch stored */
	Tuplestorestate *rows;		/* the current batch's rows */
	TupleDesc	row_desc;		/* (bytea) */
	int64		nrows;
} SlotDecoder;

/* The worker's decoding session, kept from one batch to the next */
static SlotDecoder *worker_decoder = NULL;

static void
DecoderPrepareWrite(LogicalDecodingContext *ctx, XLogRecPtr lsn, TransactionId xid,
					bool last_write)
{
	resetStringInfo(ctx->out);
}

static void
DecoderWrite(LogicalDecodingContext *ctx, XLogRecPtr lsn, TransactionId xid, bool last_write)
{
	SlotDecoder *decoder = (SlotDecoder *) ctx->output_writer_private;
	bytea	   *row = palloc(VARHDRSZ + ctx->out->len);
	Datum		value = PointerGetDatum(row);
	bool		isnull = false;

	SET_VARSIZE(row, VARHDRSZ + ctx->out->len);
	memcpy(VARDATA(row), ctx->out->data, ctx->out->len);
	tuplestore_putvalues(decoder->rows, decoder->row_desc, &value, &isnull);
	pfree(row);
	decoder->nrows++;
}

/*
 * Start a decoding session of the acquired slot in a memory context under
 * parent: it decodes from the slot's restart point and writes the
 * transactions that commit at or after its confirmed position.
 */
static SlotDecoder *
StartDecoder(MemoryContext parent)
{
	MemoryContext context = AllocSetContextCreate(parent, "ddb stream decoding",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(context);
	SlotDecoder *decoder = palloc0(sizeof(SlotDecoder));
	List	   *options = list_make1(makeDefElem("internal", (Node *) makeString("true"), -1));

	decoder->context = context;
	decoder->slot = MyReplicationSlot;
	decoder->ctx = CreateDecodingContext(InvalidXLogRecPtr, options, false,
										 XL_ROUTINE(.page_read = read_local_xlog_page,
													.segment_open = wal_segment_open,
													.segment_close = wal_segment_close),
										 DecoderPrepareWrite, DecoderWrite, NULL);
	decoder->ctx->output_writer_private = decoder;
	XLogBeginRead(decoder->ctx->reader, MyReplicationSlot->data.restart_lsn);
	MemoryContextSwitchTo(old);
	return decoder;
}

/*
 * End a decoding session. With its slot acquired, the plugin is shut down
 * and the session's spilled transactions removed; without it (the slot
 * may be gone), its memory and WAL file are let go of, and the next
 * session of the slot removes what it spilled.
 */
static void
EndDecoder(SlotDecoder **decoderp)
{
	SlotDecoder *decoder = *decoderp;

	if (decoder == NULL)
		return;
	*decoderp = NULL;
	if (MyReplicationSlot != NULL && MyReplicationSlot == decoder->slot)
		FreeDecodingContext(decoder->ctx);
	else
		XLogReaderFree(decoder->ctx->reader);
	MemoryContextDelete(decoder->context);
}

/*
 * Whether the session keeps transactions spilled to disk. Another session
 * of the slot (ddb.pull_stream_records) removes the slot's spill files
 * when it starts, so a session is kept between batches only without them.
 */
static bool
DecoderSpilled(SlotDecoder *decoder)
{
	dlist_iter	iter;

	dlist_foreach(iter, &decoder->ctx->reorder->toplevel_by_lsn)
	{
		ReorderBufferTXN *txn = dlist_container(ReorderBufferTXN, node, iter.cur);
		dlist_iter	sub;

		if (rbtxn_is_serialized(txn) || rbtxn_is_serialized_clear(txn))
			return true;
		dlist_foreach(sub, &txn->subtxns)
		{
			ReorderBufferTXN *subtxn = dlist_container(ReorderBufferTXN, node, sub.cur);

			if (rbtxn_is_serialized(subtxn) || rbtxn_is_serialized_clear(subtxn))
				return true;
		}
	}
	return false;
}

/*
 * The slot's confirmed position, read from the acquired slot.
 */
static XLogRecPtr
AcquiredSlotConfirmed(void)
{
	XLogRecPtr	confirmed;

	SpinLockAcquire(&MyReplicationSlot->mutex);
	confirmed = MyReplicationSlot->data.confirmed_flush;
	SpinLockRelease(&MyReplicationSlot->mutex);
	return confirmed;
}

/* A stream that was DISABLING when a batch began */
typedef struct DisablingStream
{
	int64		stream_id;
	XLogRecPtr	start_lsn;
} DisablingStream;

/*
 * One batch (see the top of the file); returns whether more rows may be
 * waiting in the slot. *decoderp is the decoding session: kept between
 * batches when keep (the worker), else ended when the slot has nothing
 * more (ddb.pull_stream_records, whose batches share one session). *stored
 * counts the records stored. Runs with SPI connected, as a role that may
 * use replication slots and write ddb's tables.
 */
static bool
ReadBatch(SlotDecoder **decoderp, bool keep, int64 *stored)
{
	char	   *slot = DdbStreamSlotName();
	XLogRecPtr	confirmed;
	XLogRecPtr	restart;
	XLogRecPtr	progress;
	bool		own_progress;
	XLogRecPtr	flushed;
	volatile XLogRecPtr new_progress = InvalidXLogRecPtr;
	volatile bool more = false;
	List	   *disabling = NIL;
	Tuplestorestate *rows;
	TupleDesc	row_desc;

	LockStreams(DDB_STREAM_LOCK_SLOT);
	if (!LiveStreamsExist())
	{
		/* no stream needs the slot: drop it, unless one is being enabled */
		EndDecoder(decoderp);
		if (ReadSlot(slot, &confirmed, &restart))
		{
			LockStreams(DDB_STREAM_LOCK_STATE);
			if (!LiveStreamsExist())
			{
				ExecuteForSlot("SELECT pg_catalog.pg_drop_replication_slot($1::pg_catalog.name)", slot);
				Execute("UPDATE ddb.stream_state SET progress_lsn = NULL", 0, NULL, NULL, SPI_OK_UPDATE);
			}
		}
		TrimIfDue();
		return false;
	}
	if (ReadSlot(slot, &confirmed, &restart) && XLogRecPtrIsInvalid(restart))
	{
		/* invalidated (max_slot_wal_keep_size): the WAL it needs is gone */
		EndDecoder(decoderp);
		SlotLost(slot, "was invalidated");
		ExecuteForSlot("SELECT pg_catalog.pg_drop_replication_slot($1::pg_catalog.name)", slot);
		return false;
	}
	if (!ReadSlot(slot, &confirmed, &restart))
	{
		EndDecoder(decoderp);
		/* a slot cannot be created in a transaction that wrote */
		if (TransactionIdIsValid(GetTopTransactionIdIfAny()))
			return false;
		/* stored progress without a slot: the slot was dropped by hand */
		if (!XLogRecPtrIsInvalid(StoredProgress(NULL)))
		{
			SlotLost(slot, "was dropped");
			return false;
		}
		ExecuteForSlot("SELECT pg_catalog.pg_create_logical_replication_slot($1::pg_catalog.name, 'ddb')",
					   slot);
		if (!ReadSlot(slot, &confirmed, &restart))
			elog(ERROR, "replication slot \"%s\" was not created", slot);
		/* a new slot decodes from its consistent point on */
		Execute("UPDATE ddb.stream_state SET progress_lsn = NULL", 0, NULL, NULL, SPI_OK_UPDATE);
	}

	progress = StoredProgress(&own_progress);
	if (XLogRecPtrIsInvalid(progress))
		progress = confirmed;	/* a new slot: it decodes from here on */

	/*
	 * The slot's restart point moves up when decoding meets a record of the
	 * running transactions (the bgwriter logs one every 15 seconds); when
	 * it lags far behind, log one now, before this transaction has an xid
	 * of its own
	 */
	if (!XLogRecPtrIsInvalid(restart) && progress > restart &&
		progress - restart > DDB_STREAM_RESTART_LAG &&
		!TransactionIdIsValid(GetTopTransactionIdIfAny()))
		(void) LogStandbySnapshot();

	TrimIfDue();
	/* the slot exists: streams enabled before it capture from now on */
	Execute("UPDATE ddb.streams SET status = 'ENABLED' WHERE status OPERATOR(pg_catalog.=) 'ENABLING'",
			0, NULL, NULL, SPI_OK_UPDATE);

	/*
	 * The streams being disabled now: their DISABLING rows committed before
	 * the WAL position taken below, so decoding up to it either meets them
	 * or they committed before the slot's start (while the slot was being
	 * created), and then they end here
	 */
	Execute("SELECT stream_id, start_lsn FROM ddb.streams WHERE status OPERATOR(pg_catalog.=) 'DISABLING'",
			0, NULL, NULL, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		DisablingStream *stream = palloc(sizeof(DisablingStream));

		stream->stream_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
														1, &isnull));
		stream->start_lsn = DatumGetLSN(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
													  2, &isnull));
		disabling = lappend(disabling, stream);
	}

	/*
	 * Decode the WAL inserted by now, flushed first (commits made with
	 * synchronous_commit off are decoded once flushed); the end of the last
	 * record inserted is the insert position, or the start of its page when
	 * that is a page header
	 */
	flushed = GetXLogInsertRecPtr();
	if (flushed % XLOG_BLCKSZ <= SizeOfXLogLongPHD)
		flushed -= flushed % XLOG_BLCKSZ;
	XLogFlush(flushed);

	row_desc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(row_desc, (AttrNumber) 1, "row", BYTEAOID, -1, 0);
	rows = tuplestore_begin_heap(false, false, work_mem);

	/*
	 * Decoding logs its start at LOG level; a batch a few times a second
	 * would fill the server log, so LOG messages are not logged while the
	 * slot is read. SIGTERM interrupts the reading at once (a worker
	 * otherwise stops between steps): an aborted batch is read again.
	 */
	InstallLogFilter();
	hide_decoding_logs = true;
	if (IsBackgroundWorker)
		pqsignal(SIGTERM, die);
	PG_TRY();
	{
		SlotDecoder *decoder;
		XLogRecPtr	slot_confirmed;

		ReplicationSlotAcquire(slot, true);
		decoder = *decoderp;
		slot_confirmed = AcquiredSlotConfirmed();

		/*
		 * A kept session goes on where it stopped if its last batch
		 * committed and nobody else moved the slot meanwhile; otherwise
		 * a new session decodes from the slot
		 */
		if (decoder != NULL &&
			(decoder->slot != MyReplicationSlot || decoder->confirmed != slot_confirmed ||
			 decoder->progress != progress))
			EndDecoder(decoderp);

		/* the slot moves up to what earlier batches committed */
		if (!own_progress && slot_confirmed < progress)
		{
			LogicalConfirmReceivedLocation(progress);
			slot_confirmed = progress;
		}
		if (*decoderp == NULL)
			*decoderp = StartDecoder(keep ? TopMemoryContext : TopTransactionContext);
		decoder = *decoderp;
		decoder->rows = rows;
		decoder->row_desc = row_desc;
		decoder->nrows = 0;

		/* non-historic catalog entries must not be used while decoding */
		InvalidateSystemCaches();
		while (decoder->ctx->reader->EndRecPtr < flushed)
		{
			char	   *errm = NULL;
			XLogRecord *record;
			MemoryContext old;

			/* a record read is kept (and freed) until the next one is read */
			old = MemoryContextSwitchTo(decoder->context);
			record = XLogReadRecord(decoder->ctx->reader, &errm);
			MemoryContextSwitchTo(old);

			if (errm)
				elog(ERROR, "could not read the WAL for the streams: %s", errm);
			if (record != NULL)
				LogicalDecodingProcessRecord(decoder->ctx, decoder->ctx->reader);
			if (decoder->nrows >= DDB_STREAM_BATCH)
				break;
			CHECK_FOR_INTERRUPTS();
		}
		InvalidateSystemCaches();
		more = decoder->ctx->reader->EndRecPtr < flushed;

		/* every transaction that commits before the reading position is in */
		new_progress = Max(progress, decoder->ctx->reader->EndRecPtr);
		decoder->rows = NULL;
		decoder->confirmed = slot_confirmed;
		decoder->progress = new_progress;
		if (keep ? DecoderSpilled(decoder) : !more)
			EndDecoder(decoderp);
		ReplicationSlotRelease();
	}
	PG_CATCH();
	{
		/* a session a batch failed in is not used again */
		if (*decoderp != NULL)
			(*decoderp)->progress = InvalidXLogRecPtr;
		InvalidateSystemCaches();
		if (MyReplicationSlot != NULL)
			ReplicationSlotRelease();
		hide_decoding_logs = false;
		if (IsBackgroundWorker)
			pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
		PG_RE_THROW();
	}
	PG_END_TRY();
	hide_decoding_logs = false;
	if (IsBackgroundWorker)
		pqsignal(SIGTERM, SignalHandlerForShutdownRequest);

	/* store the rows and where the next batch starts, in this transaction */
	StoreRows(rows, row_desc, progress, stored);
	tuplestore_end(rows);
	if (!more)
	{
		ListCell   *lc;

		foreach(lc, disabling)
		{
			DisablingStream *stream = lfirst(lc);

			CloseStream(stream->stream_id, stream->start_lsn, 0);
		}
	}
	{
		Oid			types[1] = {PG_LSNOID};
		Datum		args[1] = {LSNGetDatum(new_progress)};

		Execute("UPDATE ddb.stream_state SET progress_lsn = $1, pulled_at = pg_catalog.now()",
				1, types, args, SPI_OK_UPDATE);
	}
	return more;
}

/*
 * One batch (ReadBatch), its writes marked with the replication origin
 * DoNotReplicateId: the plugin does not even queue them when it decodes
 * the WAL for the worker (the log's own rows are never stream records).
 */
static bool
PullBatch(SlotDecoder **decoderp, bool keep, int64 *stored)
{
	RepOriginId saved_origin = replorigin_session_origin;
	volatile bool more = false;

	replorigin_session_origin = DoNotReplicateId;
	PG_TRY();
	{
		more = ReadBatch(decoderp, keep, stored);
	}
	PG_FINALLY();
	{
		replorigin_session_origin = saved_origin;
	}
	PG_END_TRY();
	return more;
}

/*
 * Whether the streams' tables exist (the extension may still be at a
 * version without streams).
 */
static bool
StreamsInstalled(void)
{
	bool		isnull;

	Execute("SELECT pg_catalog.to_regclass('ddb.stream_state') IS NOT NULL",
			0, NULL, NULL, SPI_OK_SELECT);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * The worker's units: one, the database's log, while there are streams
 * or a slot.
 */
static List *
FindLogWork(MemoryContext context)
{
	XLogRecPtr	confirmed;
	XLogRecPtr	restart;

	streams_seen = false;
	if (!StreamsInstalled())
		return NIL;
	Execute("SELECT 1 FROM ddb.streams LIMIT 1", 0, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0 && !ReadSlot(DdbStreamSlotName(), &confirmed, &restart))
		return NIL;
	streams_seen = true;
	{
		MemoryContext old = MemoryContextSwitchTo(context);
		List	   *units = list_make1(pstrdup("log"));

		MemoryContextSwitchTo(old);
		return units;
	}
}

/*
 * How long the worker may sleep: DDB_STREAM_POLL_MS while there are
 * streams, else as long as it likes.
 */
static long
LogMaxSleep(void)
{
	if (!streams_seen)
		return LONG_MAX;
	return streams_busy ? DDB_STREAM_BUSY_POLL_MS : DDB_STREAM_POLL_MS;
}

/*
 * The unit's description.
 */
static char *
DescribeLog(void *unit, MemoryContext context)
{
	return MemoryContextStrdup(context, "stream records: reading the replication slot");
}

/*
 * One batch of the worker.
 */
static bool
LogStep(void *unit)
{
	int64		stored = 0;
	bool		more;

	streams_busy = false;
	more = PullBatch(&worker_decoder, true, &stored);
	streams_busy = stored > 0;
	return more;
}

/*
 * The extension was dropped: drop the slot with it.
 */
static void
LogExtensionDropped(void)
{
	ExecuteForSlot("SELECT pg_catalog.pg_drop_replication_slot(slot_name)"
				   "  FROM pg_catalog.pg_replication_slots"
				   " WHERE slot_name OPERATOR(pg_catalog.=) $1::pg_catalog.name",
				   DdbStreamSlotName());
}

const DdbWorkKind DdbStreamLogWork = {
	.name = "stream records",
	.find_units = FindLogWork,
	.describe = DescribeLog,
	.run_step = LogStep,
	.max_sleep_ms = LogMaxSleep,
	.extension_dropped = LogExtensionDropped,
};

PG_FUNCTION_INFO_V1(ddb_pull_stream_records);

/*
 * ddb.pull_stream_records() RETURNS bigint: read the slot now, in the
 * caller's transaction, until it has nothing more, and return how many
 * records were stored. The slot is created here when a stream needs it
 * and the transaction has not written yet. For tests and DBAs: the worker
 * does the same on its own.
 */
Datum
ddb_pull_stream_records(PG_FUNCTION_ARGS)
{
	int64		stored = 0;
	SlotDecoder *decoder = NULL;
	DdbOwnerAccess owner_access;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	DdbCatalogBeginOwnerAccess(&owner_access);
	while (PullBatch(&decoder, false, &stored))
		CHECK_FOR_INTERRUPTS();
	DdbCatalogEndOwnerAccess(&owner_access);
	SPI_finish();
	PG_RETURN_INT64(stored);
}
