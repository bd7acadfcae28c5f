/*
 * test_fetch.c - downloads and the download cache (builder/fetch.h), against
 * the loopback server tests/fixtures/httpd.py started here on 127.0.0.1.
 *
 * The server logs every request before answering it; the tests read that log
 * to prove what went over the wire (Range headers, retries, parallelism).
 * Each test uses its own query key ("k=...") so the server's per-URL
 * misbehaviour counters start from zero, and its own cache directory.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "hash.h"
#include "unit.h"
#include "util.h"

#define NFILES 20
#define BIG_SIZE 300000

/* Test fixture: the scratch tree, the server and the files it serves. */
static struct {
	char *root;		/* scratch directory */
	char *www;		/* served by the server */
	char *log;		/* the server's request log */
	pid_t pid;
	int in_fd;		/* the server's stdin; closing it stops the server */
	int port;
	char sha[NFILES][HASH_HEX_MAX];
	uint64_t size[NFILES];
	char big_sha[HASH_HEX_MAX];
	char hello_sha[HASH_HEX_MAX];
	int ncache;
} T;

static const char hello[] = "hello, world\n";

static char *http_url(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *http_url(const char *fmt, ...)
{
	struct sbuf b = SBUF_INIT;
	char path[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	sbuf_addf(&b, "http://127.0.0.1:%d%s", T.port, path);
	return sbuf_detach(&b, NULL);
}

static char *new_cache_dir(void)
{
	return xasprintf("%s/cache-%d", T.root, T.ncache++);
}

static struct fetcher *new_fetcher_in(const char *cache, int retries)
{
	struct pgb_err err = { { 0 } };
	struct fetch_opts o;
	struct fetcher *f = NULL;

	fetch_opts_default(&o);
	o.progress = 0;
	o.retries = retries;
	if (fetch_new(&f, cache, &o, &err) < 0)
		fprintf(stderr, "# fetch_new: %s\n", err.msg);
	return f;
}

static struct fetcher *new_fetcher(int retries)
{
	char *cache = new_cache_dir();
	struct fetcher *f = new_fetcher_in(cache, retries);

	free(cache);
	return f;
}

/* Lines of the server log containing needle. */
static int log_count(const char *needle)
{
	struct pgb_err err;
	char *data, *line, *save = NULL;
	size_t len;
	int n = 0;

	if (util_read_file(T.log, &data, &len, &err) < 0)
		return -1;
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle))
			n++;
	free(data);
	return n;
}

/* Highest "active=N" among the log lines containing needle. */
static int log_max_active(const char *needle)
{
	struct pgb_err err;
	char *data, *line, *save = NULL, *a;
	size_t len;
	int max = 0;

	if (util_read_file(T.log, &data, &len, &err) < 0)
		return -1;
	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle) && (a = strstr(line, "active=")) && atoi(a + 7) > max)
			max = atoi(a + 7);
	free(data);
	return max;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int file_has_sha(const char *path, const char *sha)
{
	char hex[HASH_HEX_MAX];
	struct pgb_err err;

	return path && hash_file_hex(HASH_SHA256, path, hex, NULL, &err) == 0 && !strcmp(hex, sha);
}

/* Files in CACHE/tmp: nothing may be left there after a clean end. */
static int tmp_entries(const char *cache)
{
	char *cmd = xasprintf("ls -A '%s/tmp' | wc -l", cache);
	FILE *p = popen(cmd, "r");
	int n = -1;

	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	free(cmd);
	return n;
}

static char *part_path(const char *cache, const char *sha)
{
	return xasprintf("%s/tmp/%s.part", cache, sha);
}

/* Write the first n bytes of big.bin as a leftover .part in cache. */
static int write_big_prefix(const char *cache, size_t n, int garbage)
{
	struct pgb_err err;
	char *src = util_path_join(T.www, "big.bin"), *data, *part;
	size_t len;
	int rc;

	if (util_read_file(src, &data, &len, &err) < 0) {
		free(src);
		return -1;
	}
	if (garbage)
		memset(data, 'x', n);
	part = part_path(cache, T.big_sha);
	rc = util_write_atomic(part, data, n, 0644, &err);
	free(part);
	free(data);
	free(src);
	return rc;
}

static void free_paths(struct fetch_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(it[i].path);
		it[i].path = NULL;
	}
}

/* ---- fetch_new ---- */

static int test_new_fails_naming_a_cache_dir_it_cannot_create(void)
{
	struct pgb_err err = { { 0 } };
	char *file = util_path_join(T.www, "hello.txt"), *cache = util_path_join(file, "cache");
	struct fetcher *f = (struct fetcher *)&err;

	CHECK(fetch_new(&f, cache, NULL, &err) == -1);
	CHECK(f == NULL);
	CHECKF(strstr(err.msg, cache), "%s", err.msg);
	free(file);
	free(cache);
	return 0;
}

/* ---- fetch_to_mem ---- */

static int test_to_mem_returns_the_body(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(0);
	char *url = http_url("/hello.txt");
	int rc;

	CHECK(f);
	rc = fetch_to_mem(f, url, &out, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(out.len == strlen(hello) && !strcmp(out.buf, hello));
	sbuf_free(&out);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_to_mem_404_fails_naming_url_and_status(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(3);
	char *url = http_url("/missing.txt?k=mem404");

	CHECK(f);
	CHECK(fetch_to_mem(f, url, &out, &err) == -1);
	CHECKF(strstr(err.msg, url) && strstr(err.msg, "404"), "%s", err.msg);
	CHECKF(log_count("/missing.txt?k=mem404 ") == 1, "a 404 is not retried");
	sbuf_free(&out);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_to_mem_opt_returns_1_and_empty_on_404(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(3);
	char *missing = http_url("/InRelease"), *present = http_url("/hello.txt");

	CHECK(f);
	sbuf_adds(&out, "left over");
	CHECK(fetch_to_mem_opt(f, missing, &out, &err) == 1);
	CHECK(out.len == 0);
	CHECKF(fetch_to_mem_opt(f, present, &out, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(out.buf, hello));
	sbuf_free(&out);
	free(missing);
	free(present);
	fetch_free(f);
	return 0;
}

static int test_to_mem_retries_500_twice_then_succeeds(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(3);
	char *url = http_url("/hello.txt?fail=2&k=mem500");

	CHECK(f);
	CHECKF(fetch_to_mem(f, url, &out, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(out.buf, hello));
	CHECK(log_count("/hello.txt?fail=2&k=mem500 ") == 3);
	sbuf_free(&out);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_to_mem_gives_up_after_the_retries(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(1);
	char *url = http_url("/hello.txt?status=503&k=giveup");

	CHECK(f);
	CHECK(fetch_to_mem(f, url, &out, &err) == -1);
	CHECKF(strstr(err.msg, url) && strstr(err.msg, "HTTP 503") &&
	       strstr(err.msg, "2 attempts"), "%s", err.msg);
	CHECK(log_count("/hello.txt?status=503&k=giveup ") == 2);
	sbuf_free(&out);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_to_mem_does_not_retry_403(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(3);
	char *url = http_url("/hello.txt?status=403&k=forbidden");

	CHECK(f);
	CHECK(fetch_to_mem(f, url, &out, &err) == -1);
	CHECKF(strstr(err.msg, url) && strstr(err.msg, "HTTP 403"), "%s", err.msg);
	CHECK(log_count("/hello.txt?status=403&k=forbidden ") == 1);
	sbuf_free(&out);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_to_mem_follows_redirects(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(0);
	char *url = http_url("/r/3/hello.txt?k=memredir");

	CHECK(f);
	CHECKF(fetch_to_mem(f, url, &out, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(out.buf, hello));
	CHECK(log_count("/r/0/hello.txt?k=memredir ") == 1);
	sbuf_free(&out);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_to_mem_stops_after_five_redirects(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(3);
	char *url = http_url("/r/6/hello.txt?k=loop");

	CHECK(f);
	CHECK(fetch_to_mem(f, url, &out, &err) == -1);
	CHECKF(strstr(err.msg, url) && strstr(err.msg, "redirect"), "%s", err.msg);
	CHECK(log_count("/hello.txt?k=loop ") == 6);
	sbuf_free(&out);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_to_mem_reads_file_urls(void)
{
	struct pgb_err err = { { 0 } };
	struct sbuf out = SBUF_INIT;
	struct fetcher *f = new_fetcher(3);
	char *url = xasprintf("file://%s/hello.txt", T.www);
	char *missing = xasprintf("file://%s/InRelease", T.www);

	CHECK(f);
	CHECKF(fetch_to_mem(f, url, &out, &err) == 0, "%s", err.msg);
	CHECK(!strcmp(out.buf, hello));
	CHECK(fetch_to_mem_opt(f, missing, &out, &err) == 1 && out.len == 0);
	CHECK(fetch_to_mem(f, missing, &out, &err) == -1);
	CHECKF(strstr(err.msg, missing), "%s", err.msg);
	sbuf_free(&out);
	free(url);
	free(missing);
	fetch_free(f);
	return 0;
}

/* ---- fetch_batch ---- */

static void items_for_files(struct fetch_item *it, char **urls, const char *query)
{
	for (int i = 0; i < NFILES; i++) {
		urls[i] = http_url("/f%02d.bin?%s", i, query);
		it[i] = (struct fetch_item){ .url = urls[i], .sha256 = T.sha[i],
					     .size = T.size[i], .label = "file" };
	}
}

static void free_urls(char **urls, int n)
{
	for (int i = 0; i < n; i++)
		free(urls[i]);
}

/* Shared by the parallel and the cached test: the same cache directory. */
static char *batch20_cache;

static int test_batch_fetches_20_files_in_parallel_and_verifies_them(void)
{
	struct pgb_err err = { { 0 } };
	struct fetch_item it[NFILES];
	struct fetch_stats st;
	char *urls[NFILES];
	struct fetcher *f;
	int rc;

	batch20_cache = new_cache_dir();
	f = new_fetcher_in(batch20_cache, 0);
	CHECK(f);
	items_for_files(it, urls, "delay=200&k=par");
	rc = fetch_batch(f, it, NFILES, &err);
	CHECKF(rc == 0, "%s", err.msg);
	for (int i = 0; i < NFILES; i++) {
		CHECKF(file_has_sha(it[i].path, T.sha[i]), "item %d", i);
		CHECK(it[i].from_cache == 0);
		CHECK(!strncmp(it[i].path, batch20_cache, strlen(batch20_cache)));
		CHECK(strstr(it[i].path, T.sha[i]));
	}
	fetch_get_stats(f, &st);
	CHECK(st.files_downloaded == NFILES && st.files_cached == 0);
	CHECK(log_count("k=par ") == NFILES);
	CHECKF(log_max_active("k=par ") > 1, "transfers ran one at a time");
	CHECK(tmp_entries(batch20_cache) == 0);
	free_paths(it, NFILES);
	free_urls(urls, NFILES);
	fetch_free(f);
	return 0;
}

static int test_batch_second_run_is_served_from_cache(void)
{
	struct pgb_err err = { { 0 } };
	struct fetch_item it[NFILES];
	struct fetch_stats st;
	char *urls[NFILES];
	struct fetcher *f = new_fetcher_in(batch20_cache, 0);

	CHECK(f);
	items_for_files(it, urls, "k=par2");
	CHECKF(fetch_batch(f, it, NFILES, &err) == 0, "%s", err.msg);
	for (int i = 0; i < NFILES; i++) {
		CHECK(it[i].from_cache == 1);
		CHECK(file_has_sha(it[i].path, T.sha[i]));
	}
	fetch_get_stats(f, &st);
	CHECK(st.bytes_downloaded == 0 && st.files_downloaded == 0 && st.files_cached == NFILES);
	CHECK(log_count("k=par2 ") == 0);
	free_paths(it, NFILES);
	free_urls(urls, NFILES);
	fetch_free(f);
	return 0;
}

static int test_batch_sha_mismatch_names_label_and_keeps_nothing(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/f00.bin?k=badsha");
	struct fetcher *f = new_fetcher_in(cache, 3);
	struct fetch_item it = { .url = url, .sha256 = T.sha[1], .size = T.size[0],
				 .label = "postgresql-15 15.13-0+deb12u1 (debian-security)" };
	char *lookup;

	CHECK(f);
	CHECK(fetch_batch(f, &it, 1, &err) == -1);
	CHECKF(strstr(err.msg, it.label) && strstr(err.msg, url) && strstr(err.msg, T.sha[1]) &&
	       strstr(err.msg, T.sha[0]), "%s", err.msg);
	CHECK(it.path == NULL);
	lookup = fetch_cache_lookup(f, T.sha[1], 0);
	CHECK(lookup == NULL);
	CHECK(tmp_entries(cache) == 0);
	CHECK(log_count("k=badsha ") == 1);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_larger_than_expected_fails_and_keeps_nothing(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/f02.bin?k=big");
	struct fetcher *f = new_fetcher_in(cache, 3);
	struct fetch_item it = { .url = url, .sha256 = T.sha[2], .size = T.size[2] - 10,
				 .label = "pkg-short" };

	CHECK(f);
	CHECK(fetch_batch(f, &it, 1, &err) == -1);
	CHECKF(strstr(err.msg, "pkg-short") && strstr(err.msg, url) && strstr(err.msg, "size"),
	       "%s", err.msg);
	CHECK(it.path == NULL && tmp_entries(cache) == 0);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_smaller_than_expected_fails_and_keeps_nothing(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/f02.bin?k=small");
	struct fetcher *f = new_fetcher_in(cache, 3);
	struct fetch_item it = { .url = url, .sha256 = T.sha[2], .size = T.size[2] + 10,
				 .label = "pkg-long" };
	char want[32], got[32];

	CHECK(f);
	snprintf(want, sizeof(want), "expected %llu bytes", (unsigned long long)T.size[2] + 10);
	snprintf(got, sizeof(got), "got %llu bytes", (unsigned long long)T.size[2]);
	CHECK(fetch_batch(f, &it, 1, &err) == -1);
	CHECKF(strstr(err.msg, "pkg-long") && strstr(err.msg, want) && strstr(err.msg, got),
	       "%s", err.msg);
	CHECK(it.path == NULL && tmp_entries(cache) == 0);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_resumes_after_a_truncated_response(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/big.bin?cutat=100000&cuts=1&k=cut1");
	struct fetcher *f = new_fetcher_in(cache, 3);
	struct fetch_item it = { .url = url, .sha256 = T.big_sha, .size = BIG_SIZE,
				 .label = "big" };
	struct fetch_stats st;

	CHECK(f);
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECK(file_has_sha(it.path, T.big_sha));
	CHECK(log_count("k=cut1 range=- ") == 1);
	CHECK(log_count("k=cut1 range=bytes=100000- ") == 1);
	fetch_get_stats(f, &st);
	CHECKF(st.bytes_downloaded == BIG_SIZE, "%llu bytes: the prefix was fetched again",
	       (unsigned long long)st.bytes_downloaded);
	CHECK(tmp_entries(cache) == 0);
	free(it.path);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_always_truncated_fails_cleanly_and_keeps_part(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/big.bin?cutat=100000&k=cut2");
	struct fetcher *f = new_fetcher_in(cache, 2);
	struct fetch_item it = { .url = url, .sha256 = T.big_sha, .size = BIG_SIZE,
				 .label = "big" };
	char *part = part_path(cache, T.big_sha), *lookup;

	CHECK(f);
	CHECK(fetch_batch(f, &it, 1, &err) == -1);
	CHECKF(strstr(err.msg, "big: ") && strstr(err.msg, url) &&
	       strstr(err.msg, "3 attempts"), "%s", err.msg);
	CHECK(it.path == NULL);
	lookup = fetch_cache_lookup(f, T.big_sha, BIG_SIZE);
	CHECK(lookup == NULL);
	CHECK(log_count("k=cut2 ") == 3);
	/* What did arrive is kept for the next run to resume. */
	CHECK(file_size(part) == 100000);
	free(part);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_resumes_an_existing_part_with_range(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/big.bin?k=resume");
	struct fetcher *f = new_fetcher_in(cache, 0);
	struct fetch_item it = { .url = url, .sha256 = T.big_sha, .size = BIG_SIZE,
				 .label = "big" };
	struct fetch_stats st;

	CHECK(f);
	CHECK(write_big_prefix(cache, 123456, 0) == 0);
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECK(file_has_sha(it.path, T.big_sha));
	CHECK(log_count("k=resume range=bytes=123456- ") == 1);
	CHECK(log_count("k=resume ") == 1);
	fetch_get_stats(f, &st);
	CHECK(st.bytes_downloaded == BIG_SIZE - 123456);
	CHECK(tmp_entries(cache) == 0);
	free(it.path);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_restarts_when_the_server_ignores_range(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/big.bin?norange=1&k=norange");
	struct fetcher *f = new_fetcher_in(cache, 0);
	struct fetch_item it = { .url = url, .sha256 = T.big_sha, .size = BIG_SIZE,
				 .label = "big" };
	struct fetch_stats st;

	CHECK(f);
	CHECK(write_big_prefix(cache, 5000, 0) == 0);
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECK(file_has_sha(it.path, T.big_sha));
	CHECK(log_count("k=norange range=bytes=5000- ") == 1);
	fetch_get_stats(f, &st);
	CHECK(st.bytes_downloaded == BIG_SIZE);
	free(it.path);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_refetches_whole_file_when_old_part_is_corrupt(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/big.bin?k=corrupt");
	struct fetcher *f = new_fetcher_in(cache, 0);
	struct fetch_item it = { .url = url, .sha256 = T.big_sha, .size = BIG_SIZE,
				 .label = "big" };

	CHECK(f);
	CHECK(write_big_prefix(cache, 1000, 1) == 0);
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECK(file_has_sha(it.path, T.big_sha));
	CHECK(log_count("k=corrupt range=bytes=1000- ") == 1);
	CHECK(log_count("k=corrupt range=- ") == 1);
	CHECK(tmp_entries(cache) == 0);
	free(it.path);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_416_on_an_old_part_refetches_then_reports_the_size(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/big.bin?serve=f00.bin&k=r416");
	struct fetcher *f = new_fetcher_in(cache, 0);
	struct fetch_item it = { .url = url, .sha256 = T.big_sha, .size = BIG_SIZE,
				 .label = "big" };
	char got[32];

	CHECK(f);
	CHECK(write_big_prefix(cache, 123456, 0) == 0);
	CHECK(fetch_batch(f, &it, 1, &err) == -1);
	snprintf(got, sizeof(got), "got %llu bytes", (unsigned long long)T.size[0]);
	CHECKF(strstr(err.msg, url) && strstr(err.msg, got), "%s", err.msg);
	CHECK(log_count("k=r416 range=bytes=123456- ") == 1);
	CHECK(log_count("k=r416 range=- ") == 1);
	CHECK(it.path == NULL && tmp_entries(cache) == 0);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_completes_a_part_that_is_already_whole_without_network(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/big.bin?k=whole");
	struct fetcher *f = new_fetcher_in(cache, 0);
	struct fetch_item it = { .url = url, .sha256 = T.big_sha, .size = BIG_SIZE,
				 .label = "big" };

	CHECK(f);
	CHECK(write_big_prefix(cache, BIG_SIZE, 0) == 0);
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECK(file_has_sha(it.path, T.big_sha));
	CHECK(log_count("k=whole ") == 0);
	free(it.path);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_retries_500_then_succeeds(void)
{
	struct pgb_err err = { { 0 } };
	char *url = http_url("/f03.bin?fail=2&k=b500");
	struct fetcher *f = new_fetcher(3);
	struct fetch_item it = { .url = url, .sha256 = T.sha[3], .size = T.size[3],
				 .label = "f03" };

	CHECK(f);
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECK(file_has_sha(it.path, T.sha[3]));
	CHECK(log_count("k=b500 ") == 3);
	free(it.path);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_batch_follows_redirects(void)
{
	struct pgb_err err = { { 0 } };
	char *url = http_url("/r/2/f05.bin?k=bredir");
	struct fetcher *f = new_fetcher(0);
	struct fetch_item it = { .url = url, .sha256 = T.sha[5], .size = T.size[5],
				 .label = "f05" };

	CHECK(f);
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECK(file_has_sha(it.path, T.sha[5]));
	CHECK(log_count("GET /f05.bin?k=bredir ") == 1);
	free(it.path);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_batch_reads_file_urls_and_resumes_them(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir();
	struct fetcher *f = new_fetcher_in(cache, 0);
	char *u0 = xasprintf("file://%s/f06.bin", T.www), *u1 = xasprintf("file://%s/big.bin", T.www);
	struct fetch_item it[2] = {
		{ .url = u0, .sha256 = T.sha[6], .size = T.size[6], .label = "f06" },
		{ .url = u1, .sha256 = T.big_sha, .size = BIG_SIZE, .label = "big" },
	};
	struct fetch_stats st;

	CHECK(f);
	CHECK(write_big_prefix(cache, 200000, 0) == 0);
	CHECKF(fetch_batch(f, it, 2, &err) == 0, "%s", err.msg);
	CHECK(file_has_sha(it[0].path, T.sha[6]));
	CHECK(file_has_sha(it[1].path, T.big_sha));
	fetch_get_stats(f, &st);
	CHECK(st.bytes_downloaded == T.size[6] + BIG_SIZE - 200000);
	free_paths(it, 2);
	free(u0);
	free(u1);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_404_names_label_and_url_and_leaves_no_part(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/gone.deb?k=b404");
	struct fetcher *f = new_fetcher_in(cache, 3);
	struct fetch_item it = { .url = url, .sha256 = T.sha[7], .size = T.size[7],
				 .label = "libpq5 15.13-0+deb12u1 (debian)" };

	CHECK(f);
	CHECK(fetch_batch(f, &it, 1, &err) == -1);
	CHECKF(strstr(err.msg, it.label) && strstr(err.msg, url) && strstr(err.msg, "HTTP 404"),
	       "%s", err.msg);
	CHECK(it.path == NULL && tmp_entries(cache) == 0);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

/* What pkgsrc.h builds on: a package gone from the mirror is reported, not
 * fatal, and the rest of the batch (a duplicate of it too) goes on. */
static int test_batch_missing_ok_leaves_a_404_missing_and_fetches_the_rest(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *gone = http_url("/gone.deb?k=mok");
	char *there = http_url("/f03.bin?k=mok");
	struct fetcher *f = new_fetcher_in(cache, 3);
	struct fetch_item it[3] = {
		{ .url = gone, .sha256 = T.sha[7], .size = T.size[7], .label = "gone",
		  .missing_ok = 1 },
		{ .url = there, .sha256 = T.sha[3], .size = T.size[3], .label = "there",
		  .missing_ok = 1 },
		{ .url = gone, .sha256 = T.sha[7], .size = T.size[7], .label = "gone again",
		  .missing_ok = 1 },
	};

	CHECK(f);
	CHECKF(fetch_batch(f, it, 3, &err) == 0, "%s", err.msg);
	CHECK(it[0].missing && !it[0].path && it[2].missing && !it[2].path);
	CHECK(!it[1].missing && file_has_sha(it[1].path, T.sha[3]));
	CHECK(log_count("/gone.deb?k=mok ") == 1);	/* a 404 is not retried */
	CHECK(tmp_entries(cache) == 0);
	free_paths(it, 3);
	free(gone);
	free(there);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_error_stops_running_transfers_and_keeps_finished_files(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir();
	struct fetcher *f = new_fetcher_in(cache, 0);
	char *urls[6];
	struct fetch_item it[6];
	double t0;
	int rc;

	CHECK(f);
	for (int i = 0; i < 4; i++) {
		urls[i] = http_url("/f%02d.bin?delay=5000&k=stop", 10 + i);
		it[i] = (struct fetch_item){ .url = urls[i], .sha256 = T.sha[10 + i],
					     .size = T.size[10 + i], .label = "slow" };
	}
	urls[4] = http_url("/f14.bin?k=stopfast");
	it[4] = (struct fetch_item){ .url = urls[4], .sha256 = T.sha[14], .size = T.size[14],
				     .label = "fast" };
	urls[5] = http_url("/nothere.deb?delay=300&k=stop");
	it[5] = (struct fetch_item){ .url = urls[5], .sha256 = T.sha[15], .size = T.size[15],
				     .label = "missing-pkg" };
	t0 = now_s();
	rc = fetch_batch(f, it, 6, &err);
	CHECK(rc == -1);
	CHECKF(now_s() - t0 < 3.0, "waited %.1fs for transfers that should be stopped",
	       now_s() - t0);
	CHECKF(strstr(err.msg, "missing-pkg") && strstr(err.msg, "404"), "%s", err.msg);
	for (int i = 0; i < 4; i++)
		CHECK(it[i].path == NULL);
	CHECK(it[4].path && file_has_sha(it[4].path, T.sha[14]));
	CHECK(tmp_entries(cache) == 0);
	free_paths(it, 6);
	free_urls(urls, 6);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_times_out_on_a_stalled_server(void)
{
	struct pgb_err err = { { 0 } };
	struct fetch_opts o;
	struct fetcher *f = NULL;
	char *cache = new_cache_dir(), *url = http_url("/f08.bin?delay=6000&k=stall");
	struct fetch_item it = { .url = url, .sha256 = T.sha[8], .size = T.size[8],
				 .label = "stalled" };
	double t0;

	fetch_opts_default(&o);
	o.progress = 0;
	o.retries = 0;
	o.low_speed_time_s = 1;
	CHECKF(fetch_new(&f, cache, &o, &err) == 0, "%s", err.msg);
	t0 = now_s();
	CHECK(fetch_batch(f, &it, 1, &err) == -1);
	CHECKF(now_s() - t0 < 4.0, "took %.1fs", now_s() - t0);
	CHECKF(strstr(err.msg, "stalled") && strstr(err.msg, url) && strstr(err.msg, "slow"),
	       "%s", err.msg);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_downloads_a_duplicated_sha_once(void)
{
	struct pgb_err err = { { 0 } };
	char *u0 = http_url("/f09.bin?k=dupA"), *u1 = http_url("/f09.bin?k=dupB");
	struct fetcher *f = new_fetcher(0);
	struct fetch_item it[3] = {
		{ .url = u0, .sha256 = T.sha[9], .size = T.size[9], .label = "a" },
		{ .url = u1, .sha256 = T.sha[9], .size = T.size[9], .label = "b" },
		{ .url = u1, .sha256 = T.sha[9], .size = T.size[9], .label = "c" },
	};

	CHECK(f);
	CHECKF(fetch_batch(f, it, 3, &err) == 0, "%s", err.msg);
	for (int i = 0; i < 3; i++)
		CHECK(file_has_sha(it[i].path, T.sha[9]));
	CHECK(!strcmp(it[0].path, it[1].path) && !strcmp(it[0].path, it[2].path));
	CHECK(log_count("k=dupA ") + log_count("k=dupB ") == 1);
	free_paths(it, 3);
	free(u0);
	free(u1);
	fetch_free(f);
	return 0;
}

static int test_batch_refetches_a_cache_file_of_the_wrong_size(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/f04.bin?k=wrongsize");
	struct fetcher *f = new_fetcher_in(cache, 0);
	struct fetch_item it = { .url = url, .sha256 = T.sha[4], .size = T.size[4],
				 .label = "f04" };
	char *dir = xasprintf("%s/sha256/%.2s", cache, T.sha[4]);
	char *dest = xasprintf("%s/%s", dir, T.sha[4]);

	CHECK(f);
	CHECK(util_mkdir_p(dir, 0755, &err) == 0);
	CHECK(util_write_atomic(dest, "short", 5, 0644, &err) == 0);
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECK(it.from_cache == 0 && file_has_sha(dest, T.sha[4]));
	free(it.path);
	free(dir);
	free(dest);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_waits_for_a_part_locked_by_another_process(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir(), *url = http_url("/big.bin?k=locked");
	struct fetcher *f = new_fetcher_in(cache, 0);
	struct fetch_item it = { .url = url, .sha256 = T.big_sha, .size = BIG_SIZE,
				 .label = "big" };
	char *part = part_path(cache, T.big_sha);
	int sync[2], status;
	double t0;
	pid_t pid;
	char c;

	CHECK(f);
	CHECK(pipe(sync) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int fd = open(part, O_RDWR | O_CREAT, 0644);

		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		usleep(1500 * 1000);
		_exit(0);
	}
	close(sync[1]);
	CHECK(read(sync[0], &c, 1) == 1);
	close(sync[0]);
	t0 = now_s();
	CHECKF(fetch_batch(f, &it, 1, &err) == 0, "%s", err.msg);
	CHECKF(now_s() - t0 > 1.0, "did not wait for the lock");
	CHECK(file_has_sha(it.path, T.big_sha));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(it.path);
	free(part);
	free(url);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_batch_rejects_an_invalid_sha(void)
{
	struct pgb_err err = { { 0 } };
	char *url = http_url("/f00.bin?k=badhex");
	struct fetcher *f = new_fetcher(0);
	struct fetch_item it = { .url = url, .sha256 = "ABC", .size = 1, .label = "pkg-x" };

	CHECK(f);
	CHECK(fetch_batch(f, &it, 1, &err) == -1);
	CHECKF(strstr(err.msg, "pkg-x") && strstr(err.msg, "ABC"), "%s", err.msg);
	CHECK(log_count("k=badhex") == 0);
	free(url);
	fetch_free(f);
	return 0;
}

static int test_batch_of_nothing_succeeds(void)
{
	struct pgb_err err = { { 0 } };
	struct fetcher *f = new_fetcher(0);

	CHECK(f);
	CHECK(fetch_batch(f, NULL, 0, &err) == 0);
	fetch_free(f);
	return 0;
}

/* ---- cache put / lookup ---- */

static int test_cache_put_adds_a_verified_file_that_lookup_finds(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir();
	struct fetcher *f = new_fetcher_in(cache, 0);
	char *src = util_path_join(T.www, "hello.txt"), *path = NULL, *found, *wrong, *data;
	size_t len;

	CHECK(f);
	CHECKF(fetch_cache_put(f, src, T.hello_sha, &path, &err) == 0, "%s", err.msg);
	CHECK(path && file_has_sha(path, T.hello_sha));
	CHECK(util_read_file(path, &data, &len, &err) == 0 && !strcmp(data, hello));
	found = fetch_cache_lookup(f, T.hello_sha, strlen(hello));
	wrong = fetch_cache_lookup(f, T.hello_sha, strlen(hello) + 1);
	CHECK(found && !strcmp(found, path));
	CHECK(wrong == NULL);
	CHECK(tmp_entries(cache) == 0);
	free(found);
	free(data);
	free(path);
	free(src);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_cache_put_rejects_a_file_with_another_hash(void)
{
	struct pgb_err err = { { 0 } };
	char *cache = new_cache_dir();
	struct fetcher *f = new_fetcher_in(cache, 0);
	char *src = util_path_join(T.www, "hello.txt"), *path = NULL, *found;

	CHECK(f);
	CHECK(fetch_cache_put(f, src, T.sha[0], &path, &err) == -1);
	CHECKF(strstr(err.msg, src) && strstr(err.msg, T.sha[0]) && strstr(err.msg, T.hello_sha),
	       "%s", err.msg);
	CHECK(path == NULL);
	found = fetch_cache_lookup(f, T.sha[0], 0);
	CHECK(found == NULL);
	CHECK(tmp_entries(cache) == 0);
	free(src);
	free(cache);
	fetch_free(f);
	return 0;
}

static int test_cache_lookup_rejects_names_that_are_not_hashes(void)
{
	struct fetcher *f = new_fetcher(0);
	char *p1, *p2;

	CHECK(f);
	p1 = fetch_cache_lookup(f, "../../../../etc/passwd", 0);
	p2 = fetch_cache_lookup(f, "", 0);
	CHECK(p1 == NULL && p2 == NULL);
	fetch_free(f);
	return 0;
}

/* ---- fixture ---- */

static int make_files(void)
{
	struct pgb_err err;
	char name[64], *path;
	unsigned seed = 12345;
	int rc;

	for (int i = 0; i < NFILES + 1; i++) {
		size_t n = i < NFILES ? 1000 + (size_t)i * 7919 : BIG_SIZE;
		unsigned char *d = xmalloc(n);

		for (size_t j = 0; j < n; j++)
			d[j] = (unsigned char)((seed = seed * 1103515245u + 12345u) >> 16);
		if (i < NFILES)
			snprintf(name, sizeof(name), "f%02d.bin", i);
		else
			snprintf(name, sizeof(name), "big.bin");
		path = util_path_join(T.www, name);
		rc = util_write_atomic(path, d, n, 0644, &err);
		hash_buf_hex(HASH_SHA256, d, n, i < NFILES ? T.sha[i] : T.big_sha);
		if (i < NFILES)
			T.size[i] = n;
		free(path);
		free(d);
		if (rc < 0)
			return -1;
	}
	hash_buf_hex(HASH_SHA256, hello, strlen(hello), T.hello_sha);
	path = util_path_join(T.www, "hello.txt");
	rc = util_write_atomic(path, hello, strlen(hello), 0644, &err);
	free(path);
	return rc;
}

static char *server_script(void)
{
	const char *top = getenv("TOP");

	return util_path_join(top && *top ? top : ".", "tests/fixtures/httpd.py");
}

static int server_start(void)
{
	char *script = server_script(), buf[32] = "";
	int in[2], out[2];
	FILE *fp;

	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	T.pid = fork();
	if (T.pid < 0)
		return -1;
	if (T.pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execlp("python3", "python3", script, T.www, T.log, (char *)NULL);
		_exit(127);
	}
	free(script);
	close(in[0]);
	close(out[1]);
	T.in_fd = in[1];
	fp = fdopen(out[0], "r");
	if (!fp || !fgets(buf, sizeof(buf), fp))
		buf[0] = '\0';
	if (fp)
		fclose(fp);
	T.port = atoi(buf);
	return T.port > 0 ? 0 : -1;
}

static void server_stop(void)
{
	close(T.in_fd);
	waitpid(T.pid, NULL, 0);
}

static int setup(void)
{
	struct pgb_err err;
	char tmpl[] = "/tmp/pgbundle-test-fetch.XXXXXX";

	if (!mkdtemp(tmpl))
		return -1;
	T.root = xstrdup(tmpl);
	T.www = util_path_join(T.root, "www");
	T.log = util_path_join(T.root, "httpd.log");
	if (util_mkdir_p(T.www, 0755, &err) < 0 || make_files() < 0)
		return -1;
	return server_start();
}

static void teardown(void)
{
	struct pgb_err err;

	if (T.pid > 0)
		server_stop();
	util_rm_rf(T.root, &err);
	free(T.root);
	free(T.www);
	free(T.log);
	free(batch20_cache);
}

int main(void)
{
	struct t_sum sum = { 0, 0 };
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		printf("not ok - setup: curl_global_init failed\n");
		return 1;
	}
	if (setup() < 0) {
		printf("not ok - setup: cannot start tests/fixtures/httpd.py "
		       "(run from the top of the tree or set TOP)\n");
		teardown();
		curl_global_cleanup();
		return 1;
	}
	T_RUN(&sum, test_new_fails_naming_a_cache_dir_it_cannot_create);
	T_RUN(&sum, test_to_mem_returns_the_body);
	T_RUN(&sum, test_to_mem_404_fails_naming_url_and_status);
	T_RUN(&sum, test_to_mem_opt_returns_1_and_empty_on_404);
	T_RUN(&sum, test_to_mem_retries_500_twice_then_succeeds);
	T_RUN(&sum, test_to_mem_gives_up_after_the_retries);
	T_RUN(&sum, test_to_mem_does_not_retry_403);
	T_RUN(&sum, test_to_mem_follows_redirects);
	T_RUN(&sum, test_to_mem_stops_after_five_redirects);
	T_RUN(&sum, test_to_mem_reads_file_urls);
	T_RUN(&sum, test_batch_fetches_20_files_in_parallel_and_verifies_them);
	T_RUN(&sum, test_batch_second_run_is_served_from_cache);
	T_RUN(&sum, test_batch_sha_mismatch_names_label_and_keeps_nothing);
	T_RUN(&sum, test_batch_larger_than_expected_fails_and_keeps_nothing);
	T_RUN(&sum, test_batch_smaller_than_expected_fails_and_keeps_nothing);
	T_RUN(&sum, test_batch_resumes_after_a_truncated_response);
	T_RUN(&sum, test_batch_always_truncated_fails_cleanly_and_keeps_part);
	T_RUN(&sum, test_batch_resumes_an_existing_part_with_range);
	T_RUN(&sum, test_batch_restarts_when_the_server_ignores_range);
	T_RUN(&sum, test_batch_refetches_whole_file_when_old_part_is_corrupt);
	T_RUN(&sum, test_batch_416_on_an_old_part_refetches_then_reports_the_size);
	T_RUN(&sum, test_batch_completes_a_part_that_is_already_whole_without_network);
	T_RUN(&sum, test_batch_retries_500_then_succeeds);
	T_RUN(&sum, test_batch_follows_redirects);
	T_RUN(&sum, test_batch_reads_file_urls_and_resumes_them);
	T_RUN(&sum, test_batch_404_names_label_and_url_and_leaves_no_part);
	T_RUN(&sum, test_batch_missing_ok_leaves_a_404_missing_and_fetches_the_rest);
	T_RUN(&sum, test_batch_error_stops_running_transfers_and_keeps_finished_files);
	T_RUN(&sum, test_batch_times_out_on_a_stalled_server);
	T_RUN(&sum, test_batch_downloads_a_duplicated_sha_once);
	T_RUN(&sum, test_batch_refetches_a_cache_file_of_the_wrong_size);
	T_RUN(&sum, test_batch_waits_for_a_part_locked_by_another_process);
	T_RUN(&sum, test_batch_rejects_an_invalid_sha);
	T_RUN(&sum, test_batch_of_nothing_succeeds);
	T_RUN(&sum, test_cache_put_adds_a_verified_file_that_lookup_finds);
	T_RUN(&sum, test_cache_put_rejects_a_file_with_another_hash);
	T_RUN(&sum, test_cache_lookup_rejects_names_that_are_not_hashes);
	teardown();
	rc = t_done(&sum);
	curl_global_cleanup();
	return rc;
}
