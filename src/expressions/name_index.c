/*-------------------------------------------------------------------------
 *
 * name_index.c
 *	  An index from names (byte strings, not NUL-terminated) to positions
 *	  in an array its user keeps.
 *
 * Maps that a request builds member by member (the changed members of an
 * update, the members a projection selects) find members by name. A
 * request may name tens of thousands of attributes (AttributeUpdates and
 * AttributesToGet have no count limit), so past DDB_NAME_INDEX_THRESHOLD
 * members their users look names up here, in constant time, instead of
 * scanning.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/hsearch.h"

#include "name_index.h"

struct DdbNameIndex
{
	HTAB	   *table;
};

/* A name, the key of an entry */
typedef struct IndexedName
{
	const char *name;
	int			name_len;
} IndexedName;

/* An entry: a name and its position */
typedef struct IndexEntry
{
	IndexedName key;
	int			position;
} IndexEntry;

static uint32
IndexedNameHash(const void *key, Size keysize)
{
	const IndexedName *n = (const IndexedName *) key;

	return hash_bytes((const unsigned char *) n->name, n->name_len);
}

static int
IndexedNameMatch(const void *key1, const void *key2, Size keysize)
{
	const IndexedName *a = (const IndexedName *) key1;
	const IndexedName *b = (const IndexedName *) key2;

	return a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0 ? 0 : 1;
}

/*
 * DdbNameIndexCreate returns a new, empty index, sized for about expected
 * names, in the current memory context.
 */
DdbNameIndex *
DdbNameIndexCreate(int expected)
{
	DdbNameIndex *index = palloc(sizeof(DdbNameIndex));
	HASHCTL		ctl;

	ctl.keysize = sizeof(IndexedName);
	ctl.entrysize = sizeof(IndexEntry);
	ctl.hash = IndexedNameHash;
	ctl.match = IndexedNameMatch;
	ctl.hcxt = CurrentMemoryContext;
	index->table = hash_create("ddb name index", Max(expected, 16), &ctl,
							   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	return index;
}

/*
 * DdbNameIndexFind returns the position recorded for a name, or -1.
 */
int
DdbNameIndexFind(DdbNameIndex *index, const char *name, int name_len)
{
	IndexedName key;
	IndexEntry *entry;

	key.name = name;
	key.name_len = name_len;
	entry = hash_search(index->table, &key, HASH_FIND, NULL);
	return entry == NULL ? -1 : entry->position;
}

/*
 * DdbNameIndexSet records a name's position (replacing an earlier one).
 * The index keeps a reference to the name, which must outlive it.
 */
void
DdbNameIndexSet(DdbNameIndex *index, const char *name, int name_len, int position)
{
	IndexedName key;
	IndexEntry *entry;

	key.name = name;
	key.name_len = name_len;
	entry = hash_search(index->table, &key, HASH_ENTER, NULL);
	entry->position = position;
}

/*
 * DdbNameIndexFree frees an index.
 */
void
DdbNameIndexFree(DdbNameIndex *index)
{
	hash_destroy(index->table);
	pfree(index);
}
