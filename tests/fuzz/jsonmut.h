/*
 * jsonmut.h - structure-aware mutation of JSON documents for the harnesses
 * of bundle.json, lock files and SBOMs (jsonmut.c, on jansson).
 *
 * The input is loaded with jansson; one value anywhere in it is chosen and
 * replaced (by a value of another type, an "interesting" integer, a word of
 * the harness's vocabulary, or its own string with its bytes mutated),
 * dropped, or given a sibling (a vocabulary key in an object, an item in an
 * array), and the document is written out again with its key order kept, so
 * the result is valid JSON (or, one time in eight, the bytes are mutated
 * instead, for the syntax errors).
 */
#ifndef PGB_JSONMUT_H
#define PGB_JSONMUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Mutate data[0..size) (at most max bytes); returns the new size, or 0 when
 * the input is not JSON or nothing fitting came out (the caller then uses
 * LLVMFuzzerMutate).  words: NULL-terminated vocabulary of keys and values.
 */
size_t jsonmut_mutate(uint8_t *data, size_t size, size_t max, unsigned seed,
		      const char *const *words);

#endif
