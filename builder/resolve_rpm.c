#include "resolve_rpm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/bitmap.h>
#include <solv/evr.h>
#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/problems.h>
#include <solv/repo.h>
#include <solv/repo_comps.h>
#include <solv/repo_rpmmd.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/rules.h>
#include <solv/solv_xfopen.h>
#include <solv/solver.h>
#include <solv/testcase.h>
#include <solv/transaction.h>

#include "comps.h"
#include "modmd.h"
#include "solvfile.h"
#include "solvwhy.h"

/* The solv cache carries this, so that a cache from another format is rebuilt. */
#define KEY_FORMAT	"pgbundle:cache-format"
#define CACHE_FORMAT	"rpmmd-1"

/* Why dnf's modular filtering hides a package (modmd.h, step 3). */
enum hide { HIDE_NONE, HIDE_INACTIVE, HIDE_NAME, HIDE_PROVIDES };

/* One pool with the caller's repositories; lives for one public call. */
struct rsess {
	Pool *pool;
	const struct rpm_repo_in *src;
	size_t nrepos;
	Repo **repos;
	const struct rpm_resolve_opts *o;
	struct modmd *mods;
	int have_filelists;
	Queue mandatory, optional;	/* baseline package names (comps) */
	/* Per solvable, after filter(): how modular filtering hides it. */
	unsigned char *hide;
	const struct modmd_stream **hider;
	Id *hide_via;
};

/* ---- loading ---- */

/* Parse an rpm-md file (plain or compressed) into repo with libsolv (flags:
 * 0 for primary, REPO_EXTEND_SOLVABLES for filelists). */
static int add_rpmmd(Repo *repo, const char *path, int flags, struct pgb_err *err)
{
	FILE *f = solv_xfopen(path, "r");
	int rc;

	if (!f)
		return pgb_failsys(err, "cannot read %s", path);
	rc = repo_add_rpmmd(repo, f, NULL, flags);
	fclose(f);
	if (rc)
		return pgb_fail(err, "%s: not valid rpm-md metadata: %s", path,
				pool_errstr(repo->pool));
	return 0;
}

static int load_primary(struct rsess *ss, size_t i, struct pgb_err *err)
{
	const struct rpm_repo_in *r = &ss->src[i];
	Repo *repo = repo_create(ss->pool, r->name);
	Repodata *data;

	ss->repos[i] = repo;
	repo->appdata = (void *)r;
	if (r->solv_cache && solvfile_load(repo, r->solv_cache, KEY_FORMAT, CACHE_FORMAT))
		return 0;
	if (add_rpmmd(repo, r->primary, REPO_NO_INTERNALIZE, err) < 0)
		return pgb_err_prefix(err, "the primary of %s", r->name);
	data = repo_last_repodata(repo);
	repodata_set_str(data, SOLVID_META, pool_str2id(ss->pool, KEY_FORMAT, 1), CACHE_FORMAT);
	repo_internalize(repo);
	if (r->solv_cache && solvfile_write(repo, r->solv_cache, err) < 0)
		return pgb_err_prefix(err, "solv cache of %s", r->name);
	return 0;
}

/* The mandatory and default package names of the baseline groups, from every
 * repository's comps (dnf merges groups of the same id). */
static int read_groups(struct rsess *ss, struct pgb_err *err)
{
	Pool *pool = ss->pool;
	int found = 0;

	for (size_t i = 0; i < ss->nrepos; i++) {
		Repo *repo;
		FILE *f;

		if (!ss->src[i].group)
			continue;
		if (!(f = fopen(ss->src[i].group, "r")))
			return pgb_failsys(err, "cannot read %s", ss->src[i].group);
		repo = repo_create(pool, "comps");
		repo_add_comps(repo, f, 0);
		fclose(f);
		for (size_t g = 0; ss->o->groups && g < ss->o->groups->n; g++) {
			char *gname = xasprintf("group:%s", ss->o->groups->v[g]);
			Id gid = pool_str2id(pool, gname, 0);
			Solvable *s;
			Id p;

			free(gname);
			FOR_REPO_SOLVABLES(repo, p, s) {
				Queue q;

				if (!gid || s->name != gid)
					continue;
				found++;
				queue_init(&q);
				solvable_lookup_deparray(s, SOLVABLE_REQUIRES, &q, -1);
				queue_insertn(&ss->mandatory, ss->mandatory.count, q.count, q.elements);
				solvable_lookup_deparray(s, SOLVABLE_RECOMMENDS, &q, -1);
				for (int k = 0; k < q.count; k++)
					if (!ISRELDEP(q.elements[k]))	/* conditional ones: left out */
						queue_push(&ss->optional, q.elements[k]);
				queue_free(&q);
			}
		}
		repo_free(repo, 1);
	}
	if (ss->o->groups && ss->o->groups->n && !found)
		return pgb_fail(err, "no upstream's group metadata (comps) has the baseline group "
				"'%s': the minimal install of the target cannot be computed; check "
				"the target's upstreams (BaseOS carries @core)", ss->o->groups->v[0]);
	return 0;
}

static void sess_free(struct rsess *ss)
{
	if (ss->pool) {
		if (ss->pool->considered) {
			map_free(ss->pool->considered);
			free(ss->pool->considered);
			ss->pool->considered = NULL;
		}
		pool_free(ss->pool);
	}
	modmd_free(ss->mods);
	queue_free(&ss->mandatory);
	queue_free(&ss->optional);
	free(ss->repos);
	free(ss->hide);
	free(ss->hider);
	free(ss->hide_via);
	memset(ss, 0, sizeof(*ss));
}

static int load_modules(struct rsess *ss, struct pgb_err *err)
{
	ss->mods = modmd_new();
	for (size_t i = 0; i < ss->nrepos; i++)
		if (ss->src[i].modules &&
		    modmd_add_file(ss->mods, ss->src[i].modules, ss->src[i].name, err) < 0)
			return -1;
	return modmd_resolve(ss->mods, ss->o->platform, ss->o->modules_disable,
			     ss->o->modules_enable, err);
}

static int sess_open(struct rsess *ss, const struct rpm_repo_in *repos, size_t nrepos,
		     const struct rpm_resolve_opts *o, struct pgb_err *err)
{
	memset(ss, 0, sizeof(*ss));
	queue_init(&ss->mandatory);
	queue_init(&ss->optional);
	if (!o || !o->arch || !*o->arch)
		return pgb_fail(err, "resolve: no architecture given");
	ss->pool = pool_create();
	pool_setdisttype(ss->pool, DISTTYPE_RPM);
	pool_setarch(ss->pool, o->arch);
	ss->src = repos;
	ss->nrepos = nrepos;
	ss->o = o;
	ss->repos = xcalloc(nrepos ? nrepos : 1, sizeof(*ss->repos));
	for (size_t i = 0; i < nrepos; i++)
		if (load_primary(ss, i, err) < 0)
			goto fail;
	if (read_groups(ss, err) < 0 || load_modules(ss, err) < 0)
		goto fail;
	return 0;
fail:
	sess_free(ss);
	return -1;
}

/* ---- dnf's modular filtering ---- */

static int repo_filtered(Repo *repo)
{
	const struct rpm_repo_in *r = repo ? repo->appdata : NULL;

	return r && !r->hotfix && repo != repo->pool->installed;
}

static void hide(struct rsess *ss, Id p, enum hide kind, const struct modmd_stream *by, Id via)
{
	MAPCLR(ss->pool->considered, p);
	ss->hide[p] = (unsigned char)kind;
	ss->hider[p] = by;
	ss->hide_via[p] = via;
}

/* Artifacts of inactive streams; returns which solvables are active artifacts. */
static unsigned char *filter_artifacts(struct rsess *ss)
{
	Pool *pool = ss->pool;
	unsigned char *active = xcalloc((size_t)pool->nsolvables, 1);
	Id p;

	FOR_POOL_SOLVABLES(p) {
		Solvable *s = pool->solvables + p;
		const struct modmd_stream *st;
		char *nevra;

		if (!repo_filtered(s->repo))
			continue;
		nevra = modmd_nevra(pool_id2str(pool, s->name), pool_id2str(pool, s->evr),
				    pool_id2str(pool, s->arch));
		st = modmd_artifact(ss->mods, nevra);
		free(nevra);
		if (st && st->active)
			active[p] = 1;
		else if (st)
			hide(ss, p, HIDE_INACTIVE, st, 0);
	}
	return active;
}

/* Apply modmd.h's step 3 to the pool (after pool_createwhatprovides). */
static void filter(struct rsess *ss)
{
	Pool *pool = ss->pool;
	const struct strlist *names = modmd_active_names(ss->mods);
	unsigned char *active;

	if (!modmd_count(ss->mods))
		return;
	free(ss->hide);
	free(ss->hider);
	free(ss->hide_via);
	ss->hide = xcalloc((size_t)pool->nsolvables, 1);
	ss->hider = xcalloc((size_t)pool->nsolvables, sizeof(*ss->hider));
	ss->hide_via = xcalloc((size_t)pool->nsolvables, sizeof(Id));
	pool->considered = xcalloc(1, sizeof(Map));
	map_init(pool->considered, pool->nsolvables);
	map_setall(pool->considered);
	active = filter_artifacts(ss);
	for (size_t i = 0; i < names->n; i++) {
		Id nid = pool_str2id(pool, names->v[i], 0), p, pp;

		if (!nid)
			continue;
		FOR_PROVIDES(p, pp, nid) {
			Solvable *s = pool->solvables + p;

			if (!repo_filtered(s->repo) || active[p] || ss->hide[p])
				continue;
			hide(ss, p, s->name == nid ? HIDE_NAME : HIDE_PROVIDES,
			     modmd_active_name(ss->mods, names->v[i]), nid);
		}
	}
	free(active);
}

/* whatprovides lists hidden packages too (made with no considered map): the
 * solver skips them as not installable, and messages can name them. */
static void prepare(struct rsess *ss)
{
	Pool *pool = ss->pool;

	if (pool->considered) {
		map_free(pool->considered);
		free(pool->considered);
		pool->considered = NULL;
	}
	pool_addfileprovides(pool);
	pool_createwhatprovides(pool);
	filter(ss);
}

/* Read every repository's filelists (once): a file dependency was not met by
 * the files primary lists. */
static int load_filelists(struct rsess *ss, struct pgb_err *err)
{
	for (size_t i = 0; i < ss->nrepos; i++) {
		const struct rpm_repo_in *r = &ss->src[i];
		char *path = r->filelists ? xstrdup(r->filelists) : NULL;
		int rc = 0;

		if (!path && ss->o->filelists)
			rc = ss->o->filelists(ss->o->ctx, i, &path, err);
		if (rc == 0 && path)
			rc = add_rpmmd(ss->repos[i], path, REPO_EXTEND_SOLVABLES, err);
		free(path);
		if (rc < 0)
			return pgb_err_prefix(err, "the filelists of %s", r->name);
	}
	ss->have_filelists = 1;
	prepare(ss);
	return 0;
}

/* ---- messages ---- */

static void add_repo_names(const struct rsess *ss, struct sbuf *b)
{
	for (size_t i = 0; i < ss->nrepos; i++)
		sbuf_addf(b, "%s%s", i ? ", " : "", ss->src[i].name);
	if (!ss->nrepos)
		sbuf_adds(b, "(no repositories)");
}

static const char *nevra(Pool *pool, Id p)
{
	return pool_solvid2str(pool, p);
}

/* What to write in the manifest to un-hide a package hidden by by's module. */
static void add_hint(const struct modmd_stream *by, enum hide kind, struct sbuf *b)
{
	if (kind == HIDE_INACTIVE)
		sbuf_addf(b, "; to use it add `modules_enable: [%s:%s]` to the manifest", by->name,
			  by->stream);
	else if (by->why && !strcmp(by->why, "enabled by the manifest"))
		sbuf_addf(b, "; to use it remove %s:%s from `modules_enable` in the manifest",
			  by->name, by->stream);
	else
		sbuf_addf(b, "; to use it add `modules_disable: [%s]` to the manifest (dnf module "
			  "disable %s)", by->name, by->name);
}

/* "hidden by dnf's modular filtering: ..." for hidden package p. */
static void explain_hidden_why(const struct rsess *ss, Id p, struct sbuf *b)
{
	Pool *pool = ss->pool;
	const struct modmd_stream *by = ss->hider[p];
	enum hide kind = (enum hide)ss->hide[p];

	sbuf_adds(b, "hidden by dnf's modular filtering: ");
	if (kind == HIDE_INACTIVE)
		sbuf_addf(b, "it belongs to module stream %s:%s (%s), which is not active (module "
			  "%s: %s)", by->name, by->stream, by->repo, by->name,
			  modmd_state(ss->mods, by->name));
	else
		sbuf_addf(b, "it %s %s, a package of module stream %s:%s (%s, %s)",
			  kind == HIDE_NAME ? "has the name of" : "provides",
			  pool_id2str(pool, ss->hide_via[p]), by->name, by->stream,
			  by->why ? by->why : "active", by->repo);
	add_hint(by, kind, b);
}

static void explain_hidden(const struct rsess *ss, Id p, struct sbuf *b)
{
	sbuf_addf(b, "%s is ", nevra(ss->pool, p));
	explain_hidden_why(ss, p, b);
}

/* Hidden packages that would provide dep, explained; 1 when there are some. */
static int explain_hidden_providers(const struct rsess *ss, Id dep, struct sbuf *b)
{
	Pool *pool = ss->pool;
	Id p, pp;
	int n = 0;

	if (!ss->hide)
		return 0;
	FOR_PROVIDES(p, pp, dep) {
		if (p >= pool->nsolvables || !ss->hide[p] || n >= 3)
			continue;
		sbuf_adds(b, n++ ? "; " : " (");
		explain_hidden(ss, p, b);
	}
	if (n)
		sbuf_adds(b, ")");
	return n;
}

static int solvable_visible(const Pool *pool, Id p)
{
	return !pool->considered || MAPTST(pool->considered, p);
}

/*
 * The chain from one of `start` to target along Requires, as
 * "A needs D1 (from B), which needs D2 ..." into b; 0 when target is not
 * reachable (then nothing is written).
 */
static int add_chain(const struct rsess *ss, const Queue *start, Id target, struct sbuf *b)
{
	Pool *pool = ss->pool;
	Id *parent = xcalloc((size_t)pool->nsolvables, sizeof(Id));
	Id *via = xcalloc((size_t)pool->nsolvables, sizeof(Id));
	Queue q, path;
	int found = 0;

	queue_init(&q);
	queue_init(&path);
	for (int i = 0; i < start->count; i++) {
		parent[start->elements[i]] = start->elements[i];
		queue_push(&q, start->elements[i]);
	}
	while (q.count && !found) {
		Id p = queue_shift(&q), dp, r, rp;
		Solvable *s = pool->solvables + p;

		if (p == target) {
			found = 1;
			break;
		}
		for (Offset o = s->requires; o && (dp = s->repo->idarraydata[o]); o++) {
			if (dp == SOLVABLE_PREREQMARKER)
				continue;
			FOR_PROVIDES(r, rp, dp) {
				if (parent[r] || (r != target && !solvable_visible(pool, r)) ||
				    pool->solvables[r].repo == pool->installed)
					continue;
				parent[r] = p;
				via[r] = dp;
				queue_push(&q, r);
			}
		}
	}
	if (found) {
		Id root = target;

		for (Id p = target; parent[p] != p; p = parent[p]) {
			queue_unshift(&path, p);
			root = parent[p];
		}
		sbuf_adds(b, nevra(pool, root));
		for (int i = 0; i < path.count; i++)
			sbuf_addf(b, " needs %s, from %s, which", pool_dep2str(pool, via[path.elements[i]]),
				  nevra(pool, path.elements[i]));
	}
	queue_free(&q);
	queue_free(&path);
	free(parent);
	free(via);
	return found;
}

/* The rule that makes a problem, in words, with the chain from start. */
static void explain_rule(const struct rsess *ss, Solver *solv, Id rid, const Queue *start,
			 struct sbuf *b)
{
	Pool *pool = ss->pool;
	Id source = 0, target = 0, dep = 0;
	SolverRuleinfo type = solver_ruleinfo(solv, rid, &source, &target, &dep);

	if (type == SOLVER_RULE_PKG_NOT_INSTALLABLE && ss->hide && source > 0 &&
	    ss->hide[source]) {
		if (!start || !add_chain(ss, start, source, b))
			sbuf_addf(b, "%s", nevra(pool, source));
		sbuf_adds(b, " is ");
		explain_hidden_why(ss, source, b);
		return;
	}
	if (type == SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP || type == SOLVER_RULE_PKG_REQUIRES) {
		if (!start || !add_chain(ss, start, source, b))
			sbuf_addf(b, "%s", nevra(pool, source));
		sbuf_addf(b, " needs %s", pool_dep2str(pool, dep));
		if (explain_hidden_providers(ss, dep, b))
			return;
		if (type == SOLVER_RULE_PKG_REQUIRES) {
			sbuf_adds(b, ", but no package providing it can be installed");
			return;
		}
		sbuf_adds(b, ": nothing in ");
		add_repo_names(ss, b);
		sbuf_adds(b, " provides it");
		return;
	}
	sbuf_adds(b, solver_problemruleinfo2str(solv, type, source, target, dep));
}

static void explain_problem(const struct rsess *ss, Solver *solv, Id problem,
			    const Queue *start, struct sbuf *b)
{
	Id rid = solver_findproblemrule(solv, problem);

	explain_rule(ss, solv, rid, start, b);
	sbuf_addf(b, " (libsolv: %s)", solver_problem2str(solv, problem));
}

/* ---- requests ---- */

/* The visible packages called name, in q. */
static void named(Pool *pool, Id name, Queue *q)
{
	Id p, pp;

	queue_empty(q);
	if (name)
		FOR_PROVIDES(p, pp, name)
			if (pool->solvables[p].name == name && pool_installable(pool, pool->solvables + p))
				queue_push(q, p);
}

/* What dnf adds to a request by name (conf.obsoletes, on by default): the
 * installable packages whose Obsoletes match one already in q, so that
 * `dnf install OLD` takes the package that replaced OLD. */
static void add_obsoleters(Pool *pool, Queue *q)
{
	int n = q->count;
	Id p;

	FOR_POOL_SOLVABLES(p) {
		Solvable *s = pool->solvables + p;
		Id *obsp, obs;
		int hit = 0;

		if (!s->repo || !s->obsoletes || !pool_installable(pool, s))
			continue;
		for (obsp = s->repo->idarraydata + s->obsoletes; !hit && (obs = *obsp++) != 0;)
			for (int i = 0; i < n && !hit; i++)
				hit = pool_match_nevr(pool, pool->solvables + q->elements[i], obs);
		if (hit)
			queue_pushunique(q, p);
	}
}

/* Why nothing called or providing name can be installed, into why. */
static void explain_request(const struct rsess *ss, const char *req, Id nid, struct sbuf *why)
{
	Pool *pool = ss->pool;
	Id p, pp;
	int n = 0;

	if (nid && ss->hide)
		FOR_PROVIDES(p, pp, nid) {
			if (!ss->hide[p] || n >= 3)
				continue;
			sbuf_adds(why, n++ ? "; " : "");
			explain_hidden(ss, p, why);
		}
	if (n)
		return;
	sbuf_addf(why, "no package or provider named '%s' in ", req);
	add_repo_names(ss, why);
}

/* Jobs of the requests: pairs in job; reqof[i] is the request of pair i. */
struct jobs {
	Queue job;
	size_t *reqof;
	Queue *start;		/* per request: the packages it names (chains start there) */
};

static void jobs_add(struct rsess *ss, const char *const *requests, size_t nreq,
		     struct jobs *js, struct resolve_result *res)
{
	Pool *pool = ss->pool;

	js->reqof = xcalloc(nreq + 1, sizeof(size_t));
	js->start = xcalloc(nreq + 1, sizeof(Queue));
	for (size_t i = 0; i < nreq; i++) {
		Id nid = pool_str2id(pool, requests[i], 0), p, pp;
		struct sbuf why = SBUF_INIT;

		queue_init(&js->start[i]);
		named(pool, nid, &js->start[i]);
		if (js->start[i].count)
			add_obsoleters(pool, &js->start[i]);
		if (!js->start[i].count && nid)
			FOR_PROVIDES(p, pp, nid)
				if (pool_installable(pool, pool->solvables + p))
					queue_push(&js->start[i], p);
		if (!js->start[i].count) {
			explain_request(ss, requests[i], nid, &why);
			resolve_add_missing(res, requests[i], why.buf);
			sbuf_free(&why);
			continue;
		}
		js->reqof[js->job.count / 2] = i;
		queue_push2(&js->job, SOLVER_INSTALL | SOLVER_SOLVABLE_ONE_OF | SOLVER_FORCEBEST,
			    pool_queuetowhatprovides(pool, &js->start[i]));
	}
}

/* pool_createwhatprovides() drops the candidate lists of ONE_OF jobs: make
 * them again (after the filelists came in). */
static void jobs_refresh(Pool *pool, struct jobs *js)
{
	for (int i = 0; js->start && i < js->job.count; i += 2)
		if ((js->job.elements[i] & SOLVER_SELECTMASK) == SOLVER_SOLVABLE_ONE_OF)
			js->job.elements[i + 1] =
				pool_queuetowhatprovides(pool, &js->start[js->reqof[i / 2]]);
}

static void jobs_free(struct jobs *js, size_t nreq)
{
	for (size_t i = 0; js->start && i < nreq; i++)
		queue_free(&js->start[i]);
	free(js->start);
	free(js->reqof);
	queue_free(&js->job);
}

/* Does a problem meet a file dependency (one primary's file lists may lack)? */
static int problem_needs_files(Solver *solv, Id problem)
{
	Queue rules;
	int files = 0;

	queue_init(&rules);
	solver_findallproblemrules(solv, problem, &rules);
	for (int i = 0; i < rules.count && !files; i++) {
		Id source, target, dep;

		if (solver_ruleinfo(solv, rules.elements[i], &source, &target, &dep) ==
		    SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP)
			files = pool_id2str(solv->pool, dep)[0] == '/';
	}
	queue_free(&rules);
	return files;
}

static int problems_need_files(Solver *solv)
{
	int n = solver_problem_count(solv);

	for (int i = 1; i <= n; i++)
		if (problem_needs_files(solv, i))
			return 1;
	return 0;
}

/* Move the requests whose jobs take part in problem to missing; how many. */
static int drop_problem(const struct rsess *ss, Solver *solv, Id problem, struct jobs *js,
			const char *const *requests, struct resolve_result *res)
{
	Queue rules;
	int dropped = 0;

	queue_init(&rules);
	solver_findallproblemrules(solv, problem, &rules);
	for (int i = 0; i < rules.count; i++) {
		Id rid = rules.elements[i], jidx;
		struct sbuf why = SBUF_INIT;
		size_t r;

		if (solver_ruleclass(solv, rid) != SOLVER_RULE_JOB)
			continue;
		jidx = solver_rule2jobidx(solv, rid) - 1;
		if (jidx < 0 || jidx >= js->job.count || !js->job.elements[jidx])
			continue;
		r = js->reqof[jidx / 2];
		explain_problem(ss, solv, problem, &js->start[r], &why);
		resolve_add_missing(res, requests[r], why.buf);
		sbuf_free(&why);
		js->job.elements[jidx] = 0;
		dropped++;
	}
	queue_free(&rules);
	return dropped;
}

static void jobs_compact(struct jobs *js)
{
	int j = 0;

	for (int i = 0; i < js->job.count; i += 2) {
		if (!js->job.elements[i])
			continue;
		js->reqof[j / 2] = js->reqof[i / 2];
		js->job.elements[j++] = js->job.elements[i];
		js->job.elements[j++] = js->job.elements[i + 1];
	}
	queue_truncate(&js->job, j);
}

static Solver *new_solver(struct rsess *ss, int weak)
{
	Solver *solv = solver_create(ss->pool);

	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, !weak);
	solver_set_flag(solv, SOLVER_FLAG_BEST_OBEY_POLICY, 1);
	return solv;
}

static int fail_problems(const struct rsess *ss, Solver *solv, const char *what,
			 struct pgb_err *err)
{
	struct sbuf b = SBUF_INIT;
	int n = solver_problem_count(solv);

	for (int i = 1; i <= n && i <= 5; i++) {
		if (i > 1)
			sbuf_adds(&b, "; ");
		explain_problem(ss, solv, i, NULL, &b);
	}
	pgb_fail(err, "%s: %s", what, b.buf ? b.buf : "?");
	sbuf_free(&b);
	return -1;
}

/*
 * Solve js (requests; res NULL: the baseline, where any problem is an
 * error).  File dependencies nobody provides bring in the filelists once;
 * requests in a problem move to res->missing and the rest is solved again.
 */
static int solve(struct rsess *ss, Solver **solvp, struct jobs *js,
		 const char *const *requests, struct resolve_result *res, int weak,
		 const char *what, struct pgb_err *err)
{
	for (;;) {
		int dropped = 0, n;

		if (*solvp)
			solver_free(*solvp);
		*solvp = new_solver(ss, weak);
		if (!solver_solve(*solvp, &js->job))
			return 0;
		if (!ss->have_filelists && problems_need_files(*solvp)) {
			if (load_filelists(ss, err) < 0)
				return -1;
			jobs_refresh(ss->pool, js);
			continue;
		}
		n = solver_problem_count(*solvp);
		for (int i = 1; res && i <= n; i++)
			dropped += drop_problem(ss, *solvp, i, js, requests, res);
		if (!dropped)
			return fail_problems(ss, *solvp, what, err);
		jobs_compact(js);
	}
}

/* ---- results ---- */

static int pkg_from_solvable(const struct rsess *ss, Id p, struct resolve_pkg *out,
			     struct pgb_err *err)
{
	Pool *pool = ss->pool;
	Solvable *s = pool->solvables + p;
	const char *loc = solvable_get_location(s, NULL);

	if (resolve_pkg_from(out, pool, p, ss->repos, ss->nrepos) < 0)
		return pgb_fail(err, "package %s in %s has no %s in primary: only sha256 "
				"checksums are trusted", nevra(pool, p), s->repo->name,
				loc ? "sha256 checksum" : "location");
	return 0;
}

/* ---- why a package comes from the repository it does ---- */

/* The highest version of name in a repository other than not_repo (the
 * installed system and packages modular filtering hides left out); 0 when
 * none. */
static Id best_elsewhere(const struct rsess *ss, Id name, Repo *not_repo)
{
	Pool *pool = ss->pool;
	Id p, pp, best = 0;

	FOR_PROVIDES(p, pp, name) {
		Solvable *s = pool->solvables + p;

		if (s->name != name || s->repo == not_repo || s->repo == pool->installed ||
		    !pool_installable(pool, s) || (ss->hide && ss->hide[p]))
			continue;
		if (!best || pool_evrcmp(pool, s->evr, pool->solvables[best].evr, EVRCMP_COMPARE) > 0)
			best = p;
	}
	return best;
}

/*
 * Where another repository carries the name of package p of the solution
 * too (the distribution's and PGDG's pgbouncer or libpq), why p's was taken,
 * for plan and the lock.  The EL upstreams have no priorities, so dnf's rule
 * decides: the highest version, and on equal versions the repository listed
 * first (libsolv keeps the first it loaded); a lower one is taken only
 * because a package of the solution needs it.  NULL when no other
 * repository carries the name.
 */
static char *explain_origin(const struct rsess *ss, Solver *solv, Id p)
{
	Pool *pool = ss->pool;
	Solvable *s = pool->solvables + p;
	Id o = best_elsewhere(ss, s->name, s->repo), req = 0, dep = 0;
	const char *orepo, *oevr;
	int cmp;

	if (!o)
		return NULL;
	orepo = pool->solvables[o].repo->name;
	oevr = pool_id2str(pool, pool->solvables[o].evr);
	cmp = pool_evrcmp(pool, s->evr, pool->solvables[o].evr, EVRCMP_COMPARE);
	if (cmp > 0)
		return xasprintf("the highest version: over %s's %s", orepo, oevr);
	if (cmp == 0)
		return xasprintf("%s has the same version; of equal versions the repository "
				 "listed first wins", orepo);
	if (solvwhy_requirer(solv, p, o, &req, &dep))
		return xasprintf("not %s's %s: %s needs %s", orepo, oevr, nevra(pool, req),
				 pool_dep2str(pool, dep));
	return xasprintf("not %s's %s: it cannot be installed with the rest", orepo, oevr);
}

/* What the transaction installs (new or upgraded), from the repositories. */
static void installs(Pool *pool, Solver *solv, Queue *out)
{
	Transaction *t = solver_create_transaction(solv);

	queue_empty(out);
	for (int i = 0; i < t->steps.count; i++) {
		Id p = t->steps.elements[i];

		if (pool->solvables[p].repo != pool->installed)
			queue_push(out, p);
	}
	transaction_free(t);
}

static int collect(const struct rsess *ss, Solver *solv, const struct jobs *js, size_t nreq,
		   struct resolve_result *res, struct pgb_err *err)
{
	Queue in;
	int rc = 0;

	queue_init(&in);
	installs(ss->pool, solv, &in);
	res->pkgs = xcalloc((size_t)in.count + 1, sizeof(*res->pkgs));
	for (int i = 0; i < in.count && rc == 0; i++) {
		struct resolve_pkg *pk = &res->pkgs[res->npkgs];

		rc = pkg_from_solvable(ss, in.elements[i], pk, err);
		if (rc < 0)
			break;
		pk->why = explain_origin(ss, solv, in.elements[i]);
		for (size_t r = 0; r < nreq; r++)
			for (int k = 0; k < js->start[r].count; k++)
				pk->requested |= js->start[r].elements[k] == in.elements[i];
		res->npkgs++;
	}
	queue_free(&in);
	if (rc == 0)
		qsort(res->pkgs, res->npkgs, sizeof(*res->pkgs), resolve_pkg_cmp);
	return rc;
}

/* ---- the baseline ---- */

/* Copy solvable p into repo (the installed system), dependencies and all. */
static void copy_solvable(Repo *repo, Pool *pool, Id p)
{
	Solvable *s = pool->solvables + p, *d;
	Offset *to[] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	Offset from[8];
	Id np = repo_add_solvable(repo);

	s = pool->solvables + p;	/* repo_add_solvable may move the array */
	d = pool->solvables + np;
	d->name = s->name;
	d->evr = s->evr;
	d->arch = s->arch;
	d->vendor = s->vendor;
	to[0] = &d->provides, from[0] = s->provides;
	to[1] = &d->obsoletes, from[1] = s->obsoletes;
	to[2] = &d->conflicts, from[2] = s->conflicts;
	to[3] = &d->requires, from[3] = s->requires;
	to[4] = &d->recommends, from[4] = s->recommends;
	to[5] = &d->suggests, from[5] = s->suggests;
	to[6] = &d->supplements, from[6] = s->supplements;
	to[7] = &d->enhances, from[7] = s->enhances;
	for (int k = 0; k < 8; k++)
		for (Id *dp = s->repo->idarraydata + from[k]; from[k] && *dp; dp++)
			*to[k] = repo_addid(repo, *to[k], *dp);
}

static int baseline_jobs(struct rsess *ss, struct jobs *js)
{
	Pool *pool = ss->pool;
	Id p, pp;

	for (int i = 0; i < ss->mandatory.count; i++) {
		Id n = ss->mandatory.elements[i];
		int any = 0;

		FOR_PROVIDES(p, pp, n)
			any = 1;
		/* dnf group install skips what no repository has, as here. */
		if (any)
			queue_push2(&js->job, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, n);
	}
	for (int i = 0; i < ss->optional.count; i++)
		queue_push2(&js->job, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME | SOLVER_WEAK,
			    ss->optional.elements[i]);
	return js->job.count;
}

/* Solve the minimal install; leave it as the installed repository of the
 * pool and in a libsolv file at path. */
static int baseline(struct rsess *ss, const char *path, size_t *n, struct pgb_err *err)
{
	struct jobs js = { { 0 }, NULL, NULL };
	Solver *solv = NULL;
	Queue in;
	Repo *sys;
	struct sbuf what = SBUF_INIT;
	int rc;

	queue_init(&js.job);
	queue_init(&in);
	baseline_jobs(ss, &js);
	sbuf_adds(&what, "the minimal install (comps group ");
	for (size_t i = 0; ss->o->groups && i < ss->o->groups->n; i++)
		sbuf_addf(&what, "%s@%s", i ? ", " : "", ss->o->groups->v[i]);
	sbuf_adds(&what, ") of ");
	add_repo_names(ss, &what);
	sbuf_adds(&what, " cannot be installed");
	rc = solve(ss, &solv, &js, NULL, NULL, 0, what.buf, err);
	if (rc == 0) {
		installs(ss->pool, solv, &in);
		sys = repo_create(ss->pool, "@System");
		for (int i = 0; i < in.count; i++)
			copy_solvable(sys, ss->pool, in.elements[i]);
		repo_internalize(sys);
		*n = (size_t)in.count;
		rc = solvfile_write(sys, path, err);
		pool_set_installed(ss->pool, sys);
		prepare(ss);
	}
	if (solv)
		solver_free(solv);
	queue_free(&in);
	jobs_free(&js, 0);
	sbuf_free(&what);
	return rc;
}

/* ---- the result's modules ---- */

static int result_modules(const struct rsess *ss, struct rpm_resolution *out,
			  struct pgb_err *err)
{
	struct strlist nevras = STRLIST_INIT, seen = STRLIST_INIT;
	int rc;

	for (size_t i = 0; i < out->res.npkgs; i++) {
		const struct resolve_pkg *pk = &out->res.pkgs[i];
		char *nv = modmd_nevra(pk->name, pk->version, pk->arch);
		const struct modmd_stream *st = modmd_artifact(ss->mods, nv);

		if (st) {
			char *note = xasprintf("module %s:%s (%s, %s): %s is modular; the bundle "
					       "carries the stream's metadata", st->name, st->stream,
					       st->why ? st->why : "active", st->repo, pk->name);

			if (!strlist_has(&seen, st->name)) {
				strlist_add(&seen, st->name);
				strlist_add_owned(&out->notes, note);
			} else {
				free(note);
			}
		}
		strlist_add_owned(&nevras, nv);
	}
	for (size_t i = 0; ss->o->modules_disable && i < ss->o->modules_disable->n; i++)
		if (strcmp(modmd_state(ss->mods, ss->o->modules_disable->v[i]), "none"))
			strlist_add_owned(&out->notes, xasprintf(
				"module %s: disabled (the installer runs `dnf module disable %s`)",
				ss->o->modules_disable->v[i], ss->o->modules_disable->v[i]));
	modmd_obsoletes_notes(ss->mods, &out->notes);
	rc = modmd_bundle_yaml(ss->mods, &nevras, &out->modules_yaml, err);
	strlist_free(&nevras);
	strlist_free(&seen);
	return rc;
}

/* The baseline groups that list a bundled package, for the bundle's comps. */
static int result_comps(const struct rsess *ss, struct rpm_resolution *out,
			struct pgb_err *err)
{
	const char **files = xcalloc(ss->nrepos + 1, sizeof(*files));
	struct strlist names = STRLIST_INIT;
	int rc;

	for (size_t i = 0; i < ss->nrepos; i++)
		files[i] = ss->src[i].group;
	for (size_t i = 0; i < out->res.npkgs; i++)
		strlist_add(&names, out->res.pkgs[i].name);
	rc = comps_bundle_xml(files, ss->nrepos, ss->o->groups, &names, &out->comps_xml, err);
	if (rc == 0 && out->comps_xml)
		strlist_add_owned(&out->notes, xstrdup("comps: the bundle carries a package of "
			"the baseline's groups, so its repository carries those groups as the "
			"upstream defines them (dnf's group commands on the host)"));
	strlist_free(&names);
	free(files);
	return rc;
}

/* ---- public ---- */

int rpm_resolve(const struct rpm_repo_in *repos, size_t nrepos, const char *const *requests,
		size_t nreq, const struct rpm_resolve_opts *o, const char *baseline_out,
		struct rpm_resolution *out, struct pgb_err *err)
{
	struct rsess ss;
	struct jobs js = { { 0 }, NULL, NULL };
	Solver *solv = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sess_open(&ss, repos, nrepos, o, err) < 0)
		return -1;
	prepare(&ss);
	rc = baseline(&ss, baseline_out, &out->nbaseline, err);
	queue_init(&js.job);
	if (rc == 0) {
		jobs_add(&ss, requests, nreq, &js, &out->res);
		rc = solve(&ss, &solv, &js, requests, &out->res, o->weak,
			   "the minimal install is not consistent", err);
	}
	if (rc == 0 && getenv("PGBUNDLE_SOLV_TESTCASE"))
		testcase_write(solv, getenv("PGBUNDLE_SOLV_TESTCASE"),
			       TESTCASE_RESULT_TRANSACTION | TESTCASE_RESULT_PROBLEMS, NULL, NULL);
	if (rc == 0)
		rc = collect(&ss, solv, &js, nreq, &out->res, err);
	if (rc == 0)
		rc = result_modules(&ss, out, err);
	if (rc == 0)
		rc = result_comps(&ss, out, err);
	if (solv)
		solver_free(solv);
	jobs_free(&js, nreq);
	sess_free(&ss);
	if (rc < 0)
		rpm_resolution_free(out);
	return rc;
}

void rpm_resolution_free(struct rpm_resolution *r)
{
	resolve_result_free(&r->res);
	free(r->modules_yaml);
	free(r->comps_xml);
	strlist_free(&r->notes);
	memset(r, 0, sizeof(*r));
}

static int load_installed(struct rsess *ss, const char *path, struct pgb_err *err)
{
	FILE *f = fopen(path, "r");
	Repo *sys;
	int rc;

	if (!f)
		return pgb_failsys(err, "cannot read the baseline %s", path);
	sys = repo_create(ss->pool, "@System");
	rc = repo_add_solv(sys, f, 0);
	fclose(f);
	if (rc)
		return pgb_fail(err, "%s: not a libsolv file: %s", path, pool_errstr(ss->pool));
	pool_set_installed(ss->pool, sys);
	return 0;
}

int rpm_prove(const char *baseline_path, const struct rpm_repo_in *bundle,
	      const char *const *requests, size_t nreq, const struct rpm_resolve_opts *o,
	      struct pgb_err *err)
{
	struct rpm_resolve_opts po = *o;
	struct resolve_result res = { 0 };
	struct rsess ss;
	struct jobs js = { { 0 }, NULL, NULL };
	Solver *solv = NULL;
	int rc;

	po.groups = NULL;
	po.filelists = NULL;
	if (sess_open(&ss, bundle, 1, &po, err) < 0)
		return -1;
	rc = load_installed(&ss, baseline_path, err);
	if (rc == 0) {
		prepare(&ss);
		queue_init(&js.job);
		jobs_add(&ss, requests, nreq, &js, &res);
		rc = solve(&ss, &solv, &js, requests, &res, o->weak,
			   "the baseline is not consistent", err);
	}
	if (rc == 0 && res.nmissing) {
		struct sbuf b = SBUF_INIT;

		for (size_t i = 0; i < res.nmissing && i < 5; i++)
			sbuf_addf(&b, "%s%s: %s", i ? "; " : "", res.missing[i].request,
				  res.missing[i].reason);
		rc = pgb_fail(err, "dnf could not install from the bundle alone: %s", b.buf);
		sbuf_free(&b);
	}
	if (solv)
		solver_free(solv);
	jobs_free(&js, nreq);
	resolve_result_free(&res);
	sess_free(&ss);
	return rc;
}

int rpm_hidden_by_modules(const struct rpm_repo_in *bundle, const struct rpm_resolve_opts *o,
			  struct strlist *why, struct pgb_err *err)
{
	struct rpm_resolve_opts po = *o;
	struct rpm_repo_in r = *bundle;
	struct rsess ss;
	Pool *pool;
	int n = 0;
	Id p;

	po.groups = NULL;
	r.hotfix = 0;
	if (sess_open(&ss, &r, 1, &po, err) < 0)
		return -1;
	prepare(&ss);
	pool = ss.pool;
	FOR_POOL_SOLVABLES(p) {
		struct sbuf b = SBUF_INIT;

		if (!ss.hide || !ss.hide[p])
			continue;
		explain_hidden(&ss, p, &b);
		strlist_add_owned(why, sbuf_detach(&b, NULL));
		n++;
	}
	sess_free(&ss);
	return n;
}
