/*
 * pkgmeta_rpm.c - pkgmeta.h for .rpm packages: License, Requires and
 * Provides from the package header, read by libcreaterepo_c (librpm).
 */
#include "pkgmeta.h"

#include <createrepo_c/package.h>
#include <createrepo_c/parsepkg.h>
#include <stdlib.h>
#include <string.h>

/* rpmlib(...) and the like are rpm's own capabilities, never another package. */
static int internal_dep(const char *name)
{
	return !strncmp(name, "rpmlib(", 7) || !strncmp(name, "config(", 7);
}

static int rpm_read(const char *path, const struct lock_pkg *p, struct pkgmeta *m,
		    struct pgb_err *err)
{
	GError *gerr = NULL;
	cr_Package *pkg = cr_package_from_rpm_base(path, 0, CR_HDRR_NONE, &gerr);

	if (!pkg) {
		pgb_fail(err, "%s (%s %s): not a readable rpm: %s", path, p->name, p->version,
			 gerr ? gerr->message : "unknown error");
		g_clear_error(&gerr);
		return -1;
	}
	if (pkg->rpm_license && *pkg->rpm_license)
		strlist_add(&m->licenses, pkg->rpm_license);
	for (GSList *l = pkg->requires; l; l = l->next) {
		const cr_Dependency *d = l->data;

		if (d->name && !internal_dep(d->name))
			strlist_add(&m->depends, d->name);
	}
	for (GSList *l = pkg->provides; l; l = l->next) {
		const cr_Dependency *d = l->data;

		if (d->name && strcmp(d->name, p->name))
			strlist_add(&m->provides, d->name);
	}
	/* A file a package ships answers a requirement on its path too; rpm's
	 * header lists such files among the package's files, not its
	 * provides, so the usual ones (/usr/bin, /usr/sbin, /etc) are added. */
	for (GSList *l = pkg->files; l; l = l->next) {
		const cr_PackageFile *f = l->data;
		char *full = xasprintf("%s%s", f->path ? f->path : "", f->name ? f->name : "");

		pkgmeta_note_file(m, full);
		if (!strncmp(full, "/usr/bin/", 9) || !strncmp(full, "/usr/sbin/", 10) ||
		    !strncmp(full, "/etc/", 5) || !strncmp(full, "/bin/", 5) ||
		    !strncmp(full, "/sbin/", 6))
			strlist_add_owned(&m->provides, full);
		else
			free(full);
	}
	strlist_sort(&m->extensions);
	strlist_sort(&m->depends);
	strlist_uniq(&m->depends);
	strlist_sort(&m->provides);
	strlist_uniq(&m->provides);
	cr_package_free(pkg);
	return 0;
}

/*
 * pkg:rpm/el/NAME@VERSION-RELEASE?arch=ARCH&distro=el-9[&epoch=N]: the lock
 * keeps rpm versions as [EPOCH:]VERSION-RELEASE; the purl carries the epoch
 * as a qualifier (qualifiers sorted by key).
 */
static char *rpm_purl(const struct lock_pkg *p, const char *distro, const char *release)
{
	const char *colon = strchr(p->version, ':');
	char *epoch = colon && strncmp(p->version, "0:", 2)
		? xstrndup(p->version, (size_t)(colon - p->version)) : NULL;
	char *purl = pkgmeta_purl("rpm", distro, release, p->name, colon ? colon + 1 : p->version,
				  p->arch, epoch);

	free(epoch);
	return purl;
}

const struct pkgmeta_family pkgmeta_rpm = { "rpm", rpm_read, rpm_purl };
