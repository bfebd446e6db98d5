/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  ddb's background worker: a launcher that runs one worker in every
 *	  database where the extension is installed, and the per-database
 *	  worker that does units of work in short transactions.
 *
 * With ddb in shared_preload_libraries, the postmaster starts the launcher
 * ("ddb launcher" in pg_stat_activity) once recovery has finished, so
 * nothing runs on a hot standby. The launcher, connected to no database,
 * reads pg_database every ddb.worker_naptime seconds (and when woken) and
 * starts a worker ("ddb worker") for each database that accepts
 * connections; a worker that finds no extension ddb in its database exits
 * at once, and the launcher tries that database again when a CREATE
 * EXTENSION ddb commits anywhere (or after a few minutes). A worker also
 * exits when the extension is dropped; DROP DATABASE and the other
 * commands that need a database to themselves stop its worker first.
 *
 * Work comes in kinds (DdbWorkKind): each round, a worker asks each kind
 * for its units due now (a GSI being backfilled, a table whose expired
 * items are due to be deleted), then runs the steps of each unit, one transaction per
 * step; an error in a step is logged and ends that unit's turn for the
 * round, and the worker goes on with the others.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_WORKER_H
#define DDB_WORKER_H

#include "postgres.h"

#include "nodes/pg_list.h"

/*
 * A kind of work the per-database worker does. The callbacks run in the
 * worker's database as the bootstrap superuser, inside a transaction with
 * SPI connected and a snapshot pushed; they raise errors as usual.
 */
typedef struct DdbWorkKind
{
	const char *name;			/* for logs: "index backfill" */

	/*
	 * The units due now, allocated in context (which outlives the
	 * transaction): opaque to the worker
	 */
	List	   *(*find_units) (MemoryContext context);

	/* A unit's description for logs and pg_stat_activity (in context) */
	char	   *(*describe) (void *unit, MemoryContext context);

	/*
	 * Do one step of a unit (a batch), in a transaction of its own that
	 * commits when it returns; returns whether the unit has more to do now
	 */
	bool		(*run_step) (void *unit);

	/*
	 * The longest the worker may sleep without looking for this kind's
	 * units (NULL: ddb.worker_naptime)
	 */
	long		(*max_sleep_ms) (void);

	/*
	 * Optional: clean up after the extension was dropped, in a transaction
	 * of its own, before the worker exits
	 */
	void		(*extension_dropped) (void);
} DdbWorkKind;

/* launcher.c: register the launcher and hooks (from _PG_init) */
extern void DdbWorkerInit(void);

/*
 * Wake the worker of the current database when the current transaction
 * commits (new work for it)
 */
extern void DdbWorkerWakeOnCommit(void);

/* db_worker.c: entry point of the per-database worker */
extern PGDLLEXPORT void DdbDatabaseWorkerMain(Datum main_arg);

/* launcher.c: entry point of the launcher */
extern PGDLLEXPORT void DdbLauncherMain(Datum main_arg);

#endif							/* DDB_WORKER_H */
