/*
 * plan_rpm.c - the rpm family's resolution (upstream.h: family_ops.resolve):
 * the synced rpm-md upstreams go to resolve_rpm.h with the target's baseline
 * groups and module states, and the packages chosen become the lock.
 *
 * Module states: the target's modules_disable (targets.yml: EL disables the
 * distribution's postgresql module, as PGDG's install instructions do, so
 * that its default stream cannot hide PGDG's postgresqlNN packages), plus
 * the manifest's modules_disable, minus every module the manifest enables a
 * stream of (modules_enable).
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "resolve_rpm.h"
#include "upstream.h"

void plan_rpm_opts(const struct plan *p, struct rpm_resolve_opts *ro, struct strlist *disable,
		   char **platform)
{
	const struct strlist *lists[2] = { &p->target->modules_disable, &p->m.modules_disable };

	memset(ro, 0, sizeof(*ro));
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const char *name = lists[l]->v[i];
			int enabled = 0;

			for (size_t j = 0; j < p->m.modules_enable.n && !enabled; j++)
				enabled = !strncmp(p->m.modules_enable.v[j], name, strlen(name)) &&
					  p->m.modules_enable.v[j][strlen(name)] == ':';
			if (!enabled && !strlist_has(disable, name))
				strlist_add(disable, name);
		}
	strlist_sort(disable);
	*platform = xasprintf("el%s", p->target->release);
	ro->arch = p->m.arch;
	ro->platform = *platform;
	ro->modules_disable = disable;
	ro->modules_enable = &p->m.modules_enable;
	ro->groups = &p->target->baseline_groups;
	ro->weak = p->m.recommends;
}

/* The repositories of the upstreams, one per index (pgdg-yum: per major). */
struct rpm_inputs {
	struct rpm_repo_in *in;
	const struct upstream_index **ix;
	size_t *up;		/* the upstream of each */
	char **names, **solv;
	size_t n;
	const struct upstream_opts *uo;
};

static void inputs_add(struct rpm_inputs *r, const struct plan_opts *o, const struct upstream *u,
		       size_t ui, const struct upstream_index *ix)
{
	size_t k = r->n++;

	r->in = xrealloc(r->in, r->n * sizeof(*r->in));
	r->ix = xrealloc(r->ix, r->n * sizeof(*r->ix));
	r->up = xrealloc(r->up, r->n * sizeof(*r->up));
	r->names = xrealloc(r->names, r->n * sizeof(*r->names));
	r->solv = xrealloc(r->solv, r->n * sizeof(*r->solv));
	r->names[k] = ix->pg ? xasprintf("%s (PG %d)", u->name, ix->pg) : xstrdup(u->name);
	r->solv[k] = xasprintf("%s/index/%s.rpm.solv", o->cache_dir, ix->key);
	r->ix[k] = ix;
	r->up[k] = ui;
	r->in[k] = (struct rpm_repo_in){ r->names[k], ix->path, r->solv[k], ix->group_path,
					 ix->modules_path, NULL, 0 };
}

static void inputs_free(struct rpm_inputs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->names[i]);
		free(r->solv[i]);
	}
	free(r->in);
	free(r->ix);
	free(r->up);
	free(r->names);
	free(r->solv);
}

static int fetch_filelists(void *ctx, size_t repo, char **path, struct pgb_err *err)
{
	const struct rpm_inputs *r = ctx;

	return upstream_rpm_filelists(r->uo, r->ix[repo], path, err);
}

/* A short record of where a package came from, kept in the lock. */
static char *rpm_stanza(const struct resolve_pkg *k, const char *repo)
{
	return xasprintf("Package: %s\nVersion: %s\nArchitecture: %s\nRepository: %s\n"
			 "Location: %s\nSHA256: %s\n", k->name, k->version, k->arch, repo,
			 k->filename, k->sha256);
}

static void fill_lock(struct plan *p, const struct rpm_inputs *r, const struct upstream *ups,
		      const struct rpm_resolution *res)
{
	p->lock.pkgs = xcalloc(res->res.npkgs ? res->res.npkgs : 1, sizeof(*p->lock.pkgs));
	p->lock.npkgs = res->res.npkgs;
	for (size_t i = 0; i < res->res.npkgs; i++) {
		const struct resolve_pkg *k = &res->res.pkgs[i];
		struct lock_pkg *l = &p->lock.pkgs[i];

		l->name = xstrdup(k->name);
		l->version = xstrdup(k->version);
		l->arch = xstrdup(k->arch);
		l->size = k->size;
		l->sha256 = xstrdup(k->sha256);
		l->upstream = xstrdup(ups[r->up[k->repo]].name);
		l->url = xasprintf("%s/%s", r->ix[k->repo]->base, k->filename);
		l->filename = xstrdup(k->filename);
		l->requested = k->requested;
		l->stanza = rpm_stanza(k, r->names[k->repo]);
		l->why = k->why ? xstrdup(k->why) : NULL;
	}
	if (res->modules_yaml) {
		strlist_add(&p->lock.index_names, "modules.yaml");
		strlist_add(&p->lock.index_texts, res->modules_yaml);
	}
	if (res->comps_xml) {
		strlist_add(&p->lock.index_names, "comps.xml");
		strlist_add(&p->lock.index_texts, res->comps_xml);
	}
}

int plan_resolve_rpm(struct plan *p, const struct plan_opts *o, const struct upstream_opts *uo,
		     const struct upstream *ups, size_t nups, struct pgb_err *err)
{
	struct rpm_inputs r = { 0 };
	struct rpm_resolve_opts ro;
	struct rpm_resolution res;
	struct strlist disable = STRLIST_INIT;
	char *platform = NULL;
	int rc;

	r.uo = uo;
	for (size_t i = 0; i < nups; i++)
		for (size_t j = 0; j < ups[i].nidx; j++)
			inputs_add(&r, o, &ups[i], i, &ups[i].idx[j]);
	plan_rpm_opts(p, &ro, &disable, &platform);
	ro.filelists = fetch_filelists;
	ro.ctx = &r;
	p->status_path = util_path_join(p->workdir, "baseline.solv");
	rc = rpm_resolve(r.in, r.n, (const char *const *)p->requests.v, p->requests.n, &ro,
			 p->status_path, &res, err);
	if (rc == 0) {
		for (size_t i = 0; i < res.notes.n && o->warn; i++)
			o->warn(o->warn_ctx, res.notes.v[i]);
		fill_lock(p, &r, ups, &res);
		p->nbaseline = res.nbaseline;
		p->missing = res.res.missing;
		p->nmissing = res.res.nmissing;
		res.res.missing = NULL;
		res.res.nmissing = 0;
		rpm_resolution_free(&res);
	}
	inputs_free(&r);
	strlist_free(&disable);
	free(platform);
	return rc;
}
