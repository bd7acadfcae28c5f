/*
 * secrets.c - the cluster's secrets: the same on every node, never in a
 * bundle, never in a log.
 *
 * Two kinds, kept apart so that the roles' file stays a pgpass file an
 * operator can point PGPASSFILE at:
 *   roles   passwords of PostgreSQL roles (business users, replicator, the
 *           admin user), in INST_CREDENTIALS keyed by role name
 *   others  every other secret (Patroni's REST password, HAProxy's stats
 *           password; later pgBackRest's cipher passphrase, Redis'
 *           passwords), in INST_SECRETS keyed by the config key's name
 * Both are pgpass-format files (creds.c), root-only, 0600.
 *
 * Where a secret comes from, first match wins:
 *   1. the config states it (pg_replication_password: ..., a pg_users
 *      password): used as given, stored nowhere else;
 *   2. this node's store (an earlier run);
 *   3. --pki DIR: DIR/credentials and DIR/secrets, which `pki init`
 *      generated once for the whole cluster; copied into the store;
 *   4. generated here, only when this node is the whole cluster (a flat
 *      config, or an inventory of one host): any other node would make a
 *      different one.
 * Otherwise the call fails and says how to get it.  Nothing here prints a
 * secret's value: changes are logged by name.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "module.h"

void inst_secrets_init(struct inst_secrets *s, const char *roles_path, const char *other_path)
{
	memset(s, 0, sizeof(*s));
	s->roles_path = roles_path;
	s->other_path = other_path;
}

int inst_secrets_open(struct inst_secrets *s, const struct inst_ctx *ctx,
		      const struct inst_config *cfg, struct pgb_err *err)
{
	inst_secrets_init(s, INST_CREDENTIALS, INST_SECRETS);
	s->may_generate = !cfg->inventory || cfg->n_hosts <= 1;
	s->pki_dir = ctx->pki_dir;
	if (inst_creds_load(&s->roles, s->roles_path, err) < 0 ||
	    inst_creds_load(&s->other, s->other_path, err) < 0)
		return -1;
	if (!s->pki_dir)
		return 0;
	s->from_pki = 1;
	{
		char *r = util_path_join(s->pki_dir, "credentials");
		char *o = util_path_join(s->pki_dir, "secrets");
		int rc = inst_creds_load(&s->pki_roles, r, err) < 0 ||
			 inst_creds_load(&s->pki_other, o, err) < 0 ? -1 : 0;

		free(r);
		free(o);
		return rc;
	}
}

void inst_secrets_free(struct inst_secrets *s)
{
	inst_creds_free(&s->roles);
	inst_creds_free(&s->other);
	inst_creds_free(&s->pki_roles);
	inst_creds_free(&s->pki_other);
	memset(s, 0, sizeof(*s));
}

static int lookup(struct inst_secrets *s, struct inst_ctx *ctx, int role, const char *name,
		  const char *stated, const char **out, struct pgb_err *err)
{
	struct inst_creds *store = role ? &s->roles : &s->other;
	const char *path = role ? s->roles_path : s->other_path;
	const char *v;
	char *gen = NULL;

	*out = stated;
	if (stated)
		return 0;
	*out = inst_creds_get(store, name);
	if (*out)
		return 0;
	v = s->from_pki ? inst_creds_get(role ? &s->pki_roles : &s->pki_other, name) : NULL;
	if (!v && !s->may_generate)
		return pgb_fail(err, "the cluster's %s %s is not in the config%s%s: with more than "
				"one node, each secret is made once for the whole cluster by `NAME.run "
				"pki init DIR --config FILE`, then `--pki DIR` on every node (or "
				"state it in the config)", role ? "password of role" : "secret", name,
				s->pki_dir ? " nor in " : "", s->pki_dir ? s->pki_dir : "");
	if (!v && inst_creds_generate(&gen, err) < 0)
		return -1;
	inst_creds_set(store, name, v ? v : gen);
	if (gen)
		OPENSSL_cleanse(gen, strlen(gen));
	free(gen);
	if (ctx && role)
		inst_pg_change(ctx, "%s a password for %s (kept in %s)", v ? "take" : "generate",
			       name, path);
	else if (ctx)
		inst_pg_change(ctx, "%s the secret %s (kept in %s)", v ? "take" : "generate",
			       name, path);
	if ((!ctx || !ctx->dry_run) && inst_creds_save(store, path, err) < 0)
		return -1;
	*out = inst_creds_get(store, name);
	return 0;
}

int inst_secret_role(struct inst_secrets *s, struct inst_ctx *ctx, const char *role,
		     const char *stated, const char **out, struct pgb_err *err)
{
	return lookup(s, ctx, 1, role, stated, out, err);
}

int inst_secret(struct inst_secrets *s, struct inst_ctx *ctx, const char *name,
		const char *stated, const char **out, struct pgb_err *err)
{
	return lookup(s, ctx, 0, name, stated, out, err);
}
