/*
 * payload.c - reading the .run's payload without extracting it (verify,
 * extract --dry-run): every entry goes through pack_reader's safety checks.
 */
#include <stdlib.h>

#include "inst.h"
#include "pack.h"
#include "runfile.h"

int inst_payload_walk(const struct inst_opts *o, struct inst_payload_stats *w,
		      struct pgb_err *err)
{
	struct pack_reader *r;
	struct pack_entry_info e;
	char *what = xasprintf("the payload of %s", o->self);
	int rc;

	rc = pack_reader_open_fd(&r, runfile_fd(o->run), runfile_payload_offset(o->run),
				 runfile_payload_length(o->run), what, err);
	free(what);
	if (rc < 0)
		return -1;
	while ((rc = pack_reader_next(r, &e, err)) == 1) {
		w->entries++;
		if (e.type == 'f') {
			w->files++;
			w->bytes += e.size;
		}
	}
	pack_reader_free(r);
	return rc;
}
