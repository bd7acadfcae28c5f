/*
 * test_keyrot.c - key rotation statements (repo/keyrot.c): a chain leads from
 * a pinned key to its successors, and nothing else does.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyrot.h"
#include "pgp.h"
#include "unit.h"

struct keys {
	struct pgp_seckey *k[4];	/* A, B, C, and X (unrelated) */
	char fpr[4][41];
};

static int make_keys(struct keys *ks)
{
	static const char *const uid[] = { "A <a@example.org>", "B <b@example.org>",
					   "C <c@example.org>", "X <x@example.org>" };
	struct pgb_err err;

	for (int i = 0; i < 4; i++) {
		if (pgp_keygen(&ks->k[i], uid[i], (int64_t)time(NULL) - 3600, &err) < 0)
			return -1;
		pgp_seckey_fingerprint(ks->k[i], ks->fpr[i]);
	}
	return 0;
}

static void free_keys(struct keys *ks)
{
	for (int i = 0; i < 4; i++)
		pgp_seckey_free(ks->k[i]);
}

static struct pgp_keyring *ring(const struct pgp_seckey *k)
{
	struct sbuf pub = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;

	if (pgp_seckey_export_public(k, 0, &pub, &err) == 0)
		pgp_keyring_load_mem(&kr, pub.buf, pub.len, "pin", &err);
	sbuf_free(&pub);
	return kr;
}

/* The chain A->B, B->C as `key rotate` writes it, split back into statements. */
static int chain(const struct keys *ks, struct strlist *out)
{
	struct sbuf text = SBUF_INIT;
	struct pgb_err err;
	int rc = keyrot_make(ks->k[0], ks->k[1], (int64_t)time(NULL) - 60, &text, &err);

	if (rc == 0)
		rc = keyrot_make(ks->k[1], ks->k[2], (int64_t)time(NULL) - 30, &text, &err);
	if (rc == 0)
		rc = keyrot_split(text.buf, text.len, "chain", out, &err);
	sbuf_free(&text);
	return rc;
}

static int test_a_chain_leads_from_the_pinned_key_to_the_newest(void)
{
	struct keys ks;
	struct strlist stmts = STRLIST_INIT, olds = STRLIST_INIT;
	struct pgp_keyring *pin;
	struct pgb_err err;
	char last[41];

	CHECK(make_keys(&ks) == 0 && chain(&ks, &stmts) == 0 && stmts.n == 2);
	CHECK(keyrot_last_new_key(&stmts, last, &err) == 0 && !strcmp(last, ks.fpr[2]));
	pin = ring(ks.k[0]);
	CHECKF(keyrot_follow(pin, &stmts, ks.fpr[2], &olds, &err) == 1, "%s", err.msg);
	CHECK(olds.n == 2 && !strcmp(olds.v[0], ks.fpr[0]) && !strcmp(olds.v[1], ks.fpr[1]));
	CHECK(pgp_keyring_has(pin, ks.fpr[2]));
	pgp_keyring_free(pin);
	strlist_free(&olds);
	/* A host that pinned B already: the first statement does not count, the second does. */
	pin = ring(ks.k[1]);
	CHECKF(keyrot_follow(pin, &stmts, ks.fpr[2], &olds, &err) == 1, "%s", err.msg);
	CHECK(olds.n == 1 && !strcmp(olds.v[0], ks.fpr[1]));
	pgp_keyring_free(pin);
	strlist_free(&olds);
	/* An unrelated pinned key reaches nothing. */
	pin = ring(ks.k[3]);
	CHECK(keyrot_follow(pin, &stmts, ks.fpr[2], &olds, &err) == 0 && olds.n == 0);
	CHECKF(strstr(err.msg, "statement 1 of 2") && strstr(err.msg, "not in the keyring"), "%s",
	       err.msg);
	pgp_keyring_free(pin);
	strlist_free(&stmts);
	free_keys(&ks);
	return 0;
}

static int test_a_statement_not_made_by_its_old_key_counts_for_nothing(void)
{
	struct keys ks;
	struct strlist stmts = STRLIST_INIT, olds = STRLIST_INIT;
	struct sbuf text = SBUF_INIT;
	struct pgp_keyring *pin = NULL;
	struct pgb_err err;
	char *body, *forged;

	CHECK(make_keys(&ks) == 0);
	/* X signs a statement naming A as the old key: a host pinning X must not believe it. */
	CHECK(keyrot_make(ks.k[0], ks.k[2], (int64_t)time(NULL) - 60, &text, &err) == 0);
	body = strstr(text.buf, "pgbundle key rotation");
	CHECK(body);
	forged = xasprintf("%.*s", (int)(strstr(body, "-----BEGIN PGP SIGNATURE") - body), body);
	for (char *p = forged; (p = strstr(p, "- -----")); )
		memmove(p, p + 2, strlen(p + 2) + 1);
	sbuf_reset(&text);
	CHECK(pgp_sign_cleartext(ks.k[3], forged, strlen(forged), (int64_t)time(NULL) - 60, &text,
				 &err) == 0);
	CHECK(keyrot_split(text.buf, text.len, "forged", &stmts, &err) == 0);
	pin = ring(ks.k[3]);
	CHECK(keyrot_follow(pin, &stmts, ks.fpr[2], &olds, &err) == 0);
	CHECKF(strstr(err.msg, "old key is") && strstr(err.msg, "signed by"), "%s", err.msg);
	/* And text that is not a statement is refused when split. */
	strlist_free(&stmts);
	CHECK(keyrot_split("hello\n", 6, "junk", &stmts, &err) < 0);
	CHECKF(strstr(err.msg, "junk") && strstr(err.msg, "rotation statement"), "%s", err.msg);
	pgp_keyring_free(pin);
	free(forged);
	sbuf_free(&text);
	strlist_free(&stmts);
	strlist_free(&olds);
	free_keys(&ks);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_a_chain_leads_from_the_pinned_key_to_the_newest);
	T_RUN(&s, test_a_statement_not_made_by_its_old_key_counts_for_nothing);
	return t_done(&s);
}
