/*-------------------------------------------------------------------------
 *
 * index_read.c
 *	  Query and Scan with IndexName: the checks DynamoDB makes of a read
 *	  of a secondary index, and cursors over index tables.
 *
 * query.c drives a read of an index as it drives a read of a table (one
 * page, Limit, 1 MB, filter, projection, response); this file supplies
 * what differs:
 *
 * - the index: unknown ("The table does not have the specified index"),
 *	 not ACTIVE, ConsistentRead on a GSI, Select ALL_ATTRIBUTES on a GSI
 *	 that does not project everything, all ValidationExceptions;
 *
 * - the key conditions, checked against the index's key schema
 *	 (key_condition.c): equality on every HASH attribute, conditions on
 *	 RANGE attributes from left to right with no gap, an equality on each
 *	 but the last;
 *
 * - the start key, which carries the index key and the table key, as
 *	 LastEvaluatedKey does;
 *
 * - the rows: an index table (index.h) is read in the order of its primary
 *	 key, the index key and then the table key, so that entries sharing an
 *	 index key keep one order and paging with a start key returns each of
 *	 them exactly once:
 *
 *	   SELECT i.item FROM ddb_data."t:i" i
 *		WHERE i.k1 = $1 AND ...						-- HASH, and RANGE equalities
 *		  [AND i.kb >= $lo] [AND i.kb < $hi]		-- the last RANGE condition
 *		  [AND ROW(i.k2, ..., i.table_pk, i.table_sk) > ROW($.., ...)]	-- start
 *		ORDER BY i.k2, ..., i.table_pk, i.table_sk	-- DESC when backwards
 *
 *	 A Scan reads the whole index in that order, after
 *	 ROW(i.k1, ..., i.table_pk, i.table_sk) > ROW(start), and a parallel
 *	 Scan segment holds the entries whose first index key attribute hashes
 *	 to it (as a table's segment holds partition keys, storage.c), so
 *	 segments are disjoint and complete; on a distributed table, segments
 *	 are ranges of the hash of the table's partition key, read shard by
 *	 shard on the nodes (DdbIndexReadOpenScanPiece, shard_scan.c);
 *
 * - LSI fetches: an LSI that does not project every attribute still
 *	 answers Select ALL_ATTRIBUTES, and a projection or filter naming an
 *	 attribute it does not project, by fetching the whole item from the
 *	 item table: the statement joins it (one snapshot for both) and the
 *	 fetch costs table reads, one per item per 4 KB, on top of the index's;
 *
 * - privileges: an index table is read as the item table's owner (a
 *	 security restricted operation, as index_trigger.c writes them), after
 *	 checking that the role may SELECT from the item table. An index holds
 *	 copies of items, so when row-level security applies to the role on
 *	 the item table, reading an index could show rows the policies hide:
 *	 that is refused.
 *
 * On a distributed table the statements also return the key columns
 * they order by and end with LIMIT, and a read goes by chunks, each after
 * the last key of the one before (storage.h, DdbChunkSource).
 *
 * Statements are prepared per index and per shape and kept with the
 * index's metadata (DdbIndex.read_plans) until the table's metadata is
 * reloaded. Relation and column names come from the catalog, quoted;
 * values are parameters.
 *
 * IDENTIFICATION
 *	  src/indexes/index_read.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/syscache.h"

#include "capacity.h"
#include "catalog.h"
#include "errors.h"
#include "expr.h"
#include "index.h"
#include "item.h"
#include "json_util.h"
#include "key_condition.h"
#include "storage.h"
#include "scaleout/scaleout.h"

/* A prepared statement of an index, by shape */
typedef struct DdbIndexReadPlan
{
	uint32		shape;
	SPIPlanPtr	plan;
	struct DdbIndexReadPlan *next;
} DdbIndexReadPlan;

/* Shapes: the kind of statement in the low bits */
#define SHAPE_QUERY			1
#define SHAPE_SCAN			2
#define SHAPE_SEGMENT_OF	3
#define SHAPE_FETCH			(1 << 2)	/* joins the item table */
#define SHAPE_FORWARD		(1 << 3)
#define SHAPE_START			(1 << 4)	/* after a start key */
#define SHAPE_SEGMENTED		(1 << 5)
#define SHAPE_LOWER(kind)	((uint32) (kind) << 6)	/* bounds of the last */
#define SHAPE_UPPER(kind)	((uint32) (kind) << 8)	/* RANGE condition */
#define SHAPE_EQUALITIES(n) ((uint32) (n) << 10)	/* leading equalities */


/* ---------------------------------------------------------------------
 * The index and what a read needs of it
 * ---------------------------------------------------------------------
 */

/*
 * Whether an index holds an attribute of its items: every attribute, or
 * the table key, the index key and (INCLUDE) the non-key attributes.
 */
static bool
IndexProjects(DdbTable *table, DdbIndex *index, const char *name, int len)
{
	if (index->projection == DDB_PROJECT_ALL)
		return true;
	for (int i = 0; i < table->nkeys; i++)
	{
		if (strlen(table->keys[i].name) == len && memcmp(table->keys[i].name, name, len) == 0)
			return true;
	}
	for (int i = 0; i < index->nkeys; i++)
	{
		if (strlen(index->key_names[i]) == len && memcmp(index->key_names[i], name, len) == 0)
			return true;
	}
	for (int i = 0; i < index->nnon_key; i++)
	{
		const char *attr = index->non_key_attributes[i];

		if (strlen(attr) == len && memcmp(attr, name, len) == 0)
			return true;
	}
	return false;
}

/*
 * Whether a condition names an attribute the index does not hold.
 */
static bool
ConditionNeedsItem(DdbTable *table, DdbIndex *index, const DdbCondition *cond)
{
	if (cond == NULL)
		return false;
	check_stack_depth();
	if (ConditionNeedsItem(table, index, cond->left) ||
		ConditionNeedsItem(table, index, cond->right))
		return true;
	for (int i = 0; i < cond->noperands; i++)
	{
		const DdbOperand *operand = cond->operands[i];

		if ((operand->kind == DDB_OPERAND_PATH ||
			 (operand->kind == DDB_OPERAND_SIZE && operand->left == NULL)) &&
			!IndexProjects(table, index, operand->path.elems[0].name,
						   operand->path.elems[0].name_len))
			return true;
	}
	return false;
}

/*
 * Refuse a read of an index the role could not make of the item table:
 * without SELECT on it, PostgreSQL's own error; with row-level security
 * that applies to the role, an error that says why.
 */
static void
CheckReadAllowed(DdbTable *table, DdbIndex *index)
{
	AclResult	result = pg_class_aclcheck(table->relid, GetUserId(), ACL_SELECT);

	if (result != ACLCHECK_OK)
		aclcheck_error(result, OBJECT_TABLE, get_rel_name(table->relid));
	if (check_enable_rls(table->relid, InvalidOid, true) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("index \"%s\" of table \"%s\" cannot be read by a role that row-level security applies to",
						index->name, table->name),
				 errdetail("An index holds copies of items that the policies of the item table could hide."),
				 errhint("Query or Scan the table itself, or read with a role the policies do not apply to.")));
}

/*
 * DdbIndexReadBegin looks up the index a read names and checks the read
 * against it.
 */
void
DdbIndexReadBegin(DdbIndexRead *read, const char *index_name)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = DdbIndexLookup(table, index_name);
	bool		global;

	if (index == NULL)
		DdbValidationError("The table does not have the specified index: %s", index_name);
	global = (index->kind == DDB_INDEX_GLOBAL);
	if (!index->active)
		DdbValidationError("Cannot read from backfilling global secondary index: %s", index_name);
	if (global && read->consistent)
		DdbValidationError("Consistent reads are not supported on global secondary indexes");
	if (global && read->all_attributes && index->projection != DDB_PROJECT_ALL)
		DdbValidationError("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL",
						   index_name);
	CheckReadAllowed(table, index);
	read->index = index;

	/* an LSI fetches what it does not hold from the table */
	read->fetch = false;
	if (!global && index->projection != DDB_PROJECT_ALL)
	{
		read->fetch = read->all_attributes ||
			ConditionNeedsItem(table, index, read->filter);
		for (int i = 0; !read->fetch && read->projection != NULL &&
			 i < read->projection->npaths; i++)
		{
			const DdbPathElem *head = &read->projection->paths[i].elems[0];

			read->fetch = !IndexProjects(table, index, head->name, head->name_len);
		}
	}
	read->return_items = read->fetch && read->all_attributes;
}


/* ---------------------------------------------------------------------
 * Key values and start keys
 * ---------------------------------------------------------------------
 */

/*
 * Index key attribute i as a key attribute (for key value conversion);
 * its position for the size limits is 0 (HASH) or 1 (RANGE).
 */
static DdbKeyAttribute
IndexKeyAttribute(DdbIndex *index, int i, int *position)
{
	DdbKeyAttribute attr;

	attr.name = index->key_names[i];
	attr.type = index->key_types[i];
	attr.column = NULL;
	attr.column_type = index->key_column_types[i];
	*position = i < index->nhash ? 0 : 1;
	return attr;
}

/*
 * The number of distinct attributes of the index key and the table key:
 * the members a start key has.
 */
static int
StartKeySize(DdbTable *table, DdbIndex *index)
{
	int			n = index->nkeys;

	for (int i = 0; i < table->nkeys; i++)
	{
		bool		in_index = false;

		for (int k = 0; k < index->nkeys; k++)
			in_index = in_index || strcmp(index->key_names[k], table->keys[i].name) == 0;
		if (!in_index)
			n++;
	}
	return n;
}

/*
 * Convert the start key's values (checked for presence and type) to
 * datums, into read->start: the index key, then the table key. Empty and
 * oversized values are an invalid starting key.
 */
static void
StartKeyDatums(DdbIndexRead *read)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = read->index;
	JsonbContainer *start = &read->start_key->root;
	MemoryContext context = CurrentMemoryContext;

	PG_TRY();
	{
		for (int i = 0; i < index->nkeys; i++)
		{
			int			position;
			DdbKeyAttribute attr = IndexKeyAttribute(index, i, &position);
			JsonbValue	v;

			if (!DdbJsonGet(start, attr.name, &v))
				elog(ERROR, "start key was not checked");
			read->start[i] = DdbKeyConditionDatum(&attr, position, &v);
		}
		for (int i = 0; i < table->nkeys; i++)
		{
			JsonbValue	v;

			if (!DdbJsonGet(start, table->keys[i].name, &v))
				elog(ERROR, "start key was not checked");
			read->start[index->nkeys + i] = DdbKeyConditionDatum(&table->keys[i], i, &v);
		}
	}
	PG_CATCH();
	{
		const char *prefix = "ValidationException: ";
		ErrorData  *edata;

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		if (edata->sqlerrcode != DdbErrorSqlState(DDB_VALIDATION) ||
			strncmp(edata->message, prefix, strlen(prefix)) != 0)
			PG_RE_THROW();
		FlushErrorState();
		DdbValidationError("The provided starting key is invalid: %s",
						   edata->message + strlen(prefix));
	}
	PG_END_TRY();
}

/*
 * Check the table key attributes of a start key whose index key
 * attributes were checked: present, of the schema's types.
 */
static void
CheckStartTableKey(DdbIndexRead *read)
{
	DdbTable   *table = read->table;

	for (int i = 0; i < table->nkeys; i++)
	{
		JsonbValue	v;
		const char *type;

		if (!DdbJsonGet(&read->start_key->root, table->keys[i].name, &v))
			DdbValidationError("The provided starting key is invalid: The provided key element does not match the schema");
		type = DdbAttributeTypeName(DdbAttributeValueType(&v, NULL));
		if (type[0] != table->keys[i].type || type[1] != '\0')
			DdbValidationError("The provided starting key is invalid: The provided key element does not match the schema");
	}
}

/*
 * Raise DynamoDB's error for an empty string or binary given for an index
 * key attribute.
 */
static void
CheckNotEmpty(DdbIndex *index, int i, JsonbValue *value)
{
	JsonbValue	payload;
	DdbAttributeType type = DdbAttributeValueType(value, &payload);

	if ((type == DDB_TYPE_S || type == DDB_TYPE_B) && payload.val.string.len == 0)
		DdbValidationError("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
						   type == DDB_TYPE_S ? "string" : "binary", index->name,
						   index->key_names[i]);
}

/*
 * DdbIndexReadCheckQuery checks a Query's key conditions and start key
 * against the index.
 */
void
DdbIndexReadCheckQuery(DdbIndexRead *read, DdbKeyConditions *conditions)
{
	DdbIndex   *index = read->index;
	DdbKeySchema schema;
	JsonbContainer *start = read->start_key != NULL ? &read->start_key->root : NULL;
	DdbKeyCondition *bound = NULL;

	schema.nhash = index->nhash;
	schema.nkeys = index->nkeys;
	for (int i = 0; i < index->nkeys; i++)
	{
		schema.names[i] = index->key_names[i];
		schema.types[i] = index->key_types[i];
	}
	if (start != NULL &&
		JsonContainerSize(start) != StartKeySize(read->table, index))
		DdbValidationError("The provided starting key is invalid");
	DdbKeyConditionsMatch(&schema, conditions, start, read->matched);
	for (int i = 0; i < index->nkeys && read->matched[i] != NULL; i++)
	{
		for (int j = 0; j < read->matched[i]->nvalues; j++)
			CheckNotEmpty(index, i, read->matched[i]->values[j]);
		if (read->matched[i]->op != DDB_KEY_EQ)
			bound = read->matched[i];
	}
	if (start == NULL)
		return;

	/* the start key: its table key, its values, and inside the conditions */
	CheckStartTableKey(read);
	StartKeyDatums(read);
	if (bound != NULL && !DdbEvaluateCondition(bound->condition, start))
		DdbValidationError("The provided starting key does not match the range key predicate");
	for (int i = 0; i < index->nkeys && read->matched[i] != NULL; i++)
	{
		if (read->matched[i] != bound &&
			!DdbEvaluateCondition(read->matched[i]->condition, start))
			DdbValidationError("The provided starting key is outside query boundaries based on provided conditions");
	}
}


/* ---------------------------------------------------------------------
 * Statements
 * ---------------------------------------------------------------------
 */

/*
 * The statement of a shape, or NULL when not prepared yet.
 */
static SPIPlanPtr
FindPlan(DdbIndex *index, uint32 shape)
{
	for (DdbIndexReadPlan *p = index->read_plans; p != NULL; p = p->next)
	{
		if (p->shape == shape)
			return p->plan;
	}
	return NULL;
}

/*
 * Keep a prepared statement of a shape with the index.
 */
static SPIPlanPtr
RememberPlan(DdbTable *table, DdbIndex *index, uint32 shape, SPIPlanPtr plan)
{
	DdbIndexReadPlan *p = MemoryContextAlloc(table->context, sizeof(DdbIndexReadPlan));

	p->shape = shape;
	p->plan = plan;
	p->next = index->read_plans;
	index->read_plans = p;
	return plan;
}

/*
 * DdbIndexForgetReadPlans frees an index's read statements.
 */
void
DdbIndexForgetReadPlans(DdbIndex *index)
{
	DdbIndexReadPlan *p = index->read_plans;

	while (p != NULL)
	{
		DdbIndexReadPlan *next = p->next;

		SPI_freeplan(p->plan);
		pfree(p);
		p = next;
	}
	index->read_plans = NULL;
}

/*
 * Append the index table's key columns from index key attribute first on,
 * then the table key columns, separated by ", " and each followed by
 * suffix: "i.k2<suffix>, i.table_pk<suffix>, i.table_sk<suffix>".
 */
static void
AppendKeyColumns(StringInfo sql, DdbTable *table, DdbIndex *index, int first,
				 const char *suffix)
{
	for (int i = first; i < index->nkeys; i++)
		appendStringInfo(sql, "i.k%d%s, ", i + 1, suffix);
	appendStringInfo(sql, "i.table_pk%s", suffix);
	if (table->nkeys == 2)
		appendStringInfo(sql, ", i.table_sk%s", suffix);
}

/*
 * Append "SELECT i.item[, t.item][, <key columns>] FROM <index relation> i
 * [JOIN <item relation> t ON t.pk = i.table_pk [AND t.sk = i.table_sk]]"
 * over the index table and item table, or their shards (quoted and
 * qualified), with the key columns from index key attribute key_from on
 * when the read goes by chunks (a distributed table: see DdbChunkSource),
 * or none (key_from -1).
 */
static void
AppendSelectFrom(StringInfo sql, DdbTable *table, DdbIndex *index, bool fetch, int key_from,
				 const char *index_relation, const char *item_relation)
{
	appendStringInfo(sql, "SELECT i.item%s", fetch ? ", t.item" : "");
	if (key_from >= 0)
	{
		appendStringInfoString(sql, ", ");
		AppendKeyColumns(sql, table, index, key_from, "");
	}
	appendStringInfo(sql, " FROM %s i", index_relation);
	if (!fetch)
		return;
	appendStringInfo(sql, " JOIN %s t ON ", item_relation);
	for (int i = 0; i < table->nkeys; i++)
		appendStringInfo(sql, "%st.%s OPERATOR(pg_catalog.=) i.%s", i > 0 ? " AND " : "",
						 quote_identifier(table->keys[i].column),
						 i == 0 ? "table_pk" : "table_sk");
}

/*
 * Append "ROW($first, ...)" over the start key parameters of the index
 * key attributes from attribute from on and of the table key.
 */
static void
AppendStartRow(StringInfo sql, DdbTable *table, DdbIndex *index, int first_param, int from)
{
	appendStringInfoString(sql, "ROW(");
	for (int i = from; i < index->nkeys + table->nkeys; i++)
		appendStringInfo(sql, "%s$%d", i > from ? ", " : "", first_param + i);
	appendStringInfoChar(sql, ')');
}

/*
 * Fill the types of the start key parameters, from argtypes[first] on:
 * the index key, then the table key.
 */
static void
StartArgTypes(DdbTable *table, DdbIndex *index, Oid *argtypes, int first)
{
	for (int i = 0; i < index->nkeys; i++)
		argtypes[first + i] = index->key_column_types[i];
	for (int i = 0; i < table->nkeys; i++)
		argtypes[first + index->nkeys + i] = table->keys[i].column_type;
}

/*
 * The Query statement of a shape (see the file header). Parameters:
 * $1..$N the index key attributes' values (those with equalities), $N+1
 * and $N+2 the lower and upper bound of the attribute after them,
 * $N+3... the start key (index key, then table key).
 */
static SPIPlanPtr
QueryPlan(DdbIndexRead *read, int equalities, DdbRangeBound lower, DdbRangeBound upper,
		  bool forward, bool has_start)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = read->index;
	int			nkeys = index->nkeys;
	uint32		shape = SHAPE_QUERY | (read->fetch ? SHAPE_FETCH : 0) |
		(forward ? SHAPE_FORWARD : 0) | (has_start ? SHAPE_START : 0) |
		SHAPE_LOWER(lower) | SHAPE_UPPER(upper) | SHAPE_EQUALITIES(equalities);
	SPIPlanPtr	plan = FindPlan(index, shape);
	Oid			argtypes[DDB_MAX_INDEX_KEYS * 2 + 5];
	int			nargs = 2 * nkeys + 2 + table->nkeys;
	StringInfoData sql;

	if (plan != NULL)
		return plan;

	initStringInfo(&sql);
	AppendSelectFrom(&sql, table, index, read->fetch, table->distributed ? index->nhash : -1,
					 quote_qualified_identifier(DDB_DATA_SCHEMA, index->relation_name),
					 quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name));
	for (int i = 0; i < equalities; i++)
		appendStringInfo(&sql, " %s i.k%d OPERATOR(pg_catalog.=) $%d",
						 i == 0 ? "WHERE" : "AND", i + 1, i + 1);
	if (lower != DDB_BOUND_NONE)
		appendStringInfo(&sql, " AND i.k%d OPERATOR(pg_catalog.%s) $%d", equalities + 1,
						 lower == DDB_BOUND_INCLUSIVE ? ">=" : ">", nkeys + 1);
	if (upper != DDB_BOUND_NONE)
		appendStringInfo(&sql, " AND i.k%d OPERATOR(pg_catalog.%s) $%d", equalities + 1,
						 upper == DDB_BOUND_INCLUSIVE ? "<=" : "<", nkeys + 2);
	if (has_start)
	{
		/* the HASH attributes are equal, so the row starts after them */
		appendStringInfoString(&sql, " AND ROW(");
		AppendKeyColumns(&sql, table, index, index->nhash, "");
		appendStringInfo(&sql, ") OPERATOR(pg_catalog.%s) ", forward ? ">" : "<");
		AppendStartRow(&sql, table, index, nkeys + 3, index->nhash);
	}
	appendStringInfoString(&sql, " ORDER BY ");
	AppendKeyColumns(&sql, table, index, index->nhash, forward ? "" : " DESC");
	if (table->distributed)
		appendStringInfo(&sql, " LIMIT $%d", nargs + 1);

	for (int i = 0; i < nkeys; i++)
		argtypes[i] = index->key_column_types[i];
	argtypes[nkeys] = argtypes[nkeys + 1] =
		index->key_column_types[Min(equalities, nkeys - 1)];
	StartArgTypes(table, index, argtypes, nkeys + 2);
	argtypes[nargs] = INT8OID;
	plan = DdbStoragePrepareCursor(sql.data, table->distributed ? nargs + 1 : nargs, argtypes);
	pfree(sql.data);
	return RememberPlan(table, index, shape, plan);
}

/* A Query of an index of a distributed table read by chunks */
typedef struct QueryChunks
{
	DdbIndexRead *read;
	int			equalities;
	DdbRangeBound lower;
	DdbRangeBound upper;
	bool		forward;
} QueryChunks;

static SPIPlanPtr
QueryChunkPlan(void *arg, bool has_start)
{
	QueryChunks *chunks = arg;

	return QueryPlan(chunks->read, chunks->equalities, chunks->lower, chunks->upper,
					 chunks->forward, has_start);
}

/* A Scan of an index of a distributed table read by chunks */
typedef struct ScanChunks
{
	DdbIndexRead *read;
	bool		segmented;
} ScanChunks;

static SPIPlanPtr ScanPlan(DdbIndexRead *read, bool has_start, bool segmented);

static SPIPlanPtr
ScanChunkPlan(void *arg, bool has_start)
{
	ScanChunks *chunks = arg;

	return ScanPlan(chunks->read, has_start, chunks->segmented);
}

/*
 * DdbIndexReadOpenQuery opens the cursor of a checked Query.
 */
void
DdbIndexReadOpenQuery(DdbIndexRead *read, bool forward)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = read->index;
	int			nkeys = index->nkeys;
	Datum		args[DDB_MAX_INDEX_KEYS * 2 + 5];
	char		nulls[DDB_MAX_INDEX_KEYS * 2 + 5];
	int			equalities = 0;
	DdbQueryRange range;
	SPIPlanPtr	plan;

	memset(&range, 0, sizeof(range));
	memset(nulls, 'n', sizeof(nulls));
	memset(args, 0, sizeof(args));
	for (int i = 0; i < nkeys && read->matched[i] != NULL; i++)
	{
		int			position;
		DdbKeyAttribute attr = IndexKeyAttribute(index, i, &position);

		if (read->matched[i]->op != DDB_KEY_EQ)
		{
			DdbKeyConditionBounds(read->matched[i], &attr, position, &range);
			break;
		}
		args[i] = DdbKeyConditionDatum(&attr, position, read->matched[i]->values[0]);
		nulls[i] = ' ';
		equalities++;
	}
	if (range.lower_kind != DDB_BOUND_NONE)
	{
		args[nkeys] = range.lower;
		nulls[nkeys] = ' ';
	}
	if (range.upper_kind != DDB_BOUND_NONE)
	{
		args[nkeys + 1] = range.upper;
		nulls[nkeys + 1] = ' ';
	}
	if (read->start_key != NULL)
	{
		for (int i = 0; i < nkeys + table->nkeys; i++)
		{
			args[nkeys + 2 + i] = read->start[i];
			nulls[nkeys + 2 + i] = ' ';
		}
	}
	if (table->distributed)
	{
		QueryChunks *chunks = palloc(sizeof(QueryChunks));
		int			nargs = 2 * nkeys + 2 + table->nkeys;
		DdbChunkSource source = {QueryChunkPlan, chunks, nargs + 1, nkeys + 2 + index->nhash,
			nkeys - index->nhash + table->nkeys, read->fetch ? 3 : 2, nargs};

		chunks->read = read;
		chunks->equalities = equalities;
		chunks->lower = range.lower_kind;
		chunks->upper = range.upper_kind;
		chunks->forward = forward;
		read->cursor = DdbStorageOpenChunks(table, &source, args, nulls, read->start_key != NULL,
											DdbRelationOwner(table->relid));
		return;
	}
	plan = QueryPlan(read, equalities, range.lower_kind, range.upper_kind, forward,
					 read->start_key != NULL);
	read->cursor = DdbStorageOpenCursor(table, plan, args, nulls,
										DdbRelationOwner(table->relid));
}

/*
 * Build the Scan statement over an index table and item table, or their
 * shards: parameters $1..$M the start key (index key, then table key),
 * then $M+1 and $M+2: TotalSegments and the segment (segmented), or the
 * range of Citus hashes of the table's partition key (hash_range); on a
 * distributed table's own relations, the key columns and LIMIT $M+3
 * (chunked).
 */
static char *
ScanStatement(DdbIndexRead *read, const char *index_relation, const char *item_relation,
			  bool has_start, bool segmented, bool hash_range, bool chunked)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = read->index;
	int			nstart = index->nkeys + table->nkeys;
	StringInfoData sql;

	initStringInfo(&sql);
	AppendSelectFrom(&sql, table, index, read->fetch, chunked ? 0 : -1, index_relation,
					 item_relation);
	if (has_start)
	{
		appendStringInfoString(&sql, " WHERE ROW(");
		AppendKeyColumns(&sql, table, index, 0, "");
		appendStringInfoString(&sql, ") OPERATOR(pg_catalog.>) ");
		AppendStartRow(&sql, table, index, 1, 0);
	}
	if (segmented || hash_range)
		appendStringInfoString(&sql, has_start ? " AND " : " WHERE ");
	if (segmented)
	{
		DdbStorageAppendSegment(&sql, index->key_types[0], "i.k1", nstart + 1);
		appendStringInfo(&sql, " OPERATOR(pg_catalog.=) $%d", nstart + 2);
	}
	else if (hash_range)
		appendStringInfo(&sql, "pg_catalog.worker_hash(i.table_pk) BETWEEN $%d AND $%d",
						 nstart + 1, nstart + 2);
	appendStringInfoString(&sql, " ORDER BY ");
	AppendKeyColumns(&sql, table, index, 0, "");
	if (chunked)
		appendStringInfo(&sql, " LIMIT $%d", nstart + 3);
	return sql.data;
}

/*
 * The Scan statement of a shape (ScanStatement), prepared once per index.
 */
static SPIPlanPtr
ScanPlan(DdbIndexRead *read, bool has_start, bool segmented)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = read->index;
	int			nstart = index->nkeys + table->nkeys;
	uint32		shape = SHAPE_SCAN | (read->fetch ? SHAPE_FETCH : 0) |
		(has_start ? SHAPE_START : 0) | (segmented ? SHAPE_SEGMENTED : 0);
	SPIPlanPtr	plan = FindPlan(index, shape);
	Oid			argtypes[DDB_MAX_INDEX_KEYS + 5];
	char	   *sql;

	if (plan != NULL)
		return plan;

	sql = ScanStatement(read, quote_qualified_identifier(DDB_DATA_SCHEMA, index->relation_name),
						quote_qualified_identifier(DDB_DATA_SCHEMA, table->relation_name),
						has_start, segmented, false, table->distributed);
	StartArgTypes(table, index, argtypes, 0);
	argtypes[nstart] = argtypes[nstart + 1] = argtypes[nstart + 2] = INT8OID;
	plan = DdbStoragePrepareCursor(sql, table->distributed ? nstart + 3 : nstart + 2, argtypes);
	pfree(sql);
	return RememberPlan(table, index, shape, plan);
}

/*
 * The segment (0 .. total_segments - 1) of a value of the index's first
 * key attribute, computed as the Scan statement computes it.
 */
static int64
SegmentOf(DdbIndexRead *read, Datum value, int64 total_segments)
{
	DdbIndex   *index = read->index;
	SPIPlanPtr	plan = FindPlan(index, SHAPE_SEGMENT_OF);
	Datum		args[2];
	bool		isnull;
	int			rc;

	if (plan == NULL)
	{
		StringInfoData sql;
		Oid			argtypes[2] = {index->key_column_types[0], INT8OID};

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		DdbStorageAppendSegment(&sql, index->key_types[0], "$1", 2);
		plan = DdbStoragePrepare(sql.data, 2, argtypes);
		pfree(sql.data);
		RememberPlan(read->table, index, SHAPE_SEGMENT_OF, plan);
	}
	args[0] = value;
	args[1] = Int64GetDatum(total_segments);
	rc = SPI_execute_plan(plan, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "segment lookup failed: %s", SPI_result_code_string(rc));
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									   &isnull));
}

/*
 * DdbIndexReadCheckScanStart checks a Scan's start key against the index's
 * and the table's key schema and takes its values (read->start).
 */
void
DdbIndexReadCheckScanStart(DdbIndexRead *read)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = read->index;
	JsonbContainer *start = &read->start_key->root;

	if (JsonContainerSize(start) != StartKeySize(table, index))
		DdbValidationError("The provided starting key is invalid");
	for (int i = 0; i < index->nkeys; i++)
	{
		JsonbValue	v;
		const char *type;

		if (!DdbJsonGet(start, index->key_names[i], &v))
			DdbValidationError("The provided starting key is invalid");
		type = DdbAttributeTypeName(DdbAttributeValueType(&v, NULL));
		if (type[0] != index->key_types[i] || type[1] != '\0')
			DdbValidationError("The provided key element does not match the schema");
	}
	CheckStartTableKey(read);
	StartKeyDatums(read);
}

/*
 * DdbIndexReadOpenScanPiece opens the cursor of a Scan of one piece of a
 * parallel Scan segment of a distributed table's index
 * (scaleout/shard_scan.c), on the node holding the shard: the entries of
 * the index's shard co-located with the item table's shard shard_id whose
 * table partition key's Citus hash is in [hash_min, hash_max], after the
 * start key (checked by the caller). Its statement is prepared for it
 * alone.
 */
void
DdbIndexReadOpenScanPiece(DdbIndexRead *read, int64 shard_id, int32 hash_min, int32 hash_max)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = read->index;
	int			nstart = index->nkeys + table->nkeys;
	Datum		args[DDB_MAX_INDEX_KEYS + 5];
	char		nulls[DDB_MAX_INDEX_KEYS + 5];
	Oid			argtypes[DDB_MAX_INDEX_KEYS + 5];
	bool		whole_shard;
	Oid			item_shard = DdbShardRelation(table->relid, shard_id, hash_min, hash_max,
											  &whole_shard);
	Oid			index_shard = DdbColocatedShardRelation(table->relid, index->relid, shard_id);
	char	   *sql;
	SPIPlanPtr	plan;

	memset(nulls, 'n', sizeof(nulls));
	memset(args, 0, sizeof(args));
	for (int i = 0; read->start_key != NULL && i < nstart; i++)
	{
		args[i] = read->start[i];
		nulls[i] = ' ';
	}
	args[nstart] = Int32GetDatum(hash_min);
	args[nstart + 1] = Int32GetDatum(hash_max);
	nulls[nstart] = nulls[nstart + 1] = ' ';
	sql = ScanStatement(read, DdbQualifiedRelationName(index_shard),
						DdbQualifiedRelationName(item_shard), read->start_key != NULL, false,
						!whole_shard, false);
	StartArgTypes(table, index, argtypes, 0);
	argtypes[nstart] = argtypes[nstart + 1] = INT4OID;
	plan = DdbStoragePrepareCursor(sql, nstart + 2, argtypes);
	read->cursor = DdbStorageOpenCursor(table, plan, args, nulls,
										DdbRelationOwner(table->relid));
	SPI_freeplan(plan);
}

/*
 * DdbIndexReadOpenScan checks a Scan's start key and opens its cursor.
 */
void
DdbIndexReadOpenScan(DdbIndexRead *read, int64 segment, int64 total_segments)
{
	DdbTable   *table = read->table;
	DdbIndex   *index = read->index;
	int			nstart = index->nkeys + table->nkeys;
	Datum		args[DDB_MAX_INDEX_KEYS + 5];
	char		nulls[DDB_MAX_INDEX_KEYS + 5];
	SPIPlanPtr	plan;

	memset(nulls, 'n', sizeof(nulls));
	memset(args, 0, sizeof(args));
	if (read->start_key != NULL)
	{
		DdbIndexReadCheckScanStart(read);
		if (total_segments > 1 && SegmentOf(read, read->start[0], total_segments) != segment)
			DdbValidationError("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: " INT64_FORMAT " Segment: " INT64_FORMAT,
							   total_segments, segment);
		for (int i = 0; i < nstart; i++)
		{
			args[i] = read->start[i];
			nulls[i] = ' ';
		}
	}
	args[nstart] = Int64GetDatum(total_segments);
	args[nstart + 1] = Int64GetDatum(segment);
	nulls[nstart] = nulls[nstart + 1] = ' ';
	if (table->distributed)
	{
		ScanChunks *chunks = palloc(sizeof(ScanChunks));
		DdbChunkSource source = {ScanChunkPlan, chunks, nstart + 3, 0, nstart,
			read->fetch ? 3 : 2, nstart + 2};

		chunks->read = read;
		chunks->segmented = total_segments > 1;
		read->cursor = DdbStorageOpenChunks(table, &source, args, nulls, read->start_key != NULL,
											DdbRelationOwner(table->relid));
		return;
	}
	plan = ScanPlan(read, read->start_key != NULL, total_segments > 1);
	read->cursor = DdbStorageOpenCursor(table, plan, args, nulls,
										DdbRelationOwner(table->relid));
}


/* ---------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------
 */

/*
 * DdbIndexReadNext returns the next entry of an open read.
 */
Jsonb *
DdbIndexReadNext(DdbIndexRead *read, int64 wanted, Jsonb **evaluated, Size *size)
{
	Jsonb	   *entry = DdbStorageCursorNext(read->cursor, wanted);
	Jsonb	   *item;
	const char *problem;
	Size		item_size;

	if (entry == NULL)
		return NULL;

	/* index tables have no CHECK constraint: their entries are checked here */
	problem = DdbStoredItemCheck(&entry->root, size);
	if (problem != NULL)
		DdbRaise(DDB_INTERNAL_SERVER_ERROR,
				 "Internal server error: an entry stored in index %s of table %s is not valid DynamoDB JSON: %s",
				 read->index->name, read->table->name, problem);
	read->index_bytes += *size;
	*evaluated = entry;
	if (!read->fetch)
		return entry;

	item = DdbStorageCursorColumn(read->cursor, 2);
	if (item == NULL)
		elog(ERROR, "item table row without an item");
	item_size = DdbItemSize(&item->root);
	read->table_units += DdbReadUnits(item_size, read->consistent);
	*size += item_size;
	*evaluated = item;
	return read->return_items ? item : entry;
}

/*
 * DdbIndexReadCapacity returns the ConsumedCapacity object of a page: the
 * index entries read, rounded up to 4 KB once, at least one 4 KB read per
 * partition covered, and the items fetched from the table, each rounded
 * up to 4 KB.
 */
Jsonb *
DdbIndexReadCapacity(DdbIndexRead *read, int64 partitions, DdbCapacityMode mode)
{
	JsonbParseState *st = NULL;
	JsonbValue *wrapper;

	/* {"ConsumedCapacity": {...}}, of which the inner object is wanted */
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ConsumedCapacity");
	DdbPushIndexConsumedCapacity(&st, read->table->name, read->index->name,
								 read->index->kind == DDB_INDEX_GLOBAL,
								 DdbRangeReadUnits(read->index_bytes, partitions,
												   read->consistent),
								 read->table_units, mode);
	wrapper = DdbPushEndObject(&st);
	return JsonbValueToJsonb(&wrapper->val.object.pairs[0].value);
}

/*
 * DdbIndexReadClose closes the cursor of a read.
 */
void
DdbIndexReadClose(DdbIndexRead *read)
{
	if (read->cursor != NULL)
		DdbStorageCursorClose(read->cursor);
	read->cursor = NULL;
}
