/*
 * util.h - memory, growable strings and whole-file helpers shared by the
 * builder, the installer and the tests.
 *
 * Allocation: x*() allocate or abort with a message on out-of-memory (there
 * is no useful recovery from that, as in git's xmalloc).  Everything else
 * returns an int status and fills a struct pgb_err.
 *
 * Files: util_write_atomic() writes to "PATH.tmp.PID" beside PATH, fsyncs and
 * renames, so a reader never sees a half-written file and a failure leaves
 * no partial PATH behind.
 */
#ifndef PGB_UTIL_H
#define PGB_UTIL_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
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

/* Read a whole file; *data is malloc'd and NUL-terminated (not counted in *len). */
int util_read_file(const char *path, char **data, size_t *len, struct pgb_err *err);
/* Write data to path atomically (temp file + fsync + rename), with mode. */
int util_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct pgb_err *err);
/* mkdir -p with mode for created directories. */
int util_mkdir_p(const char *path, mode_t mode, struct pgb_err *err);
/* rm -rf; a missing path is not an error. */
int util_rm_rf(const char *path, struct pgb_err *err);
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
