/*
 * payload.c - the .run read once: the verification pass of repo/runfile.h,
 * with the payload going, as it is hashed, through pack_reader's safety
 * checks into whatever the command does with it (nothing, a walk, a list of
 * entries, an extraction).  What the command made is used only when the
 * whole pass verified.
 */
#include <stdlib.h>
#include <string.h>

#include "inst.h"
#include "pack.h"
#include "runfile.h"

/* What a command does with the archive, once it is open. */
struct payload_use {
	const struct inst_opts *o;
	int (*use)(struct payload_use *p, struct pack_reader *r, struct pgb_err *err);
	/* the command's */
	struct inst_payload_stats *stats;
	int (*entry)(void *ctx, struct pack_reader *r, const struct pack_entry_info *e,
		     struct pgb_err *err);
	int dir_fd;
	const char *dir;
	void (*file_cb)(void *ctx, const char *path, const char *hex);
	void *ctx;
};

static long source_read(void *ctx, const void **buf, struct pgb_err *err)
{
	return runfile_payload_read(ctx, buf, err);
}

static int consume(void *ctx, struct runfile *run, struct pgb_err *err)
{
	struct payload_use *p = ctx;
	struct pack_source src = { source_read, run };
	struct pack_reader *r;
	char *what = xasprintf("the payload of %s", p->o->self);
	int rc = pack_reader_open_source(&r, &src, what, err);

	free(what);
	if (rc < 0)
		return -1;
	rc = p->use(p, r, err);
	pack_reader_free(r);
	return rc;
}

/* The pass, then what only a verified file can say: who signed it. */
static int run_pass(struct payload_use *p, struct pgb_err *err)
{
	const struct inst_opts *o = p->o;
	const char *signer;

	if (runfile_verify(o->run, o->trust->kr, o->trust->kr_name, p->use ? consume : NULL, p,
			   err) < 0)
		return -1;
	signer = runfile_signer(o->run);
	if (strcmp(signer, o->bundle->key_fpr))
		return pgb_fail(err, "%s: its bundle.json names the bundle key %s, but the file is "
				"signed by %s: refusing an inconsistent bundle", o->self,
				o->bundle->key_fpr, signer);
	return 0;
}

int inst_payload_verify(const struct inst_opts *o, struct pgb_err *err)
{
	struct payload_use p = { .o = o };

	return run_pass(&p, err);
}

static int walk(struct payload_use *p, struct pack_reader *r, struct pgb_err *err)
{
	struct pack_entry_info e;
	int rc;

	while ((rc = pack_reader_next(r, &e, err)) == 1) {
		p->stats->entries++;
		if (e.type == 'f') {
			p->stats->files++;
			p->stats->bytes += e.size;
		}
	}
	return rc;
}

int inst_payload_walk(const struct inst_opts *o, struct inst_payload_stats *w,
		      struct pgb_err *err)
{
	struct payload_use p = { .o = o, .use = walk, .stats = w };

	return run_pass(&p, err);
}

static int entries(struct payload_use *p, struct pack_reader *r, struct pgb_err *err)
{
	struct pack_entry_info e;
	int rc;

	while ((rc = pack_reader_next(r, &e, err)) == 1)
		if ((rc = p->entry(p->ctx, r, &e, err)) != 0)
			break;
	return rc < 0 ? -1 : 0;
}

int inst_payload_entries(const struct inst_opts *o,
			 int (*fn)(void *ctx, struct pack_reader *r,
				   const struct pack_entry_info *e, struct pgb_err *err),
			 void *ctx, struct pgb_err *err)
{
	struct payload_use p = { .o = o, .use = entries, .entry = fn, .ctx = ctx };

	return run_pass(&p, err);
}

static int extract(struct payload_use *p, struct pack_reader *r, struct pgb_err *err)
{
	return pack_extract_reader(r, p->dir_fd, p->dir, 0, p->file_cb, p->ctx, err);
}

int inst_payload_extract(const struct inst_opts *o, int dir_fd, const char *dir,
			 void (*file_cb)(void *ctx, const char *path, const char *hex),
			 void *ctx, struct pgb_err *err)
{
	struct payload_use p = { .o = o, .use = extract, .dir_fd = dir_fd, .dir = dir,
			  .file_cb = file_cb, .ctx = ctx };

	return run_pass(&p, err);
}
