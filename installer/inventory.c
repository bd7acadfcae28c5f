/*
 * inventory.c - the config as Pigsty's inventory, or as a flat file.
 *
 * Pigsty's layout (Ansible's YAML inventory):
 *
 *     all:
 *       children:
 *         GROUP:
 *           hosts: { ADDR: { host vars }, ... }
 *           vars:  { group vars }
 *       vars: { all vars }
 *
 * Each host's variables are, as Ansible resolves them: the all vars, then
 * the vars of every group it is in (in the order of the group names, later
 * ones winning), then its own host vars (host vars > group vars > all vars).
 * A file without `all` is a flat singleton config: its top-level keys are
 * the vars of one host, this one.
 *
 * Every host's variables are read (config.c) and checked, so a bad value in
 * another node's vars is refused here too, at its line, before this node
 * changes anything.  Then the checks across hosts, as Pigsty's own:
 * pg_seq unique in a PostgreSQL cluster, exactly one pg_role: primary, an
 * odd number of etcd members with unique etcd_seq, no port used twice on a
 * host.  This host is the one whose inventory address is one of its own
 * addresses (the interfaces of its network namespace): no name lookup, no
 * ssh.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_int.h"

/* One host of the inventory while it is read. */
struct ihost {
	const char *addr;
	const struct yamldoc_node *key;		/* where it is first named */
	struct strlist groups;			/* the groups it is in, file order */
	struct cvars vars;			/* effective */
	struct inst_config cfg;			/* loaded from vars */
	int is_pg, is_etcd;
};

struct igroup {
	const char *name;
	const struct yamldoc_node *key, *hosts, *vars;
};

struct inv {
	const struct yamldoc *d;
	const struct inst_bundle *b;
	const struct yamldoc_node *root, *all, *all_vars;
	struct igroup *groups;
	size_t n_groups;
	struct ihost *hosts;
	size_t n_hosts;
	struct strlist warnings;
};

/* --- variables --- */

static void cvars_put(struct cvars *s, const struct yamldoc_node *k, const struct yamldoc_node *v)
{
	const char *name = yamldoc_scalar(k);

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0) {
			s->v[i].key = k;
			s->v[i].val = v;
			return;
		}
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n].name = name;
	s->v[s->n].key = k;
	s->v[s->n++].val = v;
}

static void cvars_merge(const struct yamldoc *d, struct cvars *s, const struct yamldoc_node *map)
{
	for (size_t i = 0; map && i < yamldoc_len(map); i++)
		cvars_put(s, yamldoc_key(d, map, i), yamldoc_value(d, map, i));
}

static const struct cvar *find_var(const struct cvars *s, const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

const struct yamldoc_node *cvar(const struct cload *l, const char *name)
{
	const struct cvar *v = find_var(l->vars, name);

	return v && !yamldoc_is_null(v->val) ? v->val : NULL;
}

const struct yamldoc_node *cvar_key(const struct cload *l, const char *name)
{
	const struct cvar *v = find_var(l->vars, name);

	return v ? v->key : NULL;
}

void cload_warn(struct cload *l, const struct yamldoc_node *at, const char *fmt, ...)
{
	char *where = at ? yamldoc_node_where(l->d, at) : xstrdup(yamldoc_path(l->d));
	char *msg, *line;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	line = xasprintf("%s: %s", where, msg ? msg : fmt);
	if (!strlist_has(l->warnings, line))
		strlist_add_owned(l->warnings, line);
	else
		free(line);
	free(msg);
	free(where);
}

/* --- keys: declared, Pigsty's, or a mistake --- */

static int check_var_keys(struct inv *v, const struct yamldoc_node *map, int inventory,
			  struct pgb_err *err)
{
	struct cload l = { NULL, v->b, v->d, NULL, inventory, &v->warnings };

	for (size_t i = 0; map && i < yamldoc_len(map); i++) {
		const struct yamldoc_node *k = yamldoc_key(v->d, map, i);
		const char *name = yamldoc_scalar(k), *role, *near;
		const struct ck *ck = inst_cfg_key(name);

		if (ck && (ck->flags & CKF_FLAT) && inventory)
			return yamldoc_fail(v->d, k, err, "'%s' is a key of the flat singleton "
					    "config; in an inventory %s", name,
					    strcmp(name, "modules") == 0 ? "the modules follow the "
					    "groups a host is in (pg_cluster, etcd_seq) and the "
					    "*_enabled keys" : "it has no meaning");
		if (ck)
			continue;
		role = inst_cfg_pigsty_only(name);
		if (role) {
			cload_warn(&l, k, "'%s' (Pigsty's roles/%s) is not implemented by "
				   "pgbundle: ignored", name, role);
			continue;
		}
		near = inst_cfg_closest(name);
		return yamldoc_fail(v->d, k, err, "unknown key '%s' in the installer config%s%s%s "
				    "(`pgbundle-installer help config` lists the keys)", name,
				    near ? " (did you mean '" : "", near ? near : "",
				    near ? "'?)" : "");
	}
	return 0;
}

/* --- the layout --- */

static int ip_ok(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static struct ihost *host_of(struct inv *v, const char *addr)
{
	for (size_t i = 0; i < v->n_hosts; i++)
		if (strcmp(v->hosts[i].addr, addr) == 0)
			return &v->hosts[i];
	return NULL;
}

static int read_group_hosts(struct inv *v, struct igroup *g, struct pgb_err *err)
{
	char got[64];

	if (!g->hosts)
		return 0;
	if (!yamldoc_is_map(g->hosts))
		return yamldoc_fail(v->d, g->hosts, err, "group '%s': 'hosts' must be a mapping "
				    "of IP addresses to host vars, got %s", g->name,
				    yamldoc_got(g->hosts, got, sizeof(got)));
	for (size_t i = 0; i < yamldoc_len(g->hosts); i++) {
		const struct yamldoc_node *k = yamldoc_key(v->d, g->hosts, i);
		const struct yamldoc_node *hv = yamldoc_value(v->d, g->hosts, i);
		const char *addr = yamldoc_scalar(k);
		struct ihost *h;

		if (!ip_ok(addr))
			return yamldoc_fail(v->d, k, err, "group '%s': host '%.100s' is not an IP "
					    "address: pgbundle finds each node by its own "
					    "addresses, so the inventory names hosts by IP",
					    g->name, addr);
		if (!yamldoc_is_null(hv) && !yamldoc_is_map(hv))
			return yamldoc_fail(v->d, hv, err, "host %s: its vars must be a mapping "
					    "such as { pg_seq: 1, pg_role: primary }, got %s", addr,
					    yamldoc_got(hv, got, sizeof(got)));
		if (check_var_keys(v, yamldoc_is_map(hv) ? hv : NULL, 1, err) < 0)
			return -1;
		h = host_of(v, addr);
		if (!h) {
			v->hosts = xrealloc(v->hosts, (v->n_hosts + 1) * sizeof(*v->hosts));
			h = &v->hosts[v->n_hosts++];
			memset(h, 0, sizeof(*h));
			h->addr = addr;
			h->key = k;
		}
		strlist_add(&h->groups, g->name);
	}
	return 0;
}

static int read_group(struct inv *v, const struct yamldoc_node *k, const struct yamldoc_node *g,
		      struct pgb_err *err)
{
	static const char *const keys[] = { "hosts", "vars", "children", NULL };
	struct igroup *gr;
	char got[64];

	if (!yamldoc_is_map(g))
		return yamldoc_fail(v->d, g, err, "group '%s' must be a mapping with 'hosts' and "
				    "'vars', got %s", yamldoc_scalar(k),
				    yamldoc_got(g, got, sizeof(got)));
	if (yamldoc_check_keys(v->d, g, keys, "a group of the inventory", err) < 0)
		return -1;
	if (yamldoc_map_get(v->d, g, "children"))
		return yamldoc_fail(v->d, yamldoc_map_get(v->d, g, "children"), err, "group '%s': "
				    "nested groups are not supported: list the hosts in the "
				    "group itself, as Pigsty's templates do", yamldoc_scalar(k));
	v->groups = xrealloc(v->groups, (v->n_groups + 1) * sizeof(*v->groups));
	gr = &v->groups[v->n_groups++];
	gr->name = yamldoc_scalar(k);
	gr->key = k;
	gr->hosts = yamldoc_map_get(v->d, g, "hosts");
	gr->vars = yamldoc_map_get(v->d, g, "vars");
	if (gr->vars && yamldoc_is_null(gr->vars))
		gr->vars = NULL;
	if (gr->vars && !yamldoc_is_map(gr->vars))
		return yamldoc_fail(v->d, gr->vars, err, "group '%s': 'vars' must be a mapping, "
				    "got %s", gr->name, yamldoc_got(gr->vars, got, sizeof(got)));
	if (gr->hosts && yamldoc_is_null(gr->hosts))
		gr->hosts = NULL;
	return check_var_keys(v, gr->vars, 1, err) < 0 ? -1 : read_group_hosts(v, gr, err);
}

static int read_layout(struct inv *v, struct pgb_err *err)
{
	static const char *const all_keys[] = { "children", "vars", "hosts", NULL };
	const struct yamldoc_node *children;
	char got[64];

	if (!yamldoc_is_map(v->all))
		return yamldoc_fail(v->d, v->all, err, "'all' must be a mapping with 'children' "
				    "and 'vars' (Pigsty's inventory), got %s",
				    yamldoc_got(v->all, got, sizeof(got)));
	if (yamldoc_len(v->root) != 1)
		return yamldoc_fail(v->d, yamldoc_key(v->d, v->root, yamldoc_len(v->root) > 1 &&
					  v->all == yamldoc_value(v->d, v->root, 0) ? 1 : 0),
				    err, "an inventory has one top-level key, 'all'; put the "
				    "variables under all: vars:");
	if (yamldoc_check_keys(v->d, v->all, all_keys, "'all' of the inventory", err) < 0 ||
	    yamldoc_get_map(v->d, v->all, "vars", 0, &v->all_vars, err) < 0 ||
	    check_var_keys(v, v->all_vars, 1, err) < 0 ||
	    yamldoc_get_map(v->d, v->all, "children", YAMLDOC_REQUIRED, &children, err) < 0)
		return -1;
	if (yamldoc_map_get(v->d, v->all, "hosts")) {
		const struct yamldoc_node *k = NULL, *g = v->all;

		for (size_t i = 0; i < yamldoc_len(v->all); i++)
			if (strcmp(yamldoc_scalar(yamldoc_key(v->d, v->all, i)), "hosts") == 0)
				k = yamldoc_key(v->d, v->all, i);
		v->groups = xrealloc(v->groups, (v->n_groups + 1) * sizeof(*v->groups));
		v->groups[v->n_groups++] = (struct igroup){ "all", k,
			yamldoc_map_get(v->d, g, "hosts"), NULL };
		if (read_group_hosts(v, &v->groups[v->n_groups - 1], err) < 0)
			return -1;
	}
	for (size_t i = 0; i < yamldoc_len(children); i++)
		if (read_group(v, yamldoc_key(v->d, children, i),
			       yamldoc_value(v->d, children, i), err) < 0)
			return -1;
	if (!v->n_hosts)
		return yamldoc_fail(v->d, children, err, "the inventory names no host: list "
				    "each node under a group's 'hosts', by IP address");
	return 0;
}

/* The group vars of h in the order of the group names (Ansible's rule for
 * groups of one depth), then h's host vars in file order. */
static void host_vars(struct inv *v, struct ihost *h)
{
	struct strlist names = STRLIST_INIT;

	cvars_merge(v->d, &h->vars, v->all_vars);
	for (size_t i = 0; i < h->groups.n; i++)
		strlist_add(&names, h->groups.v[i]);
	strlist_sort(&names);
	for (size_t i = 0; i < names.n; i++)
		for (size_t j = 0; j < v->n_groups; j++)
			if (strcmp(v->groups[j].name, names.v[i]) == 0)
				cvars_merge(v->d, &h->vars, v->groups[j].vars);
	for (size_t j = 0; j < v->n_groups; j++) {
		const struct yamldoc_node *hv = v->groups[j].hosts ?
			yamldoc_map_get(v->d, v->groups[j].hosts, h->addr) : NULL;

		if (hv && yamldoc_is_map(hv))
			cvars_merge(v->d, &h->vars, hv);
	}
	strlist_free(&names);
}

/* --- loading every host --- */

static int load_hosts(struct inv *v, const char *path, struct pgb_err *err)
{
	for (size_t i = 0; i < v->n_hosts; i++) {
		struct ihost *h = &v->hosts[i];
		struct cload l = { &h->cfg, v->b, v->d, &h->vars, 1, &v->warnings };
		struct cvar *cv;

		host_vars(v, h);
		h->cfg.path = xstrdup(path);
		h->cfg.self_addr = xstrdup(h->addr);
		h->cfg.inventory = 1;
		if (inst_cfg_load_host(&l, err) < 0)
			return -1;
		cv = (struct cvar *)find_var(&h->vars, "pg_cluster");
		h->is_pg = cv && !yamldoc_is_null(cv->val);
		cv = (struct cvar *)find_var(&h->vars, "etcd_seq");
		h->is_etcd = cv && !yamldoc_is_null(cv->val);
	}
	return 0;
}

/* A var of host h required by its membership. */
static int need_var(struct inv *v, struct ihost *h, const char *name, const char *why,
		    struct pgb_err *err)
{
	const struct cvar *cv = find_var(&h->vars, name);

	if (cv && !yamldoc_is_null(cv->val))
		return 0;
	return yamldoc_fail(v->d, h->key, err, "host %s is %s but has no '%s': give it in its "
			    "host vars, e.g. { %s }", h->addr, why, name,
			    strcmp(name, "pg_seq") == 0 ? "pg_seq: 1, pg_role: primary" :
			    strcmp(name, "pg_role") == 0 ? "pg_seq: 2, pg_role: replica" :
			    "etcd_seq: 1");
}

static const struct yamldoc_node *var_node(const struct ihost *h, const char *name)
{
	const struct cvar *cv = find_var(&h->vars, name);

	return cv ? cv->val : h->key;
}

static int check_pg_cluster(struct inv *v, struct ihost *h, struct pgb_err *err)
{
	const char *cl = h->cfg.pg_cluster;
	struct ihost *primary = NULL;

	for (size_t j = 0; j < v->n_hosts; j++) {
		struct ihost *o = &v->hosts[j];

		if (!o->is_pg || strcmp(o->cfg.pg_cluster, cl))
			continue;
		if (o < h && o->cfg.pg_seq == h->cfg.pg_seq)
			return yamldoc_fail(v->d, var_node(h, "pg_seq"), err, "pg_seq %d of host %s "
					    "is already host %s's in cluster %s: each instance of "
					    "a cluster needs its own pg_seq", h->cfg.pg_seq, h->addr,
					    o->addr, cl);
		if (strcmp(o->cfg.pg_role, "primary") == 0 && o <= h) {
			if (primary && o == h)
				return yamldoc_fail(v->d, var_node(h, "pg_role"), err, "host %s is a "
						    "second primary of cluster %s (host %s is one): "
						    "a cluster has exactly one pg_role: primary; "
						    "make the others replica", h->addr, cl,
						    primary->addr);
			primary = primary ? primary : o;
		}
	}
	return 0;
}

static int check_one_primary(struct inv *v, struct ihost *h, struct pgb_err *err)
{
	for (size_t j = 0; j < v->n_hosts; j++) {
		struct ihost *o = &v->hosts[j];

		if (o->is_pg && strcmp(o->cfg.pg_cluster, h->cfg.pg_cluster) == 0 &&
		    strcmp(o->cfg.pg_role, "primary") == 0)
			return 0;
	}
	return yamldoc_fail(v->d, h->key, err, "cluster %s has no pg_role: primary: give "
			    "exactly one of its hosts pg_role: primary (the instance that "
			    "initializes the cluster)", h->cfg.pg_cluster);
}

static int check_etcd(struct inv *v, struct ihost *h, struct pgb_err *err)
{
	size_t n = 0;

	for (size_t j = 0; j < v->n_hosts; j++) {
		struct ihost *o = &v->hosts[j];

		if (!o->is_etcd || strcmp(o->cfg.etcd_cluster, h->cfg.etcd_cluster))
			continue;
		n++;
		if (o < h && o->cfg.etcd_seq == h->cfg.etcd_seq)
			return yamldoc_fail(v->d, var_node(h, "etcd_seq"), err, "etcd_seq %d of "
					    "host %s is already host %s's in etcd cluster %s",
					    h->cfg.etcd_seq, h->addr, o->addr, h->cfg.etcd_cluster);
	}
	if (n % 2 == 0)
		return yamldoc_fail(v->d, var_node(h, "etcd_seq"), err, "etcd cluster %s has %zu "
				    "members: etcd needs an odd number (1, 3, 5) so that a "
				    "majority survives the loss of a member; add or remove one",
				    h->cfg.etcd_cluster, n);
	return 0;
}

/* Which etcd cluster a PostgreSQL host uses must exist. */
static int check_dcs(struct inv *v, struct ihost *h, struct pgb_err *err)
{
	for (size_t j = 0; j < v->n_hosts; j++)
		if (v->hosts[j].is_etcd &&
		    strcmp(v->hosts[j].cfg.etcd_cluster, h->cfg.etcd_cluster) == 0)
			return 0;
	if (!h->cfg.patroni_enabled)
		return 0;
	return yamldoc_fail(v->d, h->key, err, "host %s runs Patroni, which keeps its state in "
			    "etcd cluster '%s', but no host has etcd_seq in that cluster: add an "
			    "etcd group (hosts with etcd_seq: 1, 2, 3; vars: { etcd_cluster: %s })",
			    h->addr, h->cfg.etcd_cluster, h->cfg.etcd_cluster);
}

/* The TCP ports one host listens on must differ. */
struct port_use {
	const char *key;
	int port;
	const struct yamldoc_node *at;
};

static void port_add(struct port_use *u, size_t *n, const char *key, int port,
		     const struct yamldoc_node *at)
{
	u[(*n)++] = (struct port_use){ key, port, at };
}

static int check_ports(struct inv *v, struct ihost *h, struct pgb_err *err)
{
	const struct inst_config *c = &h->cfg;
	struct port_use *u = xcalloc(8 + c->n_pg_services, sizeof(*u));
	size_t n = 0;
	int rc = 0;

	if (h->is_pg) {
		port_add(u, &n, "pg_port", c->pg_port, var_node(h, "pg_port"));
		if (c->pgbouncer_enabled)
			port_add(u, &n, "pgbouncer_port", c->pgbouncer_port,
				 var_node(h, "pgbouncer_port"));
		if (c->patroni_enabled)
			port_add(u, &n, "patroni_port", c->patroni_port,
				 var_node(h, "patroni_port"));
		if (c->haproxy_enabled) {
			port_add(u, &n, "haproxy_exporter_port", c->haproxy_exporter_port,
				 var_node(h, "haproxy_exporter_port"));
			for (size_t i = 0; i < c->n_pg_services; i++)
				port_add(u, &n, c->pg_services[i].name, c->pg_services[i].port,
					 var_node(h, "pg_services"));
		}
	}
	if (h->is_etcd) {
		port_add(u, &n, "etcd_port", c->etcd_port, var_node(h, "etcd_port"));
		port_add(u, &n, "etcd_peer_port", c->etcd_peer_port, var_node(h, "etcd_peer_port"));
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t j = 0; rc == 0 && j < i; j++)
			if (u[i].port == u[j].port)
				rc = yamldoc_fail(v->d, u[i].at, err, "host %s: port %d of %s is "
						  "already %s's: every service of a host needs a "
						  "port of its own", h->addr, u[i].port, u[i].key,
						  u[j].key);
	free(u);
	return rc;
}

static int check_cluster(struct inv *v, struct pgb_err *err)
{
	for (size_t i = 0; i < v->n_hosts; i++) {
		struct ihost *h = &v->hosts[i];

		if (h->is_pg && (need_var(v, h, "pg_seq", "in PostgreSQL cluster (it has "
					  "pg_cluster)", err) < 0 ||
				 need_var(v, h, "pg_role", "in PostgreSQL cluster (it has "
					  "pg_cluster)", err) < 0 ||
				 check_pg_cluster(v, h, err) < 0 ||
				 check_one_primary(v, h, err) < 0 || check_dcs(v, h, err) < 0))
			return -1;
		if (h->is_etcd && check_etcd(v, h, err) < 0)
			return -1;
		if (check_ports(v, h, err) < 0)
			return -1;
	}
	return 0;
}

/* --- this host --- */

int inst_local_addresses(struct strlist *out, struct pgb_err *err)
{
	struct ifaddrs *ifa, *i;
	char buf[INET6_ADDRSTRLEN];

	if (getifaddrs(&ifa) < 0)
		return pgb_failsys(err, "cannot list this host's network addresses");
	for (i = ifa; i; i = i->ifa_next) {
		const void *a;

		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, a, buf, sizeof(buf)) &&
		    !strlist_has(out, buf))
			strlist_add(out, buf);
	}
	freeifaddrs(ifa);
	return 0;
}

static int find_self(struct inv *v, const struct strlist *addrs, struct ihost **self,
		     struct pgb_err *err)
{
	struct sbuf mine = SBUF_INIT;
	int rc = 0;

	*self = NULL;
	for (size_t i = 0; rc == 0 && i < v->n_hosts; i++) {
		if (!strlist_has(addrs, v->hosts[i].addr))
			continue;
		if (*self)
			rc = yamldoc_fail(v->d, v->hosts[i].key, err, "hosts %s and %s of the "
					  "inventory are both addresses of this host: one host, "
					  "one entry", (*self)->addr, v->hosts[i].addr);
		*self = &v->hosts[i];
	}
	if (rc == 0 && !*self) {
		for (size_t i = 0; i < addrs->n; i++)
			sbuf_addf(&mine, "%s%s", i ? ", " : "", addrs->v[i]);
		rc = pgb_fail(err, "%s: this host is not in the inventory: none of its addresses "
			      "(%s) is a host of any group; add it under the hosts of its "
			      "groups, or run the installer on a host the config names",
			      yamldoc_path(v->d), mine.buf ? mine.buf : "none");
	}
	sbuf_free(&mine);
	return rc;
}

static void member_of(struct inst_member *m, const struct ihost *h, int pg, const struct ihost *self)
{
	const struct inst_config *c = &h->cfg;

	memset(m, 0, sizeof(*m));
	m->addr = xstrdup(h->addr);
	m->nodename = xstrdup(c->nodename);
	if (pg) {
		m->name = xasprintf("%s-%d", c->pg_cluster, c->pg_seq);
		m->seq = c->pg_seq;
		m->role = xstrdup(c->pg_role);
	} else if (h->is_etcd) {
		m->name = xasprintf("%s-%d", c->etcd_cluster, c->etcd_seq);
		m->seq = c->etcd_seq;
	}
	m->offline_query = c->pg_offline_query;
	m->weight = c->pg_weight;
	m->pg_port = c->pg_port;
	m->pgbouncer_port = c->pgbouncer_port;
	m->patroni_port = c->patroni_port;
	m->etcd_port = c->etcd_port;
	m->etcd_peer_port = c->etcd_peer_port;
	m->self = h == self;
	m->infra = strlist_has(&h->groups, "infra");	/* Pigsty's groups['infra'] */
}

static int by_seq(const void *a, const void *b)
{
	return ((const struct inst_member *)a)->seq - ((const struct inst_member *)b)->seq;
}

/* Hand self's view of the cluster to its config. */
static void fill_cluster(struct inv *v, struct ihost *self, struct inst_config *c)
{
	c->hosts = xcalloc(v->n_hosts, sizeof(*c->hosts));
	c->pg_members = xcalloc(v->n_hosts, sizeof(*c->pg_members));
	c->etcd_members = xcalloc(v->n_hosts, sizeof(*c->etcd_members));
	for (size_t i = 0; i < v->n_hosts; i++) {
		const struct ihost *h = &v->hosts[i];

		member_of(&c->hosts[c->n_hosts++], h, h->is_pg, self);
		if (self->is_pg && h->is_pg && strcmp(h->cfg.pg_cluster, c->pg_cluster) == 0)
			member_of(&c->pg_members[c->n_pg_members++], h, 1, self);
		if (h->is_etcd && strcmp(h->cfg.etcd_cluster, c->etcd_cluster) == 0)
			member_of(&c->etcd_members[c->n_etcd_members++], h, 0, self);
	}
	qsort(c->pg_members, c->n_pg_members, sizeof(*c->pg_members), by_seq);
	qsort(c->etcd_members, c->n_etcd_members, sizeof(*c->etcd_members), by_seq);
	if (!self->is_pg) {
		free(c->pg_role);
		c->pg_role = NULL;
	}
	if (!self->is_etcd)
		c->etcd_seq = 0;
}

/* A module Pigsty turns on by default (the exporters, pgBackRest): taken
 * when the bundle carries it (or none is known), else named in a warning. */
static void default_module(struct inv *v, struct inst_config *c, const char *m, int on)
{
	if (!on)
		return;
	if (!v->b || !v->b->modules.n || strlist_has(&v->b->modules, m))
		strlist_add(&c->modules, m);
	else
		strlist_add_owned(&v->warnings, xasprintf("%s: module %s is on by default but "
							  "bundle %s does not carry it: not set "
							  "up", c->path, m, v->b->name));
}

/* The modules an inventory gives this host: its groups and the *_enabled keys. */
static void derive_modules(struct inv *v, const struct ihost *self, struct inst_config *c)
{
	strlist_free(&c->modules);
	if (self->is_etcd)
		strlist_add(&c->modules, "etcd");
	default_module(v, c, "monitor", c->node_exporter_enabled);
	if (c->infra_seq > 0 && c->prometheus_enabled)
		strlist_add(&c->modules, "infra");
	if (c->redis_cluster)
		strlist_add(&c->modules, "redis");
	if (!self->is_pg)
		return;
	strlist_add(&c->modules, "pgsql");
	if (c->patroni_enabled)
		strlist_add(&c->modules, "patroni");
	if (c->pgbouncer_enabled)
		strlist_add(&c->modules, "pgbouncer");
	if (c->haproxy_enabled)
		strlist_add(&c->modules, "haproxy");
	default_module(v, c, "pgbackrest", c->pgbackrest_enabled);
}

/* The bundle must carry what the inventory asks of this host. */
static int check_bundle_modules(struct inv *v, const struct ihost *self, struct pgb_err *err)
{
	const struct inst_config *c = &self->cfg;

	if (!v->b || !v->b->modules.n)
		return 0;
	for (size_t i = 0; i < c->modules.n; i++)
		if (!strlist_has(&v->b->modules, c->modules.v[i]))
			return yamldoc_fail(v->d, self->key, err, "host %s needs module %s, which "
					    "bundle %s does not carry: add it to the manifest's "
					    "modules and rebuild%s", self->addr, c->modules.v[i],
					    v->b->name ? v->b->name : "?", "");
	return 0;
}

static void inv_free(struct inv *v)
{
	for (size_t i = 0; i < v->n_hosts; i++) {
		strlist_free(&v->hosts[i].groups);
		free(v->hosts[i].vars.v);
		inst_config_free(&v->hosts[i].cfg);
	}
	free(v->hosts);
	free(v->groups);
	strlist_free(&v->warnings);
}

/* The flat file: one host, this one, with the root's keys as its vars. */
static int load_flat(struct inv *v, struct inst_config *c, const char *path, struct pgb_err *err)
{
	struct cvars vars = { NULL, 0 };
	struct cload l = { c, v->b, v->d, &vars, 0, &v->warnings };
	int rc;

	if (check_var_keys(v, v->root, 0, err) < 0)
		return -1;
	cvars_merge(v->d, &vars, v->root);
	c->path = xstrdup(path);
	c->self_addr = xstrdup("127.0.0.1");
	rc = inst_cfg_load_host(&l, err);
	free(vars.v);
	if (rc < 0)
		return -1;
	c->hosts = xcalloc(1, sizeof(*c->hosts));
	c->pg_members = xcalloc(1, sizeof(*c->pg_members));
	c->etcd_members = xcalloc(1, sizeof(*c->etcd_members));
	{
		struct ihost self = { "127.0.0.1", NULL, STRLIST_INIT, { NULL, 0 }, *c, 1,
				      inst_config_has_module(c, "etcd") };

		if (!self.is_etcd)
			c->etcd_seq = 0;
		self.cfg.etcd_seq = c->etcd_seq;
		member_of(&c->hosts[c->n_hosts++], &self, 1, &self);
		member_of(&c->pg_members[c->n_pg_members++], &self, 1, &self);
		if (self.is_etcd)
			member_of(&c->etcd_members[c->n_etcd_members++], &self, 0, &self);
	}
	inst_cfg_expand_cluster_hba(c);
	return 0;
}

/* Move self's loaded config into c (the inventory keeps the others). */
static void take_self(struct ihost *self, struct inst_config *c)
{
	*c = self->cfg;
	memset(&self->cfg, 0, sizeof(self->cfg));
}

static int load_inventory(struct inv *v, struct inst_config *c, const char *path,
			  const struct strlist *addrs, struct pgb_err *err)
{
	struct strlist mine = STRLIST_INIT;
	struct ihost *self = NULL;
	int rc;

	rc = read_layout(v, err);
	if (rc == 0)
		rc = load_hosts(v, path, err);
	if (rc == 0)
		rc = check_cluster(v, err);
	if (rc == 0 && !addrs)
		rc = inst_local_addresses(&mine, err);
	if (rc == 0)
		rc = find_self(v, addrs ? addrs : &mine, &self, err);
	if (rc == 0) {
		derive_modules(v, self, &self->cfg);
		rc = check_bundle_modules(v, self, err);
	}
	if (rc == 0) {
		fill_cluster(v, self, &self->cfg);
		inst_cfg_expand_cluster_hba(&self->cfg);
		take_self(self, c);
	}
	strlist_free(&mine);
	return rc;
}

int inst_config_load_doc(struct inst_config *c, struct yamldoc *d, const struct inst_bundle *b,
			 const struct strlist *addrs, struct pgb_err *err)
{
	struct inv v;
	int rc;

	memset(c, 0, sizeof(*c));
	memset(&v, 0, sizeof(v));
	v.d = d;
	v.b = b;
	rc = yamldoc_root(d, "the installer config", &v.root, err);
	if (rc == 0) {
		v.all = yamldoc_map_get(d, v.root, "all");
		if (v.all)
			rc = load_inventory(&v, c, yamldoc_path(d), addrs, err);
		else
			rc = load_flat(&v, c, yamldoc_path(d), err);
	}
	if (rc == 0)
		for (size_t i = 0; i < v.warnings.n; i++)
			strlist_add(&c->warnings, v.warnings.v[i]);
	/* The layout of the HA modules' packages follows it (inst_pg_layout_init). */
	c->family = xstrdup(b && b->family && *b->family ? b->family : "deb");
	/* Where a release renames a package (EL 10's Valkey: inst_redis_layout). */
	c->target = b && b->target && *b->target ? xstrdup(b->target) : NULL;
	inv_free(&v);
	yamldoc_free(d);
	if (rc < 0)
		inst_config_free(c);
	return rc;
}

int inst_inventory_addrs(const char *path, struct strlist *out, struct pgb_err *err)
{
	struct yamldoc *d;
	struct inv v;
	int rc;

	memset(&v, 0, sizeof(v));
	if (yamldoc_load(&d, path, err) < 0)
		return -1;
	v.d = d;
	rc = yamldoc_root(d, "the installer config", &v.root, err);
	if (rc == 0) {
		v.all = yamldoc_map_get(d, v.root, "all");
		if (!v.all)
			strlist_add(out, "127.0.0.1");
		else if ((rc = read_layout(&v, err)) == 0)
			for (size_t i = 0; i < v.n_hosts; i++)
				strlist_add(out, v.hosts[i].addr);
	}
	inv_free(&v);
	yamldoc_free(d);
	return rc;
}
