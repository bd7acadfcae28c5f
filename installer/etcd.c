/*
 * etcd.c - the etcd cluster Patroni keeps its state in.
 *
 * On hosts with etcd_seq: the package's etcd unit (Debian's etcd-server,
 * PGDG's etcd), made Type=simple by a drop-in
 * (/etc/systemd/system/etcd.service.d/pgbundle.conf) and configured by
 * ETCD_* variables where the unit takes them (settings_file below), data in
 * etcd_data (/data/etcd), member name etcd_cluster-etcd_seq.  Clients and
 * peers speak TLS only, with mutual authentication by the cluster's CA
 * (client-cert-auth): a client without a certificate the CA signed gets
 * nothing.  The v2 API is off.
 *
 * Forming the cluster needs no coordination of ours: every member starts
 * with the same initial cluster (the inventory's etcd hosts) and etcd
 * elects a leader once a majority is up.  A member whose data directory is
 * empty first asks the others (those that answer) for the member list: if
 * the cluster exists without it (a member removed by `uninstall --purge`
 * and installed again, or one added later), it is added with `etcdctl
 * member add` and starts as "existing"; otherwise as "new".  A member of
 * the initial cluster that never started is removed after a while by the
 * members that run (all_started below), so that nodes installed one after
 * the other come up; it joins later the same way.
 *
 * install waits until the local member is healthy (a majority answers),
 * saying how many members answer and which are missing, at most --wait
 * seconds (INST_WAIT_DEFAULT); the unit is Type=simple, so a member waiting
 * for its peers neither holds up the host's boot nor times out, and keeps
 * waiting after install gives up: the next run picks up from there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "module.h"
#include "ops.h"

#define UNIT "etcd"
#define PKI "/etc/etcd/pki"
#define ASIDE "pgbundle-disabled"	/* under the env file's directory: the packaged one */

/*
 * Where the ETCD_* settings go.  Debian's unit reads /etc/default/etcd,
 * which sets nothing, so the drop-in's Environment= lines are all there is.
 * PGDG's unit has EnvironmentFile=-/etc/etcd/etcd.conf, which sets ETCD_NAME,
 * ETCD_DATA_DIR, plain-HTTP client URLs and the v2 API, and an
 * EnvironmentFile's values override every Environment= line: there the
 * settings go into that file itself.  Resetting EnvironmentFile= in the
 * drop-in would also win, but a unit that hands the file's values to etcd
 * as flags (Fedora's etcd.service: --name="${ETCD_NAME}") would then start
 * it with empty ones; the file works whatever the unit does with it, is
 * what an admin reads, and a package update keeps it (%config(noreplace):
 * the update's copy goes to .rpmnew).  The packaged file is moved aside
 * once (aside.c, ASIDE beside it) and put back by uninstall --purge, so rpm
 * removes it as it installed it.  Malloc'd path, or NULL for the drop-in.
 */
static char *env_file(const struct inst_config *cfg)
{
	const char *f = inst_ha_layout(cfg->family)->etcd_env;

	return f ? xstrdup(f) : NULL;
}

static int etcd_enabled(const struct inst_config *cfg)
{
	return inst_config_has_module(cfg, "etcd") && cfg->etcd_seq > 0;
}

static const struct inst_member *self_member(const struct inst_config *cfg)
{
	for (size_t i = 0; i < cfg->n_etcd_members; i++)
		if (cfg->etcd_members[i].self)
			return &cfg->etcd_members[i];
	return NULL;
}

static char *url(const char *addr, int port)
{
	return xasprintf(strchr(addr, ':') ? "https://[%s]:%d" : "https://%s:%d", addr, port);
}

/* "https://a:2379,https://b:2379": every member's client URL. */
char *inst_etcd_endpoints(const struct inst_config *cfg)
{
	struct sbuf b = SBUF_INIT;

	for (size_t i = 0; i < cfg->n_etcd_members; i++) {
		char *u = url(cfg->etcd_members[i].addr, cfg->etcd_members[i].etcd_port);

		sbuf_addf(&b, "%s%s", i ? "," : "", u);
		free(u);
	}
	return sbuf_detach(&b, NULL);
}

/*
 * etcdctl (API v3, which 3.3's etcdctl does not default to) against
 * endpoints, authenticated by this node's certificate.  Output in out.
 */
int inst_etcdctl(const char *endpoints, const char *const *args, struct sbuf *out,
		 struct pgb_err *err)
{
	return inst_etcdctl_pki(PKI, endpoints, args, out, err);
}

int inst_etcdctl_pki(const char *pki, const char *endpoints, const char *const *args,
		     struct sbuf *out, struct pgb_err *err)
{
	struct strlist a = STRLIST_INIT;
	char *ep = xasprintf("--endpoints=%s", endpoints);
	int st;

	strlist_add(&a, "env");
	strlist_add(&a, "ETCDCTL_API=3");
	strlist_add(&a, "etcdctl");
	strlist_add_owned(&a, ep);
	strlist_add_owned(&a, xasprintf("--cacert=%s/ca.crt", pki));
	strlist_add_owned(&a, xasprintf("--cert=%s/node.crt", pki));
	strlist_add_owned(&a, xasprintf("--key=%s/node.key", pki));
	strlist_add(&a, "--dial-timeout=2s");
	strlist_add(&a, "--command-timeout=4s");
	for (size_t i = 0; args[i]; i++)
		strlist_add(&a, args[i]);
	strlist_add_owned(&a, NULL);
	st = inst_run((const char *const *)a.v, out, err);
	strlist_free(&a);
	return st;
}

/* --- the member list: "ID, status, name, peer, client[, learner]" lines --- */

size_t inst_etcd_parse_members(const char *text, struct inst_etcd_member *m, size_t max)
{
	size_t n = 0;

	for (const char *p = text; p && *p && n < max; p = strchr(p, '\n') ? strchr(p, '\n') + 1 :
							       NULL) {
		char line[1024], *f[6] = { NULL }, *save = NULL, *tok;
		int k = 0;

		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		for (tok = strtok_r(line, ",", &save); tok && k < 6;
		     tok = strtok_r(NULL, ",", &save))
			f[k++] = tok + strspn(tok, " ");
		if (k < 5 || strlen(f[0]) < 8 || strspn(f[0], "0123456789abcdef") != strlen(f[0]))
			continue;
		snprintf(m[n].id, sizeof(m[n].id), "%s", f[0]);
		snprintf(m[n].status, sizeof(m[n].status), "%s", f[1]);
		snprintf(m[n].name, sizeof(m[n].name), "%s", f[2]);
		snprintf(m[n].peer, sizeof(m[n].peer), "%s", f[3]);
		snprintf(m[n].client, sizeof(m[n].client), "%s", f[4]);
		m[n].learner = k > 5 && strncmp(f[5], "true", 4) == 0;
		n++;
	}
	return n;
}

/* The members the cluster knows, asked of the other members; 0 when none answers. */
static size_t live_members(const struct inst_config *cfg, struct inst_etcd_member *m, size_t max)
{
	static const char *const args[] = { "member", "list", NULL };
	struct sbuf others = SBUF_INIT, out = SBUF_INIT;
	struct pgb_err ignored;
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_etcd_members; i++) {
		char *u;

		if (cfg->etcd_members[i].self)
			continue;
		u = url(cfg->etcd_members[i].addr, cfg->etcd_members[i].etcd_port);
		sbuf_addf(&others, "%s%s", others.len ? "," : "", u);
		free(u);
	}
	if (others.len && inst_etcdctl(others.buf, args, &out, &ignored) == 0 && out.buf)
		n = inst_etcd_parse_members(out.buf, m, max);
	sbuf_free(&others);
	sbuf_free(&out);
	return n;
}

/* --- configuration --- */

struct etcd_plan {
	const char *state;		/* new or existing */
	struct sbuf initial;		/* ETCD_INITIAL_CLUSTER */
	int add;			/* member add first */
	char *kept_state;		/* the drop-in's, when the data exists */
};

static int data_exists(const struct inst_config *cfg)
{
	char *member = util_path_join(cfg->etcd_data, "member");
	int yes = util_exists(member);

	free(member);
	return yes;
}

static void initial_from_config(const struct inst_config *cfg, struct sbuf *b)
{
	for (size_t i = 0; i < cfg->n_etcd_members; i++) {
		char *u = url(cfg->etcd_members[i].addr, cfg->etcd_members[i].etcd_peer_port);

		sbuf_addf(b, "%s%s=%s", i ? "," : "", cfg->etcd_members[i].name, u);
		free(u);
	}
}

/*
 * Once the data exists etcd ignores ETCD_INITIAL_*: keep what the settings
 * say (a member that joined says "existing"), so a later run does not
 * rewrite them and restart etcd for nothing.  0 when there are none.
 * Either form: Environment="KEY=VALUE" (drop-in), KEY="VALUE" (env file).
 */
static int initial_from_settings(const struct inst_config *cfg, struct etcd_plan *p,
				 char **state)
{
	char *env = env_file(cfg);
	char *path = env ? env : inst_dropin_path(UNIT, "pgbundle"), *text = NULL;
	const char *keys[] = { "ETCD_INITIAL_CLUSTER=", "ETCD_INITIAL_CLUSTER_STATE=" };
	struct pgb_err ignored;
	size_t len;
	int found = 0;

	if (util_exists(path) && util_read_file(path, &text, &len, &ignored) == 0)
		for (int k = 0; k < 2; k++) {
			const char *v = strstr(text, keys[k]);

			if (!v)
				continue;
			v += strlen(keys[k]);
			v += *v == '"';
			found++;
			if (k == 0)
				sbuf_add(&p->initial, v, strcspn(v, "\"\n"));
			else
				*state = xstrndup(v, strcspn(v, "\"\n"));
		}
	free(text);
	free(path);
	return found == 2;
}

/* The configured member whose peer URL is peer, or NULL. */
static const struct inst_member *by_peer(const struct inst_config *cfg, const char *peer)
{
	for (size_t i = 0; i < cfg->n_etcd_members; i++) {
		char *u = url(cfg->etcd_members[i].addr, cfg->etcd_members[i].etcd_peer_port);
		int same = strcmp(u, peer) == 0;

		free(u);
		if (same)
			return &cfg->etcd_members[i];
	}
	return NULL;
}

/*
 * New cluster, or join the one that exists (see the top of the file): the
 * initial members all start "new" with the configured initial cluster,
 * even when a peer that started a moment earlier already answers; a member
 * the running cluster does not list is added first and starts "existing"
 * with the cluster as it is.
 */
static void plan(const struct inst_config *cfg, const struct inst_member *self,
		 struct etcd_plan *p)
{
	struct inst_etcd_member m[32];
	char *peer = url(self->addr, self->etcd_peer_port);
	size_t n = data_exists(cfg) ? 0 : live_members(cfg, m, 32);
	int listed = 0, as_configured = 1;

	p->state = "new";
	p->add = 0;
	if (data_exists(cfg) && initial_from_settings(cfg, p, &p->kept_state)) {
		p->state = p->kept_state;
		free(peer);
		return;
	}
	sbuf_reset(&p->initial);
	for (size_t i = 0; i < n; i++) {
		listed |= strcmp(m[i].peer, peer) == 0;
		as_configured &= by_peer(cfg, m[i].peer) != NULL;
	}
	if (n == 0 || (listed && as_configured && n == cfg->n_etcd_members)) {
		initial_from_config(cfg, &p->initial);
		free(peer);
		return;
	}
	p->state = "existing";
	for (size_t i = 0; i < n; i++) {
		const struct inst_member *c = by_peer(cfg, m[i].peer);
		const char *name = *m[i].name ? m[i].name : c ? c->name : self->name;

		sbuf_addf(&p->initial, "%s%s=%s", i ? "," : "", name, m[i].peer);
	}
	if (!listed) {
		p->add = 1;
		sbuf_addf(&p->initial, ",%s=%s", self->name, peer);
	}
	free(peer);
}

static void env(struct inst_pgconf *s, const char *key, const char *value)
{
	inst_pgconf_set(s, key, value);
}

/* Every ETCD_* setting of this member, in order. */
static void settings(const struct inst_config *cfg, const struct inst_member *self,
		     const struct etcd_plan *p, struct inst_pgconf *s)
{
	char *client = url(self->addr, self->etcd_port), *peer = url(self->addr,
								       self->etcd_peer_port);
	char *listen = strcmp(self->addr, "127.0.0.1") ?
		xasprintf("%s,https://127.0.0.1:%d", client, self->etcd_port) : xstrdup(client);
	char num[32];

	env(s, "ETCD_NAME", self->name);
	env(s, "ETCD_DATA_DIR", cfg->etcd_data);
	env(s, "ETCD_LISTEN_CLIENT_URLS", listen);
	env(s, "ETCD_ADVERTISE_CLIENT_URLS", client);
	env(s, "ETCD_LISTEN_PEER_URLS", peer);
	env(s, "ETCD_INITIAL_ADVERTISE_PEER_URLS", peer);
	env(s, "ETCD_INITIAL_CLUSTER", p->initial.buf ? p->initial.buf : "");
	env(s, "ETCD_INITIAL_CLUSTER_STATE", p->state);
	env(s, "ETCD_INITIAL_CLUSTER_TOKEN", cfg->etcd_cluster);
	env(s, "ETCD_CERT_FILE", PKI "/node.crt");
	env(s, "ETCD_KEY_FILE", PKI "/node.key");
	env(s, "ETCD_TRUSTED_CA_FILE", PKI "/ca.crt");
	env(s, "ETCD_CLIENT_CERT_AUTH", "true");
	env(s, "ETCD_PEER_CERT_FILE", PKI "/node.crt");
	env(s, "ETCD_PEER_KEY_FILE", PKI "/node.key");
	env(s, "ETCD_PEER_TRUSTED_CA_FILE", PKI "/ca.crt");
	env(s, "ETCD_PEER_CLIENT_CERT_AUTH", "true");
	env(s, "ETCD_ENABLE_V2", "false");
	env(s, "ETCD_AUTO_COMPACTION_MODE", "periodic");
	env(s, "ETCD_AUTO_COMPACTION_RETENTION", "1");
	snprintf(num, sizeof(num), "%d", cfg->etcd_election_timeout);
	env(s, "ETCD_ELECTION_TIMEOUT", num);
	snprintf(num, sizeof(num), "%d", cfg->etcd_heartbeat_interval);
	env(s, "ETCD_HEARTBEAT_INTERVAL", num);
	free(client);
	free(peer);
	free(listen);
}

/* Where aside.c keeps the package's file: DIR/ASIDE/NAME; *dir gets DIR. */
static char *aside_path(const char *file, char **dir)
{
	*dir = xstrdup(file);
	*strrchr(*dir, '/') = '\0';
	return xasprintf("%s/" ASIDE "/%s", *dir, strrchr(file, '/') + 1);
}

/* The package's env file moved aside, once: what is there later is ours. */
static int aside_packaged(struct inst_ctx *ctx, const char *file, struct pgb_err *err)
{
	struct strlist one = STRLIST_INIT;
	char *dir, *stored = aside_path(file, &dir);
	int rc = 0;

	if (util_exists(file) && !util_exists(stored)) {
		strlist_add(&one, strrchr(file, '/') + 1);
		rc = inst_aside_move(ctx, dir, ASIDE, &one, err);
	}
	strlist_free(&one);
	free(stored);
	free(dir);
	return rc;
}

/* The env file: KEY="VALUE" lines (systemd's EnvironmentFile syntax, as
 * the packaged file writes them; no value here holds a quote). */
static int write_env_file(struct inst_ctx *ctx, const char *file, const struct inst_pgconf *s,
			  int *changed, struct pgb_err *err)
{
	struct sbuf b = SBUF_INIT;
	int c = 0, rc = aside_packaged(ctx, file, err);

	sbuf_adds(&b, "# Written by pgbundle-installer (etcd's settings, read by etcd.service);\n"
		  "# edits are overwritten.  The package's file is in " ASIDE "/.\n");
	for (size_t i = 0; i < s->n; i++)
		sbuf_addf(&b, "%s=\"%s\"\n", s->v[i].key, s->v[i].value);
	if (rc == 0)
		rc = inst_pg_write_file(ctx, file, b.buf, 0644, NULL, "etcd's settings", &c, NULL,
					err);
	*changed |= c;
	sbuf_free(&b);
	return rc;
}

/* The settings where the unit takes them (env_file), and the drop-in. */
static int write_settings(struct inst_ctx *ctx, const struct inst_config *cfg,
			  const struct inst_pgconf *s, int *changed, struct pgb_err *err)
{
	struct strlist lines = STRLIST_INIT;
	char *file = env_file(cfg);
	int c = 0, rc = 0;

	if (file)
		rc = write_env_file(ctx, file, s, changed, err);
	for (size_t i = 0; !file && i < s->n; i++)
		strlist_add_owned(&lines, xasprintf("Environment=\"%s=%s\"", s->v[i].key,
						    s->v[i].value));
	/* Waiting for peers is normal: a member without its quorum must neither
	 * hold up the host's boot (Type=notify would, until the peers come) nor
	 * be killed by a start timeout; install polls its health instead. */
	strlist_add(&lines, "Type=simple");
	if (rc == 0)
		rc = inst_unit_dropin(ctx, UNIT, "pgbundle", &lines, &c, err);
	*changed |= c;
	strlist_free(&lines);
	free(file);
	return rc;
}


/* This node's certificate, key and the CA, owned by etcd. */
static int certs(struct inst_ctx *ctx, int *changed, struct pgb_err *err)
{
	static const struct {
		const char *from, *to, *what;
		mode_t mode;
	} f[] = {
		{ INST_PKI_DIR "/ca.crt", PKI "/ca.crt", "etcd's CA", 0644 },
		{ INST_PKI_DIR "/node.crt", PKI "/node.crt", "etcd's certificate", 0644 },
		{ INST_PKI_DIR "/node.key", PKI "/node.key", "etcd's key", 0600 },
	};
	int rc = ctx->dry_run ? 0 : util_mkdir_p(PKI, 0755, err);

	for (size_t i = 0; rc == 0 && i < sizeof(f) / sizeof(f[0]); i++) {
		char *text = NULL;
		size_t len;
		int c = 0;

		if (ctx->dry_run && !util_exists(f[i].from))
			continue;
		rc = util_read_file(f[i].from, &text, &len, err);
		if (rc == 0)
			rc = inst_pg_write_file(ctx, f[i].to, text, f[i].mode, "etcd", f[i].what,
						&c, NULL, err);
		*changed |= c;
		free(text);
	}
	return rc;
}

static int data_dir(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	uid_t uid;
	gid_t gid;

	if (util_exists(cfg->etcd_data))
		return 0;
	inst_pg_change(ctx, "create etcd's data directory %s", cfg->etcd_data);
	if (ctx->dry_run)
		return 0;
	{
		/* the parents (/data) must stay traversable for etcd */
		char *parent = xstrdup(cfg->etcd_data);
		int rc;

		*strrchr(parent, '/') = '\0';
		rc = inst_local_user("etcd", &uid, &gid, NULL, err) < 0 ||
		     (*parent && util_mkdir_p(parent, 0755, err) < 0) ? -1 : 0;
		free(parent);
		if (rc < 0)
			return -1;
	}
	if (mkdir(cfg->etcd_data, 0700) < 0 || chown(cfg->etcd_data, uid, gid) < 0)
		return pgb_failsys(err, "cannot make %s for user etcd", cfg->etcd_data);
	return 0;
}

static int member_add(struct inst_ctx *ctx, const struct inst_config *cfg,
		      const struct inst_member *self, struct pgb_err *err)
{
	char *peer = url(self->addr, self->etcd_peer_port), *arg = xasprintf("--peer-urls=%s",
									    peer);
	const char *args[] = { "member", "add", self->name, arg, NULL };
	char *eps = inst_etcd_endpoints(cfg);
	struct sbuf out = SBUF_INIT;
	int st = 0;

	inst_pg_change(ctx, "add %s to etcd cluster %s (it exists without this member)",
		       self->name, cfg->etcd_cluster);
	if (!ctx->dry_run)
		st = inst_etcdctl(eps, args, &out, err);
	if (st > 0)
		pgb_fail(err, "etcdctl member add %s failed (status %d): %.800s", self->name, st,
			 out.buf ? out.buf : "");
	free(peer);
	free(arg);
	free(eps);
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

/* --- waiting for a healthy member --- */

struct etcd_wait {
	const struct inst_config *cfg;
	const struct inst_member *self;
};

static int healthy(const struct inst_member *self)
{
	static const char *const args[] = { "endpoint", "health", NULL };
	char *u = url(self->addr, self->etcd_port);
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	int ok = inst_etcdctl(u, args, &out, &ignored) == 0 && out.buf &&
		 strstr(out.buf, "is healthy");

	free(u);
	sbuf_free(&out);
	return ok;
}

static int quorum_ready(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct etcd_wait *w = arg;
	struct sbuf missing = SBUF_INIT;
	size_t up = 0, n = w->cfg->n_etcd_members;

	if (healthy(w->self))
		return 1;
	if (inst_unit_failed(UNIT))
		return pgb_fail(err, "etcd failed to start: see `journalctl -u etcd` on this host");
	for (size_t i = 0; i < n; i++) {
		const struct inst_member *m = &w->cfg->etcd_members[i];

		if (inst_tcp_open(m->addr, m->etcd_peer_port, 300))
			up++;
		else
			sbuf_addf(&missing, "%s%s (%s)", missing.len ? ", " : "", m->name, m->addr);
	}
	sbuf_addf(why, "waiting for etcd quorum: %zu of %zu members up, %zu needed", up, n,
		  n / 2 + 1);
	if (missing.len)
		sbuf_addf(why, "; not up yet: %s (install them too)", missing.buf);
	sbuf_free(&missing);
	return 0;
}

/*
 * Members that never started.  etcd raises the cluster version only when
 * every member has reported its own (etcd's monitorVersions); until then it
 * stays 3.0, and Patroni's etcd3 client then speaks /v3alpha, which etcd
 * 3.4 and later no longer serve (patroni/patroni#3279): a majority is up,
 * yet Patroni cannot work.  That is the state of nodes installed one after
 * the other, where the last one is installed only once the others serve.
 * So a member listed but never started is waited for UNSTARTED_GRACE_S,
 * then removed from the member list, when its peer port stays closed at two
 * looks UNSTARTED_RECHECK_S apart (a member starting right now opens it
 * within a second of its install reading the list).  Its own install later
 * finds the cluster without it and joins with `member add` (plan above).
 */
#define UNSTARTED_GRACE_S 60
#define UNSTARTED_RECHECK_S 5

struct etcd_unstarted {
	struct inst_ctx *ctx;
	const struct inst_config *cfg;
	const struct inst_member *self;
	double since;			/* first seen with unstarted members; 0: not yet */
	double closed_at;		/* peer ports first seen closed after the grace */
};

/* The members listed that never started: their names to names,
 * their IDs to ids (space-separated); their count. */
static size_t unstarted(struct etcd_unstarted *u, struct sbuf *names, struct sbuf *ids,
			int *ports_open)
{
	static const char *const args[] = { "member", "list", NULL };
	struct inst_etcd_member m[32];
	char *ep = url(u->self->addr, u->self->etcd_port);
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	size_t n = 0, k = 0;

	if (inst_etcdctl(ep, args, &out, &ignored) == 0 && out.buf)
		n = inst_etcd_parse_members(out.buf, m, 32);
	*ports_open = 0;
	for (size_t i = 0; i < n; i++) {
		const struct inst_member *c = by_peer(u->cfg, m[i].peer);

		/* A member of the initial cluster is listed with its name from
		 * the start; one that never ran has published no client URL. */
		if (*m[i].client || m[i].learner)
			continue;
		sbuf_addf(names, "%s%s (%s)", k ? ", " : "", c ? c->name : m[i].peer,
			  c ? c->addr : "not in the config");
		sbuf_addf(ids, "%s%s", k ? " " : "", m[i].id);
		if (c && inst_tcp_open(c->addr, c->etcd_peer_port, 300))
			*ports_open = 1;
		k++;
	}
	free(ep);
	sbuf_free(&out);
	return k;
}

/* etcdctl member remove id, asked of eps; with gone_ok, a member another
 * install removed a moment ago counts as removed. */
static int remove_id(const char *eps, const char *id, int gone_ok, struct pgb_err *err)
{
	const char *args[] = { "member", "remove", id, NULL };
	struct sbuf out = SBUF_INIT;
	int st = inst_etcdctl(eps, args, &out, err), rc = 0;

	if (st > 0 && !(gone_ok && out.buf && strstr(out.buf, "member not found")))
		rc = pgb_fail(err, "etcdctl member remove %s failed (status %d): %.800s", id, st,
			      out.buf ? out.buf : "");
	else if (st < 0)
		rc = -1;
	sbuf_free(&out);
	return rc;
}

static int remove_unstarted(struct inst_ctx *ctx, const struct etcd_unstarted *u,
			    const char *names, const char *ids, struct pgb_err *err)
{
	char *eps = inst_etcd_endpoints(u->cfg), *list = xstrdup(ids), *save = NULL;
	int rc = 0;

	inst_pg_change(ctx, "remove %s from etcd cluster %s: never started in %d s; it joins "
		       "with `etcdctl member add` when it is installed", names,
		       u->cfg->etcd_cluster, UNSTARTED_GRACE_S);
	for (char *id = strtok_r(list, " ", &save); rc == 0 && id; id = strtok_r(NULL, " ", &save))
		rc = remove_id(eps, id, 1, err);
	free(eps);
	free(list);
	return rc;
}

static int all_started(void *arg, struct sbuf *why, struct pgb_err *err)
{
	struct etcd_unstarted *u = arg;
	struct sbuf names = SBUF_INIT, ids = SBUF_INIT;
	double now = inst_now();
	int open, rc = 0;

	if (unstarted(u, &names, &ids, &open) == 0) {
		rc = 1;
	} else if (!u->since) {
		u->since = now;
	} else if (now - u->since >= UNSTARTED_GRACE_S && !open) {
		if (!u->closed_at)
			u->closed_at = now;
		else if (now - u->closed_at >= UNSTARTED_RECHECK_S)
			rc = remove_unstarted(u->ctx, u, names.buf, ids.buf, err) < 0 ? -1 : 1;
	} else {
		u->closed_at = 0;
	}
	if (rc == 0)
		sbuf_addf(why, "waiting for etcd member %s to start: until every member has "
			  "started, etcd keeps the cluster version at 3.0, which Patroni cannot "
			  "use; removed from the member list after %d s", names.buf,
			  UNSTARTED_GRACE_S);
	sbuf_free(&names);
	sbuf_free(&ids);
	return rc;
}

static int start(struct inst_ctx *ctx, int changed, struct pgb_err *err)
{
	const char *argv[] = { "systemctl", "start", "--no-block", UNIT, NULL };
	const char *active[] = { "systemctl", "is-active", UNIT, NULL };
	struct sbuf out = SBUF_INIT;
	struct pgb_err ignored;
	int st, running;

	if (inst_pg_unit_enable(ctx, UNIT, err) < 0)
		return -1;
	inst_run(active, &out, &ignored);
	running = out.buf && (strncmp(out.buf, "active", 6) == 0 ||
			      strncmp(out.buf, "activating", 10) == 0);
	sbuf_free(&out);
	if (ctx->no_start)
		return 0;
	if (running && !changed)
		return 0;
	inst_pg_change(ctx, "%s etcd", running ? "restart" : "start");
	if (ctx->dry_run)
		return 0;
	if (running && inst_pg_systemctl("stop", UNIT, err) < 0)
		return -1;
	st = inst_run(argv, &out, err);
	if (st > 0)
		pgb_fail(err, "systemctl start etcd failed (status %d): %.500s", st,
			 out.buf ? out.buf : "");
	sbuf_free(&out);
	return st == 0 ? 0 : -1;
}

static int etcd_prepare(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	const struct inst_member *self = self_member(cfg);
	struct etcd_plan p = { "new", SBUF_INIT, 0, NULL };
	struct inst_pgconf s = { 0 };
	char *file = env_file(cfg);
	int changed = 0, rc;

	/* In place before Debian's package starts etcd, so that it never runs
	 * with the package's defaults (a stray one-member cluster on
	 * localhost).  rpm starts nothing, and an env file written before the
	 * package would send the packaged one to .rpmnew: apply writes it. */
	if (!self || file || util_exists("/usr/bin/etcd")) {
		free(file);
		return 0;
	}
	initial_from_config(cfg, &p.initial);
	settings(cfg, self, &p, &s);
	rc = write_settings(ctx, cfg, &s, &changed, err);
	inst_pgconf_free(&s);
	sbuf_free(&p.initial);
	return rc;
}

static int etcd_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	const struct inst_member *self = self_member(cfg);
	struct etcd_plan p = { "new", SBUF_INIT, 0, NULL };
	struct inst_pgconf s = { 0 };
	struct etcd_wait w = { cfg, self };
	struct etcd_unstarted u = { ctx, cfg, self, 0, 0 };
	int changed = 0, rc;

	if (!self)
		return 0;
	inst_log_step(ctx->log, "etcd: member %s of %s (%zu members), data in %s", self->name,
		      cfg->etcd_cluster, cfg->n_etcd_members, cfg->etcd_data);
	rc = certs(ctx, &changed, err);
	if (rc == 0)
		rc = data_dir(ctx, cfg, err);
	if (rc == 0) {
		plan(cfg, self, &p);
		if (p.add)
			rc = member_add(ctx, cfg, self, err);
	}
	if (rc == 0) {
		settings(cfg, self, &p, &s);
		rc = write_settings(ctx, cfg, &s, &changed, err);
	}
	if (rc == 0)
		rc = start(ctx, changed, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = inst_wait(ctx, ctx->wait_s, 500, quorum_ready, &w, err);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		inst_log_info(ctx->log, "etcd member %s is healthy", self->name);
	if (rc == 0 && !ctx->dry_run && !ctx->no_start)
		rc = inst_wait(ctx, ctx->wait_s, 1000, all_started, &u, err);
	inst_pgconf_free(&s);
	sbuf_free(&p.initial);
	free(p.kept_state);
	return rc;
}

/* --- status --- */

static int etcd_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
		       struct pgb_err *err)
{
	static const char *const args[] = { "member", "list", NULL };
	const struct inst_member *self = self_member(cfg);
	struct inst_etcd_member m[32];
	struct sbuf text = SBUF_INIT;
	char *eps = inst_etcd_endpoints(cfg);
	struct pgb_err ignored;
	json_t *members = json_array();
	size_t n = 0;
	int ok = self && healthy(self);

	(void)ctx;
	(void)err;
	if (inst_etcdctl(eps, args, &text, &ignored) == 0 && text.buf)
		n = inst_etcd_parse_members(text.buf, m, 32);
	for (size_t i = 0; i < cfg->n_etcd_members; i++) {
		const struct inst_member *c = &cfg->etcd_members[i];
		const char *status = "not a member";

		for (size_t j = 0; j < n; j++)
			if (strcmp(m[j].name, c->name) == 0)
				status = m[j].status;
		json_array_append_new(members, json_pack("{s:s, s:s, s:s, s:b}", "name", c->name,
							 "addr", c->addr, "status", status,
							 "up", inst_tcp_open(c->addr,
									     c->etcd_port, 300)));
	}
	json_object_set_new(out, "cluster", json_string(cfg->etcd_cluster));
	json_object_set_new(out, "member", json_string(self ? self->name : ""));
	json_object_set_new(out, "healthy", json_boolean(ok));
	json_object_set_new(out, "members", members);
	json_object_set_new(out, "ok", json_boolean(ok));
	free(eps);
	sbuf_free(&text);
	return 0;
}

/* --- uninstall --purge: leave the cluster, then remove everything --- */

static int member_remove(struct inst_ctx *ctx, const struct inst_config *cfg,
			 const struct inst_member *self, struct pgb_err *err)
{
	struct inst_etcd_member m[32];
	size_t n = live_members(cfg, m, 32);
	char *peer = url(self->addr, self->etcd_peer_port), *eps = inst_etcd_endpoints(cfg);
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (strcmp(m[i].peer, peer) != 0)
			continue;
		if (n == 1)
			break;	/* the last member: nothing to leave */
		inst_pg_change(ctx, "remove %s from etcd cluster %s", self->name,
			       cfg->etcd_cluster);
		if (ctx->dry_run)
			break;
		rc = remove_id(eps, m[i].id, 0, err);
	}
	free(peer);
	free(eps);
	return rc;
}

/* Our env file goes, the packaged one comes back (before rpm removes it). */
static int restore_packaged(struct inst_ctx *ctx, const struct inst_config *cfg,
			    struct pgb_err *err)
{
	char *file = env_file(cfg), *dir, *stored;
	int kept = 0, rc;

	if (!file)
		return 0;
	stored = aside_path(file, &dir);
	rc = inst_ops_remove(ctx, file, err);
	/* A dry run removed nothing: restore would see ours and keep it aside. */
	if (rc == 0 && ctx->dry_run && util_exists(stored))
		inst_pg_change(ctx, "restore %s (the package's)", file);
	else if (rc == 0 && !ctx->dry_run)
		rc = inst_aside_restore(ctx, dir, ASIDE, &kept, err);
	free(stored);
	free(dir);
	free(file);
	return rc;
}

static int etcd_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			  struct pgb_err *err)
{
	const struct inst_member *self = self_member(cfg);
	int rc = 0;

	if (!self)
		return 0;
	inst_log_step(ctx->log, "etcd: member %s leaves cluster %s", self->name, cfg->etcd_cluster);
	if (cfg->etcd_safeguard)
		return pgb_fail(err, "etcd_safeguard is true in %s: this etcd member is not "
				"removed; set it to false to purge it", cfg->path);
	if (data_exists(cfg))
		rc = member_remove(ctx, cfg, self, err);
	if (rc == 0 && inst_pg_unit_active(UNIT)) {
		inst_pg_change(ctx, "stop etcd");
		if (!ctx->dry_run)
			rc = inst_pg_systemctl("stop", UNIT, err);
	}
	if (rc == 0 && !ctx->dry_run)
		inst_pg_systemctl("disable", UNIT, err);
	if (rc == 0)
		rc = inst_ops_remove(ctx, cfg->etcd_data, err);
	if (rc == 0 && !ctx->dry_run) {
		char *parent = xstrdup(cfg->etcd_data);

		*strrchr(parent, '/') = '\0';
		if (*parent)
			rmdir(parent);	/* /data, when nothing else is there */
		free(parent);
	}
	if (rc == 0)
		rc = inst_ops_remove(ctx, PKI, err);
	if (rc == 0)
		rc = inst_ops_remove_dropin(ctx, UNIT, "pgbundle", err);
	if (rc == 0)
		rc = restore_packaged(ctx, cfg, err);
	return rc;
}

const struct inst_module inst_module_etcd = {
	.name = "etcd",
	.summary = "etcd, the DCS Patroni keeps its state in (TLS, mutual authentication)",
	.packages = "etcd",
	.enabled = etcd_enabled,
	.prepare = etcd_prepare,
	.apply = etcd_apply,
	.status = etcd_status,
	.uninstall = etcd_uninstall,
};
