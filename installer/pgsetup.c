/*
 * pgsetup.c - bring a PostgreSQL cluster to what the config says.
 *
 * Order: the cluster (Debian: the one postgresql-common's package created,
 * or pg_createcluster; EL: postgresql-N-setup initdb), our conf.d file and
 * pg_hba.conf (pgconf.c renders both; written only when they differ), the
 * units enabled, the server started, reloaded or restarted as the change
 * needs, then roles, databases, schemas and extensions (pgobjects.c).
 *
 * Reload or restart: after writing, the server itself is asked what its
 * files now say (pg_file_settings, pg_hba_file_rules), before anything is
 * applied.  A value PostgreSQL rejects rolls both files back and fails,
 * naming the file, line and parameter; a postmaster-context parameter whose
 * value differs from the running one ("could not be applied") means a
 * restart; anything else takes a reload.  The same check on a run that
 * changed nothing catches a change an earlier, interrupted run wrote but
 * never applied.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "inst.h"
#include "module.h"

#define READY_TIMEOUT_MS 60000
#define JSON_MARK "<<pgbundle-json>>"

/* --- shared with pgobjects.c and pgbouncer.c --- */

void inst_pg_change(struct inst_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	inst_log_change(ctx->log, "%s", msg ? msg : fmt);
	free(msg);
	ctx->changes++;
}

int inst_pg_check_libs(struct inst_ctx *ctx, const struct inst_config *cfg,
		       const struct inst_pg_layout *l, struct pgb_err *err)
{
	const char *bundle = ctx->bundle && ctx->bundle->name ? ctx->bundle->name : "this bundle";
	int rc = 0;

	/* A dry run before the packages are in has nothing to look at. */
	if (ctx->dry_run && !util_exists(l->lib_dir))
		return 0;
	for (size_t i = 0; rc == 0 && i < cfg->pg_preload.n; i++) {
		const char *lib = cfg->pg_preload.v[i];
		char *so = xasprintf("%s/%s.so", l->lib_dir, lib);

		if (util_exists(so))
			;
		else if (ctx->dry_run)
			inst_log_warn(ctx->log, "shared_preload_libraries: %s is not there (yet)", so);
		else
			rc = pgb_fail(err, "%s: %s asks to preload %s, but PostgreSQL %d on this "
				      "host has no %s: %s holds no package with it. Add its "
				      "extension to the manifest's extensions and rebuild the "
				      "bundle, or take %s out of the config; nothing of "
				      "PostgreSQL was set up", cfg->path,
				      strlist_has(&cfg->pg_libs, lib) ? "pg_libs" :
				      "an extension of pg_databases", lib, l->major, so, bundle,
				      lib);
		free(so);
	}
	return rc;
}

int inst_pg_write_file(struct inst_ctx *ctx, const char *path, const char *text, mode_t mode,
		       const char *owner, const char *what, int *changed, char **old,
		       struct pgb_err *err)
{
	char *cur = NULL;
	size_t len;
	struct stat st;
	uid_t uid = 0;
	gid_t gid = 0;
	int same;

	*changed = 0;
	if (old)
		*old = NULL;
	if (owner && !ctx->dry_run && inst_local_user(owner, &uid, &gid, NULL, err) < 0)
		return -1;
	if (lstat(path, &st) == 0 && util_read_file(path, &cur, &len, err) < 0)
		return -1;
	same = cur && strcmp(cur, text) == 0 && (st.st_mode & 07777) == mode &&
	       (!owner || ctx->dry_run || (st.st_uid == uid && st.st_gid == gid));
	if (same) {
		free(cur);
		return 0;
	}
	inst_pg_change(ctx, "%s %s (%s)", cur ? "update" : "write", path, what);
	*changed = 1;
	if (ctx->dry_run) {
		if (old)
			*old = cur;
		else
			free(cur);
		return 0;
	}
	if (util_write_atomic(path, text, strlen(text), mode, err) < 0 ||
	    (owner && chown(path, uid, gid) < 0 &&
	     pgb_failsys(err, "cannot give %s to user %s", path, owner) < 0)) {
		free(cur);
		return -1;
	}
	if (old)
		*old = cur;
	else
		free(cur);
	return 0;
}

/* Put back what inst_pg_write_file replaced (old NULL: the file was new).
 * Best effort: this runs on the way out of a failure already reported. */
static void restore_file(const char *path, const char *old, mode_t mode, const char *owner)
{
	struct pgb_err ignored;
	uid_t uid;
	gid_t gid;

	if (!old) {
		unlink(path);
		return;
	}
	if (util_write_atomic(path, old, strlen(old), mode, &ignored) < 0 ||
	    inst_local_user(owner, &uid, &gid, NULL, &ignored) < 0)
		return;
	if (chown(path, uid, gid) < 0)
		return;		/* nothing more to try; the error is reported */
}

/* systemctl VERB UNIT; fails with its output. */
int inst_pg_systemctl(const char *verb, const char *unit, struct pgb_err *err)
{
	const char *argv[] = { "systemctl", verb, unit, NULL };
	struct sbuf out = SBUF_INIT;
	int st = inst_run(argv, &out, err);

	if (st > 0)
		pgb_fail(err, "systemctl %s %s failed (status %d): %.1200s%s", verb, unit, st,
			 out.buf ? out.buf : "", strcmp(verb, "enable") ? "; see journalctl -u "
			 "the unit" : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

/* "enabled" by systemctl is-enabled (enabled-runtime is lost on reboot).  For
 * a SysV service (bullseye's pgbouncer) the answer follows lines about
 * systemd-sysv-install, so look for it as a line of its own. */
static int unit_enabled(const char *unit)
{
	const char *argv[] = { "systemctl", "is-enabled", unit, NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	int st = inst_run(argv, &out, &ignored);
	int yes = st == 0 && out.buf &&
		  (strncmp(out.buf, "enabled\n", 8) == 0 || strstr(out.buf, "\nenabled\n"));

	sbuf_free(&out);
	return yes;
}

int inst_pg_unit_active(const char *unit)
{
	const char *argv[] = { "systemctl", "is-active", "--quiet", unit, NULL };
	struct pgb_err ignored;

	return inst_run(argv, NULL, &ignored) == 0;
}

int inst_pg_unit_enable(struct inst_ctx *ctx, const char *unit, struct pgb_err *err)
{
	if (unit_enabled(unit))
		return 0;
	inst_pg_change(ctx, "enable %s", unit);
	return ctx->dry_run ? 0 : inst_pg_systemctl("enable", unit, err);
}

/* --- psql --- */

int inst_psql(const struct inst_pg_layout *l, const char *db, const char *const *vars,
	      const char *script, struct sbuf *out, struct pgb_err *err)
{
	/* -X: no ~/.psqlrc; -At: bare values; -f -: the script comes on stdin. */
	static const char *const opts[] = { "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", NULL };
	char port[16];
	const char *const tail[] = { "-h", l->socket_dir, "-p", port, "-d", db, "-f", "-", NULL };
	struct strlist a = STRLIST_INIT;
	struct sbuf buf = SBUF_INIT;
	int st;

	snprintf(port, sizeof(port), "%d", l->port);
	strlist_add_owned(&a, xasprintf("%s/psql", l->bin_dir));
	for (size_t i = 0; opts[i]; i++)
		strlist_add(&a, opts[i]);
	for (size_t i = 0; vars && vars[i]; i++) {
		strlist_add(&a, "-v");
		strlist_add(&a, vars[i]);
	}
	for (size_t i = 0; tail[i]; i++)
		strlist_add(&a, tail[i]);
	strlist_add_owned(&a, NULL);	/* argv's terminator */
	a.n--;
	st = inst_run_as("postgres", (const char *const *)a.v, script, &buf, err);
	if (st > 0)
		pgb_fail(err, "psql in database %s failed (status %d): %.1500s", db, st,
			 buf.buf ? buf.buf : "(no output)");
	if (out && buf.buf)
		sbuf_add(out, buf.buf, buf.len);
	sbuf_free(&buf);
	strlist_free(&a);
	return st == 0 ? 0 : -1;
}

/* The last occurrence of needle in hay, or NULL. */
static char *last_of(char *hay, const char *needle)
{
	char *last = NULL;

	for (char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		last = p;
	return last;
}

int inst_psql_json(const struct inst_pg_layout *l, const char *db, const char *const *vars,
		   const char *query, char **out, struct pgb_err *err)
{
	/* Markers: psql's stderr shares the stream (a NOTICE, a chdir warning). */
	char *script = xasprintf("SELECT '" JSON_MARK "' || (%s)::text || '" JSON_MARK "';\n",
				 query);
	struct sbuf buf = SBUF_INIT;
	char *a, *b;
	int rc = inst_psql(l, db, vars, script, &buf, err);

	free(script);
	*out = NULL;
	/* First and last marker: a value may hold the marker text itself. */
	a = rc == 0 && buf.buf ? strstr(buf.buf, JSON_MARK) : NULL;
	b = a ? last_of(a + strlen(JSON_MARK), JSON_MARK) : NULL;
	if (rc == 0 && !b)
		rc = pgb_fail(err, "psql in database %s printed no answer: %.500s", db,
			      buf.buf ? buf.buf : "(nothing)");
	if (rc == 0)
		*out = xstrndup(a + strlen(JSON_MARK), (size_t)(b - a - strlen(JSON_MARK)));
	sbuf_free(&buf);
	return rc;
}

/* The answer of a JSON query, parsed; NULL with err set on failure. */
json_t *inst_pg_query(const struct inst_pg_layout *l, const char *db, const char *const *vars,
		      const char *query, struct pgb_err *err)
{
	char *text;
	json_error_t je;
	json_t *j;

	if (inst_psql_json(l, db, vars, query, &text, err) < 0)
		return NULL;
	j = json_loads(text, JSON_DECODE_ANY, &je);
	if (!j)
		pgb_fail(err, "cannot parse PostgreSQL's answer in database %s: %s", db, je.text);
	free(text);
	return j;
}

int inst_pg_answers(const struct inst_pg_layout *l)
{
	struct pgb_err ignored;

	return inst_psql(l, "postgres", NULL, "SELECT 1;\n", NULL, &ignored) == 0;
}

/* --- one bootstrap --- */

struct pgs {
	struct inst_ctx *ctx;
	const struct inst_config *cfg;
	struct inst_pg_layout l;
	int conf_changed, hba_changed;
	char *conf_old, *hba_old;	/* for a rollback */
	int running;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Poll until the server answers over the socket. */
static int wait_ready(struct pgs *s, struct pgb_err *err)
{
	struct pgb_err last = { { 0 } };

	for (long waited = 0; waited < READY_TIMEOUT_MS; waited += 250) {
		if (inst_psql(&s->l, "postgres", NULL, "SELECT 1;\n", NULL, &last) == 0)
			return 0;
		sleep_ms(250);
	}
	return pgb_fail(err, "PostgreSQL %d (%s) does not accept connections on %s port %d "
			"after %d s: %s; see journalctl -u %s", s->l.major, s->l.data_dir,
			s->l.socket_dir, s->l.port, READY_TIMEOUT_MS / 1000, last.msg, s->l.unit);
}

static int cluster_exists(const struct pgs *s)
{
	char *p = xasprintf("%s/PG_VERSION", s->l.data_dir);
	int yes = util_exists(p);

	free(p);
	return yes;
}

static int create_cluster_debian(struct pgs *s, struct pgb_err *err)
{
	char ver[16], port[16];
	const char *argv[] = {
		"pg_createcluster", "--locale", "C.UTF-8", "-p", port, ver, "main", "--",
		"--data-checksums", "--auth-local", "peer", "--auth-host", "scram-sha-256", NULL
	};
	struct sbuf out = SBUF_INIT;
	int st;

	snprintf(ver, sizeof(ver), "%d", s->l.major);
	snprintf(port, sizeof(port), "%d", s->l.port);
	st = inst_run(argv, &out, err);
	if (st > 0)
		pgb_fail(err, "pg_createcluster %s main failed (status %d): %.1200s", ver, st,
			 out.buf ? out.buf : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

/*
 * PGDG's setup script, then the include_dir line its postgresql.conf lacks.
 * The script runs initdb as postgres with -A scram-sha-256 --auth-local=peer
 * (what pg_createcluster is given on Debian) plus PGSETUP_INITDB_OPTIONS:
 * there the rest of what Debian's cluster gets, data checksums and the
 * C.UTF-8 locale (the script's login shell would otherwise take the host's
 * locale, or none).
 */
static int create_cluster_el(struct pgs *s, struct pgb_err *err)
{
	char *setup = xasprintf("%s/postgresql-%d-setup", s->l.bin_dir, s->l.major);
	const char *argv[] = {
		"env", "PGSETUP_INITDB_OPTIONS=--data-checksums --locale=C.UTF-8", setup, "initdb",
		NULL
	};
	char *conf = xasprintf("%s/postgresql.conf", s->l.conf_dir);
	char *dir = xasprintf("%s/conf.d", s->l.conf_dir);
	char *text = NULL, *next = NULL;
	struct sbuf out = SBUF_INIT;
	size_t len;
	uid_t uid;
	gid_t gid;
	int st = inst_run(argv, &out, err);

	if (st > 0)
		pgb_fail(err, "%s initdb failed (status %d): %.1200s", setup, st,
			 out.buf ? out.buf : "");
	if (st == 0 && (util_read_file(conf, &text, &len, err) < 0 ||
			inst_local_user("postgres", &uid, &gid, NULL, err) < 0))
		st = -1;
	if (st == 0 && !strstr(text, "\ninclude_dir = 'conf.d'")) {
		next = xasprintf("%s\ninclude_dir = 'conf.d'\t# added by pgbundle-installer\n",
				 text);
		if (util_write_atomic(conf, next, strlen(next), 0600, err) < 0 ||
		    chown(conf, uid, gid) < 0)
			st = -1;
	}
	if (st == 0 && (util_mkdir_p(dir, 0700, err) < 0 || chown(dir, uid, gid) < 0))
		st = -1;
	free(setup);
	free(conf);
	free(dir);
	free(text);
	free(next);
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

static int ensure_cluster(struct pgs *s, struct pgb_err *err)
{
	if (cluster_exists(s)) {
		inst_log_info(s->ctx->log, "cluster %d/main in %s", s->l.major, s->l.data_dir);
		return 0;
	}
	inst_pg_change(s->ctx, "create the cluster %d/main in %s", s->l.major, s->l.data_dir);
	if (s->ctx->dry_run)
		return 0;
	if (s->l.debian)
		return create_cluster_debian(s, err);
	return create_cluster_el(s, err);
}

/* Every preloaded library must be there, or the server would not start. */
static int check_libs(struct pgs *s, struct pgb_err *err)
{
	for (size_t i = 0; i < s->cfg->pg_preload_skipped.n; i++)
		inst_log_info(s->ctx->log, "shared_preload_libraries: pg_libs_auto leaves out %s; "
			      "name it in pg_libs, or its extension in a database, to load it",
			      s->cfg->pg_preload_skipped.v[i]);
	return inst_pg_check_libs(s->ctx, s->cfg, &s->l, err);
}

static int write_files(struct pgs *s, struct pgb_err *err)
{
	struct inst_pgconf settings = { 0 };
	struct sbuf conf = SBUF_INIT, hba = SBUF_INIT;
	uint64_t mem = inst_pg_host_memory();
	char *header;
	int rc;

	inst_pg_settings(s->cfg, mem, &settings);
	inst_modules_pg_settings(s->cfg, &settings);	/* archive_command, ... */
	header = xasprintf("Written by pgbundle-installer from its config; edits are "
			   "overwritten on its next run.\nMemory settings sized for %llu MB of "
			   "RAM; pg_parameters in the config override them.",
			   (unsigned long long)(mem / (1024 * 1024)));
	inst_pgconf_render_pg(&settings, header, &conf);
	inst_pg_hba_render(s->cfg, &hba);
	rc = inst_pg_write_file(s->ctx, s->l.conf_file, conf.buf, 0644, "postgres",
				"settings", &s->conf_changed, &s->conf_old, err);
	if (rc == 0)
		rc = inst_pg_write_file(s->ctx, s->l.hba_file, hba.buf, 0640, "postgres",
					"client authentication", &s->hba_changed, &s->hba_old,
					err);
	free(header);
	sbuf_free(&conf);
	sbuf_free(&hba);
	inst_pgconf_free(&settings);
	return rc;
}

static void rollback_files(struct pgs *s)
{
	if (s->conf_changed)
		restore_file(s->l.conf_file, s->conf_old, 0644, "postgres");
	if (s->hba_changed)
		restore_file(s->l.hba_file, s->hba_old, 0640, "postgres");
}

static const char q_file_errors[] =
	"SELECT coalesce(json_agg(json_build_object('name', f.name, 'file', f.sourcefile, "
	"'line', f.sourceline, 'setting', f.setting, 'error', f.error, 'context', s.context)), "
	"'[]') "
	"FROM pg_file_settings f LEFT JOIN pg_settings s ON s.name = f.name "
	"WHERE f.error IS NOT NULL";
static const char q_hba_errors[] =
	"SELECT coalesce(json_agg(json_build_object('line', line_number, 'error', error)), "
	"'[]') FROM pg_hba_file_rules WHERE error IS NOT NULL";

/* Settings the server cannot take: postmaster ones (restart), or bad ones (fail). */
static int check_settings(struct pgs *s, int *restart, struct pgb_err *err)
{
	json_t *rows = inst_pg_query(&s->l, "postgres", NULL, q_file_errors, err), *r;
	size_t i;
	int rc = 0;

	if (!rows)
		return -1;
	json_array_foreach(rows, i, r) {
		const char *ctxt = json_string_value(json_object_get(r, "context"));
		const char *name = json_string_value(json_object_get(r, "name"));

		if (ctxt && strcmp(ctxt, "postmaster") == 0) {
			*restart = 1;
			inst_log_info(s->ctx->log, "%s changed: it takes a restart", name);
			continue;
		}
		rc = pgb_fail(err, "%s:%lld: PostgreSQL refuses %s%s%s%s: %s; check pg_parameters "
			      "in %s (the previous files are restored)",
			      json_string_value(json_object_get(r, "file")),
			      (long long)json_integer_value(json_object_get(r, "line")),
			      name ? name : "the file", name ? " = '" : "",
			      name ? json_string_value(json_object_get(r, "setting")) : "",
			      name ? "'" : "", json_string_value(json_object_get(r, "error")),
			      s->cfg->path);
		break;
	}
	json_decref(rows);
	return rc;
}

static int check_hba(struct pgs *s, struct pgb_err *err)
{
	json_t *rows = inst_pg_query(&s->l, "postgres", NULL, q_hba_errors, err), *r;
	int rc = 0;

	if (!rows)
		return -1;
	r = json_array_get(rows, 0);
	if (r)
		rc = pgb_fail(err, "%s:%lld: PostgreSQL refuses this line: %s (from pg_hba_rules "
			      "in %s; the previous files are restored)", s->l.hba_file,
			      (long long)json_integer_value(json_object_get(r, "line")),
			      json_string_value(json_object_get(r, "error")), s->cfg->path);
	json_decref(rows);
	return rc;
}

/* The server runs: apply what the files say, by reload or restart. */
static int apply_running(struct pgs *s, struct pgb_err *err)
{
	int restart = 0;

	if (s->ctx->dry_run)
		return 0;
	if (check_hba(s, err) < 0 || check_settings(s, &restart, err) < 0) {
		rollback_files(s);
		return -1;
	}
	if (restart && s->ctx->no_start) {
		inst_log_warn(s->ctx->log, "%s needs a restart for its new settings; not done "
			      "(--no-start): systemctl restart %s", s->l.unit, s->l.unit);
		restart = 0;
	}
	if (restart) {
		inst_pg_change(s->ctx, "restart %s (a setting that needs it changed)",
			       s->l.unit);
		if (inst_pg_systemctl("restart", s->l.unit, err) < 0)
			return -1;
		s->l.port = s->cfg->pg_port;
		return wait_ready(s, err);
	}
	if (s->conf_changed || s->hba_changed) {
		inst_log_info(s->ctx->log, "reload %s", s->l.unit);
		return inst_psql(&s->l, "postgres", NULL, "SELECT pg_reload_conf();\n", NULL,
				 err);
	}
	return 0;
}

/*
 * The port the running server listens on (postmaster.pid's fourth line):
 * until a restart applies a new pg_port, psql must use the old one.
 */
static void use_live_port(struct pgs *s)
{
	char *pid = xasprintf("%s/postmaster.pid", s->l.data_dir), *text = NULL, *p;
	struct pgb_err ignored;
	size_t len;
	int line = 1;

	if (util_read_file(pid, &text, &len, &ignored) == 0) {
		for (p = text; *p && line < 4; p++)
			line += *p == '\n';
		if (line == 4 && atoi(p) > 0)
			s->l.port = atoi(p);
	}
	free(text);
	free(pid);
}

static int services(struct pgs *s, struct pgb_err *err)
{
	if (inst_pg_unit_enable(s->ctx, s->l.unit, err) < 0 ||
	    (s->l.debian && inst_pg_unit_enable(s->ctx, "postgresql", err) < 0))
		return -1;
	s->running = inst_pg_unit_active(s->l.unit);
	if (s->running)
		use_live_port(s);
	if (s->running && !s->ctx->dry_run) {
		if (wait_ready(s, err) < 0)
			return -1;
		return apply_running(s, err);
	}
	if (s->running)
		return 0;
	if (s->ctx->no_start) {
		inst_log_info(s->ctx->log, "%s not started (--no-start): roles, databases and "
			      "extensions are set up by a run without it", s->l.unit);
		return 0;
	}
	inst_pg_change(s->ctx, "start %s", s->l.unit);
	if (s->ctx->dry_run)
		return 0;
	if (inst_pg_systemctl("start", s->l.unit, err) < 0 || wait_ready(s, err) < 0)
		return -1;
	s->running = 1;
	return 0;
}

int pg_bootstrap(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct pgs s = { ctx, cfg, { 0 }, 0, 0, NULL, NULL, 0 };
	const char *family = ctx->bundle ? ctx->bundle->family : "deb";
	int rc;

	if (!inst_config_has_module(cfg, "pgsql")) {
		inst_log_info(ctx->log, "module pgsql is not enabled in %s: no PostgreSQL to set "
			      "up", cfg->path);
		return 0;
	}
	if (inst_pg_layout_init(&s.l, family, cfg->pg_major, cfg->pg_port, err) < 0)
		return -1;
	inst_log_step(ctx->log, "PostgreSQL %d: cluster %s on port %d", s.l.major,
		      cfg->pg_cluster, cfg->pg_port);
	rc = ensure_cluster(&s, err);
	if (rc == 0)
		rc = check_libs(&s, err);
	if (rc == 0)
		rc = write_files(&s, err);
	if (rc == 0)
		rc = services(&s, err);
	if (rc == 0 && (s.running || ctx->dry_run))
		rc = inst_pg_objects(ctx, cfg, &s.l, s.running, err);
	free(s.conf_old);
	free(s.hba_old);
	inst_pg_layout_free(&s.l);
	return rc;
}

/* Without Patroni, the distribution's own cluster (with it, patroni.c owns
 * PostgreSQL and this module only brings its packages). */
static int pgsql_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	if (cfg->patroni_enabled)
		return 0;
	return pg_bootstrap(ctx, cfg, err);
}

static int pgsql_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
			struct pgb_err *err)
{
	const char *family = ctx->bundle && ctx->bundle->family ? ctx->bundle->family : "deb";
	struct inst_pg_layout l;
	struct pgb_err down;
	int active, serves;

	if (cfg->patroni_enabled)
		return 0;	/* patroni.c reports PostgreSQL */
	if (inst_pg_layout_init(&l, family, cfg->pg_major, cfg->pg_port, err) < 0)
		return -1;
	active = inst_pg_unit_active(l.unit);
	serves = active && inst_psql(&l, "postgres", NULL, "SELECT 1;\n", NULL, &down) == 0;
	json_object_set_new(out, "unit", json_string(l.unit));
	json_object_set_new(out, "active", json_boolean(active));
	json_object_set_new(out, "port", json_integer(cfg->pg_port));
	json_object_set_new(out, "data", json_string(l.data_dir));
	json_object_set_new(out, "ok", json_boolean(serves));
	inst_pg_layout_free(&l);
	return 0;
}

/* The business users' passwords (pg_users without one), for `pki init`. */
static void pgsql_secrets(const struct inst_config *cfg, struct inst_secret_needs *out)
{
	for (size_t i = 0; i < cfg->n_pg_users; i++)
		if (cfg->pg_users[i].login)
			inst_secret_need(out, 1, cfg->pg_users[i].name, cfg->pg_users[i].password);
}

const struct inst_module inst_module_pgsql = {
	.name = "pgsql",
	.summary = "PostgreSQL: the distribution's cluster, or the packages Patroni runs",
	.packages = "pgsql",
	.apply = pgsql_apply,
	.status = pgsql_status,
	.secrets = pgsql_secrets,
};
