/*
 * cmd_keygen.c - the bundle signing key: `pgbundle keygen -o DIR` makes one;
 * `pgbundle key rotate --key OLD -o DIR` makes its successor, with a
 * statement by which the old key vouches for it (repo/keyrot.h), so that
 * hosts which pinned the old key accept bundles signed by the new one.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bundle.h"
#include "cli.h"
#include "keyrot.h"
#include "pgp.h"
#include "util.h"

static void keygen_help(void)
{
	printf("usage: pgbundle keygen -o DIR [--uid TEXT] [--force]\n\n"
	       "Create the key that signs bundles: an OpenPGP v4 Ed25519 key.\n"
	       "  -o, --output DIR  write DIR/pgbundle.key (secret, mode 0600),\n"
	       "                    DIR/pgbundle.gpg (public, binary), DIR/pgbundle.asc (public, armored)\n"
	       "      --uid TEXT    the key's user ID (default \"pgbundle signing key\")\n"
	       "      --force       replace an existing key\n"
	       "Prints the key's fingerprint: publish it, installers are given it with\n"
	       "--fingerprint (or the public key with --key).\n");
}

static void rotate_help(void)
{
	printf("usage: pgbundle key rotate --key OLD.key -o DIR [--uid TEXT] [--force]\n\n"
	       "Create the key that replaces OLD.key, as keygen does, and DIR/%s:\n"
	       "a statement signed by the old key that names the new one (after the\n"
	       "statements beside OLD.key, if any: the whole chain).  Bundles built with\n"
	       "DIR/pgbundle.key carry it, and hosts that pinned the old key accept them\n"
	       "and pin the new key instead.  Keep OLD.key until every host has moved.\n"
	       "  -k, --key FILE    the current signing key (not expired, not revoked)\n"
	       "  -o, --output DIR  where the new key goes (not OLD.key's directory)\n"
	       "      --uid TEXT    the new key's user ID (default \"pgbundle signing key\")\n"
	       "      --force       replace an existing key in DIR\n", KEYROT_FILE);
}

/* A new key in dir: pgbundle.key (0600), pgbundle.gpg and pgbundle.asc. */
static int make_key(const char *dir, const char *uid, int force, struct pgp_seckey **k,
		    struct pgb_err *err)
{
	char *keypath = util_path_join(dir, "pgbundle.key");
	int rc = 0;

	*k = NULL;
	if (!force && util_exists(keypath))
		rc = pgb_fail(err, "%s exists; keep it, or pass --force to replace it (bundles "
			      "signed with it will no longer match the new key)", keypath);
	if (rc == 0 && (util_mkdir_p(dir, 0755, err) < 0 ||
			pgp_keygen(k, uid, (int64_t)time(NULL), err) < 0 ||
			pgp_seckey_save(*k, keypath, err) < 0 ||
			bundle_write_public_keys(*k, dir, err) < 0))
		rc = -1;
	free(keypath);
	return rc;
}

static void print_key(const struct pgp_seckey *k, const char *dir)
{
	char fpr[41];

	pgp_seckey_fingerprint(k, fpr);
	printf("key %s\nsecret %s/pgbundle.key\npublic %s/pgbundle.gpg %s/pgbundle.asc\n", fpr,
	       dir, dir, dir);
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
	int c, force = 0;

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
	if (make_key(dir, uid, force, &k, &err) < 0) {
		cli_error(&err);
		return PGB_EXIT_FAIL;
	}
	print_key(k, dir);
	pgp_seckey_free(k);
	return PGB_EXIT_OK;
}

/* The statements beside the old key, then old's for new: DIR/pgbundle.rotation. */
static int write_chain(const char *oldpath, const struct pgp_seckey *old,
		       const struct pgp_seckey *new, const char *dir, struct pgb_err *err)
{
	char *slash = strrchr(oldpath, '/'), *prev, *out = util_path_join(dir, KEYROT_FILE);
	char *text = NULL;
	struct sbuf chain = SBUF_INIT;
	size_t len;
	int rc = 0;

	prev = slash ? xasprintf("%.*s/%s", (int)(slash - oldpath), oldpath, KEYROT_FILE)
		     : xstrdup(KEYROT_FILE);
	if (util_exists(prev) && (rc = util_read_file(prev, &text, &len, err)) == 0)
		sbuf_add(&chain, text, len);
	if (rc == 0)
		rc = keyrot_make(old, new, (int64_t)time(NULL), &chain, err);
	if (rc == 0)
		rc = util_write_atomic(out, chain.buf, chain.len, 0644, err);
	free(text);
	free(prev);
	free(out);
	sbuf_free(&chain);
	return rc;
}

static int key_rotate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "uid", required_argument, NULL, 'u' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *oldpath = NULL, *uid = "pgbundle signing key";
	struct pgb_err err = { { 0 } };
	struct pgp_seckey *old = NULL, *new = NULL;
	char ofpr[41];
	int c, force = 0, rc;

	while ((c = getopt_long(argc, argv, "k:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': oldpath = optarg; break;
		case 'o': dir = optarg; break;
		case 'u': uid = optarg; break;
		case 'f': force = 1; break;
		case 'h': rotate_help(); return PGB_EXIT_OK;
		default: return cli_usage_error("key rotate", "unknown option");
		}
	}
	if (!dir || !oldpath || optind != argc)
		return cli_usage_error("key rotate", "--key OLD.key and -o DIR are required");
	rc = pgp_seckey_load(&old, oldpath, &err);
	if (rc < 0)
		pgb_err_prefix(&err, "the key to rotate");
	if (rc == 0)
		rc = make_key(dir, uid, force, &new, &err);
	if (rc == 0)
		rc = write_chain(oldpath, old, new, dir, &err);
	if (rc == 0) {
		pgp_seckey_fingerprint(old, ofpr);
		print_key(new, dir);
		printf("replaces %s\nstatement %s/%s\n", ofpr, dir, KEYROT_FILE);
	} else {
		cli_error(&err);
	}
	pgp_seckey_free(old);
	pgp_seckey_free(new);
	return rc == 0 ? PGB_EXIT_OK : PGB_EXIT_FAIL;
}

int cmd_key(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "rotate"))
		return key_rotate(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		rotate_help();
		return PGB_EXIT_OK;
	}
	return cli_usage_error("key", "the subcommand is rotate: pgbundle key rotate --key OLD.key "
			       "-o DIR");
}
