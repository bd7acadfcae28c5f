/*
 * cli.h - what every pgbundle command shares: the command table entry, exit
 * codes and the few helpers that make every --help and error look alike.
 *
 * Each command lives in its own builder/cmd_<name>.c as
 *     int cmd_<name>(int argc, char **argv);
 * and is listed once in the table in builder/main.c.  argv[0] is the command
 * name; options are parsed with getopt_long.  A command returns one of the
 * exit codes below; it prints its own error once, through cli_error().
 */
#ifndef PGB_CLI_H
#define PGB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Exit codes, documented in `pgbundle --help` and the README. */
enum {
	PGB_EXIT_OK = 0,
	PGB_EXIT_FAIL = 1,		/* an error (bad input, network, verification of upstream data) */
	PGB_EXIT_USAGE = 2,		/* bad command line */
	PGB_EXIT_UNRESOLVED = 3,	/* requested items could not be resolved (see --allow-missing) */
	PGB_EXIT_VERIFY = 4,		/* `verify`: the bundle does not verify */
};

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_keygen(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_sbom(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_ext(int argc, char **argv);

/* Print "pgbundle: <msg>" to stderr. */
void cli_error(const struct pgb_err *err);
/* "pgbundle: MSG" on stderr: the warn callback of plan, build and ext. */
void cli_warn(void *ctx, const char *msg);
/* Print "pgbundle <cmd>: <message>" and a hint to use --help; returns PGB_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse "BUNDLE [--key PUB] [--help]" (verify, ls, sbom).  Returns 0 to go on, or -1
 * with *exit_code set (help printed, usage error). */
int cli_bundle_args(const char *cmd, const char *help, int argc, char **argv,
		    const char **bundle, const char **key, int *exit_code);
/* bytes for people: "812 B", "4.0 KiB", "143.6 MiB", "1.2 GiB"; with sign, a
 * leading '+' or '-' ("+0 B" for none).  Returns buf. */
char *cli_size(char *buf, size_t len, int64_t bytes, int sign);
/* Where recipes/ lives: $PGBUNDLE_RECIPES, else next to the executable's source tree
 * (../recipes from build/pgbundle), else ./recipes.  Malloc'd. */
char *cli_recipes_dir(void);
/* The download cache: $PGBUNDLE_CACHE, else $XDG_CACHE_HOME/pgbundle, else ~/.cache/pgbundle. Malloc'd. */
char *cli_cache_dir(void);

#endif

/* --- shared by `plan` and `build` (implemented in cmd_plan.c) --- */
#include "fetch.h"
#include "plan.h"
#include "util.h"

struct cli_plan_args {
	const char *manifest, *lock, *outdir, *key;
	const char *update_from;	/* --update-from OLD.lock (build): write a delta */
	struct strlist mirrors;		/* --mirror KEY=URL */
	struct strlist snapshots;	/* --snapshot [KEY=]URL (build) */
	int json, allow_expired, allow_unverified_contents, allow_missing, zstd_level, threads;
};

/* Parse the options of `plan` (build = 0) or `build` (build = 1).  Returns 0 to
 * go on, or an exit code (help printed, usage error) to return at once. */
int cli_plan_parse(int build, int argc, char **argv, struct cli_plan_args *a, int *exit_code);
/* Create the fetcher and run plan_load + plan_resolve; prints the error itself. */
int cli_plan_run(const struct cli_plan_args *a, struct plan *p, struct fetcher **f);
void cli_plan_args_free(struct cli_plan_args *a);
/* Print the unresolved requests (to stderr) and return how many there are. */
size_t cli_report_missing(const struct plan *p);
