/*
 * cmd_verify.c - `pgbundle verify BUNDLE [--key PUB]`.
 */
#include <getopt.h>
#include <stdio.h>

#include "bundle_check.h"
#include "cli.h"

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pgb_err err = { { 0 } };
	struct bundle_report r;
	const char *key = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'h':
			printf("usage: pgbundle verify BUNDLE.tar.zst [--key PUB]\n\n"
			       "Check the bundle's signed index (InRelease, Release.gpg, Packages) and\n"
			       "the size and SHA-256 of every package against it.\n"
			       "  -k, --key PUB  the public key the bundle must be signed with; without it\n"
			       "                 the bundle's own key is used, which proves integrity only\n"
			       "exit codes: 0 verified, 4 does not verify, 1 cannot read, 2 usage\n");
			return PGB_EXIT_OK;
		default: return cli_usage_error("verify", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("verify", "expected one BUNDLE argument");
	if (bundle_check(argv[optind], key, 1, &r, &err) < 0) {
		cli_error(&err);
		bundle_report_free(&r);
		return PGB_EXIT_VERIFY;
	}
	printf("%s: OK\n  %zu packages, %zu files, %.1f MiB of packages\n  signed by %s%s\n",
	       argv[optind], r.npackages, r.nfiles, (double)r.pool_bytes / (1024.0 * 1024.0),
	       r.signer, r.key_embedded ? " (the bundle's own key: pass --key to check who signed it)" : "");
	bundle_report_free(&r);
	return PGB_EXIT_OK;
}
