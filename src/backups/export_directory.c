/*-------------------------------------------------------------------------
 *
 * export_directory.c
 *	  The server directory that stands for S3 in exports and imports: the
 *	  superuser setting ddb.export_directory (the root), and the checks of
 *	  S3Bucket and S3Prefix / S3KeyPrefix that keep their paths under it.
 *	  ExportTableToPointInTime (export.c) writes under the root, ImportTable
 *	  (import.c, import_read.c) reads from it; both use these functions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "backups/backups.h"
#include "errors.h"
#include "guc.h"
#include "string_escape.h"

/*
 * DdbExportDirectoryRoot returns the real path of the directory
 * ddb.export_directory names; a ValidationException (its text led by
 * refusal, such as "Exports are not enabled on this server") when it is
 * unset, relative, or not an existing directory. The path itself is not
 * shown: only superusers may see the setting.
 */
char *
DdbExportDirectoryRoot(const char *refusal)
{
	char		resolved[PATH_MAX];
	struct stat st;

	if (DdbExportDirectory == NULL || DdbExportDirectory[0] == '\0')
		DdbValidationError("%s: the setting ddb.export_directory names no directory", refusal);
	if (!is_absolute_path(DdbExportDirectory))
		DdbValidationError("%s: the setting ddb.export_directory must be an absolute path", refusal);
	if (realpath(DdbExportDirectory, resolved) == NULL || stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode))
		DdbValidationError("%s: the directory the setting ddb.export_directory names does not exist", refusal);
	return pstrdup(resolved);
}

/*
 * DdbS3BucketNameValid tells whether an S3Bucket matches DynamoDB's
 * pattern ^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$ (so at least two characters,
 * and no '/'): a single name of a directory under the root.
 */
bool
DdbS3BucketNameValid(const char *bucket)
{
	size_t		len = strlen(bucket);

	if (len < 2 || !isalnum((unsigned char) bucket[0]) || !isalnum((unsigned char) bucket[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) bucket[i];

		if (!(isalnum(c) || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/*
 * DdbS3PrefixProblem returns what keeps a prefix (stored form) from
 * staying under its bucket's directory, as the end of a sentence naming it
 * ("cannot start with '/'"), or NULL when nothing does. Always refused: a
 * leading '/', a ".." name and U+0000 (DDB_ESCAPE_CHAR in the stored form).
 * An export's S3Prefix is a directory path (whole_names): then an empty
 * ("//") or "." name and any control character are refused too. An
 * import's S3KeyPrefix is a prefix of file keys, whose last name may be
 * cut short or empty.
 */
const char *
DdbS3PrefixProblem(const char *prefix, bool whole_names)
{
	const char *name = prefix;

	if (prefix[0] == '/')
		return "must be a relative path: it cannot start with '/'";
	for (const char *p = prefix; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c == DDB_ESCAPE_CHAR || (whole_names && (c < 0x20 || c == 0x7f)))
			return whole_names ? "cannot hold control characters" : "cannot hold U+0000";
	}
	for (;;)
	{
		const char *slash = strchr(name, '/');
		size_t		len = slash != NULL ? (size_t) (slash - name) : strlen(name);

		if (len == 2 && name[0] == '.' && name[1] == '.')
			return "cannot hold the names '.' and '..'";
		if (whole_names && len == 0)
			return "cannot hold an empty name ('//')";
		if (whole_names && len == 1 && name[0] == '.')
			return "cannot hold the names '.' and '..'";
		if (slash == NULL)
			break;
		name = slash + 1;
	}
	return NULL;
}

/*
 * DdbPathWithin tells whether a real path is root (a real path) or below
 * it.
 */
bool
DdbPathWithin(const char *path, const char *root)
{
	size_t		len = strlen(root);

	if (strcmp(root, "/") == 0)
		return path[0] == '/';
	return strncmp(path, root, len) == 0 && (path[len] == '\0' || path[len] == '/');
}
