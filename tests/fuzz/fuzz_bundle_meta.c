/*
 * fuzz_bundle_meta.c - the bundle's metadata (installer/bundle_meta.c on
 * jansson): bundle.json as the installer reads it from the .run, then what
 * it feeds: the bundled config's "all" expanded with its extension_info and
 * the preloads and settings it asks for, rendered into postgresql.conf.
 * fuzz-options: -max_len=16384
 *
 * Structure-aware: jsonmut.c changes one value of the document (another
 * type, a word of the metadata vocabulary, bytes of a string), drops it,
 * copies it or adds a key beside it.
 *
 * Properties: a failure leaves the struct empty and says why; metadata that
 * loads holds path-safe words, an uppercase 40-digit fingerprint, a config
 * path inside the bundle, each major's packages under a major of the
 * bundle, extension entries that inst_bundle_ext() finds by name; what a
 * cluster of any major installs (pkg_select) was requested; and whatever it
 * makes the installer write to postgresql.conf reads back as PostgreSQL
 * reads it.
 */
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "inst.h"
#include "jsonmut.h"

/* Loaded once in LLVMFuzzerInitialize, read-only afterwards. */
static char *config;
static size_t config_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	config = fuzz_read_src("../../manifests/config/all-extensions.yml", &config_len);
	return 0;
}

static int word(const char *s)
{
	return s && *s != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+~-") ==
	       strlen(s);
}

static void check_bundle(const struct inst_bundle *b)
{
	FUZZ_ASSERT(word(b->name) && *b->name && word(b->version) && word(b->target) &&
		    word(b->family) && word(b->arch) && (!b->codename || word(b->codename)));
	FUZZ_ASSERT(strlen(b->key_fpr) == 40 &&
		    strspn(b->key_fpr, "0123456789ABCDEF") == 40);
	FUZZ_ASSERT(!b->config || (b->config[0] && b->config[0] != '/' &&
				   !strstr(b->config, "..")));
	FUZZ_ASSERT(b->npostgres > 0);
	for (size_t i = 0; i < b->major_packages.n; i++) {	/* "15:postgresql-15" */
		const char *e = b->major_packages.v[i];
		size_t d = strspn(e, "0123456789");
		int known = 0;

		FUZZ_ASSERT(d > 0 && e[d] == ':' && e[d + 1]);
		for (size_t j = 0; j < b->npostgres; j++)
			known |= atoi(e) == b->postgres[j];
		FUZZ_ASSERT(known);
	}
	for (size_t i = 0; i < b->n_ext; i++) {
		const struct inst_ext_info *e = inst_bundle_ext(b, b->ext[i].name);

		FUZZ_ASSERT(e && !strcmp(e->name, b->ext[i].name));
		FUZZ_ASSERT(!e->exception_pg || e->exception);
	}
}

/* What a cluster of each major (and of all) installs, with the bundle's
 * modules and with all (NULL): requested packages only. */
static void check_select(const struct inst_bundle *b)
{
	for (size_t k = 0; k <= 2 * b->npostgres + 1; k++) {
		int major = k / 2 < b->npostgres ? b->postgres[k / 2] : 0;
		struct strlist out = STRLIST_INIT;
		struct pgb_err err;

		if (pkg_select(b, k % 2 ? NULL : &b->modules, major, &out, &err) == 0) {
			for (size_t i = 0; i < out.n; i++)
				FUZZ_ASSERT(strlist_has(&b->requested, out.v[i]));
		} else {
			FUZZ_ASSERT(err.msg[0]);
		}
		strlist_free(&out);
	}
}

/* The installer's next steps with this metadata and the all-extensions config. */
static void use_bundle(const struct inst_bundle *b)
{
	struct inst_config c;
	struct inst_pgconf pc = { 0 };
	struct sbuf out = SBUF_INIT;
	struct pgb_err err;

	if (inst_config_load_mem(&c, "config/all-extensions.yml", config, config_len, b,
				 &err) == 0 &&
	    inst_pgext_expand(&c, b, &err) == 0) {
		inst_pgext_preload(&c, b);
		inst_pg_settings(&c, 1ull << 30, &pc);
		inst_pgconf_render_pg(&pc, NULL, &out);
		fuzz_check_pgconf(&out);
	}
	inst_config_free(&c);
	inst_pgconf_free(&pc);
	sbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inst_bundle b;
	struct pgb_err err;

	static const struct inst_bundle zero;

	memset(&b, 0, sizeof(b));
	if (inst_bundle_parse(&b, (const char *)data, size, "bundle.json", &err) < 0) {
		FUZZ_ASSERT(err.msg[0]);
		FUZZ_ASSERT(!memcmp(&b, &zero, sizeof(b)));
		inst_bundle_free(&b);
		return 0;
	}
	check_bundle(&b);
	check_select(&b);
	use_bundle(&b);
	inst_bundle_free(&b);
	return 0;
}

/* ---- the JSON mutator (jsonmut.c) with the metadata's vocabulary ---- */

static const char *const vocab[] = {
	"name", "version", "target", "family", "codename", "arch", "postgres", "requested",
	"extensions", "modules", "module_packages", "packages_extra", "key", "config", "size",
	"packages", "date", "format", "extension_info", "extension_names", "catalog", "preload",
	"preload_after", "settings", "conflicts", "exception", "exception_pg",
	"deb", "rpm", "bookworm", "d12", "amd64", "pg_cron", "postgis", "timescaledb",
	"pg_stat_statements", "cron.database_name=postgres", "work_mem=64MB", "x=a\\",
	"shared_preload_libraries=evil", "=x", "a b=c", "config/singleton.yml", "../x", "/etc",
	"", ".", "..", "-o", "--allow-unauthenticated", "pgsql:postgresql-15",
	"E4E301A8F60F957CDEDCF8691243C24AB9B38EC4", "e4e301a8f60f957cdedcf8691243c24ab9b38ec4",
	"postgres_packages", "postgres_upstreams", "15", "16", "015", "4294967311", "debian",
	"pgdg-apt", "postgresql-16", NULL
};

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	size_t n = jsonmut_mutate(data, size, max, seed, vocab);

	return n ? n : LLVMFuzzerMutate(data, size, max);
}
