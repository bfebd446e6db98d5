/*-------------------------------------------------------------------------
 *
 * projection.c
 *	  Document paths read from stored items: looking up the AttributeValue
 *	  at a bound path, and projecting an item onto a list of paths (for
 *	  ProjectionExpression, AttributesToGet and ReturnValues UPDATED_OLD /
 *	  UPDATED_NEW).
 *
 * A projection keeps the nesting of what it selects: a.b[0] of an item
 * gives {"a": {"M": {"b": {"L": [x]}}}}. The paths are first merged into a
 * small tree (one node per map member or list element named by some path,
 * leaves holding the selected values as references into the item), then
 * the tree is written out with pushJsonbValue, which sorts map members,
 * and DdbBuildJsonb, which copies the leaves' bytes. Paths that do not exist, or that go through a value of
 * the wrong type (a name into a non-map, an index into a non-list or past
 * its end), select nothing. List elements keep their order but not their
 * positions: l[1], l[3] gives {"l": {"L": [x1, x3]}}, as DynamoDB returns it.
 *
 * Overlapping paths are rejected when binding, but the tree copes with
 * them anyway: a path that selects a whole value makes any deeper path
 * under it redundant.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "miscadmin.h"
#include "utils/jsonb.h"

#include "expr.h"
#include "item.h"
#include "json_util.h"
#include "name_index.h"

typedef struct ProjNode ProjNode;

/* One member (of a map) or element (of a list) selected under a node */
typedef struct ProjChild
{
	const char *name;			/* map member name (not NUL-terminated) */
	int			name_len;
	int			index;			/* list element index */
	ProjNode   *node;
} ProjChild;

/* A selected value (leaf) or a container some paths go into (inner) */
struct ProjNode
{
	bool		leaf;			/* the whole value is selected */
	JsonbValue	value;			/* leaf: the AttributeValue, jbvBinary */
	bool		is_list;		/* inner: an L (children by index), else an
								 * M or the item (children by name) */
	ProjChild  *children;		/* inner: in the order first named */
	int			nchildren;
	int			maxchildren;
	DdbNameIndex *child_index;	/* map: name -> position in children, once
								 * there are many */
};

/*
 * DdbLookupPath finds the AttributeValue at a bound document path of an
 * item (an attribute map; NULL for no item) and copies it to *out (a
 * jbvBinary object referencing the item). Returns false when the path does
 * not exist or goes through a value of the wrong type.
 */
bool
DdbLookupPath(JsonbContainer *item, const DdbPath *path, JsonbValue *out)
{
	JsonbContainer *container = item;
	bool		in_list = false;
	JsonbValue	current;
	JsonbValue *found;
	int			i;

	if (item == NULL || path->nelems < 1)
		return false;
	for (i = 0; i < path->nelems; i++)
	{
		const DdbPathElem *elem = &path->elems[i];
		JsonbValue	payload;
		DdbAttributeType type;

		if (i > 0)
		{
			/* descend into the value found so far */
			type = DdbAttributeValueType(&current, &payload);
			if (elem->kind == DDB_PATH_NAME && type == DDB_TYPE_M)
				in_list = false;
			else if (elem->kind == DDB_PATH_INDEX && type == DDB_TYPE_L)
				in_list = true;
			else
				return false;
			if (payload.type != jbvBinary)
				return false;
			container = payload.val.binary.data;
		}

		if (elem->kind == DDB_PATH_NAME)
		{
			if (in_list || !JsonContainerIsObject(container))
				return false;
			if (getKeyJsonValueFromContainer(container, elem->name, elem->name_len,
											 &current) == NULL)
				return false;
		}
		else
		{
			if (!in_list || elem->index < 0 ||
				elem->index >= (int) JsonContainerSize(container))
				return false;
			found = getIthJsonbValueFromContainer(container, (uint32) elem->index);
			if (found == NULL)
				return false;
			current = *found;
			pfree(found);
		}
	}
	if (current.type != jbvBinary)
		return false;
	*out = current;
	return true;
}

/*
 * Allocate an inner projection node.
 */
static ProjNode *
NewInnerNode(bool is_list)
{
	ProjNode   *node = palloc0(sizeof(ProjNode));

	node->is_list = is_list;
	return node;
}

/*
 * The position of the child of an inner node named by elem, or -1. A map
 * with many children (AttributesToGet may name thousands) finds them
 * through an index by name.
 */
static int
FindChild(ProjNode *parent, const DdbPathElem *elem)
{
	if (elem->kind == DDB_PATH_NAME && parent->nchildren > DDB_NAME_INDEX_THRESHOLD)
	{
		if (parent->child_index == NULL)
		{
			parent->child_index = DdbNameIndexCreate(parent->nchildren * 2);
			for (int i = 0; i < parent->nchildren; i++)
				DdbNameIndexSet(parent->child_index, parent->children[i].name,
								parent->children[i].name_len, i);
		}
		return DdbNameIndexFind(parent->child_index, elem->name, elem->name_len);
	}
	for (int i = 0; i < parent->nchildren; i++)
	{
		ProjChild  *child = &parent->children[i];

		if (elem->kind == DDB_PATH_INDEX ? child->index == elem->index :
			(child->name_len == elem->name_len &&
			 memcmp(child->name, elem->name, elem->name_len) == 0))
			return i;
	}
	return -1;
}

/*
 * The child of an inner node named by elem, added (with node NULL) when
 * absent.
 */
static ProjChild *
ChildFor(ProjNode *parent, const DdbPathElem *elem)
{
	ProjChild  *child;
	int			position = FindChild(parent, elem);

	if (position >= 0)
		return &parent->children[position];
	if (parent->nchildren >= parent->maxchildren)
	{
		parent->maxchildren = Max(4, parent->maxchildren * 2);
		if (parent->children == NULL)
			parent->children = palloc(sizeof(ProjChild) * parent->maxchildren);
		else
			parent->children = repalloc(parent->children,
										sizeof(ProjChild) * parent->maxchildren);
	}
	child = &parent->children[parent->nchildren++];
	child->name = elem->name;
	child->name_len = elem->name_len;
	child->index = elem->index;
	child->node = NULL;
	if (parent->child_index != NULL)
		DdbNameIndexSet(parent->child_index, child->name, child->name_len, parent->nchildren - 1);
	return child;
}

/*
 * Add one existing path, whose value is value, to the projection tree.
 */
static void
AddPath(ProjNode *root, const DdbPath *path, JsonbValue *value)
{
	ProjNode   *node = root;
	int			i;

	for (i = 0; i < path->nelems; i++)
	{
		ProjChild  *child = ChildFor(node, &path->elems[i]);

		if (i == path->nelems - 1)
		{
			/* the whole value, replacing whatever was under it */
			child->node = palloc0(sizeof(ProjNode));
			child->node->leaf = true;
			child->node->value = *value;
			return;
		}
		if (child->node == NULL)
			child->node = NewInnerNode(path->elems[i + 1].kind == DDB_PATH_INDEX);
		else if (child->node->leaf)
			return;				/* already selected whole */
		node = child->node;
	}
}

/*
 * Order children of a list node by index.
 */
static int
CompareChildIndex(const void *a, const void *b)
{
	int			ia = ((const ProjChild *) a)->index;
	int			ib = ((const ProjChild *) b)->index;

	return (ia > ib) - (ia < ib);
}

static void PushNode(JsonbParseState **state, ProjNode *node, JsonbIteratorToken token);

/*
 * Push the members of a map node as an object; returns the last push's
 * result (the object when it is the outermost value).
 */
static JsonbValue *
PushMembers(JsonbParseState **state, ProjNode *node)
{
	int			i;

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < node->nchildren; i++)
	{
		ProjChild  *child = &node->children[i];

		CHECK_FOR_INTERRUPTS();
		DdbPushStringLen(state, WJB_KEY, child->name, child->name_len);
		PushNode(state, child->node, WJB_VALUE);
	}
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * Push a projection node as an AttributeValue (token: WJB_VALUE or
 * WJB_ELEM): a leaf's value, or an M / L holding the selected children.
 */
static void
PushNode(JsonbParseState **state, ProjNode *node, JsonbIteratorToken token)
{
	int			i;

	check_stack_depth();
	if (node->leaf)
	{
		DdbPushStored(state, token, &node->value);
		return;
	}
	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	if (node->is_list)
	{
		DdbPushKey(state, "L");
		if (node->nchildren > 1)
			qsort(node->children, node->nchildren, sizeof(ProjChild), CompareChildIndex);
		pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
		for (i = 0; i < node->nchildren; i++)
		{
			CHECK_FOR_INTERRUPTS();
			PushNode(state, node->children[i].node, WJB_ELEM);
		}
		pushJsonbValue(state, WJB_END_ARRAY, NULL);
	}
	else
	{
		DdbPushKey(state, "M");
		PushMembers(state, node);
	}
	pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * DdbProjectItem returns the attribute map holding the values of item at
 * the given bound paths, nested as in the item. Paths that do not exist
 * are left out; the result may be {}. item NULL (no item) gives {}.
 */
Jsonb *
DdbProjectItem(JsonbContainer *item, const DdbPath *paths, int npaths)
{
	ProjNode   *root = NewInnerNode(false);
	JsonbParseState *state = NULL;
	JsonbValue	value;
	int			i;

	for (i = 0; i < npaths; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (DdbLookupPath(item, &paths[i], &value))
			AddPath(root, &paths[i], &value);
	}
	return DdbBuildJsonb(PushMembers(&state, root));
}

/*
 * DdbProjectItemByName returns the attribute map of PartiQL's SELECT
 * list: each path's value under the name DynamoDB gives it, its last
 * named step and the list indexes after it (a.b is "b", a[0] is "a[0]",
 * m.k[0][1] is "k[0][1]"). Paths that do not exist are left out; of two
 * paths with one name, the later wins.
 */
Jsonb *
DdbProjectItemByName(JsonbContainer *item, const DdbPath *paths, int npaths)
{
	JsonbParseState *state = NULL;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < npaths; i++)
	{
		const DdbPath *path = &paths[i];
		int			named = path->nelems - 1;
		StringInfoData name;
		JsonbValue	value;
		JsonbValue	key;

		CHECK_FOR_INTERRUPTS();
		if (!DdbLookupPath(item, path, &value))
			continue;
		while (named > 0 && path->elems[named].kind != DDB_PATH_NAME)
			named--;
		initStringInfo(&name);
		appendBinaryStringInfo(&name, path->elems[named].name, path->elems[named].name_len);
		for (int e = named + 1; e < path->nelems; e++)
			appendStringInfo(&name, "[%d]", path->elems[e].index);
		key.type = jbvString;
		key.val.string.val = name.data;
		key.val.string.len = name.len;
		pushJsonbValue(&state, WJB_KEY, &key);
		DdbPushStored(&state, WJB_VALUE, &value);
	}
	return DdbBuildJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}
