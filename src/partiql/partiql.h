/*-------------------------------------------------------------------------
 *
 * partiql.h
 *	  DynamoDB's PartiQL dialect: statements parsed into the trees of the
 *	  expression language (expr.h), bound to a request's Parameters, and
 *	  run through the same read and write paths as the item operations.
 *
 * 1. Parse (partiql_parser.c): statement text -> DdbStatement, with
 *	  DynamoDB's syntax errors. WHERE clauses become DdbConditions,
 *	  projections DdbProjections, SET and REMOVE clauses a DdbUpdate, so
 *	  that expr_eval.c evaluates them and update.c applies them. Literals
 *	  are normalized AttributeValues already; ? parameters, and lists,
 *	  maps and sets holding them, stay unresolved, so a tree depends only
 *	  on the text and is cached per backend by it.
 *
 * 2. Bind (partiql_bind.c): one request's Parameters are validated and
 *	  substituted into a copy of the cached tree, and the statement is
 *	  planned against its table: which key values a WHERE pins.
 *
 * 3. Run (partiql_exec.c, partiql_batch.c, partiql_transaction.c):
 *	  SELECT reads through query.c (GetItem-like Query, Query, or Scan),
 *	  INSERT, UPDATE and DELETE write through write.c, batches a statement
 *	  per subtransaction, transactions through transact.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDB_PARTIQL_H
#define DDB_PARTIQL_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

#include "catalog.h"
#include "expr.h"
#include "storage.h"
#include "write.h"

/* Limits (DynamoDB's) */
#define DDB_PARTIQL_MAX_STATEMENT	8192	/* characters of a statement */
#define DDB_PARTIQL_MAX_NESTING		100 /* parentheses, NOT and literals */
#define DDB_PARTIQL_MAX_HASH_IN		50	/* IN values on the partition key */
#define DDB_PARTIQL_MAX_IN			100 /* IN values on other attributes */

typedef enum DdbStatementKind
{
	DDB_STATEMENT_SELECT,
	DDB_STATEMENT_INSERT,
	DDB_STATEMENT_UPDATE,
	DDB_STATEMENT_DELETE,
	DDB_STATEMENT_EXISTS		/* EXISTS(SELECT ...): ExecuteTransaction only */
} DdbStatementKind;

/* RETURNING of UPDATE and DELETE */
typedef enum DdbReturning
{
	DDB_RETURNING_NONE,
	DDB_RETURNING_ALL_OLD,
	DDB_RETURNING_MODIFIED_OLD,
	DDB_RETURNING_ALL_NEW,
	DDB_RETURNING_MODIFIED_NEW
} DdbReturning;

/*
 * A value written in a statement that is not a plain literal: a ?
 * parameter, or a list, map or set literal that holds one. Operands of
 * kind DDB_OPERAND_VALUE whose value is NULL stand for one of these: their
 * value_name is "$<n>", n its position in DdbStatement.values.
 */
typedef enum DdbPqValueKind
{
	DDB_PQ_LITERAL,				/* a normalized AttributeValue */
	DDB_PQ_PARAMETER,			/* the n-th ? (0-based) */
	DDB_PQ_LIST,				/* [elems] */
	DDB_PQ_MAP,					/* {'keys[i]': elems[i]} */
	DDB_PQ_SET					/* <<elems>> */
} DdbPqValueKind;

typedef struct DdbPqValue
{
	DdbPqValueKind kind;
	Jsonb	   *literal;		/* LITERAL */
	int			parameter;		/* PARAMETER */
	int			nelems;			/* LIST, MAP, SET */
	struct DdbPqValue **elems;
	char	  **keys;			/* MAP: member names */
	int		   *key_lens;
} DdbPqValue;

/* ORDER BY key [ASC|DESC] */
typedef struct DdbOrderBy
{
	char	   *name;
	bool		descending;
} DdbOrderBy;

/* A parsed statement; belongs to the cache, never modified */
typedef struct DdbStatement
{
	DdbStatementKind kind;
	const char *text;			/* as written */
	int			len;
	char	   *table_name;
	char	   *index_name;		/* FROM "t"."index", or NULL */
	int			nparameters;	/* ? placeholders */
	int			nvalues;		/* values to resolve when binding */
	DdbPqValue **values;

	/* SELECT and EXISTS */
	DdbProjection *projection;	/* NULL: * */
	int			norder;
	DdbOrderBy *order;

	/* SELECT, EXISTS, UPDATE, DELETE */
	DdbCondition *where;		/* NULL: none */

	/* INSERT: the item, a DDB_PQ_MAP (or a literal M) */
	DdbPqValue *item;

	/* UPDATE */
	DdbUpdate  *update;
	DdbReturning returning;		/* UPDATE, DELETE */
} DdbStatement;

/*
 * Parse a statement (or find it in the per-backend cache). Errors are
 * ValidationExceptions "Statement wasn't well formed, can't be processed:
 * ..." and, for literals, DynamoDB's AttributeValue errors.
 */
extern const DdbStatement *DdbParseStatement(const char *text, int len);

/* A statement bound to its Parameters and its table */
typedef struct DdbBoundStatement
{
	const DdbStatement *parsed;
	DdbTable   *table;
	DdbCondition *where;		/* bound WHERE, or NULL */
	DdbUpdate  *update;			/* UPDATE, bound */
	Jsonb	   *item;			/* INSERT: the normalized item */

	/*
	 * The key values WHERE pins with = (UPDATE, DELETE, and a SELECT that
	 * names the whole key): the key as an attribute map, and whether WHERE
	 * says nothing else
	 */
	Jsonb	   *key_map;
	bool		where_is_key;
} DdbBoundStatement;

/*
 * Bind a parsed statement: Parameters (a JSON array of AttributeValues, or
 * NULL) substituted, the table looked up, an UPDATE or DELETE's key found
 * (require_key: or "Where clause does not contain a mandatory equality on
 * all key attributes" raised).
 */
extern DdbBoundStatement *DdbBindStatement(const DdbStatement *parsed,
										   JsonbContainer *parameters, bool require_key);

/* partiql_bind.c: append the conditions joined by AND at the top of cond */
extern void DdbStatementConjuncts(DdbCondition *cond, List **conjuncts);

/*
 * partiql_parser.c: the normalized AttributeValue of a statement value,
 * parameters[i] (normalized) standing for the i-th ?
 */
extern Jsonb *DdbPqValueBuild(const DdbPqValue *value, Jsonb **parameters);

/*
 * partiql_exec.c: the single-item write of a bound INSERT, UPDATE or
 * DELETE (or the check of an EXISTS), ready for DdbWritePerform or a
 * transaction's two halves
 */
extern void DdbStatementWrite(DdbBoundStatement *bound, DdbItemWrite *write);

/* The item a write statement returns for RETURNING, or NULL */
extern Jsonb *DdbStatementReturned(DdbBoundStatement *bound, DdbItemWrite *write);

/*
 * The one item a SELECT that names a whole primary key with = reads (as
 * BatchExecuteStatement and ExecuteTransaction require), in a read mode,
 * projected; NULL when there is none. *size gets the item's size before
 * projection.
 */
extern Jsonb *DdbStatementGetItem(DdbBoundStatement *bound, DdbReadMode mode, Size *size);

/*
 * partiql_batch.c: the Code a failed statement of a batch or transaction
 * reports for an error (ValidationError, ConditionalCheckFailed, ...), and
 * its Message; NULL for an error that is not the statement's to report
 */
extern const char *DdbStatementErrorCode(ErrorData *error, const char **message);

/*
 * Check a Statement member's length (1..8192 characters), adding a failure
 * to errors as DynamoDB reports it at constraint_member
 */
extern void DdbStatementCheckText(const char *statement, const char *constraint_member,
								  DdbConstraintErrors *errors);

/* One statement of a BatchExecuteStatement or ExecuteTransaction request */
typedef struct DdbStatementEntry
{
	char	   *text;			/* Statement */
	JsonbContainer *parameters; /* Parameters, or NULL */
	bool		consistent;		/* ConsistentRead (batches only) */
	bool		old_on_failure; /* ReturnValuesOnConditionCheckFailure ALL_OLD */
} DdbStatementEntry;

/*
 * Read the statement list of a batch (with ConsistentRead) or a
 * transaction, collecting constraint errors; *n gets its length
 */
extern DdbStatementEntry *DdbStatementListRead(JsonbContainer *request, const char *member,
											   const char *path, const char *element_type,
											   int max, bool with_consistent_read, int *n,
											   DdbConstraintErrors *errors);

#endif							/* DDB_PARTIQL_H */
