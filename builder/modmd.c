#include "modmd.h"

#include <modulemd.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

/* One repository's modules.yaml, before the merge. */
struct mrepo {
	char *name;
	ModulemdModuleIndex *idx;
};

/* A module's state: what the manifest and its defaults say. */
struct mmodule {
	char *name;
	char *default_stream;	/* from modulemd-defaults; NULL when none */
	char *wanted;		/* the stream to make active, NULL: none */
	const char *why;	/* why wanted */
	int disabled, enabled;
	char *state;		/* modmd_state() */
};

struct artref {
	const char *nevra;
	size_t stream;
};

struct modmd {
	struct mrepo *repos;
	size_t nrepos;
	ModulemdModuleIndex *idx;	/* merged, after modmd_resolve() */
	struct modmd_stream *streams;
	size_t nstreams;
	struct mmodule *mods;
	size_t nmods;
	struct artref *arts;		/* sorted by nevra */
	size_t narts;
	struct strlist active_names;
	struct strlist whys;		/* owns the "required by ..." strings */
};

struct modmd *modmd_new(void)
{
	return xcalloc(1, sizeof(struct modmd));
}

static const char *gerr_text(const GError *e)
{
	return e && e->message ? e->message : "unknown error";
}

static int add_index(struct modmd *m, ModulemdModuleIndex *idx, const char *repo,
		     struct pgb_err *err)
{
	GError *gerr = NULL;

	if (!modulemd_module_index_upgrade_streams(idx, MD_MODULESTREAM_VERSION_LATEST, &gerr) ||
	    !modulemd_module_index_upgrade_defaults(idx, MD_DEFAULTS_VERSION_LATEST, &gerr)) {
		pgb_fail(err, "modules.yaml of %s: %s", repo, gerr_text(gerr));
		g_clear_error(&gerr);
		g_object_unref(idx);
		return -1;
	}
	m->repos = xrealloc(m->repos, (m->nrepos + 1) * sizeof(*m->repos));
	m->repos[m->nrepos].name = xstrdup(repo);
	m->repos[m->nrepos++].idx = idx;
	return 0;
}

/*
 * A screen of modules.yaml with libyaml before libmodulemd reads it, for
 * what libmodulemd mishandles, each found by tests/fuzz/fuzz_modmd:
 *
 * - YAML anchors and aliases: module metadata has none (libmodulemd's
 *   emitter and createrepo_c's tools write none), and libmodulemd leaks on
 *   some of them (an alias as a mapping key).
 * - `document`, `version` or `data` twice at a document's root: YAML has
 *   no duplicate keys, and libmodulemd leaks on a second `version`.
 * - `buildopts: {rpms: ...}` where rpms is not a mapping, its whitelist not
 *   a list of strings, its macros not a string, or one of its keys not a
 *   string: libmodulemd (2.14, and its master of 2026) then frees the
 *   error it reports twice (modulemd_buildopts_parse_yaml propagates an
 *   error it still owns), corrupting the heap.  Every document type that
 *   holds buildopts (modulemd, modulemd-packager) is screened, at any depth.
 *
 * Module metadata nests a few levels; deeper than SCREEN_DEPTH is refused.
 * What libyaml cannot parse is left to libmodulemd to report.
 */
#define SCREEN_DEPTH 64

enum screen_role { ROLE_ANY, ROLE_BUILDOPTS, ROLE_RPMS, ROLE_WHITELIST, ROLE_MACROS };

struct screen {
	yaml_parser_t parser;
	const char *what;
	struct pgb_err *err;
	int parse_failed;	/* libyaml's own error: left to libmodulemd */
};

static int screen_fail(struct screen *sc, const yaml_event_t *ev, const char *why)
{
	return pgb_fail(sc->err, "%s:%zu:%zu: %s; libmodulemd does not read it safely: "
			"the file is damaged or not module metadata, regenerate it", sc->what,
			ev->start_mark.line + 1, ev->start_mark.column + 1, why);
}

static int screen_next(struct screen *sc, yaml_event_t *ev)
{
	if (yaml_parser_parse(&sc->parser, ev))
		return 0;
	sc->parse_failed = 1;
	return -1;
}

/* The role of the value of key (a scalar; NULL for another key) in a mapping
 * of role `in`. */
static enum screen_role value_role(enum screen_role in, const char *key)
{
	if (!key)
		return ROLE_ANY;
	if (in == ROLE_BUILDOPTS && !strcmp(key, "rpms"))
		return ROLE_RPMS;
	if (in == ROLE_RPMS)
		return !strcmp(key, "whitelist") ? ROLE_WHITELIST :
		       !strcmp(key, "macros") ? ROLE_MACROS : ROLE_ANY;
	return !strcmp(key, "buildopts") ? ROLE_BUILDOPTS : ROLE_ANY;
}

static int screen_node(struct screen *sc, yaml_event_t *ev, enum screen_role role, int depth);

/* A key of a document's root mapping: `document`, `version` or `data` a
 * second time is refused.  libmodulemd reads the document type and version
 * first, and a second `version` after `version: 0` leaks the first one's
 * text (it takes 0 for "not met yet"). */
static int screen_root_key(struct screen *sc, const yaml_event_t *ev, unsigned *seen)
{
	static const char *const once[] = { "document", "version", "data" };

	for (unsigned i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
		if (strcmp((const char *)ev->data.scalar.value, once[i]))
			continue;
		if (*seen & (1u << i))
			return screen_fail(sc, ev, "a document's key given twice");
		*seen |= 1u << i;
	}
	return 0;
}

/* The rest of a collection whose start event was read: its items, up to its
 * end event.  role is the collection's. */
static int screen_items(struct screen *sc, yaml_event_type_t end, enum screen_role role,
			int depth)
{
	int key = end == YAML_MAPPING_END_EVENT, rc = 0;
	unsigned seen = 0;	/* the document's own keys met, at its root */
	char *k = NULL;

	for (;;) {
		yaml_event_t ev;

		if (screen_next(sc, &ev) < 0)
			break;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		if (key && depth == 0 && ev.type == YAML_SCALAR_EVENT)
			rc = screen_root_key(sc, &ev, &seen);
		if (rc == 0 && key && role == ROLE_RPMS && ev.type != YAML_SCALAR_EVENT)
			rc = screen_fail(sc, &ev, "a key of buildopts' rpms that is not a string");
		else if (rc == 0 && !key && role == ROLE_WHITELIST && ev.type != YAML_SCALAR_EVENT)
			rc = screen_fail(sc, &ev, "an item of buildopts' rpms whitelist that is "
					 "not a string");
		if (rc == 0 && key) {
			free(k);
			k = ev.type == YAML_SCALAR_EVENT ? xstrdup((char *)ev.data.scalar.value) : NULL;
		}
		if (rc == 0)
			rc = screen_node(sc, &ev, end == YAML_MAPPING_END_EVENT && !key ?
					 value_role(role, k) : ROLE_ANY, depth + 1);
		yaml_event_delete(&ev);
		if (rc < 0 || sc->parse_failed)
			break;
		if (end == YAML_MAPPING_END_EVENT)
			key = !key;
	}
	free(k);
	return rc;
}

/* One node whose first event is ev (not deleted here). */
static int screen_node(struct screen *sc, yaml_event_t *ev, enum screen_role role, int depth)
{
	const unsigned char *anchor =
		ev->type == YAML_SCALAR_EVENT ? ev->data.scalar.anchor :
		ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor :
		ev->type == YAML_MAPPING_START_EVENT ? ev->data.mapping_start.anchor : NULL;

	if (ev->type == YAML_ALIAS_EVENT || anchor)
		return screen_fail(sc, ev, anchor ? "a YAML anchor; module metadata has none"
					  : "a YAML alias; module metadata has none");
	if (depth > SCREEN_DEPTH)
		return screen_fail(sc, ev, "nested deeper than module metadata is");
	if (role == ROLE_RPMS && ev->type != YAML_MAPPING_START_EVENT)
		return screen_fail(sc, ev, "buildopts' rpms is not a mapping");
	if (role == ROLE_WHITELIST && ev->type != YAML_SEQUENCE_START_EVENT)
		return screen_fail(sc, ev, "buildopts' rpms whitelist is not a list");
	if (role == ROLE_MACROS && ev->type != YAML_SCALAR_EVENT)
		return screen_fail(sc, ev, "buildopts' rpms macros is not a string");
	if (ev->type == YAML_MAPPING_START_EVENT)
		return screen_items(sc, YAML_MAPPING_END_EVENT, role, depth);
	if (ev->type == YAML_SEQUENCE_START_EVENT)
		return screen_items(sc, YAML_SEQUENCE_END_EVENT, role, depth);
	return 0;
}

static int screen_yaml(const char *text, size_t len, const char *what, struct pgb_err *err)
{
	struct screen sc = { .what = what, .err = err };
	int rc = 0;

	if (!yaml_parser_initialize(&sc.parser))
		return pgb_fail(err, "%s: out of memory", what);
	yaml_parser_set_input_string(&sc.parser, (const unsigned char *)text, len);
	while (rc == 0 && !sc.parse_failed) {
		yaml_event_t ev;
		int done;

		if (screen_next(&sc, &ev) < 0)
			break;
		done = ev.type == YAML_STREAM_END_EVENT;
		if (ev.type != YAML_STREAM_START_EVENT && ev.type != YAML_DOCUMENT_START_EVENT &&
		    ev.type != YAML_DOCUMENT_END_EVENT && !done)
			rc = screen_node(&sc, &ev, ROLE_ANY, 0);
		yaml_event_delete(&ev);
		if (done)
			break;
	}
	yaml_parser_delete(&sc.parser);
	return rc;
}

static int add_string(struct modmd *m, const char *text, size_t len, const char *what,
		      const char *repo, struct pgb_err *err)
{
	ModulemdModuleIndex *idx;
	g_autoptr(GPtrArray) failures = NULL;
	GError *gerr = NULL;

	if (screen_yaml(text, len, what, err) < 0)
		return -1;
	idx = modulemd_module_index_new();
	if (!modulemd_module_index_update_from_string(idx, text, FALSE, &failures, &gerr) &&
	    gerr) {
		pgb_fail(err, "%s: %s", what, gerr_text(gerr));
		g_clear_error(&gerr);
		g_object_unref(idx);
		return -1;
	}
	return add_index(m, idx, repo, err);
}

/* Subdocuments libmodulemd cannot read (failures) are skipped, as dnf skips
 * them; a file that is not YAML at all is an error. */
int modmd_add_file(struct modmd *m, const char *path, const char *repo, struct pgb_err *err)
{
	char *text = NULL, *what;
	size_t len;
	int rc;

	if (util_read_file(path, &text, &len, err) < 0)
		return -1;
	what = xasprintf("%s (modules.yaml of %s)", path, repo);
	/* libmodulemd reads a string up to its NUL */
	rc = memchr(text, '\0', len) ? pgb_fail(err, "%s: a NUL byte in the text", what)
				      : add_string(m, text, len, what, repo, err);
	free(what);
	free(text);
	return rc;
}

int modmd_add_text(struct modmd *m, const char *text, const char *repo, struct pgb_err *err)
{
	char *what = xasprintf("modules.yaml of %s", repo);
	int rc = add_string(m, text, strlen(text), what, repo, err);

	free(what);
	return rc;
}

/* ---- NEVRAs ---- */

char *modmd_nevra(const char *name, const char *evr, const char *arch)
{
	return strchr(evr, ':') ? xasprintf("%s-%s.%s", name, evr, arch)
				: xasprintf("%s-0:%s.%s", name, evr, arch);
}

/* An artifact as libmodulemd gives it, with "0:" when it has no epoch, or
 * NULL for a source artifact or one that is not a NEVRA.  *name gets the name. */
static char *artifact_norm(const char *a, char **name)
{
	const char *dot = strrchr(a, '.'), *rel, *ver;
	char *evr, *out;

	if (!dot || !strcmp(dot + 1, "src") || !strcmp(dot + 1, "nosrc"))
		return NULL;
	for (rel = dot; rel > a && *rel != '-'; rel--)
		;
	for (ver = rel > a ? rel - 1 : a; ver > a && *ver != '-'; ver--)
		;
	if (ver <= a || rel <= ver)
		return NULL;
	*name = xstrndup(a, (size_t)(ver - a));
	evr = xstrndup(ver + 1, (size_t)(dot - ver - 1));
	out = modmd_nevra(*name, evr, dot + 1);
	free(evr);
	return out;
}

/* ---- reading the merged index ---- */

static struct mmodule *module_get(struct modmd *m, const char *name, int create)
{
	for (size_t i = 0; i < m->nmods; i++)
		if (!strcmp(m->mods[i].name, name))
			return &m->mods[i];
	if (!create)
		return NULL;
	m->mods = xrealloc(m->mods, (m->nmods + 1) * sizeof(*m->mods));
	memset(&m->mods[m->nmods], 0, sizeof(*m->mods));
	m->mods[m->nmods].name = xstrdup(name);
	return &m->mods[m->nmods++];
}

static const char *stream_repo(const struct modmd *m, ModulemdModuleStream *s)
{
	g_autofree gchar *nsvca = modulemd_module_stream_get_NSVCA_as_string(s);

	for (size_t i = 0; nsvca && i < m->nrepos; i++) {
		ModulemdModule *mod = modulemd_module_index_get_module(
			m->repos[i].idx, modulemd_module_stream_get_module_name(s));
		GPtrArray *all = mod ? modulemd_module_get_all_streams(mod) : NULL;

		for (guint j = 0; all && j < all->len; j++) {
			g_autofree gchar *o = modulemd_module_stream_get_NSVCA_as_string(
				g_ptr_array_index(all, j));

			if (o && !strcmp(o, nsvca))
				return m->repos[i].name;
		}
	}
	return "?";
}

static void stream_artifacts(struct modmd_stream *st, ModulemdModuleStreamV2 *v2)
{
	g_auto(GStrv) arts = modulemd_module_stream_v2_get_rpm_artifacts_as_strv(v2);
	g_auto(GStrv) demod = modulemd_module_stream_v2_get_demodularized_rpms(v2);

	for (size_t i = 0; arts && arts[i]; i++) {
		char *name = NULL, *n = artifact_norm(arts[i], &name);

		if (!n)
			continue;
		strlist_add_owned(&st->artifacts, n);
		if (!demod || !g_strv_contains((const gchar *const *)demod, name))
			strlist_add_owned(&st->names, name);
		else
			free(name);
	}
	strlist_sort(&st->artifacts);
	strlist_sort(&st->names);
	strlist_uniq(&st->names);
}

static void add_stream(struct modmd *m, ModulemdModuleStream *s)
{
	struct modmd_stream *st;
	const char *ctx = modulemd_module_stream_get_context(s);
	const char *arch = modulemd_module_stream_get_arch(s);

	if (!MODULEMD_IS_MODULE_STREAM_V2(s) || !modulemd_module_stream_get_stream_name(s))
		return;
	m->streams = xrealloc(m->streams, (m->nstreams + 1) * sizeof(*m->streams));
	st = &m->streams[m->nstreams++];
	memset(st, 0, sizeof(*st));
	st->name = xstrdup(modulemd_module_stream_get_module_name(s));
	st->stream = xstrdup(modulemd_module_stream_get_stream_name(s));
	st->context = xstrdup(ctx ? ctx : "");
	st->arch = xstrdup(arch ? arch : "");
	st->version = modulemd_module_stream_get_version(s);
	st->repo = xstrdup(stream_repo(m, s));
	st->doc = s;
	stream_artifacts(st, MODULEMD_MODULE_STREAM_V2(s));
}

static void read_module(struct modmd *m, ModulemdModule *mod)
{
	struct mmodule *mm = module_get(m, modulemd_module_get_module_name(mod), 1);
	ModulemdDefaults *d = modulemd_module_get_defaults(mod);
	GPtrArray *all = modulemd_module_get_all_streams(mod);

	if (d && MODULEMD_IS_DEFAULTS_V1(d)) {
		const gchar *ds = modulemd_defaults_v1_get_default_stream(MODULEMD_DEFAULTS_V1(d),
									  NULL);

		if (ds)
			mm->default_stream = xstrdup(ds);
	}
	for (guint i = 0; all && i < all->len; i++)
		add_stream(m, g_ptr_array_index(all, i));
}

static int merge(struct modmd *m, struct pgb_err *err)
{
	g_autoptr(ModulemdModuleIndexMerger) merger = modulemd_module_index_merger_new();
	GError *gerr = NULL;
	gchar **names;

	for (size_t i = 0; i < m->nrepos; i++)
		modulemd_module_index_merger_associate_index(merger, m->repos[i].idx, 0);
	m->idx = modulemd_module_index_merger_resolve(merger, &gerr);
	if (!m->idx) {
		pgb_fail(err, "the module metadata of the upstreams cannot be merged (conflicting "
			 "modules.yaml): %s", gerr_text(gerr));
		g_clear_error(&gerr);
		return -1;
	}
	names = modulemd_module_index_get_module_names_as_strv(m->idx);
	for (size_t i = 0; names && names[i]; i++)
		read_module(m, modulemd_module_index_get_module(m->idx, names[i]));
	g_strfreev(names);
	return 0;
}

/* ---- which streams are active ---- */

/* Does a dependency stream list (["el8"], ["-el7"], []) admit stream s? */
static int streams_admit(gchar **list, const char *s)
{
	int positive = 0;

	for (size_t i = 0; list && list[i]; i++) {
		if (list[i][0] == '-') {
			if (!strcmp(list[i] + 1, s))
				return 0;
		} else {
			positive = 1;
			if (!strcmp(list[i], s))
				return 1;
		}
	}
	return !positive;
}

/* The first stream a dependency list asks for, or NULL ([] or negations only). */
static const char *streams_first(gchar **list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (list[i][0] != '-')
			return list[i];
	return NULL;
}

/*
 * Can one dependency set of st hold?  Platform must admit ours; a module it
 * needs must not be disabled and, when it has a wanted stream, admit that
 * one.  Modules it needs that have no wanted stream yet get one in *add.
 */
static int deps_hold(struct modmd *m, const struct modmd_stream *st, const char *platform,
		     struct strlist *add)
{
	GPtrArray *deps = modulemd_module_stream_v2_get_dependencies(
		MODULEMD_MODULE_STREAM_V2(st->doc));
	int any = !deps || deps->len == 0;

	for (guint i = 0; !any && i < deps->len; i++) {
		ModulemdDependencies *d = g_ptr_array_index(deps, i);
		g_auto(GStrv) mods = modulemd_dependencies_get_runtime_modules_as_strv(d);
		struct strlist want = STRLIST_INIT;
		int ok = 1;

		for (size_t j = 0; ok && mods && mods[j]; j++) {
			g_auto(GStrv) sl = modulemd_dependencies_get_runtime_streams_as_strv(d, mods[j]);
			struct mmodule *dm = module_get(m, mods[j], 0);

			if (!strcmp(mods[j], "platform"))
				ok = streams_admit(sl, platform);
			else if (!dm || dm->disabled)
				ok = 0;
			else if (dm->wanted)
				ok = streams_admit(sl, dm->wanted);
			else if (streams_first(sl) || dm->default_stream)
				strlist_add_owned(&want, xasprintf("%s:%s", mods[j],
					streams_first(sl) ? streams_first(sl) : dm->default_stream));
			else
				ok = 0;
		}
		if (ok) {
			any = 1;
			for (size_t j = 0; j < want.n; j++)
				strlist_add(add, want.v[j]);
		}
		strlist_free(&want);
	}
	return any;
}

/* Activate the newest valid context of mm's wanted stream; 1 when found. */
static int activate(struct modmd *m, struct mmodule *mm, const char *platform,
		    struct strlist *add)
{
	struct modmd_stream *best = NULL;

	for (size_t i = 0; i < m->nstreams; i++) {
		struct modmd_stream *st = &m->streams[i];
		struct strlist dummy = STRLIST_INIT;

		if (strcmp(st->name, mm->name) || strcmp(st->stream, mm->wanted))
			continue;
		if (deps_hold(m, st, platform, &dummy) && (!best || st->version > best->version))
			best = st;
		strlist_free(&dummy);
	}
	if (!best)
		return 0;
	deps_hold(m, best, platform, add);
	for (size_t i = 0; i < m->nstreams; i++) {
		struct modmd_stream *st = &m->streams[i];

		if (!strcmp(st->name, best->name) && !strcmp(st->stream, best->stream) &&
		    !strcmp(st->context, best->context)) {
			st->active = 1;
			st->why = mm->why;
		}
	}
	return 1;
}

static int want_states(struct modmd *m, const struct strlist *disable,
		       const struct strlist *enable, struct pgb_err *err)
{
	for (size_t i = 0; disable && i < disable->n; i++)
		module_get(m, disable->v[i], 1)->disabled = 1;
	for (size_t i = 0; enable && i < enable->n; i++) {
		const char *colon = strchr(enable->v[i], ':');
		char *name = xstrndup(enable->v[i], (size_t)(colon - enable->v[i]));
		struct mmodule *mm = module_get(m, name, 1);
		int known = 0;

		for (size_t j = 0; j < m->nstreams && !known; j++)
			known = !strcmp(m->streams[j].name, name) &&
				!strcmp(m->streams[j].stream, colon + 1);
		free(name);
		if (!known) {
			struct sbuf have = SBUF_INIT;

			for (size_t j = 0; j < m->nstreams; j++)
				if (!strcmp(m->streams[j].name, mm->name))
					sbuf_addf(&have, "%s%s", have.len ? ", " : "",
						  m->streams[j].stream);
			pgb_fail(err, "modules_enable: no upstream has stream %s (streams of module "
				 "%s: %s)", enable->v[i], mm->name, have.len ? have.buf : "none");
			sbuf_free(&have);
			return -1;
		}
		mm->disabled = 0;
		mm->enabled = 1;
		mm->wanted = xstrdup(colon + 1);
		mm->why = "enabled by the manifest";
	}
	for (size_t i = 0; i < m->nmods; i++) {
		struct mmodule *mm = &m->mods[i];

		if (!mm->wanted && !mm->disabled && mm->default_stream) {
			mm->wanted = xstrdup(mm->default_stream);
			mm->why = "the default stream";
		}
	}
	return 0;
}

static int cmp_art(const void *a, const void *b)
{
	return strcmp(((const struct artref *)a)->nevra, ((const struct artref *)b)->nevra);
}

static void index_artifacts(struct modmd *m)
{
	for (size_t i = 0; i < m->nstreams; i++) {
		const struct modmd_stream *st = &m->streams[i];

		m->arts = xrealloc(m->arts, (m->narts + st->artifacts.n + 1) * sizeof(*m->arts));
		for (size_t j = 0; j < st->artifacts.n; j++)
			m->arts[m->narts++] = (struct artref){ st->artifacts.v[j], i };
		if (st->active)
			for (size_t j = 0; j < st->names.n; j++)
				strlist_add(&m->active_names, st->names.v[j]);
	}
	if (m->narts)
		qsort(m->arts, m->narts, sizeof(*m->arts), cmp_art);
	strlist_sort(&m->active_names);
	strlist_uniq(&m->active_names);
}

static void describe_states(struct modmd *m)
{
	for (size_t i = 0; i < m->nmods; i++) {
		struct mmodule *mm = &m->mods[i];
		int active = 0;

		for (size_t j = 0; j < m->nstreams && !active; j++)
			active = m->streams[j].active && !strcmp(m->streams[j].name, mm->name);
		if (mm->disabled)
			mm->state = xstrdup("disabled");
		else if (active)
			mm->state = xasprintf("%s %s:%s", mm->enabled ? "enabled" :
					      mm->default_stream && !strcmp(mm->wanted,
					      mm->default_stream) ? "default" : "required",
					      mm->name, mm->wanted);
		else
			mm->state = xstrdup("none");
	}
}

int modmd_resolve(struct modmd *m, const char *platform, const struct strlist *disable,
		  const struct strlist *enable, struct pgb_err *err)
{
	int changed = 1;

	if (merge(m, err) < 0 || want_states(m, disable, enable, err) < 0)
		return -1;
	/* Streams an active one needs join in, until nothing more is needed. */
	for (int round = 0; changed && round < 16; round++) {
		struct strlist add = STRLIST_INIT;

		changed = 0;
		for (size_t i = 0; i < m->nstreams; i++)
			m->streams[i].active = 0;
		for (size_t i = 0; i < m->nmods; i++)
			if (m->mods[i].wanted)
				activate(m, &m->mods[i], platform, &add);
		for (size_t i = 0; i < add.n; i++) {
			const char *colon = strchr(add.v[i], ':');
			char *name = xstrndup(add.v[i], (size_t)(colon - add.v[i]));
			struct mmodule *mm = module_get(m, name, 1);

			free(name);
			if (mm->wanted || mm->disabled)
				continue;
			mm->wanted = xstrdup(colon + 1);
			strlist_add_owned(&m->whys, xasprintf("required by another module (%s)",
							      add.v[i]));
			mm->why = m->whys.v[m->whys.n - 1];
			changed = 1;
		}
		strlist_free(&add);
	}
	index_artifacts(m);
	describe_states(m);
	return 0;
}

/* ---- queries ---- */

size_t modmd_count(const struct modmd *m)
{
	return m->nstreams;
}

const struct modmd_stream *modmd_artifact(const struct modmd *m, const char *nevra)
{
	struct artref key = { nevra, 0 }, *hit;
	const struct modmd_stream *found = NULL;

	if (!m->narts)
		return NULL;
	hit = bsearch(&key, m->arts, m->narts, sizeof(*m->arts), cmp_art);
	if (!hit)
		return NULL;
	while (hit > m->arts && !strcmp(hit[-1].nevra, nevra))
		hit--;
	for (; hit < m->arts + m->narts && !strcmp(hit->nevra, nevra); hit++)
		if (!found || (!found->active && m->streams[hit->stream].active))
			found = &m->streams[hit->stream];
	return found;
}

const struct modmd_stream *modmd_active_name(const struct modmd *m, const char *name)
{
	for (size_t i = 0; i < m->nstreams; i++)
		if (m->streams[i].active && strlist_has(&m->streams[i].names, name))
			return &m->streams[i];
	return NULL;
}

const struct strlist *modmd_active_names(const struct modmd *m)
{
	return &m->active_names;
}

const char *modmd_state(const struct modmd *m, const char *name)
{
	for (size_t i = 0; i < m->nmods; i++)
		if (!strcmp(m->mods[i].name, name))
			return m->mods[i].state ? m->mods[i].state : "none";
	return "none";
}

/* ---- obsoletes ---- */

void modmd_obsoletes_notes(const struct modmd *m, struct strlist *notes)
{
	for (size_t i = 0; i < m->nmods; i++) {
		const struct mmodule *mm = &m->mods[i];
		ModulemdModule *mod = mm->wanted && !mm->disabled && m->idx ?
			modulemd_module_index_get_module(m->idx, mm->name) : NULL;
		ModulemdObsoletes *o = mod ? modulemd_module_get_newest_active_obsoletes(
			mod, mm->wanted, NULL) : NULL;
		const gchar *by, *bys, *msg;
		struct sbuf b = SBUF_INIT;

		if (!o)
			continue;
		by = modulemd_obsoletes_get_obsoleted_by_module_name(o);
		bys = modulemd_obsoletes_get_obsoleted_by_module_stream(o);
		msg = modulemd_obsoletes_get_message(o);
		sbuf_addf(&b, "module %s:%s is end of life upstream (modulemd-obsoletes: \"%s\")",
			  mm->name, mm->wanted, msg ? msg : "");
		if (by && bys)
			sbuf_addf(&b, ", obsoleted by %s:%s", by, bys);
		sbuf_addf(&b, "; dnf applies module obsoletes only with module_obsoletes=True "
			  "(default False), so the bundle keeps %s:%s", mm->name, mm->wanted);
		if (by && bys)
			sbuf_addf(&b, "; to follow it: modules_enable: [\"%s:%s\"]", by, bys);
		strlist_add_owned(notes, sbuf_detach(&b, NULL));
	}
}

/* ---- the bundle's modules.yaml ---- */

static int lists_any(const struct modmd_stream *st, const struct strlist *nevras)
{
	for (size_t i = 0; i < nevras->n; i++)
		if (strlist_has(&st->artifacts, nevras->v[i]))
			return 1;
	return 0;
}

int modmd_bundle_yaml(const struct modmd *m, const struct strlist *nevras, char **out,
		      struct pgb_err *err)
{
	g_autoptr(ModulemdModuleIndex) idx = modulemd_module_index_new();
	GError *gerr = NULL;
	gchar *text;
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < m->nstreams; i++) {
		const struct modmd_stream *st = &m->streams[i];
		ModulemdModule *mod;
		ModulemdDefaults *d;
		struct mmodule *mm;

		if (!lists_any(st, nevras))
			continue;
		if (!modulemd_module_index_add_module_stream(idx, st->doc, &gerr))
			goto fail;
		n++;
		mm = module_get((struct modmd *)m, st->name, 0);
		mod = modulemd_module_index_get_module(m->idx, st->name);
		d = mod ? modulemd_module_get_defaults(mod) : NULL;
		if (mm && mm->enabled && st->active) {
			/* The manifest's stream is the bundle's default: dnf takes it on
			 * the host without a `dnf module enable`. */
			g_autoptr(ModulemdDefaultsV1) own = modulemd_defaults_v1_new(st->name);

			modulemd_defaults_v1_set_default_stream(own, st->stream, NULL);
			if (!modulemd_module_index_add_defaults(idx, MODULEMD_DEFAULTS(own), &gerr))
				goto fail;
		} else if (d && mm && mm->default_stream && !strcmp(mm->default_stream, st->stream) &&
			   !modulemd_module_index_add_defaults(idx, d, &gerr)) {
			goto fail;
		}
	}
	if (!n)
		return 0;
	text = modulemd_module_index_dump_to_string(idx, &gerr);
	if (!text)
		goto fail;
	*out = xstrdup(text);
	g_free(text);
	return 0;
fail:
	pgb_fail(err, "cannot write the bundle's modules.yaml: %s", gerr_text(gerr));
	g_clear_error(&gerr);
	return -1;
}

void modmd_free(struct modmd *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nrepos; i++) {
		free(m->repos[i].name);
		g_object_unref(m->repos[i].idx);
	}
	free(m->repos);
	for (size_t i = 0; i < m->nstreams; i++) {
		struct modmd_stream *st = &m->streams[i];

		free(st->name);
		free(st->stream);
		free(st->context);
		free(st->arch);
		free(st->repo);
		strlist_free(&st->artifacts);
		strlist_free(&st->names);
	}
	free(m->streams);
	for (size_t i = 0; i < m->nmods; i++) {
		free(m->mods[i].name);
		free(m->mods[i].default_stream);
		free(m->mods[i].wanted);
		free(m->mods[i].state);
	}
	free(m->mods);
	free(m->arts);
	strlist_free(&m->active_names);
	strlist_free(&m->whys);
	if (m->idx)
		g_object_unref(m->idx);
	free(m);
}
