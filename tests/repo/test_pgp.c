/*
 * test_pgp.c - OpenPGP signing and verification: our signatures against our
 * verifier, gpgv and sqv (the way apt calls it); gpg-made keys and signatures
 * against our verifier; real Debian InRelease files; hostile input.
 */
#include <errno.h>
#include <glob.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pgp.h"
#include "pgp_int.h"
#include "unit.h"
#include "util.h"

#define T_KEY 1700000000	/* key creation time used by the tests */
#define T_SIG 1700000100	/* signature time used by the tests */
#define DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
#define FIXTURE "tests/fixtures/pgp/bookworm-security.InRelease"
/* A day after the fixture was signed, so expiry checks are about that day. */
#define FIXTURE_NOW (1795480474 + 86400)

static const char release_text[] =
	"Origin: pgbundle test\n"
	"Label: test\n"
	"Suite: stable\n"
	"-----BEGIN PGP SIGNATURE----- is only text here\n"
	"- a line that starts with a dash\n"
	"From the top\n"
	"\n"
	"SHA256:\n"
	" e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 main/empty\n";

/* ---- helpers ---- */

static char *mktmp(void)
{
	char tmpl[] = "/tmp/pgbundle-test-pgp.XXXXXX";

	return mkdtemp(tmpl) ? xstrdup(tmpl) : NULL;
}

static void rmtmp(char *dir)
{
	struct pgb_err err;

	if (dir)
		util_rm_rf(dir, &err);
	free(dir);
}

static char *put(const char *dir, const char *name, const void *data, size_t len)
{
	struct pgb_err err;
	char *path = util_path_join(dir, name);

	if (util_write_atomic(path, data, len, 0644, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		free(path);
		return NULL;
	}
	return path;
}

/* Run a shell command; its stdout (and stderr if the command says 2>&1) into out. */
static int run(const char *cmd, struct sbuf *out)
{
	char buf[4096];
	size_t n;
	FILE *p = popen(cmd, "r");
	int st;

	if (!p)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		if (out)
			sbuf_add(out, buf, n);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have_tool(const char *name)
{
	char *cmd = xasprintf("command -v %s >/dev/null 2>&1", name);
	int ok = run(cmd, NULL) == 0;

	free(cmd);
	return ok;
}

static struct pgp_seckey *mkkey(const char *uid)
{
	struct pgb_err err;
	struct pgp_seckey *k;

	if (pgp_keygen(&k, uid, T_KEY, &err) < 0) {
		fprintf(stderr, "# keygen: %s\n", err.msg);
		return NULL;
	}
	return k;
}

static struct pgp_keyring *keyring_of(const struct pgp_seckey *k, int armored)
{
	struct pgb_err err;
	struct sbuf pub = SBUF_INIT;
	struct pgp_keyring *kr = NULL;

	if (pgp_seckey_export_public(k, armored, &pub, &err) < 0 ||
	    pgp_keyring_load_mem(&kr, pub.buf, pub.len, "test key", &err) < 0)
		fprintf(stderr, "# keyring: %s\n", err.msg);
	sbuf_free(&pub);
	return kr;
}

static int verify_text(const struct pgp_keyring *kr, const struct sbuf *msg, char **body,
		       struct pgb_err *err)
{
	size_t blen;

	return pgp_verify_cleartext_at(kr, msg->buf, msg->len, "test InRelease", T_SIG + 60, body,
				       &blen, NULL, err);
}

/* What apt's SplitClearSignedFile hands to sqv: message without final newline, signature. */
static void apt_split(const struct sbuf *in, struct sbuf *msg, struct sbuf *sig)
{
	const char *p = in->buf, *end = in->buf + in->len, *s;
	int header = 1, first = 1;

	p = strchr(p, '\n') + 1;	/* BEGIN PGP SIGNED MESSAGE */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		s = p;
		p += n + 1;
		while (n && strchr("\r \t", s[n - 1]))
			n--;
		if (header) {
			header = n != 0;
			continue;
		}
		if (n == 29 && !memcmp(s, "-----BEGIN PGP SIGNATURE-----", 29)) {
			sbuf_add(sig, s, (size_t)(end - s));
			return;
		}
		if (n >= 2 && s[0] == '-' && s[1] == ' ')
			s += 2, n -= 2;
		if (!first)
			sbuf_addc(msg, '\n');
		sbuf_add(msg, s, n);
		first = 0;
	}
}

/* gpg in a private home; batch, no passphrase prompts. */
static int gpg(const char *home, const char *args, struct sbuf *out)
{
	char *cmd = xasprintf("gpg --homedir %s --batch --quiet --no-tty --pinentry-mode loopback "
			      "--passphrase '' %s 2>/dev/null", home, args);
	int rc = run(cmd, out);

	free(cmd);
	return rc;
}

static void gpg_done(const char *home)
{
	char *cmd = xasprintf("gpgconf --homedir %s --kill gpg-agent >/dev/null 2>&1", home);

	run(cmd, NULL);
	free(cmd);
}

/* The first fingerprint of a colon listing after the record type `rec`. */
static int gpg_fpr(const char *home, const char *rec, char fpr[41])
{
	struct sbuf out = SBUF_INIT;
	const char *p;
	int ok = 0;

	gpg(home, "--with-colons --with-subkey-fingerprints --list-keys", &out);
	p = out.buf ? strstr(out.buf, rec) : NULL;
	if (p)
		p = strstr(p, "\nfpr:");
	if (p && sscanf(p, "\nfpr:::::::::%40[0-9A-F]", fpr) == 1)
		ok = 1;
	sbuf_free(&out);
	return ok;
}

/* ---- our key, our signatures, our verifier ---- */

static int test_cleartext_signed_by_keygen_key_verifies_with_exact_body(void)
{
	struct pgp_seckey *k = mkkey("Test Bundle Key <test@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 0);
	struct sbuf msg = SBUF_INIT;
	struct pgp_sig_info info;
	struct pgb_err err;
	char fpr[41], *body;
	size_t blen;

	CHECK(k && kr);
	CHECK(pgp_keyring_count(kr) == 1);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG, &msg, &err) == 0);
	CHECK(strstr(msg.buf, "\n- -----BEGIN PGP SIGNATURE----- is only text here\n"));
	CHECKF(pgp_verify_cleartext_at(kr, msg.buf, msg.len, "InRelease", T_SIG + 60, &body, &blen,
				       &info, &err) == 0, "%s", err.msg);
	CHECK(blen == strlen(release_text) && !memcmp(body, release_text, blen));
	pgp_seckey_fingerprint(k, fpr);
	CHECK(!strcmp(info.fpr, fpr) && !strcmp(info.primary_fpr, fpr));
	CHECK(info.created == T_SIG);
	CHECK(pgp_keyring_has(kr, fpr));
	free(body);
	sbuf_free(&msg);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

static int test_cleartext_rejects_flipped_body_byte(void)
{
	struct pgp_seckey *k = mkkey("Flip <flip@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 0);
	struct sbuf msg = SBUF_INIT;
	struct pgb_err err;
	char *body = (char *)"untouched", *p;

	CHECK(k && kr);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG, &msg, &err) == 0);
	p = strstr(msg.buf, "Suite: stable");
	CHECK(p);
	p[7] = 'S';
	CHECK(verify_text(kr, &msg, &body, &err) < 0);
	CHECKF(strstr(err.msg, "BAD signature"), "%s", err.msg);
	CHECK(body == NULL);
	sbuf_free(&msg);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

static int test_cleartext_from_key_outside_keyring_has_no_good_signature(void)
{
	struct pgp_seckey *a = mkkey("A <a@example.org>"), *b = mkkey("B <b@example.org>");
	struct pgp_keyring *kr = keyring_of(b, 0);
	struct sbuf msg = SBUF_INIT;
	struct pgb_err err;
	char fpr[41], *body;

	CHECK(a && b && kr);
	CHECK(pgp_sign_cleartext(a, release_text, strlen(release_text), T_SIG, &msg, &err) == 0);
	CHECK(verify_text(kr, &msg, &body, &err) < 0);
	pgp_seckey_fingerprint(a, fpr);
	CHECKF(strstr(err.msg, "no good signature") && strstr(err.msg, fpr + 24) &&
	       strstr(err.msg, "not in the keyring"), "%s", err.msg);
	sbuf_free(&msg);
	pgp_keyring_free(kr);
	pgp_seckey_free(a);
	pgp_seckey_free(b);
	return 0;
}

static int test_detached_signatures_verify_binary_and_armored_and_reject_changed_data(void)
{
	struct pgp_seckey *k = mkkey("Detached <d@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 1);
	struct sbuf bin = SBUF_INIT, asc = SBUF_INIT;
	struct pgp_sig_info info;
	struct pgb_err err;
	char data[] = "any bytes \0 even NUL\n";

	CHECK(k && kr);
	CHECK(pgp_sign_detached(k, data, sizeof(data), T_SIG, 0, &bin, &err) == 0);
	CHECK(pgp_sign_detached(k, data, sizeof(data), T_SIG, 1, &asc, &err) == 0);
	CHECK((uint8_t)bin.buf[0] == 0xc2);	/* new-format signature packet */
	CHECK(!strncmp(asc.buf, "-----BEGIN PGP SIGNATURE-----\n\n", 31));
	CHECKF(pgp_verify_detached_at(kr, data, sizeof(data), bin.buf, bin.len, "sig", T_SIG,
				      &info, &err) == 0, "%s", err.msg);
	CHECKF(pgp_verify_detached_at(kr, data, sizeof(data), asc.buf, asc.len, "sig.asc", T_SIG,
				      &info, &err) == 0, "%s", err.msg);
	data[3] ^= 1;
	CHECK(pgp_verify_detached_at(kr, data, sizeof(data), bin.buf, bin.len, "sig", T_SIG,
				     &info, &err) < 0);
	CHECK(strstr(err.msg, "BAD signature"));
	sbuf_free(&bin);
	sbuf_free(&asc);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

static int test_bad_signature_from_keyring_key_fails_even_beside_a_good_one(void)
{
	struct pgp_seckey *a = mkkey("A <a@example.org>"), *b = mkkey("B <b@example.org>");
	struct pgp_keyring *both = keyring_of(a, 0), *only_a = keyring_of(a, 0);
	struct sbuf sigs = SBUF_INIT, pub = SBUF_INIT;
	struct pgb_err err;
	const char data[] = "release", other[] = "forged";

	CHECK(a && b && both && only_a);
	CHECK(pgp_seckey_export_public(b, 0, &pub, &err) == 0);
	CHECK(pgp_keyring_add_mem(both, pub.buf, pub.len, "b", &err) == 0);
	CHECK(pgp_keyring_count(both) == 2);
	CHECK(pgp_sign_detached(a, data, sizeof(data), T_SIG, 0, &sigs, &err) == 0);
	CHECK(pgp_sign_detached(b, other, sizeof(other), T_SIG, 0, &sigs, &err) == 0);
	CHECK(pgp_verify_detached_at(both, data, sizeof(data), sigs.buf, sigs.len, "two", T_SIG,
				     NULL, &err) < 0);
	CHECKF(strstr(err.msg, "BAD signature"), "%s", err.msg);
	CHECKF(pgp_verify_detached_at(only_a, data, sizeof(data), sigs.buf, sigs.len, "two", T_SIG,
				      NULL, &err) == 0, "%s", err.msg);
	sbuf_free(&sigs);
	sbuf_free(&pub);
	pgp_keyring_free(both);
	pgp_keyring_free(only_a);
	pgp_seckey_free(a);
	pgp_seckey_free(b);
	return 0;
}

static int test_signatures_are_byte_identical_for_same_key_data_and_time(void)
{
	struct pgp_seckey *k = mkkey("Det <det@example.org>");
	struct sbuf c1 = SBUF_INIT, c2 = SBUF_INIT, c3 = SBUF_INIT, d1 = SBUF_INIT, d2 = SBUF_INIT;
	struct pgb_err err;

	CHECK(k);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG, &c1, &err) == 0);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG, &c2, &err) == 0);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG + 1, &c3, &err) == 0);
	CHECK(pgp_sign_detached(k, "x", 1, T_SIG, 1, &d1, &err) == 0);
	CHECK(pgp_sign_detached(k, "x", 1, T_SIG, 1, &d2, &err) == 0);
	CHECK(c1.len == c2.len && !memcmp(c1.buf, c2.buf, c1.len));
	CHECK(d1.len == d2.len && !memcmp(d1.buf, d2.buf, d1.len));
	CHECK(c1.len != c3.len || memcmp(c1.buf, c3.buf, c1.len));
	sbuf_free(&c1);
	sbuf_free(&c2);
	sbuf_free(&c3);
	sbuf_free(&d1);
	sbuf_free(&d2);
	pgp_seckey_free(k);
	return 0;
}

static int test_cleartext_signing_refuses_trailing_white_space(void)
{
	struct pgp_seckey *k = mkkey("WS <ws@example.org>");
	struct sbuf out = SBUF_INIT;
	struct pgb_err err;

	CHECK(k);
	CHECK(pgp_sign_cleartext(k, "a\nb \nc\n", 7, T_SIG, &out, &err) < 0);
	CHECKF(strstr(err.msg, "line 2"), "%s", err.msg);
	CHECK(pgp_sign_cleartext(k, "a\r\n", 3, T_SIG, &out, &err) < 0);
	CHECK(out.len == 0);
	pgp_seckey_free(k);
	return 0;
}

static int test_cleartext_rejects_unsigned_text_after_signature(void)
{
	struct pgp_seckey *k = mkkey("Tail <tail@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 0);
	struct sbuf msg = SBUF_INIT;
	struct pgb_err err;
	char *body;

	CHECK(k && kr);
	CHECK(pgp_sign_cleartext(k, "Suite: x\n", 9, T_SIG, &msg, &err) == 0);
	sbuf_adds(&msg, "Suite: evil\n");
	CHECK(verify_text(kr, &msg, &body, &err) < 0);
	CHECKF(strstr(err.msg, "not covered"), "%s", err.msg);
	sbuf_free(&msg);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

static int test_cleartext_rejects_unknown_armor_header_and_unescaped_dash(void)
{
	struct pgp_seckey *k = mkkey("Hdr <hdr@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 0);
	struct sbuf msg = SBUF_INIT, evil = SBUF_INIT;
	struct pgb_err err;
	char *body, *p;

	CHECK(k && kr);
	CHECK(pgp_sign_cleartext(k, "-x\n", 3, T_SIG, &msg, &err) == 0);
	p = strstr(msg.buf, "Hash: SHA512\n");
	CHECK(p);
	sbuf_add(&evil, msg.buf, (size_t)(p - msg.buf));
	sbuf_adds(&evil, "Comment: hi\n");
	sbuf_adds(&evil, p);
	CHECK(verify_text(kr, &evil, &body, &err) < 0);
	CHECKF(strstr(err.msg, "armor header"), "%s", err.msg);
	p = strstr(msg.buf, "\n- -x\n");
	CHECK(p);
	memmove(p + 1, p + 3, strlen(p + 3) + 1);
	msg.len -= 2;
	CHECK(verify_text(kr, &msg, &body, &err) < 0);
	CHECKF(strstr(err.msg, "dash-escaping"), "%s", err.msg);
	sbuf_free(&msg);
	sbuf_free(&evil);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

/* Found by tests/fuzz/fuzz_pgp_cleartext.c: trailing white space mixing
 * carriage returns with spaces or tabs ("x\r\t\r ") was stripped one kind
 * after the other, once, so part of it stayed in the hashed text and the
 * body; gpg strips the whole run, and so must we (it is never signed). */
static int test_cleartext_strips_any_mix_of_trailing_white_space(void)
{
	struct pgp_seckey *k = mkkey("Ws <ws@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 0);
	struct sbuf msg = SBUF_INIT, mixed = SBUF_INIT;
	struct pgb_err err;
	char *body = NULL, *p;

	CHECK(k && kr);
	CHECK(pgp_sign_cleartext(k, "Origin: x\nLabel: y\n", 19, T_SIG, &msg, &err) == 0);
	p = strstr(msg.buf, "Origin: x\n");
	CHECK(p);
	sbuf_add(&mixed, msg.buf, (size_t)(p - msg.buf) + 9);
	sbuf_adds(&mixed, "\r\t\r \r\r\t");
	sbuf_adds(&mixed, p + 9);
	CHECKF(verify_text(kr, &mixed, &body, &err) == 0, "%s", err.msg);
	CHECKF(!strcmp(body, "Origin: x\nLabel: y\n"), "body '%s'", body);
	free(body);
	sbuf_free(&msg);
	sbuf_free(&mixed);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

/* ---- real clients: gpgv and sqv ---- */

static int test_gpgv_accepts_our_cleartext_and_detached_signatures(void)
{
	struct pgp_seckey *k = mkkey("gpgv Check <gpgv@example.org>");
	struct sbuf pub = SBUF_INIT, in = SBUF_INIT, det = SBUF_INIT, out = SBUF_INIT;
	struct pgb_err err;
	char *dir = mktmp(), *kpath, *inpath, *rpath, *dpath, *cmd, *text, fpr[41];
	size_t len;

	CHECK(k && dir && have_tool("gpgv"));
	CHECK(pgp_seckey_export_public(k, 0, &pub, &err) == 0);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG, &in, &err) == 0);
	CHECK(pgp_sign_detached(k, release_text, strlen(release_text), T_SIG, 1, &det, &err) == 0);
	kpath = put(dir, "bundle.gpg", pub.buf, pub.len);
	inpath = put(dir, "InRelease", in.buf, in.len);
	rpath = put(dir, "Release", release_text, strlen(release_text));
	dpath = put(dir, "Release.gpg", det.buf, det.len);
	CHECK(kpath && inpath && rpath && dpath);
	pgp_seckey_fingerprint(k, fpr);

	cmd = xasprintf("gpgv --status-fd 1 --keyring %s --output %s/out %s", kpath, dir, inpath);
	CHECK(run(cmd, &out) == 0);
	CHECK(strstr(out.buf, "[GNUPG:] GOODSIG") && strstr(out.buf, fpr));
	free(cmd);
	cmd = xasprintf("%s/out", dir);
	CHECK(util_read_file(cmd, &text, &len, &err) == 0);
	CHECKF(len == strlen(release_text) && !memcmp(text, release_text, len), "gpgv: %s", text);
	free(text);
	free(cmd);
	sbuf_reset(&out);
	cmd = xasprintf("gpgv --status-fd 1 --keyring %s %s %s", kpath, dpath, rpath);
	CHECK(run(cmd, &out) == 0);
	CHECK(strstr(out.buf, "[GNUPG:] VALIDSIG") && strstr(out.buf, fpr));
	free(cmd);

	free(kpath);
	free(inpath);
	free(rpath);
	free(dpath);
	sbuf_free(&pub);
	sbuf_free(&in);
	sbuf_free(&det);
	sbuf_free(&out);
	rmtmp(dir);
	pgp_seckey_free(k);
	return 0;
}

/*
 * apt on trixie runs sqv itself (methods/sqv.cc): InRelease is split like
 * SplitClearSignedFile does, then `sqv --keyring K SIG MESSAGE`; Release.gpg
 * goes as `sqv --keyring K Release.gpg Release`.  sqv prints the good signers.
 */
static int test_sqv_accepts_our_signatures_the_way_apt_calls_it(void)
{
	struct pgp_seckey *k = mkkey("sqv Check <sqv@example.org>");
	struct sbuf pub = SBUF_INIT, in = SBUF_INIT, det = SBUF_INIT, out = SBUF_INIT;
	struct sbuf msg = SBUF_INIT, sig = SBUF_INIT;
	struct pgb_err err;
	char *dir = mktmp(), *kpath, *mpath, *spath, *rpath, *dpath, *cmd, fpr[41];

	CHECK(k && dir && have_tool("sqv"));
	CHECK(pgp_seckey_export_public(k, 0, &pub, &err) == 0);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG, &in, &err) == 0);
	CHECK(pgp_sign_detached(k, release_text, strlen(release_text), T_SIG, 1, &det, &err) == 0);
	apt_split(&in, &msg, &sig);
	CHECK(msg.len == strlen(release_text) - 1 && !memcmp(msg.buf, release_text, msg.len));
	kpath = put(dir, "bundle.gpg", pub.buf, pub.len);
	mpath = put(dir, "apt.data", msg.buf, msg.len);
	spath = put(dir, "apt.sig", sig.buf, sig.len);
	rpath = put(dir, "Release", release_text, strlen(release_text));
	dpath = put(dir, "Release.gpg", det.buf, det.len);
	CHECK(kpath && mpath && spath && rpath && dpath);
	pgp_seckey_fingerprint(k, fpr);

	cmd = xasprintf("sqv --keyring %s %s %s 2>&1", kpath, spath, mpath);
	CHECKF(run(cmd, &out) == 0, "sqv: %s", out.buf ? out.buf : "");
	CHECKF(strstr(out.buf, fpr), "sqv: %s", out.buf);
	free(cmd);
	sbuf_reset(&out);
	cmd = xasprintf("sqv --keyring %s %s %s 2>&1", kpath, dpath, rpath);
	CHECKF(run(cmd, &out) == 0, "sqv: %s", out.buf ? out.buf : "");
	CHECKF(strstr(out.buf, fpr), "sqv: %s", out.buf);
	free(cmd);

	free(kpath);
	free(mpath);
	free(spath);
	free(rpath);
	free(dpath);
	sbuf_free(&pub);
	sbuf_free(&in);
	sbuf_free(&det);
	sbuf_free(&out);
	sbuf_free(&msg);
	sbuf_free(&sig);
	rmtmp(dir);
	pgp_seckey_free(k);
	return 0;
}

/* ---- gpg-made keys and signatures ---- */

/*
 * Import the revocation certificate gpg left for its key fpr (in
 * openpgp-revocs.d, its armor lines masked with ':'); opts: more gpg options.
 */
static int gpg_self_revoke(const char *home, const char *fpr, const char *opts)
{
	struct sbuf rev = SBUF_INIT;
	struct pgb_err err;
	char *path = xasprintf("%s/openpgp-revocs.d/%s.rev", home, fpr), *p = NULL, *args;
	size_t len;
	int rc = -1;

	if (util_read_file(path, &p, &len, &err) == 0 && strstr(p, ":-----BEGIN")) {
		sbuf_adds(&rev, strstr(p, ":-----BEGIN") + 1);
		free(path);
		path = put(home, "self.rev", rev.buf, rev.len);
		if (path) {
			args = xasprintf("%s --import %s", opts, path);
			rc = gpg(home, args, NULL);
			free(args);
		}
	}
	free(p);
	free(path);
	sbuf_free(&rev);
	return rc;
}


static int gpg_subkey_setup(const char *home, char pfpr[41], char sfpr[41])
{
	char *args;
	int ok;

	if (gpg(home, "--quick-gen-key 'Sub Test <sub@example.org>' ed25519 cert never", NULL))
		return 0;
	if (!gpg_fpr(home, "\npub:", pfpr))
		return 0;
	args = xasprintf("--quick-add-key %s ed25519 sign never", pfpr);
	ok = gpg(home, args, NULL) == 0 && gpg_fpr(home, "\nsub:", sfpr);
	free(args);
	return ok;
}

static int test_gpg_signing_subkey_signatures_verify_and_name_both_keys(void)
{
	struct sbuf pub = SBUF_INIT, in = SBUF_INIT, det = SBUF_INIT, txt = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgp_sig_info info;
	struct pgb_err err;
	char *dir = mktmp(), *rpath, *args, pfpr[41], sfpr[41], *body;
	size_t blen;

	CHECK(dir && have_tool("gpg"));
	CHECK(gpg_subkey_setup(dir, pfpr, sfpr));
	rpath = put(dir, "Release", release_text, strlen(release_text));
	CHECK(rpath);
	CHECK(gpg(dir, "--export", &pub) == 0 && pub.len);
	args = xasprintf("--digest-algo SHA256 --clearsign -o - %s", rpath);
	CHECK(gpg(dir, args, &in) == 0 && in.len);
	free(args);
	args = xasprintf("--digest-algo SHA512 --detach-sign -o - %s", rpath);
	CHECK(gpg(dir, args, &det) == 0 && det.len);
	free(args);
	args = xasprintf("--textmode --armor --detach-sign -o - %s", rpath);
	CHECK(gpg(dir, args, &txt) == 0 && txt.len);
	free(args);

	CHECKF(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "gpg export", &err) == 0, "%s", err.msg);
	CHECK(pgp_keyring_count(kr) == 1);
	CHECK(pgp_keyring_has(kr, pfpr) && pgp_keyring_has(kr, sfpr));
	CHECKF(pgp_verify_cleartext(kr, in.buf, in.len, "gpg InRelease", &body, &blen, &info,
				    &err) == 0, "%s", err.msg);
	CHECK(blen == strlen(release_text) && !memcmp(body, release_text, blen));
	CHECK(!strcmp(info.fpr, sfpr) && !strcmp(info.primary_fpr, pfpr));
	free(body);
	CHECKF(pgp_verify_detached(kr, release_text, strlen(release_text), det.buf, det.len,
				   "gpg Release.gpg", &info, &err) == 0, "%s", err.msg);
	CHECKF(pgp_verify_detached(kr, release_text, strlen(release_text), txt.buf, txt.len,
				   "gpg textmode sig", &info, &err) == 0, "%s", err.msg);

	gpg_done(dir);
	free(rpath);
	sbuf_free(&pub);
	sbuf_free(&in);
	sbuf_free(&det);
	sbuf_free(&txt);
	pgp_keyring_free(kr);
	rmtmp(dir);
	return 0;
}

/* Offset and length of the n-th packet with `tag` (any tag: -1) in a binary key (old or new format). */
static int find_packet(const uint8_t *p, size_t len, int tag, int nth, size_t *off,
		       size_t *hl, size_t *blen)
{
	size_t o = 0;

	while (o < len) {
		int t, h;
		size_t b;

		if (p[o] & 0x40) {
			t = p[o] & 0x3f;
			if (p[o + 1] < 192)
				h = 2, b = p[o + 1];
			else if (p[o + 1] < 224)
				h = 3, b = ((size_t)(p[o + 1] - 192) << 8) + p[o + 2] + 192;
			else
				h = 6, b = (size_t)p[o + 2] << 24 | (size_t)p[o + 3] << 16 |
					   (size_t)p[o + 4] << 8 | p[o + 5];
		} else {
			t = (p[o] >> 2) & 15;
			h = 1 + (1 << (p[o] & 3));
			b = 0;
			for (int i = 1; i < h; i++)
				b = b << 8 | p[o + i];
		}
		if ((tag < 0 || t == tag) && nth-- == 0) {
			*off = o;
			*hl = (size_t)h;
			*blen = b;
			return 1;
		}
		o += (size_t)h + b;
	}
	return 0;
}

/*
 * gpg puts the subkey's back-signature (0x19) in the binding's unhashed area:
 * dropping it leaves the binding valid but the subkey not cross-certified.
 */
static void drop_backsig(struct sbuf *key)
{
	const uint8_t *p = (uint8_t *)key->buf;
	struct sbuf out = SBUF_INIT, body = SBUF_INIT;
	size_t sub, sh, sb, off, hl, bl, hashed, ulen;

	if (!find_packet(p, key->len, 14, 0, &sub, &sh, &sb) ||
	    !find_packet(p + sub, key->len - sub, 2, 0, &off, &hl, &bl))
		return;
	off += sub;
	hashed = 6 + ((size_t)p[off + hl + 4] << 8 | p[off + hl + 5]);
	ulen = (size_t)p[off + hl + hashed] << 8 | p[off + hl + hashed + 1];
	sbuf_add(&body, p + off + hl, hashed);
	sbuf_add(&body, "\0\0", 2);
	sbuf_add(&body, p + off + hl + hashed + 2 + ulen, bl - hashed - 2 - ulen);
	sbuf_add(&out, p, off);
	sbuf_addc(&out, (char)0xc2);
	sbuf_addc(&out, (char)0xff);
	for (int i = 3; i >= 0; i--)
		sbuf_addc(&out, (char)(body.len >> (8 * i)));
	sbuf_add(&out, body.buf, body.len);
	sbuf_add(&out, p + off + hl + bl, key->len - off - hl - bl);
	sbuf_free(key);
	*key = out;
	sbuf_free(&body);
}

static int test_signing_subkey_without_back_signature_is_refused(void)
{
	struct sbuf pub = SBUF_INIT, det = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *rpath, *args, pfpr[41], sfpr[41];

	CHECK(dir && have_tool("gpg"));
	CHECK(gpg_subkey_setup(dir, pfpr, sfpr));
	rpath = put(dir, "Release", release_text, strlen(release_text));
	CHECK(rpath && gpg(dir, "--export", &pub) == 0 && pub.len);
	args = xasprintf("--detach-sign -o - %s", rpath);
	CHECK(gpg(dir, args, &det) == 0 && det.len);
	free(args);
	drop_backsig(&pub);
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "no backsig", &err) == 0);
	CHECK(pgp_verify_detached(kr, release_text, strlen(release_text), det.buf, det.len,
				  "Release.gpg", NULL, &err) < 0);
	CHECKF(strstr(err.msg, "primary-key binding"), "%s", err.msg);
	gpg_done(dir);
	free(rpath);
	sbuf_free(&pub);
	sbuf_free(&det);
	pgp_keyring_free(kr);
	rmtmp(dir);
	return 0;
}

static int test_rsa_key_made_by_gpg_verifies_and_is_refused_as_bundle_key(void)
{
	struct sbuf pub = SBUF_INIT, sec = SBUF_INIT, det = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgp_seckey *k = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *rpath, *args;

	CHECK(dir && have_tool("gpg"));
	CHECK(gpg(dir, "--quick-gen-key 'RSA Test <rsa@example.org>' rsa2048 sign never", NULL) == 0);
	rpath = put(dir, "Release", release_text, strlen(release_text));
	CHECK(rpath && gpg(dir, "--export", &pub) == 0 && pub.len);
	CHECK(gpg(dir, "--export-secret-keys", &sec) == 0 && sec.len);
	args = xasprintf("--armor --detach-sign -o - %s", rpath);
	CHECK(gpg(dir, args, &det) == 0 && det.len);
	free(args);
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "rsa", &err) == 0);
	CHECKF(pgp_verify_detached(kr, release_text, strlen(release_text), det.buf, det.len,
				   "Release.gpg", NULL, &err) == 0, "%s", err.msg);
	CHECK(pgp_seckey_load_mem(&k, sec.buf, sec.len, "rsa.key", &err) < 0 && !k);
	CHECKF(strstr(err.msg, "unsupported key algorithm RSA"), "%s", err.msg);
	gpg_done(dir);
	free(rpath);
	sbuf_free(&pub);
	sbuf_free(&sec);
	sbuf_free(&det);
	pgp_keyring_free(kr);
	rmtmp(dir);
	return 0;
}

static int test_gpg_exported_ed25519_secret_key_signs_for_gpgv(void)
{
	struct sbuf sec = SBUF_INIT, asc = SBUF_INIT, in = SBUF_INIT, out = SBUF_INIT;
	struct pgp_seckey *k = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *kpath, *inpath, *cmd, fpr[41], ours[41];

	CHECK(dir && have_tool("gpg") && have_tool("gpgv"));
	CHECK(gpg(dir, "--quick-gen-key 'Ed Test <ed@example.org>' ed25519 sign never", NULL) == 0);
	CHECK(gpg_fpr(dir, "\npub:", fpr));
	CHECK(gpg(dir, "--export-secret-keys --armor", &sec) == 0 && sec.len);
	CHECK(gpg(dir, "--export", &asc) == 0 && asc.len);
	CHECKF(pgp_seckey_load_mem(&k, sec.buf, sec.len, "ed.asc", &err) == 0, "%s", err.msg);
	pgp_seckey_fingerprint(k, ours);
	CHECK(!strcmp(ours, fpr));
	/* not before the key, made just now */
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), pgp_seckey_created(k) - 1,
				 &in, &err) < 0);
	CHECKF(strstr(err.msg, "before the key"), "%s", err.msg);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), pgp_seckey_created(k), &in,
				 &err) == 0);
	kpath = put(dir, "k.gpg", asc.buf, asc.len);
	inpath = put(dir, "InRelease", in.buf, in.len);
	CHECK(kpath && inpath);
	cmd = xasprintf("gpgv --status-fd 1 --keyring %s %s 2>/dev/null", kpath, inpath);
	CHECK(run(cmd, &out) == 0 && strstr(out.buf, "GOODSIG"));
	free(cmd);
	gpg_done(dir);
	free(kpath);
	free(inpath);
	sbuf_free(&sec);
	sbuf_free(&asc);
	sbuf_free(&in);
	sbuf_free(&out);
	pgp_seckey_free(k);
	rmtmp(dir);
	return 0;
}

static int test_passphrase_protected_secret_key_is_refused_clearly(void)
{
	struct sbuf sec = SBUF_INIT;
	struct pgp_seckey *k = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *cmd;

	CHECK(dir && have_tool("gpg"));
	cmd = xasprintf("gpg --homedir %s --batch --quiet --pinentry-mode loopback --passphrase "
			"secret --quick-gen-key 'PW <pw@example.org>' ed25519 sign never 2>/dev/null",
			dir);
	CHECK(run(cmd, NULL) == 0);
	free(cmd);
	cmd = xasprintf("gpg --homedir %s --batch --quiet --pinentry-mode loopback --passphrase "
			"secret --export-secret-keys 2>/dev/null", dir);
	CHECK(run(cmd, &sec) == 0 && sec.len);
	free(cmd);
	CHECK(pgp_seckey_load_mem(&k, sec.buf, sec.len, "pw.key", &err) < 0 && !k);
	CHECKF(strstr(err.msg, "passphrase"), "%s", err.msg);
	gpg_done(dir);
	sbuf_free(&sec);
	rmtmp(dir);
	return 0;
}

static int test_expired_and_revoked_keys_give_no_good_signature(void)
{
	struct sbuf pub = SBUF_INIT, in = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *rpath, *args, *body, fpr[41];
	size_t blen;
	const int64_t made = 1577836800;	/* 2020-01-01, the faked clock below */

	CHECK(dir && have_tool("gpg"));
	CHECK(gpg(dir, "--faked-system-time 20200101T000000 --quick-gen-key "
		  "'Old <old@example.org>' ed25519 sign 1d", NULL) == 0);
	rpath = put(dir, "Release", release_text, strlen(release_text));
	CHECK(rpath);
	args = xasprintf("--faked-system-time 20200101T010000 --clearsign -o - %s", rpath);
	CHECK(gpg(dir, args, &in) == 0 && in.len);
	free(args);
	CHECK(gpg(dir, "--export", &pub) == 0);
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "old", &err) == 0);
	CHECK(pgp_verify_cleartext(kr, in.buf, in.len, "old InRelease", &body, &blen, NULL,
				   &err) < 0);
	CHECKF(strstr(err.msg, "expired on 2020-01-02"), "%s", err.msg);
	CHECKF(pgp_verify_cleartext_at(kr, in.buf, in.len, "old InRelease", made + 7200, &body,
				       &blen, NULL, &err) == 0, "%s", err.msg);
	free(body);
	pgp_keyring_free(kr);
	kr = NULL;

	CHECK(gpg_fpr(dir, "\npub:", fpr));
	CHECK(gpg_self_revoke(dir, fpr, "--faked-system-time 20200101T020000") == 0);
	sbuf_reset(&pub);
	CHECK(gpg(dir, "--export", &pub) == 0);
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "revoked", &err) == 0);
	CHECK(pgp_verify_cleartext_at(kr, in.buf, in.len, "old InRelease", made + 7200, &body,
				      &blen, NULL, &err) < 0);
	CHECKF(strstr(err.msg, "key revoked"), "%s", err.msg);

	gpg_done(dir);
	free(rpath);
	sbuf_free(&pub);
	sbuf_free(&in);
	pgp_keyring_free(kr);
	rmtmp(dir);
	return 0;
}

/* ---- Debian ---- */

/* Our body against gpgv's output for a Debian InRelease file. */
static int check_debian_inrelease(const struct pgp_keyring *kr, const char *path, int64_t now)
{
	struct sbuf gv = SBUF_INIT;
	struct pgp_sig_info info;
	struct pgb_err err;
	char *msg, *body, *cmd;
	size_t len, blen;

	CHECK(util_read_file(path, &msg, &len, &err) == 0);
	CHECKF(pgp_verify_cleartext_at(kr, msg, len, path, now, &body, &blen, &info, &err) == 0,
	       "%s", err.msg);
	cmd = xasprintf("gpgv --keyring %s --output - %s 2>/dev/null", DEBIAN_KEYRING, path);
	CHECKF(run(cmd, &gv) == 0, "gpgv rejected %s", path);
	CHECKF(gv.len == blen && !memcmp(gv.buf, body, blen), "%s: body differs from gpgv's", path);
	CHECK(pgp_keyring_has(kr, info.fpr));
	free(cmd);
	free(msg);
	free(body);
	sbuf_free(&gv);
	return 0;
}

static int test_debian_inrelease_from_host_mirror_verifies_like_gpgv(void)
{
	static const char *suites[] = { "bookworm", "trixie" };
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;
	char *mirror = t_debian_mirror(), *dir = mktmp();

	CHECKF(mirror, "no Debian mirror in /etc/apt/sources.list{,.d}");
	CHECK(dir && have_tool("curl"));
	CHECKF(pgp_keyring_load(&kr, DEBIAN_KEYRING, &err) == 0, "%s", err.msg);
	for (size_t i = 0; i < 2; i++) {
		char *path = xasprintf("%s/%s.InRelease", dir, suites[i]);
		char *cmd = xasprintf("curl -fsS --max-time 120 -o %s %s/dists/%s/InRelease", path,
				      mirror, suites[i]);

		CHECKF(run(cmd, NULL) == 0, "cannot fetch %s/dists/%s/InRelease: the mirror is "
		       "unreachable, so this case cannot pass", mirror, suites[i]);
		CHECK(check_debian_inrelease(kr, path, (int64_t)time(NULL)) == 0);
		free(cmd);
		free(path);
	}
	pgp_keyring_free(kr);
	free(mirror);
	rmtmp(dir);
	return 0;
}

/* Tests run from the top of the tree; tests/run.sh also exports TOP. */
static char *fixture_path(void)
{
	const char *top = getenv("TOP");

	return xasprintf("%s/%s", top ? top : ".", FIXTURE);
}

static int test_stored_debian_inrelease_verifies_offline(void)
{
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;
	char *path = fixture_path();

	CHECKF(pgp_keyring_load(&kr, DEBIAN_KEYRING, &err) == 0, "%s", err.msg);
	CHECK(pgp_keyring_count(kr) >= 1);
	CHECK(check_debian_inrelease(kr, path, FIXTURE_NOW) == 0);
	pgp_keyring_free(kr);
	free(path);
	return 0;
}

static int test_armored_keyring_loads_the_same_keys_as_binary(void)
{
	struct pgp_keyring *bin = NULL, *asc = NULL;
	struct pgp_seckey *a = mkkey("A <a@example.org>"), *b = mkkey("B <b@example.org>");
	struct sbuf armored = SBUF_INIT, two = SBUF_INIT, msg = SBUF_INIT;
	struct pgb_err err;
	char *data, *body, *dir = mktmp(), *p1, *p2;
	size_t len;

	CHECK(a && b && dir);
	CHECK(util_read_file(DEBIAN_KEYRING, &data, &len, &err) == 0);
	CHECK(pgp_keyring_load_mem(&bin, data, len, "binary", &err) == 0);
	CHECK(pgp_armor(data, len, "PUBLIC KEY BLOCK", &armored) == 0);
	CHECKF(pgp_keyring_load_mem(&asc, armored.buf, armored.len, "armored", &err) == 0, "%s",
	       err.msg);
	CHECK(pgp_keyring_count(bin) == pgp_keyring_count(asc) && pgp_keyring_count(bin) >= 1);
	free(data);
	pgp_keyring_free(bin);
	pgp_keyring_free(asc);

	/* Two armored keys in one .asc, merged with a binary file. */
	CHECK(pgp_seckey_export_public(a, 1, &two, &err) == 0);
	CHECK(pgp_seckey_export_public(b, 1, &two, &err) == 0);
	p1 = put(dir, "two.asc", two.buf, two.len);
	CHECK(p1 && pgp_keyring_load(&asc, p1, &err) == 0);
	CHECK(pgp_keyring_count(asc) == 2);
	p2 = xstrdup(DEBIAN_KEYRING);
	CHECK(pgp_keyring_add_file(asc, p2, &err) == 0);
	CHECK(pgp_keyring_count(asc) > 2);
	CHECK(pgp_sign_cleartext(b, "x\n", 2, T_SIG, &msg, &err) == 0);
	CHECK(verify_text(asc, &msg, &body, &err) == 0);
	free(body);
	free(p1);
	free(p2);
	sbuf_free(&armored);
	sbuf_free(&two);
	sbuf_free(&msg);
	pgp_keyring_free(asc);
	pgp_seckey_free(a);
	pgp_seckey_free(b);
	rmtmp(dir);
	return 0;
}

/* ---- secret key files ---- */

static int test_seckey_save_load_round_trip_keeps_key_and_mode_0600(void)
{
	struct pgp_seckey *k = mkkey("Round <round@example.org>"), *l = NULL, *m = NULL;
	struct sbuf s1 = SBUF_INIT, s2 = SBUF_INIT, file = SBUF_INIT, asc = SBUF_INIT;
	struct pgb_err err;
	struct stat st;
	char *dir = mktmp(), *path, f1[41], f2[41], *data;
	size_t len;

	CHECK(k && dir);
	path = util_path_join(dir, "bundle.key");
	CHECK(pgp_seckey_save(k, path, &err) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECKF(pgp_seckey_load(&l, path, &err) == 0, "%s", err.msg);
	pgp_seckey_fingerprint(k, f1);
	pgp_seckey_fingerprint(l, f2);
	CHECK(!strcmp(f1, f2) && pgp_seckey_created(l) == T_KEY);
	CHECK(pgp_sign_detached(k, "d", 1, T_SIG, 0, &s1, &err) == 0);
	CHECK(pgp_sign_detached(l, "d", 1, T_SIG, 0, &s2, &err) == 0);
	CHECK(s1.len == s2.len && !memcmp(s1.buf, s2.buf, s1.len));
	/* the same key armored as gpg would export it */
	CHECK(util_read_file(path, &data, &len, &err) == 0);
	CHECK(pgp_armor(data, len, "PRIVATE KEY BLOCK", &asc) == 0);
	CHECK(pgp_seckey_load_mem(&m, asc.buf, asc.len, "armored key", &err) == 0);
	free(data);
	free(path);
	sbuf_free(&s1);
	sbuf_free(&s2);
	sbuf_free(&file);
	sbuf_free(&asc);
	pgp_seckey_free(k);
	pgp_seckey_free(l);
	pgp_seckey_free(m);
	rmtmp(dir);
	return 0;
}

static int test_loading_public_key_as_secret_key_is_a_clear_error(void)
{
	struct pgp_seckey *k = mkkey("Pub <pub@example.org>"), *l = NULL;
	struct sbuf bin = SBUF_INIT, asc = SBUF_INIT;
	struct pgb_err err;

	CHECK(k);
	CHECK(pgp_seckey_export_public(k, 0, &bin, &err) == 0);
	CHECK(pgp_seckey_export_public(k, 1, &asc, &err) == 0);
	CHECK(pgp_seckey_load_mem(&l, bin.buf, bin.len, "bundle.gpg", &err) < 0 && !l);
	CHECKF(strstr(err.msg, "public key, not a secret key"), "%s", err.msg);
	CHECK(pgp_seckey_load_mem(&l, asc.buf, asc.len, "bundle.asc", &err) < 0 && !l);
	CHECKF(strstr(err.msg, "public key, not a secret key"), "%s", err.msg);
	sbuf_free(&bin);
	sbuf_free(&asc);
	pgp_seckey_free(k);
	return 0;
}

static int test_damaged_secret_key_is_refused(void)
{
	struct pgp_seckey *k = mkkey("Dmg <dmg@example.org>"), *l = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *path, *data;
	size_t len;

	CHECK(k && dir);
	path = util_path_join(dir, "k");
	CHECK(pgp_seckey_save(k, path, &err) == 0);
	CHECK(util_read_file(path, &data, &len, &err) == 0);
	/* last byte of the secret MPI: the checksum catches it */
	data[2 + 51 + 1 + 2 + 31] ^= 0x40;
	CHECK(pgp_seckey_load_mem(&l, data, len, "k", &err) < 0 && !l);
	CHECKF(strstr(err.msg, "checksum"), "%s", err.msg);
	free(data);
	free(path);
	pgp_seckey_free(k);
	rmtmp(dir);
	return 0;
}

/* Found by tests/fuzz/fuzz_pgp_seckey.c: an armored PRIVATE KEY BLOCK that
 * fails to decode (no END line, bad base64) left the bytes decoded so far
 * allocated, never wiped nor freed.  LeakSanitizer (make check-san) reports
 * it too; the heap count catches it in the plain build. */
static int test_damaged_armored_secret_key_keeps_nothing_it_decoded(void)
{
	struct pgp_seckey *k = mkkey("Cut <cut@example.org>"), *l = NULL;
	struct sbuf asc = SBUF_INIT;
	struct pgb_err err;
	char *dir = mktmp(), *path, *data, *end;
	size_t len, before, after;

	CHECK(k && dir);
	path = util_path_join(dir, "k");
	CHECK(pgp_seckey_save(k, path, &err) == 0);
	CHECK(util_read_file(path, &data, &len, &err) == 0);
	CHECK(pgp_armor(data, len, "PRIVATE KEY BLOCK", &asc) == 0);
	end = strstr(asc.buf, "\n=");
	CHECK(end);
	before = mallinfo2().uordblks;
	for (int i = 0; i < 200; i++) {
		/* no CRC and END lines */
		CHECK(pgp_seckey_load_mem(&l, asc.buf, (size_t)(end - asc.buf) + 1, "cut.asc",
					  &err) < 0 && !l);
		/* a byte that is no base64 on the last data line */
		end[-2] = '\x01';
		CHECK(pgp_seckey_load_mem(&l, asc.buf, asc.len, "bad.asc", &err) < 0 && !l);
		end[-2] = 'A';
	}
	after = mallinfo2().uordblks;
	CHECKF(after < before + 8192, "%zu bytes still allocated after 400 refused loads",
	       after - before);
	free(data);
	free(path);
	sbuf_free(&asc);
	pgp_seckey_free(k);
	rmtmp(dir);
	return 0;
}

/* Found by tests/fuzz/fuzz_pgp_seckey.c: text that looks armored but has no
 * BEGIN line of a block failed with an empty message. */
static int test_armor_without_a_block_fails_naming_the_file(void)
{
	static const char bad[] = "-----BEGIN PGP PRIVATE EKY BLOCK-----AQC+\nxVgE\n";
	struct pgp_seckey *l = NULL;
	struct pgb_err err;

	memset(&err, 0, sizeof(err));
	CHECK(pgp_seckey_load_mem(&l, bad, sizeof(bad) - 1, "bundle.key", &err) < 0 && !l);
	CHECKF(strstr(err.msg, "bundle.key") && strstr(err.msg, "BEGIN PGP PRIVATE KEY BLOCK"),
	       "'%s'", err.msg);
	return 0;
}

/* ---- armor and hostile input ---- */

static int test_armor_round_trips_and_checks_crc(void)
{
	struct sbuf a = SBUF_INIT, d = SBUF_INIT;
	struct pgb_err err;
	unsigned char data[200];
	char *crc;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	CHECK(pgp_armor(data, sizeof(data), "SIGNATURE", &a) == 0);
	CHECK(pgp_dearmor(a.buf, a.len, &d, &err) == 0);
	CHECK(d.len == sizeof(data) && !memcmp(d.buf, data, d.len));
	crc = strstr(a.buf, "\n=");
	CHECK(crc);
	crc[3] = crc[3] == 'A' ? 'B' : 'A';
	sbuf_reset(&d);
	CHECK(pgp_dearmor(a.buf, a.len, &d, &err) < 0);
	CHECKF(strstr(err.msg, "CRC-24"), "%s", err.msg);
	CHECK(pgp_armor("", 0, "", &a) < 0);
	sbuf_free(&a);
	sbuf_free(&d);
	return 0;
}

static int test_hostile_armor_and_packets_fail_cleanly(void)
{
	static const struct {
		const char *text;
		const char *expect;
	} armors[] = {
		{ "-----BEGIN PGP SIGNATURE-----\n\n!!!!garbage\n-----END PGP SIGNATURE-----\n",
		  "invalid base64" },
		{ "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAAB\n", "no END line" },
		{ "-----BEGIN PGP SIGNATURE-----\n\nwsBc\n-----END PGP MESSAGE-----\n", "ends with" },
		{ "no armor here", "no \"-----BEGIN" },
		{ "", "no \"-----BEGIN" },
	};
	static const uint8_t huge_new[] = { 0xc2, 0xff, 0xff, 0xff, 0xff, 0xff, 0x04, 0x00 };
	static const uint8_t huge_old[] = { 0x8a, 0xff, 0xff, 0xff, 0xf0, 0x04 };
	static const uint8_t partial[] = { 0xc2, 0xe1, 0x04, 0x00 };
	static const uint8_t huge_mpi_key[] = { 0xc6, 0x0a, 0x04, 0x65, 0x53, 0xf1, 0x00, 0x01,
						0xff, 0xff, 0x01, 0x02 };
	struct pgp_seckey *k = mkkey("Hostile <h@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 0), *none = NULL;
	struct sbuf out = SBUF_INIT, sig = SBUF_INIT;
	struct pgb_err err;
	char *body;

	CHECK(k && kr);
	for (size_t i = 0; i < sizeof(armors) / sizeof(*armors); i++) {
		CHECK(pgp_dearmor(armors[i].text, strlen(armors[i].text), &out, &err) < 0);
		CHECKF(strstr(err.msg, armors[i].expect), "case %zu: %s", i, err.msg);
	}
	CHECK(pgp_verify_detached(kr, "d", 1, huge_new, sizeof(huge_new), "huge", NULL, &err) < 0);
	CHECKF(strstr(err.msg, "runs past the end"), "%s", err.msg);
	CHECK(pgp_verify_detached(kr, "d", 1, huge_old, sizeof(huge_old), "huge", NULL, &err) < 0);
	CHECK(pgp_verify_detached(kr, "d", 1, partial, sizeof(partial), "part", NULL, &err) < 0);
	CHECKF(strstr(err.msg, "partial"), "%s", err.msg);
	CHECK(pgp_keyring_load_mem(&none, huge_mpi_key, sizeof(huge_mpi_key), "k", &err) < 0);
	CHECKF(strstr(err.msg, "malformed"), "%s", err.msg);
	/* zero-length everything */
	CHECK(pgp_keyring_load_mem(&none, "", 0, "empty", &err) < 0 && !none);
	CHECK(pgp_verify_detached(kr, "d", 1, "", 0, "empty", NULL, &err) < 0);
	CHECK(pgp_verify_cleartext(kr, "", 0, "empty", &body, NULL, NULL, &err) < 0 && !body);
	/* a hashed-area length of 0xffff in an otherwise valid signature */
	CHECK(pgp_sign_detached(k, "d", 1, T_SIG, 0, &sig, &err) == 0);
	sig.buf[6] = (char)0xff;
	sig.buf[7] = (char)0xff;
	CHECK(pgp_verify_detached(kr, "d", 1, sig.buf, sig.len, "sig", NULL, &err) < 0);
	CHECKF(strstr(err.msg, "malformed signature"), "%s", err.msg);
	sbuf_free(&out);
	sbuf_free(&sig);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

static int test_every_truncation_of_a_signature_is_rejected(void)
{
	struct pgp_seckey *k = mkkey("Trunc <t@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 0);
	struct sbuf sig = SBUF_INIT, msg = SBUF_INIT;
	struct pgb_err err;
	char *body;
	size_t blen;

	CHECK(k && kr);
	CHECK(pgp_sign_detached(k, "data", 4, T_SIG, 0, &sig, &err) == 0);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG, &msg, &err) == 0);
	for (size_t n = 0; n < sig.len; n++)
		CHECKF(pgp_verify_detached_at(kr, "data", 4, sig.buf, n, "t", T_SIG, NULL, &err) < 0,
		       "accepted %zu of %zu bytes", n, sig.len);
	/* the cleartext may lose trailing white space after END and still be whole */
	for (size_t n = 0; n + 1 < msg.len; n++) {
		int rc = pgp_verify_cleartext_at(kr, msg.buf, n, "t", T_SIG, &body, &blen, NULL, &err);

		CHECKF(rc < 0 && !body, "accepted %zu of %zu bytes", n, msg.len);
	}
	sbuf_free(&sig);
	sbuf_free(&msg);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

/* Deterministic pseudo-random numbers for the flip loop (xorshift). */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void flip(struct sbuf *dst, const struct sbuf *src, uint32_t *seed)
{
	int flips = 1 + (int)(next_rand(seed) % 3);

	sbuf_reset(dst);
	sbuf_add(dst, src->buf, src->len);
	while (flips--)
		dst->buf[next_rand(seed) % dst->len] ^= (char)(1u << (next_rand(seed) % 8));
	if (next_rand(seed) % 8 == 0)
		dst->len = next_rand(seed) % dst->len;	/* sometimes truncate too */
}

static int test_random_flips_never_crash_and_never_change_what_verifies(void)
{
	struct pgp_seckey *k = mkkey("Fuzz <fuzz@example.org>"), *l;
	struct pgp_keyring *kr = keyring_of(k, 0), *fk;
	struct sbuf msg = SBUF_INIT, sig = SBUF_INIT, pub = SBUF_INIT, sec = SBUF_INIT;
	struct sbuf m = SBUF_INIT;
	struct pgb_err err;
	uint32_t seed = 0x9e3779b9;
	char *dir = mktmp(), *path, *body, *data;
	size_t blen, len;

	CHECK(k && kr && dir);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG, &msg, &err) == 0);
	CHECK(pgp_sign_detached(k, "data", 4, T_SIG, 0, &sig, &err) == 0);
	CHECK(pgp_seckey_export_public(k, 0, &pub, &err) == 0);
	path = util_path_join(dir, "k");
	CHECK(pgp_seckey_save(k, path, &err) == 0);
	CHECK(util_read_file(path, &data, &len, &err) == 0);
	sbuf_add(&sec, data, len);
	free(data);
	for (int i = 0; i < 3000; i++) {
		flip(&m, &msg, &seed);
		if (pgp_verify_cleartext_at(kr, m.buf, m.len, "f", T_SIG, &body, &blen, NULL,
					    &err) == 0) {
			CHECKF(blen == strlen(release_text) && !memcmp(body, release_text, blen),
			       "a changed message verified with a different body");
			free(body);
		}
		flip(&m, &sig, &seed);
		pgp_verify_detached_at(kr, "data", 4, m.buf, m.len, "f", T_SIG, NULL, &err);
		flip(&m, &pub, &seed);
		if (pgp_keyring_load_mem(&fk, m.buf, m.len, "f", &err) == 0) {
			pgp_verify_detached_at(fk, "data", 4, sig.buf, sig.len, "f", T_SIG, NULL,
					       &err);
			pgp_keyring_free(fk);
		}
		flip(&m, &sec, &seed);
		if (pgp_seckey_load_mem(&l, m.buf, m.len, "f", &err) == 0)
			pgp_seckey_free(l);
	}
	free(path);
	sbuf_free(&msg);
	sbuf_free(&sig);
	sbuf_free(&pub);
	sbuf_free(&sec);
	sbuf_free(&m);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	rmtmp(dir);
	return 0;
}

static int test_random_flips_in_debian_keyring_never_crash(void)
{
	struct sbuf ring = SBUF_INIT, m = SBUF_INIT;
	struct pgp_keyring *kr;
	struct pgb_err err;
	uint32_t seed = 12345;
	char *data;
	size_t len;

	CHECK(util_read_file(DEBIAN_KEYRING, &data, &len, &err) == 0);
	sbuf_add(&ring, data, len);
	free(data);
	for (int i = 0; i < 100; i++) {
		flip(&m, &ring, &seed);
		if (pgp_keyring_load_mem(&kr, m.buf, m.len, "f", &err) == 0)
			pgp_keyring_free(kr);
	}
	sbuf_free(&ring);
	sbuf_free(&m);
	return 0;
}

/* ---- what the security review found (issue 11) ---- */

/* The packets of a binary key: offset and whole length (header included) of each. */
struct packets {
	size_t off[64], len[64];
	int tag[64];
	int n;
};

static int split_packets(const struct sbuf *k, struct packets *ps)
{
	size_t o = 0, off, hl, bl;

	ps->n = 0;
	while (o < k->len && ps->n < 64) {
		if (!find_packet((uint8_t *)k->buf + o, k->len - o, -1, 0, &off, &hl, &bl))
			return 0;
		ps->off[ps->n] = o;
		ps->len[ps->n] = hl + bl;
		ps->tag[ps->n] = (k->buf[o] & 0x40) ? k->buf[o] & 0x3f : (k->buf[o] >> 2) & 15;
		ps->n++;
		o += hl + bl;
	}
	return o == k->len;
}

/* The index of the n-th packet with tag, or -1. */
static int packet_index(const struct packets *ps, int tag, int nth)
{
	for (int i = 0; i < ps->n; i++)
		if (ps->tag[i] == tag && nth-- == 0)
			return i;
	return -1;
}

/* Move packet `from` of key so that it comes right after packet `after`. */
static void move_packet(struct sbuf *key, int from, int after)
{
	struct packets ps;
	struct sbuf out = SBUF_INIT;

	if (!split_packets(key, &ps))
		return;
	for (int i = 0; i < ps.n; i++) {
		if (i != from)
			sbuf_add(&out, key->buf + ps.off[i], ps.len[i]);
		if (i == after)
			sbuf_add(&out, key->buf + ps.off[from], ps.len[from]);
	}
	sbuf_free(key);
	*key = out;
}

/* The signature type of packet i (a v4 signature: its second body byte). */
static int sig_type_at(const struct sbuf *key, const struct packets *ps, int i)
{
	size_t off, hl, bl;

	find_packet((uint8_t *)key->buf + ps->off[i], ps->len[i], 2, 0, &off, &hl, &bl);
	return (uint8_t)key->buf[ps->off[i] + hl + 1];
}

static int test_key_revocation_after_the_user_id_is_honoured(void)
{
	struct sbuf pub = SBUF_INIT, in = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct packets ps;
	struct pgb_err err;
	char *dir = mktmp(), *rpath, *args, *body = NULL, fpr[41];
	size_t blen;
	int r;

	CHECK(dir && have_tool("gpg"));
	CHECK(gpg(dir, "--quick-gen-key 'Rev <rev@example.org>' ed25519 sign never", NULL) == 0);
	rpath = put(dir, "Release", release_text, strlen(release_text));
	CHECK(rpath);
	args = xasprintf("--clearsign -o - %s", rpath);
	CHECK(gpg(dir, args, &in) == 0 && in.len);
	free(args);
	CHECK(gpg_fpr(dir, "\npub:", fpr) && gpg_self_revoke(dir, fpr, "") == 0);
	CHECK(gpg(dir, "--export", &pub) == 0 && split_packets(&pub, &ps));
	/* gpg puts the revocation right after the key: move it after the User ID's self-signature */
	r = packet_index(&ps, 2, 0);
	CHECK(r == 1 && sig_type_at(&pub, &ps, r) == 0x20 && ps.tag[ps.n - 1] == 2);
	move_packet(&pub, r, ps.n - 1);
	CHECK(split_packets(&pub, &ps) && ps.tag[1] == 13 && sig_type_at(&pub, &ps, ps.n - 1) == 0x20);
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "revoked late", &err) == 0);
	CHECK(pgp_verify_cleartext(kr, in.buf, in.len, "InRelease", &body, &blen, NULL, &err) < 0);
	CHECKF(strstr(err.msg, "key revoked"), "%s", err.msg);
	gpg_done(dir);
	free(rpath);
	sbuf_free(&pub);
	sbuf_free(&in);
	pgp_keyring_free(kr);
	rmtmp(dir);
	return 0;
}

/* Revoke the signing subkey of gpg_subkey_setup()'s key. */
static int gpg_revoke_subkey(const char *home, const char *pfpr)
{
	char *cmd = xasprintf("printf 'key 1\\nrevkey\\ny\\n0\\n\\ny\\nsave\\n' | gpg --homedir %s "
			      "--batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "
			      "--command-fd 0 --edit-key %s >/dev/null 2>&1", home, pfpr);
	int rc = run(cmd, NULL);

	free(cmd);
	return rc;
}

static int test_subkey_revocation_out_of_place_is_honoured(void)
{
	struct sbuf pub = SBUF_INIT, det = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct packets ps;
	struct pgb_err err;
	char *dir = mktmp(), *rpath, *args, pfpr[41], sfpr[41];
	int r, uidsig;

	CHECK(dir && have_tool("gpg"));
	CHECK(gpg_subkey_setup(dir, pfpr, sfpr));
	rpath = put(dir, "Release", release_text, strlen(release_text));
	CHECK(rpath);
	args = xasprintf("--detach-sign -o - %s", rpath);
	CHECK(gpg(dir, args, &det) == 0 && det.len);
	free(args);
	CHECK(gpg_revoke_subkey(dir, pfpr) == 0);
	CHECK(gpg(dir, "--export", &pub) == 0 && split_packets(&pub, &ps));
	/* in place (after the subkey) it counts already */
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "subkey revoked", &err) == 0);
	CHECK(pgp_verify_detached(kr, release_text, strlen(release_text), det.buf, det.len,
				  "Release.gpg", NULL, &err) < 0);
	CHECKF(strstr(err.msg, "subkey revoked"), "%s", err.msg);
	pgp_keyring_free(kr);
	/* moved after the User ID's self-signature, before the subkey it revokes */
	r = -1;
	for (int i = 0; i < ps.n; i++)
		if (ps.tag[i] == 2 && sig_type_at(&pub, &ps, i) == 0x28)
			r = i;
	uidsig = packet_index(&ps, 13, 0) + 1;
	CHECK(r > uidsig && ps.tag[uidsig] == 2);
	move_packet(&pub, r, uidsig);
	CHECK(split_packets(&pub, &ps) && sig_type_at(&pub, &ps, uidsig + 1) == 0x28);
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "subkey revoked early", &err) == 0);
	CHECK(pgp_verify_detached(kr, release_text, strlen(release_text), det.buf, det.len,
				  "Release.gpg", NULL, &err) < 0);
	CHECKF(strstr(err.msg, "subkey revoked"), "%s", err.msg);
	gpg_done(dir);
	free(rpath);
	sbuf_free(&pub);
	sbuf_free(&det);
	pgp_keyring_free(kr);
	rmtmp(dir);
	return 0;
}

/*
 * k's public key with its one User ID self-signed again, at T_KEY, with a
 * signature expiration time of `life` seconds (subpacket 3): gpg makes no
 * such self-signature, so it is made here with our signer.
 */
static int key_with_expiring_selfsig(const struct pgp_seckey *k, int64_t life, struct sbuf *out)
{
	struct sbuf pub = SBUF_INIT, x = SBUF_INIT, body = SBUF_INIT;
	struct pgb_err err;
	size_t ko, kh, kb, uo, uh, ub;
	EVP_MD_CTX *md = pgp_md_begin(PGP_H_SHA512);
	const uint8_t *p;
	int rc;

	if (!md || pgp_seckey_export_public(k, 0, &pub, &err) < 0)
		return -1;
	p = (uint8_t *)pub.buf;
	if (!find_packet(p, pub.len, 6, 0, &ko, &kh, &kb) ||
	    !find_packet(p, pub.len, 13, 0, &uo, &uh, &ub))
		return -1;
	pgp_hash_keybody(md, p + ko + kh, kb);
	pgp_hash_component(md, 0xb4, p + uo + uh, ub);
	sbuf_addc(&x, 5);	/* signature expiration time */
	sbuf_addc(&x, 3);
	pgp_put_be(&x, (uint64_t)life, 4);
	sbuf_addc(&x, 2);	/* key flags: certify, sign */
	sbuf_addc(&x, 27);
	sbuf_addc(&x, 3);
	rc = pgp_sig_finish(k, md, 0x13, T_KEY, &x, &body, &err);
	if (rc == 0) {
		sbuf_add(out, p, uo + uh + ub);
		pgp_put_packet(out, PGP_TAG_SIG, body.buf, body.len);
	}
	sbuf_free(&pub);
	sbuf_free(&x);
	sbuf_free(&body);
	return rc;
}

static int test_key_whose_only_self_signature_expired_is_not_used(void)
{
	struct pgp_seckey *k = mkkey("Short <short@example.org>");
	struct sbuf pub = SBUF_INIT, sig = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;

	CHECK(k && key_with_expiring_selfsig(k, 86400, &pub) == 0);
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "short", &err) == 0);
	CHECK(pgp_sign_detached(k, "data", 4, T_SIG, 0, &sig, &err) == 0);
	CHECKF(pgp_verify_detached_at(kr, "data", 4, sig.buf, sig.len, "d", T_SIG + 3600, NULL,
				      &err) == 0, "%s", err.msg);
	CHECK(pgp_verify_detached_at(kr, "data", 4, sig.buf, sig.len, "d", T_KEY + 2 * 86400, NULL,
				     &err) < 0);
	CHECKF(strstr(err.msg, "self-signature expired"), "%s", err.msg);
	sbuf_free(&pub);
	sbuf_free(&sig);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

static int test_signature_dated_in_the_future_is_refused(void)
{
	struct pgp_seckey *k = mkkey("Future <future@example.org>");
	struct pgp_keyring *kr = keyring_of(k, 0);
	struct sbuf det = SBUF_INIT, msg = SBUF_INIT;
	struct pgb_err err;
	char *body = NULL;
	size_t blen;

	CHECK(k && kr);
	CHECK(pgp_sign_detached(k, "data", 4, T_SIG + 86400, 0, &det, &err) == 0);
	CHECK(pgp_sign_cleartext(k, release_text, strlen(release_text), T_SIG + 86400, &msg,
				 &err) == 0);
	CHECK(pgp_verify_detached_at(kr, "data", 4, det.buf, det.len, "d", T_SIG, NULL, &err) < 0);
	CHECKF(strstr(err.msg, "in the future"), "%s", err.msg);
	CHECK(pgp_verify_cleartext_at(kr, msg.buf, msg.len, "m", T_SIG, &body, &blen, NULL,
				      &err) < 0 && !body);
	CHECKF(strstr(err.msg, "in the future"), "%s", err.msg);
	/* a clock a few minutes behind the signer's is tolerated, as sqv does */
	CHECKF(pgp_verify_detached_at(kr, "data", 4, det.buf, det.len, "d", T_SIG + 86400 - 300,
				      NULL, &err) == 0, "%s", err.msg);
	sbuf_free(&det);
	sbuf_free(&msg);
	pgp_keyring_free(kr);
	pgp_seckey_free(k);
	return 0;
}

/*
 * Two keys of a keyring named by one issuer (a 64-bit key ID collision, or a
 * SHA-1 fingerprint collision): the signature is good if any of them makes it.
 * The first key is given the second's fingerprint, so both match the issuer.
 */
static int test_issuer_shared_by_two_keys_verifies_with_the_right_one(void)
{
	struct pgp_seckey *a = mkkey("A <a@example.org>"), *b = mkkey("B <b@example.org>");
	struct pgp_keyring *kr = keyring_of(a, 0);
	struct sbuf pub = SBUF_INIT, sig = SBUF_INIT;
	struct pgp_sig_info info;
	struct pgb_err err;
	struct pgp_key *ka;
	char bfpr[41];

	CHECK(a && b && kr);
	CHECK(pgp_seckey_export_public(b, 0, &pub, &err) == 0);
	CHECK(pgp_keyring_add_mem(kr, pub.buf, pub.len, "b", &err) == 0);
	CHECK(pgp_keyring_size(kr) == 2);
	ka = (struct pgp_key *)pgp_keyring_key(kr, 0);
	memcpy(ka->fpr, pgp_keyring_key(kr, 1)->fpr, 20);
	pgp_seckey_fingerprint(b, bfpr);
	CHECK(pgp_sign_detached(b, "data", 4, T_SIG, 0, &sig, &err) == 0);
	CHECKF(pgp_verify_detached_at(kr, "data", 4, sig.buf, sig.len, "d", T_SIG, &info,
				      &err) == 0, "%s", err.msg);
	CHECK(!strcmp(info.primary_fpr, bfpr));
	/* forged data still fails, naming the bad signature */
	CHECK(pgp_verify_detached_at(kr, "datA", 4, sig.buf, sig.len, "d", T_SIG, &info,
				     &err) < 0);
	CHECKF(strstr(err.msg, "BAD signature"), "%s", err.msg);
	sbuf_free(&pub);
	sbuf_free(&sig);
	pgp_keyring_free(kr);
	pgp_seckey_free(a);
	pgp_seckey_free(b);
	return 0;
}

/*
 * An armored secret key whose checksum is wrong: decoding fails after the
 * key's bytes were decoded; none of them may stay behind in memory (the
 * sanitizer build also checks that nothing leaks).
 */
static int test_malformed_armored_secret_key_leaves_no_decoded_bytes(void)
{
	struct pgp_seckey *k = mkkey("Wipe <wipe@example.org>"), *l = NULL;
	struct sbuf arm = SBUF_INIT, d = SBUF_INIT;
	struct pgb_err err;
	char *dir = mktmp(), *path, *bin, *crc;
	size_t len;

	CHECK(k && dir);
	path = util_path_join(dir, "k");
	CHECK(pgp_seckey_save(k, path, &err) == 0 && util_read_file(path, &bin, &len, &err) == 0);
	CHECK(pgp_armor(bin, len, "PRIVATE KEY BLOCK", &arm) == 0);
	crc = strstr(arm.buf, "\n=");
	CHECK(crc);
	crc[3] = crc[3] == 'A' ? 'B' : 'A';
	CHECK(pgp_dearmor(arm.buf, arm.len, &d, &err) < 0);
	CHECKF(strstr(err.msg, "CRC-24"), "%s", err.msg);
	/* the secret MPI: the last 34 bytes but the checksum */
	CHECK(d.len == 0 && (!d.buf || !memmem(d.buf, d.cap, bin + len - 34, 32)));
	CHECK(pgp_seckey_load_mem(&l, arm.buf, arm.len, "k.asc", &err) < 0 && !l);
	CHECKF(strstr(err.msg, "CRC-24"), "%s", err.msg);
	free(bin);
	free(path);
	sbuf_free(&arm);
	sbuf_free(&d);
	pgp_seckey_free(k);
	rmtmp(dir);
	return 0;
}

/* ---- the builder's keys (issue 11): gpg-made keys that must not be used ---- */


static int test_revoked_or_expired_bundle_key_is_refused_for_signing(void)
{
	struct sbuf sec = SBUF_INIT;
	struct packets ps;
	struct pgp_seckey *k = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *old = mktmp(), fpr[41];

	CHECK(dir && old && have_tool("gpg"));
	CHECK(gpg(dir, "--quick-gen-key 'Revoked Bundle <rb@example.org>' ed25519 sign never",
		  NULL) == 0);
	CHECK(gpg(dir, "--export-secret-keys", &sec) == 0 && sec.len);
	CHECKF(pgp_seckey_load_mem(&k, sec.buf, sec.len, "ok.key", &err) == 0, "%s", err.msg);
	pgp_seckey_free(k);
	k = NULL;
	CHECK(gpg_fpr(dir, "\npub:", fpr) && gpg_self_revoke(dir, fpr, "") == 0);
	sbuf_reset(&sec);
	CHECK(gpg(dir, "--export-secret-keys", &sec) == 0 && split_packets(&sec, &ps));
	CHECK(ps.tag[1] == 2 && sig_type_at(&sec, &ps, 1) == 0x20);
	CHECK(pgp_seckey_load_mem(&k, sec.buf, sec.len, "revoked.key", &err) < 0 && !k);
	CHECKF(strstr(err.msg, "revoked") && strstr(err.msg, fpr), "%s", err.msg);
	/* after the User ID as well */
	move_packet(&sec, 1, ps.n - 1);
	CHECK(pgp_seckey_load_mem(&k, sec.buf, sec.len, "revoked.key", &err) < 0 && !k);
	CHECKF(strstr(err.msg, "revoked"), "%s", err.msg);

	CHECK(gpg(old, "--faked-system-time 20200101T000000 --quick-gen-key "
		  "'Expired Bundle <eb@example.org>' ed25519 sign 1d", NULL) == 0);
	sbuf_reset(&sec);
	CHECK(gpg(old, "--export-secret-keys", &sec) == 0 && sec.len);
	CHECK(pgp_seckey_load_mem(&k, sec.buf, sec.len, "expired.key", &err) < 0 && !k);
	CHECKF(strstr(err.msg, "expired"), "%s", err.msg);
	gpg_done(dir);
	gpg_done(old);
	sbuf_free(&sec);
	rmtmp(dir);
	rmtmp(old);
	return 0;
}

static int test_upstream_signature_by_expired_subkey_is_not_used(void)
{
	struct sbuf pub = SBUF_INIT, det = SBUF_INIT;
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *rpath, *args, pfpr[41];
	const int64_t made = 1577836800;	/* 2020-01-01, the faked clock below */

	CHECK(dir && have_tool("gpg"));
	CHECK(gpg(dir, "--faked-system-time 20200101T000000 --quick-gen-key "
		  "'Upstream <up@example.org>' ed25519 cert never", NULL) == 0);
	CHECK(gpg_fpr(dir, "\npub:", pfpr));
	args = xasprintf("--faked-system-time 20200101T000000 --quick-add-key %s ed25519 sign 1d",
			 pfpr);
	CHECK(gpg(dir, args, NULL) == 0);
	free(args);
	rpath = put(dir, "Release", release_text, strlen(release_text));
	CHECK(rpath);
	args = xasprintf("--faked-system-time 20200101T010000 --detach-sign -o - %s", rpath);
	CHECK(gpg(dir, args, &det) == 0 && det.len);
	free(args);
	CHECK(gpg(dir, "--export", &pub) == 0);
	CHECK(pgp_keyring_load_mem(&kr, pub.buf, pub.len, "upstream", &err) == 0);
	CHECKF(pgp_verify_detached_at(kr, release_text, strlen(release_text), det.buf, det.len,
				      "Release.gpg", made + 7200, NULL, &err) == 0, "%s", err.msg);
	CHECK(pgp_verify_detached(kr, release_text, strlen(release_text), det.buf, det.len,
				  "Release.gpg", NULL, &err) < 0);
	CHECKF(strstr(err.msg, "subkey expired on 2020-01-02"), "%s", err.msg);
	gpg_done(dir);
	free(rpath);
	sbuf_free(&pub);
	sbuf_free(&det);
	pgp_keyring_free(kr);
	rmtmp(dir);
	return 0;
}

/* ---- self-signatures gpg and sqv would not use (found by fuzz_pgp_seckey) ---- */

/*
 * Found by tests/fuzz/fuzz_pgp_seckey.c, whose input this is: a key dated
 * 2105-08-12 whose User ID's only good certification has no Issuer Key ID
 * and is dated 1980-02-04, expiring 2048-02-22.  The loader took it; a
 * signature made when the key was made did not verify against the key's
 * exported public key ("key's self-signature expired on 2048-02-22"), and
 * gpg finds no valid User ID on it.
 */
static const uint8_t fuzz_selfsig_before_key[360] = {
	0xc5, 0x58, 0x04, 0xff, 0x14, 0x54, 0xa7, 0x16, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47,
	0x0f, 0x01, 0x01, 0x07, 0x40, 0xf1, 0xda, 0x89, 0xc0, 0x4a, 0x05, 0x1b, 0xd2, 0x6c, 0x06, 0x21,
	0xef, 0xda, 0x25, 0x9a, 0xf9, 0x56, 0x12, 0xf9, 0x0f, 0x55, 0xcc, 0xb8, 0x90, 0xd1, 0xa6, 0x02,
	0xbc, 0x12, 0xd2, 0xae, 0xab, 0x00, 0x01, 0x00, 0xbe, 0xf0, 0x86, 0x67, 0x45, 0x43, 0x6d, 0x22,
	0xab, 0x95, 0x0e, 0xf6, 0xfd, 0x0c, 0xdf, 0x01, 0xa0, 0x6e, 0x24, 0x23, 0xa5, 0x73, 0xe0, 0x8b,
	0x8e, 0xa4, 0xa3, 0x37, 0x5d, 0x95, 0x11, 0x9f, 0x0f, 0x66, 0xcd, 0x08, 0x30, 0x2b, 0x67, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc2, 0x8e, 0x04, 0x00, 0x16, 0x0a, 0x00, 0x17, 0x16, 0x21, 0x04, 0xef,
	0xa5, 0x2e, 0xa5, 0x89, 0x25, 0xf5, 0x60, 0x9f, 0x34, 0x3b, 0xdd, 0x2a, 0x68, 0xc0, 0x78, 0x68,
	0x5f, 0x7e, 0x16, 0x00, 0x11, 0x09, 0x10, 0x2a, 0x68, 0xc0, 0x78, 0x68, 0x5f, 0x7e, 0x16, 0xbf,
	0x45, 0x23, 0x00, 0xa1, 0x00, 0x00, 0x47, 0x3d, 0x2d, 0x2d, 0x2d, 0x2d, 0x2d, 0x42, 0x45, 0x47,
	0x49, 0x4e, 0x20, 0x50, 0x47, 0x50, 0x20, 0x50, 0x52, 0x49, 0x56, 0x3b, 0x54, 0x45, 0x20, 0x4b,
	0x45, 0x59, 0x20, 0x42, 0x4c, 0x4f, 0x43, 0x4b, 0x2d, 0x2d, 0x2d, 0x2d, 0x2d, 0x0a, 0x0a, 0x78,
	0x56, 0x68, 0x69, 0x41, 0x41, 0x41, 0x41, 0x2f, 0x78, 0x4d, 0x4a, 0x4b, 0x77, 0x59, 0x42, 0x42,
	0x41, 0x48, 0x61, 0x52, 0x77, 0x38, 0x42, 0x41, 0x01, 0x00, 0x9b, 0x51, 0x64, 0x41, 0x45, 0x43,
	0x0d, 0xb8, 0xce, 0x42, 0x54, 0x92, 0x50, 0x41, 0x4b, 0xc9, 0x87, 0xec, 0x08, 0xaf, 0xee, 0x06,
	0xa9, 0x4a, 0x26, 0xaf, 0xc2, 0x72, 0x04, 0x13, 0x16, 0x08, 0x00, 0x1b, 0x08, 0x99, 0x6b, 0x1b,
	0x3d, 0x1b, 0x3d, 0x00, 0x00, 0x05, 0x05, 0x12, 0xfc, 0x48, 0x2b, 0x05, 0x82, 0x12, 0xfc, 0x48,
	0x2b, 0x05, 0x03, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x09, 0x05, 0x25, 0x12, 0xfc, 0x48, 0x2b, 0x02,
	0x21, 0x03, 0x8c, 0x15, 0x01, 0x00, 0x8e, 0x81, 0xdc, 0xda, 0xa7, 0xdb, 0xcc, 0x7c, 0x4d, 0x48,
	0xe9, 0x13, 0x07, 0xa9, 0xdc, 0x15, 0x93, 0x3a, 0x27, 0x63, 0xa1, 0x3a, 0x1e, 0x6b, 0x78, 0x86,
	0xb3, 0x7b, 0xfc, 0xa4, 0x90, 0x63, 0x01, 0x00, 0xe2, 0x45, 0x58, 0x5e, 0x29, 0x53, 0xbb, 0xea,
	0x50, 0xed, 0x24, 0xa0, 0x06, 0xdc, 0xb1, 0x4e, 0x3c, 0x7c, 0x2f, 0x67, 0x96, 0xdf, 0xfd, 0xfe,
	0xa4, 0x08, 0xf1, 0x6d, 0x60, 0xc0, 0xba, 0x03,
};

static int test_fuzz_key_dated_after_its_self_signature_is_refused(void)
{
	struct pgp_seckey *k = NULL;
	struct pgb_err err;

	memset(&err, 0, sizeof(err));
	CHECK(pgp_seckey_load_mem(&k, fuzz_selfsig_before_key, sizeof(fuzz_selfsig_before_key),
				  "fuzz.key", &err) < 0 && !k);
	CHECKF(strstr(err.msg, "fuzz.key: key ") && strstr(err.msg, "was made on 2105-08-12, "
							   "after this host's clock"),
	       "%s", err.msg);
	return 0;
}

/*
 * An Ed25519 key whose certifications are made here by hand, with what
 * neither keygen nor gpg would write: no issuer, a date before the key's.
 */
struct hand_key {
	EVP_PKEY *pk;
	uint8_t seed[32];
	struct sbuf body;	/* the public key packet's */
	struct pgp_key pub;	/* for its fingerprint */
};

static int hand_key_new(struct hand_key *h, int64_t created)
{
	uint8_t pt[33] = { 0x40 };
	size_t plen = 32, slen = 32, used;
	struct pgb_err err;

	memset(h, 0, sizeof(*h));
	h->pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!h->pk || EVP_PKEY_get_raw_public_key(h->pk, pt + 1, &plen) <= 0 ||
	    EVP_PKEY_get_raw_private_key(h->pk, h->seed, &slen) <= 0)
		return -1;
	sbuf_addc(&h->body, 4);
	pgp_put_be(&h->body, (uint64_t)created, 4);
	sbuf_addc(&h->body, PGP_PK_EDDSA);
	sbuf_addc(&h->body, sizeof(pgp_oid_ed25519));
	sbuf_add(&h->body, pgp_oid_ed25519, sizeof(pgp_oid_ed25519));
	pgp_put_mpi(&h->body, pt, sizeof(pt));
	return pgp_key_parse(&h->pub, (uint8_t *)h->body.buf, h->body.len, &used, "hand", &err);
}

static void hand_key_free(struct hand_key *h)
{
	EVP_PKEY_free(h->pk);
	sbuf_free(&h->body);
	pgp_key_release(&h->pub);
}

/* Issuer subpackets of a hand-made signature, or'd: gpg writes both. */
#define ISSUER_FPR 1
#define ISSUER_ID 2

/* A v4 SHA-512 signature packet of `type` over what md holds, made at t. */
static int hand_sign(const struct hand_key *h, EVP_MD_CTX *md, int type, int64_t t, int issuer,
		     struct sbuf *out)
{
	struct sbuf hs = SBUF_INIT, body = SBUF_INIT;
	uint8_t dig[64], sig[64], trailer[6] = { 4, 0xff };
	unsigned dlen = 0;
	size_t slen = sizeof(sig), sub;
	EVP_MD_CTX *sctx = EVP_MD_CTX_new();
	int ok;

	sbuf_add(&hs, (uint8_t[]){ 4, (uint8_t)type, PGP_PK_EDDSA, PGP_H_SHA512, 0, 0 }, 6);
	sbuf_add(&hs, (uint8_t[]){ 5, 2 }, 2);	/* creation time */
	pgp_put_be(&hs, (uint64_t)t, 4);
	if (type != 0)
		sbuf_add(&hs, (uint8_t[]){ 2, 27, PGP_KF_CERTIFY | PGP_KF_SIGN }, 3);
	if (issuer & ISSUER_FPR) {
		sbuf_add(&hs, (uint8_t[]){ 22, 33, 4 }, 3);
		sbuf_add(&hs, h->pub.fpr, 20);
	}
	sub = hs.len - 6;
	hs.buf[4] = (char)(sub >> 8);
	hs.buf[5] = (char)(sub & 0xff);
	for (int i = 0; i < 4; i++)
		trailer[2 + i] = (uint8_t)(hs.len >> (24 - 8 * i));
	ok = EVP_DigestUpdate(md, hs.buf, hs.len) && EVP_DigestUpdate(md, trailer, 6) &&
	     EVP_DigestFinal_ex(md, dig, &dlen) && sctx &&
	     EVP_DigestSignInit(sctx, NULL, NULL, NULL, h->pk) > 0 &&
	     EVP_DigestSign(sctx, sig, &slen, dig, dlen) > 0;
	EVP_MD_CTX_free(md);
	EVP_MD_CTX_free(sctx);
	sbuf_add(&body, hs.buf, hs.len);
	pgp_put_be(&body, issuer & ISSUER_ID ? 10 : 0, 2);	/* the key ID unhashed, as gpg */
	if (issuer & ISSUER_ID) {
		sbuf_add(&body, (uint8_t[]){ 9, 16 }, 2);
		sbuf_add(&body, h->pub.fpr + 12, 8);
	}
	sbuf_add(&body, dig, 2);
	pgp_put_mpi(&body, sig, 32);
	pgp_put_mpi(&body, sig + 32, 32);
	pgp_put_packet(out, PGP_TAG_SIG, body.buf, body.len);
	sbuf_free(&hs);
	sbuf_free(&body);
	return ok ? 0 : -1;
}

/* The secret key file and the public key: h, one User ID certified at t. */
static int hand_cert(const struct hand_key *h, int64_t t, int issuer, struct sbuf *sec,
		     struct sbuf *pub)
{
	static const char uid[] = "Hand <hand@example.org>";
	struct sbuf s = SBUF_INIT, cert = SBUF_INIT;
	EVP_MD_CTX *md = pgp_md_begin(PGP_H_SHA512);
	unsigned sum = 0;
	size_t start;

	if (!md)
		return -1;
	pgp_hash_keybody(md, (uint8_t *)h->body.buf, h->body.len);
	pgp_hash_component(md, 0xb4, (const uint8_t *)uid, strlen(uid));
	pgp_put_packet(&cert, PGP_TAG_UID, uid, strlen(uid));
	if (hand_sign(h, md, 0x13, t, issuer, &cert) < 0)
		return -1;
	sbuf_add(&s, h->body.buf, h->body.len);
	sbuf_addc(&s, 0);	/* unprotected */
	start = s.len;
	pgp_put_mpi(&s, h->seed, sizeof(h->seed));
	for (size_t i = start; i < s.len; i++)
		sum += (uint8_t)s.buf[i];
	pgp_put_be(&s, sum & 0xffff, 2);
	pgp_put_packet(sec, PGP_TAG_SECKEY, s.buf, s.len);
	sbuf_add(sec, cert.buf, cert.len);
	pgp_put_packet(pub, PGP_TAG_PUBKEY, h->body.buf, h->body.len);
	sbuf_add(pub, cert.buf, cert.len);
	sbuf_free(&s);
	sbuf_free(&cert);
	return 0;
}

/*
 * 0 when `tool --keyring pub sig data` (gpgv, sqv) says the signature of
 * "data" is good; what the tool said is added to said.
 */
static int tool_verifies(const char *tool, const struct sbuf *pub, const struct sbuf *sig,
			 struct sbuf *said)
{
	char *dir = mktmp(), *kp, *sp, *dp, *cmd;
	int rc;

	if (!dir)
		return -1;
	kp = put(dir, "k.gpg", pub->buf, pub->len);
	sp = put(dir, "d.sig", sig->buf, sig->len);
	dp = put(dir, "d", "data", 4);
	cmd = xasprintf("%s --keyring %s %s %s 2>&1", tool, kp, sp, dp);
	sbuf_addf(said, "[%s] ", tool);
	rc = kp && sp && dp ? run(cmd, said) : -1;
	free(cmd);
	free(kp);
	free(sp);
	free(dp);
	rmtmp(dir);
	return rc;
}

/*
 * A hand-made key: `created`, its User ID certified at `certified`, naming
 * the issuer as `issuer` says.  want NULL: it loads, and what it signs
 * verifies with our verifier, gpgv and sqv.  Else the loader refuses it with
 * want in the message, and gpgv (apt's verifier on bookworm) or sqv (on
 * trixie) refuses a signature of it.
 */
static int hand_case(int64_t created, int64_t certified, int issuer, const char *want)
{
	struct hand_key h;
	struct sbuf sec = SBUF_INIT, pub = SBUF_INIT, sig = SBUF_INIT, ours = SBUF_INIT;
	struct sbuf said = SBUF_INIT;
	struct pgp_seckey *k = NULL;
	struct pgp_keyring *kr;
	struct pgb_err err;
	EVP_MD_CTX *md = pgp_md_begin(PGP_H_SHA512);
	int64_t t = created > certified ? created : certified;
	int gpgv, sqv;

	CHECK(md && hand_key_new(&h, created) == 0 && hand_cert(&h, certified, issuer, &sec,
								   &pub) == 0);
	EVP_DigestUpdate(md, "data", 4);
	CHECK(hand_sign(&h, md, 0x00, t, ISSUER_FPR | ISSUER_ID, &sig) == 0);
	memset(&err, 0, sizeof(err));
	if (want) {
		CHECKF(pgp_seckey_load_mem(&k, sec.buf, sec.len, "hand.key", &err) < 0 && !k,
		       "loaded: key made %lld, certified %lld, issuer %d", (long long)created,
		       (long long)certified, issuer);
		CHECKF(strstr(err.msg, "hand.key: key ") && strstr(err.msg, want), "'%s' lacks '%s'",
		       err.msg, want);
		gpgv = tool_verifies("gpgv", &pub, &sig, &said);
		sqv = tool_verifies("sqv", &pub, &sig, &said);
		CHECKF(gpgv != 0 || sqv != 0, "gpgv and sqv took a signature of a key we refuse "
		       "(%s): %s", err.msg, said.buf);
	} else {
		CHECKF(pgp_seckey_load_mem(&k, sec.buf, sec.len, "hand.key", &err) == 0, "%s",
		       err.msg);
		kr = keyring_of(k, 0);
		CHECK(kr && pgp_sign_detached(k, "data", 4, t, 0, &ours, &err) == 0);
		CHECKF(pgp_verify_detached_at(kr, "data", 4, ours.buf, ours.len, "d", t, NULL,
					      &err) == 0, "%s", err.msg);
		CHECKF(tool_verifies("gpgv", &pub, &sig, &said) == 0 &&
		       tool_verifies("sqv", &pub, &sig, &said) == 0 &&
		       tool_verifies("gpgv", &pub, &ours, &said) == 0 &&
		       tool_verifies("sqv", &pub, &ours, &said) == 0, "%s", said.buf);
		pgp_keyring_free(kr);
		pgp_seckey_free(k);
	}
	hand_key_free(&h);
	sbuf_free(&sec);
	sbuf_free(&pub);
	sbuf_free(&sig);
	sbuf_free(&ours);
	sbuf_free(&said);
	return 0;
}

static int test_self_signatures_gpg_and_sqv_skip_are_refused_by_the_loader(void)
{
	int64_t later = (int64_t)time(NULL) + 86400 * 365;

	CHECK(have_tool("gpgv") && have_tool("sqv"));
	/* made by hand as gpg makes it: good everywhere */
	return hand_case(T_KEY, T_KEY, ISSUER_FPR | ISSUER_ID, NULL) ||
	       hand_case(T_KEY, T_KEY, ISSUER_ID, NULL) ||
	       /* sqv skips it, gpg has no key ID to look it up by */
	       hand_case(T_KEY, T_KEY, 0, "does not name its key by Issuer Key ID") ||
	       /* gpg 2.2 only looks self-signatures up by key ID */
	       hand_case(T_KEY, T_KEY, ISSUER_FPR, "does not name its key by Issuer Key ID") ||
	       hand_case(T_KEY, T_KEY - 86400, ISSUER_FPR | ISSUER_ID, "its self-signature is "
			 "dated 2023-11-13, before the key was made on 2023-11-14") ||
	       hand_case(T_KEY, later, ISSUER_FPR | ISSUER_ID, "after this host's clock") ||
	       hand_case(later, later, ISSUER_FPR | ISSUER_ID, "): verifiers refuse it until "
			 "then");
}

/*
 * gpg makes a new self-signature when the expiry changes; the loader keeps
 * the newest, and sqv only takes signatures made after it (no binding
 * signature before).  A build whose lock is older than the self-signature
 * therefore signs at pgp_seckey_signs_from, not at the key's date.
 */
static int test_key_re_self_signed_by_gpg_signs_from_its_new_self_signature(void)
{
	const int64_t made = 1577836800, resigned = 1609459200;	/* 2020-01-01, 2021-01-01 */
	struct sbuf sec = SBUF_INIT, pub = SBUF_INIT, early = SBUF_INIT, late = SBUF_INIT;
	struct sbuf said = SBUF_INIT;
	struct pgp_seckey *k = NULL;
	struct pgb_err err;
	char *dir = mktmp(), *args, fpr[41];

	CHECK(dir && have_tool("gpg") && have_tool("sqv"));
	CHECK(gpg(dir, "--faked-system-time 20200101T000000 --quick-gen-key "
		  "'Renewed <renewed@example.org>' ed25519 sign 2y", NULL) == 0);
	CHECK(gpg_fpr(dir, "\npub:", fpr));
	args = xasprintf("--faked-system-time 20210101T000000 --quick-set-expire %s 20y", fpr);
	CHECK(gpg(dir, args, NULL) == 0);
	free(args);
	CHECK(gpg(dir, "--export-secret-keys", &sec) == 0 && gpg(dir, "--export", &pub) == 0);
	CHECKF(pgp_seckey_load_mem(&k, sec.buf, sec.len, "renewed.key", &err) == 0, "%s", err.msg);
	CHECK(pgp_seckey_created(k) == made && pgp_seckey_signs_from(k) == resigned);
	sbuf_reset(&pub);
	CHECK(pgp_seckey_export_public(k, 0, &pub, &err) == 0);
	CHECK(pgp_sign_detached(k, "data", 4, made, 0, &early, &err) == 0);
	CHECK(pgp_sign_detached(k, "data", 4, pgp_seckey_signs_from(k), 0, &late, &err) == 0);
	CHECKF(tool_verifies("sqv", &pub, &late, &said) == 0, "%s", said.buf);
	CHECKF(tool_verifies("sqv", &pub, &early, &said) != 0, "%s", said.buf);
	gpg_done(dir);
	pgp_seckey_free(k);
	sbuf_free(&sec);
	sbuf_free(&pub);
	sbuf_free(&early);
	sbuf_free(&late);
	sbuf_free(&said);
	rmtmp(dir);
	return 0;
}

int main(void)
{
	struct t_sum sum = { 0, 0 };

	T_RUN(&sum, test_cleartext_signed_by_keygen_key_verifies_with_exact_body);
	T_RUN(&sum, test_cleartext_rejects_flipped_body_byte);
	T_RUN(&sum, test_cleartext_from_key_outside_keyring_has_no_good_signature);
	T_RUN(&sum, test_detached_signatures_verify_binary_and_armored_and_reject_changed_data);
	T_RUN(&sum, test_bad_signature_from_keyring_key_fails_even_beside_a_good_one);
	T_RUN(&sum, test_signatures_are_byte_identical_for_same_key_data_and_time);
	T_RUN(&sum, test_cleartext_signing_refuses_trailing_white_space);
	T_RUN(&sum, test_cleartext_rejects_unsigned_text_after_signature);
	T_RUN(&sum, test_cleartext_rejects_unknown_armor_header_and_unescaped_dash);
	T_RUN(&sum, test_cleartext_strips_any_mix_of_trailing_white_space);
	T_RUN(&sum, test_gpgv_accepts_our_cleartext_and_detached_signatures);
	T_RUN(&sum, test_sqv_accepts_our_signatures_the_way_apt_calls_it);
	T_RUN(&sum, test_gpg_signing_subkey_signatures_verify_and_name_both_keys);
	T_RUN(&sum, test_signing_subkey_without_back_signature_is_refused);
	T_RUN(&sum, test_rsa_key_made_by_gpg_verifies_and_is_refused_as_bundle_key);
	T_RUN(&sum, test_gpg_exported_ed25519_secret_key_signs_for_gpgv);
	T_RUN(&sum, test_passphrase_protected_secret_key_is_refused_clearly);
	T_RUN(&sum, test_expired_and_revoked_keys_give_no_good_signature);
	T_RUN(&sum, test_debian_inrelease_from_host_mirror_verifies_like_gpgv);
	T_RUN(&sum, test_stored_debian_inrelease_verifies_offline);
	T_RUN(&sum, test_armored_keyring_loads_the_same_keys_as_binary);
	T_RUN(&sum, test_seckey_save_load_round_trip_keeps_key_and_mode_0600);
	T_RUN(&sum, test_loading_public_key_as_secret_key_is_a_clear_error);
	T_RUN(&sum, test_damaged_secret_key_is_refused);
	T_RUN(&sum, test_damaged_armored_secret_key_keeps_nothing_it_decoded);
	T_RUN(&sum, test_armor_without_a_block_fails_naming_the_file);
	T_RUN(&sum, test_armor_round_trips_and_checks_crc);
	T_RUN(&sum, test_hostile_armor_and_packets_fail_cleanly);
	T_RUN(&sum, test_every_truncation_of_a_signature_is_rejected);
	T_RUN(&sum, test_random_flips_never_crash_and_never_change_what_verifies);
	T_RUN(&sum, test_random_flips_in_debian_keyring_never_crash);
	T_RUN(&sum, test_key_revocation_after_the_user_id_is_honoured);
	T_RUN(&sum, test_subkey_revocation_out_of_place_is_honoured);
	T_RUN(&sum, test_key_whose_only_self_signature_expired_is_not_used);
	T_RUN(&sum, test_signature_dated_in_the_future_is_refused);
	T_RUN(&sum, test_issuer_shared_by_two_keys_verifies_with_the_right_one);
	T_RUN(&sum, test_malformed_armored_secret_key_leaves_no_decoded_bytes);
	T_RUN(&sum, test_revoked_or_expired_bundle_key_is_refused_for_signing);
	T_RUN(&sum, test_upstream_signature_by_expired_subkey_is_not_used);
	T_RUN(&sum, test_fuzz_key_dated_after_its_self_signature_is_refused);
	T_RUN(&sum, test_self_signatures_gpg_and_sqv_skip_are_refused_by_the_loader);
	T_RUN(&sum, test_key_re_self_signed_by_gpg_signs_from_its_new_self_signature);
	return t_done(&sum);
}
