/*-------------------------------------------------------------------------
 *
 * worker_private.h
 *	  Shared memory of ddb's launcher and per-database workers (launcher.c
 *	  owns it; db_worker.c reports through these functions).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_WORKER_PRIVATE_H
#define DDB_WORKER_PRIVATE_H

#include "postgres.h"

/*
 * Attach the calling per-database worker to its slot: returns the slot's
 * database, or InvalidOid when the launcher has given the slot up
 */
extern Oid	DdbWorkerSlotAttach(int slotno);

/* The worker found no extension ddb in its database and exits */
extern void DdbWorkerSlotExtensionMissing(int slotno);

#endif							/* DDB_WORKER_PRIVATE_H */
