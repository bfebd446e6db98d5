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

/*
 * A key schema to check conditions against: a table's (one HASH attribute,
 * optionally one RANGE) or an index's (a GSI: 1..4 HASH attributes, then
 * 0..4 RANGE).
 */
#define DDB_KEY_SCHEMA_MAX	8

typedef struct DdbKeySchema
{
	int			nhash;			/* HASH attributes, first */
	int			nkeys;			/* HASH then RANGE attributes */
	const char *names[DDB_KEY_SCHEMA_MAX];
	char		types[DDB_KEY_SCHEMA_MAX];	/* 'S', 'N' or 'B' */
} DdbKeySchema;

/* All conditions of a key condition, one per attribute */
typedef struct DdbKeyConditions
{
	int			count;
	DdbKeyCondition *conditions;
} DdbKeyConditions;

/*
 * Split a bound KeyConditionExpression into its conditions, with
 * DynamoDB's errors for anything but key = :v, key < :v, ..., BETWEEN and
 * begins_with joined by AND, at most one per attribute, at most
 * max_conditions (2 on a table; an index key has up to
 * DDB_KEY_SCHEMA_MAX attributes).
 */
extern void DdbKeyConditionsFromExpression(DdbCondition *expression, int max_conditions,
										   DdbKeyConditions *out);

/* Split converted legacy KeyConditions (an AND of conditions) the same way */
extern void DdbKeyConditionsFromLegacy(DdbCondition *conditions, int max_conditions,
									   DdbKeyConditions *out);

/*
 * Check the conditions and a Query's ExclusiveStartKey (NULL: none)
 * against a key schema, in DynamoDB's order: attribute by attribute, the
 * start key's attribute and then the condition. Every HASH attribute needs
 * an equality; RANGE attributes take conditions from left to right with
 * no gap, equalities on all but the last, which may use any key operator;
 * no other attribute may have a condition. matched[i] gets the condition
 * on key attribute i, or NULL.
 */
extern void DdbKeyConditionsMatch(const DdbKeySchema *schema, DdbKeyConditions *conditions,
								  JsonbContainer *start_key, DdbKeyCondition **matched);

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

/* A key condition constant as a datum of its key column (position as below) */
extern Datum DdbKeyConditionDatum(DdbKeyAttribute *attr, int position, JsonbValue *value);

/*
 * Set a range's lower and upper bounds from a checked condition on the key
 * attribute attr; position 0 is a HASH attribute, 1 a RANGE attribute (for
 * the key size limits)
 */
extern void DdbKeyConditionBounds(DdbKeyCondition *condition, DdbKeyAttribute *attr,
								  int position, DdbQueryRange *range);

#endif							/* DDB_KEY_CONDITION_H */
