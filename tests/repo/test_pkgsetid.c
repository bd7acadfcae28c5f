/* test_pkgsetid.c - the identity of a package set: the same from a lock's
 * fields and from a Packages index, whatever the order; any change of a
 * name, version, architecture or file changes it. */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "pkgsetid.h"
#include "unit.h"

#define SHA_A "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_B "2222222222222222222222222222222222222222222222222222222222222222"

static const char index_text[] =
	"Package: libpq5\nVersion: 15.2-1\nArchitecture: amd64\nFilename: pool/libpq5.deb\n"
	"Size: 10\nSHA256: " SHA_B "\nDescription: x\n continued\n\n"
	"Package: alpha\nVersion: 1.0\nArchitecture: all\nSHA256: " SHA_A "\n";

static void ids(const char *v1, const char *sha2, char hex[PKGSETID_HEX])
{
	struct pkgsetid id = PKGSETID_INIT;

	pkgsetid_add(&id, "alpha", "1.0", "all", SHA_A);
	pkgsetid_add(&id, "libpq5", v1, "amd64", sha2);
	pkgsetid_final(&id, hex);
}

static int test_definition_is_sha256_of_sorted_lines(void)
{
	char want[HASH_HEX_MAX], got[PKGSETID_HEX];
	const char *lines = "alpha 1.0 all " SHA_A "\nlibpq5 15.2-1 amd64 " SHA_B "\n";

	hash_buf_hex(HASH_SHA256, lines, strlen(lines), want);
	ids("15.2-1", SHA_B, got);
	CHECKF(!strcmp(got, want), "%s != %s", got, want);
	return 0;
}

static int test_index_gives_the_lock_side_value_in_any_order(void)
{
	struct pgb_err err;
	char a[PKGSETID_HEX], b[PKGSETID_HEX];
	size_t n = 0;

	ids("15.2-1", SHA_B, a);
	CHECK(pkgsetid_of_index(index_text, strlen(index_text), "Packages", b, &n, &err) == 0);
	CHECK(n == 2);
	CHECK(!strcmp(a, b));
	return 0;
}

static int test_version_or_file_change_changes_it(void)
{
	char a[PKGSETID_HEX], b[PKGSETID_HEX], c[PKGSETID_HEX];

	ids("15.2-1", SHA_B, a);
	ids("15.3-1", SHA_B, b);
	ids("15.2-1", SHA_A, c);
	CHECK(strcmp(a, b) && strcmp(a, c) && strcmp(b, c));
	return 0;
}

static int test_stanza_without_sha256_names_its_line(void)
{
	static const char bad[] = "Package: a\nVersion: 1\nArchitecture: all\nSHA256: " SHA_A
				  "\n\nPackage: b\nVersion: 1\nArchitecture: all\n";
	struct pgb_err err;
	char hex[PKGSETID_HEX];

	CHECK(pkgsetid_of_index(bad, strlen(bad), "Packages", hex, NULL, &err) < 0);
	CHECKF(strstr(err.msg, "Packages:6") != NULL, "%s", err.msg);
	return 0;
}

int main(void)
{
	struct t_sum s = { 0, 0 };

	T_RUN(&s, test_definition_is_sha256_of_sorted_lines);
	T_RUN(&s, test_index_gives_the_lock_side_value_in_any_order);
	T_RUN(&s, test_version_or_file_change_changes_it);
	T_RUN(&s, test_stanza_without_sha256_names_its_line);
	return t_done(&s);
}
