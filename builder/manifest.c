#include "manifest.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "recipes.h"
#include "yamldoc.h"

#define PG_MIN RECIPES_PG_MIN
#define PG_MAX RECIPES_PG_MAX

static const char *const manifest_keys[] = {
	"name", "version", "target", "arch", "postgres", "extensions", "modules", "packages",
	"upstreams", "prefer", "recommends", "config", "mirrors", "modules_enable",
	"modules_disable", NULL
};

/* The state of one load: the document and the recipes it is checked against. */
struct mload {
	struct manifest *m;
	const struct recipes *rc;
	const struct recipe_target *t;
	struct yamldoc *d;
	const struct yamldoc_node *root;
};

int manifest_safe_name(const char *s)
{
	if (!*s || *s == '.' || *s == '-' || strstr(s, ".."))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '+' ||
		      *s == '-'))
			return 0;
	return 1;
}

static int get_safe_name(struct mload *l, const char *key, char **out, struct pgb_err *err)
{
	if (yamldoc_get_str(l->d, l->root, key, YAMLDOC_REQUIRED, out, err) < 0)
		return -1;
	if (manifest_safe_name(*out))
		return 0;
	return yamldoc_fail(l->d, yamldoc_map_get(l->d, l->root, key), err,
			    "'%s' must be a safe file name part (letters, digits and . _ + -, not "
			    "starting with '.' or '-', no '/' or '..'): it names the bundle file; "
			    "got '%.200s'", key, *out);
}

static int get_target(struct mload *l, struct pgb_err *err)
{
	const struct yamldoc_node *n;
	char *known;

	if (yamldoc_get_str(l->d, l->root, "target", YAMLDOC_REQUIRED, &l->m->target, err) < 0)
		return -1;
	l->t = recipes_target(l->rc, l->m->target);
	if (l->t)
		return 0;
	n = yamldoc_map_get(l->d, l->root, "target");
	known = recipes_target_names(l->rc);
	yamldoc_fail(l->d, n, err, "unknown target '%.200s' in 'target' (known targets: %.1000s; "
		     "see %s/targets.yml)", l->m->target, known, l->rc->dir);
	free(known);
	return -1;
}

static int get_arch(struct mload *l, struct pgb_err *err)
{
	const struct strlist *archs = &l->t->archs;
	struct sbuf list = SBUF_INIT;

	l->m->arch = xstrdup(archs->v[0]);
	if (yamldoc_get_str(l->d, l->root, "arch", 0, &l->m->arch, err) < 0)
		return -1;
	if (strlist_has(archs, l->m->arch))
		return 0;
	for (size_t i = 0; i < archs->n; i++)
		sbuf_addf(&list, "%s%s", i ? ", " : "", archs->v[i]);
	yamldoc_fail(l->d, yamldoc_map_get(l->d, l->root, "arch"), err, "'arch' '%.200s' is not "
		     "an architecture of target '%s' (archs: %s)", l->m->arch, l->t->name,
		     list.buf);
	sbuf_free(&list);
	return -1;
}

static int pg_item(struct mload *l, const struct yamldoc_node *it, int *major,
		   struct pgb_err *err)
{
	const char *s = yamldoc_scalar(it);
	char got[64];
	int v;

	yamldoc_got(it, got, sizeof(got));
	if (!s || yamldoc_is_null(it) || yamldoc_int(l->d, it, "postgres", &v, err) < 0)
		return yamldoc_fail(l->d, it, err, "'postgres' must be a list of PostgreSQL majors "
				    "(%d-%d), got %s", PG_MIN, PG_MAX, got);
	if (v < PG_MIN || v > PG_MAX)
		return yamldoc_fail(l->d, it, err, "'postgres' must be a list of PostgreSQL majors "
				    "(%d-%d), got %s: PostgreSQL %d is not supported", PG_MIN,
				    PG_MAX, got, v);
	for (size_t i = 0; i < l->m->npostgres; i++)
		if (l->m->postgres[i] == v)
			return yamldoc_fail(l->d, it, err, "PostgreSQL %d is listed twice in "
					    "'postgres'", v);
	*major = v;
	return 0;
}

static int get_postgres(struct mload *l, struct pgb_err *err)
{
	const struct yamldoc_node *n = yamldoc_map_get(l->d, l->root, "postgres");
	size_t len = yamldoc_len(n);
	char got[64];

	if (!n)
		return yamldoc_fail(l->d, l->root, err, "missing required key 'postgres' (the "
				    "PostgreSQL majors to bundle, e.g. postgres: [15])");
	if (!yamldoc_is_seq(n))
		return yamldoc_fail(l->d, n, err, "'postgres' must be a list of PostgreSQL majors "
				    "(%d-%d) such as [15], got %s", PG_MIN, PG_MAX,
				    yamldoc_got(n, got, sizeof(got)));
	if (!len)
		return yamldoc_fail(l->d, n, err, "'postgres' lists no PostgreSQL major; give at "
				    "least one (%d-%d), e.g. [15]", PG_MIN, PG_MAX);
	l->m->postgres = xcalloc(len, sizeof(*l->m->postgres));
	for (size_t i = 0; i < len; i++) {
		if (pg_item(l, yamldoc_item(l->d, n, i), &l->m->postgres[l->m->npostgres], err) < 0)
			return -1;
		l->m->npostgres++;
	}
	return 0;
}

static int get_names(struct mload *l, const char *key, struct strlist *out,
		     struct strlist *where, struct pgb_err *err)
{
	if (yamldoc_get_strlist(l->d, l->root, key, 0, out, where, err) < 0)
		return -1;
	for (size_t i = 0; i < out->n; i++)
		if (!recipes_package_name_ok(out->v[i]))
			return pgb_fail(err, "%s: '%s' has an invalid package name '%.200s' "
					"(letters, digits, + . _ - and {pg} for each PostgreSQL "
					"major)", where->v[i], key, out->v[i]);
	return 0;
}

static int check_module(struct mload *l, size_t i, struct pgb_err *err)
{
	const char *mod = l->m->modules.v[i];
	struct strlist scratch = STRLIST_INIT;
	int rc;

	/* The same call the planner makes, so a module that cannot be expanded for
	 * this target fails here, at its line, rather than later. */
	rc = recipes_module_packages(l->rc, mod, l->t, l->m->postgres, l->m->npostgres,
				     &scratch, err);
	strlist_free(&scratch);
	if (rc < 0)
		return pgb_err_prefix(err, "%s: in 'modules'", l->m->where_modules.v[i]);
	return 0;
}

static int get_modules(struct mload *l, struct pgb_err *err)
{
	struct manifest *m = l->m;

	if (yamldoc_get_strlist(l->d, l->root, "modules", 0, &m->modules, &m->where_modules,
				err) < 0)
		return -1;
	for (size_t i = 0; i < m->modules.n; i++)
		if (check_module(l, i, err) < 0)
			return -1;
	return 0;
}

static int get_upstreams(struct mload *l, struct pgb_err *err)
{
	struct strlist where = STRLIST_INIT;
	int rc = 0;

	if (yamldoc_get_strlist(l->d, l->root, "upstreams", 0, &l->m->upstreams, &where,
				err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < l->m->upstreams.n; i++) {
		const char *name = l->m->upstreams.v[i];
		const struct recipe_repo *r = recipes_repo(l->rc, name);
		char *known;

		if (r && strcmp(r->family, l->t->family))
			rc = pgb_fail(err, "%s: upstream '%s' in 'upstreams' is for %s targets, "
				      "target '%s' is %s", where.v[i], name, r->family, l->t->name,
				      l->t->family);
		if (r)
			continue;
		known = recipes_repo_names(l->rc);
		rc = pgb_fail(err, "%s: unknown upstream '%.200s' in 'upstreams' (repos in "
			      "%s/repos.yml: %.1000s)", where.v[i], name, l->rc->dir, known);
		free(known);
	}
	strlist_free(&where);
	return rc;
}

/* prefer: distribution (default) | pgdg: which side wins where the
 * distribution and the PostgreSQL project both carry a major or package. */
static int get_prefer(struct mload *l, struct pgb_err *err)
{
	const struct yamldoc_node *n = yamldoc_map_get(l->d, l->root, "prefer");
	char *v = NULL;
	int rc = yamldoc_get_str(l->d, l->root, "prefer", 0, &v, err);

	if (rc <= 0)
		return rc;
	if (!strcmp(v, "pgdg") && !l->t->pgdg.n)
		rc = yamldoc_fail(l->d, n, err, "'prefer: pgdg' but target '%s' has no PGDG "
				  "upstreams ('pgdg:' in %s/targets.yml)", l->t->name, l->rc->dir);
	else if (strcmp(v, "pgdg") && strcmp(v, "distribution"))
		rc = yamldoc_fail(l->d, n, err, "'prefer' must be 'distribution' (the default: "
				  "the distribution's packages where both have them) or 'pgdg' "
				  "(the PostgreSQL project's), got '%.200s'", v);
	else
		l->m->prefer_pgdg = !strcmp(v, "pgdg");
	free(v);
	return rc < 0 ? -1 : 0;
}

/* One part of a module spec: [A-Za-z0-9._+-], not empty. */
static int module_part_ok(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-",
			    s[i]))
			return 0;
	return 1;
}

/* modules_enable: [name:stream], modules_disable: [name]: the EL module streams
 * dnf's modular filtering is computed with (rpm targets only). */
static int get_module_streams(struct mload *l, const char *key, int with_stream,
			      struct strlist *out, struct pgb_err *err)
{
	struct strlist where = STRLIST_INIT;
	int rc = yamldoc_get_strlist(l->d, l->root, key, 0, out, &where, err) < 0 ? -1 : 0;

	if (rc == 0 && out->n && strcmp(l->t->family, "rpm"))
		rc = pgb_fail(err, "%s: '%s' is for EL targets (module streams of rpm-md "
			      "repositories); target '%s' is %s", where.v[0], key, l->t->name,
			      l->t->family);
	for (size_t i = 0; rc == 0 && i < out->n; i++) {
		const char *v = out->v[i], *colon = strchr(v, ':');
		size_t n = colon ? (size_t)(colon - v) : strlen(v);
		int ok = module_part_ok(v, n) &&
			 (with_stream ? colon && module_part_ok(colon + 1, strlen(colon + 1))
				      : !colon);

		if (!ok)
			rc = pgb_fail(err, "%s: '%.200s' in '%s' is not %s", where.v[i], v, key,
				      with_stream ? "NAME:STREAM (e.g. postgresql:16)"
						  : "a module NAME (e.g. postgresql)");
	}
	strlist_free(&where);
	return rc;
}

static int get_modularity(struct mload *l, struct pgb_err *err)
{
	struct manifest *m = l->m;

	if (get_module_streams(l, "modules_enable", 1, &m->modules_enable, err) < 0 ||
	    get_module_streams(l, "modules_disable", 0, &m->modules_disable, err) < 0)
		return -1;
	for (size_t i = 0; i < m->modules_enable.n; i++) {
		const char *v = m->modules_enable.v[i];
		char *name = xstrndup(v, strcspn(v, ":"));
		int both = strlist_has(&m->modules_disable, name);

		for (size_t j = 0; j < i && !both; j++)
			both = !strncmp(m->modules_enable.v[j], name, strlen(name)) &&
			       m->modules_enable.v[j][strlen(name)] == ':';
		if (both)
			pgb_fail(err, "%s: module '%s' is enabled twice, or both enabled and "
				 "disabled ('modules_enable', 'modules_disable')", m->path, name);
		free(name);
		if (both)
			return -1;
	}
	return 0;
}

static char *manifest_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return NULL;
	return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/*
 * A flat config's `modules` must be among the manifest's: the installer
 * refuses a config naming a module whose packages the bundle does not carry
 * (installer/config.c), so a bundle built with such a config would not
 * install as shipped.  An inventory's modules follow its groups: not read
 * here.  A manifest without modules (extensions only) is not checked, as
 * the installer checks nothing against a bundle without them.
 */
static int check_config_modules(struct mload *l, struct pgb_err *err)
{
	struct yamldoc *d = NULL;
	const struct yamldoc_node *root, *n;
	struct strlist mods = STRLIST_INIT, where = STRLIST_INIT;
	int rc = 0;

	if (!l->m->modules.n)
		return 0;
	if (yamldoc_load(&d, l->m->config, err) < 0)
		return pgb_err_prefix(err, "the manifest's 'config'");
	if (yamldoc_root(d, "the config", &root, err) < 0)
		rc = -1;
	else if (!yamldoc_map_get(d, root, "all") && (n = yamldoc_map_get(d, root, "modules")) &&
		 yamldoc_strlist(d, n, "modules", &mods, &where, err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < mods.n; i++)
		if (!strlist_has(&l->m->modules, mods.v[i]))
			rc = pgb_fail(err, "%s: the config names module '%s', which is not among "
				      "the manifest's modules (%s): the installer would refuse "
				      "the bundled config; add it to the manifest's 'modules' or "
				      "bundle another config", where.v[i], mods.v[i], l->m->path);
	strlist_free(&mods);
	strlist_free(&where);
	yamldoc_free(d);
	return rc;
}

static int get_config(struct mload *l, struct pgb_err *err)
{
	const struct yamldoc_node *n = yamldoc_map_get(l->d, l->root, "config");
	char *rel = NULL, *dir;
	struct stat st;
	int rc;

	rc = yamldoc_get_str(l->d, l->root, "config", 0, &rel, err);
	if (rc <= 0)
		return rc;
	dir = manifest_dir(l->m->path);
	l->m->config = rel[0] == '/' || !dir ? xstrdup(rel) : util_path_join(dir, rel);
	free(dir);
	if (stat(l->m->config, &st) == 0 && S_ISREG(st.st_mode)) {
		free(rel);
		return check_config_modules(l, err);
	}
	yamldoc_fail(l->d, n, err, "'config' file '%.200s' does not exist (looked for %.500s; "
		     "the path is relative to the manifest's directory)", rel, l->m->config);
	free(rel);
	return -1;
}

static int mirror_entry(struct mload *l, const struct yamldoc_node *map, size_t i,
			struct pgb_err *err)
{
	const struct yamldoc_node *k = yamldoc_key(l->d, map, i);
	const char *key = yamldoc_scalar(k);
	char *url = NULL, *known;

	if (!recipes_has_mirror_key(l->rc, key)) {
		known = recipes_mirror_keys(l->rc);
		yamldoc_fail(l->d, k, err, "unknown mirror key '%.200s' in 'mirrors' (mirror keys "
			     "of %s/repos.yml: %.1000s)", key, l->rc->dir, known);
		free(known);
		return -1;
	}
	if (yamldoc_str(l->d, yamldoc_value(l->d, map, i), key, &url, err) < 0)
		return -1;
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8) &&
	    strncmp(url, "file:///", 8)) {
		yamldoc_fail(l->d, yamldoc_value(l->d, map, i), err, "mirror '%s' must be an "
			     "http://, https:// or file:/// URL, got '%.200s'", key, url);
		free(url);
		return -1;
	}
	strlist_add_owned(&l->m->mirrors, xasprintf("%s=%s", key, url));
	free(url);
	return 0;
}

static int get_mirrors(struct mload *l, struct pgb_err *err)
{
	const struct yamldoc_node *map;
	int rc = yamldoc_get_map(l->d, l->root, "mirrors", 0, &map, err);

	for (size_t i = 0; rc > 0 && i < yamldoc_len(map); i++)
		if (mirror_entry(l, map, i, err) < 0)
			return -1;
	return rc < 0 ? -1 : 0;
}

static int check_not_empty(struct mload *l, struct pgb_err *err)
{
	const struct manifest *m = l->m;

	if (m->modules.n || m->extensions.n || m->packages.n)
		return 0;
	return yamldoc_fail(l->d, l->root, err, "the manifest asks for no packages: list "
			    "'modules' (e.g. [pgsql]), 'extensions' or 'packages'");
}

static int load_fields(struct mload *l, struct pgb_err *err)
{
	struct manifest *m = l->m;

	if (yamldoc_root(l->d, "the manifest", &l->root, err) < 0 ||
	    yamldoc_check_keys(l->d, l->root, manifest_keys, "the manifest", err) < 0 ||
	    get_safe_name(l, "name", &m->name, err) < 0 ||
	    get_safe_name(l, "version", &m->version, err) < 0 ||
	    get_target(l, err) < 0 || get_arch(l, err) < 0 || get_postgres(l, err) < 0 ||
	    get_names(l, "extensions", &m->extensions, &m->where_extensions, err) < 0 ||
	    get_names(l, "packages", &m->packages, &m->where_packages, err) < 0 ||
	    get_modules(l, err) < 0 || get_upstreams(l, err) < 0 || get_prefer(l, err) < 0 ||
	    get_modularity(l, err) < 0 ||
	    yamldoc_get_bool(l->d, l->root, "recommends", 0, &m->recommends, err) < 0 ||
	    get_config(l, err) < 0 || get_mirrors(l, err) < 0 || check_not_empty(l, err) < 0)
		return -1;
	return 0;
}

/* text NULL: read path. */
static int load(struct manifest *m, const char *path, const char *text, size_t len,
		const struct recipes *rc, struct pgb_err *err)
{
	struct mload l = { m, rc, NULL, NULL, NULL };
	int ret;

	memset(m, 0, sizeof(*m));
	m->path = xstrdup(path);
	if ((text ? yamldoc_load_mem(&l.d, path, text, len, err)
		  : yamldoc_load(&l.d, path, err)) < 0) {
		manifest_free(m);
		return -1;
	}
	ret = load_fields(&l, err);
	yamldoc_free(l.d);
	if (ret < 0)
		manifest_free(m);
	return ret;
}

int manifest_load(struct manifest *m, const char *path, const struct recipes *rc,
		  struct pgb_err *err)
{
	return load(m, path, NULL, 0, rc, err);
}

int manifest_load_mem(struct manifest *m, const char *path, const char *text, size_t len,
		      const struct recipes *rc, struct pgb_err *err)
{
	return load(m, path, text, len, rc, err);
}

void manifest_free(struct manifest *m)
{
	free(m->path);
	free(m->name);
	free(m->version);
	free(m->target);
	free(m->arch);
	free(m->postgres);
	strlist_free(&m->extensions);
	strlist_free(&m->modules);
	strlist_free(&m->packages);
	strlist_free(&m->upstreams);
	free(m->config);
	strlist_free(&m->mirrors);
	strlist_free(&m->modules_enable);
	strlist_free(&m->modules_disable);
	strlist_free(&m->where_extensions);
	strlist_free(&m->where_modules);
	strlist_free(&m->where_packages);
	memset(m, 0, sizeof(*m));
}
