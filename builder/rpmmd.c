#include "rpmmd.h"

#include <createrepo_c/error.h>
#include <createrepo_c/xml_parser.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "util.h"

int rpmmd_parse_repomd(const void *buf, size_t len, const char *what, cr_Repomd **out,
		       struct pgb_err *err)
{
	const char *dir = getenv("TMPDIR");
	char *tmp = xasprintf("%s/pgbundle-repomd.XXXXXX", dir && *dir ? dir : "/tmp");
	GError *gerr = NULL;
	cr_Repomd *r;
	int fd = mkstemp(tmp), rc = -1;

	if (fd < 0) {
		pgb_failsys(err, "cannot create %s", tmp);
		free(tmp);
		return -1;
	}
	close(fd);
	if (util_write_atomic(tmp, buf, len, 0600, err) < 0)
		goto out;
	r = cr_repomd_new();
	if (cr_xml_parse_repomd(tmp, r, NULL, NULL, &gerr) != CRE_OK) {
		pgb_fail(err, "%s: not a valid repomd.xml: %s", what,
			 gerr ? g_strstrip(g_strdelimit(gerr->message, "\r\n", ' '))
			      : "unknown error");
		cr_repomd_free(r);
	} else {
		*out = r;
		rc = 0;
	}
	g_clear_error(&gerr);
out:
	unlink(tmp);
	free(tmp);
	return rc;
}

int rpmmd_record(cr_Repomd *md, const char *what, const char *type, int required,
		 cr_RepomdRecord **rec, struct pgb_err *err)
{
	cr_RepomdRecord *r = cr_repomd_get_record(md, type);
	const char *href;

	*rec = NULL;
	if (!r)
		return required ? pgb_fail(err, "%s lists no %s metadata: not an rpm-md "
					   "repository, or a broken one", what, type) : 0;
	href = r->location_href;
	if (!r->checksum_type || strcmp(r->checksum_type, "sha256"))
		return pgb_fail(err, "%s: the %s record's checksum is %s; only sha256 is trusted "
				"(md5 and sha1 are refused): the repository must be created with "
				"sha256 checksums (createrepo_c's default)", what, type,
				r->checksum_type ? r->checksum_type : "missing");
	if (!hash_sha256_hex_ok(r->checksum) || r->size <= 0)
		return pgb_fail(err, "%s: the %s record has no valid sha256 checksum and size",
				what, type);
	if (!href || !*href || href[0] == '/' || strstr(href, "..") || strstr(href, "://"))
		return pgb_fail(err, "%s: the %s record's location '%s' is not a path inside the "
				"repository: refused", what, type, href ? href : "");
	*rec = r;
	return 0;
}
