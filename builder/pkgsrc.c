#include "pkgsrc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAMED_IN_ERROR 12	/* packages listed in the error; o->note has all */

struct snapshot {
	char *key;		/* NULL: every package */
	char *base;		/* without a trailing '/' */
};

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* "KEY=URL" when what precedes the first '=' is a bare name (a URL has ':'). */
static int snapshot_parse(const char *spec, struct snapshot *s, struct pgb_err *err)
{
	const char *eq = strchr(spec, '='), *url = spec;
	size_t n;

	s->key = NULL;
	s->base = NULL;
	if (eq && eq > spec) {
		const char *c = spec;

		while (c < eq && is_key_char(*c))
			c++;
		if (c == eq) {
			s->key = xstrndup(spec, (size_t)(eq - spec));
			url = eq + 1;
		}
	}
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8) && strncmp(url, "file://", 7)) {
		free(s->key);
		s->key = NULL;
		return pgb_fail(err, "--snapshot '%s': expected URL or KEY=URL with an http://, "
				"https:// or file:// URL (e.g. https://snapshot.debian.org/archive/"
				"debian/20250301T000000Z)", spec);
	}
	n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	s->base = xstrndup(url, n);
	return 0;
}

int pkgsrc_snapshot_check(const char *spec, struct pgb_err *err)
{
	struct snapshot s;

	if (snapshot_parse(spec, &s, err) < 0)
		return -1;
	free(s.key);
	free(s.base);
	return 0;
}

/* Does snapshot s serve the packages of upstream `up`? */
static int snapshot_serves(const struct pkgsrc_opts *o, const struct snapshot *s, const char *up)
{
	const struct recipe_repo *r;

	if (!s->key || !strcmp(s->key, up))
		return 1;
	r = o->rc ? recipes_repo(o->rc, up) : NULL;
	return r && r->mirror && !strcmp(r->mirror, s->key);
}

static void note(const struct pkgsrc_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(const struct pkgsrc_opts *o, const char *fmt, ...)
{
	char m[PGB_ERRMAX];
	va_list ap;

	if (!o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	o->note(o->note_ctx, m);
}

/* One round: fetch the packages want[0..nwant) from base (NULL: their url);
 * those found get their path, the others stay in want (compacted). */
struct round {
	const struct lock *l;
	char **paths;
	size_t *want, nwant;
	char **labels;		/* per package of the lock */
};

static int fetch_round(const struct pkgsrc_opts *o, struct round *r, const struct snapshot *s,
		       struct sbuf *found, struct pgb_err *err)
{
	struct fetch_item *it = xcalloc(r->nwant ? r->nwant : 1, sizeof(*it));
	size_t *idx = xcalloc(r->nwant ? r->nwant : 1, sizeof(*idx));
	char **urls = xcalloc(r->nwant ? r->nwant : 1, sizeof(*urls));
	size_t n = 0, left = 0;
	int rc;

	for (size_t k = 0; k < r->nwant; k++) {
		const struct lock_pkg *p = &r->l->pkgs[r->want[k]];

		if (s && !snapshot_serves(o, s, p->upstream))
			continue;
		urls[n] = s ? xasprintf("%s/%s", s->base, p->filename) : xstrdup(p->url);
		it[n] = (struct fetch_item){ .url = urls[n], .sha256 = p->sha256, .size = p->size,
					     .label = r->labels[r->want[k]], .missing_ok = 1 };
		idx[n++] = r->want[k];
	}
	rc = fetch_batch(o->fetch, it, n, err);
	for (size_t k = 0; k < n; k++) {
		r->paths[idx[k]] = it[k].path;
		if (it[k].path && found)
			sbuf_addf(found, "%s%s", found->len ? ", " : "", it[k].label);
		free(urls[k]);
	}
	for (size_t k = 0; k < r->nwant; k++)
		if (!r->paths[r->want[k]])
			r->want[left++] = r->want[k];
	r->nwant = left;
	free(urls);
	free(idx);
	free(it);
	return rc;
}

/* "UPSTREAM TIMESTAMP" of every upstream of the missing packages, in the
 * snapshot.debian.org form, from the lock's record of its Release date. */
static void release_dates(const struct round *r, struct sbuf *out)
{
	struct strlist seen = STRLIST_INIT;

	for (size_t k = 0; k < r->nwant; k++) {
		const char *up = r->l->pkgs[r->want[k]].upstream;
		int64_t d = lock_upstream_date(r->l, up);
		time_t t = (time_t)d;
		struct tm tm;
		char ts[32];

		if (strlist_has(&seen, up))
			continue;
		strlist_add(&seen, up);
		if (!d || !gmtime_r(&t, &tm) || !strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm))
			continue;
		sbuf_addf(out, "%s%s %s", out->len ? ", " : "", up, ts);
	}
	strlist_free(&seen);
}

static int fail_missing(const struct pkgsrc_opts *o, const struct round *r, struct pgb_err *err)
{
	struct sbuf names = SBUF_INIT, dates = SBUF_INIT;
	size_t nsnap = o->snapshots ? o->snapshots->n : 0;

	for (size_t k = 0; k < r->nwant; k++) {
		const struct lock_pkg *p = &r->l->pkgs[r->want[k]];

		if (r->nwant > NAMED_IN_ERROR)
			note(o, "not found: %s %s", r->labels[r->want[k]], p->filename);
		if (k < NAMED_IN_ERROR)
			sbuf_addf(&names, "%s%s", k ? ", " : "", r->labels[r->want[k]]);
	}
	if (r->nwant > NAMED_IN_ERROR)
		sbuf_addf(&names, " and %zu more (listed above)", r->nwant - NAMED_IN_ERROR);
	release_dates(r, &dates);
	pgb_fail(err, "%zu package%s of the lock %s on the mirror%s: %s. Pass --snapshot URL "
		 "(repeatable; KEY=URL for one upstream) naming an archive that still has "
		 "them: a snapshot.debian.org-style .../archive/debian/TIMESTAMP with a "
		 "TIMESTAMP shortly after the lock's Release date%s%s%s, or any mirror that "
		 "keeps old versions", r->nwant, r->nwant == 1 ? "" : "s",
		 r->nwant == 1 ? "is not" : "are not",
		 nsnap ? " nor in any --snapshot given" : "", names.buf,
		 dates.len ? " (" : "", dates.len ? dates.buf : "", dates.len ? ")" : "");
	sbuf_free(&names);
	sbuf_free(&dates);
	return -1;
}

int pkgsrc_fetch(const struct pkgsrc_opts *o, const struct lock *l, char **paths,
		 struct pgb_err *err)
{
	size_t n = l->npkgs, nsnap = o->snapshots ? o->snapshots->n : 0;
	struct round r = { l, paths, xcalloc(n ? n : 1, sizeof(size_t)), n,
			   xcalloc(n ? n : 1, sizeof(char *)) };
	struct sbuf gone = SBUF_INIT;
	int rc;

	for (size_t i = 0; i < n; i++) {
		paths[i] = NULL;
		r.want[i] = i;
		r.labels[i] = xasprintf("%s %s (%s)", l->pkgs[i].name, l->pkgs[i].version,
					l->pkgs[i].upstream);
	}
	rc = fetch_round(o, &r, NULL, NULL, err);
	if (rc == 0 && r.nwant) {
		for (size_t k = 0; k < r.nwant; k++)
			sbuf_addf(&gone, "%s%s", k ? ", " : "", r.labels[r.want[k]]);
		note(o, "not on the mirror any more: %s", gone.buf);
	}
	for (size_t s = 0; rc == 0 && s < nsnap && r.nwant; s++) {
		struct snapshot snap;
		struct sbuf found = SBUF_INIT;

		rc = snapshot_parse(o->snapshots->v[s], &snap, err);
		if (rc == 0)
			rc = fetch_round(o, &r, &snap, &found, err);
		if (found.len)
			note(o, "from snapshot %s: %s", snap.base, found.buf);
		sbuf_free(&found);
		free(snap.key);
		free(snap.base);
	}
	if (rc == 0 && r.nwant)
		rc = fail_missing(o, &r, err);
	for (size_t i = 0; i < n; i++)
		free(r.labels[i]);
	free(r.labels);
	free(r.want);
	sbuf_free(&gone);
	return rc;
}
