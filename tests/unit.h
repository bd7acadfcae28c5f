/*
 * unit.h - the tiny harness of the C unit tests.
 *
 * A test is `static int test_name(void)` that returns 0 when it holds; CHECK()
 * returns 1 from it with the file, line and condition on stderr.  main() runs
 * each with T_RUN(&sum, fn), which prints a TAP-style "ok - name" or
 * "not ok - name" line that tests/run.sh counts, and returns t_done(&sum).
 */
#ifndef PGB_UNIT_H
#define PGB_UNIT_H

#include <stdio.h>

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		return 1; \
	} \
} while (0)

/* CHECK with a message; the format arguments follow the condition. */
#define CHECKF(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "# %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		return 1; \
	} \
} while (0)

struct t_sum {
	int passed;
	int failed;
};

static inline void t_run(struct t_sum *s, const char *name, int (*fn)(void))
{
	int rc = fn();

	fflush(stderr);
	printf("%s - %s\n", rc ? "not ok" : "ok", name);
	fflush(stdout);
	if (rc)
		s->failed++;
	else
		s->passed++;
}

#define T_RUN(s, fn) t_run((s), #fn, fn)

static inline int t_done(struct t_sum *s)
{
	return s->failed ? 1 : 0;
}

#endif
