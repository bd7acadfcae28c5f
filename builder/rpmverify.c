#include "rpmverify.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <rpm/rpmcli.h>
#include <rpm/rpmkeyring.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmts.h>

#include "pgp.h"
#include "util.h"

struct rpmverify {
	char *upstream, *keyring_path;
	rpmts ts;
};

/* The keyring file's packets, binary (an armored file is decoded). */
static int read_packets(const char *path, struct sbuf *out, struct pgb_err *err)
{
	char *data;
	size_t len;
	int rc = 0;

	if (util_read_file(path, &data, &len, err) < 0)
		return -1;
	if (len && strstr(data, "-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		/* Every armored block of the file, one after the other. */
		for (const char *p = data; (p = strstr(p, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
		     p++)
			if ((rc = pgp_dearmor(p, len - (size_t)(p - data), out, err)) < 0)
				break;
	} else {
		sbuf_add(out, data, len);
	}
	free(data);
	if (rc < 0)
		return pgb_err_prefix(err, "%s", path);
	return 0;
}

int rpmverify_split_certs(const char *path, unsigned char ***certs, size_t **lens, size_t *n,
			  struct pgb_err *err)
{
	struct sbuf pk = SBUF_INIT;
	size_t off = 0;

	*certs = NULL;
	*lens = NULL;
	*n = 0;
	if (read_packets(path, &pk, err) < 0)
		return -1;
	while (off < pk.len) {
		size_t cl = 0;

		if (pgpPubKeyCertLen((const uint8_t *)pk.buf + off, pk.len - off, &cl) < 0 || !cl) {
			rpmverify_certs_free(*certs, *lens, *n);
			*certs = NULL;
			*lens = NULL;
			*n = 0;
			sbuf_free(&pk);
			return pgb_fail(err, "%s: not an OpenPGP public key certificate at byte %zu",
					path, off);
		}
		*certs = xrealloc(*certs, (*n + 1) * sizeof(**certs));
		*lens = xrealloc(*lens, (*n + 1) * sizeof(**lens));
		(*certs)[*n] = xmalloc(cl);
		memcpy((*certs)[*n], pk.buf + off, cl);
		(*lens)[(*n)++] = cl;
		off += cl;
	}
	sbuf_free(&pk);
	if (!*n)
		return pgb_fail(err, "%s holds no key", path);
	return 0;
}

void rpmverify_certs_free(unsigned char **certs, size_t *lens, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(certs[i]);
	free(certs);
	free(lens);
}

static int add_cert(rpmKeyring kr, const unsigned char *cert, size_t len)
{
	rpmPubkey key = rpmPubkeyNew(cert, len);
	rpmPubkey *subs;
	int nsubs = 0;

	if (!key)
		return -1;
	rpmKeyringAddKey(kr, key);
	subs = rpmGetSubkeys(key, &nsubs);
	for (int i = 0; i < nsubs; i++) {
		rpmKeyringAddKey(kr, subs[i]);
		rpmPubkeyFree(subs[i]);
	}
	free(subs);
	rpmPubkeyFree(key);
	return 0;
}

int rpmverify_new(struct rpmverify **out, const char *keyring, const char *upstream,
		  struct pgb_err *err)
{
	unsigned char **certs;
	size_t *lens, n;
	rpmKeyring kr;
	struct rpmverify *v;
	int rc = 0;

	*out = NULL;
	/* The defaults only (rpmrc and macros): digests and signatures all on. */
	if (rpmReadConfigFiles(NULL, NULL) != 0)
		return pgb_fail(err, "librpm cannot read its configuration");
	if (rpmverify_split_certs(keyring, &certs, &lens, &n, err) < 0)
		return pgb_err_prefix(err, "keyring of upstream '%s'", upstream);
	kr = rpmKeyringNew();
	for (size_t i = 0; i < n && rc == 0; i++)
		if (add_cert(kr, certs[i], lens[i]) < 0)
			rc = pgb_fail(err, "%s: librpm cannot read key #%zu of upstream '%s' (an "
				      "algorithm this rpm does not know?)", keyring, i + 1, upstream);
	rpmverify_certs_free(certs, lens, n);
	if (rc < 0) {
		rpmKeyringFree(kr);
		return -1;
	}
	v = xcalloc(1, sizeof(*v));
	v->upstream = xstrdup(upstream);
	v->keyring_path = xstrdup(keyring);
	v->ts = rpmtsCreate();
	rpmtsSetKeyring(v->ts, kr);
	rpmKeyringFree(kr);	/* the transaction keeps its own reference */
	rpmtsSetVSFlags(v->ts, RPMVSF_DEFAULT);
	rpmtsSetVfyFlags(v->ts, RPMVSF_DEFAULT);
	rpmtsSetVfyLevel(v->ts, RPMSIG_DIGEST_TYPE | RPMSIG_SIGNATURE_TYPE);
	*out = v;
	return 0;
}

/* librpm's lines about the package, collected instead of printed (without
 * the file name it starts with). */
struct rpmlog_capture {
	struct sbuf text;
	const char *path;
};

static int log_cb(rpmlogRec rec, rpmlogCallbackData data)
{
	struct rpmlog_capture *c = data;
	struct sbuf *b = &c->text;
	const char *m = rpmlogRecMessage(rec);
	size_t n, pl = strlen(c->path);

	if (!strncmp(m, c->path, pl) && m[pl] == ':')
		m += pl + 1;
	n = strlen(m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	while (n && (*m == ' ' || *m == '\n'))
		m++, n--;
	/* Signature kinds the package does not carry: not the reason. */
	if (n >= 10 && !strncmp(m + n - 10, ": NOTFOUND", 10))
		return 0;
	if (n && b->len < 1500)
		sbuf_addf(b, "%s%.*s", b->len ? "; " : "", (int)n, m);
	return 0;
}

int rpmverify_file(struct rpmverify *v, const char *path, const char *what,
		   struct pgb_err *err)
{
	struct rpmlog_capture log = { SBUF_INIT, path };
	/* librpm 4.18 cannot tell the old callback's data: pgbundle sets none. */
	rpmlogCallback old = rpmlogSetCallback(log_cb, &log);
	int old_mask = rpmlogSetMask(0), failed;	/* 0: only asks */
	char *argv[] = { (char *)path, NULL };

	/* Verbose: one line per digest and signature, with the key ID. */
	rpmlogSetMask(RPMLOG_UPTO(RPMLOG_INFO));
	failed = rpmcliVerifySignatures(v->ts, (ARGV_const_t)argv);
	rpmlogSetMask(old_mask);
	rpmlogSetCallback(old, NULL);
	if (failed)
		pgb_fail(err, "%s: refused: its digests or its signature by a key of upstream '%s' "
			 "(%s) do not verify: %s; the package was changed or is not that "
			 "upstream's", what, v->upstream, v->keyring_path,
			 log.text.buf ? log.text.buf : "no detail from librpm");
	sbuf_free(&log.text);
	return failed ? -1 : 0;
}

void rpmverify_free(struct rpmverify *v)
{
	if (!v)
		return;
	rpmtsFree(v->ts);
	free(v->upstream);
	free(v->keyring_path);
	free(v);
}
