/* test_sbom.c - what packages declare (pkgmeta: DEP-5 copyright, relations,
 * extension control files, .deb through libarchive built here by dpkg-deb,
 * .rpm through createrepo_c built here by rpmbuild) and the CycloneDX
 * document made of it: purls, SPDX ids, dependency edges, a deterministic
 * serial, and reading it back.  The schema itself is checked by CycloneDX's
 * own validator in tests/e2e/50-sbom-diff-report.sh. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkgmeta.h"
#include "sbom.h"
#include "unit.h"

static const char dep5[] =
	"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
	"Upstream-Name: fx\n"
	"\n"
	"Files: *\n"
	"Copyright: 2020 Someone\n"
	"License: GPL-2+\n"
	"\n"
	"Files: lib/*\n"
	"Copyright: 2021 Else\n"
	"License: Expat\n"
	" Permission is hereby granted...\n"
	" .\n"
	" THE SOFTWARE IS PROVIDED \"AS IS\".\n"
	"\n"
	"Files: perl/*\n"
	"Copyright: 2022 P\n"
	"License: GPL-2+ or Artistic\n"
	"\n"
	"License: GPL-2+\n"
	" On Debian systems, see /usr/share/common-licenses/GPL-2.\n";

static int test_dep5_licenses_of_files_paragraphs(void)
{
	struct strlist l = STRLIST_INIT;

	pkgmeta_dep5_licenses(dep5, strlen(dep5), &l);
	CHECKF(l.n == 3, "%zu licenses", l.n);
	CHECK(!strcmp(l.v[0], "Expat") && !strcmp(l.v[1], "GPL-2+") &&
	      !strcmp(l.v[2], "GPL-2+ or Artistic"));
	strlist_free(&l);
	return 0;
}

static int test_free_form_copyright_declares_nothing(void)
{
	static const char text[] = "This package was debianized by X.\n\nIt is GPL.\n";
	static const char garbage[] = "Files: *\nLicense: MIT\nno colon here\n";
	struct strlist l = STRLIST_INIT;

	pkgmeta_dep5_licenses(text, strlen(text), &l);
	pkgmeta_dep5_licenses(garbage, strlen(garbage), &l);	/* no Format: header */
	CHECK(l.n == 0);
	return 0;
}

static int test_deb_relations_keep_names_and_alternatives(void)
{
	struct strlist l = STRLIST_INIT;

	pkgmeta_deb_relations("a (>= 1.0) | b:any, c [amd64],d <!nocheck>, libx (<< 2) ", &l);
	CHECKF(l.n == 4, "%zu", l.n);
	CHECK(!strcmp(l.v[0], "a|b") && !strcmp(l.v[1], "c") && !strcmp(l.v[2], "d") &&
	      !strcmp(l.v[3], "libx"));
	pkgmeta_deb_relations(NULL, &l);
	CHECK(l.n == 4);
	strlist_free(&l);
	/* fuzz_pkgmeta: "Provides: mysq|-comb-server-5.5, mysql-common-5.6" kept
	 * an alternative Debian does not allow there */
	pkgmeta_deb_provides("mysq|-comb-server-5.5, mysql-common-5.6, x (= 1)", &l);
	CHECKF(l.n == 2 && !strcmp(l.v[0], "mysql-common-5.6") && !strcmp(l.v[1], "x"), "%zu",
	       l.n);
	strlist_free(&l);
	return 0;
}

static int test_extension_control_files(void)
{
	struct pkgmeta m = PKGMETA_INIT;

	pkgmeta_note_file(&m, "usr/share/postgresql/16/extension/vector.control");
	pkgmeta_note_file(&m, "/usr/pgsql-17/share/extension/pg_cron.control");
	pkgmeta_note_file(&m, "usr/share/postgresql/16/extension/vector--0.1.sql");
	pkgmeta_note_file(&m, "usr/share/doc/myextension/x.control");	/* not "extension" */
	pkgmeta_note_file(&m, "usr/share/postgresql/16/extension/sub/x.control");
	pkgmeta_note_file(&m, "usr/share/postgresql/16/extension/vector.control");
	CHECKF(m.extensions.n == 2, "%zu", m.extensions.n);
	CHECK(!strcmp(m.extensions.v[0], "vector") && !strcmp(m.extensions.v[1], "pg_cron"));
	pkgmeta_free(&m);
	return 0;
}

/* Found by tests/fuzz/fuzz_pkgmeta.c: a .deb shipping
 * usr/share/postgresql/15/extension/a,b.control was noted as extension
 * "a,b", which the SBOM's comma-separated list read back as two extensions
 * "a" and "b"; and a secondary control file (NAME--VERSION.control), which
 * PostgreSQL and discovery (extdisc.c) do not count, was one.  Only names
 * PostgreSQL accepts, without a comma, are extensions now. */
static int test_extension_names_postgresql_accepts(void)
{
	static const char *const bad[] = { "a,b", "pg_proctab--0.0.10-compat", "-x", "x-", "",
					   "a\\b" };
	struct pkgmeta m = PKGMETA_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *p = xasprintf("usr/share/postgresql/15/extension/%s.control", bad[i]);

		pkgmeta_note_file(&m, p);
		free(p);
	}
	CHECKF(m.extensions.n == 0, "%zu, first %s", m.extensions.n, m.extensions.v[0]);
	pkgmeta_note_file(&m, "usr/share/postgresql/15/extension/postgis-3.control");
	pkgmeta_note_file(&m, "usr/share/postgresql/15/extension/uuid-ossp.control");
	CHECK(m.extensions.n == 2 && !strcmp(m.extensions.v[0], "postgis-3"));
	pkgmeta_free(&m);
	return 0;
}

static int test_purl_encoding(void)
{
	struct lock_pkg p = { 0 };
	char *u;

	p.name = "libfoo+x";
	p.version = "1:2.3+b1~rc1";
	p.arch = "amd64";
	u = pkgmeta_deb.purl(&p, "debian", "12");
	CHECKF(!strcmp(u, "pkg:deb/debian/libfoo%2Bx@1:2.3%2Bb1~rc1?arch=amd64&distro=debian-12"),
	       "%s", u);
	free(u);
	p.name = "postgresql16-server";
	p.version = "2:16.4-1PGDG.rhel9";
	p.arch = "x86_64";
	u = pkgmeta_rpm.purl(&p, "el", "9");
	CHECKF(!strcmp(u, "pkg:rpm/el/postgresql16-server@16.4-1PGDG.rhel9?arch=x86_64&"
			  "distro=el-9&epoch=2"), "%s", u);
	free(u);
	p.version = "0:1.0-1";
	u = pkgmeta_rpm.purl(&p, "el", "9");
	CHECKF(!strstr(u, "epoch"), "%s", u);
	free(u);
	return 0;
}

/* --- package files built here with the real tools --- */

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "# command failed (%d): %s\n", rc, cmd);
	return rc;
}

/* DIR/NAME.deb: a DEP-5 copyright, an extension, or a doc dir linked to LINK. */
static int make_deb(const char *dir, const char *name, const char *link)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "set -e; r=%s/root-%s; rm -rf $r; mkdir -p $r/DEBIAN "
		 "$r/usr/share/postgresql/16/extension $r/usr/share/doc; "
		 "printf 'Package: %s\\nVersion: 1.0\\nArchitecture: amd64\\nMaintainer: t <t@invalid>\\n"
		 "Description: t\\n' >$r/DEBIAN/control; "
		 "echo x >$r/usr/share/postgresql/16/extension/%s_ext.control; "
		 "if [ -n '%s' ]; then ln -s '%s' $r/usr/share/doc/%s; else "
		 "mkdir -p $r/usr/share/doc/%s; printf '%%s' '%s' >$r/usr/share/doc/%s/copyright; fi; "
		 "dpkg-deb --root-owner-group -Zxz -b $r %s/%s.deb >/dev/null",
		 dir, name, name, name, link ? link : "", link ? link : "", name, name,
		 "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
		 "Files: *\nCopyright: 2024 x\nLicense: PostgreSQL\n",
		 name, dir, name);
	return run(cmd);
}

static int test_deb_file_licenses_extensions_and_doc_links(void)
{
	char dir[] = "/tmp/pgb-test-sbom.XXXXXX", path[512];
	struct lock_pkg p = { 0 };
	struct pkgmeta m = PKGMETA_INIT, m2 = PKGMETA_INIT;
	struct pgb_err err = { { 0 } };

	CHECK(mkdtemp(dir));
	CHECK(make_deb(dir, "fx-main", NULL) == 0);
	CHECK(make_deb(dir, "fx-linked", "fx-main") == 0);
	p.name = "fx-main";
	p.stanza = "Package: fx-main\nVersion: 1.0\nDepends: libc6 (>= 2), fx-a | fx-b\n"
		   "Pre-Depends: dpkg\nProvides: fx-virtual (= 1.0)\n";
	snprintf(path, sizeof(path), "%s/fx-main.deb", dir);
	CHECKF(pkgmeta_deb.read(path, &p, &m, &err) == 0, "%s", err.msg);
	CHECK(m.licenses.n == 1 && !strcmp(m.licenses.v[0], "PostgreSQL"));
	CHECK(m.extensions.n == 1 && !strcmp(m.extensions.v[0], "fx-main_ext"));
	CHECK(m.depends.n == 3 && !strcmp(m.depends.v[0], "dpkg") &&
	      !strcmp(m.depends.v[2], "fx-a|fx-b"));
	CHECK(m.provides.n == 1 && !strcmp(m.provides.v[0], "fx-virtual"));
	CHECK(!m.license_from);
	p.name = "fx-linked";
	p.stanza = "Package: fx-linked\n";
	snprintf(path, sizeof(path), "%s/fx-linked.deb", dir);
	CHECKF(pkgmeta_deb.read(path, &p, &m2, &err) == 0, "%s", err.msg);
	CHECKF(m2.license_from && !strcmp(m2.license_from, "fx-main"), "%s",
	       m2.license_from ? m2.license_from : "(none)");
	CHECK(m2.licenses.n == 0);
	pkgmeta_free(&m2);
	/* Not a .deb: an error naming the file. */
	snprintf(path, sizeof(path), "%s/fx-main.deb", dir);
	CHECK(truncate(path, 100) == 0);
	CHECK(pkgmeta_deb.read(path, &p, &m2, &err) < 0 && strstr(err.msg, path));
	pkgmeta_free(&m);
	pkgmeta_free(&m2);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	return run(path);
}

static int test_rpm_file_license_requires_provides(void)
{
	char dir[] = "/tmp/pgb-test-sbom.XXXXXX", cmd[4096], path[512];
	struct lock_pkg p = { 0 };
	struct pkgmeta m = PKGMETA_INIT;
	struct pgb_err err = { { 0 } };

	CHECK(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p SPECS; cat >SPECS/fx.spec <<'EOF'\n"
		 "Name: fx-ext\nVersion: 1.2\nRelease: 3\nEpoch: 2\nSummary: t\n"
		 "License: PostgreSQL\nBuildArch: noarch\nRequires: bash\nProvides: fx-cap\n"
		 "%%description\nt\n%%install\nmkdir -p %%{buildroot}/usr/pgsql-16/share/extension "
		 "%%{buildroot}/usr/bin\necho x >%%{buildroot}/usr/pgsql-16/share/extension/fx.control\n"
		 "echo x >%%{buildroot}/usr/bin/fx\n"
		 "%%files\n/usr/pgsql-16/share/extension/fx.control\n/usr/bin/fx\nEOF\n"
		 "rpmbuild --quiet -bb --define \"_topdir $PWD\" --define \"_rpmdir $PWD\" "
		 "--define '_build_id_links none' --define '__os_install_post %%{nil}' "
		 "--define '_rpmfilename fx.rpm' SPECS/fx.spec >/dev/null 2>&1", dir);
	CHECK(run(cmd) == 0);
	snprintf(path, sizeof(path), "%s/fx.rpm", dir);
	p.name = "fx-ext";
	p.version = "2:1.2-3";
	CHECKF(pkgmeta_rpm.read(path, &p, &m, &err) == 0, "%s", err.msg);
	CHECK(m.licenses.n == 1 && !strcmp(m.licenses.v[0], "PostgreSQL"));
	CHECK(strlist_has(&m.depends, "bash"));
	CHECK(strlist_has(&m.provides, "fx-cap") && strlist_has(&m.provides, "/usr/bin/fx"));
	CHECK(m.extensions.n == 1 && !strcmp(m.extensions.v[0], "fx"));
	pkgmeta_free(&m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return run(cmd);
}

/* --- the document --- */

static void fill(struct lock_pkg *p, char *name, char *version, char *sha, int requested)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->version = version;
	p->arch = "amd64";
	p->size = 1000;
	p->sha256 = sha;
	p->upstream = requested ? "debian-security" : "debian";
	p->url = "http://deb.invalid/pool/x.deb";
	p->filename = "pool/main/x/x.deb";
	p->requested = requested;
}

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static int render(struct sbuf *out, char *sha_c)
{
	struct lock_pkg pk[3];
	struct lock l = { .name = "b", .version = "1", .target = "d12", .arch = "amd64",
			  .date = 1700000000, .pkgs = pk, .npkgs = 3 };
	struct pkgmeta m[3] = { PKGMETA_INIT, PKGMETA_INIT, PKGMETA_INIT };
	struct sbom_subject s = { "b", "1", "d12", "amd64", "deb", "debian", "12",
				  (int[]){ 15, 16 }, 2, 1700000000, "9.9" };
	struct pgb_err err = { { 0 } };
	int rc;

	fill(&pk[0], "app", "1.0", SHA_A, 1);
	fill(&pk[1], "libb", "2.0", SHA_B, 0);
	fill(&pk[2], "libc-impl", "1:3.0+x", sha_c, 0);
	/* app: "missing | libb" takes libb; "virt" is provided by libc-impl;
	 * "libc6" is the baseline's (no edge); itself is no edge. */
	strlist_add(&m[0].depends, "missing|libb");
	strlist_add(&m[0].depends, "virt");
	strlist_add(&m[0].depends, "libc6");
	strlist_add(&m[0].depends, "app");
	strlist_add(&m[0].licenses, "GPL-2+");
	strlist_add(&m[0].licenses, "Expat");
	strlist_add(&m[0].licenses, "expat");
	strlist_add(&m[0].licenses, "GPL-2+ or Artistic");
	strlist_add(&m[0].extensions, "appx");
	strlist_add(&m[2].provides, "virt");
	m[1].license_from = xstrdup("app");
	rc = sbom_render(&s, &l, m, out, &err);
	for (int i = 0; i < 3; i++)
		pkgmeta_free(&m[i]);
	if (rc < 0)
		fprintf(stderr, "# %s\n", err.msg);
	return rc;
}

static int test_document_fields_ids_and_edges(void)
{
	struct sbuf a = SBUF_INIT, b = SBUF_INIT, c = SBUF_INIT;
	struct pgb_err err = { { 0 } };
	const struct sbom_component *app, *libb;
	struct sbom s;
	const char *serial;

	CHECK(render(&a, SHA_C) == 0 && render(&b, SHA_C) == 0 && render(&c, SHA_A) == 0);
	CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));		/* reproducible */
	CHECK(strstr(a.buf, "\"specVersion\": \"1.5\""));
	CHECK(strstr(a.buf, "\"timestamp\": \"2023-11-14T22:13:20Z\""));
	serial = strstr(a.buf, "urn:uuid:");
	CHECK(serial && serial[9 + 14] == '5');				/* UUID version 5 */
	CHECK(strncmp(serial, strstr(c.buf, "urn:uuid:"), 45));	/* another set, another serial */
	CHECK(strstr(a.buf, "\"id\": \"GPL-2.0-or-later\"") && strstr(a.buf, "\"id\": \"MIT\""));
	CHECK(strstr(a.buf, "\"name\": \"GPL-2+ or Artistic\""));
	CHECK(strstr(a.buf, "pkg:deb/debian/libc-impl@1:3.0%2Bx?arch=amd64&distro=debian-12"));
	CHECK(strstr(a.buf, "\"value\": \"15,16\""));
	CHECKF(sbom_parse(a.buf, a.len, "t", &s, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(s.name, "b") && !strcmp(s.target, "d12") && !strcmp(s.family, "deb"));
	CHECK(s.date == 1700000000 && s.n == 3);
	app = sbom_find(&s, "app");
	libb = sbom_find(&s, "libb");
	CHECK(app && libb && app->requested && !libb->requested);
	CHECK(!strcmp(app->upstream, "debian-security") && !strcmp(app->sha256, SHA_A));
	CHECK(app->licenses.n == 3);			/* GPL-2+, Expat/expat once, the "or" */
	CHECK(app->extensions.n == 1 && !strcmp(app->extensions.v[0], "appx"));
	CHECK(app->ndeps == 2);
	CHECK(!strcmp(s.c[app->deps[0]].name, "libb") || !strcmp(s.c[app->deps[1]].name, "libb"));
	CHECK(!strcmp(s.c[app->deps[0]].name, "libc-impl") ||
	      !strcmp(s.c[app->deps[1]].name, "libc-impl"));
	CHECK(libb->ndeps == 0 && strstr(a.buf, "\"pgbundle:license-from\""));
	sbom_free(&s);
	sbuf_free(&a);
	sbuf_free(&b);
	sbuf_free(&c);
	return 0;
}

/* Found by tests/fuzz/fuzz_pkgmeta.c: an index stanza (or a copyright file)
 * with bytes that are not UTF-8 gave names the pkgmeta cache (JSON) silently
 * dropped, so a cached read said less than the package; and the SBOM writer
 * dropped a component or a license it could not encode.  pkgmeta leaves such
 * strings out from the start, and sbom_render() fails naming the package. */
static int test_text_json_cannot_hold(void)
{
	char dir[] = "/tmp/pgb-test-sbom.XXXXXX", path[512];
	struct lock_pkg p = { 0 }, pk[1];
	struct lock l = { .name = "b", .version = "1", .target = "d12", .arch = "amd64",
			  .pkgs = pk, .npkgs = 1 };
	struct sbom_subject s = { "b", "1", "d12", "amd64", "deb", "debian", "12",
				  (int[]){ 15 }, 1, 1700000000, "9.9" };
	struct pkgmeta m = PKGMETA_INIT, c = PKGMETA_INIT;
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;

	CHECK(mkdtemp(dir));
	CHECK(make_deb(dir, "fx-main", NULL) == 0);
	p.name = "fx-main";
	p.sha256 = SHA_A;
	p.stanza = "Package: fx-main\nDepends: libc6, caf\xe9 (>= 1), dpkg\n";
	snprintf(path, sizeof(path), "%s/fx-main.deb", dir);
	for (int pass = 0; pass < 2; pass++) {	/* read and cached, then from the cache */
		struct pkgmeta *x = pass ? &c : &m;

		CHECKF(pkgmeta_read_cached(&pkgmeta_deb, dir, path, &p, x, &err) == 0, "%s",
		       err.msg);
		CHECKF(x->depends.n == 2 && strlist_has(&x->depends, "dpkg") &&
		       strlist_has(&x->depends, "libc6"), "pass %d: %zu", pass, x->depends.n);
	}
	pkgmeta_free(&c);
	strlist_add(&m.licenses, "GPL-2+ (c) M\xfcller");
	fill(&pk[0], "fx-main", "1.0", SHA_A, 1);
	CHECK(sbom_render(&s, &l, &m, &out, &err) == -1);
	CHECKF(strstr(err.msg, "fx-main") && strstr(err.msg, "UTF-8"), "%s", err.msg);
	pkgmeta_free(&m);
	fill(&pk[0], "fx-\xe9", "1.0", SHA_A, 1);
	CHECK(sbom_render(&s, &l, &m, &out, &err) == -1 && !out.len);
	/* fuzz_pkgmeta: a name longer than the message pushed the reason out */
	{
		char *longname = xmalloc(4001);

		memset(longname, 'a', 4000);
		longname[4000] = '\0';
		longname[10] = (char)0xee;
		fill(&pk[0], longname, "1.0", SHA_A, 1);
		CHECK(sbom_render(&s, &l, &m, &out, &err) == -1 && !out.len);
		CHECKF(strstr(err.msg, "UTF-8") && strstr(err.msg, "aaa...:"), "%s", err.msg);
		free(longname);
	}
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	return run(path);
}

static int test_parse_refuses_what_is_not_a_bom(void)
{
	static const char bad1[] = "{\"bomFormat\": \"SPDX\"}";
	static const char bad2[] = "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"x\"}]}";
	static const char bad3[] = "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"bom-ref\":\"r\","
				   "\"name\":\"x\",\"version\":\"1\"}],\"dependencies\":[{\"ref\":"
				   "\"r\",\"dependsOn\":[\"nowhere\"]}]}";
	struct pgb_err err = { { 0 } };
	struct sbom s;

	CHECK(sbom_parse("{", 1, "t.json", &s, &err) < 0 && strstr(err.msg, "t.json"));
	CHECK(sbom_parse(bad1, strlen(bad1), "t", &s, &err) < 0 && strstr(err.msg, "CycloneDX"));
	CHECK(sbom_parse(bad2, strlen(bad2), "t", &s, &err) < 0 && strstr(err.msg, "bom-ref"));
	CHECK(sbom_parse(bad3, strlen(bad3), "t", &s, &err) < 0 && strstr(err.msg, "nowhere"));
	return 0;
}

int main(void)
{
	struct t_sum sum = { 0, 0 };

	T_RUN(&sum, test_dep5_licenses_of_files_paragraphs);
	T_RUN(&sum, test_free_form_copyright_declares_nothing);
	T_RUN(&sum, test_deb_relations_keep_names_and_alternatives);
	T_RUN(&sum, test_extension_control_files);
	T_RUN(&sum, test_extension_names_postgresql_accepts);
	T_RUN(&sum, test_purl_encoding);
	T_RUN(&sum, test_deb_file_licenses_extensions_and_doc_links);
	T_RUN(&sum, test_rpm_file_license_requires_provides);
	T_RUN(&sum, test_document_fields_ids_and_edges);
	T_RUN(&sum, test_parse_refuses_what_is_not_a_bom);
	T_RUN(&sum, test_text_json_cannot_hold);
	return t_done(&sum);
}
