/*-------------------------------------------------------------------------
 *
 * http_auth.c
 *	  Who an HTTP request runs as: AWS Signature Version 4 checked against
 *	  the access keys of ddb.access_keys, or ddb.http_role when
 *	  ddb.http_auth is 'none'.
 *
 * A request signed as the SDKs sign it carries
 *
 *	  Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/
 *		  dynamodb/aws4_request, SignedHeaders=host;x-amz-date;...,
 *		  Signature=<hex>
 *	  X-Amz-Date: <YYYYMMDD'T'HHMMSS'Z'>
 *
 * and its signature is recomputed here from the canonical request (method,
 * path, query, the signed headers, the SHA-256 of the body as sent) with
 * the key's secret, and compared in constant time. The date must be within
 * 15 minutes of the server's clock either way. The checks and their
 * errors come in DynamoDB's order: MissingAuthenticationTokenException
 * (no signature), IncompleteSignatureException (a malformed one),
 * InvalidSignatureException (expired, wrongly scoped, or not matching),
 * UnrecognizedClientException (an unknown key id). SHA-256 is OpenSSL's
 * libcrypto, HMAC built on it.
 *
 * Key lookups read ddb.access_keys as the worker's user (the bootstrap
 * superuser), before the request switches to the key's role. Each worker
 * keeps the keys it has used in a cache (id, secret, role, and the signing
 * key of the last date/region/service scope signed with it), so that a
 * request signed with a known key reads no table and derives no key. The
 * trigger access_keys_changed on ddb.access_keys (any INSERT, UPDATE,
 * DELETE or TRUNCATE, e.g. ddb.revoke_access_key) sends a relcache
 * invalidation of the table when its transaction commits, before the
 * client is told of the commit; every worker drops its whole cache on it
 * at the start of its next request, so a revoked key is refused from the
 * first request that starts after the revoke returns. Unknown key ids are
 * not cached, and a key's role is checked to exist on every request.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "errors.h"
#include "guc.h"
#include "http/http_private.h"

/* how far a request's date may be from the server's clock */
#define DDB_SIGV4_SKEW_SECONDS (15 * 60)

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* the longest key id, and date/region/service scope, the key cache holds */
#define KEY_CACHE_MAX_ID 128
#define KEY_CACHE_MAX_SCOPE 128
/* keys cached per worker, at most (past that the cache starts over) */
#define KEY_CACHE_MAX_ENTRIES 10000

/* An access key a worker has used */
typedef struct KeyCacheEntry
{
	char		key_id[KEY_CACHE_MAX_ID + 1];	/* hash key */
	char	   *secret;			/* in KeyCacheContext */
	Oid			role;
	char		scope[KEY_CACHE_MAX_SCOPE + 1]; /* "date/region/service" of
												 * signing_key; "": none */
	unsigned char signing_key[SHA256_DIGEST_LENGTH];
} KeyCacheEntry;

static SPIPlanPtr KeyLookupPlan = NULL;

static HTAB *KeyCache = NULL;
static MemoryContext KeyCacheContext = NULL;
/* ddb.access_keys, whose invalidations empty the cache; InvalidOid: unknown */
static Oid	AccessKeysRelid = InvalidOid;
/* counts the times the cache was emptied */
static uint64 KeyCacheGeneration = 0;

/*
 * Append data percent-encoded as SigV4 encodes it: unreserved characters
 * as themselves, '/' too when keep_slash, everything else %XX.
 */
static void
AppendUriEncoded(StringInfo buf, const char *data, size_t len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) data[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/'))
			appendStringInfoChar(buf, c);
		else
		{
			appendStringInfoChar(buf, '%');
			appendStringInfoChar(buf, hex[c >> 4]);
			appendStringInfoChar(buf, hex[c & 15]);
		}
	}
}

static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode len bytes of data.
 */
static char *
UriDecode(const char *data, size_t len)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (size_t i = 0; i < len; i++)
	{
		if (data[i] == '%' && i + 2 < len &&
			HexValue(data[i + 1]) >= 0 && HexValue(data[i + 2]) >= 0)
		{
			appendStringInfoChar(&buf, (char) (HexValue(data[i + 1]) * 16 + HexValue(data[i + 2])));
			i += 2;
		}
		else
			appendStringInfoChar(&buf, data[i]);
	}
	return buf.data;
}

/* One query parameter, encoded canonically */
typedef struct QueryParam
{
	char	   *name;
	char	   *value;
} QueryParam;

static int
CompareQueryParams(const void *a, const void *b)
{
	const QueryParam *pa = (const QueryParam *) a;
	const QueryParam *pb = (const QueryParam *) b;
	int			cmp = strcmp(pa->name, pb->name);

	return cmp != 0 ? cmp : strcmp(pa->value, pb->value);
}

/*
 * Append the canonical query string of a request target's query (the part
 * after '?', or NULL): parameters decoded, encoded again, sorted.
 */
static void
AppendCanonicalQuery(StringInfo buf, const char *query)
{
	QueryParam *params;
	int			nparams = 0;
	int			maxparams = 1;
	const char *p;

	if (query == NULL || *query == '\0')
		return;
	for (p = query; *p; p++)
		if (*p == '&')
			maxparams++;
	params = palloc(sizeof(QueryParam) * maxparams);
	p = query;
	while (*p)
	{
		const char *end = strchr(p, '&');
		const char *eq;
		size_t		len = end ? (size_t) (end - p) : strlen(p);
		StringInfoData name;
		StringInfoData value;
		char	   *decoded;

		if (len > 0)
		{
			eq = memchr(p, '=', len);
			initStringInfo(&name);
			initStringInfo(&value);
			decoded = UriDecode(p, eq ? (size_t) (eq - p) : len);
			AppendUriEncoded(&name, decoded, strlen(decoded), false);
			if (eq)
			{
				decoded = UriDecode(eq + 1, len - (eq + 1 - p));
				AppendUriEncoded(&value, decoded, strlen(decoded), false);
			}
			params[nparams].name = name.data;
			params[nparams].value = value.data;
			nparams++;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	qsort(params, nparams, sizeof(QueryParam), CompareQueryParams);
	for (int i = 0; i < nparams; i++)
		appendStringInfo(buf, "%s%s=%s", i > 0 ? "&" : "", params[i].name, params[i].value);
}

/*
 * Append a header's canonical value: every field of that name, in order,
 * each trimmed and with runs of spaces made one, joined by ','.
 */
static void
AppendCanonicalHeaderValue(StringInfo buf, HttpRequest *request, const char *name)
{
	bool		first = true;

	for (int i = 0; i < request->nheaders; i++)
	{
		const char *v = request->headers[i].value;
		bool		space = false;
		bool		started = false;

		if (strcmp(request->headers[i].name, name) != 0)
			continue;
		if (!first)
			appendStringInfoChar(buf, ',');
		first = false;
		for (; *v; v++)
		{
			if (*v == ' ' || *v == '\t')
			{
				space = started;
				continue;
			}
			if (space)
				appendStringInfoChar(buf, ' ');
			space = false;
			started = true;
			appendStringInfoChar(buf, *v);
		}
	}
}

static void
Hex(const unsigned char *bytes, int len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < len; i++)
	{
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}

/*
 * SHA-256 through one digest implementation fetched once and one context
 * used again: OpenSSL 3's one-shot SHA256() and HMAC() look the
 * implementation up (and HMAC() sets up a MAC object) on every call,
 * which cost more than the hashing of a small request.
 */
static EVP_MD_CTX *DigestContext = NULL;
static EVP_MD *Sha256Digest = NULL;

/* the two parts of one SHA-256 digest (the second may be empty) */
static void
Sha256Parts(const void *part1, size_t len1, const void *part2, size_t len2,
			unsigned char *out)
{
	unsigned int out_len = SHA256_DIGEST_LENGTH;

	if (DigestContext == NULL)
	{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
		Sha256Digest = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
		Sha256Digest = (EVP_MD *) EVP_sha256();
#endif
		DigestContext = EVP_MD_CTX_new();
		if (Sha256Digest == NULL || DigestContext == NULL)
		{
			EVP_MD_CTX_free(DigestContext);
			DigestContext = NULL;
			elog(ERROR, "could not set up SHA-256");
		}
	}
	if (EVP_DigestInit_ex(DigestContext, Sha256Digest, NULL) != 1 ||
		EVP_DigestUpdate(DigestContext, part1, len1) != 1 ||
		(len2 > 0 && EVP_DigestUpdate(DigestContext, part2, len2) != 1) ||
		EVP_DigestFinal_ex(DigestContext, out, &out_len) != 1)
		elog(ERROR, "SHA-256 failed");
}

static void
Sha256Hex(const char *data, size_t len, char *out)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];

	Sha256Parts(data, len, NULL, 0, digest);
	Hex(digest, SHA256_DIGEST_LENGTH, out);
}

/*
 * HMAC-SHA256 of a string (RFC 2104); out may be key.
 */
static void
HmacSha256(const unsigned char *key, int key_len, const char *data, unsigned char *out)
{
	unsigned char block[SHA256_CBLOCK];
	unsigned char short_key[SHA256_DIGEST_LENGTH];
	unsigned char inner[SHA256_DIGEST_LENGTH];

	if (key_len > SHA256_CBLOCK)
	{
		Sha256Parts(key, key_len, NULL, 0, short_key);
		key = short_key;
		key_len = SHA256_DIGEST_LENGTH;
	}
	memset(block, 0x36, sizeof(block));
	for (int i = 0; i < key_len; i++)
		block[i] ^= key[i];
	Sha256Parts(block, sizeof(block), data, strlen(data), inner);
	for (int i = 0; i < SHA256_CBLOCK; i++)
		block[i] ^= 0x36 ^ 0x5c;
	Sha256Parts(block, sizeof(block), inner, sizeof(inner), out);
	explicit_bzero(block, sizeof(block));
	explicit_bzero(short_key, sizeof(short_key));
	explicit_bzero(inner, sizeof(inner));
}

/*
 * Parse an ISO 8601 basic date-time (20240115T093000Z) to epoch seconds.
 */
static bool
ParseAmzDate(const char *text, time_t *result)
{
	struct tm	tm;

	if (strlen(text) != 16 || text[8] != 'T' || text[15] != 'Z')
		return false;
	for (int i = 0; i < 15; i++)
	{
		if (i != 8 && (text[i] < '0' || text[i] > '9'))
			return false;
	}
	/* the digits are checked: read them directly (sscanf costs more) */
#define DIGITS2(p) (((p)[0] - '0') * 10 + ((p)[1] - '0'))
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = DIGITS2(text) * 100 + DIGITS2(text + 2);
	tm.tm_mon = DIGITS2(text + 4);
	tm.tm_mday = DIGITS2(text + 6);
	tm.tm_hour = DIGITS2(text + 9);
	tm.tm_min = DIGITS2(text + 11);
	tm.tm_sec = DIGITS2(text + 13);
#undef DIGITS2
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*result = timegm(&tm);
	return true;
}

static char *
FormatAmzDate(time_t t)
{
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
	return pstrdup(buf);
}

/*
 * Forget every cached key (their secrets wiped).
 */
static void
ForgetKeys(void)
{
	HASH_SEQ_STATUS status;
	KeyCacheEntry *entry;

	KeyCacheGeneration++;
	if (KeyCache == NULL)
		return;
	hash_seq_init(&status, KeyCache);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		explicit_bzero(entry->secret, strlen(entry->secret));
		explicit_bzero(entry->signing_key, sizeof(entry->signing_key));
	}
	hash_destroy(KeyCache);
	KeyCache = NULL;
	MemoryContextReset(KeyCacheContext);
}

/*
 * Relcache invalidation callback: a change of ddb.access_keys (or of every
 * relation) empties the key cache. ddb.access_keys itself may have been
 * dropped (DROP EXTENSION): look it up again next time.
 */
static void
KeysChanged(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == AccessKeysRelid)
	{
		ForgetKeys();
		AccessKeysRelid = InvalidOid;
	}
}

/*
 * The cache entry of a key id, or NULL. Callers copy what they need out of
 * it before anything that may process invalidations.
 */
static KeyCacheEntry *
CachedKey(const char *key_id)
{
	if (KeyCache == NULL || strlen(key_id) > KEY_CACHE_MAX_ID)
		return NULL;
	return (KeyCacheEntry *) hash_search(KeyCache, key_id, HASH_FIND, NULL);
}

/*
 * Cache a key found in ddb.access_keys.
 */
static KeyCacheEntry *
CacheKey(const char *key_id, const char *secret, Oid role)
{
	KeyCacheEntry *entry;
	bool		found;

	if (strlen(key_id) > KEY_CACHE_MAX_ID)
		return NULL;
	Assert(KeyCacheContext != NULL);
	if (KeyCache != NULL && hash_get_num_entries(KeyCache) >= KEY_CACHE_MAX_ENTRIES)
		ForgetKeys();
	if (KeyCache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = KEY_CACHE_MAX_ID + 1;
		ctl.entrysize = sizeof(KeyCacheEntry);
		ctl.hcxt = KeyCacheContext;
		KeyCache = hash_create("ddb http access keys", 64, &ctl,
							   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	entry = (KeyCacheEntry *) hash_search(KeyCache, key_id, HASH_ENTER, &found);
	if (found)
		explicit_bzero(entry->secret, strlen(entry->secret));
	entry->secret = MemoryContextStrdup(KeyCacheContext, secret);
	entry->role = role;
	entry->scope[0] = '\0';
	return entry;
}

/*
 * The secret and role of an access key id; false when there is no such
 * key. Reads ddb.access_keys with a snapshot taken now, and caches what it
 * finds unless the cache was emptied meanwhile (a change of the table that
 * committed after the snapshot was taken may have been seen).
 */
static bool
LookUpKey(const char *key_id, char **secret, Oid *role)
{
	Datum		args[1];
	Oid			argtypes[1] = {TEXTOID};
	bool		found = false;
	MemoryContext caller = CurrentMemoryContext;
	uint64		generation;

	/* from the first lookup on, the worker hears of changes of the keys */
	if (KeyCacheContext == NULL)
	{
		KeyCacheContext = AllocSetContextCreate(TopMemoryContext, "ddb http access keys",
												ALLOCSET_SMALL_SIZES);
		CacheRegisterRelcacheCallback(KeysChanged, (Datum) 0);
	}
	generation = KeyCacheGeneration;
	if (!OidIsValid(AccessKeysRelid))
	{
		Oid			namespace = get_namespace_oid("ddb", true);

		if (OidIsValid(namespace))
			AccessKeysRelid = get_relname_relid("access_keys", namespace);
	}
	PushActiveSnapshot(GetLatestSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (KeyLookupPlan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare("SELECT secret_access_key, role::pg_catalog.oid "
									   "FROM ddb.access_keys WHERE access_key_id OPERATOR(pg_catalog.=) $1",
									   1, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		KeyLookupPlan = plan;
	}
	args[0] = CStringGetTextDatum(key_id);
	if (SPI_execute_plan(KeyLookupPlan, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ddb.access_keys");
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(caller);

			*secret = TextDatumGetCString(value);
			MemoryContextSwitchTo(old);
			*role = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 2, &isnull));
			found = !isnull;
		}
	}
	SPI_finish();
	PopActiveSnapshot();
	if (found && generation == KeyCacheGeneration && OidIsValid(AccessKeysRelid))
		CacheKey(key_id, *secret, *role);
	return found;
}

/*
 * The parts of a credential scope joined by '/'. (The canonical request and
 * the string to sign are built without printf-style formatting, which
 * costs more than the rest of building them.)
 */
static char *
JoinScope(char **parts, int nparts)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < nparts; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, '/');
		appendStringInfoString(&buf, parts[i]);
	}
	return buf.data;
}

/*
 * The value of one "Name=value" parameter of the Authorization header, or
 * NULL.
 */
static char *
AuthParam(List *params, const char *name)
{
	ListCell   *lc;
	size_t		len = strlen(name);

	foreach(lc, params)
	{
		char	   *param = (char *) lfirst(lc);

		if (strncmp(param, name, len) == 0 && param[len] == '=')
			return param + len + 1;
	}
	return NULL;
}

/*
 * The role of ddb.http_role, for ddb.http_auth = 'none'.
 */
static Oid
ConfiguredRole(void)
{
	Oid			role = InvalidOid;

	if (DdbHttpRole != NULL && DdbHttpRole[0] != '\0')
		role = get_role_oid(DdbHttpRole, true);
	if (!OidIsValid(role))
		DdbRaise(DDB_ACCESS_DENIED,
				 "ddb.http_auth is none, but ddb.http_role (\"%s\") names no role",
				 DdbHttpRole ? DdbHttpRole : "");
	return role;
}

/*
 * HttpAuthenticate returns the role a request runs as, or raises
 * DynamoDB's error for its signature.
 */
Oid
HttpAuthenticate(HttpRequest *request)
{
	const char *authorization;
	const char *date;
	const char *algorithm_end;
	char	   *algorithm;
	List	   *params = NIL;
	char	   *credential;
	char	   *signed_headers;
	char	   *signature;
	StringInfoData missing;
	time_t		request_time;
	time_t		now;
	char	  **scope;
	int			nscope = 0;
	StringInfoData scope_errors;
	char	   *secret;
	Oid			role;
	StringInfoData canonical;
	StringInfoData to_sign;
	char	   *path;
	char	   *query;
	char		hash[2 * SHA256_DIGEST_LENGTH + 1];
	char		expected[2 * SHA256_DIGEST_LENGTH + 1];
	unsigned char key[SHA256_DIGEST_LENGTH];
	unsigned char mac[SHA256_DIGEST_LENGTH];
	char	   *scope_text;
	char	   *scope_key;
	KeyCacheEntry *entry;

	if (DdbHttpAuth == DDB_HTTP_AUTH_NONE)
		return ConfiguredRole();

	authorization = HttpHeaderValue(request, "authorization");
	while (authorization != NULL && *authorization == ' ')
		authorization++;
	if (authorization == NULL || strncmp(authorization, "AWS4-", 5) != 0)
		DdbRaise(DDB_MISSING_AUTHENTICATION_TOKEN, "Request is missing Authentication Token");

	/* "<algorithm> Name=value, Name=value, ..." */
	algorithm_end = strchr(authorization, ' ');
	algorithm = algorithm_end ? pnstrdup(authorization, algorithm_end - authorization)
		: pstrdup(authorization);
	if (algorithm_end != NULL)
	{
		char	   *rest = pstrdup(algorithm_end + 1);
		char	   *save = NULL;

		for (char *token = strtok_r(rest, ",", &save); token; token = strtok_r(NULL, ",", &save))
		{
			char	   *end;

			while (*token == ' ')
				token++;
			end = token + strlen(token);
			while (end > token && end[-1] == ' ')
				*--end = '\0';
			params = lappend(params, token);
		}
	}
	credential = AuthParam(params, "Credential");
	signed_headers = AuthParam(params, "SignedHeaders");
	signature = AuthParam(params, "Signature");
	date = HttpHeaderValue(request, "x-amz-date");
	if (date == NULL)
		date = HttpHeaderValue(request, "date");
	initStringInfo(&missing);
	if (credential == NULL || *credential == '\0')
		appendStringInfoString(&missing, "Authorization header requires 'Credential' parameter. ");
	if (signature == NULL || *signature == '\0')
		appendStringInfoString(&missing, "Authorization header requires 'Signature' parameter. ");
	if (signed_headers == NULL)
		appendStringInfoString(&missing, "Authorization header requires 'SignedHeaders' parameter. ");
	if (date == NULL)
		appendStringInfoString(&missing,
							   "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
	if (missing.len > 0)
		DdbRaise(DDB_INCOMPLETE_SIGNATURE, "%sAuthorization=%s", missing.data,
				 DdbEchoText(authorization, strlen(authorization)));

	if (!ParseAmzDate(date, &request_time))
		DdbRaise(DDB_INCOMPLETE_SIGNATURE,
				 "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601",
				 DdbEchoText(date, strlen(date)));
	now = time(NULL);
	if (request_time < now - DDB_SIGV4_SKEW_SECONDS)
		DdbRaise(DDB_INVALID_SIGNATURE,
				 "Signature expired: %s is now earlier than %s (%s - 15 min.)",
				 date, FormatAmzDate(now - DDB_SIGV4_SKEW_SECONDS), FormatAmzDate(now));
	if (request_time > now + DDB_SIGV4_SKEW_SECONDS)
		DdbRaise(DDB_INVALID_SIGNATURE,
				 "Signature not yet current: %s is still later than %s (%s + 15 min.)",
				 date, FormatAmzDate(now + DDB_SIGV4_SKEW_SECONDS), FormatAmzDate(now));

	/* host must be signed */
	{
		char	   *list = pstrdup(signed_headers);
		char	   *save = NULL;
		bool		host = false;

		for (char *h = strtok_r(list, ";", &save); h; h = strtok_r(NULL, ";", &save))
		{
			if (pg_strcasecmp(h, "host") == 0)
				host = true;
		}
		if (!host)
			DdbRaise(DDB_INVALID_SIGNATURE,
					 "'Host' must be a 'SignedHeader' in the AWS Authorization.");
	}
	if (strcmp(algorithm, SIGV4_ALGORITHM) != 0)
		DdbRaise(DDB_INCOMPLETE_SIGNATURE,
				 "Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for now). ",
				 DdbEchoText(algorithm, strlen(algorithm)));

	/* Credential: keyid/date/region/service/aws4_request */
	{
		char	   *copy = pstrdup(credential);
		size_t		len = strlen(copy);
		char	   *p;

		/* trailing slashes are ignored */
		while (len > 0 && copy[len - 1] == '/')
			copy[--len] = '\0';
		scope = palloc(sizeof(char *) * (len + 1));
		p = copy;
		for (;;)
		{
			char	   *slash = strchr(p, '/');

			scope[nscope++] = p;
			if (slash == NULL)
				break;
			*slash = '\0';
			p = slash + 1;
		}
	}
	if (nscope != 5)
		DdbRaise(DDB_INCOMPLETE_SIGNATURE,
				 "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'",
				 DdbEchoText(credential, strlen(credential)));
	initStringInfo(&scope_errors);
	if (scope[2][0] == '\0')
		appendStringInfo(&scope_errors, "Credential should be scoped to a valid region, not '%s'. ",
						 scope[2]);
	if (strcmp(scope[3], "dynamodb") != 0)
		appendStringInfoString(&scope_errors,
							   "Credential should be scoped to correct service: 'dynamodb'. ");
	if (strcmp(scope[4], "aws4_request") != 0)
		appendStringInfo(&scope_errors,
						 "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ",
						 DdbEchoText(scope[4], strlen(scope[4])));
	if (strncmp(scope[1], date, 8) != 0 || strlen(scope[1]) != 8)
		appendStringInfo(&scope_errors,
						 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%.8s', from '%s'.",
						 DdbEchoText(scope[1], strlen(scope[1])), date, date);
	if (scope_errors.len > 0)
	{
		/* no trailing space */
		if (scope_errors.data[scope_errors.len - 1] == ' ')
			scope_errors.data[--scope_errors.len] = '\0';
		DdbRaise(DDB_INVALID_SIGNATURE, "%s", scope_errors.data);
	}

	/* the key: cached, else read (and cached) */
	entry = CachedKey(scope[0]);
	if (entry == NULL)
	{
		if (!LookUpKey(scope[0], &secret, &role))
			DdbRaise(DDB_UNRECOGNIZED_CLIENT, "The security token included in the request is invalid.");
		entry = CachedKey(scope[0]);
	}
	else
	{
		secret = NULL;
		role = entry->role;
	}

	/* the signing key of date/region/service: cached, else derived */
	scope_key = JoinScope(scope + 1, 3);
	if (entry != NULL && strcmp(entry->scope, scope_key) == 0)
		memcpy(key, entry->signing_key, sizeof(key));
	else
	{
		const char *key_secret = entry != NULL ? entry->secret : secret;
		char	   *secret_key = psprintf("AWS4%s", key_secret);

		HmacSha256((unsigned char *) secret_key, strlen(secret_key), scope[1], key);
		HmacSha256(key, SHA256_DIGEST_LENGTH, scope[2], key);
		HmacSha256(key, SHA256_DIGEST_LENGTH, scope[3], key);
		HmacSha256(key, SHA256_DIGEST_LENGTH, scope[4], key);
		explicit_bzero(secret_key, strlen(secret_key));
		if (entry != NULL && strlen(scope_key) <= KEY_CACHE_MAX_SCOPE)
		{
			strcpy(entry->scope, scope_key);
			memcpy(entry->signing_key, key, sizeof(key));
		}
	}
	if (secret != NULL)
		explicit_bzero(secret, strlen(secret));
	/* entry is not used past here: a catalog lookup may empty the cache */
	entry = NULL;

	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role)))
		DdbRaise(DDB_UNRECOGNIZED_CLIENT, "The security token included in the request is invalid.");

	/* the canonical request */
	path = pstrdup(request->url.data);
	query = strchr(path, '?');
	if (query != NULL)
		*query++ = '\0';
	if (*path == '\0')
		path = "/";
	initStringInfo(&canonical);
	appendStringInfoString(&canonical, http_method_str(request->method));
	appendStringInfoChar(&canonical, '\n');
	AppendUriEncoded(&canonical, path, strlen(path), true);
	appendStringInfoChar(&canonical, '\n');
	AppendCanonicalQuery(&canonical, query);
	appendStringInfoChar(&canonical, '\n');
	{
		char	   *list = pstrdup(signed_headers);
		char	   *save = NULL;

		for (char *h = strtok_r(list, ";", &save); h; h = strtok_r(NULL, ";", &save))
		{
			appendStringInfoString(&canonical, h);
			appendStringInfoChar(&canonical, ':');
			AppendCanonicalHeaderValue(&canonical, request, h);
			appendStringInfoChar(&canonical, '\n');
		}
	}
	Sha256Hex(request->body.data, request->body.len, hash);
	appendStringInfoChar(&canonical, '\n');
	appendStringInfoString(&canonical, signed_headers);
	appendStringInfoChar(&canonical, '\n');
	appendStringInfoString(&canonical, hash);

	/* the string to sign, the signing key, the signature */
	scope_text = JoinScope(scope + 1, 4);
	Sha256Hex(canonical.data, canonical.len, hash);
	initStringInfo(&to_sign);
	appendStringInfoString(&to_sign, SIGV4_ALGORITHM "\n");
	appendStringInfoString(&to_sign, date);
	appendStringInfoChar(&to_sign, '\n');
	appendStringInfoString(&to_sign, scope_text);
	appendStringInfoChar(&to_sign, '\n');
	appendStringInfoString(&to_sign, hash);

	HmacSha256(key, SHA256_DIGEST_LENGTH, to_sign.data, mac);
	Hex(mac, SHA256_DIGEST_LENGTH, expected);
	explicit_bzero(key, sizeof(key));

	if (strlen(signature) != strlen(expected) ||
		CRYPTO_memcmp(signature, expected, strlen(expected)) != 0)
		DdbRaise(DDB_INVALID_SIGNATURE,
				 "The request signature we calculated does not match the signature you provided. "
				 "Check your AWS Secret Access Key and signing method. "
				 "Consult the service documentation for details.");
	return role;
}

PG_FUNCTION_INFO_V1(ddb_access_keys_changed);

/*
 * ddb.access_keys_changed() RETURNS trigger, the statement trigger of
 * ddb.access_keys: queue a relcache invalidation of the table, which
 * every backend receives once the change commits, so that the HTTP
 * workers empty their key caches.
 */
Datum
ddb_access_keys_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ddb.access_keys_changed() must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
