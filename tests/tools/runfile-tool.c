/*
 * runfile-tool.c - make keys and .run files for the shell tests, through the
 * same repo/runfile.c the builder uses, so a test can sign crafted payloads
 * with its own key.
 *
 *   runfile-tool keygen SECKEY PUBKEY [UID]      prints the key's fingerprint
 *   runfile-tool write OUT STUB PAYLOAD META SECKEY [SIGTIME [EMBED_PUBKEY]]
 *   runfile-tool layout RUN     "payload OFF LEN" ... one line per section
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgp.h"
#include "runfile.h"

static int fail(const struct pgb_err *err)
{
	fprintf(stderr, "runfile-tool: %s\n", err->msg);
	return 1;
}

static int keygen(int argc, char **argv)
{
	struct pgp_seckey *k;
	struct sbuf pub = SBUF_INIT;
	struct pgb_err err;
	char fpr[41];
	int rc;

	if (pgp_keygen(&k, argc > 4 ? argv[4] : "Test Bundle <test@example.org>",
		       (int64_t)time(NULL) - 86400, &err) < 0)
		return fail(&err);
	rc = pgp_seckey_save(k, argv[2], &err);
	if (rc == 0)
		rc = pgp_seckey_export_public(k, 0, &pub, &err);
	if (rc == 0)
		rc = util_write_atomic(argv[3], pub.buf, pub.len, 0644, &err);
	pgp_seckey_fingerprint(k, fpr);
	if (rc == 0)
		printf("%s\n", fpr);
	pgp_seckey_free(k);
	sbuf_free(&pub);
	return rc < 0 ? fail(&err) : 0;
}

static int write_run(int argc, char **argv)
{
	struct pgp_seckey *k = NULL;
	char *meta = NULL, *pub = NULL;
	size_t mlen, plen;
	int64_t t = argc > 7 ? strtoll(argv[7], NULL, 10) : (int64_t)time(NULL);
	struct pgb_err err;
	int rc;

	rc = util_read_file(argv[5], &meta, &mlen, &err);
	if (rc == 0)
		rc = pgp_seckey_load(&k, argv[6], &err);
	if (rc == 0 && argc > 8)
		rc = util_read_file(argv[8], &pub, &plen, &err);
	if (rc == 0 && pub)
		rc = runfile_write_embed(argv[2], argv[3], argv[4], meta, mlen, pub, plen, k, t,
					 &err);
	else if (rc == 0)
		rc = runfile_write(argv[2], argv[3], argv[4], meta, mlen, k, t, NULL, &err);
	pgp_seckey_free(k);
	free(meta);
	free(pub);
	return rc < 0 ? fail(&err) : 0;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Read the trailer as it is, without verifying: the tests damage files. */
static int layout(char **argv)
{
	static const char *const names[] = { "payload", "meta", "key", "sig" };
	unsigned char t[RUNFILE_TRAILER_SIZE];
	FILE *f = fopen(argv[2], "rb");

	if (!f || fseek(f, -RUNFILE_TRAILER_SIZE, SEEK_END) < 0 ||
	    fread(t, 1, sizeof(t), f) != sizeof(t)) {
		perror(argv[2]);
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	for (int i = 0; i < 4; i++)
		printf("%s %llu %llu\n", names[i], (unsigned long long)le64(t + 16 + 16 * i),
		       (unsigned long long)le64(t + 24 + 16 * i));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "keygen"))
		return keygen(argc, argv);
	if (argc >= 7 && !strcmp(argv[1], "write"))
		return write_run(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "layout"))
		return layout(argv);
	fprintf(stderr, "usage: runfile-tool keygen SECKEY PUBKEY [UID]\n"
		"       runfile-tool write OUT STUB PAYLOAD META SECKEY [SIGTIME [EMBED_PUBKEY]]\n"
		"       runfile-tool layout RUN\n");
	return 2;
}
