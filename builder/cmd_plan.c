/*
 * cmd_plan.c - `pgbundle plan MANIFEST`: what a build would bundle, without
 * downloading a package.  Also the option parsing `build` shares.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pkgsrc.h"

static void plan_help(int build)
{
	if (build)
		printf("usage: pgbundle build MANIFEST [-o DIR] [--key FILE] [options]\n\n"
		       "Build the signed offline repository bundle of MANIFEST into DIR (default images/):\n"
		       "DIR/NAME-VERSION.TARGET.ARCH.tar.zst, .contents (SHA-256 of every file) and\n"
		       "DIR/NAME.lock (the exact package set).\n\n"
		       "  -o, --output DIR      output directory (default images)\n"
		       "  -k, --key FILE        secret signing key from `pgbundle keygen`\n"
		       "                        (default images/keys/pgbundle.key)\n"
		       "      --allow-missing   build even when some requests cannot be resolved\n"
		       "      --snapshot [KEY=]URL\n"
		       "                        where to get packages the mirror no longer has\n"
		       "                        (repeatable, tried in order): a repository root laid\n"
		       "                        out by Filename, e.g. a snapshot.debian.org-style\n"
		       "                        .../archive/debian/TIMESTAMP; KEY limits it to the\n"
		       "                        upstream (or mirror key) KEY; every file is checked\n"
		       "                        against the lock's SHA-256\n"
		       "      --update-from OLD.lock\n"
		       "                        write a delta bundle instead: only the packages that\n"
		       "                        are not in OLD.lock's bundle, and the whole signed\n"
		       "                        index; the .run completes it on a host that has that\n"
		       "                        bundle (named NAME-VERSION.TARGET.ARCH.delta-from-OLDVERSION.*)\n"
		       "      --zstd-level N    compression level 1-19 (default 9)\n"
		       "      --threads N       compression threads (default 2; output is the same for any N >= 1)\n");
	else
		printf("usage: pgbundle plan MANIFEST [--json] [options]\n\n"
		       "Resolve MANIFEST against its upstreams without downloading packages:\n"
		       "print the packages, their total size and every request that cannot be\n"
		       "resolved, with the reason (exit code 3 when there is one).\n\n"
		       "      --json            machine-readable output\n");
	printf("      --lock FILE       use exactly the package set of this lock\n"
	       "      --mirror KEY=URL  where the upstreams with mirror KEY are (repeatable);\n"
	       "                        default: PGBUNDLE_MIRROR_KEY, the manifest, the host's apt sources\n"
	       "      --allow-expired   accept upstream Release files past their Valid-Until\n"
	       "      --allow-unverified-contents\n"
	       "                        map extension names with a Contents index that does not\n"
	       "                        match its signed Release (packages stay verified; also\n"
	       "                        PGBUNDLE_ALLOW_UNVERIFIED_CONTENTS=1)\n"
	       "  -h, --help            this text\n");
}

int cli_plan_parse(int build, int argc, char **argv, struct cli_plan_args *a, int *exit_code)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "lock", required_argument, NULL, 'l' },
		{ "mirror", required_argument, NULL, 'm' },
		{ "allow-expired", no_argument, NULL, 'E' },
		{ "allow-unverified-contents", no_argument, NULL, 'U' },
		{ "output", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, 'k' },
		{ "allow-missing", no_argument, NULL, 'M' },
		{ "zstd-level", required_argument, NULL, 'z' },
		{ "threads", required_argument, NULL, 't' },
		{ "snapshot", required_argument, NULL, 'S' },
		{ "update-from", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = build ? "build" : "plan";
	int c;

	memset(a, 0, sizeof(*a));
	a->outdir = "images";
	a->zstd_level = 9;
	a->threads = 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, build ? "o:k:h" : "h", opts, NULL)) != -1) {
		if (!build && strchr("okMztSu", c)) {
			*exit_code = cli_usage_error(cmd, "option %s is for `build`", argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case 'j': a->json = 1; break;
		case 'l': a->lock = optarg; break;
		case 'm':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				*exit_code = cli_usage_error(cmd, "--mirror takes KEY=URL, got '%s'", optarg);
				return -1;
			}
			strlist_add(&a->mirrors, optarg);
			break;
		case 'E': a->allow_expired = 1; break;
		case 'U': a->allow_unverified_contents = 1; break;
		case 'o': a->outdir = optarg; break;
		case 'k': a->key = optarg; break;
		case 'u': a->update_from = optarg; break;
		case 'M': a->allow_missing = 1; break;
		case 'z': a->zstd_level = atoi(optarg); break;
		case 't': a->threads = atoi(optarg); break;
		case 'S': {
			struct pgb_err e = { { 0 } };

			if (pkgsrc_snapshot_check(optarg, &e) < 0) {
				*exit_code = cli_usage_error(cmd, "%s", e.msg);
				return -1;
			}
			strlist_add(&a->snapshots, optarg);
			break;
		}
		case 'h': plan_help(build); *exit_code = PGB_EXIT_OK; return -1;
		default: *exit_code = cli_usage_error(cmd, "unknown option"); return -1;
		}
	}
	if (optind + 1 != argc) {
		*exit_code = cli_usage_error(cmd, "expected one MANIFEST argument");
		return -1;
	}
	if (a->zstd_level < 1 || a->zstd_level > 19 || a->threads < 0 || a->threads > 64) {
		*exit_code = cli_usage_error(cmd, "--zstd-level takes 1-19 and --threads 0-64");
		return -1;
	}
	a->manifest = argv[optind];
	return 0;
}

int cli_plan_run(const struct cli_plan_args *a, struct plan *p, struct fetcher **f)
{
	struct pgb_err err = { { 0 } };
	struct fetch_opts fo;
	struct plan_opts po = { 0 };
	char *recipes = cli_recipes_dir(), *cache = cli_cache_dir();
	int rc = -1;

	memset(p, 0, sizeof(*p));
	fetch_opts_default(&fo);
	fo.progress = a->json ? 0 : -1;
	po.manifest_path = a->manifest;
	po.recipes_dir = recipes;
	po.cache_dir = cache;
	po.lock_path = a->lock;
	po.mirrors = &a->mirrors;
	po.allow_expired = a->allow_expired;
	{
		const char *uv = getenv("PGBUNDLE_ALLOW_UNVERIFIED_CONTENTS");

		po.allow_unverified_contents = a->allow_unverified_contents || (uv && !strcmp(uv, "1"));
	}
	po.warn = cli_warn;
	if (fetch_new(f, cache, &fo, &err) == 0) {
		po.fetch = *f;
		if (plan_load(p, &po, &err) == 0 && plan_resolve(p, &po, &err) == 0)
			rc = 0;
	}
	if (rc < 0)
		cli_error(&err);
	free(recipes);
	free(cache);
	return rc;
}

void cli_plan_args_free(struct cli_plan_args *a)
{
	strlist_free(&a->mirrors);
	strlist_free(&a->snapshots);
}

size_t cli_report_missing(const struct plan *p)
{
	for (size_t i = 0; i < p->nmissing; i++)
		fprintf(stderr, "pgbundle: unresolved: %s: %s\n", p->missing[i].request,
			p->missing[i].reason);
	return p->nmissing;
}

/* [{major, upstream, why, packages}]: where each PostgreSQL major comes from. */
static json_t *majors_json(const struct plan *p)
{
	json_t *a = json_array();

	for (size_t j = 0; j < p->m.npostgres; j++) {
		const struct plan_major *mj = &p->majors[j];
		json_t *pk = json_array();

		for (size_t i = 0; i < mj->requests.n; i++)
			json_array_append_new(pk, json_string(mj->requests.v[i]));
		json_array_append_new(a, json_pack("{s:i, s:s?, s:s?, s:o}", "major", mj->pg,
						   "upstream", mj->upstream, "why", mj->why,
						   "requests", pk));
	}
	return a;
}

static void print_json(const struct plan *p)
{
	json_t *pkgs = json_array(), *miss = json_array(), *root;
	char *text;

	for (size_t i = 0; i < p->lock.npkgs; i++) {
		const struct lock_pkg *l = &p->lock.pkgs[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:b}",
			"name", l->name, "version", l->version, "arch", l->arch,
			"size", (json_int_t)l->size, "sha256", l->sha256, "upstream", l->upstream,
			"url", l->url, "requested", l->requested);

		if (l->why)
			json_object_set_new(o, "why", json_string(l->why));
		json_array_append_new(pkgs, o);
	}
	for (size_t i = 0; i < p->nmissing; i++)
		json_array_append_new(miss, json_pack("{s:s, s:s}", "request", p->missing[i].request,
						      "reason", p->missing[i].reason));
	root = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:s}", "manifest",
			 p->m.path, "target", p->m.target, "arch", p->m.arch,
			 "count", (json_int_t)p->lock.npkgs,
			 "total_size", (json_int_t)plan_total_size(p),
			 "baseline", (json_int_t)p->nbaseline,
			 "carried_for_release", (json_int_t)p->ncarried, "packages", pkgs,
			 "unresolved", miss, "postgres", majors_json(p),
			 "prefer", p->m.prefer_pgdg ? "pgdg" : "distribution");
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	puts(text ? text : "{}");
	free(text);
	json_decref(root);
}

static void print_text(const struct plan *p)
{
	for (size_t j = 0; j < p->m.npostgres; j++)
		printf("PostgreSQL %d: %s%s%s%s\n", p->majors[j].pg,
		       p->majors[j].upstream ? p->majors[j].upstream : "-",
		       p->majors[j].why && *p->majors[j].why ? " (" : "",
		       p->majors[j].why ? p->majors[j].why : "",
		       p->majors[j].why && *p->majors[j].why ? ")" : "");
	for (size_t i = 0; i < p->lock.npkgs; i++) {
		const struct lock_pkg *l = &p->lock.pkgs[i];

		printf("%-44s %-32s %-6s %10llu %-16s%s\n", l->name, l->version, l->arch,
		       (unsigned long long)l->size, l->upstream, l->requested ? " requested" : "");
		/* Where the distribution and PGDG both have it: why this side. */
		if (l->why)
			printf("    ^ %s: %s\n", l->upstream, l->why);
	}
	printf("%zu packages, %.1f MiB (on top of %zu baseline packages of %s", p->lock.npkgs,
	       (double)plan_total_size(p) / (1024.0 * 1024.0), p->nbaseline, p->m.target);
	if (p->ncarried)
		printf("; it carries %zu baseline package%s at versions newer than the release as "
		       "published, for hosts never updated", p->ncarried, p->ncarried == 1 ? "" : "s");
	printf(")\n");
}

int cmd_plan(int argc, char **argv)
{
	struct cli_plan_args a;
	struct fetcher *f = NULL;
	struct plan p;
	int rc;

	if (cli_plan_parse(0, argc, argv, &a, &rc) < 0) {
		cli_plan_args_free(&a);
		return rc;
	}
	rc = PGB_EXIT_FAIL;
	if (cli_plan_run(&a, &p, &f) == 0) {
		if (a.json)
			print_json(&p);
		else
			print_text(&p);
		rc = cli_report_missing(&p) ? PGB_EXIT_UNRESOLVED : PGB_EXIT_OK;
	}
	plan_free(&p);
	fetch_free(f);
	cli_plan_args_free(&a);
	return rc;
}
