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
 * UnrecognizedClientException (an unknown key id). SHA-256 and HMAC are
 * OpenSSL's libcrypto.
 *
 * Key lookups read ddb.access_keys as the worker's user (the bootstrap
 * superuser), before the request switches to the key's role.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "errors.h"
#include "guc.h"
#include "http/http_private.h"

/* how far a request's date may be from the server's clock */
#define DDB_SIGV4_SKEW_SECONDS (15 * 60)

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

static SPIPlanPtr KeyLookupPlan = NULL;

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

static void
Sha256Hex(const char *data, size_t len, char *out)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *) data, len, digest);
	Hex(digest, SHA256_DIGEST_LENGTH, out);
}

static void
HmacSha256(const unsigned char *key, int key_len, const char *data, unsigned char *out)
{
	unsigned char result[EVP_MAX_MD_SIZE];
	unsigned int out_len = sizeof(result);

	if (HMAC(EVP_sha256(), key, key_len, (const unsigned char *) data, strlen(data),
			 result, &out_len) == NULL)
		elog(ERROR, "HMAC-SHA256 failed");
	memcpy(out, result, SHA256_DIGEST_LENGTH);
	explicit_bzero(result, sizeof(result));
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
	memset(&tm, 0, sizeof(tm));
	if (sscanf(text, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return false;
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
 * The secret and role of an access key id; false when there is no such
 * key.
 */
static bool
LookUpKey(const char *key_id, char **secret, Oid *role)
{
	Datum		args[1];
	Oid			argtypes[1] = {TEXTOID};
	bool		found = false;
	MemoryContext caller = CurrentMemoryContext;

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
	return found;
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
	char	   *secret_key;
	char	   *scope_text;

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

	if (!LookUpKey(scope[0], &secret, &role) ||
		!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role)))
		DdbRaise(DDB_UNRECOGNIZED_CLIENT, "The security token included in the request is invalid.");

	/* the canonical request */
	path = pstrdup(request->url.data);
	query = strchr(path, '?');
	if (query != NULL)
		*query++ = '\0';
	if (*path == '\0')
		path = "/";
	initStringInfo(&canonical);
	appendStringInfo(&canonical, "%s\n", http_method_str(request->method));
	AppendUriEncoded(&canonical, path, strlen(path), true);
	appendStringInfoChar(&canonical, '\n');
	AppendCanonicalQuery(&canonical, query);
	appendStringInfoChar(&canonical, '\n');
	{
		char	   *list = pstrdup(signed_headers);
		char	   *save = NULL;

		for (char *h = strtok_r(list, ";", &save); h; h = strtok_r(NULL, ";", &save))
		{
			appendStringInfo(&canonical, "%s:", h);
			AppendCanonicalHeaderValue(&canonical, request, h);
			appendStringInfoChar(&canonical, '\n');
		}
	}
	Sha256Hex(request->body.data, request->body.len, hash);
	appendStringInfo(&canonical, "\n%s\n%s", signed_headers, hash);

	/* the string to sign, the signing key, the signature */
	scope_text = psprintf("%s/%s/%s/%s", scope[1], scope[2], scope[3], scope[4]);
	Sha256Hex(canonical.data, canonical.len, hash);
	initStringInfo(&to_sign);
	appendStringInfo(&to_sign, "%s\n%s\n%s\n%s", SIGV4_ALGORITHM, date, scope_text, hash);

	secret_key = psprintf("AWS4%s", secret);
	HmacSha256((unsigned char *) secret_key, strlen(secret_key), scope[1], key);
	HmacSha256(key, SHA256_DIGEST_LENGTH, scope[2], key);
	HmacSha256(key, SHA256_DIGEST_LENGTH, scope[3], key);
	HmacSha256(key, SHA256_DIGEST_LENGTH, scope[4], key);
	HmacSha256(key, SHA256_DIGEST_LENGTH, to_sign.data, mac);
	Hex(mac, SHA256_DIGEST_LENGTH, expected);
	explicit_bzero(secret_key, strlen(secret_key));
	explicit_bzero(secret, strlen(secret));
	explicit_bzero(key, sizeof(key));

	if (strlen(signature) != strlen(expected) ||
		CRYPTO_memcmp(signature, expected, strlen(expected)) != 0)
		DdbRaise(DDB_INVALID_SIGNATURE,
				 "The request signature we calculated does not match the signature you provided. "
				 "Check your AWS Secret Access Key and signing method. "
				 "Consult the service documentation for details.");
	return role;
}
