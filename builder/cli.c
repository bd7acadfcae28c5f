/*
 * cli.c - the helpers every command shares (cli.h): messages, and where the
 * recipes and the cache live.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

void cli_error(const struct pgb_err *err)
{
	fprintf(stderr, "pgbundle: %s\n", err->msg[0] ? err->msg : "unknown error");
}

void cli_warn(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "pgbundle: %s\n", msg);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pgbundle %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'pgbundle %s --help'.\n", cmd);
	return PGB_EXIT_USAGE;
}

char *cli_size(char *buf, size_t len, int64_t bytes, int sign)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	/* 0 - (uint64_t)bytes: INT64_MIN has no positive int64_t */
	uint64_t mag = bytes < 0 ? 0 - (uint64_t)bytes : (uint64_t)bytes;
	const char *s = !sign ? "" : bytes < 0 ? "-" : "+";
	double v = (double)mag;
	int u = -1;

	while (v >= 1024.0 && u < 3) {
		v /= 1024.0;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%s%llu B", s, (unsigned long long)mag);
	else
		snprintf(buf, len, "%s%.1f %s", s, v, units[u]);
	return buf;
}

char *cli_recipes_dir(void)
{
	const char *env = getenv("PGBUNDLE_RECIPES");
	char *dir, *cand;

	if (env && *env)
		return util_path_abs(env);
	dir = util_exe_dir();
	if (dir) {
		/* build/pgbundle and build/san/pgbundle both sit below the source tree. */
		const char *ups[] = { "/../recipes", "/../../recipes", "/../share/pgbundle/recipes" };

		for (size_t i = 0; i < sizeof(ups) / sizeof(ups[0]); i++) {
			cand = xasprintf("%s%s/targets.yml", dir, ups[i]);
			if (util_exists(cand)) {
				free(cand);
				cand = xasprintf("%s%s", dir, ups[i]);
				free(dir);
				return cand;
			}
			free(cand);
		}
		free(dir);
	}
	return util_path_abs("recipes");
}

char *cli_cache_dir(void)
{
	const char *env = getenv("PGBUNDLE_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	/* Absolute: the cache's paths go to libsolv, libcurl and apt, and a
	 * relative PGBUNDLE_CACHE=cache must mean the directory it was run in. */
	if (env && *env)
		return util_path_abs(env);
	if (xdg && *xdg) {
		char *x = util_path_abs(xdg), *d = util_path_join(x, "pgbundle");

		free(x);
		return d;
	}
	if (home && *home)
		return xasprintf("%s/.cache/pgbundle", home);
	return xstrdup("/var/cache/pgbundle");
}

int cli_bundle_args(const char *cmd, const char *help, int argc, char **argv,
		    const char **bundle, const char **key, int *exit_code)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*key = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': *key = optarg; break;
		case 'h': fputs(help, stdout); *exit_code = PGB_EXIT_OK; return -1;
		default: *exit_code = cli_usage_error(cmd, "unknown option"); return -1;
		}
	}
	if (optind + 1 != argc) {
		*exit_code = cli_usage_error(cmd, "expected one BUNDLE argument");
		return -1;
	}
	*bundle = argv[optind];
	return 0;
}
