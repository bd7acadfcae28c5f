/*
 * cmd_pki.c - `pki init DIR --config FILE`: the cluster's CA, a certificate
 * for every host of the config and the cluster's secrets, made once on any
 * machine (pki.c and secrets.c say what goes where).  Run again on a changed
 * config, it adds what is missing and keeps the rest: the CA, the
 * certificates that still fit, every secret already made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inst.h"
#include "module.h"

static int write_secret_file(const char *path, const char *text, struct pgb_err *err)
{
	return util_write_atomic(path, text, strlen(text), strstr(path, ".key") ? 0600 : 0644, err);
}

/* The CA of DIR, made when there is none. */
static int ca(const char *dir, struct inst_pki_pair *cap, int *made, struct pgb_err *err)
{
	char *crt = util_path_join(dir, "ca.crt"), *key = util_path_join(dir, "ca.key");
	size_t len;
	int rc;

	*made = !util_exists(crt) || !util_exists(key);
	if (!*made) {
		rc = util_read_file(key, &cap->key, &len, err);
		if (rc == 0)
			rc = util_read_file(crt, &cap->cert, &len, err);
	} else {
		rc = inst_pki_make_ca("pgbundle cluster CA", cap, err);
		if (rc == 0)
			rc = write_secret_file(key, cap->key, err);
		if (rc == 0)
			rc = write_secret_file(crt, cap->cert, err);
	}
	free(crt);
	free(key);
	return rc;
}

/* host's certificate in DIR/ADDR/, unless the one there still fits. */
static int host_cert(const char *dir, const struct inst_pki_pair *cap,
		     const struct inst_config *c, int *made, struct pgb_err *err)
{
	const struct inst_member *self = NULL;
	struct strlist names = STRLIST_INIT;
	struct inst_pki_pair node = { 0 };
	char *hdir = util_path_join(dir, c->self_addr), *crt = util_path_join(hdir, "node.crt");
	char *key = util_path_join(hdir, "node.key"), *ca_path = util_path_join(dir, "ca.crt");
	struct pgb_err ignored;
	int rc = 0;

	for (size_t i = 0; i < c->n_hosts; i++)
		if (c->hosts[i].self)
			self = &c->hosts[i];
	inst_pki_names(c, self, &names);
	*made = !util_exists(key) || inst_pki_check(ca_path, crt, &names, &ignored) < 0;
	if (*made) {
		rc = util_mkdir_p(hdir, 0700, err);
		if (rc == 0)
			rc = inst_pki_make_cert(cap, c->nodename, &names, &node, err);
		if (rc == 0)
			rc = write_secret_file(key, node.key, err);
		if (rc == 0)
			rc = write_secret_file(crt, node.cert, err);
	}
	inst_pki_pair_free(&node);
	strlist_free(&names);
	free(hdir);
	free(crt);
	free(key);
	free(ca_path);
	return rc;
}

static int secrets(struct inst_secrets *s, const struct inst_config *c, int *made,
		   struct pgb_err *err)
{
	struct inst_secret_needs needs = { NULL, 0 };
	int rc = 0;

	inst_modules_secrets(c, &needs);
	for (size_t i = 0; rc == 0 && i < needs.n; i++) {
		const struct inst_secret_need *n = &needs.v[i];
		const char *v;
		size_t before = s->roles.n + s->other.n;

		if (n->stated)
			continue;
		rc = n->role ? inst_secret_role(s, NULL, n->name, NULL, &v, err) :
			       inst_secret(s, NULL, n->name, NULL, &v, err);
		*made += (int)(s->roles.n + s->other.n - before);
	}
	inst_secret_needs_free(&needs);
	return rc;
}

int cmd_pki(const struct inst_opts *o)
{
	struct strlist addrs = STRLIST_INIT;
	struct inst_pki_pair cap = { 0 };
	struct inst_secrets sec;
	struct pgb_err err;
	const char *dir = o->argv[1];
	char *roles, *other;
	int rc, ca_made = 0, certs = 0, kept = 0, made_secrets = 0;

	if (strcmp(o->argv[0], "init") != 0) {
		fprintf(stderr, "pgbundle-installer: unknown pki command \"%s\": pki init DIR "
			"--config FILE\n", o->argv[0]);
		return 2;
	}
	if (!o->config) {
		fprintf(stderr, "pgbundle-installer: pki init needs the cluster's config: pki init "
			"%s --config FILE\n", dir);
		return 2;
	}
	roles = util_path_join(dir, "credentials");
	other = util_path_join(dir, "secrets");
	inst_secrets_init(&sec, roles, other);
	sec.may_generate = 1;
	rc = inst_inventory_addrs(o->config, &addrs, &err);
	if (rc == 0)
		rc = util_mkdir_p(dir, 0700, &err);
	if (rc == 0)
		rc = inst_creds_load(&sec.roles, roles, &err) < 0 ||
		     inst_creds_load(&sec.other, other, &err) < 0 ? -1 : 0;
	if (rc == 0)
		rc = ca(dir, &cap, &ca_made, &err);
	for (size_t i = 0; rc == 0 && i < addrs.n; i++) {
		struct strlist one = STRLIST_INIT;
		struct inst_config c;
		int made = 0;

		strlist_add(&one, addrs.v[i]);
		rc = inst_config_load_as(&c, o->config, o->bundle, &one, &err);
		if (rc == 0)
			rc = host_cert(dir, &cap, &c, &made, &err);
		if (rc == 0)
			rc = secrets(&sec, &c, &made_secrets, &err);
		certs += made;
		kept += !made;
		inst_config_free(&c);
		strlist_free(&one);
	}
	if (rc == 0)
		printf("%s: %s CA, %d certificate%s made, %d kept, %d secret%s made.\n"
		       "Copy %s to every node WITHOUT ca.key (keep that one here, for the next "
		       "pki init), then on each node:\n    NAME.run install --config %s --pki %s\n",
		       dir, ca_made ? "a new" : "the existing", certs, certs == 1 ? "" : "s", kept,
		       made_secrets, made_secrets == 1 ? "" : "s", dir, o->config, dir);
	inst_pki_pair_free(&cap);
	inst_secrets_free(&sec);
	strlist_free(&addrs);
	free(roles);
	free(other);
	return rc == 0 ? 0 : inst_print_error(&err);
}
