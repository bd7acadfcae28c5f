/*
 * cmd_verify.c - `pgbundle verify BUNDLE [--key PUB]`.
 */
#include <stdio.h>

#include "bundle_check.h"
#include "cli.h"

static const char verify_help[] =
	"usage: pgbundle verify BUNDLE.tar.zst [--key PUB]\n\n"
	"Check the bundle's signed index (apt: InRelease, Release.gpg, Packages;\n"
	"rpm-md: repomd.xml, repomd.xml.asc, primary) and the size and SHA-256 of\n"
	"every package against it.\n"
	"  -k, --key PUB  the public key the bundle must be signed with; without it\n"
	"                 the bundle's own key is used, which proves integrity only\n"
	"exit codes: 0 verified, 4 does not verify, 1 cannot read, 2 usage\n";

int cmd_verify(int argc, char **argv)
{
	struct pgb_err err = { { 0 } };
	struct bundle_report r;
	const char *bundle, *key;
	int rc;

	if (cli_bundle_args("verify", verify_help, argc, argv, &bundle, &key, &rc) < 0)
		return rc;
	if (bundle_check(bundle, key, 1, &r, &err) < 0) {
		cli_error(&err);
		bundle_report_free(&r);
		return PGB_EXIT_VERIFY;
	}
	printf("%s: OK\n  %zu packages, %zu files, %.1f MiB of packages\n  signed by %s%s\n",
	       bundle, r.npackages, r.nfiles, (double)r.pool_bytes / (1024.0 * 1024.0),
	       r.signer, r.key_embedded ? " (the bundle's own key: pass --key to check who signed it)" : "");
	if (r.delta_base)
		printf("  a delta on %s: carries %zu of the %zu packages, the other %zu come from "
		       "that bundle's repository on the host\n", r.delta_base,
		       r.npackages - r.from_base, r.npackages, r.from_base);
	bundle_report_free(&r);
	return PGB_EXIT_OK;
}
