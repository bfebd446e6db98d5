/*-------------------------------------------------------------------------
 *
 * legacy.h
 *	  DynamoDB's legacy (pre-expression) parameters, converted to bound
 *	  expressions: Expected + ConditionalOperator, AttributeUpdates,
 *	  AttributesToGet.
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

#endif							/* DDB_LEGACY_H */
