#include "plan.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aptshim.h"
#include "deb822.h"
#include "extdisc.h"
#include "upstream.h"

/* SOURCE_DATE_EPOCH, else `recorded` (the lock's date, the upstreams'
 * newest Release date), else now. */
static int64_t build_date(int64_t recorded)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	if (sde && *sde)
		return strtoll(sde, NULL, 10);
	if (recorded)
		return recorded;
	return (int64_t)time(NULL);
}

/* --mirror wins over the manifest's `mirrors:` (first match wins). */
static void plan_mirrors(const struct plan *p, const struct plan_opts *o, struct strlist *out)
{
	for (size_t i = 0; o->mirrors && i < o->mirrors->n; i++)
		strlist_add(out, o->mirrors->v[i]);
	for (size_t i = 0; i < p->m.mirrors.n; i++)
		strlist_add(out, p->m.mirrors.v[i]);
}

static void strlist_copy(struct strlist *dst, const struct strlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		strlist_add(dst, src->v[i]);
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

/* Add s to l unless l has it (keeps the order of first appearance). */
static void add_unique(struct strlist *l, const char *s)
{
	if (!strlist_has(l, s))
		strlist_add(l, s);
}

/* Discovery for one major: the packages go to keep and, when they are
 * packages discovery chose (not a manifest item passed through, not an
 * unresolved "NAME (extension not on ...)" request), to the major's list. */
static int plan_extensions_major(struct plan *p, const struct plan_opts *o,
				 const struct extdisc_opts *eo, size_t j, struct strlist *keep,
				 struct pgb_err *err)
{
	struct strlist got = STRLIST_INIT;
	int rc = extdisc_plan(eo, o->recipes_dir, &p->m.extensions, &p->majors[j].pg, 1, &got,
			      &p->ext_names, err);

	for (size_t i = 0; rc == 0 && i < got.n; i++) {
		add_unique(keep, got.v[i]);
		if (strchr(got.v[i], ' ') || strlist_has(&p->m.extensions, got.v[i]))
			continue;
		strlist_add(&p->majors[j].requests, got.v[i]);
		/* For a locked build, which reads no discovery. */
		if (plan_records_majors(p))
			strlist_add_owned(&p->lock.ext_majors,
					  xasprintf("%d:%s", p->majors[j].pg, got.v[i]));
	}
	strlist_free(&got);
	return rc;
}

/* Extension names, aliases, category:C and all become packages (discovery from
 * the upstreams' Contents, the catalog for aliases), major by major; the
 * manifest's list then names those packages, and p->ext_names the extensions
 * they carry. */
static int plan_extensions(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	struct strlist mirrors = STRLIST_INIT, keep = STRLIST_INIT;
	struct extdisc_opts eo;
	int rc = 0;

	plan_mirrors(p, o, &mirrors);
	eo = (struct extdisc_opts){ o->fetch, o->cache_dir, &p->rc, p->target, p->m.arch,
				    &p->upstreams, &mirrors, o->allow_expired,
				    o->allow_unverified_contents, o->warn, o->warn_ctx,
				    p->m.postgres, p->m.npostgres };
	for (size_t j = 0; rc == 0 && j < p->m.npostgres; j++)
		rc = plan_extensions_major(p, o, &eo, j, &keep, err);
	strlist_sort(&p->ext_names);
	strlist_uniq(&p->ext_names);
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
	/* What discovery made of them goes into the lock, so a locked build
	 * needs no upstream metadata (and gets the same bundle.json). */
	p->lock.has_ext = 1;
	strlist_copy(&p->lock.ext_items, &p->m.extensions);
	strlist_copy(&p->lock.ext_names, &p->ext_names);
	return 0;
}

/* A locked build takes the lock's extensions as discovery left them; a lock
 * of format 1 has none recorded, and they are discovered again. */
static int plan_locked_extensions(struct plan *p, const struct plan_opts *o,
				  struct pgb_err *err)
{
	strlist_free(&p->m.extensions);
	strlist_copy(&p->m.extensions, &p->lock.ext_items);
	strlist_copy(&p->ext_names, &p->lock.ext_names);
	for (size_t i = 0; i < p->lock.ext_majors.n; i++) {
		const char *e = p->lock.ext_majors.v[i], *colon = strchr(e, ':');

		for (size_t j = 0; colon && j < p->m.npostgres; j++)
			if (atoi(e) == p->majors[j].pg)
				strlist_add(&p->majors[j].requests, colon + 1);
	}
	return extcat_load(&p->ext_cat, o->recipes_dir, err);
}

static int plan_read_lock(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	if (lock_read(o->lock_path, &p->lock, err) < 0)
		return -1;
	if (strcmp(p->lock.target, p->m.target) || strcmp(p->lock.arch, p->m.arch))
		return pgb_fail(err, "%s is for %s/%s but %s builds %s/%s", o->lock_path,
				p->lock.target, p->lock.arch, o->manifest_path, p->m.target,
				p->m.arch);
	return 0;
}

int plan_records_majors(const struct plan *p)
{
	return p->m.npostgres > 1 || p->pgdg_upstreams.n > 0;
}

/* Does the manifest ask for anything of major j: a package of it, or
 * extensions (discovered per major)? */
static int major_asked(const struct plan *p, size_t j)
{
	return p->majors[j].requests.n || extdisc_items_need_discovery(&p->m.extensions);
}

/* Is PGDG needed: `prefer: pgdg`, or something of a major other than the one
 * the distribution ships?  (A target that does not say which it ships: any
 * major asked for.) */
static int pgdg_wanted(const struct plan *p)
{
	if (!p->target->pgdg.n)
		return 0;
	if (p->m.prefer_pgdg)
		return 1;
	for (size_t j = 0; j < p->m.npostgres; j++)
		if (p->majors[j].pg != p->target->pg_default && major_asked(p, j))
			return 1;
	return 0;
}

/* The upstreams of this build: the distribution's, then PGDG's if wanted. */
static void plan_upstreams(struct plan *p)
{
	const struct strlist *dist = p->m.upstreams.n ? &p->m.upstreams : &p->target->upstreams;
	int want = pgdg_wanted(p);

	for (size_t i = 0; i < dist->n; i++)
		add_unique(&p->upstreams, dist->v[i]);
	for (size_t i = 0; i < p->target->pgdg.n; i++) {
		/* A manifest naming a PGDG repo in `upstreams` gets it on PGDG's side. */
		if (!want && !strlist_has(&p->upstreams, p->target->pgdg.v[i]))
			continue;
		add_unique(&p->upstreams, p->target->pgdg.v[i]);
		strlist_add(&p->pgdg_upstreams, p->target->pgdg.v[i]);
	}
}

/* Each major's own requests: its {pg} module packages and {pg} templates. */
static void plan_major_requests(struct plan *p)
{
	for (size_t j = 0; j < p->m.npostgres; j++) {
		struct plan_major *mj = &p->majors[j];

		for (size_t i = 0; i < p->m.modules.n; i++)
			recipes_module_major_packages(&p->rc, p->m.modules.v[i], p->target, mj->pg,
						      &mj->requests);
		for (size_t i = 0; i < p->m.extensions.n; i++)
			if (strstr(p->m.extensions.v[i], "{pg}"))
				strlist_add_owned(&mj->requests,
						  recipes_expand(p->m.extensions.v[i], p->target,
								 p->m.arch, mj->pg));
		for (size_t i = 0; i < p->m.packages.n; i++)
			if (strstr(p->m.packages.v[i], "{pg}"))
				strlist_add_owned(&mj->requests,
						  recipes_expand(p->m.packages.v[i], p->target,
								 p->m.arch, mj->pg));
	}
}

int plan_load(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	memset(p, 0, sizeof(*p));
	if (recipes_load(&p->rc, o->recipes_dir, err) < 0)
		return -1;
	if (manifest_load(&p->m, o->manifest_path, &p->rc, err) < 0)
		return -1;
	p->target = recipes_target(&p->rc, p->m.target);
	p->majors = xcalloc(p->m.npostgres, sizeof(*p->majors));
	for (size_t j = 0; j < p->m.npostgres; j++)
		p->majors[j].pg = p->m.postgres[j];
	plan_major_requests(p);
	plan_upstreams(p);
	for (size_t i = 0; i < p->m.modules.n; i++)
		if (recipes_module_packages(&p->rc, p->m.modules.v[i], p->target, p->m.postgres,
					    p->m.npostgres, &p->requests, err) < 0)
			return pgb_err_prefix(err, "%s", o->manifest_path);
	if (o->lock_path && plan_read_lock(p, o, err) < 0)
		return -1;
	if (p->lock.has_ext) {
		if (plan_locked_extensions(p, o, err) < 0)
			return pgb_err_prefix(err, "%s: extensions", o->lock_path);
	} else if (extdisc_items_need_discovery(&p->m.extensions) && plan_extensions(p, o, err) < 0) {
		return pgb_err_prefix(err, "%s: extensions", o->manifest_path);
	}
	plan_expand(p, &p->m.extensions, &p->requests);
	plan_expand(p, &p->m.packages, &p->requests);
	for (size_t j = 0; j < p->m.npostgres; j++) {
		strlist_sort(&p->majors[j].requests);
		strlist_uniq(&p->majors[j].requests);
	}
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

/* The baseline base (resolved from repos) as a dpkg status file at
 * WORKDIR/name; *path is malloc'd. */
static int write_status(struct plan *p, const char *name, const struct resolve_repo *repos,
			size_t nrepos, const struct resolve_pkg *base, size_t nbase, char **path,
			struct pgb_err *err)
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
		*path = util_path_join(p->workdir, name);
		rc = util_write_atomic(*path, out.buf ? out.buf : "", out.len, 0644, err);
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
		      struct resolve_result *res, char **stanzas)
{
	p->lock.pkgs = xcalloc(res->npkgs ? res->npkgs : 1, sizeof(*p->lock.pkgs));
	p->lock.npkgs = res->npkgs;
	for (size_t i = 0; i < res->npkgs; i++) {
		struct resolve_pkg *r = &res->pkgs[i];
		const struct upstream *u = &ups[repo_up[r->repo]];
		struct lock_pkg *l = &p->lock.pkgs[i];

		l->name = xstrdup(r->name);
		l->version = xstrdup(r->version);
		l->arch = xstrdup(r->arch);
		l->size = r->size;
		l->sha256 = xstrdup(r->sha256);
		l->upstream = xstrdup(u->name);
		l->url = xasprintf("%s/%s", u->url, r->filename);	/* not stored */
		l->filename = xstrdup(r->filename);
		l->requested = r->requested;
		l->stanza = stanzas[i];
		stanzas[i] = NULL;
		l->why = r->why;
		r->why = NULL;
	}
}

/* --- the repos of one build, on two sides --- */

struct repo_set {
	struct resolve_repo *v;
	char **solv;		/* v[i].solv_cache, owned */
	size_t *up;		/* the upstream (index into the synced array) of v[i] */
	int *pgdg;		/* 1 when v[i] is on PGDG's side */
	size_t n;
};

static void repo_set_add(struct repo_set *rs, const struct plan_opts *o, const struct upstream *u,
			 size_t ui, int pgdg, int prio, const struct upstream_index *ix)
{
	rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
	rs->solv = xrealloc(rs->solv, (rs->n + 1) * sizeof(*rs->solv));
	rs->up = xrealloc(rs->up, (rs->n + 1) * sizeof(*rs->up));
	rs->pgdg = xrealloc(rs->pgdg, (rs->n + 1) * sizeof(*rs->pgdg));
	/* The index's hash names its libsolv cache: reused only for the same input. */
	rs->solv[rs->n] = xasprintf("%s/index/%s.solv", o->cache_dir, ix->key);
	rs->v[rs->n] = (struct resolve_repo){ u->name, ix->path, rs->solv[rs->n], prio };
	rs->up[rs->n] = ui;
	rs->pgdg[rs->n++] = pgdg;
}

/* The repos of one side (pgdg 0: the distribution's), sharing rs's strings. */
static size_t repo_set_side(const struct repo_set *rs, int pgdg, struct resolve_repo **out)
{
	size_t n = 0;

	*out = xcalloc(rs->n ? rs->n : 1, sizeof(**out));
	for (size_t i = 0; i < rs->n; i++)
		if (rs->pgdg[i] == pgdg)
			(*out)[n++] = rs->v[i];
	return n;
}

static void repo_set_free(struct repo_set *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->solv[i]);
	free(rs->solv);
	free(rs->v);
	free(rs->up);
	free(rs->pgdg);
	memset(rs, 0, sizeof(*rs));
}

/* "a, b, c": the upstreams of the build on one side. */
static char *side_names(const struct plan *p, int pgdg)
{
	struct sbuf b = SBUF_INIT;

	for (size_t i = 0; i < p->upstreams.n; i++)
		if (strlist_has(&p->pgdg_upstreams, p->upstreams.v[i]) == pgdg)
			sbuf_addf(&b, "%s%s", b.len ? ", " : "", p->upstreams.v[i]);
	return b.buf ? sbuf_detach(&b, NULL) : xstrdup("none");
}

/* --- where each major comes from --- */

static char *side_why(const struct plan *p, int pgdg)
{
	char *names = side_names(p, pgdg), *why = xasprintf("not in %s", names);

	free(names);
	return why;
}

static int major_missing(const struct plan *p, const struct plan_major *mj,
			 const struct strlist *probe, size_t from, size_t to, struct pgb_err *err)
{
	struct sbuf b = SBUF_INIT;

	for (size_t i = 0; i < p->upstreams.n; i++)
		sbuf_addf(&b, "%s%s", i ? ", " : "", p->upstreams.v[i]);
	sbuf_adds(&b, " (none has ");
	for (size_t i = from; i < to; i++)
		sbuf_addf(&b, "%s%s", i > from ? " and " : "", probe->v[i]);
	sbuf_adds(&b, ")");
	if (p->target->pgdg.n && !p->pgdg_upstreams.n)
		sbuf_addf(&b, "; PGDG's upstreams (targets.yml pgdg) are used for a major other "
			  "than %d, the one %s ships, or with `prefer: pgdg`", p->target->pg_default,
			  p->target->name);
	pgb_fail(err, "PostgreSQL %d is in none of the upstreams tried for %s: %s", mj->pg,
		 p->target->name, b.buf);
	sbuf_free(&b);
	return -1;
}

/*
 * Which side each major comes from: the preferred one when it has the
 * major's pgsql packages, else the other; neither is an error naming the
 * major and every upstream tried.  Fills plan_major.why.
 */
static int plan_check_majors(struct plan *p, const struct repo_set *rs,
			     const struct resolve_opts *ro, struct pgb_err *err)
{
	struct strlist probe = STRLIST_INIT;
	size_t *from = xcalloc(p->m.npostgres + 1, sizeof(*from));
	int *have[2] = { NULL, NULL }, rc = 0;

	for (size_t j = 0; j < p->m.npostgres; j++) {
		from[j] = probe.n;
		recipes_module_major_packages(&p->rc, "pgsql", p->target, p->majors[j].pg, &probe);
	}
	from[p->m.npostgres] = probe.n;
	for (int side = 0; side < 2 && rc == 0; side++) {
		struct resolve_repo *sub;
		size_t n = repo_set_side(rs, side, &sub);

		have[side] = xcalloc(probe.n + 1, sizeof(int));
		if (n)
			rc = resolve_have(sub, n, ro, (const char *const *)probe.v, probe.n,
					  have[side], err);
		free(sub);
	}
	for (size_t j = 0; rc == 0 && j < p->m.npostgres; j++) {
		struct plan_major *mj = &p->majors[j];
		int on[2] = { from[j] < from[j + 1], from[j] < from[j + 1] };
		int pref = p->m.prefer_pgdg;

		for (size_t i = from[j]; i < from[j + 1]; i++)
			for (int side = 0; side < 2; side++)
				on[side] &= have[side][i];
		if (!mj->requests.n)
			mj->why = xstrdup("nothing of it is asked for");
		else if (from[j] == from[j + 1])
			mj->why = xstrdup("the target has no pgsql package list to check");
		else if (on[pref])
			mj->why = xstrdup(pref ? "prefer: pgdg" : "the distribution ships it");
		else if (on[!pref])
			mj->why = side_why(p, pref);
		else
			rc = major_missing(p, mj, &probe, from[j], from[j + 1], err);
	}
	free(have[0]);
	free(have[1]);
	free(from);
	strlist_free(&probe);
	return rc;
}

/* The upstream each major's server package (its first pgsql package) came
 * from in the lock; "-" when the bundle has none. */
static void plan_major_upstreams(struct plan *p)
{
	for (size_t j = 0; j < p->m.npostgres; j++) {
		struct strlist probe = STRLIST_INIT;
		const char *up = "-";

		recipes_module_major_packages(&p->rc, "pgsql", p->target, p->majors[j].pg, &probe);
		for (size_t i = 0; probe.n && i < p->lock.npkgs; i++)
			if (!strcmp(p->lock.pkgs[i].name, probe.v[0]))
				up = p->lock.pkgs[i].upstream;
		free(p->majors[j].upstream);
		p->majors[j].upstream = xstrdup(up);
		strlist_free(&probe);
	}
}

/* --- two baselines: the release as published, and as updated --- */

/*
 * A host may be installed from the release as published and never updated,
 * or kept current with -updates and -security.  The bundle must install on
 * both: it is resolved on top of each baseline and holds the union, so the
 * baseline packages its closure needs at newer versions than the release
 * shipped are carried too (plan.h).
 */
struct baselines {
	/* The distribution's repos (PGDG is never in a minbase): all of them
	 * (cur), and those of upstreams that are not `updates` (first). */
	struct resolve_repo *cur, *first;
	size_t ncur, nfirst;
	struct resolve_pkg *cur_pkgs, *first_pkgs;
	size_t ncurpkgs, nfirstpkgs;
};

static void baselines_free(struct baselines *b)
{
	free(b->cur);
	free(b->first);
	resolve_pkgs_free(b->cur_pkgs, b->ncurpkgs);
	resolve_pkgs_free(b->first_pkgs, b->nfirstpkgs);
	memset(b, 0, sizeof(*b));
}

static int compute_baselines(struct plan *p, const struct upstream *ups,
			     const struct repo_set *rs, const struct resolve_opts *ro,
			     struct baselines *b, struct pgb_err *err)
{
	b->cur = xcalloc(rs->n ? rs->n : 1, sizeof(*b->cur));
	b->first = xcalloc(rs->n ? rs->n : 1, sizeof(*b->first));
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->pgdg[i])
			continue;
		b->cur[b->ncur++] = rs->v[i];
		if (!ups[rs->up[i]].recipe->updates)
			b->first[b->nfirst++] = rs->v[i];
	}
	if (resolve_baseline(b->cur, b->ncur, ro, &b->cur_pkgs, &b->ncurpkgs, err) < 0 ||
	    write_status(p, "status", b->cur, b->ncur, b->cur_pkgs, b->ncurpkgs, &p->status_path,
			 err) < 0)
		return -1;
	p->nbaseline = b->ncurpkgs;
	/* Every upstream is the release itself, or none is: one baseline. */
	if (b->nfirst == 0 || b->nfirst == b->ncur)
		return 0;
	if (resolve_baseline(b->first, b->nfirst, ro, &b->first_pkgs, &b->nfirstpkgs, err) < 0)
		return pgb_err_prefix(err, "the release as published (without its updates)");
	return write_status(p, "status-release", b->first, b->nfirst, b->first_pkgs,
			    b->nfirstpkgs, &p->status_release_path, err);
}

static int has_pkg(const struct resolve_pkg *v, size_t n, const char *name, const char *arch)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name) && (!arch || !strcmp(v[i].arch, arch)))
			return (int)i + 1;
	return 0;
}

static int cmp_resolved(const void *a, const void *b)
{
	const struct resolve_pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->arch, y->arch);
}

/* Add what the resolution on the release's baseline (from) needs beyond
 * into's: the packages (taken from from; requested when one of requests
 * names them), and the requests only it could not satisfy, said so.  into
 * stays sorted by name. */
static void merge_release(struct resolve_result *into, struct resolve_result *from,
			  const struct strlist *requests)
{
	size_t n = into->npkgs;

	into->pkgs = xrealloc(into->pkgs, (n + from->npkgs + 1) * sizeof(*into->pkgs));
	for (size_t i = 0; i < from->npkgs; i++) {
		struct resolve_pkg *f = &from->pkgs[i];

		if (has_pkg(into->pkgs, n, f->name, f->arch))
			continue;
		f->requested = strlist_has(requests, f->name);
		into->pkgs[into->npkgs++] = *f;
		memset(f, 0, sizeof(*f));
	}
	qsort(into->pkgs, into->npkgs, sizeof(*into->pkgs), cmp_resolved);
	for (size_t i = 0; i < from->nmissing; i++) {
		size_t j = 0;

		while (j < into->nmissing && strcmp(into->missing[j].request, from->missing[i].request))
			j++;
		if (j < into->nmissing)
			continue;
		into->missing = xrealloc(into->missing, (into->nmissing + 1) * sizeof(*into->missing));
		into->missing[into->nmissing].request = xstrdup(from->missing[i].request);
		into->missing[into->nmissing++].reason =
			xasprintf("on a host installed from the release as published and not "
				  "updated: %s", from->missing[i].reason);
	}
}

/*
 * Resolve on the current baseline into res; then, on the release's first
 * baseline, the same requests plus every package of res at its version
 * ("name=version": apt installs a bundle's newest version, never an older
 * one that would spare an installed package, so neither may the solver),
 * and add what that needs more: the baseline packages to carry.
 */
static int resolve_both(struct plan *p, const struct resolve_repo *repos, size_t nrepos,
			const struct resolve_opts *ro, const struct baselines *b,
			struct resolve_result *res, struct pgb_err *err)
{
	struct resolve_result rel = { 0 };
	struct strlist req = STRLIST_INIT;
	int rc;

	if (resolve_run(repos, nrepos, p->status_path, (const char *const *)p->requests.v,
			p->requests.n, ro, res, err) < 0)
		return -1;
	if (!p->status_release_path)
		return 0;
	for (size_t i = 0; i < p->requests.n; i++)
		strlist_add(&req, p->requests.v[i]);
	for (size_t i = 0; i < res->npkgs; i++)
		strlist_add_owned(&req, xasprintf("%s=%s", res->pkgs[i].name, res->pkgs[i].version));
	rc = resolve_run(repos, nrepos, p->status_release_path, (const char *const *)req.v, req.n,
			 ro, &rel, err);
	strlist_free(&req);
	if (rc < 0)
		return pgb_err_prefix(err, "on the release as published (without its updates)");
	merge_release(res, &rel, &p->requests);
	resolve_result_free(&rel);
	for (size_t i = 0; i < res->npkgs; i++)
		p->ncarried += has_pkg(b->first_pkgs, b->nfirstpkgs, res->pkgs[i].name, NULL) != 0;
	return 0;
}

/* Sync every upstream of the build into ups[] (*nups of them, for either
 * family), with uo set up for them (its mirrors list is the caller's to
 * free), and take the bundle's date from them. */
static int sync_upstreams(struct plan *p, const struct plan_opts *o, struct upstream_opts *uo,
			  struct strlist *mirrors, struct upstream *ups, size_t *nups,
			  struct pgb_err *err)
{
	int64_t newest = 0;
	int rc = 0;

	memset(uo, 0, sizeof(*uo));
	uo->fetch = o->fetch;
	uo->cache_dir = o->cache_dir;
	uo->rc = &p->rc;
	uo->target = p->target;
	uo->arch = p->m.arch;
	plan_mirrors(p, o, mirrors);
	uo->mirrors = mirrors;
	uo->allow_expired = o->allow_expired;
	uo->pg = p->m.postgres;
	uo->npg = p->m.npostgres;
	uo->now = (int64_t)time(NULL);
	uo->warn = o->warn;
	uo->warn_ctx = o->warn_ctx;
	for (*nups = 0; rc == 0 && *nups < p->upstreams.n; (*nups)++)
		if (upstream_sync(uo, p->upstreams.v[*nups], &ups[*nups], err) < 0)
			rc = -1;
	if (rc < 0)
		(*nups)--;	/* the failed one was left empty */
	/* The bundle's date is the archive's, not the clock's: resolving again
	 * from unchanged upstreams gives the same lock. */
	for (size_t i = 0; rc == 0 && i < *nups; i++) {
		lock_set_upstream(&p->lock, ups[i].name, ups[i].date);
		if (ups[i].date > newest)
			newest = ups[i].date;
	}
	if (rc == 0)
		p->lock.date = build_date(newest);
	return rc;
}

/* The indexes of the synced upstreams in rs, the preferred side (the
 * distribution's or PGDG's, plan.h) at priority 1. */
static void deb_repo_set(const struct plan *p, const struct plan_opts *o,
			 const struct upstream *ups, size_t nups, struct repo_set *rs)
{
	for (size_t i = 0; i < nups; i++) {
		int pgdg = strlist_has(&p->pgdg_upstreams, ups[i].name);

		for (size_t j = 0; j < ups[i].nidx; j++)
			repo_set_add(rs, o, &ups[i], i, pgdg, pgdg == p->m.prefer_pgdg,
				     &ups[i].idx[j]);
	}
}

int plan_resolve_deb(struct plan *p, const struct plan_opts *o, const struct upstream_opts *uo,
		     const struct upstream *ups, size_t nups, struct pgb_err *err)
{
	struct repo_set rs = { 0 };
	struct baselines bl = { 0 };
	struct resolve_result res = { 0 };
	struct resolve_opts ro = { p->m.arch, p->m.recommends };
	char **stanzas = NULL;
	int rc = -1;

	(void)uo;
	deb_repo_set(p, o, ups, nups, &rs);
	if (plan_check_majors(p, &rs, &ro, err) < 0)
		goto out;
	if (compute_baselines(p, ups, &rs, &ro, &bl, err) < 0 ||
	    resolve_both(p, rs.v, rs.n, &ro, &bl, &res, err) < 0)
		goto out;
	stanzas = xcalloc(res.npkgs ? res.npkgs : 1, sizeof(*stanzas));
	if (collect_stanzas(rs.v, rs.n, res.pkgs, res.npkgs, stanzas, err) < 0)
		goto out;
	fill_lock(p, ups, rs.up, &res, stanzas);
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
	baselines_free(&bl);
	repo_set_free(&rs);
	return rc;
}

static int resolve_fresh(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	const struct family_ops *fam = family_lookup(p->target->family);
	struct upstream *ups = xcalloc(p->upstreams.n ? p->upstreams.n : 1, sizeof(*ups));
	struct upstream_opts uo;
	struct strlist mirrors = STRLIST_INIT;
	size_t nups = 0;
	int rc = -1;

	if (!fam || !fam->resolve)
		pgb_fail(err, "target %s: the %s family cannot be resolved", p->target->name,
			 p->target->family);
	else if (sync_upstreams(p, o, &uo, &mirrors, ups, &nups, err) == 0)
		rc = fam->resolve(p, o, &uo, ups, nups, err);
	if (rc == 0)
		plan_major_upstreams(p);
	for (size_t i = 0; i < nups; i++)
		upstream_free(&ups[i]);
	free(ups);
	strlist_free(&mirrors);
	return rc;
}

/* Each package's URL: its upstream's base URL from the mirror configuration
 * now (the lock names no mirror) and its Filename. */
static int locked_urls(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	struct upstream_opts uo = { 0 };
	struct strlist mirrors = STRLIST_INIT, names = STRLIST_INIT, bases = STRLIST_INIT;
	int rc = 0;

	uo.rc = &p->rc;
	uo.target = p->target;
	uo.arch = p->m.arch;
	plan_mirrors(p, o, &mirrors);
	uo.mirrors = &mirrors;
	for (size_t i = 0; rc == 0 && i < p->lock.npkgs; i++) {
		struct lock_pkg *l = &p->lock.pkgs[i];
		size_t j = 0;
		char *base;

		while (j < names.n && strcmp(names.v[j], l->upstream))
			j++;
		if (j == names.n) {
			rc = upstream_base_url(&uo, l->upstream, &base, err);
			if (rc < 0) {
				pgb_err_prefix(err, "%s: package %s", o->lock_path, l->name);
				break;
			}
			strlist_add(&names, l->upstream);
			strlist_add_owned(&bases, base);
		}
		free(l->url);
		l->url = xasprintf("%s/%s", bases.v[j], l->filename);
	}
	strlist_free(&mirrors);
	strlist_free(&names);
	strlist_free(&bases);
	return rc;
}

/* The lock was read by plan_load(). */
static int resolve_locked(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	/* The bundle's identity comes from the manifest; the set and date from the lock. */
	free(p->lock.name);
	free(p->lock.version);
	p->lock.name = xstrdup(p->m.name);
	p->lock.version = xstrdup(p->m.version);
	p->lock.date = build_date(p->lock.date);
	plan_major_upstreams(p);
	for (size_t j = 0; j < p->m.npostgres; j++)
		p->majors[j].why = xstrdup("as locked");
	return locked_urls(p, o, err);
}

int plan_resolve(struct plan *p, const struct plan_opts *o, struct pgb_err *err)
{
	char tmpl[] = "/tmp/pgbundle-plan.XXXXXX";

	if (!mkdtemp(tmpl))
		return pgb_failsys(err, "cannot create a scratch directory in /tmp");
	p->workdir = xstrdup(tmpl);
	if (o->lock_path)
		return resolve_locked(p, o, err);
	lock_header(p, build_date(0));
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
	if (rc == 0 && p->status_release_path &&
	    aptshim_check(line, p->status_release_path, p->m.arch, (const char *const *)names.v,
			  names.n, p->m.recommends, NULL, err) < 0)
		rc = pgb_err_prefix(err, "apt would not install this bundle on a host installed "
				    "from the release as published and not updated (nothing was "
				    "written)");
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

uint64_t plan_installed_size(const struct plan *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->lock.npkgs; i++) {
		struct deb822_para para = { p->lock.pkgs[i].stanza, strlen(p->lock.pkgs[i].stanza), 1 };
		char *kib = deb822_get(&para, "Installed-Size");

		if (kib)
			t += strtoull(kib, NULL, 10) * 1024;
		free(kib);
	}
	return t;
}

void plan_free(struct plan *p)
{
	struct pgb_err ignored;

	if (p->workdir)
		util_rm_rf(p->workdir, &ignored);
	free(p->workdir);
	free(p->status_path);
	free(p->status_release_path);
	for (size_t i = 0; i < p->nmissing; i++) {
		free(p->missing[i].request);
		free(p->missing[i].reason);
	}
	free(p->missing);
	lock_free(&p->lock);
	for (size_t j = 0; p->majors && j < p->m.npostgres; j++) {
		strlist_free(&p->majors[j].requests);
		free(p->majors[j].upstream);
		free(p->majors[j].why);
	}
	free(p->majors);
	strlist_free(&p->upstreams);
	strlist_free(&p->pgdg_upstreams);
	strlist_free(&p->requests);
	strlist_free(&p->ext_names);
	extcat_free(&p->ext_cat);
	manifest_free(&p->m);
	recipes_free(&p->rc);
	memset(p, 0, sizeof(*p));
}
