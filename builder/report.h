/*
 * report.h - the bundle's HTML report (`pgbundle report`): one static page
 * with everything inline (stylesheet, SVG chart; no script, no fetch), for a
 * person deciding whether to ship a bundle.
 *
 * Sections: what the bundle is (target, PostgreSQL majors, sizes, the key
 * that signed it and how that was checked); packages by module, as an SVG
 * bar chart and one table per module; the extension matrix (category,
 * extension, package, preload library, what else it needs); the difference
 * from an older lock or bundle when given one; the licenses declared.
 *
 * Packages are grouped by the module that brings them: each module's own
 * packages (bundle.json's module_packages) and everything they depend on
 * (the SBOM's edges), a package several modules need under the first of
 * them; then the extension packages, the manifest's extra packages, and
 * whatever is left.
 *
 * Markup comes only from html.h, which escapes all data.  The bytes depend
 * only on the inputs (no clock), so a report is reproducible too.
 */
#ifndef PGB_REPORT_H
#define PGB_REPORT_H

#include "bundle_check.h"
#include "error.h"
#include "extcat.h"
#include "pkgdiff.h"
#include "recipes.h"
#include "sbom.h"
#include "util.h"

struct report_in {
	const char *path;		/* the bundle file, as given */
	const struct bundle_report *r;	/* bundle_check()'s reading of it */
	const struct sbom *sb;		/* its SBOM, checked (bundle_report_sbom) */
	const struct pkgset *set;	/* its packages (pkgset_from_bundle) */
	const struct pkgset *old;	/* the older set to compare with, or NULL */
	const struct pkgdiff *diff;	/* old -> set, when old is given */
	const struct recipes *rc;	/* may be NULL: module descriptions, distro names */
	const struct extcat *cat;	/* may be NULL: extension categories */
	const char *key_path;		/* the key file the signature was checked against, or NULL */
	const char *tool_version;
};

/* Render the page into out (appended).  Fails on a bundle.json that is not
 * JSON, or (a bug) markup left unbalanced. */
int report_render(const struct report_in *in, struct sbuf *out, struct pgb_err *err);

#endif
