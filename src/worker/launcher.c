/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The launcher of ddb's per-database workers, their shared memory, and
 *	  the hooks through which ordinary backends tell the launcher about
 *	  databases and extensions (see worker.h for the whole picture).
 *
 * Shared memory holds one slot per per-database worker (as many as
 * max_worker_processes allows): its database, its process while it runs,
 * and whether it found the extension missing. Only the launcher gives out
 * and frees slots; a worker fills in its process and clears it when it
 * exits. A short list of "held" databases keeps the launcher from
 * starting a worker in a database that a command needs to itself (DROP
 * DATABASE, ALTER DATABASE RENAME or SET TABLESPACE, CREATE DATABASE with
 * it as template): the command's backend holds the database, stops its
 * worker and waits (up to 5 seconds) for it to exit, runs, and lets go.
 *
 * A CREATE EXTENSION ddb that commits asks the launcher to look again at
 * the databases where the extension was missing; so does, as a fallback,
 * the passing of DDB_PROBE_INTERVAL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/utility.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "worker/worker.h"
#include "worker/worker_private.h"

/* how often a database without the extension is looked at again anyway */
#define DDB_PROBE_INTERVAL_MS	(300 * 1000)
/* how long a command may hold a database; let go of, after it, this late */
#define DDB_HOLD_MS				(60 * 1000)
#define DDB_HOLD_AFTER_MS		(2 * 1000)
/* how long a command waits for the worker of a database it holds */
#define DDB_STOP_WAIT_MS		(5 * 1000)
#define DDB_MAX_HELD			8

/* One per-database worker */
typedef struct WorkerSlot
{
	Oid			dboid;			/* its database; InvalidOid: a free slot */
	PGPROC	   *proc;			/* the worker while it runs, else NULL */
	pid_t		pid;			/* and its pid, else 0 */
	bool		extension_missing;	/* it found no extension ddb and exited */
} WorkerSlot;

/* A database a command needs to itself */
typedef struct HeldDatabase
{
	Oid			dboid;
	TimestampTz until;			/* no worker starts there before */
} HeldDatabase;

typedef struct WorkerShared
{
	slock_t		mutex;			/* protects everything below */
	PGPROC	   *launcher;		/* the launcher while it runs, else NULL */
	bool		probe_requested;	/* look again where ddb was missing */
	HeldDatabase held[DDB_MAX_HELD];
	int			nslots;
	WorkerSlot	slots[FLEXIBLE_ARRAY_MEMBER];
} WorkerShared;

static WorkerShared *Shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* set by this backend's transaction, acted on when it commits */
static bool WakeWorkerOnCommit = false;
static bool ProbeOnCommit = false;

/* the launcher's own state, per slot */
static BackgroundWorkerHandle **Handles = NULL;
static TimestampTz *NextProbe = NULL;

static Size
SharedSize(void)
{
	return add_size(offsetof(WorkerShared, slots),
					mul_size(max_worker_processes, sizeof(WorkerSlot)));
}

static void
RequestShmem(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(SharedSize());
}

static void
StartupShmem(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	Shared = ShmemInitStruct("ddb worker", SharedSize(), &found);
	if (!found)
	{
		memset(Shared, 0, SharedSize());
		SpinLockInit(&Shared->mutex);
		Shared->nslots = max_worker_processes;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Ask the launcher to look again at the databases where the extension was
 * missing, and wake it.
 */
static void
RequestProbe(void)
{
	PGPROC	   *launcher;

	SpinLockAcquire(&Shared->mutex);
	Shared->probe_requested = true;
	launcher = Shared->launcher;
	SpinLockRelease(&Shared->mutex);
	if (launcher != NULL)
		SetLatch(&launcher->procLatch);
}

/*
 * Wake the worker of the current database, or, when it has none running,
 * have the launcher start one.
 */
static void
WakeWorker(void)
{
	PGPROC	   *worker = NULL;

	SpinLockAcquire(&Shared->mutex);
	for (int i = 0; i < Shared->nslots; i++)
	{
		if (Shared->slots[i].dboid == MyDatabaseId && Shared->slots[i].proc != NULL)
			worker = Shared->slots[i].proc;
	}
	SpinLockRelease(&Shared->mutex);
	if (worker != NULL)
		SetLatch(&worker->procLatch);
	else
		RequestProbe();
}

/*
 * At commit, wake the worker or the launcher as the transaction asked. A
 * transaction that is prepared (a Citus node's part of a distributed
 * transaction: CREATE EXTENSION ddb propagated to the node, a stream
 * started there) commits later, usually by COMMIT PREPARED in this same
 * session: its wishes are kept for the session's next commit.
 */
static void
WorkerXactCallback(XactEvent event, void *arg)
{
	static bool WakeWorkerAfterPrepared = false;
	static bool ProbeAfterPrepared = false;

	if (event == XACT_EVENT_PREPARE)
	{
		WakeWorkerAfterPrepared |= WakeWorkerOnCommit;
		ProbeAfterPrepared |= ProbeOnCommit;
	}
	if (event == XACT_EVENT_COMMIT && Shared != NULL)
	{
		if (WakeWorkerOnCommit || WakeWorkerAfterPrepared)
			WakeWorker();
		if (ProbeOnCommit || ProbeAfterPrepared)
			RequestProbe();
		WakeWorkerAfterPrepared = ProbeAfterPrepared = false;
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		WakeWorkerOnCommit = ProbeOnCommit = false;
}

/*
 * DdbWorkerWakeOnCommit wakes the current database's worker when the
 * current transaction commits.
 */
void
DdbWorkerWakeOnCommit(void)
{
	WakeWorkerOnCommit = true;
}

/* ---- databases that a command needs to itself ---- */

/*
 * The database a utility statement needs without other sessions in it,
 * or NULL.
 */
static const char *
DatabaseNeededAlone(Node *parsetree)
{
	ListCell   *lc;

	if (IsA(parsetree, DropdbStmt))
		return ((DropdbStmt *) parsetree)->dbname;
	if (IsA(parsetree, RenameStmt) && ((RenameStmt *) parsetree)->renameType == OBJECT_DATABASE)
		return ((RenameStmt *) parsetree)->subname;
	if (IsA(parsetree, AlterDatabaseStmt))
	{
		foreach(lc, ((AlterDatabaseStmt *) parsetree)->options)
		{
			if (strcmp(((DefElem *) lfirst(lc))->defname, "tablespace") == 0)
				return ((AlterDatabaseStmt *) parsetree)->dbname;
		}
	}
	if (IsA(parsetree, CreatedbStmt))
	{
		foreach(lc, ((CreatedbStmt *) parsetree)->options)
		{
			DefElem    *option = (DefElem *) lfirst(lc);

			if (strcmp(option->defname, "template") == 0 && option->arg != NULL &&
				IsA(option->arg, String))
				return strVal(option->arg);
		}
	}
	return NULL;
}

/*
 * Hold a database until a time (or let go of it: until in the past).
 */
static void
SetHold(Oid dboid, TimestampTz until)
{
	TimestampTz now = GetCurrentTimestamp();
	int			free_entry = -1;

	SpinLockAcquire(&Shared->mutex);
	for (int i = 0; i < DDB_MAX_HELD; i++)
	{
		if (Shared->held[i].dboid == dboid)
		{
			free_entry = i;
			break;
		}
		if (free_entry < 0 && (!OidIsValid(Shared->held[i].dboid) || Shared->held[i].until < now))
			free_entry = i;
	}
	if (free_entry >= 0)
	{
		Shared->held[free_entry].dboid = dboid;
		Shared->held[free_entry].until = until;
	}
	SpinLockRelease(&Shared->mutex);
}

/*
 * The pid of a database's worker, or 0.
 */
static pid_t
WorkerPidOf(Oid dboid)
{
	pid_t		pid = 0;

	SpinLockAcquire(&Shared->mutex);
	for (int i = 0; i < Shared->nslots; i++)
	{
		if (Shared->slots[i].dboid == dboid && Shared->slots[i].pid != 0)
			pid = Shared->slots[i].pid;
	}
	SpinLockRelease(&Shared->mutex);
	return pid;
}

/*
 * Keep the launcher from starting a worker in a database, stop the one
 * running there, and wait a little for it to exit.
 */
static void
HoldDatabase(Oid dboid)
{
	pid_t		pid;

	SetHold(dboid, TimestampTzPlusMilliseconds(GetCurrentTimestamp(), DDB_HOLD_MS));
	pid = WorkerPidOf(dboid);
	if (pid == 0)
		return;
	(void) kill(pid, SIGTERM);
	for (int waited = 0; waited < DDB_STOP_WAIT_MS && WorkerPidOf(dboid) != 0; waited += 10)
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(10 * 1000L);
	}
}

/*
 * ProcessUtility hook: notes CREATE EXTENSION ddb (the launcher looks
 * again when it commits) and holds the database of the commands that need
 * one to themselves while they run.
 */
static void
DdbProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				  ProcessUtilityContext context, ParamListInfo params,
				  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	volatile Oid held = InvalidOid;

	if (Shared != NULL)
	{
		const char *dbname = DatabaseNeededAlone(parsetree);

		if (IsA(parsetree, CreateExtensionStmt) &&
			strcmp(((CreateExtensionStmt *) parsetree)->extname, "ddb") == 0)
			ProbeOnCommit = true;
		if (dbname != NULL)
			held = get_database_oid(dbname, true);
		if (OidIsValid(held))
			HoldDatabase(held);
	}
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
									queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (OidIsValid(held))
			SetHold(held, TimestampTzPlusMilliseconds(GetCurrentTimestamp(), DDB_HOLD_AFTER_MS));
	}
	PG_END_TRY();
}

/* ---- slots, as per-database workers see them ---- */

static void
DetachSlot(int code, Datum arg)
{
	WorkerSlot *slot = &Shared->slots[DatumGetInt32(arg)];

	SpinLockAcquire(&Shared->mutex);
	if (slot->pid == MyProcPid)
	{
		slot->proc = NULL;
		slot->pid = 0;
	}
	SpinLockRelease(&Shared->mutex);
}

/*
 * DdbWorkerSlotAttach records the calling worker in its slot and returns
 * the slot's database (InvalidOid when the launcher gave the slot up).
 */
Oid
DdbWorkerSlotAttach(int slotno)
{
	WorkerSlot *slot;
	Oid			dboid = InvalidOid;

	if (Shared == NULL || slotno < 0 || slotno >= Shared->nslots)
		return InvalidOid;
	slot = &Shared->slots[slotno];
	SpinLockAcquire(&Shared->mutex);
	if (OidIsValid(slot->dboid) && slot->pid == 0)
	{
		dboid = slot->dboid;
		slot->proc = MyProc;
		slot->pid = MyProcPid;
		slot->extension_missing = false;
	}
	SpinLockRelease(&Shared->mutex);
	if (OidIsValid(dboid))
		before_shmem_exit(DetachSlot, Int32GetDatum(slotno));
	return dboid;
}

/*
 * DdbWorkerSlotExtensionMissing records that the worker found no
 * extension ddb in its database.
 */
void
DdbWorkerSlotExtensionMissing(int slotno)
{
	SpinLockAcquire(&Shared->mutex);
	if (Shared->slots[slotno].pid == MyProcPid)
		Shared->slots[slotno].extension_missing = true;
	SpinLockRelease(&Shared->mutex);
}

/* ---- the launcher ---- */

static void
LauncherExit(int code, Datum arg)
{
	SpinLockAcquire(&Shared->mutex);
	if (Shared->launcher == MyProc)
		Shared->launcher = NULL;
	SpinLockRelease(&Shared->mutex);
}

/*
 * The databases a worker may run in: those that accept connections, are
 * not templates and are valid (not half dropped).
 */
static List *
ListDatabases(MemoryContext context)
{
	List	   *dbs = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		MemoryContext old;

		if (!db->datallowconn || db->datistemplate || database_is_invalid_form(db))
			continue;
		old = MemoryContextSwitchTo(context);
		dbs = lappend_oid(dbs, db->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return dbs;
}

/*
 * Whether a command holds a database now.
 */
static bool
Held(Oid dboid, TimestampTz now)
{
	bool		held = false;

	SpinLockAcquire(&Shared->mutex);
	for (int i = 0; i < DDB_MAX_HELD; i++)
	{
		if (Shared->held[i].dboid == dboid && Shared->held[i].until > now)
			held = true;
	}
	SpinLockRelease(&Shared->mutex);
	return held;
}

/*
 * Whether the worker of a slot runs (or is starting); forgets the handle
 * of one that stopped. *pid gets its pid, if known.
 */
static bool
SlotRunning(int slotno, pid_t *pid)
{
	pid_t		slot_pid;

	*pid = 0;
	if (Handles[slotno] != NULL)
	{
		BgwHandleStatus status = GetBackgroundWorkerPid(Handles[slotno], pid);

		if (status != BGWH_STOPPED)
			return true;
		pfree(Handles[slotno]);
		Handles[slotno] = NULL;
	}
	/* a worker the launcher did not start (it was restarted meanwhile) */
	SpinLockAcquire(&Shared->mutex);
	slot_pid = Shared->slots[slotno].pid;
	SpinLockRelease(&Shared->mutex);
	*pid = slot_pid;
	return slot_pid != 0;
}

/*
 * Start the worker of a slot; false when no background worker slot is
 * free (max_worker_processes).
 */
static bool
StartWorker(int slotno, Oid dboid)
{
	BackgroundWorker worker;
	MemoryContext old;
	bool		started;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "ddb");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "DdbDatabaseWorkerMain");
	snprintf(worker.bgw_name, BGW_MAXLEN, "ddb worker for database %u", dboid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "ddb worker");
	worker.bgw_main_arg = Int32GetDatum(slotno);
	worker.bgw_notify_pid = MyProcPid;

	SpinLockAcquire(&Shared->mutex);
	Shared->slots[slotno].extension_missing = false;
	SpinLockRelease(&Shared->mutex);
	NextProbe[slotno] = 0;
	old = MemoryContextSwitchTo(TopMemoryContext);
	started = RegisterDynamicBackgroundWorker(&worker, &Handles[slotno]);
	MemoryContextSwitchTo(old);
	return started;
}

/*
 * One round of the launcher: stop the workers of databases that went
 * away, start those of databases that have none.
 */
static void
LauncherRound(MemoryContext context)
{
	List	   *dbs = ListDatabases(context);
	TimestampTz now = GetCurrentTimestamp();
	bool		probe;
	bool		out_of_workers = false;
	ListCell   *lc;

	SpinLockAcquire(&Shared->mutex);
	probe = Shared->probe_requested;
	Shared->probe_requested = false;
	SpinLockRelease(&Shared->mutex);

	for (int i = 0; i < Shared->nslots; i++)
	{
		WorkerSlot *slot = &Shared->slots[i];
		Oid			dboid;
		bool		missing;
		pid_t		pid;

		SpinLockAcquire(&Shared->mutex);
		dboid = slot->dboid;
		missing = slot->extension_missing;
		SpinLockRelease(&Shared->mutex);
		if (!OidIsValid(dboid))
			continue;
		if (SlotRunning(i, &pid))
		{
			/* a database dropped or closed to connections: stop its worker */
			if (!list_member_oid(dbs, dboid) && pid != 0)
				(void) kill(pid, SIGTERM);
			dbs = list_delete_oid(dbs, dboid);
			continue;
		}
		if (!list_member_oid(dbs, dboid))
		{
			SpinLockAcquire(&Shared->mutex);
			slot->dboid = InvalidOid;
			slot->extension_missing = false;
			SpinLockRelease(&Shared->mutex);
			NextProbe[i] = 0;
			continue;
		}
		dbs = list_delete_oid(dbs, dboid);
		if (Held(dboid, now) || out_of_workers)
			continue;
		if (missing && !probe)
		{
			if (NextProbe[i] == 0)
				NextProbe[i] = TimestampTzPlusMilliseconds(now, DDB_PROBE_INTERVAL_MS);
			if (now < NextProbe[i])
				continue;
		}
		out_of_workers = !StartWorker(i, dboid);
	}

	/* databases without a slot */
	foreach(lc, dbs)
	{
		Oid			dboid = lfirst_oid(lc);
		int			slotno = -1;

		if (out_of_workers)
			break;
		if (Held(dboid, now))
			continue;
		SpinLockAcquire(&Shared->mutex);
		for (int i = 0; i < Shared->nslots && slotno < 0; i++)
		{
			if (!OidIsValid(Shared->slots[i].dboid) && Shared->slots[i].pid == 0)
			{
				slotno = i;
				Shared->slots[i].dboid = dboid;
				Shared->slots[i].extension_missing = false;
			}
		}
		SpinLockRelease(&Shared->mutex);
		if (slotno < 0)
			break;
		out_of_workers = !StartWorker(slotno, dboid);
	}
	if (out_of_workers)
		ereport(LOG,
				(errmsg("ddb launcher: no background worker slot free to start a database's worker"),
				 errhint("Raise max_worker_processes.")));
}

/*
 * DdbLauncherMain is the launcher's entry point.
 */
void
DdbLauncherMain(Datum main_arg)
{
	MemoryContext context;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("ddb launcher");

	SpinLockAcquire(&Shared->mutex);
	Shared->launcher = MyProc;
	SpinLockRelease(&Shared->mutex);
	before_shmem_exit(LauncherExit, (Datum) 0);

	Handles = MemoryContextAllocZero(TopMemoryContext,
									 sizeof(BackgroundWorkerHandle *) * Shared->nslots);
	NextProbe = MemoryContextAllocZero(TopMemoryContext, sizeof(TimestampTz) * Shared->nslots);
	context = AllocSetContextCreate(TopMemoryContext, "ddb launcher round",
									ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ShutdownRequestPending)
			proc_exit(0);		/* SIGTERM: a clean exit between rounds */
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		LauncherRound(context);
		MemoryContextReset(context);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 DdbWorkerNaptime * 1000L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * DdbWorkerInit registers the launcher and the hooks, when the library is
 * preloaded (and the server is not in binary upgrade mode); in other
 * backends the hooks find no shared memory and do nothing.
 */
void
DdbWorkerInit(void)
{
	BackgroundWorker launcher;

	RegisterXactCallback(WorkerXactCallback, NULL);
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = RequestShmem;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = StartupShmem;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = DdbProcessUtility;
	if (IsBinaryUpgrade)
		return;

	memset(&launcher, 0, sizeof(launcher));
	launcher.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	launcher.bgw_start_time = BgWorkerStart_RecoveryFinished;
	launcher.bgw_restart_time = 10;
	snprintf(launcher.bgw_library_name, BGW_MAXLEN, "ddb");
	snprintf(launcher.bgw_function_name, BGW_MAXLEN, "DdbLauncherMain");
	snprintf(launcher.bgw_name, BGW_MAXLEN, "ddb launcher");
	snprintf(launcher.bgw_type, BGW_MAXLEN, "ddb launcher");
	RegisterBackgroundWorker(&launcher);
}
