/*
 * cmd_sbom.c - `pgbundle sbom BUNDLE`: print the bundle's CycloneDX SBOM.
 */
#include <stdio.h>

#include "bundle_check.h"
#include "cli.h"
#include "sbom.h"

static const char sbom_help[] =
	"usage: pgbundle sbom BUNDLE [--key PUB]\n\n"
	"Print the SBOM every bundle carries (" SBOM_FILE ", CycloneDX 1.5 JSON):\n"
	"each package with name, version, architecture, purl, SHA-256, the upstream\n"
	"it came from, the licenses it declares in machine-readable form (DEP-5\n"
	"copyright, rpm License), and the dependency edges between them.\n"
	"BUNDLE is the .tar.zst or the .run.  The bundle's signature is checked, and\n"
	"the SBOM's packages against the signed index (versions and SHA-256).\n"
	"  -k, --key PUB  the public key the bundle must be signed with; without it\n"
	"                 the bundle's own key is used, which proves integrity only\n";

int cmd_sbom(int argc, char **argv)
{
	struct pgb_err err = { { 0 } };
	struct bundle_report r;
	struct sbom s;
	const char *bundle, *key;
	int rc = PGB_EXIT_OK;

	if (cli_bundle_args("sbom", sbom_help, argc, argv, &bundle, &key, &rc) < 0)
		return rc;
	if (bundle_check(bundle, key, 0, &r, &err) < 0 ||
	    bundle_report_sbom(&r, bundle, &s, &err) < 0) {
		cli_error(&err);
		bundle_report_free(&r);
		return PGB_EXIT_FAIL;
	}
	if (fwrite(r.sbom.buf, 1, r.sbom.len, stdout) != r.sbom.len || fflush(stdout) != 0) {
		perror("pgbundle sbom: stdout");
		rc = PGB_EXIT_FAIL;
	}
	sbom_free(&s);
	bundle_report_free(&r);
	return rc;
}
