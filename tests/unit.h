/*
 * unit.h - the tiny harness of the C unit tests.
 *
 * A test is `static int test_name(void)` that returns 0 when it holds; CHECK()
 * returns 1 from it with the file, line and condition on stderr.  main() runs
 * each with T_RUN(&sum, fn), which prints a TAP-style "ok - name" or
 * "not ok - name" line that tests/run.sh counts, and returns t_done(&sum);
 * T_RUN_WITHIN(&sum, fn, secs) for a test that might hang.
 */
#ifndef PGB_UNIT_H
#define PGB_UNIT_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Prints the test's line and counts it: rc 0 passed, else failed. */
static inline void t_report(struct t_sum *s, const char *name, int rc)
{
	fflush(stderr);
	printf("%s - %s\n", rc ? "not ok" : "ok", name);
	fflush(stdout);
	if (rc)
		s->failed++;
	else
		s->passed++;
}

static inline void t_run(struct t_sum *s, const char *name, int (*fn)(void))
{
	t_report(s, name, fn());
}

#define T_RUN(s, fn) t_run((s), #fn, fn)

/*
 * t_run for a test that could hang (an input that once made a loop endless):
 * fn runs in a child killed after `secs` seconds, so a hang is a failure
 * that names itself and the tests after it still run.
 */
static inline void t_run_within(struct t_sum *s, const char *name, int (*fn)(void),
				unsigned secs)
{
	int st = 0, rc;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		alarm(secs);
		exit(fn());	/* exit, not _exit: LeakSanitizer checks the child too */
	}
	rc = pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	if (rc && pid > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		fprintf(stderr, "# %s: did not finish in %u s\n", name, secs);
	t_report(s, name, rc);
}

#define T_RUN_WITHIN(s, fn, secs) t_run_within((s), #fn, fn, (secs))

static inline int t_done(struct t_sum *s)
{
	return s->failed ? 1 : 0;
}

/*
 * The Debian mirror this host's apt uses, as the air-gap harness reads it
 * (ci/airgap/rootfs.sh --mirror under $TOP): one answer for every test, and
 * no mirror host written in a test.  malloc'd; NULL when there is none.
 */
static inline char *t_debian_mirror(void)
{
	const char *top = getenv("TOP");
	char cmd[4096], line[1024] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sh '%s/ci/airgap/rootfs.sh' --mirror 2>/dev/null",
		 top && *top ? top : ".");
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\r\n")] = '\0';
	return line[0] ? strdup(line) : NULL;
}

#endif
