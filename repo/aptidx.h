/*
 * aptidx.h - the apt repository format: read an upstream suite's Release and
 * its (compressed) Packages indexes; write the bundle's own flat repository.
 *
 * Reading.  The caller verifies the signature first (repo/pgp.h) and hands
 * the signed body here:
 *
 *     struct aptidx_release rel;
 *     const struct aptidx_relfile *f;
 *
 *     if (aptidx_release_parse(body, len, url, &rel, err) < 0)
 *         return -1;
 *     f = aptidx_release_find(&rel, "main/binary-amd64/Packages.xz");
 *     ... fetch f->path, check f->size and f->sha256 ...
 *     aptidx_release_free(&rel);
 *
 * Only the SHA256 list is trusted: a Release with nothing but MD5Sum/SHA1 is
 * refused.  aptidx_decompress() then turns the fetched index into text for
 * repo/deb822.h.
 *
 * Writing.  aptidx_write_repo() lays out TOP/dists/SUITE/ with one component
 * and one architecture, and returns the Release text for the caller to sign
 * into InRelease and Release.gpg (this module knows nothing of keys).  The
 * output depends only on its inputs, so two builds give identical bytes.
 *
 * Dates are RFC 2822 in UTC ("Sat, 11 Jul 2026 10:16:37 UTC"), parsed and
 * formatted without the C locale's day and month names.
 */
#ifndef PGB_APTIDX_H
#define PGB_APTIDX_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

/* One entry of the Release's SHA256 list; path is relative to dists/SUITE/. */
struct aptidx_relfile {
	char *path;
	uint64_t size;
	char sha256[65];	/* lowercase hex */
};

struct aptidx_release {
	/* Field values, malloc'd; NULL when the field is absent. */
	char *origin, *label, *suite, *codename, *version, *date_str, *valid_until_str;
	int64_t date, valid_until;	/* unix time; 0 when absent */
	struct strlist architectures, components;
	int acquire_by_hash;		/* "Acquire-By-Hash: yes" */
	int no_arch_all_packages;	/* "No-Support-for-Architecture-all: Packages" */
	struct aptidx_relfile *files;	/* from the SHA256 field only, in file order */
	size_t nfiles;
};

/*
 * Parse the Release text body[0..len) (the first paragraph; apt ignores any
 * other) into *rel, which is overwritten without being freed.  what names
 * the text in errors ("URL/InRelease").  Fails, leaving *rel zeroed, on a
 * deb822 syntax error, an unparsable Date or Valid-Until, a malformed SHA256
 * line (error names what:line), a path in it that is absolute or has a ".."
 * component, or when there is no SHA256 field at all.  On success the caller
 * releases *rel with aptidx_release_free().
 */
int aptidx_release_parse(const char *body, size_t len, const char *what,
			 struct aptidx_release *rel, struct pgb_err *err);

/* The SHA256 entry for path (e.g. "main/binary-amd64/Packages.xz"), or NULL. */
const struct aptidx_relfile *aptidx_release_find(const struct aptidx_release *rel,
						 const char *path);

/* Free what *rel holds and zero it; safe on a zeroed struct. */
void aptidx_release_free(struct aptidx_release *rel);

/*
 * Decompress the index file at path (xz, gzip, bzip2, zstd or plain,
 * recognised by its content, not its name) and append the text to out.
 * On error out is left as it was and err names path and the reason.
 */
int aptidx_decompress(const char *path, struct sbuf *out, struct pgb_err *err);

/*
 * Where and what to write.  top, suite, component and arch are required;
 * codename, origin, label and description are optional (field omitted when
 * NULL).  No value may contain a newline (it would add fields to the signed
 * Release); suite, component and arch may not contain '/' or whitespace.
 * date is the Release's Date (unix time, UTC).
 */
struct aptidx_write_opts {
	const char *top;
	const char *suite;
	const char *codename;
	const char *component;
	const char *arch;
	const char *origin;
	const char *label;
	const char *description;
	int64_t date;
};

/*
 * Write the repository for the Packages text packages[0..len) (stanzas
 * already rewritten and sorted by the caller, separated by blank lines):
 *   TOP/dists/SUITE/COMPONENT/binary-ARCH/Packages      the text as given
 *   TOP/dists/SUITE/COMPONENT/binary-ARCH/Packages.xz   byte-deterministic xz
 *   TOP/dists/SUITE/Release   Origin, Label, Suite, Codename, Date,
 *       Architectures, Components, Description, Acquire-By-Hash: no, and the
 *       SHA256 and size of both indexes; no Valid-Until, so an offline bundle
 *       never expires.
 * Each file is written atomically, Release last.  The Release text is
 * appended to *release for the caller to sign.  Fails before writing
 * anything when the options are invalid or packages is not deb822 with a
 * Package field in every stanza; on a later I/O error *release is left as it
 * was and Release is not written.
 */
int aptidx_write_repo(const struct aptidx_write_opts *o, const char *packages, size_t len,
		      struct sbuf *release, struct pgb_err *err);

/* Format unix time t as RFC 2822 UTC, "Sat, 11 Jul 2026 10:16:37 UTC". */
void aptidx_format_date(int64_t t, char buf[64]);

/*
 * Parse an RFC 2822 date as found in Release files: an optional weekday
 * and ',', day, English month abbreviation, 4-digit year, HH:MM:SS, and a
 * zone of UTC, GMT, UT, Z or +HHMM/-HHMM.  Returns 0 and *t, or -1.
 */
int aptidx_parse_date(const char *s, int64_t *t);

#ifdef __cplusplus
}
#endif

#endif
