/*
 * modmd.h - EL modularity: the module metadata (modules.yaml) of rpm-md
 * repositories, read with libmodulemd, and which module streams dnf treats
 * as active.
 *
 * dnf hides packages by "modular filtering" (libdnf: ModulePackageContainer
 * and dnf_sack_filter_modules_v2).  This module decides the active streams
 * the same way, so that the resolver (resolve_rpm.h) can hide what dnf would:
 *
 *   1. the state of each module: disabled (the target's or the manifest's
 *      modules_disable), enabled at a stream (modules_enable), else its
 *      default stream (modulemd-defaults), else nothing;
 *   2. for each enabled or default stream: of the contexts whose
 *      dependencies hold (platform: [elN], modules it requires that are not
 *      disabled), the one of the newest version; every version of that
 *      name:stream:context is active.  A stream an active one requires
 *      becomes active too (as libdnf's module solver installs it);
 *   3. the filter, applied to the packages of every repository without
 *      module_hotfixes: the artifacts (NEVRAs) of inactive versions are
 *      hidden; so is every package that is named like, or provides the name
 *      of, an artifact of an active version, unless it is itself an artifact
 *      of an active version.  Source artifacts play no part (the pool holds
 *      binary packages only); demodularized packages are left out of the
 *      names as libdnf does.
 * Step 3 runs in resolve_rpm.c over its libsolv pool with the queries below.
 *
 *     struct modmd *m = modmd_new();
 *     modmd_add_file(m, "cache/…modules.yaml", "el-appstream", &err);
 *     modmd_resolve(m, "el8", disable, enable, &err);
 *     const struct modmd_stream *s = modmd_artifact(m, "perl-libs-4:5.26.3-422….x86_64");
 *     modmd_free(m);
 *
 * Nothing here is global; the index and the strings belong to struct modmd.
 */
#ifndef PGB_MODMD_H
#define PGB_MODMD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

/* One module stream version and context (a modulemd v2 document). */
struct modmd_stream {
	char *name, *stream, *context, *arch;
	uint64_t version;
	char *repo;			/* the repository it came from (messages) */
	struct strlist artifacts;	/* binary rpm NEVRAs, "name-E:V-R.A", sorted */
	struct strlist names;		/* their names minus the demodularized ones */
	int active;
	const char *why;		/* when active: "the default stream", "enabled by the
					 * manifest", "required by NAME:STREAM" */
	void *doc;			/* the ModulemdModuleStream, for modmd_bundle_yaml() */
};

struct modmd;

struct modmd *modmd_new(void);
void modmd_free(struct modmd *m);
/* Add the modules.yaml at path (decompressed), of repository `repo`.
 * Streams of several repositories are merged as dnf merges them (libmodulemd's
 * ModuleIndexMerger at equal priority).  Errors name the file. */
int modmd_add_file(struct modmd *m, const char *path, const char *repo, struct pgb_err *err);
/* The same from memory (the bundle's modules.yaml at verification). */
int modmd_add_text(struct modmd *m, const char *text, const char *repo, struct pgb_err *err);

/*
 * Steps 1 and 2 above.  platform: the target's platform stream ("el9");
 * disable: module names; enable: "name:stream".  Enabling a stream that no
 * repository has fails naming the streams there are; disabling an unknown
 * module is fine (nothing to hide).  Call once, after every add.
 */
int modmd_resolve(struct modmd *m, const char *platform, const struct strlist *disable,
		  const struct strlist *enable, struct pgb_err *err);

/* The number of module streams known (0: no modularity, nothing to filter). */
size_t modmd_count(const struct modmd *m);
/* The stream (version, context) whose artifacts list nevra ("name-E:V-R.A",
 * epoch 0 written as "0:"), preferring an active one; NULL for a package
 * that belongs to no module. */
const struct modmd_stream *modmd_artifact(const struct modmd *m, const char *nevra);
/* The active stream with a binary artifact called name, or NULL. */
const struct modmd_stream *modmd_active_name(const struct modmd *m, const char *name);
/* Every active artifact name, sorted and unique (the names of step 3). */
const struct strlist *modmd_active_names(const struct modmd *m);
/* "disabled", "enabled NAME:STREAM", "default NAME:STREAM" or "none": the
 * state of module name after modmd_resolve(), for messages; static or owned by m. */
const char *modmd_state(const struct modmd *m, const char *name);

/*
 * Module obsoletes (modulemd-obsoletes documents: a stream's end of life and
 * the stream that replaces it).  dnf applies them only with
 * module_obsoletes=True in dnf.conf, which is False by default and on EL, so
 * the active streams above do not follow them, as on the target; the
 * bundle's modules.yaml carries none (a host that does set module_obsoletes
 * keeps the bundled stream).  One line goes to notes for each active stream
 * an obsoletes document ends, naming its successor and the manifest key
 * that follows it.
 */
void modmd_obsoletes_notes(const struct modmd *m, struct strlist *notes);

/*
 * The modules.yaml a bundle carries: the stream documents that list any of
 * `nevras` (the bundle's modular packages), each with its module's defaults
 * document when the stream is that module's default; a stream the manifest
 * enabled gets a defaults document naming it the default, so that dnf on
 * the host takes it without `dnf module enable`.  *out (malloc'd) is
 * NULL when no stream qualifies.  Deterministic: libmodulemd sorts the
 * documents.
 */
int modmd_bundle_yaml(const struct modmd *m, const struct strlist *nevras, char **out,
		      struct pgb_err *err);

/* "name-E:V-R.A" for a package: the artifact spelling (epoch always written). */
char *modmd_nevra(const char *name, const char *evr, const char *arch);

#endif
