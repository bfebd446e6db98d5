/*-------------------------------------------------------------------------
 *
 * stream_log.c
 *	  The retained log of stream records: the background worker's kind of
 *	  work that reads the database's replication slot with the plugin
 *	  (stream_decode.c) and stores the records in ddb.stream_records, the
 *	  slot's lifecycle, trimming after 24 hours, and
 *	  ddb.pull_stream_records(), which does the same work at once.
 *
 * Exactly once. A batch is one transaction, under the streams' SLOT
 * advisory lock (so the worker and ddb.pull_stream_records take turns):
 *
 *	 1. move the slot's confirmed position up to ddb.stream_state's
 *		progress_lsn, committed by the previous batch: every transaction
 *		whose commit record starts before it is stored (or had nothing for
 *		the log);
 *	 2. peek (pg_logical_slot_peek_changes, which does not move the slot)
 *		at most DDB_STREAM_BATCH rows up to the WAL flushed now; the
 *		plugin writes whole transactions, each record with its commit LSN;
 *	 3. store the records whose commit LSN is not below progress_lsn,
 *		close the shards of streams whose DISABLING row came, and record
 *		the new progress_lsn, all in this transaction.
 *
 * A crash anywhere loses nothing and stores nothing twice: if the batch
 * did not commit, the slot was not moved past it and the next batch
 * decodes it again; if it committed and the slot was not moved yet, the
 * rows decoded again lie below progress_lsn and are skipped. (The primary
 * key on the position would refuse a duplicate anyway.)
 *
 * The slot ("ddb_streams_<database oid>", plugin "ddb") exists while some
 * stream is ENABLING, ENABLED or DISABLING, and retains WAL from the
 * progress of the last batch on; the worker drops it when no stream needs
 * it any more (under the STATE lock too, so that no stream is being
 * enabled meanwhile), and when the extension is dropped. Creating a
 * logical slot waits for the transactions in progress and cannot happen in
 * a transaction that wrote, so a batch creates it before it writes.
 *
 * The worker sleeps at most DDB_STREAM_POLL_MS while the database has
 * streams, so a record is in the log about that long after its
 * commit (plus the time to decode); peeking decodes from the slot's
 * restart point, so after a batch that left the restart point far behind
 * the worker logs a snapshot of running transactions (which lets the slot
 * move it up, as PostgreSQL 16's pg_log_standby_snapshot() does).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/interrupt.h"
#include "tcop/tcopprot.h"
#include "storage/standby.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/pg_lsn.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "streams/streams.h"
#include "worker/worker.h"

/* Rows a batch reads from the slot at most (whole transactions: more) */
#define DDB_STREAM_BATCH	10000

/* How often the worker reads the slot while some stream is live */
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
 * Split the next space-separated field off *cursor.
 */
static char *
NextField(char **cursor)
{
	char	   *start = *cursor;
	char	   *space = strchr(start, ' ');

	if (space == NULL)
		elog(ERROR, "malformed row of the stream plugin");
	*space = '\0';
	*cursor = space + 1;
	return start;
}

/*
 * Store the rows of one peek; returns how many rows it read and sets
 * *max_commit to the highest commit LSN among them.
 */
static int64
StoreRows(Portal portal, XLogRecPtr progress, XLogRecPtr *max_commit, int64 *stored)
{
	static SPIPlanPtr insert_plan = NULL;
	int64		rows = 0;

	if (insert_plan == NULL)
	{
		Oid			argtypes[5] = {INT8OID, PG_LSNOID, INT4OID, TIMESTAMPTZOID, JSONBOID};

		insert_plan = SPI_prepare("INSERT INTO ddb.stream_records"
								  " (stream_id, commit_lsn, change_index, created_at, record)"
								  " VALUES ($1, $2, $3, $4, $5)", 5, argtypes);
		if (insert_plan == NULL || SPI_keepplan(insert_plan) != 0)
			elog(ERROR, "could not prepare the insert of stream records");
	}
	*max_commit = InvalidXLogRecPtr;
	for (;;)
	{
		SPITupleTable *batch;
		uint64		n;

		SPI_cursor_fetch(portal, true, 1000);
		batch = SPI_tuptable;
		n = SPI_processed;
		if (n == 0)
			break;
		for (uint64 i = 0; i < n; i++)
		{
			char	   *data = SPI_getvalue(batch->vals[i], batch->tupdesc, 1);
			char	   *cursor = data;
			char	   *kind = NextField(&cursor);
			int64		stream_id = pg_strtoint64(NextField(&cursor));
			char	   *lsn_text = NextField(&cursor);
			XLogRecPtr	lsn = DatumGetLSN(DirectFunctionCall1(pg_lsn_in, CStringGetDatum(lsn_text)));
			int64		index;

			rows++;
			if (lsn > *max_commit)
				*max_commit = lsn;
			if (strcmp(kind, "D") == 0)
			{
				index = pg_strtoint64(cursor);
				if (lsn >= progress)
					CloseStream(stream_id, lsn, index);
			}
			else if (strcmp(kind, "R") == 0)
			{
				TimestampTz commit_time;
				Datum		args[5];

				index = pg_strtoint64(NextField(&cursor));
				commit_time = pg_strtoint64(NextField(&cursor));
				if (lsn < progress)
					continue;
				args[0] = Int64GetDatum(stream_id);
				args[1] = LSNGetDatum(lsn);
				args[2] = Int32GetDatum((int32) index);
				args[3] = TimestampTzGetDatum(commit_time);
				args[4] = DirectFunctionCall1(jsonb_in, CStringGetDatum(cursor));
				if (SPI_execute_plan(insert_plan, args, NULL, false, 0) != SPI_OK_INSERT)
					elog(ERROR, "could not store a stream record");
				(*stored)++;
			}
			else
				elog(ERROR, "malformed row of the stream plugin");
			pfree(data);
		}
		SPI_freetuptable(batch);
	}
	return rows;
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
	"       ORDER BY x.commit_lsn, x.change_index LIMIT " CppAsString2(DDB_STREAM_TRIM_BATCH) ") r),"
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
 * One batch (see the top of the file); returns whether more rows may be
 * waiting in the slot. *stored counts the records stored. Runs with SPI
 * connected, as a role that may use replication slots and write ddb's
 * tables.
 */
static bool
PullBatch(int64 *stored)
{
	char	   *slot = DdbStreamSlotName();
	XLogRecPtr	confirmed;
	XLogRecPtr	restart;
	XLogRecPtr	progress;
	volatile XLogRecPtr flushed = InvalidXLogRecPtr;
	volatile XLogRecPtr max_commit = InvalidXLogRecPtr;
	XLogRecPtr	new_progress;
	bool		isnull;
	volatile int64 rows = 0;
	Portal		portal;
	Oid			argtypes[2] = {TEXTOID, PG_LSNOID};
	Datum		args[2];

	LockStreams(DDB_STREAM_LOCK_SLOT);
	if (!LiveStreamsExist())
	{
		/* no stream needs the slot: drop it, unless one is being enabled */
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
	if (!ReadSlot(slot, &confirmed, &restart))
	{
		/* a slot cannot be created in a transaction that wrote */
		if (TransactionIdIsValid(GetTopTransactionIdIfAny()))
			return false;
		ExecuteForSlot("SELECT pg_catalog.pg_create_logical_replication_slot($1::pg_catalog.name, 'ddb')",
					   slot);
		if (!ReadSlot(slot, &confirmed, &restart))
			elog(ERROR, "replication slot \"%s\" was not created", slot);
		/* a new slot decodes from its consistent point on */
		Execute("UPDATE ddb.stream_state SET progress_lsn = NULL", 0, NULL, NULL, SPI_OK_UPDATE);
	}
	TrimIfDue();

	Execute("SELECT progress_lsn FROM ddb.stream_state", 0, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "ddb.stream_state must have one row");
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		progress = isnull ? InvalidXLogRecPtr : DatumGetLSN(d);
	}
	if (XLogRecPtrIsInvalid(progress))
		progress = confirmed;	/* a new slot: it decodes from here on */
	/* the slot exists: streams enabled before it capture from now on */
	Execute("UPDATE ddb.streams SET status = 'ENABLED' WHERE status OPERATOR(pg_catalog.=) 'ENABLING'",
			0, NULL, NULL, SPI_OK_UPDATE);

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
		/* 1. the slot moves up to what the previous batch committed */
		args[0] = CStringGetTextDatum(slot);
		args[1] = LSNGetDatum(progress);
		if (confirmed < progress)
			Execute("SELECT pg_catalog.pg_replication_slot_advance($1::pg_catalog.name, $2)",
					2, argtypes, args, SPI_OK_SELECT);

		/*
		 * 2. peek at the WAL inserted by now, flushed first (commits made
		 * with synchronous_commit off are decoded once flushed); the end of
		 * the last record inserted is the insert position, or the start of
		 * its page when that is a page header
		 */
		flushed = GetXLogInsertRecPtr();
		if (flushed % XLOG_BLCKSZ <= SizeOfXLogLongPHD)
			flushed -= flushed % XLOG_BLCKSZ;
		XLogFlush(flushed);
		rows = 0;
		max_commit = InvalidXLogRecPtr;
		if (flushed > progress)
		{
			args[1] = LSNGetDatum(flushed);
			portal = SPI_cursor_open_with_args(NULL,
											   "SELECT data FROM pg_catalog.pg_logical_slot_peek_changes("
											   "$1::pg_catalog.name, $2, " CppAsString2(DDB_STREAM_BATCH)
											   ", 'internal', 'true')",
											   2, argtypes, args, NULL, false, CURSOR_OPT_NO_SCROLL);
			if (portal == NULL)
				elog(ERROR, "could not read the replication slot");

			/* 3. store them, and where the next batch starts */
			rows = StoreRows(portal, progress, (XLogRecPtr *) &max_commit, stored);
			SPI_cursor_close(portal);
		}
	}
	PG_FINALLY();
	{
		hide_decoding_logs = false;
		if (IsBackgroundWorker)
			pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	}
	PG_END_TRY();
	new_progress = progress;
	if (!XLogRecPtrIsInvalid(max_commit) && max_commit + 1 > new_progress)
		new_progress = max_commit + 1;
	if (rows < DDB_STREAM_BATCH && flushed > new_progress)
		new_progress = flushed;
	args[0] = LSNGetDatum(new_progress);
	{
		Oid			types[1] = {PG_LSNOID};

		Execute("UPDATE ddb.stream_state SET progress_lsn = $1, pulled_at = pg_catalog.now()",
				1, types, args, SPI_OK_UPDATE);
	}
	if (!XLogRecPtrIsInvalid(restart) && new_progress > restart &&
		new_progress - restart > DDB_STREAM_RESTART_LAG)
		(void) LogStandbySnapshot();
	return rows >= DDB_STREAM_BATCH;
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
	return streams_seen ? DDB_STREAM_POLL_MS : LONG_MAX;
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

	return PullBatch(&stored);
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
	DdbOwnerAccess owner_access;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	DdbCatalogBeginOwnerAccess(&owner_access);
	while (PullBatch(&stored))
		CHECK_FOR_INTERRUPTS();
	DdbCatalogEndOwnerAccess(&owner_access);
	SPI_finish();
	PG_RETURN_INT64(stored);
}
