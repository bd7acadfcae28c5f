/*
 * cmd_report.c - `pgbundle report BUNDLE -o FILE.html [--diff OLD]`: the
 * bundle's HTML report (report.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "version.h"

static const char report_help[] =
	"usage: pgbundle report BUNDLE -o FILE.html [--diff OLD] [--key PUB]\n\n"
	"Write one self-contained HTML page about a bundle (.tar.zst or .run): what\n"
	"it is (target, PostgreSQL majors, sizes, the key that signed it), its\n"
	"packages by module with an SVG chart, the extension matrix (category,\n"
	"extension, package, preload library), the licenses declared, and with\n"
	"--diff the changes since an older lock or bundle.  No script, no fetch:\n"
	"the file can be mailed or archived as it is.\n"
	"  -o, --output FILE  where to write the page (atomically)\n"
	"  --diff OLD         a lock (NAME.lock) or bundle to compare with\n"
	"  -k, --key PUB      the public key the bundle must be signed with; without\n"
	"                     it the bundle's own key is used (integrity only)\n";

struct report_args {
	const char *bundle, *out, *old, *key;
};

static int parse_args(int argc, char **argv, struct report_args *a, int *exit_code)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "diff", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': a->out = optarg; break;
		case 'd': a->old = optarg; break;
		case 'k': a->key = optarg; break;
		case 'h': fputs(report_help, stdout); *exit_code = PGB_EXIT_OK; return -1;
		default: *exit_code = cli_usage_error("report", "unknown option"); return -1;
		}
	}
	if (optind + 1 != argc) {
		*exit_code = cli_usage_error("report", "expected one BUNDLE argument");
		return -1;
	}
	if (!a->out) {
		*exit_code = cli_usage_error("report", "-o FILE.html is required");
		return -1;
	}
	a->bundle = argv[optind];
	return 0;
}

/* What the page is made from, loaded; all of it freed by inputs_free(). */
struct inputs {
	struct bundle_report r;
	struct sbom sb;
	struct pkgset set, old;
	struct pkgdiff diff;
	struct recipes rc;
	struct extcat cat;
	int have_rc, have_cat, have_old;
};

static int load(const struct report_args *a, struct inputs *x, struct pgb_err *err)
{
	char *recipes = cli_recipes_dir();
	struct pgb_err ignored;
	int rc;

	/* The recipes and the catalog only add descriptions and categories. */
	x->have_rc = recipes_load(&x->rc, recipes, &ignored) == 0;
	x->have_cat = extcat_load(&x->cat, recipes, &ignored) == 0;
	free(recipes);
	rc = bundle_check(a->bundle, a->key, 0, &x->r, err);
	if (rc == 0)
		rc = bundle_report_sbom(&x->r, a->bundle, &x->sb, err);
	if (rc == 0)
		rc = pkgset_from_bundle(&x->set, a->bundle, &x->r, x->have_rc ? &x->rc : NULL, err);
	if (rc == 0 && a->old) {
		rc = pkgset_load(&x->old, a->old, a->key, x->have_rc ? &x->rc : NULL, err);
		x->have_old = rc == 0;
		if (rc == 0)
			pkgdiff_compute(&x->old, &x->set, &x->diff);
	}
	return rc;
}

static void inputs_free(struct inputs *x)
{
	bundle_report_free(&x->r);
	sbom_free(&x->sb);
	pkgset_free(&x->set);
	if (x->have_old) {
		pkgset_free(&x->old);
		pkgdiff_free(&x->diff);
	}
	if (x->have_rc)
		recipes_free(&x->rc);
	if (x->have_cat)
		extcat_free(&x->cat);
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { 0 };
	struct inputs x;
	struct pgb_err err = { { 0 } };
	struct report_in in;
	struct sbuf page = SBUF_INIT;
	int code = PGB_EXIT_FAIL;

	if (parse_args(argc, argv, &a, &code) < 0)
		return code;
	memset(&x, 0, sizeof(x));
	if (load(&a, &x, &err) < 0)
		goto out;
	in = (struct report_in){ a.bundle, &x.r, &x.sb, &x.set, x.have_old ? &x.old : NULL,
				 x.have_old ? &x.diff : NULL, x.have_rc ? &x.rc : NULL,
				 x.have_cat ? &x.cat : NULL, a.key, PGBUNDLE_VERSION };
	if (report_render(&in, &page, &err) < 0 ||
	    util_write_atomic(a.out, page.buf, page.len, 0644, &err) < 0)
		goto out;
	printf("%s\n", a.out);
	code = PGB_EXIT_OK;
out:
	if (code != PGB_EXIT_OK)
		cli_error(&err);
	inputs_free(&x);
	sbuf_free(&page);
	return code;
}
