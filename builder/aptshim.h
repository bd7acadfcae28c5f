/*
 * aptshim.h - apt's own verdict on a bundle, through libapt-pkg.
 *
 * The builder resolves with libsolv; before a bundle is written, apt itself
 * must agree.  aptshim_check() gives apt a private root that knows nothing of
 * the host's sources, lists or caches: one source line (the bundle's own,
 * with signed-by, so apt also checks the bundle's signature as the target
 * will) and a dpkg status file describing the target's baseline.  It runs
 * apt's update (acquire methods, signature verification) and then apt's
 * resolver on the requested names.
 *
 * This is the only C++ in pgbundle; the interface is plain C.  libapt-pkg keeps
 * its configuration in process-wide globals (_config, _system): each call
 * re-initialises them, so calls must not run concurrently.
 */
#ifndef PGB_APTSHIM_H
#define PGB_APTSHIM_H

#include <stddef.h>

#include "error.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * source_line: one sources.list line, e.g.
 *     "deb [signed-by=/tmp/x/pgbundle.gpg] file:/tmp/x pgbundle main"
 * status_path: dpkg status of the installed system (the baseline).
 * Succeeds when apt finds every name installable with nothing broken.  On
 * failure err names the broken packages and what they lack, or what apt's
 * update reported.  report (may be NULL) receives "name version\n" for every
 * package apt would install.
 */
int aptshim_check(const char *source_line, const char *status_path, const char *arch,
		  const char *const *names, size_t n, int recommends, struct sbuf *report,
		  struct pgb_err *err);

#ifdef __cplusplus
}
#endif

#endif
