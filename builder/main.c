/*
 * main.c - the pgbundle command: dispatch to builder/cmd_*.c.
 */
#include <createrepo_c/misc.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"
#include "version.h"

static const struct cli_cmd commands[] = {
	{ "keygen", cmd_keygen, "create the bundle signing key (OpenPGP v4, Ed25519)" },
	{ "key", cmd_key, "key rotate: a new signing key that the old one vouches for" },
	{ "plan", cmd_plan, "resolve a manifest without downloading: packages, size, unresolved" },
	{ "build", cmd_build, "build the signed offline repository bundle of a manifest" },
	{ "verify", cmd_verify, "verify a bundle's signature and every file's hash" },
	{ "ls", cmd_ls, "list the packages of a bundle" },
	{ "sbom", cmd_sbom, "print a bundle's SBOM (CycloneDX 1.5 JSON)" },
	{ "diff", cmd_diff, "what changed between two locks or bundles" },
	{ "report", cmd_report, "write a bundle's HTML report" },
	{ "ext", cmd_ext, "PostgreSQL extensions the upstreams publish: list, info, search, avail" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: pgbundle <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n'pgbundle <command> --help' describes a command.\n"
		"\nexit codes:\n"
		"  0  success\n"
		"  1  error (bad input, network, upstream verification failure)\n"
		"  2  bad command line\n"
		"  3  requested items could not be resolved (plan, build without --allow-missing)\n"
		"  4  the bundle does not verify (verify)\n"
		"\nenvironment:\n"
		"  PGBUNDLE_CACHE            download cache (default ~/.cache/pgbundle)\n"
		"  PGBUNDLE_RECIPES          recipes directory (default: the source tree's recipes/)\n"
		"  PGBUNDLE_MIRROR_<NAME>    mirror of an upstream mirror key, e.g. PGBUNDLE_MIRROR_DEBIAN\n"
		"  SOURCE_DATE_EPOCH         timestamp of a build (default: the lock's, else the\n"
		"                            upstreams' newest Release date)\n"
		"  PGBUNDLE_ALLOW_UNVERIFIED_CONTENTS=1  as --allow-unverified-contents\n");
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2) {
		usage(stderr);
		return PGB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return PGB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("pgbundle %s\n", PGBUNDLE_VERSION);
		return PGB_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			fprintf(stderr, "pgbundle: cannot initialise libcurl\n");
			return PGB_EXIT_FAIL;
		}
		/* libcreaterepo_c also logs its errors through glib; they reach
		 * the user once, through pgb_err. */
		g_log_set_handler("C_CREATEREPOLIB", G_LOG_LEVEL_MASK, cr_null_log_fn, NULL);
		rc = commands[i].fn(argc - 1, argv + 1);
		curl_global_cleanup();
		return rc;
	}
	fprintf(stderr, "pgbundle: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return PGB_EXIT_USAGE;
}
