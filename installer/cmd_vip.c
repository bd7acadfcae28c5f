/*
 * cmd_vip.c - `vip-callback ACTION ROLE CLUSTER`: Patroni's callback, run as
 * postgres from the copy of this program vip.c installs; it holds or lets
 * go of the cluster's VIP (vip.c), keeps etcd's leader off a new
 * PostgreSQL leader's host (etcdlead.c) and gives a new leader its
 * pgBackRest stanza (pgbrlead.c).
 */
#include "inst.h"
#include "module.h"
#include "ops.h"

int cmd_vip_callback(const struct inst_opts *o)
{
	struct pgb_err err;

	int rc = inst_vip_callback_run(o->argv[0], o->argv[1], &err);

	inst_etcdlead_callback_run(o->argv[0], o->argv[1]);
	inst_pgbrlead_callback_run(o->argv[0], o->argv[1]);
	if (rc < 0)
		return inst_print_error(&err);
	return 0;
}
