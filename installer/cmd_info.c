/*
 * cmd_info.c - `info`: the bundle's metadata, from the .run's meta section,
 * once the whole file verified, for people or, with --json, for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "inst.h"
#include "runfile.h"

static void utc(int64_t t, char buf[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 64, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 64, "@%lld", (long long)t);
}

static void human_size(uint64_t n, char buf[32])
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u)
		snprintf(buf, 32, "%.1f %s", v, unit[u]);
	else
		snprintf(buf, 32, "%llu bytes", (unsigned long long)n);
}

static json_t *strlist_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static int print_json(const struct inst_opts *o)
{
	const struct inst_bundle *b = o->bundle;
	json_t *pg = json_array(), *root;
	char date[64], *text;

	for (size_t i = 0; i < b->npostgres; i++)
		json_array_append_new(pg, json_integer(b->postgres[i]));
	utc(b->date, date);
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I,"
			 " s:I, s:s, s:s, s:s, s:s, s:s, s:s?}",
			 "name", b->name, "version", b->version, "target", b->target,
			 "family", b->family, "codename", b->codename, "arch", b->arch,
			 "postgres", pg, "extensions", strlist_json(&b->extensions),
			 "modules", strlist_json(&b->modules),
			 "requested", strlist_json(&b->requested),
			 "packages", (json_int_t)b->npackages,
			 "packages_size", (json_int_t)b->size,
			 "payload_size", (json_int_t)runfile_payload_length(o->run),
			 "file_size", (json_int_t)runfile_size(o->run),
			 "date", (json_int_t)b->date, "date_utc", date,
			 "key", runfile_signer(o->run),
			 "verified_with", o->trust->kind,
			 "payload_sha256", runfile_payload_sha256(o->run),
			 "file", o->self, "config", b->config);
	if (root && b->packages_id)
		json_object_set_new(root, "packages_id", json_string(b->packages_id));
	if (root && b->delta)
		json_object_set_new(root, "delta", json_pack("{s:s, s:s, s:I, s:I, s:I}",
			"base_version", b->delta->base_version, "base_packages_id", b->delta->base_id,
			"base_packages", (json_int_t)b->delta->base_npackages,
			"packages", (json_int_t)b->delta->npackages, "size", (json_int_t)b->delta->size));
	text = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	if (!text) {
		fprintf(stderr, "pgbundle-installer: cannot encode the bundle's metadata as JSON\n");
		return 1;
	}
	puts(text);
	free(text);
	return 0;
}

static void print_list(const char *label, const struct strlist *l)
{
	printf("%-13s", label);
	for (size_t i = 0; i < l->n; i++)
		printf("%s%s", i ? ", " : "", l->v[i]);
	printf("%s\n", l->n ? "" : "(none)");
}

static void print_human(const struct inst_opts *o)
{
	const struct inst_bundle *b = o->bundle;
	char date[64], pk[32], pl[32], fs[32];

	utc(b->date, date);
	human_size(b->size, pk);
	human_size(runfile_payload_length(o->run), pl);
	human_size(runfile_size(o->run), fs);
	printf("%-13s%s\n", "name:", b->name);
	printf("%-13s%s\n", "version:", b->version);
	printf("%-13s%s (%s %s, %s)\n", "target:", b->target, b->family,
	       *b->codename ? b->codename : "-", b->arch);
	printf("%-13s", "postgres:");
	for (size_t i = 0; i < b->npostgres; i++)
		printf("%s%d", i ? ", " : "", b->postgres[i]);
	printf("\n");
	print_list("extensions:", &b->extensions);
	print_list("modules:", &b->modules);
	printf("%-13s%zu (%zu requested, the rest their dependencies)\n", "packages:",
	       b->npackages, b->requested.n);
	printf("%-13spackages %s, payload %s, file %s\n", "sizes:", pk, pl, fs);
	printf("%-13s%s\n", "built:", date);
	printf("%-13s%s\n", "key:", runfile_signer(o->run));
	printf("%-13s%s\n", "trust:", o->trust->source);
	printf("%-13s%s\n", "config:", b->config ? b->config : "(none bundled)");
	if (b->delta) {
		char *top = inst_delta_base_top(b), ds[32];

		human_size(b->delta->size, ds);
		printf("%-13sa delta on %s %s (package set %.12s...): carries %zu of the %zu "
		       "packages (%s); installs where %s is\n", "delta:", b->name,
		       b->delta->base_version, b->delta->base_id, b->delta->npackages, b->npackages,
		       ds, top);
		free(top);
	}
}

int cmd_info(const struct inst_opts *o)
{
	struct pgb_err err;

	if (inst_payload_verify(o, &err) < 0)
		return inst_print_error(&err);
	if (o->json)
		return print_json(o);
	print_human(o);
	return 0;
}
