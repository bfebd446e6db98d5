/*-------------------------------------------------------------------------
 *
 * db_worker.c
 *	  The per-database worker: rounds over the kinds of work (worker.h),
 *	  each unit's steps in short transactions of their own.
 *
 * A round asks every kind for its units due now, then gives each unit
 * steps until it has nothing more to do or its share of the round
 * (DDB_UNIT_TURN_MS) is used, so that one large backfill does not keep the
 * others waiting. When a unit still has work, the next round starts at
 * once; otherwise the worker sleeps ddb.worker_naptime seconds, or until
 * its latch is set (new work committed, SIGHUP, SIGTERM). An error in a
 * step is logged with its unit and rolled back; the unit gets its next
 * turn in the next round. The worker exits on SIGTERM, on postmaster
 * death, and when the extension is no longer installed (after each kind's
 * extension_dropped cleanup).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "replication/slot.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "backups/backups.h"
#include "guc.h"
#include "indexes/index.h"
#include "streams/streams.h"
#include "ttl/ttl.h"
#include "worker/worker.h"
#include "worker/worker_private.h"

/* a unit's share of a round, when others are waiting */
#define DDB_UNIT_TURN_MS 1000

/* The kinds of work, in the order a round does them */
static const DdbWorkKind *const WorkKinds[] = {
	&DdbIndexBackfillWork,
	&DdbTtlExpiryWork,
	&DdbStreamLogWork,
	&DdbBackupWork,
	&DdbPitrWork,
	&DdbExportWork,
	&DdbImportWork,
};

/*
 * How long the worker sleeps when it has nothing to do: ddb.worker_naptime,
 * or less when a kind of work needs looking at sooner.
 */
static long
NaptimeMs(void)
{
	long		naptime = DdbWorkerNaptime * 1000L;

	for (int k = 0; k < lengthof(WorkKinds); k++)
	{
		if (WorkKinds[k]->max_sleep_ms != NULL)
			naptime = Min(naptime, WorkKinds[k]->max_sleep_ms());
	}
	return naptime;
}

/*
 * Whether the extension is installed in this database.
 */
static bool
ExtensionInstalled(void)
{
	bool		installed;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	installed = OidIsValid(get_extension_oid("ddb", true));
	CommitTransactionCommand();
	return installed;
}

/*
 * Run fn(arg) in a transaction of its own with SPI connected and a
 * snapshot; returns false when it raised an error, which is logged (with
 * what, naming the work) and rolled back. *result gets fn's result.
 */
static bool
RunInTransaction(bool (*fn) (void *), void *arg, const char *what, bool *result)
{
	MemoryContext context = CurrentMemoryContext;
	volatile bool ok = true;

	*result = false;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, what);
		*result = fn(arg);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(context);
		EmitErrorReport();
		FlushErrorState();
		/* as a backend's error recovery does: give up a replication slot */
		if (MyReplicationSlot != NULL)
			ReplicationSlotRelease();
		ReplicationSlotCleanup();
		AbortCurrentTransaction();
		ereport(LOG, (errmsg("ddb worker: %s failed; retrying in a later round", what)));
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(context);
	pgstat_report_activity(STATE_IDLE, NULL);
	return ok;
}

/* Arguments of the find_units step */
typedef struct FindArgs
{
	const DdbWorkKind *kind;
	MemoryContext context;
	List	   *units;
} FindArgs;

static bool
FindUnits(void *arg)
{
	FindArgs   *find = (FindArgs *) arg;

	find->units = find->kind->find_units(find->context);
	return true;
}

/* Arguments of a run_step step */
typedef struct StepArgs
{
	const DdbWorkKind *kind;
	void	   *unit;
} StepArgs;

static bool
RunStep(void *arg)
{
	StepArgs   *step = (StepArgs *) arg;

	return step->kind->run_step(step->unit);
}

/*
 * Handle SIGHUP and SIGTERM between steps.
 */
static void
HandleInterrupts(void)
{
	CHECK_FOR_INTERRUPTS();
	if (ShutdownRequestPending)
		proc_exit(0);			/* SIGTERM: a clean exit between steps */
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

/*
 * One round over every kind of work; returns whether a unit has more to
 * do now.
 */
static bool
RunRound(MemoryContext context)
{
	bool		more = false;

	for (int k = 0; k < lengthof(WorkKinds); k++)
	{
		FindArgs	find = {WorkKinds[k], context, NIL};
		char	   *what = psprintf("%s: looking for work", WorkKinds[k]->name);
		bool		found;
		ListCell   *lc;

		if (!RunInTransaction(FindUnits, &find, what, &found))
			continue;
		foreach(lc, find.units)
		{
			StepArgs	step = {WorkKinds[k], lfirst(lc)};
			char	   *description = WorkKinds[k]->describe(step.unit, context);
			TimestampTz turn_end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
															   DDB_UNIT_TURN_MS);
			bool		unit_more = true;

			while (unit_more)
			{
				HandleInterrupts();
				if (!RunInTransaction(RunStep, &step, description, &unit_more))
					break;
				if (unit_more && GetCurrentTimestamp() >= turn_end)
				{
					more = true;
					break;
				}
			}
		}
	}
	return more;
}

/*
 * Run a kind's cleanup after the extension was dropped.
 */
static bool
ExtensionDropped(void *arg)
{
	((const DdbWorkKind *) arg)->extension_dropped();
	return true;
}

/*
 * DdbDatabaseWorkerMain is the per-database worker's entry point; its
 * argument is its slot in the launcher's shared memory.
 */
void
DdbDatabaseWorkerMain(Datum main_arg)
{
	int			slotno = DatumGetInt32(main_arg);
	Oid			dboid;
	MemoryContext context;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();
	dboid = DdbWorkerSlotAttach(slotno);
	if (!OidIsValid(dboid))
		proc_exit(0);
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pgstat_report_appname("ddb worker");
	/* every name the worker's SQL uses is qualified; nothing else is found */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);

	context = AllocSetContextCreate(TopMemoryContext, "ddb worker round",
									ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		bool		more;
		MemoryContext old;

		HandleInterrupts();
		if (!ExtensionInstalled())
		{
			/* each kind cleans up what outlives the extension */
			for (int k = 0; k < lengthof(WorkKinds); k++)
			{
				bool		done;

				if (WorkKinds[k]->extension_dropped != NULL)
					(void) RunInTransaction(ExtensionDropped, (void *) WorkKinds[k],
											"cleaning up after the extension was dropped", &done);
			}
			DdbWorkerSlotExtensionMissing(slotno);
			proc_exit(0);
		}
		old = MemoryContextSwitchTo(context);
		more = RunRound(context);
		MemoryContextSwitchTo(old);
		MemoryContextReset(context);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 more ? 0 : NaptimeMs(), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
