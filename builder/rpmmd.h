/*
 * rpmmd.h - reading rpm-md repository metadata we are handed: repomd.xml
 * (parsed with libcreaterepo_c) and its records, checked the one way
 * pgbundle trusts them.  Used for the upstreams (family_rpm.c) and for a
 * bundle's own repository (bundle_check_rpm.c).
 *
 *     cr_Repomd *md;  cr_RepomdRecord *rec;
 *     if (rpmmd_parse_repomd(buf, len, url, &md, &err) < 0) ...;
 *     if (rpmmd_record(md, url, "primary", 1, &rec, &err) < 0) ...;
 *     ... rec->location_href, rec->checksum, rec->size ...
 *     cr_repomd_free(md);
 */
#ifndef PGB_RPMMD_H
#define PGB_RPMMD_H

#include <createrepo_c/repomd.h>
#include <stddef.h>

#include "error.h"

/* Parse repomd.xml held in memory (libcreaterepo_c parses files only: the
 * bytes go through a private temporary file, removed at once).  `what`
 * names it in messages.  Free *out with cr_repomd_free(). */
int rpmmd_parse_repomd(const void *buf, size_t len, const char *what, cr_Repomd **out,
		       struct pgb_err *err);

/*
 * Whether the document that starts with head (its first n bytes, at least
 * the XML declaration's) is XML in UTF-8, as rpm-md metadata always is: a
 * UTF-8 byte order mark at most, then '<', and an encoding declared, if
 * any, as UTF-8.  Anything else is refused before libcreaterepo_c reads
 * it: its parser crashed on a filelists.xml declaring UTF-7 (libxml2's
 * "encoder error"; found by tests/fuzz/fuzz_rpmmd).
 */
int rpmmd_check_utf8_xml(const void *head, size_t n, const char *what, struct pgb_err *err);
/* The same of the file at path, compressed or not (libarchive). */
int rpmmd_check_utf8_xml_file(const char *path, const char *what, struct pgb_err *err);

/* The record of `type`, checked: a sha256 checksum (md5 and sha1 are
 * refused), a size, a location inside the repository.  *rec is NULL (and
 * 0 returned) when it is absent and not required. */
int rpmmd_record(cr_Repomd *md, const char *what, const char *type, int required,
		 cr_RepomdRecord **rec, struct pgb_err *err);

#endif
