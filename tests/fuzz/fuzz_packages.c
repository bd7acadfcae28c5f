/*
 * fuzz_packages.c - an upstream's Packages index as the builder reads it:
 * decompressed by repo/aptidx.c (xz, gzip, bzip2, zstd or plain), loaded
 * into libsolv and annotated by builder/resolve.c (its own stanza reading
 * must pair up with libsolv's), solved for the first packages it names on
 * an empty system, and joined with discovered extensions by extdisc.c.
 * fuzz-options: -max_len=32768
 *
 * Properties: a resolution that succeeds lists packages sorted by name,
 * each with a name, version and architecture, a lowercase SHA-256 and a
 * Filename from the index; the join gives each entry a version of the
 * index or none.
 */
#include <string.h>

#include "aptidx.h"
#include "deb822.h"
#include "extdisc.h"
#include "fuzz.h"
#include "hash.h"
#include "resolve.h"

/* Made once in LLVMFuzzerInitialize, read-only afterwards. */
static char *status;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	status = fuzz_write("status", "", 0);
	return 0;
}

static int compressed(const uint8_t *d, size_t n)
{
	static const struct {
		const char *magic;
		size_t n;
	} m[] = { { "\xfd" "7zXZ", 5 }, { "\x1f\x8b", 2 }, { "BZh", 3 }, { "\x28\xb5\x2f\xfd", 4 } };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (n >= m[i].n && !memcmp(d, m[i].magic, m[i].n))
			return 1;
	return 0;
}

/* Up to max package names of the text, as requests. */
static size_t requests(const struct sbuf *text, char **req, size_t max)
{
	struct deb822_iter it;
	struct deb822_para p;
	struct pgb_err err;
	size_t n = 0;

	deb822_iter_init(&it, text->buf, text->len, "Packages");
	while (n < max && deb822_next(&it, &p, &err) == 1) {
		const char *v;
		size_t vl;

		if (deb822_get_span(&p, "Package", &v, &vl) == 0 && vl && !memchr(v, '\0', vl))
			req[n++] = xstrndup(v, vl);
	}
	return n;
}

static void check_result(const struct resolve_result *res)
{
	for (size_t i = 0; i < res->npkgs; i++) {
		const struct resolve_pkg *p = &res->pkgs[i];

		FUZZ_ASSERT(p->name[0] && p->version && p->arch && p->repo == 0);
		FUZZ_ASSERT(hash_sha256_hex_ok(p->sha256));
		FUZZ_ASSERT(p->filename);
		if (i)
			FUZZ_ASSERT(strcmp(res->pkgs[i - 1].name, p->name) <= 0);
	}
	for (size_t i = 0; i < res->nmissing; i++)
		FUZZ_ASSERT(res->missing[i].request && res->missing[i].reason);
}

static void join(const char *path)
{
	struct extdisc d = { 0 };
	struct pgb_err err;
	static const char contents[] =
		"usr/share/postgresql/15/extension/vector.control  database/postgresql-15-pgvector\n"
		"usr/share/postgresql/15/extension/cron.control  database/postgresql-15-cron\n";

	FUZZ_ASSERT(extdisc_parse_contents(&d, contents, sizeof(contents) - 1, "C", &err) == 0);
	if (extdisc_join_packages(&d, path, &err) == 0)
		for (size_t i = 0; i < d.n; i++)
			FUZZ_ASSERT(!d.v[i].version || !strchr(d.v[i].version, '\n'));
	extdisc_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbuf text = SBUF_INIT;
	struct resolve_repo repo = { .name = "fuzz" };
	struct resolve_opts o = { "amd64", 0 };
	struct resolve_result res = { 0 };
	struct pgb_err err;
	char *req[3], *path;
	size_t nreq;

	if (compressed(data, size)) {
		char *raw = fuzz_write("Packages.xz", data, size);
		int rc = aptidx_decompress(raw, &text, &err);

		free(raw);
		if (rc < 0) {
			FUZZ_ASSERT(err.msg[0] && !text.len);
			return 0;
		}
	} else {
		sbuf_add(&text, data, size);
	}
	path = fuzz_write("Packages", text.buf, text.len);
	repo.packages_path = path;
	nreq = requests(&text, req, 3);
	o.recommends = size & 1;
	if (resolve_run(&repo, 1, status, (const char *const *)req, nreq, &o, &res, &err) == 0) {
		check_result(&res);
		resolve_result_free(&res);
	} else {
		fuzz_debug("%s", err.msg);
		FUZZ_ASSERT(err.msg[0]);
	}
	join(path);
	for (size_t i = 0; i < nreq; i++)
		free(req[i]);
	free(path);
	sbuf_free(&text);
	return 0;
}
