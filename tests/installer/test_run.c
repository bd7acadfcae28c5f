/*
 * test_run.c - running programs without a shell (installer/run.c).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inst.h"
#include "unit.h"

static int test_run_captures_stdout_and_stderr_in_order(void)
{
	const char *argv[] = { "sh", "-c", "echo one; echo two >&2; echo three", NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { "" };
	int rc = inst_run(argv, &out, &err);

	CHECKF(rc == 0, "rc %d: %s", rc, err.msg);
	CHECKF(out.buf && strcmp(out.buf, "one\ntwo\nthree\n") == 0, "got \"%s\"", out.buf);
	sbuf_free(&out);
	return 0;
}

static int test_run_returns_the_exit_status(void)
{
	const char *argv[] = { "sh", "-c", "exit 7", NULL };
	struct pgb_err err = { "" };

	CHECK(inst_run(argv, NULL, &err) == 7);
	return 0;
}

static int test_run_reports_a_signal_as_128_plus_it(void)
{
	const char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct pgb_err err = { "" };

	CHECK(inst_run(argv, NULL, &err) == 128 + 15);
	return 0;
}

static int test_run_of_a_missing_program_fails_naming_it(void)
{
	const char *argv[] = { "pgbundle-no-such-program", "x", NULL };
	struct pgb_err err = { "" };

	CHECK(inst_run(argv, NULL, &err) == -1);
	CHECKF(strstr(err.msg, "pgbundle-no-such-program") && strstr(err.msg, "No such file"),
	       "%s", err.msg);
	return 0;
}

static int test_run_passes_arguments_verbatim_without_a_shell(void)
{
	const char *argv[] = { "printf", "%s|", "a b", "$HOME", "*", ";echo x", NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { "" };

	CHECK(inst_run(argv, &out, &err) == 0);
	CHECKF(strcmp(out.buf, "a b|$HOME|*|;echo x|") == 0, "got \"%s\"", out.buf);
	sbuf_free(&out);
	return 0;
}

static int test_run_child_stdin_is_empty_by_default(void)
{
	const char *argv[] = { "wc", "-c", NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { "" };

	CHECK(inst_run(argv, &out, &err) == 0);
	CHECK(atoi(out.buf) == 0);
	sbuf_free(&out);
	return 0;
}

/* 2 MB in and out at once: a naive write-all-then-read would deadlock. */
static int test_run_input_feeds_stdin_while_draining_large_output(void)
{
	const char *argv[] = { "cat", NULL };
	size_t n = 2u << 20;
	char *in = xmalloc(n + 1);
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { "" };

	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	in[n] = '\0';
	CHECK(inst_run_input(argv, in, &out, &err) == 0);
	CHECK(out.len == n && memcmp(out.buf, in, n) == 0);
	free(in);
	sbuf_free(&out);
	return 0;
}

struct lines {
	struct strlist l;
};

static void collect(void *ctx, const char *line)
{
	strlist_add(&((struct lines *)ctx)->l, line);
}

static int test_run_lines_splits_on_newline_and_carriage_return(void)
{
	const char *argv[] = { "printf", "a\nprogress 1\rprogress 2\nlast", NULL };
	struct lines c = { STRLIST_INIT };
	struct pgb_err err = { "" };

	CHECK(inst_run_lines(argv, NULL, collect, &c, &err) == 0);
	CHECK(c.l.n == 4);
	CHECK(strcmp(c.l.v[0], "a") == 0 && strcmp(c.l.v[1], "progress 1") == 0);
	CHECK(strcmp(c.l.v[2], "progress 2") == 0 && strcmp(c.l.v[3], "last") == 0);
	strlist_free(&c.l);
	return 0;
}

static int test_run_as_switches_to_the_user_and_its_home(void)
{
	const char *argv[] = { "sh", "-c", "id -un; id -u; echo $HOME; pwd; cat", NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { "" };
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "# needs root to switch users\n");
		return 1;
	}
	rc = inst_run_as("nobody", argv, "from stdin\n", &out, &err);
	CHECKF(rc == 0, "rc %d: %s / %s", rc, err.msg, out.buf);
	/* nobody's home, /nonexistent, does not exist: the cwd falls back to /. */
	CHECKF(strcmp(out.buf, "nobody\n65534\n/nonexistent\n/\nfrom stdin\n") == 0, "got \"%s\"",
	       out.buf);
	sbuf_free(&out);
	return 0;
}

static int test_run_as_an_unknown_user_fails_naming_it(void)
{
	const char *argv[] = { "true", NULL };
	struct pgb_err err = { "" };

	CHECK(inst_run_as("pgbundle-no-such-user", argv, NULL, NULL, &err) == -1);
	CHECKF(strstr(err.msg, "pgbundle-no-such-user") && strstr(err.msg, "/etc/passwd"), "%s",
	       err.msg);
	return 0;
}

/*
 * A program named by its bare name is found in root's standard PATH, not the
 * caller's, and sees a clean environment: a directory put first in PATH (by
 * a user, a sudo rule, a cron job) cannot replace apt-get or systemctl, and
 * nothing the caller exported reaches them.
 */
static int test_run_uses_a_fixed_path_and_a_clean_environment(void)
{
	const char *argv[] = { "env", NULL };
	char dir[] = "/tmp/pgbundle-test-run.XXXXXX", *fake, *old, *path;
	struct sbuf out = SBUF_INIT;
	struct pgb_err err = { "" };
	int rc;

	CHECK(mkdtemp(dir));
	fake = util_path_join(dir, "env");
	CHECK(util_write_atomic(fake, "#!/bin/sh\necho HIJACKED\n", 24, 0755, &err) == 0);
	old = xstrdup(getenv("PATH") ? getenv("PATH") : "");
	path = xasprintf("%s:%s", dir, old);
	setenv("PATH", path, 1);
	setenv("PGBUNDLE_TEST_LEAK", "secret", 1);
	rc = inst_run(argv, &out, &err);
	setenv("PATH", old, 1);
	unsetenv("PGBUNDLE_TEST_LEAK");
	CHECKF(rc == 0, "rc %d: %s", rc, err.msg);
	CHECKF(!strstr(out.buf, "HIJACKED"), "the PATH's first directory was used: %s", out.buf);
	CHECKF(strstr(out.buf, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"),
	       "got \"%s\"", out.buf);
	CHECKF(!strstr(out.buf, "PGBUNDLE_TEST_LEAK"), "the environment leaked: %s", out.buf);
	unlink(fake);
	rmdir(dir);
	free(fake);
	free(old);
	free(path);
	sbuf_free(&out);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_run_captures_stdout_and_stderr_in_order);
	T_RUN(&s, test_run_returns_the_exit_status);
	T_RUN(&s, test_run_reports_a_signal_as_128_plus_it);
	T_RUN(&s, test_run_of_a_missing_program_fails_naming_it);
	T_RUN(&s, test_run_passes_arguments_verbatim_without_a_shell);
	T_RUN(&s, test_run_child_stdin_is_empty_by_default);
	T_RUN(&s, test_run_input_feeds_stdin_while_draining_large_output);
	T_RUN(&s, test_run_lines_splits_on_newline_and_carriage_return);
	T_RUN(&s, test_run_as_switches_to_the_user_and_its_home);
	T_RUN(&s, test_run_as_an_unknown_user_fails_naming_it);
	T_RUN(&s, test_run_uses_a_fixed_path_and_a_clean_environment);
	return t_done(&s);
}
