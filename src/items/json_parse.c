/*-------------------------------------------------------------------------
 *
 * json_parse.c
 *	  The quick path from request JSON text to jsonb.
 *
 * Requests that arrive as text (the HTTP endpoint, the text overloads of
 * the SQL functions) are mostly objects, arrays and strings without
 * escapes. DdbJsonParseQuick reads such text straight into a JsonbValue
 * tree, strings pointing into the text, and writes it as jsonb: the same
 * jsonb that jsonb_in makes of it, without jsonb_in's per-token copies and
 * callbacks. Anything else (numbers, backslash escapes, duplicate keys,
 * control characters, deep nesting, malformed text, a root that is not an
 * object) makes it give up and return NULL, and the caller runs jsonb_in,
 * which gives PostgreSQL's own answer and error messages.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/jsonb.h"

#include "json_util.h"

/* Deeper text is left to jsonb_in (and its stack depth check) */
#define QUICK_MAX_DEPTH 64

typedef struct QuickParser
{
	const char *p;				/* next byte to read */
	const char *end;			/* end of the text */
	int			depth;			/* containers open */
} QuickParser;

static bool QuickValue(QuickParser *ps, JsonbValue *out);

/* JSON's white space, as PostgreSQL's lexer knows it */
static inline void
SkipSpace(QuickParser *ps)
{
	while (ps->p < ps->end &&
		   (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/*
 * A string without escapes or control characters, its opening quote at
 * ps->p; the value points into the text.
 */
static bool
QuickString(QuickParser *ps, JsonbValue *out)
{
	const char *start = ps->p + 1;
	const char *s = start;

	while (s < ps->end && *s != '"')
	{
		if (*s == '\\' || (unsigned char) *s < 0x20)
			return false;
		s++;
	}
	if (s >= ps->end)
		return false;
	out->type = jbvString;
	out->val.string.val = (char *) start;
	out->val.string.len = s - start;
	ps->p = s + 1;
	return true;
}

/*
 * One of true, false and null, not followed by a character that would
 * make the lexer read a longer word.
 */
static bool
QuickWord(QuickParser *ps, const char *word, int len)
{
	unsigned char next;

	if (ps->end - ps->p < len || memcmp(ps->p, word, len) != 0)
		return false;
	if (ps->end - ps->p > len)
	{
		next = (unsigned char) ps->p[len];
		if (next >= 0x80 || next == '_' ||
			(next >= '0' && next <= '9') || (next >= 'a' && next <= 'z') ||
			(next >= 'A' && next <= 'Z'))
			return false;
	}
	ps->p += len;
	return true;
}

/* jsonb's order of object keys: shorter first, then by bytes */
static int
KeyOrder(const void *a, const void *b)
{
	const JsonbValue *ka = &((const JsonbPair *) a)->key;
	const JsonbValue *kb = &((const JsonbPair *) b)->key;

	if (ka->val.string.len != kb->val.string.len)
		return ka->val.string.len > kb->val.string.len ? 1 : -1;
	return memcmp(ka->val.string.val, kb->val.string.val, ka->val.string.len);
}

static bool
QuickObject(QuickParser *ps, JsonbValue *out)
{
	int			allocated = 8;
	int			n = 0;
	JsonbPair  *pairs = palloc(sizeof(JsonbPair) * allocated);

	ps->p++;
	SkipSpace(ps);
	if (ps->p < ps->end && *ps->p == '}')
		ps->p++;
	else
	{
		for (;;)
		{
			if (n == allocated)
			{
				allocated *= 2;
				pairs = repalloc(pairs, sizeof(JsonbPair) * allocated);
			}
			if (ps->p >= ps->end || *ps->p != '"' || !QuickString(ps, &pairs[n].key))
				return false;
			SkipSpace(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return false;
			ps->p++;
			SkipSpace(ps);
			if (!QuickValue(ps, &pairs[n].value))
				return false;
			pairs[n].order = n;
			n++;
			SkipSpace(ps);
			if (ps->p < ps->end && *ps->p == ',')
			{
				ps->p++;
				SkipSpace(ps);
				continue;
			}
			if (ps->p < ps->end && *ps->p == '}')
			{
				ps->p++;
				break;
			}
			return false;
		}
	}
	if (n > 1)
	{
		qsort(pairs, n, sizeof(JsonbPair), KeyOrder);
		/* jsonb keeps the last of duplicate keys: left to jsonb_in */
		for (int i = 1; i < n; i++)
		{
			if (KeyOrder(&pairs[i - 1], &pairs[i]) == 0)
				return false;
		}
	}
	out->type = jbvObject;
	out->val.object.nPairs = n;
	out->val.object.pairs = pairs;
	return true;
}

static bool
QuickArray(QuickParser *ps, JsonbValue *out)
{
	int			allocated = 4;
	int			n = 0;
	JsonbValue *elems = palloc(sizeof(JsonbValue) * allocated);

	ps->p++;
	SkipSpace(ps);
	if (ps->p < ps->end && *ps->p == ']')
		ps->p++;
	else
	{
		for (;;)
		{
			if (n == allocated)
			{
				allocated *= 2;
				elems = repalloc(elems, sizeof(JsonbValue) * allocated);
			}
			if (!QuickValue(ps, &elems[n]))
				return false;
			n++;
			SkipSpace(ps);
			if (ps->p < ps->end && *ps->p == ',')
			{
				ps->p++;
				SkipSpace(ps);
				continue;
			}
			if (ps->p < ps->end && *ps->p == ']')
			{
				ps->p++;
				break;
			}
			return false;
		}
	}
	out->type = jbvArray;
	out->val.array.nElems = n;
	out->val.array.elems = elems;
	out->val.array.rawScalar = false;
	return true;
}

/*
 * One value at ps->p (white space before it already skipped).
 */
static bool
QuickValue(QuickParser *ps, JsonbValue *out)
{
	bool		ok;

	if (ps->p >= ps->end)
		return false;
	switch (*ps->p)
	{
		case '"':
			return QuickString(ps, out);
		case '{':
		case '[':
			if (ps->depth >= QUICK_MAX_DEPTH)
				return false;
			ps->depth++;
			ok = *ps->p == '{' ? QuickObject(ps, out) : QuickArray(ps, out);
			ps->depth--;
			return ok;
		case 't':
			out->type = jbvBool;
			out->val.boolean = true;
			return QuickWord(ps, "true", 4);
		case 'f':
			out->type = jbvBool;
			out->val.boolean = false;
			return QuickWord(ps, "false", 5);
		case 'n':
			out->type = jbvNull;
			return QuickWord(ps, "null", 4);
		default:
			/* numbers and anything malformed */
			return false;
	}
}

/*
 * DdbJsonParseQuick returns the jsonb of JSON text whose root is an
 * object, as jsonb_in would make it, or NULL when the text holds something
 * it leaves to jsonb_in (see the file header). Strings are not checked for
 * valid encoding: the caller has checked the text.
 */
Jsonb *
DdbJsonParseQuick(const char *text, int len)
{
	QuickParser ps;
	JsonbValue	root;

	ps.p = text;
	ps.end = text + len;
	ps.depth = 0;
	SkipSpace(&ps);
	if (ps.p >= ps.end || *ps.p != '{' || !QuickValue(&ps, &root))
		return NULL;
	SkipSpace(&ps);
	if (ps.p != ps.end)
		return NULL;
	return JsonbValueToJsonb(&root);
}
