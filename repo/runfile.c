/*
 * runfile.c - the .run file: stub, payload, meta, key, signature, trailer.
 * The format and the order of the checks are described in runfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "runfile.h"
#include "util.h"

#define CHUNK (1u << 20)
/* How far back from the end a misplaced trailer is looked for, to name appended junk. */
#define JUNK_WINDOW (1u << 20)
#define FIT_TRIES 256

static const uint8_t run_magic[8] = { 0x89, 'P', 'G', 'B', 'R', 'U', 'N', '\n' };
static const uint8_t run_end_magic[8] = { '\n', 'N', 'U', 'R', 'B', 'G', 'P', 0x89 };

enum { SEC_PAYLOAD, SEC_META, SEC_KEY, SEC_SIG, NSEC };
static const char *const sec_name[NSEC] = { "payload", "meta", "key", "signature" };

struct trailer {
	uint32_t version, size;
	uint64_t off[NSEC], len[NSEC];
	uint8_t sha256[32];
	uint32_t fit, reserved;
};

struct runfile {
	int fd;
	char *path;
	uint64_t size;
	struct trailer t;
	uint8_t traw[RUNFILE_TRAILER_SIZE];
	char *meta;		/* NUL-terminated */
	uint8_t *key, *sig;
	char sha_hex[65];
	char signer[41];
	int64_t signed_at;
	int with_key_file;
};

/* ---- trailer encoding ---- */

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void trailer_encode(const struct trailer *t, uint8_t b[RUNFILE_TRAILER_SIZE])
{
	memcpy(b, run_magic, 8);
	put_le(b + 8, t->version, 4);
	put_le(b + 12, t->size, 4);
	for (int i = 0; i < NSEC; i++) {
		put_le(b + 16 + 16 * i, t->off[i], 8);
		put_le(b + 24 + 16 * i, t->len[i], 8);
	}
	memcpy(b + 80, t->sha256, 32);
	put_le(b + 112, t->fit, 4);
	put_le(b + 116, t->reserved, 4);
	memcpy(b + 120, run_end_magic, 8);
}

static void trailer_decode(struct trailer *t, const uint8_t b[RUNFILE_TRAILER_SIZE])
{
	t->version = (uint32_t)get_le(b + 8, 4);
	t->size = (uint32_t)get_le(b + 12, 4);
	for (int i = 0; i < NSEC; i++) {
		t->off[i] = get_le(b + 16 + 16 * i, 8);
		t->len[i] = get_le(b + 24 + 16 * i, 8);
	}
	memcpy(t->sha256, b + 80, 32);
	t->fit = (uint32_t)get_le(b + 112, 4);
	t->reserved = (uint32_t)get_le(b + 116, 4);
}

static void hex32(const uint8_t d[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[64] = '\0';
}

/* ---- I/O ---- */

static int read_at(int fd, void *buf, size_t len, uint64_t off, const char *path,
		   struct pgb_err *err)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pgb_failsys(err, "cannot read %s", path);
		if (n == 0)
			return pgb_fail(err, "%s: shorter than when it was opened (it changed while "
					"being read)", path);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len, const char *path, struct pgb_err *err)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pgb_failsys(err, "cannot write %s", path);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- writing ---- */

struct writer {
	const char *tmp;
	int out;
	struct pgp_sign_stream *sign;
	EVP_MD_CTX *sha;	/* the payload's SHA-256 while it is copied */
	uint64_t pos;
	uint8_t *buf;
};

static int emit(struct writer *w, const void *data, size_t len, struct pgb_err *err)
{
	if (write_all(w->out, data, len, w->tmp, err) < 0)
		return -1;
	pgp_sign_stream_update(w->sign, data, len);
	if (w->sha)
		EVP_DigestUpdate(w->sha, data, len);
	w->pos += len;
	return 0;
}

/* Copy a whole input file; *len is how many bytes it had (read, not stat'ed). */
static int copy_file(struct writer *w, const char *path, const char *role, uint64_t *len,
		     struct pgb_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;
	int rc = 0;

	*len = 0;
	if (fd < 0)
		return pgb_failsys(err, "cannot open the %s %s", role, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pgb_fail(err, "the %s %s is not a regular file", role, path);
	}
	while (rc == 0 && (n = read(fd, w->buf, CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = pgb_failsys(err, "cannot read the %s %s", role, path);
		else if ((rc = emit(w, w->buf, (size_t)n, err)) == 0)
			*len += (uint64_t)n;
	}
	close(fd);
	if (rc == 0 && *len == 0)
		rc = pgb_fail(err, "the %s %s is empty", role, path);
	return rc;
}

/* Sign prefix + trailer, raising sig_len or sig_fit until the lengths agree. */
static int sign_fitted(const struct pgp_sign_stream *prefix, struct trailer *t, int64_t sigtime,
		       uint8_t traw[RUNFILE_TRAILER_SIZE], struct sbuf *sig, struct pgb_err *err)
{
	for (int tries = 0; tries < FIT_TRIES; tries++) {
		struct pgp_sign_stream *s;
		int rc;

		trailer_encode(t, traw);
		sbuf_reset(sig);
		if (pgp_sign_stream_dup(&s, prefix, err) < 0)
			return -1;
		pgp_sign_stream_update(s, traw, RUNFILE_TRAILER_SIZE);
		rc = pgp_sign_stream_finish(s, sigtime, 0, sig, err);
		pgp_sign_stream_free(s);
		if (rc < 0)
			return -1;
		if (sig->len == t->len[SEC_SIG])
			return 0;
		if (sig->len > t->len[SEC_SIG])
			t->len[SEC_SIG] = sig->len;
		else
			t->fit++;
	}
	return pgb_fail(err, "no signature of a stable length after %d tries (a pgbundle bug: "
			"please report it)", FIT_TRIES);
}

static int write_body(struct writer *w, const char *stub, const char *payload, const char *meta,
		      size_t meta_len, const void *pub, size_t pub_len, int64_t sigtime,
		      char *payload_sha256, struct pgb_err *err)
{
	struct trailer t = { RUNFILE_VERSION, RUNFILE_TRAILER_SIZE, { 0 }, { 0 }, { 0 }, 0, 0 };
	uint8_t traw[RUNFILE_TRAILER_SIZE];
	struct sbuf sig = SBUF_INIT;
	int rc;

	if (copy_file(w, stub, "installer stub", &t.off[SEC_PAYLOAD], err) < 0)
		return -1;
	w->sha = EVP_MD_CTX_new();
	if (!w->sha || !EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL)) {
		ERR_clear_error();
		return pgb_fail(err, "SHA-256 is unavailable in OpenSSL");
	}
	if (copy_file(w, payload, "payload", &t.len[SEC_PAYLOAD], err) < 0)
		return -1;
	EVP_DigestFinal_ex(w->sha, t.sha256, NULL);
	EVP_MD_CTX_free(w->sha);
	w->sha = NULL;
	if (payload_sha256)
		hex32(t.sha256, payload_sha256);
	t.off[SEC_META] = w->pos;
	t.len[SEC_META] = meta_len;
	t.off[SEC_KEY] = w->pos + meta_len;
	t.len[SEC_KEY] = pub_len;
	t.off[SEC_SIG] = t.off[SEC_KEY] + pub_len;
	if (emit(w, meta, meta_len, err) < 0 || emit(w, pub, pub_len, err) < 0)
		return -1;
	rc = sign_fitted(w->sign, &t, sigtime, traw, &sig, err);
	if (rc == 0)
		rc = write_all(w->out, sig.buf, sig.len, w->tmp, err);
	if (rc == 0)
		rc = write_all(w->out, traw, sizeof(traw), w->tmp, err);
	sbuf_free(&sig);
	return rc;
}

static int write_finish(struct writer *w, const char *out_path, struct pgb_err *err)
{
	int fd = w->out;

	w->out = -1;
	if (fchmod(fd, 0755) < 0 || fsync(fd) < 0) {
		close(fd);
		return pgb_failsys(err, "cannot finish %s", w->tmp);
	}
	if (close(fd) < 0)
		return pgb_failsys(err, "cannot close %s", w->tmp);
	if (rename(w->tmp, out_path) < 0)
		return pgb_failsys(err, "cannot rename %s to %s", w->tmp, out_path);
	return 0;
}

static int write_run(const char *out_path, const char *stub_path, const char *payload_path,
		     const char *meta, size_t meta_len, const void *pub, size_t pub_len,
		     const struct pgp_seckey *key, int64_t sigtime, char *payload_sha256,
		     struct pgb_err *err)
{
	struct writer w = { NULL, -1, NULL, NULL, 0, NULL };
	char *tmp;
	int rc;

	if (!meta_len || meta_len > RUNFILE_META_MAX || !pub_len || pub_len > RUNFILE_KEY_MAX)
		return pgb_fail(err, "cannot write %s: the bundle metadata (%zu bytes) and the "
				"public key (%zu bytes) must be non-empty and at most %u and %u "
				"bytes", out_path, meta_len, pub_len, RUNFILE_META_MAX,
				RUNFILE_KEY_MAX);
	tmp = xasprintf("%s.tmp.%ld", out_path, (long)getpid());
	w.tmp = tmp;
	if (pgp_sign_stream_new(&w.sign, key, err) < 0) {
		free(tmp);
		return -1;
	}
	w.out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w.out < 0) {
		rc = pgb_failsys(err, "cannot create %s", tmp);
	} else {
		w.buf = xmalloc(CHUNK);
		rc = write_body(&w, stub_path, payload_path, meta, meta_len, pub, pub_len, sigtime,
				payload_sha256, err);
		if (rc == 0)
			rc = write_finish(&w, out_path, err);
		if (w.out >= 0)
			close(w.out);
		if (rc < 0)
			unlink(tmp);
	}
	if (rc < 0)
		pgb_err_prefix(err, "cannot write the installer %s", out_path);
	EVP_MD_CTX_free(w.sha);
	pgp_sign_stream_free(w.sign);
	free(w.buf);
	free(tmp);
	return rc;
}

int runfile_write_embed(const char *out_path, const char *stub_path, const char *payload_path,
			const char *meta, size_t meta_len, const void *pub, size_t pub_len,
			const struct pgp_seckey *key, int64_t sigtime, struct pgb_err *err)
{
	return write_run(out_path, stub_path, payload_path, meta, meta_len, pub, pub_len, key,
			 sigtime, NULL, err);
}

int runfile_write(const char *out_path, const char *stub_path, const char *payload_path,
		  const char *meta, size_t meta_len, const struct pgp_seckey *key,
		  int64_t sigtime, char payload_sha256[65], struct pgb_err *err)
{
	struct sbuf pub = SBUF_INIT;
	int rc = pgp_seckey_export_public(key, 0, &pub, err);

	if (rc == 0)
		rc = write_run(out_path, stub_path, payload_path, meta, meta_len, pub.buf, pub.len,
			       key, sigtime, payload_sha256, err);
	sbuf_free(&pub);
	return rc;
}

/* ---- opening: the trailer ---- */

#define DAMAGED "the .run is damaged or was tampered with; get an intact copy"

/* The end magic is missing: tell appended junk from a cut or foreign file. */
static int no_trailer(struct runfile *r, struct pgb_err *err)
{
	uint64_t win = r->size < JUNK_WINDOW ? r->size : JUNK_WINDOW;
	uint8_t *buf = xmalloc(win ? win : 1);
	uint64_t junk = 0;

	if (read_at(r->fd, buf, win, r->size - win, r->path, err) < 0) {
		free(buf);
		return -1;
	}
	for (uint64_t i = win; i >= RUNFILE_TRAILER_SIZE; i--) {
		const uint8_t *t = buf + i - RUNFILE_TRAILER_SIZE;

		if (!memcmp(t, run_magic, 8) && !memcmp(t + 120, run_end_magic, 8)) {
			junk = win - i;
			break;
		}
	}
	free(buf);
	if (junk)
		return pgb_fail(err, "%s: %llu bytes follow the .run trailer (junk appended to the "
				"file?); refusing it: %s", r->path, (unsigned long long)junk,
				DAMAGED);
	return pgb_fail(err, "%s: no .run trailer at the end of the file: it is truncated, "
			"damaged at its end, or not a pgbundle .run (%llu bytes)", r->path,
			(unsigned long long)r->size);
}

static int read_trailer(struct runfile *r, struct pgb_err *err)
{
	if (r->size < RUNFILE_TRAILER_SIZE)
		return pgb_fail(err, "%s: only %llu bytes, too short to be a .run (truncated?)",
				r->path, (unsigned long long)r->size);
	if (read_at(r->fd, r->traw, RUNFILE_TRAILER_SIZE, r->size - RUNFILE_TRAILER_SIZE,
		    r->path, err) < 0)
		return -1;
	if (memcmp(r->traw + 120, run_end_magic, 8))
		return no_trailer(r, err);
	if (memcmp(r->traw, run_magic, 8))
		return pgb_fail(err, "%s: the .run trailer's magic is wrong: %s", r->path, DAMAGED);
	trailer_decode(&r->t, r->traw);
	if (r->t.version != RUNFILE_VERSION)
		return pgb_fail(err, "%s: .run format version %u, but this installer reads version "
				"%d only: %s, or use the installer of the pgbundle release that "
				"made it", r->path, r->t.version, RUNFILE_VERSION, DAMAGED);
	if (r->t.size != RUNFILE_TRAILER_SIZE || r->t.reserved)
		return pgb_fail(err, "%s: the .run trailer has a wrong size field or a non-zero "
				"reserved field: %s", r->path, DAMAGED);
	return 0;
}

static int check_tiling(struct runfile *r, struct pgb_err *err)
{
	static const uint64_t max[NSEC] = { UINT64_MAX, RUNFILE_META_MAX, RUNFILE_KEY_MAX,
					    RUNFILE_SIG_MAX };
	const struct trailer *t = &r->t;
	uint64_t body = r->size - RUNFILE_TRAILER_SIZE, at = t->off[SEC_PAYLOAD];

	if (at == 0)
		return pgb_fail(err, "%s: the trailer puts the payload at offset 0, leaving no "
				"installer before it: %s", r->path, DAMAGED);
	for (int i = 0; i < NSEC; i++) {
		if (t->off[i] != at || t->len[i] == 0 || t->off[i] > body ||
		    t->len[i] > body - t->off[i])
			return pgb_fail(err, "%s: the trailer points outside the file or is "
					"inconsistent: %s section at offset %llu, %llu bytes, where "
					"offset %llu (right after the previous section) and at most "
					"%llu bytes fit: %s", r->path, sec_name[i],
					(unsigned long long)t->off[i], (unsigned long long)t->len[i],
					(unsigned long long)at, (unsigned long long)(body - at),
					DAMAGED);
		if (t->len[i] > max[i])
			return pgb_fail(err, "%s: the trailer gives the %s section %llu bytes, more "
					"than the %llu a .run may hold: %s", r->path, sec_name[i],
					(unsigned long long)t->len[i], (unsigned long long)max[i],
					DAMAGED);
		at += t->len[i];
	}
	if (at != body)
		return pgb_fail(err, "%s: the trailer points outside the file or is inconsistent: "
				"its sections end at offset %llu but the trailer starts at %llu: %s",
				r->path,
				(unsigned long long)at, (unsigned long long)body, DAMAGED);
	return 0;
}

/* ---- opening: one pass over the signed bytes ---- */

/* Copy the part of chunk [pos, pos + n) that falls in [off, off + len) into dst. */
static void take_overlap(uint8_t *dst, uint64_t off, uint64_t len, const uint8_t *chunk,
			 uint64_t pos, size_t n)
{
	uint64_t lo = pos > off ? pos : off;
	uint64_t hi = pos + n < off + len ? pos + n : off + len;

	if (lo < hi)
		memcpy(dst + (lo - off), chunk + (lo - pos), (size_t)(hi - lo));
}

/* Feed [0, sig offset) to the verifier, hash the payload, keep meta and key. */
static int read_signed(struct runfile *r, struct pgp_verify_stream *v, uint8_t sha[32],
		       struct pgb_err *err)
{
	const struct trailer *t = &r->t;
	uint64_t pay_end = t->off[SEC_PAYLOAD] + t->len[SEC_PAYLOAD], end = t->off[SEC_SIG];
	uint8_t *buf = xmalloc(CHUNK);
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	int rc = 0;

	if (!h || !EVP_DigestInit_ex(h, EVP_sha256(), NULL)) {
		ERR_clear_error();
		rc = pgb_fail(err, "SHA-256 is unavailable in OpenSSL");
	}
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (uint64_t pos = 0; rc == 0 && pos < end;) {
		size_t n = end - pos < CHUNK ? (size_t)(end - pos) : CHUNK;

		if (read_at(r->fd, buf, n, pos, r->path, err) < 0) {
			rc = -1;
			break;
		}
		pgp_verify_stream_update(v, buf, n);
		if (pos < pay_end && pos + n > t->off[SEC_PAYLOAD]) {
			uint64_t lo = pos > t->off[SEC_PAYLOAD] ? pos : t->off[SEC_PAYLOAD];
			uint64_t hi = pos + n < pay_end ? pos + n : pay_end;

			EVP_DigestUpdate(h, buf + (lo - pos), (size_t)(hi - lo));
		}
		take_overlap((uint8_t *)r->meta, t->off[SEC_META], t->len[SEC_META], buf, pos, n);
		take_overlap(r->key, t->off[SEC_KEY], t->len[SEC_KEY], buf, pos, n);
		pos += n;
	}
	if (rc == 0)
		EVP_DigestFinal_ex(h, sha, NULL);
	pgp_verify_stream_update(v, r->traw, RUNFILE_TRAILER_SIZE);
	EVP_MD_CTX_free(h);
	free(buf);
	return rc;
}

static int load_keyring(struct runfile *r, const char *key_path, struct pgp_keyring **kr,
			struct pgb_err *err)
{
	char *what;
	int rc;

	if (key_path) {
		if (pgp_keyring_load(kr, key_path, err) < 0)
			return pgb_err_prefix(err, "the key given to check %s", r->path);
		return 0;
	}
	what = xasprintf("%s (the key embedded in it)", r->path);
	rc = pgp_keyring_load_mem(kr, r->key, r->t.len[SEC_KEY], what, err);
	free(what);
	if (rc < 0)
		return pgb_err_prefix(err, "%s", DAMAGED);
	return 0;
}

/* Checked against an operator's key: the embedded key, which apt will trust, must be it. */
static int check_embedded_has(struct runfile *r, const struct pgp_sig_info *info,
			      struct pgb_err *err)
{
	struct pgp_keyring *emb;
	int has;

	if (pgp_keyring_load_mem(&emb, r->key, r->t.len[SEC_KEY], r->path, err) < 0)
		return pgb_err_prefix(err, "the key embedded in the .run is unreadable");
	has = pgp_keyring_has(emb, info->fpr);
	pgp_keyring_free(emb);
	if (!has)
		return pgb_fail(err, "%s: signed by key %s as the key file says, but the key "
				"embedded in it is another one: refusing an inconsistent .run",
				r->path, info->primary_fpr);
	return 0;
}

static int check_signature(struct runfile *r, const char *key_path, struct pgb_err *err)
{
	struct pgp_verify_stream *v = NULL;
	struct pgp_keyring *kr = NULL;
	struct pgp_sig_info info;
	uint8_t sha[32];
	char *what = xasprintf("%s (its signature)", r->path);
	int rc;

	rc = pgp_verify_stream_new(&v, r->sig, r->t.len[SEC_SIG], what, err);
	free(what);
	if (rc < 0)
		return pgb_err_prefix(err, "%s", DAMAGED);
	rc = read_signed(r, v, sha, err);
	if (rc == 0)
		rc = load_keyring(r, key_path, &kr, err);
	if (rc == 0 && pgp_verify_stream_finish(v, kr, &info, err) < 0)
		rc = pgb_err_prefix(err, "signature check against %s failed",
				    key_path ? key_path : "the key embedded in the .run");
	if (rc == 0 && key_path)
		rc = check_embedded_has(r, &info, err);
	if (rc == 0) {
		hex32(sha, r->sha_hex);
		memcpy(r->signer, info.primary_fpr, sizeof(r->signer));
		r->signed_at = info.created;
		r->with_key_file = key_path != NULL;
	}
	if (rc == 0 && memcmp(sha, r->t.sha256, 32)) {
		char want[65];

		hex32(r->t.sha256, want);
		rc = pgb_fail(err, "%s: the payload's SHA-256 is %s but the signed trailer says %s: "
			      "%s", r->path, r->sha_hex, want, DAMAGED);
	}
	pgp_keyring_free(kr);
	pgp_verify_stream_free(v);
	return rc;
}

static int open_file(struct runfile *r, struct pgb_err *err)
{
	struct stat st;

	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return pgb_failsys(err, "cannot open %s", r->path);
	if (fstat(r->fd, &st) < 0)
		return pgb_failsys(err, "cannot stat %s", r->path);
	if (!S_ISREG(st.st_mode))
		return pgb_fail(err, "%s is not a regular file", r->path);
	r->size = (uint64_t)st.st_size;
	return 0;
}

int runfile_open(struct runfile **out, const char *path, const char *key_path_or_NULL,
		 struct pgb_err *err)
{
	struct runfile *r = xcalloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	r->fd = -1;
	r->path = xstrdup(path);
	rc = open_file(r, err);
	if (rc == 0)
		rc = read_trailer(r, err);
	if (rc == 0)
		rc = check_tiling(r, err);
	if (rc == 0) {
		r->meta = xcalloc(1, r->t.len[SEC_META] + 1);
		r->key = xmalloc(r->t.len[SEC_KEY]);
		r->sig = xmalloc(r->t.len[SEC_SIG]);
		rc = read_at(r->fd, r->sig, r->t.len[SEC_SIG], r->t.off[SEC_SIG], path, err);
	}
	if (rc == 0)
		rc = check_signature(r, key_path_or_NULL, err);
	if (rc < 0) {
		runfile_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

void runfile_close(struct runfile *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r->meta);
	free(r->key);
	free(r->sig);
	free(r);
}

/* ---- accessors ---- */

int runfile_fd(const struct runfile *r)
{
	return r->fd;
}

const char *runfile_path(const struct runfile *r)
{
	return r->path;
}

uint64_t runfile_size(const struct runfile *r)
{
	return r->size;
}

uint64_t runfile_payload_offset(const struct runfile *r)
{
	return r->t.off[SEC_PAYLOAD];
}

uint64_t runfile_payload_length(const struct runfile *r)
{
	return r->t.len[SEC_PAYLOAD];
}

const char *runfile_payload_sha256(const struct runfile *r)
{
	return r->sha_hex;
}

const char *runfile_meta(const struct runfile *r, size_t *len)
{
	if (len)
		*len = (size_t)r->t.len[SEC_META];
	return r->meta;
}

const void *runfile_key(const struct runfile *r, size_t *len)
{
	if (len)
		*len = (size_t)r->t.len[SEC_KEY];
	return r->key;
}

const char *runfile_signer(const struct runfile *r)
{
	return r->signer;
}

int64_t runfile_signed_at(const struct runfile *r)
{
	return r->signed_at;
}

int runfile_checked_with_key_file(const struct runfile *r)
{
	return r->with_key_file;
}
