/*
 * cmd_keygen.c - `pgbundle keygen -o DIR`: the bundle signing key.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bundle.h"
#include "cli.h"
#include "pgp.h"
#include "util.h"

static void keygen_help(void)
{
	printf("usage: pgbundle keygen -o DIR [--uid TEXT] [--force]\n\n"
	       "Create the key that signs bundles: an OpenPGP v4 Ed25519 key.\n"
	       "  -o, --output DIR  write DIR/pgbundle.key (secret, mode 0600),\n"
	       "                    DIR/pgbundle.gpg (public, binary), DIR/pgbundle.asc (public, armored)\n"
	       "      --uid TEXT    the key's user ID (default \"pgbundle signing key\")\n"
	       "      --force       replace an existing key\n");
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "uid", required_argument, NULL, 'u' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *uid = "pgbundle signing key";
	struct pgb_err err = { { 0 } };
	struct pgp_seckey *k = NULL;
	char fpr[41], *keypath;
	int c, force = 0, rc = PGB_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'u': uid = optarg; break;
		case 'f': force = 1; break;
		case 'h': keygen_help(); return PGB_EXIT_OK;
		default: return cli_usage_error("keygen", "unknown option");
		}
	}
	if (!dir || optind != argc)
		return cli_usage_error("keygen", "-o DIR is required and takes no other argument");
	keypath = util_path_join(dir, "pgbundle.key");
	if (!force && util_exists(keypath)) {
		fprintf(stderr, "pgbundle: %s exists; keep it, or pass --force to replace it "
			"(bundles signed with it will no longer match the new key)\n", keypath);
		free(keypath);
		return PGB_EXIT_FAIL;
	}
	if (util_mkdir_p(dir, 0755, &err) == 0 &&
	    pgp_keygen(&k, uid, (int64_t)time(NULL), &err) == 0 &&
	    pgp_seckey_save(k, keypath, &err) == 0 && bundle_write_public_keys(k, dir, &err) == 0) {
		pgp_seckey_fingerprint(k, fpr);
		printf("key %s\nsecret %s\npublic %s/pgbundle.gpg %s/pgbundle.asc\n", fpr, keypath,
		       dir, dir);
		rc = PGB_EXIT_OK;
	} else {
		cli_error(&err);
	}
	pgp_seckey_free(k);
	free(keypath);
	return rc;
}
