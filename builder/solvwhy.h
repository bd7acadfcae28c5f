/*
 * solvwhy.h - why a solution holds one package's version and not another's,
 * in libsolv's terms, for both resolvers (resolve.c's apt family,
 * resolve_rpm.c's rpm family): the package of the solution whose
 * dependency the chosen version meets and the other does not.
 *
 *     Id req, dep;
 *     if (solvwhy_requirer(solv, chosen, other, &req, &dep))
 *         ... "not other's version: req depends on dep"
 */
#ifndef PGB_SOLVWHY_H
#define PGB_SOLVWHY_H

#include <solv/pool.h>
#include <solv/solver.h>

/* The package name a dependency is on: "perl:any (>= 5)" -> perl. */
Id solvwhy_dep_name(Pool *pool, Id dep);
/* 1 when package p is in solv's solution. */
int solvwhy_in_solution(Solver *solv, Id p);
/* A package of the solution (*req) with a dependency on chosen's name
 * (*dep, alternatives included) that chosen satisfies and other does not;
 * 0 when none. */
int solvwhy_requirer(Solver *solv, Id chosen, Id other, Id *req, Id *dep);

#endif
