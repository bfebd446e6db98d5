/*-------------------------------------------------------------------------
 *
 * update.c
 *	  UpdateExpression: applying a bound update (SET, REMOVE, ADD, DELETE
 *	  actions) to an item with DynamoDB's semantics, errors and limits.
 *
 * Semantics (DYNAMODB.md §5.4):
 *
 * - Every right-hand side reads the item as it was before the update
 *	 (SET a = :v, b = a copies the old a), so all SET values are evaluated
 *	 against the old item first, then the actions are applied.
 * - List indexes in action paths refer to positions in the list as it was
 *	 before the update: REMOVE l[1], l[3] removes the old second and fourth
 *	 elements, and SET l[i] with i at or beyond the old length appends, the
 *	 appends of one list going on in index order.
 * - An action's path must lead through existing containers of the right
 *	 type (a name into an M, an index into an L); otherwise it is "invalid
 *	 for update", except that REMOVE and DELETE are silently ignored when
 *	 the item does not exist at all.
 * - ADD adds numbers and unions sets; DELETE subtracts sets and removes an
 *	 attribute whose set becomes empty. Arithmetic is exact decimal
 *	 arithmetic (PostgreSQL numeric) within DynamoDB's number limits.
 * - An item that does not exist starts as its key attributes; an update
 *	 that only removes (REMOVE, DELETE) creates nothing.
 *
 * Decisions where DynamoDB's behaviour is not documented:
 *
 * - Both operands of list_append, + and - are evaluated before their types
 *	 are checked, so a missing attribute is reported before a wrong type.
 *	 All SET values are evaluated before any action is applied, so their
 *	 errors come before path errors of any action.
 * - Old positions hold for every action, not only REMOVE: REMOVE l[0],
 *	 SET l[1] = :v replaces the old second element.
 * - ADD on a list index at or beyond the end appends, as SET does; DELETE
 *	 there does nothing (the value is missing).
 * - DELETE through a missing parent is an error when the item exists and
 *	 ignored when it does not, like REMOVE.
 * - A sum or difference needing more than 38 significant digits fails with
 *	 the overflow text, as DynamoDB was observed to do (1E50 + 1).
 * - A value placed deeper than 32 levels fails with DDB_NESTING_ERROR_TEXT,
 *	 the text DynamoDB returns for items nested too deeply.
 * - An update converted from legacy AttributeUpdates reports an operand of
 *	 another type than the stored attribute (ADD or DELETE of another type,
 *	 ADD of a list to a non-list) as "Type mismatch for attribute to
 *	 update", as DynamoDB does for that parameter.
 * - The values an update writes (SET values, ADD results) are all in the
 *	 new item, so once their sizes add up to more than 400 KB the update
 *	 fails with the item-size error at once, before later values are
 *	 evaluated and before any action is applied.
 *
 * Design: the item is not rebuilt as a whole in memory. A small mutable
 * tree stands for the parts of it that actions touch: its root is the
 * item's attribute map, and a map or list becomes a node of the tree only
 * when some action goes into it ("expansion"). Everything else stays a
 * jbvBinary reference into the stored jsonb. A map node records only its
 * changed members (set, expanded or removed) over the original container;
 * a list node keeps the original elements, a replacement or expansion and
 * a removed flag per element, and the elements appended at the end. The
 * result is written out with pushJsonbValue, which sorts map members, and
 * DdbBuildJsonb, which copies the bytes of the untouched containers (they
 * are never expanded); new sets are built sorted and without duplicates,
 * as stored sets are. list_append copies the elements of its operands'
 * lists as they are.
 *
 * Memory: every action is evaluated in a memory context of its own, which
 * is reset after it; only its value (copied out) and the tree's nodes
 * remain. So an update holds the old item, the values it writes (at most
 * 400 KB of them, see above), the expanded containers on its paths and the
 * new item.
 *
 * The binder guarantees that no two action paths overlap (one equal to or a
 * prefix of another), so every container an action goes into is one of
 * the old item, and the order in which actions are applied does not change
 * the result. The tree still behaves sensibly without that guarantee.
 *
 * Limits are checked on the result: nesting when a value is placed (the
 * old item is within the limit, so only new values can break it), the size
 * of the values written as they are computed, and the item size once the
 * new item is built.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "errors.h"
#include "expr.h"
#include "item.h"
#include "json_util.h"
#include "name_index.h"
#include "number.h"

/* DynamoDB's error texts */
#define INVALID_PATH_TEXT \
	"The document path provided in the update expression is invalid for update"
#define WRONG_TYPE_TEXT \
	"An operand in the update expression has an incorrect data type"
#define MISSING_ATTRIBUTE_TEXT \
	"The provided expression refers to an attribute that does not exist in the item"
#define ITEM_SIZE_TEXT \
	"Item size to update has exceeded the maximum allowed size"
#define NUMBER_OVERFLOW_TEXT \
	"Number overflow. Attempting to store a number with magnitude larger than supported range"
/* WRONG_TYPE_TEXT of legacy AttributeUpdates */
#define TYPE_MISMATCH_TEXT \
	"Type mismatch for attribute to update"

/* ---- the working tree ---- */

typedef enum NodeKind
{
	NODE_VALUE,					/* an AttributeValue as it is */
	NODE_MAP,					/* an expanded M, or the item itself */
	NODE_LIST					/* an expanded L */
} NodeKind;

typedef struct UpdateNode UpdateNode;

/* A member of a map node that an action set, expanded or removed */
typedef struct MapMember
{
	const char *name;			/* not NUL-terminated */
	int			name_len;
	UpdateNode *node;			/* NULL: removed */
} MapMember;

/* An element appended to a list node */
typedef struct ListAppend
{
	int			index;			/* as written: at or beyond the old length */
	int			seq;			/* order of the action, for equal indexes */
	UpdateNode *node;
} ListAppend;

struct UpdateNode
{
	NodeKind	kind;

	/* NODE_VALUE: the AttributeValue, a jbvBinary object */
	JsonbValue	value;

	/* NODE_MAP: original members (NULL: none) and the changes over them */
	JsonbContainer *members;
	MapMember  *changed;
	int			nchanged;
	int			maxchanged;
	DdbNameIndex *changed_index;	/* name -> position in changed, or NULL */

	/* NODE_LIST: original elements and what happened to them */
	int			nelems;
	JsonbValue *elems;
	UpdateNode **children;		/* per element: replacement/expansion, or NULL */
	bool	   *removed;		/* per element: removed */
	ListAppend *appends;
	int			nappends;
	int			maxappends;
};

/* One element of a set, for sorting and comparing */
typedef struct SetElem
{
	const char *text;			/* stored text: string, canonical number or
								 * base64 */
	int			len;
	const char *key;			/* compared: the string, the NUL-terminated
								 * number or the decoded bytes */
	int			keylen;
} SetElem;

/*
 * A leaf node holding an AttributeValue.
 */
static UpdateNode *
NewValueNode(JsonbValue *value)
{
	UpdateNode *node = palloc0(sizeof(UpdateNode));

	node->kind = NODE_VALUE;
	node->value = *value;
	return node;
}

/*
 * A map node over the members of an object container (NULL: none).
 */
static UpdateNode *
NewMapNode(JsonbContainer *members)
{
	UpdateNode *node = palloc0(sizeof(UpdateNode));

	node->kind = NODE_MAP;
	node->members = members;
	return node;
}

/*
 * A list node over the elements of an array container.
 */
static UpdateNode *
NewListNode(JsonbContainer *array)
{
	UpdateNode *node = palloc0(sizeof(UpdateNode));

	node->kind = NODE_LIST;
	node->nelems = DdbJsonArrayElements(array, &node->elems);
	node->children = palloc0(sizeof(UpdateNode *) * Max(node->nelems, 1));
	node->removed = palloc0(sizeof(bool) * Max(node->nelems, 1));
	return node;
}

/*
 * Wrap a stored value as a jbvBinary JsonbValue.
 */
static JsonbValue *
JsonbAsValue(Jsonb *jsonb)
{
	JsonbValue *value = palloc(sizeof(JsonbValue));

	value->type = jbvBinary;
	value->val.binary.data = &jsonb->root;
	value->val.binary.len = VARSIZE(jsonb) - VARHDRSZ;
	return value;
}

/*
 * Expand an AttributeValue so that a path element of kind next can go into
 * it: a map node for an M (next is a name), a list node for an L (next is
 * an index). NULL when the value has the wrong type for that.
 */
static UpdateNode *
ExpandValue(JsonbValue *value, DdbPathElemKind next)
{
	JsonbValue	payload;
	DdbAttributeType type = DdbAttributeValueType(value, &payload);

	if (next == DDB_PATH_NAME && type == DDB_TYPE_M && payload.type == jbvBinary)
		return NewMapNode(payload.val.binary.data);
	if (next == DDB_PATH_INDEX && type == DDB_TYPE_L && payload.type == jbvBinary)
		return NewListNode(payload.val.binary.data);
	return NULL;
}

/*
 * The changed-member entry of a map node for a name, or NULL. A few changed
 * members are searched one by one; past DDB_NAME_INDEX_THRESHOLD an index
 * by name keeps updates of thousands of attributes linear.
 */
static MapMember *
FindChanged(UpdateNode *map, const char *name, int name_len)
{
	if (map->nchanged > DDB_NAME_INDEX_THRESHOLD)
	{
		int			position;

		if (map->changed_index == NULL)
		{
			map->changed_index = DdbNameIndexCreate(map->nchanged * 2);
			for (int i = 0; i < map->nchanged; i++)
				DdbNameIndexSet(map->changed_index, map->changed[i].name,
								map->changed[i].name_len, i);
		}
		position = DdbNameIndexFind(map->changed_index, name, name_len);
		return position < 0 ? NULL : &map->changed[position];
	}
	for (int i = 0; i < map->nchanged; i++)
	{
		MapMember  *member = &map->changed[i];

		if (member->name_len == name_len && memcmp(member->name, name, name_len) == 0)
			return member;
	}
	return NULL;
}

/*
 * Record a change of a map node's member (node NULL: removed).
 */
static void
SetChanged(UpdateNode *map, const char *name, int name_len, UpdateNode *node)
{
	MapMember  *member = FindChanged(map, name, name_len);

	if (member == NULL)
	{
		if (map->nchanged >= map->maxchanged)
		{
			map->maxchanged = Max(8, map->maxchanged * 2);
			if (map->changed == NULL)
				map->changed = palloc(sizeof(MapMember) * map->maxchanged);
			else
				map->changed = repalloc(map->changed, sizeof(MapMember) * map->maxchanged);
		}
		member = &map->changed[map->nchanged++];
		member->name = name;
		member->name_len = name_len;
		if (map->changed_index != NULL)
			DdbNameIndexSet(map->changed_index, name, name_len, map->nchanged - 1);
	}
	member->node = node;
}

/*
 * Return node itself if it is a container that a path element of kind next
 * can go into, expanding a plain value in *slot first; NULL when it cannot
 * be gone into.
 */
static UpdateNode *
ContainerFor(UpdateNode **slot, DdbPathElemKind next)
{
	UpdateNode *node = *slot;
	UpdateNode *expanded;

	if (node == NULL)
		return NULL;
	switch (node->kind)
	{
		case NODE_MAP:
			return next == DDB_PATH_NAME ? node : NULL;
		case NODE_LIST:
			return next == DDB_PATH_INDEX ? node : NULL;
		case NODE_VALUE:
			expanded = ExpandValue(&node->value, next);
			if (expanded != NULL)
				*slot = expanded;
			return expanded;
	}
	return NULL;
}

/*
 * Go from a container node to its member or element named by elem, which
 * must be a container that a path element of kind next can go into. The
 * child is expanded in the tree. NULL when it does not exist or has the
 * wrong type.
 */
static UpdateNode *
Descend(UpdateNode *parent, const DdbPathElem *elem, DdbPathElemKind next)
{
	if (parent->kind == NODE_MAP)
	{
		MapMember  *member;
		JsonbValue	value;
		UpdateNode *expanded;

		if (elem->kind != DDB_PATH_NAME)
			return NULL;
		member = FindChanged(parent, elem->name, elem->name_len);
		if (member != NULL)
			return ContainerFor(&member->node, next);
		if (parent->members == NULL ||
			getKeyJsonValueFromContainer(parent->members, elem->name, elem->name_len,
										 &value) == NULL)
			return NULL;
		expanded = ExpandValue(&value, next);
		if (expanded != NULL)
			SetChanged(parent, elem->name, elem->name_len, expanded);
		return expanded;
	}
	if (parent->kind == NODE_LIST)
	{
		int			i = elem->index;

		if (elem->kind != DDB_PATH_INDEX || i < 0 || i >= parent->nelems ||
			parent->removed[i])
			return NULL;
		if (parent->children[i] == NULL)
		{
			parent->children[i] = ExpandValue(&parent->elems[i], next);
			return parent->children[i];
		}
		return ContainerFor(&parent->children[i], next);
	}
	return NULL;
}

/*
 * The container node holding the last element of path (every other element
 * gone into and expanded), or NULL when some container on the way does not
 * exist or has the wrong type.
 */
static UpdateNode *
FindParent(UpdateNode *root, const DdbPath *path)
{
	UpdateNode *node = root;
	const DdbPathElem *last;
	int			i;

	if (path->nelems < 1 || path->elems[0].kind != DDB_PATH_NAME)
		return NULL;
	last = &path->elems[path->nelems - 1];
	if (last->kind == DDB_PATH_INDEX && last->index < 0)
		return NULL;
	for (i = 0; i < path->nelems - 1 && node != NULL; i++)
		node = Descend(node, &path->elems[i], path->elems[i + 1].kind);
	if (node != NULL && node->kind != (last->kind == DDB_PATH_NAME ? NODE_MAP : NODE_LIST))
		return NULL;
	return node;
}

static JsonbValue *PushNode(JsonbParseState **state, UpdateNode *node, JsonbIteratorToken token);

/*
 * The AttributeValue a node stands for (an expanded node is built).
 */
static JsonbValue *
NodeValue(UpdateNode *node)
{
	JsonbParseState *state = NULL;

	if (node->kind == NODE_VALUE)
		return &node->value;
	return JsonbAsValue(DdbBuildJsonb(PushNode(&state, node, WJB_VALUE)));
}

/*
 * The current value of the member or element elem of a container node;
 * false when there is none.
 */
static bool
CurrentValue(UpdateNode *parent, const DdbPathElem *elem, JsonbValue *out)
{
	if (parent->kind == NODE_MAP)
	{
		MapMember  *member = FindChanged(parent, elem->name, elem->name_len);

		if (member != NULL)
		{
			if (member->node == NULL)
				return false;
			*out = *NodeValue(member->node);
			return true;
		}
		return parent->members != NULL &&
			getKeyJsonValueFromContainer(parent->members, elem->name, elem->name_len,
										 out) != NULL;
	}
	else
	{
		int			i = elem->index;
		int			j;

		if (i < 0)
			return false;
		if (i >= parent->nelems)
		{
			/* only an element appended by this very update */
			for (j = 0; j < parent->nappends; j++)
			{
				if (parent->appends[j].index == i)
				{
					*out = *NodeValue(parent->appends[j].node);
					return true;
				}
			}
			return false;
		}
		if (parent->removed[i])
			return false;
		*out = parent->children[i] ? *NodeValue(parent->children[i]) : parent->elems[i];
		return true;
	}
}

/*
 * Put a value at the member or element elem of a container node: a map
 * member is created or replaced, a list element replaced, or appended when
 * the index is at or beyond the list's old length. seq orders appends of
 * equal index.
 */
static void
StoreValue(UpdateNode *parent, const DdbPathElem *elem, JsonbValue *value, int seq)
{
	UpdateNode *node = NewValueNode(value);
	int			i = elem->index;
	int			j;

	if (parent->kind == NODE_MAP)
	{
		SetChanged(parent, elem->name, elem->name_len, node);
		return;
	}
	if (i < parent->nelems)
	{
		parent->children[i] = node;
		parent->removed[i] = false;
		return;
	}
	for (j = 0; j < parent->nappends; j++)
	{
		if (parent->appends[j].index == i)
		{
			parent->appends[j].node = node;
			return;
		}
	}
	if (parent->nappends >= parent->maxappends)
	{
		parent->maxappends = Max(8, parent->maxappends * 2);
		if (parent->appends == NULL)
			parent->appends = palloc(sizeof(ListAppend) * parent->maxappends);
		else
			parent->appends = repalloc(parent->appends,
									   sizeof(ListAppend) * parent->maxappends);
	}
	parent->appends[parent->nappends].index = i;
	parent->appends[parent->nappends].seq = seq;
	parent->appends[parent->nappends].node = node;
	parent->nappends++;
}

/*
 * Remove the member or element elem of a container node; nothing happens
 * when it does not exist (a list index beyond the end included).
 */
static void
RemoveValue(UpdateNode *parent, const DdbPathElem *elem)
{
	int			i = elem->index;
	int			j;

	if (parent->kind == NODE_MAP)
	{
		JsonbValue	value;

		if (FindChanged(parent, elem->name, elem->name_len) != NULL ||
			(parent->members != NULL &&
			 getKeyJsonValueFromContainer(parent->members, elem->name, elem->name_len,
										  &value) != NULL))
			SetChanged(parent, elem->name, elem->name_len, NULL);
		return;
	}
	if (i < 0)
		return;
	if (i < parent->nelems)
	{
		parent->removed[i] = true;
		parent->children[i] = NULL;
		return;
	}
	for (j = 0; j < parent->nappends; j++)
	{
		if (parent->appends[j].index == i)
		{
			parent->appends[j] = parent->appends[--parent->nappends];
			return;
		}
	}
}

/* ---- limits ---- */

/*
 * Raise DynamoDB's nesting error unless value, placed at nesting level
 * level (a top-level attribute being level 1), stays within
 * DDB_MAX_NESTING_DEPTH.
 */
static void
CheckNesting(JsonbValue *value, int level)
{
	JsonbValue	payload;
	JsonbValue	v;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	DdbAttributeType type;

	check_stack_depth();
	if (level > DDB_MAX_NESTING_DEPTH)
		DdbValidationError(DDB_NESTING_ERROR_TEXT);
	type = DdbAttributeValueType(value, &payload);
	if ((type != DDB_TYPE_L && type != DDB_TYPE_M) || payload.type != jbvBinary)
		return;
	it = JsonbIteratorInit(payload.val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM && tok != WJB_VALUE)
			continue;
		CHECK_FOR_INTERRUPTS();
		CheckNesting(&v, level + 1);
	}
}

/* ---- values ---- */

/*
 * Is type one of the set types?
 */
static inline bool
IsSetType(DdbAttributeType type)
{
	return type == DDB_TYPE_SS || type == DDB_TYPE_NS || type == DDB_TYPE_BS;
}

/*
 * A one-member AttributeValue {"<type>": s} with a string payload.
 */
static JsonbValue *
MakeStringValue(DdbAttributeType type, const char *s)
{
	JsonbParseState *state = NULL;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	DdbPushKey(&state, DdbAttributeTypeName(type));
	DdbPushString(&state, WJB_VALUE, s);
	return JsonbAsValue(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL)));
}

/*
 * Count the significant digits of plain decimal text (numeric_out's).
 */
static int
SignificantDigits(const char *text)
{
	const char *p;
	int			count = 0;
	int			trailing_zeros = 0;
	bool		started = false;

	for (p = text; *p; p++)
	{
		if (*p < '0' || *p > '9')
			continue;
		if (!started && *p == '0')
			continue;
		started = true;
		count++;
		trailing_zeros = (*p == '0') ? trailing_zeros + 1 : 0;
	}
	return count - trailing_zeros;
}

/*
 * a + b or a - b of two N AttributeValues (payloads given), exactly, as a
 * new N. A result beyond DynamoDB's 38 digits is reported, as DynamoDB
 * does, with the overflow text; out-of-range magnitudes with the overflow
 * or underflow text.
 */
static JsonbValue *
NumberArithmetic(JsonbValue *a, JsonbValue *b, bool subtract)
{
	Numeric		na = DdbNumberToNumeric(pnstrdup(a->val.string.val, a->val.string.len));
	Numeric		nb = DdbNumberToNumeric(pnstrdup(b->val.string.val, b->val.string.len));
	Datum		result;
	char	   *text;

	result = DirectFunctionCall2(subtract ? numeric_sub : numeric_add,
								 NumericGetDatum(na), NumericGetDatum(nb));
	text = DatumGetCString(DirectFunctionCall1(numeric_out, result));
	if (SignificantDigits(text) > DDB_NUMBER_MAX_DIGITS)
		DdbValidationError(NUMBER_OVERFLOW_TEXT);
	return MakeStringValue(DDB_TYPE_N, DdbNumberNormalize(text, strlen(text)));
}

/*
 * Order set elements: by bytes (SS, BS) or numerically (NS). arg points to
 * the set's type.
 */
static int
CompareSetElems(const void *a, const void *b, void *arg)
{
	const SetElem *ea = (const SetElem *) a;
	const SetElem *eb = (const SetElem *) b;
	int			c;

	if (*(DdbAttributeType *) arg == DDB_TYPE_NS)
		return DdbNumberCompare(ea->key, eb->key);
	c = memcmp(ea->key, eb->key, Min(ea->keylen, eb->keylen));
	if (c != 0)
		return c;
	return (ea->keylen > eb->keylen) - (ea->keylen < eb->keylen);
}

/*
 * Append the elements of a stored set (payload: an array of strings) to
 * elems (capacity permitting; the caller sizes it), with their comparison
 * keys. Returns the new count.
 */
static int
CollectSet(DdbAttributeType type, JsonbValue *payload, SetElem *elems, int n)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;

	if (payload->type != jbvBinary)
		return n;
	it = JsonbIteratorInit(payload->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		SetElem    *e;

		if (tok != WJB_ELEM || v.type != jbvString)
			continue;
		CHECK_FOR_INTERRUPTS();
		e = &elems[n++];
		e->text = v.val.string.val;
		e->len = v.val.string.len;
		if (type == DDB_TYPE_NS)
		{
			e->key = pnstrdup(e->text, e->len);
			e->keylen = e->len;
		}
		else if (type == DDB_TYPE_BS)
		{
			bytea	   *bytes = DdbBase64Decode(e->text, e->len);

			e->key = VARDATA(bytes);
			e->keylen = VARSIZE(bytes) - VARHDRSZ;
		}
		else
		{
			e->key = e->text;
			e->keylen = e->len;
		}
	}
	return n;
}

/*
 * Number of elements of a stored set's payload.
 */
static int
SetSize(JsonbValue *payload)
{
	return payload->type == jbvBinary ? JsonContainerSize(payload->val.binary.data) : 0;
}

/*
 * Sort set elements and drop duplicates; returns the new count.
 */
static int
SortUnique(DdbAttributeType type, SetElem *elems, int n)
{
	int			i;
	int			out = 0;

	if (n > 1)
		qsort_arg(elems, n, sizeof(SetElem), CompareSetElems, &type);
	for (i = 0; i < n; i++)
	{
		if (out > 0 && CompareSetElems(&elems[out - 1], &elems[i], &type) == 0)
			continue;
		elems[out++] = elems[i];
	}
	return out;
}

/*
 * A new set AttributeValue from sorted, distinct elements (n > 0).
 */
static JsonbValue *
BuildSet(DdbAttributeType type, SetElem *elems, int n)
{
	JsonbParseState *state = NULL;
	int			i;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	DdbPushKey(&state, DdbAttributeTypeName(type));
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < n; i++)
		DdbPushStringLen(&state, WJB_ELEM, elems[i].text, elems[i].len);
	pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	return JsonbAsValue(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL)));
}

/*
 * The union of two sets of one type (payloads given; b may be NULL, the
 * empty set), as a new set.
 */
static JsonbValue *
SetUnion(DdbAttributeType type, JsonbValue *a, JsonbValue *b)
{
	SetElem    *elems = palloc(sizeof(SetElem) *
							   Max(SetSize(a) + (b ? SetSize(b) : 0), 1));
	int			n;

	n = CollectSet(type, a, elems, 0);
	if (b != NULL)
		n = CollectSet(type, b, elems, n);
	n = SortUnique(type, elems, n);
	return BuildSet(type, elems, n);
}

/*
 * The elements of set a (payload) that are not in set b, as a new set;
 * NULL when none are left.
 */
static JsonbValue *
SetDifference(DdbAttributeType type, JsonbValue *a, JsonbValue *b)
{
	SetElem    *ea = palloc(sizeof(SetElem) * Max(SetSize(a), 1));
	SetElem    *eb = palloc(sizeof(SetElem) * Max(SetSize(b), 1));
	int			na = SortUnique(type, ea, CollectSet(type, a, ea, 0));
	int			nb = SortUnique(type, eb, CollectSet(type, b, eb, 0));
	int			i = 0;
	int			j = 0;
	int			out = 0;

	while (i < na)
	{
		int			c = j < nb ? CompareSetElems(&ea[i], &eb[j], &type) : -1;

		CHECK_FOR_INTERRUPTS();
		if (c < 0)
			ea[out++] = ea[i++];
		else if (c > 0)
			j++;
		else
			i++;
	}
	if (out == 0)
		return NULL;
	return BuildSet(type, ea, out);
}

static JsonbValue *EvaluateOperand(const DdbOperand *operand, JsonbContainer *item,
								   const char *wrong_type);

/*
 * list_append: a new L holding the elements of two L operands, copied as
 * they are. Both operands are evaluated before their types are checked; a
 * result that cannot fit in an item stops the update at once.
 */
static JsonbValue *
EvaluateListAppend(const DdbOperand *operand, JsonbContainer *item, const char *wrong_type)
{
	JsonbValue *values[2];
	JsonbValue	payloads[2];
	JsonbContainer *arrays[2];
	Size		size = 3;		/* an L is 3 bytes plus its elements */
	JsonbParseState *state = NULL;
	Jsonb	   *elements;

	values[0] = EvaluateOperand(operand->left, item, wrong_type);
	values[1] = EvaluateOperand(operand->right, item, wrong_type);
	for (int i = 0; i < 2; i++)
	{
		if (DdbAttributeValueType(values[i], &payloads[i]) != DDB_TYPE_L ||
			payloads[i].type != jbvBinary)
			DdbValidationError("%s", wrong_type);
	}
	for (int i = 0; i < 2; i++)
	{
		arrays[i] = payloads[i].val.binary.data;
		size += DdbAttributeValueSize(values[i]->val.binary.data) - 3;
	}
	if (size > DDB_MAX_ITEM_SIZE)
		DdbValidationError(ITEM_SIZE_TEXT);
	elements = DdbConcatArrays(arrays, 2);
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	DdbPushKey(&state, "L");
	DdbPushStoredContainer(&state, WJB_VALUE, &elements->root);
	return JsonbAsValue(DdbBuildJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL)));
}

/*
 * Evaluate a SET operand against the old item (NULL: none): the resulting
 * AttributeValue, a jbvBinary object. Both operands of a function or an
 * arithmetic operator are evaluated (so a missing attribute is reported
 * first) before their types are checked.
 */
static JsonbValue *
EvaluateOperand(const DdbOperand *operand, JsonbContainer *item, const char *wrong_type)
{
	JsonbValue *result;
	JsonbValue *left;
	JsonbValue *right;
	JsonbValue	lpayload;
	JsonbValue	rpayload;
	DdbAttributeType ltype;
	DdbAttributeType rtype;

	check_stack_depth();
	switch (operand->kind)
	{
		case DDB_OPERAND_PATH:
			result = palloc(sizeof(JsonbValue));
			if (!DdbLookupPath(item, &operand->path, result))
				DdbValidationError(MISSING_ATTRIBUTE_TEXT);
			return result;

		case DDB_OPERAND_VALUE:
			if (operand->value == NULL || operand->value->type != jbvBinary)
				elog(ERROR, "update expression value %s is not bound",
					 operand->value_name ? operand->value_name : "");
			return operand->value;

		case DDB_OPERAND_IF_NOT_EXISTS:
			result = palloc(sizeof(JsonbValue));
			if (DdbLookupPath(item, &operand->path, result))
				return result;
			return EvaluateOperand(operand->left, item, wrong_type);

		case DDB_OPERAND_LIST_APPEND:
			return EvaluateListAppend(operand, item, wrong_type);

		case DDB_OPERAND_PLUS:
		case DDB_OPERAND_MINUS:
			left = EvaluateOperand(operand->left, item, wrong_type);
			right = EvaluateOperand(operand->right, item, wrong_type);
			ltype = DdbAttributeValueType(left, &lpayload);
			rtype = DdbAttributeValueType(right, &rpayload);
			if (ltype != DDB_TYPE_N || rtype != DDB_TYPE_N ||
				lpayload.type != jbvString || rpayload.type != jbvString)
				DdbValidationError("%s", wrong_type);
			return NumberArithmetic(&lpayload, &rpayload,
									operand->kind == DDB_OPERAND_MINUS);

		case DDB_OPERAND_SIZE:
			break;
	}
	elog(ERROR, "unexpected operand kind %d in an update expression", (int) operand->kind);
	return NULL;				/* keep compiler quiet */
}

/*
 * The result of ADD value to current (NULL: missing): a number added, or a
 * set unioned.
 */
static JsonbValue *
AddValues(JsonbValue *current, JsonbValue *value, const char *wrong_type)
{
	JsonbValue	vpayload;
	JsonbValue	cpayload;
	DdbAttributeType vtype = DdbAttributeValueType(value, &vpayload);
	DdbAttributeType ctype;

	/* constants are checked when binding; this is a safety net */
	if (vtype != DDB_TYPE_N && !IsSetType(vtype))
		DdbValidationError("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: %s",
						   DdbAttributeTypeLongName(vtype));
	if (current == NULL)
	{
		if (vtype == DDB_TYPE_N)
			return value;
		/* a missing set is the empty set; the union re-normalizes */
		return SetUnion(vtype, &vpayload, NULL);
	}
	ctype = DdbAttributeValueType(current, &cpayload);
	if (ctype != vtype)
		DdbValidationError("%s", wrong_type);
	if (vtype == DDB_TYPE_N)
	{
		if (cpayload.type != jbvString || vpayload.type != jbvString)
			DdbValidationError("%s", wrong_type);
		return NumberArithmetic(&cpayload, &vpayload, false);
	}
	return SetUnion(vtype, &cpayload, &vpayload);
}

/* ---- output ---- */

/*
 * Order changed members by length, then bytes (any total order does).
 */
static int
CompareMembers(const void *a, const void *b)
{
	const MapMember *ma = (const MapMember *) a;
	const MapMember *mb = (const MapMember *) b;

	if (ma->name_len != mb->name_len)
		return ma->name_len < mb->name_len ? -1 : 1;
	return memcmp(ma->name, mb->name, ma->name_len);
}

/*
 * Order list appends by index, then by action order.
 */
static int
CompareAppends(const void *a, const void *b)
{
	const ListAppend *ia = (const ListAppend *) a;
	const ListAppend *ib = (const ListAppend *) b;

	if (ia->index != ib->index)
		return ia->index < ib->index ? -1 : 1;
	return (ia->seq > ib->seq) - (ia->seq < ib->seq);
}

/*
 * Push the members of a map node as an object: the original members not
 * changed, then the changed ones still present. Returns the last push's
 * result (the object when it is the outermost value).
 */
static JsonbValue *
PushMembers(JsonbParseState **state, UpdateNode *map)
{
	int			i;

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	if (map->nchanged > 1)
	{
		qsort(map->changed, map->nchanged, sizeof(MapMember), CompareMembers);
		/* the positions moved: the index is rebuilt if ever needed again */
		if (map->changed_index != NULL)
		{
			DdbNameIndexFree(map->changed_index);
			map->changed_index = NULL;
		}
	}
	if (map->members != NULL)
	{
		JsonbIterator *it = JsonbIteratorInit(map->members);
		JsonbIteratorToken tok;
		JsonbValue	v;
		JsonbValue	key;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			MapMember	probe;

			if (tok == WJB_KEY)
			{
				key = v;
				continue;
			}
			if (tok != WJB_VALUE)
				continue;
			CHECK_FOR_INTERRUPTS();
			probe.name = key.val.string.val;
			probe.name_len = key.val.string.len;
			if (map->nchanged > 0 &&
				bsearch(&probe, map->changed, map->nchanged, sizeof(MapMember),
						CompareMembers) != NULL)
				continue;
			pushJsonbValue(state, WJB_KEY, &key);
			DdbPushStored(state, WJB_VALUE, &v);
		}
	}
	for (i = 0; i < map->nchanged; i++)
	{
		MapMember  *member = &map->changed[i];

		if (member->node == NULL)
			continue;
		CHECK_FOR_INTERRUPTS();
		DdbPushStringLen(state, WJB_KEY, member->name, member->name_len);
		PushNode(state, member->node, WJB_VALUE);
	}
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * Push a node as an AttributeValue (token: WJB_VALUE or WJB_ELEM; ignored
 * when the value is the outermost one). Returns the last push's result.
 */
static JsonbValue *
PushNode(JsonbParseState **state, UpdateNode *node, JsonbIteratorToken token)
{
	int			i;

	check_stack_depth();
	if (node->kind == NODE_VALUE)
	{
		DdbPushStored(state, token, &node->value);
		return NULL;			/* never the outermost value */
	}

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	if (node->kind == NODE_MAP)
	{
		DdbPushKey(state, "M");
		PushMembers(state, node);
	}
	else
	{
		DdbPushKey(state, "L");
		pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
		for (i = 0; i < node->nelems; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (node->removed[i])
				continue;
			if (node->children[i] != NULL)
				PushNode(state, node->children[i], WJB_ELEM);
			else
				DdbPushStored(state, WJB_ELEM, &node->elems[i]);
		}
		if (node->nappends > 1)
			qsort(node->appends, node->nappends, sizeof(ListAppend), CompareAppends);
		for (i = 0; i < node->nappends; i++)
		{
			CHECK_FOR_INTERRUPTS();
			PushNode(state, node->appends[i].node, WJB_ELEM);
		}
		pushJsonbValue(state, WJB_END_ARRAY, NULL);
	}
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/* ---- applying ---- */

/* What an update keeps while its actions are applied */
typedef struct UpdateState
{
	MemoryContext context;		/* where the tree and the values live */
	MemoryContext action_context;	/* reset after each action */
	Size		values_size;	/* size of the values written so far */
} UpdateState;

/*
 * Copy a value computed in the action context out to the update's context,
 * count its size, and stop the update if the values written no longer fit
 * in an item.
 */
static JsonbValue *
KeepValue(UpdateState *us, JsonbValue *value)
{
	MemoryContext old = MemoryContextSwitchTo(us->context);
	JsonbValue *kept = JsonbAsValue(DdbContainerToJsonb(value->val.binary.data));

	MemoryContextSwitchTo(old);
	us->values_size += DdbAttributeValueSize(kept->val.binary.data);
	if (us->values_size > DDB_MAX_ITEM_SIZE)
		DdbValidationError(ITEM_SIZE_TEXT);
	return kept;
}

/*
 * Apply one action (set_value: the evaluated value of a SET) to the tree.
 * item_exists tells whether the update started from a stored item. ADD and
 * DELETE compute their values in the action context.
 */
static void
ApplyAction(UpdateState *us, UpdateNode *root, const DdbUpdateAction *action,
			JsonbValue *set_value, bool item_exists, int seq, const char *wrong_type)
{
	const DdbPath *path = &action->path;
	const DdbPathElem *last;
	UpdateNode *parent;
	JsonbValue	current;
	JsonbValue *value;
	JsonbValue	vpayload;
	JsonbValue	cpayload;
	DdbAttributeType vtype;
	bool		exists;
	MemoryContext old;

	parent = FindParent(root, path);
	if (parent == NULL)
	{
		/* REMOVE and DELETE on an item that does not exist do nothing */
		if (!item_exists &&
			(action->kind == DDB_UPDATE_REMOVE || action->kind == DDB_UPDATE_DELETE))
			return;
		DdbValidationError(INVALID_PATH_TEXT);
	}
	last = &path->elems[path->nelems - 1];

	switch (action->kind)
	{
		case DDB_UPDATE_SET:
			CheckNesting(set_value, path->nelems);
			StoreValue(parent, last, set_value, seq);
			break;

		case DDB_UPDATE_REMOVE:
			RemoveValue(parent, last);
			break;

		case DDB_UPDATE_ADD:
			old = MemoryContextSwitchTo(us->action_context);
			value = EvaluateOperand(action->value, NULL, wrong_type);
			exists = CurrentValue(parent, last, &current);
			value = AddValues(exists ? &current : NULL, value, wrong_type);
			MemoryContextSwitchTo(old);
			StoreValue(parent, last, KeepValue(us, value), seq);
			break;

		case DDB_UPDATE_DELETE:
			old = MemoryContextSwitchTo(us->action_context);
			value = EvaluateOperand(action->value, NULL, wrong_type);
			vtype = DdbAttributeValueType(value, &vpayload);
			/* constants are checked when binding; this is a safety net */
			if (!IsSetType(vtype))
				DdbValidationError("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: %s",
								   DdbAttributeTypeLongName(vtype));
			if (!CurrentValue(parent, last, &current))
			{
				MemoryContextSwitchTo(old);
				break;
			}
			if (DdbAttributeValueType(&current, &cpayload) != vtype)
				DdbValidationError("%s", wrong_type);
			value = SetDifference(vtype, &cpayload, &vpayload);
			MemoryContextSwitchTo(old);
			if (value == NULL)
				RemoveValue(parent, last);
			else
				StoreValue(parent, last, KeepValue(us, value), seq);
			break;
	}
	MemoryContextReset(us->action_context);
}

/*
 * DdbApplyUpdate applies a bound update to an item (NULL: the item does
 * not exist, and is created from key, the normalized key attributes) and
 * returns the new item, or NULL when the item does not exist and the update
 * only removes (REMOVE, DELETE). *updated_paths / *nupdated (either may be
 * NULL) receive the paths of all actions, in the order written, for
 * ReturnValues UPDATED_OLD / UPDATED_NEW.
 */
Jsonb *
DdbApplyUpdate(const DdbUpdate *update, JsonbContainer *item, JsonbContainer *key,
			   DdbPath **updated_paths, int *nupdated)
{
	int			nactions = update ? update->nactions : 0;
	const char *wrong_type = update && update->legacy ? TYPE_MISMATCH_TEXT : WRONG_TYPE_TEXT;
	JsonbValue **set_values;
	bool		creates = false;
	UpdateNode *root;
	JsonbParseState *state = NULL;
	Jsonb	   *result;
	UpdateState us;
	int			i;

	if (updated_paths != NULL)
	{
		*updated_paths = palloc(sizeof(DdbPath) * Max(nactions, 1));
		for (i = 0; i < nactions; i++)
			(*updated_paths)[i] = update->actions[i].path;
	}
	if (nupdated != NULL)
		*nupdated = nactions;

	for (i = 0; i < nactions; i++)
	{
		if (update->actions[i].kind == DDB_UPDATE_SET ||
			update->actions[i].kind == DDB_UPDATE_ADD)
			creates = true;
	}
	if (item == NULL && !creates)
		return NULL;

	us.context = CurrentMemoryContext;
	us.action_context = AllocSetContextCreate(CurrentMemoryContext, "ddb update action",
											  ALLOCSET_DEFAULT_SIZES);
	us.values_size = 0;

	/* every SET value is read from the old item, before anything changes */
	set_values = palloc0(sizeof(JsonbValue *) * Max(nactions, 1));
	for (i = 0; i < nactions; i++)
	{
		const DdbOperand *operand = update->actions[i].value;
		JsonbValue *value;

		CHECK_FOR_INTERRUPTS();
		if (update->actions[i].kind != DDB_UPDATE_SET)
			continue;
		MemoryContextSwitchTo(us.action_context);
		value = EvaluateOperand(operand, item, wrong_type);
		MemoryContextSwitchTo(us.context);
		if (operand->kind == DDB_OPERAND_PATH || operand->kind == DDB_OPERAND_VALUE)
		{
			/* a part of the old item or of the request: kept as it is */
			set_values[i] = palloc(sizeof(JsonbValue));
			*set_values[i] = *value;
			us.values_size += DdbAttributeValueSize(value->val.binary.data);
			if (us.values_size > DDB_MAX_ITEM_SIZE)
				DdbValidationError(ITEM_SIZE_TEXT);
		}
		else
			set_values[i] = KeepValue(&us, value);
		MemoryContextReset(us.action_context);
	}

	root = NewMapNode(item != NULL ? item : key);
	for (i = 0; i < nactions; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ApplyAction(&us, root, &update->actions[i], set_values[i], item != NULL, i, wrong_type);
	}
	MemoryContextDelete(us.action_context);

	result = DdbBuildJsonb(PushMembers(&state, root));
	if (DdbItemSize(&result->root) > DDB_MAX_ITEM_SIZE)
		DdbValidationError(ITEM_SIZE_TEXT);
	return result;
}
