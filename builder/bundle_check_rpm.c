/*
 * bundle_check_rpm.c - the rpm-md index of a bundle read back (bundle_check.h):
 * repodata/repomd.xml must carry a good signature by the key in
 * repodata/repomd.xml.asc, every record it lists must be in the bundle with
 * its sha256 and size, and primary (read by libsolv) lists the packages the
 * pool must hold, each with its sha256 and size.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/repo_rpmmd.h>
#include <solv/solv_xfopen.h>

#include "bundle_check.h"
#include "hash.h"
#include "pgp.h"
#include "rpmmd.h"

#define REPOMD "repodata/repomd.xml"

/* Every record repomd.xml lists is in the bundle, byte for byte. */
static int check_records(cr_Repomd *md, const struct sbuf *(*get)(void *, const char *),
			 void *ctx, struct pgb_err *err)
{
	for (GSList *e = md->records; e; e = e->next) {
		cr_RepomdRecord *r = e->data, *ok;
		const struct sbuf *f;
		char hex[HASH_HEX_MAX];

		if (rpmmd_record(md, REPOMD, r->type, 1, &ok, err) < 0)
			return -1;
		f = get(ctx, r->location_href);
		if (!f)
			return pgb_fail(err, "%s lists %s, which is not in the bundle", REPOMD,
					r->location_href);
		hash_buf_hex(HASH_SHA256, f->buf ? f->buf : "", f->len, hex);
		if ((uint64_t)r->size != f->len || strcmp(hex, r->checksum))
			return pgb_fail(err, "%s does not match its sha256 in the signed %s: the "
					"bundle was modified", r->location_href, REPOMD);
	}
	return 0;
}

/* f's bytes as a stream libsolv decompresses by the name's suffix (.gz, .xz,
 * .zst): through an anonymous memory file. */
static FILE *open_mem(const char *name, const struct sbuf *f, struct pgb_err *err)
{
	int fd = memfd_create("pgbundle-primary", MFD_CLOEXEC);
	FILE *fp;

	if (fd < 0 || write(fd, f->buf ? f->buf : "", f->len) != (ssize_t)f->len ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		pgb_failsys(err, "%s: cannot read it from memory", name);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	fp = solv_xfopen_fd(name, fd, "r");
	if (!fp) {
		pgb_fail(err, "%s: unknown compression", name);
		close(fd);
	}
	return fp;
}

/* Whether evr is "[E:]V-R" with V and R not empty: every rpm has a version
 * and a release (libsolv makes "-" of <version ver="" rel=""/>). */
static int evr_whole(const char *evr)
{
	const char *v = evr + strspn(evr, "0123456789"), *dash;

	v = *v == ':' ? v + 1 : evr;
	dash = strrchr(v, '-');
	return dash && dash > v && dash[1];
}

int bundle_report_parse_primary(struct bundle_report *r, const char *href,
				const struct sbuf *f, struct pgb_err *err)
{
	Pool *pool = pool_create();
	Repo *repo = repo_create(pool, "bundle");
	FILE *fp = open_mem(href, f, err);
	int rc = -1;
	Id p;
	Solvable *s;

	if (!fp)
		goto out;
	if (repo_add_rpmmd(repo, fp, NULL, 0) != 0) {
		pgb_fail(err, "%s: not a valid primary: %s", href, pool_errstr(pool));
		goto out;
	}
	rc = 0;
	FOR_REPO_SOLVABLES(repo, p, s) {
		Id type = 0;
		const char *sum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type);
		const char *loc = solvable_get_location(s, NULL);

		/* libsolv gives a package without <name>, <version> or <arch> the
		 * empty string: such an entry names nothing dnf could install. */
		if (s->name <= ID_EMPTY || s->evr <= ID_EMPTY || s->arch <= ID_EMPTY ||
		    !evr_whole(pool_id2str(pool, s->evr))) {
			rc = pgb_fail(err, "%s: package %zu (%s) has no name, version, "
				      "release or architecture: the index is damaged; build the "
				      "bundle again", href, r->npackages + 1,
				      pool_solvid2str(pool, p));
			break;
		}
		if (!loc || !sum || type != REPOKEY_TYPE_SHA256 || strncmp(loc, "pool/", 5) ||
		    strstr(loc, "/../") || !strcmp(loc + strlen(loc) - 3, "/..")) {
			rc = pgb_fail(err, "%s: package %s has no sha256 checksum or a location "
				      "outside pool/", href, pool_solvid2str(pool, p));
			break;
		}
		bundle_report_add(r, pool_id2str(pool, s->name), pool_id2str(pool, s->evr),
				  pool_id2str(pool, s->arch), loc, sum,
				  solvable_lookup_num(s, SOLVABLE_DOWNLOADSIZE, 0));
	}
out:
	if (fp)
		fclose(fp);
	pool_free(pool);
	return rc;
}

int bundle_check_rpmmd(const struct sbuf *(*get)(void *ctx, const char *path), void *ctx,
		       const struct pgp_keyring *kr, struct bundle_report *r, struct pgb_err *err)
{
	const struct sbuf *md = get(ctx, REPOMD), *asc = get(ctx, REPOMD ".asc"), *prim;
	struct pgp_sig_info info;
	cr_Repomd *repomd = NULL;
	cr_RepomdRecord *rec;
	int rc = -1;

	if (!asc)
		return pgb_fail(err, "%s is not signed: the bundle has no %s.asc", REPOMD, REPOMD);
	if (pgp_verify_detached(kr, md->buf, md->len, asc->buf, asc->len, REPOMD ".asc", &info,
				err) < 0)
		return -1;
	memcpy(r->signer, info.fpr, sizeof(r->signer));
	if (rpmmd_parse_repomd(md->buf, md->len, REPOMD, &repomd, err) < 0)
		return -1;
	if (check_records(repomd, get, ctx, err) == 0 &&
	    rpmmd_record(repomd, REPOMD, "primary", 1, &rec, err) == 0) {
		prim = get(ctx, rec->location_href);
		rc = bundle_report_parse_primary(r, rec->location_href, prim, err);
	}
	cr_repomd_free(repomd);
	return rc;
}
