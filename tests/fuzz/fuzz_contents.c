/*
 * fuzz_contents.c - builder/extdisc.c's Contents-ARCH reader: which package
 * ships which PostgreSQL extension control file.
 *
 * Properties:
 *   - the in-memory parser and the streaming one (extdisc_parse_contents_file,
 *     the path discovery takes) find the same entries and fail alike (for
 *     one input in 32: the streaming reader is slow to set up); the
 *     text is written after a filler line that puts its first lines across
 *     the 64 KiB block boundary where the streaming reader carries a line
 *     over from one block to the next;
 *   - every entry has a non-empty name without '/' or "--", a package
 *     without ',' or '/', a major of 1 to 4 digits;
 *   - after extdisc_sort() entries are strictly ordered and unique, and
 *     extdisc_lookup() finds each (name, major).
 */
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "extdisc.h"
#include "fuzz.h"

#define BLOCK (1 << 16)

static void check_entries(const struct extdisc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct extdisc_ext *e = &d->v[i];

		FUZZ_ASSERT(e->name[0] && !strchr(e->name, '/') && !strstr(e->name, "--"));
		FUZZ_ASSERT(e->package[0] && !strchr(e->package, ',') &&
			    !strchr(e->package, '/'));
		FUZZ_ASSERT(e->pg >= 0 && e->pg <= 9999);
	}
}

static int same(const struct extdisc *a, const struct extdisc *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) || a->v[i].pg != b->v[i].pg ||
		    strcmp(a->v[i].package, b->v[i].package))
			return 0;
	return 1;
}

/* The streaming reader on filler + text, from a file; the filler adds no entry. */
static int parse_file(struct extdisc *d, const uint8_t *data, size_t size, struct pgb_err *err)
{
	static char filler[BLOCK];	/* read-only once made */
	size_t pad = BLOCK - 1 - (size ? data[0] % 64 : 0);
	char *path = fuzz_path("Contents-amd64");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc;
	struct iovec iov[2];

	if (!filler[0]) {
		memset(filler, 'x', sizeof(filler));
		filler[sizeof(filler) - 1] = '\n';
	}
	FUZZ_ASSERT(fd >= 0);
	iov[0] = (struct iovec){ filler + sizeof(filler) - 1 - pad, pad + 1 };
	iov[1] = (struct iovec){ (void *)data, size };
	FUZZ_ASSERT(writev(fd, iov, 2) == (ssize_t)(pad + 1 + size));
	close(fd);
	rc = extdisc_parse_contents_file(d, path, err);
	free(path);
	return rc;
}

static int stream_this(const uint8_t *data, size_t size)
{
	unsigned sum = 0;

	for (size_t i = 0; i < size; i++)
		sum += data[i];
	return sum % 32 == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extdisc mem = { 0 }, file = { 0 };
	struct pgb_err err, ferr;
	int rm, rf;

	/* The filler's line number shifts the file reader's messages by one. */
	rm = extdisc_parse_contents(&mem, (const char *)data, size, "Contents-amd64", &err);
	/* The streaming reader costs a file and libarchive's buffers per input: it
	 * takes one input in eight (chosen by content, so a replay does the same). */
	if (stream_this(data, size)) {
		rf = parse_file(&file, data, size, &ferr);
		FUZZ_ASSERT(rm == rf);
		FUZZ_ASSERT(same(&mem, &file));
	}
	check_entries(&mem);
	extdisc_sort(&mem);
	check_entries(&mem);
	for (size_t i = 0; i < mem.n; i++) {
		const struct extdisc_ext *e = &mem.v[i], *hit = extdisc_lookup(&mem, e->name, e->pg);

		if (i) {
			const struct extdisc_ext *p = &mem.v[i - 1];
			int c = strcmp(p->name, e->name);

			FUZZ_ASSERT(c < 0 || (c == 0 && (p->pg < e->pg ||
				    (p->pg == e->pg && strcmp(p->package, e->package) < 0))));
		}
		FUZZ_ASSERT(hit && !strcmp(hit->name, e->name) && hit->pg == e->pg && hit <= e);
	}
	extdisc_free(&mem);
	extdisc_free(&file);
	return 0;
}
