/*
 * aptconf.c - point apt at the bundle, and only at the bundle.
 *
 * What it writes under ETC (normally /etc/apt):
 *   keyrings/pgbundle-NAME.gpg          the bundle's public key (binary OpenPGP)
 *   sources.list.d/pgbundle.sources     one deb822 entry with Signed-By: that key
 *   pgbundle-disabled/                  the host's other sources, moved here
 *                                       (aside.c: moved.list records them)
 * restore puts every moved file back and removes what pgbundle added.
 *
 * apt runs are of two kinds.  The host's own apt after aptconf_configure()
 * (apt-get update limited to the bundle's source list, no translations, and
 * no clean-up of the lists of the moved sources, so they work again at once
 * after uninstall).  And a private apt (struct apt_private) whose sources,
 * lists and caches live in a temporary directory, while it reads the host's
 * real dpkg status: it simulates the transaction before the host's apt
 * configuration is touched at all.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inst.h"

#define SOURCE_REL "sources.list.d/pgbundle.sources"
#define DISABLED_REL "pgbundle-disabled"
#define RECORD_REL DISABLED_REL "/moved.list"

/* file: URIs with a space must be escaped; other bytes are refused earlier. */
static void add_uri_path(struct sbuf *b, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*p == ' ' || *p == '%' || *p == '#')
			sbuf_addf(b, "%%%02X", (unsigned char)*p);
		else
			sbuf_addc(b, *p);
	}
}

char *aptconf_source_text(const struct inst_bundle *b, const char *repo_dir, const char *key_path)
{
	struct sbuf s = SBUF_INIT;

	sbuf_addf(&s, "# %s %s (target %s): written by pgbundle-installer.\n", b->name,
		  b->version, b->target);
	sbuf_adds(&s, "# `pgbundle-installer uninstall` removes it and restores the host's "
		  "sources from ../" DISABLED_REL "/.\n");
	sbuf_adds(&s, "Types: deb\nURIs: file:");
	add_uri_path(&s, repo_dir);
	sbuf_adds(&s, "\nSuites: pgbundle\nComponents: main\n");
	sbuf_addf(&s, "Signed-By: %s\n", key_path);
	return sbuf_detach(&s, NULL);
}

char *aptconf_key_path(const char *etc, const struct inst_bundle *b)
{
	return xasprintf("%s/keyrings/pgbundle-%s.gpg", etc, b->name);
}

/* Bundle names become file names: a name with '/' or a leading '.' is not
 * one the builder writes. */
static int check_name(const char *name, struct pgb_err *err)
{
	if (!*name || *name == '.' || strchr(name, '/') || strpbrk(name, " \t\n"))
		return pgb_fail(err, "bundle name \"%s\" cannot name a key file", name);
	return 0;
}

static int same_content(const char *path, const char *data, size_t len)
{
	struct pgb_err ignored;
	char *cur;
	size_t n;
	int same;

	if (util_read_file(path, &cur, &n, &ignored) < 0)
		return 0;
	same = n == len && memcmp(cur, data, len) == 0;
	free(cur);
	return same;
}

/* Write path when its content differs; counts and reports a change. */
static int put_file(struct inst_ctx *ctx, const char *path, const char *data, size_t len,
		    const char *what, struct pgb_err *err)
{
	if (same_content(path, data, len))
		return 0;
	ctx->changes++;
	inst_log_change(ctx->log, "%s %s", util_exists(path) ? "update" : "write", what);
	if (ctx->dry_run)
		return 0;
	return util_write_atomic(path, data, len, 0644, err);
}

/* The host's sources still in place: sources.list and every entry of
 * sources.list.d but ours, sorted so runs are reproducible. */
static int list_sources(const char *etc, struct strlist *out, struct pgb_err *err)
{
	char *dir = util_path_join(etc, "sources.list.d"), *main_list;
	struct dirent *de;
	DIR *d;

	main_list = util_path_join(etc, "sources.list");
	if (util_exists(main_list))
		strlist_add(out, "sources.list");
	free(main_list);
	d = opendir(dir);
	if (!d) {
		int e = errno;

		free(dir);
		errno = e;
		return e == ENOENT ? 0 : pgb_failsys(err, "cannot list %s/sources.list.d", etc);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "pgbundle.sources") == 0)
			continue;
		strlist_add_owned(out, xasprintf("sources.list.d/%s", de->d_name));
	}
	closedir(d);
	free(dir);
	strlist_sort(out);
	return 0;
}

static int disable_sources(struct inst_ctx *ctx, const char *etc, struct pgb_err *err)
{
	struct strlist now = STRLIST_INIT;
	int rc = list_sources(etc, &now, err);

	if (rc == 0)
		rc = inst_aside_move(ctx, etc, DISABLED_REL, &now, err);
	strlist_free(&now);
	return rc;
}

int aptconf_configure(struct inst_ctx *ctx, const char *etc, const char *src_key,
		      struct pgb_err *err)
{
	char *key = NULL, *text = NULL, *src = NULL, *key_data = NULL, *dir;
	size_t key_len;
	int rc = -1;

	if (check_name(ctx->bundle->name, err) < 0 ||
	    util_read_file(src_key, &key_data, &key_len, err) < 0)
		goto out;
	key = aptconf_key_path(etc, ctx->bundle);
	src = util_path_join(etc, SOURCE_REL);
	text = aptconf_source_text(ctx->bundle, ctx->repo_dir, key);
	if (!ctx->dry_run) {
		dir = util_path_join(etc, "keyrings");
		rc = util_mkdir_p(dir, 0755, err);
		free(dir);
		dir = util_path_join(etc, "sources.list.d");
		if (rc == 0)
			rc = util_mkdir_p(dir, 0755, err);
		free(dir);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (disable_sources(ctx, etc, err) < 0 ||
	    put_file(ctx, key, key_data, key_len, key, err) < 0 ||
	    put_file(ctx, src, text, strlen(text), src, err) < 0)
		goto out;
	rc = 0;
out:
	free(key_data);
	free(key);
	free(text);
	free(src);
	return rc;
}

/* --- restore --- */

static int remove_ours(struct inst_ctx *ctx, const char *etc, struct pgb_err *err)
{
	char *dir = util_path_join(etc, "keyrings");
	struct strlist gone = STRLIST_INIT;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	strlist_add_owned(&gone, util_path_join(etc, SOURCE_REL));
	/* Every bundle's key, also of bundles installed before this one. */
	if ((d = opendir(dir))) {
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);

			if (strncmp(de->d_name, "pgbundle-", 9) == 0 && n > 4 &&
			    strcmp(de->d_name + n - 4, ".gpg") == 0)
				strlist_add_owned(&gone, util_path_join(dir, de->d_name));
		}
		closedir(d);
	}
	strlist_sort(&gone);
	for (size_t i = 0; i < gone.n && rc == 0; i++) {
		if (!util_exists(gone.v[i]))
			continue;
		ctx->changes++;
		inst_log_change(ctx->log, "remove %s", gone.v[i]);
		if (!ctx->dry_run && unlink(gone.v[i]) < 0)
			rc = pgb_failsys(err, "cannot remove %s", gone.v[i]);
	}
	strlist_free(&gone);
	free(dir);
	return rc;
}

int aptconf_restore(struct inst_ctx *ctx, const char *etc, struct pgb_err *err)
{
	int kept = 0, rc = inst_aside_restore(ctx, etc, DISABLED_REL, &kept, err);

	if (rc == 0)
		rc = remove_ours(ctx, etc, err);
	if (rc == 0 && kept)
		rc = pgb_fail(err, "%d source file(s) could not be put back because a file of "
			      "the same name exists again; they stay in %s/%s (listed in %s/%s)",
			      kept, etc, DISABLED_REL, etc, RECORD_REL);
	return rc;
}

/* --- running apt --- */

/* apt prints problems as "E: ..." and "W: ..." lines even when it exits 0. */
static void apt_lines(struct inst_ctx *ctx, const char *text, struct sbuf *errors)
{
	const char *p = text;

	while (p && *p) {
		size_t n = strcspn(p, "\n");

		inst_log_detail(ctx->log, "apt: %.*s", (int)n, p);
		if (n > 3 && (strncmp(p, "E: ", 3) == 0 || strncmp(p, "W: ", 3) == 0)) {
			if (p[0] == 'E')
				sbuf_addf(errors, "%s%.*s", errors->len ? "; " : "", (int)n - 3,
					  p + 3);
			else
				inst_log_warn(ctx->log, "apt: %.*s", (int)n - 3, p + 3);
		}
		p += n + (p[n] == '\n');
	}
}

static int run_update(struct inst_ctx *ctx, const struct strlist *opts, const char *what,
		      struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT;
	struct sbuf out = SBUF_INIT, errors = SBUF_INIT;
	int rc;

	strlist_add(&argv, "apt-get");
	for (size_t i = 0; i < opts->n; i++)
		strlist_add(&argv, opts->v[i]);
	strlist_add(&argv, "update");
	strlist_add_owned(&argv, NULL);
	rc = inst_run((const char *const *)argv.v, &out, err);
	if (rc >= 0)
		apt_lines(ctx, out.buf, &errors);
	if (rc > 0 || (rc == 0 && errors.len))
		rc = pgb_fail(err, "apt-get update of %s failed (status %d): %s", what, rc,
			      errors.len ? errors.buf : (out.buf ? out.buf : "no output"));
	else if (rc < 0)
		pgb_err_prefix(err, "apt-get update");
	sbuf_free(&out);
	sbuf_free(&errors);
	strlist_free(&argv);
	return rc < 0 ? -1 : 0;
}

static void add_opt(struct strlist *l, const char *fmt, const char *val)
{
	strlist_add(l, "-o");
	strlist_add_owned(l, xasprintf(fmt, val));
}

int aptconf_update(struct inst_ctx *ctx, const char *etc, struct pgb_err *err)
{
	struct strlist opts = STRLIST_INIT;
	char *parts = util_path_join(etc, "sources.list.d");
	int rc;

	if (ctx->dry_run) {
		inst_log_info(ctx->log, "would run apt-get update of the bundle's source only");
		free(parts);
		return 0;
	}
	/* Only the sources.list.d that now holds our file alone; keep the lists of
	 * the moved sources, so the host's apt works at once after uninstall. */
	add_opt(&opts, "Dir::Etc::SourceList=%s", "/dev/null");
	add_opt(&opts, "Dir::Etc::SourceParts=%s", parts);
	add_opt(&opts, "APT::Get::List-Cleanup=%s", "false");
	add_opt(&opts, "Acquire::Languages=%s", "none");
	rc = run_update(ctx, &opts, "the bundle's repository", err);
	strlist_free(&opts);
	free(parts);
	return rc;
}

int aptconf_private_open(struct apt_private *a, struct inst_ctx *ctx, struct pgb_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char *src, *text, *key, *parts, *lists;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	a->dir = xasprintf("%s/pgbundle-apt.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(a->dir)) {
		pgb_failsys(err, "cannot create a temporary directory %s", a->dir);
		free(a->dir);
		a->dir = NULL;
		return -1;
	}
	key = util_path_join(ctx->repo_dir, "pgbundle.gpg");
	parts = util_path_join(a->dir, "sources.list.d");
	lists = util_path_join(a->dir, "lists");
	src = util_path_join(parts, "pgbundle.sources");
	text = aptconf_source_text(ctx->bundle, ctx->repo_dir, key);
	if (util_mkdir_p(parts, 0755, err) < 0 || util_mkdir_p(lists, 0755, err) < 0 ||
	    util_write_atomic(src, text, strlen(text), 0644, err) < 0)
		goto out;
	add_opt(&a->opts, "Dir::Etc::SourceList=%s", "/dev/null");
	add_opt(&a->opts, "Dir::Etc::SourceParts=%s", parts);
	add_opt(&a->opts, "Dir::State::Lists=%s", lists);
	/* No binary caches in /var/cache/apt: this apt leaves no trace. */
	add_opt(&a->opts, "Dir::Cache::pkgcache=%s", "");
	add_opt(&a->opts, "Dir::Cache::srcpkgcache=%s", "");
	/* The temporary directory is 0700: apt's _apt user could not read it. */
	add_opt(&a->opts, "APT::Sandbox::User=%s", "root");
	add_opt(&a->opts, "Acquire::Languages=%s", "none");
	rc = run_update(ctx, &a->opts, "the bundle's repository (private apt)", err);
out:
	free(src);
	free(text);
	free(key);
	free(parts);
	free(lists);
	if (rc < 0)
		aptconf_private_close(a);
	return rc;
}

void aptconf_private_close(struct apt_private *a)
{
	struct pgb_err ignored;

	if (a->dir)
		util_rm_rf(a->dir, &ignored);
	free(a->dir);
	strlist_free(&a->opts);
	memset(a, 0, sizeof(*a));
}
