/*
 * runfile.c - the .run file: stub, payload, meta, key, signature, trailer.
 * The format and the order of the checks are described in runfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "runfile.h"
#include "util.h"

#define CHUNK (1u << 18)
/* Pieces of the verification pass read and hashed ahead of the consumer. */
#define RING 8
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
	struct stat st;		/* at opening: a write since then changes its times */
	struct trailer t;
	uint8_t traw[RUNFILE_TRAILER_SIZE];
	char *meta;		/* NUL-terminated */
	uint8_t *key, *sig;
	char claimed[41];	/* the primary the signature names, "" when unknown */
	char trailer_hex[65];	/* the payload's SHA-256 as the trailer states it */
	/* the verification pass (runfile_verify): NULL outside it */
	struct pass *pass;
	int reading;		/* its reader thread runs */
	/* its result */
	int verified;
	char sha_hex[65];
	uint8_t stub_sha[32];	/* the stub's SHA-256, as the pass read it */
	char signer[41];
	int64_t signed_at;
};

static void pass_end(struct runfile *r);

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

static int write_run(const char *out_path, const char *stub_path, const char *payload_path,
		     const char *meta, size_t meta_len, const void *pub, size_t pub_len,
		     const struct pgp_seckey *key, int64_t sigtime, char *payload_sha256,
		     struct pgb_err *err)
{
	struct writer w = { NULL, -1, NULL, NULL, 0, NULL };
	struct util_atomic out;
	int rc;

	if (!meta_len || meta_len > RUNFILE_META_MAX || !pub_len || pub_len > RUNFILE_KEY_MAX)
		return pgb_fail(err, "cannot write %s: the bundle metadata (%zu bytes) and the "
				"public key (%zu bytes) must be non-empty and at most %u and %u "
				"bytes", out_path, meta_len, pub_len, RUNFILE_META_MAX,
				RUNFILE_KEY_MAX);
	w.tmp = out_path;
	if (pgp_sign_stream_new_sha256(&w.sign, key, err) < 0)
		return -1;
	rc = util_atomic_open(&out, out_path, 0755, err);
	if (rc == 0) {
		w.out = out.fd;
		w.buf = xmalloc(CHUNK);
		rc = write_body(&w, stub_path, payload_path, meta, meta_len, pub, pub_len, sigtime,
				payload_sha256, err);
		if (rc == 0)
			rc = util_atomic_commit(&out, err);
		else
			util_atomic_abort(&out);
	}
	if (rc < 0)
		pgb_err_prefix(err, "cannot write the installer %s", out_path);
	EVP_MD_CTX_free(w.sha);
	pgp_sign_stream_free(w.sign);
	free(w.buf);
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
	hex32(r->t.sha256, r->trailer_hex);
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

/* ---- opening: what the file says, nothing trusted yet ---- */

/* Which key the signature names, as a primary of the embedded key (claimed until verified). */
static void find_claimed_signer(struct runfile *r)
{
	struct pgp_keyring *emb;
	struct pgb_err ignored;

	if (pgp_keyring_load_mem(&emb, r->key, r->t.len[SEC_KEY], r->path, &ignored) < 0)
		return;
	if (pgp_keyring_issuer_of(emb, r->sig, r->t.len[SEC_SIG], r->claimed) < 0)
		r->claimed[0] = '\0';
	pgp_keyring_free(emb);
}

static int read_sections(struct runfile *r, struct pgb_err *err)
{
	const struct trailer *t = &r->t;

	r->meta = xcalloc(1, t->len[SEC_META] + 1);
	r->key = xmalloc(t->len[SEC_KEY]);
	r->sig = xmalloc(t->len[SEC_SIG]);
	if (read_at(r->fd, r->sig, t->len[SEC_SIG], t->off[SEC_SIG], r->path, err) < 0 ||
	    read_at(r->fd, r->meta, t->len[SEC_META], t->off[SEC_META], r->path, err) < 0 ||
	    read_at(r->fd, r->key, t->len[SEC_KEY], t->off[SEC_KEY], r->path, err) < 0)
		return -1;
	find_claimed_signer(r);
	return 0;
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
	r->st = st;
	return 0;
}

int runfile_open(struct runfile **out, const char *path, struct pgb_err *err)
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
	if (rc == 0)
		rc = read_sections(r, err);
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
	pass_end(r);
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r->meta);
	free(r->key);
	free(r->sig);
	free(r);
}

/* ---- the verification pass ---- */

/*
 * Two threads share the work: the reader reads [0, sig offset) in pieces,
 * each into a slot of a ring, and feeds it to the signature's digest (the
 * meta and key pieces are also compared with the copies read at opening);
 * the caller's thread takes the payload's slots in order, adds each to the
 * payload's SHA-256 and hands it, as it is, to the consumer, which
 * decompresses and writes while the next pieces are read and hashed.  A
 * slot is reused only once the consumer asked for the next one, so the
 * bytes it is given are the bytes hashed, never read again.
 */
struct slot {
	uint8_t *buf;
	size_t len;
};

struct pass {
	pthread_t reader;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot ring[RING];
	uint64_t filled;	/* payload slots published by the reader */
	uint64_t taken;		/* payload slots handed to the consumer */
	uint64_t freed;		/* payload slots given back */
	int held;		/* the consumer holds slot taken - 1 */
	uint64_t given;		/* payload bytes handed out */
	int done, failed, stop;	/* the reader ended, failed; the caller wants it to stop */
	struct pgb_err err;	/* why it failed */
	struct pgp_verify_stream *v;	/* the reader's until it ended */
	EVP_MD_CTX *sha;		/* the caller's thread's */
	EVP_MD_CTX *stub_sha;	/* the reader's: the stub's SHA-256 (runfile_stub_read) */
	uint8_t *scratch;	/* pieces outside the payload */
	uint64_t pos;
	int changed;		/* meta or key differed from what open read */
};

/* The meta and key bytes of the pass must be those read when the file was opened. */
static void check_copy(const struct runfile *r, struct pass *p, const uint8_t *buf, size_t n)
{
	for (int s = SEC_META; s <= SEC_KEY; s++) {
		const uint8_t *mem = s == SEC_META ? (const uint8_t *)r->meta : r->key;
		uint64_t lo = p->pos > r->t.off[s] ? p->pos : r->t.off[s];
		uint64_t hi = p->pos + n < r->t.off[s] + r->t.len[s] ? p->pos + n
								      : r->t.off[s] + r->t.len[s];

		if (lo < hi && memcmp(buf + (lo - p->pos), mem + (lo - r->t.off[s]), hi - lo))
			p->changed = 1;
	}
}

/* Reader: wait for a free slot of the ring; NULL when told to stop. */
static struct slot *free_slot(struct pass *p)
{
	struct slot *sl = NULL;

	pthread_mutex_lock(&p->mu);
	while (!p->stop && p->filled - p->freed >= RING)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->stop)
		sl = &p->ring[p->filled % RING];
	pthread_mutex_unlock(&p->mu);
	return sl;
}

static void publish(struct pass *p, int done, int failed)
{
	pthread_mutex_lock(&p->mu);
	if (done)
		p->done = 1;
	else
		p->filled++;
	p->failed |= failed;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Read and hash one piece that never straddles the payload's start or end: 1, 0 at the end, -1. */
static int read_piece(struct runfile *r, struct pass *p, struct pgb_err *err)
{
	uint64_t pay = r->t.off[SEC_PAYLOAD], pay_end = pay + r->t.len[SEC_PAYLOAD];
	uint64_t end = r->t.off[SEC_SIG];
	uint64_t stop = p->pos < pay ? pay : p->pos < pay_end ? pay_end : end;
	size_t n = stop - p->pos < CHUNK ? (size_t)(stop - p->pos) : CHUNK;
	int in_payload = p->pos >= pay && p->pos < pay_end;
	struct slot *sl = NULL;
	uint8_t *buf = p->scratch;

	if (n == 0)
		return 0;
	if (in_payload && !(sl = free_slot(p)))
		return 0;
	if (sl)
		buf = sl->buf;
	if (read_at(r->fd, buf, n, p->pos, r->path, err) < 0)
		return -1;
	pgp_verify_stream_update(p->v, buf, n);
	if (in_payload)
		sl->len = n;	/* its SHA-256 is taken on the consumer's side */
	else if (p->pos < pay)
		EVP_DigestUpdate(p->stub_sha, buf, n);
	else if (p->pos >= pay_end)
		check_copy(r, p, buf, n);
	p->pos += n;
	if (sl)
		publish(p, 0, 0);
	return 1;
}

static void *reader_main(void *arg)
{
	struct runfile *r = arg;
	struct pass *p = r->pass;
	int rc;

	while ((rc = read_piece(r, p, &p->err)) > 0)
		;
	publish(p, 1, rc < 0);
	return NULL;
}

long runfile_payload_read(struct runfile *r, const void **buf, struct pgb_err *err)
{
	struct pass *p = r->pass;
	long n = 0;

	*buf = NULL;
	if (!p)
		return pgb_fail(err, "%s: the payload is read only inside runfile_verify()",
				r->path);
	pthread_mutex_lock(&p->mu);
	if (p->held) {
		p->freed++;
		p->held = 0;
		pthread_cond_broadcast(&p->cv);
	}
	while (p->given < r->t.len[SEC_PAYLOAD] && p->taken == p->filled && !p->done)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->taken < p->filled) {
		struct slot *sl = &p->ring[p->taken++ % RING];

		p->held = 1;
		p->given += sl->len;
		*buf = sl->buf;
		n = (long)sl->len;
	} else if (p->given < r->t.len[SEC_PAYLOAD]) {
		n = p->failed ? pgb_fail(err, "%s", p->err.msg)
			      : pgb_fail(err, "%s: the payload ended early", r->path);
	}
	pthread_mutex_unlock(&p->mu);
	/* Hashed here, in order, while the reader hashes the next pieces for the signature. */
	if (n > 0)
		EVP_DigestUpdate(p->sha, *buf, (size_t)n);
	return n;
}

static int pass_begin(struct runfile *r, struct pgb_err *err)
{
	struct pass *p = xcalloc(1, sizeof(*p));
	char *what = xasprintf("%s (its signature)", r->path);
	int rc = pgp_verify_stream_new(&p->v, r->sig, r->t.len[SEC_SIG], what, err);

	free(what);
	r->pass = p;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->scratch = xmalloc(CHUNK);
	for (int i = 0; i < RING; i++)
		p->ring[i].buf = xmalloc(CHUNK);
	if (rc < 0)
		return pgb_err_prefix(err, "%s", DAMAGED);
	p->sha = EVP_MD_CTX_new();
	p->stub_sha = EVP_MD_CTX_new();
	if (!p->sha || !EVP_DigestInit_ex(p->sha, EVP_sha256(), NULL) || !p->stub_sha ||
	    !EVP_DigestInit_ex(p->stub_sha, EVP_sha256(), NULL)) {
		ERR_clear_error();
		return pgb_fail(err, "SHA-256 is unavailable in OpenSSL");
	}
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((rc = pthread_create(&p->reader, NULL, reader_main, r)) != 0) {
		errno = rc;
		return pgb_failsys(err, "cannot start reading %s", r->path);
	}
	r->reading = 1;
	return 0;
}

/* Stop and join the reader (when it runs), free the pass. */
static void pass_end(struct runfile *r)
{
	struct pass *p = r->pass;

	if (!p)
		return;
	if (r->reading) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->reader, NULL);
		r->reading = 0;
	}
	pgp_verify_stream_free(p->v);
	EVP_MD_CTX_free(p->sha);
	EVP_MD_CTX_free(p->stub_sha);
	free(p->scratch);
	for (int i = 0; i < RING; i++)
		free(p->ring[i].buf);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	r->pass = NULL;
}

/*
 * A write to the file since it was opened changes its modification and
 * change times.  The pass does not depend on it (what was hashed is what was
 * used), but a file someone writes to while it is installed is an attack,
 * and is named as one.
 */
static int written_since_open(const struct runfile *r)
{
	struct stat now;

	if (fstat(r->fd, &now) < 0)
		return 1;
	return now.st_size != r->st.st_size || now.st_mtim.tv_sec != r->st.st_mtim.tv_sec ||
	       now.st_mtim.tv_nsec != r->st.st_mtim.tv_nsec ||
	       now.st_ctim.tv_sec != r->st.st_ctim.tv_sec ||
	       now.st_ctim.tv_nsec != r->st.st_ctim.tv_nsec;
}

/* Whatever consume() left, then the trailer: the digests are complete. */
static int pass_drain(struct runfile *r, struct pgb_err *err)
{
	struct pass *p = r->pass;
	const void *buf;
	long n;

	while ((n = runfile_payload_read(r, &buf, err)) > 0)
		;
	pthread_join(p->reader, NULL);
	r->reading = 0;
	if (n < 0)
		return -1;
	if (p->failed)
		return pgb_fail(err, "%s", p->err.msg);
	pgp_verify_stream_update(p->v, r->traw, RUNFILE_TRAILER_SIZE);
	if (p->changed || written_since_open(r))
		return pgb_fail(err, "%s changed while it was being read: someone is writing to "
				"it; refusing it (copy it somewhere only root can write, or get an "
				"intact copy)", r->path);
	return 0;
}

/* The key that signed must be in the embedded key, which apt will be given to trust. */
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
		return pgb_fail(err, "%s: signed by key %s, but the key embedded in it is another "
				"one: refusing an inconsistent .run", r->path, info->primary_fpr);
	return 0;
}

static int pass_check(struct runfile *r, const struct pgp_keyring *kr, const char *trusted,
		      struct pgb_err *err)
{
	struct pgp_sig_info info;
	uint8_t sha[32];
	char want[65];

	EVP_DigestFinal_ex(r->pass->sha, sha, NULL);
	EVP_DigestFinal_ex(r->pass->stub_sha, r->stub_sha, NULL);
	hex32(sha, r->sha_hex);
	if (pgp_verify_stream_finish(r->pass->v, kr, &info, err) < 0)
		return pgb_err_prefix(err, "signature check against %s failed", trusted);
	if (check_embedded_has(r, &info, err) < 0)
		return -1;
	if (memcmp(sha, r->t.sha256, 32)) {
		hex32(r->t.sha256, want);
		return pgb_fail(err, "%s: the payload's SHA-256 is %s but the signed trailer says "
				"%s: %s", r->path, r->sha_hex, want, DAMAGED);
	}
	memcpy(r->signer, info.primary_fpr, sizeof(r->signer));
	r->signed_at = info.created;
	r->verified = 1;
	return 0;
}

int runfile_verify(struct runfile *r, const struct pgp_keyring *kr, const char *trusted,
		   runfile_consume_fn consume, void *ctx, struct pgb_err *err)
{
	struct pgb_err cerr = { { 0 } };
	int rc, crc = 0;

	r->verified = 0;
	r->signer[0] = '\0';
	rc = pass_begin(r, err);
	if (rc == 0 && consume)
		crc = consume(ctx, r, &cerr);
	if (rc == 0)
		rc = pass_drain(r, err);
	if (rc == 0)
		rc = pass_check(r, kr, trusted ? trusted : "the key embedded in the .run", err);
	pass_end(r);
	/* A tampered file is named as such before what the consumer made of its bytes. */
	if (rc == 0 && crc < 0) {
		*err = cerr;
		r->verified = 0;
		rc = -1;
	}
	return rc;
}

int runfile_verify_embedded(struct runfile *r, struct pgb_err *err)
{
	struct pgp_keyring *kr;
	char *what = xasprintf("%s (the key embedded in it)", r->path);
	int rc = pgp_keyring_load_mem(&kr, r->key, r->t.len[SEC_KEY], what, err);

	free(what);
	if (rc < 0)
		return pgb_err_prefix(err, "%s", DAMAGED);
	rc = runfile_verify(r, kr, NULL, NULL, NULL, err);
	pgp_keyring_free(kr);
	return rc;
}

/* ---- accessors ---- */

int runfile_fstat(const struct runfile *r, struct stat *st)
{
	return fstat(r->fd, st);
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

int runfile_stub_read(const struct runfile *r, uint8_t **buf, size_t *len,
		      struct pgb_err *err)
{
	size_t n = (size_t)r->t.off[SEC_PAYLOAD];
	uint8_t *b, sha[32];

	*buf = NULL;
	*len = 0;
	if (!r->verified)
		return pgb_fail(err, "%s: its installer is read only once the file verified",
				r->path);
	b = xmalloc(n);
	if (read_at(r->fd, b, n, 0, r->path, err) < 0) {
		free(b);
		return -1;
	}
	if (!EVP_Digest(b, n, sha, NULL, EVP_sha256(), NULL))
		memset(sha, 0, sizeof(sha));	/* refused below */
	if (memcmp(sha, r->stub_sha, sizeof(sha))) {
		free(b);
		return pgb_fail(err, "%s changed after it verified: its installer is not the one "
				"that was checked; refusing it (copy it somewhere only root can "
				"write, or get an intact copy)", r->path);
	}
	*buf = b;
	*len = n;
	return 0;
}

const char *runfile_payload_sha256(const struct runfile *r)
{
	return r->verified ? r->sha_hex : NULL;
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

const char *runfile_trailer_sha256(const struct runfile *r)
{
	return r->trailer_hex;
}

const char *runfile_claimed_signer(const struct runfile *r)
{
	return r->claimed;
}

int runfile_verified(const struct runfile *r)
{
	return r->verified;
}

const char *runfile_signer(const struct runfile *r)
{
	return r->verified ? r->signer : NULL;
}

int64_t runfile_signed_at(const struct runfile *r)
{
	return r->signed_at;
}
