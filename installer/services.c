/*
 * services.c - Pigsty's service model: pg_default_services and pg_services.
 *
 * A service is a port HAProxy listens on, on every PostgreSQL host, and
 * the members it sends connections to: those the selector picks, each
 * checked against a Patroni REST endpoint (check), plus the backup members
 * used only when none of those passes.  dest says where on the member:
 * PgBouncer, PostgreSQL itself, or a port.  Pigsty's four default services:
 *
 *   primary  5433  dest default (PgBouncer)  /primary    every member
 *   replica  5434  dest default (PgBouncer)  /read-only  every member; the
 *                                            primary and offline ones as backup
 *   default  5436  dest postgres             /primary    every member
 *   offline  5438  dest postgres             /replica    offline ones; the
 *                                            other replicas as backup
 *
 * Selectors are the JMESPath filters Pigsty writes, in the subset its
 * templates use: "[]" (everyone) or "[? EXPR ]" where EXPR combines
 * `pg_role == `primary``, `pg_role != `x``, `pg_offline_query`, `pg_seq ==
 * `1`` with !, &&, || and parentheses.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

enum sel_op { SEL_ALL, SEL_OR, SEL_AND, SEL_NOT, SEL_EQ, SEL_NE, SEL_FLAG };

struct inst_selector {
	enum sel_op op;
	struct inst_selector *a, *b;
	char *field, *value;	/* SEL_EQ/NE: pg_role or pg_seq; SEL_FLAG: pg_offline_query */
	char *text;		/* the whole selector as written (root only) */
};

/* --- parsing the JMESPath subset --- */

struct selp {
	const char *s, *p;
	const char *err;	/* what went wrong, for the message */
};

static void skip_ws(struct selp *x)
{
	while (*x->p == ' ' || *x->p == '\t')
		x->p++;
}

static int eat(struct selp *x, const char *tok)
{
	skip_ws(x);
	if (strncmp(x->p, tok, strlen(tok)) != 0)
		return 0;
	x->p += strlen(tok);
	return 1;
}

static struct inst_selector *sel_new(enum sel_op op, struct inst_selector *a,
				     struct inst_selector *b)
{
	struct inst_selector *s = xcalloc(1, sizeof(*s));

	s->op = op;
	s->a = a;
	s->b = b;
	return s;
}

static struct inst_selector *sel_or(struct selp *x);

static char *ident(struct selp *x)
{
	const char *start;

	skip_ws(x);
	start = x->p;
	while (isalnum((unsigned char)*x->p) || *x->p == '_')
		x->p++;
	return x->p > start ? xstrndup(start, (size_t)(x->p - start)) : NULL;
}

static struct inst_selector *sel_atom(struct selp *x)
{
	struct inst_selector *s;
	char *name;
	const char *v;

	if (eat(x, "(")) {
		s = sel_or(x);
		if (s && !eat(x, ")")) {
			x->err = "a ')' is missing";
			inst_selector_free(s);
			return NULL;
		}
		return s;
	}
	name = ident(x);
	if (!name || (strcmp(name, "pg_role") && strcmp(name, "pg_offline_query") &&
		      strcmp(name, "pg_seq"))) {
		x->err = "only pg_role, pg_seq and pg_offline_query can be tested";
		free(name);
		return NULL;
	}
	if (!eat(x, "==") && !eat(x, "!=")) {
		if (strcmp(name, "pg_offline_query")) {
			x->err = "pg_role and pg_seq are compared: pg_role == `primary`";
			free(name);
			return NULL;
		}
		s = sel_new(SEL_FLAG, NULL, NULL);
		s->field = name;
		return s;
	}
	s = sel_new(x->p[-2] == '=' ? SEL_EQ : SEL_NE, NULL, NULL);
	s->field = name;
	if (!eat(x, "`") || !(v = strchr(x->p, '`'))) {
		x->err = "a value is written between backquotes: `primary`";
		inst_selector_free(s);
		return NULL;
	}
	s->value = xstrndup(x->p, (size_t)(v - x->p));
	x->p = v + 1;
	return s;
}

static struct inst_selector *sel_not(struct selp *x)
{
	struct inst_selector *s;

	if (!eat(x, "!"))
		return sel_atom(x);
	s = sel_not(x);
	return s ? sel_new(SEL_NOT, s, NULL) : NULL;
}

static struct inst_selector *sel_and(struct selp *x)
{
	struct inst_selector *s = sel_not(x), *r;

	while (s && eat(x, "&&")) {
		r = sel_not(x);
		if (!r) {
			inst_selector_free(s);
			return NULL;
		}
		s = sel_new(SEL_AND, s, r);
	}
	return s;
}

static struct inst_selector *sel_or(struct selp *x)
{
	struct inst_selector *s = sel_and(x), *r;

	while (s && eat(x, "||")) {
		r = sel_and(x);
		if (!r) {
			inst_selector_free(s);
			return NULL;
		}
		s = sel_new(SEL_OR, s, r);
	}
	return s;
}

/* Parse text; NULL with *why set when it is not in the subset. */
static struct inst_selector *sel_parse(const char *text, const char **why)
{
	struct selp x = { text, text, NULL };
	struct inst_selector *s;

	if (eat(&x, "[]")) {
		s = sel_new(SEL_ALL, NULL, NULL);
	} else if (eat(&x, "[?")) {
		s = sel_or(&x);
		if (s && !eat(&x, "]")) {
			x.err = "the filter does not end with ']'";
			inst_selector_free(s);
			s = NULL;
		}
	} else {
		x.err = "a selector is [] or [? EXPR ]";
		s = NULL;
	}
	skip_ws(&x);
	if (s && *x.p) {
		x.err = "text follows the closing ']'";
		inst_selector_free(s);
		s = NULL;
	}
	if (!s) {
		*why = x.err ? x.err : "not understood";
		return NULL;
	}
	s->text = xstrdup(text);
	return s;
}

void inst_selector_free(struct inst_selector *s)
{
	if (!s)
		return;
	inst_selector_free(s->a);
	inst_selector_free(s->b);
	free(s->field);
	free(s->value);
	free(s->text);
	free(s);
}

const char *inst_selector_text(const struct inst_selector *s)
{
	return s && s->text ? s->text : "[]";
}

int inst_selector_match(const struct inst_selector *s, const struct inst_member *m)
{
	char seq[16];
	const char *have;

	if (!s)
		return 1;
	switch (s->op) {
	case SEL_ALL: return 1;
	case SEL_OR: return inst_selector_match(s->a, m) || inst_selector_match(s->b, m);
	case SEL_AND: return inst_selector_match(s->a, m) && inst_selector_match(s->b, m);
	case SEL_NOT: return !inst_selector_match(s->a, m);
	case SEL_FLAG: return m->offline_query;
	case SEL_EQ:
	case SEL_NE:
		snprintf(seq, sizeof(seq), "%d", m->seq);
		have = strcmp(s->field, "pg_seq") == 0 ? seq : m->role ? m->role : "";
		return (strcmp(have, s->value) == 0) == (s->op == SEL_EQ);
	}
	return 0;
}

/* --- the services --- */

static const char *const svc_keys[] = {
	"name", "port", "ip", "selector", "backup", "dest", "check", "maxconn", "balance", NULL
};
static const char *const svc_keys_pigsty[] = { "options", "haproxy", NULL };

/* Pigsty's defaults, as pg_default_services would write them. */
static const struct {
	const char *name, *dest, *check, *selector, *backup;
	int port;
} default_services[] = {
	{ "primary", "default", "/primary", "[]", NULL, 5433 },
	{ "replica", "default", "/read-only", "[]",
	  "[? pg_role == `primary` || pg_role == `offline` ]", 5434 },
	{ "default", "postgres", "/primary", "[]", NULL, 5436 },
	{ "offline", "postgres", "/replica", "[? pg_role == `offline` || pg_offline_query ]",
	  "[? pg_role == `replica` && !pg_offline_query]", 5438 },
};

static struct inst_service *svc_add(struct inst_config *c)
{
	struct inst_service *s;

	c->pg_services = xrealloc(c->pg_services, (c->n_pg_services + 1) * sizeof(*s));
	s = &c->pg_services[c->n_pg_services++];
	memset(s, 0, sizeof(*s));
	return s;
}

static void add_defaults(struct inst_config *c, const char *where)
{
	const char *why;

	for (size_t i = 0; i < sizeof(default_services) / sizeof(default_services[0]); i++) {
		struct inst_service *s = svc_add(c);

		s->name = xstrdup(default_services[i].name);
		s->port = default_services[i].port;
		s->dest = xstrdup(default_services[i].dest);
		s->check = xstrdup(default_services[i].check);
		s->selector = sel_parse(default_services[i].selector, &why);
		s->backup = default_services[i].backup ?
			sel_parse(default_services[i].backup, &why) : NULL;
		s->balance = xstrdup("roundrobin");
		s->maxconn = 3000;
		s->where = xstrdup(where);
	}
}

static int dest_ok(const char *s)
{
	char *end;
	long p;

	if (!strcmp(s, "default") || !strcmp(s, "postgres") || !strcmp(s, "pgbouncer"))
		return 1;
	p = strtol(s, &end, 10);
	return *s >= '1' && *s <= '9' && !*end && p <= 65535;
}

static int check_ok(const char *s)
{
	if (s[0] != '/')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/-_?=&.", *s))
			return 0;
	return 1;
}

static int svc_selector(struct cload *l, const struct yamldoc_node *it, const char *key,
			struct inst_selector **out, struct pgb_err *err)
{
	char *text = NULL;
	const char *why;
	int rc = yamldoc_get_str(l->d, it, key, 0, &text, err);

	if (rc <= 0)
		return rc;
	*out = sel_parse(text, &why);
	if (!*out)
		rc = yamldoc_fail(l->d, yamldoc_map_get(l->d, it, key), err, "'%s' '%.200s': %s "
				  "(pgbundle reads the JMESPath filters of Pigsty's templates: "
				  "[] or [? pg_role == `x` || pg_offline_query ...])", key, text,
				  why);
	free(text);
	return rc < 0 ? -1 : 0;
}

static int svc_strings(struct cload *l, const struct yamldoc_node *it, struct inst_service *s,
		       struct pgb_err *err)
{
	s->dest = xstrdup("default");
	s->check = xstrdup("/primary");
	s->balance = xstrdup("roundrobin");
	if (yamldoc_get_str(l->d, it, "dest", 0, &s->dest, err) < 0 ||
	    yamldoc_get_str(l->d, it, "check", 0, &s->check, err) < 0 ||
	    yamldoc_get_str(l->d, it, "balance", 0, &s->balance, err) < 0 ||
	    yamldoc_get_str(l->d, it, "ip", 0, &s->ip, err) < 0)
		return -1;
	if (!dest_ok(s->dest))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "dest"), err, "service %s: "
				    "'dest' must be default, postgres, pgbouncer or a port, got "
				    "'%.100s'", s->name, s->dest);
	if (!check_ok(s->check))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "check"), err, "service %s: "
				    "'check' must be a Patroni endpoint such as /primary, "
				    "/read-only or /replica, got '%.100s'", s->name, s->check);
	if (strcmp(s->balance, "roundrobin") && strcmp(s->balance, "leastconn") &&
	    strcmp(s->balance, "first") && strcmp(s->balance, "source"))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "balance"), err, "service %s: "
				    "'balance' must be roundrobin, leastconn, first or source",
				    s->name);
	if (s->ip && strcmp(s->ip, "*") && !inst_cfg_name_ok(s->ip) &&
	    !strchr(s->ip, '.') && !strchr(s->ip, ':'))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "ip"), err, "service %s: 'ip' "
				    "must be * or an address", s->name);
	return 0;
}

static int parse_service(struct cload *l, const struct yamldoc_node *it, struct pgb_err *err)
{
	struct inst_service *s = svc_add(l->c);
	char got[64];

	s->where = yamldoc_node_where(l->d, it);
	s->maxconn = 3000;
	if (!yamldoc_is_map(it))
		return yamldoc_fail(l->d, it, err, "each service must be a mapping such as "
				    "{name: primary, port: 5433, dest: default, check: /primary, "
				    "selector: \"[]\"}, got %s", yamldoc_got(it, got, sizeof(got)));
	for (size_t i = 0; i < yamldoc_len(it); i++) {
		const struct yamldoc_node *k = yamldoc_key(l->d, it, i);
		int ours = 0, pig = 0;

		for (size_t j = 0; svc_keys[j]; j++)
			ours |= strcmp(svc_keys[j], yamldoc_scalar(k)) == 0;
		for (size_t j = 0; svc_keys_pigsty[j]; j++)
			pig |= strcmp(svc_keys_pigsty[j], yamldoc_scalar(k)) == 0;
		if (pig)
			cload_warn(l, k, "'%s' of a service (Pigsty's raw HAProxy options) is not "
				   "implemented by pgbundle: ignored", yamldoc_scalar(k));
		else if (!ours)
			return yamldoc_check_keys(l->d, it, svc_keys, "a service", err);
	}
	if (yamldoc_get_str(l->d, it, "name", YAMLDOC_REQUIRED, &s->name, err) < 0 ||
	    yamldoc_get_int(l->d, it, "port", YAMLDOC_REQUIRED, &s->port, err) < 0 ||
	    yamldoc_get_int(l->d, it, "maxconn", 0, &s->maxconn, err) < 0)
		return -1;
	if (!inst_cfg_name_ok(s->name))
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "name"), err, "a service's "
				    "'name' must be a name, got '%.100s'", s->name);
	if (s->port < 1 || s->port > 65535)
		return yamldoc_fail(l->d, yamldoc_map_get(l->d, it, "port"), err, "service %s: "
				    "'port' must be a TCP port (1-65535)", s->name);
	for (size_t i = 0; i + 1 < l->c->n_pg_services; i++) {
		const struct inst_service *o = &l->c->pg_services[i];

		if (strcmp(o->name, s->name) == 0 || o->port == s->port)
			return yamldoc_fail(l->d, it, err, "service %s (port %d) clashes with "
					    "service %s (port %d) at %s: names and ports must "
					    "differ", s->name, s->port, o->name, o->port, o->where);
	}
	return svc_strings(l, it, s, err) < 0 ||
	       svc_selector(l, it, "selector", &s->selector, err) < 0 ||
	       svc_selector(l, it, "backup", &s->backup, err) < 0 ? -1 : 0;
}

int inst_cfg_parse_services(struct cload *l, const struct ck *k, struct pgb_err *err)
{
	const struct yamldoc_node *seq = cvar(l, k->name);
	char got[64];

	if (!seq) {
		if (strcmp(k->name, "pg_default_services") == 0)
			add_defaults(l->c, "pg_default_services (Pigsty's defaults)");
		return 0;
	}
	if (!yamldoc_is_seq(seq))
		return yamldoc_fail(l->d, seq, err, "'%s' must be a list of services, got %s",
				    k->name, yamldoc_got(seq, got, sizeof(got)));
	for (size_t i = 0; i < yamldoc_len(seq); i++)
		if (parse_service(l, yamldoc_item(l->d, seq, i), err) < 0)
			return -1;
	return 0;
}
