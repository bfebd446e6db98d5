/*-------------------------------------------------------------------------
 *
 * string_escape.c
 *	  The stored form of strings: escaping U+0000 (and the escape
 *	  character U+0001) where requests enter, undoing it where responses
 *	  leave, and measuring and searching stored forms. See
 *	  string_escape.h for the encoding.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/jsonb.h"

#include "string_escape.h"

/*
 * The number of code words of a stored form (each stands for one byte of
 * the string, U+0000 or U+0001).
 */
static int
CountCodeWords(const char *s, int len)
{
	const char *end = s + len;
	int			count = 0;

	while (s < end && (s = memchr(s, DDB_ESCAPE_CHAR, end - s)) != NULL)
	{
		count++;
		s += 2;
	}
	return count;
}

/*
 * DdbStoredStringIsValid tells whether every escape character of len
 * bytes starts a code word.
 */
bool
DdbStoredStringIsValid(const char *s, int len)
{
	const char *end = s + len;

	while (s < end && (s = memchr(s, DDB_ESCAPE_CHAR, end - s)) != NULL)
	{
		if (s + 1 >= end || (s[1] != DDB_ESCAPED_NUL && s[1] != DDB_ESCAPED_ESCAPE))
			return false;
		s += 2;
	}
	return true;
}

/*
 * DdbStoredStringSize returns the UTF-8 length of the string a stored form
 * stands for: DynamoDB's size of the string.
 */
int
DdbStoredStringSize(const char *s, int len)
{
	return len - CountCodeWords(s, len);
}

/*
 * DdbStoredStringChars returns the number of characters of the string a
 * stored form stands for.
 */
int
DdbStoredStringChars(const char *s, int len)
{
	return pg_mbstrlen_with_len(s, len) - CountCodeWords(s, len);
}

/*
 * Decode a stored form into the bytes it stands for (palloc'd, may hold
 * NUL bytes); *outlen gets their number.
 */
static char *
DecodeStoredString(const char *s, int len, int *outlen)
{
	char	   *out = palloc(len + 1);
	int			n = 0;

	for (int i = 0; i < len; i++)
	{
		if (s[i] == DDB_ESCAPE_CHAR && i + 1 < len)
		{
			out[n++] = (s[i + 1] == DDB_ESCAPED_NUL) ? '\0' : DDB_ESCAPE_CHAR;
			i++;
		}
		else
			out[n++] = s[i];
	}
	*outlen = n;
	return out;
}

/*
 * DdbStoredStringContains tells whether the string needle stands for
 * occurs in the one haystack stands for. A match of stored forms could
 * start in the middle of a code word, so strings with escapes are
 * decoded first. glibc's memmem takes linear time (the two-way
 * algorithm), so a 400 KB string searched for a 200 KB one costs what
 * reading them does, not their product.
 */
bool
DdbStoredStringContains(const char *haystack, int hlen, const char *needle, int nlen)
{
	bool		found;
	char	   *h;
	char	   *n;
	int			hbytes;
	int			nbytes;

	if (nlen == 0)
		return true;
	if (memchr(haystack, DDB_ESCAPE_CHAR, hlen) == NULL &&
		memchr(needle, DDB_ESCAPE_CHAR, nlen) == NULL)
		return memmem(haystack, hlen, needle, nlen) != NULL;
	h = DecodeStoredString(haystack, hlen, &hbytes);
	n = DecodeStoredString(needle, nlen, &nbytes);
	found = memmem(h, hbytes, n, nbytes) != NULL;
	pfree(h);
	pfree(n);
	return found;
}

/* ---- JSON text ---- */

/*
 * Whether p (just after a backslash) starts the escape u000<digit>.
 */
static bool
IsEscapeOf(const char *p, char digit)
{
	return p[0] == 'u' && p[1] == '0' && p[2] == '0' && p[3] == '0' && p[4] == digit;
}

/*
 * What a JSON text rewrite does at a backslash p: returns how many bytes
 * from p it replaces (0: none) and sets *replacement.
 */
typedef int (*EscapeRewrite) (const char *p, const char **replacement);

/*
 * Rewrite the escapes of JSON text that rewrite matches. Backslashes are
 * read pairwise, so an escaped backslash followed by "u0000" is left
 * alone; backslashes outside strings are JSON syntax errors whatever this
 * does with them. Returns the input itself when nothing matched.
 */
static char *
RewriteJsonEscapes(char *json, EscapeRewrite rewrite)
{
	StringInfoData out;
	char	   *copied = json;	/* json up to here is in out */
	char	   *p = json;

	out.data = NULL;
	while ((p = strchr(p, '\\')) != NULL && p[1] != '\0')
	{
		const char *replacement;
		int			replaced = rewrite(p, &replacement);

		if (replaced == 0)
		{
			p += 2;
			continue;
		}
		if (out.data == NULL)
			initStringInfo(&out);
		appendBinaryStringInfo(&out, copied, p - copied);
		appendStringInfoString(&out, replacement);
		p += replaced;
		copied = p;
	}
	if (out.data == NULL)
		return json;
	appendStringInfoString(&out, copied);
	return out.data;
}

/*
 * \u0000 -> \u0001\u0001, \u0001 -> \u0001\u0002
 */
static int
EscapeRewriteOf(const char *p, const char **replacement)
{
	if (IsEscapeOf(p + 1, '0'))
		*replacement = "\\u0001\\u0001";
	else if (IsEscapeOf(p + 1, '1'))
		*replacement = "\\u0001\\u0002";
	else
		return 0;
	return 6;
}

/*
 * \u0001\u0001 -> \u0000, \u0001\u0002 -> \u0001
 */
static int
UnescapeRewriteOf(const char *p, const char **replacement)
{
	if (!IsEscapeOf(p + 1, '1') || p[6] != '\\')
		return 0;
	if (IsEscapeOf(p + 7, '1'))
		*replacement = "\\u0000";
	else if (IsEscapeOf(p + 7, '2'))
		*replacement = "\\u0001";
	else
		return 0;
	return 12;
}

/*
 * DdbEscapeJsonText rewrites the JSON escapes \u0000 and \u0001 of request
 * text to the stored form.
 */
char *
DdbEscapeJsonText(char *json)
{
	return RewriteJsonEscapes(json, EscapeRewriteOf);
}

/*
 * DdbUnescapeJsonText undoes the stored form in JSON text rendered by
 * JsonbToCString, which writes U+0001 as \u0001 and U+0002 as \u0002.
 */
char *
DdbUnescapeJsonText(char *json)
{
	return RewriteJsonEscapes(json, UnescapeRewriteOf);
}

/* ---- jsonb ---- */

/*
 * Whether a string or key anywhere in a container holds the escape
 * character. Reads jsonb's binary format directly (JEntry arrays), which
 * allocates nothing.
 */
static bool
ContainerHasEscapeChar(const JsonbContainer *container)
{
	int			nchildren = JsonContainerSize(container);
	const char *base;
	uint32		offset = 0;

	check_stack_depth();
	if (JsonContainerIsObject(container))
		nchildren *= 2;
	base = (const char *) &container->children[nchildren];
	for (int i = 0; i < nchildren; i++)
	{
		JEntry		entry = container->children[i];
		uint32		start = offset;

		JBE_ADVANCE_OFFSET(offset, entry);
		if (JBE_ISSTRING(entry))
		{
			if (memchr(base + start, DDB_ESCAPE_CHAR, offset - start) != NULL)
				return true;
		}
		else if (JBE_ISCONTAINER(entry))
		{
			if (ContainerHasEscapeChar((const JsonbContainer *) (base + INTALIGN(start))))
				return true;
		}
	}
	return false;
}

/* How RebuildStrings transforms each string */
typedef enum StringTransform
{
	ESCAPE_STRINGS,
	UNESCAPE_STRINGS
} StringTransform;

/*
 * Transform one string value in place (its bytes are replaced by a new
 * palloc'd copy).
 */
static void
TransformString(JsonbValue *v, StringTransform transform)
{
	const char *s = v->val.string.val;
	int			len = v->val.string.len;
	StringInfoData out;

	if (memchr(s, DDB_ESCAPE_CHAR, len) == NULL)
		return;
	initStringInfo(&out);
	for (int i = 0; i < len; i++)
	{
		if (s[i] != DDB_ESCAPE_CHAR)
			appendStringInfoChar(&out, s[i]);
		else if (transform == ESCAPE_STRINGS)
		{
			appendStringInfoChar(&out, DDB_ESCAPE_CHAR);
			appendStringInfoChar(&out, DDB_ESCAPED_ESCAPE);
		}
		else if (i + 1 < len && s[i + 1] == DDB_ESCAPED_NUL)
			ereport(ERROR,
					(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
					 errmsg("ddb: the response holds the character U+0000, which jsonb cannot hold"),
					 errhint("Call ddb.call_text(operation, request), which returns the response as JSON text.")));
		else
		{
			appendStringInfoChar(&out, DDB_ESCAPE_CHAR);
			i++;				/* the code word's second byte */
		}
	}
	v->val.string.val = out.data;
	v->val.string.len = out.len;
}

/*
 * Copy a jsonb value with every string and key transformed.
 */
static Jsonb *
RebuildStrings(Jsonb *jb, StringTransform transform)
{
	JsonbParseState *state = NULL;
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbIteratorToken tok;
	JsonbValue	v;
	JsonbValue *result = NULL;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		CHECK_FOR_INTERRUPTS();
		switch (tok)
		{
			case WJB_KEY:
			case WJB_VALUE:
			case WJB_ELEM:
				if (v.type == jbvString)
					TransformString(&v, transform);
				result = pushJsonbValue(&state, tok, &v);
				break;
			case WJB_BEGIN_ARRAY:
				result = pushJsonbValue(&state, tok, v.val.array.rawScalar ? &v : NULL);
				break;
			default:
				result = pushJsonbValue(&state, tok, NULL);
				break;
		}
	}
	return JsonbValueToJsonb(result);
}

/*
 * DdbEscapeJsonb returns a jsonb request in the stored form.
 */
Jsonb *
DdbEscapeJsonb(Jsonb *jb)
{
	if (!ContainerHasEscapeChar(&jb->root))
		return jb;
	return RebuildStrings(jb, ESCAPE_STRINGS);
}

/*
 * DdbUnescapeJsonb returns a stored-form response as jsonb.
 */
Jsonb *
DdbUnescapeJsonb(Jsonb *jb)
{
	if (!ContainerHasEscapeChar(&jb->root))
		return jb;
	return RebuildStrings(jb, UNESCAPE_STRINGS);
}

PG_FUNCTION_INFO_V1(ddb_stored_form);

/*
 * ddb.stored_form(value jsonb) RETURNS jsonb: the value with its strings
 * and keys in the stored form, as plain SQL writes them into item tables.
 */
Datum
ddb_stored_form(PG_FUNCTION_ARGS)
{
	PG_RETURN_JSONB_P(DdbEscapeJsonb(PG_GETARG_JSONB_P(0)));
}
