/*
 * rpmmdmut.h - repomd.xml records kept matching the files they describe
 * (rpmmdmut.c), for the harnesses that read an rpm-md repository behind a
 * signed repomd.xml: extension discovery of an EL upstream (fuzz_rpmmd.c)
 * and a bundle's rpm-md index as `verify` reads it (fuzz_bundle_rpmmd.c).
 *
 * A mutated primary or filelists would fail the signed checksum at once and
 * never reach its parser; these write the new SHA-256, sizes and location
 * into the record, so it does.
 */
#ifndef PGB_RPMMDMUT_H
#define PGB_RPMMDMUT_H

#include "fuzz.h"

/*
 * An input of a harness is the repository's files as FUZZ_SEP parts: part 0
 * repomd.xml, part i (0 < i < n) the file of the record types[i], at
 * hrefs[i] (hrefs[0] is repomd.xml's own path).
 */
struct rpmmdmut_layout {
	size_t n;
	const char *const *types;
	const char *const *hrefs;
};

/* Every record of the repomd.xml text in md (parts[0], copied) made to
 * describe its part: checksum and open-checksum (sha256), size and
 * open-size, location (md grows or shrinks).  A record that is not there,
 * or a field it lacks, is left as it is. */
void rpmmdmut_fix_repomd(struct sbuf *md, const struct fuzz_part *parts,
			 const struct rpmmdmut_layout *l);

/* PGB_FUZZ_MKSEED: read path (the parts as createrepo_c wrote them, the
 * files decompressed), write path.seed with the records fixed, and exit. */
void rpmmdmut_make_seed(const char *path, const struct rpmmdmut_layout *l);

/* The custom mutator: one part changed by LLVMFuzzerMutate, then, mostly,
 * the records fixed (a changed repomd.xml half the time keeps its own
 * record values, so the checksum checks are fuzzed too); an input that is
 * not l->n parts, or one time in 16, mutated as bytes. */
size_t rpmmdmut_mutate(uint8_t *data, size_t size, size_t max, unsigned seed,
		       const struct rpmmdmut_layout *l);

#endif
