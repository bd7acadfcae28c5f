/*
 * trust.c - which keys a .run must be signed by on this host (the rules are
 * in inst.h), decided before the verification pass from what the file
 * claims: the signature's issuer, the embedded key, the bundle's rotation
 * statements.  The pass then checks the claim: it succeeds only with a good
 * signature by a key of the keyring chosen here.
 *
 * Pins are files in the trust directory, one public key each, named
 * FINGERPRINT.gpg by install; a key an operator copies there is trusted the
 * same way.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inst.h"
#include "keyrot.h"
#include "pgp.h"
#include "runfile.h"

const char *inst_fpr_groups(const char *fpr, char buf[51])
{
	size_t j = 0;

	for (size_t i = 0; fpr[i] && j + 2 < 51; i++) {
		if (i && i % 4 == 0)
			buf[j++] = ' ';
		buf[j++] = fpr[i];
	}
	buf[j] = '\0';
	return buf;
}

/* 40 hex digits, spaces allowed (as gpg prints them), into upper case. */
static int normalize_fpr(const char *in, char out[41])
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == ' ')
			continue;
		if (n == 40 || !strchr("0123456789abcdefABCDEF", *in))
			return -1;
		out[n++] = (char)(*in >= 'a' ? *in - 'a' + 'A' : *in);
	}
	out[n] = '\0';
	return n == 40 ? 0 : -1;
}

static void list_fprs(const struct pgp_keyring *kr, struct sbuf *out)
{
	struct strlist f = STRLIST_INIT;

	pgp_keyring_fprs(kr, &f);
	for (size_t i = 0; i < f.n; i++)
		sbuf_addf(out, "%s%s", i ? ", " : "", f.v[i]);
	strlist_free(&f);
}

/* The embedded key's certificate of fpr alone, as a keyring. */
static int embedded_cert(const struct inst_opts *o, const char *fpr, struct pgp_keyring **kr,
			 struct pgb_err *err)
{
	struct sbuf cert = SBUF_INIT;
	const void *key;
	size_t len;
	int rc;

	key = runfile_key(o->run, &len);
	rc = pgp_keyring_extract(key, len, fpr, &cert, err);
	if (rc == 0)
		rc = pgp_keyring_load_mem(kr, cert.buf, cert.len, "the key embedded in the file",
					  err);
	sbuf_free(&cert);
	if (rc < 0)
		return pgb_err_prefix(err, "%s: the .run is damaged or was tampered with", o->self);
	return 0;
}

/* Every key pinned in dir, or *kr NULL when there is none (or no dir). */
static int load_pins(const char *dir, struct pgp_keyring **kr, struct pgb_err *err)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort), rc = 0;

	*kr = NULL;
	for (int i = 0; i < n; i++) {
		char *path = util_path_join(dir, names[i]->d_name);
		struct stat st;

		if (rc == 0 && names[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (!*kr)
				rc = pgp_keyring_load(kr, path, err);
			else
				rc = pgp_keyring_add_file(*kr, path, err);
			if (rc < 0)
				pgb_err_prefix(err, "a key pinned on this host is unreadable (remove "
					       "or fix %s)", path);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	if (rc < 0) {
		pgp_keyring_free(*kr);
		*kr = NULL;
	}
	return rc;
}

/* --key FILE: its keys, which must hold the claimed signer. */
static int trust_key_file(struct inst_trust *t, const struct inst_opts *o, struct pgb_err *err)
{
	struct sbuf held = SBUF_INIT;
	int rc;

	if (pgp_keyring_load(&t->kr, o->key, err) < 0)
		return pgb_err_prefix(err, "the key given with --key");
	t->kr_name = xasprintf("the key file %s", o->key);
	t->source = xasprintf("the key file %s (--key)", o->key);
	t->kind = "key-file";
	if (pgp_keyring_has(t->kr, t->signer))
		return 0;
	list_fprs(t->kr, &held);
	rc = pgb_fail(err, "%s is signed by key %s, which is not in %s (it holds %s): it is not "
		      "the bundle you meant to trust, or the key file is not its publisher's",
		      o->self, t->signer, o->key, held.buf);
	sbuf_free(&held);
	return rc;
}

/* --fingerprint FPR: the embedded key, if it is that one. */
static int trust_fingerprint(struct inst_trust *t, const struct inst_opts *o, struct pgb_err *err)
{
	char want[41];

	if (normalize_fpr(o->fingerprint, want) < 0)
		return pgb_fail(err, "--fingerprint %s: a key fingerprint is 40 hex digits (as "
				"`pgbundle keygen` and `pgbundle build` print it)", o->fingerprint);
	if (strcmp(want, t->signer))
		return pgb_fail(err, "%s is signed by key %s, not by the key %s given with "
				"--fingerprint: refusing it", o->self, t->signer, want);
	t->kr_name = xasprintf("the key %s", want);
	t->source = xasprintf("the fingerprint given with --fingerprint");
	t->kind = "fingerprint";
	return embedded_cert(o, want, &t->kr, err);
}

/* A pinned key, or one the bundle's rotation statements lead to from a pin.
 * Without --key or --fingerprint, the pins become the keyring (*pins is taken). */
static int trust_pins(struct inst_trust *t, const struct inst_opts *o, struct pgp_keyring **pins,
		      int explicit, struct pgb_err *err)
{
	struct sbuf pinned = SBUF_INIT;
	struct pgb_err why;
	int rc = 0;

	t->pinned = 1;
	if (pgp_keyring_has(*pins, t->signer)) {
		if (!explicit) {
			t->kr = *pins;
			*pins = NULL;
			t->kr_name = xasprintf("the keys pinned in %s", o->trust_dir);
			t->source = xasprintf("the key pinned on this host (%s/%s.gpg, by an "
					      "earlier install)", o->trust_dir, t->signer);
			t->kind = "pinned";
		}
		return 0;
	}
	if (keyrot_follow(*pins, &o->bundle->key_rotation, t->signer, &t->retired, &why) == 1) {
		if (!explicit) {
			t->source = xasprintf("a rotation statement by the key pinned on this host "
					      "(%s), which names this key as its successor",
					      t->retired.v[0]);
			t->kr_name = xasprintf("the key %s", t->signer);
			t->kind = "rotation";
			rc = embedded_cert(o, t->signer, &t->kr, err);
		}
		return rc;
	}
	strlist_free(&t->retired);
	list_fprs(*pins, &pinned);
	rc = pgb_fail(err, "%s is signed by key %s, but this host trusts key %s, pinned in %s by an "
		      "earlier install: refusing it.  A publisher who changed keys ships bundles "
		      "carrying a rotation statement signed by the old key (pgbundle key rotate; "
		      "here: %s); to trust another publisher instead, remove the pinned key file",
		      o->self, t->signer, pinned.buf, o->trust_dir, why.msg);
	sbuf_free(&pinned);
	return rc;
}

/* Show the key and ask the operator (a terminal, no --yes). */
static int ask_embedded(struct inst_trust *t, const struct inst_opts *o, struct pgb_err *err)
{
	const char *uid = pgp_keyring_uid(t->kr, t->signer);
	char groups[51];

	printf("%s is signed by the key embedded in it:\n\n    %s\n    %s\n\n"
	       "Nothing on this host vouches for that key: the key in the file only proves the\n"
	       "file is intact, not who made it.  Compare the fingerprint with the one your\n"
	       "bundle's publisher gives (pgbundle keygen and build print it).\n",
	       o->self, inst_fpr_groups(t->signer, groups), uid && *uid ? uid : "(no User ID)");
	if (!inst_ask("Trust this key? [y/N] "))
		return pgb_fail(err, "key %s not trusted: stopped at the operator's request; "
				"nothing was changed", t->signer);
	t->source = xasprintf("the key embedded in the file, accepted at the prompt by the "
			      "operator");
	return 0;
}

/* No --key, --fingerprint or pin: the embedded key, if allowed. */
static int trust_embedded(struct inst_trust *t, const struct inst_opts *o,
			  enum inst_trust_mode mode, struct pgb_err *err)
{
	t->embedded_only = 1;
	t->kind = "embedded-key";
	t->kr_name = xstrdup("the key embedded in the .run");
	if (embedded_cert(o, t->signer, &t->kr, err) < 0)
		return -1;
	if (o->trust_embedded) {
		t->source = xasprintf("the key embedded in the file, because --trust-embedded-key "
				      "was given: nothing else vouches for it");
		return 0;
	}
	if (mode == INST_TRUST_SHOW) {
		t->source = xasprintf("none: checked with the key embedded in the file, which "
				      "proves it intact, not who made it");
		return 0;
	}
	if (!o->yes && isatty(STDIN_FILENO))
		return ask_embedded(t, o, err);
	return pgb_fail(err, "%s is signed by key %s, and nothing on this host vouches for it: "
			"the key embedded in the file only proves the file is intact.  Give the "
			"publisher's key with --key FILE (the pgbundle.asc beside the signing key) "
			"or its fingerprint with --fingerprint FPR (pgbundle build and keygen print "
			"it), or, if you checked the key another way, --trust-embedded-key",
			o->self, t->signer);
}

int inst_trust_decide(struct inst_trust *t, const struct inst_opts *o, enum inst_trust_mode mode,
		      struct pgb_err *err)
{
	struct pgp_keyring *pins = NULL;
	int explicit = o->key || o->fingerprint, rc;

	memset(t, 0, sizeof(*t));
	snprintf(t->signer, sizeof(t->signer), "%s", runfile_claimed_signer(o->run));
	if (!t->signer[0])
		return pgb_fail(err, "%s: its signature names no key embedded in it: the .run is "
				"damaged or was tampered with", o->self);
	if (o->key)
		rc = trust_key_file(t, o, err);
	else if (o->fingerprint)
		rc = trust_fingerprint(t, o, err);
	else
		rc = 0;
	/* Pins bind install always, the other commands when no key was named. */
	if (rc == 0 && (mode == INST_TRUST_INSTALL || !explicit))
		rc = load_pins(o->trust_dir, &pins, err);
	if (rc == 0 && pins) {
		rc = trust_pins(t, o, &pins, explicit, err);
		if (rc < 0 && mode == INST_TRUST_SHOW && !explicit) {
			pgp_keyring_free(t->kr);
			t->kr = NULL;
			t->pinned = 0;
			rc = 0;
		}
	}
	if (rc == 0 && !t->kr)
		rc = trust_embedded(t, o, mode, err);
	pgp_keyring_free(pins);
	return rc;
}

int inst_trust_pin(const struct inst_trust *t, const struct inst_opts *o, struct inst_log *log,
		   struct pgb_err *err)
{
	const char *signer = runfile_signer(o->run);
	struct sbuf cert = SBUF_INIT;
	char *path = xasprintf("%s/%s.gpg", o->trust_dir, signer);
	const void *key;
	size_t len;
	int rc = 0;

	if (!util_exists(path)) {
		key = runfile_key(o->run, &len);
		rc = pgp_keyring_extract(key, len, signer, &cert, err);
		if (rc == 0)
			rc = util_mkdir_p(o->trust_dir, 0755, err);
		if (rc == 0)
			rc = util_write_atomic(path, cert.buf, cert.len, 0644, err);
		if (rc == 0)
			inst_log_change(log, "trust key %s from now on: pinned in %s", signer,
					path);
	}
	for (size_t i = 0; rc == 0 && i < t->retired.n; i++) {
		char *old = xasprintf("%s/%s.gpg", o->trust_dir, t->retired.v[i]);

		if (util_exists(old) && unlink(old) == 0)
			inst_log_change(log, "no longer trust key %s: replaced by %s (its rotation "
					"statement)", t->retired.v[i], signer);
		free(old);
	}
	free(path);
	sbuf_free(&cert);
	return rc < 0 ? pgb_err_prefix(err, "cannot pin the bundle key") : 0;
}

void inst_trust_free(struct inst_trust *t)
{
	if (!t)
		return;
	pgp_keyring_free(t->kr);
	free(t->kr_name);
	free(t->source);
	strlist_free(&t->retired);
	memset(t, 0, sizeof(*t));
}
