/*
 * pkgs.c - which packages, can they go in, and putting them in.
 *
 * The pre-flight asks apt itself: `apt-get -s install` over the bundle's
 * source (a private apt, see aptconf.c) and the host's real dpkg status.
 * apt's simulation is the whole transaction as the real run would do it, so
 * what it would remove, or cannot resolve, is exactly the conflict to
 * report.  A transaction that removes anything is refused: an offline
 * bundle must only add to the host, and apt happily removes a package that
 * Breaks one it installs.  The messages name both sides, read from the
 * Breaks/Conflicts fields of the host's dpkg status and of the bundle's
 * Packages index (repo/deb822.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deb822.h"
#include "inst.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define POLICY_RC_D "/usr/sbin/policy-rc.d"
#define INSTALLED_RECORD INST_STATE_DIR "/packages"

void pkg_plan_free(struct pkg_plan *p)
{
	strlist_free(&p->inst);
	strlist_free(&p->inst_ver);
	strlist_free(&p->inst_old);
	strlist_free(&p->remove);
	strlist_free(&p->remove_ver);
	strlist_free(&p->unmet);
	strlist_free(&p->errors);
	memset(p, 0, sizeof(*p));
}

/* Is pkg listed for a major of the bundle other than major, and not for it? */
static int other_majors(const struct inst_bundle *b, int major, const char *pkg)
{
	int other = 0;

	for (size_t i = 0; major && i < b->major_packages.n; i++) {
		const char *mp = b->major_packages.v[i], *colon = strchr(mp, ':');

		if (!colon || strcmp(colon + 1, pkg))
			continue;
		if (atoi(mp) == major)
			return 0;
		other = 1;
	}
	return other;
}

/* A cluster runs one major: the other majors' own packages stay in the
 * repository, installable later. */
static void take(const struct inst_bundle *b, int major, struct strlist *out, const char *pkg)
{
	if (!other_majors(b, major, pkg))
		strlist_add(out, pkg);
}

int pkg_select(const struct inst_bundle *b, const struct strlist *modules, int major,
	       struct strlist *out, struct pgb_err *err)
{
	if (b->requested.n == 0)
		return pgb_fail(err, "bundle %s requests no packages: nothing to install", b->name);
	if (!b->module_packages.n) {
		/* An older bundle does not say which package is whose: take all. */
		for (size_t i = 0; i < b->requested.n; i++)
			take(b, major, out, b->requested.v[i]);
	} else {
		/* The enabled modules' packages, the extensions and the extra packages. */
		for (size_t i = 0; i < b->module_packages.n; i++) {
			const char *mp = b->module_packages.v[i], *colon = strchr(mp, ':');
			char *mod = colon ? xstrndup(mp, (size_t)(colon - mp)) : NULL;

			if (mod && (!modules || strlist_has(modules, mod)) &&
			    strlist_has(&b->requested, colon + 1))
				take(b, major, out, colon + 1);
			free(mod);
		}
		for (size_t i = 0; i < b->extensions.n; i++)
			if (strlist_has(&b->requested, b->extensions.v[i]))
				take(b, major, out, b->extensions.v[i]);
		for (size_t i = 0; i < b->extra_packages.n; i++)
			if (strlist_has(&b->requested, b->extra_packages.v[i]))
				take(b, major, out, b->extra_packages.v[i]);
	}
	strlist_sort(out);
	strlist_uniq(out);
	if (!out->n)
		return pgb_fail(err, "no package of bundle %s belongs to the modules the config "
				"enables: check `modules:` in the config", b->name);
	return 0;
}

/* "NAME [OLD] (NEW ORIGIN [ARCH])" after "Inst ". */
static void parse_inst(struct pkg_plan *p, const char *s)
{
	size_t n = strcspn(s, " ");
	const char *old = strchr(s + n, '['), *nv = strchr(s + n, '(');

	if (!n || !nv)
		return;
	strlist_add_owned(&p->inst, xstrndup(s, n));
	if (old && old < nv)
		strlist_add_owned(&p->inst_old, xstrndup(old + 1, strcspn(old + 1, "]")));
	else
		strlist_add(&p->inst_old, "");
	strlist_add_owned(&p->inst_ver, xstrndup(nv + 1, strcspn(nv + 1, " )")));
}

/* "NAME [VER]" after "Remv ". */
static void parse_remv(struct pkg_plan *p, const char *s)
{
	size_t n = strcspn(s, " ");
	const char *v = strchr(s + n, '[');

	if (!n)
		return;
	strlist_add_owned(&p->remove, xstrndup(s, n));
	strlist_add_owned(&p->remove_ver, v ? xstrndup(v + 1, strcspn(v + 1, "]")) : xstrdup(""));
}

void pkg_sim_parse(const char *text, struct pkg_plan *p)
{
	int in_unmet = 0;

	for (const char *s = text; s && *s;) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n);

		if (in_unmet && line[0] == ' ') {
			/* " pkg : Depends: x but y is to be installed", then
			 * continuation lines of the same package. */
			char *t = line + strspn(line, " ");

			if (*t)
				strlist_add(&p->unmet, t);
		} else {
			static const char unmet[] =
				"The following packages have unmet dependencies";

			in_unmet = strncmp(line, unmet, sizeof(unmet) - 1) == 0;
			if (strncmp(line, "Inst ", 5) == 0)
				parse_inst(p, line + 5);
			else if (strncmp(line, "Remv ", 5) == 0)
				parse_remv(p, line + 5);
			else if (strncmp(line, "E: ", 3) == 0)
				strlist_add(&p->errors, line + 3);
		}
		free(line);
		s += n + (s[n] == '\n');
	}
}

/* --- naming both sides of a conflict --- */

/* Does a Breaks/Conflicts value ("a (>= 1), b:any | c [amd64]") name pkg? */
int pkg_relation_names(const char *rel, const char *pkg)
{
	size_t want = strlen(pkg);

	for (const char *s = rel; s && *s;) {
		size_t n;

		s += strspn(s, " \t\n,|");
		n = strcspn(s, " \t\n,|(:[<");
		if (n == want && strncmp(s, pkg, n) == 0)
			return 1;
		s += strcspn(s, ",|");
	}
	return 0;
}

/* Of the paragraphs in text whose Package is name (and, if status is set,
 * that dpkg has installed; if version is set, of that version), the
 * relation fields; the first match only. */
static char *find_rel(const char *text, size_t len, const char *what, const char *name,
		      const char *version, int status, const char *field)
{
	struct deb822_iter it;
	struct deb822_para para;
	struct pgb_err ignored;

	deb822_iter_init(&it, text, len, what);
	while (deb822_next(&it, &para, &ignored) == 1) {
		const char *v;
		size_t n;
		char *st;
		int ok;

		if (deb822_get_span(&para, "Package", &v, &n) < 0 || n != strlen(name) ||
		    strncmp(v, name, n) != 0)
			continue;
		if (version && (deb822_get_span(&para, "Version", &v, &n) < 0 ||
				n != strlen(version) || strncmp(v, version, n) != 0))
			continue;
		if (status) {
			st = deb822_get(&para, "Status");
			ok = st && strstr(st, " installed");
			free(st);
			if (!ok)
				continue;
		}
		return deb822_get(&para, field);
	}
	return NULL;
}

static int explain_by(const struct pkg_plan *p, size_t r, const char *status, size_t slen,
		      struct sbuf *msg)
{
	static const char *const fields[] = { "Breaks", "Conflicts" };
	int found = 0;

	for (size_t f = 0; f < 2; f++) {
		char *rel = find_rel(status, slen, DPKG_STATUS, p->remove.v[r], NULL, 1, fields[f]);

		for (size_t i = 0; rel && i < p->inst.n; i++)
			if (pkg_relation_names(rel, p->inst.v[i])) {
				sbuf_addf(msg, "\n  %s %s (installed on this host) %s %s (from the "
					  "bundle)", p->remove.v[r], p->remove_ver.v[r], fields[f],
					  p->inst.v[i]);
				found = 1;
			}
		free(rel);
	}
	return found;
}

static int explain_against(const struct pkg_plan *p, size_t r, const char *index, size_t ilen,
			   struct sbuf *msg)
{
	static const char *const fields[] = { "Breaks", "Conflicts" };
	int found = 0;

	for (size_t i = 0; i < p->inst.n; i++)
		for (size_t f = 0; f < 2; f++) {
			char *rel = find_rel(index, ilen, "Packages", p->inst.v[i],
					     p->inst_ver.v[i], 0, fields[f]);

			if (rel && pkg_relation_names(rel, p->remove.v[r])) {
				sbuf_addf(msg, "\n  %s %s (from the bundle) %s %s (installed on "
					  "this host)", p->inst.v[i], p->inst_ver.v[i], fields[f],
					  p->remove.v[r]);
				found = 1;
			}
			free(rel);
		}
	return found;
}

/*
 * An unmet line "X : Depends: P (= V) but W is installed|to be installed"
 * where this host has P at W, which the bundle's X does not accept: the host
 * holds a version the bundle cannot use (newer, as apt never downgrades on
 * its own).  Say so, naming P, both versions and X.
 */
static void explain_newer(const char *line, const char *status, size_t slen, struct sbuf *msg)
{
	char x[128], pkg[128], op[4], want[128], have[128];
	char *installed;

	if (!status || sscanf(line, "%127s : %*[A-Za-z-]: %127s (%3[<>=] %127[^)]) but %127s",
			      x, pkg, op, want, have) != 5)
		return;
	installed = find_rel(status, slen, DPKG_STATUS, pkg, have, 1, "Version");
	if (installed)
		sbuf_addf(msg, "\n  %s: this host has %s, which the bundle's %s does not accept "
			  "(it needs %s %s %s) and apt does not downgrade on its own; remove or "
			  "downgrade %s on this host, or use a bundle built with %s %s", pkg, have,
			  x, pkg, op, want, pkg, pkg, have);
	free(installed);
}

void pkg_explain(const struct pkg_plan *p, const char *status, size_t slen, const char *index,
		 size_t ilen, struct sbuf *msg)
{
	for (size_t r = 0; r < p->remove.n; r++) {
		int a = status && explain_by(p, r, status, slen, msg);
		int b = index && explain_against(p, r, index, ilen, msg);

		if (!a && !b)
			sbuf_addf(msg, "\n  %s %s (installed on this host) would be removed by apt "
				  "to make room for the bundle's packages", p->remove.v[r],
				  p->remove_ver.v[r]);
	}
	for (size_t i = 0; i < p->unmet.n; i++) {
		sbuf_addf(msg, "\n  unmet: %s", p->unmet.v[i]);
		explain_newer(p->unmet.v[i], status, slen, msg);
	}
	for (size_t i = 0; i < p->errors.n; i++)
		sbuf_addf(msg, "\n  apt: %s", p->errors.v[i]);
}

/* --- pre-flight --- */

static char *index_path(const struct inst_ctx *ctx)
{
	return xasprintf("%s/dists/pgbundle/main/binary-%s/Packages", ctx->repo_dir,
			 ctx->bundle->arch);
}

static int conflict_error(const struct inst_ctx *ctx, const struct pkg_plan *p, int status,
			  const char *out, struct pgb_err *err)
{
	struct sbuf msg = SBUF_INIT;
	char *ipath = index_path(ctx), *st = NULL, *ix = NULL;
	size_t slen = 0, ilen = 0;
	struct pgb_err ignored;

	util_read_file(DPKG_STATUS, &st, &slen, &ignored);
	util_read_file(ipath, &ix, &ilen, &ignored);
	pkg_explain(p, st, slen, ix, ilen, &msg);
	if (!msg.len) {
		const char *tail = out && strlen(out) > 600 ? out + strlen(out) - 600 : out;

		sbuf_addf(&msg, "\n  apt-get -s exited with status %d: %s", status,
			  tail ? tail : "no output");
	}
	pgb_fail(err, "pre-flight: the bundle's packages cannot be installed on this host as it "
		 "is; nothing was changed:%s\nRemove or upgrade the host packages named above "
		 "(or use the bundle built for this host's release), then run the installer "
		 "again.", msg.buf);
	sbuf_free(&msg);
	free(st);
	free(ix);
	free(ipath);
	return -1;
}

/* Installed-Size (KiB) of what the transaction installs, from the index. */
static uint64_t install_kib(const struct inst_ctx *ctx, const struct pkg_plan *p)
{
	char *ipath = index_path(ctx), *ix;
	size_t ilen;
	uint64_t kib = 0;
	struct pgb_err ignored;

	if (util_read_file(ipath, &ix, &ilen, &ignored) == 0) {
		for (size_t i = 0; i < p->inst.n; i++) {
			char *v = find_rel(ix, ilen, "Packages", p->inst.v[i], p->inst_ver.v[i], 0,
					   "Installed-Size");

			if (v)
				kib += strtoull(v, NULL, 10);
			free(v);
		}
		free(ix);
	}
	free(ipath);
	return kib;
}

int pkg_simulate(struct inst_ctx *ctx, struct strlist *argv, const struct strlist *pkgs,
		 const char *what, struct sbuf *out, struct pgb_err *err)
{
	int rc;

	for (size_t i = 0; i < pkgs->n; i++)
		strlist_add(argv, pkgs->v[i]);
	strlist_add_owned(argv, NULL);
	rc = inst_run((const char *const *)argv->v, out, err);
	strlist_free(argv);
	if (rc < 0)
		return pgb_err_prefix(err, "pre-flight");
	for (const char *s = out->buf; s && *s;) {
		size_t n = strcspn(s, "\n");

		if (ctx->dry_run)
			inst_log_info(ctx->log, "| %.*s", (int)n, s);
		else
			inst_log_detail(ctx->log, "%s: %.*s", what, (int)n, s);
		s += n + (s[n] == '\n');
	}
	return rc;
}

int pkg_preflight(struct inst_ctx *ctx, const struct apt_private *apt, const struct strlist *pkgs,
		  struct pkg_plan *plan, struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT;
	struct sbuf out = SBUF_INIT;
	int rc;

	strlist_add(&argv, "apt-get");
	for (size_t i = 0; i < apt->opts.n; i++)
		strlist_add(&argv, apt->opts.v[i]);
	strlist_add(&argv, "-s");
	strlist_add(&argv, "--no-install-recommends");
	strlist_add(&argv, "install");
	rc = pkg_simulate(ctx, &argv, pkgs, "apt-get -s", &out, err);
	if (rc < 0) {
		sbuf_free(&out);
		return -1;
	}
	pkg_sim_parse(out.buf, plan);
	if (rc != 0 || plan->remove.n || plan->unmet.n || plan->errors.n) {
		conflict_error(ctx, plan, rc, out.buf, err);
		sbuf_free(&out);
		return -1;
	}
	sbuf_free(&out);
	plan->kib = install_kib(ctx, plan);
	/* dpkg unpacks into /usr mostly. */
	return pkg_preflight_summary(ctx, pkgs, plan, "/usr", err);
}

int pkg_preflight_summary(struct inst_ctx *ctx, const struct strlist *pkgs,
			  const struct pkg_plan *plan, const char *where, struct pgb_err *err)
{
	size_t nnew = 0;

	for (size_t i = 0; i < plan->inst.n; i++)
		nnew += plan->inst_old.v[i][0] == '\0';
	inst_log_info(ctx->log, "%zu packages requested; with their dependencies: %zu to install, "
		      "%zu to upgrade, 0 to remove (%.1f MiB installed)", pkgs->n, nnew,
		      plan->inst.n - nnew, (double)plan->kib / 1024);
	/* A tenth more for the package manager's temporaries. */
	return host_check_space(where, plan->kib * 1024 + plan->kib * 1024 / 10,
				"the packages to install", err);
}

/* --- install --- */

int pkg_record_add(const struct inst_ctx *ctx, const struct strlist *add, struct pgb_err *err)
{
	char *path = inst_root_path(ctx, INSTALLED_RECORD), *dir = inst_root_path(ctx, INST_STATE_DIR);
	struct strlist names = STRLIST_INIT;
	struct sbuf text = SBUF_INIT;
	int rc = pkg_read_installed_record(ctx, &names, err);

	for (size_t i = 0; i < add->n; i++)
		strlist_add(&names, add->v[i]);
	strlist_sort(&names);
	strlist_uniq(&names);
	for (size_t i = 0; i < names.n; i++)
		sbuf_addf(&text, "%s\n", names.v[i]);
	if (rc == 0)
		rc = util_mkdir_p(dir, 0755, err);
	if (rc == 0)
		rc = util_write_atomic(path, text.buf ? text.buf : "", text.len, 0644, err);
	free(path);
	free(dir);
	sbuf_free(&text);
	strlist_free(&names);
	return rc;
}

/* Remember what pgbundle installed (new packages only), for uninstall --purge. */
static int record_installed(const struct inst_ctx *ctx, const struct pkg_plan *p,
			    struct pgb_err *err)
{
	struct strlist names = STRLIST_INIT;
	int rc;

	for (size_t i = 0; i < p->inst.n; i++)
		if (p->inst_old.v[i][0] == '\0')
			strlist_add(&names, p->inst.v[i]);
	rc = pkg_record_add(ctx, &names, err);
	strlist_free(&names);
	return rc;
}

int pkg_read_installed_record(const struct inst_ctx *ctx, struct strlist *names,
			      struct pgb_err *err)
{
	char *path = inst_root_path(ctx, INSTALLED_RECORD), *data, *line, *save = NULL;
	size_t len;
	int rc = 0;

	if (util_exists(path) && (rc = util_read_file(path, &data, &len, err)) == 0) {
		for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			strlist_add(names, line);
		free(data);
	}
	free(path);
	return rc;
}

struct install_progress {
	struct inst_ctx *ctx;
	size_t done, total;
};

static void on_apt_line(void *v, const char *line)
{
	struct install_progress *pr = v;

	inst_log_detail(pr->ctx->log, "apt-get: %s", line);
	if (strncmp(line, "Setting up ", 11) == 0) {
		pr->done++;
		inst_log_progress(pr->ctx->log, "configured %zu/%zu: %.60s", pr->done, pr->total,
				  line + 11);
	} else if (strncmp(line, "Unpacking ", 10) == 0) {
		inst_log_progress(pr->ctx->log, "unpacking: %.60s", line + 10);
	}
}

/* --no-start: a policy-rc.d that forbids starts while apt runs, unless the
 * host has its own.  Returns 1 when one was put in place. */
static int block_starts(struct inst_ctx *ctx, struct pgb_err *err)
{
	static const char script[] = "#!/bin/sh\n# pgbundle-installer --no-start\nexit 101\n";

	if (!ctx->no_start || util_exists(POLICY_RC_D))
		return 0;
	if (util_write_atomic(POLICY_RC_D, script, sizeof(script) - 1, 0755, err) < 0)
		return -1;
	return 1;
}

static int check_installed(const struct strlist *pkgs, struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT, missing = STRLIST_INIT;
	struct sbuf out = SBUF_INIT, list = SBUF_INIT, lines = SBUF_INIT;
	int rc;

	strlist_add(&argv, "dpkg-query");
	strlist_add(&argv, "-W");
	strlist_add(&argv, "--showformat=${Package} ${db:Status-Abbrev}\\n");
	for (size_t i = 0; i < pkgs->n; i++)
		strlist_add(&argv, pkgs->v[i]);
	strlist_add_owned(&argv, NULL);
	rc = inst_run((const char *const *)argv.v, &out, err);
	/* Whole lines only: "libpython3.11-minimal ii " holds "python3.11-minimal ii ". */
	sbuf_addc(&lines, '\n');
	sbuf_adds(&lines, out.buf ? out.buf : "");
	for (size_t i = 0; rc >= 0 && i < pkgs->n; i++) {
		char *want = xasprintf("\n%s ii ", pkgs->v[i]);

		if (!strstr(lines.buf, want))
			strlist_add(&missing, pkgs->v[i]);
		free(want);
	}
	for (size_t i = 0; i < missing.n; i++)
		sbuf_addf(&list, " %s", missing.v[i]);
	if (rc >= 0 && missing.n)
		rc = pgb_fail(err, "apt-get finished but dpkg does not list these packages as "
			      "installed:%s; see the log", list.buf);
	strlist_free(&argv);
	strlist_free(&missing);
	sbuf_free(&out);
	sbuf_free(&lines);
	sbuf_free(&list);
	return rc < 0 ? -1 : 0;
}

static int run_install(struct inst_ctx *ctx, const struct strlist *pkgs,
		       const struct pkg_plan *p, struct pgb_err *err)
{
	struct install_progress pr = { ctx, 0, p->inst.n };
	struct strlist argv = STRLIST_INIT;
	struct sbuf out = SBUF_INIT;
	int rc;

	strlist_add(&argv, "env");
	strlist_add(&argv, "DEBIAN_FRONTEND=noninteractive");
	strlist_add(&argv, "apt-get");
	strlist_add(&argv, "-y");
	strlist_add(&argv, "--no-install-recommends");
	/* Keep a conffile the operator changed; never ask. */
	strlist_add(&argv, "-o");
	strlist_add(&argv, "Dpkg::Options::=--force-confdef");
	strlist_add(&argv, "-o");
	strlist_add(&argv, "Dpkg::Options::=--force-confold");
	strlist_add(&argv, "-o");
	strlist_add(&argv, "Acquire::Languages=none");
	/* A dpkg another run left going (recover.c) or the host's own: wait for it. */
	strlist_add(&argv, "-o");
	strlist_add(&argv, "DPkg::Lock::Timeout=600");
	strlist_add(&argv, "install");
	for (size_t i = 0; i < pkgs->n; i++)
		strlist_add(&argv, pkgs->v[i]);
	strlist_add_owned(&argv, NULL);
	rc = inst_run_lines((const char *const *)argv.v, &out, on_apt_line, &pr, err);
	if (rc > 0) {
		size_t len = strlen(out.buf);
		const char *tail = len > 800 ? out.buf + len - 800 : out.buf;

		rc = pgb_fail(err, "apt-get install failed (status %d); the host's apt sources "
			      "stay pointed at the bundle so that running the installer again "
			      "resumes; last output:\n%s", rc, tail);
	}
	strlist_free(&argv);
	sbuf_free(&out);
	return rc < 0 ? -1 : 0;
}

int pkg_install_announce(struct inst_ctx *ctx, const struct strlist *pkgs,
			 const struct pkg_plan *p)
{
	if (p->inst.n == 0) {
		inst_log_info(ctx->log, "all %zu requested packages are installed already",
			      pkgs->n);
		return 0;
	}
	ctx->changes += (int)p->inst.n;
	inst_log_change(ctx->log, "install %zu packages (%zu requested, the rest their "
			"dependencies)", p->inst.n, pkgs->n);
	return !ctx->dry_run;
}

int pkg_install(struct inst_ctx *ctx, const struct strlist *pkgs, const struct pkg_plan *p,
		struct pgb_err *err)
{
	int blocked, rc;

	if (!pkg_install_announce(ctx, pkgs, p))
		return 0;
	if (record_installed(ctx, p, err) < 0)
		return -1;
	blocked = block_starts(ctx, err);
	if (blocked < 0)
		return -1;
	rc = run_install(ctx, pkgs, p, err);
	if (blocked && unlink(POLICY_RC_D) < 0 && rc == 0)
		rc = pgb_failsys(err, "cannot remove the temporary %s", POLICY_RC_D);
	if (rc == 0)
		rc = check_installed(pkgs, err);
	return rc;
}
