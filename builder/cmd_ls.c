/*
 * cmd_ls.c - `pgbundle ls BUNDLE`: the packages of a bundle, from its index.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bundle_check.h"
#include "cli.h"
#include "deb822.h"

static int print_packages(const struct sbuf *pk, struct pgb_err *err)
{
	struct deb822_iter it;
	struct deb822_para para;
	int r;

	deb822_iter_init(&it, pk->buf ? pk->buf : "", pk->len, "Packages");
	while ((r = deb822_next(&it, &para, err)) == 1) {
		char *n = deb822_get(&para, "Package"), *v = deb822_get(&para, "Version");
		char *a = deb822_get(&para, "Architecture"), *s = deb822_get(&para, "Size");

		printf("%-44s %-32s %-6s %s\n", n ? n : "?", v ? v : "?", a ? a : "?", s ? s : "?");
		free(n);
		free(v);
		free(a);
		free(s);
	}
	return r < 0 ? -1 : 0;
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
	if (bundle_check(bundle, key, 0, &r, &err) < 0 || print_packages(&r.packages, &err) < 0) {
		cli_error(&err);
		rc = PGB_EXIT_FAIL;
	}
	bundle_report_free(&r);
	return rc;
}
