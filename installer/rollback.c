/*
 * rollback.c - refusing to install a bundle older than the one installed.
 *
 * An old bundle stays validly signed forever: without this check, whoever
 * holds one could bring a host back to the packages (and bugs) it had.  Each
 * install records the bundle's version and build date (from its signed
 * bundle.json) in INST_INSTALLED/NAME.json (under --root's DIR with it); a later install of a bundle of
 * that name with an older build date or a lower version (dpkg's ordering)
 * is refused unless --allow-downgrade.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inst.h"

#define INST_INSTALLED INST_STATE_DIR "/installed"
#define DAY "%Y-%m-%d %H:%M UTC"

/* dpkg's verrevcmp: '~' sorts before everything, letters before other characters. */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	return c ? c + 256 : 0;
}

int inst_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;

		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int ac = order((unsigned char)*a), bc = order((unsigned char)*b);

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

/* ROOT/INST_INSTALLED/NAME.json (--root: the image's record). */
static char *record_path(const struct inst_ctx *ctx, const char *name)
{
	char *dir = inst_root_path(ctx, INST_INSTALLED), *path = xasprintf("%s/%s.json", dir, name);

	free(dir);
	return path;
}

int inst_rollback_check(const struct inst_ctx *ctx, int allow, struct pgb_err *err)
{
	const struct inst_bundle *b = ctx->bundle;
	struct inst_log *log = ctx->log;
	char *path = record_path(ctx, b->name), d1[64], d2[64];
	json_error_t jerr;
	json_t *rec;
	const char *ver;
	int64_t date;
	int older, rc = 0;

	rec = util_exists(path) ? json_load_file(path, 0, &jerr) : NULL;
	ver = json_string_value(json_object_get(rec, "version"));
	date = (int64_t)json_integer_value(json_object_get(rec, "date"));
	if (util_exists(path) && (!ver || !json_is_integer(json_object_get(rec, "date"))))
		rc = pgb_fail(err, "%s: unreadable record of the installed bundle (fix or remove "
			      "it)", path);
	older = rc == 0 && ver && (b->date < date || inst_version_cmp(b->version, ver) < 0);
	if (older && !allow)
		rc = pgb_fail(err, "refusing to install %s %s built %s over %s %s built %s, a newer "
			      "one (%s): an old bundle may bring back old packages and their "
			      "bugs; pass --allow-downgrade if that is what you want", b->name,
			      b->version, util_utc(b->date, DAY, d1), b->name, ver, util_utc(date, DAY, d2), path);
	else if (older)
		inst_log_warn(log, "installing %s %s built %s over the newer %s built %s, because "
			      "--allow-downgrade was given", b->name, b->version, util_utc(b->date, DAY, d1),
			      ver, util_utc(date, DAY, d2));
	json_decref(rec);
	free(path);
	return rc;
}

int inst_rollback_record(const struct inst_ctx *ctx, const char *signer, struct pgb_err *err)
{
	const struct inst_bundle *b = ctx->bundle;
	json_t *rec = json_pack("{s:s, s:s, s:s, s:I, s:s}", "name", b->name, "version",
				b->version, "target", b->target, "date", (json_int_t)b->date, "key",
				signer);
	char *text = rec ? json_dumps(rec, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
	char *path = record_path(ctx, b->name), *dir = inst_root_path(ctx, INST_INSTALLED);
	int rc = text ? util_mkdir_p(dir, 0755, err) : pgb_fail(err, "out of memory");

	if (rc == 0)
		rc = util_write_atomic(path, text, strlen(text), 0644, err);
	json_decref(rec);
	free(text);
	free(path);
	free(dir);
	return rc;
}
