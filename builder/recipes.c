#include "recipes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamldoc.h"

const int recipes_pg_majors[RECIPES_NPG] = { 13, 14, 15, 16, 17, 18 };

static const char *const placeholders[] = { "codename", "release", "arch", "pg", NULL };

/* --- small checks --- */

/* Names of targets, repos, modules and mirror keys: they end up in file
 * names, environment variable names and messages. */
static int name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static int check_name(const struct yamldoc *d, const struct yamldoc_node *n, const char *kind,
		      struct pgb_err *err)
{
	if (name_ok(yamldoc_scalar(n)))
		return 0;
	return yamldoc_fail(d, n, err, "%s name '%.200s' must be lower-case letters, digits, "
			    "'-', '_' or '.', starting with a letter or digit", kind,
			    yamldoc_scalar(n));
}

static size_t placeholder_len(const char *p)
{
	for (const char *const *ph = placeholders; *ph; ph++) {
		size_t n = strlen(*ph);

		if (!strncmp(p + 1, *ph, n) && p[n + 1] == '}')
			return n + 2;
	}
	return 0;
}

/* Every '{' must open a known placeholder, so a typo is not fetched literally. */
static int check_template(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
			  const char *s, struct pgb_err *err)
{
	for (const char *p = strchr(s, '{'); p; p = strchr(p + 1, '{'))
		if (!placeholder_len(p))
			return yamldoc_fail(d, n, err, "'%s' has an unknown placeholder in "
					    "'%.200s' (known: {codename}, {release}, {arch}, {pg})",
					    key, s);
	return 0;
}

static int check_family(const struct yamldoc *d, const struct yamldoc_node *map, const char *s,
			struct pgb_err *err)
{
	if (!strcmp(s, "deb") || !strcmp(s, "rpm"))
		return 0;
	return yamldoc_fail(d, yamldoc_map_get(d, map, "family"), err,
			    "'family' must be deb or rpm, got '%.200s'", s);
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

int recipes_package_name_ok(const char *s)
{
	const char *p = s;

	if (!*s)
		return 0;
	while (*p) {
		size_t ph = *p == '{' ? placeholder_len(p) : 0;

		if (ph) {
			if (strncmp(p, "{pg}", 4))
				return 0;
			p += ph;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '+' || *p == '.' || *p == '_' ||
		      *p == '-'))
			return 0;
		if (p == s && (*p == '+' || *p == '.' || *p == '_' || *p == '-'))
			return 0;
		p++;
	}
	return 1;
}

/* Check each item of a just-read list with where[] positions. */
static int check_package_names(const struct strlist *names, const struct strlist *where,
			       const char *key, struct pgb_err *err)
{
	for (size_t i = 0; i < names->n; i++)
		if (!recipes_package_name_ok(names->v[i]))
			return pgb_fail(err, "%s: '%s' has an invalid package name '%.200s' "
					"(letters, digits, + . _ - and {pg})", where->v[i], key,
					names->v[i]);
	return 0;
}

/* --- loading one file --- */

static int load_file(const char *dir, const char *file, const char *what, struct yamldoc **d,
		     const struct yamldoc_node **root, struct pgb_err *err)
{
	char *path = util_path_join(dir, file);
	int rc = yamldoc_load(d, path, err);

	if (rc == 0 && yamldoc_root(*d, what, root, err) < 0) {
		yamldoc_free(*d);
		*d = NULL;
		rc = -1;
	}
	if (rc < 0 && !util_exists(path))
		pgb_err_prefix(err, "recipes directory '%s' lacks %s (set PGBUNDLE_RECIPES to "
			       "the source tree's recipes/)", dir, file);
	free(path);
	return rc;
}

/* --- repos.yml --- */

static const char *const repo_keys[] = {
	"family", "url", "mirror", "suite", "components", "keyring", "key_url", "fingerprint",
	"checked", "updates", "metadata_signed", NULL
};

static int check_url(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		     const char *url, struct pgb_err *err)
{
	const struct yamldoc_node *n = yamldoc_map_get(d, map, key);

	if (!url)
		return 0;
	if (!starts_with(url, "http://") && !starts_with(url, "https://") &&
	    !starts_with(url, "file:///"))
		return yamldoc_fail(d, n, err, "'%s' must be an http://, https:// or file:/// URL, "
				    "got '%.200s'", key, url);
	return check_template(d, n, key, url, err);
}

/* Upper-case fpr in place; 0 when it is 40 hex digits. */
static int fingerprint_norm(char *fpr)
{
	size_t n = 0;

	for (char *p = fpr; *p; p++, n++) {
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F')))
			return -1;
	}
	return n == 40 ? 0 : -1;
}

/* `fingerprint`: one, or a mapping of release or architecture to one, for
 * upstreams whose key changes with the release (EL, EPEL) or the
 * architecture (PGDG's aarch64 key). */
static int get_fingerprint(const struct yamldoc *d, const struct yamldoc_node *map,
			   struct recipe_repo *r, struct pgb_err *err)
{
	const struct yamldoc_node *n = yamldoc_map_get(d, map, "fingerprint");

	if (n && yamldoc_is_map(n)) {
		for (size_t i = 0; i < yamldoc_len(n); i++) {
			const struct yamldoc_node *v = yamldoc_value(d, n, i);
			char *fpr = NULL;

			if (yamldoc_str(d, v, "fingerprint", &fpr, err) < 0)
				return -1;
			strlist_add(&r->fpr_keys, yamldoc_scalar(yamldoc_key(d, n, i)));
			strlist_add_owned(&r->fpr_values, fpr);
			if (fingerprint_norm(fpr) < 0)
				return yamldoc_fail(d, v, err, "each 'fingerprint' must be the 40 hex "
						    "digits of the key's fingerprint, without spaces");
		}
		return 0;
	}
	if (yamldoc_get_str(d, map, "fingerprint", 0, &r->fingerprint, err) < 0)
		return -1;
	if (r->fingerprint && fingerprint_norm(r->fingerprint) < 0)
		return yamldoc_fail(d, n, err, "'fingerprint' must be the 40 hex digits of the "
				    "key's fingerprint, without spaces (or a mapping of release or "
				    "architecture to such)");
	return 0;
}

const char *recipes_repo_fingerprint(const struct recipe_repo *r, const struct recipe_target *t,
				     const char *arch)
{
	for (size_t i = 0; i < r->fpr_keys.n; i++)
		if ((arch && !strcmp(r->fpr_keys.v[i], arch)) ||
		    (t && t->release && !strcmp(r->fpr_keys.v[i], t->release)))
			return r->fpr_values.v[i];
	return r->fingerprint;
}

static int repo_strings(const struct yamldoc *d, const struct yamldoc_node *m,
			struct recipe_repo *r, struct pgb_err *err)
{
	if (yamldoc_get_str(d, m, "family", YAMLDOC_REQUIRED, &r->family, err) < 0 ||
	    check_family(d, m, r->family, err) < 0 ||
	    yamldoc_get_str(d, m, "url", 0, &r->url, err) < 0 ||
	    yamldoc_get_str(d, m, "mirror", 0, &r->mirror, err) < 0 ||
	    yamldoc_get_str(d, m, "suite", 0, &r->suite, err) < 0 ||
	    yamldoc_get_str(d, m, "keyring", 0, &r->keyring, err) < 0 ||
	    yamldoc_get_str(d, m, "key_url", 0, &r->key_url, err) < 0 ||
	    get_fingerprint(d, m, r, err) < 0 ||
	    yamldoc_get_strlist(d, m, "components", 0, &r->components, NULL, err) < 0 ||
	    yamldoc_get_bool(d, m, "checked", 0, &r->checked, err) < 0 ||
	    yamldoc_get_bool(d, m, "updates", 0, &r->updates, err) < 0)
		return -1;
	r->metadata_signed = 1;
	return yamldoc_get_bool(d, m, "metadata_signed", 0, &r->metadata_signed, err);
}

static int repo_check(const struct yamldoc *d, const struct yamldoc_node *key,
		      const struct yamldoc_node *m, struct recipe_repo *r, struct pgb_err *err)
{
	if (!r->url && !r->mirror)
		return yamldoc_fail(d, key, err, "repo '%s' needs 'url' (a fixed URL) or 'mirror' "
				    "(a mirror key)", r->name);
	if (r->mirror && !name_ok(r->mirror))
		return yamldoc_fail(d, yamldoc_map_get(d, m, "mirror"), err, "mirror key "
				    "'%.200s' must be lower-case letters, digits or '-'", r->mirror);
	if (!r->keyring && !r->key_url)
		return yamldoc_fail(d, key, err, "repo '%s' needs 'keyring' or 'key_url': its "
				    "signatures must be checkable", r->name);
	if (r->keyring && r->keyring[0] != '/')
		return yamldoc_fail(d, yamldoc_map_get(d, m, "keyring"), err, "'keyring' must be "
				    "an absolute path, got '%.200s'", r->keyring);
	if (!strcmp(r->family, "deb") && (!r->suite || !r->components.n))
		return yamldoc_fail(d, key, err, "deb repo '%s' needs 'suite' and a non-empty "
				    "'components' list", r->name);
	if (check_url(d, m, "url", r->url, err) < 0 || check_url(d, m, "key_url", r->key_url,
								  err) < 0)
		return -1;
	if (r->suite && check_template(d, yamldoc_map_get(d, m, "suite"), "suite", r->suite,
				       err) < 0)
		return -1;
	for (size_t i = 0; i < r->components.n; i++)
		if (check_template(d, yamldoc_map_get(d, m, "components"), "components",
				   r->components.v[i], err) < 0)
			return -1;
	return 0;
}

static int parse_repo(struct recipes *rc, const struct yamldoc *d, const struct yamldoc_node *key,
		      const struct yamldoc_node *val, struct pgb_err *err)
{
	struct recipe_repo *r;
	char what[256];

	if (check_name(d, key, "repo", err) < 0)
		return -1;
	snprintf(what, sizeof(what), "repo '%.200s'", yamldoc_scalar(key));
	if (!yamldoc_is_map(val))
		return yamldoc_fail(d, val, err, "%s must be a mapping of keys (family, url, ...)",
				    what);
	if (yamldoc_check_keys(d, val, repo_keys, what, err) < 0)
		return -1;
	rc->repos = xrealloc(rc->repos, (rc->nrepos + 1) * sizeof(*rc->repos));
	r = &rc->repos[rc->nrepos++];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(yamldoc_scalar(key));
	r->where = yamldoc_node_where(d, key);
	if (repo_strings(d, val, r, err) < 0)
		return -1;
	return repo_check(d, key, val, r, err);
}

static int load_repos(struct recipes *rc, const char *dir, struct pgb_err *err)
{
	const struct yamldoc_node *root;
	struct yamldoc *d;
	int rc_ = 0;

	if (load_file(dir, "repos.yml", "the repository list", &d, &root, err) < 0)
		return -1;
	for (size_t i = 0; i < yamldoc_len(root) && rc_ == 0; i++)
		rc_ = parse_repo(rc, d, yamldoc_key(d, root, i), yamldoc_value(d, root, i), err);
	yamldoc_free(d);
	return rc_;
}

/* --- targets.yml --- */

static const char *const target_keys[] = {
	"family", "distro", "release", "codename", "archs", "upstreams", "pgdg", "pg_default",
	"baseline", "components", "baseline_groups", "modules_disable", NULL
};

static int target_strings(const struct yamldoc *d, const struct yamldoc_node *m,
			  struct recipe_target *t, struct strlist *where_up,
			  struct strlist *where_pgdg, struct pgb_err *err)
{
	int deb;

	if (yamldoc_get_str(d, m, "family", YAMLDOC_REQUIRED, &t->family, err) < 0 ||
	    check_family(d, m, t->family, err) < 0)
		return -1;
	deb = !strcmp(t->family, "deb");
	if (yamldoc_get_str(d, m, "distro", YAMLDOC_REQUIRED, &t->distro, err) < 0 ||
	    yamldoc_get_str(d, m, "release", YAMLDOC_REQUIRED, &t->release, err) < 0 ||
	    yamldoc_get_str(d, m, "codename", deb ? YAMLDOC_REQUIRED : 0, &t->codename,
			    err) < 0 ||
	    yamldoc_get_str(d, m, "baseline", YAMLDOC_REQUIRED, &t->baseline, err) < 0 ||
	    yamldoc_get_int(d, m, "pg_default", 0, &t->pg_default, err) < 0 ||
	    yamldoc_get_strlist(d, m, "archs", YAMLDOC_REQUIRED, &t->archs, NULL, err) < 0 ||
	    yamldoc_get_strlist(d, m, "upstreams", YAMLDOC_REQUIRED, &t->upstreams, where_up,
				err) < 0 ||
	    yamldoc_get_strlist(d, m, "pgdg", 0, &t->pgdg, where_pgdg, err) < 0 ||
	    yamldoc_get_strlist(d, m, "components", 0, &t->components, NULL, err) < 0 ||
	    yamldoc_get_strlist(d, m, "baseline_groups", 0, &t->baseline_groups, NULL, err) < 0 ||
	    yamldoc_get_strlist(d, m, "modules_disable", 0, &t->modules_disable, NULL, err) < 0)
		return -1;
	if (deb && (t->baseline_groups.n || t->modules_disable.n))
		return yamldoc_fail(d, m, err, "'baseline_groups' and 'modules_disable' are for "
				    "rpm targets");
	if (!deb && !t->baseline_groups.n)
		strlist_add(&t->baseline_groups, "core");
	return 0;
}

static int target_check(const struct yamldoc *d, const struct yamldoc_node *m,
			const struct recipe_target *t, struct pgb_err *err)
{
	const char *baseline = strcmp(t->family, "deb") ? "minimal" : "minbase";

	if (strcmp(t->baseline, baseline))
		return yamldoc_fail(d, yamldoc_map_get(d, m, "baseline"), err, "'baseline' of a "
				    "%s target must be '%s', got '%.200s'", t->family, baseline,
				    t->baseline);
	if (t->pg_default && (t->pg_default < 9 || t->pg_default > 99))
		return yamldoc_fail(d, yamldoc_map_get(d, m, "pg_default"), err, "'pg_default' "
				    "must be a PostgreSQL major such as 15, got %d", t->pg_default);
	if (!t->archs.n || !t->upstreams.n)
		return yamldoc_fail(d, yamldoc_map_get(d, m, t->archs.n ? "upstreams" : "archs"),
				    err, "'%s' must list at least one name",
				    t->archs.n ? "upstreams" : "archs");
	return 0;
}

/* Every name of a target's list of upstreams (key) is a repo of its family. */
static int target_check_repos(const struct recipes *rc, const struct recipe_target *t,
			      const char *key, const struct strlist *names,
			      const struct strlist *where, struct pgb_err *err)
{
	for (size_t i = 0; i < names->n; i++) {
		const struct recipe_repo *r = recipes_repo(rc, names->v[i]);

		if (!r) {
			char *known = recipes_repo_names(rc);

			pgb_fail(err, "%s: unknown upstream '%.200s' in '%s' (repos in "
				 "%s/repos.yml: %.1000s)", where->v[i], names->v[i], key,
				 rc->dir, known);
			free(known);
			return -1;
		}
		if (strcmp(r->family, t->family))
			return pgb_fail(err, "%s: upstream '%s' is for %s targets, target '%s' "
					"is %s", where->v[i], r->name, r->family, t->name,
					t->family);
	}
	return 0;
}

static int parse_target(struct recipes *rc, const struct yamldoc *d,
			const struct yamldoc_node *key, const struct yamldoc_node *val,
			struct pgb_err *err)
{
	struct strlist where_up = STRLIST_INIT, where_pgdg = STRLIST_INIT;
	struct recipe_target *t;
	char what[256];
	int ret = -1;

	if (check_name(d, key, "target", err) < 0)
		return -1;
	snprintf(what, sizeof(what), "target '%.200s'", yamldoc_scalar(key));
	if (!yamldoc_is_map(val))
		return yamldoc_fail(d, val, err, "%s must be a mapping of keys (family, release, "
				    "...)", what);
	if (yamldoc_check_keys(d, val, target_keys, what, err) < 0)
		return -1;
	rc->targets = xrealloc(rc->targets, (rc->ntargets + 1) * sizeof(*rc->targets));
	t = &rc->targets[rc->ntargets++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(yamldoc_scalar(key));
	t->where = yamldoc_node_where(d, key);
	if (target_strings(d, val, t, &where_up, &where_pgdg, err) == 0 &&
	    target_check(d, val, t, err) == 0 &&
	    target_check_repos(rc, t, "upstreams", &t->upstreams, &where_up, err) == 0 &&
	    target_check_repos(rc, t, "pgdg", &t->pgdg, &where_pgdg, err) == 0)
		ret = 0;
	strlist_free(&where_up);
	strlist_free(&where_pgdg);
	return ret;
}

static int load_targets(struct recipes *rc, const char *dir, struct pgb_err *err)
{
	const struct yamldoc_node *root;
	struct yamldoc *d;
	int ret = 0;

	if (load_file(dir, "targets.yml", "the target list", &d, &root, err) < 0)
		return -1;
	for (size_t i = 0; i < yamldoc_len(root) && ret == 0; i++)
		ret = parse_target(rc, d, yamldoc_key(d, root, i), yamldoc_value(d, root, i), err);
	yamldoc_free(d);
	return ret;
}

/* --- modules.yml --- */

static const char *const module_keys[] = { "description", "deb", "rpm", "targets", NULL };

static int add_set(struct recipe_module *mod, const struct yamldoc *d,
		   const struct yamldoc_node *list, const char *scope, const char *key,
		   struct pgb_err *err)
{
	struct strlist names = STRLIST_INIT, where = STRLIST_INIT;
	struct recipe_pkgset *s;

	if (yamldoc_strlist(d, list, key, &names, &where, err) < 0 ||
	    check_package_names(&names, &where, key, err) < 0) {
		strlist_free(&names);
		strlist_free(&where);
		return -1;
	}
	strlist_free(&where);
	mod->sets = xrealloc(mod->sets, (mod->nsets + 1) * sizeof(*mod->sets));
	s = &mod->sets[mod->nsets++];
	s->scope = xstrdup(scope);
	s->names = names;
	s->where = yamldoc_node_where(d, list);
	return 0;
}

static int add_target_sets(const struct recipes *rc, struct recipe_module *mod,
			   const struct yamldoc *d, const struct yamldoc_node *map,
			   struct pgb_err *err)
{
	for (size_t i = 0; i < yamldoc_len(map); i++) {
		const struct yamldoc_node *k = yamldoc_key(d, map, i);
		const char *name = yamldoc_scalar(k);

		if (!recipes_target(rc, name)) {
			char *known = recipes_target_names(rc);

			yamldoc_fail(d, k, err, "unknown target '%.200s' in 'targets' of module "
				     "'%s' (targets: %.1000s)", name, mod->name, known);
			free(known);
			return -1;
		}
		if (add_set(mod, d, yamldoc_value(d, map, i), name, name, err) < 0)
			return -1;
	}
	return 0;
}

static int module_sets(const struct recipes *rc, struct recipe_module *mod,
		       const struct yamldoc *d, const struct yamldoc_node *m, struct pgb_err *err)
{
	static const char *const families[] = { "deb", "rpm" };
	const struct yamldoc_node *v;

	for (size_t i = 0; i < 2; i++) {
		v = yamldoc_map_get(d, m, families[i]);
		if (v && add_set(mod, d, v, families[i], families[i], err) < 0)
			return -1;
	}
	v = NULL;
	switch (yamldoc_get_map(d, m, "targets", 0, &v, err)) {
	case -1:
		return -1;
	case 1:
		return add_target_sets(rc, mod, d, v, err);
	default:
		return 0;
	}
}

static int parse_module(struct recipes *rc, const struct yamldoc *d,
			const struct yamldoc_node *key, const struct yamldoc_node *val,
			struct pgb_err *err)
{
	struct recipe_module *mod;
	char what[256];

	if (check_name(d, key, "module", err) < 0)
		return -1;
	snprintf(what, sizeof(what), "module '%.200s'", yamldoc_scalar(key));
	if (!yamldoc_is_map(val))
		return yamldoc_fail(d, val, err, "%s must be a mapping with 'deb' and/or 'rpm' "
				    "package lists", what);
	if (yamldoc_check_keys(d, val, module_keys, what, err) < 0)
		return -1;
	rc->modules = xrealloc(rc->modules, (rc->nmodules + 1) * sizeof(*rc->modules));
	mod = &rc->modules[rc->nmodules++];
	memset(mod, 0, sizeof(*mod));
	mod->name = xstrdup(yamldoc_scalar(key));
	mod->where = yamldoc_node_where(d, key);
	if (yamldoc_get_str(d, val, "description", 0, &mod->description, err) < 0 ||
	    module_sets(rc, mod, d, val, err) < 0)
		return -1;
	if (!mod->nsets)
		return yamldoc_fail(d, key, err, "%s has no package list: give 'deb', 'rpm' or "
				    "'targets'", what);
	return 0;
}

static int load_modules(struct recipes *rc, const char *dir, struct pgb_err *err)
{
	const struct yamldoc_node *root;
	struct yamldoc *d;
	int ret = 0;

	if (load_file(dir, "modules.yml", "the module list", &d, &root, err) < 0)
		return -1;
	for (size_t i = 0; i < yamldoc_len(root) && ret == 0; i++)
		ret = parse_module(rc, d, yamldoc_key(d, root, i), yamldoc_value(d, root, i), err);
	yamldoc_free(d);
	return ret;
}

/* --- public --- */

int recipes_load(struct recipes *rc, const char *dir, struct pgb_err *err)
{
	memset(rc, 0, sizeof(*rc));
	rc->dir = xstrdup(dir);
	/* Order matters: targets refer to repos, modules to targets. */
	if (load_repos(rc, dir, err) < 0 || load_targets(rc, dir, err) < 0 ||
	    load_modules(rc, dir, err) < 0) {
		recipes_free(rc);
		return -1;
	}
	return 0;
}

static void target_free(struct recipe_target *t)
{
	free(t->name);
	free(t->family);
	free(t->distro);
	free(t->release);
	free(t->codename);
	free(t->baseline);
	strlist_free(&t->archs);
	strlist_free(&t->upstreams);
	strlist_free(&t->pgdg);
	strlist_free(&t->components);
	strlist_free(&t->baseline_groups);
	strlist_free(&t->modules_disable);
	free(t->where);
}

static void repo_free(struct recipe_repo *r)
{
	free(r->name);
	free(r->family);
	free(r->url);
	free(r->mirror);
	free(r->suite);
	free(r->keyring);
	free(r->key_url);
	free(r->fingerprint);
	strlist_free(&r->fpr_keys);
	strlist_free(&r->fpr_values);
	strlist_free(&r->components);
	free(r->where);
}

static void module_free(struct recipe_module *m)
{
	for (size_t i = 0; i < m->nsets; i++) {
		free(m->sets[i].scope);
		strlist_free(&m->sets[i].names);
		free(m->sets[i].where);
	}
	free(m->sets);
	free(m->name);
	free(m->description);
	free(m->where);
}

void recipes_free(struct recipes *rc)
{
	for (size_t i = 0; i < rc->ntargets; i++)
		target_free(&rc->targets[i]);
	for (size_t i = 0; i < rc->nrepos; i++)
		repo_free(&rc->repos[i]);
	for (size_t i = 0; i < rc->nmodules; i++)
		module_free(&rc->modules[i]);
	free(rc->targets);
	free(rc->repos);
	free(rc->modules);
	free(rc->dir);
	memset(rc, 0, sizeof(*rc));
}

const struct recipe_target *recipes_target(const struct recipes *rc, const char *name)
{
	for (size_t i = 0; name && i < rc->ntargets; i++)
		if (!strcmp(rc->targets[i].name, name))
			return &rc->targets[i];
	return NULL;
}

const struct recipe_repo *recipes_repo(const struct recipes *rc, const char *name)
{
	for (size_t i = 0; name && i < rc->nrepos; i++)
		if (!strcmp(rc->repos[i].name, name))
			return &rc->repos[i];
	return NULL;
}

static const struct recipe_module *find_module(const struct recipes *rc, const char *name)
{
	for (size_t i = 0; name && i < rc->nmodules; i++)
		if (!strcmp(rc->modules[i].name, name))
			return &rc->modules[i];
	return NULL;
}

int recipes_has_module(const struct recipes *rc, const char *name)
{
	return find_module(rc, name) != NULL;
}

int recipes_has_mirror_key(const struct recipes *rc, const char *key)
{
	for (size_t i = 0; key && i < rc->nrepos; i++)
		if (rc->repos[i].mirror && !strcmp(rc->repos[i].mirror, key))
			return 1;
	return 0;
}

/* Join the char * found at `offset` in each of n elements of `size` bytes. */
static char *join_names(const void *base, size_t n, size_t size, size_t offset)
{
	struct strlist seen = STRLIST_INIT;
	struct sbuf b = SBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		const char *s = *(char *const *)((const char *)base + i * size + offset);

		if (!s || strlist_has(&seen, s))
			continue;
		strlist_add(&seen, s);
		sbuf_addf(&b, "%s%s", b.len ? ", " : "", s);
	}
	strlist_free(&seen);
	if (!b.buf)
		return xstrdup("none");
	return sbuf_detach(&b, NULL);
}

char *recipes_target_names(const struct recipes *rc)
{
	return join_names(rc->targets, rc->ntargets, sizeof(*rc->targets),
			  offsetof(struct recipe_target, name));
}

char *recipes_module_names(const struct recipes *rc)
{
	return join_names(rc->modules, rc->nmodules, sizeof(*rc->modules),
			  offsetof(struct recipe_module, name));
}

char *recipes_repo_names(const struct recipes *rc)
{
	return join_names(rc->repos, rc->nrepos, sizeof(*rc->repos),
			  offsetof(struct recipe_repo, name));
}

char *recipes_mirror_keys(const struct recipes *rc)
{
	return join_names(rc->repos, rc->nrepos, sizeof(*rc->repos),
			  offsetof(struct recipe_repo, mirror));
}

/* A target's own list beats its family's. */
static const struct recipe_pkgset *module_set(const struct recipe_module *mod,
					      const struct recipe_target *t)
{
	const struct recipe_pkgset *fam = NULL;

	for (size_t i = 0; i < mod->nsets; i++) {
		if (!strcmp(mod->sets[i].scope, t->name))
			return &mod->sets[i];
		if (!strcmp(mod->sets[i].scope, t->family))
			fam = &mod->sets[i];
	}
	return fam;
}

int recipes_module_packages(const struct recipes *rc, const char *module,
			    const struct recipe_target *t, const int *pg, size_t npg,
			    struct strlist *out, struct pgb_err *err)
{
	const struct recipe_module *mod = find_module(rc, module);
	const struct recipe_pkgset *s;

	if (!mod) {
		char *known = recipes_module_names(rc);

		pgb_fail(err, "unknown module '%.200s' (modules in %s/modules.yml: %.1000s)",
			 module, rc->dir, known);
		free(known);
		return -1;
	}
	s = module_set(mod, t);
	if (!s)
		return pgb_fail(err, "module '%s' has no package list for %s targets such as '%s' "
				"(%s); add a list under '%s:' there or drop the module from "
				"'modules'", module, t->family, t->name, mod->where, t->family);
	if (!s->names.n)
		return pgb_fail(err, "module '%s' is not available for target '%s': its package "
				"list at %s is empty (see the comment there); drop the module "
				"from 'modules'", module, t->name, s->where);
	for (size_t i = 0; i < s->names.n; i++)
		if (strstr(s->names.v[i], "{pg}") && !npg)
			return pgb_fail(err, "module '%s' needs at least one PostgreSQL major for "
					"'%s'", module, s->names.v[i]);
	for (size_t i = 0; i < s->names.n; i++) {
		if (!strstr(s->names.v[i], "{pg}")) {
			strlist_add(out, s->names.v[i]);
			continue;
		}
		for (size_t j = 0; j < npg; j++)
			strlist_add_owned(out, recipes_expand(s->names.v[i], t, NULL, pg[j]));
	}
	return 0;
}

void recipes_module_major_packages(const struct recipes *rc, const char *module,
				   const struct recipe_target *t, int pg, struct strlist *out)
{
	const struct recipe_module *mod = find_module(rc, module);
	const struct recipe_pkgset *s = mod ? module_set(mod, t) : NULL;

	for (size_t i = 0; s && i < s->names.n; i++)
		if (strstr(s->names.v[i], "{pg}"))
			strlist_add_owned(out, recipes_expand(s->names.v[i], t, NULL, pg));
}

char *recipes_expand(const char *tmpl, const struct recipe_target *t, const char *arch, int pg)
{
	struct sbuf b = SBUF_INIT;
	char pgs[16];

	snprintf(pgs, sizeof(pgs), "%d", pg);
	for (const char *p = tmpl; *p;) {
		size_t n = *p == '{' ? placeholder_len(p) : 0;
		const char *v = NULL;

		if (n == sizeof("{codename}") - 1 && t && !strncmp(p, "{codename}", n))
			v = t->codename;
		else if (n == sizeof("{release}") - 1 && t && !strncmp(p, "{release}", n))
			v = t->release;
		else if (n == sizeof("{arch}") - 1 && !strncmp(p, "{arch}", n) && arch && *arch)
			v = arch;
		else if (n == sizeof("{pg}") - 1 && !strncmp(p, "{pg}", n) && pg > 0)
			v = pgs;
		if (v) {
			sbuf_adds(&b, v);
			p += n;
		} else {
			sbuf_addc(&b, *p++);
		}
	}
	return sbuf_detach(&b, NULL);	/* "" when tmpl is empty */
}
