/*
 * cmd_diff.c - `pgbundle diff OLD NEW`: what changed between two locks or
 * bundles (pkgdiff.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pkgdiff.h"

static const char diff_help[] =
	"usage: pgbundle diff OLD NEW [--json] [--key PUB]\n\n"
	"What changed between two package sets: packages upgraded and downgraded\n"
	"(with both versions), rebuilt (same version, another file), added and\n"
	"removed; which of them came from a security suite; the size change.\n"
	"OLD and NEW are each a lock (NAME.lock) or a bundle (.tar.zst or .run);\n"
	"a bundle's signature is checked.\n"
	"  --json         print the difference as one JSON object\n"
	"  -k, --key PUB  the public key the bundles must be signed with; without\n"
	"                 it each bundle's own key is used (integrity only)\n"
	"exit codes: 0 compared (whatever the difference), 1 cannot read, 2 usage\n";

static void describe(const char *label, const struct pkgset *s)
{
	char size[32], day[16] = "?";
	time_t t = (time_t)s->date;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	printf("%s %s %s (%s, %s, %s): %zu packages, %s  [%s]\n", label, s->name, s->version,
	       s->target, s->arch, day, s->n, cli_size(size, sizeof(size), (int64_t)s->size, 0),
	       s->path);
}

/* "1.0 -> 1.1", or the one version of an added or removed package; malloc'd. */
static char *versions(const struct pkgdiff_entry *e)
{
	if (e->old && e->new)
		return xasprintf("%s -> %s", e->old->version, e->new->version);
	return xstrdup(e->new ? e->new->version : e->old->version);
}

static void print_entry(const struct pkgdiff_entry *e, int wname, int wver)
{
	const struct pkgset_pkg *p = e->new ? e->new : e->old;
	int64_t delta = pkgdiff_entry_delta(e);
	char change[32], *v = versions(e);

	printf("  %-*s  %-*s  %11s  %s%s\n", wname, p->name, wver, v,
	       cli_size(change, sizeof(change), delta, 1), p->upstream ? p->upstream : "",
	       p->security ? " (security)" : "");
	free(v);
}

static void print_text(const struct pkgset *a, const struct pkgset *b, const struct pkgdiff *d)
{
	char size[32];
	int wname = 8, wver = 8;

	describe("old", a);
	describe("new", b);
	printf("%zu upgraded, %zu downgraded, %zu rebuilt, %zu added, %zu removed; %zu from a "
	       "security suite; size %s\n", d->count[PKGDIFF_UPGRADED],
	       d->count[PKGDIFF_DOWNGRADED], d->count[PKGDIFF_REBUILT], d->count[PKGDIFF_ADDED],
	       d->count[PKGDIFF_REMOVED], d->security,
	       cli_size(size, sizeof(size), d->size_change, 1));
	for (size_t i = 0; i < d->n; i++) {
		const struct pkgset_pkg *p = d->e[i].new ? d->e[i].new : d->e[i].old;
		char *v = versions(&d->e[i]);

		if ((int)strlen(p->name) > wname)
			wname = (int)strlen(p->name);
		if ((int)strlen(v) > wver)
			wver = (int)strlen(v);
		free(v);
	}
	for (size_t i = 0; i < d->n; i++) {
		if (!i || d->e[i].kind != d->e[i - 1].kind)
			printf("%s:\n", pkgdiff_kind_name(d->e[i].kind));
		print_entry(&d->e[i], wname, wver);
	}
}

static int parse_args(int argc, char **argv, int *json, const char **key, int *exit_code)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': *json = 1; break;
		case 'k': *key = optarg; break;
		case 'h': fputs(diff_help, stdout); *exit_code = PGB_EXIT_OK; return -1;
		default: *exit_code = cli_usage_error("diff", "unknown option"); return -1;
		}
	}
	if (optind + 2 != argc) {
		*exit_code = cli_usage_error("diff", "expected two arguments, OLD and NEW");
		return -1;
	}
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	struct pgb_err err = { { 0 } };
	struct pkgset a = { 0 }, b = { 0 };
	struct recipes rc;
	struct pkgdiff d;
	const char *key = NULL;
	char *recipes;
	int json = 0, code = PGB_EXIT_FAIL, have_rc;

	if (parse_args(argc, argv, &json, &key, &code) < 0)
		return code;
	/* The recipes tell security suites and a lock's family; without them
	 * the names do. */
	recipes = cli_recipes_dir();
	have_rc = recipes_load(&rc, recipes, &err) == 0;
	free(recipes);
	if (pkgset_load(&a, argv[optind], key, have_rc ? &rc : NULL, &err) < 0 ||
	    pkgset_load(&b, argv[optind + 1], key, have_rc ? &rc : NULL, &err) < 0) {
		cli_error(&err);
		goto out;
	}
	pkgdiff_compute(&a, &b, &d);
	if (json) {
		json_t *j = pkgdiff_json(&a, &b, &d);

		json_dumpf(j, stdout, JSON_INDENT(1));
		putchar('\n');
		json_decref(j);
	} else {
		print_text(&a, &b, &d);
	}
	pkgdiff_free(&d);
	code = fflush(stdout) == 0 ? PGB_EXIT_OK : PGB_EXIT_FAIL;
out:
	pkgset_free(&a);
	pkgset_free(&b);
	if (have_rc)
		recipes_free(&rc);
	return code;
}
