/*-------------------------------------------------------------------------
 *
 * node_calls.c
 *	  Calls from the coordinator of a Citus cluster to ddb on its nodes:
 *	  which nodes hold a distributed table's shards, and running a ddb
 *	  operation on each of them (the Streams API reads each node's own
 *	  stream shard this way: stream_api.c; a parallel Scan segment reads
 *	  its shards: shard_scan.c), and the nodes' side, ddb.node_call.
 *
 * A call runs "SELECT ddb.node_call(operation, request)" on the
 * nodes at once, through Citus's master_run_on_worker() (a connection of
 * its own per node, as the calling role, outside this transaction: the
 * calls only read what the nodes committed). The operation and the request
 * travel as quoted literals, the only form that function takes. Each node
 * answers with an envelope: {"Response": <response>} or, for an error,
 * {"SqlState": ..., "Message": ...}, which the caller raises again as it
 * was raised on the node (a DynamoDB error keeps its type and message).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "catalog.h"
#include "errors.h"
#include "json_util.h"
#include "scaleout/scaleout.h"
#include "string_escape.h"
#include "streams/streams.h"

/*
 * DdbShardNodes returns the nodes (DdbNode) that hold shards of a
 * distributed item table, or may (the active primaries that should have
 * shards), ordered by node id. item_table may be gone.
 */
List *
DdbShardNodes(Oid item_table)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(item_table)};
	List	   *nodes = NIL;

	DdbExecute("SELECT n.nodeid, n.nodename, n.nodeport FROM pg_catalog.pg_dist_node n"
			   " WHERE n.isactive AND n.noderole OPERATOR(pg_catalog.=) 'primary'"
			   "   AND (n.shouldhaveshards OR n.groupid IN ("
			   "     SELECT p.groupid FROM pg_catalog.pg_dist_placement p"
			   "       JOIN pg_catalog.pg_dist_shard s ON s.shardid OPERATOR(pg_catalog.=) p.shardid"
			   "      WHERE s.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1))"
			   " ORDER BY n.nodeid",
			   1, argtypes, args, NULL, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		DdbNode    *node = palloc(sizeof(DdbNode));
		bool		isnull;

		node->id = DatumGetInt32(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull));
		node->name = SPI_getvalue(tuple, SPI_tuptable->tupdesc, 2);
		node->port = DatumGetInt32(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 3, &isnull));
		nodes = lappend(nodes, node);
	}
	return nodes;
}

/*
 * DdbNodeById returns an active primary node, or NULL.
 */
DdbNode *
DdbNodeById(int32 node_id)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1] = {Int32GetDatum(node_id)};
	DdbNode    *node;
	bool		isnull;

	DdbExecute("SELECT nodename, nodeport FROM pg_catalog.pg_dist_node"
			   " WHERE nodeid OPERATOR(pg_catalog.=) $1 AND isactive"
			   "   AND noderole OPERATOR(pg_catalog.=) 'primary'",
			   1, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	node = palloc(sizeof(DdbNode));
	node->id = node_id;
	node->name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	node->port = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											 2, &isnull));
	return node;
}

/*
 * Read a node's envelope into its reply (node names the node in messages).
 */
static void
ReadEnvelope(const char *node, const char *text, DdbNodeReply *reply)
{
	Jsonb	   *envelope;
	JsonbValue	response;

	envelope = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
												  CStringGetDatum(DdbEscapeJsonText(pstrdup(text)))));
	if (DdbJsonGet(&envelope->root, "Response", &response))
	{
		/* the operations a node answers always answer with an object */
		if (response.type != jbvBinary)
			ereport(ERROR, (errmsg("%s gave an unexpected answer", node)));
		reply->response = JsonbValueToJsonb(&response);
		return;
	}
	reply->sqlstate = DdbJsonGetString(&envelope->root, "SqlState");
	reply->message = DdbJsonGetString(&envelope->root, "Message");
	if (reply->sqlstate == NULL || strlen(reply->sqlstate) != 5 || reply->message == NULL)
		ereport(ERROR, (errmsg("%s gave an unexpected answer", node)));
}

/*
 * The request text of a node call: JSON as a client sends it.
 */
static char *
RequestText(Jsonb *request)
{
	return DdbUnescapeJsonText(JsonbToCString(NULL, &request->root, VARSIZE(request)));
}

/*
 * DdbCallShard runs a ddb operation on the node holding the shard of a
 * distributed item table where a partition key value lives, as a query
 * Citus routes to that shard, in this transaction:
 *
 *	  SELECT ddb.node_call($2, $3), count(*) FROM ddb_data.t WHERE pk = $1
 *
 * (count(*) makes it one row, whether or not the key has items). The node
 * answers through the connection this transaction uses for the shard, so
 * it sees the transaction's writes and snapshot.
 */
DdbNodeReply *
DdbCallShard(DdbTable *table, Datum partition, const char *operation, Jsonb *request)
{
	DdbNodeReply *reply = palloc0(sizeof(DdbNodeReply));
	StringInfoData sql;
	Oid			argtypes[3] = {table->keys[0].column_type, TEXTOID, TEXTOID};
	Datum		args[3];
	char	   *result;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT ddb.node_call($2, $3), pg_catalog.count(*) FROM %s"
					 " WHERE %s OPERATOR(pg_catalog.=) $1",
					 quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name),
					 quote_identifier(table->keys[0].column));
	args[0] = partition;
	args[1] = CStringGetTextDatum(operation);
	args[2] = CStringGetTextDatum(RequestText(request));
	DdbExecute(sql.data, 3, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1 ||
		(result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)) == NULL)
		elog(ERROR, "the shard of table \"%s\" gave no answer", table->name);
	ReadEnvelope("the shard's node", result, reply);
	return reply;
}

/*
 * DdbCallNodes runs a ddb operation on each node at once and returns
 * their replies, in the order of the nodes. A node that cannot be reached,
 * or fails outside the operation, is an error.
 */
DdbNodeReply *
DdbCallNodes(List *nodes, const char *operation, Jsonb *request)
{
	int			n = list_length(nodes);
	DdbNodeReply *replies = palloc0(sizeof(DdbNodeReply) * Max(n, 1));
	Datum	   *names = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *ports = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *commands = palloc(sizeof(Datum) * Max(n, 1));
	char	   *request_text = RequestText(request);
	char	   *command;
	Oid			argtypes[3] = {TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID};
	Datum		args[3];
	ListCell   *lc;

	if (n == 0)
		return replies;
	command = psprintf("SELECT ddb.node_call(%s, %s)", quote_literal_cstr(operation),
					   quote_literal_cstr(request_text));
	foreach(lc, nodes)
	{
		DdbNode    *node = lfirst(lc);
		int			i = foreach_current_index(lc);

		names[i] = CStringGetTextDatum(node->name);
		ports[i] = Int32GetDatum(node->port);
		commands[i] = CStringGetTextDatum(command);
	}
	args[0] = PointerGetDatum(construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(ports, n, INT4OID, 4, true, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(commands, n, TEXTOID, -1, false, TYPALIGN_INT));
	DdbExecute("SELECT node_name, node_port, success, result"
			   " FROM pg_catalog.master_run_on_worker($1, $2, $3, true)",
			   3, argtypes, args, NULL, SPI_OK_SELECT);
	if (SPI_processed != (uint64) n)
		elog(ERROR, "master_run_on_worker answered for " UINT64_FORMAT " of %d nodes",
			 SPI_processed, n);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		char	   *name = SPI_getvalue(tuple, SPI_tuptable->tupdesc, 1);
		int32		port;
		bool		success;
		char	   *result = SPI_getvalue(tuple, SPI_tuptable->tupdesc, 4);
		bool		isnull;

		port = DatumGetInt32(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull));
		success = DatumGetBool(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 3, &isnull));
		foreach(lc, nodes)
		{
			DdbNode    *node = lfirst(lc);
			DdbNodeReply *reply = &replies[foreach_current_index(lc)];

			if (reply->node != NULL || node->port != port || strcmp(node->name, name) != 0)
				continue;
			reply->node = node;
			if (!success || result == NULL)
				ereport(ERROR,
						(errmsg("could not call ddb on node %s:%d", name, port),
						 errdetail_internal("%s", result != NULL ? result : "no result")));
			ReadEnvelope(psprintf("node %s:%d", node->name, node->port), result, reply);
			break;
		}
	}
	for (int i = 0; i < n; i++)
		if (replies[i].node == NULL)
			elog(ERROR, "master_run_on_worker gave no answer for node %s:%d",
				 ((DdbNode *) list_nth(nodes, i))->name, ((DdbNode *) list_nth(nodes, i))->port);
	return replies;
}

/*
 * DdbRaiseNodeError raises a node's error again, as the node raised it.
 */
void
DdbRaiseNodeError(DdbNodeReply *reply)
{
	const char *s = reply->sqlstate;

	ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
					errmsg_internal("%s", reply->message)));
}

/*
 * DdbNodeEnvelope is the node's side: the envelope of a response text
 * (NULL: no body) or of an error.
 */
char *
DdbNodeEnvelope(const char *response, ErrorData *error)
{
	StringInfoData text;

	initStringInfo(&text);
	if (error == NULL)
	{
		appendStringInfo(&text, "{\"Response\": %s}", response != NULL ? response : "null");
		return text.data;
	}
	appendStringInfoString(&text, "{\"SqlState\": ");
	escape_json(&text, unpack_sql_state(error->sqlerrcode));
	appendStringInfoString(&text, ", \"Message\": ");
	escape_json(&text, error->message != NULL ? error->message : "");
	appendStringInfoChar(&text, '}');
	return text.data;
}

PG_FUNCTION_INFO_V1(ddb_node_call);

typedef struct NodeCall
{
	const char *operation;
	char	   *request;
	char	   *response;
} NodeCall;

static void
RunNodeCall(void *arg)
{
	NodeCall   *call = arg;

	if (strcmp(call->operation, "ScanShard") == 0)
		call->response = DdbNodeScanShard(call->request);
	else
		call->response = DdbStreamNodeCall(call->operation, call->request);
}

/*
 * ddb.node_call(operation text, request text) RETURNS text: the node's
 * side of a call from the coordinator, its response or error in an
 * envelope. It answers the Streams operations from this node's own stream
 * shards, and ScanShard, a page of a Scan segment's piece of a shard this
 * node holds (shard_scan.c).
 */
Datum
ddb_node_call(PG_FUNCTION_ARGS)
{
	NodeCall	call = {0};
	ErrorData  *error;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		DdbRaise(DDB_VALIDATION, "An operation and a request are required");
	call.operation = text_to_cstring(PG_GETARG_TEXT_PP(0));
	call.request = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strcmp(call.operation, "ScanShard") != 0 && !DdbStreamNodeOperation(call.operation))
		DdbRaise(DDB_UNKNOWN_OPERATION,
				 "A node answers only DescribeStream, GetShardIterator, GetRecords and ScanShard");
	error = DdbRunInSubtransaction(RunNodeCall, &call);
	PG_RETURN_TEXT_P(cstring_to_text(DdbNodeEnvelope(call.response, error)));
}
