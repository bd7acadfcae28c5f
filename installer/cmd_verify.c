/*
 * cmd_verify.c - `verify`: main has checked the signature and the payload
 * hash while opening the .run; this walks the archive too, so that a bundle
 * whose content would be refused at extraction is refused here as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "inst.h"
#include "pack.h"
#include "runfile.h"

int cmd_verify(const struct inst_opts *o)
{
	struct inst_payload_stats w = { 0, 0, 0 };
	struct pgb_err err;
	time_t t = (time_t)runfile_signed_at(o->run);
	struct tm tm;
	char day[64] = "?";

	if (inst_payload_walk(o, &w, &err) < 0)
		return inst_print_error(&err);
	if (gmtime_r(&t, &tm))
		strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("OK %s\n", o->self);
	printf("  bundle     %s %s (%s)\n", o->bundle->name, o->bundle->version, o->bundle->target);
	printf("  signed by  %s on %s\n", runfile_signer(o->run), day);
	printf("  checked    with %s%s\n", o->key ? "the key in " : "the key embedded in the file",
	       o->key ? o->key : "");
	printf("  payload    %llu bytes, sha256 %s\n",
	       (unsigned long long)runfile_payload_length(o->run), runfile_payload_sha256(o->run));
	printf("  contents   %llu entries, %llu files, %llu bytes: all safe to extract\n",
	       (unsigned long long)w.entries, (unsigned long long)w.files,
	       (unsigned long long)w.bytes);
	if (!o->key)
		printf("note: the embedded key proves the file is intact, not who made it: compare "
		       "the fingerprint above with the one your bundle's publisher gives, or run "
		       "verify with --key PUB.\n");
	return 0;
}
