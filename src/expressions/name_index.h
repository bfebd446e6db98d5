/*-------------------------------------------------------------------------
 *
 * name_index.h
 *	  An index from names (byte strings, not NUL-terminated) to positions
 *	  in an array its user keeps.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_NAME_INDEX_H
#define DDB_NAME_INDEX_H

#include "postgres.h"

/* Containers with more named members than this index them by name */
#define DDB_NAME_INDEX_THRESHOLD 16

typedef struct DdbNameIndex DdbNameIndex;

/* A new, empty index in the current memory context */
extern DdbNameIndex *DdbNameIndexCreate(int expected);

/* The position recorded for a name, or -1 */
extern int	DdbNameIndexFind(DdbNameIndex *index, const char *name, int name_len);

/* Record (or move) a name's position; the name must outlive the index */
extern void DdbNameIndexSet(DdbNameIndex *index, const char *name, int name_len, int position);

/* Free the index */
extern void DdbNameIndexFree(DdbNameIndex *index);

#endif							/* DDB_NAME_INDEX_H */
