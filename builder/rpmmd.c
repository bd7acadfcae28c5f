#include "rpmmd.h"

#include <archive.h>
#include <archive_entry.h>
#include <createrepo_c/error.h>
#include <createrepo_c/xml_parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hash.h"
#include "util.h"

/* The end ("?>") of the XML declaration at p, before e; NULL when it does
 * not end there. */
static const char *declaration_end(const char *p, const char *e)
{
	for (; p + 1 < e; p++)
		if (p[0] == '?' && p[1] == '>')
			return p;
	return NULL;
}

/* The encoding the XML declaration from p to end names, into enc; 0 when
 * it names none. */
static int declared_encoding(const char *p, const char *end, char *enc, size_t len)
{
	const char *v;
	char q;
	size_t k;

	for (v = p; v + 8 <= end; v++) {
		if (memcmp(v, "encoding", 8))
			continue;
		v += 8;
		while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
			v++;
		if (v >= end || *v++ != '=')
			return 0;
		while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
			v++;
		if (v >= end || (*v != '"' && *v != '\''))
			return 0;
		q = *v++;
		for (k = 0; v < end && *v != q && k + 1 < len; v++)
			enc[k++] = *v;
		enc[k] = '\0';
		return 1;
	}
	return 0;
}

int rpmmd_check_utf8_xml(const void *head, size_t n, const char *what, struct pgb_err *err)
{
	const char *p = head, *e;
	char enc[32];

	if (!p || !n)		/* and no NULL + 0 below */
		return pgb_fail(err, "%s: empty, not XML: the file is damaged or not the "
				"repository's", what);
	e = p + n;

	/* libxml2 reads "<\0?\0" as UTF-16, which goes through the same
	 * conversion: no NUL byte in UTF-8 XML */
	if (memchr(p, '\0', n))
		return pgb_fail(err, "%s: not UTF-8 XML (a NUL byte in its first %zu bytes), as "
				"rpm-md metadata is: the file is damaged or not the repository's",
				what, n);
	if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	if (e - p >= 5 && !memcmp(p, "<?xml", 5)) {
		const char *end = declaration_end(p, e);

		/* whitespace may pad it past what we looked at: it would hide an
		 * encoding from this check, and real metadata's is 40 bytes */
		if (!end)
			return pgb_fail(err, "%s: its XML declaration does not end in its first "
					"%zu bytes: the file is damaged or not the repository's",
					what, n);
		if (declared_encoding(p, end, enc, sizeof(enc)) && strcasecmp(enc, "UTF-8") &&
		    strcasecmp(enc, "UTF8"))
			return pgb_fail(err, "%s: XML declared in %.31s, not UTF-8 as rpm-md "
					"metadata is: the file is damaged or not the repository's",
					what, enc);
		return 0;
	}
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p < e && *p == '<')
		return 0;
	return pgb_fail(err, "%s: not UTF-8 XML (it starts with byte 0x%02x), as rpm-md "
			"metadata is: the file is damaged or not the repository's", what,
			p < e ? (unsigned char)*p : 0);
}

int rpmmd_check_utf8_xml_file(const char *path, const char *what, struct pgb_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	char head[512];
	ssize_t r = 0;
	int rc;

	archive_read_support_format_raw(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, path, 1 << 16) < ARCHIVE_WARN ||
	    archive_read_next_header(a, &ent) < ARCHIVE_WARN ||
	    (r = archive_read_data(a, head, sizeof(head))) < 0)
		rc = pgb_fail(err, "%s: cannot read: %s", what, archive_error_string(a));
	else
		rc = rpmmd_check_utf8_xml(head, (size_t)r, what, err);
	archive_read_free(a);
	return rc;
}

int rpmmd_parse_repomd(const void *buf, size_t len, const char *what, cr_Repomd **out,
		       struct pgb_err *err)
{
	const char *dir = getenv("TMPDIR");
	char *tmp = xasprintf("%s/pgbundle-repomd.XXXXXX", dir && *dir ? dir : "/tmp");
	GError *gerr = NULL;
	cr_Repomd *r;
	int fd, rc = -1;

	if (rpmmd_check_utf8_xml(buf, len < 512 ? len : 512, what, err) < 0) {
		free(tmp);
		return -1;
	}
	fd = mkstemp(tmp);
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
