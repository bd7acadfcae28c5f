/*
 * restart.c - after packages were upgraded, restart the services that still
 * run what the upgrade replaced.
 *
 * A running process keeps the files it mapped; dpkg replaces a binary or a
 * library by renaming a new file over it, so a service that was not
 * restarted shows the old one in /proc/PID/maps (and /proc/PID/exe) as
 * "PATH (deleted)".  That is the test here, as needrestart's: whatever the
 * package's maintainer scripts did (Debian's postgresql-N stops and starts
 * its clusters itself, a library's upgrade restarts nothing), a service
 * whose main process maps a replaced file under /usr (or the /lib, /bin,
 * /sbin, /opt trees) is stale.  A PostgreSQL minor upgrade is such a
 * restart, never an initdb: the cluster's data directory is the same.
 * Under Patroni, PostgreSQL is not patroni.service's main process: the
 * Patroni module restarts it through Patroni (patroni.c, stale_restart),
 * after the leader of several members handed over (before_upgrade).
 *
 * Only the services that belong to a package of the bundle are restarted
 * (their unit file, or the init script it was generated from, is that
 * package's, by dpkg -S); another stale service is named in a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"

struct unit {
	char *id, *path;	/* path: the unit file or the script it came from */
	long pid;
};

/* A replaced file under the trees packages install to. */
static int replaced_line(const char *line)
{
	static const char *const trees[] = { "/usr/", "/lib", "/bin/", "/sbin/", "/opt/" };
	const char *path = strchr(line, '/');
	size_t n = strlen(line);

	if (!path || n < 10 || strcmp(line + n - 10, " (deleted)"))
		return 0;
	for (size_t i = 0; i < sizeof(trees) / sizeof(*trees); i++)
		if (!strncmp(path, trees[i], strlen(trees[i])))
			return 1;
	return 0;
}

char *inst_stale_file(long pid)
{
	char path[64], line[4096], *found = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
	if (!(f = fopen(path, "re")))
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (replaced_line(line))
			found = xstrndup(strchr(line, '/'), strlen(strchr(line, '/')) - 10);
	}
	fclose(f);
	return found;
}

/* The value of "KEY=" in one block of `systemctl show` output, malloc'd, or NULL. */
static char *show_value(const char *block, size_t len, const char *key)
{
	size_t k = strlen(key);

	for (const char *l = block; l < block + len;) {
		size_t n = strcspn(l, "\n");

		if (n > k && !strncmp(l, key, k) && l[k] == '=')
			return n > k + 1 ? xstrndup(l + k + 1, n - k - 1) : NULL;
		l += n + 1;
	}
	return NULL;
}

/* The blocks of `systemctl show`, one per unit, separated by empty lines. */
static void parse_show(const char *text, struct unit **units, size_t *n)
{
	const char *p = text;

	while (p && *p) {
		const char *end = strstr(p, "\n\n");
		size_t len = end ? (size_t)(end - p) + 1 : strlen(p);
		char *pid = show_value(p, len, "MainPID"), *src = show_value(p, len, "SourcePath");
		struct unit u = { show_value(p, len, "Id"), show_value(p, len, "FragmentPath"),
				  pid ? strtol(pid, NULL, 10) : 0 };

		if (src) {	/* generated from an init script: that is the package's file */
			free(u.path);
			u.path = src;
		}
		if (u.id) {
			*units = xrealloc(*units, (*n + 1) * sizeof(**units));
			(*units)[(*n)++] = u;
		} else {
			free(u.path);
		}
		free(pid);
		p += len + (end ? 1 : 0);
	}
}

/* Running services with their main PID and unit file, from systemctl. */
static int running_units(struct unit **units, size_t *n, struct pgb_err *err)
{
	const char *const list[] = { "systemctl", "list-units", "--type=service", "--state=running",
				     "--no-legend", "--plain", NULL };
	struct strlist argv = STRLIST_INIT;
	struct sbuf out = SBUF_INIT, show = SBUF_INIT;
	char *save = NULL;
	int rc = inst_run(list, &out, err);

	strlist_add(&argv, "systemctl");
	strlist_add(&argv, "show");
	strlist_add(&argv, "-p");
	strlist_add(&argv, "Id,MainPID,FragmentPath,SourcePath");
	for (char *l = rc == 0 && out.buf ? strtok_r(out.buf, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save))
		strlist_add_owned(&argv, xstrndup(l, strcspn(l, " ")));
	if (rc == 0 && argv.n > 4) {
		strlist_add_owned(&argv, NULL);
		rc = inst_run((const char *const *)argv.v, &show, err);
		if (rc == 0)
			parse_show(show.buf, units, n);
	}
	if (rc > 0)
		rc = pgb_fail(err, "systemctl failed (status %d): %s", rc,
			      show.buf ? show.buf : out.buf ? out.buf : "");
	strlist_free(&argv);
	sbuf_free(&out);
	sbuf_free(&show);
	return rc < 0 ? -1 : 0;
}

/* The package that owns path (dpkg -S), malloc'd, or NULL. */
static char *owner(const char *path)
{
	const char *const argv[] = { "dpkg-query", "-S", path, NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	char *pkg = NULL;

	if (path && *path && inst_run(argv, &out, &ignored) == 0 && out.buf && strchr(out.buf, ':'))
		pkg = xstrndup(out.buf, strcspn(out.buf, ":"));
	sbuf_free(&out);
	return pkg;
}

static int restart_one(struct inst_ctx *ctx, const struct unit *u, const char *pkg,
		       const char *file, struct pgb_err *err)
{
	ctx->changes++;
	inst_log_change(ctx->log, "restart %s (%s): it still ran %s, which the upgrade replaced",
			u->id, pkg, file);
	if (inst_pg_systemctl("restart", u->id, err) < 0)
		return -1;
	if (!inst_pg_unit_active(u->id))
		return pgb_fail(err, "%s did not come back after its restart: see `journalctl -u %s`",
				u->id, u->id);
	return 0;
}

int inst_restart_stale(struct inst_ctx *ctx, const char *repo, int announce, struct pgb_err *err)
{
	struct strlist carried = STRLIST_INIT;
	struct unit *units = NULL;
	size_t n = 0, restarted = 0, stale = 0;
	int rc;

	if (ctx->dry_run || !inst_upgrade_applies(ctx))
		return 0;
	rc = inst_index_names(ctx->bundle, repo, &carried, err);
	if (rc == 0)
		rc = running_units(&units, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *file = units[i].pid > 0 ? inst_stale_file(units[i].pid) : NULL, *pkg;

		if (!file)
			continue;
		if (!stale++ && !announce)
			inst_log_step(ctx->log, "Services still running replaced files");
		pkg = owner(units[i].path);
		if (!pkg || !strlist_has(&carried, pkg) || ctx->no_start)
			inst_log_warn(ctx->log, "%s still runs %s, which the upgrade replaced: restart "
				      "it when convenient", units[i].id, file);
		else if ((rc = restart_one(ctx, &units[i], pkg, file, err)) == 0)
			restarted++;
		free(pkg);
		free(file);
	}
	if (rc == 0 && (announce || stale))
		inst_log_info(ctx->log, "%zu service%s restarted; no service of the bundle runs a "
			      "replaced file", restarted, restarted == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		free(units[i].id);
		free(units[i].path);
	}
	free(units);
	strlist_free(&carried);
	return rc;
}
