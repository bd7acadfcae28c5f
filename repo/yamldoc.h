/*
 * yamldoc.h - YAML files as typed trees whose every error names FILE:LINE:COL.
 *
 * A thin layer over libyaml's document API, shared by the builder (manifests,
 * recipes) and the installer (its config).  yamldoc_load() parses one YAML
 * document into a node tree and rejects what libyaml lets through but a
 * config file must not have: duplicate keys in a mapping, keys that are not
 * plain scalars, empty or null keys, a second document.  Anchors and aliases work as libyaml
 * resolves them (an alias is the anchored node itself; "<<" merge keys are
 * not special).
 *
 * Typed access then reads as a list of keys:
 *
 *     static const char *const keys[] = { "name", "postgres", NULL };
 *     struct yamldoc *d;
 *     const struct yamldoc_node *root;
 *     char *name = NULL;
 *
 *     if (yamldoc_load(&d, path, err) < 0)
 *         return -1;
 *     if (yamldoc_root(d, "the manifest", &root, err) < 0 ||
 *         yamldoc_check_keys(d, root, keys, "the manifest", err) < 0 ||
 *         yamldoc_get_str(d, root, "name", YAMLDOC_REQUIRED, &name, err) < 0)
 *         goto fail;
 *     ...
 *     yamldoc_free(d);
 *
 * Messages look like "manifests/d12.yml:7:3: unknown key 'extensoins' in the
 * manifest (known keys: name, version, ...)".  LINE and COL are 1-based; a
 * value error points at the value, a key error at the key.  Callers that want
 * their own wording use yamldoc_fail() on the offending node.
 *
 * Node pointers stay valid until yamldoc_free(); strings returned by
 * yamldoc_scalar() belong to the document.  Values copied out (char **,
 * struct strlist) belong to the caller.
 *
 * Scalars: booleans are true/false/yes/no in any case; integers are strict
 * decimal ("-"? digits, no leading zeros, no "+", no 0x, no exponent) within
 * int range.  A plain empty value, "~" or "null" is null: the map getters
 * treat a null value as an absent key.
 */
#ifndef PGB_YAMLDOC_H
#define PGB_YAMLDOC_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "error.h"
#include "util.h"

struct yamldoc;			/* one loaded document; opaque */
struct yamldoc_node;		/* a node of it; opaque */

/* Flags of the map getters. */
#define YAMLDOC_OPTIONAL 0
#define YAMLDOC_REQUIRED 1

/*
 * Parse the file at path (named so in messages) into *out.  On error *out is
 * NULL and err holds "PATH:LINE:COL: YAML syntax error: ..." (or the read
 * error).  Free the result with yamldoc_free().
 */
int yamldoc_load(struct yamldoc **out, const char *path, struct pgb_err *err);

/* Same from memory; name stands for the file in messages (tests, stdin). */
int yamldoc_load_mem(struct yamldoc **out, const char *name, const char *text, size_t len,
		     struct pgb_err *err);

void yamldoc_free(struct yamldoc *d);	/* NULL is fine */

/* The file name given to the loader. */
const char *yamldoc_path(const struct yamldoc *d);

/*
 * The root node, which must be a mapping; `what` names the file's role in
 * the message ("the manifest") when it is empty or something else.
 */
int yamldoc_root(const struct yamldoc *d, const char *what, const struct yamldoc_node **root,
		 struct pgb_err *err);

/* --- nodes --- */
int yamldoc_is_map(const struct yamldoc_node *n);
int yamldoc_is_seq(const struct yamldoc_node *n);
int yamldoc_is_scalar(const struct yamldoc_node *n);
int yamldoc_is_null(const struct yamldoc_node *n);	/* plain "", "~", "null" */
/* The scalar's text (NUL-terminated, owned by the document) or NULL. */
const char *yamldoc_scalar(const struct yamldoc_node *n);
/* Items of a sequence, pairs of a mapping, 0 for a scalar. */
size_t yamldoc_len(const struct yamldoc_node *n);
/* i-th item of a sequence, key / value of the i-th pair of a mapping. */
const struct yamldoc_node *yamldoc_item(const struct yamldoc *d, const struct yamldoc_node *seq,
					size_t i);
const struct yamldoc_node *yamldoc_key(const struct yamldoc *d, const struct yamldoc_node *map,
				       size_t i);
const struct yamldoc_node *yamldoc_value(const struct yamldoc *d, const struct yamldoc_node *map,
					 size_t i);
/* The value under key in map, or NULL when absent (or map is not a mapping). */
const struct yamldoc_node *yamldoc_map_get(const struct yamldoc *d, const struct yamldoc_node *map,
					   const char *key);

/* --- positions and messages --- */
unsigned long yamldoc_line(const struct yamldoc_node *n);	/* 1-based */
unsigned long yamldoc_col(const struct yamldoc_node *n);	/* 1-based */
/* "FILE:LINE:COL" of the node, malloc'd (caller frees). */
char *yamldoc_node_where(const struct yamldoc *d, const struct yamldoc_node *n);
/* What the node is, for "got ..." in messages: "'fifteen'", "a list",
 * "a mapping", "nothing".  Written into buf (always terminated); returns buf. */
const char *yamldoc_got(const struct yamldoc_node *n, char *buf, size_t size);
/* Fill err with "FILE:LINE:COL: <message>" for node n; returns -1. */
int yamldoc_fail(const struct yamldoc *d, const struct yamldoc_node *n, struct pgb_err *err,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Fail on the first key of map that is not in known (NULL-terminated):
 * "FILE:L:C: unknown key 'x' in <what> (known keys: a, b, ...)".
 */
int yamldoc_check_keys(const struct yamldoc *d, const struct yamldoc_node *map,
		       const char *const *known, const char *what, struct pgb_err *err);

/*
 * Converters of one node; `key` names the value in messages ("'arch' must be
 * a string, got a list").  On error the output is untouched.
 *   _str:     a non-null scalar, copied into *out (an old *out is freed).
 *   _int:     strict decimal.
 *   _bool:    true/false/yes/no -> 1/0.
 *   _strlist: a sequence of non-empty, non-null scalars appended to out; when
 *             where is not NULL, the "FILE:LINE:COL" of each item is appended
 *             to it in step.
 */
int yamldoc_str(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		char **out, struct pgb_err *err);
int yamldoc_int(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		int *out, struct pgb_err *err);
int yamldoc_bool(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		 int *out, struct pgb_err *err);
int yamldoc_strlist(const struct yamldoc *d, const struct yamldoc_node *n, const char *key,
		    struct strlist *out, struct strlist *where, struct pgb_err *err);

/*
 * Map getters: look key up in map and convert its value as above.  Return 1
 * when the key is there, 0 when it is absent or null (then the output is
 * untouched, so a default set beforehand stays), -1 on error, including
 * "FILE:L:C: missing required key 'k'" (at the mapping) with YAMLDOC_REQUIRED.
 * _map and _seq hand out the node itself, after checking its kind.
 */
int yamldoc_get_str(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, char **out, struct pgb_err *err);
int yamldoc_get_int(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, int *out, struct pgb_err *err);
int yamldoc_get_bool(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		     int flags, int *out, struct pgb_err *err);
int yamldoc_get_strlist(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
			int flags, struct strlist *out, struct strlist *where, struct pgb_err *err);
int yamldoc_get_map(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, const struct yamldoc_node **out, struct pgb_err *err);
int yamldoc_get_seq(const struct yamldoc *d, const struct yamldoc_node *map, const char *key,
		    int flags, const struct yamldoc_node **out, struct pgb_err *err);

#ifdef __cplusplus
}
#endif

#endif
