/*
 * error.h - the error report that every fallible function fills.
 *
 * Convention used across pgbundle: a function that can fail returns an int
 * status (0 on success, -1 on failure) and, on failure, writes one message into
 * a caller-supplied struct pgb_err.  The message names what failed (file, line,
 * package, URL) and, where there is one, the next step for the user.  Callers
 * add context with pgb_err_prefix() as the error travels up; main() prints it
 * once.  Library code never prints and never exits.
 *
 *     struct pgb_err err = {0};
 *     if (aptidx_read_release(path, &rel, &err) < 0) {
 *         fprintf(stderr, "pgbundle: %s\n", err.msg);
 *         return 1;
 *     }
 */
#ifndef PGB_ERROR_H
#define PGB_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define PGB_ERRMAX 2048

struct pgb_err {
	char msg[PGB_ERRMAX];
};

/* Set the message (printf-style) and return -1, so `return pgb_fail(e, ...)`. */
int pgb_fail(struct pgb_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like pgb_fail() and append ": strerror(errno)". */
int pgb_failsys(struct pgb_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepend context: "context: previous message".  Returns -1. */
int pgb_err_prefix(struct pgb_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
