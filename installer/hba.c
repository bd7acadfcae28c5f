/*
 * hba.c - the HBA rule sets, rendered: PostgreSQL's pg_hba.conf (under
 * Patroni its pg_hba in the DCS, so every member has the same) and
 * PgBouncer's pgb_hba.conf (auth_type hba).
 *
 * config.c reads the four keys (pg_default_hba_rules, pg_hba_rules,
 * pgb_default_hba_rules, pgb_hba_rules) into lines with their addresses
 * expanded, refusing at its line any rule that lets a client in without a
 * proof (trust, password, md5, peer over the network); acl.c replaces
 * Pigsty's ${dbsu}, ${repl}, ${monitor}, ${admin} once every key is read.
 * Here each pair is merged as Pigsty does: the rules with an order by order,
 * then those without, each list's in its own order, the defaults first.
 *
 * pg_hba.conf begins with what the installer itself needs, which no rule
 * can take away: postgres by peer over the socket, PgBouncer's users over
 * the socket (PgBouncer logs in with the client's SCRAM keys), and under
 * Patroni its members' replication and pg_rewind connections.  A line
 * written twice is written once (the first wins, as it would anyway).
 *
 * PgBouncer knows no +group: a rule for one is written for the PgBouncer
 * users (pgbouncer: true) that are members of the group by the config's
 * roles, directly or not; with none it is only a comment.
 */
#include <stdlib.h>
#include <string.h>

#include "inst.h"

/* The lines written so far, so that none is written twice. */
struct hba_out {
	struct sbuf *out;
	struct strlist seen;
	const char *title;	/* the title of the lines that follow */
	int titled;		/* it is written */
};

/* line (malloc'd, taken), unless it was written already; the title above
 * the first line written under it. */
static void hba_once(struct hba_out *o, char *line)
{
	if (!strlist_has(&o->seen, line)) {
		if (o->title && !o->titled)
			sbuf_addf(o->out, "# %s\n", o->title);
		o->titled = 1;
		sbuf_adds(o->out, line);
		strlist_add(&o->seen, line);
	}
	free(line);
}

static void hba_line(struct hba_out *o, const char *type, const char *db, const char *user,
		     const char *addr, const char *auth, const char *options)
{
	hba_once(o, xasprintf("%-7s %-15s %-15s %-23s %s%s%s\n", type, db, user,
			      addr ? addr : "", auth, options ? " " : "", options ? options : ""));
}

static void hba_title(struct hba_out *o, const char *title)
{
	if (!title || !o->title || strcmp(o->title, title))
		o->titled = 0;
	o->title = title;
}

/* PgBouncer logs in over the socket with the client's SCRAM keys. */
static void hba_pgbouncer(const struct inst_config *c, struct hba_out *o)
{
	struct sbuf dbs = SBUF_INIT;

	for (size_t i = 0; i < c->n_pg_databases; i++)
		if (c->pg_databases[i].pgbouncer)
			sbuf_addf(&dbs, "%s%s", dbs.len ? "," : "", c->pg_databases[i].name);
	for (size_t i = 0, n = 0; dbs.len && i < c->n_pg_users; i++) {
		if (!c->pg_users[i].pgbouncer)
			continue;
		if (n++ == 0)
			hba_title(o, "PgBouncer reaches its databases over the socket");
		hba_line(o, "local", dbs.buf, c->pg_users[i].name, NULL, "scram-sha-256", NULL);
	}
	sbuf_free(&dbs);
}

/* Under Patroni the members stream from each other (the replication user)
 * and a rejoining member rewinds from the leader (the admin user). */
static void hba_members(const struct inst_config *c, struct hba_out *o)
{
	hba_title(o, "Patroni's members: streaming replication and pg_rewind");
	/* Patroni on a replica also checks its own replication over 127.0.0.1 */
	if (!c->n_pg_members || strcmp(c->pg_members[0].addr, "127.0.0.1"))
		hba_line(o, "host", "replication", c->pg_replication_username, "127.0.0.1/32",
			 "scram-sha-256", NULL);
	for (size_t i = 0; i < c->n_pg_members; i++) {
		char *cidr = xasprintf("%s/%s", c->pg_members[i].addr,
				       strchr(c->pg_members[i].addr, ':') ? "128" : "32");

		hba_line(o, "host", "replication", c->pg_replication_username, cidr,
			 "scram-sha-256", NULL);
		hba_line(o, "host", "postgres", c->pg_admin_username, cidr, "scram-sha-256", NULL);
		free(cidr);
	}
}

/* One rule list of the merge, and a rule's place in it. */
struct ranked {
	const struct inst_pg_hba_rule *r;
	size_t pos;
};

static int by_order(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->r->order != y->r->order)
		return x->r->order < y->r->order ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The defaults and the business rules in Pigsty's order; free the result. */
static struct ranked *merged(const struct inst_pg_hba_rule *a, size_t na,
			     const struct inst_pg_hba_rule *b, size_t nb)
{
	struct ranked *v = xcalloc(na + nb + 1, sizeof(*v));

	for (size_t i = 0; i < na; i++)
		v[i] = (struct ranked){ &a[i], i };
	for (size_t i = 0; i < nb; i++)
		v[na + i] = (struct ranked){ &b[i], na + i };
	qsort(v, na + nb, sizeof(*v), by_order);
	return v;
}

/* A rule's user field for PgBouncer: +group becomes its PgBouncer users. */
static char *pgb_users(const struct inst_config *c, const char *user)
{
	struct sbuf b = SBUF_INIT;
	struct strlist seen = STRLIST_INIT;

	if (user[0] != '+')
		return xstrdup(user);
	for (const char *p = user; *p;) {
		size_t len = strcspn(p, ",");
		char *g = xstrndup(p[0] == '+' ? p + 1 : p, p[0] == '+' ? len - 1 : len);

		for (size_t i = 0; i < c->n_pg_users; i++)
			if (c->pg_users[i].pgbouncer && inst_acl_member(c, c->pg_users[i].name, g) &&
			    !strlist_has(&seen, c->pg_users[i].name)) {
				sbuf_addf(&b, "%s%s", b.len ? "," : "", c->pg_users[i].name);
				strlist_add(&seen, c->pg_users[i].name);
			}
		free(g);
		p += len + (p[len] == ',');
	}
	strlist_free(&seen);
	return sbuf_detach(&b, NULL);
}

/* The defaults and the business rules merged, each under its title; pgb:
 * PgBouncer's, whose +group is its PgBouncer users. */
static void hba_rules(const struct inst_config *c, struct hba_out *o,
		      const struct inst_pg_hba_rule *defaults, size_t nd,
		      const struct inst_pg_hba_rule *rules, size_t nr, int pgb)
{
	struct ranked *v = merged(defaults, nd, rules, nr);

	for (size_t i = 0; i < nd + nr; i++) {
		const struct inst_pg_hba_rule *r = v[i].r;
		char *users = pgb ? pgb_users(c, r->user) : xstrdup(r->user);

		hba_title(o, r->title);
		if (*users)
			hba_line(o, r->type, r->db, users, r->addr, r->auth, r->options);
		else
			hba_once(o, xasprintf("# (%s: no PgBouncer user is in %s)\n", r->where,
					      r->user));
		free(users);
	}
	free(v);
}

static void hba_header(struct hba_out *o, const char *file, const char *keys)
{
	sbuf_addf(o->out, "# %s written by pgbundle-installer from %s of the config.\n"
		  "# Edits here are overwritten on its next run: change the config.\n", file, keys);
	hba_line(o, "# TYPE", "DATABASE", "USER", "ADDRESS", "METHOD", NULL);
}

void inst_pg_hba_render(const struct inst_config *c, struct sbuf *out)
{
	struct hba_out o = { out, STRLIST_INIT, NULL, 0 };

	hba_header(&o, "pg_hba.conf", "pg_default_hba_rules and pg_hba_rules");
	hba_line(&o, "local", "all", "postgres", NULL, "peer", NULL);
	hba_line(&o, "local", "replication", "postgres", NULL, "peer", NULL);
	if (c->pgbouncer_enabled)
		hba_pgbouncer(c, &o);
	if (c->patroni_enabled)
		hba_members(c, &o);
	hba_rules(c, &o, c->pg_default_hba_rules, c->n_pg_default_hba_rules, c->pg_hba_rules,
		  c->n_pg_hba_rules, 0);
	strlist_free(&o.seen);
}

void inst_pgb_hba_render(const struct inst_config *c, struct sbuf *out)
{
	struct hba_out o = { out, STRLIST_INIT, NULL, 0 };

	hba_header(&o, "pgb_hba.conf", "pgb_default_hba_rules and pgb_hba_rules");
	hba_rules(c, &o, c->pgb_default_hba_rules, c->n_pgb_default_hba_rules, c->pgb_hba_rules,
		  c->n_pgb_hba_rules, 1);
	strlist_free(&o.seen);
}

int inst_pgb_hba_write(struct inst_ctx *ctx, const struct inst_config *c,
		       const struct inst_pg_layout *l, int *changed, struct pgb_err *err)
{
	struct sbuf b = SBUF_INIT;
	int rc;

	inst_pgb_hba_render(c, &b);
	rc = inst_pg_write_file(ctx, l->pgb_hba, b.buf, 0640, l->pgb_user,
				"PgBouncer's client authentication", changed, NULL, err);
	sbuf_free(&b);
	return rc;
}
