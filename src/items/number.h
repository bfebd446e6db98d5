/*-------------------------------------------------------------------------
 *
 * number.h
 *	  DynamoDB's Number type: parsing, canonical text, size and order.
 *
 * A DynamoDB number is a decimal with at most 38 significant digits and a
 * magnitude between 1E-130 and 9.99...E+125 (or zero). ddb always stores
 * numbers in canonical text: plain decimal, no exponent, no leading '+',
 * no leading zeros, no trailing fractional zeros, "0" for any zero. Two
 * numbers are equal exactly when their canonical texts are equal.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_NUMBER_H
#define DDB_NUMBER_H

#include "postgres.h"

#include "utils/numeric.h"

/* Limits of a DynamoDB number */
#define DDB_NUMBER_MAX_DIGITS		38		/* significant digits */
#define DDB_NUMBER_MAX_EXPONENT		125		/* largest is 9.99...E+125 */
#define DDB_NUMBER_MIN_EXPONENT		(-130)	/* smallest nonzero is 1E-130 */

/* Parse DynamoDB number text; canonical text (palloc'd) or ValidationException */
extern char *DdbNumberNormalize(const char *text, int len);

/* Whether text (not NUL-terminated) is a canonical, in-range number */
extern bool DdbNumberIsCanonical(const char *text, int len);

/* DynamoDB's size in bytes of a canonical number */
extern int	DdbNumberSize(const char *canonical);

/* Numeric order of two canonical numbers: <0, 0 or >0 */
extern int	DdbNumberCompare(const char *a, const char *b);

/* A canonical number as a PostgreSQL numeric */
extern Numeric DdbNumberToNumeric(const char *canonical);

#endif							/* DDB_NUMBER_H */
