/*
 * fuzz_modmd.c - EL module metadata (builder/modmd.c over libmodulemd): an
 * upstream's modules.yaml read, the active streams decided as dnf decides
 * them, and the modules.yaml a bundle carries written from them.
 * fuzz-options: -max_len=16384
 *
 * Input: up to MAXDOCS YAML documents (modulemd, modulemd-defaults, ...)
 * separated by FUZZ_SEP, each written without its "---" line; the harness
 * joins them into one modules.yaml.  Structure-aware: yamlmut.c changes
 * one document with the modulemd vocabulary.
 *
 * Properties: loading and resolving (for el8 when the text names el8, else
 * el9: the fixtures' platforms) fail with a message or
 * succeed; then every active artifact name leads to an active stream that
 * says why it is active; the bundle's modules.yaml written for all the
 * active artifacts loads again (dnf on the host reads it) and, when it
 * resolves, knows every one of those artifacts.
 */
#include <string.h>

#include "fuzz.h"
#include "modmd.h"
#include "yamlmut.h"

#define MAXDOCS 8

static const char *const words[] = {
	"document", "modulemd", "modulemd-defaults", "modulemd-obsoletes", "version", "data",
	"name", "stream", "context", "arch", "summary", "description", "license", "module",
	"dependencies", "buildrequires", "requires", "platform", "profiles", "rpms",
	"components", "artifacts", "rationale", "rpm-map", "demodularized", "static_context",
	"el8", "el9", "el10", "-el9", "[]", "postgresql", "perl", "perl-libs", "15", "16",
	"1", "2", "3", "0", "18446744073709551615", "x86_64", "noarch", "src", "common",
	"postgresql-0:15.6-1.module+el9.4.0+21345+5b4e6c2d.x86_64",
	"perl-libs-4:5.26.3-422.el8.x86_64", "a-0:1-1.x86_64", "nevra", "intents", NULL
};

/* The documents as one modules.yaml. */
static char *join_docs(const uint8_t *data, size_t size)
{
	struct fuzz_part part[MAXDOCS];
	size_t n = fuzz_split(data, size, part, MAXDOCS);
	struct sbuf t = SBUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if (part[i].n < 3 || memcmp(part[i].p, "---", 3))
			sbuf_adds(&t, "---\n");
		sbuf_add(&t, part[i].p, part[i].n);
		sbuf_adds(&t, "\n...\n");
	}
	sbuf_addc(&t, '\0');
	return t.buf;
}

/* The bundle's modules.yaml for nevras loads again and knows them. */
static void check_bundle_yaml(const struct modmd *m, const struct strlist *nevras,
			      const char *platform)
{
	struct modmd *again;
	struct pgb_err err;
	char *out = NULL;

	if (modmd_bundle_yaml(m, nevras, &out, &err) < 0) {
		FUZZ_ASSERT(err.msg[0]);
		return;
	}
	if (!out)
		return;
	again = modmd_new();
	if (modmd_add_text(again, out, "bundle", &err) < 0) {
		fprintf(stderr, "the bundle's modules.yaml does not load: %s\n%s\n", err.msg, out);
		abort();
	}
	if (modmd_resolve(again, platform, NULL, NULL, &err) == 0)
		for (size_t i = 0; i < nevras->n; i++)
			FUZZ_ASSERT(modmd_artifact(again, nevras->v[i]));
	else
		fuzz_debug("bundle yaml resolve: %s", err.msg);
	modmd_free(again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = join_docs(data, size);
	struct modmd *m = modmd_new();
	struct strlist nevras = STRLIST_INIT;
	struct pgb_err err;
	const char *platform = strstr(text, "el8") ? "el8" : "el9";

	if (modmd_add_text(m, text, "fz", &err) < 0 ||
	    modmd_resolve(m, platform, NULL, NULL, &err) < 0) {
		fuzz_debug("%s", err.msg);
		FUZZ_ASSERT(err.msg[0]);
	} else {
		const struct strlist *names = modmd_active_names(m);

		for (size_t i = 0; i < names->n; i++) {
			const struct modmd_stream *st = modmd_active_name(m, names->v[i]);

			FUZZ_ASSERT(st && st->active && st->why && st->name && st->stream);
			FUZZ_ASSERT(modmd_state(m, st->name));
			for (size_t k = 0; k < st->artifacts.n; k++)
				if (!strlist_has(&nevras, st->artifacts.v[k]))
					strlist_add(&nevras, st->artifacts.v[k]);
		}
		fuzz_debug("%zu streams, %zu active names", modmd_count(m), names->n);
		check_bundle_yaml(m, &nevras, platform);
	}
	strlist_free(&nevras);
	modmd_free(m);
	free(text);
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct fuzz_part part[MAXDOCS];
	struct sbuf doc = SBUF_INIT, out = SBUF_INIT;
	size_t np = fuzz_split(data, size, part, MAXDOCS), n;
	unsigned which = seed % (unsigned)np;

	sbuf_add(&doc, part[which].p, part[which].n);
	sbuf_grow(&doc, 4096);
	n = yamlmut_mutate((uint8_t *)doc.buf, doc.len, doc.len + 4096, seed / MAXDOCS, words);
	if (!n)
		n = LLVMFuzzerMutate((uint8_t *)doc.buf, doc.len, doc.len + 4096);
	doc.len = n;
	part[which] = (struct fuzz_part){ (const uint8_t *)doc.buf, doc.len };
	fuzz_join(&out, part, np);
	n = fuzz_emit(data, max, &out);
	sbuf_free(&doc);
	sbuf_free(&out);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
