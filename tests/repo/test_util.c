/* repo/util.c's files: util_atomic writes a file whole or not at all and
 * leaves nothing behind, and util_sweep_stale removes what dead processes
 * left under a hidden temporary name; util_has_word. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"

static char *tmpdir_new(void)
{
	char *d = xstrdup("/tmp/pgb-test-util-XXXXXX");

	return mkdtemp(d) ? d : NULL;
}

static void tmpdir_drop(char *d)
{
	struct pgb_err ignored;

	util_rm_rf(d, &ignored);
	free(d);
}

/* Entries of dir, "a b c" in readdir order without . and ..; malloc'd. */
static char *entries(const char *dir)
{
	struct sbuf b = SBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			sbuf_addf(&b, "%s%s", b.len ? " " : "", de->d_name);
	if (d)
		closedir(d);
	return b.buf ? sbuf_detach(&b, NULL) : xstrdup("");
}

/* A PID that ran a moment ago and runs no more. */
static pid_t dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static int test_write_atomic_replaces_with_mode_and_leaves_only_the_file(void)
{
	char *dir = tmpdir_new(), *path, *got, *data;
	struct pgb_err err = { { 0 } };
	struct stat st;
	size_t len;

	CHECK(dir);
	path = util_path_join(dir, "f.conf");
	CHECKF(util_write_atomic(path, "one\n", 4, 0600, &err) == 0, "%s", err.msg);
	CHECKF(util_write_atomic(path, "two\n", 4, 0640, &err) == 0, "%s", err.msg);
	CHECK(util_read_file(path, &data, &len, &err) == 0 && len == 4 && !memcmp(data, "two\n", 4));
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	got = entries(dir);
	CHECKF(!strcmp(got, "f.conf"), "the directory holds '%s'", got);
	free(got);
	free(data);
	free(path);
	tmpdir_drop(dir);
	return 0;
}

static int test_abort_leaves_nothing_and_commit_is_all_or_nothing(void)
{
	char *dir = tmpdir_new(), *path, *got;
	struct pgb_err err = { { 0 } };
	struct util_atomic a;

	CHECK(dir);
	path = util_path_join(dir, "out.bin");
	CHECK(util_atomic_open(&a, path, 0644, &err) == 0);
	CHECK(util_write_all(a.fd, "partial", 7) == 0);
	/* Not committed yet: no name at all (O_TMPFILE), or only the hidden one. */
	CHECK(!util_exists(path));
	util_atomic_abort(&a);
	got = entries(dir);
	CHECKF(!strcmp(got, ""), "after abort the directory holds '%s'", got);
	free(got);
	CHECK(util_atomic_open(&a, path, 0644, &err) == 0);
	CHECK(util_write_all(a.fd, "whole", 5) == 0);
	CHECKF(util_atomic_commit(&a, &err) == 0, "%s", err.msg);
	got = entries(dir);
	CHECKF(!strcmp(got, "out.bin"), "after commit the directory holds '%s'", got);
	free(got);
	free(path);
	tmpdir_drop(dir);
	return 0;
}

/* What a process killed between the link and the rename leaves goes; a live
 * process's temporary, another name's and a plain file stay. */
static int test_open_sweeps_what_dead_processes_left(void)
{
	char *dir = tmpdir_new(), *path, *dead, *live, *other, *got, *want;
	struct pgb_err err = { { 0 } };
	pid_t gone = dead_pid();

	CHECK(dir);
	path = util_path_join(dir, "x.run");
	dead = xasprintf("%s/.x.run.tmp.%ld", dir, (long)gone);
	live = xasprintf("%s/.x.run.tmp.%ld", dir, (long)getppid());
	other = xasprintf("%s/.y.run.tmp.%ld", dir, (long)gone);
	CHECK(util_mkdir_p(dead, 0755, &err) == 0);	/* a staged directory counts too */
	CHECK(util_write_atomic(live, "l", 1, 0644, &err) == 0);
	CHECK(util_write_atomic(other, "o", 1, 0644, &err) == 0);
	CHECKF(util_write_atomic(path, "x", 1, 0644, &err) == 0, "%s", err.msg);
	CHECK(!util_exists(dead) && util_exists(live) && util_exists(other));
	CHECK(util_sweep_stale(dir, "y.run") == 1 && !util_exists(other));
	CHECK(util_write_atomic(other, "o", 1, 0644, &err) == 0);
	CHECK(util_sweep_stale(dir, NULL) == 1 && !util_exists(other) && util_exists(live));
	got = entries(dir);
	want = xasprintf(".x.run.tmp.%ld", (long)getppid());
	CHECKF(strstr(got, want) && strstr(got, "x.run"), "the directory holds '%s'", got);
	free(want);
	free(got);
	free(dead);
	free(live);
	free(other);
	free(path);
	tmpdir_drop(dir);
	return 0;
}

static int test_create_in_a_missing_directory_names_the_path(void)
{
	struct pgb_err err = { { 0 } };

	CHECK(util_write_atomic("/nonexistent-pgb/dir/f", "x", 1, 0644, &err) == -1);
	CHECKF(strstr(err.msg, "/nonexistent-pgb/dir/f"), "%s", err.msg);
	return 0;
}

/* Needs on one file system add up; the message names the paths and each need. */
static int test_space_check_adds_up_needs_per_file_system(void)
{
	char *dir = tmpdir_new(), *a, *b;
	struct pgb_err err = { { 0 } };
	uint64_t avail;

	CHECK(dir && util_free_space(dir, &avail, NULL, &err) == 0);
	a = util_path_join(dir, "not/made/yet");
	b = util_path_join(dir, "other");
	{
		struct util_space_need fit[] = { { a, avail / 4, "this" }, { b, avail / 4, "that" } };
		/* Each fits alone, both do not (with a margin: others share /tmp). */
		struct util_space_need over[] = { { a, avail / 4 * 3, "this" },
						  { b, avail / 4 * 3, "that" } };

		CHECKF(util_space_check(fit, 2, NULL, &err) == 0, "%s", err.msg);
		CHECK(util_space_check(over, 2, "free some", &err) == -1);
		CHECKF(strstr(err.msg, "not enough free space on the file system holding") &&
		       strstr(err.msg, a) && strstr(err.msg, b) && strstr(err.msg, "this ") &&
		       strstr(err.msg, "that ") && strstr(err.msg, "; free some"), "%s", err.msg);
	}
	free(a);
	free(b);
	tmpdir_drop(dir);
	return 0;
}

/* Found by tests/fuzz/fuzz_config.c: an empty name (a null YAML key) made
 * the word search of cfgkeys.c loop forever (strstr finds "" everywhere). */
static int test_has_word_matches_whole_words_and_no_empty_one(void)
{
	CHECK(util_has_word("oltp olap crit", "oltp"));
	CHECK(util_has_word("oltp olap crit", "crit"));
	CHECK(util_has_word("oltp olap crit", "olap"));
	CHECK(!util_has_word("oltp olap crit", "lap"));
	CHECK(!util_has_word("oltp olap crit", "oltp olap"));
	CHECK(!util_has_word("pg_rm_data pg_rm", "pg_r"));
	CHECK(util_has_word("pg_rm_data pg_rm", "pg_rm"));
	CHECK(!util_has_word("oltp olap", ""));
	CHECK(!util_has_word("", ""));
	CHECK(!util_has_word("", "oltp"));
	return 0;
}

int main(void)
{
	struct t_sum s = { 0 };

	T_RUN(&s, test_write_atomic_replaces_with_mode_and_leaves_only_the_file);
	T_RUN(&s, test_abort_leaves_nothing_and_commit_is_all_or_nothing);
	T_RUN(&s, test_open_sweeps_what_dead_processes_left);
	T_RUN(&s, test_create_in_a_missing_directory_names_the_path);
	T_RUN(&s, test_space_check_adds_up_needs_per_file_system);
	T_RUN_WITHIN(&s, test_has_word_matches_whole_words_and_no_empty_one, 10);
	return t_done(&s);
}
