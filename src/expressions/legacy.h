/*-------------------------------------------------------------------------
 *
 * legacy.h
 *	  DynamoDB's legacy (pre-expression) parameters, converted to bound
 *	  expressions: Expected + ConditionalOperator, AttributeUpdates,
 *	  AttributesToGet, QueryFilter / ScanFilter, KeyConditions.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_LEGACY_H
#define DDB_LEGACY_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "expr.h"

/* Expected (NULL: none) with ConditionalOperator (NULL: AND) as a condition */
extern DdbCondition *DdbLegacyExpected(JsonbContainer *expected, const char *conditional_operator);

/* AttributeUpdates (NULL: none) as an update */
extern DdbUpdate *DdbLegacyAttributeUpdates(JsonbContainer *updates);

/* AttributesToGet (NULL: none) as a projection */
extern DdbProjection *DdbLegacyAttributesToGet(JsonbContainer *names);

/*
 * QueryFilter or ScanFilter (NULL: none) with ConditionalOperator (NULL:
 * AND) as a filter; member is the parameter as constraint messages name it
 * ("queryFilter", "scanFilter")
 */
extern DdbCondition *DdbLegacyFilter(JsonbContainer *conditions, const char *member,
									 const char *conditional_operator);

/*
 * KeyConditions (NULL: none) as the AND of its conditions, one per
 * attribute (whether they fit the key schema is checked by Query)
 */
extern DdbCondition *DdbLegacyKeyConditions(JsonbContainer *conditions);

#endif							/* DDB_LEGACY_H */
