/*
 * pgtune.c - Pigsty's tiny template, chosen where Pigsty's configure would
 * choose it: on a host with fewer than 4 CPUs, when the config does not
 * state pg_conf.  The CPUs are the online ones, capped by a cgroup CPU
 * quota (a container limited to one CPU is a one-CPU host).
 *
 * What tiny changes (Pigsty's tiny.yml against oltp.yml), for NCPU CPUs:
 *   max_connections                    250 (PostgreSQL's 100 stays for oltp)
 *   max_worker_processes               max(NCPU + 4, 12)
 *   max_parallel_workers               max(NCPU / 2, 1)
 *   max_parallel_workers_per_gather    0
 *   max_parallel_maintenance_workers   max(NCPU / 3, 1)
 *   autovacuum_max_workers             2
 *   default_statistics_target          200
 * Memory is sized by pgconf.c for every template alike, from the host's
 * memory capped by its cgroup limit.  pg_parameters override all of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops.h"

static long read_long(const char *path, long *second)
{
	char *text = NULL, *end;
	struct pgb_err ignored;
	size_t len;
	long v = -1;

	if (util_read_file(path, &text, &len, &ignored) < 0)
		return -1;
	if (strncmp(text, "max", 3) != 0)
		v = strtol(text, &end, 10);
	else
		end = text + 3;
	if (second)
		*second = strtol(end, NULL, 10);
	free(text);
	return v;
}

int inst_host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), quota, period = 0, q;

	/* cgroup v2 "QUOTA PERIOD" (or "max PERIOD"), then v1's two files. */
	quota = read_long("/sys/fs/cgroup/cpu.max", &period);
	if (quota <= 0) {
		quota = read_long("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", NULL);
		period = read_long("/sys/fs/cgroup/cpu/cpu.cfs_period_us", NULL);
	}
	if (quota > 0 && period > 0) {
		q = (quota + period - 1) / period;
		if (q < n)
			n = q;
	}
	return n < 1 ? 1 : (int)n;
}

const char *inst_pg_conf_effective(const struct inst_config *c, int cpus)
{
	return c->pg_conf_auto && cpus < 4 ? "tiny" : c->pg_conf;
}

static void set_int(struct inst_pgconf *out, const char *key, long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", v);
	inst_pgconf_set(out, key, buf);
}

void inst_pg_tune(const struct inst_config *c, int cpus, struct inst_pgconf *out)
{
	if (strcmp(inst_pg_conf_effective(c, cpus), "tiny") != 0)
		return;
	set_int(out, "max_connections", 250);
	set_int(out, "max_worker_processes", cpus + 4 > 12 ? cpus + 4 : 12);
	set_int(out, "max_parallel_workers", cpus / 2 > 1 ? cpus / 2 : 1);
	set_int(out, "max_parallel_workers_per_gather", 0);
	set_int(out, "max_parallel_maintenance_workers", cpus / 3 > 1 ? cpus / 3 : 1);
	set_int(out, "autovacuum_max_workers", 2);
	set_int(out, "default_statistics_target", 200);
}
