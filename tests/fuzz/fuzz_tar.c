/*
 * fuzz_tar.c - what extraction accepts (repo/pack.c): pack_extract() of an
 * archive held in an in-memory file into a scratch directory, with every
 * safety check of pack_reader_next() and libarchive's secure flags, as the
 * installer unpacks its payload.
 * fuzz-options: -max_len=65536
 *
 * The destination is TMP/x/y/dest, made empty for every input; y and x
 * must hold nothing else afterwards.  Properties:
 *   - on failure dest is empty again and the message says why;
 *   - on success dest holds only directories (0755), regular files (0644 or
 *     0755, no setuid, setgid or sticky bit) and symlinks whose target,
 *     read from where the link is, stays inside dest; nothing appeared next
 *     to dest or above it; each file's SHA-256 given to the callback is the
 *     one of its bytes on disk; the working directory is unchanged.
 *
 * Structure-aware: the custom mutator reads the tar (decompressing zstd
 * first), changes one entry with tarmut.c (a header field, a pax path= or
 * linkpath= record, a duplicate, a file's content) and compresses it again
 * when it was compressed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "fuzz.h"
#include "hash.h"
#include "pack.h"
#include "tarmut.h"

/* Made once in LLVMFuzzerInitialize, read-only afterwards. */
static char *xdir, *ydir, *dest, cwd0[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xdir = fuzz_path("x");
	ydir = fuzz_path("x/y");
	dest = fuzz_path("x/y/dest");
	if (!getcwd(cwd0, sizeof(cwd0)))
		abort();
	return 0;
}

/* Only name (and, in dir, nothing else)? */
static int holds_only(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ok = d != NULL;

	while (ok && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    (!name || strcmp(e->d_name, name)))
			ok = 0;
	if (d)
		closedir(d);
	return ok;
}

/* Is target, read from directory rel (inside dest, "" for dest), inside dest? */
static int stays_inside(const char *rel, const char *target)
{
	int depth = 0;
	const char *p;

	if (target[0] == '/')
		return 0;
	for (p = rel; *p; p++)
		if (*p == '/')
			depth++;
	if (*rel)
		depth++;
	for (p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2)) {
			if (--depth < 0)
				return 0;
		} else if (n && !(n == 1 && *p == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

static void walk(const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	FUZZ_ASSERT(d);
	while ((e = readdir(d))) {
		char *p, *r;
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = util_path_join(dir, e->d_name);
		r = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		FUZZ_ASSERT(lstat(p, &st) == 0);
		FUZZ_ASSERT(!(st.st_mode & (S_ISUID | S_ISGID | S_ISVTX)));
		if (S_ISDIR(st.st_mode)) {
			FUZZ_ASSERT((st.st_mode & 0777) == 0755);
			walk(p, r);
		} else if (S_ISREG(st.st_mode)) {
			FUZZ_ASSERT((st.st_mode & 0777) == 0644 || (st.st_mode & 0777) == 0755);
		} else {
			char target[PATH_MAX];
			ssize_t n = readlink(p, target, sizeof(target) - 1);

			FUZZ_ASSERT(S_ISLNK(st.st_mode) && n >= 0);
			target[n] = '\0';
			{
				char *slash = strrchr(r, '/');
				char *linkdir = slash ? xstrndup(r, (size_t)(slash - r)) : xstrdup("");

				FUZZ_ASSERT(stays_inside(linkdir, target));
				free(linkdir);
			}
		}
		free(p);
		free(r);
	}
	closedir(d);
}

static void on_file(void *ctx, const char *path, const char *hex)
{
	char *p = util_path_join(dest, path), disk[HASH_HEX_MAX];
	struct pgb_err err;

	(void)ctx;
	FUZZ_ASSERT(hex);
	FUZZ_ASSERT(hash_file_hex(HASH_SHA256, p, disk, NULL, &err) == 0);
	FUZZ_ASSERT(!strcmp(disk, hex));
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgb_err err;
	char cwd[PATH_MAX];
	int fd = fuzz_memfd(data, size), rc;

	fuzz_clear_dir(fuzz_tmpdir());
	FUZZ_ASSERT(util_mkdir_p(dest, 0755, &err) == 0);
	rc = pack_extract(NULL, fd, 0, size, dest, PACK_EXTRACT_SHA256, on_file, NULL, &err);
	close(fd);
	FUZZ_ASSERT(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, cwd0));
	FUZZ_ASSERT(holds_only(xdir, "y") && holds_only(ydir, "dest"));
	if (rc < 0) {
		fuzz_debug("%s", err.msg);
		FUZZ_ASSERT(err.msg[0] && holds_only(dest, NULL));
	} else {
		walk(dest, "");
	}
	return 0;
}

/* ---- the tar mutator (tarmut.c) with extraction's vocabulary ---- */

static const char *const names[] = {
	"../x", "/etc/x", "top/../../x", "top/a/../../../x", "top/", "top//a", "top/./a",
	"other/x", "top/link/x", "top/file/x", "top/a", "top/dev", "./top/a", "top/..",
	"top/pool/current", "top/pool/libpq5.deb", "x", "", NULL
};
static const char *const links[] = {
	"../../../../etc", "/etc/passwd", "..", "../..", "a/../../x", "libpq5.deb",
	"top/pool/libpq5.deb", "pool/libpq5.deb", "top/a", ".", "current", NULL
};

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned seed)
{
	struct fuzz_rng r;
	struct sbuf tar = SBUF_INIT, out = SBUF_INIT;
	unsigned long long raw = ZSTD_getFrameContentSize(data, size);
	int zst = raw != ZSTD_CONTENTSIZE_ERROR && raw != ZSTD_CONTENTSIZE_UNKNOWN;
	size_t n = 0;

	fuzz_rng_init(&r, seed);
	if (fuzz_below(&r, 8) == 0)
		return LLVMFuzzerMutate(data, size, max);
	if (zst) {
		if (raw > (1u << 20))
			return LLVMFuzzerMutate(data, size, max);
		sbuf_grow(&tar, (size_t)raw + 1);
		tar.len = ZSTD_decompress(tar.buf, (size_t)raw, data, size);
		if (ZSTD_isError(tar.len)) {
			sbuf_free(&tar);
			return LLVMFuzzerMutate(data, size, max);
		}
	} else {
		sbuf_add(&tar, data, size);
	}
	tarmut_mutate(&tar, &r, names, links, NULL);
	if (zst || fuzz_below(&r, 4) == 0) {
		size_t bound = ZSTD_compressBound(tar.len);

		sbuf_grow(&out, bound);
		out.len = ZSTD_compress(out.buf, bound, tar.buf, tar.len, 1);
		if (ZSTD_isError(out.len))
			out.len = 0;
	} else {
		sbuf_add(&out, tar.buf, tar.len);
	}
	n = fuzz_emit(data, max, &out);
	sbuf_free(&tar);
	sbuf_free(&out);
	return n ? n : LLVMFuzzerMutate(data, size, max);
}
