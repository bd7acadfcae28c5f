/*
 * pkgmgr_dnf.c - EL hosts: the bundle as dnf's only repository, the
 * transaction, and what uninstall undoes (inst.h: struct inst_pkgmgr).
 *
 * What it writes, under the system root (/, or --root DIR):
 *   /etc/yum.repos.d/pgbundle.repo      baseurl=file://REPO, gpgcheck=1,
 *                                       repo_gpgcheck=1, gpgkey= the bundle key
 *                                       (RPM-GPG-KEY-pgbundle: dnf checks
 *                                       repomd.xml.asc with it), and
 *                                       module_hotfixes=1 only when the bundle
 *                                       says its packages need it
 *   /etc/yum.repos.d/pgbundle-disabled/ the host's other .repo files (aside.c)
 *   INST_STATE_DIR/rpm-keys             "gpg-pubkey-V-R<TAB>FILE" of each key
 *                                       `rpm --import` added: the bundle key and
 *                                       the upstreams' keys of the packages
 *                                       (they keep their upstream signatures,
 *                                       which gpgcheck checks)
 * and `dnf module disable` of the modules the build disabled (EL8's
 * postgresql, whose stream would hide PGDG's packages once the host's own
 * repositories are back).
 *
 * The pre-flight is `dnf --assumeno install` with a private repository
 * directory naming the extracted tree and a private cache: the host's
 * configuration, rpm database and module state are untouched.  Its
 * repository checks no signatures (the whole payload was verified before
 * it was extracted, and answering no to a key import makes dnf refuse the
 * repository); the real install does.
 *
 * --root DIR is dnf's --installroot (and rpm's --root): the .repo holds the
 * paths as the system at DIR will see them, dnf is told this host's paths
 * with --setopt=pgbundle.baseurl/gpgkey.
 * SELinux is not touched: its mode stays what it is.
 */
#include <ctype.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"

#define REPOS_D "/etc/yum.repos.d"
#define REPO_ID "pgbundle"
#define DISABLED "pgbundle-disabled"
#define KEYS_RECORD INST_STATE_DIR "/rpm-keys"
#define BUNDLE_KEY "RPM-GPG-KEY-pgbundle"

/* dnf takes file:// URLs: a path it would have to escape is refused. */
static int path_ok(const char *p, struct pgb_err *err)
{
	for (const char *c = p; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("/._+-@", *c))
			return pgb_fail(err, "%s: a repository path for dnf may hold letters, "
					"digits and / . _ + - @ only: choose another --prefix", p);
	return 0;
}

/* repo_dir as the installed system sees it (without --root's DIR). */
static const char *image_path(const struct inst_ctx *ctx, const char *path)
{
	size_t n = ctx->root ? strlen(ctx->root) : 0;

	return n && !strncmp(path, ctx->root, n) ? path + n : path;
}

char *dnf_repo_text(const struct inst_bundle *b, const char *dir, int check)
{
	struct inst_pgconf c = { NULL, 0 };
	struct sbuf out = SBUF_INIT;
	char *header, *url = xasprintf("file://%s", dir), *key;

	key = xasprintf("%s/%s", url, b->rpm.gpgkey ? b->rpm.gpgkey : BUNDLE_KEY);
	inst_pgconf_set(&c, "[" REPO_ID "]", "");
	inst_pgconf_set(&c, "name", "pgbundle offline repository");
	inst_pgconf_set(&c, "baseurl", url);
	inst_pgconf_set(&c, "enabled", "1");
	inst_pgconf_set(&c, "gpgcheck", check ? "1" : "0");
	inst_pgconf_set(&c, "repo_gpgcheck", check ? "1" : "0");
	inst_pgconf_set(&c, "gpgkey", key);
	if (b->rpm.module_hotfixes)
		inst_pgconf_set(&c, "module_hotfixes", "1");
	header = check ? xasprintf("%s %s (target %s): written by pgbundle-installer.\n"
				   "`pgbundle-installer uninstall` removes it and puts the host's "
				   ".repo files back from " DISABLED "/.", b->name, b->version,
				   b->target)
		       : xstrdup("pgbundle-installer's pre-flight (a private copy): the payload "
				 "was verified before it was extracted.");
	inst_pgconf_render_ini(&c, header, &out);
	inst_pgconf_free(&c);
	free(header);
	free(url);
	free(key);
	return sbuf_detach(&out, NULL);
}

/* dnf and the options every run shares: the root, weak dependencies. */
static void dnf_argv(const struct inst_ctx *ctx, struct strlist *argv, const char *yes)
{
	strlist_add(argv, "dnf");
	strlist_add(argv, yes);
	if (ctx->root && *ctx->root)
		strlist_add_owned(argv, xasprintf("--installroot=%s", ctx->root));
	strlist_add_owned(argv, xasprintf("--setopt=install_weak_deps=%s",
					  ctx->bundle && ctx->bundle->rpm.weak_deps ? "True" : "False"));
}

/* The .repo's paths are the image's: tell dnf where they are on this host. */
static void dnf_host_paths(const struct inst_ctx *ctx, struct strlist *argv)
{
	char *reposd;

	if (!ctx->root || !*ctx->root)
		return;
	reposd = inst_root_path(ctx, REPOS_D);
	strlist_add_owned(argv, xasprintf("--setopt=reposdir=%s", reposd));
	strlist_add_owned(argv, xasprintf("--setopt=" REPO_ID ".baseurl=file://%s", ctx->repo_dir));
	strlist_add_owned(argv, xasprintf("--setopt=" REPO_ID ".gpgkey=file://%s/%s", ctx->repo_dir,
					  ctx->bundle->rpm.gpgkey));
	free(reposd);
}

/* --- the pre-flight --- */

/* "Installing:", "Upgrading:", "Removing:", ... section headers of dnf's table. */
static int section_of(const char *line, int *sec)
{
	static const char *const heads[][2] = {
		{ "Installing", "i" }, { "Upgrading", "u" }, { "Reinstalling", "i" },
		{ "Removing", "r" }, { "Downgrading", "r" }, { "Obsoleting", "r" },
		{ "Enabling module", "m" }, { "Disabling module", "m" },
	};

	if (line[0] == ' ' || !strchr(line, ':') || line[strlen(line) - 1] != ':')
		return 0;
	*sec = 0;
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (!strncmp(line, heads[i][0], strlen(heads[i][0])))
			*sec = heads[i][1][0];
	return 1;
}

/* " name  arch  version  repo  size" under a section. */
static void table_row(struct pkg_plan *p, const char *line, int sec)
{
	char name[256], arch[64], ver[256];

	if (sscanf(line, " %255s %63s %255s", name, arch, ver) != 3)
		return;
	if (sec == 'i' || sec == 'u') {
		strlist_add(&p->inst, name);
		strlist_add(&p->inst_ver, ver);
		strlist_add(&p->inst_old, sec == 'u' ? "?" : "");
	} else if (sec == 'r') {
		strlist_add(&p->remove, name);
		strlist_add(&p->remove_ver, ver);
	}
}

static uint64_t size_kib(const char *s)
{
	double v = strtod(s, NULL);
	const char *u = s + strspn(s, "0123456789. ");

	return (uint64_t)(*u == 'G' ? v * 1024 * 1024 : *u == 'M' ? v * 1024 : *u == 'k' ? v
			  : v / 1024);
}

/* Lines dnf prints when it cannot do what was asked. */
static int problem_line(const char *line)
{
	static const char *const starts[] = { "Error:", "No match for argument",
					      "All matches were filtered out",
					      "Unable to find a match" };

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (!strncmp(line, starts[i], strlen(starts[i])))
			return 1;
	return 0;
}

void dnf_sim_parse(const char *text, struct pkg_plan *p)
{
	int sec = 0, in_error = 0;

	for (const char *s = text; s && *s;) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n), *t = line + strspn(line, " ");

		if (problem_line(line)) {
			in_error = !strncmp(line, "Error:", 6);
			if (strlen(line) > 7)	/* more than a bare "Error: " */
				strlist_add(&p->errors, line);
		} else if (in_error && *t) {
			strlist_add(&p->errors, t);	/* " Problem: ...", "  - nothing provides ..." */
		} else if (section_of(line, &sec)) {
			in_error = 0;
		} else if (!strncmp(line, "Installed size:", 15)) {
			p->kib = size_kib(line + 15);
		} else if (!*t || !strncmp(line, "Transaction Summary", 19)) {
			sec = in_error = 0;
		} else if (sec && line[0] == ' ') {
			table_row(p, line, sec);
		}
		free(line);
		s += n + (s[n] == '\n');
	}
}

static int preflight_run(struct inst_ctx *ctx, const char *dir, const struct strlist *pkgs,
			 struct pkg_plan *plan, struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT;
	struct sbuf out = SBUF_INIT, msg = SBUF_INIT;
	int rc;

	dnf_argv(ctx, &argv, "--assumeno");
	strlist_add_owned(&argv, xasprintf("--setopt=reposdir=%s", dir));
	strlist_add_owned(&argv, xasprintf("--setopt=cachedir=%s/cache", dir));
	strlist_add(&argv, "install");
	rc = pkg_simulate(ctx, &argv, pkgs, "dnf --assumeno", &out, err);
	if (rc < 0) {
		sbuf_free(&out);
		return -1;
	}
	dnf_sim_parse(out.buf, plan);
	/* --assumeno ends in "Operation aborted." (status 1) when all is well. */
	if (plan->errors.n || plan->remove.n ||
	    (!strstr(out.buf ? out.buf : "", "Operation aborted.") &&
	     !strstr(out.buf ? out.buf : "", "Nothing to do."))) {
		for (size_t i = 0; i < plan->remove.n; i++)
			sbuf_addf(&msg, "\n  %s %s (installed on this host) would be removed",
				  plan->remove.v[i], plan->remove_ver.v[i]);
		for (size_t i = 0; i < plan->errors.n; i++)
			sbuf_addf(&msg, "\n  dnf: %s", plan->errors.v[i]);
		if (!msg.len)
			sbuf_addf(&msg, "\n  dnf --assumeno exited with status %d: %.600s", rc,
				  out.buf ? out.buf : "no output");
		rc = pgb_fail(err, "pre-flight: the bundle's packages cannot be installed on this "
			      "host as it is; nothing was changed:%s\nRemove or upgrade the host "
			      "packages named above (or use the bundle built for this host's "
			      "release), then run the installer again.", msg.buf);
	} else {
		rc = 0;
	}
	sbuf_free(&out);
	sbuf_free(&msg);
	return rc;
}

static int dnf_preflight(struct inst_ctx *ctx, const struct strlist *pkgs,
			 struct pkg_plan *plan, struct pgb_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/pgbundle-dnf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *repo, *text;
	struct pgb_err ignored;
	int rc = -1;

	if (path_ok(ctx->repo_dir, err) < 0) {
		free(dir);
		return -1;
	}
	if (!mkdtemp(dir)) {
		pgb_failsys(err, "cannot create a temporary directory %s", dir);
		free(dir);
		return -1;
	}
	repo = util_path_join(dir, REPO_ID ".repo");
	text = dnf_repo_text(ctx->bundle, ctx->repo_dir, 0);
	if (util_write_atomic(repo, text, strlen(text), 0644, err) == 0)
		rc = preflight_run(ctx, dir, pkgs, plan, err);
	util_rm_rf(dir, &ignored);
	free(repo);
	free(text);
	free(dir);
	if (rc < 0)
		return -1;
	return pkg_preflight_summary(ctx, pkgs, plan, ctx->root && *ctx->root ? ctx->root : "/usr",
				     err);
}

/* --- configure --- */

/* "rpm" with --root when installing into an image. */
static void rpm_argv(const struct inst_ctx *ctx, struct strlist *argv)
{
	strlist_add(argv, "rpm");
	if (ctx->root && *ctx->root) {
		strlist_add(argv, "--root");
		strlist_add(argv, ctx->root);
	}
}

/* The output lines of `rpm [--root R] -q --qf FMT ARG`, sorted: a query of
 * something not installed answers with status 1 and a line with spaces,
 * which is left out. */
static int rpm_lines(const struct inst_ctx *ctx, const char *fmt, const char *arg,
		     struct strlist *out, struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT;
	struct sbuf res = SBUF_INIT;
	int rc;

	rpm_argv(ctx, &argv);
	strlist_add(&argv, arg[0] == '-' ? arg : "-q");
	strlist_add(&argv, "--qf");
	strlist_add(&argv, fmt);
	if (arg[0] != '-')
		strlist_add(&argv, arg);
	strlist_add_owned(&argv, NULL);
	rc = inst_run((const char *const *)argv.v, &res, err);
	for (const char *s = res.buf; rc >= 0 && s && *s;) {
		size_t n = strcspn(s, "\n");

		if (n && !memchr(s, ' ', n))
			strlist_add_owned(out, xstrndup(s, n));
		s += n + (s[n] == '\n');
	}
	strlist_sort(out);
	strlist_free(&argv);
	sbuf_free(&res);
	return rc < 0 ? -1 : 0;
}

/* The gpg-pubkey packages in the rpm database, one "VERSION-RELEASE" each. */
static int rpm_keys(const struct inst_ctx *ctx, struct strlist *out, struct pgb_err *err)
{
	return rpm_lines(ctx, "%{VERSION}-%{RELEASE}\\n", "gpg-pubkey", out, err);
}

static int import_key(struct inst_ctx *ctx, const char *file, struct pgb_err *err)
{
	struct strlist argv = STRLIST_INIT;
	char *path = util_path_join(ctx->repo_dir, file);
	int rc;

	rpm_argv(ctx, &argv);
	strlist_add(&argv, "--import");
	strlist_add(&argv, path);
	rc = inst_run_logged(ctx, &argv, "rpm --import", err);
	strlist_free(&argv);
	free(path);
	return rc;
}

/* rpm --import every key of the bundle; record those that were not there. */
static int import_keys(struct inst_ctx *ctx, struct pgb_err *err)
{
	const struct inst_rpm *r = &ctx->bundle->rpm;
	struct strlist before = STRLIST_INIT, after = STRLIST_INIT;
	char *record = inst_root_path(ctx, KEYS_RECORD), *dir = inst_root_path(ctx, INST_STATE_DIR);
	struct sbuf text = SBUF_INIT;
	int rc = rpm_keys(ctx, &before, err);

	for (size_t i = 0; rc == 0 && i < r->keys.n; i++) {
		struct strlist now = STRLIST_INIT;

		if (ctx->dry_run) {
			inst_log_change(ctx->log, "rpm --import %s (if not imported yet)", r->keys.v[i]);
			continue;
		}
		rc = import_key(ctx, r->keys.v[i], err);
		if (rc < 0 && !strcmp(r->keys.v[i], r->gpgkey)) {
			/* Older rpm cannot read an Ed25519 key; dnf's repo_gpgcheck keeps
			 * its own keyring from gpgkey=, so nothing depends on this one. */
			inst_log_warn(ctx->log, "rpm --import %s failed (%s); dnf still checks the "
				      "repository's signature with it", r->keys.v[i], err->msg);
			rc = 0;
		}
		if (rc == 0)
			rc = rpm_keys(ctx, &now, err);
		for (size_t k = 0; rc == 0 && k < now.n; k++)
			if (!strlist_has(&before, now.v[k]) && !strlist_has(&after, now.v[k])) {
				strlist_add(&after, now.v[k]);
				sbuf_addf(&text, "gpg-pubkey-%s\t%s\n", now.v[k], r->keys.v[i]);
				ctx->changes++;
				inst_log_change(ctx->log, "rpm --import %s (gpg-pubkey-%s)",
						r->keys.v[i], now.v[k]);
			}
		strlist_free(&now);
	}
	if (rc == 0 && text.len) {
		char *old = NULL;
		size_t n = 0;
		struct sbuf all = SBUF_INIT;

		if (util_exists(record))
			util_read_file(record, &old, &n, err);
		sbuf_add(&all, old ? old : "", n);
		sbuf_add(&all, text.buf, text.len);
		rc = util_mkdir_p(dir, 0755, err);
		if (rc == 0)
			rc = util_write_atomic(record, all.buf, all.len, 0644, err);
		free(old);
		sbuf_free(&all);
	}
	strlist_free(&before);
	strlist_free(&after);
	sbuf_free(&text);
	free(record);
	free(dir);
	return rc;
}

/* The .repo files of the host but ours, sorted. */
static int list_repos(const char *reposd, struct strlist *out)
{
	DIR *d = opendir(reposd);
	struct dirent *de;
	size_t n;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		n = strlen(de->d_name);
		if (n > 5 && !strcmp(de->d_name + n - 5, ".repo") &&
		    strcmp(de->d_name, REPO_ID ".repo"))
			strlist_add(out, de->d_name);
	}
	closedir(d);
	strlist_sort(out);
	return 0;
}

/* dnf module disable of what the build disabled (state kept in
 * /etc/dnf/modules.d); a module dnf does not know (its metadata is in the
 * host's own repositories, now aside) is noted, not an error. */
static int modules_disable(struct inst_ctx *ctx, struct pgb_err *err)
{
	const struct strlist *mods = &ctx->bundle->rpm.modules_disable;

	for (size_t i = 0; i < mods->n; i++) {
		char *rel = xasprintf("/etc/dnf/modules.d/%s.module", mods->v[i]);
		char *state = inst_root_path(ctx, rel), *text = NULL;
		struct strlist argv = STRLIST_INIT;
		struct sbuf out = SBUF_INIT;
		struct pgb_err ignored;
		size_t n;
		int rc = 0, done;

		done = util_exists(state) && util_read_file(state, &text, &n, &ignored) == 0 &&
		       strstr(text, "state=disabled");
		if (!done && ctx->dry_run) {
			ctx->changes++;
			inst_log_change(ctx->log, "dnf module disable %s (as the bundle was built: "
					"its streams would hide the bundle's packages)", mods->v[i]);
		} else if (!done) {
			dnf_argv(ctx, &argv, "-y");
			dnf_host_paths(ctx, &argv);
			strlist_add(&argv, "module");
			strlist_add(&argv, "disable");
			strlist_add(&argv, mods->v[i]);
			strlist_add_owned(&argv, NULL);
			rc = inst_run((const char *const *)argv.v, &out, err);
			inst_log_detail(ctx->log, "dnf module disable: %s", out.buf ? out.buf : "");
			if (rc == 0) {
				ctx->changes++;
				inst_log_change(ctx->log, "dnf module disable %s (as the bundle was "
						"built: its streams would hide the bundle's packages)",
						mods->v[i]);
			} else if (rc > 0) {
				/* Its metadata is in the host's own repositories, now aside. */
				inst_log_info(ctx->log, "module %s: not in the bundle's repository, so "
					      "nothing of it hides the bundle's packages; disable it "
					      "when the host's own repositories are back (dnf module "
					      "disable %s), as PGDG documents", mods->v[i], mods->v[i]);
				rc = 0;
			}
		}
		strlist_free(&argv);
		sbuf_free(&out);
		free(text);
		free(state);
		free(rel);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int dnf_configure(struct inst_ctx *ctx, struct pgb_err *err)
{
	char *reposd = inst_root_path(ctx, REPOS_D), *repo = util_path_join(reposd, REPO_ID ".repo");
	char *text = dnf_repo_text(ctx->bundle, image_path(ctx, ctx->repo_dir), 1);
	struct strlist others = STRLIST_INIT;
	int changed, rc = path_ok(ctx->repo_dir, err);

	if (rc == 0 && !ctx->dry_run)
		rc = util_mkdir_p(reposd, 0755, err);
	if (rc == 0)
		rc = list_repos(reposd, &others);
	if (rc == 0)
		rc = inst_aside_move(ctx, reposd, DISABLED, &others, err);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, repo, text, 0644, NULL, "the bundle's repository for dnf",
					&changed, NULL, err);
	if (rc == 0)
		rc = import_keys(ctx, err);
	if (rc == 0)
		rc = modules_disable(ctx, err);
	strlist_free(&others);
	free(text);
	free(repo);
	free(reposd);
	return rc;
}

/* --- install --- */

/* Whether file (passwd- or group-like, under the root) names `name`. */
static int has_entry(const char *file, const char *name, int passwd)
{
	FILE *f = fopen(file, "re");
	int found = 0;

	if (!f)
		return 0;
	if (passwd) {
		struct passwd *pw;

		while (!found && (pw = fgetpwent(f)))
			found = !strcmp(pw->pw_name, name);
	} else {
		struct group *gr;

		while (!found && (gr = fgetgrent(f)))
			found = !strcmp(gr->gr_name, name);
	}
	fclose(f);
	return found;
}

/* The PostgreSQL majors of postgresqlNN-server among names. */
static void server_majors(const struct strlist *names, struct strlist *majors)
{
	for (size_t i = 0; i < names->n; i++) {
		const char *s = names->v[i];
		size_t d = strspn(s + 10, "0123456789");

		if (!strncmp(s, "postgresql", 10) && d && !strcmp(s + 10 + d, "-server"))
			strlist_add_owned(majors, xstrndup(s + 10, d));
	}
}

/* Whether names hold a PostgreSQL server package: PGDG's postgresqlNN-server
 * or EL's own postgresql-server. */
static int has_server(const struct strlist *names)
{
	struct strlist majors = STRLIST_INIT;
	int yes = strlist_has(names, "postgresql-server");

	server_majors(names, &majors);
	yes = yes || majors.n > 0;
	strlist_free(&majors);
	return yes;
}

static void add_all(struct strlist *l, const char *const *v)
{
	for (; *v; v++)
		strlist_add(l, *v);
}

void dnf_postgres_account_argv(const struct strlist *names, const char *root,
			       const char *passwd, const char *group,
			       struct strlist *groupadd, struct strlist *useradd)
{
	static const char *const group_args[] = { "-g", "26", "-o", "-r", "postgres", NULL };
	static const char *const user_args[] = {
		"-M", "-g", "postgres", "-o", "-r", "-d", "/var/lib/pgsql", "-s", "/bin/bash",
		"-c", "PostgreSQL Server", "-u", "26", "postgres", NULL
	};
	int chroot = root && *root;

	if (!has_server(names) || has_entry(passwd, "postgres", 1))
		return;
	if (!has_entry(group, "postgres", 0)) {
		strlist_add(groupadd, "groupadd");
		if (chroot) {
			strlist_add(groupadd, "--root");
			strlist_add(groupadd, root);
		}
		add_all(groupadd, group_args);
	}
	strlist_add(useradd, "useradd");
	if (chroot) {
		strlist_add(useradd, "--root");
		strlist_add(useradd, root);
	}
	add_all(useradd, user_args);
}

/*
 * The postgres account, made as PGDG's and EL's server packages make it in
 * their %pre (uid 26, home /var/lib/pgsql, shell /bin/bash), before the
 * transaction.  Other packages create a user of that name their own way:
 * prometheus-rpm's postgres_exporter runs as postgres and its %pre makes it
 * with home /var/lib/postgres_exporter and shell /sbin/nologin.  Nothing
 * orders the two packages, and rpm runs the first %pre it reaches; the
 * server's then keeps the exporter's account (its useradd fails quietly),
 * and postgresql-N-setup's `runuser -l postgres` cannot log in to run
 * initdb.  Like the packages, uninstall leaves the account.
 */
static void postgres_account(struct inst_ctx *ctx, const struct strlist *pkgs)
{
	struct strlist groupadd = STRLIST_INIT, useradd = STRLIST_INIT;
	char *passwd = inst_root_path(ctx, "/etc/passwd"), *group = inst_root_path(ctx, "/etc/group");
	struct pgb_err err;
	int rc = 0;

	dnf_postgres_account_argv(pkgs, ctx->root, passwd, group, &groupadd, &useradd);
	if (groupadd.n)
		rc = inst_run_logged(ctx, &groupadd, "groupadd postgres", &err);
	if (rc == 0 && useradd.n)
		rc = inst_run_logged(ctx, &useradd, "useradd postgres", &err);
	/* Not fatal: the server package's %pre still makes the account, as
	 * without this step (its own useradd's failure is ignored too). */
	if (rc != 0)
		inst_log_warn(ctx->log, "could not make the postgres account before the "
			      "transaction (%s); the server package's %%pre will", err.msg);
	else if (useradd.n)
		inst_log_change(ctx->log, "created the postgres account as PostgreSQL's server "
				"package does (uid 26, /var/lib/pgsql, /bin/bash)");
	strlist_free(&groupadd);
	strlist_free(&useradd);
	free(passwd);
	free(group);
}

/* The names of the installed packages. */
static int rpm_names(const struct inst_ctx *ctx, struct strlist *out, struct pgb_err *err)
{
	return rpm_lines(ctx, "%{NAME}\\n", "-qa", out, err);
}

static int dnf_install(struct inst_ctx *ctx, const struct strlist *pkgs,
		       const struct pkg_plan *p, struct pgb_err *err)
{
	struct strlist before = STRLIST_INIT, after = STRLIST_INIT, added = STRLIST_INIT;
	struct strlist argv = STRLIST_INIT, missing = STRLIST_INIT;
	int rc;

	if (!pkg_install_announce(ctx, pkgs, p))
		return 0;
	rc = rpm_names(ctx, &before, err);
	if (rc == 0)
		postgres_account(ctx, pkgs);
	if (rc == 0) {
		dnf_argv(ctx, &argv, "-y");
		dnf_host_paths(ctx, &argv);
		strlist_add(&argv, "install");
		for (size_t i = 0; i < pkgs->n; i++)
			strlist_add(&argv, pkgs->v[i]);
		rc = inst_run_logged(ctx, &argv, "dnf install", err);
	}
	if (rc == 0)
		rc = rpm_names(ctx, &after, err);
	for (size_t i = 0; rc == 0 && i < after.n; i++)
		if (!strlist_has(&before, after.v[i]))
			strlist_add(&added, after.v[i]);
	for (size_t i = 0; rc == 0 && i < pkgs->n; i++)
		if (!strlist_has(&after, pkgs->v[i]))
			strlist_add(&missing, pkgs->v[i]);
	if (rc == 0)
		rc = pkg_record_add(ctx, &added, err);
	if (rc == 0 && missing.n)
		rc = pgb_fail(err, "dnf finished but rpm does not list %s (and %zu more) as "
			      "installed; see the log", missing.v[0], missing.n - 1);
	strlist_free(&before);
	strlist_free(&after);
	strlist_free(&added);
	strlist_free(&argv);
	strlist_free(&missing);
	return rc;
}

/* --- uninstall --- */

/* Remove the keys recorded in KEYS_RECORD: the bundle key's only, or all. */
static int remove_keys(struct inst_ctx *ctx, int all, struct pgb_err *err)
{
	char *record = inst_root_path(ctx, KEYS_RECORD), *data = NULL, *line, *save = NULL;
	struct strlist have = STRLIST_INIT;
	size_t n;
	int rc = 0;

	if (!util_exists(record)) {
		free(record);
		return 0;
	}
	if (util_read_file(record, &data, &n, err) < 0) {
		free(record);
		return -1;
	}
	rc = rpm_keys(ctx, &have, err);
	for (line = strtok_r(data, "\n", &save); rc == 0 && line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		struct strlist argv = STRLIST_INIT;

		if (!tab || strncmp(line, "gpg-pubkey-", 11) ||
		    (!all && strcmp(tab + 1, BUNDLE_KEY)))
			continue;
		*tab = '\0';
		if (!strlist_has(&have, line + 11))
			continue;
		ctx->changes++;
		inst_log_change(ctx->log, "rpm -e %s (imported from %s)", line, tab + 1);
		if (ctx->dry_run)
			continue;
		rpm_argv(ctx, &argv);
		strlist_add(&argv, "-e");
		strlist_add(&argv, line);
		rc = inst_run_logged(ctx, &argv, "rpm -e", err);
		strlist_free(&argv);
	}
	strlist_free(&have);
	free(data);
	free(record);
	return rc;
}

static int dnf_restore(struct inst_ctx *ctx, struct pgb_err *err)
{
	char *reposd = inst_root_path(ctx, REPOS_D), *repo = util_path_join(reposd, REPO_ID ".repo");
	int kept = 0, rc = inst_aside_restore(ctx, reposd, DISABLED, &kept, err);

	if (rc == 0 && util_exists(repo)) {
		ctx->changes++;
		inst_log_change(ctx->log, "remove %s", repo);
		if (!ctx->dry_run && unlink(repo) < 0)
			rc = pgb_failsys(err, "cannot remove %s", repo);
	}
	if (rc == 0)
		rc = remove_keys(ctx, 0, err);
	if (rc == 0 && kept)
		rc = pgb_fail(err, "%d .repo file(s) could not be put back because a file of the "
			      "same name exists again; they stay in %s/%s", kept, reposd, DISABLED);
	free(repo);
	free(reposd);
	return rc;
}

/* Stop each cluster of a major pgbundle installed and delete its data. */
static int drop_clusters(struct inst_ctx *ctx, const struct strlist *names, struct pgb_err *err)
{
	struct strlist majors = STRLIST_INIT;
	int rc = 0;

	server_majors(names, &majors);
	for (size_t i = 0; i < majors.n && rc == 0; i++) {
		char *rel = xasprintf("/var/lib/pgsql/%s/data", majors.v[i]);
		char *data = inst_root_path(ctx, rel), *unit = xasprintf("postgresql-%s", majors.v[i]);
		/* postgresql-N-setup's log of the initdb, beside the data: no
		 * package owns it, and it would keep /var/lib/pgsql/N. */
		char *log_rel = xasprintf("/var/lib/pgsql/%s/initdb.log", majors.v[i]);
		char *log = inst_root_path(ctx, log_rel);

		if (util_exists(data)) {
			ctx->changes++;
			inst_log_change(ctx->log, "stop %s and delete %s (its data is deleted)", unit,
					rel);
			if (!ctx->dry_run && (!ctx->root || !*ctx->root) &&
			    inst_pg_unit_active(unit))
				rc = inst_pg_systemctl("stop", unit, err);
			if (rc == 0 && !ctx->dry_run)
				rc = util_rm_rf(data, err);
		}
		if (rc == 0 && util_exists(log)) {
			ctx->changes++;
			inst_log_change(ctx->log, "delete %s", log_rel);
			if (!ctx->dry_run)
				rc = util_rm_rf(log, err);
		}
		free(rel);
		free(data);
		free(log_rel);
		free(log);
		free(unit);
	}
	strlist_free(&majors);
	return rc;
}

static int dnf_purge(struct inst_ctx *ctx, int (*leave)(void *arg, struct pgb_err *err),
		     void *arg, struct pgb_err *err)
{
	struct strlist recorded = STRLIST_INIT, now = STRLIST_INIT, gone = STRLIST_INIT;
	struct strlist argv = STRLIST_INIT;
	struct pkg_plan sim = { 0 };
	struct sbuf out = SBUF_INIT, others = SBUF_INIT;
	int rc = pkg_read_installed_record(ctx, &recorded, err);

	if (rc == 0)
		rc = rpm_names(ctx, &now, err);
	for (size_t i = 0; rc == 0 && i < recorded.n; i++)
		if (strlist_has(&now, recorded.v[i]))
			strlist_add(&gone, recorded.v[i]);
	if (rc == 0 && gone.n) {
		/* dnf's own answer to what the removal takes with it. */
		dnf_argv(ctx, &argv, "--assumeno");
		strlist_add(&argv, "--disablerepo=*");	/* removing reads no repository */
		strlist_add(&argv, "--noautoremove");
		strlist_add(&argv, "remove");
		for (size_t i = 0; i < gone.n; i++)
			strlist_add(&argv, gone.v[i]);
		strlist_add_owned(&argv, NULL);
		rc = inst_run((const char *const *)argv.v, &out, err) < 0 ? -1 : 0;
		dnf_sim_parse(out.buf, &sim);
		for (size_t i = 0; i < sim.remove.n; i++)
			if (!strlist_has(&gone, sim.remove.v[i]))
				sbuf_addf(&others, " %s", sim.remove.v[i]);
		if (rc == 0 && others.len)
			rc = pgb_fail(err, "--purge would also remove packages that pgbundle did not "
				      "install:%s; remove them first or uninstall without --purge; "
				      "nothing was purged", others.buf);
	}
	if (rc == 0)
		rc = leave(arg, err);
	if (rc == 0)
		rc = drop_clusters(ctx, &gone, err);
	if (rc == 0 && gone.n) {
		ctx->changes += (int)gone.n;
		inst_log_change(ctx->log, "remove the %zu packages pgbundle installed", gone.n);
		strlist_free(&argv);
		if (!ctx->dry_run) {
			dnf_argv(ctx, &argv, "-y");
			strlist_add(&argv, "--disablerepo=*");
			strlist_add(&argv, "--noautoremove");
			strlist_add(&argv, "remove");
			for (size_t i = 0; i < gone.n; i++)
				strlist_add(&argv, gone.v[i]);
			rc = inst_run_logged(ctx, &argv, "dnf remove", err);
		}
	}
	if (rc == 0)
		rc = remove_keys(ctx, 1, err);
	pkg_plan_free(&sim);
	strlist_free(&recorded);
	strlist_free(&now);
	strlist_free(&gone);
	strlist_free(&argv);
	sbuf_free(&out);
	sbuf_free(&others);
	return rc;
}

const struct inst_pkgmgr inst_pkgmgr_dnf = {
	"rpm", "dnf", dnf_preflight, dnf_configure, dnf_install, dnf_restore, dnf_purge,
	NULL,	/* dnf recovers its own transactions (rpmdb is transactional) */
};
