#include "plan.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aptshim.h"
#include "deb822.h"
#include "extdisc.h"
#include "upstream.h"

static int64_t build_date(const struct lock *locked)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	if (sde && *sde)
		return strtoll(sde, NULL, 10);
	if (locked && locked->date)
		return locked->date;
	return (int64_t)time(NULL);
}

void plan_expand(const struct plan *p, const struct strlist *items, struct strlist *out)
{
	for (size_t i = 0; i < items->n; i++) {
		if (!strstr(items->v[i], "{pg}")) {
			strlist_add(out, items->v[i]);
			continue;
		}
		for (size_t j = 0; j < p->m.npostgres; j++)
			strlist_add_owned(out, recipes_expand(items->v[i], p->target, p->m.arch,
							      p->m.postgres[j]));
	}
}

/* Extension names, aliases, category:C and all become packages (discovery from
 * the upstreams' Contents, the catalog for aliases); the manifest's list then
 * names those packages, and p->ext_names the extensions they carry. */
static int plan_extensions(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	struct strlist mirrors = STRLIST_INIT, keep = STRLIST_INIT;
	struct extdisc_opts eo;
	int rc;

	for (size_t i = 0; o->mirrors && i < o->mirrors->n; i++)
		strlist_add(&mirrors, o->mirrors->v[i]);
	for (size_t i = 0; i < p->m.mirrors.n; i++)
		strlist_add(&mirrors, p->m.mirrors.v[i]);
	eo = (struct extdisc_opts){ o->fetch, o->cache_dir, &p->rc, p->target, p->m.arch,
				    &p->m.upstreams, &mirrors, o->allow_expired,
				    o->allow_unverified_contents, o->warn, o->warn_ctx,
				    p->m.postgres, p->m.npostgres };
	rc = extdisc_plan(&eo, o->recipes_dir, &p->m.extensions, p->m.postgres, p->m.npostgres,
			  &keep, &p->ext_names, err);
	for (size_t i = 0; rc == 0 && i < p->m.extensions.n; i++)
		if (strstr(p->m.extensions.v[i], "{pg}"))
			strlist_add(&keep, p->m.extensions.v[i]);
	strlist_free(&mirrors);
	if (rc < 0) {
		strlist_free(&keep);
		return -1;
	}
	/* Again, for bundle.json: what each extension needs to be created is
	 * data the installer reads, so it carries no catalog of its own. */
	if (extcat_load(&p->ext_cat, o->recipes_dir, err) < 0) {
		strlist_free(&keep);
		return -1;
	}
	strlist_free(&p->m.extensions);
	p->m.extensions = keep;
	return 0;
}

int plan_load(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	memset(p, 0, sizeof(*p));
	if (recipes_load(&p->rc, o->recipes_dir, err) < 0)
		return -1;
	if (manifest_load(&p->m, o->manifest_path, &p->rc, err) < 0)
		return -1;
	p->target = recipes_target(&p->rc, p->m.target);
	for (size_t i = 0; i < p->m.modules.n; i++)
		if (recipes_module_packages(&p->rc, p->m.modules.v[i], p->target, p->m.postgres,
					    p->m.npostgres, &p->requests, err) < 0)
			return pgb_err_prefix(err, "%s", o->manifest_path);
	if (extdisc_items_need_discovery(&p->m.extensions) && plan_extensions(p, o, err) < 0)
		return pgb_err_prefix(err, "%s: extensions", o->manifest_path);
	plan_expand(p, &p->m.extensions, &p->requests);
	plan_expand(p, &p->m.packages, &p->requests);
	strlist_sort(&p->requests);
	strlist_uniq(&p->requests);
	return 0;
}

/* --- collecting the verified upstream stanzas of chosen packages --- */

struct want {
	const char *name, *version, *arch;
	char **slot;		/* where the stanza goes */
};

static int cmp_want(const void *a, const void *b)
{
	return strcmp(((const struct want *)a)->name, ((const struct want *)b)->name);
}

static int span_eq(const char *s, size_t n, const char *z)
{
	return strlen(z) == n && !memcmp(s, z, n);
}

/* One pass over an index: fill the slot of every wanted (name, version, arch). */
static int collect_from(const char *path, struct want *w, size_t nw, struct pgb_err *err)
{
	struct deb822_iter it;
	struct deb822_para para;
	char *data;
	size_t len;
	int r;

	if (!nw)
		return 0;
	qsort(w, nw, sizeof(*w), cmp_want);
	if (util_read_file(path, &data, &len, err) < 0)
		return -1;
	deb822_iter_init(&it, data, len, path);
	while ((r = deb822_next(&it, &para, err)) == 1) {
		const char *name, *ver, *arch;
		size_t nl, vl, al;
		char key[512];
		struct want k = { key, NULL, NULL, NULL }, *hit;

		if (deb822_get_span(&para, "Package", &name, &nl) < 0 || nl >= sizeof(key))
			continue;
		memcpy(key, name, nl);
		key[nl] = '\0';
		hit = bsearch(&k, w, nw, sizeof(*w), cmp_want);
		if (!hit || deb822_get_span(&para, "Version", &ver, &vl) < 0 ||
		    deb822_get_span(&para, "Architecture", &arch, &al) < 0)
			continue;
		/* Several versions of one name may be wanted from one index: scan neighbours. */
		while (hit > w && !strcmp((hit - 1)->name, key))
			hit--;
		for (; hit < w + nw && !strcmp(hit->name, key); hit++)
			if (!*hit->slot && span_eq(ver, vl, hit->version) &&
			    span_eq(arch, al, hit->arch))
				*hit->slot = xstrndup(para.raw, para.len);
	}
	free(data);
	return r < 0 ? -1 : 0;
}

/* Fill stanzas[i] for each pkgs[i] from the index it was resolved from. */
static int collect_stanzas(const struct resolve_repo *repos, size_t nrepos,
			   const struct resolve_pkg *pkgs, size_t n, char **stanzas,
			   struct pgb_err *err)
{
	struct want *w = xcalloc(n ? n : 1, sizeof(*w));
	int rc = 0;

	for (size_t r = 0; r < nrepos && rc == 0; r++) {
		size_t nw = 0;

		for (size_t i = 0; i < n; i++)
			if (pkgs[i].repo == (int)r)
				w[nw++] = (struct want){ pkgs[i].name, pkgs[i].version, pkgs[i].arch,
							 &stanzas[i] };
		rc = collect_from(repos[r].packages_path, w, nw, err);
	}
	free(w);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!stanzas[i])
			rc = pgb_fail(err, "package %s %s (%s) was resolved from %s but its stanza "
				      "is not in that index", pkgs[i].name, pkgs[i].version,
				      pkgs[i].arch, repos[pkgs[i].repo].name);
	return rc;
}

static int write_status(struct plan *p, const struct resolve_repo *repos, size_t nrepos,
			const struct resolve_pkg *base, size_t nbase, struct pgb_err *err)
{
	char **st = xcalloc(nbase ? nbase : 1, sizeof(*st));
	struct sbuf out = SBUF_INIT;
	int rc = collect_stanzas(repos, nrepos, base, nbase, st, err);

	for (size_t i = 0; rc == 0 && i < nbase; i++) {
		struct deb822_para para = { st[i], strlen(st[i]), 1 };

		deb822_write_with(&out, &para, "Status", "install ok installed");
		sbuf_addc(&out, '\n');
	}
	if (rc == 0) {
		p->status_path = util_path_join(p->workdir, "status");
		rc = util_write_atomic(p->status_path, out.buf ? out.buf : "", out.len, 0644, err);
	}
	for (size_t i = 0; i < nbase; i++)
		free(st[i]);
	free(st);
	sbuf_free(&out);
	return rc;
}

static void lock_header(struct plan *p, int64_t date)
{
	p->lock.name = xstrdup(p->m.name);
	p->lock.version = xstrdup(p->m.version);
	p->lock.target = xstrdup(p->m.target);
	p->lock.arch = xstrdup(p->m.arch);
	p->lock.date = date;
}

static void fill_lock(struct plan *p, const struct upstream *ups, const size_t *repo_up,
		      const struct resolve_result *res, char **stanzas)
{
	p->lock.pkgs = xcalloc(res->npkgs ? res->npkgs : 1, sizeof(*p->lock.pkgs));
	p->lock.npkgs = res->npkgs;
	for (size_t i = 0; i < res->npkgs; i++) {
		const struct resolve_pkg *r = &res->pkgs[i];
		const struct upstream *u = &ups[repo_up[r->repo]];
		struct lock_pkg *l = &p->lock.pkgs[i];

		l->name = xstrdup(r->name);
		l->version = xstrdup(r->version);
		l->arch = xstrdup(r->arch);
		l->size = r->size;
		l->sha256 = xstrdup(r->sha256);
		l->upstream = xstrdup(u->name);
		l->url = xasprintf("%s/%s", u->url, r->filename);
		l->filename = xstrdup(r->filename);
		l->requested = r->requested;
		l->stanza = stanzas[i];
		stanzas[i] = NULL;
	}
}

int plan_resolve_deb(struct plan *p, const struct plan_opts *o, const struct upstream_opts *uo,
		     const struct upstream *ups, size_t nups, struct pgb_err *err)
{
	struct resolve_repo *repos = NULL;
	size_t nrepos = 0, *repo_up = NULL, nbase = 0;
	struct resolve_pkg *base = NULL;
	struct resolve_result res = { 0 };
	struct resolve_opts ro = { p->m.arch, p->m.recommends };
	char **stanzas = NULL, **solv = NULL;
	int rc = -1;

	(void)uo;
	for (size_t i = 0; i < nups; i++) {
		for (size_t j = 0; j < ups[i].nidx; j++) {
			repos = xrealloc(repos, (nrepos + 1) * sizeof(*repos));
			solv = xrealloc(solv, (nrepos + 1) * sizeof(*solv));
			repo_up = xrealloc(repo_up, (nrepos + 1) * sizeof(*repo_up));
			/* The index's hash names its libsolv cache: reused only for the same input. */
			solv[nrepos] = xasprintf("%s/index/%s.solv", o->cache_dir, ups[i].idx[j].key);
			repos[nrepos] = (struct resolve_repo){ ups[i].name, ups[i].idx[j].path,
							       solv[nrepos] };
			repo_up[nrepos++] = i;
		}
	}
	if (resolve_baseline(repos, nrepos, &ro, &base, &nbase, err) < 0 ||
	    write_status(p, repos, nrepos, base, nbase, err) < 0)
		goto out;
	p->nbaseline = nbase;
	if (resolve_run(repos, nrepos, p->status_path, (const char *const *)p->requests.v,
			p->requests.n, &ro, &res, err) < 0)
		goto out;
	stanzas = xcalloc(res.npkgs ? res.npkgs : 1, sizeof(*stanzas));
	if (collect_stanzas(repos, nrepos, res.pkgs, res.npkgs, stanzas, err) < 0)
		goto out;
	fill_lock(p, ups, repo_up, &res, stanzas);
	p->missing = res.missing;
	p->nmissing = res.nmissing;
	res.missing = NULL;
	res.nmissing = 0;
	rc = 0;
out:
	for (size_t i = 0; stanzas && i < res.npkgs; i++)
		free(stanzas[i]);
	free(stanzas);
	resolve_result_free(&res);
	resolve_pkgs_free(base, nbase);
	for (size_t i = 0; i < nrepos; i++)
		free(solv[i]);
	free(solv);
	free(repos);
	free(repo_up);
	return rc;
}

static int resolve_fresh(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	const struct strlist *names = p->m.upstreams.n ? &p->m.upstreams : &p->target->upstreams;
	const struct family_ops *fam = family_lookup(p->target->family);
	struct upstream_opts uo = { 0 };
	struct upstream *ups = xcalloc(names->n ? names->n : 1, sizeof(*ups));
	struct strlist mirrors = STRLIST_INIT;
	size_t nups = 0;
	int rc = -1;

	uo.fetch = o->fetch;
	uo.cache_dir = o->cache_dir;
	uo.rc = &p->rc;
	uo.target = p->target;
	uo.arch = p->m.arch;
	/* --mirror wins over the manifest's `mirrors:` (first match wins). */
	for (size_t i = 0; o->mirrors && i < o->mirrors->n; i++)
		strlist_add(&mirrors, o->mirrors->v[i]);
	for (size_t i = 0; i < p->m.mirrors.n; i++)
		strlist_add(&mirrors, p->m.mirrors.v[i]);
	uo.mirrors = &mirrors;
	uo.allow_expired = o->allow_expired;
	uo.pg = p->m.postgres;
	uo.npg = p->m.npostgres;
	uo.now = (int64_t)time(NULL);
	uo.warn = o->warn;
	uo.warn_ctx = o->warn_ctx;
	if (!fam || !fam->resolve) {
		pgb_fail(err, "target %s: the %s family cannot be resolved", p->target->name,
			 p->target->family);
		goto out;
	}
	for (; nups < names->n; nups++)
		if (upstream_sync(&uo, names->v[nups], &ups[nups], err) < 0)
			goto out;
	rc = fam->resolve(p, o, &uo, ups, nups, err);
out:
	for (size_t i = 0; i < nups; i++)
		upstream_free(&ups[i]);
	free(ups);
	strlist_free(&mirrors);
	return rc;
}

static int resolve_locked(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	struct lock l;

	if (lock_read(o->lock_path, &l, err) < 0)
		return -1;
	if (strcmp(l.target, p->m.target) || strcmp(l.arch, p->m.arch)) {
		pgb_fail(err, "%s is for %s/%s but %s builds %s/%s", o->lock_path, l.target, l.arch,
			 o->manifest_path, p->m.target, p->m.arch);
		lock_free(&l);
		return -1;
	}
	p->lock = l;
	/* The bundle's identity comes from the manifest; the set and date from the lock. */
	free(p->lock.name);
	free(p->lock.version);
	p->lock.name = xstrdup(p->m.name);
	p->lock.version = xstrdup(p->m.version);
	p->lock.date = build_date(&l);
	return 0;
}

int plan_resolve(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	char tmpl[] = "/tmp/pgbundle-plan.XXXXXX";

	if (!mkdtemp(tmpl))
		return pgb_failsys(err, "cannot create a scratch directory in /tmp");
	p->workdir = xstrdup(tmpl);
	if (o->lock_path)
		return resolve_locked(p, o, err);
	lock_header(p, build_date(NULL));
	return resolve_fresh(p, o, err);
}

char *plan_pool_path(const struct lock_pkg *pkg)
{
	const char *slash = strrchr(pkg->filename, '/');

	return xasprintf("pool/%s", slash ? slash + 1 : pkg->filename);
}

void plan_packages_text(const struct plan *p, struct sbuf *out)
{
	for (size_t i = 0; i < p->lock.npkgs; i++) {
		const struct lock_pkg *l = &p->lock.pkgs[i];
		struct deb822_para para = { l->stanza, strlen(l->stanza), 1 };
		char *pool = plan_pool_path(l);

		if (i)
			sbuf_addc(out, '\n');
		deb822_write_with(out, &para, "Filename", pool);
		free(pool);
	}
}

int plan_prove(const struct plan *p, const char *top, const char *suite, const char *component,
	       struct pgb_err *err)
{
	struct strlist names = STRLIST_INIT;
	char *line, *abs;
	int rc;

	if (!p->status_path)
		return 0;	/* a locked build has no baseline of its own to prove against */
	for (size_t i = 0; i < p->lock.npkgs; i++)
		if (p->lock.pkgs[i].requested)
			strlist_add(&names, p->lock.pkgs[i].name);
	/* The bundle's own source line: apt checks the signature as the target
	 * will.  apt takes only absolute paths in Signed-By and file: URIs, and
	 * top may be relative to where the user ran us (-o images). */
	abs = util_path_abs(top);
	line = xasprintf("deb [signed-by=%s/pgbundle.gpg] file:%s %s %s", abs, abs, suite, component);
	free(abs);
	rc = aptshim_check(line, p->status_path, p->m.arch, (const char *const *)names.v, names.n,
			   p->m.recommends, NULL, err);
	if (rc < 0)
		pgb_err_prefix(err, "apt would not install this bundle (nothing was written)");
	free(line);
	strlist_free(&names);
	return rc;
}

uint64_t plan_total_size(const struct plan *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->lock.npkgs; i++)
		t += p->lock.pkgs[i].size;
	return t;
}

void plan_free(struct plan *p)
{
	struct pgb_err ignored;

	if (p->workdir)
		util_rm_rf(p->workdir, &ignored);
	free(p->workdir);
	free(p->status_path);
	for (size_t i = 0; i < p->nmissing; i++) {
		free(p->missing[i].request);
		free(p->missing[i].reason);
	}
	free(p->missing);
	lock_free(&p->lock);
	strlist_free(&p->requests);
	strlist_free(&p->ext_names);
	extcat_free(&p->ext_cat);
	manifest_free(&p->m);
	recipes_free(&p->rc);
	memset(p, 0, sizeof(*p));
}
