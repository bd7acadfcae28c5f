/*
 * pkgsetid.c - the identity of a package set (pkgsetid.h).
 */
#include "pkgsetid.h"

#include <stdlib.h>
#include <string.h>

#include "deb822.h"
#include "hash.h"

void pkgsetid_add(struct pkgsetid *id, const char *name, const char *version,
		  const char *arch, const char *sha256)
{
	strlist_add_owned(&id->lines, xasprintf("%s %s %s %s\n", name, version, arch, sha256));
}

void pkgsetid_final(struct pkgsetid *id, char hex[PKGSETID_HEX])
{
	struct hash_ctx *h = hash_new(HASH_SHA256);
	char full[HASH_HEX_MAX];

	strlist_sort(&id->lines);
	for (size_t i = 0; i < id->lines.n; i++)
		hash_update(h, id->lines.v[i], strlen(id->lines.v[i]));
	hash_final_hex(h, full);
	hash_free(h);
	memcpy(hex, full, PKGSETID_HEX - 1);
	hex[PKGSETID_HEX - 1] = '\0';
	strlist_free(&id->lines);
}

int pkgsetid_of_index(const char *text, size_t len, const char *what, char hex[PKGSETID_HEX],
		      size_t *npkgs, struct pgb_err *err)
{
	static const char *const fields[] = { "Package", "Version", "Architecture", "SHA256" };
	struct pkgsetid id = PKGSETID_INIT;
	struct deb822_iter it;
	struct deb822_para para;
	size_t n = 0;
	int r;

	deb822_iter_init(&it, text, len, what);
	while ((r = deb822_next(&it, &para, err)) == 1) {
		char *v[4];
		int missing = 0;

		for (int i = 0; i < 4; i++)
			missing |= (v[i] = deb822_get(&para, fields[i])) == NULL;
		if (!missing)
			pkgsetid_add(&id, v[0], v[1], v[2], v[3]);
		for (int i = 0; i < 4; i++)
			free(v[i]);
		if (missing) {
			strlist_free(&id.lines);
			return pgb_fail(err, "%s:%zu: a package without Package, Version, "
					"Architecture or SHA256", what, para.line);
		}
		n++;
	}
	if (r < 0) {
		strlist_free(&id.lines);
		return -1;
	}
	pkgsetid_final(&id, hex);
	if (npkgs)
		*npkgs = n;
	return 0;
}
