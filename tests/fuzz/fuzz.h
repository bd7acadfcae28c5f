/*
 * fuzz.h - what the libFuzzer harnesses of tests/fuzz/ share (common.c).
 *
 * A harness is tests/fuzz/fuzz_NAME.c: LLVMFuzzerTestOneInput() feeds one
 * input to a public parsing entry point of pgbundle and, where the API
 * states a property, checks it (a round trip, two readers that must agree)
 * with FUZZ_ASSERT, which aborts so libFuzzer keeps the input.  Some also
 * define LLVMFuzzerCustomMutator() to mutate the input's structure (OpenPGP
 * packets, YAML values, tar headers) instead of its bytes only.
 *
 * Rules every harness keeps:
 *   - nothing survives from one input to the next but read-only fixtures
 *     loaded once (a keyring, the recipes); everything allocated is freed,
 *     so LeakSanitizer reports a leak as a finding;
 *   - files are written only under fuzz_tmpdir(), a private directory made
 *     on first use and removed when the process exits; in memory where the
 *     API allows (memfd_create for APIs that take a descriptor);
 *   - where an API takes the time ("now" for expiry), it is FUZZ_NOW, not the
 *     clock, so a finding replays the same way.
 */
#ifndef PGB_FUZZ_H
#define PGB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

/* A fixed "now" for everything that checks expiry: 2026-12-10 00:00:00 UTC (after every seed was signed). */
#define FUZZ_NOW 1796860800

/* Abort with the condition when a stated property does not hold. */
#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* printf to stderr when PGB_FUZZ_DEBUG is set (replaying one input to see
 * how far it got); nothing otherwise. */
void fuzz_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libFuzzer's own byte mutator, for custom mutators to call on a part. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* The process's private scratch directory (mkdtemp under $TMPDIR, else
 * /dev/shm when writable, else /tmp), removed at exit. */
const char *fuzz_tmpdir(void);
/* TMP/name; malloc'd. */
char *fuzz_path(const char *name);
/* Write data to TMP/name (replacing it); returns the path, malloc'd. */
char *fuzz_write(const char *name, const void *data, size_t len);
/* An anonymous in-memory file holding data, offset 0; the caller closes it. */
int fuzz_memfd(const void *data, size_t len);
/* Remove everything below dir (dir itself stays). */
void fuzz_clear_dir(const char *dir);
/* The directory of the seed corpora and fixtures, tests/fuzz/ of the source
 * tree (found from the executable's location, or $PGB_FUZZ_SRC). */
const char *fuzz_srcdir(void);
/* Read tests/fuzz/REL (or a path starting with '/') whole; aborts when it cannot. */
char *fuzz_read_src(const char *rel, size_t *len);

/*
 * Inputs made of several parts (data and its signature, a file and the
 * config beside it) hold them separated by FUZZ_SEP, a line libFuzzer's
 * byte mutations rarely break but can.  fuzz_split() fills up to max parts
 * (views into data) and returns how many there are; fuzz_join() is its
 * inverse, for custom mutators.
 */
#define FUZZ_SEP "\n=====PGBFUZZ=====\n"
struct fuzz_part {
	const uint8_t *p;
	size_t n;
};
size_t fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *parts, size_t max);
void fuzz_join(struct sbuf *out, const struct fuzz_part *parts, size_t n);
/* Copy out into data[0..max) when it fits; returns its length, or 0 when not. */
size_t fuzz_emit(uint8_t *data, size_t max, const struct sbuf *out);

/* 1 when a and b hold the same strings in the same order. */
int fuzz_same_list(const struct strlist *a, const struct strlist *b);

/* A tiny deterministic generator for custom mutators (seeded by libFuzzer). */
struct fuzz_rng {
	uint64_t s;
};
static inline void fuzz_rng_init(struct fuzz_rng *r, unsigned seed)
{
	r->s = ((uint64_t)seed << 32 | 0x9e3779b9u) ^ 0x2545f4914f6cdd1dull;
}
uint32_t fuzz_rand(struct fuzz_rng *r);
/* 0..n-1 (n > 0). */
uint32_t fuzz_below(struct fuzz_rng *r, uint32_t n);
/* An "interesting" 32-bit value: 0, 1, limits, around FUZZ_NOW, random. */
uint32_t fuzz_interesting32(struct fuzz_rng *r);

/*
 * Files the installer renders, checked line by line as their readers read
 * them (FUZZ_ASSERT on the first line that is not):
 *   pgconf    postgresql.conf: "# ..." or  name = '...'  a quoted string as
 *             PostgreSQL's lexer reads it ('' and \x escapes) ending the line
 *   hba       pg_hba.conf: "# ..." or 4 (local) / 5 (host) fields, no control
 *             characters
 *   ini       pgbouncer.ini: "# ...", "[section]", "key = value" or empty
 *   userlist  PgBouncer's userlist.txt: two double-quoted fields ("" inside)
 */
void fuzz_check_pgconf(const struct sbuf *text);
void fuzz_check_hba(const struct sbuf *text);
void fuzz_check_ini(const struct sbuf *text);
void fuzz_check_userlist(const struct sbuf *text);

#endif
