/*-------------------------------------------------------------------------
 *
 * distribute.c
 *	  Scale-out on Citus: ddb.distribute_table and ddb.undistribute_table,
 *	  the copy of a distributed table's catalog rows on every node
 *	  (ddb.distributed_tables and its trigger), and what the rest of ddb
 *	  asks about distribution: whether an item table is distributed, and
 *	  which item table a shard is of.
 *
 * A distributed table's item table is distributed by its partition-key
 * column; its index tables and its item collection sizes table by their
 * table_pk column (the base partition key), co-located with it, so that a
 * write and the upkeep of its index rows happen on one node, in one
 * transaction. The upkeep triggers are created on every shard (Citus's
 * citus.enable_unsafe_triggers, which ddb sets for the call only) and fire
 * there: on a worker node, the trigger on shard "orders_102008" finds its
 * table through the shard's item table (DdbShardItemRelid) in that node's
 * copy of ddb's catalog, and writes the index tables by their names, which
 * Citus routes to the co-located shards on the same node (local execution,
 * which Citus allows in triggers on shards).
 *
 * UpdateTable's GSI changes on a distributed table go through the same
 * functions: a new index table is distributed with the item table
 * (DdbDistributeIndexTable), DDL runs with Citus's settings for it
 * (DdbCitusBeginDDL), and the catalog rows are published again
 * (DdbPublishDistributedTable) when an index is created, deleted or made
 * ACTIVE by its backfill.
 *
 * ddb.undistribute_table turns each relation back into a local table with
 * Citus's undistribute_table(), which builds a new relation (its columns,
 * constraints, grants, owner, policies, then its rows, then its indexes,
 * triggers and their states), drops the distributed one and gives the new
 * one its name. ddb follows it: its drop handling (the sql_drop event
 * trigger ddb.forget_dropped_tables) leaves the catalog alone while the
 * relations are replaced (ddb.undistributing()), the index tables and the
 * item collection sizes table are converted before the item table (whose
 * drop CASCADEs to what depends on it), and then the catalog is pointed at
 * the new relations, and what Citus does not carry over is carried by
 * hand: comments, and the dependency of the sizes table on the item table.
 *
 * The nodes' catalog copies: ddb.distributed_tables is a Citus reference
 * table (one copy on every node, all written in one distributed
 * transaction) holding, per distributed table, its rows of ddb.tables and
 * ddb.indexes as jsonb. Its trigger fires on each node's copy and writes
 * those rows into that node's ddb.tables and ddb.indexes, except on the
 * node whose catalog they come from (origin_group, the coordinator's
 * group). So every node knows every distributed table, transactionally.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/comment.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "backups/backups.h"
#include "catalog.h"
#include "errors.h"
#include "indexes/index.h"
#include "json_util.h"
#include "scaleout/scaleout.h"
#include "streams/streams.h"

PG_FUNCTION_INFO_V1(ddb_distribute_table);
PG_FUNCTION_INFO_V1(ddb_undistribute_table);
PG_FUNCTION_INFO_V1(ddb_undistributing);
PG_FUNCTION_INFO_V1(ddb_distributed_catalog_sync);

/* true while ddb.distribute_table empties the local copies of its tables */
static bool EmptyingLocalData = false;

/* true while ddb.undistribute_table has Citus replace its relations */
static bool Undistributing = false;

bool
DdbCitusLoaded(void)
{
	return OidIsValid(get_extension_oid("citus", true));
}

bool
DdbEmptyingLocalData(void)
{
	return EmptyingLocalData;
}

/*
 * DdbRelationIsDistributed: whether Citus's metadata has the relation.
 *
 * SELECT 1 FROM pg_dist_partition WHERE logicalrelid = $1
 */
bool
DdbRelationIsDistributed(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};

	if (!DdbCitusLoaded())
		return false;
	DdbExecute("SELECT 1 FROM pg_catalog.pg_dist_partition"
			   " WHERE logicalrelid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
			   1, argtypes, args, NULL, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/*
 * DdbShardItemRelid: a shard is named after its table with "_<shard id>"
 * appended (Citus shortens long names before the suffix), lives in its
 * table's schema, and pg_dist_shard maps the shard id to the table.
 *
 * SELECT logicalrelid FROM pg_dist_shard WHERE shardid = $1
 */
Oid
DdbShardItemRelid(Oid relid)
{
	char	   *relation_name;
	char	   *suffix;
	char	   *end;
	int64		shard_id;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	Oid			item_relid;
	bool		isnull;

	if (!DdbCitusLoaded())
		return InvalidOid;
	relation_name = get_rel_name(relid);
	if (relation_name == NULL)
		return InvalidOid;
	suffix = strrchr(relation_name, '_');
	if (suffix == NULL || suffix[1] < '0' || suffix[1] > '9')
		return InvalidOid;
	errno = 0;
	shard_id = strtoi64(suffix + 1, &end, 10);
	if (*end != '\0' || errno != 0)
		return InvalidOid;
	args[0] = Int64GetDatum(shard_id);
	DdbExecute("SELECT logicalrelid::pg_catalog.oid FROM pg_catalog.pg_dist_shard"
			   " WHERE shardid OPERATOR(pg_catalog.=) $1",
			   1, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return InvalidOid;
	item_relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												1, &isnull));
	if (isnull || get_rel_namespace(item_relid) != get_rel_namespace(relid))
		return InvalidOid;
	return item_relid;
}

/*
 * Distribute one relation by column, co-located with colocate_with (NULL:
 * with nothing, a co-location group of its own: tables are placed and
 * moved independently), with shard_count shards (0: citus.shard_count),
 * then empty its local copy (the rows now live in the shards).
 *
 * SELECT create_distributed_table($1, $2, colocate_with => $3, shard_count => $4)
 * SELECT truncate_local_data_after_distributing_table($1)
 */
static void
DistributeRelation(Oid relid, const char *column, const char *colocate_with, int shard_count)
{
	Oid			argtypes[4] = {OIDOID, TEXTOID, TEXTOID, INT4OID};
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	int			guc_level;

	args[0] = ObjectIdGetDatum(relid);
	args[1] = CStringGetTextDatum(column);
	args[2] = CStringGetTextDatum(colocate_with != NULL ? colocate_with : "none");
	args[3] = Int32GetDatum(shard_count);
	if (shard_count == 0)
		nulls[3] = 'n';

	/*
	 * Citus creates the shards of each node over several connections of
	 * the transaction at once. PostgreSQL names a shard's array type
	 * "_<shard name>" cut to 63 bytes, which for a long name is the same
	 * for every shard ("<name>_<shard id>", shortened by Citus past 63
	 * bytes): those connections would wait on each other for the name. A
	 * long name's shards are created over one connection per node, each
	 * seeing the names it took.
	 */
	guc_level = NewGUCNestLevel();
	if (strlen(get_rel_name(relid)) + 2 + MAXINT8LEN > NAMEDATALEN - 1)
		(void) set_config_option("citus.multi_shard_modify_mode", "sequential", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	DdbExecute("SELECT pg_catalog.create_distributed_table($1::pg_catalog.regclass, $2,"
			   " colocate_with => $3, shard_count => $4)",
			   4, argtypes, args, nulls, SPI_OK_SELECT);
	AtEOXact_GUC(true, guc_level);

	EmptyingLocalData = true;
	PG_TRY();
	{
		DdbExecute("SELECT pg_catalog.truncate_local_data_after_distributing_table($1::pg_catalog.regclass)",
				   1, argtypes, args, NULL, SPI_OK_SELECT);
	}
	PG_FINALLY();
	{
		EmptyingLocalData = false;
	}
	PG_END_TRY();
}

/*
 * Refuse to (un)distribute (verb) a table while an index of it is being
 * created or deleted, or while it has a live stream.
 */
static void
CheckNoIndexOrStreamChange(DdbTable *table, const char *verb)
{
	const char *values[1] = {table->name};

	DdbExecuteText("SELECT 1 FROM ddb.indexes WHERE table_name OPERATOR(pg_catalog.=) $1"
				   " AND (status OPERATOR(pg_catalog.<>) 'ACTIVE' OR backfilling)",
				   1, values, SPI_OK_SELECT);
	if (SPI_processed > 0)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("table %s has an index being created or deleted", table->name),
						errhint("%c%s it once its indexes are ACTIVE.", pg_toupper(verb[0]), verb + 1)));
	if (DdbStreamLiveViewType(table->name) != NULL)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("table %s has a stream", table->name),
						errhint("Disable its stream, %s it, then enable the stream again.", verb)));
}

/*
 * Refuse a table ddb cannot distribute yet, or now.
 */
static void
CheckDistributable(DdbTable *table)
{
	const char *values[1] = {table->name};

	if (table->distributed)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("table %s is already distributed", table->name)));
	if (table->restoring)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("table %s is being restored", table->name)));
	CheckNoIndexOrStreamChange(table, "distribute");
	DdbExecuteText("SELECT 1 FROM ddb.continuous_backups WHERE table_name OPERATOR(pg_catalog.=) $1",
				   1, values, SPI_OK_SELECT);
	if (SPI_processed > 0)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("table %s has point-in-time recovery enabled, which distributed tables do not support yet",
							   table->name)));
}

/*
 * DdbPublishDistributedTable publishes a distributed table's catalog rows
 * to every node, as the extension owner: makes ddb.distributed_tables a
 * reference table if it is not one yet, and writes the table's row in it.
 */
void
DdbPublishDistributedTable(const char *table_name)
{
	const char *values[2] = {table_name, NULL};
	Oid			table_relid = get_relname_relid("distributed_tables",
												get_namespace_oid(DDB_CATALOG_SCHEMA, false));
	bool		isnull;
	DdbOwnerAccess access;

	DdbCatalogBeginOwnerAccess(&access);

	if (!DdbRelationIsDistributed(table_relid))
		DdbExecuteText("SELECT pg_catalog.create_reference_table('ddb.distributed_tables')",
					   0, NULL, SPI_OK_SELECT);
	DdbExecuteText("SELECT pg_catalog.jsonb_build_object("
				   "  'table', (SELECT pg_catalog.to_jsonb(t) FROM ddb.tables t"
				   "            WHERE t.table_name OPERATOR(pg_catalog.=) $1),"
				   "  'indexes', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(i))"
				   "            FROM ddb.indexes i WHERE i.table_name OPERATOR(pg_catalog.=) $1),"
				   "            '[]'),"
				   "  'stream', (SELECT pg_catalog.jsonb_build_object('label', s.stream_label,"
				   "              'view_type', s.view_type, 'created_at', s.created_at)"
				   "            FROM ddb.streams s WHERE s.table_name OPERATOR(pg_catalog.=) $1"
				   "             AND s.status IN ('ENABLING', 'ENABLED')))::pg_catalog.text",
				   1, values, SPI_OK_SELECT);
	values[1] = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												  1, &isnull));
	DdbExecuteText("INSERT INTO ddb.distributed_tables (table_name, origin_group, definition)"
				   " SELECT $1, groupid, $2::pg_catalog.jsonb FROM pg_catalog.pg_dist_local_group"
				   " ON CONFLICT (table_name) DO UPDATE"
				   " SET origin_group = excluded.origin_group, definition = excluded.definition",
				   2, values, SPI_OK_INSERT);
	DdbCatalogEndOwnerAccess(&access);
}

int
DdbCitusBeginDDL(void)
{
	int			guc_level = NewGUCNestLevel();

	(void) set_config_option("citus.enable_unsafe_triggers", "on", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	if (client_min_messages < WARNING)
		(void) set_config_option("client_min_messages", "warning", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return guc_level;
}

void
DdbCitusEndDDL(int guc_level)
{
	AtEOXact_GUC(true, guc_level);
}

void
DdbDistributeIndexTable(DdbTable *table, Oid relid)
{
	DistributeRelation(relid, "table_pk", DdbQualifiedRelationName(table->relid), 0);
}

/*
 * DdbDistributeTable distributes a table's item table, index tables and
 * item collection sizes table, co-located by the partition key. Needs the
 * citus extension and ownership of the item table.
 */
void
DdbDistributeTable(const char *table_name, int shard_count)
{
	DdbTable   *table;
	int			guc_level;

	if (!DdbCitusLoaded())
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("ddb.distribute_table needs the citus extension"),
						errhint("Add citus to shared_preload_libraries and run CREATE EXTENSION citus.")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	DdbLockTableName(table_name);
	table = DdbTableLookupOwned(table_name);
	CheckDistributable(table);

	/* the item table's triggers reach its shards (DdbCitusBeginDDL) */
	guc_level = DdbCitusBeginDDL();
	DistributeRelation(table->relid, table->keys[0].column, NULL, shard_count);
	for (int i = 0; i < table->nindexes; i++)
		DdbDistributeIndexTable(table, table->indexes[i].relid);
	if (OidIsValid(table->collection_relid))
		DdbDistributeIndexTable(table, table->collection_relid);
	DdbPublishDistributedTable(table->name);
	DdbCitusEndDDL(guc_level);

	CacheInvalidateRelcacheByRelid(table->relid);
	DdbCatalogInvalidateAll();
	SPI_finish();
}

/*
 * ddb.distribute_table(table_name text, shard_count integer DEFAULT NULL)
 */
Datum
ddb_distribute_table(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("table_name must not be NULL")));
	if (!PG_ARGISNULL(1) && PG_GETARG_INT32(1) < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("shard_count must be at least 1")));
	DdbDistributeTable(text_to_cstring(PG_GETARG_TEXT_PP(0)),
					   PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1));
	PG_RETURN_VOID();
}

/*
 * Refuse a table ddb cannot undistribute, or not now.
 */
static void
CheckUndistributable(DdbTable *table)
{
	if (!DdbRelationIsDistributed(table->relid))
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("table %s is not distributed", table->name)));
	if (DdbTableRestoreInProgress(table->name) || DdbTableImportInProgress(table->name))
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("table %s is being restored", table->name)));
	CheckNoIndexOrStreamChange(table, "undistribute");
}

/* One relation of a table being undistributed */
typedef struct UndistributedRelation
{
	Oid			old_relid;		/* the distributed relation */
	Oid			new_relid;		/* the local one that replaced it */
	char	   *name;			/* their name, in ddb_data */
	int			ncomments;		/* its comments (Citus does not copy them): */
	int		   *comment_attnums;	/* of the relation (0) or of a column, */
	char	  **comment_columns;	/* by name */
	char	  **comments;
} UndistributedRelation;

/* A dependency between two of them (indexes into their array) */
typedef struct RelationDependency
{
	int			depender;
	int			referenced;
	DependencyType type;
} RelationDependency;

static int
RelationIndex(UndistributedRelation *relations, int nrelations, Oid relid)
{
	for (int i = 0; i < nrelations; i++)
	{
		if (relations[i].old_relid == relid)
			return i;
	}
	elog(ERROR, "relation %u is not one of the table's", relid);
}

/*
 * Remember a relation's comments, and those of its columns.
 *
 * SELECT d.objsubid, a.attname, d.description FROM pg_description d
 *   LEFT JOIN pg_attribute a ON a.attrelid = d.objoid AND a.attnum = d.objsubid
 *  WHERE d.objoid = $1 AND d.classoid = 'pg_class'::regclass
 */
static void
ReadComments(UndistributedRelation *relation)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relation->old_relid)};

	DdbExecute("SELECT d.objsubid, a.attname::pg_catalog.text, d.description"
			   "  FROM pg_catalog.pg_description d"
			   "  LEFT JOIN pg_catalog.pg_attribute a"
			   "    ON a.attrelid OPERATOR(pg_catalog.=) d.objoid"
			   "   AND a.attnum OPERATOR(pg_catalog.=) d.objsubid"
			   " WHERE d.objoid OPERATOR(pg_catalog.=) $1"
			   "   AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass",
			   1, argtypes, args, NULL, SPI_OK_SELECT);
	relation->ncomments = (int) SPI_processed;
	relation->comment_attnums = palloc(sizeof(int) * Max(relation->ncomments, 1));
	relation->comment_columns = palloc(sizeof(char *) * Max(relation->ncomments, 1));
	relation->comments = palloc(sizeof(char *) * Max(relation->ncomments, 1));
	for (int i = 0; i < relation->ncomments; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		bool		isnull;

		relation->comment_attnums[i] = DatumGetInt32(SPI_getbinval(row, SPI_tuptable->tupdesc,
																   1, &isnull));
		relation->comment_columns[i] = SPI_getvalue(row, SPI_tuptable->tupdesc, 2);
		relation->comments[i] = SPI_getvalue(row, SPI_tuptable->tupdesc, 3);
	}
}

/*
 * Give the new relation the old one's comments.
 */
static void
WriteComments(UndistributedRelation *relation)
{
	for (int i = 0; i < relation->ncomments; i++)
	{
		AttrNumber	attnum = 0;

		if (relation->comment_attnums[i] != 0)
		{
			if (relation->comment_columns[i] == NULL)
				continue;
			attnum = get_attnum(relation->new_relid, relation->comment_columns[i]);
			if (attnum == InvalidAttrNumber)
				continue;
		}
		CreateComments(relation->new_relid, RelationRelationId, attnum, relation->comments[i]);
	}
}

/*
 * Have Citus turn a distributed relation into a local one of the same name
 * (a new relation), while ddb's drop handling leaves its catalog alone.
 *
 * SELECT undistribute_table($1)
 */
static void
UndistributeRelation(UndistributedRelation *relation)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relation->old_relid)};
	Oid			nspid = get_rel_namespace(relation->old_relid);

	Undistributing = true;
	PG_TRY();
	{
		DdbExecute("SELECT pg_catalog.undistribute_table($1::pg_catalog.regclass)",
				   1, argtypes, args, NULL, SPI_OK_SELECT);
	}
	PG_FINALLY();
	{
		Undistributing = false;
	}
	PG_END_TRY();
	relation->new_relid = get_relname_relid(relation->name, nspid);
	if (!OidIsValid(relation->new_relid) || relation->new_relid == relation->old_relid)
		elog(ERROR, "relation \"%s\" was not replaced by a local table", relation->name);
}

/*
 * DdbUndistributeTable turns a distributed table's index tables, item
 * collection sizes table and item table back into local tables holding
 * all their rows, points ddb's catalog at them and withdraws the table's
 * catalog rows from the other nodes. Needs the citus extension and
 * ownership of the item table.
 */
static void
DdbUndistributeTable(const char *table_name)
{
	DdbTable   *table;
	UndistributedRelation *relations;
	int			nrelations = 0;
	const char *values[1] = {table_name};
	Oid			argtypes[2] = {OIDOID, OIDOID};
	Oid			oid_array_type[1] = {OIDARRAYOID};
	Datum		args[2];
	RelationDependency *dependencies;
	int			ndependencies;
	UndistributedRelation *item_relation;
	int			guc_level;
	DdbOwnerAccess access;

	if (!DdbCitusLoaded())
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("ddb.undistribute_table needs the citus extension"),
						errhint("Add citus to shared_preload_libraries and run CREATE EXTENSION citus.")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	DdbLockTableName(table_name);
	table = DdbTableLookupOwned(table_name);
	CheckUndistributable(table);

	/*
	 * The relations, the item table last: its conversion drops it with
	 * CASCADE, which would take the sizes table (which depends on it) along.
	 * The table's metadata is copied out first: the conversions invalidate
	 * it.
	 */
	relations = palloc0(sizeof(UndistributedRelation) * (table->nindexes + 2));
	for (int i = 0; i < table->nindexes; i++)
		relations[nrelations++].old_relid = table->indexes[i].relid;
	if (OidIsValid(table->collection_relid))
		relations[nrelations++].old_relid = table->collection_relid;
	relations[nrelations++].old_relid = table->relid;
	item_relation = &relations[nrelations - 1];
	for (int i = 0; i < nrelations; i++)
	{
		relations[i].name = get_rel_name(relations[i].old_relid);
		if (relations[i].name == NULL)
			elog(ERROR, "a relation of table %s is gone", table_name);
		ReadComments(&relations[i]);
	}

	/*
	 * The dependencies among them (the sizes table's on the item table),
	 * which the new relations do not have.
	 *
	 * SELECT objid, refobjid, deptype FROM pg_depend
	 *	WHERE classid = 'pg_class'::regclass AND objsubid = 0
	 *	  AND refclassid = 'pg_class'::regclass AND refobjsubid = 0
	 *	  AND objid = ANY ($1) AND refobjid = ANY ($1)
	 */
	{
		Datum	   *relids = palloc(sizeof(Datum) * nrelations);

		for (int i = 0; i < nrelations; i++)
			relids[i] = ObjectIdGetDatum(relations[i].old_relid);
		args[0] = PointerGetDatum(construct_array(relids, nrelations, OIDOID,
												  sizeof(Oid), true, TYPALIGN_INT));
		DdbExecute("SELECT objid, refobjid, deptype FROM pg_catalog.pg_depend"
				   " WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
				   "   AND refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
				   "   AND objsubid OPERATOR(pg_catalog.=) 0 AND refobjsubid OPERATOR(pg_catalog.=) 0"
				   "   AND objid OPERATOR(pg_catalog.=) ANY ($1) AND refobjid OPERATOR(pg_catalog.=) ANY ($1)",
				   1, oid_array_type, args, NULL, SPI_OK_SELECT);
		ndependencies = (int) SPI_processed;
		dependencies = palloc(sizeof(RelationDependency) * Max(ndependencies, 1));
		for (int k = 0; k < ndependencies; k++)
		{
			HeapTuple	row = SPI_tuptable->vals[k];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;

			dependencies[k].depender = RelationIndex(relations, nrelations,
													 DatumGetObjectId(SPI_getbinval(row, desc, 1, &isnull)));
			dependencies[k].referenced = RelationIndex(relations, nrelations,
													   DatumGetObjectId(SPI_getbinval(row, desc, 2, &isnull)));
			dependencies[k].type = (DependencyType) DatumGetChar(SPI_getbinval(row, desc, 3, &isnull));
		}
	}

	/* every node but this one forgets the table (the sync trigger) */
	DdbCatalogBeginOwnerAccess(&access);
	DdbExecuteText("DELETE FROM ddb.distributed_tables WHERE table_name OPERATOR(pg_catalog.=) $1",
				   1, values, SPI_OK_DELETE);
	DdbCatalogEndOwnerAccess(&access);

	guc_level = DdbCitusBeginDDL();
	for (int i = 0; i < nrelations; i++)
	{
		if (DdbRelationIsDistributed(relations[i].old_relid))
			UndistributeRelation(&relations[i]);
		else
			relations[i].new_relid = relations[i].old_relid;
	}
	DdbCitusEndDDL(guc_level);

	/*
	 * The catalog names the new relations: the table, its indexes, and the
	 * streams it had (disabled: a live one refused the call), whose rows
	 * name the item table by OID.
	 */
	DdbCatalogBeginOwnerAccess(&access);
	for (int i = 0; i < nrelations; i++)
	{
		args[0] = ObjectIdGetDatum(relations[i].old_relid);
		args[1] = ObjectIdGetDatum(relations[i].new_relid);
		if (relations[i].old_relid == relations[i].new_relid)
			continue;
		if (&relations[i] == item_relation)
		{
			DdbExecute("UPDATE ddb.tables SET item_table = $2::pg_catalog.regclass"
					   " WHERE item_table::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
					   2, argtypes, args, NULL, SPI_OK_UPDATE);
			DdbExecute("UPDATE ddb.streams SET item_table = $2"
					   " WHERE item_table OPERATOR(pg_catalog.=) $1",
					   2, argtypes, args, NULL, SPI_OK_UPDATE);
		}
		else
			DdbExecute("UPDATE ddb.indexes SET index_table = $2::pg_catalog.regclass"
					   " WHERE index_table::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
					   2, argtypes, args, NULL, SPI_OK_UPDATE);
	}
	DdbCatalogEndOwnerAccess(&access);

	/* what Citus did not carry over */
	for (int k = 0; k < ndependencies; k++)
	{
		UndistributedRelation *depender = &relations[dependencies[k].depender];
		UndistributedRelation *referenced = &relations[dependencies[k].referenced];
		ObjectAddress depender_address;
		ObjectAddress referenced_address;

		if (depender->new_relid == depender->old_relid &&
			referenced->new_relid == referenced->old_relid)
			continue;
		ObjectAddressSet(depender_address, RelationRelationId, depender->new_relid);
		ObjectAddressSet(referenced_address, RelationRelationId, referenced->new_relid);
		recordDependencyOn(&depender_address, &referenced_address, dependencies[k].type);
	}
	for (int i = 0; i < nrelations; i++)
	{
		if (relations[i].new_relid == relations[i].old_relid)
			continue;
		WriteComments(&relations[i]);

		/*
		 * the new relations have no statistics yet: DescribeTable's
		 * ItemCount and the planner need them
		 */
		DdbExecute(psprintf("ANALYZE %s", DdbQualifiedRelationName(relations[i].new_relid)),
				   0, NULL, NULL, NULL, SPI_OK_UTILITY);
	}

	CommandCounterIncrement();
	for (int i = 0; i < nrelations; i++)
		CacheInvalidateRelcacheByRelid(relations[i].new_relid);
	DdbCatalogInvalidateAll();
	SPI_finish();
}

/*
 * ddb.undistribute_table(table_name text)
 */
Datum
ddb_undistribute_table(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("table_name must not be NULL")));
	DdbUndistributeTable(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_VOID();
}

/*
 * ddb.undistributing(): whether ddb.undistribute_table is having Citus
 * replace relations in this session (ddb.forget_dropped_tables leaves the
 * catalog alone then: the tables are not going)
 */
Datum
ddb_undistributing(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(Undistributing);
}

/*
 * The item table of a table in this node's catalog, or InvalidOid.
 */
static Oid
LocalItemTable(const char *table_name)
{
	const char *values[1] = {table_name};
	bool		isnull;

	DdbExecuteText("SELECT item_table::pg_catalog.oid FROM ddb.tables"
				   " WHERE table_name OPERATOR(pg_catalog.=) $1",
				   1, values, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return InvalidOid;
	return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										  1, &isnull));
}

/*
 * Replace (new_definition NULL: remove) this node's catalog rows of a
 * distributed table, and make every backend of the node forget what it
 * cached of the table.
 */
static void
WriteLocalCatalogRows(const char *table_name, const char *new_definition)
{
	const char *values[2] = {table_name, new_definition};
	Oid			item_relid = LocalItemTable(table_name);

	/* ddb.indexes rows go with their table's (ON DELETE CASCADE) */
	DdbExecuteText("DELETE FROM ddb.tables WHERE table_name OPERATOR(pg_catalog.=) $1",
				   1, values, SPI_OK_DELETE);
	/* (the item table is gone when the coordinator's DROP got here first) */
	if (OidIsValid(item_relid) && SearchSysCacheExists1(RELOID, ObjectIdGetDatum(item_relid)))
		CacheInvalidateRelcacheByRelid(item_relid);
	if (new_definition != NULL)
	{
		DdbExecuteText("INSERT INTO ddb.tables SELECT * FROM pg_catalog.jsonb_populate_record("
					   "NULL::ddb.tables, $2::pg_catalog.jsonb OPERATOR(pg_catalog.->) 'table')",
					   2, values, SPI_OK_INSERT);
		DdbExecuteText("INSERT INTO ddb.indexes SELECT * FROM pg_catalog.jsonb_populate_recordset("
					   "NULL::ddb.indexes, $2::pg_catalog.jsonb OPERATOR(pg_catalog.->) 'indexes')",
					   2, values, SPI_OK_INSERT);
		item_relid = LocalItemTable(table_name);
		if (OidIsValid(item_relid))
			CacheInvalidateRelcacheByRelid(item_relid);
	}
	DdbCatalogInvalidateAll();
}

/*
 * ddb.distributed_catalog_sync(): AFTER INSERT OR UPDATE OR DELETE FOR EACH
 * ROW on ddb.distributed_tables, firing on every node's copy: writes the
 * row's catalog rows into this node's catalog unless they come from it.
 */
Datum
ddb_distributed_catalog_sync(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	row;
	bool		isnull;
	int32		local_group;
	char	   *table_name;
	char	   *volatile definition = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "ddb.distributed_catalog_sync() must fire AFTER ... FOR EACH ROW");
	if (!DdbCitusLoaded())
		return PointerGetDatum(NULL);
	desc = RelationGetDescr(trigdata->tg_relation);
	row = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple :
		trigdata->tg_trigtuple;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	DdbExecuteText("SELECT groupid FROM pg_catalog.pg_dist_local_group", 0, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "this node's Citus group is unknown");
	local_group = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											  1, &isnull));
	if (DatumGetInt32(heap_getattr(row, 2, desc, &isnull)) != local_group)
	{
		table_name = TextDatumGetCString(heap_getattr(row, 1, desc, &isnull));
		if (!TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
			definition = DatumGetCString(DirectFunctionCall1(jsonb_out,
															 heap_getattr(row, 3, desc, &isnull)));
		/* the rows are written again: the node's stream of the table stays */
		DdbStreamKeepOnTableDeleted = true;
		PG_TRY();
		{
			WriteLocalCatalogRows(table_name, definition);
		}
		PG_FINALLY();
		{
			DdbStreamKeepOnTableDeleted = false;
		}
		PG_END_TRY();
		DdbStreamSyncNode(table_name,
						  definition == NULL ? NULL :
						  DdbJsonGetObject(&DatumGetJsonbP(heap_getattr(row, 3, desc, &isnull))->root,
										   "stream"),
						  definition == NULL, local_group);
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
