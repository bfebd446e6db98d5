/*-------------------------------------------------------------------------
 *
 * key_condition.h
 *	  Query's key condition (KeyConditionExpression or legacy KeyConditions):
 *	  its shape, its fit to the key schema, and the key range it selects.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_KEY_CONDITION_H
#define DDB_KEY_CONDITION_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "catalog.h"
#include "expr.h"
#include "storage.h"

/* The operator of one key condition, with its operands in key-first order */
typedef enum DdbKeyOperator
{
	DDB_KEY_EQ,					/* k = v */
	DDB_KEY_LT,					/* k < v */
	DDB_KEY_LE,					/* k <= v */
	DDB_KEY_GT,					/* k > v */
	DDB_KEY_GE,					/* k >= v */
	DDB_KEY_BETWEEN,			/* k BETWEEN v1 AND v2 */
	DDB_KEY_BEGINS_WITH,		/* begins_with(k, v) */
	DDB_KEY_NOT_INDEXABLE		/* legacy NE, IN, NULL, CONTAINS, ... */
} DdbKeyOperator;

/* The condition on one attribute */
typedef struct DdbKeyCondition
{
	const char *attribute;		/* attribute name (bound) */
	int			attribute_len;
	DdbKeyOperator op;
	int			nvalues;		/* constant operands: 1, or 2 for BETWEEN */
	JsonbValue *values[2];		/* normalized AttributeValues */
	DdbCondition *condition;	/* the node, to evaluate against a start key */
} DdbKeyCondition;

/* All conditions of a key condition, one per attribute */
typedef struct DdbKeyConditions
{
	int			count;
	DdbKeyCondition *conditions;
} DdbKeyConditions;

/*
 * Split a bound KeyConditionExpression into its conditions, with
 * DynamoDB's errors for anything but key = :v, key < :v, ..., BETWEEN and
 * begins_with joined by AND, at most one per attribute, at most two.
 */
extern void DdbKeyConditionsFromExpression(DdbCondition *expression, DdbKeyConditions *out);

/* Split converted legacy KeyConditions (an AND of conditions) the same way */
extern void DdbKeyConditionsFromLegacy(DdbCondition *conditions, DdbKeyConditions *out);

/*
 * Check the conditions and a Query's ExclusiveStartKey (a normalized
 * attribute map, or NULL) against the table's key schema, in DynamoDB's
 * order: for the partition key and then the sort key, the start key's
 * attribute and then the condition. Sets *partition and *sort (NULL when
 * the sort key has no condition).
 */
extern void DdbKeyConditionsCheck(DdbTable *table, DdbKeyConditions *conditions,
								  JsonbContainer *start_key,
								  DdbKeyCondition **partition, DdbKeyCondition **sort);

/* The rows the checked conditions select, in ascending sort key order */
extern void DdbKeyConditionsRange(DdbTable *table, DdbKeyCondition *partition,
								  DdbKeyCondition *sort, DdbQueryRange *range);

#endif							/* DDB_KEY_CONDITION_H */
