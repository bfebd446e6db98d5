/*-------------------------------------------------------------------------
 *
 * query.c
 *	  Query and Scan: request validation, key conditions and start keys,
 *	  and reading one page of items.
 *
 * A page
 * ------
 * Both operations read items in key order from a cursor of the access
 * layer (storage.c) and stop at the first of:
 *
 * - Limit items evaluated (read), counted before the filter;
 * - 1 MB of items read, counted in DynamoDB item sizes before the filter
 *	 and the projection: the item that reaches 1 MB is the page's last;
 * - the end of the partition (Query) or of the table or segment (Scan).
 *
 * When the read stopped early (the first two), LastEvaluatedKey is the
 * table key of the last item read, even if no item follows, as DynamoDB
 * does; a page can therefore be empty and still carry one. Count is the
 * items that passed the filter, ScannedCount the items read.
 * ConsumedCapacity counts the sizes of the items read, rounded up to 4 KB
 * once (half for eventually consistent reads), and at least one 4 KB read
 * per partition covered: one for a Query, every partition of the table (or
 * of the segment) for a Scan page that read to the end (capacity.c).
 *
 * ExclusiveStartKey resumes after a key: a Query narrows its sort key
 * range to the keys after it (before it when ScanIndexForward is false),
 * a Scan continues after it in primary key order. A Scan segment holds
 * the partition keys whose hash modulo TotalSegments is the segment (see
 * storage.c), so segments are disjoint, complete and page on their own,
 * and a start key from another segment is rejected. On a table
 * distributed by Citus a segment is a range of Citus's hash instead, read
 * shard by shard on the nodes (scaleout/shard_scan.c, DdbScanPiece).
 *
 * Memory
 * ------
 * Memory is bounded by the page, never by the partition or the table: the
 * cursor holds at most one chunk of rows (storage.c), each row is read,
 * sized, filtered and projected in a memory context that is reset for the
 * next row, and only the items returned (at most about 1 MB of item data)
 * are kept for the response.
 *
 * With IndexName, a Query or Scan reads a secondary index instead: the
 * checks and the cursor over its index table are index_read.c's, the page
 * is read here as for a table, and LastEvaluatedKey carries the index key
 * as well as the table key.
 *
 * Validation follows DynamoDB's order: parameter constraints, Select,
 * Segment/TotalSegments, ExclusiveStartKey values, expressions (parse,
 * bind, legacy conversion, key condition shape), then the table, the
 * index, the start key and key conditions against the key schema, and
 * the key attributes in projection and filter.
 *
 * IDENTIFICATION
 *	  src/query.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "capacity.h"
#include "catalog.h"
#include "errors.h"
#include "expr.h"
#include "expressions.h"
#include "item.h"
#include "json_util.h"
#include "key.h"
#include "key_condition.h"
#include "operations.h"
#include "query.h"
#include "request.h"
#include "storage.h"
#include "indexes/index.h"
#include "scaleout/scaleout.h"

/* A page ends once the items read reach this many bytes */
#define DDB_MAX_PAGE_BYTES		(1024 * 1024)

/* Limits of Scan's Segment and TotalSegments */
#define DDB_MAX_TOTAL_SEGMENTS	1000000

/* Select */
typedef enum SelectKind
{
	SELECT_ALL_ATTRIBUTES,
	SELECT_ALL_PROJECTED_ATTRIBUTES,
	SELECT_SPECIFIC_ATTRIBUTES,
	SELECT_COUNT
} SelectKind;

/* The parameters Query and Scan share */
typedef struct ReadParameters
{
	char	   *table_name;		/* bare table name */
	char	   *index_name;		/* IndexName, or NULL */
	SelectKind	select;
	bool		select_given;	/* Select was in the request */
	int64		limit;			/* items to read at most */
	bool		consistent;		/* ConsistentRead */
	DdbCapacityMode capacity;	/* ReturnConsumedCapacity */
	Jsonb	   *start_key;		/* normalized ExclusiveStartKey, or NULL */
	int64		segment;		/* Scan: Segment (0 without) */
	int64		total_segments; /* Scan: TotalSegments (1 without) */
} ReadParameters;

/* What a page reads and returns */
typedef struct PageRequest
{
	DdbTable   *table;
	DdbIndexRead *index_read;	/* reading an index (index.h), or NULL */
	int			nkey_names;		/* the attributes of LastEvaluatedKey */
	const char *key_names[DDB_MAX_INDEX_KEYS + 2];
	DdbCondition *filter;		/* NULL: every item */
	DdbProjection *projection;	/* NULL: whole items */
	bool		project_by_name;	/* PartiQL's SELECT list */
	bool		count_only;		/* Select COUNT: no Items */
	int64		limit;
	bool		consistent;
	DdbCapacityMode capacity;
	int64		partitions;		/* partitions a page read to the end covers */
	bool		track_last_read;	/* keep last_read */
	Jsonb	   *last_read;		/* the key of the last item read, or NULL */
} PageRequest;


/* ---------------------------------------------------------------------
 * Parameters
 * ---------------------------------------------------------------------
 */

/*
 * Check IndexName's pattern and length, as DynamoDB checks index names.
 */
static void
CheckIndexName(const char *name, DdbConstraintErrors *errors)
{
	size_t		len = strlen(name);
	char	   *quoted = psprintf("'%s'", name);

	for (const char *p = name; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
		{
			DdbConstraintAdd(errors, quoted, "indexName",
							 "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
			break;
		}
	}
	if (len < 3)
		DdbConstraintAdd(errors, quoted, "indexName",
						 "Member must have length greater than or equal to 3");
	if (len > DDB_MAX_TABLE_NAME)
		DdbConstraintAdd(errors, quoted, "indexName",
						 "Member must have length less than or equal to 255");
}

/*
 * Read an integer parameter, adding a constraint error when it is below
 * min or above max. Returns false when absent.
 */
static bool
ReadInteger(JsonbContainer *request, const char *member, const char *constraint_member,
			int64 min, int64 max, int64 *out, DdbConstraintErrors *errors)
{
	if (!DdbJsonGetInt64(request, member, out))
		return false;
	if (*out < min)
		DdbConstraintAdd(errors, psprintf("'" INT64_FORMAT "'", *out), constraint_member,
						 psprintf("Member must have value greater than or equal to " INT64_FORMAT, min));
	else if (*out > max)
		DdbConstraintAdd(errors, psprintf("'" INT64_FORMAT "'", *out), constraint_member,
						 psprintf("Member must have value less than or equal to " INT64_FORMAT, max));
	return true;
}

/*
 * Whether a ValidationException text is one DynamoDB reports unchanged for
 * an ExclusiveStartKey value (numbers, duplicates, an empty number set);
 * the others get "The provided starting key is invalid: " before them.
 */
static bool
StartKeyErrorKeepsText(const char *text)
{
	return strncmp(text, "The parameter cannot be converted", 33) == 0 ||
		strncmp(text, "Attempting to store", 19) == 0 ||
		strncmp(text, "Number overflow", 15) == 0 ||
		strncmp(text, "Number underflow", 16) == 0 ||
		strstr(text, "Input collection") != NULL ||
		strstr(text, "An number set") != NULL;
}

/*
 * Re-raise the ValidationException being handled (in PG_CATCH) as an
 * invalid starting key, unless DynamoDB reports it unchanged.
 */
static void
RethrowStartKeyError(MemoryContext context, bool always_prefix)
{
	const char *prefix = "ValidationException: ";
	ErrorData  *edata;
	const char *text;

	MemoryContextSwitchTo(context);
	edata = CopyErrorData();
	if (edata->sqlerrcode != DdbErrorSqlState(DDB_VALIDATION) ||
		strncmp(edata->message, prefix, strlen(prefix)) != 0)
		PG_RE_THROW();
	text = edata->message + strlen(prefix);
	if (!always_prefix && StartKeyErrorKeepsText(text))
		PG_RE_THROW();
	FlushErrorState();
	DdbValidationError("The provided starting key is invalid: %s", text);
}

/*
 * Validate and normalize ExclusiveStartKey's values (NULL when absent).
 */
static Jsonb *
NormalizeStartKey(JsonbContainer *request)
{
	JsonbContainer *start = DdbJsonGetObject(request, "ExclusiveStartKey");
	MemoryContext context = CurrentMemoryContext;
	Jsonb	   *result = NULL;
	Size		size;

	if (start == NULL)
		return NULL;
	PG_TRY();
	{
		result = DdbAttributeMapNormalize(start, &size);
	}
	PG_CATCH();
	{
		RethrowStartKeyError(context, false);
	}
	PG_END_TRY();
	return result;
}

/*
 * The key datums of a checked start key; an empty or oversized key value
 * is an invalid starting key.
 */
static void
StartKeyDatums(DdbTable *table, Jsonb *start_key, DdbKey *key)
{
	MemoryContext context = CurrentMemoryContext;

	PG_TRY();
	{
		DdbKeyFromKeyMap(table, &start_key->root, key, NULL);
	}
	PG_CATCH();
	{
		RethrowStartKeyError(context, true);
	}
	PG_END_TRY();
}

/*
 * Read and check the parameters Query and Scan share, and Scan's segment.
 */
static void
ReadParametersOf(JsonbContainer *request, bool is_query, ReadParameters *out)
{
	static const char *const selects[] = {
		"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT", NULL
	};
	static const char *const operators[] = {"AND", "OR", NULL};
	DdbConstraintErrors errors;
	char	   *select;
	JsonbValue	v;
	bool		has_projection;
	const char *projection_member;
	bool		has_segment;
	bool		has_total;

	memset(out, 0, sizeof(*out));
	out->limit = PG_INT64_MAX;
	out->total_segments = 1;

	DdbConstraintInit(&errors);
	select = DdbRequestEnum(request, "Select", "select", selects,
							"[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
							&errors);
	out->index_name = DdbJsonGetString(request, "IndexName");
	if (out->index_name != NULL)
		CheckIndexName(out->index_name, &errors);
	out->capacity = DdbReadCapacityMode(request, &errors);
	out->table_name = DdbValidateTableName(DdbJsonGetString(request, "TableName"), "tableName",
										   &errors);
	DdbRequestEnum(request, "ConditionalOperator", "conditionalOperator", operators,
				   "[OR, AND]", &errors);
	ReadInteger(request, "Limit", "limit", 1, PG_INT64_MAX, &out->limit, &errors);
	has_segment = !is_query &&
		ReadInteger(request, "Segment", "segment", 0, DDB_MAX_TOTAL_SEGMENTS - 1,
					&out->segment, &errors);
	has_total = !is_query &&
		ReadInteger(request, "TotalSegments", "totalSegments", 1, DDB_MAX_TOTAL_SEGMENTS,
					&out->total_segments, &errors);
	DdbConstraintRaise(&errors);
	(void) DdbJsonGetBool(request, "ConsistentRead", &out->consistent);

	/* Select and the projection */
	has_projection = DdbJsonGet(request, "ProjectionExpression", &v) ||
		DdbJsonGet(request, "AttributesToGet", &v);
	projection_member = DdbJsonGet(request, "ProjectionExpression", &v) ?
		"ProjectionExpression" : "AttributesToGet";
	out->select = has_projection ? SELECT_SPECIFIC_ATTRIBUTES : SELECT_ALL_ATTRIBUTES;
	for (int i = 0; select != NULL && selects[i]; i++)
	{
		if (strcmp(selects[i], select) == 0)
			out->select = (SelectKind) i;
	}
	out->select_given = (select != NULL);
	if (out->select == SELECT_SPECIFIC_ATTRIBUTES && !has_projection)
		DdbValidationError("%sMust specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
						   is_query ? "1 validation error detected: " : "");
	if (has_projection && out->select == SELECT_COUNT)
		DdbValidationError("Cannot specify the %s when choosing to get only the Count",
						   projection_member);
	if (has_projection && out->select != SELECT_SPECIFIC_ATTRIBUTES)
		DdbValidationError("Cannot specify the %s when choosing to get %s",
						   projection_member, selects[out->select]);
	if (out->select == SELECT_ALL_PROJECTED_ATTRIBUTES && out->index_name == NULL)
		DdbValidationError("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");

	/* Segment and TotalSegments go together */
	if (has_segment && !has_total)
		DdbValidationError("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
	if (has_total && !has_segment)
		DdbValidationError("The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
	if (has_segment && out->segment >= out->total_segments)
		DdbValidationError("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " INT64_FORMAT " is not less than TotalSegments: " INT64_FORMAT,
						   out->segment, out->total_segments);

	out->start_key = NormalizeStartKey(request);
}



/* ---------------------------------------------------------------------
 * Key attributes in projections and filters
 * ---------------------------------------------------------------------
 */

/*
 * Whether a path starts with a top-level attribute (and, when nested_only,
 * goes into it).
 */
static bool
PathHasHead(const DdbPath *path, const char *name, bool nested_only)
{
	const DdbPathElem *head = &path->elems[0];

	return head->name_len == (int) strlen(name) &&
		memcmp(head->name, name, head->name_len) == 0 &&
		(!nested_only || path->nelems > 1);
}

/*
 * Whether a condition uses an attribute (or, when nested_only, a path into
 * it).
 */
static bool
ConditionUsesAttribute(const DdbCondition *cond, const char *name, bool nested_only)
{
	if (cond == NULL)
		return false;
	check_stack_depth();
	if (ConditionUsesAttribute(cond->left, name, nested_only) ||
		ConditionUsesAttribute(cond->right, name, nested_only))
		return true;
	for (int i = 0; i < cond->noperands; i++)
	{
		const DdbOperand *operand = cond->operands[i];

		if ((operand->kind == DDB_OPERAND_PATH ||
			 (operand->kind == DDB_OPERAND_SIZE && operand->left == NULL)) &&
			PathHasHead(&operand->path, name, nested_only))
			return true;
	}
	return false;
}

/*
 * Reject paths into key attributes (a.b, a[0] for a key a) in a projection
 * and, unless it was checked already, in a filter: the table's key
 * attributes and, when reading an index, its key attributes ("IndexKey").
 */
static void
CheckKeyPathsScalar(DdbTable *table, DdbIndex *index, DdbProjection *projection,
					DdbCondition *filter)
{
	int			nnames = table->nkeys + (index != NULL ? index->nkeys : 0);

	for (int i = 0; i < nnames; i++)
	{
		const char *name = i < table->nkeys ? table->keys[i].name :
			index->key_names[i - table->nkeys];
		bool		nested = ConditionUsesAttribute(filter, name, true);

		for (int j = 0; projection != NULL && j < projection->npaths; j++)
			nested = nested || PathHasHead(&projection->paths[j], name, true);
		if (nested)
			DdbValidationError("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: %s: %s",
							   i < table->nkeys ? "Key" : "IndexKey", name);
	}
}


/* ---------------------------------------------------------------------
 * The response
 *
 * A page's items are not unpacked into JsonbValues and packed again, as
 * pushJsonbValue would: the response is written directly in jsonb's
 * binary format (utils/jsonb.h), each item's stored container copied
 * whole, since a jsonb container is position-independent once it starts on
 * a 4-byte boundary. The members are written in jsonb's key order
 * (shorter keys first, then bytewise): Count, Items, ScannedCount,
 * ConsumedCapacity, LastEvaluatedKey.
 * ---------------------------------------------------------------------
 */

/* The items of a page, as containers one after another */
typedef struct PageItems
{
	StringInfoData data;		/* each container starts 4-byte aligned */
	uint32	   *ends;			/* end offset in data of each item */
	int			count;
	int			capacity;
} PageItems;

/* One member of the response object */
typedef struct ResponseMember
{
	const char *key;
	Numeric		number;			/* a number, or */
	Jsonb	   *object;			/* an object to copy, or */
	PageItems  *items;			/* the Items array */
} ResponseMember;

/*
 * Pad a buffer with zero bytes to a 4-byte boundary, as jsonb aligns
 * containers and numbers; returns the padding.
 */
static int
PadToInt(StringInfo buf)
{
	int			padding = INTALIGN(buf->len) - buf->len;

	for (int i = 0; i < padding; i++)
		appendStringInfoCharMacro(buf, '\0');
	return padding;
}

/*
 * The bytes of a stored container.
 */
static Size
ContainerSize(Jsonb *jb)
{
	return VARSIZE(jb) - VARHDRSZ;
}

/*
 * Add an item (a stored attribute map) to a page's items.
 */
static void
AddPageItem(PageItems *items, Jsonb *item)
{
	if (items->count == items->capacity)
	{
		items->capacity = items->capacity == 0 ? 64 : items->capacity * 2;
		items->ends = items->ends == NULL ?
			palloc(sizeof(uint32) * items->capacity) :
			repalloc(items->ends, sizeof(uint32) * items->capacity);
	}
	PadToInt(&items->data);
	appendBinaryStringInfo(&items->data, (char *) &item->root, ContainerSize(item));
	items->ends[items->count++] = items->data.len;
}

/*
 * The JEntry of the index'th child of a container: every
 * JB_OFFSET_STRIDE'th one holds the end offset of the child's data, the
 * others its length.
 */
static JEntry
ChildEntry(uint32 type, int index, uint32 length, uint32 end)
{
	if (end > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb object elements exceeds the maximum of %u bytes",
						JENTRY_OFFLENMASK)));
	if (index % JB_OFFSET_STRIDE == 0)
		return type | end | JENTRY_HAS_OFF;
	return type | length;
}

/*
 * Write the Items array: its header, a JEntry per item, then the items.
 */
static void
WriteItemsArray(StringInfo buf, PageItems *items)
{
	uint32		header = items->count | JB_FARRAY;
	int			entries;

	appendBinaryStringInfo(buf, (char *) &header, sizeof(uint32));
	entries = buf->len;
	enlargeStringInfo(buf, sizeof(JEntry) * items->count);
	buf->len += sizeof(JEntry) * items->count;
	for (int i = 0; i < items->count; i++)
	{
		uint32		begin = i == 0 ? 0 : items->ends[i - 1];
		JEntry		entry = ChildEntry(JENTRY_ISCONTAINER, i, items->ends[i] - begin,
									   items->ends[i]);

		memcpy(buf->data + entries + i * sizeof(JEntry), &entry, sizeof(JEntry));
	}
	appendBinaryStringInfo(buf, items->data.data, items->data.len);
}

/*
 * Build the response object from its members, in key order.
 */
static Jsonb *
BuildResponse(ResponseMember *members, int nmembers)
{
	StringInfoData buf;
	uint32		header = nmembers | JB_FOBJECT;
	int			entries;
	uint32		total = 0;
	JEntry		entry;
	MemoryContext old = MemoryContextSwitchTo(DdbResponseContext());

	/* built where the caller wants it, so that it is not copied again */
	initStringInfo(&buf);
	MemoryContextSwitchTo(old);
	enlargeStringInfo(&buf, VARHDRSZ);
	buf.len += VARHDRSZ;
	appendBinaryStringInfo(&buf, (char *) &header, sizeof(uint32));
	entries = buf.len;
	enlargeStringInfo(&buf, sizeof(JEntry) * 2 * nmembers);
	buf.len += sizeof(JEntry) * 2 * nmembers;

	/* the keys, then the values */
	for (int i = 0; i < nmembers; i++)
	{
		uint32		len = strlen(members[i].key);

		appendBinaryStringInfo(&buf, members[i].key, len);
		total += len;
		entry = ChildEntry(JENTRY_ISSTRING, i, len, total);
		memcpy(buf.data + entries + i * sizeof(JEntry), &entry, sizeof(JEntry));
	}
	for (int i = 0; i < nmembers; i++)
	{
		ResponseMember *m = &members[i];
		int			begin = buf.len;
		uint32		type = JENTRY_ISCONTAINER;

		PadToInt(&buf);
		if (m->number != NULL)
		{
			appendBinaryStringInfo(&buf, (char *) m->number, VARSIZE_ANY(m->number));
			type = JENTRY_ISNUMERIC;
		}
		else if (m->items != NULL)
			WriteItemsArray(&buf, m->items);
		else
			appendBinaryStringInfo(&buf, (char *) &m->object->root, ContainerSize(m->object));
		total += buf.len - begin;
		entry = ChildEntry(type, nmembers + i, buf.len - begin, total);
		memcpy(buf.data + entries + (nmembers + i) * sizeof(JEntry), &entry, sizeof(JEntry));
	}
	SET_VARSIZE(buf.data, buf.len);
	return (Jsonb *) buf.data;
}


/* ---------------------------------------------------------------------
 * Reading a page
 * ---------------------------------------------------------------------
 */

/*
 * The key of a stored item (the table key and, when reading an index, the
 * index key), as an attribute map.
 */
static Jsonb *
ItemKey(PageRequest *req, JsonbContainer *item)
{
	JsonbParseState *st = NULL;

	DdbPushBeginObject(&st);
	for (int i = 0; i < req->nkey_names; i++)
	{
		JsonbValue	v;

		if (DdbJsonGet(item, req->key_names[i], &v))
		{
			DdbPushKey(&st, req->key_names[i]);
			DdbPushValue(&st, WJB_VALUE, &v);
		}
	}
	return JsonbValueToJsonb(DdbPushEndObject(&st));
}

/*
 * The ConsumedCapacity object of a page: the item sizes read, summed and
 * rounded up to 4 KB once, but at least one 4 KB read per partition the
 * page covered (see capacity.c): every partition of the table or segment
 * when the page read to its end, one when Limit or 1 MB stopped it.
 */
static Jsonb *
CapacityObject(PageRequest *req, Size bytes, bool stopped_early)
{
	JsonbParseState *st = NULL;
	JsonbValue *wrapper;
	int64		partitions = stopped_early ? 1 : req->partitions;

	/* {"ConsumedCapacity": {...}}, of which the inner object is wanted */
	DdbPushBeginObject(&st);
	DdbPushKey(&st, "ConsumedCapacity");
	DdbPushConsumedCapacity(&st, req->table->name,
							DdbRangeReadUnits(bytes, partitions, req->consistent),
							req->capacity);
	wrapper = DdbPushEndObject(&st);
	return JsonbValueToJsonb(&wrapper->val.object.pairs[0].value);
}

/*
 * Read one page from an open cursor (NULL: an empty result), or from the
 * index read of the request, and build the response. The cursor is
 * closed.
 */
static Jsonb *
ReadPage(PageRequest *req, DdbStorageCursor *cursor)
{
	MemoryContext call_context = CurrentMemoryContext;
	MemoryContext row_context;
	PageItems	items;
	int64		scanned = 0;
	int64		count = 0;
	Size		bytes = 0;
	Jsonb	   *last_key = NULL;
	ResponseMember members[5];
	int			nmembers = 0;

	memset(&items, 0, sizeof(items));
	memset(members, 0, sizeof(members));
	initStringInfo(&items.data);
	row_context = AllocSetContextCreate(call_context, "ddb Query/Scan row",
										ALLOCSET_DEFAULT_SIZES);

	while (cursor != NULL || req->index_read != NULL)
	{
		Jsonb	   *item;
		Jsonb	   *evaluated;
		Size		size;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(row_context);
		MemoryContextSwitchTo(row_context);
		if (req->index_read != NULL)
			item = DdbIndexReadNext(req->index_read, req->limit - scanned, &evaluated, &size);
		else
		{
			item = evaluated = DdbStorageCursorNext(cursor, req->limit - scanned);
			size = item != NULL ? DdbItemSize(&item->root) : 0;
		}
		if (item == NULL)
		{
			MemoryContextSwitchTo(call_context);
			break;
		}
		scanned++;
		bytes += size;
		if (req->filter == NULL || DdbEvaluateCondition(req->filter, &evaluated->root))
		{
			count++;
			if (!req->count_only)
			{
				Jsonb	   *result = item;

				if (req->projection != NULL && req->project_by_name)
					result = DdbProjectItemByName(&evaluated->root, req->projection->paths,
												  req->projection->npaths);
				else if (req->projection != NULL)
					result = DdbProjectItem(&evaluated->root, req->projection->paths,
											req->projection->npaths);
				MemoryContextSwitchTo(call_context);
				AddPageItem(&items, result);
			}
		}
		MemoryContextSwitchTo(call_context);
		if (req->track_last_read)
		{
			if (req->last_read != NULL)
				pfree(req->last_read);
			req->last_read = ItemKey(req, &evaluated->root);
		}
		if (scanned >= req->limit || bytes >= DDB_MAX_PAGE_BYTES)
		{
			last_key = ItemKey(req, &evaluated->root);
			break;
		}
	}
	if (req->index_read != NULL)
		DdbIndexReadClose(req->index_read);
	else if (cursor != NULL)
		DdbStorageCursorClose(cursor);
	MemoryContextDelete(row_context);

	members[nmembers].key = "Count";
	members[nmembers++].number = int64_to_numeric(count);
	if (!req->count_only)
	{
		members[nmembers].key = "Items";
		members[nmembers++].items = &items;
	}
	members[nmembers].key = "ScannedCount";
	members[nmembers++].number = int64_to_numeric(scanned);
	if (req->capacity != DDB_CAPACITY_NONE)
	{
		members[nmembers].key = "ConsumedCapacity";
		if (req->index_read != NULL)
			members[nmembers++].object =
				DdbIndexReadCapacity(req->index_read, last_key != NULL ? 1 : req->partitions,
									 req->capacity);
		else
			members[nmembers++].object = CapacityObject(req, bytes, last_key != NULL);
	}
	if (last_key != NULL)
	{
		members[nmembers].key = "LastEvaluatedKey";
		members[nmembers++].object = last_key;
	}
	return BuildResponse(members, nmembers);
}

/*
 * Fill the parts of a page request that come from the shared parameters
 * (and the index read, or NULL).
 */
static void
InitPageRequest(PageRequest *req, DdbTable *table, ReadParameters *params,
				DdbRequestExpressions *expressions, DdbIndexRead *index_read)
{
	memset(req, 0, sizeof(*req));
	req->table = table;
	req->index_read = index_read;
	for (int i = 0; i < table->nkeys; i++)
		req->key_names[req->nkey_names++] = table->keys[i].name;
	for (int i = 0; index_read != NULL && i < index_read->index->nkeys; i++)
	{
		const char *name = index_read->index->key_names[i];
		bool		listed = false;

		for (int j = 0; j < req->nkey_names; j++)
			listed = listed || strcmp(req->key_names[j], name) == 0;
		if (!listed)
			req->key_names[req->nkey_names++] = name;
	}
	req->filter = expressions->filter;
	req->projection = expressions->projection;
	req->count_only = (params->select == SELECT_COUNT);
	req->limit = params->limit;
	req->consistent = params->consistent;
	req->capacity = params->capacity;
	req->partitions = 1;
}


/* ---------------------------------------------------------------------
 * Query and Scan
 * ---------------------------------------------------------------------
 */

/*
 * Begin a read of the index a request names (index_read.c): look it up and
 * check the request against it.
 */
static void
BeginIndexRead(DdbIndexRead *read, DdbTable *table, ReadParameters *params,
			   DdbRequestExpressions *expressions)
{
	memset(read, 0, sizeof(*read));
	read->table = table;
	read->consistent = params->consistent;
	read->all_attributes = params->select_given && params->select == SELECT_ALL_ATTRIBUTES;
	read->projection = expressions->projection;
	read->filter = expressions->filter;
	read->start_key = params->start_key;
	DdbIndexReadBegin(read, params->index_name);
}

/*
 * Reject a Query filter that names a key attribute: of the table, or of
 * the index queried.
 */
static void
CheckFilterKeys(JsonbContainer *request, DdbTable *table, DdbIndex *index, DdbCondition *filter)
{
	int			nnames = index != NULL ? index->nkeys : table->nkeys;
	JsonbValue	v;

	for (int i = 0; i < nnames; i++)
	{
		const char *name = index != NULL ? index->key_names[i] : table->keys[i].name;

		if (ConditionUsesAttribute(filter, name, false))
			DdbValidationError("%s can only contain non-primary key attributes: Primary key attribute: %s",
							   DdbJsonGet(request, "QueryFilter", &v) ? "QueryFilter" : "Filter Expression",
							   name);
	}
}

/*
 * Query of an index: the key conditions and start key against its key
 * schema, then one page of its entries.
 */
static Jsonb *
QueryIndex(JsonbContainer *request, DdbTable *table, ReadParameters *params,
		   DdbRequestExpressions *expressions, DdbKeyConditions *conditions, bool forward)
{
	DdbIndexRead read;
	PageRequest req;

	BeginIndexRead(&read, table, params, expressions);
	DdbIndexReadCheckQuery(&read, conditions);
	CheckKeyPathsScalar(table, read.index, expressions->projection, NULL);
	CheckFilterKeys(request, table, read.index, expressions->filter);

	InitPageRequest(&req, table, params, expressions, &read);
	DdbIndexReadOpenQuery(&read, forward);
	return ReadPage(&req, NULL);
}

/*
 * DdbQuery implements Query: the items of one partition, optionally in a
 * sort key range, in sort key order.
 */
Jsonb *
DdbQuery(JsonbContainer *request)
{
	static const char *const allowed[] = {
		"TableName", "IndexName", "Select", "AttributesToGet", "Limit", "ConsistentRead",
		"KeyConditions", "QueryFilter", "ConditionalOperator", "ScanIndexForward",
		"ExclusiveStartKey", "ReturnConsumedCapacity", "ProjectionExpression",
		"FilterExpression", "KeyConditionExpression", "ExpressionAttributeNames",
		"ExpressionAttributeValues", NULL
	};
	ReadParameters params;
	DdbRequestExpressions expressions;
	DdbKeyConditions conditions;
	DdbKeyCondition *partition;
	DdbKeyCondition *sort;
	DdbTable   *table;
	DdbQueryRange range;
	PageRequest req;
	JsonbValue	v;
	bool		forward = true;
	bool		legacy_key_conditions;
	int			max_conditions;

	DdbJsonCheckMembers(request, allowed);
	ReadParametersOf(request, true, &params);
	(void) DdbJsonGetBool(request, "ScanIndexForward", &forward);
	legacy_key_conditions = !DdbJsonGet(request, "KeyConditionExpression", &v);
	if (legacy_key_conditions && !DdbJsonGet(request, "KeyConditions", &v))
		DdbValidationError("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
	DdbReadRequestExpressions(request, DDB_REQUEST_KEY_CONDITION | DDB_REQUEST_FILTER |
							  DDB_REQUEST_PROJECTION, &expressions);
	max_conditions = params.index_name != NULL ? DDB_MAX_INDEX_KEYS : 2;
	if (legacy_key_conditions)
		DdbKeyConditionsFromLegacy(expressions.key_condition, max_conditions, &conditions);
	else
		DdbKeyConditionsFromExpression(expressions.key_condition, max_conditions, &conditions);

	table = DdbTableLookup(params.table_name);
	if (params.index_name != NULL)
		return QueryIndex(request, table, &params, &expressions, &conditions, forward);

	/*
	 * Without a sort key a Query returns at most one item and cannot be
	 * resumed: DynamoDB rejects any start key, even one in the partition.
	 */
	if (params.start_key != NULL && table->nkeys == 1)
		DdbValidationError("The provided exclusive start key is invalid: ExclusiveStartKey: %s",
						   DdbJsonContainerText(DdbJsonGetObject(request, "ExclusiveStartKey")));
	if (params.start_key != NULL &&
		JsonContainerSize(&params.start_key->root) != table->nkeys)
		DdbValidationError("The provided starting key is invalid");
	DdbKeyConditionsCheck(table, &conditions,
						  params.start_key != NULL ? &params.start_key->root : NULL,
						  &partition, &sort);
	DdbKeyConditionsRange(table, partition, sort, &range);
	range.forward = forward;

	/* the start key must be inside the range the conditions select */
	if (params.start_key != NULL)
	{
		DdbKey		start;

		StartKeyDatums(table, params.start_key, &start);
		if (sort != NULL && !DdbEvaluateCondition(sort->condition, &params.start_key->root))
			DdbValidationError("The provided starting key does not match the range key predicate");
		if (!DdbEvaluateCondition(partition->condition, &params.start_key->root))
			DdbValidationError("The provided starting key is outside query boundaries based on provided conditions");
		if (forward)
		{
			range.lower_kind = DDB_BOUND_EXCLUSIVE;
			range.lower = start.values[table->nkeys - 1];
		}
		else
		{
			range.upper_kind = DDB_BOUND_EXCLUSIVE;
			range.upper = start.values[table->nkeys - 1];
		}
	}

	/* key attributes belong in the key condition, not in the projection or filter */
	CheckKeyPathsScalar(table, NULL, expressions.projection, NULL);
	CheckFilterKeys(request, table, NULL, expressions.filter);

	InitPageRequest(&req, table, &params, &expressions, NULL);

	return ReadPage(&req, DdbStorageOpenQuery(table, &range));
}

/* The members of a Scan request */
static const char *const ScanMembers[] = {
	"TableName", "IndexName", "AttributesToGet", "Limit", "Select", "ScanFilter",
	"ConditionalOperator", "ExclusiveStartKey", "ReturnConsumedCapacity",
	"TotalSegments", "Segment", "ProjectionExpression", "FilterExpression",
	"ExpressionAttributeNames", "ExpressionAttributeValues", "ConsistentRead", NULL
};

/*
 * Check a Scan's start key against the table's key schema, and take its
 * key values.
 */
static void
ScanStartKey(DdbTable *table, Jsonb *start_key, DdbKey *start)
{
	bool		matches = JsonContainerSize(&start_key->root) == table->nkeys;

	for (int i = 0; matches && i < table->nkeys; i++)
	{
		JsonbValue	v;
		const char *type;

		if (!DdbJsonGet(&start_key->root, table->keys[i].name, &v))
			matches = false;
		else
		{
			type = DdbAttributeTypeName(DdbAttributeValueType(&v, NULL));
			matches = type[0] == table->keys[i].type && type[1] == '\0';
		}
	}
	if (!matches)
		DdbValidationError("The provided starting key is invalid: The provided key element does not match the schema");
	StartKeyDatums(table, start_key, start);
}

/*
 * Reject a parallel Scan's start key that is in another segment than the
 * request's.
 */
static void
CheckStartSegment(ReadParameters *params, int64 segment_of_start)
{
	if (segment_of_start != params->segment)
		DdbValidationError("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: " INT64_FORMAT " Segment: " INT64_FORMAT,
						   params->total_segments, params->segment);
}

/*
 * One page of a segment of a distributed table or its index, read shard by
 * shard (shard_scan.c), after the start key whose (table) partition key is
 * start_partition (NULL: none), once it is known to be in the segment.
 */
static Jsonb *
ScanByShards(DdbTable *table, JsonbContainer *request, ReadParameters *params,
			 const Datum *start_partition)
{
	if (start_partition != NULL)
		CheckStartSegment(params, DdbShardSegmentOf(table, *start_partition,
													params->total_segments));
	return DdbScanShards(table, request, params->segment, params->total_segments,
						 start_partition,
						 params->capacity != DDB_CAPACITY_NONE ?
						 DdbScanPartitions(table, params->total_segments) : 1);
}

/*
 * Read a Scan request's parameters and expressions, and look up its table.
 */
static DdbTable *
ReadScanRequest(JsonbContainer *request, ReadParameters *params,
				DdbRequestExpressions *expressions)
{
	DdbJsonCheckMembers(request, ScanMembers);
	ReadParametersOf(request, false, params);
	DdbReadRequestExpressions(request, DDB_REQUEST_FILTER | DDB_REQUEST_PROJECTION,
							  expressions);
	return DdbTableLookup(params->table_name);
}

/*
 * DdbScan implements Scan: every item of the table, or of one segment of
 * it, in primary key order. A segment of a table distributed by Citus is
 * read shard by shard (scaleout/shard_scan.c).
 */
Jsonb *
DdbScan(JsonbContainer *request)
{
	ReadParameters params;
	DdbRequestExpressions expressions;
	DdbTable   *table;
	DdbKey		start;
	PageRequest req;
	bool		by_shards;

	table = ReadScanRequest(request, &params, &expressions);
	by_shards = params.total_segments > 1 && table->distributed;
	if (params.index_name != NULL)
	{
		DdbIndexRead read;

		BeginIndexRead(&read, table, &params, &expressions);
		CheckKeyPathsScalar(table, read.index, expressions.projection, expressions.filter);
		if (by_shards)
		{
			/* segments of the table's partition key hashes, as the table's */
			Datum		partition = (Datum) 0;

			if (params.start_key != NULL)
			{
				DdbIndexReadCheckScanStart(&read);
				partition = read.start[read.index->nkeys];
			}
			return ScanByShards(table, request, &params,
								params.start_key != NULL ? &partition : NULL);
		}
		InitPageRequest(&req, table, &params, &expressions, &read);
		if (params.capacity != DDB_CAPACITY_NONE)
			req.partitions = DdbScanPartitions(table, params.total_segments);
		DdbIndexReadOpenScan(&read, params.segment, params.total_segments);
		return ReadPage(&req, NULL);
	}
	if (params.start_key != NULL)
	{
		ScanStartKey(table, params.start_key, &start);
		if (params.total_segments > 1 && !by_shards)
			CheckStartSegment(&params, DdbStorageSegmentOf(table, start.values[0],
														   params.total_segments));
	}
	CheckKeyPathsScalar(table, NULL, expressions.projection, expressions.filter);
	if (by_shards)
		return ScanByShards(table, request, &params,
							params.start_key != NULL ? &start.values[0] : NULL);

	InitPageRequest(&req, table, &params, &expressions, NULL);
	if (params.capacity != DDB_CAPACITY_NONE)
		req.partitions = DdbScanPartitions(table, params.total_segments);
	return ReadPage(&req, DdbStorageOpenScan(table, params.start_key != NULL ? &start : NULL,
											 params.segment, params.total_segments));
}

/*
 * DdbScanPiece reads one page of a Scan request without Segment and
 * TotalSegments from one piece of a distributed table or its index
 * (shard_scan.c): the rows of one shard, on the node that holds it, whose
 * (table) partition keys hash into a range. *last_read is the key of
 * the last item the page read, or NULL when it read none.
 */
Jsonb *
DdbScanPiece(JsonbContainer *request, const DdbScanPieceRange *piece, Jsonb **last_read)
{
	ReadParameters params;
	DdbRequestExpressions expressions;
	DdbTable   *table;
	DdbKey		start;
	PageRequest req;
	Oid			relid;
	bool		whole_shard = false;
	Jsonb	   *page;

	table = ReadScanRequest(request, &params, &expressions);
	if (params.total_segments != 1)
		DdbValidationError("A piece of a Scan reads no segment");
	if (params.index_name != NULL)
	{
		DdbIndexRead read;

		BeginIndexRead(&read, table, &params, &expressions);
		CheckKeyPathsScalar(table, read.index, expressions.projection, expressions.filter);
		if (params.start_key != NULL)
			DdbIndexReadCheckScanStart(&read);
		InitPageRequest(&req, table, &params, &expressions, &read);
		req.partitions = Max(piece->partitions, 1);
		req.track_last_read = true;
		DdbIndexReadOpenScanPiece(&read, piece->shard_id, piece->hash_min, piece->hash_max);
		page = ReadPage(&req, NULL);
		*last_read = req.last_read;
		return page;
	}
	if (params.start_key != NULL)
		ScanStartKey(table, params.start_key, &start);
	CheckKeyPathsScalar(table, NULL, expressions.projection, expressions.filter);
	relid = DdbShardRelation(table->relid, piece->shard_id, piece->hash_min, piece->hash_max,
							 &whole_shard);

	InitPageRequest(&req, table, &params, &expressions, NULL);
	req.partitions = Max(piece->partitions, 1);
	req.track_last_read = true;
	page = ReadPage(&req, DdbStorageOpenScanHashRange(table, relid,
													  params.start_key != NULL ? &start : NULL,
													  piece->hash_min, piece->hash_max,
													  whole_shard));
	*last_read = req.last_read;
	return page;
}


/* ---------------------------------------------------------------------
 * Reads described by bound parts (PartiQL)
 * ---------------------------------------------------------------------
 */

/*
 * DdbReadItems reads one page of a Query (key_conditions given) or Scan of
 * a table or index, as DdbQuery and DdbScan do once they have read their
 * request.
 */
Jsonb *
DdbReadItems(DdbReadRequest *r)
{
	ReadParameters params;
	DdbRequestExpressions expressions;
	PageRequest req;
	DdbTable   *table = r->table;
	DdbKey		start;

	memset(&params, 0, sizeof(params));
	memset(&expressions, 0, sizeof(expressions));
	params.table_name = table->name;
	params.index_name = (char *) r->index_name;
	params.select = r->projection != NULL ? SELECT_SPECIFIC_ATTRIBUTES : SELECT_ALL_ATTRIBUTES;
	params.limit = r->limit;
	params.consistent = r->consistent;
	params.capacity = r->capacity;
	params.start_key = r->start_key;
	params.total_segments = 1;
	expressions.filter = r->filter;
	expressions.projection = r->projection;

	if (r->index_name != NULL)
	{
		DdbIndexRead read;

		BeginIndexRead(&read, table, &params, &expressions);
		InitPageRequest(&req, table, &params, &expressions, &read);
		req.project_by_name = r->project_by_name;
		if (r->key_conditions != NULL)
		{
			DdbIndexReadCheckQuery(&read, r->key_conditions);
			DdbIndexReadOpenQuery(&read, r->forward);
		}
		else
		{
			if (r->capacity != DDB_CAPACITY_NONE)
				req.partitions = DdbScanPartitions(table, 1);
			DdbIndexReadOpenScan(&read, 0, 1);
		}
		return ReadPage(&req, NULL);
	}

	if (r->start_key != NULL)
		StartKeyDatums(table, r->start_key, &start);
	InitPageRequest(&req, table, &params, &expressions, NULL);
	req.project_by_name = r->project_by_name;
	if (r->key_conditions != NULL)
	{
		DdbKeyCondition *partition;
		DdbKeyCondition *sort;
		DdbQueryRange range;

		DdbKeyConditionsCheck(table, r->key_conditions, NULL, &partition, &sort);
		DdbKeyConditionsRange(table, partition, sort, &range);
		range.forward = r->forward;
		if (r->start_key != NULL && table->nkeys == 2)
		{
			if (r->forward)
			{
				range.lower_kind = DDB_BOUND_EXCLUSIVE;
				range.lower = start.values[1];
			}
			else
			{
				range.upper_kind = DDB_BOUND_EXCLUSIVE;
				range.upper = start.values[1];
			}
		}
		else if (r->start_key != NULL)
		{
			/* one item per partition: nothing follows it */
			return ReadPage(&req, NULL);
		}
		return ReadPage(&req, DdbStorageOpenQuery(table, &range));
	}
	if (r->capacity != DDB_CAPACITY_NONE)
		req.partitions = DdbScanPartitions(table, 1);
	return ReadPage(&req, DdbStorageOpenScan(table, r->start_key != NULL ? &start : NULL, 0, 1));
}
