/*
 * module.c - the table of modules and the walks over it (module.h).
 *
 * The order is the order of dependence: the node (host name, /etc/hosts,
 * sysctl) and the certificates first, then etcd, which Patroni needs, then
 * PostgreSQL (Patroni's, or the distribution's when Patroni is off), then
 * what stands in front of it.  A module that comes later adds its line
 * where its dependencies are met.
 */
#include <string.h>

#include "module.h"
#include "ops.h"

const struct inst_module *const inst_modules[] = {
	&inst_module_node,
	&inst_module_pki,
	&inst_module_etcd,
	&inst_module_pgsql,
	&inst_module_patroni,
	&inst_module_pgbouncer,
	&inst_module_haproxy,
	&inst_module_vip,
	&inst_module_etcdlead,
	&inst_module_pgbackrest,
	&inst_module_pgbrlead,
	&inst_module_monitor,
	&inst_module_prometheus,
	&inst_module_redis,
	NULL,
};

int inst_module_enabled(const struct inst_module *m, const struct inst_config *cfg)
{
	return m->enabled ? m->enabled(cfg) : inst_config_has_module(cfg, m->name);
}

const struct inst_module *inst_module_find(const char *name)
{
	for (size_t i = 0; inst_modules[i]; i++)
		if (strcmp(inst_modules[i]->name, name) == 0)
			return inst_modules[i];
	return NULL;
}

int inst_modules_prepare(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	for (size_t i = 0; inst_modules[i]; i++) {
		const struct inst_module *m = inst_modules[i];

		if (m->prepare && inst_module_enabled(m, cfg) && m->prepare(ctx, cfg, err) < 0)
			return pgb_err_prefix(err, "%s", m->name);
	}
	return 0;
}

int inst_modules_before_upgrade(struct inst_ctx *ctx, const struct inst_config *cfg,
				struct pgb_err *err)
{
	for (size_t i = 0; inst_modules[i]; i++) {
		const struct inst_module *m = inst_modules[i];

		if (m->before_upgrade && inst_module_enabled(m, cfg) &&
		    m->before_upgrade(ctx, cfg, err) < 0)
			return pgb_err_prefix(err, "%s", m->name);
	}
	return 0;
}

int inst_modules_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	for (size_t i = 0; inst_modules[i]; i++) {
		const struct inst_module *m = inst_modules[i];

		if (m->apply && inst_module_enabled(m, cfg) && m->apply(ctx, cfg, err) < 0)
			return -1;
	}
	return 0;
}

int inst_modules_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
			struct pgb_err *err)
{
	for (size_t i = 0; inst_modules[i]; i++) {
		const struct inst_module *m = inst_modules[i];
		json_t *o;

		if (!m->status || !inst_module_enabled(m, cfg))
			continue;
		o = json_object();
		if (m->status(ctx, cfg, o, err) < 0) {
			json_decref(o);
			return -1;
		}
		if (json_object_size(o))	/* a module may have nothing to say here */
			json_object_set_new(out, m->name, o);
		else
			json_decref(o);
	}
	return 0;
}

int inst_modules_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			   struct pgb_err *err)
{
	size_t n = 0;

	while (inst_modules[n])
		n++;
	while (n-- > 0) {
		const struct inst_module *m = inst_modules[n];

		if (m->uninstall && inst_module_enabled(m, cfg) && m->uninstall(ctx, cfg, err) < 0)
			return -1;
	}
	return 0;
}

void inst_modules_pg_settings(const struct inst_config *cfg, struct inst_pgconf *out)
{
	for (size_t i = 0; inst_modules[i]; i++)
		if (inst_modules[i]->pg_settings && inst_module_enabled(inst_modules[i], cfg))
			inst_modules[i]->pg_settings(cfg, out);
}

const struct inst_member *inst_pg_self(const struct inst_config *cfg)
{
	for (size_t i = 0; i < cfg->n_pg_members; i++)
		if (cfg->pg_members[i].self)
			return &cfg->pg_members[i];
	return NULL;
}

void inst_secret_need(struct inst_secret_needs *out, int role, const char *name,
		      const char *stated)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].role == role && strcmp(out->v[i].name, name) == 0)
			return;
	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	out->v[out->n].role = role;
	out->v[out->n].name = xstrdup(name);
	out->v[out->n++].stated = stated;
}

void inst_modules_secrets(const struct inst_config *cfg, struct inst_secret_needs *out)
{
	for (size_t i = 0; inst_modules[i]; i++)
		if (inst_modules[i]->secrets && inst_module_enabled(inst_modules[i], cfg))
			inst_modules[i]->secrets(cfg, out);
}

void inst_secret_needs_free(struct inst_secret_needs *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].name);
	free(n->v);
	memset(n, 0, sizeof(*n));
}
