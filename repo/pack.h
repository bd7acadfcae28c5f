/*
 * pack.h - bundle archives: the deterministic tar.zst writer and the safe,
 * streaming reader and extractor, all on libarchive.
 *
 * This module owns every byte of archive handling in pgbundle.  The builder
 * packs a staged bundle tree with pack_write_dir(); `pgbundle verify`/`ls`
 * walk it with a struct pack_reader; the installer unpacks its payload with
 * pack_extract().  Nothing else links tar or zstd code of its own.
 *
 * Writer.  The archive's bytes depend only on the tree's content (paths,
 * file bytes, the executable bit, symlink targets), opts->top and
 * opts->mtime: entries are sorted by path in byte order, but for pool/ which
 * comes last (the index a streaming reader checks first sorts before it:
 * dists/, repodata/), and all lie under
 * "TOP/"; owner root:root (0:0), mode 0755 for directories and executables,
 * 0644 for other files, 0777 for symlinks; restricted-pax headers carry no
 * atime/ctime/host data (a pax header appears only for names that ustar
 * cannot hold).  Compression is zstd, always in zstd's multi-threaded mode,
 * whose output is identical for any number of workers, so opts->threads only
 * changes speed, never bytes.
 *
 *     struct pack_opts o = { "mybundle-1.0.d12.amd64", 1700000000, 19, 2 };
 *     if (pack_write_dir("out/mybundle.tar.zst", "stage/", &o, &err) < 0) ...
 *
 * Reader.  Streams the entries of a tar archive (zstd, gzip, xz, bzip2, lz4
 * or uncompressed) from a file or from a byte range of an open file, without
 * extracting, and treats the input as hostile: every entry must lie inside
 * the one top directory that the first entry names, and anything that could
 * write outside it or create something unsafe is an error naming the entry.
 *
 *     struct pack_reader *r;  struct pack_entry_info e;  int rc;
 *     if (pack_reader_open(&r, path, &err) < 0) return -1;
 *     while ((rc = pack_reader_next(r, &e, &err)) == 1)
 *             if (e.type == 'f') ... pack_reader_read(r, buf, sizeof(buf), &err) ...
 *     pack_reader_free(r);
 *     if (rc < 0) ...
 */
#ifndef PGB_PACK_H
#define PGB_PACK_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct pack_opts {
	const char *top;	/* top directory name inside the archive: one path component */
	int64_t mtime;		/* the mtime of every entry (seconds since the epoch) */
	int level;		/* zstd level 1..22; 0 means the default, 9 */
	int threads;		/* zstd worker threads; 0 means one.  Does not change the output */
};

/*
 * Pack the tree under src_dir into out_path as a .tar.zst whose members are
 * "TOP/" and "TOP/<relative path>" for everything in src_dir.  Regular files,
 * directories and symlinks only: a device, fifo or socket in the tree is an
 * error, and so is a symlink whose target leaves the tree (the reader would
 * reject the archive) and a name that is not printable ASCII (libarchive
 * would encode it through the process locale).  Hard links are stored as
 * independent files.
 * Writes out_path.tmp.<pid> and renames it to out_path on success (mode
 * 0644); on any error the temp file is removed and out_path is untouched.
 */
int pack_write_dir(const char *out_path, const char *src_dir, const struct pack_opts *o,
		   struct pgb_err *err);

struct pack_reader;

/* What pack_reader_next() found; the strings belong to the reader and stay
 * valid until the next pack_reader_next() or pack_reader_free(). */
struct pack_entry_info {
	const char *path;	/* normalized ("a/b", no "." or empty parts), without the top */
	const char *top;	/* the top directory, the same for every entry */
	int type;		/* 'f' file, 'd' directory, 'l' symlink, 'h' hard link */
	const char *link_target; /* 'l': the target as stored; 'h': the linked path without
				  * the top; NULL otherwise */
	uint64_t size;		/* 'f': the data size; 0 otherwise */
	unsigned mode;		/* permission bits (never setuid, setgid or sticky) */
};

/*
 * Where a reader's bytes come from when they are not a file: read() hands
 * out the next piece of the archive in *buf (valid until the next call) and
 * returns its length, 0 at the end, or -1 with err set.  Every byte is
 * asked for, in order, nothing is skipped: the installer hashes what the
 * reader reads (repo/runfile.h's verification pass).
 */
struct pack_source {
	long (*read)(void *ctx, const void **buf, struct pgb_err *err);
	void *ctx;
};

/* Open the archive at path.  On success *out is a reader that the caller
 * frees with pack_reader_free(); on error *out is NULL. */
int pack_reader_open(struct pack_reader **out, const char *path, struct pgb_err *err);

/*
 * Open the archive held in bytes [offset, offset + length) of fd (the
 * installer's payload inside its .run file); length 0 means "up to the end
 * of the file".  The reader uses pread(), so fd's file position does not
 * matter and is not changed; fd stays the caller's, open until after
 * pack_reader_free().  what names the archive in error messages.
 */
int pack_reader_open_fd(struct pack_reader **out, int fd, uint64_t offset, uint64_t length,
			const char *what, struct pgb_err *err);

/* Open the archive that src delivers; what names it in error messages.
 * src is copied; its ctx must outlive the reader. */
int pack_reader_open_source(struct pack_reader **out, const struct pack_source *src,
			    const char *what, struct pgb_err *err);

/*
 * Advance to the next entry: returns 1 and fills *e, 0 at the end of the
 * archive, -1 on error (damaged or truncated input, or an unsafe entry).
 * The entry for the top directory itself is checked and skipped, not
 * reported.  Rejected, with a message naming the entry: absolute paths,
 * ".." components, entries outside the single top directory (a top that
 * differs from the first entry's, or a file in place of the top),
 * devices/fifos/sockets, setuid/setgid/sticky bits, symlinks whose target is
 * absolute or climbs above the top (or climbs after descending, which could
 * leave the tree through another symlink), hard links to anything but an
 * earlier regular file of the archive, entries below a symlink or a file of
 * the archive, and a path that appears twice.  After an error, the reader can
 * only be freed.
 */
int pack_reader_next(struct pack_reader *r, struct pack_entry_info *e, struct pgb_err *err);

/* Read the current entry's data: returns the number of bytes read (at most
 * len), 0 at the end of the entry (at once for anything but a file), -1 on
 * error.  Data not read is skipped by the next pack_reader_next(). */
long pack_reader_read(struct pack_reader *r, void *buf, size_t len, struct pgb_err *err);

/* Close the archive and free the reader (NULL is fine).  Closes the file
 * pack_reader_open() opened; never the caller's fd. */
void pack_reader_free(struct pack_reader *r);

/*
 * Extract an archive into dest_dir, which must exist and be empty: the
 * archive is the file archive_path_or_null or, when that is NULL, the byte
 * range [offset, offset + length) of fd as in pack_reader_open_fd().  The
 * top directory is stripped, so "TOP/a/b" becomes dest_dir/a/b: packing a
 * tree and extracting it gives the same tree back.
 *
 * Every entry passes the pack_reader_next() checks before anything is
 * written, and is then written by libarchive's archive_write_disk with
 * ARCHIVE_EXTRACT_SECURE_NODOTDOT, _SECURE_SYMLINKS and
 * _SECURE_NOABSOLUTEPATHS, without owners, ACLs, xattrs or flags; modes
 * become 0755 (directories, executables) or 0644; mtimes are restored.  Data
 * is streamed, so memory stays flat whatever the archive size.  If file_cb
 * is not NULL it is called after each regular file ('f') is written, with
 * ctx, its path (without the top) and, with flags PACK_EXTRACT_SHA256, its
 * lowercase hex SHA-256 (else NULL: callers that verified the whole archive
 * need not pay for a second hash); hard links are not reported.
 *
 * On error, everything written into dest_dir is removed again (dest_dir
 * itself stays) and err says which entry failed.  libarchive resolves the
 * paths it writes against the working directory, so the call changes into
 * dest_dir (opened without following a symlink) and back: do not run it
 * while another thread relies on the cwd.
 */
#define PACK_EXTRACT_SHA256 1u	/* hash each file for file_cb (costs a pass of SHA-256) */
int pack_extract(const char *archive_path_or_null, int fd, uint64_t offset, uint64_t length,
		 const char *dest_dir, unsigned flags,
		 void (*file_cb)(void *ctx, const char *path, const char *hex), void *ctx,
		 struct pgb_err *err);
/*
 * The same from an open reader (pack_reader_open_source() and the others)
 * into the empty directory dest_fd, which stands for dest in messages: the
 * directory is reached by its descriptor, so a path renamed or replaced by
 * a symlink after the caller checked it cannot redirect the writes.  The
 * reader stays the caller's.
 */
int pack_extract_reader(struct pack_reader *r, int dest_fd, const char *dest, unsigned flags,
			void (*file_cb)(void *ctx, const char *path, const char *hex), void *ctx,
			struct pgb_err *err);

#ifdef __cplusplus
}
#endif

#endif
