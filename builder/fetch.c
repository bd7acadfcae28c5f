#include "fetch.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

#define FETCH_USER_AGENT "pgbundle/0.1"
#define FETCH_MAX_REDIRS 5L
#define FETCH_LOW_SPEED_BPS 1024L
#define BACKOFF_FIRST_MS 500L
#define BACKOFF_MAX_MS 30000L
#define RETRY_AFTER_MAX_S 60L
#define LOCKED_RECHECK_S 1.0	/* another process holds the .part: look again */
#define PROGRESS_EVERY_S 0.25
#define MIB (1024.0 * 1024.0)

struct fetcher {
	char *cache;		/* CACHE */
	char *tmp;		/* CACHE/tmp */
	struct fetch_opts o;
	int progress;		/* o.progress resolved to 0 or 1 */
	CURL *mem;		/* reused by fetch_to_mem so connections are kept */
	struct fetch_stats st;
};

void fetch_opts_default(struct fetch_opts *o)
{
	o->connect_timeout_s = 15;
	o->low_speed_time_s = 30;
	o->retries = 3;
	o->parallel = 8;
	o->progress = -1;
}

static void opts_copy(struct fetch_opts *dst, const struct fetch_opts *src)
{
	struct fetch_opts def;

	fetch_opts_default(&def);
	*dst = *src;
	if (dst->connect_timeout_s < 1)
		dst->connect_timeout_s = def.connect_timeout_s;
	if (dst->low_speed_time_s < 1)
		dst->low_speed_time_s = def.low_speed_time_s;
	if (dst->retries < 0)
		dst->retries = 0;
	if (dst->parallel < 1)
		dst->parallel = 1;
}

/* What a process killed while it wrote left under a hidden temporary name:
 * in index/ (unpacked indexes, solv caches) and each sha256/xx/.  (A .part
 * in tmp/ stays: it is resumed.) */
static void cache_sweep(const struct fetcher *f, const char *shadir)
{
	char *index = util_path_join(f->cache, "index");
	struct dirent *de;
	DIR *d = opendir(shadir);

	util_sweep_stale(index, NULL);
	while (d && (de = readdir(d))) {
		char *sub;

		if (de->d_name[0] == '.')
			continue;
		sub = util_path_join(shadir, de->d_name);
		util_sweep_stale(sub, NULL);
		free(sub);
	}
	if (d)
		closedir(d);
	free(index);
}

int fetch_new(struct fetcher **out, const char *cache_dir, const struct fetch_opts *o,
	      struct pgb_err *err)
{
	struct fetcher *f = xcalloc(1, sizeof(*f));
	char *shadir = util_path_join(cache_dir, "sha256");
	int rc;

	*out = NULL;
	fetch_opts_default(&f->o);
	if (o)
		opts_copy(&f->o, o);
	f->progress = f->o.progress < 0 ? isatty(2) : f->o.progress != 0;
	f->cache = xstrdup(cache_dir);
	f->tmp = util_path_join(cache_dir, "tmp");
	rc = util_mkdir_p(shadir, 0755, err);
	if (rc == 0)
		rc = util_mkdir_p(f->tmp, 0755, err);
	if (rc == 0)
		cache_sweep(f, shadir);
	free(shadir);
	if (rc < 0) {
		fetch_free(f);
		return pgb_err_prefix(err, "cannot set up the download cache %s", cache_dir);
	}
	f->mem = curl_easy_init();
	if (!f->mem) {
		fetch_free(f);
		return pgb_fail(err, "cannot create a libcurl handle; was curl_global_init() called?");
	}
	*out = f;
	return 0;
}

const char *fetch_cache_dir(const struct fetcher *f)
{
	return f->cache;
}

void fetch_free(struct fetcher *f)
{
	if (!f)
		return;
	if (f->mem)
		curl_easy_cleanup(f->mem);
	free(f->cache);
	free(f->tmp);
	free(f);
}

void fetch_get_stats(const struct fetcher *f, struct fetch_stats *s)
{
	*s = f->st;
}

/* ---- time ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- one transfer attempt: setup, outcome, messages ---- */

enum outcome { OUT_OK, OUT_RETRY, OUT_NOTFOUND, OUT_FAIL };

struct attempt {
	CURLcode rc;
	long http;		/* last status; 0 for file:// or when none came */
	long retry_after;	/* seconds the server asked us to wait; 0 = none */
};

static void easy_setup(CURL *h, const struct fetcher *f, const char *url, char *errbuf)
{
	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	/* A remote server must not be able to point us at local files. */
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, FETCH_MAX_REDIRS);
	/* Error bodies never reach the write callback, so never a .part. */
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, f->o.connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, FETCH_LOW_SPEED_BPS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, f->o.low_speed_time_s);
}

static void attempt_read(CURL *h, CURLcode rc, struct attempt *a)
{
	curl_off_t ra = 0;

	a->rc = rc;
	a->http = 0;
	a->retry_after = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->http);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		a->retry_after = ra > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (long)ra;
}

static enum outcome classify(const struct attempt *a)
{
	switch (a->rc) {
	case CURLE_OK:
		return OUT_OK;
	case CURLE_HTTP_RETURNED_ERROR:
		if (a->http == 404)
			return OUT_NOTFOUND;
		if (a->http >= 500 || a->http == 429 || a->http == 408)
			return OUT_RETRY;
		return OUT_FAIL;
	case CURLE_FILE_COULDNT_READ_FILE:
		return OUT_NOTFOUND;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return OUT_RETRY;
	default:
		return OUT_FAIL;
	}
}

/* Wait before retry number `done` (1 = first retry). */
static long backoff_ms(int done, const struct attempt *a)
{
	long ms = BACKOFF_FIRST_MS;

	for (int i = 1; i < done && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	if (a->retry_after * 1000 > ms)
		ms = a->retry_after * 1000;
	return ms;
}

static const char *hint(const struct attempt *a, enum outcome oc)
{
	if (oc == OUT_NOTFOUND)
		return "there is no such file; check the URL and the mirror";
	if (oc == OUT_RETRY)
		return "check the network, proxy settings and the mirror, then run again";
	if (a->http == 401 || a->http == 403)
		return "the server refuses access; check the URL and the mirror";
	if (a->rc == CURLE_COULDNT_RESOLVE_HOST || a->rc == CURLE_COULDNT_RESOLVE_PROXY)
		return "check the host name and the DNS/proxy settings";
	if (a->rc == CURLE_UNSUPPORTED_PROTOCOL)
		return "only http://, https:// and file:// URLs are supported";
	if (a->rc == CURLE_PEER_FAILED_VERIFICATION)
		return "the server's TLS certificate is not trusted; check the URL and the system CA store";
	return "check the URL and the mirror";
}

/* label may be NULL.  Returns -1. */
static int fail_attempt(struct pgb_err *err, const char *label, const char *url,
			const struct attempt *a, const char *errbuf, int tries)
{
	char what[CURL_ERROR_SIZE + 32];
	char count[48] = "";

	if (a->rc == CURLE_HTTP_RETURNED_ERROR && a->http)
		snprintf(what, sizeof(what), "HTTP %ld", a->http);
	else
		snprintf(what, sizeof(what), "%s", errbuf[0] ? errbuf : curl_easy_strerror(a->rc));
	if (tries > 1)
		snprintf(count, sizeof(count), " (after %d attempts)", tries);
	return pgb_fail(err, "%s%scannot download %s: %s%s; %s", label ? label : "",
			label ? ": " : "", url, what, count, hint(a, classify(a)));
}

/* ---- to memory ---- */

struct mem_sink {
	struct sbuf *out;
	struct fetcher *f;
};

static size_t mem_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct mem_sink *s = userdata;
	size_t n = size * nmemb;

	sbuf_add(s->out, data, n);
	s->f->st.bytes_downloaded += n;
	return n;
}

static void mem_attempt(struct fetcher *f, const char *url, struct sbuf *out, char *errbuf,
			struct attempt *a)
{
	struct mem_sink sink = { out, f };

	sbuf_reset(out);
	curl_easy_reset(f->mem);
	easy_setup(f->mem, f, url, errbuf);
	curl_easy_setopt(f->mem, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(f->mem, CURLOPT_WRITEDATA, &sink);
	attempt_read(f->mem, curl_easy_perform(f->mem), a);
}

static int mem_fetch(struct fetcher *f, const char *url, struct sbuf *out, int optional,
		     struct pgb_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	struct attempt a;
	enum outcome oc;
	int tries = 0;

	for (;;) {
		mem_attempt(f, url, out, errbuf, &a);
		tries++;
		oc = classify(&a);
		if (oc != OUT_RETRY || tries > f->o.retries)
			break;
		sleep_ms(backoff_ms(tries, &a));
	}
	/* The handle keeps pointers to our stack; drop them. */
	curl_easy_setopt(f->mem, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(f->mem, CURLOPT_WRITEDATA, NULL);
	if (oc == OUT_OK)
		return 0;
	sbuf_reset(out);
	if (oc == OUT_NOTFOUND && optional)
		return 1;
	return fail_attempt(err, NULL, url, &a, errbuf, tries);
}

int fetch_to_mem(struct fetcher *f, const char *url, struct sbuf *out, struct pgb_err *err)
{
	return mem_fetch(f, url, out, 0, err) < 0 ? -1 : 0;
}

int fetch_to_mem_opt(struct fetcher *f, const char *url, struct sbuf *out, struct pgb_err *err)
{
	return mem_fetch(f, url, out, 1, err);
}

/* ---- the cache ---- */

static char *cache_path(const struct fetcher *f, const char *sha)
{
	return xasprintf("%s/sha256/%.2s/%s", f->cache, sha, sha);
}

char *fetch_cache_lookup(struct fetcher *f, const char *sha256, uint64_t size)
{
	struct stat st;
	char *p;

	if (!hash_sha256_hex_ok(sha256))
		return NULL;
	p = cache_path(f, sha256);
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && (!size || (uint64_t)st.st_size == size))
		return p;
	free(p);
	return NULL;
}

/* Rename a verified temporary file to its cache name; *dest is malloc'd. */
static int cache_install(struct fetcher *f, const char *tmp, const char *sha, char **dest,
			 struct pgb_err *err)
{
	char *dir = xasprintf("%s/sha256/%.2s", f->cache, sha);
	char *p = cache_path(f, sha);
	int rc = util_mkdir_p(dir, 0755, err);

	free(dir);
	if (rc == 0 && rename(tmp, p) < 0)
		rc = pgb_failsys(err, "cannot rename %s to %s", tmp, p);
	if (rc < 0) {
		free(p);
		return -1;
	}
	*dest = p;
	return 0;
}

/* Copy src to fd, hashing what is written, so the hash covers the copy. */
static int copy_hashing(const char *src, int out, const char *dest, char hex[HASH_HEX_MAX],
			struct pgb_err *err)
{
	char buf[1 << 16];
	int in = open(src, O_RDONLY | O_CLOEXEC);
	struct hash_ctx *h;
	ssize_t n;
	int rc = 0;

	if (in < 0)
		return pgb_failsys(err, "cannot open %s", src);
	h = hash_new(HASH_SHA256);
	while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = pgb_failsys(err, "cannot read %s", src);
		else if (util_write_all(out, buf, (size_t)n) < 0)
			rc = pgb_failsys(err, "cannot write %s", dest);
		else
			hash_update(h, buf, (size_t)n);
	}
	close(in);
	hash_final_hex(h, hex);
	hash_free(h);
	return rc;
}

int fetch_cache_put(struct fetcher *f, const char *src_path, const char *sha256,
		    char **path_out, struct pgb_err *err)
{
	char hex[HASH_HEX_MAX];
	struct util_atomic a;
	struct stat st;
	char *p, *dir;
	int rc;

	if (path_out)
		*path_out = NULL;
	if (!hash_sha256_hex_ok(sha256))
		return pgb_fail(err, "%s: invalid SHA-256 \"%s\" (need 64 lowercase hex digits)",
				src_path, sha256 ? sha256 : "(null)");
	if (stat(src_path, &st) < 0)
		return pgb_failsys(err, "cannot add %s to the download cache", src_path);
	p = fetch_cache_lookup(f, sha256, (uint64_t)st.st_size);
	if (!p) {
		/* Written whole under its name only once the copy's hash matches it. */
		p = cache_path(f, sha256);
		dir = xasprintf("%s/sha256/%.2s", f->cache, sha256);
		rc = util_mkdir_p(dir, 0755, err);
		free(dir);
		if (rc == 0)
			rc = util_atomic_open(&a, p, 0644, err);
		if (rc == 0) {
			rc = copy_hashing(src_path, a.fd, p, hex, err);
			if (rc == 0 && strcmp(hex, sha256))
				rc = pgb_fail(err, "%s: SHA-256 is %s, expected %s; not adding it to "
					      "the download cache (is it the right file?)", src_path,
					      hex, sha256);
			if (rc == 0)
				rc = util_atomic_commit(&a, err);
			else
				util_atomic_abort(&a);
		}
		if (rc < 0) {
			free(p);
			return -1;
		}
	}
	if (path_out)
		*path_out = p;
	else
		free(p);
	return 0;
}

/* ---- batch: one transfer per distinct missing file ---- */

enum xstate { X_NEW, X_RUN, X_RETRY, X_DONE };

struct batch;

struct xfer {
	struct batch *b;
	struct fetch_item *it;
	enum xstate state;
	CURL *h;
	int fd;			/* the locked .part; -1 until first started */
	char *part;
	struct hash_ctx *hash;	/* over the .part's bytes [0, have) */
	uint64_t have;
	uint64_t asked;		/* Range start of the running attempt; 0 = whole file */
	int range_checked;	/* asked, and the response was looked at */
	int old_prefix;		/* resumed a .part left by an earlier run */
	uint64_t too_big;	/* bytes we had been sent when over the size */
	int write_errno;
	int tries;
	double not_before;	/* for X_RETRY */
	char errbuf[CURL_ERROR_SIZE];
};

struct batch {
	struct fetcher *f;
	CURLM *m;
	struct xfer *x;
	size_t nx, next, running, done, nretry;
	uint64_t bytes0;	/* f->st.bytes_downloaded at start, for the rate */
	double start, last_draw;
};

static const char *xlabel(const struct xfer *x)
{
	return x->it->label ? x->it->label : x->it->url;
}

/* Back to an empty .part; returns -1 with errno set. */
static int part_restart(struct xfer *x)
{
	hash_free(x->hash);
	x->hash = hash_new(HASH_SHA256);
	x->have = 0;
	x->old_prefix = 0;
	if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)
		return -1;
	return 0;
}

/* Hash the first n bytes of an existing .part, to resume after them. */
static int part_hash_prefix(struct xfer *x, uint64_t n, struct pgb_err *err)
{
	char buf[1 << 16];
	ssize_t r;

	if (lseek(x->fd, 0, SEEK_SET) < 0)
		return pgb_failsys(err, "%s: cannot read %s", xlabel(x), x->part);
	while (x->have < n && (r = read(x->fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pgb_failsys(err, "%s: cannot read %s", xlabel(x), x->part);
		if ((uint64_t)r > n - x->have)
			r = (ssize_t)(n - x->have);
		hash_update(x->hash, buf, (size_t)r);
		x->have += (uint64_t)r;
	}
	if (ftruncate(x->fd, (off_t)x->have) < 0 || lseek(x->fd, (off_t)x->have, SEEK_SET) < 0)
		return pgb_failsys(err, "%s: cannot write %s", xlabel(x), x->part);
	x->old_prefix = x->have > 0;
	return 0;
}

/* Open and lock the .part.  Returns 1 when another process holds it. */
static int part_open(struct xfer *x, struct pgb_err *err)
{
	struct stat st;
	int fd = open(x->part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return pgb_failsys(err, "%s: cannot create %s", xlabel(x), x->part);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK;

		if (!busy)
			pgb_failsys(err, "%s: cannot lock %s", xlabel(x), x->part);
		close(fd);
		return busy ? 1 : -1;
	}
	x->fd = fd;
	x->hash = hash_new(HASH_SHA256);
	x->have = 0;
	if (fstat(fd, &st) < 0)
		return pgb_failsys(err, "%s: cannot stat %s", xlabel(x), x->part);
	if (st.st_size == 0)
		return 0;
	/* Without a known size a leftover cannot be judged: start afresh. */
	if (!x->it->size || (uint64_t)st.st_size > x->it->size) {
		if (part_restart(x) < 0)
			return pgb_failsys(err, "%s: cannot truncate %s", xlabel(x), x->part);
		return 0;
	}
	return part_hash_prefix(x, (uint64_t)st.st_size, err);
}

/* Close the .part; remove it when it holds nothing worth resuming. */
static void part_close(struct xfer *x, int remove)
{
	if (x->fd < 0)
		return;
	if (remove || x->have == 0)
		unlink(x->part);
	close(x->fd);
	x->fd = -1;
}

/* A server that ignored our Range sends the whole file: start over. */
static int range_check(struct xfer *x)
{
	long code = 0;

	x->range_checked = 1;
	if (!x->asked)
		return 0;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	/* 0: file:// seeks to the range itself. */
	if (code == 206 || code == 0)
		return 0;
	return part_restart(x);
}

static size_t part_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nmemb;

	if (!x->range_checked && range_check(x) < 0) {
		x->write_errno = errno;
		return 0;
	}
	if (x->it->size && x->have + n > x->it->size) {
		x->too_big = x->have + n;
		return 0;
	}
	if (util_write_all(x->fd, data, n) < 0) {
		x->write_errno = errno;
		return 0;
	}
	hash_update(x->hash, data, n);
	x->have += n;
	x->b->f->st.bytes_downloaded += n;
	return n;
}

static void xfer_retry_at(struct batch *b, struct xfer *x, double when)
{
	x->state = X_RETRY;
	x->not_before = when;
	b->nretry++;
}

static void xfer_finish(struct batch *b, struct xfer *x, char *path, int cached)
{
	x->state = X_DONE;
	x->it->path = path;
	x->it->from_cache = cached;
	b->done++;
	if (cached)
		b->f->st.files_cached++;
	else
		b->f->st.files_downloaded++;
}

/* What is left to download of x, as text (a static buffer). */
static const char *need_text(const struct xfer *x)
{
	static char buf[32];

	if (!x->it->size)
		return "an unknown size";
	util_human_size(x->it->size > x->have ? x->it->size - x->have : 0, buf);
	return buf;
}

static int xfer_mismatch(struct xfer *x, const char *what, const char *want, const char *got,
			 struct pgb_err *err)
{
	part_close(x, 1);
	return pgb_fail(err, "%s: %s: %s mismatch: expected %s, got %s; the download was "
			"removed. The server's file differs from its index: refresh the plan "
			"or use another mirror", xlabel(x), x->it->url, what, want, got);
}

/* The .part is complete: check size and hash, then move it into the cache. */
static int xfer_verify(struct batch *b, struct xfer *x, struct pgb_err *err)
{
	char hex[HASH_HEX_MAX], want[32], got[32];
	char *dest;
	int bad_size = x->it->size && x->have != x->it->size;

	if (!bad_size)
		hash_final_hex(x->hash, hex);
	if ((bad_size || strcmp(hex, x->it->sha256)) && x->old_prefix) {
		/* The leftover prefix may be what is wrong: one fresh try. */
		if (part_restart(x) < 0)
			return pgb_failsys(err, "%s: cannot truncate %s", xlabel(x), x->part);
		xfer_retry_at(b, x, now_s());
		return 0;
	}
	if (bad_size) {
		snprintf(want, sizeof(want), "%llu bytes", (unsigned long long)x->it->size);
		snprintf(got, sizeof(got), "%llu bytes", (unsigned long long)x->have);
		return xfer_mismatch(x, "size", want, got, err);
	}
	if (strcmp(hex, x->it->sha256))
		return xfer_mismatch(x, "SHA-256", x->it->sha256, hex, err);
	if (fsync(x->fd) < 0)
		return pgb_failsys(err, "%s: cannot write %s", xlabel(x), x->part);
	if (cache_install(b->f, x->part, x->it->sha256, &dest, err) < 0)
		return pgb_err_prefix(err, "%s", xlabel(x));
	close(x->fd);
	x->fd = -1;
	xfer_finish(b, x, dest, 0);
	return 0;
}

/* First start: maybe cached meanwhile, maybe locked, maybe a .part to resume. */
static int xfer_prepare(struct batch *b, struct xfer *x, struct pgb_err *err)
{
	char *p = fetch_cache_lookup(b->f, x->it->sha256, x->it->size);
	int rc;

	if (p) {
		xfer_finish(b, x, p, 1);
		return 0;
	}
	rc = part_open(x, err);
	if (rc > 0)
		xfer_retry_at(b, x, now_s() + LOCKED_RECHECK_S);
	return rc;
}

static int xfer_start(struct batch *b, struct xfer *x, struct pgb_err *err)
{
	char range[32];

	if (x->fd < 0) {
		int rc = xfer_prepare(b, x, err);

		if (rc != 0 || x->state != X_NEW)
			return rc < 0 ? -1 : 0;
	}
	if (x->it->size && x->have == x->it->size)
		return xfer_verify(b, x, err);
	x->h = curl_easy_init();
	if (!x->h)
		return pgb_fail(err, "%s: cannot create a libcurl handle", xlabel(x));
	easy_setup(x->h, b->f, x->it->url, x->errbuf);
	x->asked = x->have;
	x->range_checked = 0;
	if (x->have) {
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)x->have);
		curl_easy_setopt(x->h, CURLOPT_RANGE, range);
	}
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, part_write);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(b->m, x->h) != CURLM_OK)
		return pgb_fail(err, "%s: cannot start the download of %s", xlabel(x), x->it->url);
	x->state = X_RUN;
	b->running++;
	return 0;
}

/* A transfer ended: verify, schedule a retry, or fail the batch. */
static int xfer_ended(struct batch *b, struct xfer *x, CURLcode result, struct pgb_err *err)
{
	struct attempt a;
	enum outcome oc;

	attempt_read(x->h, result, &a);
	if (result == CURLE_OK && !x->range_checked && range_check(x) < 0)
		x->write_errno = errno;
	curl_multi_remove_handle(b->m, x->h);
	curl_easy_cleanup(x->h);
	x->h = NULL;
	b->running--;
	x->tries++;
	if (x->write_errno) {
		errno = x->write_errno;
		if (errno == ENOSPC || errno == EDQUOT)
			pgb_failsys(err, "%s: cannot write %s (the file system holding the download "
				    "cache is full: %s more needed for this file; free space there "
				    "or set PGBUNDLE_CACHE to a larger one)", xlabel(x), x->part,
				    need_text(x));
		else
			pgb_failsys(err, "%s: cannot write %s", xlabel(x), x->part);
		part_close(x, 1);
		return -1;
	}
	if (x->too_big) {
		char want[32], got[48];

		snprintf(want, sizeof(want), "%llu bytes", (unsigned long long)x->it->size);
		snprintf(got, sizeof(got), "at least %llu bytes", (unsigned long long)x->too_big);
		return xfer_mismatch(x, "size", want, got, err);
	}
	oc = classify(&a);
	if (oc == OUT_OK)
		return xfer_verify(b, x, err);
	if (oc == OUT_NOTFOUND && x->it->missing_ok) {
		part_close(x, 0);
		x->it->missing = 1;
		x->state = X_DONE;
		b->done++;
		return 0;
	}
	/* 416: the server's file is shorter than our .part; refetch it whole. */
	if (a.http == 416 && x->asked && (x->old_prefix || x->tries <= b->f->o.retries)) {
		if (part_restart(x) < 0)
			return pgb_failsys(err, "%s: cannot truncate %s", xlabel(x), x->part);
		xfer_retry_at(b, x, now_s());
		return 0;
	}
	if (oc == OUT_RETRY && x->tries <= b->f->o.retries) {
		xfer_retry_at(b, x, now_s() + (double)backoff_ms(x->tries, &a) / 1000.0);
		return 0;
	}
	return fail_attempt(err, xlabel(x), x->it->url, &a, x->errbuf, x->tries);
}

static int batch_start_ready(struct batch *b, struct pgb_err *err)
{
	size_t par = (size_t)b->f->o.parallel;
	double now = now_s();

	for (size_t i = 0; b->nretry && i < b->nx && b->running < par; i++) {
		struct xfer *x = &b->x[i];

		if (x->state != X_RETRY || x->not_before > now)
			continue;
		b->nretry--;
		x->state = X_NEW;
		if (xfer_start(b, x, err) < 0)
			return -1;
	}
	while (b->next < b->nx && b->running < par)
		if (xfer_start(b, &b->x[b->next++], err) < 0)
			return -1;
	return 0;
}

static int batch_reap(struct batch *b, struct pgb_err *err)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(b->m, &left))) {
		CURLcode result = msg->data.result;
		void *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (xfer_ended(b, priv, result, err) < 0)
			return -1;
	}
	return 0;
}

/* How long curl may sleep: until the next retry is due or progress is drawn. */
static int batch_wait_ms(const struct batch *b)
{
	double wait = b->f->progress ? PROGRESS_EVERY_S : 1.0, now = now_s();

	for (size_t i = 0; b->nretry && i < b->nx; i++) {
		const struct xfer *x = &b->x[i];

		if (x->state == X_RETRY && x->not_before - now < wait)
			wait = x->not_before - now;
	}
	return wait > 0 ? (int)(wait * 1000) + 1 : 0;
}

static void progress_draw(struct batch *b, int final)
{
	uint64_t have = 0, total = 0;
	int sized = 1;
	double now = now_s(), rate;

	if (!b->f->progress || !b->nx || (!final && now - b->last_draw < PROGRESS_EVERY_S))
		return;
	b->last_draw = now;
	for (size_t i = 0; i < b->nx; i++) {
		have += b->x[i].state == X_DONE && b->x[i].it->size ? b->x[i].it->size
								     : b->x[i].have;
		total += b->x[i].it->size;
		sized &= b->x[i].it->size != 0;
	}
	rate = (double)(b->f->st.bytes_downloaded - b->bytes0) / (now - b->start + 1e-9);
	fprintf(stderr, "\rdownloading: %zu/%zu files, %.1f", b->done, b->nx, have / MIB);
	if (sized)
		fprintf(stderr, "/%.1f", total / MIB);
	fprintf(stderr, " MiB, %.1f MiB/s\033[K%s", rate / MIB, final ? "\n" : "");
	fflush(stderr);
}

static int batch_run(struct batch *b, struct pgb_err *err)
{
	CURLMcode mc;
	int still;

	while (b->done < b->nx) {
		if (batch_start_ready(b, err) < 0)
			return -1;
		mc = curl_multi_perform(b->m, &still);
		if (mc == CURLM_OK && batch_reap(b, err) < 0)
			return -1;
		progress_draw(b, 0);
		if (mc == CURLM_OK && b->done < b->nx)
			mc = curl_multi_poll(b->m, NULL, 0, batch_wait_ms(b), NULL);
		if (mc != CURLM_OK)
			return pgb_fail(err, "downloads failed: %s", curl_multi_strerror(mc));
	}
	return 0;
}

static void batch_cleanup(struct batch *b)
{
	for (size_t i = 0; i < b->nx; i++) {
		struct xfer *x = &b->x[i];

		if (x->h) {
			curl_multi_remove_handle(b->m, x->h);
			curl_easy_cleanup(x->h);
		}
		part_close(x, 0);
		hash_free(x->hash);
		free(x->part);
	}
	if (b->m)
		curl_multi_cleanup(b->m);
	free(b->x);
}

static int cmp_sha_then_index(const void *pa, const void *pb)
{
	const struct fetch_item *const *a = pa, *const *b = pb;
	int c = strcmp((*a)->sha256, (*b)->sha256);

	if (c)
		return c;
	return *a < *b ? -1 : *a > *b;
}

/* orig[i]: the first item naming the same sha256 as item i (i itself if none). */
static size_t *find_duplicates(struct fetch_item *items, size_t n)
{
	struct fetch_item **v = xcalloc(n ? n : 1, sizeof(*v));
	size_t *orig = xcalloc(n ? n : 1, sizeof(*orig));

	for (size_t i = 0; i < n; i++)
		v[i] = &items[i];
	qsort(v, n, sizeof(*v), cmp_sha_then_index);
	for (size_t i = 0, first = 0; i < n; i++) {
		if (i && strcmp(v[i]->sha256, v[i - 1]->sha256))
			first = i;
		orig[v[i] - items] = (size_t)(v[first] - items);
	}
	free(v);
	return orig;
}

static int items_check(const struct fetch_item *items, size_t n, struct pgb_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct fetch_item *it = &items[i];
		const char *label = it->label ? it->label : it->url ? it->url : "(unnamed)";

		if (!it->url)
			return pgb_fail(err, "%s: no URL to download it from", label);
		if (!hash_sha256_hex_ok(it->sha256))
			return pgb_fail(err, "%s: invalid SHA-256 \"%s\" (need 64 lowercase hex "
					"digits)", label, it->sha256 ? it->sha256 : "(null)");
	}
	return 0;
}

/* Items already cached are settled here; the rest become transfers. */
static void batch_plan(struct batch *b, struct fetch_item *items, size_t n, const size_t *orig)
{
	b->x = xcalloc(n ? n : 1, sizeof(*b->x));
	for (size_t i = 0; i < n; i++) {
		struct fetch_item *it = &items[i];
		struct xfer *x;

		it->path = NULL;
		it->from_cache = 0;
		it->missing = 0;
		if (orig[i] != i)
			continue;
		it->path = fetch_cache_lookup(b->f, it->sha256, it->size);
		if (it->path) {
			it->from_cache = 1;
			b->f->st.files_cached++;
			continue;
		}
		x = &b->x[b->nx++];
		x->b = b;
		x->it = it;
		x->fd = -1;
		x->part = xasprintf("%s/%s.part", b->f->tmp, it->sha256);
	}
}

/* Duplicates get the path of the file they share, when it is there. */
static int batch_link_duplicates(struct fetcher *f, struct fetch_item *items, size_t n,
				 const size_t *orig, int ok, struct pgb_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct fetch_item *it = &items[i];

		if (orig[i] == i)
			continue;
		it->path = fetch_cache_lookup(f, it->sha256, it->size);
		it->from_cache = items[orig[i]].from_cache;
		it->missing = !it->path && items[orig[i]].missing;
		if (!it->path && ok && !it->missing)
			return pgb_fail(err, "%s: SHA-256 %s is also listed with another size; "
					"fix the index or lock file", it->label ? it->label : it->url,
					it->sha256);
	}
	return 0;
}

int fetch_batch(struct fetcher *f, struct fetch_item *items, size_t n, struct pgb_err *err)
{
	struct batch b = { .f = f };
	size_t *orig;
	int rc;

	if (items_check(items, n, err) < 0)
		return -1;
	orig = find_duplicates(items, n);
	batch_plan(&b, items, n, orig);
	rc = 0;
	if (b.nx) {
		b.m = curl_multi_init();
		if (!b.m)
			rc = pgb_fail(err, "cannot create a libcurl multi handle");
	}
	if (rc == 0 && b.nx) {
		curl_multi_setopt(b.m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->o.parallel);
		b.bytes0 = f->st.bytes_downloaded;
		b.start = b.last_draw = now_s();
		rc = batch_run(&b, err);
		progress_draw(&b, 1);
	}
	batch_cleanup(&b);
	if (batch_link_duplicates(f, items, n, orig, rc == 0, err) < 0)
		rc = -1;
	free(orig);
	return rc;
}
