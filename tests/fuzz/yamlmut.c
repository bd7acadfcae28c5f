/*
 * yamlmut.c - YAML documents mutated node by node; see yamlmut.h.
 */
#include <string.h>

#include <yaml.h>

#include "fuzz.h"
#include "yamlmut.h"

#define MAX_NODES 20000		/* a document bigger than this is left to byte mutation */

struct ymut {
	yaml_document_t *in, *out;
	int target;		/* the input node to change */
	int *map;		/* input node id -> output node id, 0 when not copied yet */
	int copied;
	struct fuzz_rng r;
	const char *const *words;
	size_t nwords;
	int failed;
};

static const char *const odd[] = {
	"", "~", "null", "Null", "NULL", "true", "false", "yes", "no", "on", "off", "y", "0", "-1",
	"1", "13", "12", "18", "19", "2147483647", "2147483648", "-2147483648", "99999999999999",
	"007", "+5", "0x10", "1e3", "1.5", " 15", "15 ", "all", "auto", "{pg}", "{codename}",
	"{arch}", "{release}", "{x}", "../x", "../../etc/passwd", "/etc/passwd", "a/../b", ".",
	"..", "-x", "a b", "a\tb", "a\nb", "a'b", "a\"b", "a\\b", "a;b", "a,b", "a#b", "x:y",
	"$(id)", "`id`", "%s%n", "\xc3\xa9t\xc3\xa9", "http://h/", "https://h/x", "file:///x",
	"ftp://h/", "0.0.0.0/0", "::/0", "127.0.0.1", "10.0.0.0/33", "localhost", "world", "*",
	"scram-sha-256", "trust", "md5", "peer", "reject", "replication", "+dbrole_admin",
	"postgres", "pg_read_all_data", "C.UTF-8", "UTF8", "SQL_ASCII",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

#define NODD (sizeof(odd) / sizeof(odd[0]))

static const char *word(struct ymut *m)
{
	if (m->nwords && fuzz_below(&m->r, 2))
		return m->words[fuzz_below(&m->r, (uint32_t)m->nwords)];
	return odd[fuzz_below(&m->r, NODD)];
}

static int add_scalar(struct ymut *m, const char *s, size_t n)
{
	static const yaml_scalar_style_t styles[] = {
		YAML_ANY_SCALAR_STYLE, YAML_ANY_SCALAR_STYLE, YAML_PLAIN_SCALAR_STYLE,
		YAML_SINGLE_QUOTED_SCALAR_STYLE, YAML_DOUBLE_QUOTED_SCALAR_STYLE,
		YAML_LITERAL_SCALAR_STYLE,
	};
	int id = yaml_document_add_scalar(m->out, NULL, (yaml_char_t *)s, (int)n,
					  styles[fuzz_below(&m->r, 6)]);

	if (!id)
		m->failed = 1;
	return id;
}

static int add_word(struct ymut *m)
{
	const char *w = word(m);

	return add_scalar(m, w, strlen(w));
}

/* An output node already made: a second reference to it becomes an alias. */
static int some_copied(struct ymut *m)
{
	int n = (int)(m->out->nodes.top - m->out->nodes.start);

	return n ? 1 + (int)fuzz_below(&m->r, (uint32_t)n) : add_word(m);
}

static int copy(struct ymut *m, int id, int depth);

/* libyaml asserts on a node id 0: nothing is appended once something failed. */
static void append_item(struct ymut *m, int seq, int item)
{
	if (!m->failed && seq > 0 && item > 0)
		yaml_document_append_sequence_item(m->out, seq, item);
	else
		m->failed = 1;
}

static void append_pair(struct ymut *m, int map, int key, int value)
{
	if (!m->failed && map > 0 && key > 0 && value > 0)
		yaml_document_append_mapping_pair(m->out, map, key, value);
	else
		m->failed = 1;
}

static int new_scalar(struct ymut *m, const yaml_node_t *n)
{
	char buf[256];
	size_t len = n->data.scalar.length;

	switch (fuzz_below(&m->r, 4)) {
	case 0:			/* its bytes */
		if (len > sizeof(buf) - 16)
			len = sizeof(buf) - 16;
		memcpy(buf, n->data.scalar.value, len);
		len = LLVMFuzzerMutate((uint8_t *)buf, len, sizeof(buf) - 1);
		return add_scalar(m, buf, len);
	case 1:			/* twice itself: long values */
		if (len > sizeof(buf) / 2 - 1)
			len = sizeof(buf) / 2 - 1;
		memcpy(buf, n->data.scalar.value, len);
		memcpy(buf + len, n->data.scalar.value, len);
		return add_scalar(m, buf, 2 * len);
	default:
		return add_word(m);
	}
}

static int copy_seq(struct ymut *m, const yaml_node_t *n, int depth, int change)
{
	yaml_node_item_t *it, *start = n->data.sequence.items.start, *top = n->data.sequence.items.top;
	size_t count = (size_t)(top - start);
	size_t drop = change == 1 && count ? fuzz_below(&m->r, (uint32_t)count) : (size_t)-1;
	size_t dup = change == 2 && count ? fuzz_below(&m->r, (uint32_t)count) : (size_t)-1;
	int id = yaml_document_add_sequence(m->out, n->tag, n->data.sequence.style);

	if (!id)
		return m->failed = 1, 0;
	for (it = start; it < top && !m->failed; it++) {
		size_t i = (size_t)(it - start);
		int c;

		if (i == drop)
			continue;
		c = copy(m, *it, depth + 1);
		append_item(m, id, c);
		if (i == dup)
			append_item(m, id, c);
	}
	if (change == 0)	/* a new item */
		append_item(m, id, fuzz_below(&m->r, 4) ? add_word(m) : some_copied(m));
	return id;
}

static int copy_map(struct ymut *m, const yaml_node_t *n, int depth, int change)
{
	yaml_node_pair_t *p, *start = n->data.mapping.pairs.start, *top = n->data.mapping.pairs.top;
	size_t count = (size_t)(top - start);
	size_t drop = change == 1 && count ? fuzz_below(&m->r, (uint32_t)count) : (size_t)-1;
	size_t dup = change == 2 && count ? fuzz_below(&m->r, (uint32_t)count) : (size_t)-1;
	int id = yaml_document_add_mapping(m->out, n->tag, n->data.mapping.style);

	if (!id)
		return m->failed = 1, 0;
	for (p = start; p < top && !m->failed; p++) {
		size_t i = (size_t)(p - start);
		int k, v;

		if (i == drop)
			continue;
		k = copy(m, p->key, depth + 1);
		v = copy(m, p->value, depth + 1);
		append_pair(m, id, k, v);
		if (i == dup) {	/* the same key twice, written out again (not an alias) */
			const yaml_node_t *kn = yaml_document_get_node(m->in, p->key);

			if (kn && kn->type == YAML_SCALAR_NODE)
				k = yaml_document_add_scalar(m->out, NULL, kn->data.scalar.value,
							     (int)kn->data.scalar.length,
							     YAML_PLAIN_SCALAR_STYLE);
			append_pair(m, id, k, fuzz_below(&m->r, 2) ? v : add_word(m));
		}
	}
	if (change == 0) {	/* a new pair */
		const char *key = m->nwords ? m->words[fuzz_below(&m->r, (uint32_t)m->nwords)]
					    : word(m);
		int k = yaml_document_add_scalar(m->out, NULL, (yaml_char_t *)key, (int)strlen(key),
						 YAML_PLAIN_SCALAR_STYLE);
		int v;

		switch (fuzz_below(&m->r, 4)) {
		case 0:
			v = yaml_document_add_sequence(m->out, NULL, YAML_ANY_SEQUENCE_STYLE);
			append_item(m, v, add_word(m));
			break;
		case 1:
			v = some_copied(m);
			break;
		default:
			v = add_word(m);
		}
		append_pair(m, id, k, v);
	}
	return id;
}

/* The changed node: of another kind, or its content changed. */
static int change(struct ymut *m, const yaml_node_t *n, int depth)
{
	uint32_t how = fuzz_below(&m->r, 10);

	if (how == 0)
		return some_copied(m);
	if (how == 1)
		return add_word(m);
	if (how == 2)
		return yaml_document_add_sequence(m->out, NULL, YAML_FLOW_SEQUENCE_STYLE);
	if (how == 3)
		return yaml_document_add_mapping(m->out, NULL, YAML_FLOW_MAPPING_STYLE);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return new_scalar(m, n);
	case YAML_SEQUENCE_NODE:
		return copy_seq(m, n, depth, (int)fuzz_below(&m->r, 3));
	case YAML_MAPPING_NODE:
		return copy_map(m, n, depth, (int)fuzz_below(&m->r, 3));
	default:
		return add_word(m);
	}
}

static int copy(struct ymut *m, int id, int depth)
{
	const yaml_node_t *n = yaml_document_get_node(m->in, id);
	int out;

	if (!n || depth > 64 || ++m->copied > MAX_NODES) {
		m->failed = 1;
		return 0;
	}
	if (id == m->target)
		return change(m, n, depth);
	if (m->map[id])		/* shared in the input: keep it shared (an alias) */
		return m->map[id];
	switch (n->type) {
	case YAML_SCALAR_NODE:
		out = yaml_document_add_scalar(m->out, n->tag, n->data.scalar.value,
					       (int)n->data.scalar.length, n->data.scalar.style);
		break;
	case YAML_SEQUENCE_NODE:
		out = copy_seq(m, n, depth, -1);
		break;
	case YAML_MAPPING_NODE:
		out = copy_map(m, n, depth, -1);
		break;
	default:
		out = 0;
	}
	if (!out)
		m->failed = 1;
	m->map[id] = out;
	return out;
}

static int write_out(void *data, unsigned char *buf, size_t size)
{
	sbuf_add(data, buf, size);
	return 1;
}

static int emit(yaml_document_t *doc, struct sbuf *out)
{
	yaml_emitter_t e;
	int ok;

	if (!yaml_emitter_initialize(&e)) {
		yaml_document_delete(doc);
		return -1;
	}
	yaml_emitter_set_output(&e, write_out, out);
	yaml_emitter_set_unicode(&e, 1);
	/* dump destroys the document, also when it fails */
	ok = yaml_emitter_open(&e) && yaml_emitter_dump(&e, doc) && yaml_emitter_close(&e);
	if (!ok && !e.opened)
		yaml_document_delete(doc);
	yaml_emitter_delete(&e);
	return ok ? 0 : -1;
}

size_t yamlmut_mutate(uint8_t *data, size_t size, size_t max, unsigned seed,
		      const char *const *words)
{
	yaml_parser_t p;
	yaml_document_t in, out;
	struct ymut m;
	struct sbuf text = SBUF_INIT;
	size_t n = 0, nodes;

	memset(&m, 0, sizeof(m));
	fuzz_rng_init(&m.r, seed);
	if (fuzz_below(&m.r, 8) == 0)
		return 0;
	m.words = words;
	while (words && words[m.nwords])
		m.nwords++;
	if (!yaml_parser_initialize(&p))
		return 0;
	yaml_parser_set_input_string(&p, data, size);
	if (!yaml_parser_load(&p, &in)) {
		yaml_parser_delete(&p);
		return 0;
	}
	yaml_parser_delete(&p);
	nodes = (size_t)(in.nodes.top - in.nodes.start);
	if (!nodes || nodes > MAX_NODES ||
	    !yaml_document_initialize(&out, NULL, NULL, NULL, 1, 1)) {
		yaml_document_delete(&in);
		return 0;
	}
	m.in = &in;
	m.out = &out;
	m.target = 1 + (int)fuzz_below(&m.r, (uint32_t)nodes);
	m.map = xcalloc(nodes + 1, sizeof(*m.map));
	copy(&m, 1, 0);
	free(m.map);
	yaml_document_delete(&in);
	if (m.failed) {
		yaml_document_delete(&out);
		return 0;
	}
	if (emit(&out, &text) == 0)
		n = fuzz_emit(data, max, &text);
	sbuf_free(&text);
	return n;
}
