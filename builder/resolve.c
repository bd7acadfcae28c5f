#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/evr.h>
#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/problems.h>
#include <solv/repo.h>
#include <solv/repo_deb.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/rules.h>
#include <solv/solver.h>
#include <solv/transaction.h>

#include "solvfile.h"
#include "solvwhy.h"
#include "util.h"

/*
 * libsolv's deb parser keeps neither Size nor Essential/Priority, so each
 * parsed repo is annotated with them under these keys; the solv cache then
 * carries them too.  Bump CACHE_FORMAT whenever the annotations change, so
 * that old caches are rebuilt rather than trusted.
 */
#define KEY_SEED	"pgbundle:baseline-seed"
#define KEY_FORMAT	"pgbundle:cache-format"
#define CACHE_FORMAT	"resolve-1"

/* One pool with the caller's repos loaded; lives for one public call. */
struct session {
	Pool *pool;
	const struct resolve_repo *src;
	Repo **repos;		/* repos[i] holds src[i] */
	size_t nrepos;
	Id seedkey;
	Id formatkey;
};

/* What one stanza says beyond what libsolv keeps. */
struct stanza {
	const char *name;
	size_t namelen;
	uint64_t size;
	int seed;
};

static int field_is(const char *line, size_t len, const char *field, const char **val,
		    size_t *vlen)
{
	size_t fl = strlen(field);

	if (len <= fl || strncasecmp(line, field, fl) || line[fl] != ':')
		return 0;
	line += fl + 1;
	len -= fl + 1;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
		len--;
	*val = line;
	*vlen = len;
	return 1;
}

static int span_is(const char *v, size_t len, const char *word)
{
	return len == strlen(word) && !strncasecmp(v, word, len);
}

/* Read the stanza at [p, end) into *st; returns 1 when it names a package. */
static int stanza_scan(const char *p, const char *end, struct stanza *st)
{
	memset(st, 0, sizeof(*st));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		const char *v;
		size_t vl;

		if (field_is(p, len, "Package", &v, &vl)) {
			st->name = v;
			st->namelen = vl;
		} else if (field_is(p, len, "Size", &v, &vl)) {
			st->size = strtoull(v, NULL, 10);
		} else if (field_is(p, len, "Essential", &v, &vl)) {
			st->seed |= span_is(v, vl, "yes");
		} else if (field_is(p, len, "Priority", &v, &vl)) {
			st->seed |= span_is(v, vl, "required");
		}
		p += len + 1;
	}
	return st->name != NULL;
}

/* The next solvable of repo after p (p = repo->start - 1 to begin), or 0. */
static Id next_solvable(Repo *repo, Id p)
{
	for (p++; p < repo->end; p++)
		if (repo->pool->solvables[p].repo == repo)
			return p;
	return 0;
}

/*
 * Add Size and the baseline seed flag to the solvables libsolv made from
 * text.  libsolv makes one solvable per "\n\n"-separated stanza that has a
 * Package field, in file order, so stanzas and solvables pair up; the names
 * are compared to prove it.
 */
static int annotate(struct session *ss, Repo *repo, Repodata *data, const char *text,
		    size_t len, const char *path, struct pgb_err *err)
{
	const char *p = text, *end = text + len;
	Id sid = repo->start - 1;

	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n\n", 2);
		const char *stop = sep ? sep + 1 : end;
		struct stanza st;

		if (stanza_scan(p, stop, &st)) {
			sid = next_solvable(repo, sid);
			if (!sid || ss->pool->solvables[sid].name !=
				    pool_strn2id(ss->pool, st.name, (unsigned int)st.namelen, 0))
				return pgb_fail(err, "%s: stanza of package '%.*s' does not match "
						"libsolv's reading of the file; is it a plain "
						"(decompressed) Packages index?", path,
						(int)st.namelen, st.name);
			repodata_set_num(data, sid, SOLVABLE_DOWNLOADSIZE, st.size);
			if (st.seed)
				repodata_set_void(data, sid, ss->seedkey);
		}
		p = sep ? sep + 2 : end;
	}
	return 0;
}

static int parse_packages(struct session *ss, Repo *repo, const char *path,
			  struct pgb_err *err)
{
	char *text;
	size_t len;
	FILE *f;
	Repodata *data;
	int rc = 0;

	if (util_read_file(path, &text, &len, err) < 0)
		return pgb_err_prefix(err, "cannot read the Packages index of %s", repo->name);
	data = repo_add_repodata(repo, 0);
	if (len) {
		f = fmemopen(text, len, "r");
		if (!f) {
			free(text);
			return pgb_failsys(err, "%s: cannot open the index in memory", path);
		}
		repo_add_debpackages(repo, f, REPO_REUSE_REPODATA | REPO_NO_INTERNALIZE);
		fclose(f);
		rc = annotate(ss, repo, data, text, len, path, err);
	}
	repodata_set_str(data, SOLVID_META, ss->formatkey, CACHE_FORMAT);
	repodata_internalize(data);
	free(text);
	return rc;
}

static int load_repo(struct session *ss, size_t i, struct pgb_err *err)
{
	const struct resolve_repo *r = &ss->src[i];
	Repo *repo = repo_create(ss->pool, r->name);

	ss->repos[i] = repo;
	repo->priority = r->priority;
	if (r->solv_cache && solvfile_load(repo, r->solv_cache, KEY_FORMAT, CACHE_FORMAT))
		return 0;
	if (parse_packages(ss, repo, r->packages_path, err) < 0)
		return -1;
	if (r->solv_cache && solvfile_write(repo, r->solv_cache, err) < 0)
		return pgb_err_prefix(err, "repo %s", r->name);
	return 0;
}

static void session_free(struct session *ss)
{
	if (ss->pool)
		pool_free(ss->pool);
	free(ss->repos);
	memset(ss, 0, sizeof(*ss));
}

static int session_open(struct session *ss, const struct resolve_repo *repos, size_t nrepos,
			const struct resolve_opts *o, struct pgb_err *err)
{
	memset(ss, 0, sizeof(*ss));
	if (!o || !o->arch || !*o->arch)
		return pgb_fail(err, "resolve: no architecture given");
	ss->pool = pool_create();
	pool_setdisttype(ss->pool, DISTTYPE_DEB);
	pool_setarch(ss->pool, o->arch);
	ss->src = repos;
	ss->nrepos = nrepos;
	ss->repos = xcalloc(nrepos ? nrepos : 1, sizeof(*ss->repos));
	ss->seedkey = pool_str2id(ss->pool, KEY_SEED, 1);
	ss->formatkey = pool_str2id(ss->pool, KEY_FORMAT, 1);
	for (size_t i = 0; i < nrepos; i++) {
		if (load_repo(ss, i, err) < 0) {
			session_free(ss);
			return -1;
		}
	}
	return 0;
}

/* dpkg keeps removed-but-configured packages in status too; only
 * "... installed" ones are on the system. */
static int status_installed(Solvable *s)
{
	const char *st = solvable_lookup_str(s, SOLVABLE_INSTALLSTATUS);
	const char *sp = st ? strrchr(st, ' ') : NULL;

	return sp && !strcmp(sp + 1, "installed");
}

static int load_status(struct session *ss, const char *path, struct pgb_err *err)
{
	FILE *f = fopen(path, "r");
	Repo *repo;

	if (!f)
		return pgb_failsys(err, "cannot read the dpkg status file %s", path);
	repo = repo_create(ss->pool, "@System");
	repo_add_debpackages(repo, f, 0);
	fclose(f);
	for (Id p = repo->start; p < repo->end; p++) {
		Solvable *s = ss->pool->solvables + p;

		if (s->repo == repo && !status_installed(s))
			repo_free_solvable(repo, p, 0);
	}
	pool_set_installed(ss->pool, repo);
	return 0;
}

/* ---- messages ---- */

static void add_repo_names(struct session *ss, struct sbuf *b)
{
	struct strlist names = STRLIST_INIT;

	for (size_t i = 0; i < ss->nrepos; i++)
		if (!strlist_has(&names, ss->src[i].name))
			strlist_add(&names, ss->src[i].name);
	for (size_t i = 0; i < names.n; i++)
		sbuf_addf(b, "%s%s", i ? ", " : "", names.v[i]);
	if (!names.n)
		sbuf_adds(b, "(no repos)");
	strlist_free(&names);
}

static void add_pkg(Pool *pool, Id p, struct sbuf *b)
{
	Solvable *s = pool->solvables + p;

	if (pool->installed && s->repo == pool->installed)
		sbuf_adds(b, "installed ");
	sbuf_addf(b, "%s %s", pool_id2str(pool, s->name), pool_id2str(pool, s->evr));
}

/* A dependency as Debian writes it: "libc6 (>= 2.36) | libc6.1". */
static void add_dep(Pool *pool, Id dep, struct sbuf *b)
{
	static const char *const ops[8] = { "?", ">>", "=", ">=", "<<", "!=", "<=", "?" };
	Reldep *rd;

	if (!ISRELDEP(dep)) {
		sbuf_adds(b, pool_id2str(pool, dep));
		return;
	}
	rd = GETRELDEP(pool, dep);
	add_dep(pool, rd->name, b);
	if (rd->flags == REL_OR) {
		sbuf_adds(b, " | ");
		add_dep(pool, rd->evr, b);
	} else if (rd->flags == REL_MULTIARCH) {
		sbuf_addf(b, ":%s", pool_id2str(pool, rd->evr));
	} else if (rd->flags > 0 && rd->flags < 8) {
		sbuf_addf(b, " (%s %s)", ops[rd->flags], pool_id2str(pool, rd->evr));
	} else {
		sbuf_addf(b, " %s", pool_id2str(pool, dep));
	}
}

static int cmp_evr(const void *a, const void *b, void *data)
{
	Pool *pool = data;

	return pool_evrcmp(pool, *(const Id *)a, *(const Id *)b, EVRCMP_COMPARE);
}

/* Installable versions of the package called name, ascending, unique. */
static void name_versions(Pool *pool, Id name, Queue *q)
{
	Id p, pp;
	int j = 0;

	queue_empty(q);
	if (!name)
		return;
	FOR_PROVIDES(p, pp, name) {
		Solvable *s = pool->solvables + p;

		if (s->name == name && pool_installable(pool, s))
			queue_push(q, s->evr);
	}
	solv_sort(q->elements, (size_t)q->count, sizeof(Id), cmp_evr, pool);
	for (int i = 0; i < q->count; i++)
		if (!j || q->elements[j - 1] != q->elements[i])
			q->elements[j++] = q->elements[i];
	queue_truncate(q, j);
}

static void add_versions(Pool *pool, const Queue *q, struct sbuf *b)
{
	for (int i = 0; i < q->count; i++)
		sbuf_addf(b, "%s%s", i ? ", " : "", pool_id2str(pool, q->elements[i]));
}

static void explain_nothing_provides(struct session *ss, Id dep, struct sbuf *b)
{
	Pool *pool = ss->pool;
	Id name = solvwhy_dep_name(pool, dep);
	Queue q;

	queue_init(&q);
	name_versions(pool, ISRELDEP(name) ? 0 : name, &q);
	if (!q.count) {
		sbuf_adds(b, " but no package in ");
		add_repo_names(ss, b);
		sbuf_adds(b, " provides it");
	} else {
		sbuf_adds(b, " but only ");
		add_versions(pool, &q, b);
		sbuf_adds(b, q.count == 1 ? " is available" : " are available");
	}
	queue_free(&q);
}

static void explain_rule(struct session *ss, Solver *solv, Id rid, struct sbuf *b)
{
	Pool *pool = ss->pool;
	Id source = 0, target = 0, dep = 0;
	SolverRuleinfo type = solver_ruleinfo(solv, rid, &source, &target, &dep);

	switch (type) {
	case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
		add_pkg(pool, source, b);
		sbuf_adds(b, " depends on ");
		add_dep(pool, dep, b);
		explain_nothing_provides(ss, dep, b);
		break;
	case SOLVER_RULE_PKG_REQUIRES:
		add_pkg(pool, source, b);
		sbuf_adds(b, " depends on ");
		add_dep(pool, dep, b);
		sbuf_adds(b, " but no candidate for it can be installed");
		break;
	case SOLVER_RULE_PKG_CONFLICTS:
		add_pkg(pool, source, b);
		sbuf_adds(b, " conflicts with or breaks ");
		add_pkg(pool, target, b);
		sbuf_adds(b, " (Conflicts/Breaks: ");
		add_dep(pool, dep, b);
		sbuf_adds(b, ")");
		break;
	case SOLVER_RULE_PKG_SAME_NAME:
		add_pkg(pool, source, b);
		sbuf_adds(b, " and ");
		add_pkg(pool, target, b);
		sbuf_adds(b, " cannot both be installed");
		break;
	default:
		sbuf_adds(b, solver_problemruleinfo2str(solv, type, source, target, dep));
		break;
	}
}

/* Rules worth naming besides the main one: they carry the other package. */
static int rule_names_a_clash(SolverRuleinfo t)
{
	return t == SOLVER_RULE_PKG_CONFLICTS || t == SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP ||
	       t == SOLVER_RULE_PKG_SAME_NAME;
}

/* Rules that differ only in which copy of a package (installed or from a
 * repo) they involve say the same thing: key them by names. */
static void rule_key(Solver *solv, Id rid, Id key[4])
{
	Pool *pool = solv->pool;
	Id source = 0, target = 0, dep = 0;

	key[0] = solver_ruleinfo(solv, rid, &source, &target, &dep);
	if (!rule_names_a_clash((SolverRuleinfo)key[0]))
		source = target = 0;	/* they may not be solvables */
	key[1] = source > 0 ? pool->solvables[source].name : 0;
	key[2] = target > 0 ? pool->solvables[target].name : 0;
	key[3] = dep;
}

static int key_seen(const Queue *keys, const Id key[4])
{
	for (int i = 0; i + 3 < keys->count; i += 4)
		if (!memcmp(keys->elements + i, key, 4 * sizeof(Id)))
			return 1;
	return 0;
}

/* Enough detail for a user; a deep problem is summed up by libsolv's text. */
#define MAX_EXTRA_RULES 3

/* The reason for a solver problem in plain words, then libsolv's own text. */
static void explain_problem(struct session *ss, Solver *solv, Id problem, struct sbuf *b)
{
	Id main_rule = solver_findproblemrule(solv, problem), key[4];
	Queue rules, keys;
	int extra = 0;

	explain_rule(ss, solv, main_rule, b);
	queue_init(&rules);
	queue_init(&keys);
	rule_key(solv, main_rule, key);
	queue_insertn(&keys, 0, 4, key);
	solver_findallproblemrules(solv, problem, &rules);
	for (int i = 0; i < rules.count && extra < MAX_EXTRA_RULES; i++) {
		rule_key(solv, rules.elements[i], key);
		if (!rule_names_a_clash((SolverRuleinfo)key[0]) || key_seen(&keys, key))
			continue;
		queue_insertn(&keys, keys.count, 4, key);
		sbuf_adds(b, "; ");
		explain_rule(ss, solv, rules.elements[i], b);
		extra++;
	}
	queue_free(&keys);
	queue_free(&rules);
	sbuf_addf(b, " (libsolv: %s)", solver_problem2str(solv, problem));
}

/* ---- requests ---- */

static int has_real_package(Pool *pool, Id name)
{
	Id p, pp;

	FOR_PROVIDES(p, pp, name)
		if (pool->solvables[p].name == name && pool_installable(pool, pool->solvables + p))
			return 1;
	return 0;
}

/* Job for "name=version": any solvable of that name at exactly that version. */
static int version_job(struct session *ss, const char *name, const char *ver, Queue *job,
		       struct sbuf *why)
{
	Pool *pool = ss->pool;
	Id nid = pool_str2id(pool, name, 0), p, pp;
	Queue q;

	queue_init(&q);
	if (nid)
		FOR_PROVIDES(p, pp, nid) {
			Solvable *s = pool->solvables + p;

			if (s->name == nid && pool_installable(pool, s) &&
			    !pool_evrcmp_str(pool, pool_id2str(pool, s->evr), ver, EVRCMP_COMPARE))
				queue_push(&q, p);
		}
	if (q.count) {
		queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE_ONE_OF,
			    pool_queuetowhatprovides(pool, &q));
		queue_free(&q);
		return 1;
	}
	name_versions(pool, nid, &q);
	sbuf_addf(why, "no version %s of '%s' in ", ver, name);
	add_repo_names(ss, why);
	if (q.count) {
		sbuf_adds(why, " (available: ");
		add_versions(pool, &q, why);
		sbuf_adds(why, ")");
	}
	queue_free(&q);
	return -1;
}

/* Distinct names of the installable providers of a virtual name; *inst gets an
 * installed provider's name, if any. */
static void provider_names(Pool *pool, Id name, Queue *names, Id *inst)
{
	Id p, pp;

	*inst = 0;
	FOR_PROVIDES(p, pp, name) {
		Solvable *s = pool->solvables + p;

		if (!pool_installable(pool, s))
			continue;
		if (pool->installed && s->repo == pool->installed)
			*inst = s->name;
		queue_pushunique(names, s->name);
	}
}

static void virtual_ambiguous(Pool *pool, const char *name, const Queue *names,
			      struct sbuf *why)
{
	sbuf_addf(why, "'%s' is a virtual package provided by ", name);
	for (int i = 0; i < names->count; i++)
		sbuf_addf(why, "%s%s", i ? ", " : "", pool_id2str(pool, names->elements[i]));
	sbuf_adds(why, ": request one of them");
}

/*
 * Turn one request into a job.  Returns 1 with a job pushed, 0 when the
 * installed system already satisfies it, -1 with the reason in why.
 * *chosen gets the package name the request stands for.
 */
static int request_job(struct session *ss, const char *req, Queue *job, Id *chosen,
		       struct sbuf *why)
{
	Pool *pool = ss->pool;
	const char *eq = strchr(req, '=');
	char *name = eq ? xstrndup(req, (size_t)(eq - req)) : xstrdup(req);
	Id nid = pool_str2id(pool, name, 0), inst;
	Queue names;
	int rc = 1;

	*chosen = nid;
	/* "=" or "name=" would ask libsolv for the empty name or version, which
	 * a damaged index can give a package (fuzz_packages). */
	if (!name[0] || (eq && !eq[1])) {
		sbuf_addf(why, "'%s' is not a package request (NAME or NAME=VERSION)", req);
		free(name);
		return -1;
	}
	queue_init(&names);
	if (eq) {
		rc = version_job(ss, name, eq + 1, job, why);
	} else if (nid && has_real_package(pool, nid)) {
		queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, nid);
	} else if (nid && (provider_names(pool, nid, &names, &inst), names.count)) {
		if (inst) {
			*chosen = inst;
			rc = 0;
		} else if (names.count == 1) {
			*chosen = names.elements[0];
			queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE_PROVIDES, nid);
		} else {
			virtual_ambiguous(pool, name, &names, why);
			rc = -1;
		}
	} else {
		sbuf_addf(why, "no package or provider named '%s' in ", name);
		add_repo_names(ss, why);
		rc = -1;
	}
	queue_free(&names);
	free(name);
	return rc;
}

/* ---- why a package comes from the repo it does ---- */

/* The highest version of the package called name in the repos whose
 * priority is above (sign > 0) or below (sign < 0) prio; 0 when none. */
static Id best_elsewhere(Pool *pool, Id name, int prio, int sign)
{
	Id p, pp, best = 0;

	FOR_PROVIDES(p, pp, name) {
		Solvable *s = pool->solvables + p;

		if (s->name != name || s->repo == pool->installed || !pool_installable(pool, s) ||
		    (sign > 0 ? s->repo->priority <= prio : s->repo->priority >= prio))
			continue;
		if (!best || pool_evrcmp(pool, s->evr, pool->solvables[best].evr, EVRCMP_COMPARE) > 0)
			best = p;
	}
	return best;
}

/*
 * Where repos of different priority (resolve_repo.priority) both carry the
 * package p of the solution, say why p's repo won: the preferred one
 * ("preferred over R's V"), or the dependency the preferred repo's version
 * does not meet.  NULL when no repo of another priority carries the name.
 */
static char *explain_origin(struct session *ss, Solver *solv, Id p)
{
	Pool *pool = ss->pool;
	Solvable *s = pool->solvables + p;
	Id hi = best_elsewhere(pool, s->name, s->repo->priority, 1), lo, req = 0, dep = 0;
	struct sbuf b = SBUF_INIT;

	if (hi) {
		sbuf_addf(&b, "not %s's %s: ", pool->solvables[hi].repo->name,
			  pool_id2str(pool, pool->solvables[hi].evr));
		if (solvwhy_requirer(solv, p, hi, &req, &dep)) {
			add_pkg(pool, req, &b);
			sbuf_adds(&b, " depends on ");
			add_dep(pool, dep, &b);
		} else {
			sbuf_adds(&b, "it cannot be installed with the rest");
		}
	} else if ((lo = best_elsewhere(pool, s->name, s->repo->priority, -1))) {
		sbuf_addf(&b, "preferred over %s's %s", pool->solvables[lo].repo->name,
			  pool_id2str(pool, pool->solvables[lo].evr));
	}
	return b.len ? sbuf_detach(&b, NULL) : NULL;
}

/* ---- results ---- */

void resolve_add_missing(struct resolve_result *res, const char *req, const char *why)
{
	struct resolve_missing *m;

	res->missing = xrealloc(res->missing, (res->nmissing + 1) * sizeof(*res->missing));
	m = &res->missing[res->nmissing++];
	m->request = xstrdup(req);
	m->reason = xstrdup(why);
}

int resolve_pkg_from(struct resolve_pkg *out, struct s_Pool *pool, int p,
		     struct s_Repo *const *repos, size_t nrepos)
{
	Solvable *s = pool->solvables + p;
	Id type = 0;
	const char *sum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type);
	const char *loc = solvable_get_location(s, NULL);

	memset(out, 0, sizeof(*out));
	out->repo = -1;
	for (size_t i = 0; i < nrepos; i++)
		if (repos[i] == s->repo)
			out->repo = (int)i;
	if (out->repo < 0 || !loc || !sum || type != REPOKEY_TYPE_SHA256)
		return -1;
	out->name = xstrdup(pool_id2str(pool, s->name));
	out->version = xstrdup(pool_id2str(pool, s->evr));
	out->arch = xstrdup(pool_id2str(pool, s->arch));
	out->filename = xstrdup(loc);
	out->sha256 = xstrdup(sum);
	out->size = solvable_lookup_num(s, SOLVABLE_DOWNLOADSIZE, 0);
	return 0;
}

int resolve_pkg_cmp(const void *a, const void *b)
{
	const struct resolve_pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (!c)
		c = strcmp(x->arch, y->arch);
	return c ? c : strcmp(x->version, y->version);
}

static int pkg_from_solvable(struct session *ss, Id p, struct resolve_pkg *out,
			     struct pgb_err *err)
{
	Pool *pool = ss->pool;
	Solvable *s = pool->solvables + p;
	const char *loc = solvable_get_location(s, NULL);

	if (resolve_pkg_from(out, pool, p, ss->repos, ss->nrepos) < 0)
		return pgb_fail(err, "package %s %s in %s has no %s field; the index %s is "
				"not a usable Packages file", pool_id2str(pool, s->name),
				pool_id2str(pool, s->evr), s->repo->name,
				loc ? "SHA256" : "Filename",
				out->repo < 0 ? "?" : ss->src[out->repo].packages_path);
	return 0;
}

/* The packages the solution adds or upgrades, sorted by name. */
static int collect(struct session *ss, Solver *solv, const Queue *wanted,
		   struct resolve_pkg **out, size_t *nout, struct pgb_err *err)
{
	Pool *pool = ss->pool;
	Transaction *t = solver_create_transaction(solv);
	struct resolve_pkg *v = xcalloc((size_t)t->steps.count + 1, sizeof(*v));
	size_t n = 0;
	int rc = 0;

	for (int i = 0; i < t->steps.count && rc == 0; i++) {
		Id p = t->steps.elements[i];
		Solvable *s = pool->solvables + p;

		if (pool->installed && s->repo == pool->installed)
			continue;
		rc = pkg_from_solvable(ss, p, &v[n], err);
		if (rc == 0) {
			for (int j = 0; wanted && j < wanted->count; j++)
				v[n].requested |= wanted->elements[j] == s->name;
			v[n].why = explain_origin(ss, solv, p);
			n++;
		}
	}
	transaction_free(t);
	if (rc < 0) {
		resolve_pkgs_free(v, n);
		return -1;
	}
	qsort(v, n, sizeof(*v), resolve_pkg_cmp);
	*out = v;
	*nout = n;
	return 0;
}

/* ---- solving ---- */

/*
 * The jobs of one resolution: the requests' install jobs (pairs in req,
 * reqof[i] the request of pair i) and the packages to favor (see
 * favor_apt_choices()).
 */
struct jobset {
	Queue req;
	size_t *reqof;
	Queue favor;
};

static void jobset_init(struct jobset *js, size_t nreq)
{
	queue_init(&js->req);
	queue_init(&js->favor);
	js->reqof = xcalloc(nreq + 1, sizeof(*js->reqof));
}

static void jobset_free(struct jobset *js)
{
	queue_free(&js->req);
	queue_free(&js->favor);
	free(js->reqof);
}

static void jobset_build(const struct jobset *js, Queue *job)
{
	queue_empty(job);
	for (int i = 0; i < js->req.count; i++)
		queue_push(job, js->req.elements[i]);
	for (int i = 0; i < js->favor.count; i++)
		queue_push2(job, SOLVER_FAVOR | SOLVER_SOLVABLE, js->favor.elements[i]);
}

/* Remove the request jobs whose "how" was set to 0 by drop_problem(). */
static void jobset_compact(struct jobset *js)
{
	int j = 0;

	for (int i = 0; i < js->req.count; i += 2) {
		if (!js->req.elements[i])
			continue;
		js->reqof[j / 2] = js->reqof[i / 2];
		js->req.elements[j++] = js->req.elements[i];
		js->req.elements[j++] = js->req.elements[i + 1];
	}
	queue_truncate(&js->req, j);
}

/* Move the requests whose jobs take part in a problem to missing; returns
 * how many were dropped. */
static int drop_problem(struct session *ss, Solver *solv, Id problem, struct jobset *js,
			const char *const *requests, struct resolve_result *res)
{
	struct sbuf why = SBUF_INIT;
	Queue rules;
	int dropped = 0;

	queue_init(&rules);
	solver_findallproblemrules(solv, problem, &rules);
	explain_problem(ss, solv, problem, &why);
	for (int i = 0; i < rules.count; i++) {
		Id rid = rules.elements[i];
		int jidx;

		if (solver_ruleclass(solv, rid) != SOLVER_RULE_JOB)
			continue;
		jidx = solver_rule2jobidx(solv, rid) - 1;	/* 0 means "no job" */
		if (jidx < 0 || jidx >= js->req.count || !js->req.elements[jidx])
			continue;
		resolve_add_missing(res, requests[js->reqof[jidx / 2]], why.buf);
		js->req.elements[jidx] = 0;
		dropped++;
	}
	queue_free(&rules);
	sbuf_free(&why);
	return dropped;
}

static int fail_problems(struct session *ss, Solver *solv, const char *what,
			 struct pgb_err *err)
{
	struct sbuf b = SBUF_INIT;
	int n = solver_problem_count(solv);

	for (int i = 1; i <= n; i++) {
		if (i > 1)
			sbuf_adds(&b, "; ");
		explain_problem(ss, solv, i, &b);
	}
	pgb_fail(err, "%s: %s", what, b.buf);
	sbuf_free(&b);
	return -1;
}

/*
 * Solve; requests that take part in a problem move to res->missing and the
 * rest is solved again.  Without res (the baseline) any problem is an error,
 * as is a problem no request takes part in; `what` then says what failed.
 */
static int solve_dropping(struct session *ss, Solver *solv, struct jobset *js,
			  const char *const *requests, struct resolve_result *res,
			  const char *what, struct pgb_err *err)
{
	Queue job;
	int rc = 0;

	queue_init(&job);
	for (;;) {
		int n, dropped = 0;

		jobset_build(js, &job);
		if (!solver_solve(solv, &job))
			break;
		n = solver_problem_count(solv);
		for (int i = 1; res && i <= n; i++)
			dropped += drop_problem(ss, solv, i, js, requests, res);
		if (!dropped) {
			rc = fail_problems(ss, solv, what, err);
			break;
		}
		jobset_compact(js);
	}
	queue_free(&job);
	return rc;
}

/*
 * What apt would take for one dependency: the first alternative that has an
 * installable provider and, of that alternative's providers, the package
 * really called so when there is one (apt only looks at providers of a
 * virtual name).  Leaves the candidates in pref.
 */
static void apt_preference(Pool *pool, Id dep, Queue *pref)
{
	queue_empty(pref);
	for (Id alt = dep; alt && !pref->count;) {
		Id cur = alt, next = 0, name, p, pp;

		if (ISRELDEP(alt) && GETRELDEP(pool, alt)->flags == REL_OR) {
			cur = GETRELDEP(pool, alt)->name;
			next = GETRELDEP(pool, alt)->evr;
		}
		name = solvwhy_dep_name(pool, cur);
		FOR_PROVIDES(p, pp, cur)
			if (pool->solvables[p].name == name && pool_installable(pool, pool->solvables + p))
				queue_push(pref, p);
		if (!pref->count)
			FOR_PROVIDES(p, pp, cur)
				if (pool_installable(pool, pool->solvables + p))
					queue_push(pref, p);
		alt = next;
	}
}

/* Favor apt's candidates for dep unless the solution has one of them or an
 * installed package settles it; returns 1 when the favor set grew. */
static int favor_dep(Pool *pool, Solver *solv, Id dep, Queue *pref, Queue *favor)
{
	Id p, pp;
	int grew = 0;

	FOR_PROVIDES(p, pp, dep)
		if (pool->solvables[p].repo == pool->installed && solvwhy_in_solution(solv, p))
			return 0;
	apt_preference(pool, dep, pref);
	for (int i = 0; i < pref->count; i++)
		if (solvwhy_in_solution(solv, pref->elements[i]))
			return 0;
	for (int i = 0; i < pref->count; i++) {
		int known = 0;

		for (int j = 0; j < favor->count && !known; j++)
			known = favor->elements[j] == pref->elements[i];
		if (!known) {
			queue_push(favor, pref->elements[i]);
			grew = 1;
		}
	}
	return grew;
}

static int favor_deps(Pool *pool, Solver *solv, Repo *repo, Offset deps, Queue *pref,
		      Queue *favor)
{
	int grew = 0;

	for (Id *dp = repo->idarraydata + deps; deps && *dp; dp++)
		if (*dp != SOLVABLE_PREREQMARKER)
			grew |= favor_dep(pool, solv, *dp, pref, favor);
	return grew;
}

/*
 * apt and libsolv choose differently among a dependency's candidates: for
 * "a | b" apt takes the first alternative that can be installed, and for a
 * name that is both a package and provided by others apt takes the package,
 * where libsolv picks by name.  For every package the solution installs,
 * favor apt's candidates of each dependency (and followed Recommends) it
 * settled otherwise; the caller solves again until the favor set stops
 * growing.
 */
static int favor_apt_choices(Pool *pool, Solver *solv, int recommends, Queue *favor)
{
	Queue pref;
	int grew = 0;

	queue_init(&pref);
	for (Id p = 2; p < pool->nsolvables; p++) {
		Solvable *s = pool->solvables + p;

		if (!s->repo || s->repo == pool->installed || !solvwhy_in_solution(solv, p))
			continue;
		grew |= favor_deps(pool, solv, s->repo, s->requires, &pref, favor);
		if (recommends)
			grew |= favor_deps(pool, solv, s->repo, s->recommends, &pref, favor);
	}
	queue_free(&pref);
	return grew;
}

/* Favoring only reorders choices, so a few rounds settle; the cap guards
 * against a cycle of preferences. */
#define FAVOR_ROUNDS 8

static int solve(struct session *ss, Solver *solv, struct jobset *js, const char *const *requests,
		 struct resolve_result *res, const char *what, struct pgb_err *err)
{
	for (int round = 0; round < FAVOR_ROUNDS; round++) {
		if (solve_dropping(ss, solv, js, requests, res, what, err) < 0)
			return -1;
		if (!favor_apt_choices(ss->pool, solv, !solver_get_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED),
				       &js->favor))
			break;
	}
	return 0;
}

static Solver *new_solver(Pool *pool, int recommends)
{
	Solver *solv = solver_create(pool);

	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, !recommends);
	return solv;
}

/* ---- baseline ---- */

static int cmp_id(const void *a, const void *b, void *data)
{
	(void)data;
	return *(const Id *)a - *(const Id *)b;
}

static void baseline_jobs(struct session *ss, Queue *job)
{
	Pool *pool = ss->pool;
	Queue names;
	Id p;

	queue_init(&names);
	FOR_POOL_SOLVABLES(p) {
		Solvable *s = pool->solvables + p;

		if (s->repo && pool_installable(pool, s) && solvable_lookup_void(s, ss->seedkey))
			queue_push(&names, s->name);
	}
	queue_push(&names, pool_str2id(pool, "apt", 1));
	solv_sort(names.elements, (size_t)names.count, sizeof(Id), cmp_id, NULL);
	for (int i = 0; i < names.count; i++)
		if (!i || names.elements[i] != names.elements[i - 1])
			queue_push2(job, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, names.elements[i]);
	queue_free(&names);
}

int resolve_baseline(const struct resolve_repo *repos, size_t nrepos,
		     const struct resolve_opts *o, struct resolve_pkg **out, size_t *nout,
		     struct pgb_err *err)
{
	struct session ss;
	struct jobset js;
	struct sbuf what = SBUF_INIT;
	Solver *solv;
	int rc;

	*out = NULL;
	*nout = 0;
	if (session_open(&ss, repos, nrepos, o, err) < 0)
		return -1;
	pool_createwhatprovides(ss.pool);
	jobset_init(&js, 0);
	baseline_jobs(&ss, &js.req);
	sbuf_adds(&what, "the minimal system (Essential, Priority: required and apt) of ");
	add_repo_names(&ss, &what);
	sbuf_adds(&what, " cannot be installed (are the repos of one distribution and "
		  "architecture?)");
	solv = new_solver(ss.pool, 0);
	rc = solve(&ss, solv, &js, NULL, NULL, what.buf, err);
	if (rc == 0)
		rc = collect(&ss, solv, NULL, out, nout, err);
	solver_free(solv);
	jobset_free(&js);
	sbuf_free(&what);
	session_free(&ss);
	return rc;
}

/* ---- run ---- */

/* Turn the requests into jobs; the unsatisfiable ones go to missing and the
 * package names they stand for to wanted. */
static void request_jobs(struct session *ss, const char *const *requests, size_t nreq,
			 struct jobset *js, Queue *wanted, struct resolve_result *res)
{
	for (size_t i = 0; i < nreq; i++) {
		struct sbuf why = SBUF_INIT;
		Id chosen = 0;
		int r = request_job(ss, requests[i], &js->req, &chosen, &why);

		if (r < 0)
			resolve_add_missing(res, requests[i], why.buf);
		if (r > 0)
			js->reqof[js->req.count / 2 - 1] = i;
		if (r >= 0 && chosen)
			queue_push(wanted, chosen);
		sbuf_free(&why);
	}
}

int resolve_run(const struct resolve_repo *repos, size_t nrepos, const char *status_path,
		const char *const *requests, size_t nreq, const struct resolve_opts *o,
		struct resolve_result *res, struct pgb_err *err)
{
	struct session ss;
	struct jobset js;
	Solver *solv;
	Queue wanted;
	char *what;
	int rc;

	memset(res, 0, sizeof(*res));
	if (session_open(&ss, repos, nrepos, o, err) < 0)
		return -1;
	if (load_status(&ss, status_path, err) < 0) {
		session_free(&ss);
		return -1;
	}
	pool_createwhatprovides(ss.pool);
	jobset_init(&js, nreq);
	queue_init(&wanted);
	request_jobs(&ss, requests, nreq, &js, &wanted, res);
	what = xasprintf("the installed system in %s is not consistent", status_path);
	solv = new_solver(ss.pool, o->recommends);
	rc = solve(&ss, solv, &js, requests, res, what, err);
	if (rc == 0)
		rc = collect(&ss, solv, &wanted, &res->pkgs, &res->npkgs, err);
	if (rc < 0)
		resolve_result_free(res);
	solver_free(solv);
	free(what);
	queue_free(&wanted);
	jobset_free(&js);
	session_free(&ss);
	return rc;
}

int resolve_have(const struct resolve_repo *repos, size_t nrepos, const struct resolve_opts *o,
		 const char *const *names, size_t n, int *have, struct pgb_err *err)
{
	struct session ss;

	if (session_open(&ss, repos, nrepos, o, err) < 0)
		return -1;
	pool_createwhatprovides(ss.pool);
	for (size_t i = 0; i < n; i++) {
		Id id = pool_str2id(ss.pool, names[i], 0);

		have[i] = id && has_real_package(ss.pool, id);
	}
	session_free(&ss);
	return 0;
}

void resolve_pkgs_free(struct resolve_pkg *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		free(p[i].name);
		free(p[i].version);
		free(p[i].arch);
		free(p[i].filename);
		free(p[i].sha256);
		free(p[i].why);
	}
	free(p);
}

void resolve_result_free(struct resolve_result *r)
{
	resolve_pkgs_free(r->pkgs, r->npkgs);
	for (size_t i = 0; i < r->nmissing; i++) {
		free(r->missing[i].request);
		free(r->missing[i].reason);
	}
	free(r->missing);
	memset(r, 0, sizeof(*r));
}
