/*
 * test_resolve_rpm.c - what the bundle's rpm-md repository needs beyond its
 * packages: module_hotfixes=1 only when the bundle's own modules.yaml would
 * hide one of its packages from dnf (resolve_rpm.h rpm_hidden_by_modules),
 * the baseline's comps groups only when one of their packages is bundled
 * (comps.h), module obsoletes named, not applied (modmd.h), the proof
 * that refuses a bundle lacking a dependency, naming it, a request for a
 * name another package obsoletes taking that package, as dnf does, and the
 * why of a name two repositories carry (plan's "^" line).  The
 * end-to-end cases are tests/e2e/46 and 47.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "comps.h"
#include "modmd.h"
#include "resolve_rpm.h"
#include "unit.h"
#include "util.h"

static char *scratch(const char *name)
{
	static char dir[] = "/tmp/pgbundle-test-rpm.XXXXXX";
	static int made;

	if (!made && mkdtemp(dir))
		made = 1;
	return util_path_join(dir, name);
}

static char *put(const char *name, const char *text)
{
	char *path = scratch(name);
	struct pgb_err err = { { 0 } };

	if (util_write_atomic(path, text, strlen(text), 0644, &err) < 0)
		fprintf(stderr, "# %s\n", err.msg);
	return path;
}

/* One primary <package> providing its own name (and `also`, when given),
 * requiring `req` when given. */
static void pkg_full(struct sbuf *b, const char *name, const char *ver, const char *rel,
		     const char *also, const char *req, const char *obsoletes)
{
	sbuf_addf(b, "<package type=\"rpm\"><name>%s</name><arch>x86_64</arch>"
		  "<version epoch=\"0\" ver=\"%s\" rel=\"%s\"/>"
		  "<checksum type=\"sha256\" pkgid=\"YES\">%064d</checksum>"
		  "<location href=\"pool/%s-%s-%s.x86_64.rpm\"/><format><rpm:provides>"
		  "<rpm:entry name=\"%s\" flags=\"EQ\" epoch=\"0\" ver=\"%s\" rel=\"%s\"/>",
		  name, ver, rel, 0, name, ver, rel, name, ver, rel);
	if (also)
		sbuf_addf(b, "<rpm:entry name=\"%s\" flags=\"GE\" epoch=\"0\" ver=\"%s\"/>", also,
			  ver);
	sbuf_adds(b, "</rpm:provides>");
	if (req)
		sbuf_addf(b, "<rpm:requires><rpm:entry name=\"%s\"/></rpm:requires>", req);
	if (obsoletes)
		sbuf_addf(b, "<rpm:obsoletes><rpm:entry name=\"%s\" flags=\"LT\" epoch=\"0\" "
			  "ver=\"%s\"/></rpm:obsoletes>", obsoletes, ver);
	sbuf_adds(b, "</format></package>\n");
}

static void pkg_req(struct sbuf *b, const char *name, const char *ver, const char *rel,
		    const char *also, const char *req)
{
	pkg_full(b, name, ver, rel, also, req, NULL);
}

static void pkg(struct sbuf *b, const char *name, const char *ver, const char *rel,
		const char *also)
{
	pkg_req(b, name, ver, rel, also, NULL);
}

static const char primary_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\""
	"http://linux.duke.edu/metadata/common\" xmlns:rpm=\""
	"http://linux.duke.edu/metadata/rpm\">\n";

static char *primary(const char *name, int with_pgdg)
{
	struct sbuf b = SBUF_INIT;
	char *path;

	sbuf_adds(&b, primary_head);
	pkg(&b, "postgresql-server", "15.6", "1.module+el8", NULL);
	if (with_pgdg)
		pkg(&b, "postgresql16-server", "16.4", "1PGDG.rhel8", "postgresql-server");
	sbuf_adds(&b, "</metadata>\n");
	path = put(name, b.buf);
	sbuf_free(&b);
	return path;
}

/* postgresql:15 (the default stream) with postgresql-server; postgresql:10,
 * ended by an obsoletes document naming 15. */
static const char modules_yaml[] =
	"---\ndocument: modulemd\nversion: 2\ndata:\n  name: postgresql\n  stream: \"15\"\n"
	"  version: 8100020240820123456\n  context: 9f2b6a4e\n  arch: x86_64\n"
	"  summary: s\n  description: d\n  license:\n    module: [MIT]\n"
	"  dependencies:\n  - buildrequires:\n      platform: [el8]\n"
	"    requires:\n      platform: [el8]\n"
	"  artifacts:\n    rpms:\n    - postgresql-server-0:15.6-1.module+el8.x86_64\n...\n"
	"---\ndocument: modulemd\nversion: 2\ndata:\n  name: postgresql\n  stream: \"10\"\n"
	"  version: 8100020240820123456\n  context: 9f2b6a4e\n  arch: x86_64\n"
	"  summary: s\n  description: d\n  license:\n    module: [MIT]\n"
	"  dependencies:\n  - buildrequires:\n      platform: [el8]\n"
	"    requires:\n      platform: [el8]\n"
	"  artifacts:\n    rpms:\n    - postgresql-server-0:10.6-1.module+el8.x86_64\n...\n"
	"---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: postgresql\n"
	"  stream: \"15\"\n...\n"
	"---\ndocument: modulemd-obsoletes\nversion: 1\ndata:\n  modified: 2024-05-31T00:00Z\n"
	"  module: postgresql\n  stream: \"10\"\n  eol_date: 2024-05-31T00:00Z\n"
	"  message: postgresql:10 is end of life\n"
	"  obsoleted_by:\n    module: postgresql\n    stream: \"15\"\n...\n";

static int hidden(const char *prim, const char *mods, struct strlist *why)
{
	struct strlist none = STRLIST_INIT;
	struct rpm_resolve_opts o = { "x86_64", "el8", &none, &none, NULL, 0, NULL, NULL };
	struct rpm_repo_in in = { "the bundle", prim, NULL, NULL, mods, NULL, 0 };
	struct pgb_err err = { { 0 } };
	int n = rpm_hidden_by_modules(&in, &o, why, &err);

	if (n < 0)
		fprintf(stderr, "# %s\n", err.msg);
	return n;
}

static int test_hotfixes_only_when_the_bundles_modules_hide_its_own_package(void)
{
	char *mods = put("modules.yaml", modules_yaml), *mixed = primary("mixed.xml", 1),
	     *modular = primary("modular.xml", 0);
	struct strlist why = STRLIST_INIT;
	int n_mixed = hidden(mixed, mods, &why), n_modular;
	int ok = n_mixed == 1 && why.n == 1 && strstr(why.v[0], "postgresql16-server") &&
		 strstr(why.v[0], "postgresql:15");

	if (!ok)
		fprintf(stderr, "# %d: %s\n", n_mixed, why.n ? why.v[0] : "");
	strlist_free(&why);
	n_modular = hidden(modular, mods, &why);
	free(mods);
	free(mixed);
	free(modular);
	strlist_free(&why);
	CHECK(ok);
	CHECKF(n_modular == 0, "%d hidden", n_modular);
	return 0;
}

static const char comps_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<comps>\n"
	"  <group><id>core</id><name>Core</name><packagelist>\n"
	"    <packagereq type=\"mandatory\">bash</packagereq>\n"
	"    <packagereq type=\"optional\">lz4-libs</packagereq>\n"
	"  </packagelist></group>\n"
	"  <group><id>web</id><name>Web</name><packagelist>\n"
	"    <packagereq type=\"mandatory\">lz4-libs</packagereq>\n"
	"  </packagelist></group>\n"
	"  <environment><id>minimal-environment</id><grouplist><groupid>core</groupid>"
	"</grouplist></environment>\n</comps>\n";

static int test_comps_carries_a_baseline_group_only_when_a_member_is_bundled(void)
{
	char *path = put("comps.xml", comps_xml), *out = NULL, *none = NULL;
	const char *files[2] = { NULL, path };
	struct strlist groups = STRLIST_INIT, names = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	int rc1, rc2, ok;

	strlist_add(&groups, "core");
	strlist_add(&names, "lz4-libs");
	rc1 = comps_bundle_xml(files, 2, &groups, &names, &out, &err);
	strlist_free(&names);
	strlist_add(&names, "postgresql16-server");
	rc2 = comps_bundle_xml(files, 2, &groups, &names, &none, &err);
	ok = rc1 == 0 && rc2 == 0 && out && !none && strstr(out, "<id>core</id>") &&
	     strstr(out, ">bash</packagereq>") && !strstr(out, "<id>web</id>") &&
	     !strstr(out, "environment") && strstr(out, "DTD Comps info");
	if (!ok)
		fprintf(stderr, "# %s\n%s", err.msg, out ? out : "(none)");
	free(out);
	free(none);
	free(path);
	strlist_free(&groups);
	strlist_free(&names);
	CHECK(ok);
	return 0;
}

static int test_comps_that_is_not_comps_is_refused_naming_the_file(void)
{
	char *path = put("bad-comps.xml", "<metadata/>"), *out = NULL;
	const char *files[1] = { path };
	struct strlist groups = STRLIST_INIT, names = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	int rc;

	strlist_add(&groups, "core");
	rc = comps_bundle_xml(files, 1, &groups, &names, &out, &err);
	strlist_free(&groups);
	CHECK(rc == -1 && !out);
	CHECKF(strstr(err.msg, path) && strstr(err.msg, "not a comps document"), "%s", err.msg);
	free(path);
	return 0;
}

static int notes_for(const char *enable, struct strlist *notes)
{
	struct modmd *m = modmd_new();
	struct strlist en = STRLIST_INIT;
	struct pgb_err err = { { 0 } };
	int rc;

	if (enable)
		strlist_add(&en, enable);
	rc = modmd_add_text(m, modules_yaml, "el-appstream", &err);
	if (rc == 0)
		rc = modmd_resolve(m, "el8", NULL, &en, &err);
	if (rc == 0)
		modmd_obsoletes_notes(m, notes);
	else
		fprintf(stderr, "# %s\n", err.msg);
	modmd_free(m);
	strlist_free(&en);
	return rc;
}

/* fuzz_modmd's finding: an alias as a mapping key made libmodulemd leak;
 * module metadata has no anchors or aliases, so one is refused where it
 * stands, before libmodulemd reads the text. */
static int test_modules_yaml_with_an_alias_is_refused_where_it_stands(void)
{
	static const char finding[] =
		"---\ndocument: modulemd\nversion: 2\ndata:\n"
		"  &id001 name: postgresql\n  stream: \"15\"\n  version: 8100020240820123456\n"
		"  context: 9f2b6a4e\n  arch: x86_64\n  summary: s\n  description: d\n"
		"  license:\n    module: [MIT]\n  dependencies: &id003\n"
		"  - buildrequires:\n      /latform: [*id001]\n    requires:\n"
		"      platform: [&id002 el8, *id002]\n  *id003 :\n    rpms:\n"
		"    - postgresql-serl8]\n    requires:\n      platform: [el8]\n"
		"  artifacts:\n    rpms: null\n...\n";
	struct modmd *m = modmd_new();
	struct pgb_err err = { { 0 } };

	CHECK(modmd_add_text(m, finding, "el-appstream", &err) == -1);
	CHECKF(strstr(err.msg, "modules.yaml of el-appstream:5:3: a YAML anchor"), "%s", err.msg);
	modmd_free(m);
	return 0;
}

/* fuzz_modmd's finding (2026-12-05): `buildopts: {rpms: [...]}` made
 * libmodulemd free the error it reported twice (heap corruption, seen as a
 * SEGV in g_slice_alloc hundreds of thousands of inputs later, and at once
 * under G_SLICE=always-malloc).  Refused at its line before libmodulemd
 * reads it; a well-formed buildopts still loads. */
static int test_modules_yaml_with_a_malformed_buildopts_is_refused(void)
{
	static const char head[] =
		"---\ndocument: modulemd\nversion: 2\ndata:\n"
		"  name: postgresql\n  stream: \"15\"\n  summary: a b\n  description: 6\n"
		"  license:\n    module: 0\n";
	static const char *const bad[][2] = {
		{ "  buildopts:\n    rpms:\n    - postgresql-0:15.6-1.x86_64\n",	/* the finding */
		  ":13:5: buildopts' rpms is not a mapping" },
		{ "  buildopts:\n    rpms: ~\n", ":12:11: buildopts' rpms is not a mapping" },
		{ "  buildopts:\n    rpms:\n      whitelist: {a: b}\n",
		  ":13:18: buildopts' rpms whitelist is not a list" },
		{ "  buildopts:\n    rpms:\n      whitelist: [a, [b]]\n",
		  ":13:22: an item of buildopts' rpms whitelist that is not a string" },
		{ "  buildopts:\n    rpms:\n      macros: [x]\n",
		  ":13:15: buildopts' rpms macros is not a string" },
		{ "  buildopts:\n    rpms:\n      [k]: v\n",
		  ":13:7: a key of buildopts' rpms that is not a string" },
	};
	static const char good[] =
		"  buildopts:\n    rpms:\n      macros: |\n        %%_with_llvm 1\n"
		"      whitelist: [postgresql, postgresql-server]\n    arches: [x86_64]\n"
		"  artifacts:\n    rpms: [postgresql-0:15.6-1.x86_64]\n";
	struct pgb_err err = { { 0 } };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct modmd *m = modmd_new();
		char *text = xasprintf("%s%s...\n", head, bad[i][0]);

		CHECKF(modmd_add_text(m, text, "el-appstream", &err) == -1, "case %zu loaded", i);
		CHECKF(strstr(err.msg, bad[i][1]), "case %zu: %s", i, err.msg);
		free(text);
		modmd_free(m);
	}
	{
		struct modmd *m = modmd_new();
		char *text = xasprintf("%s%s...\n", head, good);

		CHECKF(modmd_add_text(m, text, "el-appstream", &err) == 0, "%s", err.msg);
		free(text);
		modmd_free(m);
	}
	return 0;
}

/* fuzz_modmd's finding (2026-12-05): a second `version` after `version: 0`
 * made libmodulemd leak the first one's text; a document's own keys twice
 * are refused at the second. */
static int test_a_document_key_given_twice_is_refused(void)
{
	static const char finding[] =
		"---\ndocument: modulemd-obsoletes\nversion: 0\ndata:\n"
		"  modified: 2024-05-31T00:00Z\n  module: perl\n"
		"version: 0\n...\n";
	struct modmd *m = modmd_new();
	struct pgb_err err = { { 0 } };

	CHECK(modmd_add_text(m, finding, "el-appstream", &err) == -1);
	CHECKF(strstr(err.msg, "modules.yaml of el-appstream:7:1: a document's key given twice"),
	       "%s", err.msg);
	modmd_free(m);
	return 0;
}

static int test_module_obsoletes_are_named_not_applied(void)
{
	struct strlist on10 = STRLIST_INIT, on15 = STRLIST_INIT;
	int ok = notes_for("postgresql:10", &on10) == 0 && notes_for(NULL, &on15) == 0 &&
		 on10.n == 1 && on15.n == 0 &&
		 strstr(on10.v[0], "module postgresql:10 is end of life upstream") &&
		 strstr(on10.v[0], "obsoleted by postgresql:15") &&
		 strstr(on10.v[0], "the bundle keeps postgresql:10") &&
		 strstr(on10.v[0], "modules_enable: [\"postgresql:15\"]");

	if (!ok)
		fprintf(stderr, "# %zu %zu %s\n", on10.n, on15.n, on10.n ? on10.v[0] : "");
	strlist_free(&on10);
	strlist_free(&on15);
	CHECK(ok);
	return 0;
}

/* A universe: bash (the @core baseline), app needs libapp, libapp needs
 * bash.  with_lib: libapp is in it too. */
static char *universe(const char *name, int with_bash, int with_lib)
{
	struct sbuf b = SBUF_INIT;
	char *path;

	sbuf_adds(&b, primary_head);
	if (with_bash)
		pkg(&b, "bash", "5.1", "1.el9", NULL);
	pkg_req(&b, "app", "1.0", "1", NULL, "libapp");
	if (with_lib)
		pkg_req(&b, "libapp", "1.0", "1", NULL, "bash");
	sbuf_adds(&b, "</metadata>\n");
	path = put(name, b.buf);
	sbuf_free(&b);
	return path;
}

static int test_proof_names_what_the_bundle_lacks_and_the_chain(void)
{
	char *up = universe("up.xml", 1, 1), *full = universe("full.xml", 0, 1),
	     *lacking = universe("lacking.xml", 0, 0), *base = scratch("baseline.solv");
	char *comps = put("core.xml", "<comps><group><id>core</id><packagelist>"
			  "<packagereq type=\"mandatory\">bash</packagereq></packagelist>"
			  "</group></comps>");
	struct strlist none = STRLIST_INIT, groups = STRLIST_INIT;
	struct rpm_resolve_opts o = { "x86_64", "el9", &none, &none, &groups, 0, NULL, NULL };
	struct rpm_repo_in in = { "el-baseos", up, NULL, comps, NULL, NULL, 0 };
	struct rpm_repo_in b_full = { "the bundle", full, NULL, NULL, NULL, NULL, 0 };
	struct rpm_repo_in b_lacking = { "the bundle", lacking, NULL, NULL, NULL, NULL, 0 };
	const char *req[] = { "app" };
	struct rpm_resolution res;
	struct pgb_err err = { { 0 } }, err2 = { { 0 } };
	int rc, ok_full, rc_lacking;

	strlist_add(&groups, "core");
	rc = rpm_resolve(&in, 1, req, 1, &o, base, &res, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECKF(res.res.npkgs == 2 && res.nbaseline == 1 && !res.comps_xml, "%zu %zu",
	       res.res.npkgs, res.nbaseline);
	rpm_resolution_free(&res);
	ok_full = rpm_prove(base, &b_full, req, 1, &o, &err);
	rc_lacking = rpm_prove(base, &b_lacking, req, 1, &o, &err2);
	free(up);
	free(full);
	free(lacking);
	free(base);
	free(comps);
	strlist_free(&groups);
	CHECKF(ok_full == 0, "%s", err.msg);
	CHECK(rc_lacking == -1);
	CHECKF(strstr(err2.msg, "dnf could not install from the bundle alone: app: ") &&
	       strstr(err2.msg, "app-1.0-1.x86_64 needs libapp: nothing in the bundle provides it"),
	       "%s", err2.msg);
	return 0;
}

/* As `dnf install oldpkg` does when newpkg obsoletes it (conf.obsoletes):
 * the request takes the package that replaced it. */
static int test_a_request_for_an_obsoleted_name_takes_its_replacement(void)
{
	struct sbuf b = SBUF_INIT;
	char *up, *base = scratch("baseline-obs.solv");
	char *comps = put("core-obs.xml", "<comps><group><id>core</id><packagelist>"
			  "<packagereq type=\"mandatory\">bash</packagereq></packagelist>"
			  "</group></comps>");
	struct strlist none = STRLIST_INIT, groups = STRLIST_INIT;
	struct rpm_resolve_opts o = { "x86_64", "el9", &none, &none, &groups, 0, NULL, NULL };
	const char *req[] = { "oldpkg" };
	struct rpm_resolution res;
	struct pgb_err err = { { 0 } };
	int rc, ok;

	sbuf_adds(&b, primary_head);
	pkg(&b, "bash", "5.1", "1.el9", NULL);
	pkg(&b, "oldpkg", "1", "1", NULL);
	pkg_full(&b, "newpkg", "2", "1", NULL, NULL, "oldpkg");
	sbuf_adds(&b, "</metadata>\n");
	up = put("obs.xml", b.buf);
	sbuf_free(&b);
	strlist_add(&groups, "core");
	{
		struct rpm_repo_in in = { "pgdg-yum-common", up, NULL, comps, NULL, NULL, 0 };

		rc = rpm_resolve(&in, 1, req, 1, &o, base, &res, &err);
	}
	ok = rc == 0 && res.res.npkgs == 1 && !strcmp(res.res.pkgs[0].name, "newpkg") &&
	     res.res.pkgs[0].requested &&
	     res.res.nmissing == 0;
	if (rc == 0 && !ok)
		fprintf(stderr, "# %zu packages, first %s\n", res.res.npkgs,
			res.res.npkgs ? res.res.pkgs[0].name : "-");
	if (rc == 0)
		rpm_resolution_free(&res);
	free(up);
	free(base);
	free(comps);
	strlist_free(&groups);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(ok);
	return 0;
}

/* The distribution and PGDG both carry pgbouncer: the highest version is
 * taken and says over whose; an older one only where a package needs it,
 * naming that package; on equal versions the repository listed first. */
static int test_a_name_two_repositories_carry_says_why_this_one(void)
{
	struct sbuf b = SBUF_INIT;
	char *appstream, *pgdg, *base = scratch("baseline-why.solv");
	char *comps = put("core-why.xml", "<comps><group><id>core</id><packagelist>"
			  "<packagereq type=\"mandatory\">bash</packagereq></packagelist>"
			  "</group></comps>");
	struct strlist none = STRLIST_INIT, groups = STRLIST_INIT;
	struct rpm_resolve_opts o = { "x86_64", "el9", &none, &none, &groups, 0, NULL, NULL };
	const char *req_new[] = { "pgbouncer", "libevent" }, *req_old[] = { "app" };
	struct rpm_resolution res;
	struct pgb_err err = { { 0 } };
	const char *why_bouncer = NULL, *why_event = NULL, *why_old = NULL;
	int rc1, rc2;

	sbuf_adds(&b, primary_head);
	pkg(&b, "bash", "5.1", "1.el9", NULL);
	pkg(&b, "pgbouncer", "1.21.0", "1.el9", NULL);
	pkg(&b, "libevent", "2.1.12", "8.el9", NULL);
	sbuf_adds(&b, "<package type=\"rpm\"><name>app</name><arch>x86_64</arch>"
		  "<version epoch=\"0\" ver=\"1\" rel=\"1\"/><checksum type=\"sha256\" "
		  "pkgid=\"YES\">1111111111111111111111111111111111111111111111111111111111111111"
		  "</checksum><location href=\"pool/app-1-1.x86_64.rpm\"/><format>"
		  "<rpm:provides><rpm:entry name=\"app\"/></rpm:provides><rpm:requires>"
		  "<rpm:entry name=\"pgbouncer\" flags=\"LT\" epoch=\"0\" ver=\"1.22\"/>"
		  "</rpm:requires></format></package>\n");
	sbuf_adds(&b, "</metadata>\n");
	appstream = put("appstream-why.xml", b.buf);
	sbuf_reset(&b);
	sbuf_adds(&b, primary_head);
	pkg(&b, "pgbouncer", "1.23.1", "1PGDG.rhel9", NULL);
	pkg(&b, "libevent", "2.1.12", "8.el9", NULL);
	sbuf_adds(&b, "</metadata>\n");
	pgdg = put("pgdg-why.xml", b.buf);
	sbuf_free(&b);
	strlist_add(&groups, "core");
	{
		struct rpm_repo_in in[] = {
			{ "appstream", appstream, NULL, comps, NULL, NULL, 0 },
			{ "pgdg-common", pgdg, NULL, NULL, NULL, NULL, 0 },
		};

		rc1 = rpm_resolve(in, 2, req_new, 2, &o, base, &res, &err);
		for (size_t i = 0; rc1 == 0 && i < res.res.npkgs; i++) {
			if (!strcmp(res.res.pkgs[i].name, "pgbouncer") &&
			    !strcmp(res.res.pkgs[i].version, "1.23.1-1PGDG.rhel9"))
				why_bouncer = res.res.pkgs[i].why;
			if (!strcmp(res.res.pkgs[i].name, "libevent") && res.res.pkgs[i].repo == 0)
				why_event = res.res.pkgs[i].why;
		}
		CHECKF(rc1 == 0, "%s", err.msg);
		CHECKF(why_bouncer && !strcmp(why_bouncer, "the highest version: over appstream's "
					      "1.21.0-1.el9"), "%s", why_bouncer ? why_bouncer : "-");
		CHECKF(why_event && strstr(why_event, "pgdg-common has the same version"), "%s",
		       why_event ? why_event : "-");
		if (rc1 == 0)
			rpm_resolution_free(&res);
		rc2 = rpm_resolve(in, 2, req_old, 1, &o, base, &res, &err);
		for (size_t i = 0; rc2 == 0 && i < res.res.npkgs; i++)
			if (!strcmp(res.res.pkgs[i].name, "pgbouncer"))
				why_old = res.res.pkgs[i].why;
		CHECKF(rc2 == 0, "%s", err.msg);
		CHECKF(why_old && !strcmp(why_old, "not pgdg-common's 1.23.1-1PGDG.rhel9: "
					  "app-1-1.x86_64 needs pgbouncer < 1.22"),
		       "%s", why_old ? why_old : "-");
		if (rc2 == 0)
			rpm_resolution_free(&res);
	}
	free(appstream);
	free(pgdg);
	free(base);
	free(comps);
	strlist_free(&groups);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_hotfixes_only_when_the_bundles_modules_hide_its_own_package);
	T_RUN(&s, test_comps_carries_a_baseline_group_only_when_a_member_is_bundled);
	T_RUN(&s, test_comps_that_is_not_comps_is_refused_naming_the_file);
	T_RUN(&s, test_module_obsoletes_are_named_not_applied);
	T_RUN(&s, test_modules_yaml_with_an_alias_is_refused_where_it_stands);
	T_RUN(&s, test_modules_yaml_with_a_malformed_buildopts_is_refused);
	T_RUN(&s, test_a_document_key_given_twice_is_refused);
	T_RUN(&s, test_proof_names_what_the_bundle_lacks_and_the_chain);
	T_RUN(&s, test_a_request_for_an_obsoleted_name_takes_its_replacement);
	T_RUN(&s, test_a_name_two_repositories_carry_says_why_this_one);
	return t_done(&s);
}
