/*
 * cmd_verify.c - `verify`: the signature, the payload hash and every archive
 * entry, in one pass (payload.c), so that a bundle whose content would be
 * refused at extraction is refused here as well; then who signed it and why
 * that key is trusted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "inst.h"
#include "pack.h"
#include "pgp.h"
#include "runfile.h"

int cmd_verify(const struct inst_opts *o)
{
	struct inst_payload_stats w = { 0, 0, 0 };
	struct pgb_err err;
	const char *uid;
	char day[64], groups[51];

	if (inst_payload_walk(o, &w, &err) < 0)
		return inst_print_error(&err);
	util_utc(runfile_signed_at(o->run), "%Y-%m-%d %H:%M:%S UTC", day);
	uid = pgp_keyring_uid(o->trust->kr, runfile_signer(o->run));
	printf("OK %s\n", o->self);
	printf("  bundle     %s %s (%s)\n", o->bundle->name, o->bundle->version, o->bundle->target);
	printf("  signed by  %s\n", runfile_signer(o->run));
	printf("             %s%s%s\n", inst_fpr_groups(runfile_signer(o->run), groups),
	       uid && *uid ? ", " : "", uid ? uid : "");
	printf("  trust      %s\n", o->trust->source);
	printf("  signature  dated %s (the date the signer gives; not after this host's "
	       "clock)\n", day);
	printf("  payload    %llu bytes, sha256 %s\n",
	       (unsigned long long)runfile_payload_length(o->run), runfile_payload_sha256(o->run));
	printf("  contents   %llu entries, %llu files, %llu bytes: all safe to extract\n",
	       (unsigned long long)w.entries, (unsigned long long)w.files,
	       (unsigned long long)w.bytes);
	if (o->trust->embedded_only)
		fprintf(stderr, "warning: nothing vouches for key %s but the file itself; compare "
			"its fingerprint with the one your bundle's publisher gives\n",
			runfile_signer(o->run));
	return 0;
}
