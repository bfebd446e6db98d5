/*-------------------------------------------------------------------------
 *
 * ttl.h
 *	  DynamoDB's Time to Live: the TTL attribute of a table (ddb's catalog,
 *	  ttl_catalog.c) and the expiry of items whose TTL attribute holds an
 *	  epoch time in the past (ttl_expire.c), by the background worker and
 *	  by ddb.expire_now.
 *
 * A table with TTL enabled has a row in ddb.time_to_live naming its TTL
 * attribute, and an expiry index on its item table:
 *
 *	  CREATE INDEX <table>_ttl ON ddb_data.<table> (ddb.ttl_expiry(item, '<attribute>'))
 *	   WHERE ddb.ttl_expiry(item, '<attribute>') IS NOT NULL
 *
 * so that finding the expired items costs in proportion to them, not to
 * the table. An item is expired (DynamoDB's rules) when its top-level TTL
 * attribute is a number, read as epoch seconds (fractions and exponents
 * allowed), earlier than now and not more than five years earlier; an item
 * whose attribute is missing, of another type or not a number never is.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_TTL_H
#define DDB_TTL_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/timestamp.h"

/* Items whose expiry is more than this far in the past are never expired */
#define DDB_TTL_MAX_AGE_SECONDS (5 * 365.25 * 86400.0)

/* The prefix of the transactional logical decoding message of TTL deletes */
#define DDB_TTL_MESSAGE_PREFIX "ddb.ttl"

/*
 * ttl_expire.c: the expiry time (epoch seconds) that a stored item's TTL
 * attribute holds; false when the item has none (missing, another type, not
 * a number). attribute is in the stored form.
 */
extern bool DdbTtlExpiry(JsonbContainer *item, const char *attribute, int attribute_len,
						 double *expiry);

/* Epoch seconds of a timestamp */
extern double DdbTtlEpochSeconds(TimestampTz t);

/*
 * ttl_catalog.c: the TTL attribute (stored form) of a table, or NULL when
 * TTL is disabled (or the catalog predates TTL); must run inside SPI
 */
extern char *DdbTtlAttribute(const char *table_name);

struct DdbWorkKind;

/* ttl_expire.c: the worker's unit of work that expires the items of a table */
extern const struct DdbWorkKind DdbTtlExpiryWork;

#endif							/* DDB_TTL_H */
