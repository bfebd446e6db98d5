/*-------------------------------------------------------------------------
 *
 * tags.h
 *	  Table tags: validation, storage in ddb.table_tags, and the
 *	  TagResource / UntagResource / ListTagsOfResource operations.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_TAGS_H
#define DDB_TAGS_H

#include "postgres.h"

#include "utils/jsonb.h"

#define DDB_MAX_TAGS 50

/* Tags of one request, validated */
typedef struct DdbTagList
{
	int			count;
	char	  **keys;
	char	  **values;
} DdbTagList;

/* Validate a Tags parameter (NULL means none); required demands one tag */
extern void DdbTagsRead(JsonbContainer *tags, DdbTagList *list, bool required);

/* Add or replace tags of a table, enforcing the per-table limit */
extern void DdbTagsStore(const char *table_name, DdbTagList *list);

#endif							/* DDB_TAGS_H */
