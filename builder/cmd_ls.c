/*
 * cmd_ls.c - `pgbundle ls BUNDLE`: the packages of a bundle, from its index.
 */
#include <stdio.h>

#include "bundle_check.h"
#include "cli.h"

static void print_packages(const struct bundle_report *r)
{
	for (size_t i = 0; i < r->npackages; i++)
		printf("%-44s %-32s %-6s %llu\n", r->pkgs[i].name, r->pkgs[i].version,
		       r->pkgs[i].arch, (unsigned long long)r->pkgs[i].size);
}

static const char ls_help[] =
	"usage: pgbundle ls BUNDLE.tar.zst [--key PUB]\n\n"
	"List the packages of a bundle (name, version, arch, size) from its\n"
	"signed index; the signature is checked, the package files are not\n"
	"(use `pgbundle verify`).\n";

int cmd_ls(int argc, char **argv)
{
	struct pgb_err err = { { 0 } };
	struct bundle_report r;
	const char *bundle, *key;
	int rc = PGB_EXIT_OK;

	if (cli_bundle_args("ls", ls_help, argc, argv, &bundle, &key, &rc) < 0)
		return rc;
	if (bundle_check(bundle, key, 0, &r, &err) < 0) {
		cli_error(&err);
		rc = PGB_EXIT_FAIL;
	} else {
		print_packages(&r);
	}
	bundle_report_free(&r);
	return rc;
}
