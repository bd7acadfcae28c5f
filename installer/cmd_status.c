/*
 * cmd_status.c - `status [--json]`: this node's and the cluster's state.
 *
 * Needs no .run: it reads what `install` left (INST_STATE_DIR/config.yml,
 * the config it ran with, and INST_STATE_DIR/bundle.json), or --config, and
 * asks each enabled module of module.h for its state, in order.  --json
 * prints one object {"node": ..., "MODULE": {...}, ...}; the text form is
 * the same tree, one "key: value" line per leaf.  The exit status is 0 when
 * every enabled module says it serves ("ok": true), 3 when one does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inst.h"
#include "module.h"

/* Load the config install ran with (or --config) and its bundle's metadata. */
int inst_state_load(const struct inst_opts *o, struct inst_bundle *b, struct inst_config *c,
		    struct pgb_err *err)
{
	char *meta = NULL;
	size_t len;
	const char *path = o->config ? o->config : INST_STATE_CONFIG;
	int rc;

	memset(b, 0, sizeof(*b));
	memset(c, 0, sizeof(*c));
	if (!o->config && !util_exists(INST_STATE_CONFIG))
		return pgb_fail(err, "nothing is installed here (no %s): run install first, or "
				"give the config with --config FILE", INST_STATE_CONFIG);
	if (util_exists(INST_STATE_BUNDLE)) {
		if (util_read_file(INST_STATE_BUNDLE, &meta, &len, err) < 0)
			return -1;
		rc = inst_bundle_parse(b, meta, len, INST_STATE_BUNDLE, err);
		free(meta);
		if (rc < 0)
			return -1;
	}
	return inst_config_load(c, path, b->name ? b : NULL, err);
}

/* The text form: nested objects indented, lists of objects one line each. */
static void print_value(const char *key, json_t *v, int depth);

static void print_scalar_line(const char *key, json_t *v, int depth)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY);

	printf("%*s%s: %s\n", depth * 2, "", key,
	       json_is_string(v) ? json_string_value(v) : s ? s : "?");
	free(s);
}

static void print_item(json_t *item, int depth)
{
	const char *k;
	json_t *v;
	int first = 1;

	if (!json_is_object(item)) {
		char *s = json_dumps(item, JSON_ENCODE_ANY);

		printf("%*s- %s\n", depth * 2, "", json_is_string(item) ?
		       json_string_value(item) : s ? s : "?");
		free(s);
		return;
	}
	printf("%*s-", depth * 2, "");
	json_object_foreach(item, k, v) {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		printf("%s%s=%s", first ? " " : "  ", k, json_is_string(v) ?
		       json_string_value(v) : s ? s : "?");
		free(s);
		first = 0;
	}
	printf("\n");
}

static void print_value(const char *key, json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		printf("%*s%s:\n", depth * 2, "", key);
		json_object_foreach(v, k, x)
			print_value(k, x, depth + 1);
	} else if (json_is_array(v)) {
		printf("%*s%s:%s\n", depth * 2, "", key, json_array_size(v) ? "" : " (none)");
		json_array_foreach(v, i, x)
			print_item(x, depth + 1);
	} else {
		print_scalar_line(key, v, depth);
	}
}

/* 1 when every module object says "ok": true (or says nothing). */
static int all_ok(json_t *root)
{
	const char *k;
	json_t *v;
	int ok = 1;

	json_object_foreach(root, k, v) {
		json_t *o = json_object_get(v, "ok");

		if (json_is_boolean(o) && !json_is_true(o))
			ok = 0;
	}
	return ok;
}

static json_t *node_json(const struct inst_config *c)
{
	json_t *mods = json_array();

	for (size_t i = 0; inst_modules[i]; i++)
		if (inst_module_enabled(inst_modules[i], c))
			json_array_append_new(mods, json_string(inst_modules[i]->name));
	return json_pack("{s:s, s:s, s:s, s:s?, s:o}", "address", c->self_addr,
			 "nodename", c->nodename, "config", c->path,
			 "pg_cluster", c->n_pg_members ? c->pg_cluster : NULL, "modules", mods);
}

int cmd_status(const struct inst_opts *o)
{
	struct inst_bundle b;
	struct inst_config c;
	struct inst_ctx ctx;
	struct pgb_err err;
	json_t *root = json_object();
	const char *k;
	json_t *v;
	int rc, ok;

	memset(&ctx, 0, sizeof(ctx));
	ctx.prefix = o->prefix;
	ctx.bundle = &b;
	rc = inst_state_load(o, &b, &c, &err);
	if (rc == 0) {
		json_object_set_new(root, "node", node_json(&c));
		rc = inst_modules_status(&ctx, &c, root, &err);
	}
	if (rc < 0) {
		json_decref(root);
		inst_config_free(&c);
		inst_bundle_free(&b);
		return inst_print_error(&err);
	}
	ok = all_ok(root);
	if (o->json) {
		char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		printf("%s\n", s ? s : "{}");
		free(s);
	} else {
		json_object_foreach(root, k, v)
			print_value(k, v, 0);
		printf("%s\n", ok ? "status: every module serves" :
		       "status: a module does not serve (see above)");
	}
	json_decref(root);
	inst_config_free(&c);
	inst_bundle_free(&b);
	return ok ? 0 : 3;
}
