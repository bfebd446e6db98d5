/*-------------------------------------------------------------------------
 *
 * scaleout.h
 *	  Scale-out on Citus (distribute.c): distributed item tables, and the
 *	  questions the rest of ddb asks about them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_SCALEOUT_H
#define DDB_SCALEOUT_H

#include "postgres.h"

/*
 * Distribute a table with Citus (ddb.distribute_table), with shard_count
 * shards (0: citus.shard_count). The caller must own the item table.
 */
extern void DdbDistributeTable(const char *table_name, int shard_count);

/*
 * Around DDL on a distributed table's relations (creating and dropping
 * index tables, the upkeep triggers): Citus's citus.enable_unsafe_triggers
 * on, so that triggers reach the shards, and its notices off. Returns the
 * GUC nest level to give DdbCitusEndDDL.
 */
extern int	DdbCitusBeginDDL(void);
extern void DdbCitusEndDDL(int guc_level);

/*
 * Distribute a new index table of a distributed table, co-located with
 * its item table (call between DdbCitusBeginDDL and DdbCitusEndDDL)
 */
struct DdbTable;
extern void DdbDistributeIndexTable(struct DdbTable *table, Oid relid);

/*
 * Write a distributed table's catalog rows again into the copies on every
 * node, after they changed (an index created, made ACTIVE or deleted)
 */
extern void DdbPublishDistributedTable(const char *table_name);

/* Whether the citus extension is installed in this database */
extern bool DdbCitusLoaded(void);

/*
 * Whether a relation is a Citus distributed table (its rows are in shards,
 * on worker nodes). Must run inside an SPI connection.
 */
extern bool DdbRelationIsDistributed(Oid relid);

/*
 * The distributed table that relid is a shard of (on a node holding
 * shards), or InvalidOid. Must run inside an SPI connection.
 */
extern Oid	DdbShardItemRelid(Oid relid);

/*
 * Whether ddb.distribute_table is emptying the local copies of the tables
 * it distributed (their triggers must not act on it)
 */
extern bool DdbEmptyingLocalData(void);

#endif							/* DDB_SCALEOUT_H */
