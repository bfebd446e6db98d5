/*-------------------------------------------------------------------------
 *
 * item_check.c
 *	  ddb.is_valid_item: the check that every row of an item table holds a
 *	  valid item whose key columns equal its key attributes.
 *
 * Each item table carries
 *
 *	  CONSTRAINT ddb_item_is_valid
 *		  CHECK (ddb.is_valid_item(item, '<partition key>', <its column>
 *								   [, '<sort key>', <its column>]))
 *
 * so a row is checked when it is written, by ddb or by plain SQL, and
 * readers can trust it: DynamoDB JSON in the stored form (shape,
 * canonical numbers, base64, sorted duplicate-free sets, nesting, the
 * stored form of strings), at most 400 KB, key attributes present, of the
 * key column's type, non-empty and within the key size limits, and equal
 * to the key columns (strings in their stored form, numbers by value,
 * binaries as their decoded bytes). A row that fails is refused with
 * check_violation and a message naming what is wrong.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "item.h"
#include "number.h"

PG_FUNCTION_INFO_V1(ddb_is_valid_item);

/*
 * What makes a key column's value differ from the item's key attribute
 * name (or NULL when they agree); column_type is the column's type.
 */
static const char *
KeyColumnProblem(Jsonb *item, const char *name, Oid column_type, Datum column)
{
	JsonbValue	value;
	JsonbValue	payload;
	DdbAttributeType type;
	const char *s;
	int			len;

	if (getKeyJsonValueFromContainer(&item->root, name, strlen(name), &value) == NULL)
		return "a key attribute is missing";
	type = DdbAttributeValueType(&value, &payload);
	s = payload.val.string.val;
	len = payload.val.string.len;
	switch (column_type)
	{
		case TEXTOID:
			if (type != DDB_TYPE_S)
				return "a key attribute is not of the key column's type";
			return (VARSIZE_ANY_EXHDR(DatumGetPointer(column)) == len &&
					memcmp(VARDATA_ANY(DatumGetPointer(column)), s, len) == 0) ? NULL :
				"a key column differs from the item's key attribute";
		case NUMERICOID:
			if (type != DDB_TYPE_N)
				return "a key attribute is not of the key column's type";
			return DatumGetBool(DirectFunctionCall2(numeric_eq, column,
													NumericGetDatum(DdbNumberToNumeric(pnstrdup(s, len))))) ? NULL :
				"a key column differs from the item's key attribute";
		case BYTEAOID:
			{
				bytea	   *bytes;

				if (type != DDB_TYPE_B)
					return "a key attribute is not of the key column's type";
				bytes = DdbBase64Decode(s, len);
				return (VARSIZE_ANY_EXHDR(DatumGetPointer(column)) == VARSIZE_ANY_EXHDR(bytes) &&
						memcmp(VARDATA_ANY(DatumGetPointer(column)), VARDATA_ANY(bytes),
							   VARSIZE_ANY_EXHDR(bytes)) == 0) ? NULL :
					"a key column differs from the item's key attribute";
			}
		default:
			return "a key column is not of type text, numeric or bytea";
	}
}

/*
 * The bytes of the last item that passed the stored-form check, and its
 * DynamoDB size. An upsert checks the same item twice (the row it tries
 * to insert, then the row its ON CONFLICT clause writes), and the check
 * depends on nothing but the item's bytes, so an item equal to this one
 * passes without another walk. Items over REMEMBERED_ITEM_MAX bytes are
 * not kept.
 */
#define REMEMBERED_ITEM_MAX 65536
static char *remembered_item = NULL;
static Size remembered_alloc = 0;
static Size remembered_len = 0;
static Size remembered_size = 0;

/*
 * The stored-form check of an item (NULL: it passes) and its size.
 */
static const char *
ItemProblem(Jsonb *item, Size *size)
{
	Size		len = VARSIZE(item);
	const char *problem;

	if (remembered_len == len && memcmp(remembered_item, item, len) == 0)
	{
		*size = remembered_size;
		return NULL;
	}
	problem = DdbStoredItemCheck(&item->root, size);
	if (problem == NULL && len <= REMEMBERED_ITEM_MAX)
	{
		if (remembered_alloc < len)
		{
			Size		alloc = Max(len, 1024);

			remembered_len = 0;
			remembered_alloc = 0;
			if (remembered_item != NULL)
				pfree(remembered_item);
			remembered_item = NULL;
			remembered_item = MemoryContextAlloc(TopMemoryContext, alloc);
			remembered_alloc = alloc;
		}
		memcpy(remembered_item, item, len);
		remembered_len = len;
		remembered_size = *size;
	}
	return problem;
}

/*
 * ddb.is_valid_item(item jsonb, partition_key text, partition_value "any"
 *					 [, sort_key text, sort_value "any"]) RETURNS boolean
 *
 * True for a valid row; raises check_violation, naming the problem, for
 * any other.
 */
Datum
ddb_is_valid_item(PG_FUNCTION_ARGS)
{
	Jsonb	   *item;
	Size		size;
	const char *problem;
	int			nkeys = (PG_NARGS() - 1) / 2;

	if (PG_NARGS() != 3 && PG_NARGS() != 5)
		elog(ERROR, "ddb.is_valid_item takes 3 or 5 arguments");
	for (int i = 0; i < PG_NARGS(); i++)
	{
		if (PG_ARGISNULL(i))
			PG_RETURN_BOOL(false);
	}

	item = PG_GETARG_JSONB_P(0);
	problem = ItemProblem(item, &size);
	if (problem == NULL && size > DDB_MAX_ITEM_SIZE)
		problem = "it is larger than 400 KB";
	for (int i = 0; problem == NULL && i < nkeys; i++)
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1 + 2 * i));

		Oid			column_type = get_fn_expr_argtype(fcinfo->flinfo, 2 + 2 * i);
		Datum		column = PG_GETARG_DATUM(2 + 2 * i);

		if (column_type == TEXTOID || column_type == BYTEAOID)
			column = PointerGetDatum(PG_DETOAST_DATUM_PACKED(column));
		problem = KeyColumnProblem(item, name, column_type, column);
		if (problem == NULL)
			problem = DdbStoredKeyProblem(&item->root, name,
										  i == 0 ? DDB_MAX_HASH_KEY_SIZE : DDB_MAX_RANGE_KEY_SIZE);
	}
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("ddb: a row of an item table must hold a valid DynamoDB item in the stored form: %s",
						problem)));
	PG_RETURN_BOOL(true);
}
