/*
 * fetch.h - downloads (libcurl) and the content-addressed download cache.
 *
 * A struct fetcher owns a cache directory laid out as
 *
 *     CACHE/sha256/ab/abcdef...   one file per SHA-256 (64 lowercase hex)
 *     CACHE/tmp/<sha256>.part     downloads in progress, resumable
 *
 * A file's name is its SHA-256, and nothing is renamed into CACHE/sha256/
 * before its content has been hashed and compared with that name, so a file
 * found there was verified when it was put there; a lookup then only checks
 * that the file is present with the expected size.
 *
 * Use:
 *     curl_global_init(CURL_GLOBAL_DEFAULT);      // once, in main()
 *     struct fetch_opts o;
 *     fetch_opts_default(&o);
 *     if (fetch_new(&f, cache_dir, &o, &err) < 0) ...
 *     fetch_to_mem(f, url, &buf, &err);           // indexes, signatures
 *     fetch_batch(f, items, n, &err);             // packages, in parallel
 *     fetch_free(f);
 *     curl_global_cleanup();                       // once, in main()
 *
 * URLs may be http://, https:// or file:// (file URLs go through libcurl
 * too).  Redirects are followed (at most 5, to http or https only).
 * Transient failures (connection refused or reset, timeouts, HTTP 5xx, 429,
 * 408, a response cut short) are retried opts.retries times, waiting 0.5 s,
 * 1 s, 2 s, ... between attempts (or the server's Retry-After, up to 60 s).
 * A transfer slower than 1 KiB/s for opts.low_speed_time_s is a timeout.
 *
 * Every function that can fail returns 0 on success and -1 on error with a
 * message in *err naming the URL (and label) and the next step.  Only
 * fetch_batch() prints, and only its progress line, on stderr, when
 * opts.progress asks for it.
 */
#ifndef PGB_FETCH_H
#define PGB_FETCH_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

struct fetch_opts {
	long connect_timeout_s;	/* default 15 */
	long low_speed_time_s;	/* abort a transfer below 1 KiB/s for this long; default 30 */
	int retries;		/* transient failures retried with backoff; default 3 */
	int parallel;		/* simultaneous transfers in fetch_batch; default 8 */
	int progress;		/* 1 = progress bar on stderr, 0 = quiet, -1 = isatty(2) */
};

/* Fill *o with the defaults above (progress: -1). */
void fetch_opts_default(struct fetch_opts *o);

struct fetcher;

/*
 * Create a fetcher over cache_dir (created with its sha256/ and tmp/
 * subdirectories when missing).  o may be NULL for the defaults; it is
 * copied, with parallel < 1 taken as 1, retries < 0 as 0 and timeouts < 1 as
 * the defaults.  Expects curl_global_init() to have been called by main()
 * (libcurl's global setup is not thread-safe, so a library must not do it).
 * On success *out is the caller's, released with fetch_free().
 */
int fetch_new(struct fetcher **out, const char *cache_dir, const struct fetch_opts *o,
	      struct pgb_err *err);
/* The cache directory (owned by f). */
const char *fetch_cache_dir(const struct fetcher *f);
/* Release a fetcher (NULL is fine).  The cache stays on disk. */
void fetch_free(struct fetcher *f);

/*
 * Download url into out, which is reset first and holds exactly the body on
 * success (NUL-terminated, as every sbuf).  HTTP statuses >= 400 fail with a
 * message naming the URL and status.  On error out's content is unspecified;
 * the caller still frees it.
 */
int fetch_to_mem(struct fetcher *f, const char *url, struct sbuf *out, struct pgb_err *err);

/*
 * As fetch_to_mem(), for a file that may legitimately be absent (InRelease
 * vs Release): returns 1 with out empty when the server answers 404 (or a
 * file:// URL names no readable file), 0 when fetched, -1 on other errors.
 */
int fetch_to_mem_opt(struct fetcher *f, const char *url, struct sbuf *out,
		     struct pgb_err *err);

/*
 * Content-addressed fetch of many files.
 *
 * An item whose sha256 is already in the cache (present with the expected
 * size) is not downloaded.  The others are downloaded opts.parallel at a time
 * into CACHE/tmp/<sha256>.part, written and hashed as the data arrives.  An
 * existing .part (from an interrupted run, or a response cut short) is
 * resumed with a Range request when the size is known; when the server
 * ignores the Range the file is restarted from zero.  The size and SHA-256
 * are then checked and the file renamed into the cache.  Items naming the
 * same sha256 are downloaded once.  A .part is locked (flock) while written:
 * when another process sharing the cache holds it, this one waits for that
 * download to finish (or that process to die) and then uses or resumes it.
 *
 * A size or hash mismatch deletes the .part and fails naming the label, the
 * URL, the expected and actual values.  (A mismatch on a download that
 * resumed a .part left by an earlier run is first retried once from zero, as
 * that prefix may be what was wrong.)  On the first error, transfers still
 * running are stopped (their .part files stay, to be resumed next time) and
 * finished files stay in the cache.
 *
 * An item with missing_ok set that the server does not have (HTTP 404, or a
 * file:// URL naming no file) does not fail the batch: it ends with path NULL
 * and missing 1, and the others go on (pkgsrc.h then looks elsewhere).
 *
 * On return, success or not, item.path is the malloc'd cache path of every
 * item that is in the cache and NULL for the others; the caller frees every
 * path.  item.from_cache is 1 when no download was needed for it.  Progress
 * (files, bytes, rate) goes to stderr when enabled and something is
 * downloaded.
 */
struct fetch_item {
	const char *url;	/* in */
	const char *sha256;	/* in: 64 lowercase hex */
	uint64_t size;		/* in: expected size, 0 = unknown */
	const char *label;	/* in: for messages, e.g. "postgresql-15 15.13-0+deb12u1 (debian-security)" */
	int missing_ok;		/* in: a 404 leaves it missing instead of failing */
	int missing;		/* out: 1 when missing_ok and the server does not have it */
	char *path;		/* out: malloc'd cache path on success; caller frees */
	int from_cache;		/* out: 1 if it was already cached */
};
int fetch_batch(struct fetcher *f, struct fetch_item *items, size_t n, struct pgb_err *err);

/*
 * The cache path of sha256 when that file is present (with the given size,
 * unless size is 0 = unknown), as a malloc'd string the caller frees; NULL
 * when it is absent, has another size, or sha256 is not 64 lowercase hex.
 */
char *fetch_cache_lookup(struct fetcher *f, const char *sha256, uint64_t size);

/*
 * Copy the local file src_path into the cache under sha256, hashing the copy
 * as it is written; a different hash fails naming the file and both hashes,
 * and adds nothing.  When sha256 is already cached the existing file is used.
 * On success *path_out (if not NULL) is the malloc'd cache path.
 */
int fetch_cache_put(struct fetcher *f, const char *src_path, const char *sha256,
		    char **path_out, struct pgb_err *err);

/*
 * Counters since fetch_new(): bytes received over the network by every call
 * (fetch_to_mem included), and the files fetch_batch() downloaded or found
 * in the cache.
 */
struct fetch_stats {
	uint64_t bytes_downloaded;
	size_t files_downloaded, files_cached;
};
void fetch_get_stats(const struct fetcher *f, struct fetch_stats *s);

#ifdef __cplusplus
}
#endif

#endif
