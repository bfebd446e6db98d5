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

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

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

/*
 * shard_scan.c: parallel Scan segments of distributed tables, mapped onto
 * shards. The segment (of total_segments) of a partition key value.
 */
extern int64 DdbShardSegmentOf(struct DdbTable *table, Datum partition, int64 total_segments);

/*
 * One page of a segment of a Scan request on a distributed table or its
 * index, after the start key whose partition key is start_partition (NULL:
 * from the segment's beginning), which the caller checked is in the
 * segment
 */
extern Jsonb *DdbScanShards(struct DdbTable *table, JsonbContainer *request, int64 segment,
							int64 total_segments, const Datum *start_partition,
							int64 partitions);

/*
 * The relation of a shard of a distributed item table on this node, and
 * whether [hash_min, hash_max] covers all of the shard's hashes
 */
extern Oid	DdbShardRelation(Oid item_table, int64 shard_id, int32 hash_min, int32 hash_max,
							 bool *whole_shard);

/*
 * The relation, on this node, of the shard of relid (co-located with
 * item_table) that holds the hashes of item_table's shard shard_id
 */
extern Oid	DdbColocatedShardRelation(Oid item_table, Oid relid, int64 shard_id);

/* The node's side of a piece of a Scan (ddb.node_call's ScanShard) */
extern char *DdbNodeScanShard(const char *request_text);

/* node_calls.c: a node of the cluster (pg_dist_node) */
typedef struct DdbNode
{
	int32		id;
	char	   *name;
	int32		port;
} DdbNode;

/* a node's answer to DdbCallNodes: a response, or an error to raise */
typedef struct DdbNodeReply
{
	DdbNode    *node;
	Jsonb	   *response;		/* NULL for an error */
	char	   *sqlstate;		/* the error's, else NULL */
	char	   *message;
} DdbNodeReply;

/*
 * The nodes that hold shards of a distributed item table, or may; a node
 * by its id (NULL when it is not an active primary). Inside SPI.
 */
extern List *DdbShardNodes(Oid item_table);
extern DdbNode *DdbNodeById(int32 node_id);

/*
 * Run a Streams operation on nodes at once (ddb.node_call there);
 * the replies come in the order of the nodes. Inside SPI.
 */
extern DdbNodeReply *DdbCallNodes(List *nodes, const char *operation, Jsonb *request);

/*
 * Run an operation on the node holding the shard of a distributed item
 * table where a partition key value lives, in this transaction (a query
 * Citus routes to the shard). Inside SPI.
 */
extern DdbNodeReply *DdbCallShard(struct DdbTable *table, Datum partition,
								  const char *operation, Jsonb *request);

/* Raise a node's error as the node raised it */
extern void DdbRaiseNodeError(DdbNodeReply *reply) pg_attribute_noreturn();

/* The node's side: the envelope of a response text, or of an error */
extern char *DdbNodeEnvelope(const char *response, ErrorData *error);

#endif							/* DDB_SCALEOUT_H */
