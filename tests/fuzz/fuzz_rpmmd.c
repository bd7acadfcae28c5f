/*
 * fuzz_rpmmd.c - an rpm-md repository read end to end as extension
 * discovery reads an EL upstream (builder/extdisc.c's extdisc_discover ->
 * upstream.c -> family_rpm.c -> fetch.c, libcreaterepo_c): repodata/
 * repomd.xml and its detached signature, the primary and filelists records
 * checked against the signed checksums and sizes, primary fetched and
 * unpacked, filelists parsed for NAME.control files.
 * fuzz-options: -max_len=65536
 *
 * Input: REPOMD FUZZ_SEP PRIMARY FUZZ_SEP FILELISTS.  The harness lays them
 * out as a repository under its private directory - repodata/repomd.xml
 * signed (repomd.xml.asc) by its key K1, which the recipes it wrote name
 * as the upstream's keyring, and repodata/primary.xml and filelists.xml,
 * plain - and discovers from file:// with an empty download cache each time.
 * So the signature always holds, and everything after it is what a mirror
 * signed by the real key could serve.  The custom mutator changes one of
 * the three files; when it changes primary or filelists it writes their new
 * SHA-256 and sizes into repomd.xml (so they pass the checksum checks), and
 * it sometimes changes repomd.xml's own fields (checksums, sizes, hrefs,
 * types) without doing so.
 *
 * Properties: discovery fails with a message or finds entries that name an
 * extension (no '/', no "--"), a major, a package and its version, all
 * from this upstream.
 *
 * PGB_FUZZ_MKSEED=FILE reads FILE (the three parts as createrepo_c wrote
 * them, primary and filelists decompressed) and writes FILE.seed with the
 * records pointing at the harness's paths and checksums.
 */
#include <curl/curl.h>
#include <string.h>

#include "extdisc.h"
#include "fetch.h"
#include "fuzz.h"
#include "pgpmut.h"
#include "recipes.h"
#include "rpmmdmut.h"

/* Made once in LLVMFuzzerInitialize, read-only afterwards. */
static struct recipes recipes;
static char *repodata, *cache;

/* Write TMP/recipes/NAME from text. */
static void recipe(const char *name, char *text)
{
	char *rel = xasprintf("recipes/%s", name);

	free(fuzz_write(rel, text, strlen(text)));
	free(rel);
	free(text);
}

/* One rpm upstream "fz" on file://TMP/repo checked against K1, one el9 target. */
static void setup(void)
{
	struct pgb_err err;
	struct sbuf cert = SBUF_INIT;
	char *key, *dir = fuzz_path("recipes"), *repo = fuzz_path("repo");

	pgpmut_cert(&cert);
	key = fuzz_write("k1.gpg", cert.buf, cert.len);
	repodata = fuzz_path("repo/repodata");
	cache = fuzz_path("cache");
	if (util_mkdir_p(dir, 0700, &err) < 0 || util_mkdir_p(repodata, 0700, &err) < 0)
		abort();
	recipe("repos.yml", xasprintf("fz:\n  family: rpm\n  url: file://%s\n  keyring: %s\n"
				      "  checked: true\n", repo, key));
	recipe("targets.yml", xstrdup("el9:\n  family: rpm\n  distro: el\n  release: \"9\"\n"
				      "  archs: [x86_64]\n  upstreams: [fz]\n  baseline: minimal\n"
				      "  components: [baseos]\n"));
	recipe("modules.yml", xstrdup("pgsql:\n  description: server\n  rpm:\n"
				      "    - postgresql{pg}-server\n"));
	if (recipes_load(&recipes, dir, &err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		abort();
	}
	free(key);
	free(dir);
	free(repo);
	sbuf_free(&cert);
}

/* repomd.xml, then the records fixed to point at the harness's files. */
static const char *const types[3] = { NULL, "primary", "filelists" };
static const char *const names[3] = {
	"repodata/repomd.xml", "repodata/primary.xml", "repodata/filelists.xml"
};
static const struct rpmmdmut_layout layout = { 3, types, names };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seed = getenv("PGB_FUZZ_MKSEED");

	if (seed)
		rpmmdmut_make_seed(seed, &layout);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* A zstd filelists is decompressed into a temporary file under TMPDIR. */
	setenv("TMPDIR", fuzz_tmpdir(), 1);
	setup();
	return 0;
}

static void lay_out(const struct fuzz_part parts[3])
{
	struct sbuf sig = SBUF_INIT, asc = SBUF_INIT;

	for (int i = 0; i < 3; i++) {
		char *rel = xasprintf("repo/%s", names[i]);

		free(fuzz_write(rel, parts[i].p, parts[i].n));
		free(rel);
	}
	pgpmut_sign_data(&sig, PGPMUT_K1, parts[0].p, parts[0].n, 0x00, PGPMUT_CREATED + 60);
	pgp_armor(sig.buf, sig.len, "SIGNATURE", &asc);
	free(fuzz_write("repo/repodata/repomd.xml.asc", asc.buf, asc.len));
	sbuf_free(&sig);
	sbuf_free(&asc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part parts[3];
	struct extdisc_opts o = { 0 };
	struct extdisc d;
	struct fetcher *f;
	struct fetch_opts fo;
	struct pgb_err err;
	static const int pg16[] = { 16 };

	fuzz_split(data, size, parts, 3);
	lay_out(parts);
	/* A fresh download cache: nothing is known from one input to the next. */
	fuzz_clear_dir(cache);
	fetch_opts_default(&fo);
	fo.retries = 0;
	fo.progress = 0;
	FUZZ_ASSERT(fetch_new(&f, cache, &fo, &err) == 0);
	o.fetch = f;
	o.cache_dir = cache;
	o.rc = &recipes;
	o.target = recipes_target(&recipes, "el9");
	o.arch = "x86_64";
	o.pg = pg16;
	o.npg = 1;
	if (extdisc_discover(&o, &d, &err) == 0) {
		fuzz_debug("discovered %zu entries", d.n);
		for (size_t i = 0; i < d.n; i++) {
			const struct extdisc_ext *e = &d.v[i];

			FUZZ_ASSERT(e->name[0] && !strchr(e->name, '/') && !strstr(e->name, "--"));
			FUZZ_ASSERT(e->package && e->package[0] && e->version);
			FUZZ_ASSERT(e->upstream && !strcmp(e->upstream, "fz"));
		}
	} else {
		fuzz_debug("%s", err.msg);
		FUZZ_ASSERT(err.msg[0]);
	}
	extdisc_free(&d);
	fetch_free(f);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	return rpmmdmut_mutate(data, size, max, seed, &layout);
}
