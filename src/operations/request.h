/*-------------------------------------------------------------------------
 *
 * request.h
 *	  Validation of request parameters shared by several operations:
 *	  enumerations, ReturnValues, and parameters not supported yet.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_REQUEST_H
#define DDB_REQUEST_H

#include "postgres.h"

#include "errors.h"
#include "utils/jsonb.h"

/*
 * Read an enumeration parameter. Returns NULL when absent. A value outside
 * the NULL-terminated list values is recorded in errors as DynamoDB's
 * "Member must satisfy enum value set: [..]" (printed as enum_text).
 */
extern char *DdbRequestEnum(JsonbContainer *request, const char *member,
							const char *constraint_member,
							const char *const *values, const char *enum_text,
							DdbConstraintErrors *errors);

/*
 * Check a string member: required (NULL is "Member must not be null"),
 * length between min_length and max_length, and, when values is not NULL,
 * one of values (printed as enum_text).
 */
extern void DdbRequestCheckString(DdbConstraintErrors *errors, const char *value,
								  const char *constraint_member, int min_length,
								  int max_length, const char *const *values,
								  const char *enum_text);

/* Check ReturnItemCollectionMetrics and ReturnValuesOnConditionCheckFailure */
extern void DdbRequestCommonWriteParameters(JsonbContainer *request,
											DdbConstraintErrors *errors);

/* Raise for parameters whose support is not implemented yet */
extern void DdbRequestRejectUnsupported(JsonbContainer *request,
										const char *const *members);

/*
 * Position of the first of n strings equal to an earlier one, or -1
 */
extern int	DdbRequestFirstRepeat(char **strings, int n);

#endif							/* DDB_REQUEST_H */
