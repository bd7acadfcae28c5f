/*
 * comps.h - the comps (group) metadata a bundle's rpm-md repository carries.
 *
 * An EL host records the groups of its minimal install (@core) as installed;
 * dnf's group commands (`dnf group list`, `group upgrade core`) look the
 * group up in the enabled repositories, and on an air-gapped host the bundle
 * is the only one.  When the bundle carries a package of a baseline group
 * (an optional member such as lz4-libs that a PGDG package needs, or a newer
 * version of a mandatory one), its repository carries those groups'
 * definitions too, copied element for element from the upstream's comps
 * (libxml2): the same id, names, and package list, so that dnf's view of
 * the group does not change (a shortened list would make `group upgrade`
 * remove packages).  Members the bundle does not carry are skipped by dnf,
 * as when any repository lacks them.  Environments, categories and the
 * other groups are left out.
 *
 *     char *xml = NULL;
 *     if (comps_bundle_xml(files, nfiles, &groups, &names, &xml, &err) < 0) ...;
 *     if (xml) ... the bundle's comps.xml ...;   free(xml);
 *
 * Nothing here is global.
 */
#ifndef PGB_COMPS_H
#define PGB_COMPS_H

#include <stddef.h>

#include "error.h"
#include "util.h"

/*
 * files: the upstreams' decompressed comps files (NULL entries skipped);
 * groups: the baseline's group ids; names: the names of the packages the
 * bundle carries.  *out (malloc'd) is the comps document with each baseline
 * group (the first upstream's definition of an id, as dnf takes one) when
 * one of its packagereq names is in names; NULL when none is.  The output
 * depends only on the inputs (reproducible).  Errors name the file.
 */
int comps_bundle_xml(const char *const *files, size_t nfiles, const struct strlist *groups,
		     const struct strlist *names, char **out, struct pgb_err *err);

#endif
