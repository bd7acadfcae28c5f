/*
 * yamlmut.h - structure-aware mutation of YAML documents for the harnesses
 * of manifests, installer configs and recipes (yamlmut.c, on libyaml).
 *
 * The input is loaded as a libyaml document; one node is chosen and changed,
 * and the document is written out again with libyaml's emitter, so the
 * result is valid YAML (or, one time in eight, the bytes are mutated
 * instead, for the syntax errors).  Changes: a scalar takes a word of the
 * harness's vocabulary (its schema's keys and values), an "interesting"
 * value (numbers at the limits, null spellings, paths that climb, long and
 * odd strings) or its bytes are mutated; a mapping gains a pair (a
 * vocabulary key, possibly one it already has), loses one or duplicates
 * one; a sequence gains, loses or duplicates an item; any node is replaced
 * by a scalar, an empty sequence or mapping, or by a reference to another
 * node (an alias in the text).
 */
#ifndef PGB_YAMLMUT_H
#define PGB_YAMLMUT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Mutate data[0..size) (at most max bytes); returns the new size, or 0 when
 * the input is not one loadable YAML document or nothing fitting came out
 * (the caller then uses LLVMFuzzerMutate).  words: NULL-terminated
 * vocabulary of keys and values.
 */
size_t yamlmut_mutate(uint8_t *data, size_t size, size_t max, unsigned seed,
		      const char *const *words);

#endif
