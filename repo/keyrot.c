/*
 * keyrot.c - key rotation statements (the format is in keyrot.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keyrot.h"

#define HEAD "pgbundle key rotation\n"
#define BEGIN "-----BEGIN PGP SIGNED MESSAGE-----"

int keyrot_make(const struct pgp_seckey *old, const struct pgp_seckey *new, int64_t when,
		struct sbuf *out, struct pgb_err *err)
{
	struct sbuf text = SBUF_INIT;
	char ofpr[41], nfpr[41], day[64];
	int rc;

	pgp_seckey_fingerprint(old, ofpr);
	pgp_seckey_fingerprint(new, nfpr);
	sbuf_addf(&text, HEAD "Old-Key: %s\nNew-Key: %s\nDate: %s\n\n", ofpr, nfpr,
		  util_utc(when, "%Y-%m-%d %H:%M:%S UTC", day));
	rc = pgp_seckey_export_public(new, 1, &text, err);
	if (rc == 0)
		rc = pgp_sign_cleartext(old, text.buf, text.len, when, out, err);
	sbuf_free(&text);
	return rc;
}

int keyrot_split(const char *text, size_t len, const char *what, struct strlist *out,
		 struct pgb_err *err)
{
	const char *p = text, *end = text + len;

	while (p < end && strchr(" \t\r\n", *p))
		p++;
	while (p < end) {
		const char *next;

		if ((size_t)(end - p) < strlen(BEGIN) || memcmp(p, BEGIN, strlen(BEGIN)))
			return pgb_fail(err, "%s: expected a rotation statement (\"%s\") at byte %zu",
					what, BEGIN, (size_t)(p - text));
		next = memmem(p + 1, (size_t)(end - p - 1), "\n" BEGIN, strlen(BEGIN) + 1);
		next = next ? next + 1 : end;
		strlist_add_owned(out, xasprintf("%.*s", (int)(next - p), p));
		p = next;
	}
	return 0;
}

/* The fingerprint in "Name: value" among the lines of body before its first blank line. */
static int header(const char *body, const char *name, char val[41])
{
	size_t n = strlen(name);
	const char *l = body, *nl;

	while (*l && *l != '\n') {
		if (!strncmp(l, name, n) && l[n] == ':' && l[n + 1] == ' ' &&
		    sscanf(l + n + 2, "%40[0-9A-F]", val) == 1 && strlen(val) == 40)
			return 0;
		nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return -1;
}

/* Check one verified statement body; its new key goes into trusted. */
static int take(struct pgp_keyring *trusted, const char *body, const struct pgp_sig_info *info,
		const char *what, char old[41], char new[41], struct pgb_err *err)
{
	const char *key = strstr(body, "\n\n");
	struct pgp_keyring *nk;
	struct strlist fprs = STRLIST_INIT;
	int rc;

	if (strncmp(body, HEAD, strlen(HEAD)) || header(body, "Old-Key", old) < 0 ||
	    header(body, "New-Key", new) < 0 || !key)
		return pgb_fail(err, "%s: not a pgbundle key rotation statement", what);
	if (strcmp(old, info->primary_fpr))
		return pgb_fail(err, "%s: says the old key is %s but is signed by %s", what, old,
				info->primary_fpr);
	if (pgp_keyring_load_mem(&nk, key + 2, strlen(key + 2), what, err) < 0)
		return -1;
	pgp_keyring_fprs(nk, &fprs);
	rc = fprs.n == 1 && !strcmp(fprs.v[0], new) ? 0 :
	     pgb_fail(err, "%s: the key it carries is not the New-Key %s it names", what, new);
	if (rc == 0)
		rc = pgp_keyring_add_mem(trusted, key + 2, strlen(key + 2), what, err);
	strlist_free(&fprs);
	pgp_keyring_free(nk);
	return rc;
}

int keyrot_follow(struct pgp_keyring *trusted, const struct strlist *stmts, const char *fpr,
		  struct strlist *olds, struct pgb_err *err)
{
	struct sbuf why = SBUF_INIT;
	int reached = 0;

	for (size_t i = 0; i < stmts->n && !reached; i++) {
		struct pgp_sig_info info;
		struct pgb_err e;
		char *what = xasprintf("key rotation statement %zu of %zu", i + 1, stmts->n);
		char *body = NULL, old[41], new[41];
		size_t blen;

		if (pgp_verify_cleartext(trusted, stmts->v[i], strlen(stmts->v[i]), what, &body,
					 &blen, &info, &e) == 0 &&
		    take(trusted, body, &info, what, old, new, &e) == 0) {
			strlist_add(olds, old);
			reached = !strcasecmp(new, fpr);
		} else {
			sbuf_addf(&why, "%s%s", why.len ? "; " : "", e.msg);
		}
		free(body);
		free(what);
	}
	if (!reached)
		pgb_fail(err, "%s", why.len ? why.buf : "the bundle carries no key rotation statement");
	sbuf_free(&why);
	return reached;
}

int keyrot_last_new_key(const struct strlist *stmts, char fpr[41], struct pgb_err *err)
{
	const char *last, *body;

	if (!stmts->n)
		return pgb_fail(err, "no key rotation statement");
	last = stmts->v[stmts->n - 1];
	body = strstr(last, "\n\n");
	if (!body || header(body + 2, "New-Key", fpr) < 0)
		return pgb_fail(err, "the last key rotation statement names no New-Key");
	return 0;
}
