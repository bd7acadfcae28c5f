/*
 * upgrade.c - installing a newer bundle (full or delta) over an older one of
 * the same name, and finishing one that was interrupted.  Debian hosts
 * (apt, dpkg, systemd) only, not an EL image (--root): inst_upgrade_applies().
 *
 * The older install is the repository apt uses now: the file: URI of
 * ETC/sources.list.d/pgbundle.sources, when that tree's bundle.json has this
 * bundle's name and it is not this very payload.  The upgrade then:
 *
 *   packages  installs, beside the packages of the config's modules, every
 *             package dpkg has (in any state but removed) that the new
 *             index carries: apt takes each to the new version, so the
 *             host ends as a fresh install of the new bundle would (apt's
 *             "automatically installed" marks are put back afterwards);
 *             also when apt no longer uses the older repository but the
 *             packages an earlier install recorded are still there;
 *   state     before apt's sources change, INST_UPGRADE_DIR records where
 *             it comes from (`from`, written last), the sources file and
 *             key apt used, the automatic marks, and (same directory name)
 *             where the older tree was moved aside (`aside`);
 *   failure   puts the recorded sources file and key back and updates apt
 *             from them, puts an older tree moved aside back in place, and
 *             forgets the state: the host's apt is as before, and running
 *             the installer again retries;
 *   crash     (power off) leaves the state: the next run finds it, finishes
 *             what dpkg was doing (the package manager's recover, recover.c;
 *             a package left half unpacked is unpacked again by the apt run
 *             that follows) and completes the upgrade from there;
 *   success   removes the older repository and the state, only then.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "deb822.h"
#include "inst.h"

#define INST_UPGRADE_DIR INST_STATE_DIR "/upgrade"
#define SOURCES "/etc/apt/sources.list.d/pgbundle.sources"
#define ETC_APT "/etc/apt"

int inst_upgrade_applies(const struct inst_ctx *ctx)
{
	return !strcmp(ctx->bundle->family, "deb") && (!ctx->root || !*ctx->root);
}

static char *state_path(const char *name)
{
	return util_path_join(INST_UPGRADE_DIR, name);
}

/* A state file's text without its final newline, or NULL when absent. */
static char *state_read(const char *name)
{
	char *path = state_path(name), *data = NULL;
	struct pgb_err ignored;
	size_t len;

	if (util_exists(path) && util_read_file(path, &data, &len, &ignored) == 0 && len &&
	    data[len - 1] == '\n')
		data[len - 1] = '\0';
	free(path);
	return data;
}

static int state_write(const char *name, const char *data, size_t len, struct pgb_err *err)
{
	char *path = state_path(name);
	int rc = util_write_atomic(path, data, len, 0600, err);

	free(path);
	return rc;
}

/* The directory of the "URIs: file:PATH" line of a pgbundle.sources text
 * (aptconf_source_text's escapes undone); malloc'd, or NULL. */
static char *source_dir(const char *text)
{
	const char *p = strstr(text, "\nURIs: file:");
	struct sbuf dir = SBUF_INIT;
	unsigned int c;

	if (!p)
		return NULL;
	for (p += strlen("\nURIs: file:"); *p && *p != '\n'; p++) {
		if (*p == '%' && sscanf(p + 1, "%2x", &c) == 1) {
			sbuf_addc(&dir, (char)c);
			p += 2;
		} else {
			sbuf_addc(&dir, *p);
		}
	}
	return sbuf_detach(&dir, NULL);
}

/* name and version of the bundle.json in repo; 0 when it has none. */
static int repo_bundle(const char *repo, char **name, char **version)
{
	char *path = util_path_join(repo, "bundle.json");
	json_t *j = json_load_file(path, 0, NULL);
	const char *n = json_string_value(json_object_get(j, "name"));
	const char *v = json_string_value(json_object_get(j, "version"));

	*name = n ? xstrdup(n) : NULL;
	*version = v ? xstrdup(v) : NULL;
	json_decref(j);
	free(path);
	return *name && *version;
}

/* The repository apt uses now, when it is an older bundle of this name. */
static int find_older(struct inst_upgrade *u, const struct inst_ctx *ctx, const char *final,
		      int same_payload)
{
	char *text = NULL, *dir, *name, *version;
	struct pgb_err ignored;
	size_t len;

	if (!util_exists(SOURCES) || util_read_file(SOURCES, &text, &len, &ignored) < 0)
		return 0;
	dir = source_dir(text);
	free(text);
	if (!dir || (!strcmp(dir, final) && same_payload) || !repo_bundle(dir, &name, &version)) {
		free(dir);
		return 0;
	}
	if (!strcmp(name, ctx->bundle->name)) {
		u->from = dir;
		u->from_version = version;
		version = NULL;
	} else {
		free(dir);
	}
	free(name);
	free(version);
	return u->from != NULL;
}

int inst_upgrade_detect(struct inst_upgrade *u, struct inst_ctx *ctx, const char *final,
			int same_payload, struct pgb_err *err)
{
	char *from = state_read("from"), *name = NULL;

	memset(u, 0, sizeof(*u));
	if (!inst_upgrade_applies(ctx)) {
		free(from);
		return 0;
	}
	if (from) {
		u->resumed = 1;
		u->from = from;
		u->aside = state_read("aside");
		if (!repo_bundle(u->aside ? u->aside : from, &name, &u->from_version))
			u->from_version = xstrdup("?");
		free(name);
		inst_log_info(ctx->log, "an upgrade from %s %s (%s) was interrupted: finishing it",
			      ctx->bundle->name, u->from_version, from);
		return 0;
	}
	/* A record without `from` is one whose begin did not finish: apt was not touched yet. */
	if (!ctx->dry_run && util_rm_rf(INST_UPGRADE_DIR, err) < 0)
		return -1;
	if (find_older(u, ctx, final, same_payload))
		inst_log_info(ctx->log, "upgrade: %s %s (%s, what apt uses now) to %s", ctx->bundle->name,
			      u->from_version, u->from, ctx->bundle->version);
	return 0;
}

/* An earlier install left packages here (its record, pkgs.c), though apt no
 * longer uses its repository (`uninstall` without --purge): they too go to
 * the bundle's versions. */
static int installed_before(const struct inst_ctx *ctx)
{
	struct strlist names = STRLIST_INIT;
	struct pgb_err ignored;
	int some = pkg_read_installed_record(ctx, &names, &ignored) == 0 && names.n > 0;

	strlist_free(&names);
	return some;
}

/* Every package dpkg knows in a state other than removed (not-installed,
 * config-files): "ii", "iU", "iF", "iH", "iW", "it", ... */
static int dpkg_present(struct strlist *names, struct pgb_err *err)
{
	const char *const argv[] = { "dpkg-query", "-W", "--showformat=${Package} ${db:Status-Abbrev}\\n",
				     NULL };
	struct sbuf out = SBUF_INIT;
	int rc = inst_run(argv, &out, err);

	for (const char *s = out.buf; rc == 0 && s && *s;) {
		size_t n = strcspn(s, "\n");
		const char *sp = memchr(s, ' ', n);

		if (sp && sp + 2 < s + n && !strchr("nc", sp[2]))
			strlist_add_owned(names, xstrndup(s, (size_t)(sp - s)));
		s += n + (s[n] == '\n');
	}
	if (rc > 0)
		rc = pgb_fail(err, "dpkg-query -W failed (status %d): %s", rc, out.buf ? out.buf : "");
	sbuf_free(&out);
	return rc < 0 ? -1 : 0;
}

int inst_index_names(const struct inst_bundle *b, const char *repo, struct strlist *names,
		     struct pgb_err *err)
{
	char *path = xasprintf("%s/dists/pgbundle/main/binary-%s/Packages", repo, b->arch);
	char *text = NULL;
	struct deb822_iter it;
	struct deb822_para para;
	size_t len;
	int rc = util_read_file(path, &text, &len, err), k = 0;

	if (rc == 0)
		deb822_iter_init(&it, text, len, path);
	while (rc == 0 && (k = deb822_next(&it, &para, err)) == 1) {
		char *name = deb822_get(&para, "Package");

		if (name)
			strlist_add_owned(names, name);
	}
	free(text);
	free(path);
	strlist_sort(names);
	return rc < 0 || k < 0 ? -1 : 0;
}

/* apt-mark showauto: the names apt installed as dependencies. */
static int auto_marks(struct strlist *names, struct pgb_err *err)
{
	const char *const argv[] = { "apt-mark", "showauto", NULL };
	struct sbuf out = SBUF_INIT;
	char *save = NULL;
	int rc = inst_run(argv, &out, err);

	for (char *l = rc == 0 && out.buf ? strtok_r(out.buf, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save))
		strlist_add(names, l);
	if (rc > 0)
		rc = pgb_fail(err, "apt-mark showauto failed (status %d)", rc);
	sbuf_free(&out);
	return rc < 0 ? -1 : 0;
}

int inst_upgrade_packages(struct inst_upgrade *u, struct inst_ctx *ctx, const char *repo,
			  struct strlist *pkgs, struct pgb_err *err)
{
	struct strlist present = STRLIST_INIT, carried = STRLIST_INIT, autos = STRLIST_INIT;
	size_t before = pkgs->n;
	int rc;

	if (!inst_upgrade_applies(ctx) || (!u->from && !installed_before(ctx)))
		return 0;
	rc = dpkg_present(&present, err);
	if (rc == 0)
		rc = inst_index_names(ctx->bundle, repo, &carried, err);
	if (rc == 0)
		rc = auto_marks(&autos, err);
	for (size_t i = 0; rc == 0 && i < present.n; i++) {
		if (!strlist_has(&carried, present.v[i]) || strlist_has(pkgs, present.v[i]))
			continue;
		strlist_add(pkgs, present.v[i]);
		/* Named on apt's command line, it would become "manually installed". */
		if (strlist_has(&autos, present.v[i]))
			strlist_add(&u->autos, present.v[i]);
	}
	strlist_sort(pkgs);
	if (rc == 0)
		inst_log_info(ctx->log, "upgrade: the %zu packages of this host that the bundle "
			      "carries go to its versions too", pkgs->n - before);
	strlist_free(&present);
	strlist_free(&carried);
	strlist_free(&autos);
	return rc;
}

/* A copy of src into the state as name; nothing when src does not exist. */
static int state_copy(const char *src, const char *name, struct pgb_err *err)
{
	char *data = NULL;
	size_t len;
	int rc = 0;

	if (util_exists(src)) {
		rc = util_read_file(src, &data, &len, err);
		if (rc == 0)
			rc = state_write(name, data, len, err);
	}
	free(data);
	return rc;
}

int inst_upgrade_begin(struct inst_upgrade *u, struct inst_ctx *ctx, struct pgb_err *err)
{
	char *key = aptconf_key_path(ETC_APT, ctx->bundle), *from;
	struct sbuf autos = SBUF_INIT;
	int rc = 0;

	if (!u->from || ctx->dry_run)
		goto out;
	u->begun = 1;
	if (u->resumed)		/* the record of the first attempt stays */
		goto out;
	for (size_t i = 0; i < u->autos.n; i++)
		sbuf_addf(&autos, "%s\n", u->autos.v[i]);
	from = xasprintf("%s\n", u->from);
	rc = util_mkdir_p(INST_UPGRADE_DIR, 0700, err);
	if (rc == 0)
		rc = state_copy(SOURCES, "sources", err);
	if (rc == 0)
		rc = state_copy(key, "key", err);
	if (rc == 0)
		rc = state_write("auto", autos.buf ? autos.buf : "", autos.len, err);
	if (rc == 0)
		rc = state_write("from", from, strlen(from), err);
	free(from);
	if (rc < 0)
		u->begun = 0;
out:
	sbuf_free(&autos);
	free(key);
	return rc;
}

int inst_upgrade_aside(struct inst_upgrade *u, const char *aside, struct pgb_err *err)
{
	char *text;
	int rc;

	if (!u->begun)
		return 0;
	text = xasprintf("%s\n", aside);
	rc = state_write("aside", text, strlen(text), err);
	free(text);
	if (rc == 0) {
		free(u->aside);
		u->aside = xstrdup(aside);
	}
	return rc;
}

/* Put a saved state file back at dst (a missing copy removes dst). */
static int restore_file(const char *name, const char *dst, struct pgb_err *err)
{
	char *src = state_path(name), *data = NULL;
	size_t len;
	int rc;

	if (!util_exists(src))
		rc = unlink(dst) < 0 && errno != ENOENT ? pgb_failsys(err, "cannot remove %s", dst) : 0;
	else if ((rc = util_read_file(src, &data, &len, err)) == 0)
		rc = util_write_atomic(dst, data, len, 0644, err);
	free(data);
	free(src);
	return rc;
}

void inst_upgrade_rollback(struct inst_upgrade *u, struct inst_ctx *ctx, const char *final)
{
	char *key = aptconf_key_path(ETC_APT, ctx->bundle);
	struct pgb_err err;

	if (!u->begun)
		goto out;
	inst_log_step(ctx->log, "Upgrade failed: back to the sources of %s %s", ctx->bundle->name,
		      u->from_version);
	if (u->aside && (util_rm_rf(final, &err) < 0 || rename(u->aside, final) < 0))
		inst_log_warn(ctx->log, "cannot put %s back at %s; do it by hand", u->aside, final);
	if (restore_file("sources", SOURCES, &err) < 0 || restore_file("key", key, &err) < 0 ||
	    aptconf_update(ctx, ETC_APT, &err) < 0) {
		inst_log_warn(ctx->log, "rolling back apt's sources: %s; the saved files are in %s",
			      err.msg, INST_UPGRADE_DIR);
		goto out;
	}
	inst_log_info(ctx->log, "apt uses %s again; run the installer again to retry the upgrade",
		      u->from);
	if (util_rm_rf(INST_UPGRADE_DIR, &err) < 0)
		inst_log_warn(ctx->log, "%s", err.msg);
out:
	free(key);
}

/* Give back apt's "automatically installed" marks the upgrade's command line took. */
static int remark_auto(struct inst_upgrade *u, struct inst_ctx *ctx, struct pgb_err *err)
{
	char *saved = state_read("auto"), *save = NULL;
	struct strlist argv = STRLIST_INIT;
	struct sbuf out = SBUF_INIT;
	int rc = 0;

	strlist_add(&argv, "apt-mark");
	strlist_add(&argv, "auto");
	for (char *l = saved ? strtok_r(saved, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
		strlist_add(&argv, l);
	for (size_t i = 0; !saved && i < u->autos.n; i++)
		strlist_add(&argv, u->autos.v[i]);
	if (argv.n > 2) {
		strlist_add_owned(&argv, NULL);
		rc = inst_run((const char *const *)argv.v, &out, err);
		inst_log_detail(ctx->log, "apt-mark auto: %s", out.buf ? out.buf : "");
		if (rc > 0)
			rc = pgb_fail(err, "apt-mark auto failed (status %d): %s", rc, out.buf);
	}
	strlist_free(&argv);
	sbuf_free(&out);
	free(saved);
	return rc < 0 ? -1 : 0;
}

/* A directory right under prefix: the only kind of tree this removes. */
static int in_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && path[n] == '/' && path[n + 1] &&
	       !strchr(path + n + 1, '/') && !strstr(path, "/..");
}

int inst_upgrade_finish(struct inst_upgrade *u, struct inst_ctx *ctx, const char *final,
			struct pgb_err *err)
{
	const char *old = u->aside ? u->aside : u->from;

	if (ctx->dry_run)
		return 0;
	if (!u->begun)	/* no older repository, maybe an earlier install's packages */
		return u->autos.n ? remark_auto(u, ctx, err) : 0;
	if (remark_auto(u, ctx, err) < 0)
		return -1;
	if (old && strcmp(old, final) && util_exists(old) && !in_prefix(old, ctx->prefix)) {
		inst_log_warn(ctx->log, "the repository of %s %s (%s) is not under %s: left as it "
			      "is; remove it when no host needs it", ctx->bundle->name,
			      u->from_version, old, ctx->prefix);
	} else if (old && strcmp(old, final) && util_exists(old)) {
		if (util_rm_rf(old, err) < 0)
			return -1;
		ctx->changes++;
		inst_log_change(ctx->log, "remove the repository of %s %s (%s): the upgrade is done",
				ctx->bundle->name, u->from_version, old);
	}
	u->begun = 0;
	return util_rm_rf(INST_UPGRADE_DIR, err);
}

void inst_upgrade_free(struct inst_upgrade *u)
{
	free(u->from);
	free(u->from_version);
	free(u->aside);
	strlist_free(&u->autos);
	memset(u, 0, sizeof(*u));
}

