/*
 * test_log.c - the installer's messages and log file (installer/log.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inst.h"
#include "unit.h"

static char *scratch;

static int test_log_file_gets_every_line_time_stamped(void)
{
	struct inst_log *l;
	struct pgb_err err = { "" };
	char *dir = util_path_join(scratch, "var/log/pgbundle"), *text;
	size_t n;

	CHECKF(inst_log_open(&l, dir, 0, &err) == 0, "%s", err.msg);
	CHECK(inst_log_path(l) && strstr(inst_log_path(l), "/var/log/pgbundle/install.log"));
	inst_log_step(l, "Checking %s", "the host");
	inst_log_change(l, "write %s", "/etc/x");
	inst_log_detail(l, "apt: %s", "file only");
	inst_log_warn(l, "careful");
	CHECK(util_read_file(inst_log_path(l), &text, &n, &err) == 0);
	inst_log_close(l);
	CHECKF(strstr(text, "Z step   Checking the host\n") && strstr(text, "Z change write /etc/x\n") &&
	       strstr(text, "Z detail apt: file only\n") && strstr(text, "Z warn   careful\n"),
	       "%s", text);
	free(text);
	free(dir);
	return 0;
}

static int test_log_appends_across_runs(void)
{
	struct inst_log *l;
	struct pgb_err err = { "" };
	char *dir = util_path_join(scratch, "append"), *path, *text;
	size_t n;

	CHECK(inst_log_open(&l, dir, 0, &err) == 0);
	inst_log_step(l, "first run");
	inst_log_close(l);
	CHECK(inst_log_open(&l, dir, 0, &err) == 0);
	inst_log_step(l, "second run");
	inst_log_close(l);
	path = util_path_join(dir, "install.log");
	CHECK(util_read_file(path, &text, &n, &err) == 0);
	CHECK(strstr(text, "first run") && strstr(text, "second run"));
	free(text);
	free(path);
	free(dir);
	return 0;
}

static int test_dry_run_writes_no_log_file(void)
{
	struct inst_log *l;
	struct pgb_err err = { "" };
	char *dir = util_path_join(scratch, "dry");

	CHECK(inst_log_open(&l, dir, 1, &err) == 0);
	inst_log_change(l, "something");
	CHECK(inst_log_path(l) == NULL);
	inst_log_close(l);
	CHECK(!util_exists(dir));
	free(dir);
	return 0;
}

static int test_unwritable_log_dir_is_an_error_naming_it(void)
{
	struct inst_log *l = (struct inst_log *)1;
	struct pgb_err err = { "" };
	char *file = util_path_join(scratch, "afile"), *dir = util_path_join(file, "sub");

	CHECK(util_write_atomic(file, "x", 1, 0644, &err) == 0);
	CHECK(inst_log_open(&l, dir, 0, &err) == -1);
	CHECK(l == NULL);
	CHECKF(strstr(err.msg, "log directory") && strstr(err.msg, "afile"), "%s", err.msg);
	free(file);
	free(dir);
	return 0;
}

static int test_null_log_is_accepted_everywhere(void)
{
	inst_log_step(NULL, "x");
	inst_log_change(NULL, "x");
	inst_log_info(NULL, "x");
	inst_log_warn(NULL, "x");
	inst_log_detail(NULL, "x");
	inst_log_progress(NULL, "x");
	inst_log_close(NULL);
	CHECK(inst_log_path(NULL) == NULL);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };
	struct pgb_err err;
	char tmpl[] = "/tmp/pgbundle-test-log.XXXXXX";
	int rc;

	scratch = mkdtemp(tmpl);
	if (!scratch)
		return 2;
	T_RUN(&s, test_log_file_gets_every_line_time_stamped);
	T_RUN(&s, test_log_appends_across_runs);
	T_RUN(&s, test_dry_run_writes_no_log_file);
	T_RUN(&s, test_unwritable_log_dir_is_an_error_naming_it);
	T_RUN(&s, test_null_log_is_accepted_everywhere);
	rc = t_done(&s);
	util_rm_rf(scratch, &err);
	return rc;
}
