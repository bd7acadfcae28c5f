/*
 * tarmut.h - structure-aware mutation of ustar/pax archives (tarmut.c), for
 * the harnesses of payload extraction (fuzz_tar.c) and of the data member
 * of .deb packages (fuzz_pkgmeta.c).
 *
 * The archive is walked header by header (512-byte blocks, octal sizes);
 * one entry is chosen and one thing about it changed: its name or link name
 * (a word of the harness's vocabulary, "top" standing for the archive's own
 * top directory or a directory the harness names, or the bytes mutated), type, mode, size (a little off, or
 * huge), owner, time; or a pax header with path= or linkpath= is put before
 * it; or it is copied after the next entry; or a regular file's content is
 * mutated, with its size and padding made right.  The header checksum is
 * written again, so the change reaches past libarchive's checksum test.
 */
#ifndef PGB_TARMUT_H
#define PGB_TARMUT_H

#include "fuzz.h"

/* Mutate the archive in tar (its length may change).  names, links:
 * NULL-terminated vocabularies for entry names and link targets, where a
 * word starting with "top" has top put in its place (NULL: the first
 * entry's top directory).  A buffer holding no header is left as it is. */
void tarmut_mutate(struct sbuf *tar, struct fuzz_rng *r, const char *const *names,
		   const char *const *links, const char *top);

/* Offsets of up to max headers of tar[0..n); returns how many. */
size_t tarmut_headers(const uint8_t *tar, size_t n, size_t *at, size_t max);

/* Replace the content of the entry whose header is at offset off by
 * data[0..len): size field, padding and checksum made right. */
void tarmut_set_content(struct sbuf *tar, size_t off, const void *data, size_t len);

#endif
