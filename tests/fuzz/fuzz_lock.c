/*
 * fuzz_lock.c - the lock file (builder/lock.c on jansson, formats 1 and 2),
 * which `build --lock`, `plan --lock`, `diff` and `report --diff` read from
 * wherever the user points them (a lock mailed in, a CI artifact), and the
 * package set `diff` makes of it (builder/pkgdiff.c).
 * fuzz-options: -max_len=65536
 *
 * Properties:
 *   - a lock that does not read leaves the struct empty and names the file;
 *   - a lock that reads holds what lock.h promises: a lowercase SHA-256 and
 *     a size above 0 for every package, a Filename that is a relative path
 *     with no ".." segment and no scheme, upstreams sorted and unique,
 *     extension majors written as "N:package" with N of the key's digits;
 *   - written again (lock_write) it reads back equal, and writing that
 *     gives the same bytes (format 1 becomes format 2 once);
 *   - pkgset_load() agrees with lock_read() on it, sorts its packages by
 *     name, and its difference from a real lock (and from itself) is well
 *     formed: counts that add up, the old and new sides each kind has, a
 *     JSON form; a set compared with itself has no changes.
 *
 * Structure-aware: jsonmut.c with the lock's keys and values.
 */
#include <string.h>

#include "fuzz.h"
#include "hash.h"
#include "jsonmut.h"
#include "lock.h"
#include "pkgdiff.h"
#include "recipes.h"

/* Loaded once in LLVMFuzzerInitialize, read-only afterwards: the recipes
 * (security suites, families) and a real lock's package set to diff with. */
static struct recipes recipes;
static struct pkgset base;
static char *in_path, *out1_path, *out2_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *dir = util_path_join(fuzz_srcdir(), "../../recipes");
	char *seed = util_path_join(fuzz_srcdir(), "corpus/lock/d12-all");
	struct pgb_err err;

	if (recipes_load(&recipes, dir, &err) < 0 ||
	    pkgset_load(&base, seed, NULL, &recipes, &err) < 0) {
		fprintf(stderr, "fuzz_lock: %s\n", err.msg);
		abort();
	}
	free(dir);
	free(seed);
	in_path = fuzz_path("in.lock");
	out1_path = fuzz_path("out1.lock");
	out2_path = fuzz_path("out2.lock");
	return 0;
}

static int safe_filename(const char *fn)
{
	if (!*fn || fn[0] == '/' || strstr(fn, "://"))
		return 0;
	for (const char *seg = fn;;) {
		size_t n = strcspn(seg, "/");

		if (n == 2 && !strncmp(seg, "..", 2))
			return 0;
		if (!seg[n])
			return 1;
		seg += n + 1;
	}
}

static void check_lock(const struct lock *l)
{
	FUZZ_ASSERT(l->name && l->version && l->target && l->arch);
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		FUZZ_ASSERT(p->name && p->version && p->arch && p->upstream && p->stanza);
		FUZZ_ASSERT(hash_sha256_hex_ok(p->sha256) && p->size > 0);
		FUZZ_ASSERT(safe_filename(p->filename));
		FUZZ_ASSERT(!p->url);
	}
	for (size_t i = 1; i < l->nups; i++)
		FUZZ_ASSERT(strcmp(l->ups[i - 1].name, l->ups[i].name) < 0);
	for (size_t i = 0; i < l->ext_majors.n; i++) {
		const char *e = l->ext_majors.v[i];
		size_t d = strspn(e, "0123456789");

		FUZZ_ASSERT(d > 0 && e[0] != '0' && e[d] == ':');
	}
	FUZZ_ASSERT(l->has_ext || (!l->ext_items.n && !l->ext_names.n && !l->ext_majors.n));
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_equal(const struct lock *a, const struct lock *b)
{
	FUZZ_ASSERT(same(a->name, b->name) && same(a->version, b->version) &&
		    same(a->target, b->target) && same(a->arch, b->arch) && a->date == b->date);
	FUZZ_ASSERT(a->nups == b->nups && a->npkgs == b->npkgs && a->has_ext == b->has_ext);
	for (size_t i = 0; i < a->nups; i++)
		FUZZ_ASSERT(same(a->ups[i].name, b->ups[i].name) && a->ups[i].date == b->ups[i].date);
	FUZZ_ASSERT(fuzz_same_list(&a->ext_items, &b->ext_items) &&
		    fuzz_same_list(&a->ext_names, &b->ext_names));
	/* majors are grouped by major when written: the same entries, maybe reordered */
	FUZZ_ASSERT(a->ext_majors.n == b->ext_majors.n);
	for (size_t i = 0; i < a->ext_majors.n; i++)
		FUZZ_ASSERT(strlist_has(&b->ext_majors, a->ext_majors.v[i]));
	for (size_t i = 0; i < a->npkgs; i++) {
		const struct lock_pkg *p = &a->pkgs[i], *q = &b->pkgs[i];

		FUZZ_ASSERT(same(p->name, q->name) && same(p->version, q->version) &&
			    same(p->arch, q->arch) && p->size == q->size &&
			    same(p->sha256, q->sha256) && same(p->upstream, q->upstream) &&
			    same(p->filename, q->filename) && p->requested == q->requested &&
			    same(p->stanza, q->stanza) && same(p->why, q->why));
	}
}

/* Written and read again: equal; written again: the same bytes. */
static void round_trip(const struct lock *l)
{
	struct lock again;
	struct pgb_err err;
	char *t1, *t2;
	size_t n1, n2;

	FUZZ_ASSERT(lock_write(out1_path, l, &err) == 0);
	if (lock_read(out1_path, &again, &err) < 0) {
		fprintf(stderr, "written lock does not read back: %s\n", err.msg);
		FUZZ_ASSERT(!"lock_write() output reads back");
	}
	check_equal(l, &again);
	FUZZ_ASSERT(lock_write(out2_path, &again, &err) == 0);
	FUZZ_ASSERT(util_read_file(out1_path, &t1, &n1, &err) == 0 &&
		    util_read_file(out2_path, &t2, &n2, &err) == 0);
	FUZZ_ASSERT(n1 == n2 && !memcmp(t1, t2, n1));
	free(t1);
	free(t2);
	lock_free(&again);
}

static void check_diff(const struct pkgset *a, const struct pkgset *b, int unique)
{
	struct pkgdiff d;
	size_t sum = 0;
	json_t *j;
	char *text;

	pkgdiff_compute(a, b, &d);
	for (int k = 0; k < PKGDIFF_NKINDS; k++)
		sum += d.count[k];
	FUZZ_ASSERT(sum == d.n && d.security <= d.n);
	for (size_t i = 0; i < d.n; i++) {
		const struct pkgdiff_entry *e = &d.e[i];

		FUZZ_ASSERT(e->kind < PKGDIFF_NKINDS);
		FUZZ_ASSERT((e->old != NULL) == (e->kind != PKGDIFF_ADDED));
		FUZZ_ASSERT((e->new != NULL) == (e->kind != PKGDIFF_REMOVED));
		if (i)
			FUZZ_ASSERT(d.e[i - 1].kind <= e->kind);
	}
	if (a == b && unique)
		FUZZ_ASSERT(d.n == 0 && d.size_change == 0);
	j = pkgdiff_json(a, b, &d);
	FUZZ_ASSERT(j && (text = json_dumps(j, JSON_COMPACT)));
	free(text);
	json_decref(j);
	pkgdiff_free(&d);
}

static void check_set(const struct lock *l, const struct pkgset *s)
{
	int unique = 1;

	FUZZ_ASSERT(s->n == l->npkgs && !strcmp(s->kind, "lock"));
	for (size_t i = 1; i < s->n; i++) {
		int c = strcmp(s->pkgs[i - 1].name, s->pkgs[i].name);

		FUZZ_ASSERT(c <= 0);
		unique &= c != 0;
	}
	check_diff(&base, s, 1);
	check_diff(s, &base, 1);
	check_diff(s, s, unique);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct lock zero;
	struct lock l;
	struct pkgset s;
	struct pgb_err err;
	int rc;

	free(fuzz_write("in.lock", data, size));
	rc = lock_read(in_path, &l, &err);
	if (rc < 0) {
		fuzz_debug("lock_read: %s", err.msg);
		FUZZ_ASSERT(err.msg[0] && strstr(err.msg, in_path));
		FUZZ_ASSERT(!memcmp(&l, &zero, sizeof(l)));
	} else {
		check_lock(&l);
		round_trip(&l);
	}
	/* diff's reading of the same file (one that does not start with '{'
	 * is taken for a bundle, and fails as one) */
	if (size && memchr("{ \t\r\n", data[0], 5)) {
		int src = pkgset_load(&s, in_path, NULL, &recipes, &err);

		FUZZ_ASSERT((src == 0) == (rc == 0));
		if (src == 0)
			check_set(&l, &s);
		else
			FUZZ_ASSERT(err.msg[0] && strstr(err.msg, in_path));
		pkgset_free(&s);
	}
	lock_free(&l);
	return 0;
}

/* ---- the JSON mutator (jsonmut.c) with the lock's vocabulary ---- */

static const char *const vocab[] = {
	"format", "name", "version", "target", "arch", "date", "upstreams", "extensions",
	"items", "names", "majors", "packages", "size", "sha256", "upstream", "filename",
	"requested", "stanza", "why", "url", "debian", "debian-security", "debian-updates",
	"pgdg-apt", "d12", "d13", "el9", "u24", "amd64", "all", "x86_64", "15", "16", "015",
	"0", "-1", "4294967311", "pool/main/p/postgresql-15/postgresql-15_15.14-0+deb12u1_amd64.deb",
	"pool/../x", "./pool", "pool//x", "http://h/pool/x.deb", "file:///x",
	"b9f76b5271a7ac373fd5e7e1b5b826a71ddd702b42a0d104955ecb1acfffc94b",
	"B9F76B5271A7AC373FD5E7E1B5B826A71DDD702B42A0D104955ECB1ACFFFC94B",
	"Package: x\nVersion: 1\n", "1:2.3-4~deb12u1", "preferred over debian's 15.14",
	NULL
};

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	size_t n = jsonmut_mutate(data, size, max, seed, vocab);

	return n ? n : LLVMFuzzerMutate(data, size, max);
}
