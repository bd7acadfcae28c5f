/*
 * etcdlead.c - keep etcd's leader off the host of PostgreSQL's leader.
 *
 * Why: when one host runs both Patroni's leader and etcd's leader and dies,
 * etcd first elects a new leader, and a new etcd leader grants every lease
 * its whole TTL again, plus its election timeout, from its own election
 * (etcd keeps no remaining TTL across a leader change).  Patroni's leader
 * lease then runs out about ttl + 1 s after the power-off instead of at most
 * ttl: on a three-node cluster, one failure in three is that much slower.
 * Handing etcd's leadership to another member whenever a host becomes
 * PostgreSQL's leader keeps the two apart, so a dead leader's lease runs
 * out on a leader that stays.
 *
 * How: Patroni runs its callback (the program vip.c installs, as postgres)
 * on every start and role change; on a new primary whose host's etcd member
 * leads, inst_etcdlead_callback_run() asks that member to hand leadership to
 * another started voting member (`etcdctl move-leader`, etcd's MoveLeader,
 * a few milliseconds of raft), with Patroni's client certificate (postgres
 * reads it; etcd's own key is etcd's).  The local member's client URL comes
 * from ETCDLEAD_CONF (root's, 0644), never from the arguments.  install does
 * the same once itself (Patroni's callback may have run before the program
 * was there).  Best effort: leader placement only saves time, so a failure
 * is said on stderr (Patroni's log) and changes nothing else.
 *
 * Only on hosts that run both a Patroni member and an etcd member of an etcd
 * cluster of three or more: elsewhere the dead PostgreSQL leader's host
 * cannot take etcd's leader with it, or there is nowhere to move it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module.h"

#define ETCDLEAD_CONF "/etc/pgbundle/etcd-leader"
#define PATRONI_PKI "/etc/patroni/pki"

int inst_etcdlead_enabled(const struct inst_config *cfg)
{
	return cfg->patroni_enabled && inst_config_has_module(cfg, "pgsql") && inst_pg_self(cfg) &&
	       inst_config_has_module(cfg, "etcd") && cfg->etcd_seq > 0 &&
	       cfg->n_etcd_members >= 3;
}

static const struct inst_member *self_etcd(const struct inst_config *cfg)
{
	for (size_t i = 0; i < cfg->n_etcd_members; i++)
		if (cfg->etcd_members[i].self)
			return &cfg->etcd_members[i];
	return NULL;
}

/*
 * `etcdctl endpoint status` of url (simple output: "URL, ID, version, db
 * size, is leader, ..." on every release from 3.3): this member's ID into
 * id; 1 when it leads, 0 when not, -1 when it does not answer (err set).
 */
static int local_status(const char *url, char *id, size_t idlen, struct pgb_err *err)
{
	static const char *const args[] = { "endpoint", "status", NULL };
	struct sbuf out = SBUF_INIT;
	char *f[6] = { NULL }, *save = NULL, *tok, *line;
	int k = 0, st, rc = -1;

	st = inst_etcdctl_pki(PATRONI_PKI, url, args, &out, err);
	if (st > 0)
		pgb_fail(err, "etcdctl endpoint status %s failed (status %d): %.300s", url, st,
			 out.buf ? out.buf : "");
	line = st == 0 && out.buf ? out.buf : NULL;
	for (tok = line ? strtok_r(line, ",\n", &save) : NULL; tok && k < 6;
	     tok = strtok_r(NULL, ",\n", &save))
		f[k++] = tok + strspn(tok, " ");
	if (k >= 5) {
		snprintf(id, idlen, "%s", f[1]);
		rc = strncmp(f[4], "true", 4) == 0;
	} else if (st == 0) {
		pgb_fail(err, "etcdctl endpoint status %s: unexpected output", url);
	}
	sbuf_free(&out);
	return rc;
}

/* Hand the leadership of the member at url (whose ID is self_id) to another
 * started voting member; the first that takes it.  0 when one did. */
static int move_leader(const char *url, const char *self_id, char *to, size_t tolen,
		       struct pgb_err *err)
{
	static const char *const list[] = { "member", "list", NULL };
	struct inst_etcd_member m[32];
	struct sbuf out = SBUF_INIT;
	size_t n = 0;
	int st, rc = -1;

	st = inst_etcdctl_pki(PATRONI_PKI, url, list, &out, err);
	if (st == 0 && out.buf)
		n = inst_etcd_parse_members(out.buf, m, 32);
	pgb_fail(err, "no other started etcd member to take the leadership");
	for (size_t i = 0; i < n && rc < 0; i++) {
		const char *args[] = { "move-leader", m[i].id, NULL };

		if (!strcmp(m[i].id, self_id) || strcmp(m[i].status, "started") || m[i].learner)
			continue;
		sbuf_reset(&out);
		st = inst_etcdctl_pki(PATRONI_PKI, url, args, &out, err);
		if (st == 0) {
			snprintf(to, tolen, "%s", m[i].name);
			rc = 0;
		} else if (st > 0) {
			pgb_fail(err, "etcdctl move-leader %s failed (status %d): %.300s", m[i].id,
				 st, out.buf ? out.buf : "");
		}
	}
	sbuf_free(&out);
	return rc;
}

/* Move etcd's leadership off this host if its member leads.  *moved_to: the
 * new leader's name ("" when nothing moved).  0, or -1 with err set. */
static int keep_off(const char *url, char *moved_to, size_t len, struct pgb_err *err)
{
	char id[32];
	int lead = local_status(url, id, sizeof(id), err);

	*moved_to = '\0';
	if (lead <= 0)
		return lead;
	return move_leader(url, id, moved_to, len, err);
}

void inst_etcdlead_callback_run(const char *action, const char *role)
{
	char *text = NULL, url[512], to[64];
	size_t len;
	struct pgb_err err;

	if (!strcmp(action, "on_stop") || !inst_callback_role_primary(role) || !util_exists(ETCDLEAD_CONF))
		return;
	if (util_read_file(ETCDLEAD_CONF, &text, &len, &err) < 0 ||
	    sscanf(text, "%511s", url) != 1) {
		fprintf(stderr, "pgbundle: %s: want the local etcd member's client URL\n",
			ETCDLEAD_CONF);
		free(text);
		return;
	}
	free(text);
	if (keep_off(url, to, sizeof(to), &err) < 0)
		fprintf(stderr, "pgbundle: etcd's leader stays on this host: %s\n", err.msg);
	else if (*to)
		fprintf(stderr, "pgbundle: etcd's leadership handed to %s (this host leads "
			"PostgreSQL)\n", to);
}

/* --- the module --- */

static int is_patroni_leader(const struct inst_config *cfg)
{
	struct pgb_err ignored;
	json_t *members = inst_patroni_members(cfg, &ignored), *m;
	size_t i;
	int leader = 0;

	json_array_foreach(members, i, m) {
		const char *r = json_string_value(json_object_get(m, "Role"));
		const char *name = json_string_value(json_object_get(m, "Member"));

		if (r && name && !strcmp(r, "Leader") && !strcmp(name, inst_pg_self(cfg)->name))
			leader = 1;
	}
	json_decref(members);
	return leader;
}

static int etcdlead_apply(struct inst_ctx *ctx, const struct inst_config *cfg,
			  struct pgb_err *err)
{
	const struct inst_member *self = self_etcd(cfg);
	char *url, *conf, to[64];
	int changed, rc;
	struct pgb_err e;

	if (!self)
		return 0;
	url = xasprintf(strchr(self->addr, ':') ? "https://[%s]:%d" : "https://%s:%d",
			self->addr, self->etcd_port);
	inst_log_step(ctx->log, "etcd's leader kept off PostgreSQL's leader (Patroni's callback)");
	conf = xasprintf("%s\n", url);
	rc = inst_pg_write_file(ctx, ETCDLEAD_CONF, conf, 0644, NULL,
				"the local etcd member's client URL", &changed, NULL, err);
	free(conf);
	if (rc == 0)
		rc = inst_callback_prog_install(ctx, err);
	/* Patroni called back on its start, maybe before the program was here. */
	if (rc == 0 && !ctx->dry_run && !ctx->no_start && is_patroni_leader(cfg)) {
		if (keep_off(url, to, sizeof(to), &e) < 0)
			inst_log_info(ctx->log, "etcd's leader stays on this host: %s", e.msg);
		else if (*to)
			inst_pg_change(ctx, "hand etcd's leadership to %s", to);
	}
	free(url);
	return rc;
}

static int etcdlead_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			      struct pgb_err *err)
{
	(void)cfg;
	if (util_exists(ETCDLEAD_CONF)) {
		inst_pg_change(ctx, "remove %s", ETCDLEAD_CONF);
		if (!ctx->dry_run && unlink(ETCDLEAD_CONF) < 0)
			return pgb_failsys(err, "cannot remove %s", ETCDLEAD_CONF);
	}
	/* The VIP, when there is one, needs no program to be removed (vip.c). */
	return inst_callback_prog_remove(ctx, err);
}

const struct inst_module inst_module_etcdlead = {
	.name = "etcd-leader",
	.summary = "etcd's leader kept off PostgreSQL's leader, by Patroni's callback",
	.enabled = inst_etcdlead_enabled,
	.apply = etcdlead_apply,
	.uninstall = etcdlead_uninstall,
};
