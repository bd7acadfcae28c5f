/*
 * util.h - memory, growable strings and whole-file helpers shared by the
 * builder, the installer and the tests.
 *
 * Allocation: x*() allocate or abort with a message on out-of-memory (there
 * is no useful recovery from that, as in git's xmalloc).  Everything else
 * returns an int status and fills a struct pgb_err.
 *
 * Files: every file is written through struct util_atomic (util_write_atomic()
 * for data in memory): it appears at its path complete or not at all, even
 * when the process is killed or the power goes at any moment, and a failure
 * (a full disk) leaves nothing half-written behind.
 */
#ifndef PGB_UTIL_H
#define PGB_UTIL_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * sbuf: a growable, always NUL-terminated byte buffer.
 *     struct sbuf b = SBUF_INIT;  sbuf_addf(&b, "%d", 1);  ...  sbuf_free(&b);
 * b.buf may be taken by the caller with sbuf_detach() (then caller frees).
 */
struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
};
#define SBUF_INIT { NULL, 0, 0 }
void sbuf_grow(struct sbuf *b, size_t extra);
void sbuf_add(struct sbuf *b, const void *data, size_t len);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addc(struct sbuf *b, char c);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_reset(struct sbuf *b);
char *sbuf_detach(struct sbuf *b, size_t *len);
void sbuf_free(struct sbuf *b);

/* A growable array of malloc'd strings (owned by the list). */
struct strlist {
	char **v;
	size_t n;
	size_t cap;
};
#define STRLIST_INIT { NULL, 0, 0 }
void strlist_add(struct strlist *l, const char *s);       /* copies s */
void strlist_add_owned(struct strlist *l, char *s);       /* takes s */
int strlist_has(const struct strlist *l, const char *s);
void strlist_sort(struct strlist *l);                     /* strcmp order */
void strlist_uniq(struct strlist *l);                     /* after sort */
void strlist_free(struct strlist *l);

/* 1 when w is one of the space-separated words of `words`; an empty w, or one
 * with a space, is none. */
int util_has_word(const char *words, const char *w);

/* Read a whole file; *data is malloc'd and NUL-terminated (not counted in *len). */
int util_read_file(const char *path, char **data, size_t *len, struct pgb_err *err);
/*
 * util_atomic: one file written whole or not at all.
 *
 *     struct util_atomic a;
 *     if (util_atomic_open(&a, path, 0644, err) < 0) return -1;
 *     ... write(a.fd, ...) ...   (on error: util_atomic_abort(&a))
 *     if (util_atomic_commit(&a, err) < 0) return -1;
 *
 * open creates the file unnamed (O_TMPFILE) in path's directory, or where
 * the file system has no such files a hidden ".NAME.tmp.PID" there, so a
 * kill while it is written leaves nothing (or only that hidden name).
 * commit gives it mode, fsyncs it, links it in under ".NAME.tmp.PID", renames
 * that over path (replacing an older file in one step) and fsyncs the
 * directory: after commit returns, path is on disk even if the power goes.
 * abort closes and removes it; commit and abort free a's strings, both are
 * safe to call once after open succeeded.  open first removes the hidden
 * names of path that processes now dead left behind (a kill between the
 * link and the rename).  Errors name the path; ENOSPC says the disk is full.
 */
struct util_atomic {
	int fd;
	char *path;		/* the final name */
	char *tmp;		/* the hidden name, once it has one */
	mode_t mode;
};
int util_atomic_open(struct util_atomic *a, const char *path, mode_t mode, struct pgb_err *err);
int util_atomic_commit(struct util_atomic *a, struct pgb_err *err);
void util_atomic_abort(struct util_atomic *a);
/* Write data to path through util_atomic, with mode. */
int util_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct pgb_err *err);
/* Write all of data to fd (EINTR retried); -1 with errno set. */
int util_write_all(int fd, const void *data, size_t len);
/*
 * Remove what processes now dead left in dir under a hidden temporary name
 * of name (NULL: of any name): entries ".NAME.tmp.PID" (files, or
 * directories with everything in them) whose PID runs no more.  Returns how
 * many were removed.  Callers that stage a directory (".NAME.tmp.PID") sweep
 * it the same way; owners of a directory sweep it whole when they start.
 */
int util_sweep_stale(const char *dir, const char *name);
/* The hidden temporary name of name for this process: ".NAME.tmp.PID"; malloc'd. */
char *util_tmp_name(const char *name);
/*
 * Free space, checked before writing.  util_space_check() takes what is to
 * be written where (paths need not exist yet: the nearest existing parent
 * says which file system), adds up the needs of each file system and fails,
 * before anything is written, when one has less free than it needs:
 * "not enough free space on the file system holding P (and Q): N MiB needed
 * (WHAT x MiB, WHAT y MiB), M MiB free; HINT".  hint may be NULL.
 */
struct util_space_need {
	const char *path;
	uint64_t bytes;
	const char *what;
};
int util_space_check(const struct util_space_need *v, size_t n, const char *hint,
		     struct pgb_err *err);
/* Free bytes (for an unprivileged writer) on the file system of path or of
 * its nearest existing parent; *dev identifies that file system (may be NULL). */
int util_free_space(const char *path, uint64_t *avail, dev_t *dev, struct pgb_err *err);
/* After a write failed: when the file system holding path has less than
 * need bytes free, prefix err with "the file system holding PATH is full
 * (WHAT needs N there; M free now): HINT".  Otherwise err stays as it is. */
void util_space_explain(const char *path, uint64_t need, const char *what, const char *hint,
			struct pgb_err *err);
/* "1.5 GiB" / "12.0 MiB" into buf. */
void util_human_size(uint64_t n, char buf[32]);

/* mkdir -p with mode for created directories. */
int util_mkdir_p(const char *path, mode_t mode, struct pgb_err *err);
/* rm -rf; a missing path is not an error. */
int util_rm_rf(const char *path, struct pgb_err *err);
/* Remove everything inside the directory open as dir_fd (the directory
 * stays), reached through the descriptor: a path renamed or replaced by a
 * symlink meanwhile cannot redirect it.  Changes into it and back. */
int util_clear_dir_at(int dir_fd, struct pgb_err *err);
/* Call fn(ctx, name) for each entry of the directory open as dir_fd, but
 * "." and "..", until fn returns non-zero, which is then returned; -1 with
 * errno set when the directory cannot be read.  dir_fd is not moved. */
int util_dir_each_at(int dir_fd, int (*fn)(void *ctx, const char *name), void *ctx);
/* 1 when the directory open as dir_fd has no entry but "." and "..", 0 when it
 * has, -1 (errno set) when it cannot be read. */
int util_dir_empty_at(int dir_fd);
/* t (unix time) as UTC with strftime's fmt into buf ("@T" if it cannot be shown). */
const char *util_utc(int64_t t, const char *fmt, char buf[64]);
/* Hard-link src to dst, or copy when linking is not possible (EXDEV). */
int util_link_or_copy(const char *src, const char *dst, struct pgb_err *err);
int util_exists(const char *path);
/* The directory of the running executable (/proc/self/exe); malloc'd, or
 * NULL when it cannot be read. */
char *util_exe_dir(void);
/* Join a directory and a relative name; malloc'd. */
char *util_path_join(const char *dir, const char *name);
/* path made absolute against the current directory ("./" and "." steps
 * dropped; ".." kept for the kernel to resolve, since a lexical ".." is wrong
 * after a symbolic link); malloc'd.  For paths handed to programs that want
 * absolute ones (apt's Signed-By and file: URIs) or kept across a chdir. */
char *util_path_abs(const char *path);

#ifdef __cplusplus
}
#endif

#endif
