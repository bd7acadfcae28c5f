/*
 * pkgmgr.c - the package managers the installer drives, by bundle family
 * (inst.h: struct inst_pkgmgr; pkgmgr_apt.c, pkgmgr_dnf.c), and the paths of
 * the system being installed (--root).
 */
#include <string.h>

#include "inst.h"

const struct inst_pkgmgr *inst_pkgmgr_for(const char *family)
{
	static const struct inst_pkgmgr *const all[] = { &inst_pkgmgr_apt, &inst_pkgmgr_dnf };

	for (size_t i = 0; family && i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->family, family))
			return all[i];
	return NULL;
}

char *inst_root_path(const struct inst_ctx *ctx, const char *path)
{
	return ctx && ctx->root && *ctx->root ? xasprintf("%s%s", ctx->root, path) : xstrdup(path);
}
