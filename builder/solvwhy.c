/*
 * solvwhy.c - why a solution holds one version and not another (solvwhy.h).
 */
#include <solv/bitmap.h>
#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/solver.h>

#include "solvwhy.h"

Id solvwhy_dep_name(Pool *pool, Id dep)
{
	while (ISRELDEP(dep)) {
		Reldep *rd = GETRELDEP(pool, dep);

		if (rd->flags >= 8 && rd->flags != REL_MULTIARCH)
			break;
		dep = rd->name;
	}
	return dep;
}

int solvwhy_in_solution(Solver *solv, Id p)
{
	return solver_get_decisionlevel(solv, p) > 0;
}

/* Does dep (alternatives included) name the package `name`? */
static int dep_mentions(Pool *pool, Id dep, Id name)
{
	if (ISRELDEP(dep) && GETRELDEP(pool, dep)->flags == REL_OR)
		return dep_mentions(pool, GETRELDEP(pool, dep)->name, name) ||
		       dep_mentions(pool, GETRELDEP(pool, dep)->evr, name);
	return solvwhy_dep_name(pool, dep) == name;
}

int solvwhy_requirer(Solver *solv, Id chosen, Id other, Id *req, Id *dep)
{
	Pool *pool = solv->pool;
	Id name = pool->solvables[chosen].name;

	for (Id p = 2; p < pool->nsolvables; p++) {
		Solvable *r = pool->solvables + p;

		if (!r->repo || !r->requires || !solvwhy_in_solution(solv, p))
			continue;
		for (Id *dp = r->repo->idarraydata + r->requires; *dp; dp++) {
			if (*dp == SOLVABLE_PREREQMARKER || !dep_mentions(pool, *dp, name) ||
			    !pool_match_nevr(pool, pool->solvables + chosen, *dp) ||
			    pool_match_nevr(pool, pool->solvables + other, *dp))
				continue;
			*req = p;
			*dep = *dp;
			return 1;
		}
	}
	return 0;
}
