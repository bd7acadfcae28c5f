/*
 * pki.c - TLS for the cluster: a CA and one certificate per node, made with
 * OpenSSL; the `pki` module that puts this node's share in place.
 *
 * `NAME.run pki init DIR --config FILE` (cmd_pki.c, any machine) makes
 *   DIR/ca.crt              the cluster's CA certificate (EC P-256, 20 years)
 *   DIR/ca.key              its key, 0600: it never goes to a node
 *   DIR/ADDR/node.crt       each host's certificate, signed by the CA, for
 *   DIR/ADDR/node.key       its address, 127.0.0.1, localhost, its nodename
 *                           and the cluster's VIP (0600)
 *   DIR/credentials,        the cluster's secrets (secrets.c), once
 *   DIR/secrets
 * and run again on a changed config adds what is missing (a new node's
 * certificate, a new user's password), keeping the rest.
 *
 * The module (`install --pki DIR`) checks this node's certificate against
 * the CA and its own address, then installs INST_PKI_DIR/ca.crt, node.crt
 * and node.key (0600 root); each service copies what it needs, owned by its
 * own user.  Without --pki a one-host cluster gets a CA of its own made on
 * the spot (INST_PKI_DIR/ca.key stays there), and the installer says that
 * its certificates serve this host only; a cluster of several hosts is
 * refused without --pki: its nodes could not verify each other.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "module.h"

#define PKI_DAYS 7300		/* Pigsty's cert_validity: 20 years */

static int ssl_fail(struct pgb_err *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return pgb_fail(err, "%s: %s", what, e ? buf : "OpenSSL failed");
}

/* --- PEM in and out of memory --- */

static char *bio_text(BIO *b)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);

	return xstrndup(data, n > 0 ? (size_t)n : 0);
}

static char *key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		s = bio_text(b);
	BIO_free(b);
	return s;
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && PEM_write_bio_X509(b, x))
		s = bio_text(b);
	BIO_free(b);
	return s;
}

static X509 *read_cert(const char *path, struct pgb_err *err)
{
	char *text = NULL;
	size_t len;
	BIO *b;
	X509 *x = NULL;

	if (util_read_file(path, &text, &len, err) < 0)
		return NULL;
	b = BIO_new_mem_buf(text, (int)len);
	if (b)
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(text);
	if (!x)
		ssl_fail(err, path);
	return x;
}

/* --- making certificates --- */

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!e)
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

static X509 *new_cert(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn;
	X509_NAME *name;

	if (!x || RAND_bytes(serial, sizeof(serial)) != 1) {
		X509_free(x);
		return NULL;
	}
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    !X509_set_version(x, 2) || !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), (long)PKI_DAYS * 86400) ||
	    !X509_set_pubkey(x, key)) {
		BN_free(bn);
		X509_free(x);
		return NULL;
	}
	BN_free(bn);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"pgbundle",
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
				   0);
	return x;
}

void inst_pki_pair_free(struct inst_pki_pair *p)
{
	if (p->key)
		OPENSSL_cleanse(p->key, strlen(p->key));
	free(p->key);
	free(p->cert);
	memset(p, 0, sizeof(*p));
}

int inst_pki_make_ca(const char *cn, struct inst_pki_pair *out, struct pgb_err *err)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = key ? new_cert(key, cn) : NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (x && X509_set_issuer_name(x, X509_get_subject_name(x)) &&
	    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") &&
	    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") &&
	    add_ext(x, x, NID_subject_key_identifier, "hash") &&
	    X509_sign(x, key, EVP_sha256())) {
		out->key = key_pem(key);
		out->cert = cert_pem(x);
		rc = out->key && out->cert ? 0 : -1;
	}
	if (rc < 0)
		ssl_fail(err, "cannot make the CA certificate");
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* "DNS:a,IP:1.2.3.4,..." for names (addresses become IP: entries). */
static char *san_text(const struct strlist *names)
{
	struct sbuf b = SBUF_INIT;
	unsigned char buf[16];

	for (size_t i = 0; i < names->n; i++) {
		int ip = inet_pton(AF_INET, names->v[i], buf) == 1 ||
			 inet_pton(AF_INET6, names->v[i], buf) == 1;

		sbuf_addf(&b, "%s%s:%s", i ? "," : "", ip ? "IP" : "DNS", names->v[i]);
	}
	return sbuf_detach(&b, NULL);
}

int inst_pki_make_cert(const struct inst_pki_pair *ca, const char *cn,
		       const struct strlist *names, struct inst_pki_pair *out, struct pgb_err *err)
{
	BIO *b = BIO_new_mem_buf(ca->cert, -1), *k = BIO_new_mem_buf(ca->key, -1);
	X509 *cax = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	EVP_PKEY *cak = k ? PEM_read_bio_PrivateKey(k, NULL, NULL, NULL) : NULL;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = key ? new_cert(key, cn) : NULL;
	char *san = san_text(names);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (cax && cak && x && X509_set_issuer_name(x, X509_get_subject_name(cax)) &&
	    add_ext(x, x, NID_basic_constraints, "critical,CA:FALSE") &&
	    add_ext(x, x, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
	    add_ext(x, x, NID_ext_key_usage, "serverAuth,clientAuth") &&
	    add_ext(x, cax, NID_authority_key_identifier, "keyid") &&
	    add_ext(x, x, NID_subject_alt_name, san) && X509_sign(x, cak, EVP_sha256())) {
		out->key = key_pem(key);
		out->cert = cert_pem(x);
		rc = out->key && out->cert ? 0 : -1;
	}
	if (rc < 0)
		ssl_fail(err, "cannot make a certificate");
	free(san);
	X509_free(x);
	X509_free(cax);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cak);
	BIO_free(b);
	BIO_free(k);
	return rc;
}

/* --- checking --- */

/* 1 when x is signed by ca. */
static int signed_by(X509 *x, X509 *ca)
{
	EVP_PKEY *pub = X509_get0_pubkey(ca);

	return pub && X509_verify(x, pub) == 1;
}

/* 1 when the certificate names every one of names (IP or DNS). */
static int covers(X509 *x, const struct strlist *names)
{
	for (size_t i = 0; i < names->n; i++) {
		unsigned char buf[16];
		int ip = inet_pton(AF_INET, names->v[i], buf) == 1 ||
			 inet_pton(AF_INET6, names->v[i], buf) == 1;

		if (ip ? X509_check_ip_asc(x, names->v[i], 0) != 1 :
			 X509_check_host(x, names->v[i], 0, 0, NULL) != 1)
			return 0;
	}
	return 1;
}

int inst_pki_check(const char *ca_path, const char *cert_path, const struct strlist *names,
		   struct pgb_err *err)
{
	X509 *ca = read_cert(ca_path, err), *x = ca ? read_cert(cert_path, err) : NULL;
	int rc = -1;

	if (!x)
		;
	else if (!signed_by(x, ca))
		pgb_fail(err, "%s is not signed by the CA of %s: copy both from the same `pki "
			 "init` directory", cert_path, ca_path);
	else if (!covers(x, names))
		pgb_fail(err, "%s does not name every address and name this node serves under "
			 "(its address, 127.0.0.1, its nodename, the VIP): run `pki init DIR "
			 "--config FILE` again with the config in use to make a new one",
			 cert_path);
	else if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		pgb_fail(err, "%s has expired: run `pki init` again", cert_path);
	else
		rc = 0;
	X509_free(x);
	X509_free(ca);
	return rc;
}

/* What a host's certificate must name. */
void inst_pki_names(const struct inst_config *cfg, const struct inst_member *host,
		    struct strlist *out)
{
	strlist_add(out, host->addr);
	if (!strlist_has(out, "127.0.0.1"))
		strlist_add(out, "127.0.0.1");
	strlist_add(out, "localhost");
	if (host->nodename && !strlist_has(out, host->nodename))
		strlist_add(out, host->nodename);
	if (cfg->pg_vip_enabled && host->role) {
		char *vip = xstrndup(cfg->pg_vip_address, strcspn(cfg->pg_vip_address, "/"));

		if (!strlist_has(out, vip))
			strlist_add(out, vip);
		free(vip);
	}
}

/* --- the module --- */

static const struct inst_member *self_host(const struct inst_config *cfg)
{
	for (size_t i = 0; i < cfg->n_hosts; i++)
		if (cfg->hosts[i].self)
			return &cfg->hosts[i];
	return NULL;
}

static int install_file(struct inst_ctx *ctx, const char *src, const char *dst, mode_t mode,
			const char *what, struct pgb_err *err)
{
	char *text = NULL;
	size_t len;
	int changed, rc;

	if (util_read_file(src, &text, &len, err) < 0)
		return -1;
	rc = inst_pg_write_file(ctx, dst, text, mode, NULL, what, &changed, NULL, err);
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

/* --pki DIR: check this node's share, then put it in place. */
static int from_dir(struct inst_ctx *ctx, const struct inst_config *cfg,
		    const struct strlist *names, struct pgb_err *err)
{
	char *ca = util_path_join(ctx->pki_dir, "ca.crt");
	char *cakey = util_path_join(ctx->pki_dir, "ca.key");
	char *dir = util_path_join(ctx->pki_dir, cfg->self_addr);
	char *crt = util_path_join(dir, "node.crt"), *key = util_path_join(dir, "node.key");
	int rc;

	if (util_exists(cakey))
		inst_log_warn(ctx->log, "%s is the CA's private key: it does not belong on a node "
			      "(whoever holds it can make certificates the cluster trusts); "
			      "copy only ca.crt and %s/ to the nodes", cakey, cfg->self_addr);
	if (!util_exists(crt) || !util_exists(key))
		rc = pgb_fail(err, "%s has no certificate for this host (%s/node.crt and "
			      "node.key): run `pki init %s --config FILE` with the config that "
			      "names %s", ctx->pki_dir, cfg->self_addr, ctx->pki_dir,
			      cfg->self_addr);
	else
		rc = inst_pki_check(ca, crt, names, err);
	if (rc == 0 && !ctx->dry_run)
		rc = util_mkdir_p(INST_PKI_DIR, 0755, err);
	if (rc == 0)
		rc = install_file(ctx, ca, INST_PKI_DIR "/ca.crt", 0644, "the cluster's CA", err);
	if (rc == 0)
		rc = install_file(ctx, crt, INST_PKI_DIR "/node.crt", 0644,
				  "this node's certificate", err);
	if (rc == 0)
		rc = install_file(ctx, key, INST_PKI_DIR "/node.key", 0600, "its key", err);
	free(ca);
	free(cakey);
	free(dir);
	free(crt);
	free(key);
	return rc;
}

static int write_pem(struct inst_ctx *ctx, const char *path, const char *pem, mode_t mode,
		     const char *what, struct pgb_err *err)
{
	int changed;

	return inst_pg_write_file(ctx, path, pem, mode, NULL, what, &changed, NULL, err);
}

/* No --pki, one host: a CA of this host's own, made once. */
static int local_ca(struct inst_ctx *ctx, const struct inst_config *cfg,
		    const struct strlist *names, struct pgb_err *err)
{
	const char *ca = INST_PKI_DIR "/ca.crt", *crt = INST_PKI_DIR "/node.crt";
	struct inst_pki_pair cap = { 0 }, node = { 0 };
	struct pgb_err ignored;
	size_t len;
	int rc = 0;

	if (util_exists(crt) && inst_pki_check(ca, crt, names, &ignored) == 0)
		return 0;
	inst_log_info(ctx->log, "no --pki: this host makes a CA of its own; its certificates "
		      "serve this host only (for a cluster, use `pki init`)");
	if (util_exists(INST_PKI_DIR "/ca.key") && util_exists(ca)) {
		rc = util_read_file(INST_PKI_DIR "/ca.key", &cap.key, &len, err);
		if (rc == 0)
			rc = util_read_file(ca, &cap.cert, &len, err);
	} else {
		char *cn = xasprintf("pgbundle CA of %s", cfg->nodename);

		rc = inst_pki_make_ca(cn, &cap, err);
		free(cn);
		if (rc == 0 && !ctx->dry_run)
			rc = util_mkdir_p(INST_PKI_DIR, 0755, err);
		if (rc == 0)
			rc = write_pem(ctx, INST_PKI_DIR "/ca.key", cap.key, 0600,
				       "this host's own CA key", err);
		if (rc == 0)
			rc = write_pem(ctx, ca, cap.cert, 0644, "this host's own CA", err);
	}
	if (rc == 0)
		rc = inst_pki_make_cert(&cap, cfg->nodename, names, &node, err);
	if (rc == 0 && !ctx->dry_run)
		rc = util_mkdir_p(INST_PKI_DIR, 0755, err);
	if (rc == 0)
		rc = write_pem(ctx, INST_PKI_DIR "/node.key", node.key, 0600, "its key", err);
	if (rc == 0)
		rc = write_pem(ctx, crt, node.cert, 0644, "this node's certificate", err);
	inst_pki_pair_free(&cap);
	inst_pki_pair_free(&node);
	return rc;
}

static int pki_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	const struct inst_member *self = self_host(cfg);
	struct strlist names = STRLIST_INIT;
	int rc;

	inst_log_step(ctx->log, "TLS: %s", ctx->pki_dir ? ctx->pki_dir : "a CA of this host");
	if (!self)
		return pgb_fail(err, "this host is not in %s", cfg->path);
	inst_pki_names(cfg, self, &names);
	if (ctx->pki_dir)
		rc = from_dir(ctx, cfg, &names, err);
	else if (cfg->n_hosts > 1)
		rc = pgb_fail(err, "%s names %zu hosts: they must trust one CA; run `NAME.run pki "
			      "init DIR --config %s` once (on any machine), copy DIR (without "
			      "ca.key) to every node and install with --pki DIR", cfg->path,
			      cfg->n_hosts, cfg->path);
	else
		rc = local_ca(ctx, cfg, &names, err);
	strlist_free(&names);
	return rc;
}

static int pki_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
		      struct pgb_err *err)
{
	const struct inst_member *self = self_host(cfg);
	struct strlist names = STRLIST_INIT;
	struct pgb_err why;
	int ok;

	(void)ctx;
	(void)err;
	if (self)
		inst_pki_names(cfg, self, &names);
	ok = self && inst_pki_check(INST_PKI_DIR "/ca.crt", INST_PKI_DIR "/node.crt", &names,
				    &why) == 0;
	json_object_set_new(out, "ca", json_string(INST_PKI_DIR "/ca.crt"));
	json_object_set_new(out, "own_ca", json_boolean(util_exists(INST_PKI_DIR "/ca.key")));
	json_object_set_new(out, "ok", json_boolean(ok));
	if (!ok)
		json_object_set_new(out, "problem", json_string(self ? why.msg : "no host"));
	strlist_free(&names);
	return 0;
}

static int pki_enabled(const struct inst_config *cfg)
{
	return cfg->patroni_enabled || inst_config_has_module(cfg, "etcd");
}

const struct inst_module inst_module_pki = {
	.name = "pki",
	.summary = "TLS: the cluster's CA and this node's certificate",
	.enabled = pki_enabled,
	.apply = pki_apply,
	.status = pki_status,
};
