/*
 * jsonmut.c - JSON documents mutated value by value; see jsonmut.h.
 */
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "jsonmut.h"

#define MAX_SLOTS 50000		/* a document bigger than this is left to byte mutation */

/* A place holding a value: a key of an object or an index of an array. */
struct slot {
	json_t *parent;
	const char *key;	/* in an object; NULL in an array */
	size_t index;
};

struct jmut {
	struct fuzz_rng r;
	const char *const *words;
	size_t nwords;
	struct slot *s;
	size_t n;
};

static void collect(struct jmut *m, json_t *v, int depth)
{
	const char *key;
	json_t *c;
	size_t i;

	if (depth > 32 || m->n >= MAX_SLOTS)
		return;
	if (json_is_object(v)) {
		json_object_foreach(v, key, c) {
			m->s = xrealloc(m->s, (m->n + 1) * sizeof(*m->s));
			m->s[m->n++] = (struct slot){ v, key, 0 };
			collect(m, c, depth + 1);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			m->s = xrealloc(m->s, (m->n + 1) * sizeof(*m->s));
			m->s[m->n++] = (struct slot){ v, NULL, i };
			collect(m, c, depth + 1);
		}
	}
}

static const char *word(struct jmut *m)
{
	static const char *const odd[] = {
		"", ".", "..", "../x", "/etc/passwd", "a/../../b", "-o", "a b", "a\nb", "a\"b",
		"a\\b", "<script>", "&amp;", "\xc3\xa9", "0", "-1", "true", "null", "http://h/x",
		"0000000000000000000000000000000000000000000000000000000000000000",
	};

	if (m->nwords && fuzz_below(&m->r, 3))
		return m->words[fuzz_below(&m->r, (uint32_t)m->nwords)];
	return odd[fuzz_below(&m->r, sizeof(odd) / sizeof(odd[0]))];
}

static json_t *new_value(struct jmut *m, json_t *old)
{
	switch (fuzz_below(&m->r, 8)) {
	case 0:
		return json_integer((json_int_t)(int32_t)fuzz_interesting32(&m->r));
	case 1:
		return fuzz_below(&m->r, 2) ? json_null() : json_integer(INT64_MAX);
	case 2:
		return fuzz_below(&m->r, 2) ? json_array() : json_object();
	case 3:
		return fuzz_below(&m->r, 2) ? json_true() : json_real(1.5);
	case 4:
		if (json_is_string(old)) {
			char buf[512];
			size_t n = json_string_length(old);

			if (n > 400)
				n = 400;
			memcpy(buf, json_string_value(old), n);
			n = LLVMFuzzerMutate((uint8_t *)buf, n, sizeof(buf) - 1);
			return json_stringn_nocheck(buf, n);
		}
		/* fall through */
	default:
		return json_string(word(m));
	}
}

static json_t *slot_get(const struct slot *s)
{
	return s->key ? json_object_get(s->parent, s->key) : json_array_get(s->parent, s->index);
}

static void mutate(struct jmut *m, json_t *root)
{
	const struct slot *s;

	if (!m->n) {
		if (json_is_object(root))
			json_object_set_new(root, word(m), new_value(m, NULL));
		else if (json_is_array(root))
			json_array_append_new(root, new_value(m, NULL));
		return;
	}
	s = &m->s[fuzz_below(&m->r, (uint32_t)m->n)];
	switch (fuzz_below(&m->r, 6)) {
	case 0:			/* drop it */
		if (s->key)
			json_object_del(s->parent, s->key);
		else
			json_array_remove(s->parent, s->index);
		break;
	case 1:			/* a sibling: a key of the vocabulary, or an item */
		if (s->key)
			json_object_set_new(s->parent, word(m), new_value(m, NULL));
		else
			json_array_append_new(s->parent, new_value(m, slot_get(s)));
		break;
	case 2:			/* a copy of another value here (arrays of records grow) */
	{
		json_t *other = json_deep_copy(slot_get(&m->s[fuzz_below(&m->r, (uint32_t)m->n)]));

		if (!other)
			break;
		if (s->key)
			json_object_set_new(s->parent, s->key, other);
		else
			json_array_insert_new(s->parent, s->index, other);
		break;
	}
	default:
		if (s->key)
			json_object_set_new(s->parent, s->key, new_value(m, slot_get(s)));
		else
			json_array_set_new(s->parent, s->index, new_value(m, slot_get(s)));
	}
}

size_t jsonmut_mutate(uint8_t *data, size_t size, size_t max, unsigned seed,
		      const char *const *words)
{
	struct jmut m;
	json_error_t jerr;
	json_t *root;
	size_t n = 0;
	char *text;

	memset(&m, 0, sizeof(m));
	fuzz_rng_init(&m.r, seed);
	if (fuzz_below(&m.r, 8) == 0 ||
	    !(root = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr)))
		return 0;
	m.words = words;
	while (words && words[m.nwords])
		m.nwords++;
	collect(&m, root, 0);
	mutate(&m, root);
	free(m.s);
	/* The writers pgbundle uses: indented, compact; the readers take both. */
	text = json_dumps(root, JSON_PRESERVE_ORDER |
			  (fuzz_below(&m.r, 2) ? JSON_INDENT(1) : JSON_COMPACT));
	json_decref(root);
	if (text && strlen(text) <= max) {
		n = strlen(text);
		memcpy(data, text, n);
	}
	free(text);
	return n;
}
