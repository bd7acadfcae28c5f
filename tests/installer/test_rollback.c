/*
 * test_rollback.c - the version order a downgrade is judged by
 * (installer/rollback.c): dpkg's, as `dpkg --compare-versions` gives it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inst.h"
#include "unit.h"

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static int test_versions_compare_as_dpkg_does(void)
{
	static const struct {
		const char *a, *b;
		int want;
	} cases[] = {
		{ "1.0", "1.0", 0 }, { "1.0", "1.1", -1 }, { "1.10", "1.9", 1 },
		{ "1.0~rc1", "1.0", -1 }, { "1.0", "1.0+1", -1 }, { "2", "10", -1 },
		{ "1.0a", "1.0", 1 }, { "1.001", "1.1", 0 }, { "1.0.1", "1.0", 1 },
		{ "2024.1", "2023.12", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char cmd[256];
		int got = sign(inst_version_cmp(cases[i].a, cases[i].b));
		int dpkg;

		CHECKF(got == cases[i].want, "%s vs %s: %d, want %d", cases[i].a, cases[i].b, got,
		       cases[i].want);
		/* And dpkg agrees. */
		snprintf(cmd, sizeof(cmd), "dpkg --compare-versions '%s' lt '%s'", cases[i].a,
			 cases[i].b);
		dpkg = system(cmd) == 0 ? -1 : 0;
		snprintf(cmd, sizeof(cmd), "dpkg --compare-versions '%s' gt '%s'", cases[i].a,
			 cases[i].b);
		dpkg = dpkg ? dpkg : system(cmd) == 0 ? 1 : 0;
		CHECKF(dpkg == cases[i].want, "dpkg says %d for %s vs %s", dpkg, cases[i].a,
		       cases[i].b);
	}
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_versions_compare_as_dpkg_does);
	return t_done(&s);
}
