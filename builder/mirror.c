#include "mirror.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "deb822.h"

static char *trim_url(const char *u, size_t n)
{
	while (n && u[n - 1] == '/')
		n--;
	return xstrndup(u, n);
}

static int from_overrides(const struct strlist *o, const char *key, char **url)
{
	size_t klen = strlen(key);

	for (size_t i = 0; o && i < o->n; i++) {
		if (!strncmp(o->v[i], key, klen) && o->v[i][klen] == '=') {
			*url = trim_url(o->v[i] + klen + 1, strlen(o->v[i] + klen + 1));
			return 1;
		}
	}
	return 0;
}

static int from_env(const char *key, char **url)
{
	char name[128];
	size_t n = (size_t)snprintf(name, sizeof(name), "PGBUNDLE_MIRROR_");
	const char *v;

	for (const char *k = key; *k && n + 1 < sizeof(name); k++)
		name[n++] = *k == '-' ? '_' : (char)toupper((unsigned char)*k);
	name[n] = '\0';
	v = getenv(name);
	if (!v || !*v)
		return 0;
	*url = trim_url(v, strlen(v));
	return 1;
}

/* Does `suite` have the shape of `tmpl` ("{codename}-security") for a codename
 * of one of the targets of `family`? */
static int suite_matches(const struct recipes *rc, const char *family, const char *tmpl,
			 const char *suite)
{
	for (size_t i = 0; i < rc->ntargets; i++) {
		const struct recipe_target *t = &rc->targets[i];
		char *want;
		int eq;

		if (!t->codename || strcmp(t->family, family))
			continue;
		want = recipes_expand(tmpl, t, "", 0);
		eq = !strcmp(want, suite);
		free(want);
		if (eq)
			return 1;
	}
	return 0;
}

static int key_matches(const struct recipes *rc, const char *key, const char *suite)
{
	for (size_t i = 0; i < rc->nrepos; i++) {
		const struct recipe_repo *r = &rc->repos[i];

		if (r->mirror && !strcmp(r->mirror, key) && r->suite &&
		    suite_matches(rc, r->family, r->suite, suite))
			return 1;
	}
	return 0;
}

/* One-line format: "deb [opts] URI SUITE COMP...". */
static int scan_list_file(const struct mirror_ctx *mc, const char *key, const char *path, char **url)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok, *uri = NULL, *suite = NULL;

		tok = strtok_r(line, " \t\r\n", &save);
		if (!tok || strcmp(tok, "deb"))
			continue;
		while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
			if (tok[0] == '[') {
				while (tok && !strchr(tok, ']'))
					tok = strtok_r(NULL, " \t\r\n", &save);
				continue;
			}
			if (!uri)
				uri = tok;
			else if (!suite) {
				suite = tok;
				break;
			}
		}
		if (uri && suite && key_matches(mc->rc, key, suite)) {
			*url = trim_url(uri, strlen(uri));
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int para_matches(const struct mirror_ctx *mc, const char *key,
			const struct deb822_para *p, char **url)
{
	char *types = deb822_get(p, "Types"), *uris = deb822_get(p, "URIs");
	char *suites = deb822_get(p, "Suites"), *enabled = deb822_get(p, "Enabled");
	char *save = NULL, *s;
	int found = 0;

	if (!types || !uris || !suites || !strstr(types, "deb") ||
	    (enabled && !strcasecmp(enabled, "no")))
		goto out;
	for (s = strtok_r(suites, " \t\n", &save); s && !found; s = strtok_r(NULL, " \t\n", &save)) {
		if (key_matches(mc->rc, key, s)) {
			size_t n = strcspn(uris, " \t\n");

			*url = trim_url(uris, n);
			found = 1;
		}
	}
out:
	free(types);
	free(uris);
	free(suites);
	free(enabled);
	return found;
}

static int scan_sources_file(const struct mirror_ctx *mc, const char *key, const char *path, char **url)
{
	struct deb822_para p;
	struct deb822_iter it;
	struct pgb_err ignored = { { 0 } };
	char *data;
	size_t len;
	int found = 0;

	if (util_read_file(path, &data, &len, &ignored) < 0)
		return 0;
	deb822_iter_init(&it, data, len, path);
	while (!found && deb822_next(&it, &p, &ignored) == 1)
		found = para_matches(mc, key, &p, url);
	free(data);
	return found;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int from_apt(const struct mirror_ctx *mc, const char *key, char **url)
{
	char *path = util_path_join(mc->apt_etc, "sources.list");
	char *dpath = util_path_join(mc->apt_etc, "sources.list.d");
	struct strlist files = STRLIST_INIT;
	struct dirent *de;
	DIR *d;
	int found = scan_list_file(mc, key, path, url);

	free(path);
	d = found ? NULL : opendir(dpath);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			strlist_add(&files, de->d_name);
	if (d)
		closedir(d);
	if (files.n > 1)
		qsort(files.v, files.n, sizeof(*files.v), cmp_names);
	for (size_t i = 0; !found && i < files.n; i++) {
		size_t n = strlen(files.v[i]);
		char *f = util_path_join(dpath, files.v[i]);

		if (n > 5 && !strcmp(files.v[i] + n - 5, ".list"))
			found = scan_list_file(mc, key, f, url);
		else if (n > 8 && !strcmp(files.v[i] + n - 8, ".sources"))
			found = scan_sources_file(mc, key, f, url);
		free(f);
	}
	strlist_free(&files);
	free(dpath);
	return found;
}

int mirror_resolve(const struct mirror_ctx *mc, const char *key, char **url, struct pgb_err *err)
{
	char envname[128];
	size_t n;

	if (from_overrides(mc->overrides, key, url) || from_env(key, url) || from_apt(mc, key, url))
		return 0;
	n = (size_t)snprintf(envname, sizeof(envname), "PGBUNDLE_MIRROR_");
	for (const char *k = key; *k && n + 1 < sizeof(envname); k++)
		envname[n++] = *k == '-' ? '_' : (char)toupper((unsigned char)*k);
	envname[n] = '\0';
	return pgb_fail(err, "no mirror known for '%s': pass --mirror %s=URL, set %s, add "
			"`mirrors: {%s: URL}` to the manifest, or configure it in %s/sources.list.d",
			key, key, envname, key, mc->apt_etc);
}

int mirror_given(const struct mirror_ctx *mc, const char *key)
{
	char *url = NULL;
	int given = from_overrides(mc->overrides, key, &url) || from_env(key, &url);

	free(url);
	return given;
}
