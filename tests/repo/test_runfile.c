/*
 * test_runfile.c - the .run format (repo/runfile.c): a written file opens
 * and verifies, is byte-deterministic and checkable by gpgv, and every kind
 * of damage is refused by the check that catches it; verification reads a
 * large file with flat memory.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "pack.h"
#include "pgp.h"
#include "runfile.h"
#include "unit.h"

#define T0 1700000000
#define STUB_LEN 3000

static const char meta_json[] = "{\"name\": \"tiny\", \"version\": \"1.0\", \"format\": 1}\n";

struct fixture {
	char *dir;
	char *stub, *payload, *run, *pub, *other_pub;
	struct pgp_seckey *key, *other;
};

static int put_file(const char *path, const void *data, size_t len)
{
	struct pgb_err err;

	if (util_write_atomic(path, data, len, 0644, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int export_pub(const struct pgp_seckey *k, const char *path, int armored)
{
	struct sbuf b = SBUF_INIT;
	struct pgb_err err;
	int rc = pgp_seckey_export_public(k, armored, &b, &err);

	if (rc == 0)
		rc = put_file(path, b.buf, b.len);
	sbuf_free(&b);
	return rc;
}

/* A stub of fixed bytes and a real tar.zst of a two-file tree. */
static int make_inputs(struct fixture *f)
{
	struct pack_opts o = { "tiny-1.0.d12.amd64", T0, 3, 1 };
	char stub[STUB_LEN], *tree = util_path_join(f->dir, "tree"), *p;
	struct pgb_err err;
	int rc;

	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (char)(i * 7 + 1);
	memcpy(stub, "\177ELF", 4);
	rc = put_file(f->stub, stub, sizeof(stub));
	if (rc == 0)
		rc = util_mkdir_p(tree, 0755, &err);
	p = util_path_join(tree, "bundle.json");
	if (rc == 0)
		rc = put_file(p, meta_json, strlen(meta_json));
	free(p);
	p = util_path_join(tree, "hello.txt");
	if (rc == 0)
		rc = put_file(p, "hello\n", 6);
	free(p);
	if (rc == 0 && pack_write_dir(f->payload, tree, &o, &err) < 0) {
		fprintf(stderr, "# pack: %s\n", err.msg);
		rc = -1;
	}
	free(tree);
	return rc;
}

static int setup(struct fixture *f)
{
	char tmpl[] = "/tmp/pgbundle-runfile.XXXXXX";
	struct pgb_err err;

	memset(f, 0, sizeof(*f));
	if (!mkdtemp(tmpl))
		return -1;
	f->dir = xstrdup(tmpl);
	f->stub = util_path_join(f->dir, "stub");
	f->payload = util_path_join(f->dir, "payload.tar.zst");
	f->run = util_path_join(f->dir, "good.run");
	f->pub = util_path_join(f->dir, "bundle.asc");
	f->other_pub = util_path_join(f->dir, "other.gpg");
	if (pgp_keygen(&f->key, "Bundle <bundle@example.org>", T0, &err) < 0 ||
	    pgp_keygen(&f->other, "Other <other@example.org>", T0, &err) < 0) {
		fprintf(stderr, "# keygen: %s\n", err.msg);
		return -1;
	}
	if (make_inputs(f) < 0 || export_pub(f->key, f->pub, 1) < 0 ||
	    export_pub(f->other, f->other_pub, 0) < 0)
		return -1;
	if (runfile_write(f->run, f->stub, f->payload, meta_json, strlen(meta_json), f->key,
			  T0 + 60, NULL, &err) < 0) {
		fprintf(stderr, "# runfile_write: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void teardown(struct fixture *f)
{
	struct pgb_err err;

	if (f->dir)
		util_rm_rf(f->dir, &err);
	free(f->dir);
	free(f->stub);
	free(f->payload);
	free(f->run);
	free(f->pub);
	free(f->other_pub);
	pgp_seckey_free(f->key);
	pgp_seckey_free(f->other);
}

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* Section offsets/lengths from the trailer of a file's bytes (see runfile.h). */
struct layout {
	uint64_t off[4], len[4], body;
};

static void layout_of(const char *data, size_t len, struct layout *l)
{
	const unsigned char *t = (const unsigned char *)data + len - RUNFILE_TRAILER_SIZE;

	for (int i = 0; i < 4; i++) {
		l->off[i] = le(t + 16 + 16 * i, 8);
		l->len[i] = le(t + 24 + 16 * i, 8);
	}
	l->body = len - RUNFILE_TRAILER_SIZE;
}

/* Open path and verify it against the key file key (NULL: the embedded key). */
static int open_verified(struct runfile **out, const char *path, const char *key,
			 struct pgb_err *err)
{
	struct pgp_keyring *kr = NULL;
	int rc;

	if (runfile_open(out, path, err) < 0)
		return -1;
	if (!key)
		rc = runfile_verify_embedded(*out, err);
	else if ((rc = pgp_keyring_load(&kr, key, err)) < 0)
		pgb_err_prefix(err, "the key given to check %s", path);
	else
		rc = runfile_verify(*out, kr, key, NULL, NULL, err);
	pgp_keyring_free(kr);
	if (rc < 0) {
		runfile_close(*out);
		*out = NULL;
	}
	return rc;
}

/* Open path and expect a refusal whose message holds every given fragment. */
static int refused(const char *path, const char *key, const char *frag1, const char *frag2)
{
	struct runfile *r = (struct runfile *)1;
	struct pgb_err err = { "" };

	if (open_verified(&r, path, key, &err) == 0) {
		fprintf(stderr, "# %s was accepted\n", path);
		runfile_close(r);
		return 0;
	}
	if (r || !strstr(err.msg, path) || !strstr(err.msg, frag1) ||
	    (frag2 && !strstr(err.msg, frag2))) {
		fprintf(stderr, "# %s: unexpected message: %s\n", path, err.msg);
		return 0;
	}
	return 1;
}

/* Write a copy of the good file with one byte flipped at off; returns its path. */
static char *flipped(struct fixture *f, const char *name, uint64_t off)
{
	char *data, *p = util_path_join(f->dir, name);
	size_t len;
	struct pgb_err err;

	if (util_read_file(f->run, &data, &len, &err) < 0)
		abort();
	data[off] ^= 0x10;
	if (put_file(p, data, len) < 0)
		abort();
	free(data);
	return p;
}

static int read_all(const char *path, char **data, size_t *len)
{
	struct pgb_err err;

	if (util_read_file(path, data, len, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* A consumer: the payload's archive entries, read from the pass; counts files. */
struct walk {
	int files;
	int fail;		/* fail after the first entry */
	const char *scribble;	/* write to this file during the pass */
};

static long walk_read(void *ctx, const void **buf, struct pgb_err *err)
{
	return runfile_payload_read(ctx, buf, err);
}

static int walk_consume(void *ctx, struct runfile *r, struct pgb_err *err)
{
	struct walk *w = ctx;
	struct pack_source src = { walk_read, r };
	struct pack_reader *pr;
	struct pack_entry_info e;
	int rc;

	if (pack_reader_open_source(&pr, &src, "payload", err) < 0)
		return -1;
	while ((rc = pack_reader_next(pr, &e, err)) == 1) {
		w->files += e.type == 'f';
		if (w->fail) {
			rc = pgb_fail(err, "the consumer gave up");
			break;
		}
	}
	pack_reader_free(pr);
	if (w->scribble) {
		int fd = open(w->scribble, O_WRONLY);

		if (fd < 0 || pwrite(fd, "x", 1, 5) != 1)
			abort();
		close(fd);
	}
	return rc;
}

static int test_written_run_opens_verified_with_every_section_in_place(void)
{
	struct fixture f;
	struct runfile *r = NULL;
	struct pgp_keyring *kr = NULL;
	struct walk w = { 0, 0, NULL };
	struct sbuf pub = SBUF_INIT;
	struct pgb_err err;
	char hex[HASH_HEX_MAX], fpr[41];
	const void *key, *buf;
	uint64_t psize;
	struct stat st;
	size_t n;

	CHECK(setup(&f) == 0);
	CHECKF(runfile_open(&r, f.run, &err) == 0, "%s", err.msg);
	CHECK(hash_file_hex(HASH_SHA256, f.payload, hex, &psize, &err) == 0);
	pgp_seckey_fingerprint(f.key, fpr);
	/* Before the pass: the layout and the claims, nothing verified. */
	CHECK(runfile_payload_offset(r) == STUB_LEN);
	CHECK(runfile_payload_length(r) == psize);
	CHECK(!strcmp(runfile_trailer_sha256(r), hex) && !runfile_payload_sha256(r));
	CHECK(!strcmp(runfile_claimed_signer(r), fpr) && !runfile_signer(r) && !runfile_verified(r));
	CHECK(!strcmp(runfile_meta(r, &n), meta_json) && n == strlen(meta_json));
	CHECK(pgp_seckey_export_public(f.key, 0, &pub, &err) == 0);
	key = runfile_key(r, &n);
	CHECK(n == pub.len && !memcmp(key, pub.buf, n));
	CHECK(runfile_payload_read(r, &buf, &err) < 0);
	CHECKF(strstr(err.msg, "only inside runfile_verify"), "%s", err.msg);
	/* The pass: the consumer reads the archive as it is hashed. */
	CHECK(pgp_keyring_load(&kr, f.pub, &err) == 0);
	CHECKF(runfile_verify(r, kr, f.pub, walk_consume, &w, &err) == 0, "%s", err.msg);
	CHECK(w.files == 2 && runfile_verified(r));
	CHECK(!strcmp(runfile_payload_sha256(r), hex));
	CHECK(!strcmp(runfile_signer(r), fpr));
	CHECK(runfile_signed_at(r) == T0 + 60);
	CHECK(stat(f.run, &st) == 0 && runfile_size(r) == (uint64_t)st.st_size);
	CHECK(!strcmp(runfile_path(r), f.run));
	/* A second pass without a consumer verifies too. */
	CHECKF(runfile_verify(r, kr, f.pub, NULL, NULL, &err) == 0, "%s", err.msg);
	runfile_close(r);
	pgp_keyring_free(kr);
	sbuf_free(&pub);
	teardown(&f);
	return 0;
}

/* A consumer's error is reported for a good file; a bad file's, before the consumer's. */
static int test_consumer_errors_come_after_the_files_own(void)
{
	struct fixture f;
	struct runfile *r = NULL;
	struct pgp_keyring *kr = NULL;
	struct walk w = { 0, 1, NULL };
	struct layout l;
	struct pgb_err err;
	char *data, *p;
	size_t len;

	CHECK(setup(&f) == 0);
	CHECK(pgp_keyring_load(&kr, f.pub, &err) == 0);
	CHECK(runfile_open(&r, f.run, &err) == 0);
	CHECK(runfile_verify(r, kr, f.pub, walk_consume, &w, &err) < 0 && !runfile_verified(r));
	CHECKF(strstr(err.msg, "the consumer gave up"), "%s", err.msg);
	runfile_close(r);
	/* Damaged after the entry the consumer stops at: the damage is what is reported. */
	CHECK(read_all(f.run, &data, &len) == 0);
	layout_of(data, len, &l);
	p = flipped(&f, "late.run", l.off[0] + l.len[0] - 3);
	CHECK(runfile_open(&r, p, &err) == 0);
	CHECK(runfile_verify(r, kr, f.pub, walk_consume, &w, &err) < 0);
	CHECKF(strstr(err.msg, "BAD signature"), "%s", err.msg);
	runfile_close(r);
	pgp_keyring_free(kr);
	free(p);
	free(data);
	teardown(&f);
	return 0;
}

/* A file written to while the pass reads it is refused, even if the bytes read were good. */
static int test_file_written_during_the_pass_is_refused(void)
{
	struct fixture f;
	struct runfile *r = NULL;
	struct pgp_keyring *kr = NULL;
	struct walk w = { 0, 0, NULL };
	struct pgb_err err;

	CHECK(setup(&f) == 0);
	w.scribble = f.run;
	CHECK(pgp_keyring_load(&kr, f.pub, &err) == 0);
	CHECK(runfile_open(&r, f.run, &err) == 0);
	CHECK(runfile_verify(r, kr, f.pub, walk_consume, &w, &err) < 0 && !runfile_verified(r));
	CHECKF(strstr(err.msg, "changed while it was being read"), "%s", err.msg);
	runfile_close(r);
	pgp_keyring_free(kr);
	teardown(&f);
	return 0;
}

/*
 * The stub handed out after the pass (the installer copies it as the VIP's
 * callback) is the stub that was verified: one rewritten since is refused.
 */
static int test_stub_read_after_the_pass_is_the_verified_one(void)
{
	struct fixture f;
	struct runfile *r = NULL;
	struct pgp_keyring *kr = NULL;
	struct pgb_err err;
	uint8_t *buf = NULL;
	char *stub;
	size_t len, slen;
	int fd;

	CHECK(setup(&f) == 0);
	CHECK(read_all(f.stub, &stub, &slen) == 0);
	CHECK(pgp_keyring_load(&kr, f.pub, &err) == 0);
	CHECK(runfile_open(&r, f.run, &err) == 0);
	CHECK(runfile_stub_read(r, &buf, &len, &err) < 0 && !buf);
	CHECKF(runfile_verify(r, kr, f.pub, NULL, NULL, &err) == 0, "%s", err.msg);
	CHECKF(runfile_stub_read(r, &buf, &len, &err) == 0, "%s", err.msg);
	CHECK(len == slen && !memcmp(buf, stub, len));
	free(buf);
	fd = open(f.run, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "X", 1, 1) == 1);
	close(fd);
	CHECK(runfile_stub_read(r, &buf, &len, &err) < 0 && !buf);
	CHECKF(strstr(err.msg, "changed after it verified"), "%s", err.msg);
	free(stub);
	runfile_close(r);
	pgp_keyring_free(kr);
	teardown(&f);
	return 0;
}

static int test_write_is_byte_deterministic_mode_0755_and_leaves_no_temp(void)
{
	struct fixture f;
	struct pgb_err err;
	char *again, *a, *b, *tmp;
	size_t alen, blen;
	struct stat st;

	CHECK(setup(&f) == 0);
	again = util_path_join(f.dir, "again.run");
	CHECK(runfile_write(again, f.stub, f.payload, meta_json, strlen(meta_json), f.key, T0 + 60, NULL,
			    &err) == 0);
	CHECK(read_all(f.run, &a, &alen) == 0 && read_all(again, &b, &blen) == 0);
	CHECK(alen == blen && !memcmp(a, b, alen));
	CHECK(stat(again, &st) == 0 && (st.st_mode & 07777) == 0755);
	tmp = xasprintf("%s/.again.run.tmp.%ld", f.dir, (long)getpid());
	CHECK(!util_exists(tmp));
	free(tmp);
	free(a);
	free(b);
	free(again);
	teardown(&f);
	return 0;
}

static int test_gpgv_accepts_the_signature_over_prefix_and_trailer(void)
{
	struct fixture f;
	struct layout l;
	struct sbuf signed_bytes = SBUF_INIT;
	char *data, *sig, *sigp, *datp, *keyp, *cmd;
	size_t len;

	CHECK(setup(&f) == 0);
	CHECK(read_all(f.run, &data, &len) == 0);
	layout_of(data, len, &l);
	sbuf_add(&signed_bytes, data, l.off[3]);
	sbuf_add(&signed_bytes, data + l.body, RUNFILE_TRAILER_SIZE);
	sig = data + l.off[3];
	sigp = util_path_join(f.dir, "run.sig");
	datp = util_path_join(f.dir, "signed");
	keyp = util_path_join(f.dir, "key.gpg");
	CHECK(put_file(sigp, sig, l.len[3]) == 0);
	CHECK(put_file(datp, signed_bytes.buf, signed_bytes.len) == 0);
	CHECK(put_file(keyp, data + l.off[2], l.len[2]) == 0);
	cmd = xasprintf("gpgv --keyring %s %s %s >/dev/null 2>&1", keyp, sigp, datp);
	CHECKF(system(cmd) == 0, "gpgv refused: %s", cmd);
	free(cmd);
	free(sigp);
	free(datp);
	free(keyp);
	free(data);
	sbuf_free(&signed_bytes);
	teardown(&f);
	return 0;
}

static int test_flipped_byte_in_stub_payload_meta_key_or_sig_is_refused(void)
{
	static const char *const bad_sig = "signature check against the key embedded in the .run "
					   "failed";
	struct fixture f;
	struct layout l;
	char *data, *p;
	size_t len;

	CHECK(setup(&f) == 0);
	CHECK(read_all(f.run, &data, &len) == 0);
	layout_of(data, len, &l);
	p = flipped(&f, "stub.run", 100);
	CHECK(refused(p, NULL, bad_sig, "BAD signature"));
	free(p);
	p = flipped(&f, "payload.run", l.off[0] + l.len[0] / 2);
	CHECK(refused(p, NULL, bad_sig, "BAD signature"));
	free(p);
	p = flipped(&f, "meta.run", l.off[1] + 3);
	CHECK(refused(p, NULL, bad_sig, "BAD signature"));
	free(p);
	/* In the key's public point: the embedded key no longer matches its fingerprint. */
	p = flipped(&f, "key.run", l.off[2] + 30);
	CHECK(refused(p, NULL, "key embedded", NULL));
	free(p);
	/* In the signature's last number. */
	p = flipped(&f, "sig.run", l.off[3] + l.len[3] - 5);
	CHECK(refused(p, NULL, bad_sig, "BAD signature"));
	free(p);
	/* And against the operator's key file too. */
	p = flipped(&f, "payload2.run", l.off[0] + 7);
	CHECK(refused(p, f.pub, "signature check against", "BAD signature"));
	free(p);
	free(data);
	teardown(&f);
	return 0;
}

static int test_flipped_byte_in_each_trailer_field_is_refused_by_its_check(void)
{
	static const struct {
		int at;
		const char *frag;
	} cases[] = {
		{ 0, "magic is wrong" },
		{ 8, "format version" },
		{ 12, "wrong size field" },
		{ 16, "points outside the file or is inconsistent" },
		{ 24, "points outside the file or is inconsistent" },
		{ 40, "points outside the file or is inconsistent" },
		{ 64, "points outside the file or is inconsistent" },
		{ 72, "points outside the file or is inconsistent" },
		{ 90, "BAD signature" },			/* payload SHA-256 */
		{ 112, "BAD signature" },			/* sig_fit */
		{ 117, "reserved" },
		{ 125, "no .run trailer" },
	};
	struct fixture f;
	char *data, *p;
	size_t len;

	CHECK(setup(&f) == 0);
	CHECK(read_all(f.run, &data, &len) == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char name[32];

		snprintf(name, sizeof(name), "trailer%d.run", cases[i].at);
		p = flipped(&f, name, len - RUNFILE_TRAILER_SIZE + (size_t)cases[i].at);
		CHECKF(refused(p, NULL, cases[i].frag, NULL), "trailer byte %d", cases[i].at);
		free(p);
	}
	free(data);
	teardown(&f);
	return 0;
}

static int test_truncated_file_and_appended_junk_are_refused_and_told_apart(void)
{
	struct fixture f;
	char *data, *p = NULL;
	size_t len;
	const size_t cuts[] = { 1, 127, 128, 129, 1000 };

	CHECK(setup(&f) == 0);
	CHECK(read_all(f.run, &data, &len) == 0);
	p = util_path_join(f.dir, "cut.run");
	for (size_t i = 0; i < sizeof(cuts) / sizeof(*cuts); i++) {
		CHECK(put_file(p, data, len - cuts[i]) == 0);
		CHECKF(refused(p, NULL, "no .run trailer", "truncated"), "cut %zu", cuts[i]);
	}
	CHECK(put_file(p, data, 50) == 0);
	CHECK(refused(p, NULL, "too short", NULL));
	CHECK(put_file(p, "", 0) == 0);
	CHECK(refused(p, NULL, "too short", NULL));
	free(p);
	p = util_path_join(f.dir, "junk.run");
	data = xrealloc(data, len + 10);
	memcpy(data + len, "JUNKJUNKJU", 10);
	CHECK(put_file(p, data, len + 10) == 0);
	CHECK(refused(p, NULL, "10 bytes follow the .run trailer", "junk appended"));
	free(p);
	free(data);
	teardown(&f);
	return 0;
}

static int test_signature_by_another_key_is_refused(void)
{
	struct fixture f;
	struct sbuf pub = SBUF_INIT;
	struct pgb_err err;
	char *p;

	CHECK(setup(&f) == 0);
	/* Carries the bundle key, signed by another one. */
	p = util_path_join(f.dir, "forged.run");
	CHECK(pgp_seckey_export_public(f.key, 0, &pub, &err) == 0);
	CHECK(runfile_write_embed(p, f.stub, f.payload, meta_json, strlen(meta_json), pub.buf,
				  pub.len, f.other, T0 + 60, &err) == 0);
	CHECK(refused(p, NULL, "signature check against the key embedded", "not in the keyring"));
	CHECK(refused(p, f.pub, "signature check against", "not in the keyring"));
	/* Self-consistent but made with another key: the operator's key file refuses it. */
	CHECK(runfile_write(p, f.stub, f.payload, meta_json, strlen(meta_json), f.other, T0 + 60, NULL,
			    &err) == 0);
	CHECK(refused(p, f.pub, "signature check against", "not in the keyring"));
	/* Signed by the key file's key but carrying another key: inconsistent. */
	CHECK(runfile_write_embed(p, f.stub, f.payload, meta_json, strlen(meta_json), pub.buf,
				  pub.len, f.other, T0 + 60, &err) == 0);
	CHECK(refused(p, f.other_pub, "embedded in it is another one", NULL));
	free(p);
	sbuf_free(&pub);
	teardown(&f);
	return 0;
}

static int test_key_file_of_the_signer_verifies(void)
{
	struct fixture f;
	struct runfile *r = NULL;
	struct pgb_err err;

	CHECK(setup(&f) == 0);
	CHECKF(open_verified(&r, f.run, f.pub, &err) == 0, "%s", err.msg);
	runfile_close(r);
	CHECK(refused(f.run, "/nonexistent/key.gpg", "/nonexistent/key.gpg", NULL));
	teardown(&f);
	return 0;
}

static int test_trailer_pointing_outside_the_file_is_refused(void)
{
	struct fixture f;
	char *data, *p;
	size_t len;
	unsigned char *t;

	CHECK(setup(&f) == 0);
	CHECK(read_all(f.run, &data, &len) == 0);
	t = (unsigned char *)data + len - RUNFILE_TRAILER_SIZE;
	p = util_path_join(f.dir, "outside.run");
	memset(t + 24, 0xff, 8);	/* payload length 2^64 - 1 */
	CHECK(put_file(p, data, len) == 0);
	CHECK(refused(p, NULL, "points outside the file", "payload section"));
	memset(t + 24, 0, 8);		/* empty payload */
	CHECK(put_file(p, data, len) == 0);
	CHECK(refused(p, NULL, "points outside the file", NULL));
	free(p);
	free(data);
	teardown(&f);
	return 0;
}

/*
 * The signature is good but the trailer's payload hash is wrong: only a
 * faulty writer could make this, and the hash check still catches it.
 */
static int test_payload_hash_mismatch_is_refused_even_when_signed(void)
{
	struct fixture f;
	struct layout l;
	struct sbuf msg = SBUF_INIT, sig = SBUF_INIT, out = SBUF_INIT;
	struct pgb_err err;
	char *data, *p;
	size_t len;
	unsigned char *t;

	CHECK(setup(&f) == 0);
	CHECK(read_all(f.run, &data, &len) == 0);
	layout_of(data, len, &l);
	t = (unsigned char *)data + l.body;
	t[80] ^= 1;
	for (uint32_t fit = 0;; fit++) {
		CHECK(fit < 1000);
		t[112] = (unsigned char)fit;
		t[113] = (unsigned char)(fit >> 8);
		sbuf_reset(&msg);
		sbuf_reset(&sig);
		sbuf_add(&msg, data, l.off[3]);
		sbuf_add(&msg, t, RUNFILE_TRAILER_SIZE);
		CHECK(pgp_sign_detached(f.key, msg.buf, msg.len, T0 + 60, 0, &sig, &err) == 0);
		if (sig.len == l.len[3])
			break;
	}
	sbuf_add(&out, data, l.off[3]);
	sbuf_add(&out, sig.buf, sig.len);
	sbuf_add(&out, t, RUNFILE_TRAILER_SIZE);
	p = util_path_join(f.dir, "badhash.run");
	CHECK(put_file(p, out.buf, out.len) == 0);
	CHECK(refused(p, NULL, "payload's SHA-256 is", "signed trailer says"));
	free(p);
	free(data);
	sbuf_free(&msg);
	sbuf_free(&sig);
	sbuf_free(&out);
	teardown(&f);
	return 0;
}

static int test_write_refuses_bad_inputs_and_leaves_nothing(void)
{
	struct fixture f;
	struct pgb_err err;
	char *empty, *out;

	CHECK(setup(&f) == 0);
	empty = util_path_join(f.dir, "empty");
	out = util_path_join(f.dir, "new.run");
	CHECK(put_file(empty, "", 0) == 0);
	CHECK(runfile_write(out, f.stub, empty, meta_json, strlen(meta_json), f.key, T0, NULL, &err) < 0);
	CHECKF(strstr(err.msg, "payload") && strstr(err.msg, "is empty"), "%s", err.msg);
	CHECK(runfile_write(out, f.stub, "/nonexistent", meta_json, 5, f.key, T0, NULL, &err) < 0);
	CHECK(runfile_write(out, f.dir, f.payload, meta_json, 5, f.key, T0, NULL, &err) < 0);
	CHECKF(strstr(err.msg, "not a regular file"), "%s", err.msg);
	CHECK(runfile_write(out, f.stub, f.payload, "", 0, f.key, T0, NULL, &err) < 0);
	/* A signature time before the key existed is refused by the signer. */
	CHECK(runfile_write(out, f.stub, f.payload, meta_json, 5, f.key, T0 - 10, NULL, &err) < 0);
	CHECKF(strstr(err.msg, out), "%s", err.msg);
	CHECK(!util_exists(out));
	free(empty);
	free(out);
	teardown(&f);
	return 0;
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 200 MB of payload: writing and verifying read it in chunks, RSS stays put. */
static int test_large_payload_writes_and_verifies_with_flat_memory(void)
{
	const off_t big = 200LL << 20;
	struct fixture f;
	struct runfile *r = NULL;
	struct pgb_err err;
	char *payload, *run;
	long base, after;
	int fd;

	CHECK(setup(&f) == 0);
	payload = util_path_join(f.dir, "big.payload");
	run = util_path_join(f.dir, "big.run");
	fd = open(payload, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, big) == 0 && pwrite(fd, "x", 1, big / 2) == 1);
	close(fd);
	base = max_rss_kb();
	CHECKF(runfile_write(run, f.stub, payload, meta_json, strlen(meta_json), f.key, T0 + 60, NULL,
			     &err) == 0, "%s", err.msg);
	unlink(payload);
	CHECKF(open_verified(&r, run, NULL, &err) == 0, "%s", err.msg);
	after = max_rss_kb();
	CHECK(runfile_payload_length(r) == (uint64_t)big);
	runfile_close(r);
	fprintf(stderr, "# peak RSS %ld kB before writing and verifying a 200 MB payload, %ld kB "
		"after (+%ld kB)\n", base, after, after - base);
	CHECKF(after - base < 16 * 1024, "memory grew by %ld kB", after - base);
	free(payload);
	free(run);
	teardown(&f);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_written_run_opens_verified_with_every_section_in_place);
	T_RUN(&s, test_consumer_errors_come_after_the_files_own);
	T_RUN(&s, test_file_written_during_the_pass_is_refused);
	T_RUN(&s, test_stub_read_after_the_pass_is_the_verified_one);
	T_RUN(&s, test_write_is_byte_deterministic_mode_0755_and_leaves_no_temp);
	T_RUN(&s, test_gpgv_accepts_the_signature_over_prefix_and_trailer);
	T_RUN(&s, test_flipped_byte_in_stub_payload_meta_key_or_sig_is_refused);
	T_RUN(&s, test_flipped_byte_in_each_trailer_field_is_refused_by_its_check);
	T_RUN(&s, test_truncated_file_and_appended_junk_are_refused_and_told_apart);
	T_RUN(&s, test_signature_by_another_key_is_refused);
	T_RUN(&s, test_key_file_of_the_signer_verifies);
	T_RUN(&s, test_trailer_pointing_outside_the_file_is_refused);
	T_RUN(&s, test_payload_hash_mismatch_is_refused_even_when_signed);
	T_RUN(&s, test_write_refuses_bad_inputs_and_leaves_nothing);
	T_RUN(&s, test_large_payload_writes_and_verifies_with_flat_memory);
	return t_done(&s);
}
