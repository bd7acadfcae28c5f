/*
 * test_creds.c - generated passwords, the credentials file (pgpass format)
 * and SCRAM-SHA-256 secrets (installer/creds.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inst.h"
#include "unit.h"

/* What PostgreSQL 15 stored for CREATE ROLE ... PASSWORD 'correct horse:battery\staple'. */
static const char pg_secret[] =
	"SCRAM-SHA-256$4096:EfAdCpuggHAOM4ZiCajYcw==$L50WgsHGRZW0SiTwCHw6EDQZs0Q6P59coTgukMMZjX0="
	":cT34GW0nfxGj7DDhDPPjPj22YBzLm80beKfDgs1xzxw=";
static const char pg_password[] = "correct horse:battery\\staple";

static char tmpdir[] = "/tmp/pgbundle-test-creds.XXXXXX";

static char *tmp_path(const char *name)
{
	return util_path_join(tmpdir, name);
}

static int write_text(const char *path, const char *text)
{
	struct pgb_err err;

	return util_write_atomic(path, text, strlen(text), 0600, &err);
}

static int test_generated_passwords_are_32_random_alphanumerics(void)
{
	struct pgb_err err = { { 0 } };
	char *a, *b;

	CHECK(inst_creds_generate(&a, &err) == 0 && inst_creds_generate(&b, &err) == 0);
	CHECK(strlen(a) == 32 && strlen(b) == 32 && strcmp(a, b) != 0);
	for (const char *p = a; *p; p++)
		CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9'));
	free(a);
	free(b);
	return 0;
}

static int test_scram_matches_a_secret_postgresql_made(void)
{
	CHECK(inst_scram_matches(pg_secret, pg_password) == 1);
	CHECK(inst_scram_matches(pg_secret, "correct horse:battery\\stapl") == 0);
	CHECK(inst_scram_matches(pg_secret, "") == 0);
	CHECK(inst_scram_matches("md5c4ca4238a0b923820dcc509a6f75849b", "x") == 0);
	CHECK(inst_scram_matches("SCRAM-SHA-256$4096:!!$x:y", pg_password) == 0);
	CHECK(inst_scram_matches(NULL, pg_password) == 0);
	return 0;
}

static int test_scram_secret_is_salted_and_verifies_its_password(void)
{
	struct pgb_err err = { { 0 } };
	char *a, *b;

	CHECK(inst_scram_secret("s3cret", &a, &err) == 0);
	CHECK(inst_scram_secret("s3cret", &b, &err) == 0);
	CHECK(strncmp(a, "SCRAM-SHA-256$4096:", 19) == 0);
	CHECK(strcmp(a, b) != 0);	/* a fresh salt each time */
	CHECK(inst_scram_matches(a, "s3cret") && inst_scram_matches(b, "s3cret"));
	CHECK(!inst_scram_matches(a, "s3cre7"));
	CHECK(!strstr(a, "s3cret"));
	free(a);
	free(b);
	return 0;
}

static int test_creds_missing_file_is_an_empty_set(void)
{
	struct inst_creds c;
	struct pgb_err err = { { 0 } };
	char *p = tmp_path("none");

	CHECK(inst_creds_load(&c, p, &err) == 0);
	CHECK(c.n == 0 && inst_creds_get(&c, "x") == NULL);
	inst_creds_free(&c);
	free(p);
	return 0;
}

static int test_creds_round_trip_escapes_and_keeps_foreign_lines(void)
{
	struct inst_creds c;
	struct pgb_err err = { { 0 } };
	char *p = tmp_path("etc/pgbundle/credentials"), *text;
	struct stat st;
	size_t len;

	CHECK(inst_creds_load(&c, p, &err) == 0);
	inst_creds_set(&c, "app", "pa:ss\\word");
	inst_creds_set(&c, "meta", "first");
	inst_creds_set(&c, "meta", "second");
	CHECKF(inst_creds_save(&c, p, &err) == 0, "%s", err.msg);
	inst_creds_free(&c);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(util_read_file(p, &text, &len, &err) == 0);
	CHECKF(strstr(text, "\n*:*:*:app:pa\\:ss\\\\word\n*:*:*:meta:second\n"), "%s", text);
	free(text);
	/* An operator's own entry and comment survive a rewrite. */
	CHECK(util_read_file(p, &text, &len, &err) == 0);
	text = xrealloc(text, len + 64);
	strcat(text, "# mine\ndbhost:5432:*:app:other\n");
	CHECK(write_text(p, text) == 0);
	free(text);
	CHECKF(inst_creds_load(&c, p, &err) == 0, "%s", err.msg);
	CHECK(strcmp(inst_creds_get(&c, "app"), "pa:ss\\word") == 0);
	CHECK(strcmp(inst_creds_get(&c, "meta"), "second") == 0);
	inst_creds_set(&c, "new", "pw");
	CHECK(inst_creds_save(&c, p, &err) == 0);
	inst_creds_free(&c);
	CHECK(util_read_file(p, &text, &len, &err) == 0);
	CHECKF(strstr(text, "# mine\ndbhost:5432:*:app:other\n*:*:*:new:pw\n"), "%s", text);
	CHECK(strncmp(text, "# Passwords generated", 21) == 0);
	CHECK(strstr(text + 1, "# Passwords generated") == NULL);	/* header once */
	free(text);
	free(p);
	return 0;
}

static int test_creds_rejects_a_malformed_line_naming_it(void)
{
	struct inst_creds c;
	struct pgb_err err = { { 0 } };
	char *p = tmp_path("bad");

	CHECK(write_text(p, "*:*:*:a:pw\nnot a pgpass line\n") == 0);
	CHECK(inst_creds_load(&c, p, &err) == -1);
	CHECKF(strstr(err.msg, "/bad:2: not a pgpass line"), "%s", err.msg);
	CHECK(c.n == 0);
	free(p);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };
	struct pgb_err err;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(&s, test_generated_passwords_are_32_random_alphanumerics);
	T_RUN(&s, test_scram_matches_a_secret_postgresql_made);
	T_RUN(&s, test_scram_secret_is_salted_and_verifies_its_password);
	T_RUN(&s, test_creds_missing_file_is_an_empty_set);
	T_RUN(&s, test_creds_round_trip_escapes_and_keeps_foreign_lines);
	T_RUN(&s, test_creds_rejects_a_malformed_line_naming_it);
	util_rm_rf(tmpdir, &err);
	return t_done(&s);
}
